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

from ._rng import advance, bounded, make_states
from ._sampling import draw_inverted
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
def population_of(i, offsets):
    """The population of neuron ``i`` (``offsets[a] <= i < offsets[a + 1]``)."""
    return np.searchsorted(offsets, i, side="right") - 1


@njit(inline="always")
def _draw_source(s0, s1, s2, s3, b, offsets):
    """The draw of one synapse's source from population ``b``, the one place every path uses:
    :func:`._rng.bounded` on the stream's state in the local variables ``(s0, s1, s2, s3)``.  The
    targets ``i = 0 .. N - 1`` in turn draw their sources, ``K[i, 0]`` from population 0, then
    ``K[i, 1]`` from population 1 and so on (``K[i, b]`` the in-degree of ``i`` from ``b``).  Returns the advanced
    state and the source (uint64: unsigned indices need no code for negative ones)."""
    s0, s1, s2, s3, j = bounded(s0, s1, s2, s3, offsets[b + 1] - offsets[b])
    return s0, s1, s2, s3, np.uint64(offsets[b] + j)


@njit(cache=True)
def _count(state, offsets, K, chunk_bounds, counts, states):
    """Draw every synapse once, counting: with the targets split into chunks ``chunk_bounds[c] ..
    chunk_bounds[c + 1] - 1``, ``counts[c, j]`` are the synapses of source ``j`` onto chunk
    ``c`` and ``states[c]`` the stream's state at the chunk's first draw; ``state`` is advanced
    past the last draw.  ``K[i, b]``: the in-degree of neuron ``i`` from population ``b``."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    P = K.shape[1]
    for c in range(chunk_bounds.shape[0] - 1):
        states[c, 0], states[c, 1], states[c, 2], states[c, 3] = s0, s1, s2, s3
        row = counts[c]
        for i in range(chunk_bounds[c], chunk_bounds[c + 1]):
            for b in range(P):
                for _ in range(K[i, b]):
                    s0, s1, s2, s3, j = _draw_source(s0, s1, s2, s3, b, offsets)
                    row[j] += 1
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


def _fill_targets_impl(states, offsets, K, chunk_bounds, cursor, targets):
    """Draw the synapses again, chunk by chunk (``prange``) from the states :func:`_count` saved:
    ``targets[cursor[c, j]] = i`` for every synapse ``j -> i`` onto chunk ``c``, advancing
    ``cursor[c, j]``."""
    P = K.shape[1]
    for c in prange(chunk_bounds.shape[0] - 1):
        s0, s1, s2, s3 = states[c, 0], states[c, 1], states[c, 2], states[c, 3]
        at = cursor[c]
        for i in range(chunk_bounds[c], chunk_bounds[c + 1]):
            for b in range(P):
                for _ in range(K[i, b]):
                    s0, s1, s2, s3, j = _draw_source(s0, s1, s2, s3, b, offsets)
                    targets[np.uint64(at[j])] = i
                    at[j] += 1


_fill_targets = ThreadedKernel(_fill_targets_impl, "_fill_targets", cache=True)


def _two_populations(NE: int, NI: int, CE: int, CI: int) -> tuple[np.ndarray, np.ndarray]:
    """``offsets`` and the in-degrees ``K[i, b]`` of every neuron of the Brunel network's populations E, I."""
    return (np.array([0, NE, NE + NI], dtype=np.int64),
            np.tile(np.array([CE, CI], dtype=np.int64), (NE + NI, 1)))


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
    offsets, K = _two_populations(NE, NI, CE, CI)
    _count(state, offsets, K, chunk_bounds, counts, states)
    indptr = np.zeros(N + 1, dtype=np.int64)
    np.cumsum(counts.sum(axis=0), out=indptr[1:])
    # chunk c writes the targets of source j after those of the chunks before it
    cursor = np.cumsum(counts, axis=0) - counts + indptr[:-1]
    del counts
    targets = np.empty(int(indptr[-1]), dtype=np.int32)
    _fill_targets.run(n_chunks, states, offsets, K, chunk_bounds, cursor, targets)
    indptr.setflags(write=False)
    targets.setflags(write=False)
    return Connectivity(NE, NI, CE, CI, indptr, targets)


