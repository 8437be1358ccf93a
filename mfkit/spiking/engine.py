"""The time-driven numba kernel for networks of ``iaf_psc_delta`` and ``iaf_psc_exp`` populations.

One call of :func:`run_steps` advances the network by a block of time steps.
Step ``n`` integrates the interval ``(n dt, (n + 1) dt]``.  The neurons are
numbered population after population (``offsets[a] .. offsets[a + 1] - 1``);
every population has its own neuron parameters, weights and drive.  A
population with delta synapses follows NEST's ``iaf_psc_delta`` update in this
order, for every neuron:

1. take the summed PSP jumps ``x`` that arrive in this step;
2. if the neuron is refractory, discard them and count one refractory step
   down (the membrane stays clamped at ``V_reset``);
3. otherwise ``V <- V e^{-dt/tau_m} + (1 - e^{-dt/tau_m}) mu_ext + x``,
   the exact solution of the leaky membrane relaxing to ``E_L = 0`` (plus an
   optional constant drive ``mu_ext = tau_m I_e / C_m``);
4. if ``V >= theta``: spike (time stamp ``(n + 1) dt``), ``V <- V_reset`` and
   the neuron stays refractory for the next ``round(t_ref / dt)`` steps.

A population with exponentially decaying synaptic currents (NEST's ``iaf_psc_exp``,
exact integration with the propagators of :func:`psc_exp_propagators`; the weights
are current jumps in pA and ``I`` is the summed synaptic current):

1. if not refractory, ``V <- P22 V + P21 I + (1 - P22) mu_ext`` (exact
   over the step); otherwise count one refractory step down and leave
   ``V`` clamped at ``V_reset``;
2. ``I <- P11 I + x`` -- also during refractoriness: the current keeps
   evolving and collecting input, it only cannot move ``V`` until the clamp
   ends (an input arriving in step ``n`` moves ``V`` from step ``n + 1`` on);
3. threshold and reset as above.

Input
-----
A spike of step ``n`` reaches a target in step ``n + d``, ``d`` the synapse's
delay in steps (one for all synapses, or one per synapse,
:class:`~mfkit.spiking.connectivity.BlockSynapses`), i.e. exactly one delay
after its time stamp.  The Poisson drive of a neuron in step ``n`` is a count
``k`` of a Poisson law with mean ``rate_ext dt`` of its population (by
inversion of a tabulated CDF, :mod:`._sampling`) and, as from NEST's
``poisson_generator``, reaches the neuron ``D_drive`` steps later (the shortest
synaptic delay).  The input ``x`` of a neuron of population ``a`` in a step is
the drive ``k W_ext[a]`` plus the weights of the spikes that arrive, plus the
stimulus jumps of that step.  Source populations whose weights onto every target
population are equal form one *weight class* (Brunel's two populations: two;
the microcircuit's eight: three, excitatory, L4E and inhibitory), numbered in the
order of their first population, so the input depends only on ``k`` and the
counts ``(e_0, e_1, ...)`` of spikes of each class:

* the spikes are counted, not summed: a ring buffer holds ``R`` rows of ``N``
  counts for each weight class (uint16, wider only if an in-degree exceeds
  65535; ``R`` the longest delay);
* with two classes the input is the sum, in double precision and in this order,
  ``0 + k W_ext + W_0 + ... (e_0 terms) + W_1 + ... (e_1 terms)``, looked up in a
  table of all ``(k, e_0, e_1)`` up to a few times their usual values
  (:func:`input_tables`) and beyond it added one by one (:func:`_sum_two`): the
  sums of the engine that added every spike's weight in a ring buffer of doubles;
* with more classes it is ``0 + k W_ext + e_0 W_0 + e_1 W_1 + ...``, a product per
  class added in this order (:func:`_add_classes`);
* the drive needs no ring buffer: the count that arrives in step ``n`` is
  drawn in step ``n``, as draw ``(n - D_drive) N + i`` of the run's random
  stream for neuron ``i`` -- the number it was generated with in step
  ``n - D_drive``.

Counting is cheaper than adding doubles (and the rows are 4 times smaller),
and every input is a fixed function of the counts, whatever the order the spikes
arrived in.
Each step takes two passes over the neurons: the first draws the drive and
looks the input up (the random stream is sequential), the second advances the
membranes without branches, so that LLVM vectorizes it.

Threads
-------
Within ``L`` steps (the shortest delay) no spike reaches another neuron, so the
kernel advances the network in supersteps of ``L`` steps (fewer at the end of a
call).  The neurons are split into blocks (one per thread); in one parallel
region per superstep every thread first counts the spikes of the previous
superstep into the ring-buffer entries of its own block of *target* neurons
(the synapses are stored by block of targets, see
:func:`mfkit.spiking.connectivity.block_synapses`), then advances its neurons
through the superstep, drawing their drive from the run's single random stream
jumped ahead to the draw of its first neuron (see :mod:`mfkit.spiking._rng`).
Every neuron thus sees the same random numbers and the same input sums as in a
sequential run: spikes and membrane potentials are identical bit for bit for
any number of threads and blocks (and to those of the engine before it counted
spikes, which summed the input in a ring buffer of doubles in the same order).
"""
from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from llvmlite.binding import llvm_version_info
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._rng import jump
from ._sampling import draw_inverted, poisson_tables
from ._threads import ThreadedKernel
from .connectivity import population_of

