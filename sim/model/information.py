"""What the parties learn: the observer's delayed, undercounted reports, and the
mediator that reacts to them. Decisions are taken on these perceptions (and on each
party's own losses), never on another party's true toll."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

from sim.model.records import MediatorCall, Record, Strike
from sim.model.streams import Stream
from sim.scenario.spec import Mediator, Observer

if TYPE_CHECKING:
    from sim.model.theatre import Theatre


class Monitor:
    """The observer: each strike is reported after a delay, each death counted with the
    detection probability. Without an observer in the scenario, the truth is published
    at once."""

    __slots__ = ("_publish", "env", "spec", "stream")

    def __init__(
        self,
        env: simpy.Environment,
        spec: Observer | None,
        stream: Stream,
        publish: Callable[[Strike, int], None],
    ) -> None:
        self.env = env
        self.spec = spec
        self.stream = stream
        self._publish = publish

    def observe(self, strike: Strike) -> None:
        """Count ``strike``'s dead. A strike that killed nobody has nothing to report."""
        if not strike.deaths:
            return
        spec = self.spec
        if spec is None:
            self._publish(strike, strike.deaths)
            return
        stream = self.stream
        delay = spec.delay.sample(stream)
        reported = stream.binomial(strike.deaths, spec.detection)
        event = self.env.timeout(delay, (strike, reported))
        event.callbacks.append(self._deliver)

    def _deliver(self, event: simpy.Event) -> None:
        strike, reported = event.value  # type: ignore[misc]
        self._publish(strike, reported)


class Watch:
    """The mediator: sums reported deaths over a rolling window and, past its threshold
    and outside its cool-down, calls for containment."""

    __slots__ = ("_recent", "_total", "quiet_until", "record", "spec", "theatre")

    def __init__(self, spec: Mediator, theatre: Theatre, record: Callable[[Record], None]) -> None:
        self.spec = spec
        self.theatre = theatre
        self.record = record
        self._recent: deque[tuple[float, int]] = deque()
        self._total = 0
        self.quiet_until = -1.0

    def on_report(self, day: float, deaths: int) -> None:
        if deaths == 0:
            return
        spec, recent = self.spec, self._recent
        recent.append((day, deaths))
        self._total += deaths
        horizon = day - spec.window
        while recent[0][0] <= horizon:
            self._total -= recent.popleft()[1]
        if self._total >= spec.threshold and day >= self.quiet_until:
            self.quiet_until = day + spec.cooldown
            self.record(MediatorCall(day, spec.actor, self._total))
            self.theatre.after_mediator_call(spec)
