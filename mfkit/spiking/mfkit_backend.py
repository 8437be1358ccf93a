"""Backend ``"mfkit"``: build a :class:`~mfkit.spiking.model.SpikingModel` for the numba engine and run it.

Called by the dispatcher :mod:`mfkit.spiking.dispatch` (which checks the arguments and the memory
first); imports the engine (:mod:`.engine`), the connectivity (:mod:`.connectivity`) and the shared
pieces, never the dispatcher.
"""
from __future__ import annotations

import math
import time
from types import SimpleNamespace

import numpy as np

from . import _memory
from ._common import C_M, psc_amplitude
from ._rng import advance, jump_poly, make_states
from ._sampling import inversion_tables, poisson_tables, stacked_tables
from ._threads import numba_threads
from .connectivity import MAX_BLOCK, block_synapses
from .engine import count_type, input_tables, psc_exp_propagators, run_steps
from .model import SpikingModel, delay_step_pmf

__all__ = ["run_mfkit", "n_blocks", "delay_steps", "weight_classes"]


#: With several threads, blocks hold at most this many neurons: a block's rows of the ring buffer
#: then stay in its core's cache while its spikes are counted and its neurons advanced (the
#: microcircuit on 2 threads: 14 % faster than blocks of 65,536; blocks of 2,048 are slower).
CACHE_BLOCK = 8192


