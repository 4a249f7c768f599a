# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The compiled build's twin of ``stream.py``: one stream of random draws, for one
(replication, concept, owner), drawn by numpy's own C distribution functions on the
``PCG64`` its key seeds, without numpy's cost per call.

The PCG64 is numpy's algorithm, written here on a C struct (numpy's ``pcg64.c``: the
seeding of ``pcg64_set_seed``, the 128-bit step and the XSL-RR output, the buffered
32-bit half), so that a stream's generator costs a few arithmetic steps rather than a
numpy object; numpy's distribution functions draw from it through numpy's own
``bitgen_t`` interface.

It gives the pure module's draws in the same order, value for value: floats in blocks
of 64 filled as ``Generator.random``, ``standard_exponential``, ``standard_normal`` and
``standard_gamma`` fill them and handed out from the block's end; counts one at a
time, as ``Generator.negative_binomial`` and ``binomial`` draw them, after the same
checks with the same errors. Both modules must change together; a test checks them
draw for draw.
"""

from libc.math cimport isnan, signbit, sqrt
from libc.string cimport memcpy
from libc.stdint cimport int64_t, uint32_t, uint64_t
from numpy cimport npy_intp
from numpy.random cimport bitgen_t
from numpy.random.c_distributions cimport (
    binomial_t,
    random_binomial,
    random_negative_binomial,
    random_standard_exponential_fill,
    random_standard_gamma,
    random_standard_normal_fill,
    random_standard_uniform_fill,
)

cdef extern from *:
    """
    typedef struct {
        __uint128_t state;
        __uint128_t inc;
        int has_uint32;
        uint32_t uinteger;
    } truce_pcg64;

    #define TRUCE_PCG64_MULTIPLIER \
        ((((__uint128_t)2549297995355413924ULL) << 64) | 4865540595714422341ULL)

    static inline uint64_t truce_pcg64_next64(void *opaque) {
        truce_pcg64 *pcg = (truce_pcg64 *)opaque;
        pcg->state = pcg->state * TRUCE_PCG64_MULTIPLIER + pcg->inc;
        uint64_t folded = ((uint64_t)(pcg->state >> 64)) ^ (uint64_t)pcg->state;
        unsigned int rotation = (unsigned int)(pcg->state >> 122);
        return (folded >> rotation) | (folded << ((-rotation) & 63));
    }

    static uint32_t truce_pcg64_next32(void *opaque) {
        truce_pcg64 *pcg = (truce_pcg64 *)opaque;
        uint64_t next;
        if (pcg->has_uint32) {
            pcg->has_uint32 = 0;
            return pcg->uinteger;
        }
        next = truce_pcg64_next64(opaque);
        pcg->has_uint32 = 1;
        pcg->uinteger = (uint32_t)(next >> 32);
        return (uint32_t)(next & 0xffffffff);
    }

    static double truce_pcg64_next_double(void *opaque) {
        return (truce_pcg64_next64(opaque) >> 11) * (1.0 / 9007199254740992.0);
    }

    static void truce_pcg64_seed(truce_pcg64 *pcg, const uint64_t *words) {
        __uint128_t initstate = (((__uint128_t)words[0]) << 64) | words[1];
        __uint128_t initseq = (((__uint128_t)words[2]) << 64) | words[3];
        pcg->state = 0;
        pcg->inc = (initseq << 1) | 1;
        pcg->state = pcg->state * TRUCE_PCG64_MULTIPLIER + pcg->inc;
        pcg->state += initstate;
        pcg->state = pcg->state * TRUCE_PCG64_MULTIPLIER + pcg->inc;
        pcg->has_uint32 = 0;
        pcg->uinteger = 0;
    }

    static void truce_pcg64_state(truce_pcg64 *pcg, uint64_t *parts) {
        parts[0] = (uint64_t)(pcg->state >> 64);
        parts[1] = (uint64_t)pcg->state;
        parts[2] = (uint64_t)(pcg->inc >> 64);
        parts[3] = (uint64_t)pcg->inc;
    }
    """
    ctypedef struct truce_pcg64:
        int has_uint32
        uint32_t uinteger
    uint64_t truce_pcg64_next64(void *opaque) nogil
    uint32_t truce_pcg64_next32(void *opaque) nogil
    double truce_pcg64_next_double(void *opaque) nogil
    void truce_pcg64_seed(truce_pcg64 *pcg, const uint64_t *words) nogil
    void truce_pcg64_state(truce_pcg64 *pcg, uint64_t *parts) nogil

import numpy as np

from sim.model.seeding import numpy_words, owner_key

cdef enum:
    BLOCK = 64
# numpy's bound on a Poisson mean (numpy/random/_common.pyx)
cdef double POISSON_LAM_MAX = <double>9223372036854775807 - sqrt(<double>9223372036854775807) * 10


ctypedef void (*Fill)(bitgen_t *, npy_intp, double *) noexcept nogil  # numpy's block fills


cdef class _Block:
    """A block of draws of one standard gamma shape."""

    cdef double values[BLOCK]
    cdef int left


cdef class Stream:
    """Random draws for one (replication, concept, owner); the generator is made on the
    first draw."""

    cdef readonly tuple _key
    cdef object _seeds
    cdef truce_pcg64 _pcg
    cdef bitgen_t _bitgen
    cdef bitgen_t *_rng  # NULL until the first draw seeds the generator
    cdef binomial_t _binomial
    cdef double _uniform[BLOCK]
    cdef double _exponential[BLOCK]
    cdef double _normal[BLOCK]
    cdef int _uniform_left, _exponential_left, _normal_left
    cdef dict _gamma

    def __init__(self, seed, replication, concept, owner, seeds=None):
        self._key = (seed, replication, int(concept), owner_key(owner))
        self._seeds = seeds
        self._rng = NULL
        self._binomial.has_binomial = 0
        self._uniform_left = self._exponential_left = self._normal_left = 0
        self._gamma = None

    cdef bitgen_t *_made(self) except NULL:
        cdef const uint64_t[::1] words
        cdef uint64_t read[4]
        cdef bytes table
        cdef Py_ssize_t at
        seed, replication, concept, owner = self._key
        packed = None if self._seeds is None else self._seeds.packed(replication, (concept, owner))
        if packed is not None:  # the chunk's table: the words are read in place
            table, at = packed
            memcpy(read, <const char *> table + at, sizeof(read))
            truce_pcg64_seed(&self._pcg, read)
        else:  # alone, or outside the chunk: numpy's own seeding
            words = numpy_words(seed, (replication, concept, owner))
            truce_pcg64_seed(&self._pcg, &words[0])
        self._bitgen.state = &self._pcg
        self._bitgen.next_uint64 = &truce_pcg64_next64
        self._bitgen.next_uint32 = &truce_pcg64_next32
        self._bitgen.next_double = &truce_pcg64_next_double
        self._bitgen.next_raw = &truce_pcg64_next64
        self._rng = &self._bitgen
        return self._rng

    @property
    def generator(self):
        """A numpy ``Generator`` at this stream's state: its draws are this stream's
        next ones (a copy: drawing from it does not advance the stream)."""
        cdef uint64_t parts[4]
        self._bits()
        truce_pcg64_state(&self._pcg, parts)
        bits = np.random.PCG64()
        bits.state = {
            "bit_generator": "PCG64",
            "state": {
                "state": (int(parts[0]) << 64) | int(parts[1]),
                "inc": (int(parts[2]) << 64) | int(parts[3]),
            },
            "has_uint32": self._pcg.has_uint32,
            "uinteger": self._pcg.uinteger,
        }
        return np.random.Generator(bits)

    cdef inline bitgen_t *_bits(self) except NULL:
        """The generator, seeded on the first draw."""
        return self._rng if self._rng != NULL else self._made()

    cdef inline double _next(self, Fill fill, double *block, int *left) except? -1.0:
        """The next value of a block, refilled by ``fill`` when it is used up."""
        if left[0] == 0:
            fill(self._bits(), BLOCK, block)
            left[0] = BLOCK
        left[0] -= 1
        return block[left[0]]

    cpdef double uniform(self):
        """A float in [0, 1)."""
        return self._next(random_standard_uniform_fill, self._uniform, &self._uniform_left)

    cpdef double exponential(self):
        """A standard exponential (mean 1)."""
        return self._next(
            random_standard_exponential_fill, self._exponential, &self._exponential_left
        )

    cpdef double normal(self):
        """A standard normal."""
        return self._next(random_standard_normal_fill, self._normal, &self._normal_left)

    cpdef double gamma(self, object shape):
        """A standard gamma with the given shape (scale 1)."""
        cdef _Block block
        cdef double value
        cdef bitgen_t *rng
        cdef int i
        if self._gamma is None:
            self._gamma = {}
        block = self._gamma.get(shape)
        if block is None or block.left == 0:
            value = shape
            if signbit(value):  # as numpy: -0.0 and a negative NaN too
                raise ValueError("shape < 0")
            rng = self._bits()
            if block is None:
                block = _Block()
                self._gamma[shape] = block
            for i in range(BLOCK):
                block.values[i] = random_standard_gamma(rng, value)
            block.left = BLOCK
        block.left -= 1
        return block.values[block.left]

    cpdef int64_t negative_binomial(self, double mean, double dispersion) except? -1:
        """A count with the given mean and variance ``mean + mean**2 / dispersion``."""
        cdef double p
        cdef bitgen_t *rng
        if mean <= 0.0:
            return 0
        rng = self._bits()
        if dispersion + mean == 0:
            raise ZeroDivisionError("float division by zero")  # as Python's division
        p = dispersion / (dispersion + mean)
        if isnan(dispersion):
            raise ValueError("n must not be NaN")
        if dispersion <= 0:
            raise ValueError("n <= 0")
        if not (p > 0) or not (p <= 1):
            raise ValueError("p <= 0, p > 1 or p contains NaNs")
        if (1 - p) / p * (dispersion + 10 * sqrt(dispersion)) > POISSON_LAM_MAX:
            raise ValueError("n too large or p too small, see Generator.negative_binomial Notes")
        return random_negative_binomial(rng, dispersion, p)

    cpdef int64_t binomial(self, int64_t trials, double probability) except? -1:
        """How many of ``trials`` succeed, each with ``probability``."""
        cdef bitgen_t *rng
        if trials <= 0:
            return 0
        rng = self._bits()
        if not (probability >= 0) or not (probability <= 1):
            raise ValueError("p < 0, p > 1 or p is NaN")
        return random_binomial(rng, probability, trials, &self._binomial)
