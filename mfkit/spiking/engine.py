"""The time-driven numba kernels for networks of ``iaf_psc_delta`` and ``iaf_psc_exp`` neurons.

:func:`run_steps` is the delta-synapse kernel described here;
:func:`run_steps_exp` its twin for exponentially decaying synaptic currents
(NEST's ``iaf_psc_exp``, exact integration with the propagators of
:func:`psc_exp_propagators`), used when the network has ``tau_syn > 0``.

One call of :func:`run_steps` advances the network by a block of time steps.
Step ``n`` integrates the interval ``(n dt, (n + 1) dt]``, following NEST's
``iaf_psc_delta`` update in this order, for every neuron:

1. take the summed PSP jumps that arrive in this step from the ring buffer
   (and clear the slot);
2. if the neuron is refractory, discard them and count one refractory step
   down (the membrane stays clamped at ``V_reset``);
3. otherwise ``V <- V e^{-dt/tau_m} + (1 - e^{-dt/tau_m}) mu_ext + input``,
   the exact solution of the leaky membrane relaxing to ``E_L = 0`` (plus an
   optional constant drive ``mu_ext = tau_m I_e / C_m``);
4. if ``V >= theta``: spike (time stamp ``(n + 1) dt``), ``V <- V_reset`` and
   the neuron stays refractory for the next ``round(t_ref / dt)`` steps.

A spike of step ``n`` reaches its targets in step ``n + D``, ``D =
round(delay / dt)``, i.e. exactly one delay after its time stamp.  All
synapses share one delay, so the input is kept in a ring buffer of ``D + 1``
rows of ``N`` summed jumps.  The Poisson drive is drawn per neuron and step
(counts of a Poisson law with mean ``p_rate dt``, by inversion of a tabulated
CDF with a guide table) and sent through the same delay, as the
``poisson_generator`` of NEST's script does.

Threads
-------
Within ``D`` steps no spike reaches another neuron, so the kernels advance
the network in supersteps of ``D`` steps (fewer at the end of a call).  The
neurons are split into blocks (one per thread); in one parallel region per
superstep every thread first adds the spikes of the previous superstep to the
ring-buffer entries of its own block of *target* neurons (the synapses are
stored by block of targets, see
:func:`mfkit.spiking.connectivity.block_synapses`), then advances its
neurons through the superstep, drawing their Poisson drive from the run's
single random stream jumped ahead to draw ``n N + i`` (neuron ``i``, step
``n``; see :mod:`mfkit.spiking._rng`).  Every neuron thus sees the same
random numbers and every ring-buffer entry the same additions in the same
order (the drive, then the spikes of one step by increasing sender, each
sender's synapses by increasing target) as in a sequential run: spikes and
membrane potentials are identical bit for bit for any number of threads and
blocks.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._rng import jump, step, to_unit
from ._threads import renamed

__all__ = ["poisson_tables", "run_steps", "run_steps_exp", "psc_exp_propagators"]


def poisson_tables(lam: float, guide_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """CDF table and guide table for sampling Poisson(``lam``) by inversion.

    ``cdf[k] = P(X <= k)`` up to a ``k`` where the remaining tail is below
    1e-17 (not representable next to 1 in double precision); the last entry
    is set to 1 so the search always stops.  ``guide[j]`` is the smallest
    ``k`` with ``cdf[k] > j / guide_size``, where the search for a uniform
    number in ``[j / G, (j + 1) / G)`` can start.
    """
    if lam <= 0:
        return np.ones(1), np.zeros(guide_size, dtype=np.int64)
    kmax = int(np.ceil(lam + 40.0 * np.sqrt(lam) + 40))
    k = np.arange(kmax + 1, dtype=np.float64)
    log_pmf = -lam + k * np.log(lam) - np.array([math.lgamma(x + 1.0) for x in k])
    cdf = np.minimum(np.cumsum(np.exp(log_pmf)), 1.0)
    cdf[-1] = 1.0
    grid = np.arange(guide_size) / guide_size
    guide = np.searchsorted(cdf, grid, side="right").astype(np.int64)
    return cdf, guide


# The kernels advance the network in *supersteps* of at most ``D`` steps (the delay in steps):
# a spike of step ``n`` arrives in step ``n + D``, so within a superstep the neurons do not
# interact and every part ("block") of the neurons can be advanced on its own thread.  Then
# the spikes of the superstep are delivered, each thread adding them to the ring-buffer
# entries of its own block of *target* neurons.  Every block of neurons draws its Poisson
# drive from the one xoshiro256** stream of the run, jumped ahead to draw ``n N + i`` for
# neuron ``i`` in step ``n`` (see :mod:`._rng`).  Hence every neuron sees the same numbers,
# and every ring-buffer entry the same additions in the same order (first the drive, then
# the spikes of one step in increasing order of the sender, each with its synapses in
# increasing order of the target), whatever the blocks are: the results are bit for bit
# those of one block, i.e. of one thread, as of the engine before it used threads.

@njit(inline="always")
def _poisson_count(s0, s1, s2, s3, cdf, guide):
    """One Poisson count by inversion of ``cdf``, the search started at the
    guide-table entry of the uniform number; returns the new xoshiro state
    and the count."""
    s0, s1, s2, s3, r = step(s0, s1, s2, s3)
    u = to_unit(r)
    k = guide[int(u * guide.shape[0])]
    while cdf[k] <= u:
        k += 1
    return s0, s1, s2, s3, k


@njit(cache=True, nogil=True)
def _update_delta(a, m, lo, hi, b, V, I, refr, ring, bstate, jpoly,
                  P11, P21, P22, c_mu, theta, V_reset, ref_steps, D, W_ext, cdf, guide, has_drive,
                  stim_step, stim_target, stim_weight, sp0, fbuf, fcnt, n0, vrec_ids, vrec):
    """Advance ``iaf_psc_delta`` neurons ``lo .. hi - 1`` (block ``b``) through steps
    ``a .. a + m - 1`` (``P22 = e^{-dt/tau_m}``; ``I``, ``P11``, ``P21`` unused).

    The neurons firing in step ``a + s`` go to ``fbuf[lo L + s (hi - lo):]`` (``L =
    fcnt.shape[1]``), their number to ``fcnt[b, s]``.  ``bstate[b]`` is the drive stream at
    draw ``a N + lo`` and is left at ``(a + m) N + lo``.
    """
    N = V.shape[0]
    R = ring.shape[0]
    L = fcnt.shape[1]
    n_stim = stim_step.shape[0]
    sp = sp0
    size = hi - lo
    for s in range(m):
        n = a + s
        row = ring[n % R]
        orow = ring[(n + D) % R]
        while sp < n_stim and stim_step[sp] <= n:
            t = stim_target[sp]
            if stim_step[sp] == n and lo <= t < hi:
                row[t] += stim_weight[sp]
            sp += 1
        base = lo * L + s * size
        n_fired = 0
        # the stream's state at this step's first draw of the block (in memory, not in
        # registers, during the loop)
        s0, s1, s2, s3 = bstate[b, 0], bstate[b, 1], bstate[b, 2], bstate[b, 3]
        for i in range(lo, hi):
            x = row[i]
            row[i] = 0.0
            if refr[i] > 0:
                refr[i] -= 1
            else:
                v = P22 * V[i] + c_mu + x
                if v >= theta:
                    v = V_reset
                    refr[i] = ref_steps
                    fbuf[base + n_fired] = i
                    n_fired += 1
                V[i] = v
            if has_drive:
                s0, s1, s2, s3, k = _poisson_count(s0, s1, s2, s3, cdf, guide)
                orow[i] += k * W_ext
        if has_drive and size < N:  # the next step starts N draws after this step's first
            s0, s1, s2, s3 = jump(bstate[b, 0], bstate[b, 1], bstate[b, 2], bstate[b, 3], jpoly)
        bstate[b, 0], bstate[b, 1], bstate[b, 2], bstate[b, 3] = s0, s1, s2, s3
        fcnt[b, s] = n_fired
        for j in range(vrec_ids.shape[0]):
            v_id = vrec_ids[j]
            if lo <= v_id < hi:
                vrec[j, n - n0] = V[v_id]


@njit(cache=True, nogil=True)
def _update_exp(a, m, lo, hi, b, V, I, refr, ring, bstate, jpoly,
               P11, P21, P22, c_mu, theta, V_reset, ref_steps, D, W_ext, cdf, guide, has_drive,
               stim_step, stim_target, stim_weight, sp0, fbuf, fcnt, n0, vrec_ids, vrec):
    """:func:`_update_delta` for ``iaf_psc_exp`` neurons (propagators ``P11, P21, P22``,
    synaptic current ``I``)."""
    N = V.shape[0]
    R = ring.shape[0]
    L = fcnt.shape[1]
    n_stim = stim_step.shape[0]
    sp = sp0
    size = hi - lo
    for s in range(m):
        n = a + s
        row = ring[n % R]
        orow = ring[(n + D) % R]
        while sp < n_stim and stim_step[sp] <= n:
            t = stim_target[sp]
            if stim_step[sp] == n and lo <= t < hi:
                row[t] += stim_weight[sp]
            sp += 1
        base = lo * L + s * size
        n_fired = 0
        # the stream's state at this step's first draw of the block (in memory, not in
        # registers, during the loop)
        s0, s1, s2, s3 = bstate[b, 0], bstate[b, 1], bstate[b, 2], bstate[b, 3]
        for i in range(lo, hi):
            cur = I[i]
            if refr[i] > 0:
                refr[i] -= 1
            else:
                v = P22 * V[i] + P21 * cur + c_mu
                if v >= theta:
                    v = V_reset
                    refr[i] = ref_steps
                    fbuf[base + n_fired] = i
                    n_fired += 1
                V[i] = v
            I[i] = P11 * cur + row[i]
            row[i] = 0.0
            if has_drive:
                s0, s1, s2, s3, k = _poisson_count(s0, s1, s2, s3, cdf, guide)
                orow[i] += k * W_ext
        if has_drive and size < N:  # the next step starts N draws after this step's first
            s0, s1, s2, s3 = jump(bstate[b, 0], bstate[b, 1], bstate[b, 2], bstate[b, 3], jpoly)
        bstate[b, 0], bstate[b, 1], bstate[b, 2], bstate[b, 3] = s0, s1, s2, s3
        fcnt[b, s] = n_fired
        for j in range(vrec_ids.shape[0]):
            v_id = vrec_ids[j]
            if lo <= v_id < hi:
                vrec[j, n - n0] = V[v_id]


@njit(cache=True, nogil=True)
def _deliver_block(a, m, b, ring, D, bounds, fbuf, fcnt, NE, w_E, w_I, seg, gaps):
    """Add the spikes of steps ``a .. a + m - 1`` (all blocks, in order) to the ring-buffer
    entries of the targets in block ``b``, one delay later (synapses as in
    :class:`~mfkit.spiking.connectivity.BlockSynapses`)."""
    R = ring.shape[0]
    L = fcnt.shape[1]
    nb = bounds.shape[0] - 1
    lo = bounds[b]
    for s in range(m):
        orow = ring[(a + s + D) % R]
        for c in range(nb):
            base = bounds[c] * L + s * (bounds[c + 1] - bounds[c])
            for f in range(fcnt[c, s]):
                j = fbuf[base + f]
                w = w_E if j < NE else w_I
                t = lo
                for q in range(seg[j, b], seg[j, b + 1]):
                    t += gaps[q]
                    orow[t] += w


def _run_impl(exp, n0, n1, V, I, refr, ring, bstate, jpoly, bounds, seg, gaps,
              NE, P11, P21, P22, c_mu, theta, V_reset, ref_steps, D, W_E, W_I,
              W_ext, cdf, guide, has_drive,
              stim_step, stim_target, stim_weight, stim_ptr,
              rec_start, spk_step, spk_id, n_rec, fbuf, fcnt, vrec_ids, vrec):
    """Both kernels: supersteps of at most ``L`` steps; one parallel region per superstep, in
    which every thread first delivers the previous superstep's spikes to its own block of
    targets and then advances its block of neurons (``fbuf``/``fcnt`` alternate between two
    supersteps)."""
    nb = bounds.shape[0] - 1
    L = fcnt.shape[2]
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
            lo = bounds[b]
            hi = bounds[b + 1]
            _deliver_block(prev_a, prev_m, b, ring, D, bounds, fbuf[1 - cur], fcnt[1 - cur],
                           NE, W_E, W_I, seg, gaps)
            if exp:
                _update_exp(a, m, lo, hi, b, V, I, refr, ring, bstate, jpoly,
                            P11, P21, P22, c_mu, theta, V_reset, ref_steps, D, W_ext, cdf, guide,
                            has_drive, stim_step, stim_target, stim_weight, sp0, fbuf[cur],
                            fcnt[cur], n0, vrec_ids, vrec)
            else:
                _update_delta(a, m, lo, hi, b, V, I, refr, ring, bstate, jpoly,
                              P11, P21, P22, c_mu, theta, V_reset, ref_steps, D, W_ext, cdf, guide,
                              has_drive, stim_step, stim_target, stim_weight, sp0, fbuf[cur],
                              fcnt[cur], n0, vrec_ids, vrec)
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
        _deliver_block(prev_a, prev_m, b, ring, D, bounds, fbuf[1 - cur], fcnt[1 - cur],
                       NE, W_E, W_I, seg, gaps)
    n_rec[0] = nr


#: The driver on numba's threads (``prange``), and compiled without threads (``prange`` is
#: ``range``) for runs on one thread: these start no thread pool and hand no work to another
#: thread at every superstep, which a busy machine would delay.
_run_parallel = njit(cache=True, nogil=True, parallel=True)(renamed(_run_impl, "_run_parallel"))
_run_serial = njit(cache=True, nogil=True)(renamed(_run_impl, "_run_serial"))


def _run(*args):
    """:func:`_run_impl` on numba's threads if there are several blocks, else serially."""
    bounds = args[9]
    (_run_parallel if bounds.shape[0] > 2 else _run_serial)(*args)


