"""The mechanisms that let a scenario describe a real case, with scripted inputs so that
events, days and decided probabilities are exact: who strikes whom (targets with
weights, answers aimed at the attacker or its side), openings with guarantor personnel
and several suspects, losses before day 0, rates and restraint by phase, a guarantor's
open war as direct action, memory of losses, calls that climb levels, convened talks
and summits, and a bilateral truce. The base is ``conftest.scripted()``."""

from __future__ import annotations

import math
from typing import Any

import pytest

from sim.model import simulate
from sim.model.records import (
    Call,
    Convened,
    Decision,
    Record,
    StateChange,
    Strain,
    Strike,
    StrikeKind,
)
from sim.outputs.timelines import timeline
from tests.conftest import armed, make, scripted


def records(raw: dict[str, Any], seed: int = 1, replication: int = 0) -> list[Record]:
    return simulate(make(raw), seed=seed, replication=replication).records


def strikes(found: list[Record], kind: StrikeKind | None = None) -> list[Strike]:
    return [r for r in found if isinstance(r, Strike) and (kind is None or r.kind is kind)]


def decided(found: list[Record], actor: str) -> list[tuple[float, float]]:
    return [(r.day, r.probability) for r in found if isinstance(r, Decision) and r.actor == actor]


def collapse_at_once(raw: dict[str, Any]) -> None:
    """The opening kills five of ge's personnel at east, the limit: a collapse at day 0."""
    raw["actors"]["ge"]["embedded"] = {"host": "east", "probability": 0.0, "killed": 1}
    raw["openings"][0]["personnel"] = 5
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0


# direct action ------------------------------------------------------------------------


def test_a_guarantors_routine_strikes_after_a_collapse_are_direct_action() -> None:
    raw = scripted()
    collapse_at_once(raw)
    raw["actors"]["gw"]["routine"] = {"rate": 0.0, "rate_collapsed": 5.0}
    found = records(raw)
    routine = strikes(found, StrikeKind.ROUTINE)
    assert routine and all(s.attacker == "gw" and s.day > 0 for s in routine)
    assert all(s.overt for s in routine)


def test_a_guarantors_routine_strikes_while_the_truce_stands_are_not() -> None:
    raw = scripted()
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["actors"]["gw"]["routine"] = {"rate": 5.0}
    raw["truce"]["weights"].update(violation=0.0, death=0.0, deadliest=0.0)
    found = records(raw)
    routine = strikes(found, StrikeKind.ROUTINE)
    assert routine and not any(s.overt for s in routine)
    assert not [r for r in found if isinstance(r, StateChange)]


# who strikes whom ---------------------------------------------------------------------


def test_routine_fire_is_split_among_the_targets_by_weight() -> None:
    """west fires at east and at ge with weights 3 : 1; over all routine strikes of 20
    replications the share at ge is binomial with p = 0.25 (a z-test at 4 standard
    errors)."""
    raw = scripted()
    raw["openings"] = []
    del raw["actors"]["west"]["enemy"]
    raw["actors"]["west"]["targets"] = {"east": 3.0, "ge": 1.0}
    raw["actors"]["west"]["routine"] = {"rate": 20.0}
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    del raw["truce"]
    del raw["negotiation"]
    hits = [s.target for r in range(20) for s in strikes(records(raw, replication=r))]
    n, at_ge = len(hits), hits.count("ge")
    assert set(hits) == {"east", "ge"} and n > 2000
    z = (at_ge / n - 0.25) / math.sqrt(0.25 * 0.75 / n)
    assert abs(z) < 4, f"{at_ge} of {n} at ge, z = {z:.2f}"


