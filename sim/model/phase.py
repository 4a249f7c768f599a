"""The truce's phase as every collaborator sees it: whether it stands, and the two
moments the others react to, its collapse and its restoration.

This is the one place where those moments are declared:

- ``collapsed`` is read by anyone deciding now (an actor weighing an answer, a call
  about to be held);
- ``next_collapse`` and ``next_restoration`` are SimPy events that succeed at the next
  collapse and the next restoration; processes wait on them and callbacks subscribe
  to them. Each is made when first asked for, so a moment nobody awaits costs no
  event; a process or callback woken by one runs after whatever was already scheduled
  for that instant;
- what waits at a rate that follows the phase ``follow``s it: a process is
  interrupted at each change, the SimPy idiom for a truce break; a chain of timers
  (routine violations, whose rate changes with it) is told, and redraws its wait as an
  interrupt would, once the moment is handled. An exponential wait drawn again at the
  new rate is exact, since it is memoryless. Whether the truce is strained is a change
  they follow only when some rate depends on it (``follow_strain``): an interrupt
  nobody needs is an event.

A rate is chosen by one of four phases: collapsed; strained; in force again after a
restoration (``restored``); in force.

Without a truce the phase never changes.
"""

from __future__ import annotations

from typing import Protocol

import simpy


class Follower(Protocol):
    """What follows the phase without being a process: told of each change."""

    def phase_changed(self) -> None: ...


class Phase:
    """Whether the truce stands, and its changes as SimPy events and interrupts."""

    __slots__ = (
        "_collapse",
        "_followers",
        "_restoration",
        "collapsed",
        "collapses",
        "env",
        "follow_strain",
        "strained",
    )

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.collapsed = False
        self.strained = False
        self.follow_strain = False
        self.collapses = 0  # how many times it collapsed: what was agreed before lapses
        self._followers: list[simpy.Process | Follower] = []
        self._collapse: simpy.Event | None = None
        self._restoration: simpy.Event | None = None

    @property
    def next_collapse(self) -> simpy.Event:
        """Succeeds at the next collapse."""
        if self._collapse is None:
            self._collapse = self.env.event()
        return self._collapse

    @property
    def next_restoration(self) -> simpy.Event:
        """Succeeds at the next restoration."""
        if self._restoration is None:
            self._restoration = self.env.event()
        return self._restoration

    @property
    def restored(self) -> bool:
        """A truce restored by talks stands (it cannot stand after a collapse otherwise)."""
        return self.collapses > 0 and not self.collapsed

    def strain(self, strained: bool) -> None:
        """The truce became strained (or back in force)."""
        if strained != self.strained:
            self.strained = strained
            if self.follow_strain:
                self._interrupt_followers()

    def follow(self, follower: simpy.Process | Follower) -> None:
        """Interrupt ``follower`` whenever the phase changes, or, if it is not a
        process, tell it (``phase_changed``)."""
        self._followers.append(follower)

    def collapse(self) -> None:
        self.collapsed = True
        self.strained = False
        self.collapses += 1
        self._interrupt_followers()
        event, self._collapse = self._collapse, None
        if event is not None:
            event.succeed()

    def restore(self) -> None:
        self.collapsed = False
        self.strained = False
        self._interrupt_followers()
        event, self._restoration = self._restoration, None
        if event is not None:
            event.succeed()

    def _interrupt_followers(self) -> None:
        # the active process (the one whose strike changed the phase) cannot be
        # interrupted; it reads the new phase itself before it waits again
        active = self.env.active_process
        for follower in self._followers:
            if not isinstance(follower, simpy.Process):
                follower.phase_changed()
            elif follower is not active and follower.is_alive:
                follower.interrupt("truce changed")
