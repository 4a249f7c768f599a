"""The scenario as frozen data: every parameter of a run, validated once at load.

Units: time in days, rates per day, casualties in people. Probabilities are per decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sim.scenario.distributions import Distribution


class Role(StrEnum):
    CLIENT = "client"  # an armed group or government force
    GUARANTOR = "guarantor"  # a patron power that also guarantees the truce
    MEDIATOR = "mediator"
    OBSERVER = "observer"


ARMED = (Role.CLIENT, Role.GUARANTOR)


@dataclass(frozen=True, slots=True)
class Asset:
    """Something an actor can be struck at: ``count`` sites of ``personnel`` people each."""

    name: str
    count: int
    personnel: int

    @property
    def strength(self) -> int:
        """Everyone at all sites of this kind: the most one strike can kill."""
        return self.count * self.personnel


@dataclass(frozen=True, slots=True)
class Capability:
    """A way of striking. Deaths per strike are negative binomial with mean
    ``intensity * lethality`` and shape ``dispersion`` (smaller is more overdispersed)."""

    name: str
    lethality: float
    dispersion: float
    max_intensity: float


@dataclass(frozen=True, slots=True)
class Routine:
    """Violations that need no provocation: a Poisson process whose rate depends on
    whether the truce stands."""

    rate: float  # per day while the truce is in force or strained
    rate_collapsed: float  # per day after it collapses
    capability: str
    intensity: Distribution


@dataclass(frozen=True, slots=True)
class Retaliation:
    """How an actor answers a strike that hurt it.

    The chance of answering rises from ``probability`` (a strike that killed nobody)
    towards ``max_probability`` with perceived deaths, half way at ``half_severity``.
    The answer comes after ``lag`` and aims to kill ``proportionality`` times the
    perceived deaths, times log-normal noise with coefficient of variation ``noise``.
    """

    probability: float
    max_probability: float
    half_severity: float
    lag: Distribution
    proportionality: float
    noise: float
    min_intensity: float
    capability: str


@dataclass(frozen=True, slots=True)
class Commitment:
    """A public promise to retaliate, made after a strike of at least ``min_deaths``
    with chance ``probability``; it closes ``boost`` of the gap between the chance of
    retaliating and certainty."""

    min_deaths: float
    probability: float
    boost: float


@dataclass(frozen=True, slots=True)
class Claims:
    """What an attacker says it inflicted: true deaths times log-normal noise of mean
    ``inflation``; and, with ``false_personnel`` chance per strike on a host of embedded
    guarantor personnel, a claim to have killed some when it killed none."""

    inflation: float
    noise: float
    false_personnel: float


@dataclass(frozen=True, slots=True)
class Embedded:
    """A guarantor's personnel embedded with a client (``host``). A strike on the host
    kills some of them with chance ``probability``; how many is ``killed`` (at least 1)."""

    host: str
    probability: float
    killed: Distribution


@dataclass(frozen=True, slots=True)
class Restraint:
    """What a guarantor does to its clients. After a consultation it removes
    ``strength`` of their chance to retaliate and of their routine rate for
    ``duration`` days; after a collapse it multiplies their chance to retaliate by
    ``unleash`` (capped at 1)."""

    strength: float
    duration: float
    unleash: float


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    name: str
    role: Role
    patron: str | None = None
    enemy: str | None = None
    assets: tuple[Asset, ...] = ()
    capabilities: tuple[Capability, ...] = ()
    routine: Routine | None = None
    retaliation: Retaliation | None = None
    commitment: Commitment | None = None
    claims: Claims | None = None
    embedded: Embedded | None = None
    restraint: Restraint | None = None

    def capability(self, name: str) -> Capability:
        for capability in self.capabilities:
            if capability.name == name:
                return capability
        raise KeyError(name)

    def asset(self, name: str) -> Asset:
        for asset in self.assets:
            if asset.name == name:
                return asset
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class Mediator:
    """Calls for containment when reported deaths over the last ``window`` days reach
    ``threshold``, at most once per ``cooldown`` days. For ``effect_days`` afterwards
    every actor's chance of retaliating is multiplied by ``1 - effect``; the call also
    relieves ``strain_relief`` of the truce's strain."""

    actor: str
    window: float
    threshold: float
    cooldown: float
    effect: float
    effect_days: float
    strain_relief: float