def run_steps(n0, n1, V, refr, ring, bstate, jpoly, bounds, seg, gaps,
              NE, P33, c_mu, theta, V_reset, ref_steps, D, J_E, J_I,
              J_ext, cdf, guide, has_drive,
              stim_step, stim_target, stim_weight, stim_ptr,
              rec_start, spk_step, spk_id, n_rec, fbuf, fcnt, vrec_ids, vrec):
    """Advance the network from step ``n0`` to ``n1`` (exclusive), in place.

    The neurons are split into the blocks ``bounds[b] .. bounds[b + 1] - 1``, advanced in
    parallel (numba's threads, as many as ``numba.get_num_threads()``); the results do not
    depend on the blocks.  ``seg, gaps``: the synapses by block of targets
    (:class:`~mfkit.spiking.connectivity.BlockSynapses` on the same ``bounds``).
    ``bstate[b, :4]`` (uint64, rows of 8) is the drive stream at draw ``n0 N + bounds[b]``,
    ``jpoly = jump_poly(N)`` (see :mod:`._rng`); ``fbuf`` (int32,
    ``(2, N L)``) and ``fcnt`` (int64, ``(2, n_blocks, L)``) hold the neurons firing in two
    successive supersteps of at most ``L <= D`` steps.
    Spikes of steps ``>= rec_start`` are appended to ``spk_step``/``spk_id``
    (their number in ``n_rec[0]``); the caller sizes these buffers for the
    worst case (every neuron firing once per ``ref_steps + 1`` steps).
    The membrane potential of neurons ``vrec_ids`` after step ``n`` (at time
    ``(n + 1) dt``) is written to ``vrec[:, n - n0]``.
    """
    _run(False, n0, n1, V, V, refr, ring, bstate, jpoly, bounds, seg, gaps,
         NE, 0.0, 0.0, P33, c_mu, theta, V_reset, ref_steps, D, J_E, J_I, J_ext, cdf, guide,
         has_drive, stim_step, stim_target, stim_weight, stim_ptr,
         rec_start, spk_step, spk_id, n_rec, fbuf, fcnt, vrec_ids, vrec)


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


