"""One root of randomness: a run's seed, split per replication and per stochastic concept.

A replication's streams come from ``SeedSequence(seed, spawn_key=(replication, concept,
owner))``: the same key always gives the same stream, whatever else the run contains, so
replication ``r`` is identical whether it runs alone, in a chunk or on another worker, and
a new draw in one concept never shifts the draws of another.

A stream (``sim.model.stream``) hands out numpy's draws from its generator. A chunk of
replications computes its streams' seeds together (``sim.model.seeding``): the same
generators, made for a tenth of what a ``SeedSequence`` each costs.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import TypeVar

from sim.model.seeding import ChunkSeeds, owner_key
from sim.model.stream import Stream

__all__ = ["Concept", "Stream", "Streams", "by_weight", "owner_key", "running_weights"]

T = TypeVar("T")


class Concept(IntEnum):
    """The stochastic concepts, each with streams of its own. Values are part of the seed
    layout: never renumber them."""

    TIMING = 1  # when routine violations happen
    STRIKES = 2  # what a strike hits and how hard, its casualties, the attacker's claims
    DECISIONS = 3  # whether to retaliate, whether to commit publicly
    LAGS = 4  # how long a retaliation takes
    REPORTS = 5  # the observer's delays and counts
    DIPLOMACY = 6  # consultations, restoration talks


class Streams:
    """The streams of one replication, created on first use; ``seeds`` are those of
    the chunk it runs in."""

    __slots__ = ("_made", "replication", "seed", "seeds")

    def __init__(self, seed: int, replication: int, seeds: ChunkSeeds | None = None) -> None:
        self.seed = seed
        self.replication = replication
        self.seeds = seeds
        self._made: dict[tuple[Concept, str], Stream] = {}

    def __call__(self, concept: Concept, owner: str = "") -> Stream:
        key = (concept, owner)
        stream = self._made.get(key)
        if stream is None:
            stream = self._made[key] = Stream(
                self.seed, self.replication, concept, owner, self.seeds
            )
        return stream


def running_weights(weighted: Iterable[tuple[T, float]]) -> list[tuple[float, T]]:
    """(running total of the weights, item): what ``by_weight`` draws from."""
    running, made = 0.0, []
    for item, weight in weighted:
        running += weight
        made.append((running, item))
    return made


def by_weight(stream: Stream, running: list[tuple[float, T]]) -> T:
    """An item drawn with chance proportional to its weight; no draw when there is one."""
    if len(running) == 1:
        return running[0][1]
    u = stream.uniform() * running[-1][0]
    for total, item in running:
        if u < total:
            return item
    return running[-1][1]