@dataclass(frozen=True, slots=True)
class Observer:
    """Reports each deadly strike after ``delay``, counting each death with chance
    ``detection`` (a binomial undercount)."""

    actor: str
    delay: Distribution
    detection: float


@dataclass(frozen=True, slots=True)
class StrainWeights:
    """How much strain one violation adds."""

    violation: float  # per strike, whatever its toll
    death: float  # per perceived death
    deadliest: float  # extra for a strike deadlier than any since the truce began
    personnel: float  # per guarantor soldier killed
    claim_credibility: float  # weight of the parties' claims against the observer's count


@dataclass(frozen=True, slots=True)
class Restoration:
    """Talks after a collapse: a round every ``interval``; each restores a truce with a
    chance rising from ``probability`` towards ``max_probability`` as reported deaths
    since the collapse grow, half way at ``half_losses``. A restored truce starts at
    ``strain``."""

    interval: Distribution
    probability: float
    max_probability: float
    half_losses: float
    strain: float


@dataclass(frozen=True, slots=True)
class Truce:
    """The guarantors' truce: its strain jumps with violations, decays with
    ``half_life`` towards ``drift * half_life / ln 2``, and sets its state."""

    guarantors: tuple[str, str]
    initial_strain: float
    half_life: float
    drift: float
    strained_at: float
    relaxed_at: float  # a strained truce is back in force below this (hysteresis)
    collapse_at: float
    deadliest_before: float  # deaths of the deadliest strike before the scenario opens
    personnel_limit: int  # one guarantor's personnel killed that collapse the truce at once
    collapse_on_direct_action: bool
    weights: StrainWeights
    restoration: Restoration | None


@dataclass(frozen=True, slots=True)
class Negotiation:
    """The guarantors' channel. A violation perceived at ``major_deaths`` or more, a
    guarantor casualty, or the truce becoming strained calls for a consultation, held
    after ``delay``. A call is crowded out by another crisis with ``crowded_out``
    chance (and postponed by another delay); otherwise it shares bandwidth with the
    other crisis with ``shared`` chance, keeping ``shared_effect`` of its effect. A
    call relieves ``strain_relief`` and has each guarantor restrain its clients.
    Calls are at least ``min_interval`` days apart."""

    major_deaths: float
    delay: Distribution
    min_interval: float
    strain_relief: float
    crowded_out: float
    shared: float
    shared_effect: float


@dataclass(frozen=True, slots=True)
class Opening:
    """A scripted strike that opens the scenario. ``deaths`` fixes its toll (a fact);
    otherwise the toll is drawn from ``intensity``."""

    day: float
    attacker: str
    target: str
    capability: str
    asset: str | None
    intensity: float
    deaths: int | None


@dataclass(frozen=True, slots=True)
class Ladder:
    """Thresholds of the escalation ladder."""

    mass_casualty: int  # deaths in one strike
    cycle: int  # strikes in one chain of retaliation


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    horizon: float
    start_date: dt.date | None
    actors: tuple[Actor, ...]
    openings: tuple[Opening, ...]
    ladder: Ladder
    truce: Truce | None = None
    negotiation: Negotiation | None = None
    mediator: Mediator | None = None
    observer: Observer | None = None

    def actor(self, actor_id: str) -> Actor:
        for actor in self.actors:
            if actor.id == actor_id:
                return actor
        raise KeyError(actor_id)

    @property
    def armed(self) -> tuple[Actor, ...]:
        """The actors that strike and are struck, in file order."""
        return tuple(a for a in self.actors if a.role in ARMED)

    @property
    def guarantors(self) -> tuple[Actor, ...]:
        return tuple(a for a in self.actors if a.role is Role.GUARANTOR)
