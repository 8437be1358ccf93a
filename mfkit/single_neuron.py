"""Direct simulation of independent LIF neurons (white noise or Poisson shot noise), and their response.

The membrane potential of every neuron obeys, below threshold (Brunel/Hahne sigma convention),

.. math::

    \\tau_m \\frac{dV}{dt} = -V + \\mu(t) + \\sigma(t) \\sqrt{\\tau_m}\\, \\xi(t),
    \\qquad \\langle \\xi(t) \\xi(t') \\rangle = \\delta(t - t'),

with a spike and a reset to ``V_reset`` when ``V`` reaches ``theta``, followed by an absolute
refractory period ``t_ref`` during which ``V`` is clamped at ``V_reset``.  This is the neuron of
:func:`mfkit.siegert` (rate), :func:`mfkit.cv_isi` (CV) and :func:`mfkit.linear_response`
(response to a modulation of mu or sigma); the simulation is an independent check of all three.

Scheme (step ``dt``):

* the Ornstein-Uhlenbeck update is exact for the step,
  ``V <- V e^{-dt/tau_m} + drift_k + sigma_k sqrt((1 - e^{-2 dt/tau_m})/2) N(0, 1)``,
  where ``drift_k`` is the exact integral of the (constant or sinusoidal) mean input over the step
  and ``sigma_k`` is sigma at the middle of the step;
* a threshold crossing *within* the step, with both end points below threshold, is detected with
  the Brownian-bridge probability ``exp(-2 (theta - V_0)(theta - V_1) / (s^2 dt))``,
  ``s^2 = sigma_k^2 / tau_m``, so the rate is not biased by a discrete-time threshold
  (Giraudo & Sacerdote 1999; Mannella 1999) -- unless ``crossing="grid"``, which tests the
  threshold only at the end of each step, as NEST's ``iaf_psc_delta`` does, and so misses the
  crossings made and undone within a step (the neuron of :func:`mfkit.siegert` with ``dt``);
* after a spike (counted in the step in which it occurs) ``V`` stays at ``V_reset`` for
  ``round(t_ref/dt)`` steps.

:func:`simulate_lif_shot_noise` drives the same neuron instead with independent Poisson spike trains
through delta synapses (the input of a neuron of the Brunel network if its presynaptic spike trains
were independent Poisson processes), with the update of NEST's ``iaf_psc_delta``; it separates the
diffusion approximation from the assumption that the network's input is Poisson.
:func:`simulate_poisson_inputs` does so for the neurons of a Brunel network at one of its fixed points.
:func:`simulate_lif_jumps` (rate and CV) and :func:`simulate_lif_jumps_rate` (population rate, with an optional
sinusoidal modulation of the rate of one input type) take any number of jump sizes; they are the direct
check of the shot-noise theory (:mod:`mfkit.shot_noise`, continuous time) and, with :func:`fit_response`, of its
linear response ``delta nu / delta r_k``.  All three share one kernel.

The neuron parameters are checked by :func:`mfkit.neuron.check_neuron_params`, the input statistics
``mu`` and ``sigma`` of the Poisson inputs come from the model (:class:`mfkit.MeanFieldNetwork`,
eq. 28-29).

Modulation ``("mu", eps, f)`` means ``mu(t) = mu + eps cos(2 pi f t)``; ``("sigma", eps, f)`` means
``sigma(t) = sigma + eps cos(2 pi f t)``; ``t = 0`` at the start of the recording (after
``t_warmup``).  The linear response is then read off the population rate with
:func:`fit_response`:  ``nu(t) = nu_0 + eps Re[chi e^{2 pi i f t}]``, the convention of
:func:`mfkit.linear_response`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from .brunel import BrunelNetwork
from .fixed_points import FixedPoint, as_fixed_point
from .network import MeanFieldNetwork
from .neuron import check_neuron_params
from .shot_noise import check_jumps
from .spiking._checks import integer_in, number_in

__all__ = ["MAX_STEPS", "MAX_INPUTS_PER_STEP", "LIFRateResult", "ResponseFit", "simulate_lif_rate", "fit_response",
           "ShotNoiseResult", "simulate_lif_shot_noise", "simulate_lif_jumps", "simulate_lif_jumps_rate",
           "simulate_poisson_inputs"]


@dataclass(frozen=True, eq=False)
class LIFRateResult:
    """Population rate of ``n_neurons`` independent LIF neurons.

    Attributes
    ----------
    t : ndarray
        Centre of every time bin (ms), 0 at the start of the recording.
    rates_by_group : ndarray, shape (n_groups, n_bins)
        Rate (Hz) of each of ``n_groups`` disjoint, independent groups of neurons in bins of ``dt``.
    dt : float
        Bin width = time step (ms).
    n_neurons, n_groups : int
    mu, sigma : float
        Constant parts of the input (mV); for Poisson inputs of fixed jumps (:func:`simulate_lif_jumps_rate`)
        those of their diffusion approximation (eq. 28-29).
    modulation : tuple or None
        ``(channel, amplitude, f_Hz)``: as given to :func:`simulate_lif_rate` (channel ``"mu"`` or ``"sigma"``,
        amplitude in mV); from :func:`simulate_lif_jumps_rate` the input type ``k`` and the amplitude of its
        rate in Hz (``eps r_k``).
    seed : int
        Seed of the run; two runs with the same seed, ``n_neurons``, ``dt``, ``t_warmup`` and
        ``t_sim`` use the same noise for every neuron and step.
    crossing : str
        ``"bridge"`` or ``"grid"``: how the threshold was tested (:func:`simulate_lif_rate`).
    tau_syn : float
        Synaptic time constant of the input (ms; 0: white noise).
    """

    t: np.ndarray
    rates_by_group: np.ndarray
    dt: float
    n_neurons: int
    n_groups: int
    mu: float
    sigma: float
    modulation: tuple | None
    seed: int = 0
    n_warmup: int = 0
    crossing: str = "bridge"
    tau_syn: float = 0.0

    @property
    def rate(self) -> np.ndarray:
        """Population rate (Hz) of all neurons in bins of ``dt``."""
        return self.rates_by_group.mean(axis=0)

    @property
    def mean_rate(self) -> float:
        """Time-averaged rate (Hz) over the recording."""
        return float(self.rates_by_group.mean())

    @property
    def mean_rate_error(self) -> float:
        """Standard error (Hz) of :attr:`mean_rate` from the scatter between the independent groups."""
        m = self.rates_by_group.mean(axis=1)
        return float(m.std(ddof=1) / math.sqrt(m.size))


@dataclass(frozen=True)
class ResponseFit:
    """Linear response fitted to a simulated population rate.

    ``chi`` with ``nu(t) = nu_0 + eps Re[chi e^{2 pi i f t}]``, ``eps`` the amplitude of the modulation:
    Hz/mV for a modulation of mu or sigma, Hz/Hz (``delta nu / delta r_k``) for one of an input rate
    (:func:`simulate_lif_jumps_rate`); ``gain = |chi|``; ``phase`` in degrees (negative: the rate lags).
    ``gain_err`` (units of ``chi``) and ``phase_err`` (deg) are
    standard errors from the scatter of the fits of the independent groups of neurons.
    """

    f: float
    chi: complex
    gain: float
    gain_err: float
    phase: float
    phase_err: float
    rate: float


_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TWO53 = 1.0 / 9007199254740992.0


#: Most time steps per neuron of one run (hours of computing): a longer run is refused, not started.
MAX_STEPS = 1e10


def _check_seed(seed) -> int:
    """The seed of a run: an integer in [0, 2**32)."""
    return integer_in("seed", seed, 0, 2**32 - 1, allow_float=False)


def _check_lif(t_sim, dt, tau_m, t_ref, t_warmup, theta, V_reset) -> tuple[float, ...]:
    """The run length, step and neuron parameters shared by both simulators, validated and as floats."""
    t_sim = number_in("t_sim", t_sim, 0.0, lo_open=True, unit="ms")
    dt = number_in("dt", dt, 0.0, lo_open=True, unit="ms")
    t_warmup = number_in("t_warmup", t_warmup, 0.0, unit="ms")
    check_neuron_params(tau_m, t_ref, theta, V_reset, 0.0)
    tau_m, t_ref, theta, V_reset = float(tau_m), float(t_ref), float(theta), float(V_reset)
    if dt > tau_m / 10:
        raise ValueError(f"dt must be at most tau_m/10 = {tau_m / 10} ms, got {dt!r}")
    if (t_warmup + t_sim) / dt > MAX_STEPS:
        raise ValueError(f"t_warmup + t_sim must be at most {MAX_STEPS:g} steps of dt = {dt!r} ms, got "
                         f"t_warmup={t_warmup!r}, t_sim={t_sim!r}")
    return t_sim, dt, tau_m, t_ref, t_warmup, theta, V_reset


@njit(inline="always")
def _mix(z):
    """SplitMix64's output function (Steele, Lea & Flood 2014)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(inline="always")
