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

Jumping ahead
-------------
The drive draws number ``n N + i`` of one stream for neuron ``i`` in step
``n``.  To split the neurons over threads and still draw exactly these numbers
(so the spikes do not depend on the number of threads), every part of the
neurons starts from the stream's state advanced by a given number of draws.
xoshiro256** is linear over GF(2): one draw maps the state ``s`` to ``T s``
with a fixed 256 x 256 bit matrix ``T``, and ``T^d = p_d(T)`` for the
polynomial ``p_d(x) = x^d mod P(x)``, ``P`` the characteristic polynomial of
``T`` (Cayley-Hamilton).  :func:`jump_poly` computes ``p_d`` (``P`` is
:data:`CHAR_POLY`, found by Berlekamp-Massey from the generator's output,
:func:`derive_char_poly`), :func:`jump` applies it to a state in 256 steps of the generator,
whatever ``d`` is.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from numba import njit

__all__ = ["make_states", "next_u64", "uniform", "bounded", "step", "jump_poly", "jump",
           "advance"]

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
def bounded(s0, s1, s2, s3, n):
    """Unbiased integer in [0, n) for 0 < n < 2**32 (Lemire's multiply-shift
    with rejection) from the state ``(s0, s1, s2, s3)`` in local variables (as
    :func:`step`): returns the new state and the integer."""
    nn = _U64(n)
    s0, s1, s2, s3, r = step(s0, s1, s2, s3)
    m = (r >> _U64(32)) * nn
    low = m & _U64(0xFFFFFFFF)
    if low < nn:
        threshold = (_U64(0x100000000) - nn) % nn
        while low < threshold:
            s0, s1, s2, s3, r = step(s0, s1, s2, s3)
            m = (r >> _U64(32)) * nn
            low = m & _U64(0xFFFFFFFF)
    return s0, s1, s2, s3, np.int64(m >> _U64(32))


# ------------------------------------------------------------------ jumping ahead
def _bits_of_state(n_bits: int) -> list[int]:
    """The lowest bit of ``s[0]`` over ``n_bits`` successive states of one (any non-zero) state."""
    s = np.array([0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 1], dtype=np.uint64)
    out = []
    for _ in range(n_bits):
        out.append(int(s[0]) & 1)
        next_u64(s)
    return out


def _berlekamp_massey(bits: list[int]) -> int:
    """Connection polynomial ``C(x) = 1 + c_1 x + ... + c_L x^L`` (bit ``k`` of the int is
    ``c_k``) of the shortest linear recurrence ``s_n = c_1 s_{n-1} + ... + c_L s_{n-L}`` over GF(2)
    generating ``bits``, and ``L``."""
    C, B, L, m = 1, 1, 0, 1
    for n, b in enumerate(bits):
        d = b
        for i in range(1, L + 1):
            d ^= ((C >> i) & 1) & bits[n - i]
        if d == 0:
            m += 1
        elif 2 * L <= n:
            C, B, L, m = C ^ (B << m), C, n + 1 - L, 1
        else:
            C ^= B << m
            m += 1
    return C, L


#: Characteristic polynomial ``P(x)`` of xoshiro256**'s state transition (bit ``k`` is the
#: coefficient of ``x^k``, degree 256), as :func:`derive_char_poly` finds it (a test checks).
CHAR_POLY = 0x10003C03C3F3ECB1904B4EDCF26259F850280002BCEFD1A5E9D116F2BB0F0F001


def derive_char_poly() -> int:
    """``P(x)`` from the generator itself: Berlekamp-Massey on 1024 bits of one state word (the
    minimal polynomial of such a sequence is ``P``, of degree 256, because ``P`` is primitive)."""
    C, L = _berlekamp_massey(_bits_of_state(1024))
    if L != 256:  # pragma: no cover - would mean a bug in the generator or here
        raise RuntimeError(f"xoshiro256**: recurrence of degree {L}, expected 256")
    # P(x) = x^L C(1/x): the coefficient of x^(L - k) is c_k
    return sum(((C >> k) & 1) << (L - k) for k in range(L + 1))


def _mulmod(a: int, b: int, P: int) -> int:
    """``a b mod P`` over GF(2) (carry-less)."""
    deg = P.bit_length() - 1
    r = 0
    while b:
        if b & 1:
            r ^= a
        b >>= 1
        a <<= 1
        if (a >> deg) & 1:
            a ^= P
    return r


@lru_cache(maxsize=64)
def _jump_poly_int(d: int) -> int:
    P = CHAR_POLY
    result, base = 1, 2  # x^0, x^1
    while d:
        if d & 1:
            result = _mulmod(result, base, P)
        base = _mulmod(base, base, P)
        d >>= 1
    return result


def jump_poly(d: int) -> np.ndarray:
    """``x^d mod P(x)`` as uint64[4] (bit ``k`` of the 256: word ``k // 64``, bit ``k % 64``):
    :func:`jump` with it advances a state by ``d`` draws."""
    if d < 0:
        raise ValueError(f"d must be >= 0, got {d}")
    p = _jump_poly_int(int(d))
    return np.array([(p >> (64 * w)) & 0xFFFFFFFFFFFFFFFF for w in range(4)], dtype=np.uint64)


@njit(inline="always")
def jump(s0, s1, s2, s3, poly):
    """The state ``(s0, s1, s2, s3)`` advanced by the ``d`` draws of ``poly = jump_poly(d)``:
    ``sum_k poly_k T^k s``, 256 steps of the generator."""
    a0 = a1 = a2 = a3 = _U64(0)
    for w in range(4):
        word = poly[w]
        for b in range(64):
            mask = _U64(0) - ((word >> _U64(b)) & _U64(1))  # all ones where poly_k = 1, no branch
            a0 ^= s0 & mask
            a1 ^= s1 & mask
            a2 ^= s2 & mask
            a3 ^= s3 & mask
            s0, s1, s2, s3, _ = step(s0, s1, s2, s3)
    return a0, a1, a2, a3


@njit(cache=True)
def _jump_array(s, poly):
    a0, a1, a2, a3 = jump(s[0], s[1], s[2], s[3], poly)
    s[0], s[1], s[2], s[3] = a0, a1, a2, a3


def advance(state: np.ndarray, d: int) -> np.ndarray:
    """A copy of xoshiro256** state ``state`` advanced by ``d`` draws."""
    s = np.array(state, dtype=np.uint64)
    _jump_array(s, jump_poly(d))
    return s
