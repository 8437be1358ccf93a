"""The mean-field model of a network of LIF populations, and its input statistics (eq. 27-29).

This module holds the *model*: which populations exist, how many inputs each neuron receives
from each population, how strong they are, what the single-neuron parameters are and what drives
the network from outside.  From that it computes, in one place (:meth:`MeanFieldNetwork.input_statistics`),
the mean input ``mu`` (eq. 28 of Hahne et al. 2017) and the input fluctuation ``sigma`` (eq. 29)
for any vector of population rates, together with their derivatives with respect to the rates;
and the Siegert transfer function of each population (eq. 27) with its Jacobian.  Along a line of
rates the same statistics come as floats (:meth:`MeanFieldNetwork.rate_line`, the inner loop of the
scalar fixed-point search), and populations with identical input are grouped
(:meth:`MeanFieldNetwork.population_groups`, :meth:`MeanFieldNetwork.group_expansion`).  Every solver
and analysis (fixed points, pseudo-time dynamics, stability, the single-neuron simulations) takes
the statistics from here; the model never imports a solver.

The Brunel (2000) parameterisation of this model lives in :mod:`mfkit.brunel`.

Units everywhere: ms, mV, Hz.  Rates enter eq. 28 and 29 in Hz, so the membrane time constant
is converted to seconds (``tau_m * 1e-3``), exactly as in NEST's ``diffusion_connection``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .delays import check_delays, delay_transform
from .neuron import NEURON_PARAMS, check_colored_noise, check_neuron_params, check_time_grid
from .siegert import SiegertDerivatives, siegert, siegert_with_derivatives

__all__ = ["MeanFieldNetwork", "InputStatistics", "RateLine", "LinePoint", "as_model"]


def _shaped(a: ArrayLike, shape: tuple[int, ...], name: str) -> np.ndarray:
    """``a`` as an array broadcast to ``shape`` (its dtype kept); a ValueError naming ``name`` otherwise."""
    try:
        arr = np.asarray(a)
        return arr if arr.shape == shape else np.broadcast_to(arr, shape)
    except ValueError as exc:
        raise ValueError(f"{name} has shape {np.shape(a)}, expected {shape} (or a scalar)") from exc


def _frozen(a: ArrayLike, name: str, *, check: bool = True) -> NDArray[np.float64]:
    """A read-only float64 copy of ``a``; with ``check``, a ValueError unless it holds finite real numbers."""
    if check and (np.asarray(a).dtype.kind not in "iuf" or not np.all(np.isfinite(a))):
        raise ValueError(f"{name} must be finite real numbers, got {a!r}")
    arr = np.array(a, dtype=float)
    arr.setflags(write=False)
    return arr


class InputStatistics(NamedTuple):
    """Mean and fluctuation of the input (eq. 28-29) and their derivatives with respect to the rates.

    Attributes
    ----------
    mu : ndarray, shape (..., P)
        Mean input in mV.
    sigma : ndarray, shape (..., P)
        Input fluctuation in mV (Brunel/Hahne convention; free-membrane variance ``sigma**2 / 2``).
    d_mu : ndarray, shape (P, P)
        ``d mu_a / d nu_b`` in mV/Hz: the drift factors (constant).
    d_sigma : ndarray, shape (..., P, P)
        ``d sigma_a / d nu_b = S_ab / (2 sigma_a)`` in mV/Hz, with diffusion factors ``S``;
        0 where ``sigma_a = 0`` (the one-sided derivative is infinite there unless ``S_ab = 0``;
        this only happens at zero rates without external noise).
    """

    mu: NDArray[np.float64]
    sigma: NDArray[np.float64]
    d_mu: NDArray[np.float64]
    d_sigma: NDArray[np.float64]


def _sigma_slope(sigma, d_sigma2):
    """``d sigma = d(sigma^2) / (2 sigma)``: the chain rule of ``sigma = sqrt(sigma^2)``, 0 where ``sigma = 0``.

    The one place where the derivative of ``sigma`` is formed from that of the variance (eq. 29):
    arrays for :meth:`MeanFieldNetwork.input_statistics`, floats for :meth:`RateLine.at`.
    """
    if isinstance(sigma, float):  # a float: the scalar inner loop, without numpy's overhead
        return d_sigma2 / (2.0 * sigma) if sigma > 0 else 0.0
    s = np.asarray(sigma, dtype=float)
    return np.divide(d_sigma2, 2.0 * s, out=np.zeros(np.broadcast_shapes(s.shape, np.shape(d_sigma2))),
                     where=s > 0)


class LinePoint(NamedTuple):
    """One point of a :class:`RateLine`: the input of the population and its transfer at a common rate.

    Attributes
    ----------
    mu, sigma : float
        Mean input and input fluctuation in mV (eq. 28-29).
    siegert : SiegertDerivatives
        The Siegert rate ``Phi`` (Hz, eq. 27) and its partial derivatives with respect to ``mu`` and
        ``sigma`` there.
    slope : float
        ``dPhi/dnu`` along the line (dimensionless): ``dPhi/dmu * drift + dPhi/dsigma * dsigma/dnu``.
    """

    mu: float
    sigma: float
    siegert: SiegertDerivatives
    slope: float


class RateLine(NamedTuple):
    """Eq. 27-29 of one population along a line of rates: some populations fire at a common rate ``nu``.

    Eq. 28-29 are affine in the rates, so along the line, exactly,

    .. math::

        \\mu = \\mu_0 + \\text{drift}\\,\\nu, \\qquad \\sigma^2 = \\text{var}_0 + \\text{diffusion}\\,\\nu,

    with ``mu_0`` and ``var_0`` the part of the external drive.  Made by
    :meth:`MeanFieldNetwork.rate_line`; plain floats, so that :meth:`at` is fast enough for the inner
    loop of a scalar Newton iteration.

    Attributes
    ----------
    mu_0 : float
        Mean input at ``nu = 0`` (mV).
    drift : float
        ``d mu / d nu`` (mV/Hz): the sum of the drift factors of the sources.
    var_0 : float
        Input variance at ``nu = 0`` (mV^2).
    diffusion : float
        ``d sigma^2 / d nu`` (mV^2/Hz): the sum of the diffusion factors of the sources.
    neuron : dict of str to float
        The population's neuron parameters, as keyword arguments of :func:`~mfkit.siegert.siegert`.
    dt : float or None
        The threshold's time grid (ms; None: continuous time), :attr:`MeanFieldNetwork.dt`.
    colored_noise : {"shift", "taylor"}
        The form of the colored-noise correction, :attr:`MeanFieldNetwork.colored_noise`.
    """

    mu_0: float
    drift: float
    var_0: float
    diffusion: float
    neuron: dict[str, float]
    dt: float | None = None
    colored_noise: str = "shift"

    def at(self, nu: float) -> LinePoint:
        """Input statistics, Siegert rate and its slope along the line at the common rate ``nu`` (Hz, >= 0)."""
        mu = self.mu_0 + self.drift * nu
        sigma = math.sqrt(self.var_0 + self.diffusion * nu)
        d = siegert_with_derivatives(mu, sigma, **self.neuron, dt=self.dt, colored_noise=self.colored_noise)
        ds = _sigma_slope(sigma, self.diffusion)
        # where sigma does not move with nu its term is 0, even if dPhi/dsigma = inf
        return LinePoint(mu, sigma, d, d.d_mu * self.drift + (d.d_sigma * ds if ds != 0.0 else 0.0))


@dataclass(frozen=True, eq=False)
class MeanFieldNetwork:
    """A network of ``P`` homogeneous populations of LIF neurons (mean-field form).

    Every neuron of population ``a`` receives ``K[a, b]`` inputs from population ``b``, each of
    weight ``J[a, b]`` (mV, the jump of the membrane potential per spike), and ``K_ext[a]``
    independent Poisson inputs, each of rate ``nu_ext[a]`` (Hz) and weight ``J_ext[a]``.  In the
    diffusion approximation the input is Gaussian white noise with mean and variance (Hahne et
    al. 2017, eq. 28 and 29; ``tau_m`` converted to s because rates are in Hz)

    .. math::

        \\mu_a = \\tau_{m,a} \\Big(\\sum_b K_{ab} J_{ab} \\nu_b
                  + K^{ext}_a J^{ext}_a \\nu^{ext}_a\\Big), \\qquad
        \\sigma_a^2 = \\tau_{m,a} \\Big(\\sum_b K_{ab} J_{ab}^2 \\nu_b
                  + K^{ext}_a (J^{ext}_a)^2 \\nu^{ext}_a\\Big).

    Parameters
    ----------
    K : array_like, shape (P, P)
        In-degrees, ``K[a, b]`` = inputs to one neuron of ``a`` from ``b`` (>= 0).
    J : array_like, shape (P, P)
        Synaptic weights in mV (any sign).
    tau_m, t_ref, theta, V_reset, tau_syn : float or array_like, shape (P,)
        Neuron parameters per population (see :mod:`mfkit.neuron`): membrane time constant (ms,
        > 0), refractory period (ms, >= 0), threshold (mV), reset (mV, < theta) and synaptic time
        constant (ms, >= 0; colored-noise correction of Fourcaud & Brunel 2002 when > 0).
    K_ext, J_ext, nu_ext : float or array_like, shape (P,)
        External drive: number of Poisson inputs (>= 0), their weight (mV) and the rate of each
        of them in **Hz** (>= 0).  Default: no external drive.
    delay : float or array_like, shape (P, P)
        Transmission delay in ms (>= 0): one number for every connection, or a matrix
        ``delay[a, b]`` (target ``a``, source ``b``); with a distribution its location (truncated
        Gaussian) or mean (exponential, > 0).  The stationary theory (eq. 27-30) does not depend on
        it; the stability of the stationary state and the spectra do (:func:`mfkit.network_stability`,
        :func:`mfkit.rate_spectrum`, through :meth:`delay_kernel`).  Default 0.
    delay_distribution : {"fixed", "truncated_gaussian", "exponential"}
        How the delays of a connection are distributed (:mod:`mfkit.delays`): all equal to ``delay``
        (default), a Gaussian of location ``delay`` and standard deviation ``delay_sd`` cut at 0, or
        exponential with mean ``delay``.
    delay_sd : float or array_like, shape (P, P)
        Standard deviation of the truncated Gaussian (ms, > 0); 0 (default) for the other kinds.
    names : sequence of str, optional
        Population names (default ``"P0", "P1", ...``; two populations default to ``"E", "I"``).
    dt : float or None
        The neurons' threshold is tested only every ``dt`` ms, as in a simulation with that step
        (NEST's ``iaf_psc_delta``, :func:`mfkit.simulate_brunel`): eq. 27 is then evaluated with the
        threshold raised by ``beta sigma sqrt(dt/tau_m)`` (the ``dt`` of :func:`mfkit.siegert`, an
        approximation; see there), in every fixed point (eq. 27, 30), the pseudo-time dynamics and
        the continuation.  ``None`` (default): continuous time.  In ``(0, tau_m/10]`` and only with
        ``tau_syn = 0``.  The linear response on a grid is not implemented: the stability and the
        spectra (:func:`mfkit.network_stability`, :func:`mfkit.rate_spectrum`) refuse a network with
        ``dt`` set.
    N : sequence of int, optional
        Population sizes (neurons per population, integers >= 1). The stationary theory does not use
        them (it depends on in-degrees only); the spectra of a finite network
        (:func:`mfkit.rate_spectrum`) take them as their default sizes. ``None`` (default): unknown.
    colored_noise : {"shift", "taylor"}
        The form of the colored-noise correction of Fourcaud & Brunel (2002) for populations with
        ``tau_syn > 0`` (the ``colored_noise`` of :func:`mfkit.siegert`): ``"shift"`` (default,
        threshold and reset shifted, NEST's ``siegert_neuron``) or ``"taylor"`` (the rate expanded to
        first order in ``sqrt(tau_syn/tau_m)``, the form of Bos et al. 2016). Used by every fixed
        point, the pseudo-time dynamics and the continuation; no effect where ``tau_syn = 0``.

    Notes
    -----
    Arrays are stored as read-only copies, so instances are immutable.
    """

    K: NDArray[np.float64]
    J: NDArray[np.float64]
    tau_m: NDArray[np.float64] = 20.0  # type: ignore[assignment]
    t_ref: NDArray[np.float64] = 2.0  # type: ignore[assignment]
    theta: NDArray[np.float64] = 20.0  # type: ignore[assignment]
    V_reset: NDArray[np.float64] = 0.0  # type: ignore[assignment]
    tau_syn: NDArray[np.float64] = 0.0  # type: ignore[assignment]
    K_ext: NDArray[np.float64] = 0.0  # type: ignore[assignment]
    J_ext: NDArray[np.float64] = 0.0  # type: ignore[assignment]
    nu_ext: NDArray[np.float64] = 0.0  # type: ignore[assignment]
    delay: float | NDArray[np.float64] = 0.0
    names: tuple[str, ...] = field(default=())
    dt: float | None = None
    colored_noise: str = "shift"
    N: tuple[int, ...] | None = None
    delay_distribution: str = "fixed"
    delay_sd: float | NDArray[np.float64] = 0.0

    def __post_init__(self) -> None:
        K = np.asarray(self.K)
        if K.ndim != 2 or K.shape[0] != K.shape[1] or K.shape[0] < 1:
            raise ValueError(f"K must be a square (P, P) matrix with P >= 1, got shape {K.shape}")
        P = K.shape[0]
        set_ = object.__setattr__
        set_(self, "K", _frozen(K, "K"))
        set_(self, "J", _frozen(_shaped(self.J, (P, P), "J"), "J"))
        neuron = {name: _shaped(getattr(self, name), (P,), name) for name in NEURON_PARAMS}
        check_neuron_params(**neuron)  # the neuron's types and ranges, checked in one place
        for name in NEURON_PARAMS:
            set_(self, name, _frozen(neuron[name], name, check=False))
        for name in ("K_ext", "J_ext", "nu_ext"):
            set_(self, name, _frozen(_shaped(getattr(self, name), (P,), name), name))
        if np.any(self.K < 0):
            raise ValueError(f"K (in-degrees) must be >= 0, got {self.K.tolist()}")
        if np.any(self.K_ext < 0):
            raise ValueError(f"K_ext must be >= 0, got {self.K_ext.tolist()}")
        if np.any(self.nu_ext < 0):
            raise ValueError(f"nu_ext must be >= 0 Hz, got {self.nu_ext.tolist()}")
        names = tuple(str(n) for n in self.names)
        if not names:
            names = ("E", "I") if P == 2 else tuple(f"P{i}" for i in range(P))
        if len(names) != P:
            raise ValueError(f"names must have {P} entries, got {len(names)}")
        set_(self, "names", names)
        if isinstance(self.delay, bool) or isinstance(self.delay_sd, bool):
            raise ValueError(f"delay and delay_sd must be numbers or ({P}, {P}) matrices in ms, got "
                             f"{self.delay!r}, {self.delay_sd!r}")
        D, S = check_delays(self.delay, self.delay_distribution, self.delay_sd, P)
        set_(self, "delay", float(D[0, 0]) if np.ndim(self.delay) == 0 else D)
        set_(self, "delay_sd", float(S[0, 0]) if np.ndim(self.delay_sd) == 0 else S)
        if self.dt is not None:
            if np.ndim(self.dt) != 0:
                raise ValueError(f"dt must be None or one time step in ms (the same for every population), "
                                 f"got {self.dt!r}")
            check_time_grid(self.dt, self.tau_m, self.tau_syn)
            set_(self, "dt", float(self.dt))
        check_colored_noise(self.colored_noise)
        if self.N is not None:
            sizes = np.asarray(self.N, dtype=object)
            if sizes.shape != (P,) or not all(not isinstance(n, bool) and isinstance(n, (int, np.integer)) and n >= 1
                                              for n in sizes):
                raise ValueError(f"N (population sizes) must be None or {P} integers >= 1, got {self.N!r}")
            set_(self, "N", tuple(int(n) for n in sizes))

    # ------------------------------------------------------------------ sizes
    @property
    def n_populations(self) -> int:
        """Number of populations ``P``."""
        return self.K.shape[0]

    @property
    def neuron_params(self) -> dict[str, NDArray[np.float64]]:
        """Per-population neuron parameters as keyword arguments of :func:`~mfkit.siegert.siegert`."""
        return {name: getattr(self, name) for name in NEURON_PARAMS}

    @property
    def transfer_params(self) -> dict[str, NDArray[np.float64] | float | None]:
        """Keyword arguments of :func:`~mfkit.siegert.siegert` for every population's transfer function (eq. 27).

        The neuron parameters (:attr:`neuron_params`), the threshold's time grid :attr:`dt` and the
        colored-noise form :attr:`colored_noise`: every evaluation of eq. 27 by the model and its
        solvers takes them from here.
        """
        return {**self.neuron_params, "dt": self.dt, "colored_noise": self.colored_noise}

    @property
    def uniform_delay(self) -> float | None:
        """The delay (ms) when every connection has the same fixed delay, else None."""
        D = np.broadcast_to(np.asarray(self.delay, dtype=float), (self.n_populations,) * 2)
        if self.delay_distribution == "fixed" and np.all(D == D[0, 0]):
            return float(D[0, 0])
        return None

    def delay_kernel(self, lam: ArrayLike) -> NDArray[np.complex128]:
        """``L_ab(lambda)``: the Laplace transform of the delay density of every connection, shape (..., P, P).

        ``e^{-lambda d_ab}`` for fixed delays; see :func:`mfkit.delays.delay_transform`.  ``lam`` in 1/ms.
        Evaluated once per distinct (delay, delay_sd) pair (the microcircuit has two for 64 connections).
        """
        lam = np.asarray(lam, dtype=complex)[..., None]
        P = self.n_populations
        pairs = np.stack([np.broadcast_to(self.delay, (P, P)).ravel(), np.broadcast_to(self.delay_sd, (P, P)).ravel()])
        distinct, where = np.unique(pairs, axis=1, return_inverse=True)
        values = delay_transform(lam, distinct[0], self.delay_distribution, distinct[1])       # (..., distinct)
        return values[..., where.reshape(P, P)]

    @property
    def max_rate(self) -> NDArray[np.float64]:
        """Upper bound of each population's rate, ``1000 / t_ref`` in Hz (``inf`` where ``t_ref = 0``)."""
        with np.errstate(divide="ignore"):
            return 1e3 / self.t_ref

    # ------------------------------------------------------- eq. 28 and 29
    @property
    def drift_factors(self) -> NDArray[np.float64]:
        """Drift factors ``tau_m[a] * 1e-3 * K[a, b] * J[a, b]`` (mV/Hz), shape (P, P) (eq. 28)."""
        return self.tau_m[:, None] * 1e-3 * self.K * self.J

    @property
    def diffusion_factors(self) -> NDArray[np.float64]:
        """Diffusion factors ``tau_m[a] * 1e-3 * K[a, b] * J[a, b]**2`` (mV^2/Hz), shape (P, P) (eq. 29)."""
        return self.tau_m[:, None] * 1e-3 * self.K * self.J**2

    @property
    def drift_factors_ext(self) -> NDArray[np.float64]:
        """External drift factors ``tau_m * 1e-3 * K_ext * J_ext`` (mV/Hz), shape (P,)."""
        return self.tau_m * 1e-3 * self.K_ext * self.J_ext

    @property
    def diffusion_factors_ext(self) -> NDArray[np.float64]:
        """External diffusion factors ``tau_m * 1e-3 * K_ext * J_ext**2`` (mV^2/Hz), shape (P,)."""
        return self.tau_m * 1e-3 * self.K_ext * self.J_ext**2

    def check_rates(self, rates: ArrayLike, name: str = "rates") -> NDArray[np.float64]:
        """``rates`` as a float array of shape (..., P) after checking it (ValueError naming ``name``).

        A scalar, or a trailing dimension of 1, means the same rate in every population.  Rates
        must be >= 0 Hz (``inf`` is allowed, NaN passes through and gives NaN results).
        """
        r = np.asarray(rates, dtype=float)
        P = self.n_populations
        if r.ndim == 0:
            r = np.full(P, float(r))
        elif r.shape[-1] == 1 and P > 1:  # the same rate in every population
            r = np.broadcast_to(r, r.shape[:-1] + (P,))
        if r.shape[-1] != P:
            raise ValueError(f"{name} must have last dimension {P}, got shape {r.shape}")
        if np.any(r < 0):
            raise ValueError(f"{name} must be >= 0 Hz, got {float(np.nanmin(r))!r} (in an array of shape {r.shape})")
        return r

    def _moments(self, r: NDArray[np.float64], nu_ext: ArrayLike | None) -> tuple[NDArray, NDArray]:
        """Mean (mV) and variance (mV^2) of the input, eq. 28 and 29, for checked rates ``r``."""
        if nu_ext is None:
            ext = self.nu_ext
        else:
            ext = np.asarray(nu_ext, dtype=float)
            if np.any(ext < 0):
                raise ValueError(f"nu_ext must be >= 0 Hz, got {ext.tolist()}")
        mu = self.drift_factors_ext * ext + r @ self.drift_factors.T
        var = self.diffusion_factors_ext * ext + r @ self.diffusion_factors.T
        return mu, var

    def input_statistics(self, rates: ArrayLike, nu_ext: ArrayLike | None = None) -> InputStatistics:
        """Mean input, input fluctuation and their derivatives with respect to the rates (eq. 28-29).

        .. math::

            \\mu_a = \\sum_b D_{ab}\\nu_b + D^{ext}_a\\nu^{ext}_a, \\quad
            \\sigma_a^2 = \\sum_b S_{ab}\\nu_b + S^{ext}_a\\nu^{ext}_a, \\quad
            \\frac{\\partial\\mu_a}{\\partial\\nu_b} = D_{ab}, \\quad
            \\frac{\\partial\\sigma_a}{\\partial\\nu_b} = \\frac{S_{ab}}{2\\sigma_a},

        with drift factors ``D`` and diffusion factors ``S`` (:attr:`drift_factors`,
        :attr:`diffusion_factors`).

        Parameters
        ----------
        rates : array_like, shape (..., P)
            Population rates in Hz (>= 0; a scalar, or a trailing dimension of 1, means the same
            rate in every population).
        nu_ext : array_like, shape (..., P), optional
            Rate of each external input in Hz; default :attr:`nu_ext`.

        Returns
        -------
        InputStatistics
        """
        mu, var = self._moments(self.check_rates(rates), nu_ext)
        sigma = np.sqrt(var)
        d_sigma = _sigma_slope(sigma[..., :, None], self.diffusion_factors)
        return InputStatistics(mu, sigma, self.drift_factors, d_sigma)

    def mu(self, rates: ArrayLike, nu_ext: ArrayLike | None = None) -> NDArray[np.float64]:
        """Mean input ``mu`` in mV (eq. 28); see :meth:`input_statistics` for the arguments."""
        return self._moments(self.check_rates(rates), nu_ext)[0]

    def sigma2(self, rates: ArrayLike, nu_ext: ArrayLike | None = None) -> NDArray[np.float64]:
        """Input variance ``sigma**2`` in mV^2 (eq. 29); see :meth:`input_statistics`."""
        return self._moments(self.check_rates(rates), nu_ext)[1]

    def sigma(self, rates: ArrayLike, nu_ext: ArrayLike | None = None) -> NDArray[np.float64]:
        """Input fluctuation ``sigma`` in mV (square root of eq. 29); see :meth:`input_statistics`."""
        return np.sqrt(self.sigma2(rates, nu_ext))

    # ------------------------------------------------------------- eq. 27
    def transfer(self, rates: ArrayLike, nu_ext: ArrayLike | None = None) -> NDArray[np.float64]:
        """Output rates ``Phi_a(mu_a(rates), sigma_a(rates))`` in Hz (eq. 27)."""
        mu, var = self._moments(self.check_rates(rates), nu_ext)
        return np.asarray(siegert(mu, np.sqrt(var), **self.transfer_params), dtype=float)

    @staticmethod
    def rate_jacobian(stats: InputStatistics, derivatives: SiegertDerivatives) -> NDArray[np.float64]:
        """``dPhi_a/dnu_b = dPhi_a/dmu_a dmu_a/dnu_b + dPhi_a/dsigma_a dsigma_a/dnu_b`` (shape (..., P, P)).

        The chain rule from the Siegert derivatives (:func:`~mfkit.siegert.siegert_with_derivatives`
        at ``stats.mu``, ``stats.sigma``) to the derivatives with respect to the rates.
        """
        d_mu = np.asarray(derivatives.d_mu, dtype=float)[..., :, None]
        d_sig = np.asarray(derivatives.d_sigma, dtype=float)[..., :, None]
        # where sigma does not move with a rate (d_sigma = 0) its term is 0, even if dPhi/dsigma = inf
        moves = stats.d_sigma != 0
        return d_mu * stats.d_mu + np.multiply(d_sig, stats.d_sigma, out=np.zeros(moves.shape), where=moves)

    def transfer_with_jacobian(self, rates: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Output rates ``Phi(nu)`` (Hz) and their derivatives ``dPhi_a/dnu_b`` in one Siegert call.

        Parameters
        ----------
        rates : array_like, shape (..., P)
            Population rates in Hz.

        Returns
        -------
        phi : ndarray, shape (..., P)
        dphi : ndarray, shape (..., P, P)
            See :meth:`rate_jacobian`.
        """
        stats = self.input_statistics(rates)
        d = siegert_with_derivatives(stats.mu, stats.sigma, **self.transfer_params)
        return np.asarray(d.rate, dtype=float), self.rate_jacobian(stats, d)

    def jacobian(self, rates: ArrayLike, tau: float = 1.0) -> NDArray[np.float64]:
        """Jacobian of the pseudo-time dynamics (eq. 30) at ``rates``, in 1/ms.

        For ``tau d nu_a/ds = -nu_a + Phi_a(mu_a(nu), sigma_a(nu))``,

        .. math::

            A_{ab} = \\frac{1}{\\tau}\\Big(-\\delta_{ab}
                   + \\frac{\\partial\\Phi_a}{\\partial\\mu_a} D_{ab}
                   + \\frac{\\partial\\Phi_a}{\\partial\\sigma_a}
                     \\frac{S_{ab}}{2\\sigma_a}\\Big),

        with drift factors ``D`` and diffusion factors ``S``.  This is the stability of the
        fictitious pseudo-time relaxation, not of the spiking network with its delays.

        Parameters
        ----------
        rates : array_like, shape (..., P)
            Population rates in Hz.
        tau : float
            Pseudo-time constant in ms (> 0).

        Returns
        -------
        ndarray, shape (..., P, P)
        """
        if not tau > 0:
            raise ValueError(f"tau must be > 0 ms, got {tau!r}")
        _, dphi = self.transfer_with_jacobian(rates)
        return (dphi - np.eye(self.n_populations)) / tau

    # ------------------------------------------------------------ structure
    def population_groups(self) -> list[list[int]]:
        """Groups of populations that receive identical input and have identical parameters.

        Populations ``a`` and ``c`` are in one group when their rows of the drift and diffusion
        factor matrices, their external drive, their neuron parameters and their rows of delays
        (and delay spreads) are equal.  Then
        ``mu_a = mu_c`` and ``sigma_a = sigma_c`` for *any* rate vector, so every fixed point has
        equal rates within a group.
        """
        keys: dict[bytes, list[int]] = {}
        D, S = self.drift_factors, self.diffusion_factors
        P = self.n_populations
        delays, spreads = np.broadcast_to(self.delay, (P, P)), np.broadcast_to(self.delay_sd, (P, P))
        mu_ext, var_ext = self._moments(np.zeros(self.n_populations), None)
        for a in range(self.n_populations):
            row = np.concatenate([D[a], S[a], [mu_ext[a], var_ext[a]],
                                  [getattr(self, n)[a] for n in NEURON_PARAMS], delays[a], spreads[a]])
            keys.setdefault(row.tobytes(), []).append(a)
        return list(keys.values())

    def group_expansion(self) -> NDArray[np.float64]:
        """The matrix ``E`` (shape (P, G)) from the rates of the :meth:`population_groups` to those of the populations.

        ``E[a, k] = 1`` when population ``a`` is in group ``k`` (0 otherwise), so one rate per group,
        ``x`` (shape (..., G)), stands for the population rates ``x @ E.T``, and ``d mu / d nu @ E`` is
        the derivative of ``mu`` with respect to the group rates.
        """
        groups = self.population_groups()
        E = np.zeros((self.n_populations, len(groups)))
        for k, group in enumerate(groups):
            E[group, k] = 1.0
        return E

    def rate_line(self, population: int = 0, sources: Sequence[int] | None = None) -> RateLine:
        """Eq. 27-29 of ``population`` when the populations ``sources`` fire at a common rate ``nu``, the others not.

        The statistics along that line as floats (:class:`RateLine`): the scalar fixed-point search
        (one group of identical populations, every population at the same rate) and the
        continuation of the Brunel network over ``g`` (its excitatory and inhibitory sources apart)
        evaluate them in their inner loops.

        Parameters
        ----------
        population : int
            The population whose input and rate are followed (an index in ``[0, P)``).
        sources : sequence of int, optional
            Indices of the populations firing at ``nu``; default: every population.

        Returns
        -------
        RateLine
        """
        P = self.n_populations
        if isinstance(population, bool) or not isinstance(population, (int, np.integer)) or not 0 <= population < P:
            raise ValueError(f"population must be an index in [0, {P}), got {population!r}")
        firing = np.ones(P)
        if sources is not None:
            index = np.asarray(sources)
            if index.ndim != 1 or index.dtype.kind not in "iu" or np.any((index < 0) | (index >= P)):
                raise ValueError(f"sources must be population indices in [0, {P}), got {sources!r}")
            firing = np.zeros(P)
            firing[index] = 1.0
        mu_0, var_0 = self._moments(np.zeros(P), None)
        a = int(population)
        return RateLine(mu_0=float(mu_0[a]), drift=float((self.drift_factors @ firing)[a]), var_0=float(var_0[a]),
                        diffusion=float((self.diffusion_factors @ firing)[a]),
                        neuron={name: float(v[a]) for name, v in self.neuron_params.items()}, dt=self.dt,
                        colored_noise=self.colored_noise)


def as_model(net: object) -> MeanFieldNetwork:
    """The general :class:`MeanFieldNetwork` form of ``net``.

    ``net`` is a :class:`MeanFieldNetwork`, or any parameterisation of one that exposes it as
    ``net.model`` (such as :class:`mfkit.BrunelNetwork`); anything else is a ``TypeError``.
    """
    if isinstance(net, MeanFieldNetwork):
        return net
    model = getattr(net, "model", None)
    if isinstance(model, MeanFieldNetwork):
        return model
    raise TypeError(f"expected a MeanFieldNetwork or BrunelNetwork, got {type(net).__name__}")

