"""Armed actors at run time: their state in one replication, their decisions, and
their behaviour on SimPy's timeline.

A combatant strikes on its own (routine violations, a Poisson process whose rate
follows the truce's phase, at targets chosen by weight: a chain of timers) and answers
strikes (retaliation, a timer per answer, aimed by its rule at whom it blames). It decides
on the losses it perceives, or with memory on the grievance they leave, under its
patron's restraint and a mediator's call. It depends on the truce's ``Phase``, the
mediator's ``Calm``, a ``Striker`` that resolves strikes, and the record; never on the
theatre that wires them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast

import simpy
from simpy.events import Timeout

from sim.model.information import Calm
from sim.model.memo import by_identity
from sim.model.phase import Phase
from sim.model.records import Commitment, Decision, Record, StrikeKind
from sim.model.streams import Concept, Stream, Streams, by_weight, running_weights
from sim.model.timers import urgent
from sim.scenario import distributions as dist
from sim.scenario.spec import Actor, Aim, Asset, Capability, Role

Constants = tuple[
    list[tuple[float, Asset]],
    Capability | None,
    Capability | None,
    float,
    dist.Distribution,
    dist.Distribution,
]


class Striker(Protocol):
    """Resolves a strike now: its toll, its record and everyone's reaction."""

    def __call__(
        self,
        attacker: Combatant,
        capability: Capability,
        intensity: float,
        kind: StrikeKind,
        cause: int | None = None,
        overt: bool = False,
        target: Combatant | None = None,
    ) -> object: ...


