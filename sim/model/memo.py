"""What a scenario (or one of its actors) fixes for every replication, computed once.

A chunk runs hundreds of replications of one scenario; what they share (the outcome
fields in order, the actors' ids, an actor's asset weights) is computed on the first
and kept, keyed by the object's identity. Hashing a frozen scenario, as a
``functools.cache`` would, costs about as much as recomputing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

KEPT = 64  # objects remembered per function; more start it afresh


class by_identity(Generic[K, V]):
    """Remember ``function(key)`` for the very object ``key`` (kept alive with it)."""

    __slots__ = ("_kept", "function")

    def __init__(self, function: Callable[[K], V]) -> None:
        self.function = function
        self._kept: dict[int, tuple[K, V]] = {}

    def __call__(self, key: K) -> V:
        kept = self._kept.get(id(key))
        if kept is not None and kept[0] is key:
            return kept[1]
        if len(self._kept) >= KEPT:
            self._kept.clear()
        value = self.function(key)
        self._kept[id(key)] = (key, value)
        return value