def _unit(base, idx):
    """Uniform double in (0, 1): SplitMix64 at position ``idx`` of the stream that starts at ``base``."""
    return (np.float64(_mix(base + np.uint64(idx) * _GAMMA) >> np.uint64(11)) + 0.5) * _TWO53


@njit(inline="always")
def _normal_pair(base_n, idx):
    """Two independent standard normals (Box-Muller) from the uniforms ``2 idx`` and ``2 idx + 1`` of the
    counter-based normal stream ``base_n``."""
    u1 = _unit(base_n, 2 * idx)
    u2 = _unit(base_n, 2 * idx + 1)
    r = math.sqrt(-2.0 * math.log(u1))
    return r * math.cos(2.0 * math.pi * u2), r * math.sin(2.0 * math.pi * u2)


@njit(cache=True)
def _run(n_neurons, n_groups, n_warm, n_rec, decay, drift, noise, bridge, use_bridge, theta, V_reset, n_ref, seed):
    # Counter-based random numbers: the normal and the uniform of neuron i in step k are functions of
    # (seed, i, k) only, so two runs with the same seed share their noise step by step ("common random
    # numbers") whatever their spikes do. Without the bridge (use_bridge False) the uniforms are not used.
    base_n = _mix(np.uint64(seed) * _GAMMA + np.uint64(1))
    base_u = _mix(np.uint64(seed) * _GAMMA + np.uint64(2))
    counts = np.zeros((n_groups, n_rec))
    n_steps = n_warm + n_rec
    for i in range(n_neurons):
        grp = i % n_groups
        V = V_reset
        ref = 0
        for k in range(n_steps):
            if ref > 0:
                ref -= 1
                continue
            idx = i * n_steps + k
            z = _normal_pair(base_n, idx)[0]
            V0 = V
            V = V * decay + drift[k] + noise[k] * z
            spike = V >= theta
            if not spike and use_bridge:
                q = (theta - V0) * (theta - V) * bridge[k]
                if q < 40.0:
                    spike = _unit(base_u, idx) < math.exp(-q)
            if spike:
                V = V_reset
                ref = n_ref
                if k >= n_warm:
                    counts[grp, k - n_warm] += 1.0
    return counts


@njit(cache=True)
def _run_filtered(n_neurons, n_groups, n_warm, n_rec, e_m, e_s, c, drive, scale, l11, l21, l22, theta, V_reset,
                  n_ref, seed):
    # (V, I) of tau_s dI/dt = -I + drive(t) + sigma(t) sqrt(tau_m) xi, tau_m dV/dt = -V + I, advanced exactly over
    # each step with drive and sigma constant in it; the two noise terms of a step are correlated Gaussians
    # (Cholesky factors l11, l21, l22 at the constant sigma, times scale = sigma(t)/sigma), from the same
    # counter-based stream as _run's. V is clamped at V_reset while refractory; the current goes on.
    base_n = _mix(np.uint64(seed) * _GAMMA + np.uint64(1))
    counts = np.zeros((n_groups, n_rec))
    n_steps = n_warm + n_rec
    for i in range(n_neurons):
        grp = i % n_groups
        V = V_reset
        current = drive[0]
        ref = 0
        for k in range(n_steps):
            z1, z2 = _normal_pair(base_n, i * n_steps + k)
            m = drive[k]
            z1 *= scale[k]
            z2 *= scale[k]
            dev = current - m
            current = m + dev * e_s + l11 * z1
            if ref > 0:
                ref -= 1
                continue
            V = m + (V - m) * e_m + dev * c + l21 * z1 + l22 * z2
            if V >= theta:
                V = V_reset
                ref = n_ref
                if k >= n_warm:
                    counts[grp, k - n_warm] += 1.0
    return counts


