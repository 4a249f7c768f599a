"""One replication's outcome: a flat record computed from its event records.

The fields depend only on the scenario (its armed actors and guarantors), so every
replication of a scenario has the same fields in the same order. ``None`` marks a value
that does not exist in that replication (a collapse day when the truce held).
"""

from __future__ import annotations

from typing import Any

from sim.model.records import (
    Call,
    Commitment,
    MediatorCall,
    Report,
    Run,
    StateChange,
    Strain,
    Strike,
    StrikeKind,
    Talks,
    TruceState,
)
from sim.scenario.spec import Scenario

LADDER = (
    "quiet",
    "deadly_strike",
    "mass_casualty_strike",
    "retaliation_cycle",
    "guarantor_personnel_killed",
    "guarantor_direct_action",
    "truce_collapse",
)

Outcome = dict[str, Any]
Columns = dict[str, list[Any]]

# the type of every field that is not an integer count
_TYPES: dict[str, type] = {
    "collapsed": bool,
    "restored": bool,
    "guarantor_direct_action": bool,
    "opening_answered": bool,
    "opening_answer_day": float,
    "collapse_day": float,
    "restored_day": float,
    "first_retaliation_day": float,
    "last_strike_day": float,
    "peak_strain": float,
    "final_strain": float,
    "collapse_cause": str,
    "highest_rung": str,
}


def outcome_schema(scenario: Scenario) -> dict[str, type]:
    """Each field's type (bool, int, float or str); any field may be None."""
    return {name: _TYPES.get(name, int) for name in outcome_fields(scenario)}


def to_columns(outcomes: list[Outcome], fields: list[str]) -> Columns:
    """Rows to columns, for compact transfer and storage."""
    return {field: [o[field] for o in outcomes] for field in fields}


def outcome_fields(scenario: Scenario) -> list[str]:
    """The outcome's field names, in order."""
    armed = [a.id for a in scenario.armed]
    guarantors = [a.id for a in scenario.guarantors]
    return [
        "replication",
        "collapsed",
        "collapse_day",
        "collapse_cause",
        "restored",
        "restored_day",
        "collapses",
        "strikes",
        "routine_strikes",
        "retaliations",
        "longest_chain",
        "first_retaliation_day",
        "first_retaliation_deaths",
        "first_retaliation_reported",
        "opening_answered",
        "opening_answer_day",
        "opening_answer_deaths",
        "opening_answer_reported",
        "last_strike_day",
        "deaths",
        "reported_deaths",
        *(f"deaths_{a}" for a in armed),
        *(f"reported_{a}" for a in armed),
        "personnel_killed",
        *(f"personnel_killed_{g}" for g in guarantors),
        "guarantor_direct_action",
        "commitments",
        "consultations",
        "calls_shared",
        "calls_crowded_out",
        "mediator_calls",
        "talks",
        "peak_strain",
        "final_strain",
        "highest_rung",
        "events",
    ]


