"""Callbacks on SimPy's timeline where a process would add nothing: an event that
fires at once, before the ordinary events of the same instant, as SimPy starts a
process or delivers an interrupt."""

from __future__ import annotations

from collections.abc import Callable

import simpy
from simpy.events import URGENT


def urgent(
    env: simpy.Environment, callback: Callable[[simpy.Event], None], value: object = None
) -> None:
    """Call ``callback`` with an event of ``value`` now, once the callbacks of the event
    being processed are done, and before the events already scheduled for this instant
    at normal priority: where and when SimPy would start a process."""
    event = simpy.Event(env)
    event._ok, event._value = True, value
    event.callbacks.append(callback)
    env.schedule(event, URGENT)
