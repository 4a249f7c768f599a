"""The guarantors' truce: strain, thresholds and state.

Strain jumps with each violation and relaxes exponentially with the truce's half-life
towards ``drift / decay`` (outside involvement keeps pressing). It is stored as a level
at a time and evaluated lazily, so it costs nothing between events; the moment decay or
drift carries it across a threshold is computed exactly and scheduled.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

from sim.model.records import Record, StateChange, Strain, Strike, StrikeKind, TruceState
from sim.scenario.spec import Truce

if TYPE_CHECKING:
    from sim.model.theatre import Theatre

IN_FORCE, STRAINED, COLLAPSED = TruceState.IN_FORCE, TruceState.STRAINED, TruceState.COLLAPSED
STRIKE_REASONS = {kind: f"{kind.value} strike" for kind in StrikeKind}


class TruceLedger:
    """Keeps the truce's strain and state, and tells the theatre when they matter."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: Truce,
        theatre: Theatre,
        record: Callable[[Record], None],
    ) -> None:
        self.env = env
        self.spec = spec
        self.theatre = theatre
        self.record = record
        self.weights = spec.weights
        self.decay = math.log(2.0) / spec.half_life
        self.equilibrium = spec.drift / self.decay
        self.level = spec.initial_strain
        self.since = 0.0
        self.state = IN_FORCE
        self.deadliest = spec.deadliest_before
        self._timer: simpy.Event | None = None
        self._timer_at = math.inf

    def start(self) -> None:
        """Record the opening strain and settle the opening state."""
        self.record(Strain(0.0, self.level, self.state, "truce at the start", None))
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
        if strike.overt and self.spec.collapse_on_direct_action:
            self.collapse("guarantor direct action")
        elif personnel:
            lost = self.theatre.combatants[strike.personnel_of or ""]
            lost.personnel_lost += personnel
            if lost.personnel_lost >= self.spec.personnel_limit:
                self.collapse(f"{lost.id} personnel killed")
            else:
                self.theatre.request_consultation()

    def on_report(self, strike: Strike, reported: int) -> float:
        """The observer's count arrives: the rest of the toll's weight, and a bonus if
        the strike is the deadliest since the truce began. Returns the perceived toll."""
        credibility = self.weights.claim_credibility
        perceived = credibility * strike.claimed_deaths + (1.0 - credibility) * reported
        if self.state is COLLAPSED:
            return perceived
        amount = (1.0 - credibility) * self.weights.death * reported
        reason = "report"
        if perceived > self.deadliest:
            self.deadliest = perceived
            amount += self.weights.deadliest
            reason = "deadliest since the truce"
        if amount > 0:
            self.add(amount, reason, strike.id)
        return perceived

    def add(self, amount: float, reason: str, strike: int | None = None) -> None:
        """Add (or, negative, relieve) strain now, then settle the state."""
        now = self.env.now
        self.level = max(0.0, self.strain(now) + amount)
        self.since = now
        self.record(Strain(now, self.level, self.state, reason, strike))
        self._settle(reason, raised=amount > 0)

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
        if state is STRAINED:
            self.theatre.request_consultation()

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
        self._timer = self.env.timeout(max(0.0, at - self.env.now))
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
        self.record(Strain(now, threshold, self.state, reason, None))
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
        self.theatre.on_collapse()

    def restore(self, strain: float) -> None:
        """A new truce, starting at ``strain``, with casualty counts begun anew."""
        now = self.env.now
        self.state = IN_FORCE
        self.level, self.since = strain, now
        for guarantor in self.spec.guarantors:
            self.theatre.combatants[guarantor].personnel_lost = 0
        self.record(StateChange(now, IN_FORCE, "restored by talks"))
        self.record(Strain(now, strain, IN_FORCE, "restored by talks", None))
        self.theatre.on_restore()
        self._settle("restored by talks")
