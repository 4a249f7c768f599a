"""Trace tests: scripted scenarios whose every event is determined, checked as exact
sequences of records and truce states."""

from __future__ import annotations

import math
from typing import Any

import pytest

from sim.model import simulate
from sim.model.records import (
    Call,
    Decision,
    Report,
    StateChange,
    Strain,
    Strike,
    StrikeKind,
    TruceState,
)
from tests.conftest import make

IN_FORCE, STRAINED, COLLAPSED = TruceState.IN_FORCE, TruceState.STRAINED, TruceState.COLLAPSED


def decayed(level: float, days: float, half_life: float = 10.0) -> float:
    return float(level * 0.5 ** (days / half_life))


def shape(record: Any) -> tuple[Any, ...]:
    """A record reduced to what the scripted scenario determines."""
    if isinstance(record, Strike):
        return ("strike", record.day, record.attacker, record.target, record.deaths, record.cause)
    if isinstance(record, Decision):
        return ("decision", record.day, record.actor, record.strike, record.retaliates)
    if isinstance(record, Report):
        return ("report", record.day, record.strike, record.deaths)
    if isinstance(record, Strain):
        return ("strain", record.day, record.state, record.reason)
    if isinstance(record, StateChange):
        return ("state", record.day, record.state, record.reason)
    if isinstance(record, Call):
        return ("call", record.day, record.outcome)
    return (type(record).__name__, record.day)


def test_strike_answer_report_and_consultation_in_order(scripted_raw: dict[str, Any]) -> None:
    run = simulate(make(scripted_raw), seed=1, replication=0)
    assert [shape(r) for r in run.records] == [
        ("strain", 0.0, IN_FORCE, "truce at the start"),
        ("strike", 0.0, "west", "east", 30, None),
        ("strain", 0.0, IN_FORCE, "opening strike"),
        ("decision", 0.0, "east", 1, True),
        ("report", 0.5, 1, 30),
        ("strain", 0.5, IN_FORCE, "deadliest since the truce"),  # the state it found
        ("state", 0.5, STRAINED, "deadliest since the truce"),
        ("strike", 1.0, "east", "west", 0, 1),
        ("strain", 1.0, STRAINED, "retaliation strike"),
        ("decision", 1.0, "west", 2, False),
        ("call", 2.5, "held"),
        ("strain", 2.5, STRAINED, "consultation"),
        ("state", 2.5, IN_FORCE, "consultation"),
    ]


def test_strain_levels_follow_weights_and_half_life(scripted_raw: dict[str, Any]) -> None:
    run = simulate(make(scripted_raw), seed=1, replication=0)
    levels = [r.strain for r in run.records if isinstance(r, Strain)]
    after_opening = 0.5 + 0.1
    after_report = decayed(after_opening, 0.5) + 0.01 * 30 + 0.2
    after_answer = decayed(after_report, 0.5) + 0.1
    after_call = decayed(after_answer, 1.5) - 0.5
    assert levels == pytest.approx([0.5, after_opening, after_report, after_answer, after_call])
    assert run.final_strain == pytest.approx(decayed(after_call, 10 - 2.5))


def test_consultation_requests_while_pending_are_merged(scripted_raw: dict[str, Any]) -> None:
    # the report asks twice (strained, and a major violation): one call answers both
    run = simulate(make(scripted_raw), seed=1, replication=0)
    assert [r.day for r in run.records if isinstance(r, Call)] == [2.5]


def test_strain_decays_below_relaxed_at_after_the_half_lives(scripted_raw: dict[str, Any]) -> None:
    raw = scripted_raw
    raw["openings"] = []
    raw["truce"].update(initial_strain=2.0, relaxed_at=0.5, half_life=5)
    raw["negotiation"]["delay"] = 100.0  # no call inside the horizon
    raw["scenario"]["horizon"] = 30
    run = simulate(make(raw), seed=1, replication=0)
    changes = [(r.day, r.state, r.reason) for r in run.records if isinstance(r, StateChange)]
    # 2.0 -> 0.5 is two half-lives of 5 days
    assert changes == [
        (0.0, STRAINED, "truce at the start"),
        (pytest.approx(10.0), IN_FORCE, "decay"),
    ]


def test_drift_carries_strain_up_to_the_threshold_at_the_analytic_time(
    scripted_raw: dict[str, Any],
) -> None:
    raw = scripted_raw
    raw["openings"] = []
    raw["negotiation"]["delay"] = 100.0  # no call inside the horizon
    raw["truce"].update(initial_strain=0.0, drift=0.2, half_life=10)
    raw["scenario"]["horizon"] = 30
    run = simulate(make(raw), seed=1, replication=0)
    decay = math.log(2) / 10
    equilibrium = 0.2 / decay  # 2.885, above strained_at (1.0), below collapse_at (3.0)
    expected = math.log(equilibrium / (equilibrium - 1.0)) / decay
    changes = [(r.day, r.state) for r in run.records if isinstance(r, StateChange)]
    assert len(changes) == 1
    assert changes[0][0] == pytest.approx(expected) and changes[0][1] is STRAINED


