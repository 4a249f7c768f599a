"""The guarantors' truce: strain, thresholds and state.

Strain jumps with each violation and relaxes exponentially with the truce's half-life
towards ``drift / decay`` (outside involvement keeps pressing). It is stored as a level
at a time and evaluated lazily, so it costs nothing between events; the moment decay or
drift carries it across a threshold is computed exactly and scheduled.

The ledger drives the truce's ``Phase`` (collapse, restoration), asks for consultations
through ``consult``, and keeps the guarantors' personnel losses it weighs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import simpy
from simpy.events import Timeout

from sim.model.phase import Phase
from sim.model.records import Keep, Record, StateChange, Strain, Strike, StrikeKind, TruceState
from sim.scenario.spec import Truce

IN_FORCE, STRAINED, COLLAPSED = TruceState.IN_FORCE, TruceState.STRAINED, TruceState.COLLAPSED


def relaxation(spec: Truce) -> tuple[float, float]:
    """The strain's decay rate (per day) and the level decay and drift carry it to."""
    decay = math.log(2.0) / spec.half_life
    return decay, spec.drift / decay


def strain_at(
    spec: Truce,
    levels: Sequence[tuple[float, float]],
    days: Any,
    at_change: Literal["left", "right"] = "left",
) -> Any:
    """The strain at each of ``days`` (an array) from its recorded levels (day, level
    right after a change), relaxed since the last change, as ``TruceLedger.strain``
    evaluates it: the last change before each day (``at_change="right"``: at or
    before); NaN before the first. Read after a run, never during one."""
    if not levels:
        return np.full(len(days), np.nan)
    at = np.array([day for day, _ in levels], np.float64)
    level = np.array([value for _, value in levels], np.float64)
    return strain_since(spec, at, level, np.searchsorted(at, days, side=at_change) - 1, days)


def strain_since(spec: Truce, at: Any, level: Any, last: Any, days: Any) -> Any:
    """The strain at ``days`` given, for each, the index ``last`` of the last change
    of strain before it (changes at days ``at``, to ``level``; -1: none, NaN): the
    level then, relaxed since."""
    if not len(at):
        return np.full(np.shape(last), np.nan)
    decay, equilibrium = relaxation(spec)
    since = np.maximum(last, 0)
    strain = equilibrium + (level[since] - equilibrium) * np.exp(-decay * (days - at[since]))
    return np.where(last < 0, np.nan, strain)


STRIKE_REASONS = {kind: f"{kind.value} strike" for kind in StrikeKind}