__all__ = ["poisson_tables", "input_tables", "count_type", "run_steps", "psc_exp_propagators"]

#: The table of input sums (:func:`input_tables`) holds up to ``TABLE_E - 1`` spikes of the first and
#: ``TABLE_I - 1`` of the second population arriving at a neuron in one step (the seed network: 3.2
#: and 0.8 on average).
TABLE_E, TABLE_I = 32, 16
#: The table holds drive counts up to the one whose upper tail is below this probability.
TABLE_DRIVE_TAIL = 1e-9


def count_type(max_in_degree: int) -> np.dtype:
    """The integer type of the ring buffer: uint16, or the smallest unsigned type that holds
    the spike counts of a neuron in one step (at most its in-degree from one population) if they
    exceed 65535.  (Not uint8 for small networks: the kernels are compiled, or
    loaded from numba's cache, once for all but huge in-degrees.)"""
    return np.promote_types(np.uint16, np.min_scalar_type(int(max_in_degree)))


@njit(inline="always")
def _sum_two(k, e, q, W_ext, W0, W1):
    """``0 + k W_ext + W0 + ... + W1 + ...`` (``e`` and ``q`` terms), added in this order: the
    input of two weight classes."""
    x = 0.0 + k * W_ext
    for _ in range(e):
        x += W0
    for _ in range(q):
        x += W1
    return x


@njit(inline="always")
def _add_classes(x, ring, r, u, v, W):
    """The input of any number of classes, for neurons ``u .. v - 1`` whose drive ``0 + k W_ext`` is in
    ``x``: ``x + n_0 W[0] + n_1 W[1] + ...`` with the counts ``n_c = ring[c, r, i]`` (reset to 0), a
    product per class added in this order (no loop over the spikes, whose varying number the CPU
    cannot predict)."""
    for c in range(ring.shape[0]):
        row, w = ring[c, r, u:v], W[c]
        for i in range(x.shape[0]):
            x[i] += np.float64(row[i]) * w
            row[i] = 0


@njit(cache=True)
def _fill_table(table, W_ext, W0, W1):
    for k in range(table.shape[0]):
        for e in range(table.shape[1]):
            for q in range(table.shape[2]):
                table[k, e, q] = _sum_two(k, e, q, W_ext, W0, W1)


def input_tables(cdf: np.ndarray, K: np.ndarray, W_ext: np.ndarray, W: np.ndarray) -> np.ndarray:
    """The tables of input sums of a network of two weight classes, shape ``(P, n_k, n_e, n_q)``:
    ``tables[a, k, e, q]`` is the input of a neuron of population ``a`` that receives ``k`` drive
    spikes, ``e`` of class 0 and ``q`` of class 1 in one step (:func:`_sum_two`,
    weights ``W_ext[a]`` and ``W[a]``), for ``k`` up to where the drive's tail ``1 - P(X <= k)``
    (``cdf[a]`` of :func:`poisson_tables`) is below :data:`TABLE_DRIVE_TAIL` in every population,
    ``e < TABLE_E`` and ``q < TABLE_I`` (and at most the in-degrees ``K[a, class]``).  Other
    networks get no table (shape ``(P, 0, 0, 0)``): their sums are added in the kernel."""
    P = K.shape[0]
    if K.shape[1] != 2:
        return np.zeros((P, 0, 0, 0))
    nk = max(min(int(np.searchsorted(row, (1.0 - TABLE_DRIVE_TAIL) * 2.0**53)), row.size - 1) + 1 for row in cdf)
    tables = np.empty((P, nk, min(int(K[:, 0].max()) + 1, TABLE_E), min(int(K[:, 1].max()) + 1, TABLE_I)))
    for a in range(P):
        _fill_table(tables[a], float(W_ext[a]), float(W[a, 0]), float(W[a, 1]))
    return tables