def answering_guarantor(at: str) -> dict[str, Any]:
    """gw has personnel at west; east (ge's client) strikes west at day 0 killing one;
    gw's routine target is ge, and it answers every loss after a day."""
    raw = scripted()
    raw["openings"] = [{"day": 0, "attacker": "east", "target": "west", "deaths": 0}]
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["actors"]["gw"]["enemy"] = "ge"
    raw["actors"]["gw"]["embedded"] = {"host": "west", "probability": 1.0, "killed": 1}
    raw["actors"]["gw"]["retaliation"] = {"probability": 1.0, "lag": 1.0, "at": at}
    raw["truce"]["collapse_on_direct_action"] = False
    return raw


@pytest.mark.parametrize(
    ("at", "target"), [("targets", "ge"), ("attacker", "east"), ("side", "ge")]
)
def test_an_answer_aims_by_the_actors_rule(at: str, target: str) -> None:
    """gw lost personnel to east, ge's client. By its routine targets it answers ge;
    at the attacker, east; at the attacker's side (ge and its clients), its targets on
    that side: ge."""
    found = records(answering_guarantor(at))
    answers = [s for s in strikes(found, StrikeKind.RETALIATION) if s.attacker == "gw"]
    assert [(s.day, s.target) for s in answers] == [(1.0, target)]


@pytest.mark.parametrize(("at", "target"), [("targets", "ge"), ("side", "north")])
def test_an_answer_at_a_side_without_targets_on_it_hits_the_attacker(at: str, target: str) -> None:
    """north, on no one's side, kills gw's personnel at west: none of gw's targets is
    on north's side, so gw answers north itself."""
    raw = answering_guarantor(at)
    raw["actors"]["north"] = armed("client", "west")
    raw["openings"] = [{"day": 0, "attacker": "north", "target": "west", "deaths": 0}]
    found = records(raw)
    answers = [s for s in strikes(found, StrikeKind.RETALIATION) if s.attacker == "gw"]
    assert [(s.day, s.target) for s in answers] == [(1.0, target)]


# openings and history -----------------------------------------------------------------


def test_an_opening_can_fix_the_guarantor_personnel_it_killed() -> None:
    raw = scripted()
    raw["actors"]["ge"]["embedded"] = {"host": "east", "probability": 0.0, "killed": 1}
    raw["actors"]["ge"]["retaliation"] = {"probability": 0.0, "lag": 1.0}
    raw["openings"][0]["personnel"] = 3
    found = records(raw)
    opening = strikes(found, StrikeKind.OPENING)[0]
    assert (opening.personnel_killed, opening.personnel_of) == (3, "ge")
    assert [(r.actor, r.perceived) for r in found if isinstance(r, Decision)][:2] == [
        ("east", 30),
        ("ge", 3),
    ]


def test_personnel_lost_before_day_0_count_towards_the_limit() -> None:
    """The limit is 5: two lost before day 0 and three at the opening collapse the truce;
    without the history the truce stands."""
    raw = scripted()
    raw["actors"]["ge"]["embedded"] = {"host": "east", "probability": 0.0, "killed": 1}
    raw["openings"][0]["personnel"] = 3
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    assert not [r for r in records(raw) if isinstance(r, StateChange) and r.day == 0.0]
    raw["history"] = [{"day": -30, "attacker": "west", "target": "east", "personnel": 2}]
    changes = [(r.day, r.reason) for r in records(raw) if isinstance(r, StateChange)]
    assert changes[0] == (0.0, "ge personnel killed")


def test_an_opening_with_several_suspects_is_drawn_by_weight() -> None:
    """gw struck with chance 3/4, west with 1/4: over 400 replications the share is
    binomial (a z-test at 4 standard errors)."""
    raw = scripted()
    raw["openings"][0].update(attacker=["west", "gw"], weights=[1, 3])
    scenario = make(raw)
    attackers = [
        strikes(simulate(scenario, 5, r).records, StrikeKind.OPENING)[0].attacker
        for r in range(400)
    ]
    share = attackers.count("gw") / 400
    assert set(attackers) == {"west", "gw"}
    assert abs(share - 0.75) / math.sqrt(0.75 * 0.25 / 400) < 4


