"""The time-driven numba kernel for networks of ``iaf_psc_delta`` and ``iaf_psc_exp`` neurons.

One call of :func:`run_steps` advances the network by a block of time steps.
Step ``n`` integrates the interval ``(n dt, (n + 1) dt]``.  With delta
synapses it follows NEST's ``iaf_psc_delta`` update in this order, for every
neuron:

1. take the summed PSP jumps ``x`` that arrive in this step;
2. if the neuron is refractory, discard them and count one refractory step
   down (the membrane stays clamped at ``V_reset``);
3. otherwise ``V <- V e^{-dt/tau_m} + (1 - e^{-dt/tau_m}) mu_ext + x``,
   the exact solution of the leaky membrane relaxing to ``E_L = 0`` (plus an
   optional constant drive ``mu_ext = tau_m I_e / C_m``);
4. if ``V >= theta``: spike (time stamp ``(n + 1) dt``), ``V <- V_reset`` and
   the neuron stays refractory for the next ``round(t_ref / dt)`` steps.

With exponentially decaying synaptic currents (NEST's ``iaf_psc_exp``, exact
integration with the propagators of :func:`psc_exp_propagators`; the weights
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
A spike of step ``n`` reaches its targets in step ``n + D``, ``D =
round(delay / dt)``, i.e. exactly one delay after its time stamp.  The
Poisson drive of a neuron in step ``n`` is a count ``k`` of a Poisson law
with mean ``p_rate dt`` (by inversion of a tabulated CDF with a guide table)
and, as from NEST's ``poisson_generator``, reaches the neuron one delay later.
The input ``x`` of a neuron in a step is the sum, in double precision and in
this order, of the drive ``k W_ext``, of the weights of the spikes that arrive
(by increasing sender: all ``e`` excitatory ones, of weight ``W_E``, before
the ``q`` inhibitory ones, ``W_I``) and of the stimulus jumps of that step.
The weight of a synapse is that of its sender's population, so the sum of the
drive and the spikes depends only on ``(k, e, q)``:

* the spikes are counted, not summed: a ring buffer holds ``D`` rows of ``N``
  counts for each population (uint16, wider only if ``CE`` or ``CI`` exceed
  65535: a neuron receives at most ``CE`` and ``CI`` spikes per step);
* the sums are looked up in a table of all ``(k, e, q)`` up to a few times
  their usual values (:func:`input_table`), and beyond it added one by one
  (:func:`_input`);
* the drive needs no ring buffer: the count that arrives in step ``n`` is
  drawn in step ``n``, as draw ``(n - D) N + i`` of the run's random stream
  for neuron ``i`` -- the number it was generated with in step ``n - D``.

Counting is cheaper than adding doubles (and the rows are 4 times smaller),
and every sum is still the one of the same additions in the same order.
Each step takes two passes over the neurons: the first draws the drive and
looks the input up (the random stream is sequential), the second advances the
membranes without branches, so that LLVM vectorizes it.

Threads
-------
Within ``D`` steps no spike reaches another neuron, so the kernel advances
the network in supersteps of ``D`` steps (fewer at the end of a call).  The
neurons are split into blocks (one per thread); in one parallel region per
superstep every thread first counts the spikes of the previous superstep into
the ring-buffer entries of its own block of *target* neurons (the synapses are
stored by block of targets, see
:func:`mfkit.spiking.connectivity.block_synapses`), then advances its
neurons through the superstep, drawing their drive from the run's single
random stream jumped ahead to the draw of its first neuron (see
:mod:`mfkit.spiking._rng`).  Every neuron thus sees the same random numbers
and the same input sums as in a sequential run: spikes and membrane
potentials are identical bit for bit for any number of threads and blocks
(and to those of the engine before it counted spikes, which summed the
input in a ring buffer of doubles in the same order).
"""
from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from llvmlite.binding import llvm_version_info
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._rng import jump, step
from ._threads import ThreadedKernel

__all__ = ["poisson_tables", "input_table", "count_type", "run_steps", "psc_exp_propagators"]

#: The table of input sums (:func:`input_table`) holds up to ``TABLE_E - 1`` excitatory and
#: ``TABLE_I - 1`` inhibitory spikes arriving at a neuron in one step (the seed network: 3.2
#: and 0.8 on average).
TABLE_E, TABLE_I = 32, 16
#: The guide table of :func:`poisson_tables` has ``2**GUIDE_BITS`` entries.
GUIDE_BITS = 8
#: The table holds drive counts up to the one whose upper tail is below this probability.
TABLE_DRIVE_TAIL = 1e-9