class Combatant:
    """One armed actor's state during a replication, with its own random streams."""

    __slots__ = (
        "_asset_weights",
        "calm",
        "claim_factor",
        "clients",
        "decisions",
        "decisions_recorded",
        "enemy",
        "env",
        "fixed_lag",
        "grievance",
        "grievance_at",
        "hosted",
        "id",
        "is_guarantor",
        "lags",
        "patron",
        "phase",
        "record",
        "restrained_under",
        "restrained_until",
        "restraint_strength",
        "retaliation_capability",
        "retaliation_noise",
        "routine_capability",
        "severity_gain",
        "side",
        "spec",
        "strike",
        "strikes",
        "targets",
        "timing",
        "weights",
    )

    def __init__(
        self,
        spec: Actor,
        streams: Streams,
        env: simpy.Environment,
        phase: Phase,
        calm: Calm,
        strike: Striker,
        record: Callable[[Record], None],
        decisions: bool = True,
    ) -> None:
        self.spec = spec
        self.decisions_recorded = decisions  # for traces: no outcome or series reads them
        self.fixed_lag = spec.retaliation is not None and isinstance(
            spec.retaliation.lag, dist.Fixed
        )
        self.id = spec.id
        self.is_guarantor = spec.role is Role.GUARANTOR
        self.env = env
        self.phase = phase
        self.calm = calm
        self.strike = strike
        self.record = record
        self.timing: Stream = streams(Concept.TIMING, spec.id)
        self.strikes: Stream = streams(Concept.STRIKES, spec.id)
        self.decisions: Stream = streams(Concept.DECISIONS, spec.id)
        self.lags: Stream = streams(Concept.LAGS, spec.id)
        self.enemy: Combatant = self  # linked once all combatants exist
        self.weights: list[tuple[Combatant, float]] = []  # routine targets and weights
        self.targets: list[tuple[float, Combatant]] = []  # the same, as running weights
        self.side = spec.side
        # with memory: the grievance, as a level at a day (it halves every half-life)
        self.grievance = 0.0
        self.grievance_at = 0.0
        self.patron: Combatant | None = None
        self.clients: list[Combatant] = []
        self.hosted: Combatant | None = None  # the guarantor whose personnel are embedded here
        # a patron's restraint: until when, how strong, and under which truce (the
        # count of collapses when it was imposed: a collapse lifts it)
        self.restrained_until = -1.0
        self.restraint_strength = 0.0
        self.restrained_under = 0
        (
            self._asset_weights,
            self.routine_capability,
            self.retaliation_capability,
            self.severity_gain,
            self.retaliation_noise,
            self.claim_factor,
        ) = constants(spec)

    def pick_asset(self, stream: Stream) -> Asset:
        """An asset to hit, chosen with chance proportional to how many sites it has."""
        weights = self._asset_weights
        if len(weights) == 1:
            return weights[0][1]
        u = stream.uniform()
        for cumulative, asset in weights:
            if u < cumulative:
                return asset
        return weights[-1][1]

    def aim_at(self, targets: list[tuple[Combatant, float]]) -> None:
        """Link the routine targets, with their weights."""
        self.weights = targets
        self.targets = running_weights(targets)
        self.enemy = max(targets, key=lambda pair: pair[1])[0]

    def answer_target(self, blamed: Combatant) -> Combatant:
        """Whom an answer to a strike blamed on ``blamed`` strikes, by the actor's rule."""
        spec = self.spec.retaliation
        aim = spec.at if spec is not None else Aim.TARGETS
        if aim is Aim.ATTACKER:
            return blamed
        if aim is Aim.TARGETS:
            return by_weight(self.decisions, self.targets)
        on_side = [(t, w) for t, w in self.weights if t.side == blamed.side]
        return by_weight(self.decisions, running_weights(on_side)) if on_side else blamed

    def remember(self, perceived: float, now: float) -> float:
        """Add a loss to the grievance (with memory); the grievance now, this loss
        included. Without memory it is the loss alone."""
        memory = self.spec.memory
        if memory is None:
            return perceived
        decayed = self.grievance * 0.5 ** ((now - self.grievance_at) / memory.half_life)
        self.grievance = decayed + perceived + memory.per_strike
        self.grievance_at = now
        return self.grievance

    def restrained(self, now: float) -> bool:
        """Whether a patron's restraint binds now (a collapse lifts it)."""
        return now < self.restrained_until and self.restrained_under == self.phase.collapses

    def restrain_clients(self, effect: float) -> None:
        """After a consultation, hold back this guarantor's clients for a while."""
        restraint = self.spec.restraint
        if restraint is None:
            return
        now, phase = self.env.now, self.phase
        strength = restraint.strength
        if phase.strained:
            strength = restraint.strength_strained
        elif phase.restored:
            strength = restraint.strength_restored
        strength = min(1.0, strength * effect)
        for client in self.clients:
            client.restrained_until = now + restraint.duration
            client.restraint_strength = strength
            client.restrained_under = phase.collapses

    def react(self, strike: int, perceived: int, now: float, blamed: Combatant) -> None:
        """Decide now whether to answer strike ``strike`` (blamed on ``blamed``), on
        the losses perceived, or with memory on the grievance they leave."""
        spec = self.spec.retaliation
        if spec is None:
            return
        rng = self.decisions
        probability = spec.probability
        severity = perceived if self.spec.memory is None else self.remember(perceived, now)
        if severity:
            probability += self.severity_gain * severity / (severity + spec.half_severity)
        commitment = self.spec.commitment
        if commitment is not None:
            committed = rng.uniform() < commitment.probability
            if committed and perceived >= commitment.min_deaths:
                probability += commitment.boost * (1.0 - probability)
                self.record(Commitment(now, self.id, strike))
        patron = self.patron
        if self.phase.collapsed and patron is not None and patron.spec.restraint is not None:
            probability = min(1.0, probability * patron.spec.restraint.unleash)
        if now < self.restrained_until and self.restrained_under == self.phase.collapses:
            probability *= 1.0 - self.restraint_strength  # a patron's restraint binds
        calm = self.calm
        if now < calm.until:
            probability *= 1.0 - calm.effect
        retaliates = rng.uniform() < probability
        if self.decisions_recorded:
            self.record(Decision(now, self.id, strike, perceived, probability, retaliates))
        if retaliates:
            avenged = float(perceived)
            memory = self.spec.memory
            if memory is not None and memory.size:
                avenged += memory.size * (severity - perceived - memory.per_strike)
            target = (
                self.enemy
                if spec.at is Aim.TARGETS and len(self.targets) == 1
                else self.answer_target(blamed)
            )
            retaliate(self, strike, avenged, target)


@by_identity
def constants(spec: Actor) -> Constants:
    """What an actor's spec fixes for every replication: its assets' running weights
    (by how many sites each has), its capabilities for routine strikes and answers, how
    far the chance to answer can rise with losses, and the noise of its answers' and
    its claims' sizes."""
    total = sum(a.count for a in spec.assets)
    running = 0.0
    asset_weights: list[tuple[float, Asset]] = []
    for asset in spec.assets:
        running += asset.count / total
        asset_weights.append((running, asset))
    routine = spec.capability(spec.routine.capability) if spec.routine else None
    answer: Capability | None = None
    severity_gain = 0.0
    noise: dist.Distribution = dist.Fixed(1.0)
    if spec.retaliation is not None:
        answer = spec.capability(spec.retaliation.capability)
        severity_gain = spec.retaliation.max_probability - spec.retaliation.probability
        if spec.retaliation.noise > 0:
            noise = dist.LogNormal(1.0, spec.retaliation.noise)
    claims = spec.claims
    claim_factor: dist.Distribution = dist.Fixed(1.0)
    if claims is not None:
        claim_factor = (
            dist.LogNormal(claims.inflation, claims.noise)
            if claims.noise > 0
            else dist.Fixed(claims.inflation)
        )
    return asset_weights, routine, answer, severity_gain, noise, claim_factor