def test_each_actor_answers_whom_it_blames() -> None:
    """west struck, but east blames gw, and answers at the attacker it blames."""
    raw = scripted()
    raw["actors"]["east"]["retaliation"]["at"] = "attacker"
    raw["openings"][0]["blamed"] = {"east": "gw"}
    answers = strikes(records(raw), StrikeKind.RETALIATION)
    assert next((s.day, s.attacker, s.target) for s in answers) == (1.0, "east", "gw")


# memory -------------------------------------------------------------------------------


def remembering(per_strike: float = 0.0, size: float = 0.0) -> dict[str, Any]:
    """east remembers with a half-life of 10 days; its chance rises from 0 to 1, half way
    at 30 deaths; its fire kills one per unit of intensity, aiming at the deaths it
    avenges."""
    raw = scripted()
    east = raw["actors"]["east"]
    east["retaliation"] = {
        "probability": 0.0,
        "max_probability": 1.0,
        "half_severity": 30,
        "lag": 1.0,
        "min_intensity": 0.0,
    }
    east["capabilities"]["fire"]["lethality"] = 1.0
    east["memory"] = {"half_life": 10, "per_strike": per_strike, "size": size}
    return raw


def test_the_grievance_decays_with_its_half_life_and_drives_the_chance() -> None:
    raw = remembering(per_strike=2.0)
    raw["scenario"]["horizon"] = 12
    raw["openings"].append({"day": 10, "attacker": "west", "target": "east", "deaths": 0})
    found = [d for d in decided(records(raw), "east") if d[0] in (0.0, 10.0)]
    first, second = 30 + 2, (30 + 2) * 0.5 + 2  # a half-life later, plus the new strike
    assert [day for day, _ in found] == [0.0, 10.0]
    assert found[0][1] == pytest.approx(first / (first + 30))
    assert found[1][1] == pytest.approx(second / (second + 30))


def test_losses_before_day_0_are_remembered() -> None:
    raw = remembering()
    raw["history"] = [{"day": -10, "attacker": "west", "target": "east", "deaths": 20}]
    grievance = 20 * 0.5 + 30
    day, probability = decided(records(raw), "east")[0]
    assert day == 0.0 and probability == pytest.approx(grievance / (grievance + 30))


def test_an_answer_avenges_its_toll_and_a_share_of_the_grievance() -> None:
    """With size 0.5, the answer at day 11 to a harmless strike at day 10 aims at
    0 + 0.5 x (30 halved) deaths: intensity 7.5 at one death per unit."""
    raw = remembering(size=0.5)
    raw["actors"]["east"]["retaliation"]["probability"] = 1.0  # it answers every strike
    raw["openings"].append({"day": 10, "attacker": "west", "target": "east", "deaths": 0})
    raw["scenario"]["horizon"] = 12
    answers = [(s.day, s.intensity) for s in strikes(records(raw), StrikeKind.RETALIATION)]
    assert answers == [(1.0, 30.0), (11.0, pytest.approx(0.5 * 30 * 0.5))]


# phases -------------------------------------------------------------------------------


def test_routine_rates_follow_the_strained_phase() -> None:
    """west fires (harmlessly) only while the truce is strained: from the opening's
    report until the call relaxes it."""
    raw = scripted()
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["actors"]["west"]["routine"] = {"rate": 0.0, "rate_strained": 30.0}
    raw["truce"]["weights"].update(violation=0.0, death=0.02)
    found = records(raw)
    changes = [(r.day, r.state.value) for r in found if isinstance(r, StateChange)]
    assert changes == [(0.5, "strained"), (2.5, "in force")]
    days = [s.day for s in strikes(found, StrikeKind.ROUTINE)]
    assert days and all(0.5 < d <= 2.5 for d in days)
    assert 20 < len(days) < 100  # Poisson(60): more than five standard deviations wide


