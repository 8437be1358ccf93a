"""The whole curve of fixed points of the Brunel network over the inhibition ``g``, folds included.

For the Brunel network E and I receive identical input, so every fixed point has ``nu_E = nu_I = nu``
and solves the scalar equation (Hahne et al. 2017, eq. 27-29)

.. math::

    \\nu = \\Phi\\bigl(\\mu(\\nu, g), \\sigma(\\nu, g)\\bigr).

Instead of solving for ``nu`` at given ``g`` (several solutions, which appear and vanish in pairs at
saddle-node bifurcations), :func:`fixed_point_curve` solves for ``g`` at given ``nu``: at fixed ``nu``,
``mu`` is affine in ``g`` (eq. 28) and ``sigma**2`` is quadratic in ``g`` (eq. 29), and the solution is
unique in the searched range for the networks of the book.  A grid of rates then traces the whole
S-shaped curve ``g(nu)``, through the folds, where a sweep over ``g`` loses the branches.  The folds
are the extrema of ``g(nu)``; there the slope ``dPhi/dnu`` crosses 1 and the pseudo-time stability
(eq. 30) changes.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .brunel import BrunelNetwork
from .fixed_points import make_fixed_point
from .siegert import siegert

__all__ = ["FixedPointCurve", "fixed_point_curve"]


@dataclass(frozen=True, eq=False)
class FixedPointCurve:
    """Fixed points of the Brunel network along a grid of rates (see :func:`fixed_point_curve`).

    Attributes
    ----------
    rates : ndarray, shape (n,)
        Common rate ``nu_E = nu_I`` (Hz) of each fixed point, non-decreasing.
    g : ndarray, shape (n,)
        Relative inhibition at which ``rates[k]`` is a fixed point.
    stable : ndarray of bool, shape (n,)
        Stability under the pseudo-time relaxation (eq. 30), not that of the network with its delay.
    relative_residual : ndarray, shape (n,)
        ``|Phi(nu) - nu| / nu`` at each point, from :func:`mfkit.make_fixed_point`.
    """

    rates: NDArray[np.float64]
    g: NDArray[np.float64]
    stable: NDArray[np.bool_]
    relative_residual: NDArray[np.float64]


def _log_excess(net: BrunelNetwork, nu: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:
    """``log Phi(mu(nu, g), sigma(nu, g)) - log nu`` (eq. 27-29) for rates ``nu`` (shape (n,)) and
    inhibitions ``g`` (shape (n,) or (n, m)).

    At fixed rates ``mu`` is affine and ``sigma**2`` quadratic in ``g`` (eq. 28, 29), so both are built
    exactly from the network at ``g = 0`` and ``g = 1``; ``-inf`` where Phi underflows to 0.
    """
    n0, n1 = (dataclasses.replace(net, g=v).model for v in (0.0, 1.0))
    r = nu[:, None]
    mu0, dmu = n0.mu(r)[:, :1], n1.mu(r)[:, :1] - n0.mu(r)[:, :1]
    s0, ds = n0.sigma2(r)[:, :1], n1.sigma2(r)[:, :1] - n0.sigma2(r)[:, :1]
    g2 = np.reshape(g, (nu.size, -1))
    phi = siegert(mu0 + g2 * dmu, np.sqrt(s0 + g2**2 * ds), **net.neuron_params)
    with np.errstate(divide="ignore"):
        out = np.log(phi) - np.log(r)
    return out.reshape(np.shape(g))


def fixed_point_curve(network: BrunelNetwork, rates: ArrayLike, g_range: tuple[float, float] = (0.0, 10.0),
                      tau: float = 1.0) -> FixedPointCurve:
    """The inhibition ``g`` at which each of ``rates`` is a fixed point of the Brunel network.

    Solves ``Phi(mu(nu, g), sigma(nu, g)) = nu`` (eq. 27-29, E and I at the common rate ``nu``) for
    ``g`` at every ``nu``: the sign of ``log Phi - log nu`` is sampled on 121 values of ``g`` in
    ``g_range`` and every sign change is refined by bisection to a relative width of 1e-14 (a rate
    close to ``Phi(0)``, where the recurrent input hardly matters, can be a fixed point at two ``g``).  Over a
    grid of rates this traces the whole curve of fixed points, including its folds (saddle-node
    bifurcations), which a sweep over ``g`` cannot follow.  The other parameters (``eta``, ``J``, the
    neuron) come from ``network``; its own ``g`` is not used.

    Parameters
    ----------
    network : BrunelNetwork
        Network supplying every parameter except ``g``.
    rates : array_like
        Rates in Hz (> 0), e.g. a logarithmic grid.
    g_range : (float, float)
        Interval of ``g`` searched, ``0 <= g_min < g_max``.  Rates with no fixed point for ``g`` in it
        are left out of the result.
    tau : float
        Time constant (ms) of eq. 30 for the stability; stability does not depend on it.

    Returns
    -------
    FixedPointCurve
        The rates that are fixed points for some ``g`` in ``g_range`` (increasing; a rate appears once
        per solution ``g``), with that ``g`` and the pseudo-time stability there (eq. 30, from :func:`mfkit.make_fixed_point`).

    Raises
    ------
    ValueError
        If ``network`` is not a :class:`BrunelNetwork`, ``rates`` are not positive and finite,
        or ``g_range`` is not an interval in ``[0, inf)``.
    """
    if not isinstance(network, BrunelNetwork):
        raise ValueError(f"network must be a BrunelNetwork, got {type(network).__name__}")
    nu = np.unique(np.asarray(rates, dtype=float).ravel())
    if nu.size == 0 or not np.all(np.isfinite(nu) & (nu > 0)):
        raise ValueError("rates must be positive finite numbers (Hz)")
    g_min, g_max = (float(v) for v in g_range)
    if not 0.0 <= g_min < g_max < np.inf:
        raise ValueError(f"g_range must satisfy 0 <= g_min < g_max < inf, got {g_range!r}")
    grid = np.linspace(g_min, g_max, 121)
    f = _log_excess(network, nu, np.broadcast_to(grid, (nu.size, grid.size)))
    i, j = np.nonzero(np.signbit(f[:, :-1]) != np.signbit(f[:, 1:]))  # one bracket per solution
    nu, lo, hi, f_lo = nu[i], grid[j], grid[j + 1], f[i, j]
    while np.any(hi - lo > 1e-14 * np.maximum(1.0, hi)):
        mid = 0.5 * (lo + hi)
        f_mid = _log_excess(network, nu, mid)
        same = np.signbit(f_mid) == np.signbit(f_lo)
        lo, f_lo, hi = np.where(same, mid, lo), np.where(same, f_mid, f_lo), np.where(same, hi, mid)
    g = 0.5 * (lo + hi)
    fps = [make_fixed_point(dataclasses.replace(network, g=float(gk)), [r, r], tau=tau) for gk, r in zip(g, nu)]
    return FixedPointCurve(rates=nu, g=g, stable=np.array([fp.stable for fp in fps], dtype=bool),
                           relative_residual=np.array([fp.relative_residual for fp in fps]))
