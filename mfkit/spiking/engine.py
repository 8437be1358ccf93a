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
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._rng import step, to_unit

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


# Pieces shared by both kernels.  They are inlined into the kernels at numba's
# IR level (``inline="always"``), so each kernel compiles to the same loop as
# when the code was written out in it: same operations in the same order,
# hence the same random stream and bit-identical results.

@njit(inline="always")
def _inject_stimulus(n, row, stim_step, stim_target, stim_weight, sp):
    """Add the stimulus jumps of step ``n`` (sorted by step, from index ``sp``
    on) to ``row``; return the index of the first jump of a later step."""
    n_stim = stim_step.shape[0]
    while sp < n_stim and stim_step[sp] <= n:
        if stim_step[sp] == n:
            row[stim_target[sp]] += stim_weight[sp]
        sp += 1
    return sp


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


@njit(inline="always")
def _deliver_spikes(n, fired, n_fired, NE, w_E, w_I, indptr, targets, orow,
                    rec_start, spk_step, spk_id, nr):
    """Send the spikes of step ``n`` (neurons ``fired[:n_fired]``) to their CSR
    targets in ring row ``orow`` (weight ``w_E`` from neurons ``< NE``, else
    ``w_I``) and, from step ``rec_start`` on, append them to
    ``spk_step``/``spk_id`` from index ``nr``; return the new count."""
    for f in range(n_fired):
        j = fired[f]
        w = w_E if j < NE else w_I
        for s in range(indptr[j], indptr[j + 1]):
            orow[targets[s]] += w
        if n >= rec_start:
            spk_step[nr] = n
            spk_id[nr] = j
            nr += 1
    return nr


@njit(cache=True, nogil=True)
def run_steps(n0, n1, V, refr, ring, rng_state, indptr, targets,
              NE, P33, c_mu, theta, V_reset, ref_steps, D, J_E, J_I,
              J_ext, cdf, guide, has_drive,
              stim_step, stim_target, stim_weight, stim_ptr,
              rec_start, spk_step, spk_id, n_rec, fired, vrec_ids, vrec):
    """Advance the network from step ``n0`` to ``n1`` (exclusive), in place.

    Spikes of steps ``>= rec_start`` are appended to ``spk_step``/``spk_id``
    (their number in ``n_rec[0]``); the caller sizes these buffers for the
    worst case (every neuron firing once per ``ref_steps + 1`` steps).
    The membrane potential of neurons ``vrec_ids`` after step ``n`` (at time
    ``(n + 1) dt``) is written to ``vrec[:, n - n0]``.
    """
    N = V.shape[0]
    R = ring.shape[0]
    sp = stim_ptr[0]
    nr = n_rec[0]
    s0, s1, s2, s3 = rng_state[0], rng_state[1], rng_state[2], rng_state[3]
    for n in range(n0, n1):
        slot = n % R
        out_slot = (n + D) % R
        row = ring[slot]
        orow = ring[out_slot]
        sp = _inject_stimulus(n, row, stim_step, stim_target, stim_weight, sp)
        n_fired = 0
        for i in range(N):
            x = row[i]
            row[i] = 0.0
            if refr[i] > 0:
                refr[i] -= 1
            else:
                v = P33 * V[i] + c_mu + x
                if v >= theta:
                    v = V_reset
                    refr[i] = ref_steps
                    fired[n_fired] = i
                    n_fired += 1
                V[i] = v
            if has_drive:
                s0, s1, s2, s3, k = _poisson_count(s0, s1, s2, s3, cdf, guide)
                orow[i] += k * J_ext
        for j in range(vrec_ids.shape[0]):
            vrec[j, n - n0] = V[vrec_ids[j]]
        nr = _deliver_spikes(n, fired, n_fired, NE, J_E, J_I, indptr, targets, orow,
                             rec_start, spk_step, spk_id, nr)
    rng_state[0], rng_state[1], rng_state[2], rng_state[3] = s0, s1, s2, s3
    stim_ptr[0] = sp
    n_rec[0] = nr


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


@njit(cache=True, nogil=True)
def run_steps_exp(n0, n1, V, I, refr, ring, rng_state, indptr, targets,
                  NE, P11, P21, P22, c_mu, theta, V_reset, ref_steps, D, W_E, W_I,
                  W_ext, cdf, guide, has_drive,
                  stim_step, stim_target, stim_weight, stim_ptr,
                  rec_start, spk_step, spk_id, n_rec, fired, vrec_ids, vrec):
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
    N = V.shape[0]
    R = ring.shape[0]
    sp = stim_ptr[0]
    nr = n_rec[0]
    s0, s1, s2, s3 = rng_state[0], rng_state[1], rng_state[2], rng_state[3]
    for n in range(n0, n1):
        slot = n % R
        out_slot = (n + D) % R
        row = ring[slot]
        orow = ring[out_slot]
        sp = _inject_stimulus(n, row, stim_step, stim_target, stim_weight, sp)
        n_fired = 0
        for i in range(N):
            cur = I[i]
            if refr[i] > 0:
                refr[i] -= 1
            else:
                v = P22 * V[i] + P21 * cur + c_mu
                if v >= theta:
                    v = V_reset
                    refr[i] = ref_steps
                    fired[n_fired] = i
                    n_fired += 1
                V[i] = v
            I[i] = P11 * cur + row[i]
            row[i] = 0.0
            if has_drive:
                s0, s1, s2, s3, k = _poisson_count(s0, s1, s2, s3, cdf, guide)
                orow[i] += k * W_ext
        for j in range(vrec_ids.shape[0]):
            vrec[j, n - n0] = V[vrec_ids[j]]
        nr = _deliver_spikes(n, fired, n_fired, NE, W_E, W_I, indptr, targets, orow,
                             rec_start, spk_step, spk_id, nr)
    rng_state[0], rng_state[1], rng_state[2], rng_state[3] = s0, s1, s2, s3
    stim_ptr[0] = sp
    n_rec[0] = nr
