"""Backend ``"nest"``: the same network built and run in NEST (Gewaltig & Diesmann 2007).

This is the way to scale the experiment out (threads, MPI) with an
established engine.  The construction follows NEST's ``brunel_delta_nest.py``:
``iaf_psc_delta`` neurons (``C_m = 1``, ``E_L = 0``), one ``poisson_generator``
connected to every neuron (each target receives its own Poisson train) with
weight ``J`` and the synaptic delay, and ``fixed_indegree`` connections from
the excitatory and from the inhibitory population (NEST's defaults: autapses
and multapses allowed).  A single ``spike_recorder`` records every neuron in
``(t_warmup, t_warmup + t_sim]``.

With ``tau_syn > 0`` the neurons are ``iaf_psc_exp`` (``tau_syn_ex =
tau_syn_in = tau_syn``, same ``C_m``) and every weight -- recurrent, Poisson
drive and stimulus -- is the current jump ``J C_m / tau_syn`` (pA) that carries
the charge of the delta synapse of weight ``J`` (mV); see
:func:`mfkit.spiking.psc_amplitude`.

This module is called by the dispatcher :mod:`mfkit.spiking.simulate` (which checks the
arguments and the memory first) and imports only the shared pieces of :mod:`._common`.
"""
from __future__ import annotations

import os
import time

import numpy as np

from ._common import C_M, psc_amplitude

__all__ = ["nest_available", "import_nest", "run_nest", "THREADING_LAYER"]

#: The threading layer a NEST run records (:attr:`mfkit.spiking.SpikingResult.threading_layer`):
#: NEST's own threads (OpenMP), ``local_num_threads`` of them; numba's are not used.
THREADING_LAYER = "nest"


def nest_available() -> bool:
    """True when NEST can be imported (``pip install nest-simulator``)."""
    os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        import nest  # noqa: F401
    except Exception:  # ImportError, or a broken installation
        return False
    return True


def import_nest():
    """Import NEST without its banner, with only errors reported (``ImportError`` if missing)."""
    os.environ.setdefault("PYNEST_QUIET", "1")
    try:
        import nest
    except Exception as exc:  # pragma: no cover - depends on the environment
        raise ImportError('backend="nest" needs NEST: pip install "mfkit[nest]" '
                          "(or nest-simulator)") from exc
    _quiet(nest)
    return nest


def _quiet(nest):
    try:
        nest.verbosity = nest.VerbosityLevel.ERROR
    except AttributeError:  # pragma: no cover - older NEST 3.x
        nest.set_verbosity("M_ERROR")