def poisson_tables(lam: float) -> tuple[np.ndarray, np.ndarray]:
    """Tables for sampling Poisson(``lam``) by inversion of its CDF with a guide table.

    A count is drawn from a 64-bit random number ``r`` and its uniform number ``u = m 2^-53``,
    ``m = r >> 11``, as the smallest ``k`` with ``P(X <= k) > u``.  ``cdf[k]`` is
    ``ceil(P(X <= k) 2^53)`` (uint64), so that ``P(X <= k) > u`` exactly when ``cdf[k] > m``,
    up to a ``k`` where the remaining tail is below 1e-17 (not representable next to 1 in
    double precision); the last entry is ``2^53`` so the search always stops.
    ``guide[j]`` is the smallest ``k`` with ``P(X <= k) > j / G``, ``G = 2^GUIDE_BITS``, where the
    search for ``u`` in ``[j / G, (j + 1) / G)``, i.e. for ``j = r >> (64 - GUIDE_BITS)``, can
    start.
    """
    if lam <= 0:
        cdf = np.ones(1)
    else:
        kmax = int(np.ceil(lam + 40.0 * np.sqrt(lam) + 40))
        k = np.arange(kmax + 1, dtype=np.float64)
        log_pmf = -lam + k * np.log(lam) - np.array([math.lgamma(x + 1.0) for x in k])
        cdf = np.minimum(np.cumsum(np.exp(log_pmf)), 1.0)
        cdf[-1] = 1.0
    G = 1 << GUIDE_BITS
    guide = np.searchsorted(cdf, np.arange(G) / G, side="right").astype(np.uint64)
    return np.ceil(cdf * 2.0**53).astype(np.uint64), guide


def count_type(CE: int, CI: int) -> np.dtype:
    """The integer type of the ring buffer: uint16, or the smallest unsigned type that holds
    the spike counts of a neuron in one step (at most ``CE`` excitatory and ``CI`` inhibitory
    ones) if they exceed 65535.  (Not uint8 for small networks: the kernels are compiled, or
    loaded from numba's cache, once for all but huge in-degrees.)"""
    return np.promote_types(np.uint16, np.min_scalar_type(max(int(CE), int(CI))))


@njit(inline="always")
def _sum_inputs(k, e, q, W_ext, W_E, W_I):
    """``0 + k W_ext + W_E + ... + W_I + ...`` (``e`` and ``q`` terms), added in this order."""
    x = 0.0 + k * W_ext
    for _ in range(e):
        x += W_E
    for _ in range(q):
        x += W_I
    return x


@njit(cache=True)
def _fill_table(table, W_ext, W_E, W_I):
    for k in range(table.shape[0]):
        for e in range(table.shape[1]):
            for q in range(table.shape[2]):
                table[k, e, q] = _sum_inputs(k, e, q, W_ext, W_E, W_I)


def input_table(cdf: np.ndarray, CE: int, CI: int, W_ext: float, W_E: float, W_I: float) -> np.ndarray:
    """``table[k, e, q]``: the input of a neuron that receives ``k`` drive spikes, ``e``
    excitatory and ``q`` inhibitory ones in one step (:func:`_sum_inputs`), for ``k`` up to
    where the drive's tail ``1 - P(X <= k)`` (``cdf`` of :func:`poisson_tables`) is below
    :data:`TABLE_DRIVE_TAIL`, ``e < TABLE_E`` and ``q < TABLE_I`` (and at most ``CE`` and
    ``CI``)."""
    nk = min(int(np.searchsorted(cdf, (1.0 - TABLE_DRIVE_TAIL) * 2.0**53)), cdf.size - 1) + 1
    table = np.empty((nk, min(CE + 1, TABLE_E), min(CI + 1, TABLE_I)))
    _fill_table(table, W_ext, W_E, W_I)
    return table


@njit(inline="always")
def _poisson_count(s0, s1, s2, s3, cdf, guide):
    """One Poisson count (uint64) from the next number of the xoshiro stream (see
    :func:`poisson_tables`); returns the new state and the count."""
    s0, s1, s2, s3, r = step(s0, s1, s2, s3)
    m = r >> np.uint64(11)
    k = guide[r >> np.uint64(64 - GUIDE_BITS)]
    while cdf[k] <= m:
        k += np.uint64(1)
    return s0, s1, s2, s3, k


@njit(inline="always")
def _input(k, e, q, table, W_ext, W_E, W_I):
    """The input sum of ``k`` drive spikes, ``e`` excitatory and ``q`` inhibitory spikes
    (uint64): from the table if it holds them, else summed here (the same additions)."""
    if k < np.uint64(table.shape[0]) and e < np.uint64(table.shape[1]) and q < np.uint64(table.shape[2]):
        return table[k, e, q]
    return _sum_inputs(k, e, q, W_ext, W_E, W_I)


# Indices in the hot loops are unsigned (uint64): numba then adds no code for negative indices.