def run_steps_exp(n0, n1, V, I, refr, ring, bstate, jpoly, bounds, seg, gaps,
                  NE, P11, P21, P22, c_mu, theta, V_reset, ref_steps, D, W_E, W_I,
                  W_ext, cdf, guide, has_drive,
                  stim_step, stim_target, stim_weight, stim_ptr,
                  rec_start, spk_step, spk_id, n_rec, fbuf, fcnt, vrec_ids, vrec):
    """Advance a network of ``iaf_psc_exp`` neurons from step ``n0`` to ``n1``.

    Same arguments and buffers as :func:`run_steps`, plus the synaptic
    current ``I`` (pA, one per neuron; excitatory and inhibitory currents
    share ``tau_syn``, so their sum is one state variable) and the
    propagators of :func:`psc_exp_propagators`; the ring buffer and the
    weights ``W_E, W_I, W_ext`` hold current jumps in pA.  Step ``n``
    follows NEST's ``iaf_psc_exp::update``, for every neuron:

    1. if not refractory, ``V <- P22 V + P21 I + (1 - P22) mu_ext`` (exact
       over the step); otherwise count one refractory step down and leave
       ``V`` clamped at ``V_reset``;
    2. ``I <- P11 I`` plus the current jumps arriving in this step -- also
       during refractoriness: the current keeps evolving and collecting
       input, it only cannot move ``V`` until the clamp ends;
    3. if ``V >= theta``: spike (time stamp ``(n + 1) dt``), ``V <- V_reset``,
       refractory for the next ``round(t_ref / dt)`` steps.

    An input arriving in step ``n`` therefore moves ``V`` from step ``n + 1``
    on (the current starts at the end of step ``n``).
    """
    _run(True, n0, n1, V, I, refr, ring, bstate, jpoly, bounds, seg, gaps,
         NE, P11, P21, P22, c_mu, theta, V_reset, ref_steps, D, W_E, W_I, W_ext, cdf, guide,
         has_drive, stim_step, stim_target, stim_weight, stim_ptr,
         rec_start, spk_step, spk_id, n_rec, fbuf, fcnt, vrec_ids, vrec)
