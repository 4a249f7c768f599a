"""The two-actor scenario against branching-process theory, with tolerances from the
sampling error. Each check would fail by chance with probability about 1e-4 or less."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.model import simulate
from sim.model.records import Strike
from sim.model.replication import replicate
from sim.scenario import load_scenario, parse_override
from tests.conftest import TWO_ACTOR

RUNS = 4000
Z = 4.0  # two-sided false alarm about 6e-5
P_VALUE = 1e-4


def strikes(p_a: float, p_b: float, seed: int) -> np.ndarray:
    scenario = load_scenario(
        TWO_ACTOR,
        [
            parse_override(f"actors.a.retaliation.probability={p_a}"),
            parse_override(f"actors.b.retaliation.probability={p_b}"),
        ],
    )
    return np.array([o["strikes"] for o in replicate(scenario, seed, RUNS)])


def alternating_pmf(p_a: float, p_b: float, k: int) -> float:
    """P(N = k) when a strike by `a` is answered by `b` with p_b, then by `a` with p_a..."""
    answered = 1.0
    for i in range(1, k):
        answered *= p_b if i % 2 == 1 else p_a
    stop = 1.0 - (p_b if k % 2 == 1 else p_a)
    return answered * stop


def chi_square_p_value(counts: np.ndarray, pmf: list[float], runs: int) -> float:
    """Goodness of fit, merging the tail so each expected count is at least 5."""
    expected = np.array(pmf) * runs
    keep = int(np.argmax(np.cumsum(expected[::-1]) >= 5))  # bins from the tail to merge
    cut = len(expected) - keep - 1
    observed_bins = np.append(counts[:cut], counts[cut:].sum())
    expected_bins = np.append(expected[:cut], runs - expected[:cut].sum())
    return float(stats.chisquare(observed_bins, expected_bins).pvalue)


@pytest.mark.parametrize("p", [0.3, 0.6, 0.8])
def test_strikes_are_geometric_with_mean_one_over_one_minus_p(p: float) -> None:
    n = strikes(p, p, seed=11)
    mean = 1.0 / (1.0 - p)
    sd = np.sqrt(p) / (1.0 - p)
    z = (n.mean() - mean) / (sd / np.sqrt(RUNS))
    assert abs(z) < Z, f"mean {n.mean():.3f}, theory {mean:.3f}, z = {z:.2f}"
    top = 200
    counts = np.bincount(n, minlength=top + 1)[1 : top + 1]
    pmf = [(1 - p) * p ** (k - 1) for k in range(1, top + 1)]
    assert chi_square_p_value(counts, pmf, RUNS) > P_VALUE


def test_alternating_probabilities_give_the_analytic_mean_and_distribution() -> None:
    p_a, p_b = 0.3, 0.8
    n = strikes(p_a, p_b, seed=12)
    top = 200
    pmf = [alternating_pmf(p_a, p_b, k) for k in range(1, top + 1)]
    ks = np.arange(1, top + 1)
    mean = (1 + p_b) / (1 - p_a * p_b)
    assert sum(ks * np.array(pmf)) == pytest.approx(mean)
    sd = np.sqrt(sum((ks - mean) ** 2 * np.array(pmf)))
    z = (n.mean() - mean) / (sd / np.sqrt(RUNS))
    assert abs(z) < Z, f"mean {n.mean():.3f}, theory {mean:.3f}, z = {z:.2f}"
    counts = np.bincount(n, minlength=top + 1)[1 : top + 1]
    assert chi_square_p_value(counts, pmf, RUNS) > P_VALUE


def test_the_time_between_a_strike_and_its_answer_is_the_exponential_lag() -> None:
    """The cluster's kernel: each answer follows its cause by an Exp(mean 1) lag."""
    scenario = load_scenario(TWO_ACTOR)
    gaps = []
    for replication in range(1500):
        run = simulate(scenario, 13, replication)
        days = {r.id: r.day for r in run.records if isinstance(r, Strike)}
        gaps += [r.day - days[r.cause] for r in run.records if isinstance(r, Strike) and r.cause]
    assert len(gaps) > 1500
    assert stats.kstest(gaps, stats.expon(scale=1.0).cdf).pvalue > P_VALUE


def test_a_cluster_lasts_as_long_as_the_sum_of_its_lags() -> None:
    """The last strike of a chain of N strikes comes after N - 1 exponential lags: a
    gamma(N - 1, 1) time, so E[last day] = E[N] - 1 = p / (1 - p)."""
    scenario = load_scenario(TWO_ACTOR)
    outcomes = list(replicate(scenario, 14, RUNS))
    last = np.array([o["last_strike_day"] for o in outcomes])
    p = 0.6
    mean = p / (1 - p)
    # Var(T) = E[N - 1] + Var(N) for a compound sum of unit-mean, unit-variance lags
    sd = np.sqrt(mean + p / (1 - p) ** 2)
    z = (last.mean() - mean) / (sd / np.sqrt(RUNS))
    assert abs(z) < Z, f"mean {last.mean():.3f}, theory {mean:.3f}, z = {z:.2f}"


