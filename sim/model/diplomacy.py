"""The guarantors' diplomacy: consultations while the truce stands, climbing levels
(ministers, then presidents) as a crisis goes on; talks they convene after a call, or
hold at a scheduled summit; and rounds of talks to restore a collapsed truce."""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from typing import Any, Protocol

import simpy

from sim.model.phase import Phase
from sim.model.records import Call, Convened, Record, Talks
from sim.model.streams import Stream
from sim.scenario.spec import ConvenedTalks, Negotiation, Restoration, Summit


class Restrainer(Protocol):
    """A guarantor that holds its clients back after a call, with the call's effect."""

    def restrain_clients(self, effect: float) -> None: ...


class Losses(Protocol):
    """The deaths reported so far, all parties together."""

    reported_deaths: int


class Channel:
    """Consultations between the guarantors. Requests made while a call is pending are
    answered by that call; requests during the cool-down after a call are kept and
    answered once it ends. A call relieves strain (``relieve``) and has each guarantor
    restrain its clients; none is held once the truce has collapsed.

    Calls climb the levels: a call held while the truce is strained, or within
    ``escalate_within`` days of the last, is one level above it (up to the top);
    otherwise it starts at the first. A call at a level that convenes talks does so
    (``convene``) with that level's chance."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: Negotiation,
        phase: Phase,
        stream: Stream,
        record: Callable[[Record], None],
        relieve: Callable[[float, str], None],
        guarantors: Sequence[Restrainer],
        convene: Callable[[], None] | None = None,
        convening: Stream | None = None,
    ) -> None:
        self.env = env
        self.spec = spec
        self.phase = phase
        self.stream = stream
        self.record = record
        self.relieve = relieve
        self.guarantors = list(guarantors)
        self.convene = convene
        self.convening = convening
        self.level = -1  # the level of the last call held (-1: none yet)
        self.last_call = -math.inf
        self.wake = env.event()
        env.process(self.consultations())

    def climb(self) -> int:
        """The level of a call held now."""
        now, levels = self.env.now, self.spec.levels
        going_on = self.phase.strained or now - self.last_call <= self.spec.escalate_within
        self.level = min(self.level + 1, len(levels) - 1) if self.level >= 0 and going_on else 0
        self.last_call = now
        return self.level

    def request(self) -> None:
        """Ask for a consultation (ignored while the truce is collapsed)."""
        if not self.phase.collapsed and not self.wake.triggered:
            self.wake.succeed()

    def consultations(self) -> Generator[simpy.Event, Any, None]:
        env, spec, stream, phase = self.env, self.spec, self.stream, self.phase
        while True:
            yield self.wake
            while True:
                yield env.timeout(spec.delay.sample(stream))
                crowded = stream.uniform() < spec.crowded_out
                shared = stream.uniform() < spec.shared
                if phase.collapsed:
                    break
                if crowded:
                    self.record(Call(env.now, "crowded out", 0.0))
                    continue
                level = spec.levels[self.climb()]
                effect = (spec.shared_effect if shared else 1.0) * level.effect
                self.record(Call(env.now, "shared" if shared else "held", effect, level.name))
                for guarantor in self.guarantors:
                    guarantor.restrain_clients(effect)
                relief = spec.strain_relief * effect
                if relief:
                    self.relieve(relief, "consultation")
                convene, convening = self.convene, self.convening
                if (
                    level.convene  # no draw for a level that never convenes
                    and convene is not None
                    and convening is not None
                    and convening.uniform() < level.convene
                ):
                    convene()
                break
            self.wake = env.event()
            if spec.min_interval > 0:
                yield env.timeout(spec.min_interval)


class RestorationTalks:
    """Rounds of talks after each collapse, one every ``interval``; each succeeds with a
    chance that grows with the deaths reported since the collapse, and a success
    ``restore``s a truce at the restoration strain. The talks open when the phase's
    collapse event fires and run as timeouts with callbacks, since they hold no state
    a process would keep."""

    __slots__ = ("env", "losses", "losses_before", "phase", "record", "restore", "spec", "stream")

    def __init__(
        self,
        env: simpy.Environment,
        spec: Restoration,
        phase: Phase,
        stream: Stream,
        record: Callable[[Record], None],
        losses: Losses,
        restore: Callable[[float], None],
    ) -> None:
        self.env = env
        self.spec = spec
        self.phase = phase
        self.stream = stream
        self.record = record
        self.losses = losses
        self.restore = restore
        self.losses_before = 0
        phase.next_collapse.callbacks.append(self._open)

    def _open(self, event: simpy.Event) -> None:
        self.losses_before = self.losses.reported_deaths
        self._next_round()

    def _next_round(self) -> None:
        self.env.timeout(self.spec.interval.sample(self.stream)).callbacks.append(self._round)

    def _round(self, event: simpy.Event) -> None:
        if not self.phase.collapsed:  # restored meanwhile by convened talks
            self.phase.next_collapse.callbacks.append(self._open)
            return
        spec = self.spec
        losses = self.losses.reported_deaths - self.losses_before
        probability = spec.probability + (spec.max_probability - spec.probability) * losses / (
            losses + spec.half_losses
        )
        restored = self.stream.uniform() < probability
        self.record(Talks(self.env.now, probability, restored))
        if not restored:
            self._next_round()
            return
        # listen for the next collapse before restoring: a restored truce may collapse
        # again at once
        self.phase.next_collapse.callbacks.append(self._open)
        self.restore(spec.strain)


class Ledger(Protocol):
    """The truce as talks see it: its strain, and what success does to it."""

    def strain(self, day: float) -> float: ...

    def settle_to(self, strain: float, reason: str) -> None: ...

    def restore(self, strain: float) -> None: ...


class Conference:
    """Talks between the parties: convened after a call (at most one pending, and none
    within ``cooldown`` days of the last), or held at a scheduled summit. Their chance
    of success grows with the losses of the *less* hurt side since the last success
    (``losses`` gives both sides' perceived losses so far), and falls with the strain
    of a standing truce. Success brings a standing truce's strain down, or restores a
    collapsed one."""

    __slots__ = (
        "baseline",
        "env",
        "ledger",
        "losses",
        "pending",
        "phase",
        "quiet_until",
        "record",
        "spec",
        "stream",
    )

    def __init__(
        self,
        env: simpy.Environment,
        spec: ConvenedTalks,
        summits: Sequence[Summit],
        phase: Phase,
        stream: Stream,
        record: Callable[[Record], None],
        ledger: Ledger,
        losses: Callable[[], tuple[float, float]],
    ) -> None:
        self.env = env
        self.spec = spec
        self.phase = phase
        self.stream = stream
        self.record = record
        self.ledger = ledger
        self.losses = losses
        self.baseline = (0.0, 0.0)
        self.pending = False
        self.quiet_until = -math.inf
        for summit in summits:
            env.timeout(summit.day, summit).callbacks.append(self._summit)
        if spec.after_collapse > 0:
            phase.next_collapse.callbacks.append(self._collapsed)

    def _summit(self, event: simpy.Event) -> None:
        summit: Summit = event.value  # type: ignore[assignment]
        self.hold(summit.name, summit.bonus, convened=False)

    def _collapsed(self, event: simpy.Event) -> None:
        self.phase.next_collapse.callbacks.append(self._collapsed)
        if self.stream.uniform() < self.spec.after_collapse:
            self.convene()

    def convene(self) -> None:
        """Convene talks, held after the delay, unless some are pending or too recent."""
        if self.pending or self.env.now < self.quiet_until:
            return
        self.pending = True
        held = self.env.timeout(self.spec.delay.sample(self.stream))
        held.callbacks.append(lambda _: self.hold("talks", 0.0, convened=True))

    def chance(self, bonus: float) -> float:
        """The chance that talks held now succeed."""
        spec = self.spec
        (a, b), (a0, b0) = self.losses(), self.baseline
        hurt = [max(0.0, lost) for lost in (a - a0, b - b0)]
        mutual = min(lost / (lost + spec.half_losses) for lost in hurt)
        chance = spec.probability + (spec.max_probability - spec.probability) * mutual + bonus
        if not self.phase.collapsed:
            chance *= (1.0 - spec.strain_penalty) ** self.ledger.strain(self.env.now)
        return min(1.0, max(0.0, chance))

    def hold(self, name: str, bonus: float, convened: bool) -> None:
        """Hold talks: those the calls or a collapse convened, or a scheduled summit."""
        if convened:
            self.pending = False
            self.quiet_until = self.env.now + self.spec.cooldown
        probability = self.chance(bonus)
        succeeded = self.stream.uniform() < probability
        standing = not self.phase.collapsed
        self.record(Convened(self.env.now, name, probability, succeeded, standing))
        if not succeeded:
            return
        self.baseline = self.losses()
        if standing:
            self.ledger.settle_to(self.spec.strain, f"{name} succeeded")
        else:
            self.ledger.restore(self.spec.strain)