def n_blocks(N: int, threads: int) -> int:
    """Blocks of neurons of the engine: at least one per thread, at most ``MAX_BLOCK`` neurons each
    (:data:`CACHE_BLOCK` with several threads).  The results do not depend on the blocks."""
    largest = MAX_BLOCK if threads == 1 else CACHE_BLOCK
    return min(max(threads, -(-N // largest)), N)


def delay_steps(model: SpikingModel, dt: float) -> SimpleNamespace:
    """The delays in steps: ``uniform`` (one delay for every synapse, or None), the laws of
    every connection (:func:`~mfkit.spiking.model.delay_step_pmf`) as inversion ``tables``
    (None when uniform), the shortest and the longest delay ``D_min``, ``D_max`` (steps, of the
    connections that have synapses)."""
    P = model.n_populations
    uniform = model.uniform_delay()
    if uniform is not None:
        D = int(np.flatnonzero(delay_step_pmf(uniform, 0.0, "fixed", dt))[0])
        return SimpleNamespace(uniform=D, tables=None, D_min=D, D_max=D)
    used = model.synapses > 0
    if not used.any():  # no synapses: nothing to draw (one step for the drive's delay)
        used = np.ones((P, P), dtype=bool)
    pmfs: dict = {}
    laws = []
    for a in range(P):
        for b in range(P):
            key = (float(model.delay[a, b]), float(model.delay_sd[a, b]))
            if used[a, b] and key not in pmfs:
                pmfs[key] = delay_step_pmf(*key, model.delay_distribution, dt)
            laws.append(inversion_tables(np.cumsum(pmfs[key])) if used[a, b] else inversion_tables(np.eye(2)[1]))
    support = [np.flatnonzero(pmf) for pmf in pmfs.values()]
    cdf, guide = stacked_tables(laws)
    return SimpleNamespace(uniform=None, tables=(cdf.reshape(P, P, -1), guide.reshape(P, P, -1)),
                           D_min=int(min(s[0] for s in support)), D_max=int(max(s[-1] for s in support)))


def weight_classes(J: np.ndarray) -> np.ndarray:
    """``source_class[b]``: source populations whose weights ``J[:, b]`` onto every target are equal
    share a class (one row of counts in the engine's ring buffer), numbered in the order of their
    first population (Brunel's E and I: 0 and 1; the microcircuit: E populations but L4E, L4E,
    inhibitory populations)."""
    classes: dict[bytes, int] = {}
    return np.array([classes.setdefault(np.ascontiguousarray(J[:, b]).tobytes(), len(classes))
                     for b in range(J.shape[1])], dtype=np.int64)


def _engine_units(model: SpikingModel, dt: float, mu_ext: np.ndarray):
    """Per population: ``params`` rows ``(P11, P21, P22, c_mu, theta, V_reset)``, whether the
    synapses are exponential currents, and the weights in the engine's units (mV, or pA of the
    same charge for ``iaf_psc_exp``; :func:`psc_amplitude`): ``W[target, source]`` and ``W_ext``."""
    P = model.n_populations
    params = np.zeros((P, 6))
    is_exp = model.tau_syn > 0
    for a in range(P):
        if is_exp[a]:
            P11, P21, P22 = psc_exp_propagators(dt, model.tau_m[a], model.tau_syn[a], C_M)
        else:
            P11, P21, P22 = 0.0, 0.0, math.exp(-dt / model.tau_m[a])
        params[a] = (P11, P21, P22, (1.0 - P22) * mu_ext[a], model.theta[a], model.V_reset[a])
    # the jump J becomes the current J C_m / tau_syn computed as in psc_amplitude (same rounding)
    W = np.array([[psc_amplitude(model.J[a, b], model.tau_syn[a]) if is_exp[a] else model.J[a, b]
                   for b in range(P)] for a in range(P)])
    W_ext = np.array([psc_amplitude(model.J_ext[a], model.tau_syn[a]) if is_exp[a] else model.J_ext[a]
                      for a in range(P)])
    return params, is_exp, W, W_ext


def run_mfkit(model: SpikingModel, run: SimpleNamespace, stim, V0: np.ndarray, vids: np.ndarray, bar,
              t_start: float):
    """Build and simulate the network with the numba engine.

    ``run``: the checked run (dt, steps, seed, threads, ``ref_steps`` per population, ``delays`` of
    :func:`delay_steps`, ``mu_ext`` per population).  Returns ``(times, senders, n_synapses,
    timings, V_m, threading_layer)`` as :func:`.nest_backend.run_nest`.
    """
    dt, n_warm, n_sim = run.dt, run.n_warm, run.n_sim
    N, P = model.N, model.n_populations
    offsets = model.offsets
    delays = run.delays
    conn_state, drive_state, delay_state = make_states(run.seed, 3)
    # blocks of neurons: one per thread, and at most MAX_BLOCK neurons each (the results do not
    # depend on the blocks)
    nb = n_blocks(N, run.threads)
    bounds = np.array([(b * N) // nb for b in range(nb + 1)], dtype=np.int64)
    # the in-degree of every neuron from every population (a multinomial draw from a fourth stream of the
    # seed for fixed total numbers of synapses)
    K = model.in_degrees(np.random.default_rng(np.random.SeedSequence(run.seed).spawn(4)[3]))
    with numba_threads(run.threads, parallel=nb > 1) as layer:
        syn = block_synapses(offsets, K, conn_state, bounds, delays.tables, delay_state)
    params, is_exp, W, W_ext = _engine_units(model, dt, run.mu_ext)
    cdf, guide = stacked_tables([poisson_tables(r * dt * 1e-3) for r in model.rate_ext])
    # stimulus jumps into iaf_psc_exp neurons: currents of the same charge
    stim_pop = np.searchsorted(offsets, stim[1], side="right") - 1
    stim_w = np.array(stim[2], dtype=np.float64)
    to_exp = is_exp[stim_pop]
    stim_w[to_exp] = psc_amplitude(stim_w[to_exp], model.tau_syn[stim_pop[to_exp]])
    neuron = (params, np.asarray(run.ref_steps, dtype=np.int64), is_exp.astype(np.bool_))
    D_drive = delays.D_min  # the drive arrives after the shortest delay (the seed network: its one delay)
    source_class = weight_classes(model.J)
    C = int(source_class.max()) + 1
    first = [int(np.flatnonzero(source_class == c)[0]) for c in range(C)]
    W_class = np.ascontiguousarray(W[:, first])  # the weight of each class onto each target population
    # the largest in-degree of each population from each class (the ring buffer's type, the tables)
    per_class = np.stack([K[:, source_class == c].sum(axis=1) for c in range(C)], axis=1)
    K_class = np.array([per_class[lo:hi].max(axis=0) if hi > lo else np.zeros(C, dtype=np.int64)
                        for lo, hi in zip(offsets[:-1], offsets[1:])])
    drive = (cdf, guide, W_ext, W_class, D_drive)
    tables = input_tables(cdf, K_class, W_ext, W_class)
    V = V0
    refr = np.zeros(N, dtype=np.int32)
    I_syn = np.zeros(N if is_exp.any() else 0, dtype=np.float64)
    # rows of the ring buffer: the longest delay drawn (the law's support reaches further, with a
    # tail of 1e-17: the microcircuit draws at most ~60 steps of its ~80), the shortest its superstep
    R = int(syn.delays.max()) if syn.delays.size else delays.D_max
    L = delays.D_min
    ring = np.zeros((C, R, N), dtype=count_type(K_class.max()))
    # the drive stream at each block's first neuron (a row of 64 bytes per block: the threads
    # update them at every step and should not share a cache line)
    bstate = np.zeros((nb, 8), dtype=np.uint64)
    for b in range(nb):
        bstate[b, :4] = advance(drive_state, int(bounds[b]))
    jpoly = jump_poly(N)
    # the neurons firing in two successive supersteps of <= L steps (see engine)
    fbuf = np.empty((2, N * L), dtype=np.int32)
    fcnt = np.zeros((2, nb, L), dtype=np.int64)
    stim_ptr = np.zeros(1, dtype=np.int64)
    t_built = time.perf_counter()

    # blocks of steps: progress updates and bounded spike buffers (a neuron
    # fires at most once per ref_steps + 1 steps)
    total = n_warm + n_sim
    ref_min = int(np.min(run.ref_steps))
    block = _memory.block_steps(N, ref_min)
    cap = _memory.spike_capacity(N, block, ref_min)
    spk_step = np.empty(cap, dtype=np.int64)
    spk_id = np.empty(cap, dtype=np.int32)
    n_rec = np.zeros(1, dtype=np.int64)
    steps_out, ids_out = [], []
    vrec = np.empty((vids.size, block), dtype=np.float64)
    V_m = np.empty((vids.size, n_sim), dtype=np.float64)
    D_uniform = delays.uniform if delays.uniform is not None else 0
    n = 0
    with numba_threads(run.threads, parallel=nb > 1):
        while n < total:
            n1 = min(n + block, total)
            n_rec[0] = 0
            run_steps(n, n1, V, I_syn, refr, ring, bstate, jpoly, bounds, syn.seg, syn.gaps, syn.delays,
                      D_uniform, offsets, source_class, neuron, drive, tables, (stim[0], stim[1], stim_w), stim_ptr,
                      n_warm, spk_step, spk_id, n_rec, fbuf, fcnt, vids, vrec)
            if vids.size and n1 > n_warm:
                a = max(n, n_warm)
                V_m[:, a - n_warm:n1 - n_warm] = vrec[:, a - n:n1 - n]
            k = int(n_rec[0])
            if k:
                steps_out.append(spk_step[:k].copy())
                ids_out.append(spk_id[:k].copy())
            n = n1
            if bar is not None:
                bar.update(n * dt)
    t_done = time.perf_counter()
    steps_ = np.concatenate(steps_out) if steps_out else np.zeros(0, dtype=np.int64)
    ids = np.concatenate(ids_out) if ids_out else np.zeros(0, dtype=np.int32)
    del steps_out, ids_out
    times = (steps_ + 1) * dt
    timings = {"build": t_built - t_start, "simulate": t_done - t_built}
    return times, ids, syn.n_synapses, timings, V_m, layer
