"""Pseudo-time dynamics of the rate network (Hahne et al. 2017, eq. 30).

.. math::

    \\tau \\frac{d\\nu_a}{ds} = -\\nu_a + \\Phi_a(\\mu_a(\\nu), \\sigma_a(\\nu))

Its stable fixed points are the self-consistent rates of eq. 27.  NEST solves
it with a network of ``siegert_neuron`` units connected by
``diffusion_connection`` synapses (``brunel_siegert_nest.py``).  Two modes:

``method="nest"`` (default)
    NEST's scheme, step for step.  With ``P1 = exp(-dt/tau)`` every unit does

    ``r <- P1 r + (1 - P1) mean + (1 - P1) Phi(mu, sigma)``

    where ``mu`` and ``sigma`` are computed from the rates of the *previous*
    step (the state before this update) of all presynaptic units.  The
    external drive is a unit of the network as well: a ``siegert_neuron``
    without input (``Phi = 0``) and ``mean`` equal to the external rate, so
    it relaxes from 0 towards ``nu_ext`` with time constant ``tau``; its rate
    enters ``mu`` and ``sigma`` through the external drift and diffusion
    factors.  Recording follows NEST's multimeter: sample ``k`` (time
    ``k dt``) is the state after ``k`` updates; the initial state (time 0) is
    not recorded.  Consequently the drive is 0 during the first update, and
    the populations feel it from the second update on.
``method="ode"``
    The same system (including the drive unit, unless ``drive="constant"``)
    as ordinary differential equations, integrated with
    :func:`scipy.integrate.solve_ivp` and sampled at the same times.

NEST's ``siegert_neuron`` returns exactly 0 Hz when ``theta - mu > 6 sigma``;
this module does not copy that cut-off (its effect on the seed trajectory is
below 1e-13 Hz).
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate

from .brunel import BrunelNetwork
from .network import MeanFieldNetwork, as_model

__all__ = ["PseudoTimeResult", "pseudo_time", "load_nest_trajectory"]


@dataclass(frozen=True, eq=False)
class PseudoTimeResult:
    """Trajectory of the pseudo-time dynamics.

    Attributes
    ----------
    times : ndarray, shape (n,)
        Sample times in ms: ``dt, 2 dt, ..., n dt``.
    rates : ndarray, shape (n, P)
        Population rates in Hz, one column per population.
    drive : ndarray, shape (n, P)
        Rate of the external drive unit feeding each population (Hz).
    names : tuple of str
        Population names (column labels of ``rates``).
    method : str
        ``"nest"`` or ``"ode"``.
    """

    times: NDArray[np.float64]
    rates: NDArray[np.float64]
    drive: NDArray[np.float64]
    names: tuple[str, ...]
    method: str

    @property
    def final(self) -> NDArray[np.float64]:
        """Rates (Hz) at the last sample."""
        return self.rates[-1]


def pseudo_time(
    net: MeanFieldNetwork | BrunelNetwork,
    t_sim: float,
    dt: float = 0.1,
    tau: float = 1.0,
    *,
    method: Literal["nest", "ode"] = "nest",
    drive: Literal["unit", "constant"] = "unit",
    rates0: ArrayLike | None = None,
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> PseudoTimeResult:
    """Integrate the pseudo-time dynamics (eq. 30) from ``rates0``.

    Parameters
    ----------
    net : MeanFieldNetwork or BrunelNetwork
        The network.
    t_sim : float
        Simulated time in ms (> 0); ``round(t_sim / dt)`` samples are returned.
    dt : float
        Step (``"nest"``) or sampling interval (``"ode"``) in ms (> 0).
    tau : float
        Time constant of the rate units in ms (> 0), NEST's ``tau`` (default 1 ms).
    method : {"nest", "ode"}
        NEST's exponential scheme or :func:`scipy.integrate.solve_ivp`.
    drive : {"unit", "constant"}
        ``"unit"``: the external drive is a rate unit relaxing from 0 to
        ``nu_ext`` as in NEST; ``"constant"``: it is at ``nu_ext`` from the start.
    rates0 : array_like, shape (P,), optional
        Initial population rates in Hz (default 0).  With ``colored_noise="taylor"`` the transfer
        function is negative far below threshold, where the relaxation cannot go on: a
        ``ValueError`` says so (start near a fixed point, with ``drive="constant"``).
    rtol, atol : float
        Tolerances of ``solve_ivp`` (``method="ode"`` only).

    Returns
    -------
    PseudoTimeResult
    """
    model = as_model(net)
    for name, v in (("t_sim", t_sim), ("dt", dt), ("tau", tau)):
        if not (isinstance(v, (int, float, np.integer, np.floating)) and np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be a finite number > 0 ms, got {v!r}")
    if method not in ("nest", "ode"):
        raise ValueError(f"method must be 'nest' or 'ode', got {method!r}")
    if drive not in ("unit", "constant"):
        raise ValueError(f"drive must be 'unit' or 'constant', got {drive!r}")
    n = int(round(t_sim / dt))
    if n < 1:
        raise ValueError(f"t_sim must be at least dt, got t_sim={t_sim!r}, dt={dt!r}")
    P = model.n_populations
    r0 = np.zeros(P) if rates0 is None else model.check_rates(rates0, "rates0")
    if r0.shape != (P,) or not np.all(np.isfinite(r0)):
        raise ValueError(f"rates0 must be {P} finite rates >= 0 Hz, got {r0}")
    times = dt * np.arange(1, n + 1)
    nu_ext = model.nu_ext
    d0 = np.zeros(P) if drive == "unit" else nu_ext.copy()

    def phi(d, r):
        out = model.transfer(r, nu_ext=d)
        if np.any(out < 0):  # only the Taylor form of the colored-noise correction can do this
            raise ValueError(
                f"the transfer function is negative ({float(np.min(out)):.3g} Hz) at rates {np.round(r, 6).tolist()} Hz "
                f"and drive {np.round(d, 6).tolist()} Hz: the Taylor form (colored_noise='taylor') is a first-order "
                f"correction and has left its domain there (far below threshold); start the relaxation closer to "
                f"a fixed point (rates0, drive='constant') or use colored_noise='shift'")
        return out

    if method == "nest":
        P1 = np.exp(-dt / tau)
        P2 = -np.expm1(-dt / tau)
        rates = np.empty((n, P))
        drives = np.empty((n, P))
        d, r = d0, r0
        for k in range(n):
            drive_in = phi(d, r)  # presynaptic rates of the previous step
            d = P1 * d + (1 - P1) * nu_ext if drive == "unit" else d
            r = P1 * r + P2 * drive_in
            rates[k], drives[k] = r, d
    else:
        def rhs(_s, y):
            d, r = y[:P], y[P:]
            dd = (nu_ext - d) / tau if drive == "unit" else np.zeros(P)
            # the exact solution stays >= 0; the integrator's trial stages can dip below 0 by
            # round-off (seen: -3e-166 Hz), where eq. 28-29 are undefined: evaluate Phi at 0 there
            return np.concatenate([dd, (phi(np.maximum(d, 0.0), np.maximum(r, 0.0)) - r) / tau])

        sol = integrate.solve_ivp(
            rhs, (0.0, float(times[-1])), np.concatenate([d0, r0]), method="DOP853",
            t_eval=times, rtol=rtol, atol=atol,
        )
        if not sol.success:
            raise RuntimeError(f"solve_ivp failed: {sol.message}")
        drives, rates = sol.y[:P].T.copy(), sol.y[P:].T.copy()
    for a in (times, rates, drives):
        a.setflags(write=False)
    return PseudoTimeResult(times=times, rates=rates, drive=drives, names=model.names, method=method)


def load_nest_trajectory(path: str | Path | None = None) -> PseudoTimeResult:
    """NEST 3.10's recording of the seed script, shipped with mfkit (``mfkit/data/nest_seed_trajectory.csv``).

    The E and I rates of ``brunel_siegert_nest.py`` every 0.1 ms up to 49 ms, as recorded by
    NEST's multimeter (10 significant digits); ``tools/record_nest_trajectory.py`` regenerates the
    file with NEST.  Pass ``path`` to read another recording in the same format.

    Returns
    -------
    PseudoTimeResult
        ``method="nest-recording"``; ``drive`` is NaN (not recorded).
    """
    if path is None:
        with resources.files("mfkit").joinpath("data/nest_seed_trajectory.csv").open("r") as f:
            data = np.loadtxt(f, delimiter=",", skiprows=1, ndmin=2)
    else:
        data = np.loadtxt(Path(path), delimiter=",", skiprows=1, ndmin=2)
    times, rates = data[:, 0].copy(), data[:, 1:].copy()
    drive = np.full_like(rates, np.nan)
    for a in (times, rates, drive):
        a.setflags(write=False)
    return PseudoTimeResult(times=times, rates=rates, drive=drive, names=("E", "I"), method="nest-recording")
