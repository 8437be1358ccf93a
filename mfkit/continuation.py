"""The whole curve of fixed points of the Brunel network over the inhibition ``g``, folds included.

For the Brunel network E and I receive identical input, so every fixed point has ``nu_E = nu_I = nu``
and solves the scalar equation (Hahne et al. 2017, eq. 27-29)

.. math::

    F(g, x) = \\log \\Phi\\bigl(\\mu(e^x, g), \\sigma(e^x, g)\\bigr) - x = 0, \\qquad x = \\log \\nu .

At fixed ``g`` it can have several solutions, which appear and vanish in pairs at saddle-node
bifurcations (folds), so a sweep over ``g`` loses branches there.  :func:`fixed_point_curve` follows
the solution set of ``F = 0`` in the plane ``(g, x)`` instead, by pseudo-arclength continuation: a step
along the tangent of the curve, then Newton's method on ``F = 0`` restricted to the line through the
predicted point perpendicular to the tangent.  The curve is traced through its folds without
special treatment; there the slope ``dPhi/dnu`` crosses 1 and the pseudo-time stability (eq. 30)
changes.  ``mu`` is affine in the rate and in ``g``, ``sigma**2`` affine in the rate and in ``g**2``
(eq. 28, 29, inhibitory weight ``-g J``): the model at ``g = 1``, its excitatory and inhibitory
sources apart (:meth:`mfkit.MeanFieldNetwork.rate_line`), gives the coefficients, so ``F`` and its
gradient are exact.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .brunel import BrunelNetwork
from .fixed_points import FixedPointError, fixed_points
from .network import LinePoint

__all__ = ["FixedPointCurve", "fixed_point_curve"]


@dataclass(frozen=True, eq=False)
class FixedPointCurve:
    """Fixed points of the Brunel network along a curve in ``(g, nu)`` (see :func:`fixed_point_curve`).

    Attributes
    ----------
    g : ndarray, shape (n,)
        Relative inhibition of each point, in the order of the curve.
    rates : ndarray, shape (n,)
        Common rate ``nu_E = nu_I`` (Hz) of the fixed point at ``g``.
    pseudo_time_stable : ndarray of bool, shape (n,)
        Stability under the pseudo-time relaxation (eq. 30): ``dPhi/dnu < 1`` along ``nu_E = nu_I``
        (the difference mode always decays).  Not the stability of the network with its delay.
    relative_residual : ndarray, shape (n,)
        ``|Phi(nu) - nu| / nu`` at each point.
    """

    g: NDArray[np.float64]
    rates: NDArray[np.float64]
    pseudo_time_stable: NDArray[np.bool_]
    relative_residual: NDArray[np.float64]

    @property
    def folds(self) -> NDArray[np.int64]:
        """Indices of the points just before each change of stability (the saddle-node bifurcations)."""
        return np.flatnonzero(self.pseudo_time_stable[1:] != self.pseudo_time_stable[:-1])


class _Residual:
    """``F(g, x)`` and its gradient for one Brunel network (E = I), exact in ``g`` and ``x``.

    At inhibition ``g`` the E population's input along ``nu_E = nu_I = nu`` has
    ``d mu / d nu = drift_E + g drift_I`` and ``d sigma^2 / d nu = diffusion_E + g^2 diffusion_I``,
    with the factors of the excitatory and of the inhibitory sources of the model at ``g = 1``
    (inhibitory weight ``-J``).
    """

    def __init__(self, network: BrunelNetwork):
        unit = dataclasses.replace(network, g=1.0).model
        self.exc = unit.rate_line(0, sources=[0])  # the drive and the E inputs
        inh = unit.rate_line(0, sources=[1])       # the I inputs at g = 1
        self.c, self.d = inh.drift, inh.diffusion  # coefficients of g (mu) and g^2 (sigma^2) per Hz

    def point(self, g: float, nu: float) -> LinePoint:
        """The input of E and its transfer at inhibition ``g`` and common rate ``nu`` (Hz)."""
        line = self.exc._replace(drift=self.exc.drift + g * self.c, diffusion=self.exc.diffusion + g * g * self.d)
        return line.at(nu)

    def __call__(self, g: float, x: float) -> tuple[float, float, float]:
        """``F``, ``dF/dg`` and ``dF/dx`` at ``(g, x)``; NaN where ``Phi`` vanishes."""
        nu = math.exp(x)
        p = self.point(g, nu)
        r = p.siegert
        if not r.rate > 0:
            return math.nan, math.nan, math.nan
        # d mu / dg = c nu and d sigma / dg = g d nu / sigma
        f_g = (r.d_mu * self.c * nu + r.d_sigma * g * self.d * nu / p.sigma) / r.rate
        return math.log(r.rate) - x, f_g, nu * p.slope / r.rate - 1.0


def _trace(res: _Residual, g: float, x: float, direction: float, g_range: tuple[float, float],
           x_max: float, max_step: float, max_points: int) -> list[tuple[float, float, float]]:
    """Points ``(g, x, dF/dx)`` of the curve from a solution ``(g, x)``, first towards ``sign(dg) = direction``."""
    _, fg, fx = res(g, x)
    t = np.array([-fx, fg]) / math.hypot(fg, fx)  # tangent: perpendicular to the gradient
    if t[0] * direction < 0:
        t = -t
    out = [(g, x, fx)]
    step = 0.1 * max_step
    while len(out) < max_points:
        z = np.array([g, x])
        pred = z + step * t
        zn, ok = pred.copy(), False
        for it in range(8):  # Newton on F = 0 and t . (z - pred) = 0
            f, fg, fx = res(*zn)
            if not math.isfinite(f):
                break
            jac = np.array([[fg, fx], [t[0], t[1]]])
            dz = np.linalg.solve(jac, [-f, -(t @ (zn - pred))])
            zn += dz
            if abs(dz[0]) + abs(dz[1]) < 1e-12 * (1 + abs(zn[1])):
                ok = True
                break
        if not ok:
            step *= 0.5
            if step < 1e-9 * max_step:
                raise FixedPointError(f"continuation stalled at g = {g:.6g}, nu = {math.exp(x):.6g} Hz")
            continue
        f, fg, fx = res(*zn)
        t_new = np.array([-fx, fg]) / math.hypot(fg, fx)
        if t_new @ t < 0:
            t_new = -t_new
        g, x, t = float(zn[0]), float(zn[1]), t_new
        out.append((g, x, fx))
        if not (g_range[0] <= g <= g_range[1]) or x > x_max:
            break
        step = min(max_step, step * (1.5 if it <= 2 else 1.0))
    return out


def fixed_point_curve(network: BrunelNetwork, g_range: tuple[float, float] = (0.0, 8.0), *,
                      max_step: float = 0.05, max_points: int = 20000) -> list[FixedPointCurve]:
    """Every curve of fixed points of the Brunel network for ``g`` in ``g_range``, folds included.

    Follows the solutions of ``nu = Phi(mu(nu, g), sigma(nu, g))`` (eq. 27-29, E and I at the common
    rate ``nu``) by pseudo-arclength continuation in the plane ``(g, log nu)`` (see the module
    docstring), starting from every fixed point at ``g_max`` found by :func:`mfkit.fixed_points`, and from
    every fixed point at ``g_min`` that is not on a curve already traced.  A curve ends where it
    leaves ``g_range`` (its last point lies just outside) or reaches ``1000/t_ref``.  The quiescent
    state ``nu = 0`` (a fixed point at every ``g`` when there is no external drive) is not a point of
    the plane and is left out.  The other parameters (``eta``, ``J``, the neuron) come from
    ``network``; its own ``g`` is not used.

    Parameters
    ----------
    network : BrunelNetwork
        Network supplying every parameter except ``g``.
    g_range : (float, float)
        Interval of ``g``, ``0 <= g_min < g_max``.
    max_step : float
        Largest step along the curve in the plane ``(g, ln nu)`` (> 0); smaller steps give a
        smoother curve.  Steps shrink automatically where Newton's method needs it (near folds).
    max_points : int
        Upper limit of points per curve.

    Returns
    -------
    list of FixedPointCurve
        One per connected curve, points in the order of the curve, with the pseudo-time stability
        (eq. 30) at every point.

    Raises
    ------
    ValueError
        If ``network`` is not a :class:`BrunelNetwork`, ``g_range`` is not an interval in
        ``[0, inf)``, ``max_step`` is not positive or ``max_points`` is below 2.
    FixedPointError
        If the continuation cannot proceed (Newton's method fails at every step size).
    """
    if not isinstance(network, BrunelNetwork):
        raise ValueError(f"network must be a BrunelNetwork, got {type(network).__name__}")
    g_min, g_max = (float(v) for v in g_range)
    if not 0.0 <= g_min < g_max < math.inf:
        raise ValueError(f"g_range must satisfy 0 <= g_min < g_max < inf, got {g_range!r}")
    if not (isinstance(max_step, (int, float)) and 0 < max_step < math.inf):
        raise ValueError(f"max_step must be a positive number, got {max_step!r}")
    if not (isinstance(max_points, int) and max_points >= 2):
        raise ValueError(f"max_points must be an integer >= 2, got {max_points!r}")
    res = _Residual(network)
    x_max = math.log(1000.0 / network.t_ref) if network.t_ref > 0 else math.inf
    curves: list[list[tuple[float, float, float]]] = []
    for g0, direction in [(g_max, -1.0), (g_min, 1.0)]:
        for fp in fixed_points(dataclasses.replace(network, g=g0)):
            if not fp.rate > 0:  # the quiescent state lies outside the plane (g, log nu)
                continue
            x0 = math.log(fp.rate)
            if any(_passes(c, g0, x0) for c in curves):
                continue
            curves.append(_trace(res, g0, x0, direction, (g_min, g_max), x_max, max_step, max_points))
    out = []
    for c in curves:
        g, x, fx = (np.array(v) for v in zip(*c))
        nu = np.exp(x)
        phi = np.array([res.point(gk, n).siegert.rate for gk, n in zip(g, nu)])
        out.append(FixedPointCurve(g=g, rates=nu, pseudo_time_stable=fx < 0, relative_residual=np.abs(phi - nu) / nu))
    return out


def _passes(curve: list[tuple[float, float, float]], g0: float, x0: float) -> bool:
    """Whether ``curve`` passes through ``(g0, x0)``: crosses ``g = g0`` within 0.01 of ``x0`` (1 % in the rate),
    interpolating linearly between its points."""
    for (ga, xa, _), (gb, xb, _) in zip(curve[:-1], curve[1:]):
        if ga == gb == g0 and abs(xa - x0) < 0.01:
            return True
        if (ga - g0) * (gb - g0) <= 0 and ga != gb and abs(xa + (xb - xa) * (g0 - ga) / (gb - ga) - x0) < 0.01:
            return True
    return False