class TruceLedger:
    """Keeps the truce's strain and state. ``consult`` asks the guarantors for a
    consultation; a violation perceived at ``consult_at`` deaths or more asks for one."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: Truce,
        phase: Phase,
        record: Callable[[Record], None],
        consult: Callable[[], None],
        consult_at: float = math.inf,
        keep: Keep = Keep.ALL,
    ) -> None:
        self.env = env
        # unless every record is kept, a change of strain updates ``peak`` instead of
        # being recorded (the outcomes read only the highest strain), and with the
        # daily series it is kept as two numbers (``changes``: days, levels)
        self.every_record = keep is Keep.ALL
        self.peak = -math.inf
        self.changes: tuple[list[float], list[float]] | None = (
            ([], []) if keep is Keep.SERIES else None
        )
        self.spec = spec
        self.phase = phase
        self.record = record
        self.consult = consult
        self.consult_at = consult_at
        # each guarantor's personnel killed since the truce began
        self.personnel_lost = dict.fromkeys(spec.guarantors, 0)
        self.weights = spec.weights
        self.decay, self.equilibrium = relaxation(spec)
        self.level = spec.initial_strain
        self.since = 0.0
        self.state = IN_FORCE
        self.deadliest = spec.deadliest_before
        self._timer: simpy.Event | None = None
        self._timer_at = math.inf

    def start(self) -> None:
        """Record the opening strain and settle the opening state."""
        self._changed(0.0, self.level, "truce at the start")
        self._settle("truce at the start")

    def strain(self, day: float) -> float:
        """The strain at ``day`` (no later than the next change)."""
        eq = self.equilibrium
        return eq + (self.level - eq) * math.exp(-self.decay * (day - self.since))

    # what moves the strain ----------------------------------------------------------

    def on_strike(self, strike: Strike) -> None:
        """A violation: its own weight, the claims' share of its toll, and any guarantor
        casualties (known at once to the guarantor that lost them)."""
        if self.state is COLLAPSED:
            return
        w = self.weights
        amount = w.violation + w.claim_credibility * w.death * strike.claimed_deaths
        personnel = strike.personnel_killed
        if personnel:
            amount += w.personnel * personnel
        elif strike.claimed_personnel:
            amount += w.claim_credibility * w.personnel * strike.claimed_personnel
        self.add(amount, STRIKE_REASONS[strike.kind], strike.id)
        if self.state is COLLAPSED:
            return
        if (
            strike.overt
            and self.spec.collapse_on_direct_action
            and strike.attacker in self.personnel_lost  # one of the truce's guarantors
        ):
            self.collapse("guarantor direct action")
        elif personnel:
            guarantor = strike.personnel_of or ""
            if self.lose_personnel(guarantor, personnel):
                self.collapse(f"{guarantor} personnel killed")
            else:
                self.consult()

    def lose_personnel(self, guarantor: str, killed: int) -> bool:
        """Count ``killed`` of a guarantor's personnel under this truce; whether its
        losses have reached the limit. Only the truce's guarantors' losses count."""
        if guarantor not in self.personnel_lost:
            return False
        lost = self.personnel_lost[guarantor] = self.personnel_lost[guarantor] + killed
        return lost >= self.spec.personnel_limit

    def on_report(self, strike: Strike, reported: int) -> None:
        """The observer's count arrives: the rest of the toll's weight, and a bonus if
        the strike is the deadliest since the truce began. A toll perceived (claims and
        count, weighed by credibility) at ``consult_at`` or more asks for a call."""
        credibility = self.weights.claim_credibility
        perceived = credibility * strike.claimed_deaths + (1.0 - credibility) * reported
        if self.state is not COLLAPSED:
            self._weigh_report(strike, reported, perceived)
        if perceived >= self.consult_at:
            self.consult()

    def _weigh_report(self, strike: Strike, reported: int, perceived: float) -> None:
        credibility = self.weights.claim_credibility
        amount = (1.0 - credibility) * self.weights.death * reported
        reason = "report"
        if perceived > self.deadliest:
            self.deadliest = perceived
            amount += self.weights.deadliest
            reason = "deadliest since the truce"
        if amount > 0:
            self.add(amount, reason, strike.id)

    def relieve(self, amount: float, reason: str) -> None:
        """Lower the strain now (a consultation, a mediator's call); a collapsed truce
        has no strain left to relieve."""
        if self.state is not COLLAPSED:
            self.add(-amount, reason)

    def settle_to(self, strain: float, reason: str) -> None:
        """Bring the strain of a standing truce down to ``strain`` now (talks that
        reaffirm it); a truce at or below it is left as it is."""
        now = self.env.now
        if self.state is not COLLAPSED and self.strain(now) > strain:
            self.level, self.since = strain, now
            self._changed(now, strain, reason)
            self._settle(reason)

    def add(self, amount: float, reason: str, strike: int | None = None) -> None:
        """Add (or, negative, relieve) strain now, then settle the state."""
        now = self.env.now
        level = self.level = max(0.0, self.strain(now) + amount)
        self.since = now
        if self.every_record:
            self.record(Strain(now, level, self.state, reason, strike))
        else:
            if level > self.peak:
                self.peak = level
            if self.changes is not None:
                self.changes[0].append(now)
                self.changes[1].append(level)
        self._settle(reason, raised=amount > 0)

    def _changed(self, day: float, level: float, reason: str) -> None:
        """Record a change of strain not caused by a strike (or keep its peak)."""
        if self.every_record:
            self.record(Strain(day, level, self.state, reason, None))
            return
        if level > self.peak:
            self.peak = level
        if self.changes is not None:
            self.changes[0].append(day)
            self.changes[1].append(level)

    # states ---------------------------------------------------------------------------

    def _settle(self, reason: str, raised: bool = False) -> None:
        if self.state is COLLAPSED:
            return
        spec = self.spec
        state = self.state
        if self.level >= spec.collapse_at:
            self.collapse("strain past the collapse threshold")
            return
        if self.level >= spec.strained_at:
            if self.state is IN_FORCE:
                self._enter(STRAINED, reason)
        elif self.state is STRAINED and self.level < spec.relaxed_at:
            self._enter(IN_FORCE, reason)
        self._schedule_crossing(raised=raised and self.state is state)

    def _enter(self, state: TruceState, reason: str) -> None:
        self.state = state
        self.record(StateChange(self.env.now, state, reason))
        self.phase.strain(state is STRAINED)
        if state is STRAINED:
            self.consult()

    def _next_crossing(self) -> tuple[float, float] | None:
        """(threshold, day) at which decay or drift alone carries the strain across a
        threshold: up to strained (in force), up to collapse or down to relaxed
        (strained); None if it never does."""
        eq, level, spec = self.equilibrium, self.level, self.spec
        if self.state is IN_FORCE:
            threshold = spec.strained_at if eq > spec.strained_at else None
        elif eq > spec.collapse_at:
            threshold = spec.collapse_at
        else:
            threshold = spec.relaxed_at if eq < spec.relaxed_at else None
        if threshold is None or threshold == level:
            return None
        return threshold, self.since + math.log((level - eq) / (threshold - eq)) / self.decay

    def _schedule_crossing(self, raised: bool = False) -> None:
        """Keep one timer pending for the next crossing. A timer that fires early (the
        strain was raised since, postponing a decay) looks again and waits on; so a
        raise needs no new timer unless the crossing is an upward one."""
        if raised and self._timer is not None and self.equilibrium < self.level:
            return
        crossing = self._next_crossing()
        if crossing is not None and (self._timer is None or self._timer_at > crossing[1]):
            self._set_timer(crossing[1])

    def _set_timer(self, at: float) -> None:
        self._timer_at = at
        self._timer = Timeout(self.env, max(0.0, at - self.env.now))
        self._timer.callbacks.append(self._crossed)

    def _crossed(self, event: simpy.Event) -> None:
        if event is not self._timer:
            return  # superseded by an earlier timer
        self._timer = None
        crossing = self._next_crossing()
        if crossing is None or self.state is COLLAPSED:
            return
        threshold, at = crossing
        now = self.env.now
        if at > now + 1e-9:
            self._set_timer(at)
            return
        rising = threshold > self.level
        self.level, self.since = threshold, now
        reason = "drift" if rising else "decay"
        self._changed(now, threshold, reason)
        if threshold == self.spec.collapse_at:
            self.collapse("strain past the collapse threshold")
            return
        self._enter(STRAINED if rising else IN_FORCE, reason)
        self._schedule_crossing()

    def collapse(self, reason: str) -> None:
        if self.state is COLLAPSED:
            return
        self._timer = None
        self.state = COLLAPSED
        self.record(StateChange(self.env.now, COLLAPSED, reason))
        self.phase.collapse()

    def restore(self, strain: float) -> None:
        """A new truce, starting at ``strain``, with its counts begun anew: personnel
        killed, and the deadliest strike since it began."""
        now = self.env.now
        self.state = IN_FORCE
        self.level, self.since = strain, now
        self.personnel_lost = dict.fromkeys(self.spec.guarantors, 0)
        self.deadliest = 0.0
        self.record(StateChange(now, IN_FORCE, "restored by talks"))
        self._changed(now, strain, "restored by talks")
        self.phase.restore()
        self._settle("restored by talks")