def test_a_restored_truce_has_its_own_routine_rate() -> None:
    raw = scripted()
    collapse_at_once(raw)
    raw["actors"]["west"]["routine"] = {"rate": 0.0, "rate_collapsed": 0.0, "rate_restored": 30}
    raw["truce"]["restoration"] = {"interval": 2.0, "probability": 1.0, "strain": 0.2}
    raw["truce"]["weights"]["violation"] = 0.0
    found = records(raw)
    assert [(r.day, r.reason) for r in found if isinstance(r, StateChange)] == [
        (0.0, "ge personnel killed"),
        (2.0, "restored by talks"),
    ]
    days = [s.day for s in strikes(found, StrikeKind.ROUTINE)]
    assert len(days) > 100 and min(days) > 2.0


def test_a_patron_restrains_harder_when_the_truce_is_strained() -> None:
    """The call at 2.5 answers the strained truce, so ge imposes its strained strength."""
    raw = scripted()
    raw["actors"]["east"]["retaliation"]["probability"] = 0.4
    raw["actors"]["ge"]["restraint"] = {"strength": 0.1, "strength_strained": 0.5, "duration": 5}
    raw["openings"].append({"day": 3, "attacker": "west", "target": "east", "deaths": 0})
    found = records(raw)
    assert [r.day for r in found if isinstance(r, Call)] == [2.5]
    day, probability = decided(found, "east")[1]
    assert day == 3.0 and probability == pytest.approx(0.4 * (1 - 0.5))


# diplomacy ----------------------------------------------------------------------------


def escalating() -> dict[str, Any]:
    """east opens on west with 10 dead at day 1 as well; a second deadly strike on east
    at day 4 calls for another call within the escalation window: ministers at 2.5,
    then presidents (twice the effect), who convene talks a day later."""
    raw = scripted()
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["openings"] += [
        {"day": 1, "attacker": "east", "target": "west", "deaths": 10},
        {"day": 4, "attacker": "west", "target": "east", "deaths": 25},
    ]
    raw["negotiation"].update(
        escalate_within=10,
        levels=[
            {"name": "ministers"},
            {"name": "presidents", "effect": 2.0, "convene": 1.0},
        ],
    )
    raw["talks"] = {
        "delay": 1.0,
        "probability": 0.1,
        "max_probability": 0.9,
        "half_losses": 10,
        "strain": 0.1,
    }
    return raw


def test_calls_climb_the_levels_and_the_top_one_convenes_talks() -> None:
    found = records(escalating())
    calls = [(r.day, r.level, r.effect) for r in found if isinstance(r, Call)]
    assert calls == [(2.5, "ministers", 1.0), (6.5, "presidents", 2.0)]
    relief = [r for r in found if isinstance(r, Strain) and r.reason == "consultation"]
    assert len(relief) == 2
    talks = [r for r in found if isinstance(r, Convened)]
    # west's side lost 10, east's 55 (reported in full): the less hurt side is half way
    assert [(t.day, t.name, t.standing) for t in talks] == [(7.5, "talks", True)]
    assert talks[0].probability == pytest.approx(0.1 + 0.8 * 10 / (10 + 10))


def test_the_strain_of_a_standing_truce_lowers_the_chance_of_talks() -> None:
    raw = escalating()
    raw["talks"]["strain_penalty"] = 0.5
    found = records(raw)
    talks = next(r for r in found if isinstance(r, Convened))
    before = [r for r in found if isinstance(r, Strain) and r.day <= talks.day][-1]
    strain = before.strain * 0.5 ** ((talks.day - before.day) / 10)
    assert talks.probability == pytest.approx(0.5 * 0.5**strain)


