"""A small, fast, seedable random number generator usable inside numba kernels.

The engine draws one uniform number per neuron and time step for the Poisson
drive (137 M numbers for the seed network), so the generator must be inlined
into the kernel: calling back into NumPy's ``Generator`` costs several times
more.  We use xoshiro256** (Blackman & Vigna), a well-tested 64-bit generator
with a 2**256 - 1 period.  Its 256-bit state is seeded from NumPy's
``SeedSequence``, so streams for different seeds (and for the different
purposes of one run: connectivity, drive) are statistically independent.

The state lives in a ``uint64`` array of length 4 that the kernels update in
place; a run is therefore reproducible bit for bit given the seed.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["make_states", "next_u64", "uniform", "bounded", "step", "to_unit"]

_U64 = np.uint64


def make_states(seed, n: int) -> list[np.ndarray]:
    """``n`` independent xoshiro256** states (uint64[4]) derived from ``seed``."""
    children = np.random.SeedSequence(seed).spawn(n)
    states = []
    for child in children:
        s = child.generate_state(4, dtype=np.uint64)
        if not s.any():  # the all-zero state is the one forbidden state
            s[0] = 1
        states.append(s)
    return states


@njit(inline="always")
def _rotl(x, k):
    return (x << _U64(k)) | (x >> _U64(64 - k))


@njit(inline="always")
def next_u64(s):
    """Advance state ``s`` (uint64[4]) and return the next 64-bit output."""
    result = _rotl(s[1] * _U64(5), 7) * _U64(9)
    t = s[1] << _U64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@njit(inline="always")
def uniform(s):
    """Uniform double in [0, 1) with 53 random bits."""
    return np.float64(next_u64(s) >> _U64(11)) * (1.0 / 9007199254740992.0)


@njit(inline="always")
def bounded(s, n):
    """Unbiased integer in [0, n) for 0 < n < 2**32 (Lemire's multiply-shift
    with rejection)."""
    nn = _U64(n)
    x = next_u64(s) >> _U64(32)
    m = x * nn
    low = m & _U64(0xFFFFFFFF)
    if low < nn:
        threshold = (_U64(0x100000000) - nn) % nn
        while low < threshold:
            x = next_u64(s) >> _U64(32)
            m = x * nn
            low = m & _U64(0xFFFFFFFF)
    return np.int64(m >> _U64(32))


@njit(inline="always")
def step(s0, s1, s2, s3):
    """xoshiro256** on a state held in four local variables (lets LLVM keep it
    in registers inside a hot loop): returns the new state and the output."""
    x = s1 * _U64(5)
    result = ((x << _U64(7)) | (x >> _U64(57))) * _U64(9)
    t = s1 << _U64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << _U64(45)) | (s3 >> _U64(19))
    return s0, s1, s2, s3, result


@njit(inline="always")
def to_unit(x):
    """Uniform double in [0, 1) from the top 53 bits of a 64-bit output."""
    return np.float64(np.int64(x >> _U64(11))) * (1.0 / 9007199254740992.0)
