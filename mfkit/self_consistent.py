"""The ISI CV of a network's neurons, with the statistics of their input spike trains made self-consistent.

The diffusion approximation (eq. 27-29, :func:`mfkit.cv_isi`) drives every neuron with Gaussian white
noise, i.e. with Poisson input spike trains in the limit of small weights.  In a network the inputs are
the spike trains of the network's own neurons, which are more regular than Poisson when the CV is below
1 (their spike-train power is suppressed at low frequencies).  :func:`network_cv` finds the ISI
statistics of the neurons when their recurrent inputs are renewal spike trains with the ISI distribution
of those same neurons (Dummer, Wieland & Lindner 2014; Pena et al. 2018 for heterogeneous networks;
Lerchner et al. 2006 for the CV in a network of Poisson-like neurons), by a simulation-based fixed-point
iteration of the ISI distribution.

Method ``"self-consistent"``.  Let ``P_b`` be the ISI distribution of population ``b`` and ``nu_b`` its
fixed-point rate (eq. 27).  One iteration simulates, for every population ``a``, ``n_neurons``
independent LIF neurons (NEST's ``iaf_psc_delta`` on a grid of ``dt`` ms, as
:func:`mfkit.single_neuron.simulate_lif_shot_noise`)

.. math::

    V_{k+1} = V_k e^{-dt/\\tau_{m,a}} + x_k, \\qquad
    x_k = J^{ext}_a n^{ext}_k + \\sum_b J_{ab} n^{(b)}_k,

with a spike and ``V = V_reset`` when ``V_{k+1} >= theta``, then ``round(t_ref/dt)`` refractory steps in
which ``V`` stays at ``V_reset`` and the input is discarded.  ``n^ext_k`` is Poisson with mean
``K_ext[a] nu_ext[a] dt`` (the ``K_ext`` external Poisson inputs merged into one stream), and
``n^(b)_k`` counts the spikes in step ``k`` of ``rint(K[a, b])`` independent renewal trains whose
intervals are drawn from ``P_b`` rescaled in time to the mean ``1/nu_b``.  With ``input_rates="fixed point"``
(default) the input rates stay those of the fixed point of eq. 27 and only the shape of the ISI distribution
is iterated; with ``"self-consistent"`` the input rates are iterated too, towards the neurons' own output
rates (a Newton step on ``nu_out(nu_in) - nu_in`` with the Jacobian of the shot-noise neurons,
:class:`mfkit.shot_input.ShotNoiseInputs`, in place of the simulation's own).  The pooled ISIs of the neurons
of ``b`` give the next ``P_b``:

.. math::

    P^{(n+1)}_b = \\mathcal{F}_b\\big[P^{(n)}_1, \\dots, P^{(n)}_P\\big],

whose fixed point is solved for by iterating from Poisson trains (iteration 0, exponential ISIs; the
input of :func:`mfkit.single_neuron.simulate_poisson_inputs`).  Included by construction: the shot noise
(fixed jumps ``J`` instead of white noise) and the time grid ``dt`` on which the threshold is tested.
Not included: correlations between inputs (every input train is independent of the others and of the
neuron), and synaptic filtering (``tau_syn > 0`` is not supported yet).

Implementation.  Every neuron gets its own input: an array over all steps of the run into which the
weights of its input spikes are summed before the neuron is integrated.  The external drive (and the
recurrent input of iteration 0) is drawn as a Poisson count per step; each renewal train is drawn as its
spike times ``t_{j+1} = t_j + s T_j`` (in steps), ``T_j`` an ISI in steps drawn by inversion of the CDF
of the histogram ``P_b`` (:mod:`mfkit.spiking._sampling`) and ``s`` the rescaling to the mean ``1/nu_b``;
the spike adds its weight to step ``floor(t_j)``.  Each train is stationary from the start: its first
spike is at the forward recurrence time ``U s L``, ``L`` drawn from the length-biased histogram
``k P_b(k) / sum_k k P_b(k)`` and ``U`` uniform in [0, 1).  Random numbers: xoshiro256**
(:mod:`mfkit.spiking._rng`), one stream per iteration and population, spawned from ``seed`` by NumPy's
``SeedSequence``, so a run is reproducible bit for bit.

Method ``"diffusion"``: :func:`mfkit.cv_isi` at the fixed point's ``mu`` and ``sigma`` (eq. 28-29), the
white-noise neuron of eq. 27.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from .fixed_points import FixedPoint, as_fixed_point
from .isi import cv_isi
from .network import MeanFieldNetwork, as_model
from .renewal import renewal_cdfs, windowed_cv
from .response import spike_train_spectrum
from .shot_input import ShotNoiseInputs
from .single_neuron import MAX_STEPS
from .spiking._checks import integer_in, number_in
from .spiking._rng import make_states, step
from .spiking._sampling import draw_inverted, inversion_tables, poisson_tables, stacked_tables

__all__ = ["METHODS", "INPUT_RATES", "N_INTERVALS", "T_SIM_MAX", "NetworkCV", "SelfConsistencyError", "network_cv"]

#: The methods of :func:`network_cv`.
METHODS = ("diffusion", "self-consistent")
#: How :func:`network_cv` sets the rates of the input trains (``"self-consistent"`` method).
INPUT_RATES = ("fixed point", "self-consistent")
#: Default run length of one iteration, in mean ISIs of the slowest population ...
N_INTERVALS = 200
#: ... but at most this many ms.
T_SIM_MAX = 100_000.0
_T_WARMUP_MIN = 200.0  # ms; the warm-up is max(_T_WARMUP_MIN, t_sim / 20)
_ABS_TOL = 0.005  # default tolerance on the change of the CV: the larger of this and 2 standard errors
_RATE_RTOL = 0.005  # input_rates="self-consistent": |nu_out - nu_in| within the larger of this share and 2 SE


class SelfConsistencyError(RuntimeError):
    """The self-consistent iteration of :func:`network_cv` did not converge (or its neurons fell silent).

    Attributes
    ----------
    history : list of ndarray
        The CV of every population in every iteration run.
    """

    def __init__(self, message: str, history: list[np.ndarray]):
        super().__init__(message)
        self.history = history


@dataclass(frozen=True, eq=False)
class NetworkCV:
    """The CV of the inter-spike intervals of every population of a network (:func:`network_cv`).

    Attributes
    ----------
    cv, cv_err : ndarray, shape (P,)
        CV per population and its standard error (zeros for ``"diffusion"``).  ``"self-consistent"``: the
        mean over the neurons of the CV of each neuron's ISIs (``ddof=0``; neurons with fewer than two
        ISIs left out) in the last iteration, and the standard error of that mean (scatter between the
        neurons), as :func:`mfkit.single_neuron.simulate_lif_shot_noise`.
    rate, rate_err : ndarray, shape (P,)
        Rate (Hz): the neurons' output rate in the last iteration (mean over the neurons) and its
        standard error; for ``"diffusion"`` the fixed point's rate and zeros.
    names : tuple of str
        Population names.
    method : str
        ``"diffusion"`` or ``"self-consistent"``.
    iterations : int
        Iterations after the Poisson iteration 0 (0 for ``"diffusion"``).
    history, history_err : list of ndarray
        CV per population and its standard error in iterations ``0, ..., iterations``.
    rate_history, rate_err_history : list of ndarray
        Output rate per population (Hz) and its standard error in every iteration.
    input_rates : str
        ``"fixed point"`` or ``"self-consistent"`` (:func:`network_cv`).
    input_rate_history : list of ndarray
        Rate of the input trains of every population (Hz) in every iteration (the fixed point's in all of
        them for ``"fixed point"`` and ``"diffusion"``).
    isi : tuple of ndarray or None
        ``isi[a][k]``: probability that an ISI of population ``a`` is ``k dt`` ms long, from the pooled
        ISIs of its neurons in the last iteration (``None`` for ``"diffusion"``).
    dt : float
        Time step (ms) of the simulation and of :attr:`isi`.
    fixed_point : FixedPoint
        The fixed point of eq. 27 whose rates drive the neurons (the first iteration's, with
        ``input_rates="self-consistent"``).
    mu, sigma : ndarray, shape (P,)
        Mean input and fluctuation (mV) of the diffusion approximation at the fixed point (eq. 28-29).
    t_sim, t_warmup : float
        Recorded and discarded time (ms) of every iteration (0 for ``"diffusion"``).
    n_neurons, seed : int
        Neurons per population and iteration, seed of the random numbers.
    model : MeanFieldNetwork
        The network (:func:`mfkit.network.as_model`).
    """

    cv: NDArray[np.float64]
    cv_err: NDArray[np.float64]
    rate: NDArray[np.float64]
    rate_err: NDArray[np.float64]
    names: tuple[str, ...]
    method: str
    iterations: int
    history: list[NDArray[np.float64]]
    history_err: list[NDArray[np.float64]]
    rate_history: list[NDArray[np.float64]]
    rate_err_history: list[NDArray[np.float64]]
    input_rates: str
    input_rate_history: list[NDArray[np.float64]]
    isi: tuple[NDArray[np.float64], ...] | None
    dt: float
    fixed_point: FixedPoint
    mu: NDArray[np.float64]
    sigma: NDArray[np.float64]
    t_sim: float
    t_warmup: float
    n_neurons: int
    seed: int
    model: MeanFieldNetwork = field(repr=False)

    def windowed_cv(self, t_window: float, *, min_isis: int = 2, n_trains: int = 10_000,
                    seed: int = 0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The CV of every population as a simulation measures it in a recording window of ``t_window`` ms.

        :func:`mfkit.renewal.windowed_cv` of :attr:`isi`: the mean over stationary renewal trains with this
        ISI distribution of the CV of their ISIs inside the window (``ddof=0``, trains with fewer than
        ``min_isis`` ISIs left out), the estimator of :attr:`mfkit.spiking.SpikingResult.cv_isi`.  Below a few
        mean ISIs per window it is lower than :attr:`cv` (at 1 Hz in 10 s by about 0.1 for CV ~ 0.9).

        Returns
        -------
        cv, cv_err : ndarray, shape (P,)
            The expected measured CV and its Monte Carlo standard error (population ``a`` uses seed
            ``seed + a``).

        Raises
        ------
        ValueError
            For ``method="diffusion"`` (no ISI distribution), or as :func:`mfkit.renewal.windowed_cv`.
        """
        if self.isi is None:
            raise ValueError("windowed_cv needs the ISI distribution of method='self-consistent'; "
                             "method='diffusion' has none")
        out = [windowed_cv(p, self.dt, t_window, min_isis=min_isis, n_trains=n_trains, seed=seed + a)
               for a, p in enumerate(self.isi)]
        return np.array([o.cv for o in out]), np.array([o.cv_err for o in out])

    def spike_train_spectrum(self, f: ArrayLike) -> NDArray[np.float64]:
        """Power spectrum (Hz, two-sided) of the spike train of every population, a renewal process.

        .. math::

            S_a(f) = \\nu_a \\frac{1 - |F_a(f)|^2}{|1 - F_a(f)|^2}, \\qquad
            F_a(f) = \\sum_k P_a(k)\\, e^{-2\\pi i f k\\, dt},

        with ``P_a`` = :attr:`isi` (``f`` in Hz, ``dt`` in s) and ``nu_a = 1 / sum_k k dt P_a(k)`` the rate
        of that ISI distribution (within its sampling error of :attr:`rate`), so that ``S_a -> nu_a`` at
        high ``f`` and ``S_a(0) = nu_a CV_a^2`` with the CV of the pooled ISIs (which differs from
        :attr:`cv`, the mean of the neurons' CVs, by its sampling error and the scatter between neurons).
        The histogram is a sample of ``M`` ISIs, so at high ``f``, where the true ``F`` vanishes, ``S``
        scatters about ``nu_a`` by a relative ``~ 2/sqrt(M)`` (``F`` of the sample).
        The spikes lie on the grid of ``dt``, so ``S`` is periodic in ``f`` with period ``1/dt``; only
        ``f`` below the Nyquist frequency ``1/(2 dt)`` is accepted.  Computed with
        ``1 - Re F = sum_k P(k) 2 sin^2(pi f k dt)``, free of cancellation at low ``f``.

        For ``"diffusion"``: :func:`mfkit.spike_train_spectrum` at :attr:`mu`, :attr:`sigma` (the
        white-noise neuron in continuous time, whose rate is the Siegert rate).

        Parameters
        ----------
        f : array_like
            Frequencies (Hz), finite, >= 0 (and below ``500/dt`` for ``"self-consistent"``).

        Returns
        -------
        ndarray, shape (P,) + shape(f)
        """
        m = self.model
        if self.isi is None:
            f = np.asarray(f, dtype=float)
            return np.stack([np.asarray(spike_train_spectrum(f, self.mu[a], self.sigma[a], m.tau_m[a],
                                                             m.t_ref[a], m.theta[a], m.V_reset[a]))
                             for a in range(len(self.names))])
        f = np.asarray(f, dtype=float)
        nyquist = 500.0 / self.dt
        if not np.all(np.isfinite(f) & (f >= 0) & (f < nyquist)):
            raise ValueError(f"f must be finite and in [0, {nyquist:g}) Hz (below the Nyquist frequency of the "
                             f"grid dt = {self.dt:g} ms), got values in [{np.min(f)!r}, {np.max(f)!r}]")
        out = []
        for p in self.isi:
            t = np.arange(p.size) * (self.dt * 1e-3)  # s
            mean = float(p @ t)
            nu = 1.0 / mean
            x = np.pi * f[..., None] * t
            a = (2.0 * np.sin(x) ** 2) @ p  # 1 - Re F
            b = np.sin(2.0 * x) @ p  # -Im F
            with np.errstate(invalid="ignore", divide="ignore"):
                s = nu * (2.0 * a - a * a - b * b) / (a * a + b * b)
            cv2 = float(p @ t**2) / mean**2 - 1.0
            out.append(np.where(f == 0, nu * cv2, s))
        return np.stack(out)


