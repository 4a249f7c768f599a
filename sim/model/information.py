"""What the parties learn: the observer's delayed, undercounted reports, and the
mediator that reacts to them. Decisions are taken on these perceptions (and on each
party's own losses), never on another party's true toll."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

import simpy
from simpy.events import Timeout

from sim.model.records import MediatorCall, Record, Report, Strike
from sim.model.streams import Stream
from sim.scenario.spec import Mediator, Observer

Listener = Callable[[Strike, int], None]  # told of each published count: (strike, reported)


class Monitor:
    """The observer: each strike is reported after a delay, each death counted with the
    detection probability. Without an observer in the scenario, the truth is published
    at once. Each count is recorded, added to ``reported_deaths`` and handed to the
    listeners, in order."""

    __slots__ = ("env", "listeners", "record", "reported_deaths", "reported_of", "spec", "stream")

    def __init__(
        self,
        env: simpy.Environment,
        spec: Observer | None,
        stream: Stream,
        record: Callable[[Record], None],
        listeners: Sequence[Listener] = (),
    ) -> None:
        self.env = env
        self.spec = spec
        self.stream = stream
        self.record = record
        self.listeners = list(listeners)
        self.reported_deaths = 0  # everything published so far
        self.reported_of: dict[str, int] = {}  # by the actor whose people were killed

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
        event = Timeout(self.env, delay, (strike, reported))
        event.callbacks.append(self._deliver)

    def _deliver(self, event: simpy.Event) -> None:
        strike, reported = event.value  # type: ignore[misc]
        self._publish(strike, reported)

    def _publish(self, strike: Strike, reported: int) -> None:
        self.record(Report(self.env.now, strike.id, strike.target, reported))
        self.reported_deaths += reported
        self.reported_of[strike.target] = self.reported_of.get(strike.target, 0) + reported
        for listener in self.listeners:
            listener(strike, reported)


class Calm:
    """The mediator's call as the combatants feel it: until day ``until`` every chance
    of answering is multiplied by ``1 - effect``."""

    __slots__ = ("effect", "until")

    def __init__(self) -> None:
        self.until = -1.0
        self.effect = 0.0


class Watch:
    """The mediator: sums reported deaths over a rolling window and, past its threshold
    and outside its cool-down, calls for containment. The call calms the combatants for
    ``effect_days`` and relieves the truce's strain through ``relieve``."""

    __slots__ = ("_recent", "_total", "calm", "env", "quiet_until", "record", "relieve", "spec")

    def __init__(
        self,
        env: simpy.Environment,
        spec: Mediator,
        record: Callable[[Record], None],
        relieve: Callable[[float, str], None],
    ) -> None:
        self.env = env
        self.spec = spec
        self.record = record
        self.relieve = relieve
        self.calm = Calm()
        self._recent: deque[tuple[float, int]] = deque()
        self._total = 0
        self.quiet_until = -1.0

    def on_report(self, strike: Strike, reported: int) -> None:
        if reported == 0:
            return
        day = self.env.now
        spec, recent = self.spec, self._recent
        recent.append((day, reported))
        self._total += reported
        horizon = day - spec.window
        while recent[0][0] <= horizon:
            self._total -= recent.popleft()[1]
        if self._total >= spec.threshold and day >= self.quiet_until:
            self.quiet_until = day + spec.cooldown
            self.record(MediatorCall(day, spec.actor, self._total))
            self.calm.until = day + spec.effect_days
            self.calm.effect = spec.effect
            if spec.strain_relief:
                self.relieve(spec.strain_relief, "mediator's call")