def run_nest(p, *, dt, n_warm, n_sim, seed, mu_ext, stimulus, V0, threads, bar=None, record_V=()):
    """Build and simulate the network in NEST.

    ``p`` are the checked parameters of :func:`mfkit.spiking.network_params`, ``bar`` a
    :class:`._common.Progress` to update (or None).  Returns ``(times, senders, n_synapses,
    timings, V_m, threading_layer)`` with senders numbered from 0 (E first, then I), times of the
    window ``(t_warmup, t_end]`` and :data:`THREADING_LAYER`.
    """
    nest = import_nest()
    t0 = time.perf_counter()
    nest.ResetKernel()
    _quiet(nest)
    nest.SetKernelStatus({
        "resolution": dt,
        "rng_seed": int(seed) % (2**31 - 2) + 1,  # NEST needs a seed >= 1
        "local_num_threads": int(threads),
        "print_time": False,
    })
    NE, NI, CE, CI = p["NE"], p["NI"], p["CE"], p["CI"]
    N = NE + NI
    t_warmup, t_end = n_warm * dt, (n_warm + n_sim) * dt
    C_m = C_M
    tau_syn = float(p.get("tau_syn", 0.0))
    params = {"C_m": C_m, "tau_m": p["tau_m"], "t_ref": p["t_ref"], "E_L": 0.0,
              "V_reset": p["V_reset"], "V_m": 0.0, "V_th": p["theta"],
              "I_e": mu_ext * C_m / p["tau_m"]}
    if tau_syn > 0:
        params.update(tau_syn_ex=tau_syn, tau_syn_in=tau_syn)

        def weight(J):  # current jump (pA) of the same charge as a PSP jump J (mV)
            return psc_amplitude(J, tau_syn, C_m)
    else:
        def weight(J):
            return J
    nodes = nest.Create("iaf_psc_exp" if tau_syn > 0 else "iaf_psc_delta", N, params=params)
    if np.any(V0 != 0.0):
        nodes.V_m = [float(v) for v in V0]
    first = nodes[0].global_id
    nodes_ex, nodes_in = nodes[:NE], (nodes[NE:] if NI else None)
    syn_ex = {"synapse_model": "static_synapse", "weight": weight(p["J"]), "delay": p["delay"]}
    syn_in = {"synapse_model": "static_synapse", "weight": weight(-p["g"] * p["J"]), "delay": p["delay"]}
    if p["p_rate"] > 0:
        noise = nest.Create("poisson_generator", params={"rate": p["p_rate"]})
        nest.Connect(noise, nodes, syn_spec=syn_ex)
    recorder = nest.Create("spike_recorder", params={"start": t_warmup, "stop": t_end})
    nest.Connect(nodes, recorder)
    record_V = [int(i) for i in record_V]
    if record_V:
        meter = nest.Create("multimeter", params={"interval": dt, "record_from": ["V_m"]})
        nest.Connect(meter, nest.NodeCollection(sorted({first + i for i in record_V})))
    n_before = int(nest.GetKernelStatus("num_connections"))
    if CE > 0:
        nest.Connect(nodes_ex, nodes, {"rule": "fixed_indegree", "indegree": CE}, syn_ex)
    if CI > 0:
        nest.Connect(nodes_in, nodes, {"rule": "fixed_indegree", "indegree": CI}, syn_in)
    n_syn = int(nest.GetKernelStatus("num_connections")) - n_before
    steps, targets, weights = stimulus
    for k, i, w in zip(steps, targets, weights):
        # arrival in step k (at (k + 1) dt) = emission at k dt + one step of delay
        if k < 1:
            raise ValueError(f"backend='nest' needs stimulus times >= 2 dt = {2 * dt} ms")
        gen = nest.Create("spike_generator", params={"spike_times": [round(k * dt, 10)]})
        nest.Connect(gen, nodes[int(i)], syn_spec={"weight": float(weight(w)), "delay": dt})
    t1 = time.perf_counter()
    chunk = 100.0
    done = 0.0
    # the multimeter samples V(t) during the step that starts at t: one more
    # step is needed for the sample at t_end (spikes stop at t_end anyway)
    t_run = t_end + (dt if record_V else 0.0)
    nest.Prepare()
    while done < t_run - 1e-9:
        h = min(chunk, t_run - done)
        nest.Run(h)
        done += h
        if bar is not None:
            bar.update(done)
    nest.Cleanup()
    t2 = time.perf_counter()
    ev = recorder.get("events")
    times = np.asarray(ev["times"], dtype=float)
    senders = np.asarray(ev["senders"], dtype=np.int64) - first
    V_m = np.zeros((len(record_V), n_sim))
    if record_V:
        mev = meter.get("events")
        mt = np.asarray(mev["times"], dtype=float)
        ms = np.asarray(mev["senders"], dtype=np.int64) - first
        mv = np.asarray(mev["V_m"], dtype=float)
        col = np.rint(mt / dt).astype(np.int64) - 1 - n_warm
        keep = (col >= 0) & (col < n_sim)
        for row, i in enumerate(record_V):
            sel = keep & (ms == i)
            V_m[row, col[sel]] = mv[sel]
    return times, senders, n_syn, {"build": t1 - t0, "simulate": t2 - t1}, V_m, THREADING_LAYER