class RoutineViolations:
    """Strike unprovoked at the routine rate for the truce's current phase: a chain of
    timers, each of which strikes and sets the next.

    The chain follows the phase: at a collapse or a restoration (or a strain, where a
    rate depends on it) the wait is drawn again at the new rate, which is exact since
    the gaps are memoryless. The new wait is drawn when the change's moment has been
    handled, as a SimPy interrupt would be (an urgent event now), so that several
    changes in one instant draw as often, and at the rate they leave. A change made by
    this actor's own strike needs no redraw: the next wait is drawn after the strike,
    at the new rate. Restraint thins the process: each violation is called off with
    the restraint's strength.

    A timer with a callback, not a process resumed at each strike: it holds no state
    between strikes that a generator would keep, and a process costs more per strike.
    """

    __slots__ = (
        "actor",
        "capability",
        "env",
        "guarantor",
        "only",
        "pending",
        "phase",
        "routine",
        "striking",
    )

    def __init__(self, env: simpy.Environment, actor: Combatant) -> None:
        routine = actor.spec.routine
        capability = actor.routine_capability
        assert routine is not None and capability is not None
        self.env = env
        self.actor = actor
        self.routine = routine
        self.capability = capability
        self.phase = actor.phase
        targets = actor.targets
        self.only = targets[0][1] if len(targets) == 1 else None  # one target: no draw
        self.guarantor = actor.is_guarantor
        self.pending: simpy.Event | None = None  # the timer of the next violation
        self.striking = False
        self._wait()

    def _wait(self) -> None:
        phase, routine = self.phase, self.routine
        if phase.collapsed:
            rate = routine.rate_collapsed
        elif phase.strained:
            rate = routine.rate_strained
        elif phase.collapses:
            rate = routine.rate_restored
        else:
            rate = routine.rate
        if rate > 0:
            timer = self.pending = Timeout(self.env, self.actor.timing.exponential() / rate)
            timer.callbacks.append(self._strike)
        else:
            self.pending = None

    def phase_changed(self) -> None:
        """The truce changed: draw the wait again once this moment is handled."""
        if self.striking:
            return
        self.pending = None  # the timer set before the change no longer strikes
        urgent(self.env, self._redraw)

    def _redraw(self, event: simpy.Event) -> None:
        self._wait()

    def _strike(self, event: simpy.Event) -> None:
        if event is not self.pending:
            return  # set before a change of phase
        actor, env = self.actor, self.env
        if actor.restrained(env.now) and actor.timing.uniform() < actor.restraint_strength:
            self._wait()
            return
        self.striking = True
        target = self.only if self.only is not None else by_weight(actor.strikes, actor.targets)
        actor.strike(
            actor,
            self.capability,
            self.routine.intensity.sample(actor.strikes),
            StrikeKind.ROUTINE,
            None,
            self.guarantor and self.phase.collapsed,  # a guarantor's open war: overt
            target,
        )
        self.striking = False
        self._wait()


Answer = tuple["Combatant", int, float, "Combatant"]  # who answers which strike, how hard, at whom


def retaliate(actor: Combatant, cause: int, avenged: float, target: Combatant) -> None:
    """Answer strike ``cause`` at ``target`` after a lag: a timer whose callback strikes
    (``answer``), since an answer keeps nothing a process would. A fixed lag can make
    the answer fall at the very instant of another event (an opening a day later, an
    answer to an answer): its timer is then set where SimPy would start a process
    (``urgent``), so that it keeps its place among them. A drawn lag is set at once:
    it ties with nothing."""
    answer_ = (actor, cause, avenged, target)
    if actor.fixed_lag:
        urgent(actor.env, _wait_to_answer, answer_)
    else:
        _wait_to_answer(answer_)


def _wait_to_answer(started: simpy.Event | Answer) -> None:
    answer_ = cast(Answer, started.value if isinstance(started, simpy.Event) else started)
    actor = answer_[0]
    spec = actor.spec.retaliation
    assert spec is not None
    Timeout(actor.env, spec.lag.sample(actor.lags), answer_).callbacks.append(answer)


def answer(event: simpy.Event) -> None:
    """Strike now, aiming to kill proportionality x the deaths the answer avenges."""
    actor, cause, avenged, target = cast(Answer, event.value)
    spec = actor.spec.retaliation
    capability = actor.retaliation_capability
    assert spec is not None and capability is not None
    aim = spec.min_intensity
    if capability.lethality > 0:
        aim = max(aim, spec.proportionality * avenged / capability.lethality)
    intensity = aim * actor.retaliation_noise.sample(actor.strikes)
    actor.strike(
        actor, capability, intensity, StrikeKind.RETALIATION, cause, actor.is_guarantor, target
    )