@njit(cache=True, nogil=True)
def _update(a, m, lo, hi, b, V, I, refr, ring, bstate, jpoly, neuron, drive, table, stim, sp0,
            fbuf, fcnt, n0, vrec_ids, vrec):
    """Advance neurons ``lo .. hi - 1`` (block ``b``) through steps ``a .. a + m - 1``:
    ``iaf_psc_exp`` neurons if ``I`` is an array, ``iaf_psc_delta`` ones if it is None
    (``P11`` and ``P21`` unused).  ``neuron = (P11, P21, P22, c_mu, theta, V_reset,
    ref_steps)``, ``drive = (cdf, guide, W_ext, W_E, W_I)``, ``stim = (steps,
    targets, weights)`` sorted by step, the first of them not before step ``a`` at or after
    ``sp0``.

    Every step takes two passes over the block: the first draws the drive and sums the input
    of every neuron (the random stream is sequential), the second advances the neurons without
    branches (LLVM vectorizes it) and marks those that fire, which then go to
    ``fbuf[lo L + s (hi - lo):]`` for step ``a + s`` (``L = fcnt.shape[1]``), their number to
    ``fcnt[b, s]``.  ``bstate[b]`` is the drive stream at the draw of neuron ``lo`` in the
    first step ``>= a`` that has drive (``>= D``).
    """
    P11, P21, P22, c_mu, theta, V_reset, ref_steps = neuron
    cdf, guide, W_ext, W_E, W_I = drive
    stim_step, stim_target, stim_weight = stim
    N = V.shape[0]
    D = ring.shape[1]
    n_stim = stim_step.shape[0]
    L = fcnt.shape[1]
    sp = sp0
    size = hi - lo
    usize = np.uint64(size)
    Vb, rb = V[lo:hi], refr[lo:hi]
    Ib = Vb if I is None else I[lo:hi]
    no_cdf, no_guide = np.full(1, 2**53, dtype=np.uint64), np.zeros_like(guide)  # Poisson(0)
    x = np.empty(size)  # the input of each neuron in one step
    # whether each neuron fired in one step, read 8 at a time (zero padding to a multiple of 8)
    fired = np.zeros(-(-size // 8) * 8, dtype=np.uint8)
    fired8 = fired.view(np.uint64)
    for s in range(m):
        n = a + s
        row_E, row_I = ring[0, n % D, lo:hi], ring[1, n % D, lo:hi]
        drawn = n >= D  # the first drive arrives one delay after the start
        # the stream's state at this step's first draw of the block
        s0, s1, s2, s3 = bstate[b, 0], bstate[b, 1], bstate[b, 2], bstate[b, 3]
        # before it, counts are drawn all the same from a law that is always 0, and the
        # stream's state is left as it was (the loop has no branch)
        c, g = (cdf, guide) if drawn else (no_cdf, no_guide)
        for i in range(usize):
            s0, s1, s2, s3, k = _poisson_count(s0, s1, s2, s3, c, g)
            x[i] = _input(k, np.uint64(row_E[i]), np.uint64(row_I[i]), table, W_ext, W_E, W_I)
            row_E[i] = 0
            row_I[i] = 0
        if drawn:
            if size < N:  # the next step starts N draws after this step's first
                s0, s1, s2, s3 = jump(bstate[b, 0], bstate[b, 1], bstate[b, 2], bstate[b, 3], jpoly)
            bstate[b, 0], bstate[b, 1], bstate[b, 2], bstate[b, 3] = s0, s1, s2, s3
        while sp < n_stim and stim_step[sp] <= n:
            t = stim_target[sp]
            if stim_step[sp] == n and lo <= t < hi:
                x[t - lo] += stim_weight[sp]
            sp += 1
        for i in range(usize):
            r = rb[i]
            v_old = Vb[i]
            if I is None:  # iaf_psc_delta
                v = P22 * v_old + c_mu + x[i]
            else:  # iaf_psc_exp: V moves with the current of the step before
                cur = Ib[i]
                Ib[i] = P11 * cur + x[i]
                v = P22 * v_old + P21 * cur + c_mu
            fire = (r == 0) & (v >= theta)
            Vb[i] = V_reset if fire else (v_old if r > 0 else v)
            rb[i] = ref_steps if fire else (r - 1 if r > 0 else r)
            fired[i] = fire
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
def _deliver_block(a, m, b, ring, bounds, fbuf, fcnt, NE, seg, gaps):
    """Count the spikes of steps ``a .. a + m - 1`` (all blocks) into the ring-buffer entries of
    the targets in block ``b`` of step ``a + D .. a + m - 1 + D`` (row ``(n + D) mod D``), the
    synapses as in :class:`~mfkit.spiking.connectivity.BlockSynapses`."""
    D = ring.shape[1]
    L = fcnt.shape[1]
    nb = bounds.shape[0] - 1
    lo = np.uint64(bounds[b])
    for s in range(m):
        for c in range(nb):
            base = bounds[c] * L + s * (bounds[c + 1] - bounds[c])
            nf = fcnt[c, s]
            for f in range(nf):
                j = fbuf[base + f]
                if f + 1 < nf:  # the next sender's targets, one cache line (32 gaps) at a time
                    jn = fbuf[base + f + 1]
                    for q in range(np.uint64(seg[jn, b]), np.uint64(seg[jn, b + 1]), np.uint64(32)):
                        _prefetch(gaps, q)
                orow = ring[0 if j < NE else 1, (a + s) % D]
                t = lo
                for q in range(np.uint64(seg[j, b]), np.uint64(seg[j, b + 1])):
                    t += gaps[q]
                    orow[t] += 1


def _run_impl(n0, n1, V, I, refr, ring, bstate, jpoly, bounds, seg, gaps, NE, neuron, drive,
              table, stim, stim_ptr, rec_start, spk_step, spk_id, n_rec, fbuf, fcnt,
              vrec_ids, vrec):
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
            _deliver_block(prev_a, prev_m, b, ring, bounds, fbuf[1 - cur], fcnt[1 - cur], NE,
                           seg, gaps)
            _update(a, m, bounds[b], bounds[b + 1], b, V, I, refr, ring, bstate, jpoly, neuron,
                    drive, table, stim, sp0, fbuf[cur], fcnt[cur], n0, vrec_ids, vrec)
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
        _deliver_block(prev_a, prev_m, b, ring, bounds, fbuf[1 - cur], fcnt[1 - cur], NE,
                       seg, gaps)
    n_rec[0] = nr


#: The driver on numba's threads, and without threads for a single block of neurons.
_run = ThreadedKernel(_run_impl, "_run", cache=True, nogil=True)


def run_steps(n0, n1, V, I, refr, ring, bstate, jpoly, bounds, seg, gaps, NE, neuron, drive,
              table, stim, stim_ptr, rec_start, spk_step, spk_id, n_rec, fbuf, fcnt,
              vrec_ids, vrec):
    """Advance the network from step ``n0`` to ``n1`` (exclusive), in place.

    ``I``: the synaptic currents (pA) of ``iaf_psc_exp`` neurons, or None for
    ``iaf_psc_delta`` neurons.  ``neuron = (P11, P21, P22, c_mu, theta, V_reset, ref_steps)``:
    the propagators of :func:`psc_exp_propagators` (delta synapses: ``P22 = e^{-dt/tau_m}``,
    the others unused), ``c_mu = (1 - P22) mu_ext``, and the threshold, reset and refractory
    steps.  ``drive = (cdf, guide, W_ext, W_E, W_I)``: the drive's
    :func:`poisson_tables` and the weights (mV, or pA for ``iaf_psc_exp``); ``table``: their
    :func:`input_table`.  ``ring`` (shape ``(2, D, N)``, type :func:`count_type`): the counts of
    the excitatory and inhibitory spikes arriving in the next ``D`` steps, 0 at the start.
    ``stim = (steps, targets, weights)``: extra jumps added to the input of ``targets[k]`` in
    step ``steps[k]``, sorted by step (the jumps of one neuron and step are added in their
    order); ``stim_ptr[0]`` is the first not yet applied.

    The neurons are split into the blocks ``bounds[b] .. bounds[b + 1] - 1``, advanced in
    parallel (numba's threads, as many as ``numba.get_num_threads()``); the results do not
    depend on the blocks.  ``seg, gaps``: the synapses by block of targets
    (:class:`~mfkit.spiking.connectivity.BlockSynapses` on the same ``bounds``).
    ``bstate[b, :4]`` (uint64, rows of 8) is the drive stream at draw ``(max(n0, D) - D) N +
    bounds[b]``, ``jpoly = jump_poly(N)`` (see :mod:`._rng`); ``fbuf`` (int32,
    ``(2, N L)``) and ``fcnt`` (int64, ``(2, n_blocks, L)``) hold the neurons firing in two
    successive supersteps of at most ``L <= D`` steps.
    Spikes of steps ``>= rec_start`` are appended to ``spk_step``/``spk_id``
    (their number in ``n_rec[0]``); the caller sizes these buffers for the
    worst case (every neuron firing once per ``ref_steps + 1`` steps).
    The membrane potential of neurons ``vrec_ids`` after step ``n`` (at time
    ``(n + 1) dt``) is written to ``vrec[:, n - n0]``.
    """
    _run.run(bounds.shape[0] - 1, n0, n1, V, I, refr, ring, bstate, jpoly, bounds, seg, gaps, NE, neuron,
             drive, table, stim, stim_ptr, rec_start, spk_step, spk_id, n_rec, fbuf, fcnt, vrec_ids, vrec)


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
