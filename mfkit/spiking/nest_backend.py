"""Backend ``"nest"``: the same network built and run in NEST (Gewaltig & Diesmann 2007).

This is the way to scale the experiment out (threads, MPI) with an
established engine.  Any :class:`~mfkit.spiking.model.SpikingModel` is built
the way NEST's ``brunel_delta_nest.py`` builds the Brunel network:
``iaf_psc_delta`` neurons (``C_m = 1``, ``E_L = 0``) per population, a
``poisson_generator`` connected to every neuron of a population (each target
receives its own Poisson train) with its drive's weight, and
``fixed_indegree`` (or ``fixed_total_number``) connections from every source
population (NEST's defaults: autapses and multapses allowed), delays fixed or drawn per synapse
(``nest.random``).  A single ``spike_recorder`` records every neuron in
``(t_warmup, t_warmup + t_sim]``.

Where ``tau_syn > 0`` the neurons are ``iaf_psc_exp`` (``tau_syn_ex =
tau_syn_in = tau_syn``, same ``C_m``) and every weight into them -- recurrent,
Poisson drive and stimulus -- is the current jump ``J C_m / tau_syn`` (pA) that
carries the charge of the delta synapse of weight ``J`` (mV); see
:func:`mfkit.spiking.psc_amplitude`.

This module is called by the dispatcher :mod:`mfkit.spiking.dispatch` (which checks the
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
#: Connections NEST stores per thread (virtual process) and synapse model, with a margin (NEST 3.x:
#: 134,217,726).
MAX_PER_MODEL = 100_000_000


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


def _drive_delay(model, a) -> float:
    """The delay of the drive into population ``a``: the connections' delay when all are fixed and
    equal (NEST's Brunel example), else the shortest mean delay (it only shifts the drive's start)."""
    uniform = model.uniform_delay()
    return uniform if uniform is not None else float(model.delay.min())


def _runs(keys: list) -> list[tuple[int, int]]:
    """Maximal runs ``[i, j)`` of equal consecutive ``keys``."""
    out, i = [], 0
    for j in range(1, len(keys) + 1):
        if j == len(keys) or keys[j] != keys[i]:
            out.append((i, j))
            i = j
    return out


def _delay_spec(nest, model, a, b, dt):
    """NEST's delay of connection ``b -> a``: the fixed value, or a draw per synapse from the
    distribution, redrawn below ``dt / 2`` (NEST rounds delays to the step; the mfkit engine puts
    the mass below 1.5 ``dt`` on one step, see :mod:`.model`)."""
    d, sd = float(model.delay[a, b]), float(model.delay_sd[a, b])
    if model.delay_distribution == "fixed":
        return d
    law = nest.random.normal(mean=d, std=sd) if model.delay_distribution == "truncated_gaussian" \
        else nest.random.exponential(beta=d)
    return nest.math.redraw(law, min=0.5 * dt, max=float("inf"))


def run_nest(model, *, dt, n_warm, n_sim, seed, stimulus, V0, threads, bar=None, record_V=()):
    """Build and simulate the network in NEST.

    ``model`` is the :class:`~mfkit.spiking.model.SpikingModel` (checked by the dispatcher),
    ``bar`` a :class:`._common.Progress` to update (or None).  Populations are created in order;
    consecutive populations with identical neurons (or drive, or connections from one source
    population) share one ``Create`` (``Connect``), so that the Brunel network is built as NEST's
    example builds it.  Returns ``(times, senders, n_synapses, timings, V_m, threading_layer)``
    with senders numbered from 0 (population after population), times of the window
    ``(t_warmup, t_end]`` and :data:`THREADING_LAYER`.
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
    P = model.n_populations
    off = model.offsets
    N = model.N
    t_warmup, t_end = n_warm * dt, (n_warm + n_sim) * dt
    C_m = C_M
    is_exp = model.tau_syn > 0

    def weight(J, a):  # the weight into population a: current jump (pA) of the same charge for iaf_psc_exp
        return float(psc_amplitude(J, model.tau_syn[a], C_m)) if is_exp[a] else float(J)

    def neuron(a):
        params = {"C_m": C_m, "tau_m": float(model.tau_m[a]), "t_ref": float(model.t_ref[a]), "E_L": 0.0,
                  "V_reset": float(model.V_reset[a]), "V_m": 0.0, "V_th": float(model.theta[a]),
                  "I_e": float(model.mu_ext[a]) * C_m / float(model.tau_m[a])}
        if is_exp[a]:
            params.update(tau_syn_ex=float(model.tau_syn[a]), tau_syn_in=float(model.tau_syn[a]))
        return ("iaf_psc_exp" if is_exp[a] else "iaf_psc_delta", tuple(sorted(params.items())))

    kinds = [neuron(a) for a in range(P)]
    parts = []
    for i, j in _runs(kinds):
        name, params = kinds[i]
        parts.append(nest.Create(name, int(off[j] - off[i]), params=dict(params)))
    nodes = parts[0]
    for part in parts[1:]:
        nodes = nodes + part
    if np.any(V0 != 0.0):
        nodes.V_m = [float(v) for v in V0]
    first = nodes[0].global_id

    def pops(i, j):
        return nodes[int(off[i]):int(off[j])]

    # the external drive: one generator per run of populations with the same rate and weight
    drive = [(float(model.rate_ext[a]), weight(model.J_ext[a], a), _drive_delay(model, a)) for a in range(P)]
    for i, j in _runs(drive):
        rate, w, d = drive[i]
        if rate > 0:
            noise = nest.Create("poisson_generator", params={"rate": rate})
            nest.Connect(noise, pops(i, j), syn_spec={"synapse_model": "static_synapse", "weight": w, "delay": d})
    recorder = nest.Create("spike_recorder", params={"start": t_warmup, "stop": t_end})
    nest.Connect(nodes, recorder)
    record_V = [int(i) for i in record_V]
    if record_V:
        meter = nest.Create("multimeter", params={"interval": dt, "record_from": ["V_m"]})
        nest.Connect(meter, nest.NodeCollection(sorted({first + i for i in record_V})))
    n_before = int(nest.GetKernelStatus("num_connections"))
    # NEST stores at most MAX_PER_MODEL connections per thread and synapse model: a larger network
    # (the microcircuit on 2 threads) gets a copy of static_synapse per source population
    split = model.n_synapses / max(int(threads), 1) > MAX_PER_MODEL
    for b in range(P):  # by source population, its targets in runs of equal connections
        synapse_model = "static_synapse"
        if split:
            synapse_model = f"mfkit_static_{b}"
            nest.CopyModel("static_synapse", synapse_model)
        conn = [(int(model.K[a, b]), weight(model.J[a, b], a), float(model.delay[a, b]), float(model.delay_sd[a, b]))
                for a in range(P)]
        total = model.connectivity == "fixed_total_number"  # one Connect per connection: its own total
        for i, j in ([(a, a + 1) for a in range(P)] if total else _runs(conn)):
            if model.synapses[i:j, b].sum() > 0:
                syn = {"synapse_model": synapse_model, "weight": conn[i][1],
                       "delay": _delay_spec(nest, model, i, b, dt)}
                rule = {"rule": "fixed_total_number", "N": int(model.synapses[i, b])} if total else \
                    {"rule": "fixed_indegree", "indegree": conn[i][0]}
                nest.Connect(pops(b, b + 1), pops(i, j), rule, syn)
    n_syn = int(nest.GetKernelStatus("num_connections")) - n_before
    steps, targets, weights = stimulus
    for k, i, w in zip(steps, targets, weights):
        # arrival in step k (at (k + 1) dt) = emission at k dt + one step of delay
        if k < 1:
            raise ValueError(f"backend='nest' needs stimulus times >= 2 dt = {2 * dt} ms")
        gen = nest.Create("spike_generator", params={"spike_times": [round(k * dt, 10)]})
        a = int(np.searchsorted(off, i, side="right") - 1)
        nest.Connect(gen, nodes[int(i)], syn_spec={"weight": weight(w, a), "delay": dt})
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
