"""Seeding many streams at once: the words numpy's ``SeedSequence`` would give each
``(seed, (replication, concept, owner))`` key, computed for a whole chunk of
replications in one vectorised pass.

A stream's generator is ``PCG64(SeedSequence(seed, spawn_key=key))``. Making a
``SeedSequence`` and asking it for the generator's four 64-bit words costs about 8
microseconds a stream in numpy's own code, more than most replications spend drawing.
``ChunkSeeds`` runs the same arithmetic (numpy's ``mix_entropy`` and
``generate_state``, on uint32 arrays whose products wrap as they do in C) over every
replication of a chunk for one key at a time, and hands each stream its words; the
generator is then ``PCG64`` of those words, the very state numpy would have made.

``exact()`` checks the arithmetic against numpy's ``SeedSequence`` once per process;
where they disagree (a numpy that changed its seeding) every stream is seeded by
numpy's own code instead, so the numbers never depend on this module.
"""

from __future__ import annotations

import zlib
from functools import cache
from typing import Any

import numpy as np
from numpy.random.bit_generator import ISeedSequence
from numpy.typing import NDArray

# numpy/random/bit_generator.pyx
INIT_A = 0x43B0D7E5
MULT_A = 0x931E8875
INIT_B = 0x8B51F9DD
MULT_B = 0x58F38DED
MIX_MULT_L = 0xCA01F9DD
MIX_MULT_R = 0x4973F715
XSHIFT = 16
POOL_SIZE = 4
MASK32 = 0xFFFFFFFF

Words = NDArray[np.uint64]


@cache
def owner_key(name: str) -> int:
    """A stable integer for an actor id (or another owner), independent of file order:
    the last word of a stream's spawn key."""
    return zlib.crc32(name.encode("utf-8"))


def _words32(n: int) -> list[int]:
    """An integer as numpy coerces it to entropy: 32-bit words, least significant first
    (zero is one word)."""
    if n == 0:
        return [0]
    words = []
    while n > 0:
        words.append(n & MASK32)
        n >>= 32
    return words


def _hash_constants(count: int) -> list[int]:
    """The multipliers ``hashmix`` uses, call by call: they depend on nothing else."""
    constants, value = [], INIT_A
    for _ in range(count):
        constants.append(value)  # xored in before the multiplier moves on
        value = (value * MULT_A) & MASK32
        constants.append(value)  # the multiplier
    return constants


def _hashmix(value: NDArray[np.uint32], xor: int, multiplier: int) -> NDArray[np.uint32]:
    value = (value ^ np.uint32(xor)) * np.uint32(multiplier)
    return value ^ (value >> np.uint32(XSHIFT))


def _mix(x: NDArray[np.uint32], y: NDArray[np.uint32]) -> NDArray[np.uint32]:
    result: NDArray[np.uint32] = np.uint32(MIX_MULT_L) * x - np.uint32(MIX_MULT_R) * y
    return result ^ (result >> np.uint32(XSHIFT))


def generator_words(entropy: NDArray[np.uint32]) -> Words:
    """The four 64-bit words ``SeedSequence(...).generate_state(4, np.uint64)`` gives,
    for each row of ``entropy`` (rows: the assembled entropy words of one key each)."""
    rows, length = entropy.shape
    calls = POOL_SIZE + POOL_SIZE * (POOL_SIZE - 1) + max(0, length - POOL_SIZE) * POOL_SIZE
    constants = iter(_hash_constants(calls))

    def hashmix(value: NDArray[np.uint32]) -> NDArray[np.uint32]:
        return _hashmix(value, next(constants), next(constants))

    zeros = np.zeros(rows, np.uint32)
    pool = [hashmix(entropy[:, i] if i < length else zeros) for i in range(POOL_SIZE)]
    for source in range(POOL_SIZE):
        for target in range(POOL_SIZE):
            if source != target:
                pool[target] = _mix(pool[target], hashmix(pool[source]))
    for source in range(POOL_SIZE, length):
        for target in range(POOL_SIZE):
            pool[target] = _mix(pool[target], hashmix(entropy[:, source]))
    state = np.empty((rows, 8), np.uint32)
    constant = INIT_B
    for word in range(8):
        value = pool[word % POOL_SIZE] ^ np.uint32(constant)
        constant = (constant * MULT_B) & MASK32
        value = value * np.uint32(constant)
        state[:, word] = value ^ (value >> np.uint32(XSHIFT))
    little = state.astype("<u4").view("<u8").astype(np.uint64)
    return little.reshape(rows, 4)


