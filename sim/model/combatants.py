"""Armed actors at run time: their state in one replication, their decisions, and their
processes.

A combatant strikes on its own (routine violations, a Poisson process whose rate
follows the truce's phase, at targets chosen by weight) and answers strikes
(retaliation, one process per answer, aimed by its rule at whom it blames). It decides
on the losses it perceives, or with memory on the grievance they leave, under its
patron's restraint and a mediator's call. It depends on the truce's ``Phase``, the
mediator's ``Calm``, a ``Striker`` that resolves strikes, and the record; never on the
theatre that wires them.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Protocol

import simpy

from sim.model.information import Calm
from sim.model.phase import Phase
from sim.model.records import Commitment, Decision, Record, StrikeKind
from sim.model.streams import Concept, Stream, Streams, by_weight, running_weights
from sim.scenario import distributions as dist
from sim.scenario.spec import Actor, Aim, Asset, Capability, Role


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
        "enemy",
        "env",
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
    ) -> None:
        self.spec = spec
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
        total = sum(a.count for a in spec.assets)
        running = 0.0
        self._asset_weights: list[tuple[float, Asset]] = []
        for asset in spec.assets:
            running += asset.count / total
            self._asset_weights.append((running, asset))
        self.routine_capability: Capability | None = (
            spec.capability(spec.routine.capability) if spec.routine else None
        )
        self.retaliation_capability: Capability | None = None
        self.severity_gain = 0.0  # how far the chance to answer can rise with losses
        self.retaliation_noise: dist.Distribution = dist.Fixed(1.0)
        if spec.retaliation is not None:
            self.retaliation_capability = spec.capability(spec.retaliation.capability)
            self.severity_gain = spec.retaliation.max_probability - spec.retaliation.probability
            if spec.retaliation.noise > 0:
                self.retaliation_noise = dist.LogNormal(1.0, spec.retaliation.noise)
        claims = spec.claims
        self.claim_factor: dist.Distribution = dist.Fixed(1.0)
        if claims is not None:
            self.claim_factor = (
                dist.LogNormal(claims.inflation, claims.noise)
                if claims.noise > 0
                else dist.Fixed(claims.inflation)
            )

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
        if self.restrained(now):
            probability *= 1.0 - self.restraint_strength
        calm = self.calm
        if now < calm.until:
            probability *= 1.0 - calm.effect
        retaliates = rng.uniform() < probability
        self.record(Decision(now, self.id, strike, perceived, probability, retaliates))
        if retaliates:
            avenged: float = perceived
            memory = self.spec.memory
            if memory is not None and memory.size:
                avenged += memory.size * (severity - perceived - memory.per_strike)
            target = (
                self.enemy
                if spec.at is Aim.TARGETS and len(self.targets) == 1
                else self.answer_target(blamed)
            )
            self.env.process(retaliation(self.env, self, strike, avenged, target))


def routine_violations(
    env: simpy.Environment, actor: Combatant
) -> Generator[simpy.Event, Any, None]:
    """Strike unprovoked at the routine rate for the truce's current phase.

    The process follows the phase: a collapse or a restoration interrupts it, and the
    wait is drawn again at the new rate (exact, since the gaps are memoryless).
    Restraint thins the process: each violation is called off with the restraint's
    strength.
    """
    routine = actor.spec.routine
    capability = actor.routine_capability
    assert routine is not None and capability is not None
    timing = actor.timing
    strike = actor.strike
    phase = actor.phase
    targets = actor.targets
    only = targets[0][1] if len(targets) == 1 else None  # one target: no draw
    guarantor = actor.is_guarantor
    while True:
        if phase.collapsed:
            rate = routine.rate_collapsed
        elif phase.strained:
            rate = routine.rate_strained
        elif phase.collapses:
            rate = routine.rate_restored
        else:
            rate = routine.rate
        try:
            yield env.timeout(timing.exponential() / rate) if rate > 0 else env.event()
        except simpy.Interrupt:
            continue
        if actor.restrained(env.now) and timing.uniform() < actor.restraint_strength:
            continue
        target = only if only is not None else by_weight(actor.strikes, targets)
        strike(
            actor,
            capability,
            routine.intensity.sample(actor.strikes),
            StrikeKind.ROUTINE,
            overt=guarantor and phase.collapsed,  # a guarantor's open war is direct action
            target=target,
        )


def retaliation(
    env: simpy.Environment, actor: Combatant, cause: int, avenged: float, target: Combatant
) -> Generator[simpy.Event, Any, None]:
    """Answer strike ``cause`` at ``target`` after a lag, aiming to kill proportionality x
    the deaths it avenges."""
    spec = actor.spec.retaliation
    capability = actor.retaliation_capability
    assert spec is not None and capability is not None
    yield env.timeout(spec.lag.sample(actor.lags))
    aim = spec.min_intensity
    if capability.lethality > 0:
        aim = max(aim, spec.proportionality * avenged / capability.lethality)
    intensity = aim * actor.retaliation_noise.sample(actor.strikes)
    actor.strike(
        actor,
        capability,
        intensity,
        StrikeKind.RETALIATION,
        cause=cause,
        overt=actor.is_guarantor,
        target=target,
    )
