"""The time-driven numba kernel for networks of ``iaf_psc_delta`` neurons.

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

__all__ = ["poisson_tables", "run_steps"]


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
    G = guide.shape[0]
    n_stim = stim_step.shape[0]
    sp = stim_ptr[0]
    nr = n_rec[0]
    s0, s1, s2, s3 = rng_state[0], rng_state[1], rng_state[2], rng_state[3]
    for n in range(n0, n1):
        slot = n % R
        out_slot = (n + D) % R
        row = ring[slot]
        orow = ring[out_slot]
        while sp < n_stim and stim_step[sp] <= n:
            if stim_step[sp] == n:
                row[stim_target[sp]] += stim_weight[sp]
            sp += 1
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
                s0, s1, s2, s3, r = step(s0, s1, s2, s3)
                u = to_unit(r)
                k = guide[int(u * G)]
                while cdf[k] <= u:
                    k += 1
                orow[i] += k * J_ext
        for j in range(vrec_ids.shape[0]):
            vrec[j, n - n0] = V[vrec_ids[j]]
        for f in range(n_fired):
            j = fired[f]
            w = J_E if j < NE else J_I
            for s in range(indptr[j], indptr[j + 1]):
                orow[targets[s]] += w
            if n >= rec_start:
                spk_step[nr] = n
                spk_id[nr] = j
                nr += 1
    rng_state[0], rng_state[1], rng_state[2], rng_state[3] = s0, s1, s2, s3
    stim_ptr[0] = sp
    n_rec[0] = nr