@njit(inline="always")
def _threshold(v_old, v_new, r, theta, V_reset, ref):
    """A neuron's membrane, refractory counter and spike after a step: it fires if it is not
    refractory (``r == 0``) and ``v_new >= theta``; a refractory neuron stays at ``v_old``."""
    fire = (r == 0) & (v_new >= theta)
    return (V_reset if fire else (v_old if r > 0 else v_new)), (ref if fire else (r - 1 if r > 0 else r)), fire


# Indices in the hot loops are unsigned (uint64): numba then adds no code for negative indices.

@njit(cache=True, nogil=True)
def _update(a, m, lo, hi, b, V, I, refr, ring, bstate, jpoly, offsets, neuron, drive, tables,
            stim, sp0, fbuf, fcnt, n0, vrec_ids, vrec):
    """Advance neurons ``lo .. hi - 1`` (block ``b``) through steps ``a .. a + m - 1``.

    ``neuron = (params, ref_steps, is_exp)``: per population ``params[p] = (P11, P21, P22, c_mu,
    theta, V_reset)``, the refractory steps and whether its synapses are exponential currents
    (``iaf_psc_exp``; then ``I`` holds the synaptic currents, else ``P11`` and ``P21`` are unused).
    ``drive = (cdf, guide, W_ext, W, D_drive)``: per population the drive's tables and weight, the
    weights ``W[target, class]`` of the weight classes and the drive's delay in steps; ``tables[p]``: the
    :func:`input_tables` (shape ``(P, 0, 0, 0)``: none).  ``stim = (steps,
    targets, weights)`` sorted by step, the first of them not before step ``a`` at or after ``sp0``.

    Every step takes two passes over the block: the first draws the drive and sums the input
    of every neuron (the random stream is sequential), the second advances the neurons without
    branches (LLVM vectorizes it) and marks those that fire, which then go to
    ``fbuf[lo L + s (hi - lo):]`` for step ``a + s`` (``L = fcnt.shape[1]``), their number to
    ``fcnt[b, s]``.  ``bstate[b]`` is the drive stream at the draw of neuron ``lo`` in the
    first step ``>= a`` that has drive (``>= D_drive``).
    """
    params, ref_steps, is_exp = neuron
    cdf, guide, W_ext, W, D_drive = drive
    stim_step, stim_target, stim_weight = stim
    N = V.shape[0]
    R = ring.shape[1]
    n_stim = stim_step.shape[0]
    L = fcnt.shape[1]
    sp = sp0
    size = hi - lo
    no_cdf, no_guide = np.full(1, 2**53, dtype=np.uint64), np.zeros(guide.shape[1], dtype=np.uint64)  # Poisson(0)
    x = np.empty(size)  # the input of each neuron in one step
    # whether each neuron fired in one step, read 8 at a time (zero padding to a multiple of 8)
    fired = np.zeros(-(-size // 8) * 8, dtype=np.uint8)
    fired8 = fired.view(np.uint64)
    for s in range(m):
        n = a + s
        r = n % R
        drawn = n >= D_drive  # the first drive arrives one drive delay after the start
        # the stream's state at this step's first draw of the block
        s0, s1, s2, s3 = bstate[b, 0], bstate[b, 1], bstate[b, 2], bstate[b, 3]
        u = lo
        while u < hi:  # the block's part of each population
            p = population_of(u, offsets)
            v = min(hi, offsets[p + 1])
            # before the drive arrives, counts are drawn all the same from a law that is always
            # 0, and the stream's state is left as it was (the loop has no branch)
            c, g = (cdf[p], guide[p]) if drawn else (no_cdf, no_guide)
            Wp, wext, tab = W[p], W_ext[p], tables[p]
            xb = x[u - lo:v - lo]
            if tab.shape[0] > 0:  # two classes: the sums from the table
                row0, row1 = ring[0, r, u:v], ring[1, r, u:v]
                nk, ne, nq = np.uint64(tab.shape[0]), np.uint64(tab.shape[1]), np.uint64(tab.shape[2])
                for i in range(np.uint64(v - u)):
                    s0, s1, s2, s3, k = draw_inverted(s0, s1, s2, s3, c, g)
                    e, q = np.uint64(row0[i]), np.uint64(row1[i])
                    xb[i] = tab[k, e, q] if (k < nk and e < ne and q < nq) else _sum_two(k, e, q, wext, Wp[0], Wp[1])
                    row0[i] = 0
                    row1[i] = 0
            else:  # the drive, then each class's counts times its weight (loops LLVM vectorizes)
                for i in range(np.uint64(v - u)):
                    s0, s1, s2, s3, k = draw_inverted(s0, s1, s2, s3, c, g)
                    xb[i] = 0.0 + k * wext
                _add_classes(xb, ring, r, u, v, Wp)
            u = v
        if drawn:
            if size < N:  # the next step starts N draws after this step's first
                s0, s1, s2, s3 = jump(bstate[b, 0], bstate[b, 1], bstate[b, 2], bstate[b, 3], jpoly)
            bstate[b, 0], bstate[b, 1], bstate[b, 2], bstate[b, 3] = s0, s1, s2, s3
        while sp < n_stim and stim_step[sp] <= n:
            t = stim_target[sp]
            if stim_step[sp] == n and lo <= t < hi:
                x[t - lo] += stim_weight[sp]
            sp += 1
        u = lo
        while u < hi:
            p = population_of(u, offsets)
            v = min(hi, offsets[p + 1])
            P11, P21, P22, c_mu, theta, V_reset = params[p, 0], params[p, 1], params[p, 2], params[p, 3], \
                params[p, 4], params[p, 5]
            ref = ref_steps[p]
            Vb, rb, xb, fb = V[u:v], refr[u:v], x[u - lo:v - lo], fired[u - lo:v - lo]
            if is_exp[p]:  # iaf_psc_exp: V moves with the current of the step before
                Ib = I[u:v]
                for i in range(np.uint64(v - u)):
                    cur = Ib[i]
                    Ib[i] = P11 * cur + xb[i]
                    Vb[i], rb[i], fb[i] = _threshold(Vb[i], P22 * Vb[i] + P21 * cur + c_mu, rb[i], theta, V_reset, ref)
            else:  # iaf_psc_delta
                for i in range(np.uint64(v - u)):
                    Vb[i], rb[i], fb[i] = _threshold(Vb[i], P22 * Vb[i] + c_mu + xb[i], rb[i], theta, V_reset, ref)
            u = v
        base = lo * L + s * size
        n_fired = 0
        for w in range(fired8.shape[0]):
            if fired8[w]:
                for i in range(8 * w, 8 * w + 8):
                    if fired[i]:
                        fbuf[base + n_fired] = lo + i
                        n_fired += 1
        fcnt[b, s] = n_fired
        for j in range(vrec_ids.shape[0]):
            v_id = vrec_ids[j]
            if lo <= v_id < hi:
                vrec[j, n - n0] = V[v_id]


#: LLVM's prefetch intrinsic, named for its pointer type (opaque pointers from LLVM 17 on).
_PREFETCH = "llvm.prefetch.p0" if llvm_version_info >= (17,) else "llvm.prefetch.p0i8"


@intrinsic
def _prefetch(typingctx, arr, idx):
    """Ask the CPU to load the cache line of ``arr[idx]`` (``llvm.prefetch``; a hint, no effect
    on the results)."""
    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _PREFETCH)
        ptr = builder.bitcast(builder.gep(ary.data, [args[1]]), i8p)
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()
    return types.void(arr, idx), codegen


@njit(cache=True, nogil=True)
def _deliver_block(a, m, b, ring, bounds, fbuf, fcnt, offsets, source_class, seg, gaps, delays, D):
    """Count the spikes of steps ``a .. a + m - 1`` (all blocks) into the ring-buffer entries of
    the targets in block ``b``: a spike of step ``n`` through a synapse of delay ``d`` steps
    (``delays[q]``, or ``D`` for every synapse if ``delays`` is empty) into row ``(n + d) mod R``
    of its source population's class (``source_class``); the synapses as in
    :class:`~mfkit.spiking.connectivity.BlockSynapses`."""
    R = ring.shape[1]
    L = fcnt.shape[1]
    nb = bounds.shape[0] - 1
    lo = np.uint64(bounds[b])
    per_synapse = delays.shape[0] > 0
    for s in range(m):
        row0 = (a + s) % R  # the row of a delay of 0 (never used: delays are >= 1 step)
        for c in range(nb):
            base = bounds[c] * L + s * (bounds[c + 1] - bounds[c])
            nf = fcnt[c, s]
            for f in range(nf):
                j = fbuf[base + f]
                if f + 1 < nf:  # the next sender's targets, one cache line at a time
                    jn = fbuf[base + f + 1]
                    for q in range(np.uint64(seg[b, jn]), np.uint64(seg[b, jn + 1]), np.uint64(32)):
                        _prefetch(gaps, q)
                        if per_synapse:
                            _prefetch(delays, q)
                pj = source_class[population_of(j, offsets)]
                t = lo
                if per_synapse:
                    counts = ring[pj]
                    for q in range(np.uint64(seg[b, j]), np.uint64(seg[b, j + 1])):
                        t += gaps[q]
                        row = row0 + np.int64(delays[q])
                        counts[row - R if row >= R else row, t] += 1
                else:
                    orow = ring[pj, (row0 + D) % R]
                    for q in range(np.uint64(seg[b, j]), np.uint64(seg[b, j + 1])):
                        t += gaps[q]
                        orow[t] += 1


def _run_impl(n0, n1, V, I, refr, ring, bstate, jpoly, bounds, seg, gaps, delays, D, offsets, source_class, neuron,
              drive, tables, stim, stim_ptr, rec_start, spk_step, spk_id, n_rec, fbuf, fcnt, vrec_ids, vrec):
    """Supersteps of at most ``L`` steps; one parallel region per superstep, in which every
    thread first counts the previous superstep's spikes into its own block of targets and then
    advances its block of neurons (``fbuf``/``fcnt`` alternate between two supersteps)."""
    nb = bounds.shape[0] - 1
    L = fcnt.shape[2]
    stim_step = stim[0]
    n_stim = stim_step.shape[0]
    nr = n_rec[0]
    a = n0
    cur = 0
    prev_a = n0
    prev_m = 0
    while a < n1:
        m = min(L, n1 - a)
        sp0 = stim_ptr[0]
        for b in prange(nb):
            _deliver_block(prev_a, prev_m, b, ring, bounds, fbuf[1 - cur], fcnt[1 - cur], offsets,
                           source_class, seg, gaps, delays, D)
            _update(a, m, bounds[b], bounds[b + 1], b, V, I, refr, ring, bstate, jpoly, offsets, neuron,
                    drive, tables, stim, sp0, fbuf[cur], fcnt[cur], n0, vrec_ids, vrec)
        sp = sp0
        while sp < n_stim and stim_step[sp] < a + m:
            sp += 1
        stim_ptr[0] = sp
        for s in range(m):
            if a + s >= rec_start:
                for c in range(nb):
                    base = bounds[c] * L + s * (bounds[c + 1] - bounds[c])
                    for f in range(fcnt[cur, c, s]):
                        spk_step[nr] = a + s
                        spk_id[nr] = fbuf[cur, base + f]
                        nr += 1
        prev_a = a
        prev_m = m
        cur = 1 - cur
        a += m
    for b in prange(nb):
        _deliver_block(prev_a, prev_m, b, ring, bounds, fbuf[1 - cur], fcnt[1 - cur], offsets,
                       source_class, seg, gaps, delays, D)
    n_rec[0] = nr


#: The driver on numba's threads, and without threads for a single block of neurons.
_run = ThreadedKernel(_run_impl, "_run", cache=True, nogil=True)


def run_steps(n0, n1, V, I, refr, ring, bstate, jpoly, bounds, seg, gaps, delays, D, offsets, source_class, neuron,
              drive, tables, stim, stim_ptr, rec_start, spk_step, spk_id, n_rec, fbuf, fcnt, vrec_ids, vrec):
    """Advance the network from step ``n0`` to ``n1`` (exclusive), in place.

    ``offsets``: population ``p`` holds neurons ``offsets[p] .. offsets[p + 1] - 1``;
    ``source_class[p]``: the weight class of its spikes (source populations whose weights onto
    every target population are equal share one, and one row of counts in the ring buffer).
    ``I``: the synaptic currents (pA) of the ``iaf_psc_exp`` populations (any values elsewhere).
    ``neuron = (params, ref_steps, is_exp)``, ``drive = (cdf, guide, W_ext, W, D_drive)`` and
    ``tables`` per population as in :func:`_update`: the propagators of
    :func:`psc_exp_propagators` (delta synapses: ``P22 = e^{-dt/tau_m}``, the others unused),
    ``c_mu = (1 - P22) mu_ext``, the threshold, reset and refractory steps; the drive's
    :func:`poisson_tables` and the weights (mV, or pA for ``iaf_psc_exp``); the
    :func:`input_tables`.  ``ring`` (shape ``(P, R, N)``, type
    :func:`count_type`): the counts of the spikes of each source population arriving in the next
    ``R`` steps, 0 at the start; ``R`` is at least the longest delay.
    ``stim = (steps, targets, weights)``: extra jumps added to the input of ``targets[k]`` in
    step ``steps[k]``, sorted by step (the jumps of one neuron and step are added in their
    order); ``stim_ptr[0]`` is the first not yet applied.

    The neurons are split into the blocks ``bounds[b] .. bounds[b + 1] - 1``, advanced in
    parallel (numba's threads, as many as ``numba.get_num_threads()``); the results do not
    depend on the blocks.  ``seg, gaps, delays``: the synapses by block of targets
    (:class:`~mfkit.spiking.connectivity.BlockSynapses` on the same ``bounds``); ``D``: the
    delay of every synapse in steps when ``delays`` is empty.
    ``bstate[b, :4]`` (uint64, rows of 8) is the drive stream at draw ``(max(n0, D_drive) -
    D_drive) N + bounds[b]``, ``jpoly = jump_poly(N)`` (see :mod:`._rng`); ``fbuf`` (int32,
    ``(2, N L)``) and ``fcnt`` (int64, ``(2, n_blocks, L)``) hold the neurons firing in two
    successive supersteps of at most ``L`` steps, ``L`` at most the shortest delay.
    Spikes of steps ``>= rec_start`` are appended to ``spk_step``/``spk_id``
    (their number in ``n_rec[0]``); the caller sizes these buffers for the
    worst case (every neuron firing once per ``ref_steps + 1`` steps).
    The membrane potential of neurons ``vrec_ids`` after step ``n`` (at time
    ``(n + 1) dt``) is written to ``vrec[:, n - n0]``.
    """
    _run.run(bounds.shape[0] - 1, n0, n1, V, I, refr, ring, bstate, jpoly, bounds, seg, gaps, delays, D,
             offsets, source_class, neuron, drive, tables, stim, stim_ptr, rec_start, spk_step, spk_id, n_rec, fbuf, fcnt,
             vrec_ids, vrec)


def psc_exp_propagators(dt: float, tau_m: float, tau_syn: float, C_m: float) -> tuple[float, float, float]:
    """Exact-integration propagators of ``iaf_psc_exp`` for one step ``dt``.

    For ``tau_m dV/dt = -V + (tau_m / C_m) I`` and ``tau_syn dI/dt = -I``
    (``V`` relative to ``E_L``, ``I`` in pA, ``C_m`` in pF), the state after
    one step is ``I(dt) = P11 I(0)`` and ``V(dt) = P22 V(0) + P21 I(0)`` with

    .. math::

        P_{11} = e^{-h/\\tau_s},\\quad P_{22} = e^{-h/\\tau_m},\\quad
        P_{21} = \\frac{1}{C_m}\\,\\frac{\\tau_s\\tau_m}{\\tau_m - \\tau_s}
                 \\bigl(e^{-h/\\tau_m} - e^{-h/\\tau_s}\\bigr)
               = \\frac{h\\,e^{-h/\\tau_m}}{C_m}\\,\\frac{1 - e^{-x}}{x},
        \\quad x = h\\Bigl(\\frac{1}{\\tau_s} - \\frac{1}{\\tau_m}\\Bigr).

    The second form has no singularity: ``(1 - e^{-x}) / x = -expm1(-x) / x``
    is evaluated to full relative precision for every ``x`` (and is 1 at
    ``x = 0``), so ``tau_syn == tau_m`` gives the exact limit
    ``P21 = h e^{-h/tau_m} / C_m`` and values close to it lose no digits.
    (NEST switches to that limit when ``|tau_m - tau_syn|`` is below
    ``1e-7 tau_m^2 / h``; the two agree there to about 1e-7 relative.)

    Returns ``(P11, P21, P22)``.
    """
    P11 = math.exp(-dt / tau_syn)
    P22 = math.exp(-dt / tau_m)
    x = dt * (1.0 / tau_syn - 1.0 / tau_m)
    ratio = 1.0 if x == 0.0 else -math.expm1(-x) / x
    P21 = dt * P22 * ratio / C_m
    return P11, P21, P22