def entropy_rows(seed: int, replications: NDArray[np.int64], key: tuple[int, int]) -> Any:
    """The entropy numpy assembles for ``SeedSequence(seed, spawn_key=(r, *key))``, one
    row per replication ``r``; None where the rows would differ in length (a
    replication index of 2**32 or more)."""
    if len(replications) and int(replications.max()) > MASK32:
        return None
    run = _words32(seed)
    run += [0] * (POOL_SIZE - len(run))  # numpy pads the seed when a spawn key follows
    width = len(run) + 1 + sum(len(_words32(k)) for k in key)
    rows = np.empty((len(replications), width), np.uint32)
    rows[:, : len(run)] = run
    rows[:, len(run)] = replications.astype(np.uint32)
    rows[:, len(run) + 1 :] = [w for k in key for w in _words32(k)]
    return rows


class _Seeded(ISeedSequence):
    """What ``PCG64`` asks of a seed sequence: the words, already made."""

    __slots__ = ("words",)

    def __init__(self, words: Words) -> None:
        self.words = words

    def generate_state(self, n_words: int, dtype: Any = np.uint32) -> Words:
        return self.words


def bit_generator(words: Words) -> np.random.PCG64:
    """The PCG64 generator that numpy seeds with these words."""
    return np.random.PCG64(_Seeded(words))  # type: ignore[arg-type]


def numpy_words(seed: int, spawn_key: tuple[int, ...]) -> Words:
    """The words by numpy's own ``SeedSequence``."""
    sequence = np.random.SeedSequence(seed, spawn_key=spawn_key)
    words: Words = sequence.generate_state(4, np.uint64).astype(np.uint64)
    return words


@cache
def exact() -> bool:
    """Whether this module's arithmetic gives numpy's words (checked once, on keys
    that exercise a long seed, replication 0 and a large owner key)."""
    cases = [(1, (0, 1, 0)), (2**70 + 5, (7, 3, 0xDEADBEEF)), (0, (123456, 6, 1))]
    for seed, (replication, *key) in cases:
        rows = entropy_rows(seed, np.array([replication], np.int64), (key[0], key[1]))
        if not np.array_equal(generator_words(rows)[0], numpy_words(seed, (replication, *key))):
            return False
    return True


WINDOW = 1024  # replications seeded together: a larger chunk is seeded window by window


class ChunkSeeds:
    """The words of every stream of replications ``first .. first + count - 1``
    under ``seed``, computed per key (concept, owner) for a window of the chunk's
    replications on its first use (so memory stays bounded however large the chunk).
    A negative seed or replication is left to numpy, which refuses it."""

    __slots__ = ("_by_key", "count", "first", "seed")

    def __init__(self, seed: int, first: int, count: int) -> None:
        self.seed = seed
        self.first = first
        self.count = count
        self._by_key: dict[tuple[int, int, int], bytes | None] = {}

    def packed(self, replication: int, key: tuple[int, int]) -> tuple[bytes, int] | None:
        """The words for ``(replication, *key)`` as the 32 bytes at the offset given
        in a window's table (native order); None outside the chunk, or where the
        arithmetic cannot be used. The compiled stream reads them without an array."""
        offset = replication - self.first
        if not (0 <= offset < self.count and self.first >= 0 and self.seed >= 0 and exact()):
            return None
        window = offset // WINDOW
        found = (window, *key)
        if found in self._by_key:
            table = self._by_key[found]
        else:
            start = self.first + window * WINDOW
            end = min(self.first + self.count, start + WINDOW)
            indices = np.arange(start, end, dtype=np.int64)
            rows = entropy_rows(self.seed, indices, key)
            table = self._by_key[found] = None if rows is None else generator_words(rows).tobytes()
        return None if table is None else (table, 32 * (offset % WINDOW))

    def words(self, replication: int, key: tuple[int, int]) -> Words:
        """The words for ``(replication, *key)``: vectorised within the chunk, numpy's
        own outside it or where the arithmetic cannot be used."""
        packed = self.packed(replication, key)
        if packed is None:
            return numpy_words(self.seed, (replication, *key))
        table, at = packed
        return np.frombuffer(table, np.uint64, 4, at)
