"""Every distribution against its analytic mean and variance, and against scipy's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.model.streams import Concept, Stream
from sim.scenario import distributions as dist

N = 20000
Z = 4.0
P_VALUE = 1e-4

CASES = [
    (dist.Exponential(2.0), stats.expon(scale=2.0)),
    (dist.Gamma(1.5, 0.5), stats.gamma(a=4.0, scale=1.5 / 4.0)),
    (dist.Gamma(3.0, 2.0), stats.gamma(a=0.25, scale=12.0)),
    (
        dist.LogNormal(1.0, 0.5),
        stats.lognorm(s=np.sqrt(np.log1p(0.25)), scale=np.exp(-0.5 * np.log1p(0.25))),
    ),
    (dist.Uniform(0.5, 2.0), stats.uniform(loc=0.5, scale=1.5)),
]


def stream(owner: str) -> Stream:
    return Stream(2024, 0, Concept.LAGS, owner)


@pytest.mark.parametrize(("distribution", "reference"), CASES, ids=lambda c: repr(c)[:40])
def test_samples_match_the_analytic_moments_and_the_reference(distribution, reference) -> None:  # type: ignore[no-untyped-def]
    s = stream(repr(distribution))
    samples = np.array([distribution.sample(s) for _ in range(N)])
    assert distribution.mean == pytest.approx(reference.mean())
    assert distribution.variance == pytest.approx(reference.var())
    z = (samples.mean() - distribution.mean) / np.sqrt(distribution.variance / N)
    assert abs(z) < Z
    assert stats.kstest(samples, reference.cdf).pvalue > P_VALUE


def test_fixed_is_always_its_value() -> None:
    s = stream("fixed")
    assert {dist.Fixed(1.25).sample(s) for _ in range(100)} == {1.25}
    assert dist.Fixed(1.25).variance == 0.0


@pytest.mark.parametrize(("mean", "dispersion"), [(0.4, 1.0), (4.0, 0.5), (15.0, 4.0)])
def test_casualty_counts_are_negative_binomial(mean: float, dispersion: float) -> None:
    s = stream(f"nb{mean}")
    counts = np.array([s.negative_binomial(mean, dispersion) for _ in range(N)])
    variance = mean + mean**2 / dispersion
    z = (counts.mean() - mean) / np.sqrt(variance / N)
    assert abs(z) < Z
    reference = stats.nbinom(dispersion, dispersion / (dispersion + mean))
    top = int(reference.ppf(0.999))
    observed = np.append(np.bincount(counts, minlength=top + 1)[:top], (counts >= top).sum())
    expected = np.append(reference.pmf(np.arange(top)), reference.sf(top - 1)) * N
    keep = expected >= 5
    if not keep.all():  # pool the sparse bins into one
        observed = np.append(observed[keep], observed[~keep].sum())
        expected = np.append(expected[keep], expected[~keep].sum())
    assert stats.chisquare(observed, expected).pvalue > P_VALUE


def test_streams_are_fixed_by_their_key_and_differ_between_keys() -> None:
    def draws(seed: int, replication: int, concept: Concept, owner: str) -> list[float]:
        s = Stream(seed, replication, concept, owner)
        return [s.uniform() for _ in range(100)]

    base = draws(1, 0, Concept.LAGS, "a")
    assert draws(1, 0, Concept.LAGS, "a") == base
    for other in [
        (2, 0, Concept.LAGS, "a"),
        (1, 1, Concept.LAGS, "a"),
        (1, 0, Concept.TIMING, "a"),
        (1, 0, Concept.LAGS, "b"),
    ]:
        assert draws(*other) != base
