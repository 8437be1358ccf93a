"""Discrete laws sampled by inversion of their CDF with a guide table, inside numba kernels.

A value is drawn from one 64-bit random number ``r`` of the stream (:mod:`._rng`) and its uniform
number ``u = m 2^-53``, ``m = r >> 11``, as the smallest ``k`` with ``P(X <= k) > u``.  ``cdf[k]`` is
``ceil(P(X <= k) 2^53)`` (uint64), so that ``P(X <= k) > u`` exactly when ``cdf[k] > m``; the last
entry is ``2^53`` so the search always stops (a tail below 2^-53 is dropped).  ``guide[j]`` is the
smallest ``k`` with ``P(X <= k) > j / G``, ``G = 2^GUIDE_BITS``, where the search for ``u`` in ``[j / G,
(j + 1) / G)``, i.e. for ``j = r >> (64 - GUIDE_BITS)``, can start.  One draw per value, whatever the
value: the stream's position is known in advance, so blocks of draws can be jumped to.

The engine draws the Poisson drive of every neuron and step (:func:`poisson_tables`) and the delay of
every synapse (:func:`mfkit.spiking.model.delay_step_pmf`) this way.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._rng import step

__all__ = ["GUIDE_BITS", "inversion_tables", "poisson_tables", "stacked_tables", "draw_inverted"]

#: The guide table of :func:`inversion_tables` has ``2**GUIDE_BITS`` entries (32 KB): the search from
#: its entry rarely takes a step (a law with mean 2: 256 entries made the seed network 15 % slower).
#: The values drawn do not depend on it.
GUIDE_BITS = 12


def inversion_tables(cdf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The uint64 ``cdf`` (scaled by 2^53, last entry 2^53) and guide table of a law with CDF ``cdf``
    (float, ``cdf[k] = P(X <= k)``, non-decreasing; the last value is taken as 1)."""
    cdf = np.minimum(np.asarray(cdf, dtype=float), 1.0)
    cdf[-1] = 1.0
    G = 1 << GUIDE_BITS
    guide = np.searchsorted(cdf, np.arange(G) / G, side="right").astype(np.uint64)
    return np.ceil(cdf * 2.0**53).astype(np.uint64), guide


def poisson_tables(lam: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`inversion_tables` of Poisson(``lam``), up to a ``k`` where the remaining tail is below
    1e-17 (not representable next to 1 in double precision)."""
    if lam <= 0:
        return inversion_tables(np.ones(1))
    kmax = int(np.ceil(lam + 40.0 * np.sqrt(lam) + 40))
    k = np.arange(kmax + 1, dtype=np.float64)
    log_pmf = -lam + k * np.log(lam) - np.array([math.lgamma(x + 1.0) for x in k])
    return inversion_tables(np.cumsum(np.exp(log_pmf)))


def stacked_tables(tables: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Several laws' tables as 2-d arrays (one row each; the ``cdf`` rows padded with 2^53)."""
    width = max(c.size for c, _ in tables)
    cdf = np.full((len(tables), width), 2**53, dtype=np.uint64)
    for row, (c, _) in enumerate(tables):
        cdf[row, :c.size] = c
    return cdf, np.stack([g for _, g in tables])


@njit(inline="always")
def draw_inverted(s0, s1, s2, s3, cdf, guide):
    """One value (uint64) of the law of ``(cdf, guide)`` from the next number of the xoshiro stream
    in ``(s0, s1, s2, s3)``; returns the new state and the value."""
    s0, s1, s2, s3, r = step(s0, s1, s2, s3)
    m = r >> np.uint64(11)
    k = guide[r >> np.uint64(64 - GUIDE_BITS)]
    while cdf[k] <= m:
        k += np.uint64(1)
    return s0, s1, s2, s3, k
