"""The estimators against textbook values and against simulation of known truths."""

from __future__ import annotations

import math

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


# Freireich's 6-MP arm (leukaemia remission, weeks; 1 = relapse, 0 = censored): censored
# inside the follow-up, so Kaplan-Meier differs from the plain surviving fraction
SIX_MP_TIMES = [6, 6, 6, 7, 10, 13, 16, 22, 23, 6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35]
SIX_MP_RELAPSED = [True] * 9 + [False] * 12
# R's survfit(conf.type = "log-log"), as printed in Kleinbaum and Klein, Survival Analysis
SIX_MP = {
    6: (0.8571, 0.620, 0.952),
    7: (0.8067, 0.563, 0.923),
    10: (0.7529, 0.503, 0.889),
    13: (0.6902, 0.432, 0.849),
    16: (0.6275, 0.368, 0.805),
    22: (0.5378, 0.268, 0.747),
    23: (0.4482, 0.188, 0.680),
}


def test_kaplan_meier_with_censoring_inside_the_follow_up_matches_the_textbook() -> None:
    from sim.statistics.estimators import kaplan_meier

    curve = dict(kaplan_meier(SIX_MP_TIMES, SIX_MP_RELAPSED, list(SIX_MP)))
    for day, (value, low, high) in SIX_MP.items():
        found = curve[day]
        assert (found.value, found.low, found.high) == pytest.approx((value, low, high), abs=6e-4)
    # the plain fraction without relapse by week 23 would be 12/21 = 0.571
    assert curve[23].value < 12 / 21 - 0.1


def test_with_no_collapse_yet_the_interval_is_the_exact_binomial_bound() -> None:
    # 200 of 200 truces held: Clopper-Pearson gives [(0.025)^(1/200), 1] = [0.9817, 1]
    ((_, held),) = survival([None] * 200, 60.0, [1.0])
    assert (held.value, held.high) == (1.0, 1.0)
    assert held.low == pytest.approx(0.025 ** (1 / 200))
    assert held.low < 0.99


def test_when_every_truce_has_collapsed_the_upper_bound_is_the_exact_binomial_one() -> None:
    ((_, gone),) = survival([1.0] * 50, 60.0, [10.0])
    assert (gone.value, gone.low) == (0.0, 0.0)
    assert gone.high == pytest.approx(1 - 0.025 ** (1 / 50))  # not 1


def test_the_median_survival_is_read_off_the_kaplan_meier_curve() -> None:
    from sim.statistics.estimators import median_survival

    found = median_survival(SIX_MP_TIMES, SIX_MP_RELAPSED)
    assert found.value == 23  # the first time S(t) falls to 0.5 or below
    assert found.low == 13  # the first time the band's lower edge falls to 0.5
    assert math.isnan(found.high)  # the band's upper edge never falls to one half
    never = median_survival([60.0] * 10, [False] * 10)
    assert math.isnan(never.value)  # not reached: S stays above one half


def test_at_the_horizon_a_truce_that_always_held_has_the_exact_binomial_bound() -> None:
    # every truce censored at the horizon: those censored on that day are still at risk
    ((_, held),) = survival([None] * 300, 60.0, [60.0])
    assert held.value == 1.0 and held.low == pytest.approx(0.025 ** (1 / 300))


def test_when_the_last_truce_collapses_the_band_does_not_jump_up() -> None:
    # 200 collapses spread over days 0-50, none censored: Kaplan-Meier is the plain
    # fraction, and where it reaches 0 the exact bound for 0 of 200 applies
    days = [50.0 * (i + 1) / 200 for i in range(200)]
    curve = dict(survival(days, 60.0, [49.0, 50.0, 55.0]))
    assert curve[50.0].value == 0.0
    assert curve[50.0].high == pytest.approx(1 - 0.025 ** (1 / 200))
    assert curve[55.0].high <= curve[49.0].high  # a band that never rises


def test_a_mean_interval_stops_at_what_the_quantity_can_be() -> None:
    whole = mean([0.0, 0.0, 0.0, 1.0])
    assert whole.low < 0.0  # Student t reaches below a count's floor
    cut = mean([0.0, 0.0, 0.0, 1.0], within=(0.0, math.inf))
    assert (cut.value, cut.low, cut.high) == (0.25, 0.0, whole.high)
    days = mean([50.0, 59.0], within=(0.0, 60.0))
    assert days.low == 0.0 and days.high == 60.0  # two collapse days, a 60-day horizon


def test_a_process_forked_while_scipy_is_imported_in_the_background_waits_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run on workers imports scipy's statistics on a thread; a pool forked after
    (the next run's, in the same process) must not inherit that import half done, so
    a fork waits for it to end."""
    import os
    import sys
    import time

    from sim.statistics import estimators

    done: list[bool] = []

    def slow_import() -> None:
        time.sleep(0.5)
        done.append(True)

    monkeypatch.delitem(sys.modules, "scipy.stats", raising=False)
    monkeypatch.setattr(estimators, "_importing", None)
    monkeypatch.setattr(estimators, "_import_stats", slow_import)
    estimators.import_meanwhile()
    assert not done  # the import runs on its thread
    child = os.fork()
    if child == 0:
        os._exit(0 if done else 1)
    assert done  # the parent waited before forking
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0  # and the child saw it ended
