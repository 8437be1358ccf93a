"""``simulate_brunel``: the spiking twin of the mean-field Brunel network."""
from __future__ import annotations

import math
import sys
import time

import numpy as np

from ._rng import make_states
from .connectivity import fixed_indegree
from .engine import poisson_tables, psc_exp_propagators, run_steps, run_steps_exp
from .result import SpikingResult

__all__ = ["simulate_brunel", "network_params", "psc_amplitude", "C_M"]

#: Membrane capacitance (pF) of the simulated neurons, in both backends.  The
#: dynamics in mV do not depend on it: weights are given in mV and converted
#: to currents with it (see :func:`psc_amplitude`).
C_M = 1.0


def psc_amplitude(J, tau_syn, C_m=C_M):
    r"""Amplitude (pA) of the exponential PSC that carries the charge of a PSP jump ``J`` (mV).

    A delta synapse of weight ``J`` moves the membrane potential by ``J``
    instantly: it deposits the charge ``q = C_m J`` (pF mV = fC).  An
    exponential current ``w e^{-t/tau_syn}`` deposits ``q = w tau_syn``, so
    the same charge needs

    .. math:: w = \frac{J\,C_m}{\tau_\mathrm{syn}}.

    With ``tau_m dV/dt = -V + (tau_m / C_m) I`` the resulting PSP is

    .. math:: V(t) = J\,\frac{\tau_m}{\tau_m - \tau_\mathrm{syn}}
              \bigl(e^{-t/\tau_m} - e^{-t/\tau_\mathrm{syn}}\bigr),

    whose integral ``J tau_m`` equals that of the delta PSP ``J e^{-t/tau_m}``;
    it tends to the delta PSP as ``tau_syn -> 0``.  Every input therefore
    contributes the same mean and (in the diffusion limit) the same variance:
    ``mu`` and ``sigma`` of eq. 28-29 are unchanged, and only the temporal
    correlation of the input (the colored noise of Fourcaud & Brunel 2002)
    differs.
    """
    return J * C_m / tau_syn


_REQUIRED = ("NE", "NI", "CE", "CI", "J", "g", "p_rate", "tau_m", "t_ref", "theta", "V_reset", "delay")


def _default_network():
    """The seed network (NEST's ``brunel_delta_nest.py``)."""
    from ..network import BrunelNetwork

    return BrunelNetwork()


def network_params(network) -> dict:
    """Read and check the parameters the simulation needs from ``network``.

    Any object with the attributes ``NE, NI, CE, CI`` (int), ``J, g`` (mV,
    weights ``J`` and ``-g J``), ``p_rate`` (Hz, Poisson drive per neuron of
    weight ``J``), ``tau_m, t_ref, theta, V_reset, delay`` (ms, mV) and
    optionally ``tau_syn`` (ms, >= 0; 0 or missing: delta synapses,
    ``> 0``: exponentially decaying synaptic currents) will do, e.g.
    :class:`mfkit.BrunelNetwork`.
    """
    missing = [a for a in _REQUIRED if not hasattr(network, a)]
    if missing:
        raise ValueError(f"network lacks attribute(s) {', '.join(missing)} "
                         f"(expected e.g. mfkit.BrunelNetwork)")
    p = {}
    for name in ("NE", "NI", "CE", "CI"):
        v = getattr(network, name)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer, float, np.floating)) \
                or not float(v).is_integer():
            raise ValueError(f"network.{name} must be an integer, got {v!r}")
        p[name] = int(v)
    for name in ("J", "g", "p_rate", "tau_m", "t_ref", "theta", "V_reset", "delay"):
        p[name] = _finite_real(f"network.{name}", getattr(network, name))
    tau_syn = getattr(network, "tau_syn", 0.0)
    tau_syn = _real("network.tau_syn", 0.0 if tau_syn is None else tau_syn, "ms")
    if not (math.isfinite(tau_syn) and tau_syn >= 0.0):
        raise ValueError(f"network.tau_syn must be >= 0 ms and finite (0: delta synapses), got {tau_syn!r}")
    p["tau_syn"] = tau_syn
    if p["NE"] < 1:
        raise ValueError(f"network.NE must be >= 1, got {p['NE']}")
    for name in ("NI", "CE", "CI"):
        if p[name] < 0:
            raise ValueError(f"network.{name} must be >= 0, got {p[name]}")
    if p["CI"] > 0 and p["NI"] == 0:
        raise ValueError("network.CI must be 0 when network.NI is 0")
    if p["p_rate"] < 0:
        raise ValueError(f"network.p_rate must be >= 0 Hz, got {p['p_rate']!r}")
    if p["tau_m"] <= 0:
        raise ValueError(f"network.tau_m must be > 0 ms, got {p['tau_m']!r}")
    if p["t_ref"] < 0:
        raise ValueError(f"network.t_ref must be >= 0 ms, got {p['t_ref']!r}")
    if p["theta"] <= p["V_reset"]:
        raise ValueError(f"network.theta must be > network.V_reset, got theta={p['theta']!r}, "
                         f"V_reset={p['V_reset']!r}")
    if p["delay"] <= 0:
        raise ValueError(f"network.delay must be > 0 ms, got {p['delay']!r}")
    return p