def _check_network(network) -> MeanFieldNetwork:
    model = as_model(network)
    if np.any(model.tau_syn != 0):
        raise ValueError(f"network must have delta synapses (tau_syn = 0 ms in every population; tau_syn > 0 is "
                         f"not supported yet), got tau_syn={model.tau_syn.tolist()} ms")
    return model


@njit(inline="always")
def _uniform(s0, s1, s2, s3):
    """A uniform double in [0, 1) from the xoshiro state in four locals; returns the new state and it."""
    s0, s1, s2, s3, r = step(s0, s1, s2, s3)
    return s0, s1, s2, s3, np.float64(r >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _simulate_population(n_neurons, n_warm, n_rec, decay, theta, V_reset, n_ref, pois_cdf, pois_guide, pois_w,
                         n_trains, train_w, train_scale, isi_cdf, isi_guide, eq_cdf, eq_guide, state):
    # Per neuron: the input of every step (summed weights) for the whole run, then the neuron on it.
    # Row r of the pois_* tables is a Poisson count per step of weight pois_w[r]; row r of the renewal
    # tables is n_trains[r] independent stationary trains of weight train_w[r] (ISI = train_scale[r] * a
    # draw from isi_*, first spike at U * train_scale[r] * a draw from the length-biased eq_*).
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    n_steps = n_warm + n_rec
    inp = np.empty(n_steps)
    counts = np.zeros(n_neurons)
    sum1 = np.zeros(n_neurons)  # sum of the ISIs (steps)
    sum2 = np.zeros(n_neurons)  # sum of their squares
    hist = np.zeros(n_rec + 1, dtype=np.int64)  # pooled ISIs (steps)
    for i in range(n_neurons):
        inp[:] = 0.0
        for r in range(pois_w.size):
            w = pois_w[r]
            for k in range(n_steps):
                s0, s1, s2, s3, c = draw_inverted(s0, s1, s2, s3, pois_cdf[r], pois_guide[r])
                if c > 0:
                    inp[k] += w * np.float64(c)
        for r in range(n_trains.size):
            w = train_w[r]
            sc = train_scale[r]
            for _ in range(n_trains[r]):
                s0, s1, s2, s3, length = draw_inverted(s0, s1, s2, s3, eq_cdf[r], eq_guide[r])
                s0, s1, s2, s3, u = _uniform(s0, s1, s2, s3)
                t = u * sc * np.float64(length)
                while t < n_steps:
                    inp[int(t)] += w
                    s0, s1, s2, s3, k = draw_inverted(s0, s1, s2, s3, isi_cdf[r], isi_guide[r])
                    t += sc * np.float64(k)
        V = V_reset
        ref = 0
        last = -1
        for k in range(n_steps):
            if ref > 0:  # NEST iaf_psc_delta: input arriving during the refractory period is discarded
                ref -= 1
                continue
            V = V * decay + inp[k]
            if V >= theta:
                V = V_reset
                ref = n_ref
                if k >= n_warm:
                    counts[i] += 1.0
                    if last >= 0:
                        isi = k - last
                        sum1[i] += isi
                        sum2[i] += isi * isi
                        hist[isi] += 1
                    last = k
    return counts, sum1, sum2, hist


def _isi_tables(hist: np.ndarray) -> tuple[tuple, tuple, float]:
    """Inversion tables of an ISI histogram (steps) and of its length-biased form, and its mean (steps)."""
    cdf, cdf_biased, mean = renewal_cdfs(hist)
    return inversion_tables(cdf), inversion_tables(cdf_biased), mean


def _iteration(model: MeanFieldNetwork, a: int, rates: np.ndarray, isi: list[np.ndarray] | None, *, n_neurons: int,
               n_warm: int, n_rec: int, dt: float, state: np.ndarray) -> tuple:
    """One simulation of population ``a``: (rate, rate_err, cv, cv_err, pooled ISI histogram in steps).

    ``isi`` is None (Poisson trains) or the ISI histograms (steps) of every population."""
    lam_ext = float(model.K_ext[a] * model.nu_ext[a]) * dt * 1e-3
    pois, pois_w = ([poisson_tables(lam_ext)], [float(model.J_ext[a])]) if lam_ext > 0 else ([], [])
    ren, eq, n_trains, train_w, train_scale = [], [], [], [], []
    for b in range(model.n_populations):
        K = int(np.rint(model.K[a, b]))
        if K == 0 or model.J[a, b] == 0:
            continue
        if isi is None:
            pois.append(poisson_tables(K * rates[b] * dt * 1e-3))
            pois_w.append(float(model.J[a, b]))
        else:
            table, eq_table, mean = _isi_tables(isi[b])
            ren.append(table)
            eq.append(eq_table)
            n_trains.append(K)
            train_w.append(float(model.J[a, b]))
            train_scale.append(1000.0 / (rates[b] * dt) / mean)
    empty = (np.full((1, 1), 2**53, dtype=np.uint64), np.zeros((1, 1), dtype=np.uint64))
    pois_cdf, pois_guide = stacked_tables(pois) if pois else empty
    isi_cdf, isi_guide = stacked_tables(ren) if ren else empty
    eq_cdf, eq_guide = stacked_tables(eq) if eq else empty
    counts, s1, s2, hist = _simulate_population(
        n_neurons, n_warm, n_rec, math.exp(-dt / model.tau_m[a]), float(model.theta[a]), float(model.V_reset[a]),
        int(round(model.t_ref[a] / dt)), pois_cdf, pois_guide, np.array(pois_w, dtype=float),
        np.array(n_trains, dtype=np.int64), np.array(train_w, dtype=float), np.array(train_scale, dtype=float),
        isi_cdf, isi_guide, eq_cdf, eq_guide, state)
    rates_out = counts / (n_rec * dt * 1e-3)
    n_isi = counts - 1
    ok = n_isi >= 2
    mean = s1[ok] / n_isi[ok]
    cvs = np.sqrt(np.maximum(s2[ok] / n_isi[ok] - mean**2, 0.0)) / mean
    if cvs.size < 2 or hist.sum() == 0:
        return float(rates_out.mean()), math.nan, math.nan, math.nan, hist
    return (float(rates_out.mean()), float(rates_out.std(ddof=1) / math.sqrt(n_neurons)), float(cvs.mean()),
            float(cvs.std(ddof=1) / math.sqrt(cvs.size)), np.trim_zeros(hist, "b"))


def network_cv(network, fixed_point: FixedPoint | ArrayLike | None = None, *, method: str = "diffusion",
               seed: int = 0, n_neurons: int = 200, t_sim: float | None = None, dt: float = 0.1,
               max_iter: int = 12, tol: float | None = None, input_rates: str = "fixed point") -> NetworkCV:
    """CV of the inter-spike intervals of every population at a fixed point of the network.

    Parameters
    ----------
    network : MeanFieldNetwork or BrunelNetwork
        The network (delta synapses: ``tau_syn = 0`` in every population; ``tau_syn > 0`` is not
        supported yet).
    fixed_point : FixedPoint or array_like, optional
        A fixed point of ``network`` or its rates (Hz), every rate > 0; default its only stable fixed
        point (:func:`mfkit.fixed_points.as_fixed_point`).
    method : {"diffusion", "self-consistent"}
        ``"diffusion"``: ``CV_a = cv_isi(mu_a, sigma_a, tau_m, t_ref, theta, V_reset)``
        (:func:`mfkit.cv_isi`) with ``mu_a``, ``sigma_a`` of eq. 28-29 at the fixed point: the
        white-noise neuron, fed by Poisson trains in the limit of small weights.
        ``"self-consistent"``: the fixed point of the map from the ISI distributions of the populations'
        input trains to the ISI distributions of their neurons, found by iterating a simulation (module
        docstring): per iteration and population ``n_neurons`` independent neurons on a grid of ``dt``
        ms, ``t_warmup = max(200 ms, t_sim/20)`` discarded, then ``t_sim`` recorded; the recurrent inputs
        are ``rint(K[a, b])`` independent renewal trains per source ``b`` at the fixed point's rate
        ``nu_b``, with the previous iteration's ISI distribution of ``b`` rescaled to the mean
        ``1/nu_b`` (Poisson in iteration 0), the external input a Poisson stream of rate
        ``K_ext nu_ext``.  Shot noise and the time grid are included, input correlations are not.
    seed : int
        Seed of the random numbers, in [0, 2**32): the same seed (and arguments) gives the same result.
        Iteration ``n`` of population ``a`` uses stream ``n P + a`` spawned from it.
    n_neurons : int
        Neurons per population and iteration (>= 2).
    t_sim : float, optional
        Recorded time per iteration (ms, > 0).  Default: :data:`N_INTERVALS` mean ISIs of the slowest
        population at the fixed point, at most :data:`T_SIM_MAX` ms.
    dt : float
        Time step (ms, > 0, at most ``tau_m/10``).
    max_iter : int
        Most iterations after iteration 0 (>= 2).
    tol : float, optional
        The iteration stops at iteration ``n`` when, in every population, the CV changed by less than
        the tolerance from ``n - 2`` to ``n - 1`` and from ``n - 1`` to ``n`` (and, with
        ``input_rates="self-consistent"``, the output rates of iteration ``n`` are within the larger of 0.5 %
        and two standard errors of its input rates).  Default: the larger of
        0.005 and twice the standard error of the change, ``2 sqrt(err_n^2 + err_{n-1}^2)``; else the
        given absolute tolerance (> 0).  The CV approaches its limit about geometrically (from above
        where the input trains become more regular, each change roughly half the previous one at the
        Brunel network), so the result can still lie about one tolerance from the limit: a smaller
        ``tol`` (with larger ``n_neurons`` or ``t_sim``, so that it exceeds the noise) gets closer.
    input_rates : {"fixed point", "self-consistent"}
        ``"fixed point"`` (default): the input trains fire at the fixed point's rates in every iteration.
        ``"self-consistent"``: from iteration 1 on at rates moved towards the neurons' output rates by the
        Newton step ``nu_in + (1 - D)^-1 (nu_out - nu_in)``, ``D`` the Jacobian ``d nu_out / d nu_in`` of
        the shot-noise neurons at ``nu_in`` (continuous time, Poisson input; halved until every rate stays
        positive): a fixed point of the rates and of the ISI distributions together.

    Returns
    -------
    NetworkCV

    Raises
    ------
    ValueError
        Naming the bad argument and its allowed range: an unknown ``method``, ``n_neurons < 2``, ``dt``
        not finite or not in ``(0, tau_m/10]``, a ``t_sim``, ``max_iter``, ``tol`` or ``seed`` out of
        range, a run of more than :data:`mfkit.single_neuron.MAX_STEPS` steps, ``tau_syn > 0``, a fixed
        point with a rate of 0, or a ``fixed_point`` that is not one.
    TypeError
        If ``network`` is not a network.
    SelfConsistencyError
        (a ``RuntimeError``) if the iteration has not converged after ``max_iter`` iterations, or the
        neurons of a population fire fewer than two ISIs each.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if input_rates not in INPUT_RATES:
        raise ValueError(f"input_rates must be one of {INPUT_RATES}, got {input_rates!r}")
    model = _check_network(network)
    seed = integer_in("seed", seed, 0, 2**32 - 1, allow_float=False)
    n_neurons = integer_in("n_neurons", n_neurons, 2, allow_float=False)
    max_iter = integer_in("max_iter", max_iter, 2, allow_float=False)
    dt = number_in("dt", dt, 0.0, float(np.min(model.tau_m)) / 10, lo_open=True, unit="ms", note="at most tau_m/10")
    if tol is not None:
        tol = number_in("tol", tol, 0.0, lo_open=True)
    if t_sim is not None:
        t_sim = number_in("t_sim", t_sim, 0.0, lo_open=True, unit="ms")
    fp = as_fixed_point(model, fixed_point)
    rates = np.asarray(fp.rates, dtype=float)
    if not np.all(rates > 0):
        raise ValueError(f"the fixed point must have rates > 0 Hz in every population (the CV of a silent one is "
                         f"undefined), got {rates.tolist()} Hz")
    stats = model.input_statistics(rates)
    P = model.n_populations
    zeros = np.zeros(P)
    common = dict(names=model.names, method=method, dt=dt, fixed_point=fp, mu=stats.mu, sigma=stats.sigma,
                  n_neurons=n_neurons, seed=seed, model=model, input_rates=input_rates)
    if method == "diffusion":
        cv = np.asarray(cv_isi(stats.mu, stats.sigma, model.tau_m, model.t_ref, model.theta, model.V_reset),
                        dtype=float)
        return NetworkCV(cv=cv, cv_err=zeros, rate=rates, rate_err=zeros, iterations=0, history=[cv],
                         history_err=[zeros], rate_history=[rates], rate_err_history=[zeros],
                         input_rate_history=[rates], isi=None, t_sim=0.0, t_warmup=0.0, **common)
    if t_sim is None:
        t_sim = min(N_INTERVALS * 1000.0 / float(rates.min()), T_SIM_MAX)
    t_warmup = max(_T_WARMUP_MIN, t_sim / 20)
    n_rec, n_warm = int(round(t_sim / dt)), int(round(t_warmup / dt))
    if n_rec < 1:
        raise ValueError(f"t_sim must be at least one step dt, got t_sim={t_sim!r}, dt={dt!r}")
    if n_rec + n_warm > MAX_STEPS:
        raise ValueError(f"t_sim + t_warmup must be at most MAX_STEPS = {MAX_STEPS:g} steps of dt = {dt!r} ms, got "
                         f"t_sim={t_sim!r} ms, t_warmup={t_warmup!r} ms")
    states = make_states(seed, (max_iter + 1) * P)
    history, history_err, rate_history, rate_err_history, input_history = [], [], [], [], []
    isi = None
    for n in range(max_iter + 1):
        input_history.append(rates)
        out = [_iteration(model, a, rates, isi, n_neurons=n_neurons, n_warm=n_warm, n_rec=n_rec, dt=dt,
                          state=states[n * P + a]) for a in range(P)]
        rate, rate_err, cv, cv_err = (np.array([o[j] for o in out]) for j in range(4))
        history.append(cv)
        history_err.append(cv_err)
        rate_history.append(rate)
        rate_err_history.append(rate_err)
        if np.any(np.isnan(cv)):
            silent = [model.names[a] for a in range(P) if np.isnan(cv[a])]
            raise SelfConsistencyError(f"in iteration {n} the neurons of {silent} fired fewer than two ISIs each "
                                       f"in t_sim = {t_sim:g} ms (rates {rate.tolist()} Hz): no ISI distribution",
                                       history)
        isi = [o[4] for o in out]
        consistent = input_rates == "fixed point" or bool(np.all(
            np.abs(rate - rates) <= np.maximum(_RATE_RTOL * rates, 2.0 * rate_err)))
        if n >= 2 and consistent and all(_settled(history, history_err, m, tol) for m in (n, n - 1)):
            return NetworkCV(cv=cv, cv_err=cv_err, rate=rate, rate_err=rate_err, iterations=n, history=history,
                             history_err=history_err, rate_history=rate_history,
                             rate_err_history=rate_err_history, input_rate_history=input_history,
                             isi=tuple(h / h.sum() for h in isi), t_sim=t_sim, t_warmup=t_warmup, **common)
        if input_rates == "self-consistent":
            rates = _newton_rates(model, rates, rate)
    raise SelfConsistencyError(f"the self-consistent CV did not converge in max_iter = {max_iter} iterations "
                               f"(tol {'default' if tol is None else tol}); CV per iteration: "
                               f"{[h.round(4).tolist() for h in history]}", history)


def _newton_rates(model: MeanFieldNetwork, rates_in: np.ndarray, rates_out: np.ndarray) -> np.ndarray:
    """The input rates of the next iteration: ``nu_in + (1 - D)^-1 (nu_out - nu_in)`` with ``D`` the Jacobian of
    the shot-noise neurons at ``nu_in`` (:class:`mfkit.shot_input.ShotNoiseInputs`), halved until positive."""
    continuous = model if model.dt is None else replace(model, dt=None)  # as documented: continuous time
    _, jac, _ = ShotNoiseInputs(continuous, rates_in, rtol=1e-4).transfer()
    step = np.linalg.solve(np.eye(rates_in.size) - jac, rates_out - rates_in)
    while np.any(rates_in + step <= 0):
        step = step / 2
    return rates_in + step


def _settled(history: list[np.ndarray], history_err: list[np.ndarray], n: int, tol: float | None) -> bool:
    """Whether the CV of every population changed by less than the tolerance from iteration n - 1 to n."""
    change = np.abs(history[n] - history[n - 1])
    if tol is None:
        tol = np.maximum(_ABS_TOL, 2.0 * np.hypot(history_err[n], history_err[n - 1]))
    return bool(np.all(change < tol))