def _filtered_step(dt: float, tau_m: float, tau_syn: float, sigma: float) -> tuple[float, ...]:
    """Exact step of (V, I) for :func:`_run_filtered`: decays, the current's effect on V, Cholesky factors.

    With a = 1/tau_syn, b = 1/tau_m, kappa = tau_syn/(tau_syn - tau_m) and q = sigma^2 tau_m / tau_syn^2, an
    impulse of the current reaches V as kappa (e^{-a u} - e^{-b u}), so the covariance of the noise of a step is
    ``S_II = q E(2a)``, ``S_VI = q kappa (E(2a) - E(a+b))``, ``S_VV = q kappa^2 (E(2a) - 2 E(a+b) + E(2b))``,
    ``E(x) = (1 - e^{-x dt}) / x``.
    """
    a, b = 1.0 / tau_syn, 1.0 / tau_m
    kappa = tau_syn / (tau_syn - tau_m)
    e_m, e_s = math.exp(-dt * b), math.exp(-dt * a)
    q = sigma * sigma * tau_m / (tau_syn * tau_syn)

    def E(x: float) -> float:
        return -math.expm1(-x * dt) / x

    s_ii = q * E(2 * a)
    s_vi = q * kappa * (E(2 * a) - E(a + b))
    s_vv = q * kappa * kappa * (E(2 * a) - 2 * E(a + b) + E(2 * b))
    l11 = math.sqrt(s_ii)
    l21 = s_vi / l11
    return e_m, e_s, kappa * (e_s - e_m), l11, l21, math.sqrt(max(s_vv - l21 * l21, 0.0))


def simulate_lif_rate(mu, sigma, *, t_sim, dt=0.01, n_neurons, tau_m=20.0, t_ref=2.0, theta=20.0,
                      V_reset=0.0, modulation=None, seed, t_warmup=100.0, n_groups=8,
                      crossing=None, tau_syn=0.0) -> LIFRateResult:
    """Simulate ``n_neurons`` independent LIF neurons driven by white noise; return their population rate.

    ``tau_m dV/dt = -V + mu(t) + sigma(t) sqrt(tau_m) xi(t)``, threshold ``theta``, reset ``V_reset``,
    refractory period ``t_ref`` (see the module docstring for the exact scheme).  All neurons start at
    ``V_reset``; the first ``t_warmup`` ms are discarded.

    Parameters
    ----------
    mu : float
        Mean input (mV).
    sigma : float
        Noise amplitude (mV, > 0), Brunel/Hahne convention (free membrane variance sigma**2/2).
    t_sim : float
        Recorded time (ms, > 0), after ``t_warmup``.
    dt : float
        Time step and bin width (ms, > 0, at most ``tau_m/10``).
    n_neurons : int
        Number of neurons (>= n_groups).
    tau_m, t_ref, theta, V_reset : float
        Membrane time constant (ms, > 0), refractory period (ms, >= 0), threshold and reset (mV,
        ``V_reset < theta``).
    modulation : None or (channel, amplitude, f)
        ``channel`` ``"mu"`` or ``"sigma"``: that input becomes ``x + amplitude cos(2 pi f t)``
        (amplitude in mV, f in Hz, ``t`` in s from the start of the recording).  For ``"sigma"``
        the amplitude must be below sigma.
    seed : int
        Seed of the random numbers (results are reproducible for a given seed).
    t_warmup : float
        Discarded initial time (ms, >= 0).
    n_groups : int
        Number of disjoint groups of neurons whose rates are kept separately (>= 2), for error bars.
    crossing : {"bridge", "grid"} or None
        How the threshold is tested.  ``None`` (default): ``"bridge"`` for white noise, ``"grid"``
        for ``tau_syn > 0``.  ``"bridge"``: at the end of each step and, in
        between, with the Brownian-bridge probability of a crossing within the step, so that the
        rate is that of continuous time (:func:`mfkit.siegert`).  ``"grid"``: only at the end of each
        step, as NEST's ``iaf_psc_delta`` and :func:`mfkit.simulate_brunel` do; the crossings made
        and undone within a step are missed and the rate is that of :func:`mfkit.siegert` with
        ``dt`` (to first order in ``sqrt(dt/tau_m)``).  The two share their Gaussian noise step by
        step (same seed).  With ``tau_syn > 0`` the membrane potential is differentiable and only
        ``"grid"`` applies (a crossing undone within a step of at most ``tau_syn/10`` is rare).
    tau_syn : float
        Synaptic time constant (ms, >= 0).  ``tau_syn > 0``: the input is filtered, ``tau_syn dI/dt =
        -I + mu(t) + sigma(t) sqrt(tau_m) xi(t)`` and ``tau_m dV/dt = -V + I`` (exponential synaptic
        currents in the diffusion limit, Fourcaud & Brunel 2002): ``mu(t)`` and ``sigma(t)`` are the
        drive and the noise before the synapse (a change of the presynaptic rates changes both), so a
        modulation of either passes the synapse.  Both are advanced exactly over each step (drive and
        noise amplitude at the middle of the step); the current is not reset with ``V``.  ``dt`` must
        be at most ``tau_syn/10``.

    Returns
    -------
    LIFRateResult

    Raises
    ------
    ValueError
        Naming the bad argument.
    """
    mu = number_in("mu", mu, unit="mV")
    sigma = number_in("sigma", sigma, 0.0, lo_open=True, unit="mV")
    t_sim, dt, tau_m, t_ref, t_warmup, theta, V_reset = _check_lif(t_sim, dt, tau_m, t_ref, t_warmup, theta,
                                                                   V_reset)
    n_groups = integer_in("n_groups", n_groups, 2, allow_float=False)
    n_neurons = integer_in("n_neurons", n_neurons, n_groups, allow_float=False, note="at least n_groups")
    seed = _check_seed(seed)
    tau_syn = number_in("tau_syn", tau_syn, 0.0, unit="ms")
    check_neuron_params(tau_m, t_ref, theta, V_reset, tau_syn)
    if crossing is None:
        crossing = "grid" if tau_syn > 0 else "bridge"
    if not isinstance(crossing, str) or crossing not in ("bridge", "grid"):
        raise ValueError(f"crossing must be 'bridge' or 'grid', got {crossing!r}")
    if tau_syn > 0 and crossing != "grid":
        raise ValueError(f"crossing must be 'grid' with tau_syn > 0 (a differentiable membrane potential), got "
                         f"{crossing!r}")
    if tau_syn > 0 and dt > tau_syn / 10:
        raise ValueError(f"dt must be at most tau_syn/10 = {tau_syn / 10} ms, got {dt!r}")
    if tau_syn >= tau_m:
        raise ValueError(f"tau_syn must be below tau_m = {tau_m} ms (filtered input of a leaky membrane), got {tau_syn!r}")

    n_warm = int(round(t_warmup / dt))
    n_rec = int(round(t_sim / dt))
    if n_rec < 1:
        raise ValueError(f"t_sim must be at least one step dt, got t_sim={t_sim!r}, dt={dt!r}")
    t0 = (np.arange(-n_warm, n_rec) * dt)  # start of every step (ms)
    decay = math.exp(-dt / tau_m)
    mu_t = np.full(t0.size, mu)
    drift = mu_t * (1 - decay)
    sig = np.full(t0.size, sigma)
    if modulation is not None:
        try:
            channel, eps, f = modulation
        except (TypeError, ValueError):
            raise ValueError(f"modulation must be None or (channel, amplitude, f_Hz), got {modulation!r}") from None
        if channel not in ("mu", "sigma"):
            raise ValueError(f"modulation channel must be 'mu' or 'sigma', got {channel!r}")
        eps = number_in("modulation amplitude", eps, unit="mV")
        f = number_in("modulation frequency f", f, 0.0, unit="Hz")
        w = 2e-3 * math.pi * f  # rad/ms
        if channel == "mu":
            # exact: (1/tau) int_t^{t+dt} e^{-(t+dt-s)/tau} eps cos(w s) ds
            z = complex(1.0 / tau_m, w)
            drift = drift + eps * np.real(np.exp(1j * w * (t0 + dt)) * (1 - np.exp(-z * dt)) / (tau_m * z))
        else:
            if abs(eps) >= sigma:
                raise ValueError(f"modulation amplitude of sigma must be below sigma = {sigma}, got {eps!r}")
            sig = sigma + eps * np.cos(w * (t0 + dt / 2))
        modulation = (channel, eps, f)
    n_ref = int(round(t_ref / dt))
    if tau_syn > 0:
        drive = mu_t
        if modulation is not None and modulation[0] == "mu":  # the drive at the middle of each step
            drive = mu + modulation[1] * np.cos(2e-3 * math.pi * modulation[2] * (t0 + dt / 2))
        e_m, e_s, c, l11, l21, l22 = _filtered_step(dt, tau_m, tau_syn, sigma)
        counts = _run_filtered(int(n_neurons), int(n_groups), n_warm, n_rec, e_m, e_s, c, drive, sig / sigma, l11,
                               l21, l22, theta, V_reset, n_ref, int(seed))
    else:
        noise = sig * math.sqrt((1 - decay**2) / 2)
        bridge = 2 * tau_m / (sig**2 * dt)
        counts = _run(int(n_neurons), int(n_groups), n_warm, n_rec, decay, drift, noise, bridge,
                      crossing == "bridge", theta, V_reset, n_ref, int(seed))
    sizes = np.bincount(np.arange(n_neurons) % n_groups, minlength=n_groups)
    rates = counts / (sizes[:, None] * dt * 1e-3)
    return LIFRateResult(t=(np.arange(n_rec) + 0.5) * dt, rates_by_group=rates, dt=dt, n_neurons=int(n_neurons),
                         n_groups=int(n_groups), mu=mu, sigma=sigma, modulation=modulation, seed=int(seed),
                         n_warmup=n_warm, crossing=crossing, tau_syn=tau_syn)