def _real(label, value, unit=""):
    """``float(value)``; a ValueError naming ``label`` (and the unit expected) if it is not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        of = f" of {unit}" if unit else ""
        raise ValueError(f"{label} must be a real number{of}, got {value!r}") from None


def _finite_real(label, value, unit=""):
    """:func:`_real`, and a ValueError if the number is not finite."""
    value = _real(label, value, unit)
    if not math.isfinite(value):
        raise ValueError(f"{label} must be finite, got {value!r}")
    return value


def _steps(name, value, dt, allow_zero=True):
    value = _real(name, value, "ms")
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} ms, got {value!r}")
    n = round(value / dt)
    if abs(n * dt - value) > 1e-9 * max(1.0, value):
        raise ValueError(f"{name} = {value!r} ms is not a multiple of dt = {dt!r} ms")
    return int(n), value


def _in_notebook() -> bool:
    return "ipykernel" in sys.modules


class _Progress:
    """A one-line text progress bar on stderr."""

    def __init__(self, total_ms: float, width: int = 30):
        self.total = total_ms
        self.width = width
        self.t0 = time.perf_counter()
        self.stream = sys.stderr

    def update(self, done_ms: float) -> None:
        frac = min(done_ms / self.total, 1.0) if self.total > 0 else 1.0
        fill = int(round(frac * self.width))
        el = time.perf_counter() - self.t0
        self.stream.write(f"\rsimulate_brunel [{'#' * fill}{'.' * (self.width - fill)}] "
                          f"{done_ms:8.1f}/{self.total:.1f} ms  {el:6.1f} s")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


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


def simulate_brunel(network=None, t_sim: float = 1000.0, t_warmup: float = 100.0, dt: float = 0.1,
                    seed: int = 0, backend: str = "mfkit", progress=None, *, mu_ext: float = 0.0,
                    stimulus=None, V_init=0.0, record_V=(), threads: int = 1,
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
    :func:`mfkit.spiking.engine.run_steps_exp`): every weight ``J`` (mV),
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
        ``"mfkit"``: the numba engine of this package (single thread).
        ``"nest"``: build and run the same network in NEST (needs ``nest``
        importable), with ``threads`` threads.
    progress : bool or None
        Show a progress bar on stderr.  ``None``: only for large runs and
        never inside a Jupyter kernel (so stored notebook outputs stay
        deterministic).
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
    threads : int, keyword-only
        Threads for the NEST backend (the mfkit engine is single-threaded).
    min_isis : int, keyword-only
        Minimum number of ISIs for a neuron to enter the CV average.

    Returns
    -------
    SpikingResult
    """
    t_start = time.perf_counter()
    if network is None:
        network = _default_network()
    p = network_params(network)
    dt = _real("dt", dt, "ms")
    if not math.isfinite(dt) or dt <= 0:
        raise ValueError(f"dt must be > 0 ms, got {dt!r}")
    n_sim, t_sim = _steps("t_sim", t_sim, dt, allow_zero=False)
    n_warm, t_warmup = _steps("t_warmup", t_warmup, dt)
    if p["delay"] < dt * (1 - 1e-12):
        raise ValueError(f"network.delay = {p['delay']} ms must be >= dt = {dt} ms")
    D, _ = _steps("network.delay", p["delay"], dt, allow_zero=False)
    ref_steps, _ = _steps("network.t_ref", p["t_ref"], dt)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    seed = int(seed)
    if backend not in ("mfkit", "nest"):
        raise ValueError(f"backend must be 'mfkit' or 'nest', got {backend!r}")
    mu_ext = _finite_real("mu_ext", mu_ext, "mV")
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be an integer >= 1, got {threads!r}")
    if isinstance(min_isis, bool) or not isinstance(min_isis, (int, np.integer)) or min_isis < 1:
        raise ValueError(f"min_isis must be an integer >= 1, got {min_isis!r}")
    N = p["NE"] + p["NI"]
    V0 = np.asarray(V_init, dtype=float)
    try:
        V0 = np.array(np.broadcast_to(V0, (N,)), dtype=np.float64)
    except ValueError:
        raise ValueError(f"V_init must be a scalar or have shape ({N},), got shape {V0.shape}") from None
    if not np.all(np.isfinite(V0)):
        raise ValueError("V_init must be finite")
    try:
        vids = np.atleast_1d(np.asarray(record_V))
        ok = vids.ndim == 1 and (vids.size == 0 or (np.all(np.mod(vids, 1) == 0)
                                                    and vids.min() >= 0 and vids.max() < N))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"record_V must be a sequence of neuron indices in [0, {N}), got {record_V!r}")
    vids = vids.astype(np.int64)
    t_end = t_warmup + t_sim
    stim = _check_stimulus(stimulus, N, dt, t_end)
    if progress is None:
        progress = (not _in_notebook()) and N * (n_warm + n_sim) >= 5e7
    progress = bool(progress)

    common = dict(NE=p["NE"], NI=p["NI"], t_sim=t_sim, t_warmup=t_warmup, dt=dt, seed=seed,
                  min_isis=int(min_isis), V_ids=vids)
    if backend == "nest":
        from .nest_backend import run_nest

        times, senders, n_syn, timings, V_m = run_nest(
            p, dt=dt, n_warm=n_warm, n_sim=n_sim, seed=seed, mu_ext=mu_ext, stimulus=stim, V0=V0,
            threads=int(threads), progress=progress, record_V=vids)
        return SpikingResult.from_spikes(times, senders, backend="nest", n_synapses=n_syn,
                                         timings=timings, V_m=V_m, **common)

    conn_state, drive_state = make_states(seed, 2)
    conn = fixed_indegree(p["NE"], p["NI"], p["CE"], p["CI"], state=conn_state)
    tau_syn = p["tau_syn"]
    P33 = math.exp(-dt / p["tau_m"])
    c_mu = (1.0 - P33) * mu_ext
    lam = p["p_rate"] * dt * 1e-3
    cdf, guide = poisson_tables(lam)
    V = V0
    refr = np.zeros(N, dtype=np.int32)
    ring = np.zeros((D + 1, N), dtype=np.float64)
    fired = np.empty(N, dtype=np.int32)
    stim_ptr = np.zeros(1, dtype=np.int64)
    t_built = time.perf_counter()

    # blocks of steps: progress updates and bounded spike buffers (a neuron
    # fires at most once per ref_steps + 1 steps)
    total = n_warm + n_sim
    block = max(1, min(500, int(4e6 // max(N, 1)) * (ref_steps + 1)))
    cap = N * (-(-block // (ref_steps + 1)))
    spk_step = np.empty(cap, dtype=np.int64)
    spk_id = np.empty(cap, dtype=np.int32)
    n_rec = np.zeros(1, dtype=np.int64)
    steps_out, ids_out = [], []
    vrec = np.empty((vids.size, block), dtype=np.float64)
    V_m = np.empty((vids.size, n_sim), dtype=np.float64)
    bar = _Progress(total * dt) if progress else None
    n = 0
    J_E, J_I, J_ext = p["J"], -p["g"] * p["J"], p["J"]
    if tau_syn > 0:  # iaf_psc_exp: weights become current jumps of the same charge (pA)
        P11, P21, P22 = psc_exp_propagators(dt, p["tau_m"], tau_syn, C_M)
        W_E, W_I, W_ext = (psc_amplitude(w, tau_syn) for w in (J_E, J_I, J_ext))
        stim_w = psc_amplitude(stim[2], tau_syn)
        I_syn = np.zeros(N, dtype=np.float64)
    while n < total:
        n1 = min(n + block, total)
        n_rec[0] = 0
        if tau_syn > 0:
            run_steps_exp(n, n1, V, I_syn, refr, ring, drive_state, conn.indptr, conn.targets,
                          p["NE"], P11, P21, P22, c_mu, p["theta"], p["V_reset"], ref_steps, D,
                          W_E, W_I, W_ext, cdf, guide, lam > 0,
                          stim[0], stim[1], stim_w, stim_ptr,
                          n_warm, spk_step, spk_id, n_rec, fired, vids, vrec)
        else:
            run_steps(n, n1, V, refr, ring, drive_state, conn.indptr, conn.targets,
                      p["NE"], P33, c_mu, p["theta"], p["V_reset"], ref_steps, D, J_E, J_I,
                      J_ext, cdf, guide, lam > 0,
                      stim[0], stim[1], stim[2], stim_ptr,
                      n_warm, spk_step, spk_id, n_rec, fired, vids, vrec)
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
    if bar is not None:
        bar.close()
    t_done = time.perf_counter()
    steps = np.concatenate(steps_out) if steps_out else np.zeros(0, dtype=np.int64)
    ids = np.concatenate(ids_out) if ids_out else np.zeros(0, dtype=np.int32)
    times = (steps + 1) * dt
    timings = {"build": t_built - t_start, "simulate": t_done - t_built}
    return SpikingResult.from_spikes(times, ids, backend="mfkit", n_synapses=conn.n_synapses,
                                     timings=timings, V_m=V_m, **common)