def test_guarantor_personnel_killed_beyond_the_limit_collapse_the_truce(
    scripted_raw: dict[str, Any],
) -> None:
    raw = scripted_raw
    raw["actors"]["ge"]["embedded"] = {"host": "east", "probability": 1.0, "killed": 3}
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["openings"] = [
        {"day": 0, "attacker": "west", "target": "east", "deaths": 0},
        {"day": 1, "attacker": "west", "target": "east", "deaths": 0},
    ]
    run = simulate(make(raw), seed=1, replication=0)
    strikes = [r for r in run.records if isinstance(r, Strike)]
    assert [(s.personnel_killed, s.personnel_of) for s in strikes] == [(3, "ge"), (3, "ge")]
    changes = [(r.day, r.state, r.reason) for r in run.records if isinstance(r, StateChange)]
    # 3 killed is under the limit of 5; 6 is past it
    assert changes == [(1.0, COLLAPSED, "ge personnel killed")]


def test_below_the_personnel_limit_the_guarantors_consult(scripted_raw: dict[str, Any]) -> None:
    raw = scripted_raw
    raw["actors"]["ge"]["embedded"] = {"host": "east", "probability": 1.0, "killed": 3}
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["openings"] = [{"day": 0, "attacker": "west", "target": "east", "deaths": 0}]
    run = simulate(make(raw), seed=1, replication=0)
    assert not [r for r in run.records if isinstance(r, StateChange)]
    assert [(r.day, r.outcome) for r in run.records if isinstance(r, Call)] == [(2.0, "held")]


def test_a_guarantors_direct_action_collapses_the_truce_at_once(
    scripted_raw: dict[str, Any],
) -> None:
    raw = scripted_raw
    raw["actors"]["ge"]["embedded"] = {"host": "east", "probability": 1.0, "killed": 1}
    raw["actors"]["ge"]["retaliation"] = {"probability": 1.0, "lag": 0.25}
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["openings"] = [{"day": 0, "attacker": "west", "target": "east", "deaths": 0}]
    run = simulate(make(raw), seed=1, replication=0)
    overt = [r for r in run.records if isinstance(r, Strike) and r.overt]
    assert [(s.day, s.attacker, s.target, s.cause, s.kind) for s in overt] == [
        (0.25, "ge", "west", 1, StrikeKind.RETALIATION)
    ]
    changes = [(r.day, r.state, r.reason) for r in run.records if isinstance(r, StateChange)]
    assert changes == [(0.25, COLLAPSED, "guarantor direct action")]


def test_restraint_after_a_consultation_scales_the_chance_of_answering(
    scripted_raw: dict[str, Any],
) -> None:
    raw = scripted_raw
    raw["actors"]["ge"]["restraint"] = {"strength": 0.75, "duration": 5}
    raw["actors"]["east"]["retaliation"]["probability"] = 0.4
    raw["openings"] = [
        {"day": 0, "attacker": "west", "target": "east", "deaths": 30},  # call at day 2.5
        {"day": 3, "attacker": "west", "target": "east", "deaths": 0},  # restrained
        {"day": 8, "attacker": "west", "target": "east", "deaths": 0},  # restraint over
    ]
    run = simulate(make(raw), seed=1, replication=0)
    decisions = [
        (r.day, r.probability) for r in run.records if isinstance(r, Decision) and r.actor == "east"
    ]
    assert decisions == [(0.0, 0.4), (3.0, pytest.approx(0.4 * 0.25)), (8.0, 0.4)]


def test_a_crowded_out_call_is_postponed_by_another_delay(scripted_raw: dict[str, Any]) -> None:
    raw = scripted_raw
    raw["negotiation"].update(crowded_out=0.999999)
    raw["scenario"]["horizon"] = 7
    run = simulate(make(raw), seed=1, replication=0)
    assert [(r.day, r.outcome) for r in run.records if isinstance(r, Call)] == [
        (2.5, "crowded out"),
        (4.5, "crowded out"),
        (6.5, "crowded out"),
    ]


def test_restraint_after_a_consultation_lowers_how_often_strikes_are_answered(
    scripted_raw: dict[str, Any],
) -> None:
    """Across replications the answered share of a strike made under restraint falls
    from p to p x (1 - strength); a binomial z-test at 4 standard errors."""
    from scipy import stats

    raw = scripted_raw
    raw["actors"]["east"]["retaliation"]["probability"] = 0.4
    raw["openings"] = [
        {"day": 0, "attacker": "west", "target": "east", "deaths": 30},  # call at day 2.5
        {"day": 3, "attacker": "west", "target": "east", "deaths": 0},
    ]
    runs = 3000

    def answered_share(strength: float) -> float:
        raw["actors"]["ge"]["restraint"] = {"strength": strength, "duration": 5}
        scenario = make(raw)
        answered = 0
        for replication in range(runs):
            strikes = [
                r for r in simulate(scenario, 8, replication).records if isinstance(r, Strike)
            ]
            late = next(s.id for s in strikes if s.day == 3.0)  # its id depends on earlier answers
            answered += any(s.cause == late for s in strikes)
        return answered / runs

    for strength, expected in [(0.0, 0.4), (0.75, 0.1)]:
        share = answered_share(strength)
        z = (share - expected) / (expected * (1 - expected) / runs) ** 0.5
        assert abs(z) < 4, f"strength {strength}: answered {share:.3f}, expected {expected}"
    free, restrained = answered_share(0.0), answered_share(0.75)
    assert stats.binomtest(round(restrained * runs), runs, free).pvalue < 1e-6