def fit_response(result: LIFRateResult, reference: LIFRateResult | None = None) -> ResponseFit:
    """Fit ``nu(t) = nu_0 + eps Re[chi e^{2 pi i f t}]`` to a modulated :class:`LIFRateResult`.

    Least squares of ``c + a cos(w t) + b sin(w t)`` to the rate of each independent group of neurons,
    ``chi = (a - i b)/eps``, corrected for the averaging of the sinusoid over a bin of width ``dt``
    (factor ``sinc(w dt/2)``).  ``chi`` is the mean over the groups; the errors are the standard
    errors of the group fits projected on |chi| (gain) and across it (phase, degrees).

    ``reference``: optionally an *unmodulated* run with the same seed and sizes.  Its rate is
    subtracted group by group before the fit (common random numbers): the subtracted part has no
    component at f on average, so the estimate stays unbiased, but the noise shared by the two runs
    cancels and the error bars shrink.  The errors are still computed from the scatter between groups.

    Raises
    ------
    ValueError
        If the result has no modulation, its frequency or amplitude is 0, the recording is shorter
        than one period, or ``reference`` does not match (modulated, other seed or sizes).
    """
    if not isinstance(result, LIFRateResult) or result.modulation is None:
        raise ValueError("result must be a LIFRateResult of a modulated simulation (modulation=...)")
    _, eps, f = result.modulation
    if f <= 0 or eps == 0:
        raise ValueError(f"the modulation must have f > 0 and a nonzero amplitude, got {result.modulation!r}")
    w = 2e-3 * math.pi * f
    T = result.t[-1] + result.dt / 2
    if w * T < 2 * math.pi:
        raise ValueError(f"the recording ({T} ms) is shorter than one period of {f} Hz")
    y = result.rates_by_group
    if reference is not None:
        if not isinstance(reference, LIFRateResult) or reference.modulation is not None:
            raise ValueError("reference must be an unmodulated LIFRateResult (modulation=None)")
        same = (reference.seed, reference.n_neurons, reference.n_groups, reference.dt, reference.n_warmup,
                reference.rates_by_group.shape) == (result.seed, result.n_neurons, result.n_groups, result.dt,
                                                    result.n_warmup, y.shape)
        if not same:
            raise ValueError("reference must have the same seed, n_neurons, n_groups, dt, t_warmup and t_sim "
                             "as result")
        y = y - reference.rates_by_group
    X = np.column_stack([np.ones_like(result.t), np.cos(w * result.t), np.sin(w * result.t)])
    coef, *_ = np.linalg.lstsq(X, y.T, rcond=None)
    x = w * result.dt / 2
    smear = math.sin(x) / x
    chis = (coef[1] - 1j * coef[2]) / (eps * smear)
    chi = complex(chis.mean())
    n = chis.size
    rot = chis * (abs(chi) / chi)  # group estimates rotated so that the mean lies on the real axis
    gain_err = float(rot.real.std(ddof=1) / math.sqrt(n))
    phase_err = float(np.degrees(rot.imag.std(ddof=1) / math.sqrt(n) / abs(chi)))
    return ResponseFit(f=float(f), chi=chi, gain=abs(chi), gain_err=gain_err, phase=math.degrees(np.angle(chi)),
                       phase_err=phase_err, rate=float(result.rates_by_group.mean()))


