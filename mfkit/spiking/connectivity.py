"""Fixed in-degree connectivity, stored as CSR by source neuron.

Every neuron ``i`` (excitatory ``0 .. NE-1``, inhibitory ``NE .. N-1``) draws
``CE`` presynaptic partners uniformly from the excitatory and ``CI`` from the
inhibitory population, with replacement: autapses and multapses are allowed,
as in NEST's ``fixed_indegree`` rule with its defaults.

The spiking engine needs, for each neuron that fires, the list of its
*targets*; the delay is the same for every synapse, so it is not stored.  The
targets are kept as ``int32`` in one array (``targets[indptr[j]:indptr[j+1]]``
are the targets of ``j``, sorted), which is 4 bytes per synapse: 62 MB for the
15.6 M synapses of the seed network.  To avoid a second synapse-sized
temporary, the sources are drawn twice from the same random stream: once to
count the out-degrees, once to fill the targets.

The engine itself stores the same synapses more compactly
(:func:`block_synapses`): the neurons are split into blocks of at most
:data:`MAX_BLOCK` neurons (one or more per thread), and the targets of every
source within every block are stored as ``uint16`` increments, the first from
the block's first neuron (2 bytes per synapse: 31 MB for the seed network,
and half the memory traffic when the spikes are delivered).  Each thread then
finds the synapses of a sender onto its own block without a search.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from ._rng import bounded, make_states
from ._threads import ThreadedKernel

__all__ = ["Connectivity", "fixed_indegree", "BlockSynapses", "block_synapses", "MAX_BLOCK"]

#: Most neurons in a block of :func:`block_synapses` (target increments fit in uint16).
MAX_BLOCK = 65536


@dataclass(frozen=True, eq=False)
class Connectivity:
    """Synapses of a two-population network as CSR by source.

    Attributes
    ----------
    NE, NI : int
        Numbers of excitatory and inhibitory neurons.
    CE, CI : int
        Excitatory and inhibitory in-degree of every neuron.
    indptr : ndarray of int64, shape (N + 1,)
        ``targets[indptr[j]:indptr[j + 1]]`` are the targets of neuron ``j``.
    targets : ndarray of int32, shape (N * (CE + CI),)
        Postsynaptic neuron of every synapse, grouped by source; a target
        appears twice for a multapse.
    """

    NE: int
    NI: int
    CE: int
    CI: int
    indptr: np.ndarray
    targets: np.ndarray

    @property
    def N(self) -> int:
        return self.NE + self.NI

    @property
    def n_synapses(self) -> int:
        return int(self.targets.size)

    def out_degrees(self) -> np.ndarray:
        """Number of outgoing synapses of every neuron."""
        return np.diff(self.indptr)

    def in_degrees(self) -> tuple[np.ndarray, np.ndarray]:
        """Excitatory and inhibitory in-degree of every neuron (recounted)."""
        N = self.N
        src = np.repeat(np.arange(N), self.out_degrees())
        exc = src < self.NE
        kE = np.bincount(self.targets[exc], minlength=N)
        kI = np.bincount(self.targets[~exc], minlength=N)
        return kE, kI

    def sources_of(self, i: int) -> np.ndarray:
        """Presynaptic neurons of neuron ``i`` (with repetitions), sorted."""
        src = np.repeat(np.arange(self.N), self.out_degrees())
        return np.sort(src[self.targets == i])

    @property
    def nbytes(self) -> int:
        return int(self.indptr.nbytes + self.targets.nbytes)


@njit(inline="always")
def _draw_source(s0, s1, s2, s3, k, NE, NI, CE):
    """The draw order of the synapses, the one place every path uses: the targets ``i = 0 .. N -
    1`` in turn draw their ``CE + CI`` sources, the ``k``-th of them (``k = 0 .. CE + CI - 1``)
    from ``0 .. NE - 1`` if ``k < CE`` and else from ``NE .. N - 1``, by :func:`._rng.bounded`
    on the stream's state in the local variables ``(s0, s1, s2, s3)``.  Returns the advanced
    state and the source (uint64: unsigned indices need no code for negative ones)."""
    if k < CE:
        s0, s1, s2, s3, j = bounded(s0, s1, s2, s3, NE)
        return s0, s1, s2, s3, np.uint64(j)
    s0, s1, s2, s3, j = bounded(s0, s1, s2, s3, NI)
    return s0, s1, s2, s3, np.uint64(NE + j)


@njit(cache=True)
def _count(state, NE, NI, CE, CI, chunk_bounds, counts, states):
    """Draw every synapse once, counting: with the targets split into chunks ``chunk_bounds[c] ..
    chunk_bounds[c + 1] - 1``, ``counts[c, j]`` are the synapses of source ``j`` onto chunk
    ``c`` and ``states[c]`` the stream's state at the chunk's first draw; ``state`` is advanced
    past the last draw."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for c in range(chunk_bounds.shape[0] - 1):
        states[c, 0], states[c, 1], states[c, 2], states[c, 3] = s0, s1, s2, s3
        row = counts[c]
        for i in range(chunk_bounds[c], chunk_bounds[c + 1]):
            for k in range(CE + CI):
                s0, s1, s2, s3, j = _draw_source(s0, s1, s2, s3, k, NE, NI, CE)
                row[j] += 1
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


