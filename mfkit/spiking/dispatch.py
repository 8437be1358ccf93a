"""The spiking twin: :func:`simulate` for any network of LIF populations, :func:`simulate_brunel` for Brunel's.

The dispatcher checks the arguments (every failure a ValueError naming the argument and its range),
turns the network into a :class:`~mfkit.spiking.model.SpikingModel`, refuses a run whose memory
estimate does not fit before anything is allocated, and hands the model to a backend
(:mod:`.mfkit_backend` or :mod:`.nest_backend`); both return the same raw spikes, from which the
:class:`SpikingResult` is built here."""
from __future__ import annotations

import time
from types import SimpleNamespace

import numpy as np

from . import _memory
from ..brunel import BrunelNetwork
from ..neuron import NEURON_PARAMS, check_neuron_params
from ._checks import integer_in, number_in, real, steps_of
from ._common import C_M, Progress, in_notebook, psc_amplitude
from ._threads import resolve_threads
from .mfkit_backend import delay_steps, n_blocks, run_mfkit
from .model import SpikingModel, brunel_model, check_spiking_model, spiking_model
from .result import SpikingResult

__all__ = ["simulate", "simulate_brunel", "network_params", "psc_amplitude", "C_M"]

_REQUIRED = ("NE", "NI", "CE", "CI", "J", "g", "p_rate", "tau_m", "t_ref", "theta", "V_reset", "delay")
#: Most neurons: the engine numbers them with int32.
MAX_NEURONS = 2**31 - 1
#: ``progress=None`` shows a bar for runs of at least this many neuron updates (outside Jupyter).
PROGRESS_UPDATES = 5e7
#: Most Poisson drive spikes per neuron and step (mean): bounds the sampling table.
MAX_DRIVE_PER_STEP = 1e6
#: Most time steps of a run (times stay exact in double precision).
MAX_STEPS = 2**53


def _default_network():
    """The seed network (NEST's ``brunel_delta_nest.py``)."""
    return BrunelNetwork()


def network_params(network) -> dict:
    """Read and check the parameters the simulation needs from ``network``.

    Any object with the attributes ``NE, NI, CE, CI`` (int), ``J, g`` (mV,
    weights ``J`` and ``-g J``), ``p_rate`` (Hz, Poisson drive per neuron of
    weight ``J``), ``tau_m, t_ref, theta, V_reset, delay`` (ms, mV) and
    optionally ``tau_syn`` (ms, >= 0; 0 or missing: delta synapses,
    ``> 0``: exponentially decaying synaptic currents) will do, e.g.
    :class:`mfkit.BrunelNetwork`.

    Allowed ranges (a ValueError names the attribute and its range otherwise):
    ``NE >= 1``, ``NI, CE, CI >= 0`` (integers), ``NE + NI <= 2**31 - 1``,
    ``CI = 0`` if ``NI = 0``; ``p_rate >= 0`` Hz; ``tau_m > 0``, ``t_ref >= 0``,
    ``delay > 0``, ``tau_syn >= 0`` (ms); ``theta > V_reset``; every number
    finite.  ``CE`` may exceed ``NE`` (and ``CI`` exceed ``NI``): the sources
    are drawn with replacement, as by NEST's ``fixed_indegree`` rule with its
    default ``allow_multapses=True``, so a neuron then receives several
    synapses from the same source.
    """
    missing = [a for a in _REQUIRED if not hasattr(network, a)]
    if missing:
        raise ValueError(f"network lacks attribute(s) {', '.join(missing)} "
                         f"(expected e.g. mfkit.BrunelNetwork)")
    p = {name: integer_in(f"network.{name}", getattr(network, name), lo)
         for name, lo in (("NE", 1), ("NI", 0), ("CE", 0), ("CI", 0))}
    if p["NE"] + p["NI"] > MAX_NEURONS:
        raise ValueError(f"network.NE + network.NI must be <= {MAX_NEURONS} (int32 neuron indices), "
                         f"got {p['NE'] + p['NI']}")
    if p["CI"] > 0 and p["NI"] == 0:
        raise ValueError(f"network.CI must be 0 when network.NI is 0, got {p['CI']}")
    for name, unit in (("J", "mV"), ("g", "")):
        p[name] = number_in(f"network.{name}", getattr(network, name), unit=unit)
    p["p_rate"] = number_in("network.p_rate", network.p_rate, 0.0, unit="Hz")
    p["delay"] = number_in("network.delay", network.delay, 0.0, lo_open=True, unit="ms")
    tau_syn = getattr(network, "tau_syn", 0.0)
    neuron = {name: getattr(network, name) for name in NEURON_PARAMS if name != "tau_syn"}
    neuron["tau_syn"] = 0.0 if tau_syn is None else tau_syn
    check_neuron_params(**neuron, prefix="network.")  # types and ranges, as everywhere in mfkit
    units = {"theta": "mV", "V_reset": "mV"}  # as floats: one number each, not an array
    p.update({name: real(f"network.{name}", v, units.get(name, "ms")) for name, v in neuron.items()})
    return p