def test_the_opening_strike_is_answered_with_probability_p_after_the_lag() -> None:
    """In the two-actor scenario `b` answers the opening strike with p = 0.6, after an
    Exp(1) lag: a binomial z-test, and a z-test of the lag's mean (sd 1)."""
    outcomes = list(replicate(load_scenario(TWO_ACTOR), 15, RUNS))
    answered = np.array([o["opening_answered"] for o in outcomes])
    z = (answered.mean() - 0.6) / np.sqrt(0.6 * 0.4 / RUNS)
    assert abs(z) < Z
    days = np.array([o["opening_answer_day"] for o in outcomes if o["opening_answered"]])
    assert abs((days.mean() - 1.0) / (1.0 / np.sqrt(len(days)))) < Z
    assert all(o["opening_answer_day"] is None for o in outcomes if not o["opening_answered"])


# memory -------------------------------------------------------------------------------


def remembering(half_life: float, lag: float = 1.0) -> list[str]:
    """Overrides of the two-actor scenario: nobody is killed, every strike adds one unit
    of grievance (``per_strike``), which halves every ``half_life`` days; the chance of
    answering rises from 0.3 towards 0.9, half way at 2 units; a fixed lag."""
    made = []
    for actor in ("a", "b"):
        made += [
            f"actors.{actor}.capabilities.fire.lethality=0",
            f"actors.{actor}.retaliation.probability=0.3",
            f"actors.{actor}.retaliation.max_probability=0.9",
            f"actors.{actor}.retaliation.half_severity=2",
            f"actors.{actor}.retaliation.lag={lag}",
            f"actors.{actor}.memory.half_life={half_life}",
            f"actors.{actor}.memory.per_strike=1",
        ]
    return made


def chain_pmf(half_life: float, lag: float, top: int) -> list[float]:
    """P(N = k) for the chain an opening starts, by direct calculation. The k-th decision
    is taken by b, a, b, a, ... each actor deciding every 2 x lag days; at its j-th
    decision an actor's grievance is 1 + r + ... + r^(j-1) with r = 2^(-2 lag / half_life),
    and it answers with 0.3 + 0.6 G / (G + 2)."""
    r = 2.0 ** (-2.0 * lag / half_life)
    pmf, survived = [], 1.0
    for k in range(1, top + 1):
        j = (k + 1) // 2  # the decider's j-th decision
        grievance = sum(r**i for i in range(j))
        answer = 0.3 + 0.6 * grievance / (grievance + 2.0)
        pmf.append(survived * (1.0 - answer))
        survived *= answer
    return pmf


def test_with_memory_the_chain_follows_the_direct_calculation() -> None:
    """Each answer raises the next decider's grievance, so a chain grows likelier to go
    on as it lengthens: the mean and the distribution of its strikes match the direct
    calculation (z at 4 standard errors, chi-square at p > 1e-4), and differ from the
    memoryless chain whose every answer has the first answer's chance (0.5)."""
    scenario = load_scenario(TWO_ACTOR, [parse_override(o) for o in remembering(20.0)])
    n = np.array([o["strikes"] for o in replicate(scenario, 31, RUNS)])
    top = 300
    pmf = np.array(chain_pmf(20.0, 1.0, top))
    ks = np.arange(1, top + 1)
    mean = float((ks * pmf).sum())
    sd = float(np.sqrt(((ks - mean) ** 2 * pmf).sum()))
    z = (n.mean() - mean) / (sd / np.sqrt(RUNS))
    assert abs(z) < Z, f"mean {n.mean():.3f}, theory {mean:.3f}, z = {z:.2f}"
    # memory lengthens chains beyond the memoryless mean 2.0 by more than the test's
    # tolerance, so the test tells one from the other
    assert (mean - 2.0) / (sd / np.sqrt(RUNS)) > Z
    counts = np.bincount(n, minlength=top + 1)[1 : top + 1]
    assert chi_square_p_value(counts, list(pmf), RUNS) > P_VALUE


def test_with_memory_that_forgets_at_once_the_cascade_is_the_old_branching_process() -> None:
    """A half-life far shorter than the lag leaves one unit of grievance at every
    decision: every answer has chance 0.3 + 0.6 / 3 = 0.5, and the chain is geometric."""
    scenario = load_scenario(TWO_ACTOR, [parse_override(o) for o in remembering(0.001)])
    n = np.array([o["strikes"] for o in replicate(scenario, 32, RUNS)])
    top = 200
    counts = np.bincount(n, minlength=top + 1)[1 : top + 1]
    pmf = [0.5 * 0.5 ** (k - 1) for k in range(1, top + 1)]
    assert chi_square_p_value(counts, pmf, RUNS) > P_VALUE
    z = (n.mean() - 2.0) / (np.sqrt(0.5) / 0.5 / np.sqrt(RUNS))
    assert abs(z) < Z
