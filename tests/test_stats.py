"""The estimators against textbook values and against simulation of known truths."""

from __future__ import annotations

import numpy as np
import pytest

from sim.statistics.estimators import histogram, mean, proportion, quantile, survival


def test_wilson_interval_matches_the_formula() -> None:
    estimate = proportion(30, 100)
    z = 1.959963984540054
    p, n = 0.3, 100
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert (estimate.low, estimate.high) == pytest.approx((centre - half, centre + half))
    assert proportion(0, 50).low == 0.0 and proportion(0, 50).high > 0.0


def test_wilson_intervals_cover_the_truth_at_their_level() -> None:
    from scipy import stats

    rng = np.random.default_rng(5)
    trials, p, repeats = 200, 0.17, 2000

    def covers(k: int) -> bool:
        interval = proportion(k, trials)
        return interval.low <= p <= interval.high

    # Wilson's exact coverage here, from the binomial law (near 0.95, not equal to it)
    exact = sum(stats.binom.pmf(k, trials, p) for k in range(trials + 1) if covers(k))
    assert abs(exact - 0.95) < 0.02
    covered = sum(covers(int(k)) for k in rng.binomial(trials, p, repeats))
    # the simulated share against the exact coverage: four binomial standard errors
    assert abs(covered / repeats - exact) < 4 * np.sqrt(exact * (1 - exact) / repeats)


def test_mean_interval_is_students_t() -> None:
    estimate = mean([1.0, 2.0, 3.0, 4.0])
    assert estimate.value == 2.5
    assert estimate.half_width == pytest.approx(
        3.182446305284263 * np.std([1, 2, 3, 4], ddof=1) / 2
    )


def test_quantile_interval_brackets_the_median() -> None:
    values = list(range(1, 102))
    estimate = quantile(values, 0.5)
    assert estimate.value == 51
    assert estimate.low < 51 < estimate.high


def test_kaplan_meier_with_censoring_only_at_the_horizon_is_the_empirical_survival() -> None:
    days = [2.0, 5.0, None, 9.0, None, None, 5.0, None]
    curve = dict(survival(days, 10.0, [1.0, 5.0, 10.0]))
    assert curve[1.0].value == 1.0
    assert curve[5.0].value == pytest.approx(5 / 8)
    assert curve[10.0].value == pytest.approx(4 / 8)
    assert curve[5.0].low < 5 / 8 < curve[5.0].high


def test_histogram_keeps_the_given_order_with_zeros() -> None:
    assert histogram(["b", "c", "b"], order=["a", "b"]) == [("a", 0), ("b", 2), ("c", 1)]
    assert histogram([10, 2, 3, 2]) == [(2, 2), (3, 1), (10, 1)]