def _check_run(model: SpikingModel, t_sim, t_warmup, dt, seed, backend, threads, min_isis) -> SimpleNamespace:
    """Check the run's arguments against each other and the model; the times also in steps."""
    dt = number_in("dt", dt, 0.0, lo_open=True, unit="ms")
    n_sim, t_sim = steps_of("t_sim", t_sim, dt, allow_zero=False)
    n_warm, t_warmup = steps_of("t_warmup", t_warmup, dt)
    if n_warm + n_sim > MAX_STEPS:
        raise ValueError(f"t_warmup + t_sim must be <= {MAX_STEPS} dt = {MAX_STEPS * dt:g} ms, "
                         f"got {t_warmup + t_sim!r} ms")
    check_spiking_model(model)
    P = model.n_populations
    uniform = model.uniform_delay()
    if uniform is not None:
        pairs = [(0, 0)]
    else:  # the delays of the connections that have synapses
        pairs = list(zip(*np.nonzero(model.synapses))) if model.delay_distribution == "fixed" else []
    for a, b in pairs:
        label = "network.delay" if uniform is not None else f"network.delay[{a}, {b}]"
        d = float(model.delay[a, b])
        if d < dt * (1 - 1e-12):
            raise ValueError(f"{label} = {d} ms must be >= dt = {dt} ms")
        steps_of(label, d, dt, allow_zero=False)
    ref_steps = [steps_of("network.t_ref" if P == 2 else f"network.t_ref[{a}]", float(model.t_ref[a]), dt)[0]
                 for a in range(P)]
    for a in range(P):
        number_in("network.p_rate" if P == 2 else f"the drive K_ext nu_ext of population {model.names[a]}",
                  float(model.rate_ext[a]), 0.0, MAX_DRIVE_PER_STEP / (dt * 1e-3), unit="Hz",
                  note=f"at most {MAX_DRIVE_PER_STEP:g} drive spikes per step of dt = {dt:g} ms")
    if backend not in ("mfkit", "nest"):
        raise ValueError(f"backend must be 'mfkit' or 'nest', got {backend!r}")
    return SimpleNamespace(
        dt=dt, n_sim=n_sim, t_sim=t_sim, n_warm=n_warm, t_warmup=t_warmup, ref_steps=ref_steps,
        delays=delay_steps(model, dt), mu_ext=np.array(model.mu_ext, dtype=float),
        seed=integer_in("seed", seed, 0, allow_float=False), backend=backend,
        threads=resolve_threads(threads, model.N),
        min_isis=integer_in("min_isis", min_isis, 1, allow_float=False))


def _check_record_V(record_V, N: int) -> np.ndarray:
    """Indices of the neurons whose membrane potential is recorded (int64)."""
    try:
        vids = np.atleast_1d(np.asarray(record_V))
        ok = vids.ndim == 1 and (vids.size == 0 or (np.all(np.mod(vids, 1) == 0)
                                                    and vids.min() >= 0 and vids.max() < N))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"record_V must be a sequence of neuron indices in [0, {N}), got {record_V!r}")
    return vids.astype(np.int64)


