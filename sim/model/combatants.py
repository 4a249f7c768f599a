"""Armed actors at run time: their state in one replication, and their processes.

A combatant strikes on its own (routine violations, a Poisson process whose rate
follows the truce's state) and answers strikes (retaliation, one process per answer).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.records import StrikeKind
from sim.model.streams import Concept, Stream, Streams
from sim.scenario import distributions as dist
from sim.scenario.spec import Actor, Asset, Capability, Role

if TYPE_CHECKING:
    from sim.model.theatre import Theatre


class Combatant:
    """One armed actor's state during a replication, with its own random streams."""

    __slots__ = (
        "_asset_weights",
        "claim_factor",
        "clients",
        "decisions",
        "enemy",
        "hosted",
        "id",
        "is_guarantor",
        "lags",
        "patron",
        "personnel_lost",
        "restrained_until",
        "restraint_strength",
        "retaliation_capability",
        "retaliation_noise",
        "routine_capability",
        "routine_process",
        "severity_gain",
        "spec",
        "strikes",
        "timing",
    )

    def __init__(self, spec: Actor, streams: Streams) -> None:
        self.spec = spec
        self.id = spec.id
        self.is_guarantor = spec.role is Role.GUARANTOR
        self.timing: Stream = streams(Concept.TIMING, spec.id)
        self.strikes: Stream = streams(Concept.STRIKES, spec.id)
        self.decisions: Stream = streams(Concept.DECISIONS, spec.id)
        self.lags: Stream = streams(Concept.LAGS, spec.id)
        self.enemy: Combatant = self  # linked by the theatre once all exist
        self.patron: Combatant | None = None
        self.clients: list[Combatant] = []
        self.hosted: Combatant | None = None  # the guarantor whose personnel are embedded here
        self.restrained_until = -1.0
        self.restraint_strength = 0.0
        self.personnel_lost = 0  # this guarantor's personnel killed since the truce began
        self.routine_process: simpy.Process | None = None
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


def routine_violations(
    env: simpy.Environment, theatre: Theatre, actor: Combatant
) -> Generator[simpy.Event, Any, None]:
    """Strike unprovoked at the routine rate for the truce's current state.

    The theatre interrupts this process when the truce collapses or is restored, and the
    wait is drawn again at the new rate (exact, since the gaps are memoryless). Restraint
    thins the process: each violation is called off with the restraint's strength.
    """
    routine = actor.spec.routine
    capability = actor.routine_capability
    assert routine is not None and capability is not None
    timing = actor.timing
    strike = theatre.strike
    while True:
        rate = routine.rate_collapsed if theatre.collapsed else routine.rate
        try:
            yield env.timeout(timing.exponential() / rate) if rate > 0 else env.event()
        except simpy.Interrupt:
            continue
        if env.now < actor.restrained_until and timing.uniform() < actor.restraint_strength:
            continue
        strike(actor, capability, routine.intensity.sample(actor.strikes), StrikeKind.ROUTINE)


def retaliation(
    env: simpy.Environment, theatre: Theatre, actor: Combatant, cause: int, perceived: int
) -> Generator[simpy.Event, Any, None]:
    """Answer strike ``cause`` after a lag, aiming at proportionality x perceived deaths."""
    spec = actor.spec.retaliation
    capability = actor.retaliation_capability
    assert spec is not None and capability is not None
    yield env.timeout(spec.lag.sample(actor.lags))
    aim = spec.min_intensity
    if capability.lethality > 0:
        aim = max(aim, spec.proportionality * perceived / capability.lethality)
    intensity = aim * actor.retaliation_noise.sample(actor.strikes)
    theatre.strike(
        actor, capability, intensity, StrikeKind.RETALIATION, cause=cause, overt=actor.is_guarantor
    )