def summarize(scenario: Scenario, run: Run) -> Outcome:
    """The outcome record of one replication."""
    armed = [a.id for a in scenario.armed]
    deaths = dict.fromkeys(armed, 0)
    reported = dict.fromkeys(armed, 0)
    personnel = {g.id: 0 for g in scenario.guarantors}
    depth: dict[int, int] = {}
    strikes = routine = retaliations = commitments = mediator_calls = talks = 0
    held = shared = crowded = collapses = 0
    longest = 0
    first_retaliation: Strike | None = None
    first_retaliation_reported: int | None = None
    opening: int | None = None  # the first opening strike
    answer: Strike | None = None  # the first answer to it
    answer_reported: int | None = None
    last_strike_day: float | None = None
    collapse_day: float | None = None
    collapse_cause: str | None = None
    restored_day: float | None = None
    peak_strain: float | None = None
    deadliest = 0
    direct_action = False

    for record in run.records:
        kind = type(record)
        if kind is Strike:
            assert isinstance(record, Strike)
            strikes += 1
            deaths[record.target] += record.deaths
            if record.personnel_of is not None:
                personnel[record.personnel_of] += record.personnel_killed
            deadliest = max(deadliest, record.deaths)
            direct_action = direct_action or record.overt
            last_strike_day = record.day
            level = 1 if record.cause is None else depth[record.cause] + 1
            depth[record.id] = level
            longest = max(longest, level)
            if record.kind is StrikeKind.ROUTINE:
                routine += 1
            elif record.kind is StrikeKind.OPENING:
                opening = record.id if opening is None else opening
            elif record.kind is StrikeKind.RETALIATION:
                retaliations += 1
                if first_retaliation is None:
                    first_retaliation = record
                    if record.deaths == 0:  # nothing for the observer to report
                        first_retaliation_reported = 0
                if answer is None and record.cause == opening:
                    answer = record
                    if record.deaths == 0:
                        answer_reported = 0
        elif kind is Report:
            assert isinstance(record, Report)
            reported[record.target] += record.deaths
            if first_retaliation is not None and record.strike == first_retaliation.id:
                first_retaliation_reported = record.deaths
            if answer is not None and record.strike == answer.id:
                answer_reported = record.deaths
        elif kind is Strain:
            assert isinstance(record, Strain)
            if peak_strain is None or record.strain > peak_strain:
                peak_strain = record.strain
        elif kind is StateChange:
            assert isinstance(record, StateChange)
            if record.state is TruceState.COLLAPSED:
                collapses += 1
                if collapse_day is None:
                    collapse_day, collapse_cause = record.day, record.reason
            elif record.reason == "restored by talks" and restored_day is None:
                restored_day = record.day
        elif kind is Call:
            assert isinstance(record, Call)
            if record.outcome == "crowded out":
                crowded += 1
            else:
                held += 1
                shared += record.outcome == "shared"
        elif kind is Commitment:
            commitments += 1
        elif kind is MediatorCall:
            mediator_calls += 1
        elif kind is Talks:
            talks += 1

    if run.final_strain is not None and (peak_strain is None or run.final_strain > peak_strain):
        peak_strain = run.final_strain
    personnel_total = sum(personnel.values())
    rung = 0
    if deadliest > 0:
        rung = 1
    if deadliest >= scenario.ladder.mass_casualty:
        rung = 2
    if longest >= scenario.ladder.cycle:
        rung = 3
    if personnel_total > 0:
        rung = 4
    if direct_action:
        rung = 5
    if collapses:
        rung = 6

    outcome: Outcome = {
        "replication": run.replication,
        "collapsed": collapses > 0,
        "collapse_day": collapse_day,
        "collapse_cause": collapse_cause,
        "restored": restored_day is not None,
        "restored_day": restored_day,
        "collapses": collapses,
        "strikes": strikes,
        "routine_strikes": routine,
        "retaliations": retaliations,
        "longest_chain": longest,
        "first_retaliation_day": first_retaliation.day if first_retaliation else None,
        "first_retaliation_deaths": first_retaliation.deaths if first_retaliation else None,
        "first_retaliation_reported": first_retaliation_reported,
        "opening_answered": answer is not None,
        "opening_answer_day": answer.day if answer else None,
        "opening_answer_deaths": answer.deaths if answer else None,
        "opening_answer_reported": answer_reported,
        "last_strike_day": last_strike_day,
        "deaths": sum(deaths.values()),
        "reported_deaths": sum(reported.values()),
    }
    outcome.update({f"deaths_{a}": deaths[a] for a in armed})
    outcome.update({f"reported_{a}": reported[a] for a in armed})
    outcome["personnel_killed"] = personnel_total
    outcome.update({f"personnel_killed_{g}": n for g, n in personnel.items()})
    outcome.update(
        guarantor_direct_action=direct_action,
        commitments=commitments,
        consultations=held,
        calls_shared=shared,
        calls_crowded_out=crowded,
        mediator_calls=mediator_calls,
        talks=talks,
        peak_strain=peak_strain,
        final_strain=run.final_strain,
        highest_rung=LADDER[rung],
        events=run.events,
    )
    return outcome