@dataclass(frozen=True)
class ShotNoiseResult:
    """Rate and ISI statistics of independent LIF neurons driven by Poisson shot noise.

    Attributes
    ----------
    rate, rate_err : float
        Mean rate over the neurons (Hz) and its standard error (scatter between neurons).
    cv, cv_err : float
        Mean over the neurons of the CV of their inter-spike intervals (``ddof=0``, as
        :attr:`mfkit.SpikingResult.cv_isi`) and its standard error; neurons with fewer than two
        intervals are left out (NaN if none has two).
    mu, sigma : float
        Mean input and noise amplitude of the diffusion approximation (mV, eq. 28-29):
        ``mu = tau_m (CE J_E rate_E + CI J_I rate_I)``,
        ``sigma^2 = tau_m (CE J_E^2 rate_E + CI J_I^2 rate_I)`` (rates in 1/ms), from the model
        (:meth:`mfkit.MeanFieldNetwork.input_statistics`).
    n_neurons : int
    """

    rate: float
    rate_err: float
    cv: float
    cv_err: float
    mu: float
    sigma: float
    n_neurons: int


#: Largest mean number of input spikes of one type in one step (``r_k dt``, with the modulation) that
#: :func:`simulate_lif_jumps` and :func:`simulate_lif_jumps_rate` accept (their Poisson counts are drawn by
#: inversion, in about ``r_k dt`` operations; ``exp(-r_k dt)`` must stay a normal double).
MAX_INPUTS_PER_STEP = 500.0


@njit(inline="always")
def _poisson_inverse(u, lam, e_lam):
    """The Poisson(``lam``) count whose cumulative distribution first reaches ``u`` (``e_lam = exp(-lam)``):
    monotone in ``u`` and in ``lam``, so that runs sharing their uniforms draw nearly the same counts."""
    p = e_lam
    cdf = p
    n = 0
    while u > cdf:
        n += 1
        p *= lam / n
        if p == 0.0 and n > lam:  # u beyond the last representable mass: the tail is exhausted
            break
        cdf += p
    return n


@njit(cache=True)
def _run_jumps(n_neurons, n_groups, n_warm, n_rec, record_rate, jumps, lam, e_lam, decay, theta, V_reset, n_ref,
               seed, legacy):
    # One neuron after the other, NEST's iaf_psc_delta: V <- V decay + sum_k jumps[k] n_k, spike and reset when
    # V >= theta at the end of a step, then n_ref steps at V_reset with the input discarded. n_k ~ Poisson(lam[k, j])
    # with j = k_step if lam has a column per step (modulated input), else 0.
    # Random numbers: legacy=True draws n_k with numpy's global generator seeded with `seed`, type after type in
    # every step, refractory or not (the stream of simulate_lif_shot_noise, kept bit for bit); legacy=False
    # inverts the counter-based uniform of (seed, neuron, step, type) (_poisson_inverse), drawn only when the
    # neuron is not refractory, so that two runs with the same seed share their inputs step by step ("common
    # random numbers") whatever their spikes do. Returns the spike counts per group and recorded step (if
    # record_rate), and per neuron the recorded spikes and the sums of the ISIs and of their squares (in steps).
    K = jumps.size
    per_step = lam.shape[1] > 1
    n_steps = n_warm + n_rec
    if legacy:
        np.random.seed(seed)
    base = _mix(np.uint64(seed) * _GAMMA + np.uint64(3))
    by_group = np.zeros((n_groups, n_rec if record_rate else 0))
    counts = np.zeros(n_neurons)
    s1 = np.zeros(n_neurons)
    s2 = np.zeros(n_neurons)
    for i in range(n_neurons):
        grp = i % n_groups
        V = V_reset
        ref = 0
        last = -1
        x = 0.0
        for k in range(n_steps):
            col = k if per_step else 0
            if legacy:
                x = 0.0
                for q in range(K):
                    x += jumps[q] * np.random.poisson(lam[q, col])
            if ref > 0:  # NEST iaf_psc_delta: input arriving during the refractory period is discarded
                ref -= 1
                continue
            if not legacy:
                x = 0.0
                idx = (i * n_steps + k) * K
                for q in range(K):
                    u = _unit(base, idx + q)
                    if u > e_lam[q, col]:
                        x += jumps[q] * _poisson_inverse(u, lam[q, col], e_lam[q, col])
            V = V * decay + x
            if V >= theta:
                V = V_reset
                ref = n_ref
                if k >= n_warm:
                    if record_rate:
                        by_group[grp, k - n_warm] += 1.0
                    counts[i] += 1.0
                    if last >= 0:
                        isi = float(k - last)
                        s1[i] += isi
                        s2[i] += isi * isi
                    last = k
    return by_group, counts, s1, s2


def _isi_statistics(counts: np.ndarray, s1: np.ndarray, s2: np.ndarray, t_sim: float) -> tuple[float, ...]:
    """Mean rate (Hz) and CV over the neurons with standard errors, from :func:`_run_jumps`'s per-neuron sums
    (neurons with fewer than two intervals left out of the CV; NaN if fewer than two neurons remain)."""
    rates = counts / (t_sim * 1e-3)
    n_isi = counts - 1
    ok = n_isi >= 2
    mean = s1[ok] / n_isi[ok]
    cvs = np.sqrt(np.maximum(s2[ok] / n_isi[ok] - mean**2, 0.0)) / mean
    cv, cv_err = (float(cvs.mean()), float(cvs.std(ddof=1) / math.sqrt(cvs.size))) if cvs.size >= 2 \
        else (float("nan"), float("nan"))
    return float(rates.mean()), float(rates.std(ddof=1) / math.sqrt(rates.size)), cv, cv_err


