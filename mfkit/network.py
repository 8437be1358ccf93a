"""Multi-population rate models in the diffusion approximation.

This module holds the *model*: which populations exist, how many inputs each
neuron receives from each population, how strong they are, and what the
single-neuron parameters are.  From that it computes the mean input ``mu``
(eq. 28 of Hahne et al. 2017) and the input fluctuation ``sigma`` (eq. 29) for
any vector of population rates, and the Siegert transfer function of each
population (eq. 27).

Two classes:

* :class:`MeanFieldNetwork` -- the general form: ``P`` populations with an
  in-degree matrix ``K`` (P x P), a weight matrix ``J`` (P x P, mV), neuron
  parameters per population and one external Poisson drive per population.
* :class:`BrunelNetwork` -- the Brunel (2000) network with the parameters and
  the arithmetic of NEST's ``brunel_siegert_nest.py``; ``BrunelNetwork.model``
  is the equivalent :class:`MeanFieldNetwork`.

Units everywhere: ms, mV, Hz.  Rates enter eq. 28 and 29 in Hz, so the
membrane time constant is converted to seconds (``tau_m * 1e-3``), exactly as
in NEST's ``diffusion_connection``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .siegert import siegert, siegert_with_derivatives

__all__ = ["MeanFieldNetwork", "BrunelNetwork", "as_model"]

_NEURON_PARAMS = ("tau_m", "t_ref", "theta", "V_reset", "tau_syn")


def _frozen(a: ArrayLike, shape: tuple[int, ...], name: str) -> NDArray[np.float64]:
    """Return a read-only float64 copy of ``a`` broadcast to ``shape``."""
    try:
        arr = np.array(a, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {a!r}") from exc
    try:
        if arr.shape != shape:
            arr = np.array(np.broadcast_to(arr, shape), dtype=float)
    except ValueError as exc:
        raise ValueError(
            f"{name} has shape {arr.shape}, expected {shape} (or a scalar)"
        ) from exc
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr!r}")
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, eq=False)
class MeanFieldNetwork:
    """A network of ``P`` homogeneous populations of LIF neurons (mean-field form).

    Every neuron of population ``a`` receives ``K[a, b]`` inputs from
    population ``b``, each of weight ``J[a, b]`` (mV, the jump of the membrane
    potential per spike), and ``K_ext[a]`` independent Poisson inputs of rate
    ``nu_ext[a]`` (Hz) and weight ``J_ext[a]``.  In the diffusion approximation
    the input is Gaussian white noise with mean and variance (Hahne et al.
    2017, eq. 28 and 29; ``tau_m`` converted to s because rates are in Hz)

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
        Neuron parameters per population: membrane time constant (ms, > 0),
        refractory period (ms, >= 0), threshold (mV), reset (mV, < theta) and
        synaptic time constant (ms, >= 0; colored-noise correction of
        Fourcaud & Brunel 2002 when > 0).
    K_ext, J_ext, nu_ext : float or array_like, shape (P,)
        External drive: number of Poisson inputs (>= 0), their weight (mV) and
        their rate (Hz, >= 0).  Default: no external drive.
    names : sequence of str, optional
        Population names (default ``"P0", "P1", ...``; two populations
        default to ``"E", "I"``).

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
    names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        K = np.array(self.K, dtype=float) if not isinstance(self.K, np.ndarray) else self.K
        if K.ndim != 2 or K.shape[0] != K.shape[1] or K.shape[0] < 1:
            raise ValueError(f"K must be a square (P, P) matrix with P >= 1, got shape {K.shape}")
        P = K.shape[0]
        set_ = object.__setattr__
        set_(self, "K", _frozen(K, (P, P), "K"))
        set_(self, "J", _frozen(self.J, (P, P), "J"))
        for name in _NEURON_PARAMS + ("K_ext", "J_ext", "nu_ext"):
            set_(self, name, _frozen(getattr(self, name), (P,), name))
        if np.any(self.K < 0):
            raise ValueError(f"K (in-degrees) must be >= 0, got {self.K.tolist()}")
        if np.any(self.tau_m <= 0):
            raise ValueError(f"tau_m must be > 0 ms, got {self.tau_m.tolist()}")
        if np.any(self.t_ref < 0):
            raise ValueError(f"t_ref must be >= 0 ms, got {self.t_ref.tolist()}")
        if np.any(self.tau_syn < 0):
            raise ValueError(f"tau_syn must be >= 0 ms, got {self.tau_syn.tolist()}")
        if np.any(self.theta <= self.V_reset):
            raise ValueError(
                f"theta must be > V_reset (mV), got theta={self.theta.tolist()}, "
                f"V_reset={self.V_reset.tolist()}"
            )
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

    # ------------------------------------------------------------------ sizes
    @property
    def n_populations(self) -> int:
        """Number of populations ``P``."""
        return self.K.shape[0]

    @property
    def neuron_params(self) -> dict[str, NDArray[np.float64]]:
        """Per-population neuron parameters as keyword arguments of :func:`~mfkit.siegert.siegert`."""
        return {name: getattr(self, name) for name in _NEURON_PARAMS}

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

    def _rates(self, rates: ArrayLike) -> NDArray[np.float64]:
        r = np.asarray(rates, dtype=float)
        P = self.n_populations
        if r.ndim == 0:
            r = np.full(P, float(r))
        elif r.shape[-1] == 1 and P > 1:  # the same rate in every population
            r = np.broadcast_to(r, r.shape[:-1] + (P,))
        if r.shape[-1] != P:
            raise ValueError(
                f"rates must have last dimension {self.n_populations}, got shape {r.shape}"
            )
        return r

    def mu(self, rates: ArrayLike, nu_ext: ArrayLike | None = None) -> NDArray[np.float64]:
        """Mean input ``mu`` in mV (eq. 28).

        Parameters
        ----------
        rates : array_like, shape (..., P)
            Population rates in Hz (a scalar, or a trailing dimension of 1,
            means the same rate in every population).
        nu_ext : array_like, shape (..., P), optional
            External rate in Hz; default ``self.nu_ext``.

        Returns
        -------
        ndarray, shape (..., P)
        """
        r = self._rates(rates)
        ext = self.nu_ext if nu_ext is None else np.asarray(nu_ext, dtype=float)
        return self.drift_factors_ext * ext + r @ self.drift_factors.T

    def sigma2(self, rates: ArrayLike, nu_ext: ArrayLike | None = None) -> NDArray[np.float64]:
        """Input variance ``sigma**2`` in mV^2 (eq. 29); see :meth:`mu` for arguments."""
        r = self._rates(rates)
        ext = self.nu_ext if nu_ext is None else np.asarray(nu_ext, dtype=float)
        return self.diffusion_factors_ext * ext + r @ self.diffusion_factors.T

    def sigma(self, rates: ArrayLike, nu_ext: ArrayLike | None = None) -> NDArray[np.float64]:
        """Input fluctuation ``sigma`` in mV (square root of eq. 29); see :meth:`mu`."""
        return np.sqrt(self.sigma2(rates, nu_ext))

    # ------------------------------------------------------------- eq. 27
    def transfer(self, rates: ArrayLike) -> NDArray[np.float64]:
        """Output rates ``Phi_a(mu_a(rates), sigma_a(rates))`` in Hz (eq. 27)."""
        return np.asarray(siegert(self.mu(rates), self.sigma(rates), **self.neuron_params), dtype=float)

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
            ``dPhi_a/dmu_a D_ab + dPhi_a/dsigma_a S_ab / (2 sigma_a)`` with drift
            factors ``D`` and diffusion factors ``S`` (eq. 28, 29); the sigma
            term is dropped where ``sigma_a = 0``.
        """
        r = self._rates(rates)
        mu, sig = self.mu(r), self.sigma(r)
        d = siegert_with_derivatives(mu, sig, **self.neuron_params)
        d_mu = np.asarray(d.d_mu, dtype=float)[..., :, None]
        d_sig = np.asarray(d.d_sigma, dtype=float)[..., :, None]
        s = sig[..., :, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            dsig_dnu = np.where(s > 0, self.diffusion_factors / (2 * s), 0.0)
        return np.asarray(d.rate, dtype=float), d_mu * self.drift_factors + d_sig * dsig_dnu

    def jacobian(self, rates: ArrayLike, tau: float = 1.0) -> NDArray[np.float64]:
        """Jacobian of the pseudo-time dynamics (eq. 30) at ``rates``, in 1/ms.

        For ``tau d nu_a/ds = -nu_a + Phi_a(mu_a(nu), sigma_a(nu))``,

        .. math::

            A_{ab} = \\frac{1}{\\tau}\\Big(-\\delta_{ab}
                   + \\frac{\\partial\\Phi_a}{\\partial\\mu_a} D_{ab}
                   + \\frac{\\partial\\Phi_a}{\\partial\\sigma_a}
                     \\frac{S_{ab}}{2\\sigma_a}\\Big),

        with drift factors ``D`` and diffusion factors ``S``
        (``d sigma_a / d nu_b = S_ab / (2 sigma_a)``).

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

        Populations ``a`` and ``c`` are in one group when their rows of the
        drift and diffusion factor matrices, their external drive and their
        neuron parameters are equal.  Then ``mu_a = mu_c`` and
        ``sigma_a = sigma_c`` for *any* rate vector, so every fixed point has
        equal rates within a group.
        """
        keys: dict[bytes, list[int]] = {}
        D, S = self.drift_factors, self.diffusion_factors
        for a in range(self.n_populations):
            row = np.concatenate(
                [D[a], S[a], [self.drift_factors_ext[a] * self.nu_ext[a],
                              self.diffusion_factors_ext[a] * self.nu_ext[a]],
                 [getattr(self, n)[a] for n in _NEURON_PARAMS]]
            )
            keys.setdefault(row.tobytes(), []).append(a)
        return list(keys.values())

    def fixed_points(self, **kwargs) -> list:
        """All fixed points (self-consistent rates) of eq. 27; see :func:`mfkit.fixed_points.fixed_points`."""
        from .fixed_points import fixed_points

        return fixed_points(self, **kwargs)

    def pseudo_time(self, t_sim: float, dt: float = 0.1, tau: float = 1.0, **kwargs):
        """Integrate eq. 30; see :func:`mfkit.pseudo_time.pseudo_time`."""
        from .pseudo_time import pseudo_time

        return pseudo_time(self, t_sim, dt=dt, tau=tau, **kwargs)


@dataclass(frozen=True)
class BrunelNetwork:
    """The Brunel (2000) network of excitatory (E) and inhibitory (I) LIF neurons.

    Defaults are those of NEST's ``brunel_siegert_nest.py`` (Hahne et al.
    2017): ``NE = 4 order`` excitatory and ``NI = order`` inhibitory neurons,
    ``CE = int(epsilon NE)`` and ``CI = int(epsilon NI)`` inputs per neuron,
    weights ``J`` (E) and ``-g J`` (I), external Poisson drive at ``eta``
    times the threshold rate.  All derived quantities are computed with the
    same arithmetic as the seed script.

    Parameters
    ----------
    g : float
        Relative strength of inhibition (>= 0).
    eta : float
        External rate relative to the threshold rate (>= 0).
    epsilon : float
        Connection probability, in (0, 1].
    order : int
        Network size parameter (>= 1).
    J : float
        Excitatory weight in mV (> 0).
    tau_m : float
        Membrane time constant in ms (> 0).
    t_ref : float
        Refractory period in ms (>= 0).
    theta : float
        Threshold in mV (> V_reset).
    V_reset : float
        Reset potential in mV.
    delay : float
        Synaptic delay in ms (> 0); not used by the stationary theory, kept
        for the spiking twin.
    tau_syn : float
        Synaptic time constant in ms (>= 0, 0 = delta synapses).
    """

    g: float = 5.0
    eta: float = 2.0
    epsilon: float = 0.1
    order: int = 2500
    J: float = 0.1
    tau_m: float = 20.0
    t_ref: float = 2.0
    theta: float = 20.0
    V_reset: float = 0.0
    delay: float = 1.5
    tau_syn: float = 0.0

    def __post_init__(self) -> None:
        def num(name: str) -> float:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise ValueError(f"{name} must be a real number, got {v!r}")
            if not np.isfinite(v):
                raise ValueError(f"{name} must be finite, got {v!r}")
            return float(v)

        for name in ("g", "eta", "epsilon", "J", "tau_m", "t_ref", "theta", "V_reset", "delay", "tau_syn"):
            num(name)
        if self.g < 0:
            raise ValueError(f"g must be >= 0 (relative inhibition), got {self.g!r}")
        if self.eta < 0:
            raise ValueError(f"eta must be >= 0 (relative external rate), got {self.eta!r}")
        if not 0 < self.epsilon <= 1:
            raise ValueError(f"epsilon must be in (0, 1] (connection probability), got {self.epsilon!r}")
        if isinstance(self.order, bool) or not isinstance(self.order, (int, np.integer)) and not (
            isinstance(self.order, float) and self.order.is_integer()
        ):
            raise ValueError(f"order must be an integer >= 1, got {self.order!r}")
        if self.order < 1:
            raise ValueError(f"order must be an integer >= 1, got {self.order!r}")
        object.__setattr__(self, "order", int(self.order))
        if self.J <= 0:
            raise ValueError(f"J must be > 0 mV (excitatory weight), got {self.J!r}")
        if self.tau_m <= 0:
            raise ValueError(f"tau_m must be > 0 ms, got {self.tau_m!r}")
        if self.t_ref < 0:
            raise ValueError(f"t_ref must be >= 0 ms, got {self.t_ref!r}")
        if self.theta <= self.V_reset:
            raise ValueError(f"theta must be > V_reset, got theta={self.theta!r}, V_reset={self.V_reset!r}")
        if self.delay <= 0:
            raise ValueError(f"delay must be > 0 ms, got {self.delay!r}")
        if self.tau_syn < 0:
            raise ValueError(f"tau_syn must be >= 0 ms, got {self.tau_syn!r}")
        if self.CE < 1:
            raise ValueError(
                f"epsilon * 4 * order must give at least one excitatory input (CE >= 1), "
                f"got epsilon={self.epsilon!r}, order={self.order!r}"
            )

    # ---------------------------------------------------------- sizes
    @property
    def NE(self) -> int:
        """Number of excitatory neurons, ``4 * order``."""
        return 4 * self.order

    @property
    def NI(self) -> int:
        """Number of inhibitory neurons, ``order``."""
        return 1 * self.order

    @property
    def CE(self) -> int:
        """Excitatory inputs per neuron, ``int(epsilon * NE)``."""
        return int(self.epsilon * self.NE)

    @property
    def CI(self) -> int:
        """Inhibitory inputs per neuron, ``int(epsilon * NI)``."""
        return int(self.epsilon * self.NI)

    @property
    def C_tot(self) -> int:
        """Total recurrent inputs per neuron, ``CE + CI``."""
        return int(self.CI + self.CE)

    # ---------------------------------------------------------- weights
    @property
    def J_ex(self) -> float:
        """Excitatory weight in mV (``J``)."""
        return self.J

    @property
    def J_in(self) -> float:
        """Inhibitory weight in mV, ``-g * J``."""
        return -self.g * self.J_ex

    # ---------------------------------------------------------- drive
    @property
    def nu_th(self) -> float:
        """Threshold rate ``theta / (J CE tau_m)`` in spikes per **ms** (as in the seed script).

        The rate that each of ``CE`` external inputs must have to bring the
        mean input to threshold without recurrence.  See :attr:`nu_th_hz`.
        """
        return self.theta / (self.J * self.CE * self.tau_m)

    @property
    def nu_th_hz(self) -> float:
        """Threshold rate in Hz, ``1000 * nu_th``."""
        return 1000.0 * self.nu_th

    @property
    def nu_ext(self) -> float:
        """External rate per input, ``eta * nu_th``, in spikes per **ms** (seed's ``nu_ex``)."""
        return self.eta * self.nu_th

    @property
    def nu_ext_hz(self) -> float:
        """External rate per input in Hz, ``1000 * nu_ext``."""
        return 1000.0 * self.nu_ext

    @property
    def p_rate(self) -> float:
        """Total external Poisson rate per neuron, ``1000 * nu_ext * CE`` in Hz."""
        return 1000.0 * self.nu_ext * self.CE

    # ---------------------------------------------------------- eq. 28/29 factors
    @property
    def drift_factor_ext(self) -> float:
        """``tau_m * 1e-3 * J`` (mV/Hz): drift factor of the drive unit (rate ``p_rate``)."""
        return self.tau_m * 1e-3 * self.J_ex

    @property
    def drift_factor_ex(self) -> float:
        """``tau_m * 1e-3 * CE * J`` (mV/Hz), eq. 28."""
        return self.tau_m * 1e-3 * self.CE * self.J_ex

    @property
    def drift_factor_in(self) -> float:
        """``tau_m * 1e-3 * CI * (-g J)`` (mV/Hz), eq. 28."""
        return self.tau_m * 1e-3 * self.CI * self.J_in

    @property
    def diffusion_factor_ext(self) -> float:
        """``tau_m * 1e-3 * J**2`` (mV^2/Hz), eq. 29."""
        return self.tau_m * 1e-3 * self.J_ex**2

    @property
    def diffusion_factor_ex(self) -> float:
        """``tau_m * 1e-3 * CE * J**2`` (mV^2/Hz), eq. 29."""
        return self.tau_m * 1e-3 * self.CE * self.J_ex**2

    @property
    def diffusion_factor_in(self) -> float:
        """``tau_m * 1e-3 * CI * (g J)**2`` (mV^2/Hz), eq. 29."""
        return self.tau_m * 1e-3 * self.CI * self.J_in**2

    @property
    def neuron_params(self) -> dict[str, float]:
        """Neuron parameters as keyword arguments of :func:`~mfkit.siegert.siegert`."""
        return dict(tau_m=self.tau_m, t_ref=self.t_ref, theta=self.theta,
                    V_reset=self.V_reset, tau_syn=self.tau_syn)

    # ---------------------------------------------------------- general form
    @property
    def model(self) -> MeanFieldNetwork:
        """The equivalent :class:`MeanFieldNetwork` (populations E, I).

        The external drive is one Poisson source of rate ``p_rate`` and weight
        ``J`` per neuron (``K_ext = 1``), which is how the seed script's drive
        unit enters (drift factor ``tau_m * 1e-3 * J``).
        """
        cached = self.__dict__.get("_model")
        if cached is None:
            K = [[self.CE, self.CI], [self.CE, self.CI]]
            Jm = [[self.J_ex, self.J_in], [self.J_ex, self.J_in]]
            cached = MeanFieldNetwork(
                K=K, J=Jm, tau_m=self.tau_m, t_ref=self.t_ref, theta=self.theta,
                V_reset=self.V_reset, tau_syn=self.tau_syn,
                K_ext=1.0, J_ext=self.J_ex, nu_ext=self.p_rate, names=("E", "I"),
            )
            object.__setattr__(self, "_model", cached)
        return cached

    def to_model(self) -> MeanFieldNetwork:
        """Same as :attr:`model`."""
        return self.model

    def _rates(self, rates: ArrayLike) -> NDArray[np.float64]:
        return self.model._rates(rates)

    def mu(self, rates: ArrayLike) -> NDArray[np.float64]:
        """Mean input (mV) of E and I for rates ``(nu_E, nu_I)`` in Hz (eq. 28).

        ``rates`` has shape (..., 2); a scalar, or a trailing dimension of 1,
        means ``nu_E = nu_I``.  Returns shape (..., 2).
        """
        return self.model.mu(self._rates(rates))

    def sigma(self, rates: ArrayLike) -> NDArray[np.float64]:
        """Input fluctuation (mV) of E and I for rates ``(nu_E, nu_I)`` in Hz (eq. 29)."""
        return self.model.sigma(self._rates(rates))

    def transfer(self, rates: ArrayLike) -> NDArray[np.float64]:
        """Siegert output rates (Hz) of E and I (eq. 27)."""
        return self.model.transfer(self._rates(rates))

    def jacobian(self, rates: ArrayLike, tau: float = 1.0) -> NDArray[np.float64]:
        """Jacobian of eq. 30 at rates ``(nu_E, nu_I)`` (1/ms); see :meth:`MeanFieldNetwork.jacobian`."""
        return self.model.jacobian(self._rates(rates), tau=tau)

    def fixed_points(self, **kwargs) -> list:
        """All fixed points of eq. 27 with rates in ``[0, 1000/t_ref)`` Hz, sorted by rate.

        See :func:`mfkit.fixed_points.fixed_points`.
        """
        return self.model.fixed_points(**kwargs)

    def pseudo_time(self, t_sim: float, dt: float = 0.1, tau: float = 1.0, **kwargs):
        """Integrate eq. 30 as NEST does; see :func:`mfkit.pseudo_time.pseudo_time`."""
        return self.model.pseudo_time(t_sim, dt=dt, tau=tau, **kwargs)


def as_model(net: MeanFieldNetwork | BrunelNetwork) -> MeanFieldNetwork:
    """The general :class:`MeanFieldNetwork` form of ``net`` (TypeError for anything else)."""
    if isinstance(net, BrunelNetwork):
        return net.model
    if isinstance(net, MeanFieldNetwork):
        return net
    raise TypeError(f"expected a MeanFieldNetwork or BrunelNetwork, got {type(net).__name__}")