@dataclass(frozen=True, eq=False)
class BlockSynapses:
    """The synapses of a network by block of target neurons, as the engine uses them.

    Attributes
    ----------
    bounds : ndarray of int64, shape (n_blocks + 1,)
        Block ``b`` holds the neurons ``bounds[b] .. bounds[b + 1] - 1``.
    seg : ndarray of int64, shape (n_blocks, N + 1)
        The synapses of source ``j`` onto block ``b`` are ``seg[b, j] .. seg[b, j + 1] - 1``: those of a
        block are contiguous (by source), so that a block's fill and delivery stay in its own part.
    gaps : ndarray of uint16, shape (n_synapses,)
        Their targets as increments: the ``k``-th target of ``j`` in block ``b`` is
        ``bounds[b] + gaps[seg[b, j]] + ... + gaps[seg[b, j] + k]`` (sorted; 0 for a multapse).
    delays : ndarray of uint8 or uint16, shape (n_synapses,) or (0,)
        The delay of every synapse in steps, in the order of ``gaps``; empty when every synapse has
        the same delay (not stored).
    """

    bounds: np.ndarray
    seg: np.ndarray
    gaps: np.ndarray
    delays: np.ndarray

    @property
    def n_synapses(self) -> int:
        return int(self.gaps.size)

    @property
    def nbytes(self) -> int:
        return int(self.seg.nbytes + self.gaps.nbytes + self.delays.nbytes)

    def _by_source(self) -> list[tuple[int, int, int]]:
        """``(start, end, block)`` of every segment, source after source (the order of :class:`Connectivity`)."""
        N = self.seg.shape[1] - 1
        return [(self.seg[b, j], self.seg[b, j + 1], b) for j in range(N) for b in range(self.bounds.size - 1)]

    def targets(self) -> np.ndarray:
        """The int32 ``targets`` of :class:`Connectivity`, by source (for tests)."""
        parts = [self.bounds[b] + np.cumsum(self.gaps[a:e], dtype=np.int64) for a, e, b in self._by_source()]
        return np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, dtype=np.int32)

    def delays_by_source(self) -> np.ndarray:
        """The delays (steps) in the order of :meth:`targets` (empty if not stored; for tests)."""
        if not self.delays.size:
            return self.delays
        return np.concatenate([self.delays[a:e] for a, e, _ in self._by_source()])

    def out_degrees(self) -> np.ndarray:
        """Number of outgoing synapses of every neuron."""
        return np.diff(self.seg, axis=1).sum(axis=0)


def _fill_gaps_impl(states, offsets, K, bounds, cursor, gaps, dstates, dcdf, dguide, delays):
    """Fill ``gaps`` block by block (``prange``): block ``b`` from stream state ``states[b]`` and
    with ``cursor[b, j]`` where its next synapse of source ``j`` goes.  With per-synapse delays
    (``delays`` not empty) the delay of every synapse is drawn from the law ``(dcdf[a, b],
    dguide[a, b])`` of its connection, from the delay stream at ``dstates[b]`` (the block's first
    synapse; one draw per synapse, in the order the sources are drawn)."""
    N = offsets[-1]
    P = K.shape[1]
    with_delays = delays.shape[0] > 0
    for blk in prange(bounds.shape[0] - 1):
        s0, s1, s2, s3 = states[blk, 0], states[blk, 1], states[blk, 2], states[blk, 3]
        d0, d1, d2, d3 = dstates[blk, 0], dstates[blk, 1], dstates[blk, 2], dstates[blk, 3]
        lo = bounds[blk]
        last = np.full(N, lo, dtype=np.int64)
        at = cursor[blk]
        for i in range(lo, bounds[blk + 1]):
            a = population_of(i, offsets)
            for b in range(P):
                cdf_ab, guide_ab = dcdf[a, b], dguide[a, b]
                for _ in range(K[i, b]):
                    s0, s1, s2, s3, j = _draw_source(s0, s1, s2, s3, b, offsets)
                    q = np.uint64(at[j])
                    gaps[q] = i - last[j]
                    if with_delays:
                        d0, d1, d2, d3, k = draw_inverted(d0, d1, d2, d3, cdf_ab, guide_ab)
                        delays[q] = k
                    last[j] = i
                    at[j] += 1