def _initial_V(V_init, N: int) -> np.ndarray:
    """The initial membrane potentials as a fresh float64 array of shape (N,)."""
    V0 = np.asarray(V_init, dtype=float)
    try:
        V0 = np.array(np.broadcast_to(V0, (N,)), dtype=np.float64)
    except ValueError:
        raise ValueError(f"V_init must be a scalar or have shape ({N},), got shape {V0.shape}") from None
    if not np.all(np.isfinite(V0)):
        raise ValueError("V_init must be finite")
    return V0


def _preflight(model: SpikingModel, run: SimpleNamespace, n_V: int) -> None:
    """Refuse (MemoryError) a run whose memory estimate exceeds the available memory, before
    anything is allocated (see :mod:`mfkit.spiking._memory`)."""
    N, n_syn = model.N, model.n_synapses
    ref_min = int(min(run.ref_steps))
    if run.backend == "nest":
        estimate = _memory.nest_estimate(N, n_syn, run.n_sim, n_V)
        spike_bytes = _memory.NEST_SPIKE_BYTES
    else:
        d = run.delays
        delay_bytes = 0 if d.tables is None else (1 if d.tables[0].shape[2] <= 256 else 2)
        estimate = _memory.mfkit_estimate(N, n_syn, d.D_max, ref_min, run.n_sim, n_V, bool(np.any(model.tau_syn > 0)),
                                          n_blocks(N, run.threads), P=model.n_populations, L=d.D_min,
                                          delay_bytes=delay_bytes)
        spike_bytes = _memory.SPIKE_BYTES
    n_spikes = _memory.spike_capacity(N, run.n_sim, ref_min)
    _memory.preflight(run.backend, estimate, n_spikes, spike_bytes, N, run.t_sim)


def _check_stimulus(stimulus, N, dt, t_end):
    """Extra delta inputs ``(times, neurons, weights)``: jump of ``weights[k]``
    mV arriving at neuron ``neurons[k]`` at time ``times[k]`` (ms)."""
    if stimulus is None:
        z = np.zeros(0)
        return z.astype(np.int64), z.astype(np.int32), z
    try:
        times, neurons, weights = (np.atleast_1d(np.asarray(a)) for a in stimulus)
    except (TypeError, ValueError):
        raise ValueError("stimulus must be a tuple (times, neurons, weights) of arrays") from None
    if not (times.shape == neurons.shape == weights.shape) or times.ndim != 1:
        raise ValueError("stimulus arrays (times, neurons, weights) must be 1-d and of equal length")
    times = times.astype(float)
    weights = weights.astype(float)
    if not (np.all(np.isfinite(times)) and np.all(np.isfinite(weights))):
        raise ValueError("stimulus times and weights must be finite")
    if neurons.size and (not np.all(np.equal(np.mod(neurons, 1), 0)) or neurons.min() < 0 or neurons.max() >= N):
        raise ValueError(f"stimulus neurons must be integers in [0, {N}), got {neurons!r}")
    steps = np.rint(times / dt).astype(np.int64)
    if np.any(np.abs(steps * dt - times) > 1e-9 * np.maximum(1.0, times)):
        raise ValueError(f"stimulus times must be multiples of dt = {dt} ms")
    if np.any(steps < 1) or np.any(times > t_end + 1e-9):
        raise ValueError(f"stimulus times must lie in [dt, t_warmup + t_sim] = [{dt}, {t_end}] ms")
    order = np.argsort(steps, kind="stable")
    return (steps[order] - 1), neurons.astype(np.int32)[order], weights[order]


