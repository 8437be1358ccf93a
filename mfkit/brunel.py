"""The Brunel (2000) network with the parameters and arithmetic of NEST's ``brunel_siegert_nest.py``.

:class:`BrunelNetwork` is a parameterisation of the general model :class:`~mfkit.network.MeanFieldNetwork`
(``BrunelNetwork(...).model``): it derives the sizes, in-degrees, weights and external drive of the
seed script (Hahne et al. 2017) bit for bit, and hands everything else -- input statistics
(eq. 28-29), transfer function (eq. 27) -- to the model; the seed script's six drift and diffusion
factors are read off the model too.  The spiking twin (:func:`mfkit.simulate_brunel`) reads the same
attributes.

Units: ms, mV, Hz; the two per-ms rates of the seed script carry ``_per_ms`` in their names.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .network import InputStatistics, MeanFieldNetwork
from .neuron import check_colored_noise, check_neuron_params, check_time_grid

__all__ = ["BrunelNetwork"]


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
        Synaptic delay in ms (> 0); not used by the stationary theory (eq. 27-30), but by
        the stability of the stationary state and by the spiking twin.
    tau_syn : float
        Synaptic time constant in ms (>= 0, 0 = delta synapses).
    dt : float or None
        Time grid of the theory: the threshold is tested only every ``dt`` ms, as in a simulation
        with that step (:func:`mfkit.simulate_brunel`, NEST); eq. 27 then raises the threshold by
        ``beta sigma sqrt(dt/tau_m)`` (:attr:`MeanFieldNetwork.dt`, :func:`mfkit.siegert`).  ``None``
        (default): continuous time.  In ``(0, tau_m/10]``, with ``tau_syn = 0``.  It does not set the
        step of a simulation (``simulate_brunel``'s own ``dt``).
    colored_noise : {"shift", "taylor"}
        The form of the colored-noise correction for ``tau_syn > 0`` (:attr:`MeanFieldNetwork.colored_noise`,
        :func:`mfkit.siegert`): ``"shift"`` (default, NEST's) or ``"taylor"``.
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
    dt: float | None = None
    colored_noise: str = "shift"

    def __post_init__(self) -> None:
        def num(name: str) -> float:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise ValueError(f"{name} must be a real number, got {v!r}")
            if not np.isfinite(v):
                raise ValueError(f"{name} must be finite, got {v!r}")
            return float(v)

        for name in ("g", "eta", "epsilon", "J", "delay"):
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
        check_neuron_params(**self.neuron_params)
        for name, v in self.neuron_params.items():
            if np.ndim(v) != 0:
                raise ValueError(f"{name} must be one number (every neuron of the network has it), got {v!r}")
        if self.delay <= 0:
            raise ValueError(f"delay must be > 0 ms, got {self.delay!r}")
        if self.dt is not None:
            if np.ndim(self.dt) != 0:
                raise ValueError(f"dt must be None or one time step in ms, got {self.dt!r}")
            check_time_grid(self.dt, self.tau_m, self.tau_syn)
        check_colored_noise(self.colored_noise)
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
    def nu_th_per_ms(self) -> float:
        """Threshold rate ``theta / (J CE tau_m)`` in spikes per **ms** (the seed script's ``nu_th``).

        The rate that each of ``CE`` external inputs must have to bring the mean input to
        threshold without recurrence.  See :attr:`nu_th_hz`.
        """
        return self.theta / (self.J * self.CE * self.tau_m)

    @property
    def nu_th_hz(self) -> float:
        """Threshold rate in Hz, ``1000 * nu_th_per_ms``."""
        return 1000.0 * self.nu_th_per_ms

    @property
    def nu_ext_per_ms(self) -> float:
        """Rate of each external input, ``eta * nu_th_per_ms``, in spikes per **ms** (the seed's ``nu_ex``)."""
        return self.eta * self.nu_th_per_ms

    @property
    def nu_ext_hz(self) -> float:
        """Rate of each external input in Hz, ``1000 * nu_ext_per_ms``."""
        return 1000.0 * self.nu_ext_per_ms

    @property
    def p_rate(self) -> float:
        """Total external Poisson rate per neuron, ``1000 * nu_ext_per_ms * CE`` in Hz."""
        return 1000.0 * self.nu_ext_per_ms * self.CE

    # ------------------------------------------- the seed script's eq. 28/29 factors, from the model
    @property
    def drift_factor_ext(self) -> float:
        """Drift factor of the drive unit (rate ``p_rate``), ``tau_m * 1e-3 * J`` (mV/Hz, eq. 28)."""
        return float(self.model.drift_factors_ext[0])

    @property
    def drift_factor_ex(self) -> float:
        """Drift factor of the E population, ``tau_m * 1e-3 * CE * J`` (mV/Hz, eq. 28)."""
        return float(self.model.drift_factors[0, 0])

    @property
    def drift_factor_in(self) -> float:
        """Drift factor of the I population, ``tau_m * 1e-3 * CI * (-g J)`` (mV/Hz, eq. 28)."""
        return float(self.model.drift_factors[0, 1])

    @property
    def diffusion_factor_ext(self) -> float:
        """Diffusion factor of the drive unit, ``tau_m * 1e-3 * J**2`` (mV^2/Hz, eq. 29)."""
        return float(self.model.diffusion_factors_ext[0])

    @property
    def diffusion_factor_ex(self) -> float:
        """Diffusion factor of the E population, ``tau_m * 1e-3 * CE * J**2`` (mV^2/Hz, eq. 29)."""
        return float(self.model.diffusion_factors[0, 0])

    @property
    def diffusion_factor_in(self) -> float:
        """Diffusion factor of the I population, ``tau_m * 1e-3 * CI * (g J)**2`` (mV^2/Hz, eq. 29)."""
        return float(self.model.diffusion_factors[0, 1])

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
                K_ext=1.0, J_ext=self.J_ex, nu_ext=self.p_rate, delay=self.delay, names=("E", "I"), dt=self.dt,
                N=(self.NE, self.NI),
                colored_noise=self.colored_noise,
            )
            object.__setattr__(self, "_model", cached)
        return cached

    def to_model(self) -> MeanFieldNetwork:
        """Same as :attr:`model`."""
        return self.model

    def input_statistics(self, rates: ArrayLike) -> InputStatistics:
        """Mean input, fluctuation and their rate derivatives of E and I (eq. 28-29).

        See :meth:`MeanFieldNetwork.input_statistics`; ``rates`` has shape (..., 2), a scalar
        (or a trailing dimension of 1) means ``nu_E = nu_I``.
        """
        return self.model.input_statistics(rates)

    def mu(self, rates: ArrayLike) -> NDArray[np.float64]:
        """Mean input (mV) of E and I for rates ``(nu_E, nu_I)`` in Hz (eq. 28)."""
        return self.model.mu(rates)

    def sigma(self, rates: ArrayLike) -> NDArray[np.float64]:
        """Input fluctuation (mV) of E and I for rates ``(nu_E, nu_I)`` in Hz (eq. 29)."""
        return self.model.sigma(rates)

    def transfer(self, rates: ArrayLike) -> NDArray[np.float64]:
        """Siegert output rates (Hz) of E and I (eq. 27)."""
        return self.model.transfer(rates)

    def jacobian(self, rates: ArrayLike, tau: float = 1.0) -> NDArray[np.float64]:
        """Jacobian of eq. 30 at rates ``(nu_E, nu_I)`` (1/ms); see :meth:`MeanFieldNetwork.jacobian`."""
        return self.model.jacobian(rates, tau=tau)
