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
class Target:
    """An actor that routine fire is aimed at, with a relative ``weight``."""

    actor: str
    weight: float


class Aim(StrEnum):
    """Whom a retaliation strikes."""

    SIDE = "side"  # the attacker's side: the actor's targets on it, else the attacker
    ATTACKER = "attacker"  # the actor it blames for the strike it answers
    TARGETS = "targets"  # its routine targets, whoever struck


@dataclass(frozen=True, slots=True)
class Routine:
    """Violations that need no provocation: a Poisson process whose rate depends on
    the truce's phase."""

    rate: float  # per day while the truce is in force (or without a truce)
    rate_strained: float  # per day while it is strained
    rate_collapsed: float  # per day after it collapses
    rate_restored: float  # per day while a truce restored by talks is in force
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
    at: Aim = Aim.TARGETS


@dataclass(frozen=True, slots=True)
class Memory:
    """A grievance that remembers losses: each strike suffered adds its perceived deaths
    plus ``per_strike``, and the sum halves every ``half_life`` days. The chance of
    answering reads the grievance instead of the strike's own toll, and an answer aims
    to avenge its toll plus ``size`` times the rest of the grievance."""

    half_life: float
    per_strike: float
    size: float


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
    ``strength`` (by the truce's phase at the call) of their chance to retaliate and of
    their routine rate for ``duration`` days; after a collapse it multiplies their
    chance to retaliate by ``unleash`` (capped at 1)."""

    strength: float  # after a call while the truce is in force
    strength_strained: float  # after a call while it is strained
    strength_restored: float  # after a call while a restored truce is in force
    duration: float
    unleash: float


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    name: str
    role: Role
    patron: str | None = None
    targets: tuple[Target, ...] = ()
    assets: tuple[Asset, ...] = ()
    capabilities: tuple[Capability, ...] = ()
    routine: Routine | None = None
    retaliation: Retaliation | None = None
    commitment: Commitment | None = None
    claims: Claims | None = None
    embedded: Embedded | None = None
    restraint: Restraint | None = None
    memory: Memory | None = None

    @property
    def enemy(self) -> str | None:
        """The main target: the first of the heaviest weight."""
        if not self.targets:
            return None
        heaviest = max(t.weight for t in self.targets)
        return next(t.actor for t in self.targets if t.weight == heaviest)

    @property
    def side(self) -> str:
        """The side it fights on: its patron's, or its own."""
        return self.patron or self.id

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
    """The truce: its strain jumps with violations, decays with ``half_life`` towards
    ``drift * half_life / ln 2``, and sets its state. It binds two ``parties``: the two
    guarantors of a guaranteed truce, or the two sides of a bilateral one (then
    ``guarantors`` is empty)."""

    guarantors: tuple[str, ...]
    parties: tuple[str, str]
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
    levels: tuple[Level, ...]
    escalate_within: float


@dataclass(frozen=True, slots=True)
class Level:
    """A rung of the guarantors' calls (ministers, presidents). A call at this level
    multiplies its relief and restraint by ``effect``, and convenes talks with chance
    ``convene``."""

    name: str
    effect: float
    convene: float


@dataclass(frozen=True, slots=True)
class ConvenedTalks:
    """Talks the parties convene after a call, or hold at a scheduled summit. They come
    ``delay`` after the call that convenes them, at most one every ``cooldown`` days.
    They succeed with a chance rising from ``probability`` towards ``max_probability``
    as the *less* hurt side's losses grow (half way at ``half_losses`` deaths; a
    guarantor's soldier counts as ``personnel_cost`` deaths), times
    ``(1 - strain_penalty) ** strain`` while the truce stands. Success sets the strain
    of a standing truce to at most ``strain`` and restores a collapsed one at it. A
    collapse convenes talks with chance ``after_collapse``."""

    delay: Distribution
    cooldown: float
    after_collapse: float
    probability: float
    max_probability: float
    half_losses: float
    personnel_cost: float
    strain_penalty: float
    strain: float


@dataclass(frozen=True, slots=True)
class Summit:
    """Talks on a set ``day``, with ``bonus`` added to their chance of success."""

    day: float
    name: str
    bonus: float


@dataclass(frozen=True, slots=True)
class Suspect:
    """An actor that may have struck, with the chance ``weight`` that it did and the
    capability it would have used."""

    actor: str
    weight: float
    capability: str


@dataclass(frozen=True, slots=True)
class Opening:
    """A scripted strike that opens the scenario, by one of its ``suspects`` (drawn by
    weight in each replication when there are several). ``deaths`` fixes its toll (a
    fact), otherwise drawn from ``intensity``; ``personnel`` fixes how many of the
    target's embedded guarantor personnel it killed. ``blamed`` says whom an actor
    holds responsible, as (actor, blamed actor) pairs; others blame who struck."""

    day: float
    suspects: tuple[Suspect, ...]
    target: str
    asset: str | None
    intensity: float
    deaths: int | None
    personnel: int | None = None
    blamed: tuple[tuple[str, str], ...] = ()

    @property
    def attacker(self) -> str:
        """The most likely attacker (the first of the heaviest weight)."""
        heaviest = max(s.weight for s in self.suspects)
        return next(s.actor for s in self.suspects if s.weight == heaviest)


@dataclass(frozen=True, slots=True)
class Loss:
    """A strike before day 0 that the actors remember: ``deaths`` among the target's
    people and ``personnel`` of the guarantor embedded with it (which count towards
    the truce's personnel limit)."""

    day: float
    attacker: str
    target: str
    deaths: int
    personnel: int


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
    history: tuple[Loss, ...] = ()
    talks: ConvenedTalks | None = None
    summits: tuple[Summit, ...] = ()

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
