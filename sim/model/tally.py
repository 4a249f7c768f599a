"""What one pass over a replication's records gathers: counts, tolls, days and chains,
from which the outcome catalogue computes each field.

One handler per kind of record; a new outcome that needs something not gathered here
adds it to the handler of the record that carries it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sim.model.memo import by_identity
from sim.model.records import (
    Call,
    Commitment,
    Convened,
    Decision,
    MediatorCall,
    Record,
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


class Tally:
    """The sums and firsts of one replication (``None``: it did not happen)."""

    def __init__(self, scenario: Scenario, run: Run) -> None:
        self.scenario = scenario
        self.record: dict[str, Any] = {}  # the outcome fields computed so far, in order
        self.replication = run.replication
        self.events = run.events
        self.final_strain = run.final_strain
        armed, guarantors = ids(scenario)
        self.deaths = dict.fromkeys(armed, 0)
        self.reported = dict.fromkeys(armed, 0)
        self.personnel = dict.fromkeys(guarantors, 0)
        self.depth: dict[int, int] = {}  # a strike's place in its chain of answers
        self.strikes = self.routine = self.retaliations = self.commitments = 0
        self.mediator_calls = self.talks = self.held = self.shared = self.crowded = 0
        self.collapses = 0
        self.longest = 0
        self.deadliest = 0  # the most deaths in one strike
        self.direct_action = False
        self.first_retaliation: Strike | None = None
        self.first_retaliation_reported: int | None = None
        self.opening: int | None = None  # the first opening strike
        self.answer: Strike | None = None  # the first answer to it
        self.answer_reported: int | None = None
        self.last_strike_day: float | None = None
        self.collapse_day: float | None = None
        self.collapse_cause: str | None = None
        self.restored_day: float | None = None
        self.peak_strain: float | None = run.peak_strain  # or from the Strain records
        handlers = HANDLERS
        for record in run.records:
            handlers[type(record)](self, record)
        self._strain_at_horizon(run.final_strain)

    def _strike(self, record: Strike) -> None:
        self.strikes += 1
        self.deaths[record.target] += record.deaths
        if record.personnel_of is not None:
            self.personnel[record.personnel_of] += record.personnel_killed
        self.deadliest = max(self.deadliest, record.deaths)
        if record.overt:
            self.direct_action = True
        self.last_strike_day = record.day
        level = 1 if record.cause is None else self.depth[record.cause] + 1
        self.depth[record.id] = level
        self.longest = max(self.longest, level)
        if record.kind is StrikeKind.ROUTINE:
            self.routine += 1
        elif record.kind is StrikeKind.OPENING:
            self.opening = record.id if self.opening is None else self.opening
        elif record.kind is StrikeKind.RETALIATION:
            self.retaliations += 1
            if self.first_retaliation is None:
                self.first_retaliation = record
                if record.deaths == 0:  # nothing for the observer to report
                    self.first_retaliation_reported = 0
            if self.answer is None and record.cause == self.opening:
                self.answer = record
                if record.deaths == 0:
                    self.answer_reported = 0

    def _report(self, record: Report) -> None:
        self.reported[record.target] += record.deaths
        if self.first_retaliation is not None and record.strike == self.first_retaliation.id:
            self.first_retaliation_reported = record.deaths
        if self.answer is not None and record.strike == self.answer.id:
            self.answer_reported = record.deaths

    def _strain(self, record: Strain) -> None:
        if self.peak_strain is None or record.strain > self.peak_strain:
            self.peak_strain = record.strain

    def _strain_at_horizon(self, final: float | None) -> None:
        # decay since the last change may have carried it higher (drift)
        if final is not None and (self.peak_strain is None or final > self.peak_strain):
            self.peak_strain = final

    def _state_change(self, record: StateChange) -> None:
        if record.state is TruceState.COLLAPSED:
            self.collapses += 1
            if self.collapse_day is None:
                self.collapse_day, self.collapse_cause = record.day, record.reason
        elif record.reason == "restored by talks" and self.restored_day is None:
            self.restored_day = record.day

    def _call(self, record: Call) -> None:
        if record.outcome == "crowded out":
            self.crowded += 1
        else:
            self.held += 1
            self.shared += record.outcome == "shared"

    def _commitment(self, record: Commitment) -> None:
        self.commitments += 1

    def _mediator_call(self, record: MediatorCall) -> None:
        self.mediator_calls += 1

    def _talks(self, record: Talks) -> None:
        self.talks += 1

    def _convened(self, record: Convened) -> None:
        self.talks += 1


def _ignore(tally: Tally, record: Record) -> None:
    """Records that no outcome reads."""


HANDLERS: dict[type, Callable[[Tally, Any], None]] = {
    Strike: Tally._strike,
    Report: Tally._report,
    Strain: Tally._strain,
    StateChange: Tally._state_change,
    Call: Tally._call,
    Commitment: Tally._commitment,
    MediatorCall: Tally._mediator_call,
    Talks: Tally._talks,
    Convened: Tally._convened,
    Decision: _ignore,
}


@by_identity
def ids(scenario: Scenario) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The armed actors' ids and the guarantors', in file order."""
    return tuple(a.id for a in scenario.armed), tuple(g.id for g in scenario.guarantors)