def simulate(network: object, t_sim: float = 1000.0, t_warmup: float = 100.0, dt: float = 0.1, seed: int = 0,
             backend: str = "mfkit", progress: bool | None = None, *, threads: int | None = None,
             drive: str = "poisson", connectivity: str = "fixed_indegree", record_V=(), V_init=0.0,
             min_isis: int = 2) -> SpikingResult:
    """Simulate the spiking network of LIF populations that a mean-field network describes.

    Every population ``a`` of ``network`` becomes ``N[a]`` neurons (``iaf_psc_delta``, or
    ``iaf_psc_exp`` where ``tau_syn[a] > 0``, with the weights turned into currents of the same
    charge), each receiving exactly ``round(K[a, b])`` synapses of weight ``J[a, b]`` from population
    ``b`` (sources drawn at random with replacement, NEST's ``fixed_indegree``) with the network's
    delays (per synapse, drawn from the delay distribution and rounded to the step), and the external
    drive of ``K_ext[a]`` Poisson inputs of ``nu_ext[a]`` Hz and weight ``J_ext[a]`` (one Poisson
    train of rate ``K_ext nu_ext``), or its mean as a constant input (``drive="dc"``).  The model
    and its conventions: :mod:`mfkit.spiking.model`; one time step: :mod:`mfkit.spiking.engine`.
    The network runs for ``t_warmup`` ms from ``V = V_init`` and then for ``t_sim`` ms, during which
    spikes are recorded.  :func:`simulate_brunel` is the case of Brunel's two populations.

    Parameters
    ----------
    network : MeanFieldNetwork
        With population sizes ``N`` (e.g. :func:`mfkit.microcircuit`), or an object exposing one
        as ``.model``.
    t_sim, t_warmup : float
        Recording window (> 0) and discarded transient (>= 0), ms, multiples of ``dt``.
    dt : float
        Time step (ms, > 0); ``t_ref`` and fixed delays must be multiples of it (and delays
        at least ``dt``).
    seed : int
        Seed (>= 0): the synapses, their delays and the drive are drawn from independent
        streams of it.  The same seed gives the same spikes bit for bit for any ``threads`` (mfkit
        backend; NEST draws another realisation, which depends on its thread count).
    backend : {"mfkit", "nest"}
        The numba engine of this package, or the same model built in NEST (``threads`` threads;
        NEST is the way to more machines).
    progress : bool or None
        A progress bar on stderr; None: for runs of at least 5e7 neuron updates outside Jupyter.
    threads : int or None, keyword-only
        Threads (>= 1); None: every available core, at most one per 2,000 neurons.
    drive : {"poisson", "dc"}, keyword-only
        The external drive as Poisson trains or as their mean (:mod:`mfkit.spiking.model`).
    connectivity : {"fixed_indegree", "fixed_total_number"}, keyword-only
        Every neuron with the (rounded) in-degrees ``K``, or ``rint(K[a, b] N_a)`` synapses per
        connection with targets drawn at random (Potjans & Diesmann's convention; the in-degrees then
        vary around ``K``; :mod:`mfkit.spiking.model`).
    record_V : sequence of int, keyword-only
        Neurons whose membrane potential is recorded at every step of the window.
    V_init : float or array, keyword-only
        Initial membrane potentials (mV).
    min_isis : int, keyword-only
        Minimum number of ISIs for a neuron to enter the CV average.

    Returns
    -------
    SpikingResult
        Spikes, and rates and CV(ISI) per population (:attr:`SpikingResult.names`); the population
        spectra with :func:`mfkit.verification.measured_rate_spectrum`.

    Raises
    ------
    ValueError
        A network without population sizes, a delay below the time step, a non-finite weight or
        drive, any argument out of its range: the message names it and the range.
    MemoryError
        Before anything is allocated, if the run's estimated memory exceeds the available memory
        (the message gives the estimate; :mod:`mfkit.spiking._memory`).
    """
    t_start = time.perf_counter()
    model = spiking_model(network, drive=drive, connectivity=connectivity)
    return _simulate(model, t_sim, t_warmup, dt, seed, backend, progress, threads, min_isis, record_V, V_init,
                     None, t_start)


