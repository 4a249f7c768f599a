"""The guarantors' diplomacy: consultations while the truce stands, and talks to
restore it after a collapse."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any, Protocol

import simpy

from sim.model.phase import Phase
from sim.model.records import Call, Record, Talks
from sim.model.streams import Stream
from sim.scenario.spec import Negotiation, Restoration


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
    restrain its clients; none is held once the truce has collapsed."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: Negotiation,
        phase: Phase,
        stream: Stream,
        record: Callable[[Record], None],
        relieve: Callable[[float, str], None],
        guarantors: Sequence[Restrainer],
    ) -> None:
        self.env = env
        self.spec = spec
        self.phase = phase
        self.stream = stream
        self.record = record
        self.relieve = relieve
        self.guarantors = list(guarantors)
        self.wake = env.event()
        env.process(self.consultations())

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
                effect = spec.shared_effect if shared else 1.0
                self.record(Call(env.now, "shared" if shared else "held", effect))
                for guarantor in self.guarantors:
                    guarantor.restrain_clients(effect)
                relief = spec.strain_relief * effect
                if relief:
                    self.relieve(relief, "consultation")
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
