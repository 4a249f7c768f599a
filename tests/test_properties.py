"""Invariants of every replication, for scenario parameters that hypothesis varies over
their valid ranges (not only the seed): chances stay probabilities, answers follow
their causes, counts add up, days stay within the horizon, the ladder agrees with what
happened."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import simulate
from sim.model.outcomes import summarize
from sim.model.records import Call, Decision, Strain, Strike, StrikeKind
from sim.scenario import load_scenario
from tests.conftest import IDLIB

unit = st.floats(0.0, 1.0)


@st.composite
def overrides(draw: st.DrawFn) -> dict[str, Any]:
    """A point in the Idlib scenario's parameter space, every value valid."""
    found: dict[str, Any] = {"scenario.horizon": draw(st.floats(2.0, 40.0))}
    for actor in ("nfl", "government", "russia", "turkey"):
        low = draw(unit)
        found[f"actors.{actor}.retaliation.probability"] = low
        found[f"actors.{actor}.retaliation.max_probability"] = low + draw(unit) * (1 - low)
        found[f"actors.{actor}.retaliation.proportionality"] = draw(st.floats(0.0, 5.0))
    for actor in ("nfl", "government", "russia"):
        found[f"actors.{actor}.routine.rate"] = draw(st.floats(0.0, 3.0))
        found[f"actors.{actor}.routine.rate_collapsed"] = draw(st.floats(0.0, 10.0))
    found["actors.nfl.commitment.probability"] = draw(unit)
    found["actors.nfl.claims.false_personnel"] = draw(unit)
    found["actors.turkey.embedded.probability"] = draw(st.floats(0.0, 0.3))
    found["actors.russia.embedded.probability"] = draw(st.floats(0.0, 0.3))
    found["actors.russia.restraint.strength"] = draw(unit)
    found["actors.turkey.restraint.unleash"] = draw(st.floats(0.0, 3.0))
    found["actors.un.threshold"] = draw(st.floats(1.0, 200.0))
    found["actors.un.effect"] = draw(unit)
    found["actors.sohr.detection"] = draw(unit)
    collapse_at = draw(st.floats(1.05, 5.0))
    found["truce.collapse_at"] = collapse_at
    found["truce.initial_strain"] = draw(st.floats(0.0, collapse_at))
    found["truce.drift"] = draw(st.floats(0.0, 0.3))
    found["truce.personnel_limit"] = draw(st.integers(1, 30))
    found["truce.collapse_on_direct_action"] = draw(st.booleans())
    found["truce.restoration.probability"] = draw(unit)
    found["truce.restoration.max_probability"] = 1.0
    found["truce.restoration.strain"] = draw(st.floats(0.0, collapse_at * 0.99))
    found["negotiation.crowded_out"] = draw(st.floats(0.0, 0.9))
    found["negotiation.shared"] = draw(unit)
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=overrides(),
    seed=st.integers(0, 2**32),
    replication=st.integers(0, 10**6),
)
def test_every_outcome_keeps_its_invariants(
    changes: dict[str, Any], seed: int, replication: int
) -> None:
    scenario = load_scenario(IDLIB, changes)
    run = simulate(scenario, seed, replication)
    outcome = summarize(scenario, run)
    horizon = scenario.horizon

    days = [r.day for r in run.records]
    assert days == sorted(days) and all(0 <= d < horizon for d in days)
    assert all(0.0 <= r.probability <= 1.0 for r in run.records if isinstance(r, Decision))
    assert all(r.strain >= 0.0 for r in run.records if isinstance(r, Strain))
    strikes = {r.id: r for r in run.records if isinstance(r, Strike)}
    for strike in strikes.values():
        if strike.cause is not None:  # an answer comes after what it answers
            cause = strikes[strike.cause]
            assert cause.id < strike.id and cause.day <= strike.day

    kinds = [s.kind for s in strikes.values()]
    assert outcome["strikes"] == len(strikes)
    assert kinds.count(StrikeKind.ROUTINE) == outcome["routine_strikes"]
    assert kinds.count(StrikeKind.RETALIATION) == outcome["retaliations"]
    assert kinds.count(StrikeKind.OPENING) == len(scenario.openings)
    assert 1 <= outcome["longest_chain"] <= outcome["strikes"]
    armed = [a.id for a in scenario.armed]
    assert sum(outcome[f"deaths_{a}"] for a in armed) == outcome["deaths"]
    assert sum(outcome[f"reported_{a}"] for a in armed) == outcome["reported_deaths"]
    assert all(0 <= outcome[f"reported_{a}"] <= outcome[f"deaths_{a}"] for a in armed)
    guarantors = [g.id for g in scenario.guarantors]
    assert sum(outcome[f"personnel_killed_{g}"] for g in guarantors) == outcome["personnel_killed"]
    assert outcome["deadliest_strike"] <= outcome["deaths"]
    calls = [r for r in run.records if isinstance(r, Call)]
    assert outcome["consultations"] + outcome["calls_crowded_out"] == len(calls)
    assert outcome["calls_shared"] <= outcome["consultations"]

    assert (
        outcome["collapsed"] == (outcome["collapses"] > 0) == (outcome["collapse_day"] is not None)
    )
    if outcome["collapsed"]:
        assert 0 <= outcome["collapse_day"] < horizon
    assert outcome["restored"] <= outcome["collapsed"]
    if outcome["restored"]:
        assert outcome["collapse_day"] <= outcome["restored_day"] < horizon
    if outcome["final_strain"] is None:
        assert outcome["collapsed"]
    assert scenario.truce is not None
    assert outcome["peak_strain"] >= scenario.truce.initial_strain  # the truce starts there
    # the highest rung, worked out here from the outcome's own numbers
    ladder = scenario.ladder
    rung = "quiet"
    if outcome["deaths"] > 0:
        rung = "deadly_strike"
    if outcome["deadliest_strike"] >= ladder.mass_casualty:
        rung = "mass_casualty_strike"
    if outcome["longest_chain"] >= ladder.cycle:
        rung = "retaliation_cycle"
    if outcome["personnel_killed"] > 0:
        rung = "guarantor_personnel_killed"
    if outcome["guarantor_direct_action"]:
        rung = "guarantor_direct_action"
    if outcome["collapsed"]:
        rung = "truce_collapse"
    assert outcome["highest_rung"] == rung
    deadliest = max((s.deaths for s in strikes.values()), default=0)
    assert outcome["deadliest_strike"] == deadliest
    assert outcome["events"] > outcome["strikes"]
