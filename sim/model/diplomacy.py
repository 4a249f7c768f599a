"""The guarantors' channel: consultations while the truce stands, and talks to restore
it after a collapse."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.records import Call, Record, Talks
from sim.model.streams import Stream
from sim.scenario.spec import Negotiation, Restoration

if TYPE_CHECKING:
    from sim.model.theatre import Theatre


class Channel:
    """Consultations between the guarantors. Requests made while a call is pending are
    answered by that call; requests during the cool-down after a call are kept and
    answered once it ends."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: Negotiation,
        theatre: Theatre,
        stream: Stream,
        record: Callable[[Record], None],
    ) -> None:
        self.env = env
        self.spec = spec
        self.theatre = theatre
        self.stream = stream
        self.record = record
        self.wake = env.event()
        env.process(self.consultations())

    def request(self) -> None:
        if not self.wake.triggered:
            self.wake.succeed()

    def consultations(self) -> Generator[simpy.Event, Any, None]:
        env, spec, stream, theatre = self.env, self.spec, self.stream, self.theatre
        while True:
            yield self.wake
            while True:
                yield env.timeout(spec.delay.sample(stream))
                crowded = stream.uniform() < spec.crowded_out
                shared = stream.uniform() < spec.shared
                if theatre.collapsed:
                    break
                if crowded:
                    self.record(Call(env.now, "crowded out", 0.0))
                    continue
                effect = spec.shared_effect if shared else 1.0
                self.record(Call(env.now, "shared" if shared else "held", effect))
                theatre.after_call(spec.strain_relief * effect, effect)
                break
            self.wake = env.event()
            if spec.min_interval > 0:
                yield env.timeout(spec.min_interval)


def restoration_talks(
    env: simpy.Environment,
    theatre: Theatre,
    spec: Restoration,
    stream: Stream,
    record: Callable[[Record], None],
) -> Generator[simpy.Event, Any, None]:
    """Rounds of talks after a collapse; each succeeds with a chance that grows with
    the deaths reported since the collapse."""
    losses_before = theatre.reported_total
    while True:
        yield env.timeout(spec.interval.sample(stream))
        losses = theatre.reported_total - losses_before
        probability = spec.probability + (spec.max_probability - spec.probability) * losses / (
            losses + spec.half_losses
        )
        restored = stream.uniform() < probability
        record(Talks(env.now, probability, restored))
        if restored:
            theatre.restore(spec.strain)
            return