def _simulate(model: SpikingModel, t_sim, t_warmup, dt, seed, backend, progress, threads, min_isis, record_V,
              V_init, stimulus, t_start: float) -> SpikingResult:
    """Check the run, refuse it if it cannot fit in memory, run the backend and collect the result."""
    run = _check_run(model, t_sim, t_warmup, dt, seed, backend, threads, min_isis)
    N = model.N
    vids = _check_record_V(record_V, N)
    t_end = run.t_warmup + run.t_sim
    stim = _check_stimulus(stimulus, N, run.dt, t_end)
    _preflight(model, run, vids.size)
    V0 = _initial_V(V_init, N)
    if progress is None:
        progress = (not in_notebook()) and N * (run.n_warm + run.n_sim) >= PROGRESS_UPDATES
    bar = Progress(t_end) if progress else None
    try:
        if bar is not None:
            bar.update(0.0)  # at once: building a large network takes a while
        if run.backend == "nest":
            from .nest_backend import run_nest

            times, senders, n_syn, timings, V_m, layer = run_nest(
                model, dt=run.dt, n_warm=run.n_warm, n_sim=run.n_sim, seed=run.seed, stimulus=stim, V0=V0,
                threads=run.threads, bar=bar, record_V=vids)
        else:
            times, senders, n_syn, timings, V_m, layer = run_mfkit(model, run, stim, V0, vids, bar, t_start)
    finally:
        if bar is not None:
            bar.close()
    return SpikingResult.from_spikes(
        times, senders, sizes=model.sizes, names=model.names, t_sim=run.t_sim, t_warmup=run.t_warmup, dt=run.dt,
        seed=run.seed, backend=run.backend, n_synapses=n_syn, timings=timings,
        min_isis=run.min_isis, V_ids=vids, V_m=V_m, threading_layer=layer)