def test_a_summit_on_its_day_restores_a_collapsed_truce() -> None:
    raw = scripted()
    collapse_at_once(raw)
    raw["talks"] = {"probability": 0.0, "max_probability": 0.0, "strain": 0.3}
    raw["summits"] = [{"day": 4, "name": "summit in the capital", "bonus": 1.0}]
    found = records(raw)
    talks = [(r.day, r.name, r.probability, r.succeeded) for r in found if isinstance(r, Convened)]
    assert talks == [(4.0, "summit in the capital", 1.0, True)]
    changes = [(r.day, r.reason) for r in found if isinstance(r, StateChange)]
    assert changes == [(0.0, "ge personnel killed"), (4.0, "restored by talks")]
    assert next(r.strain for r in found if isinstance(r, Strain) and r.day == 4.0) == 0.3
    scenario = make(raw)
    rows = timeline(scenario, simulate(scenario, seed=1, replication=0))
    said = [row["action"] for row in rows if row["actor"] == "parties"]
    assert said == ["summit in the capital: talks restore the truce (p=1.00)"]


def test_a_summit_named_talks_is_still_a_summit() -> None:
    """A summit's name is the analyst's: one called "talks" must not start the cooldown
    of the talks the calls convene (the presidents' call at 6.5 convenes them for 7.5)."""
    raw = escalating()
    raw["talks"]["cooldown"] = 10
    raw["summits"] = [{"day": 6, "name": "talks", "bonus": -1.0}]
    found = records(raw)
    assert [(r.day, r.probability) for r in found if isinstance(r, Convened)] == [
        (6.0, 0.0),
        (7.5, pytest.approx(0.1 + 0.8 * 10 / (10 + 10))),
    ]


def test_successful_talks_bring_a_standing_truces_strain_down() -> None:
    raw = escalating()
    raw["talks"].update(probability=1.0, max_probability=1.0)
    raw["negotiation"]["strain_relief"] = 0.1  # the calls leave some strain to settle
    found = records(raw)
    assert [(r.day, r.succeeded) for r in found if isinstance(r, Convened)] == [(7.5, True)]
    settled = [r for r in found if isinstance(r, Strain) and r.reason == "talks succeeded"]
    assert [(r.day, r.strain) for r in settled] == [(7.5, 0.1)]


def test_a_collapse_can_convene_talks() -> None:
    raw = scripted()
    collapse_at_once(raw)
    raw["talks"] = {"delay": 2.0, "probability": 1.0, "strain": 0.3, "after_collapse": 1.0}
    found = records(raw)
    assert [(r.day, r.standing) for r in found if isinstance(r, Convened)] == [(2.0, False)]


# a bilateral truce --------------------------------------------------------------------


def test_a_bilateral_truce_binds_two_parties_without_guarantors() -> None:
    raw = scripted()
    for client in ("west", "east"):
        del raw["actors"][client]["patron"]
    del raw["actors"]["gw"], raw["actors"]["ge"]
    truce = raw["truce"]
    del truce["guarantors"], truce["personnel_limit"]
    truce["parties"] = ["west", "east"]
    scenario = make(raw)
    assert scenario.truce is not None and scenario.truce.guarantors == ()
    found = simulate(scenario, 1, 0).records
    assert next((r.day, r.state.value) for r in found if isinstance(r, StateChange)) == (
        0.5,
        "strained",
    )
    assert [r.day for r in found if isinstance(r, Call)] == [2.5]


def test_a_guarantor_outside_a_bilateral_truce_does_not_collapse_it_by_striking() -> None:
    """gw is a guarantor but not a party: its overt answer is direct action, yet only a
    strike of the truce's own guarantors collapses a truce at once."""
    raw = answering_guarantor("attacker")
    del raw["truce"]["guarantors"], raw["truce"]["personnel_limit"]
    raw["truce"]["parties"] = ["west", "east"]
    raw["truce"]["collapse_on_direct_action"] = True
    found = records(raw)
    assert any(s.overt for s in strikes(found, StrikeKind.RETALIATION))
    assert not [r for r in found if isinstance(r, StateChange) and r.state.value == "collapsed"]