def simulate_lif_shot_noise(rate_E, rate_I, *, CE, CI, J_E, J_I, t_sim, n_neurons, seed, dt=0.1,
                            tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, t_warmup=200.0) -> ShotNoiseResult:
    """Simulate independent LIF neurons driven by independent Poisson spike trains (delta synapses).

    Every neuron receives ``CE`` excitatory inputs of weight ``J_E`` and ``CI`` inhibitory inputs
    of weight ``J_I`` (mV, jumps of ``V``), each an independent Poisson process of rate ``rate_E`` or
    ``rate_I``: in every step of ``dt`` the numbers of input spikes are Poisson with means
    ``CE rate_E dt`` and ``CI rate_I dt``.  The update is that of NEST's ``iaf_psc_delta`` (and of
    :func:`mfkit.simulate_brunel`): ``V <- V e^{-dt/tau_m} + J_E n_E + J_I n_I`` (exact decay), a
    spike and ``V <- V_reset`` when ``V >= theta``, then ``round(t_ref/dt)`` refractory steps during
    which ``V`` stays at ``V_reset`` and the input is discarded.  All neurons start at ``V_reset``;
    the first ``t_warmup`` ms are discarded.  In the diffusion limit (many small inputs) the rate
    tends to :func:`mfkit.siegert` and the CV to :func:`mfkit.cv_isi` at the ``mu`` and ``sigma``
    of eq. 28-29 (stored in the result); with many inputs per step, since the threshold is tested
    only at the end of each step, the rate tends to :func:`mfkit.siegert` with ``dt`` (lower: the
    crossings made and undone within a step are missed), and to eq. 27 itself only as ``dt -> 0``
    too.

    Parameters
    ----------
    rate_E, rate_I : float
        Rate of every excitatory and inhibitory input (Hz, >= 0).  For a neuron of the Brunel
        network with independent inputs: ``rate_E = nu + nu_ext``, ``rate_I = nu``.
    CE, CI : int
        Numbers of excitatory and inhibitory inputs (>= 0), named as in :class:`mfkit.BrunelNetwork`.
    J_E, J_I : float
        Their weights (mV): ``J_E >= 0``, ``J_I <= 0`` (e.g. ``J`` and ``-g J``).
    t_sim : float
        Recorded time (ms, > 0), after ``t_warmup``.
    n_neurons : int
        Number of independent neurons (>= 2).
    seed : int
        Seed of the random numbers, in [0, 2**32): the same seed gives the same result.
    dt : float
        Time step (ms, > 0, at most ``tau_m/10``).
    tau_m, t_ref, theta, V_reset : float
        Membrane time constant (ms, > 0), refractory period (ms, >= 0), threshold and reset (mV,
        ``V_reset < theta``).
    t_warmup : float
        Discarded initial time (ms, >= 0).

    Returns
    -------
    ShotNoiseResult

    Raises
    ------
    ValueError
        Naming the bad argument.
    """
    rate_E = number_in("rate_E", rate_E, 0.0, unit="Hz")
    rate_I = number_in("rate_I", rate_I, 0.0, unit="Hz")
    J_E = number_in("J_E", J_E, 0.0, unit="mV", note="excitatory")
    J_I = number_in("J_I", J_I, hi=0.0, unit="mV", note="inhibitory")
    t_sim, dt, tau_m, t_ref, t_warmup, theta, V_reset = _check_lif(t_sim, dt, tau_m, t_ref, t_warmup, theta,
                                                                   V_reset)
    CE = integer_in("CE", CE, 0, allow_float=False)
    CI = integer_in("CI", CI, 0, allow_float=False)
    n_neurons = integer_in("n_neurons", n_neurons, 2, allow_float=False)
    seed = _check_seed(seed)
    n_rec = int(round(t_sim / dt))
    if n_rec < 1:
        raise ValueError(f"t_sim must be at least one step dt, got t_sim={t_sim!r}, dt={dt!r}")
    lam = np.array([[CE * rate_E * dt * 1e-3], [CI * rate_I * dt * 1e-3]])
    _, counts, s1, s2 = _run_jumps(n_neurons, 1, int(round(t_warmup / dt)), n_rec, False, np.array([J_E, J_I]), lam,
                                   np.exp(-lam), math.exp(-dt / tau_m), theta, V_reset, int(round(t_ref / dt)), seed,
                                   True)
    rate, rate_err, cv, cv_err = _isi_statistics(counts, s1, s2, t_sim)
    # eq. 28-29 from the model: a neuron of a network whose E and I populations fire at rate_E and rate_I
    inputs = MeanFieldNetwork(K=[[CE, CI]] * 2, J=[[J_E, J_I]] * 2, tau_m=tau_m, t_ref=t_ref, theta=theta,
                              V_reset=V_reset).input_statistics([rate_E, rate_I])
    return ShotNoiseResult(rate=rate, rate_err=rate_err, cv=cv, cv_err=cv_err, mu=float(inputs.mu[0]),
                           sigma=float(inputs.sigma[0]), n_neurons=n_neurons)


def _jump_run(jumps, rates, t_sim, n_neurons, seed, dt, tau_m, t_ref, theta, V_reset, t_warmup, modulation,
              n_groups, record_rate):
    """Check the arguments of :func:`simulate_lif_jumps` and :func:`simulate_lif_jumps_rate`, run
    :func:`_run_jumps` (counter-based random numbers) and return its output with the checked values."""
    a, r = check_jumps(jumps, rates)
    t_sim, dt, tau_m, t_ref, t_warmup, theta, V_reset = _check_lif(t_sim, dt, tau_m, t_ref, t_warmup, theta,
                                                                   V_reset)
    n_groups = integer_in("n_groups", n_groups, 2 if record_rate else 1, allow_float=False)
    n_neurons = integer_in("n_neurons", n_neurons, max(2, n_groups), allow_float=False,
                           note="at least n_groups" if record_rate else "")
    seed = _check_seed(seed)
    n_warm = int(round(t_warmup / dt))
    n_rec = int(round(t_sim / dt))
    if n_rec < 1:
        raise ValueError(f"t_sim must be at least one step dt, got t_sim={t_sim!r}, dt={dt!r}")
    lam = (r * dt * 1e-3)[:, None]
    if modulation is not None:
        try:
            k, eps, f = modulation
        except (TypeError, ValueError):
            raise ValueError(f"modulation must be None or (k, eps, f_Hz), got {modulation!r}") from None
        k = integer_in("modulation input type k", k, 0, a.size - 1, allow_float=False)
        eps = number_in("modulation depth eps", eps, -1.0, 1.0)
        f = number_in("modulation frequency f", f, 0.0, unit="Hz")
        w = 2e-3 * math.pi * f  # rad/ms
        t_mid = (np.arange(-n_warm, n_rec) + 0.5) * dt
        # the mean count of the step [t, t + dt]: the integral of r_k (1 + eps cos(w s)) over it
        smear = math.sin(w * dt / 2) / (w * dt / 2) if f > 0 else 1.0
        lam = np.repeat(lam, t_mid.size, axis=1)
        lam[k] *= 1.0 + eps * smear * np.cos(w * t_mid)
        modulation = (k, eps, f)
    if lam.max() > MAX_INPUTS_PER_STEP:
        raise ValueError(f"rates must give at most MAX_INPUTS_PER_STEP = {MAX_INPUTS_PER_STEP:g} inputs of a type "
                         f"per step of dt = {dt!r} ms (with the modulation), got {lam.max():.4g}: reduce dt")
    out = _run_jumps(n_neurons, n_groups, n_warm, n_rec, record_rate, a, lam, np.exp(-lam), math.exp(-dt / tau_m),
                     theta, V_reset, int(round(t_ref / dt)), seed, False)
    mu = tau_m * float(a @ r) * 1e-3
    sigma = math.sqrt(tau_m * float(a**2 @ r) * 1e-3)
    return out, dict(a=a, r=r, t_sim=t_sim, dt=dt, n_warm=n_warm, n_rec=n_rec, n_neurons=n_neurons,
                     n_groups=n_groups, seed=seed, modulation=modulation, mu=mu, sigma=sigma)