def _fill_targets_impl(states, NE, NI, CE, CI, chunk_bounds, cursor, targets):
    """Draw the synapses again, chunk by chunk (``prange``) from the states :func:`_count` saved:
    ``targets[cursor[c, j]] = i`` for every synapse ``j -> i`` onto chunk ``c``, advancing
    ``cursor[c, j]``."""
    for c in prange(chunk_bounds.shape[0] - 1):
        s0, s1, s2, s3 = states[c, 0], states[c, 1], states[c, 2], states[c, 3]
        at = cursor[c]
        for i in range(chunk_bounds[c], chunk_bounds[c + 1]):
            for k in range(CE + CI):
                s0, s1, s2, s3, j = _draw_source(s0, s1, s2, s3, k, NE, NI, CE)
                targets[np.uint64(at[j])] = i
                at[j] += 1


_fill_targets = ThreadedKernel(_fill_targets_impl, "_fill_targets", cache=True)


def fixed_indegree(NE: int, NI: int, CE: int, CI: int, seed=0, state=None,
                   threads: int = 1) -> Connectivity:
    """Draw the fixed in-degree connectivity (autapses and multapses allowed).

    Parameters
    ----------
    NE, NI : int
        Population sizes (``NE >= 1``; ``NI >= 1`` if ``CI > 0``).
    CE, CI : int
        In-degrees from E and from I (>= 0).
    seed : int or SeedSequence, optional
        Seed of the random stream (ignored if ``state`` is given).
    state : ndarray of uint64, shape (4,), optional
        xoshiro256** state to draw from; it is advanced as if the sources had
        been drawn once.
    threads : int, optional
        Fill the targets with this many of numba's threads (the caller sets their
        number, e.g. with ``numba.set_num_threads``): the targets are split into as many
        chunks, each drawn from the stream's state at its first target (saved while
        counting).  The result does not depend on ``threads``.

    Returns
    -------
    Connectivity
    """
    for name, v, lo in (("NE", NE, 1), ("NI", NI, 0), ("CE", CE, 0), ("CI", CI, 0)):
        if isinstance(v, bool) or int(v) != v or v < lo:
            raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
    NE, NI, CE, CI = int(NE), int(NI), int(CE), int(CI)
    if CI > 0 and NI == 0:
        raise ValueError(f"CI must be 0 when there are no inhibitory neurons (NI=0), got CI={CI}")
    N = NE + NI
    if N * (CE + CI) >= 2**62 or N >= 2**31:
        raise ValueError(f"network too large: N={N}, CE+CI={CE + CI}")
    if state is None:
        state = make_states(seed, 1)[0]
    n_chunks = max(1, min(int(threads), N))
    chunk_bounds = np.array([(c * N) // n_chunks for c in range(n_chunks + 1)], dtype=np.int64)
    counts = np.zeros((n_chunks, N), dtype=np.int64)
    states = np.zeros((n_chunks, 4), dtype=np.uint64)
    _count(state, NE, NI, CE, CI, chunk_bounds, counts, states)
    indptr = np.zeros(N + 1, dtype=np.int64)
    np.cumsum(counts.sum(axis=0), out=indptr[1:])
    # chunk c writes the targets of source j after those of the chunks before it
    cursor = np.cumsum(counts, axis=0) - counts + indptr[:-1]
    del counts
    targets = np.empty(int(indptr[-1]), dtype=np.int32)
    _fill_targets.run(n_chunks, states, NE, NI, CE, CI, chunk_bounds, cursor, targets)
    indptr.setflags(write=False)
    targets.setflags(write=False)
    return Connectivity(NE, NI, CE, CI, indptr, targets)


@dataclass(frozen=True, eq=False)
class BlockSynapses:
    """The synapses of :func:`fixed_indegree` by block of target neurons, as the engine uses them.

    Attributes
    ----------
    bounds : ndarray of int64, shape (n_blocks + 1,)
        Block ``b`` holds the neurons ``bounds[b] .. bounds[b + 1] - 1``.
    seg : ndarray of int64, shape (N, n_blocks + 1)
        The synapses of source ``j`` onto block ``b`` are ``seg[j, b] .. seg[j, b + 1] - 1``.
    gaps : ndarray of uint16, shape (n_synapses,)
        Their targets as increments: the ``k``-th target of ``j`` in block ``b`` is
        ``bounds[b] + gaps[seg[j, b]] + ... + gaps[seg[j, b] + k]`` (sorted; 0 for a multapse).
    """

    bounds: np.ndarray
    seg: np.ndarray
    gaps: np.ndarray

    @property
    def n_synapses(self) -> int:
        return int(self.gaps.size)

    def targets(self) -> np.ndarray:
        """The int32 ``targets`` of :class:`Connectivity` (for tests)."""
        N = self.seg.shape[0]
        out = np.empty(self.gaps.size, dtype=np.int32)
        for j in range(N):
            for b in range(self.bounds.size - 1):
                a, e = self.seg[j, b], self.seg[j, b + 1]
                out[a:e] = self.bounds[b] + np.cumsum(self.gaps[a:e], dtype=np.int64)
        return out


def _fill_gaps_impl(states, NE, NI, CE, CI, bounds, cursor, gaps):
    """Fill ``gaps`` block by block (``prange``): block ``b`` from stream state ``states[b]`` and
    with ``cursor[b, j]`` where its next synapse of source ``j`` goes."""
    N = NE + NI
    for b in prange(bounds.shape[0] - 1):
        s0, s1, s2, s3 = states[b, 0], states[b, 1], states[b, 2], states[b, 3]
        lo = bounds[b]
        last = np.full(N, lo, dtype=np.int64)
        at = cursor[b]
        for i in range(lo, bounds[b + 1]):
            for k in range(CE + CI):
                s0, s1, s2, s3, j = _draw_source(s0, s1, s2, s3, k, NE, NI, CE)
                gaps[np.uint64(at[j])] = i - last[j]
                last[j] = i
                at[j] += 1


_fill_gaps = ThreadedKernel(_fill_gaps_impl, "_fill_gaps", cache=True)


def block_synapses(NE: int, NI: int, CE: int, CI: int, state: np.ndarray, bounds: np.ndarray) -> BlockSynapses:
    """The synapses :func:`fixed_indegree` draws from ``state`` (same arguments, checked there),
    stored by block of targets (:class:`BlockSynapses`); ``bounds`` must split ``0 .. N`` into
    blocks of at most :data:`MAX_BLOCK` neurons.  With several blocks they are filled in parallel
    on numba's threads (the caller sets their number); the result does not depend on it.
    """
    N = NE + NI
    bounds = np.asarray(bounds, dtype=np.int64)
    n_blocks = bounds.size - 1
    if bounds[0] != 0 or bounds[-1] != N or np.any(np.diff(bounds) < 1) or np.any(np.diff(bounds) > MAX_BLOCK):
        raise ValueError(f"bounds must split 0 .. {N} into blocks of 1 to {MAX_BLOCK} neurons")
    counts = np.zeros((n_blocks, N), dtype=np.int64)
    states = np.zeros((n_blocks, 4), dtype=np.uint64)
    _count(state, NE, NI, CE, CI, bounds, counts, states)
    seg = np.empty((N, n_blocks + 1), dtype=np.int64)
    seg[:, 1:] = np.cumsum(counts, axis=0).T
    del counts
    seg[:, 1:] += np.concatenate(([0], np.cumsum(seg[:-1, -1])))[:, None]
    seg[0, 0] = 0
    seg[1:, 0] = seg[:-1, -1]
    gaps = np.empty(int(seg[-1, -1]), dtype=np.uint16)
    cursor = np.array(seg[:, :-1].T, order="C")  # a copy: the fill advances it
    _fill_gaps.run(n_blocks, states, NE, NI, CE, CI, bounds, cursor, gaps)
    for a in (bounds, seg, gaps):
        a.setflags(write=False)
    return BlockSynapses(bounds, seg, gaps)
