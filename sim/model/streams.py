"""One root of randomness: a run's seed, split per replication and per stochastic concept.

A replication's streams come from ``SeedSequence(seed, spawn_key=(replication, concept,
owner))``: the same key always gives the same stream, whatever else the run contains, so
replication ``r`` is identical whether it runs alone, in a chunk or on another worker, and
a new draw in one concept never shifts the draws of another.

Streams hand out values from blocks drawn by numpy, because a scalar numpy call costs
several times more than reading the next float from a list. A chunk of replications
computes its streams' seeds together (``sim.model.seeding``): the same generators,
made for a tenth of what a ``SeedSequence`` each costs.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from enum import IntEnum
from functools import cache
from typing import TypeVar

import numpy as np

from sim.model.seeding import ChunkSeeds, bit_generator, numpy_words

BLOCK = 64
T = TypeVar("T")
_EMPTY: list[float] = []  # never filled: a stream's blocks before its first draw


class Concept(IntEnum):
    """The stochastic concepts, each with streams of its own. Values are part of the seed
    layout: never renumber them."""

    TIMING = 1  # when routine violations happen
    STRIKES = 2  # what a strike hits and how hard, its casualties, the attacker's claims
    DECISIONS = 3  # whether to retaliate, whether to commit publicly
    LAGS = 4  # how long a retaliation takes
    REPORTS = 5  # the observer's delays and counts
    DIPLOMACY = 6  # consultations, restoration talks


@cache
def owner_key(name: str) -> int:
    """A stable integer for an actor id (or another owner), independent of file order."""
    return zlib.crc32(name.encode("utf-8"))


class Stream:
    """Random draws for one (replication, concept, owner), served from numpy blocks.

    The numpy generator is made on the first draw: making one costs about as much as
    a hundred draws, and many streams of a replication are never drawn from."""

    __slots__ = ("_exponential", "_gamma", "_generator", "_key", "_normal", "_seeds", "_uniform")

    def __init__(
        self,
        seed: int,
        replication: int,
        concept: Concept,
        owner: str,
        seeds: ChunkSeeds | None = None,
    ) -> None:
        self._key = (seed, replication, int(concept), owner_key(owner))
        self._seeds = seeds
        self._generator: np.random.Generator | None = None
        # blocks start as one shared empty list, replaced (never filled) when drawn on
        self._uniform = self._exponential = self._normal = _EMPTY
        self._gamma: dict[float, list[float]] | None = None

    @property
    def generator(self) -> np.random.Generator:
        generator = self._generator
        if generator is None:
            seed, replication, concept, owner = self._key
            seeds = self._seeds
            if seeds is None:  # a replication alone: numpy's own seeding is quicker
                words = numpy_words(seed, (replication, concept, owner))
            else:
                words = seeds.words(replication, (concept, owner))
            generator = self._generator = np.random.Generator(bit_generator(words))
        return generator

    def uniform(self) -> float:
        """A float in [0, 1)."""
        block = self._uniform
        if not block:
            block = self._uniform = self.generator.random(BLOCK).tolist()
        return block.pop()

    def exponential(self) -> float:
        """A standard exponential (mean 1)."""
        block = self._exponential
        if not block:
            block = self._exponential = self.generator.standard_exponential(BLOCK).tolist()
        return block.pop()

    def normal(self) -> float:
        """A standard normal."""
        block = self._normal
        if not block:
            block = self._normal = self.generator.standard_normal(BLOCK).tolist()
        return block.pop()

    def gamma(self, shape: float) -> float:
        """A standard gamma with the given shape (scale 1)."""
        blocks = self._gamma
        if blocks is None:
            blocks = self._gamma = {}
        block = blocks.get(shape)
        if not block:
            block = blocks[shape] = self.generator.standard_gamma(shape, BLOCK).tolist()
        return block.pop()

    def negative_binomial(self, mean: float, dispersion: float) -> int:
        """A count with the given mean and variance ``mean + mean**2 / dispersion``."""
        if mean <= 0.0:
            return 0
        generator = self._generator or self.generator
        return int(generator.negative_binomial(dispersion, dispersion / (dispersion + mean)))

    def binomial(self, trials: int, probability: float) -> int:
        """How many of ``trials`` succeed, each with ``probability``."""
        if trials <= 0:
            return 0
        generator = self._generator or self.generator
        return int(generator.binomial(trials, probability))


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
