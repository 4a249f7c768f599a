"""Immutable records that the model's processes emit, in the order they happen.

Outcome metrics and timelines are computed from these after a run; processes never
compute metrics themselves. Days are simulation time since the scenario opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import NamedTuple


class StrikeKind(StrEnum):
    OPENING = "opening"  # scripted by the scenario
    ROUTINE = "routine"  # a violation that answers nothing
    RETALIATION = "retaliation"  # answers an earlier strike (its cause)


class TruceState(StrEnum):
    IN_FORCE = "in force"
    STRAINED = "strained"
    COLLAPSED = "collapsed"


class Strike(NamedTuple):
    id: int
    day: float
    attacker: str
    target: str
    kind: StrikeKind
    capability: str
    asset: str
    intensity: float
    deaths: int  # true deaths among the target's people
    personnel_killed: int  # embedded guarantor personnel killed
    personnel_of: str | None  # the guarantor they belonged to
    cause: int | None  # the strike this one answers
    overt: bool  # a guarantor's open direct action
    claimed_deaths: int  # what the attacker claims it killed
    claimed_personnel: int  # guarantor personnel the attacker claims it killed


class Decision(NamedTuple):
    """A struck actor decides whether to answer ``strike``."""

    day: float
    actor: str
    strike: int
    perceived: int  # the losses it decides on
    probability: float
    retaliates: bool


class Commitment(NamedTuple):
    """A public promise to answer ``strike``."""

    day: float
    actor: str
    strike: int


class Report(NamedTuple):
    """The observer's count of a strike's deaths."""

    day: float
    strike: int
    target: str
    deaths: int


class Strain(NamedTuple):
    """The truce's strain right after a change, and why it changed."""

    day: float
    strain: float
    state: TruceState
    reason: str
    strike: int | None


class StateChange(NamedTuple):
    day: float
    state: TruceState
    reason: str


class Call(NamedTuple):
    """A consultation between the guarantors. ``outcome`` is held, shared (bandwidth
    shared with another crisis) or crowded out (postponed)."""

    day: float
    outcome: str
    effect: float  # the fraction of the call's full effect it had
    level: str = "call"  # who spoke (a level of calls: ministers, presidents)


class MediatorCall(NamedTuple):
    day: float
    actor: str
    window_deaths: int  # reported deaths in the mediator's window


class Talks(NamedTuple):
    """A round of talks to restore a collapsed truce."""

    day: float
    probability: float
    restored: bool


class Convened(NamedTuple):
    """Talks the parties convened, or a scheduled summit (``name``), held while the truce
    stood (``standing``) or after it collapsed."""

    day: float
    name: str
    probability: float
    succeeded: bool
    standing: bool


Record = (
    Strike
    | Decision
    | Commitment
    | Report
    | Strain
    | StateChange
    | Call
    | MediatorCall
    | Talks
    | Convened
)


class Keep(IntEnum):
    """What a replication records, beyond what its outcome record reads."""

    OUTCOMES = 0  # no decisions, and the strain's peak in place of its changes
    SERIES = 1  # also the strain's changes, as plain numbers: what daily series read
    ALL = 2  # every record, as traces and episodes read them


@dataclass(frozen=True, slots=True)
class Run:
    """Everything one replication produced."""

    replication: int
    records: list[Record]
    events: int  # SimPy events processed before the horizon
    final_strain: float | None  # the truce's strain at the horizon
    # the highest strain the truce reached at a change, and the changes as (days,
    # levels), when the changes were not recorded as ``Strain`` (see ``Keep``)
    peak_strain: float | None = None
    strain_changes: tuple[list[float], list[float]] | None = None