def simulate_brunel(network=None, t_sim: float = 1000.0, t_warmup: float = 100.0, dt: float = 0.1,
                    seed: int = 0, backend: str = "mfkit", progress=None, *, mu_ext: float = 0.0,
                    stimulus=None, V_init=0.0, record_V=(), threads: int | None = None,
                    min_isis: int = 2) -> SpikingResult:
    """Simulate the Brunel (2000) network of ``iaf_psc_delta`` (or ``iaf_psc_exp``) neurons.

    The network and its semantics are those of NEST's ``brunel_delta_nest.py``
    (see :mod:`mfkit.spiking.engine` for the update of one time step):
    ``NE`` excitatory and ``NI`` inhibitory LIF neurons (``E_L = 0``), each
    with ``CE`` excitatory inputs of weight ``J`` and ``CI`` inhibitory inputs
    of weight ``-g J`` drawn at random (fixed in-degree, autapses and
    multapses allowed), all with the same delay, plus an independent Poisson
    drive of rate ``p_rate`` and weight ``J``.  Membrane potentials start at
    ``V_init`` (NEST's script: 0 mV).  The network runs for ``t_warmup`` ms
    and then for ``t_sim`` ms, during which spikes are recorded.

    With ``network.tau_syn > 0`` the synapses are exponentially decaying
    currents instead (NEST's ``iaf_psc_exp``, exact integration, see
    :mod:`mfkit.spiking.engine`): every weight ``J`` (mV),
    recurrent or Poisson, becomes a current jump ``J C_m / tau_syn`` (pA,
    ``C_m =`` :data:`C_M` pF) that decays with ``tau_syn``, which carries the
    same charge as the delta PSP, so the mean input ``mu`` and its fluctuation
    ``sigma`` (eq. 28-29) are those of the delta network (see
    :func:`psc_amplitude`).  During the refractory period ``V`` stays
    clamped while the synaptic current keeps decaying and collecting input.
    ``tau_syn == tau_m`` is allowed (the propagator is evaluated without
    singularity).

    Parameters
    ----------
    network : object, optional
        :class:`mfkit.BrunelNetwork` or any object with its attributes (see
        :func:`network_params`); default: the seed network ``BrunelNetwork()``.
    t_sim : float
        Length of the recording window (ms, > 0, multiple of ``dt``).
    t_warmup : float
        Discarded initial transient (ms, >= 0, multiple of ``dt``).
    dt : float
        Time step (ms, > 0); the delay and ``t_ref`` must be multiples of it.
    seed : int
        Seed (>= 0).  The same seed gives the same spikes bit for bit (per
        backend; the two backends draw different realisations).
    backend : {"mfkit", "nest"}
        ``"mfkit"``: the numba engine of this package.
        ``"nest"``: build and run the same network in NEST (needs ``nest``
        importable), with ``threads`` threads.
    progress : bool or None
        Show a progress bar on stderr; it appears (at 0 ms) before the
        network is built.  ``None``: only for large runs and never inside a
        Jupyter kernel (so stored notebook outputs stay deterministic).
    mu_ext : float, keyword-only
        Constant drive in mV (``tau_m I_e / C_m``), the asymptotic potential
        of a neuron without other input; 0 in the Brunel network.
    stimulus : tuple of arrays, keyword-only
        Extra delta inputs ``(times, neurons, weights)``: a jump of
        ``weights[k]`` mV arriving at neuron ``neurons[k]`` at ``times[k]`` ms
        (on the ``dt`` grid).  For testing the single-neuron dynamics.  With
        ``tau_syn > 0`` the input of the same charge: a current jump of
        ``weights[k] C_m / tau_syn`` pA at ``times[k]``.
    V_init : float or array, keyword-only
        Initial membrane potentials (mV).
    record_V : sequence of int, keyword-only
        Neurons whose membrane potential is recorded at every step of the
        window (``result.V_m``, one row per neuron, at times
        ``result.V_times``).
    threads : int or None, keyword-only
        Threads to run on (>= 1); None: every core this process may use
        (``os.sched_getaffinity``), but at most one per 2,000 neurons (smaller
        networks gain little from more threads).  The mfkit engine gives the same spikes
        and membrane potentials bit for bit for every thread count (it splits
        the neurons into ``threads`` blocks, each drawing its Poisson drive
        from the run's one random stream jumped ahead to its neurons, and
        sums every input in the same order; see :mod:`mfkit.spiking.engine`).
        NEST's realisation depends on its thread count: pass ``threads``
        explicitly for a NEST run that is reproducible on other machines.
        More threads than available cores is allowed, with a
        ``RuntimeWarning`` (the threads then share the cores; the mfkit
        engine runs at most ``numba.config.NUMBA_NUM_THREADS`` threads at a
        time, still splitting the work into ``threads`` blocks).
        The first run on several threads loads TBB and starts numba's
        threading layer (not ``import mfkit``); the layer a run used is
        ``result.threading_layer``.
    min_isis : int, keyword-only
        Minimum number of ISIs for a neuron to enter the CV average.

    Returns
    -------
    SpikingResult

    Raises
    ------
    ValueError
        An argument or network attribute is out of its range; the message
        names it and the range (see :func:`network_params` for the network).
    MemoryError
        Before anything is allocated: the estimated memory of the run
        (synapses, state, buffers, recorded membrane potentials; for NEST an
        empirical estimate) exceeds the available memory.  The message gives
        the estimate.  If only the worst case of the recorded spikes (every
        neuron at its maximal rate) might not fit, a ``RuntimeWarning`` says
        up to which mean rate it does (see :mod:`mfkit.spiking._memory`).
    """
    t_start = time.perf_counter()
    if network is None:
        network = _default_network()
    p = network_params(network)
    model = brunel_model(p, mu_ext=number_in("mu_ext", mu_ext, unit="mV"))
    return _simulate(model, t_sim, t_warmup, dt, seed, backend, progress, threads, min_isis, record_V, V_init,
                     stimulus, t_start)
