"""Each mechanism of the model with scripted inputs: fixed delays, certain or exact
chances, fixed tolls, so the events, their days and the probabilities decided on are
exact. The base is ``conftest.scripted()``: ``west`` opens with 30 dead on ``east``,
``east`` answers every strike after a day (its fire kills nobody), ``west`` never
answers; the observer reports after half a day and counts every death."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from sim.model import replicate, simulate
from sim.model.catalogue import LADDER
from sim.model.outcomes import summarize
from sim.model.records import (
    Call,
    Commitment,
    Decision,
    MediatorCall,
    Record,
    StateChange,
    Strain,
    Strike,
    StrikeKind,
    Talks,
    TruceState,
)
from sim.outputs.timelines import timeline
from tests.conftest import armed, make, scripted

IN_FORCE, STRAINED, COLLAPSED = TruceState.IN_FORCE, TruceState.STRAINED, TruceState.COLLAPSED


def records(raw: dict[str, Any], seed: int = 1) -> list[Record]:
    return simulate(make(raw), seed=seed, replication=0).records


def decisions(found: list[Record], actor: str) -> list[tuple[float, float]]:
    return [(r.day, r.probability) for r in found if isinstance(r, Decision) and r.actor == actor]


def direct_action_at_quarter_day(raw: dict[str, Any]) -> None:
    """``ge`` (east's patron) has personnel at east; the opening kills one, and ge
    answers with overt direct action after 0.25 days, which collapses the truce."""
    raw["actors"]["ge"]["embedded"] = {"host": "east", "probability": 1.0, "killed": 1}
    raw["actors"]["ge"]["retaliation"] = {"probability": 1.0, "lag": 0.25}
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0


def direct_action_without_collapse(raw: dict[str, Any]) -> None:
    direct_action_at_quarter_day(raw)
    raw["truce"]["collapse_on_direct_action"] = False


# the truce and its restoration --------------------------------------------------------


def test_restoration_talks_weigh_the_losses_reported_since_the_collapse() -> None:
    raw = scripted()
    direct_action_at_quarter_day(raw)
    raw["truce"]["restoration"] = {
        "interval": 2.0,
        "probability": 0.0,
        "max_probability": 1.0,
        "half_losses": 30,
        "strain": 0.2,
    }
    raw["scenario"]["horizon"] = 7
    found = records(raw)
    talks = [(r.day, r.probability) for r in found if isinstance(r, Talks)]
    # the opening's 30 dead are reported at 0.5, after the collapse at 0.25: at every
    # round the losses since the collapse are 30, so p = 0 + 1 x 30 / (30 + 30)
    assert talks[0] == (2.25, 0.5)
    assert all(p == 0.5 for _, p in talks)
    assert [d for d, _ in talks] == [2.25, 4.25, 6.25][: len(talks)]


def test_a_restored_truce_starts_at_the_restoration_strain_and_can_collapse_again() -> None:
    raw = scripted()
    direct_action_at_quarter_day(raw)
    raw["actors"]["ge"]["retaliation"]["lag"] = 0.25
    raw["truce"]["restoration"] = {"interval": 2.0, "probability": 1.0, "strain": 0.2}
    raw["scenario"]["horizon"] = 10
    # a second killing at east on day 5 is answered by ge again: a second collapse
    raw["openings"].append({"day": 5, "attacker": "west", "target": "east", "deaths": 0})
    found = records(raw)
    changes = [(r.day, r.state, r.reason) for r in found if isinstance(r, StateChange)]
    assert changes == [
        (0.25, COLLAPSED, "guarantor direct action"),
        (2.25, IN_FORCE, "restored by talks"),
        (5.25, COLLAPSED, "guarantor direct action"),
        (7.25, IN_FORCE, "restored by talks"),
    ]
    restored = [r for r in found if isinstance(r, Strain) and r.reason == "restored by talks"]
    assert [(r.day, r.strain) for r in restored] == [(2.25, 0.2), (7.25, 0.2)]
    # talks open again after the second collapse
    assert [r.day for r in found if isinstance(r, Talks)] == [2.25, 7.25]
    outcome = summarize(make(raw), simulate(make(raw), 1, 0))
    assert (outcome["collapses"], outcome["restored_day"], outcome["talks"]) == (2, 2.25, 2)


def test_drift_alone_strains_then_collapses_the_truce_at_the_analytic_days() -> None:
    raw = scripted()
    raw["openings"] = []
    raw["negotiation"]["delay"] = 100.0  # no call inside the horizon
    raw["truce"].update(initial_strain=0.0, drift=0.5, half_life=10)
    raw["scenario"]["horizon"] = 60
    decay = math.log(2) / 10
    equilibrium = 0.5 / decay  # 7.2, above collapse_at (3)

    def crossing(level: float, threshold: float) -> float:
        return math.log((level - equilibrium) / (threshold - equilibrium)) / decay

    strained = crossing(0.0, 1.0)
    collapsed = strained + crossing(1.0, 3.0)
    changes = [r for r in records(raw) if isinstance(r, StateChange)]
    assert [(r.state, r.reason) for r in changes] == [
        (STRAINED, "drift"),
        (COLLAPSED, "strain past the collapse threshold"),
    ]
    assert [r.day for r in changes] == pytest.approx([strained, collapsed])


# decisions ----------------------------------------------------------------------------


def test_the_chance_of_answering_rises_with_the_losses_on_the_severity_curve() -> None:
    raw = scripted()
    raw["actors"]["east"]["retaliation"] = {
        "probability": 0.1,
        "max_probability": 0.9,
        "half_severity": 10,
        "lag": 1.0,
    }
    raw["openings"] = [
        {"day": float(day), "attacker": "west", "target": "east", "deaths": deaths}
        for day, deaths in enumerate((0, 10, 30))
    ]
    raw["negotiation"]["major_deaths"] = 1000  # no calls, no restraint
    found = decisions(records(raw), "east")
    assert found[:3] == [
        (0.0, 0.1),
        (1.0, pytest.approx(0.1 + 0.8 * 10 / 20)),
        (2.0, pytest.approx(0.1 + 0.8 * 30 / 40)),
    ]


def test_a_public_commitment_after_a_heavy_loss_closes_part_of_the_gap_to_certainty() -> None:
    raw = scripted()
    raw["actors"]["east"]["retaliation"]["probability"] = 0.2
    raw["actors"]["east"]["commitment"] = {"min_deaths": 20, "probability": 1.0, "boost": 0.5}
    raw["openings"] = [
        {"day": 0, "attacker": "west", "target": "east", "deaths": 30},  # commits
        {"day": 1, "attacker": "west", "target": "east", "deaths": 10},  # too light
    ]
    raw["negotiation"]["major_deaths"] = 1000
    found = records(raw)
    assert [(r.day, r.actor, r.strike) for r in found if isinstance(r, Commitment)] == [
        (0.0, "east", 1)
    ]
    assert decisions(found, "east")[:2] == [(0.0, 0.2 + 0.5 * 0.8), (1.0, 0.2)]


def test_after_a_collapse_a_patron_unleashes_its_client() -> None:
    raw = scripted()
    direct_action_at_quarter_day(raw)
    raw["actors"]["east"]["retaliation"]["probability"] = 0.4
    raw["actors"]["ge"]["restraint"] = {"strength": 0.5, "duration": 5, "unleash": 1.5}
    raw["openings"].append({"day": 1, "attacker": "west", "target": "east", "deaths": 0})
    found = decisions(records(raw), "east")
    assert found == [(0.0, 0.4), (1.0, pytest.approx(0.6))]  # 0.4 x 1.5 after the collapse


def test_a_mediators_call_calms_every_answer_for_its_effect_days_and_cools_down() -> None:
    raw = scripted()
    raw["actors"]["un"] = {
        "role": "mediator",
        "window": 7,
        "threshold": 25,
        "cooldown": 5,
        "effect": 0.5,
        "effect_days": 3,
        "strain_relief": 0.1,
    }
    raw["negotiation"]["major_deaths"] = 1000  # no consultations
    raw["openings"] = [
        {"day": 0, "attacker": "west", "target": "east", "deaths": 30},  # reported at 0.5
        {"day": 1, "attacker": "west", "target": "east", "deaths": 0},  # calmed
        {"day": 2, "attacker": "west", "target": "east", "deaths": 30},  # in the cool-down
        {"day": 4, "attacker": "west", "target": "east", "deaths": 0},  # calm over
    ]
    raw["scenario"]["horizon"] = 6
    found = records(raw)
    assert [(r.day, r.window_deaths) for r in found if isinstance(r, MediatorCall)] == [(0.5, 30)]
    relief = [r for r in found if isinstance(r, Strain) and r.reason == "mediator's call"]
    assert len(relief) == 1 and relief[0].day == 0.5
    assert decisions(found, "east") == [(0.0, 1.0), (1.0, 0.5), (2.0, 0.5), (4.0, 1.0)]


# information --------------------------------------------------------------------------


def test_claims_are_inflated_and_weigh_on_the_strain_by_their_credibility() -> None:
    raw = scripted()
    raw["actors"]["west"]["claims"] = {"inflation": 2.0}
    raw["truce"]["weights"]["claim_credibility"] = 0.5
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    found = records(raw)
    strike = next(r for r in found if isinstance(r, Strike))
    assert (strike.deaths, strike.claimed_deaths) == (30, 60)
    levels = [(r.day, r.strain, r.reason) for r in found if isinstance(r, Strain)][:3]
    at_strike = 0.5 + 0.1 + 0.5 * 0.01 * 60  # violation and the claim's share
    perceived = 0.5 * 60 + 0.5 * 30  # 45, above the deadliest before (10)
    at_report = at_strike * 0.5 ** (0.5 / 10) + 0.5 * 0.01 * 30 + 0.2
    assert perceived > 10
    assert levels == [
        (0.0, 0.5, "truce at the start"),
        (0.0, pytest.approx(at_strike), "opening strike"),
        (0.5, pytest.approx(at_report), "deadliest since the truce"),
    ]


def test_a_false_claim_of_guarantor_personnel_weighs_on_the_strain_and_says_false() -> None:
    raw = scripted()
    raw["actors"]["ge"]["embedded"] = {"host": "east", "probability": 0.0, "killed": 2}
    raw["actors"]["west"]["claims"] = {"false_personnel": 1.0}
    raw["truce"]["weights"].update(claim_credibility=0.5, personnel=0.1)
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    scenario = make(raw)
    run = simulate(scenario, 1, 0)
    strike = next(r for r in run.records if isinstance(r, Strike))
    assert (strike.personnel_killed, strike.claimed_personnel) == (0, 2)
    first = [r.strain for r in run.records if isinstance(r, Strain)][1]
    # the violation, the credible share of the claimed deaths and of the false claim
    assert first == pytest.approx(0.5 + 0.1 + 0.5 * 0.01 * 30 + 0.5 * 0.1 * 2)
    row = next(r for r in timeline(scenario, run) if r["actor"] == "west")
    assert row["action"].endswith("claims 2 guarantor personnel (false)")
    assert summarize(scenario, run)["personnel_killed"] == 0


# routine violations -------------------------------------------------------------------


def test_routine_violations_follow_the_truce_from_collapse_to_restoration() -> None:
    raw = scripted()
    # the opening kills five of ge's personnel at east, the limit: a collapse at day 0
    raw["actors"]["ge"]["embedded"] = {"host": "east", "probability": 1.0, "killed": 5}
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["actors"]["west"]["routine"] = {"rate": 0.0, "rate_collapsed": 50.0}
    raw["truce"]["restoration"] = {"interval": 2.0, "probability": 1.0, "strain": 0.2}
    raw["truce"]["weights"]["violation"] = 0.0
    found = records(raw)
    changes = [(r.day, r.reason) for r in found if isinstance(r, StateChange)]
    assert changes == [(0.0, "ge personnel killed"), (2.0, "restored by talks")]
    days = [r.day for r in found if isinstance(r, Strike) and r.kind is StrikeKind.ROUTINE]
    # none while the truce stands (rate 0), about 50 a day from the collapse at 0 to the
    # restoration at 2, none after
    assert days and all(0.0 < d <= 2.0 for d in days)
    assert 60 < len(days) < 140  # Poisson(100): more than five standard deviations wide


def test_restraint_after_a_consultation_thins_routine_violations_for_its_duration() -> None:
    raw = scripted()
    raw["actors"]["east"]["routine"] = {"rate": 20.0}
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["actors"]["ge"]["restraint"] = {"strength": 1.0, "duration": 5}
    raw["truce"]["weights"].update(violation=0.0, deadliest=0.0)
    found = records(raw)
    assert [(r.day, r.outcome) for r in found if isinstance(r, Call)] == [(2.5, "held")]
    days = [r.day for r in found if isinstance(r, Strike) and r.kind is StrikeKind.ROUTINE]
    # strength 1: every violation between the call (2.5) and 2.5 + 5 is called off
    assert not [d for d in days if 2.5 <= d < 7.5]
    assert [d for d in days if d < 2.5] and [d for d in days if d >= 7.5]


# negotiation --------------------------------------------------------------------------


def test_a_call_shared_with_another_crisis_keeps_its_share_of_the_effect() -> None:
    raw = scripted()
    raw["negotiation"].update(shared=1.0, shared_effect=0.5)
    raw["actors"]["east"]["retaliation"]["probability"] = 0.4
    raw["actors"]["ge"]["restraint"] = {"strength": 0.8, "duration": 5}
    raw["openings"].append({"day": 3, "attacker": "west", "target": "east", "deaths": 0})
    found = records(raw)
    assert [(r.day, r.outcome, r.effect) for r in found if isinstance(r, Call)] == [
        (2.5, "shared", 0.5)
    ]
    relief = [r for r in found if isinstance(r, Strain) and r.reason == "consultation"]
    before = [r for r in found if isinstance(r, Strain) and r.day < 2.5][-1]
    expected = before.strain * 0.5 ** ((2.5 - before.day) / 10) - 0.5 * 0.5
    assert relief[0].strain == pytest.approx(expected)
    day, probability = decisions(found, "east")[1]
    assert day == 3.0 and probability == pytest.approx(0.4 * (1 - 0.8 * 0.5))


# the escalation ladder ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "rung"),
    [
        (lambda r: r["openings"][0].update(deaths=0), "quiet"),
        (lambda r: r["openings"][0].update(deaths=5), "deadly_strike"),
        (lambda r: r["openings"][0].update(deaths=30), "mass_casualty_strike"),
        (
            lambda r: r["actors"]["west"]["retaliation"].update(probability=1.0),
            "retaliation_cycle",
        ),
        (
            lambda r: r["actors"]["ge"].update(
                embedded={"host": "east", "probability": 1.0, "killed": 1}
            ),
            "guarantor_personnel_killed",
        ),
        (direct_action_without_collapse, "guarantor_direct_action"),
        (direct_action_at_quarter_day, "truce_collapse"),
    ],
)
def test_each_rung_of_the_ladder_is_reached_by_what_defines_it(edit: Any, rung: str) -> None:
    raw = scripted()
    raw["ladder"] = {"mass_casualty": 20, "cycle": 3}
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["openings"][0]["deaths"] = 5
    if rung in ("retaliation_cycle",):
        raw["actors"]["east"]["retaliation"]["probability"] = 1.0
        raw["scenario"]["horizon"] = 2.5  # strike, answer, counter-answer: a chain of 3
    edit(raw)
    scenario = make(raw)
    outcome = summarize(scenario, simulate(scenario, 1, 0))
    assert outcome["highest_rung"] == rung
    assert LADDER.index(outcome["highest_rung"]) == LADDER.index(rung)


# theory: a cascade with more than two actors ------------------------------------------


def test_a_cascade_where_every_strike_has_two_possible_answers_has_mean_one_over_one_minus_m() -> (
    None
):
    """Clients a and b strike each other; guarantor ga has personnel at a, gb at b, and
    every strike on a client kills one of them. A strike on b is then answered by b
    (p = 0.3) and by gb (q = 0.3), both at a; and the same on a's side. Every strike
    has m = p + q = 0.6 answers on average, so a cascade of one opening has
    E[N] = 1 / (1 - m) = 2.5 strikes and Var[N] = s^2 / (1 - m)^3 with the offspring
    variance s^2 = p(1 - p) + q(1 - q) (Galton-Watson total progeny). A z-test on
    4,000 cascades at 4 standard errors."""
    p = q = 0.3
    answer = {"lag": {"distribution": "exponential", "mean": 0.05}}

    def client(enemy: str) -> dict[str, Any]:
        return armed("client", enemy, retaliation={"probability": p, **answer})

    def guarantor(enemy: str, host: str) -> dict[str, Any]:
        return armed(
            "guarantor",
            enemy,
            retaliation={"probability": q, **answer},
            embedded={"host": host, "probability": 1.0, "killed": 1},
        )

    raw = {
        "scenario": {"name": "four actors", "horizon": 365},
        "actors": {
            "a": client("b"),
            "b": client("a"),
            "ga": guarantor("b", "a"),
            "gb": guarantor("a", "b"),
        },
        "openings": [{"day": 0, "attacker": "a", "target": "b"}],
    }
    runs = 4000
    strikes = np.array([o["strikes"] for o in replicate(make(raw), 21, runs)])
    m = p + q
    mean = 1 / (1 - m)
    sd = math.sqrt((p * (1 - p) + q * (1 - q)) / (1 - m) ** 3)
    z = (strikes.mean() - mean) / (sd / math.sqrt(runs))
    assert abs(z) < 4, f"mean {strikes.mean():.3f}, theory {mean:.3f}, z = {z:.2f}"
