"""The printed distributions say what they are: conditional probabilities over the
replications they condition on, medians of censored days from Kaplan-Meier, conditional
means among the replications where the event happened, and no truce where there is
none."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import sim
from tests.conftest import IDLIB, ROOT, TWO_ACTOR, invoke


@pytest.fixture(scope="module")
def idlib() -> sim.Results:
    return sim.run(IDLIB, runs=300, seed=2020, jobs=1)


def test_restoration_is_a_probability_among_the_replications_that_collapsed(
    idlib: sim.Results,
) -> None:
    columns = idlib.columns(["collapsed", "restored"])
    collapsed = sum(columns["collapsed"])
    restored = sum(columns["restored"])
    found = idlib.summary()["truce"]["restored"]
    assert found["n"] == collapsed > 0
    assert found["value"] == pytest.approx(restored / collapsed)
    assert found["label"] == "P(truce restored by talks by day 60 | truce collapsed)"


def test_the_median_collapse_day_is_kaplan_meiers_or_not_reached(idlib: sim.Results) -> None:
    median = idlib.summary()["truce"]["median_collapse_day"]
    assert median["value"] is None and median["reached"] is False  # S(60) is about 0.82
    likely = sim.run(
        IDLIB, runs=300, seed=2020, jobs=1, overrides={"truce.collapse_at": 1.1, "truce.drift": 0.2}
    )
    days = [d for d in likely.columns(["collapse_day"])["collapse_day"] if d is not None]
    found = likely.summary()["truce"]["median_collapse_day"]
    # censoring only at the horizon: Kaplan-Meier's median is the 150th collapse day of 300
    assert len(days) > 150 and found["reached"] is True
    assert found["value"] == sorted(days)[149]


def test_conditional_outcomes_are_summarised_among_the_replications_where_they_happened(
    idlib: sim.Results, tmp_path: Path
) -> None:
    summary = idlib.summary()
    collapse_day = summary["quantities"]["collapse_day"]
    days = [d for d in idlib.columns(["collapse_day"])["collapse_day"] if d is not None]
    assert collapse_day["n"] == len(days) and collapse_day["when"] == "the truce collapsed"
    assert collapse_day["mean"]["value"] == pytest.approx(sum(days) / len(days))
    out = tmp_path / "idlib"
    sim.run(IDLIB, runs=300, seed=2020, jobs=1, output=out)
    table = invoke("summary", out).output
    assert f"among the {len(days)} replications where the truce collapsed" in table


def test_a_scenario_without_a_truce_prints_no_truce() -> None:
    result = invoke("run", TWO_ACTOR, "--runs", 200, "--jobs", 1)
    assert result.exit_code == 0
    assert "collapse" not in result.output.lower() and "truce" not in result.output.lower()
    summary = json.loads(invoke("run", TWO_ACTOR, "--runs", 50, "--format", "json").output)
    assert summary["truce"] is None
    assert "guarantor_direct_action" not in summary["probabilities"]


def test_compare_gives_each_runs_own_conditional_estimate_and_pairs_only_what_pairs(
    idlib: sim.Results,
) -> None:
    other = sim.run(IDLIB, runs=300, seed=2020, jobs=1, overrides={"truce.drift": 0.05})
    rows = {r["metric"]: r for r in sim.compare(idlib, other).rows}
    own = idlib.summary()["quantities"]["collapse_day"]
    theirs = other.summary()["quantities"]["collapse_day"]
    day = rows["collapse_day"]
    assert (day["a"], day["n_a"]) == (pytest.approx(own["mean"]["value"]), own["n"])
    assert (day["b"], day["n_b"]) == (pytest.approx(theirs["mean"]["value"]), theirs["n"])
    assert day["paired"] is False  # different replications collapsed in A and B
    assert rows["strikes"]["paired"] is True and rows["strikes"]["n_a"] == 300
    restored = rows["restored"]
    assert restored["n_a"] == sum(idlib.columns(["collapsed"])["collapsed"])
    assert restored["paired"] is False


def test_paired_tests_agree_with_the_intervals_they_print() -> None:
    """Under a shared seed most paired differences are zero; the test must still see
    the ones that are not (a paired t test, like the interval shown)."""
    a = sim.run(IDLIB, runs=2000, seed=5, jobs=2)
    b = sim.run(IDLIB, runs=2000, seed=5, jobs=2, overrides={"truce.drift": 0.04})
    for row in sim.compare(a, b).rows:
        excludes_zero = row["low"] > 0 or row["high"] < 0
        if row["paired"] and row["metric"] != "collapsed":
            assert excludes_zero == (row["p_value"] < 0.05), row


def test_runs_holding_different_replications_are_compared_on_those_both_hold() -> None:
    few = sim.run(IDLIB, runs=50, seed=5, jobs=1)
    many = sim.run(IDLIB, runs=400, seed=5, jobs=1)
    rows = {r["metric"]: r for r in sim.compare(few, many).rows}
    strikes = rows["strikes"]
    assert strikes["paired"] and strikes["pairs"] == 50
    assert (strikes["n_a"], strikes["n_b"]) == (50, 50)
    assert strikes["difference"] == 0 and strikes["a"] == strikes["b"]


def test_outcomes_defined_in_the_same_replications_are_paired() -> None:
    a = sim.run(IDLIB, runs=300, seed=5, jobs=1)
    b = sim.run(IDLIB, runs=300, seed=5, jobs=1, overrides={"truce.drift": 0.04})
    rows = {r["metric"]: r for r in sim.compare(a, b).rows}
    assert rows["peak_strain"]["paired"] and rows["first_retaliation_day"]["paired"]
    assert not rows["collapse_day"]["paired"]


def test_until_ci_on_a_conditional_probability_uses_its_condition() -> None:
    found = sim.run(IDLIB, runs=300, seed=2020, jobs=2, until_ci="restored=0.05", max_runs=1200)
    assert found.info is not None and found.info.half_width is not None
    printed = found.summary()["truce"]["restored"]
    assert found.info.half_width == pytest.approx((printed["high"] - printed["low"]) / 2)


def test_until_ci_stops_on_the_interval_it_prints() -> None:
    """A rare count's interval is cut at zero; the half-width the run stops on is the
    printed one's, not the uncut Student t's."""
    gaza = ROOT / "scenarios" / "gaza-2021-05.toml"
    found = sim.run(gaza, runs=5, seed=2020, jobs=1, until_ci="deaths_israel=0.01", max_runs=5)
    assert found.info is not None and found.info.half_width is not None
    printed = found.summary()["quantities"]["deaths_israel"]["mean"]
    assert printed["low"] == 0.0
    assert found.info.half_width == pytest.approx((printed["high"] - printed["low"]) / 2)


def test_no_interval_reaches_outside_what_an_outcome_can_be() -> None:
    """Every outcome and daily series counts or measures something non-negative, and a
    day lies within the horizon. A Student t interval around a mean of mostly zeros, or
    of two collapse days, reaches past both; the printed interval stops at the bound
    (which keeps its coverage: the true mean lies inside the bounds)."""
    rare = sim.run(ROOT / "scenarios" / "gaza-2021-05.toml", runs=2000, seed=2020, jobs=1)
    summary = rare.summary()
    quantities = summary["quantities"]
    assert quantities["collapse_day"]["n"] == 2
    for name, entry in quantities.items():
        low, high = entry["mean"]["low"], entry["mean"]["high"]
        assert low is None or low >= 0.0, name
        if entry["unit"] == "days":
            assert high is None or high <= 60.0, name
    assert quantities["collapses"]["mean"]["low"] == 0.0
    assert quantities["collapse_day"]["mean"]["high"] == 60.0
    for name, band in rare.daily_summary().bands.items():
        assert np.all(band.low[~np.isnan(band.low)] >= 0.0), name
