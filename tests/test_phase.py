"""The truce's phase: its collapse and restoration as SimPy events, and the interrupts
of the processes that follow it. Scripted processes append (name, time) to a list, and
the test asserts the exact sequence."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from sim.model.phase import Phase


def test_waiters_resume_at_each_change_and_followers_are_interrupted() -> None:
    env = simpy.Environment()
    phase = Phase(env)
    log: list[tuple[str, float]] = []

    def waiter() -> Generator[simpy.Event, Any, None]:
        yield phase.next_collapse
        log.append(("collapsed", env.now))
        yield phase.next_restoration
        log.append(("restored", env.now))
        yield phase.next_collapse  # armed again after the first one fired
        log.append(("collapsed again", env.now))

    def follower() -> Generator[simpy.Event, Any, None]:
        while True:
            try:
                yield env.timeout(100)
                log.append(("follower woke", env.now))
            except simpy.Interrupt as interrupt:
                log.append((f"follower interrupted: {interrupt.cause}", env.now))

    def truce() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(2)
        phase.collapse()
        yield env.timeout(3)
        phase.restore()
        yield env.timeout(1)
        phase.collapse()

    env.process(waiter())
    phase.follow(env.process(follower()))
    env.process(truce())
    env.run(until=10)
    assert log == [
        ("follower interrupted: truce changed", 2),
        ("collapsed", 2),
        ("follower interrupted: truce changed", 5),
        ("restored", 5),
        ("follower interrupted: truce changed", 6),
        ("collapsed again", 6),
    ]
    assert phase.collapsed and phase.collapses == 2


def test_the_process_that_changes_the_phase_is_not_interrupted() -> None:
    env = simpy.Environment()
    phase = Phase(env)
    log: list[tuple[str, float, bool]] = []

    def striker() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(1)
        phase.collapse()  # its own strike collapsed the truce: it reads the phase itself
        log.append(("striker goes on", env.now, phase.collapsed))
        yield env.timeout(1)
        log.append(("striker woke", env.now, phase.collapsed))

    phase.follow(env.process(striker()))
    env.run(until=5)
    assert log == [("striker goes on", 1, True), ("striker woke", 2, True)]


def test_a_moment_nobody_awaits_costs_no_event() -> None:
    from sim.model import CountingEnvironment

    env = CountingEnvironment()
    phase = Phase(env)

    def truce() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(1)
        phase.collapse()
        phase.restore()

    env.process(truce())
    env.run(until=5)
    assert env.processed == 3  # the process's start, its timeout and its end; nothing else
    assert phase.collapses == 1 and not phase.collapsed


def test_talks_opened_by_a_collapse_come_after_what_that_instant_already_started(
    scripted_raw: dict[str, Any],
) -> None:
    """With fixed delays two things can fall on one instant. A guarantor's direct action
    at day 0.25 collapses the truce and is answered (lag 1); the talks that the collapse
    opens also meet after 1 day. The answer was started before the collapse event woke
    the talks, so at day 1.25 it strikes first and the talks then restore the truce."""
    from sim.model import simulate
    from sim.model.records import StateChange, Strike, Talks
    from tests.conftest import make

    raw = scripted_raw
    raw["actors"]["ge"]["embedded"] = {"host": "east", "probability": 1.0, "killed": 1}
    raw["actors"]["ge"]["retaliation"] = {"probability": 1.0, "lag": 0.25}
    raw["actors"]["east"]["retaliation"]["probability"] = 0.0
    raw["actors"]["west"]["retaliation"] = {"probability": 1.0, "lag": 1.0}
    raw["truce"]["restoration"] = {"interval": 1.0, "probability": 1.0, "strain": 0.2}
    raw["openings"] = [{"day": 0, "attacker": "west", "target": "east", "deaths": 0}]
    run = simulate(make(raw), seed=1, replication=0)
    at = [
        (type(r).__name__, getattr(r, "reason", getattr(r, "attacker", "")))
        for r in run.records
        if r.day == 1.25 and isinstance(r, Strike | Talks | StateChange)
    ]
    assert at == [("Strike", "west"), ("Talks", ""), ("StateChange", "restored by talks")]