_fill_gaps = ThreadedKernel(_fill_gaps_impl, "_fill_gaps", cache=True)


def block_synapses(offsets: np.ndarray, K: np.ndarray, state: np.ndarray, bounds: np.ndarray,
                   delay_tables: tuple[np.ndarray, np.ndarray] | None = None,
                   delay_state: np.ndarray | None = None) -> BlockSynapses:
    """The synapses drawn from ``state``, stored by block of targets.

    Neurons ``offsets[a] .. offsets[a + 1] - 1`` form population ``a``; neuron ``i`` draws
    ``K[i, b]`` sources from population ``b`` (int64 arrays), in the order of :func:`_draw_source`
    (for two populations the synapses of :func:`fixed_indegree`).  ``bounds`` must split ``0 .. N``
    into blocks of at most :data:`MAX_BLOCK` neurons.  ``delay_tables = (cdf, guide)`` (shapes
    ``(P, P, n)`` and ``(P, P, G)``, :mod:`._sampling`): the laws of the delays in steps of every
    connection, drawn per synapse from the stream ``delay_state`` (the ``s``-th synapse in the
    order of the draws takes its ``s``-th number); None: one delay for all, not stored.  With
    several blocks they are filled in parallel on numba's threads (the caller sets their number);
    the result does not depend on it.
    """
    N = int(offsets[-1])
    bounds = np.asarray(bounds, dtype=np.int64)
    n_blocks = bounds.size - 1
    if bounds[0] != 0 or bounds[-1] != N or np.any(np.diff(bounds) < 1) or np.any(np.diff(bounds) > MAX_BLOCK):
        raise ValueError(f"bounds must split 0 .. {N} into blocks of 1 to {MAX_BLOCK} neurons")
    if K.shape != (N, offsets.size - 1) or K.dtype != np.int64:
        raise ValueError(f"K must be the int64 in-degrees of every neuron from every population, shape "
                         f"({N}, {offsets.size - 1}), got {K.dtype} {K.shape}")
    counts = np.zeros((n_blocks, N), dtype=np.int64)
    states = np.zeros((n_blocks, 4), dtype=np.uint64)
    _count(state, offsets, K, bounds, counts, states)
    seg = np.zeros((n_blocks, N + 1), dtype=np.int64)  # block after block, by source within a block
    np.cumsum(counts, axis=1, out=seg[:, 1:])
    del counts
    seg += np.concatenate(([0], np.cumsum(seg[:-1, -1])))[:, None]
    n_syn = int(seg[-1, -1])
    gaps = np.empty(n_syn, dtype=np.uint16)
    cursor = np.array(seg[:, :-1], order="C")  # a copy: the fill advances it
    P = K.shape[1]
    dstates = np.zeros((n_blocks, 4), dtype=np.uint64)
    if delay_tables is None:
        dcdf, dguide = np.ones((P, P, 1), dtype=np.uint64), np.zeros((P, P, 1), dtype=np.uint64)
        delays = np.zeros(0, dtype=np.uint8)
    else:
        dcdf, dguide = delay_tables
        delays = np.empty(n_syn, dtype=np.uint8 if dcdf.shape[2] <= 256 else np.uint16)
        # the delay stream at each block's first synapse: synapses before it, one draw each
        first = np.concatenate(([0], np.cumsum(K.sum(axis=1))))[bounds[:-1]]
        for blk in range(n_blocks):
            dstates[blk] = advance(delay_state, int(first[blk]))
    _fill_gaps.run(n_blocks, states, offsets, K, bounds, cursor, gaps, dstates, dcdf, dguide, delays)
    for a in (bounds, seg, gaps, delays):
        a.setflags(write=False)
    return BlockSynapses(bounds, seg, gaps, delays)