def simulate_lif_jumps(jumps, rates, *, t_sim, n_neurons, seed, dt=0.1, tau_m=20.0, t_ref=2.0, theta=20.0,
                       V_reset=0.0, t_warmup=200.0) -> ShotNoiseResult:
    """Stationary rate and CV of independent LIF neurons driven by Poisson inputs of any fixed jump sizes.

    Every neuron receives ``K`` independent Poisson spike trains (delta synapses); a spike of type ``k`` makes
    the membrane potential jump by ``a_k = jumps[k]`` (mV), and the spikes of type ``k`` arrive at the total
    rate ``r_k = rates[k]`` (Hz; for a neuron of the Brunel network at population rate ``nu``: ``jumps = [J,
    -g J]``, ``rates = [CE (nu + nu_ext), CI nu]``).  Below threshold

    .. math::

        \\tau_m \\dot V = -V + \\tau_m \\sum_k a_k \\sum_j \\delta(t - t^k_j),

    the neuron of :func:`mfkit.shot_noise.shot_noise_rate` (rest at 0 mV).  The update is that of NEST's
    ``iaf_psc_delta``, as in :func:`simulate_lif_shot_noise`: in every step of ``dt`` the number ``n_k`` of
    inputs of type ``k`` is Poisson with mean ``r_k dt``; ``V <- V e^{-dt/tau_m} + sum_k a_k n_k`` (exact decay;
    the inputs of a step all arrive at its end); a spike and ``V <- V_reset`` when ``V >= theta`` at the end of
    the step, then ``round(t_ref/dt)`` refractory steps during which ``V`` stays at ``V_reset`` and the input is
    discarded.  The threshold is tested only on the time grid (crossings made and undone within a step are
    missed), so the results tend to the continuous-time theory only as ``dt -> 0``.  All neurons start at
    ``V_reset``; the first ``t_warmup`` ms are discarded.

    Random numbers: the count of type ``k`` of neuron ``i`` in step ``j`` inverts the Poisson distribution at a
    uniform that depends on ``(seed, i, j, k)`` only (counter-based, SplitMix64).  The same seed gives the same
    result, and runs with the same seed, sizes and times share their input step by step (common random
    numbers, see :func:`simulate_lif_jumps_rate`).  With two types it is the neuron of
    :func:`simulate_lif_shot_noise` (``rates = [CE rate_E, CI rate_I]``), whose random numbers differ: the same
    statistics, not the same spikes.

    Parameters
    ----------
    jumps : array_like, shape (K,)
        Jump of the membrane potential per input spike of each type (mV, finite, non-zero).
    rates : array_like, shape (K,)
        Total rate of each input type (Hz, finite, >= 0; at most :data:`MAX_INPUTS_PER_STEP` inputs of a type
        per step on average).
    t_sim : float
        Recorded time (ms, > 0), after ``t_warmup``.
    n_neurons : int
        Number of independent neurons (>= 2).
    seed : int
        Seed of the random numbers, in [0, 2**32).
    dt : float
        Time step (ms, > 0, at most ``tau_m/10``).
    tau_m, t_ref, theta, V_reset : float
        Membrane time constant (ms, > 0), refractory period (ms, >= 0), threshold and reset (mV,
        ``V_reset < theta``).
    t_warmup : float
        Discarded initial time (ms, >= 0).

    Returns
    -------
    ShotNoiseResult
        Mean rate over the neurons and mean CV of their inter-spike intervals, with standard errors (as
        :func:`simulate_lif_shot_noise`), and ``mu = tau_m sum_k a_k r_k``, ``sigma = sqrt(tau_m sum_k a_k^2
        r_k)`` (rates per ms) of the diffusion approximation (eq. 28-29).

    Raises
    ------
    ValueError
        Naming the bad argument.
    """
    (_, counts, s1, s2), c = _jump_run(jumps, rates, t_sim, n_neurons, seed, dt, tau_m, t_ref, theta, V_reset,
                                       t_warmup, None, 1, False)
    rate, rate_err, cv, cv_err = _isi_statistics(counts, s1, s2, c["t_sim"])
    return ShotNoiseResult(rate=rate, rate_err=rate_err, cv=cv, cv_err=cv_err, mu=c["mu"], sigma=c["sigma"],
                           n_neurons=c["n_neurons"])


