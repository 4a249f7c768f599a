"""One stream of random draws, for one (replication, concept, owner): numpy's draws
from the ``PCG64`` its key seeds (see ``sim.model.streams``).

Its floats come in blocks of 64 drawn by numpy and handed out one by one (from the
block's end), because a scalar numpy call costs several times more than reading the
next float from a list; counts (negative binomial, binomial) are drawn one at a time,
from the same generator, as they are asked for.

The compiled build replaces this module with ``stream.pyx``, a Cython twin that calls
numpy's own C distribution functions on the same bit generator: the same draws in
the same order, without numpy's cost per call. Both must change together; a test
checks them draw for draw.
"""

from __future__ import annotations

import numpy as np

from sim.model.seeding import ChunkSeeds, bit_generator, numpy_words, owner_key

BLOCK = 64
_EMPTY: list[float] = []  # never filled: a stream's blocks before its first draw


class Stream:
    """Random draws for one (replication, concept, owner), served from numpy blocks.

    The numpy generator is made on the first draw: making one costs about as much as
    a hundred draws, and many streams of a replication are never drawn from."""

    __slots__ = ("_exponential", "_gamma", "_generator", "_key", "_normal", "_seeds", "_uniform")

    def __init__(
        self,
        seed: int,
        replication: int,
        concept: int,
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
