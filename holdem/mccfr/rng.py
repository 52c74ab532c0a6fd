"""Counter-based seeding and a small explicit-state generator for compiled code.

SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
generators"; the finaliser of Java's SplittableRandom) turns any 64-bit
counter into a well-mixed seed, so every batch, deal chunk and iteration gets
an independent stream from ``(seed, index)`` alone.  Inside a stream numbers
come from xorshift64* (Vigna 2016, "An experimental exploration of
Marsaglia's xorshift generators, scrambled"), whose whole state is one uint64
held in a local variable: no global state, so results depend only on the
seeds passed in.

Python-side helpers work on plain ints masked to 64 bits and agree bit for bit
with the compiled ones (tested).
"""
from __future__ import annotations

import numpy as np
from numba import njit

MASK64 = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
XORSHIFT_MULT = 0x2545F4914F6CDD1D
# 2**-53: maps the top 53 bits of a draw onto [0, 1) exactly representable in float64
INV_2_53 = 1.0 / 9007199254740992.0
# seeds handed to numba as int64 stay below 2**63
SEED_MASK = (1 << 63) - 1


def splitmix64_py(x: int) -> int:
    """The SplitMix64 finaliser of ``x + gamma`` (pure Python, 64-bit wrap-around)."""
    z = (x + GOLDEN_GAMMA) & MASK64
    z = ((z ^ (z >> 30)) * _MIX1) & MASK64
    z = ((z ^ (z >> 27)) * _MIX2) & MASK64
    return z ^ (z >> 31)


def mix_py(seed: int, index: int) -> int:
    """A 63-bit seed for stream ``index`` of ``seed`` (pure Python)."""
    return splitmix64_py((seed & MASK64) ^ splitmix64_py(index & MASK64)) & SEED_MASK


@njit(cache=True, nogil=True)
def splitmix64(x):
    z = np.uint64(x) + np.uint64(GOLDEN_GAMMA)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_MIX1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_MIX2)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True)
def mix(seed, index):
    """Compiled twin of :func:`mix_py` (returns uint64 below 2**63)."""
    return splitmix64(np.uint64(seed) ^ splitmix64(np.uint64(index))) & np.uint64(SEED_MASK)


@njit(cache=True, nogil=True)
def stream_state(seed):
    """Initial xorshift state of a stream; never zero (zero is xorshift's fixed point)."""
    s = splitmix64(np.uint64(seed))
    if s == np.uint64(0):
        s = np.uint64(GOLDEN_GAMMA)
    return s


@njit(cache=True, nogil=True, inline="always")
def next_u64(state):
    """One xorshift64* step: returns (new_state, output)."""
    s = state
    s ^= s >> np.uint64(12)
    s ^= s << np.uint64(25)
    s ^= s >> np.uint64(27)
    return s, s * np.uint64(XORSHIFT_MULT)


@njit(cache=True, nogil=True, inline="always")
def next_float(state):
    """(new_state, uniform float64 in [0, 1))."""
    s, x = next_u64(state)
    return s, np.float64(x >> np.uint64(11)) * INV_2_53


@njit(cache=True, nogil=True, inline="always")
def next_below(state, n):
    """(new_state, uniform int in [0, n)) by Lemire's multiply-shift on the top 32 bits; n < 2**32."""
    s, x = next_u64(state)
    return s, np.int64(((x >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))