def simulate_lif_jumps_rate(jumps, rates, *, t_sim, n_neurons, seed, dt=0.1, tau_m=20.0, t_ref=2.0, theta=20.0,
                            V_reset=0.0, t_warmup=200.0, modulation=None, n_groups=8) -> LIFRateResult:
    """Population rate of LIF neurons driven by Poisson inputs of fixed jump sizes, one input rate optionally modulated.

    The neurons, their update and random numbers are those of :func:`simulate_lif_jumps`.  With
    ``modulation=(k, eps, f)`` the rate of input type ``k`` is

    .. math::

        r_k(t) = r_k \\left(1 + \\varepsilon \\cos(2 \\pi f t)\\right)

    (``t`` in s from the start of the recording; the warm-up is modulated too), and its count in a step
    ``[t, t + dt]`` has the mean ``int r_k(s) ds = r_k dt (1 + eps sinc(pi f dt) cos(2 pi f (t + dt/2)))``, the
    count of the inhomogeneous Poisson process in the step (the midpoint rule times a factor above 0.998 for
    ``f dt`` up to 0.03).  :func:`fit_response` then returns ``chi = delta nu / delta r_k`` (Hz of output per Hz
    of input rate), the quantity of :func:`mfkit.shot_noise.shot_noise_response`: the result stores the
    modulation as ``(k, eps r_k, f)``, the amplitude (Hz) of the modulated rate.  An unmodulated run with the
    same seed, sizes and times, passed to :func:`fit_response` as ``reference``, draws the same input counts
    except where the modulation changes them (monotone inversion of shared uniforms), so its subtraction cancels
    most of the noise.

    Parameters
    ----------
    jumps, rates, t_sim, seed, dt, tau_m, t_ref, theta, V_reset, t_warmup
        As in :func:`simulate_lif_jumps`.
    n_neurons : int
        Number of neurons (>= n_groups).
    modulation : None or (k, eps, f)
        Input type ``k`` (an int in ``[0, K)``), relative depth ``eps`` (in [-1, 1]) and frequency ``f`` (Hz,
        >= 0).
    n_groups : int
        Number of disjoint groups of neurons (neuron ``i`` in group ``i % n_groups``) whose rates are kept
        separately (>= 2), for error bars.

    Returns
    -------
    LIFRateResult
        The rate (Hz) of every group in every step of ``dt``; ``mu`` and ``sigma`` of the diffusion
        approximation (as :func:`simulate_lif_jumps`), ``crossing="grid"``, ``modulation`` as above.

    Raises
    ------
    ValueError
        Naming the bad argument.
    """
    (by_group, _, _, _), c = _jump_run(jumps, rates, t_sim, n_neurons, seed, dt, tau_m, t_ref, theta, V_reset,
                                       t_warmup, modulation, n_groups, True)
    n_neurons, n_groups, dt = c["n_neurons"], c["n_groups"], c["dt"]
    sizes = np.bincount(np.arange(n_neurons) % n_groups, minlength=n_groups)
    mod = c["modulation"]
    if mod is not None:  # the amplitude of the modulated rate (Hz): fit_response's chi is delta nu / delta r_k
        mod = (mod[0], mod[1] * float(c["r"][mod[0]]), mod[2])
    return LIFRateResult(t=(np.arange(c["n_rec"]) + 0.5) * dt, rates_by_group=by_group / (sizes[:, None] * dt * 1e-3),
                         dt=dt, n_neurons=n_neurons, n_groups=n_groups, mu=c["mu"], sigma=c["sigma"], modulation=mod,
                         seed=c["seed"], n_warmup=c["n_warm"], crossing="grid", tau_syn=0.0)

def simulate_poisson_inputs(network: BrunelNetwork, fixed_point: FixedPoint | ArrayLike | None = None, *,
                            n_intervals: float = 100.0, n_neurons: int = 50, seed: int,
                            dt: float = 0.1) -> ShotNoiseResult:
    """Neurons of the Brunel network whose recurrent inputs are independent Poisson trains.

    Each of ``n_neurons`` independent LIF neurons (the network's ``tau_m``, ``t_ref``, ``theta``,
    ``V_reset``) receives ``CE`` excitatory inputs of weight ``J`` at rate ``nu* + nu_ext`` and
    ``CI`` inhibitory inputs of weight ``-g J`` at rate ``nu*``, every one an independent Poisson
    process, where ``nu*`` is the rate of the fixed point (eq. 27) and ``nu_ext`` the external rate
    (:func:`simulate_lif_shot_noise`, NEST's update, ``dt`` ms steps).  The synaptic jumps are those
    of the network; only the recurrent spike trains are replaced.

    This separates the two assumptions behind eq. 27-29: the diffusion approximation (the jumps
    replaced by white noise of the same mean and variance, eq. 28-29) and Poisson statistics of the
    recurrent input.  Where the result differs from ``nu*`` (:func:`mfkit.siegert`) or from
    :func:`mfkit.cv_isi`, the diffusion approximation itself fails, or the threshold's time grid
    (the neurons test it every ``dt``, as NEST does; :func:`mfkit.siegert` with ``dt`` gives its
    share in the limit of many small jumps per step); where it agrees and the spiking network does
    not, the recurrent input is the cause.

    Parameters
    ----------
    network : BrunelNetwork
        The network (delta synapses, ``tau_syn = 0``).
    fixed_point : FixedPoint or array_like, optional
        A fixed point of ``network``, or its rates (Hz) (default: its only stable fixed point of
        eq. 30; a ``ValueError`` if there is not exactly one, or if ``fixed_point`` is not a fixed
        point; see :func:`mfkit.fixed_points.as_fixed_point`).
    n_intervals : float
        Simulated time in mean inter-spike intervals of the fixed point: ``t_sim = 1000
        n_intervals / nu*`` ms (finite, > 0; a ``ValueError`` if that takes more than
        :data:`MAX_STEPS` steps, as at a nearly silent fixed point).
    n_neurons, seed, dt
        As in :func:`simulate_lif_shot_noise`.

    Returns
    -------
    ShotNoiseResult
        Rate and CV over the neurons, with standard errors, and the ``mu``, ``sigma`` of eq. 28-29.
    """
    if not isinstance(network, BrunelNetwork):
        raise TypeError(f"network must be a BrunelNetwork, got {type(network).__name__}")
    if network.tau_syn != 0:
        raise ValueError(f"network must have delta synapses (tau_syn = 0), got tau_syn={network.tau_syn!r} ms")
    n_intervals = number_in("n_intervals", n_intervals, 0.0, lo_open=True)
    dt = number_in("dt", dt, 0.0, lo_open=True, unit="ms")
    nu = float(as_fixed_point(network, fixed_point).rates[0])
    t_sim = 1000.0 * n_intervals / nu if nu > 0 else math.inf
    if not t_sim / dt <= MAX_STEPS:
        raise ValueError(f"the fixed point fires at {nu:.3g} Hz: n_intervals={n_intervals!r} intervals take "
                         f"{t_sim:.3g} ms, more than MAX_STEPS = {MAX_STEPS:g} steps of dt = {dt!r} ms")
    return simulate_lif_shot_noise(nu + network.nu_ext_hz, nu, CE=network.CE, CI=network.CI, J_E=network.J_ex,
                                   J_I=network.J_in, t_sim=t_sim, n_neurons=n_neurons,
                                   seed=seed, dt=dt, tau_m=network.tau_m, t_ref=network.t_ref,
                                   theta=network.theta, V_reset=network.V_reset)
