"""Every fixed point of the self-consistency equation (Hahne et al. 2017, eq. 27).

A fixed point is a rate vector with ``nu_a = Phi_a(mu_a(nu), sigma_a(nu))``
for every population ``a``.  Its stability is that of the pseudo-time dynamics
(eq. 30), ``tau d nu/ds = -nu + Phi(mu(nu), sigma(nu))``: stable when every
eigenvalue of the Jacobian has a negative real part.

Method
------
Populations with identical parameters and identical input (same rows of the
drift and diffusion factor matrices, same external drive) have equal rates at
every fixed point (their ``mu`` and ``sigma`` are equal for *any* rates), so
the problem is first reduced to one unknown per group of such populations.

* **One group** (e.g. the Brunel network, where E and I receive identical
  input): the scalar equation ``nu = Phi(nu)`` is solved completely.  The
  sign of ``g(x) = log Phi(e^x) - x`` (the sign of ``Phi(nu) - nu``) is
  sampled in one vectorised Siegert call on a grid that is logarithmic in
  ``nu`` from 1e-300 Hz to 1e-6 Hz (20 points) and from 1e-6 Hz to 1 Hz (40
  points), and linear from 1 Hz to ``1000/t_ref`` (250 points); if ``Phi(0)``
  is below 1e-300 Hz the grid starts at ``Phi(0)/2``, and ``Phi(0) = 0``
  (no drive) makes ``nu = 0`` a fixed point.  Sampled local extrema of ``g``
  that do not change sign but are close to zero compared with the local
  variation of ``g`` are zoomed into with finer sub-grids, so that pairs of
  close roots between two grid points (near a saddle-node bifurcation) are
  found too.  Every bracket is then refined by a safeguarded Newton iteration
  in ``x = log nu`` (exact derivatives from ``siegert_with_derivatives``,
  bisection when a step leaves the bracket), all brackets at once, until the
  Newton step is below 1e-14 max(1, |x|), i.e. a relative accuracy in ``nu``
  of ~1e-14 (~1e-12 for rates like 1e-41 Hz, where |x| ~ 94).  Since ``Phi(0) >= 0`` and
  ``Phi < 1000/t_ref``, the number of roots is odd unless a root is exactly
  tangent.  A root is accepted only if ``|Phi(nu) - nu| / nu <= 1e-9``;
  otherwise :class:`FixedPointError` is raised.
* **Several groups**: damped Newton iteration in log-rates, run from many
  starting points at once (a log-spaced grid of rates from 1e-8 Hz to
  0.95 x 1000/t_ref in each group, ``n_starts`` points in all, plus the
  external-only rates and the end state of a pseudo-time relaxation),
  followed by de-duplication.  This finds the fixed points whose Newton basin
  contains a starting point; it is *not* guaranteed to find all of them
  (raise ``n_starts`` to search harder).

With shot noise (``input_model="shot"``) ``Phi`` is the rate of the neuron driven by Poisson inputs of
the network's jump sizes (:mod:`mfkit.shot_input`, the master equation of :mod:`mfkit.shot_noise`, known
to a relative 1e-6).  Each fixed point of eq. 27 is continued by Newton's method with the shot-noise
``Phi`` and its Jacobian (first with ``Phi`` to 1e-3, then to 1e-5), and accepted when
``|Phi(nu) - nu| / nu <= 5e-5``: the fixed points of the shot-noise equation that lie in the Newton
basins of the diffusion ones (distinct ones kept).  Completeness is not certified with shot noise.
"""
from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .brunel import BrunelNetwork
from .network import MeanFieldNetwork, as_model
from .shot_input import ShotNoiseInputs, check_input_model
from .siegert import SiegertDerivatives, siegert_with_derivatives

__all__ = ["FixedPoint", "FixedPointError", "NoUniqueStateError", "fixed_points", "stable_fixed_point",
           "as_fixed_point", "make_fixed_point", "make_shot_fixed_point", "Branch", "bifurcation_diagram"]

_TINY = 1e-300
_ACCEPT = 1e-9  # relative residual for accepting a root
_ACCEPT_SHOT = 5e-5  # the same with shot noise, whose Phi is computed to a relative 1e-5 for it


class FixedPointError(RuntimeError):
    """Raised when the fixed-point search fails (never a silent guess)."""


class NoUniqueStateError(ValueError):
    """Raised when eq. 30 has not exactly one stable fixed point, so no stationary state is defined.

    Attributes
    ----------
    stable : list of FixedPoint
        The fixed points of eq. 27 that are stable under eq. 30 (none, or several: multistability).
    """

    def __init__(self, stable: list[FixedPoint]):
        self.stable = stable
        super().__init__(f"the network has {len(stable)} stable fixed points of eq. 30, not one "
                         f"(rates {[fp.rates.tolist() for fp in stable]} Hz): pass the fixed point to analyse")


@dataclass(frozen=True, eq=False)
class FixedPoint:
    """A self-consistent state of the network.

    Attributes
    ----------
    rates : ndarray, shape (P,)
        Population rates in Hz.
    mu, sigma : ndarray, shape (P,)
        Mean input and input fluctuation in mV (eq. 28, 29) at ``rates``.
    pseudo_time_eigenvalues : ndarray, shape (P,)
        Eigenvalues (1/ms) of the Jacobian of the pseudo-time relaxation, eq. 30, with time
        constant ``tau``, sorted by decreasing real part.  They decide which fixed points eq. 30
        (and NEST's ``siegert_neuron`` network) converges to; they are *not* the eigenvalues of
        the network with its synaptic delay (:func:`mfkit.network_stability`).
    pseudo_time_stable : bool
        ``True`` when all pseudo-time eigenvalues have negative real part.
    residual : float
        ``max_a |Phi_a(nu) - nu_a|`` in Hz.
    relative_residual : float
        ``max_a |Phi_a(nu) - nu_a| / nu_a`` (0 where ``nu_a = Phi_a = 0``).
    names : tuple of str
        Population names.
    input_model : {"diffusion", "shot"}
        The input behind ``Phi``: Gaussian white noise (eq. 27-29) or Poisson inputs of the network's jump
        sizes (:mod:`mfkit.shot_input`); ``mu`` and ``sigma`` are eq. 28-29 at ``rates`` either way.
    """

    rates: NDArray[np.float64]
    mu: NDArray[np.float64]
    sigma: NDArray[np.float64]
    pseudo_time_eigenvalues: NDArray[np.complex128]
    pseudo_time_stable: bool
    residual: float
    relative_residual: float
    names: tuple[str, ...] = ()
    input_model: str = "diffusion"

    @property
    def rate(self) -> float:
        """Mean of the population rates (Hz); for the Brunel network the common rate."""
        return float(np.mean(self.rates))

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        r = ", ".join(f"{n}={v:.10g} Hz" for n, v in zip(self.names, self.rates))
        shot = ", input_model='shot'" if self.input_model == "shot" else ""
        return (f"FixedPoint({r}, pseudo_time_stable={self.pseudo_time_stable}, "
                f"relative_residual={self.relative_residual:.1e}{shot})")


def _make_many(model: MeanFieldNetwork, rates: NDArray[np.float64], tau: float,
               known: SiegertDerivatives | None = None) -> list[FixedPoint]:
    """FixedPoint objects for a batch of rate vectors (shape (n, P)) with one Siegert call.

    ``known``: the Siegert rate and derivatives at those rates (each of shape (n, P)), if already
    computed (by the Newton iteration); then no Siegert call is made.
    """
    r = model.check_rates(np.reshape(rates, (-1, model.n_populations)))
    stats = model.input_statistics(r)
    d = known if known is not None else siegert_with_derivatives(stats.mu, stats.sigma, **model.transfer_params)
    phi = np.asarray(d.rate, dtype=float)
    dphi = model.rate_jacobian(stats, d)
    mu, sig = stats.mu, stats.sigma
    diff = np.abs(phi - r)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(diff == 0, 0.0, diff / np.abs(r))
    eye = np.eye(model.n_populations)
    out = []
    for k in range(r.shape[0]):
        ev = np.linalg.eigvals((dphi[k] - eye) / tau)
        ev = ev[np.argsort(-ev.real, kind="stable")]
        for a in (r[k], mu[k], sig[k], ev):
            a.setflags(write=False)
        out.append(FixedPoint(
            rates=r[k], mu=mu[k], sigma=sig[k], pseudo_time_eigenvalues=ev,
            pseudo_time_stable=bool(np.all(ev.real < 0)), residual=float(np.max(diff[k])),
            relative_residual=float(np.max(rel[k])), names=model.names,
        ))
    return out


def make_fixed_point(net: MeanFieldNetwork | BrunelNetwork, rates: ArrayLike, tau: float = 1.0) -> FixedPoint:
    """Build a :class:`FixedPoint` (mu, sigma, Jacobian eigenvalues, residual) at ``rates``.

    No solving is done; use it to inspect a candidate rate vector.
    """
    if not tau > 0:
        raise ValueError(f"tau must be > 0 ms, got {tau!r}")
    model = as_model(net)
    r = model.check_rates(rates)
    if r.ndim != 1:
        raise ValueError(f"rates must be one rate vector of shape ({model.n_populations},)")
    return _make_many(model, r, tau)[0]


def _relative(phi: NDArray[np.float64], r: NDArray[np.float64]) -> NDArray[np.float64]:
    diff = np.abs(phi - r)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(diff == 0, 0.0, diff / np.abs(r))


def _shot_fixed_point_at(model: MeanFieldNetwork, r: NDArray[np.float64], phi: NDArray[np.float64],
                         jac: NDArray[np.float64], tau: float) -> FixedPoint:
    stats = model.input_statistics(r)
    ev = np.linalg.eigvals((jac - np.eye(model.n_populations)) / tau)
    ev = ev[np.argsort(-ev.real, kind="stable")]
    for a in (r, stats.mu, stats.sigma, ev):
        a.setflags(write=False)
    return FixedPoint(rates=r, mu=stats.mu, sigma=stats.sigma, pseudo_time_eigenvalues=ev,
                      pseudo_time_stable=bool(np.all(ev.real < 0)), residual=float(np.max(np.abs(phi - r))),
                      relative_residual=float(np.max(_relative(phi, r))), names=model.names, input_model="shot")


def make_shot_fixed_point(model: MeanFieldNetwork, rates: ArrayLike, tau: float = 1.0) -> FixedPoint:
    """A :class:`FixedPoint` at ``rates`` with the shot-noise ``Phi`` (residual, Jacobian eigenvalues); no solving.

    ``Phi`` is computed to a relative ``_ACCEPT_SHOT / 5`` (1e-5), enough to accept a residual of 5e-5."""
    r = model.check_rates(rates)
    phi, jac, _ = ShotNoiseInputs(model, r, rtol=_ACCEPT_SHOT / 5).transfer()
    return _shot_fixed_point_at(model, r, phi, jac, tau)


def _newton_step(x: NDArray[np.float64], phi: NDArray[np.float64], jac: NDArray[np.float64]
                 ) -> NDArray[np.float64] | None:
    """One Newton step for ``nu = Phi(nu)`` that keeps the rates >= 0 (None if the Jacobian is singular)."""
    try:
        step = np.linalg.solve(jac - np.eye(x.size), x - phi)
    except np.linalg.LinAlgError:
        return None
    shrink = np.min(np.where(x + step < 0, 0.5 * x / np.maximum(-step, 1e-300), 1.0))
    return x + min(1.0, float(shrink)) * step


def _shot_newton(model: MeanFieldNetwork, start: NDArray[np.float64], tau: float) -> FixedPoint | None:
    """Newton's method for ``nu = Phi_shot(nu)`` from ``start``: with Phi to 1e-3 until the residual is below
    1e-4, then with Phi to 1e-5 (at most three evaluations) until it is below ``_ACCEPT_SHOT``; None if it
    does not converge (a candidate lost, never a guess)."""
    x: NDArray[np.float64] | None = np.array(start, dtype=float)
    for _ in range(40):
        phi, jac, _ = ShotNoiseInputs(model, x, rtol=1e-3).transfer()
        if np.max(_relative(phi, x)) <= 1e-4:
            break
        x = _newton_step(x, phi, jac)
        if x is None:
            return None
    else:
        return None
    for _ in range(3):
        r = model.check_rates(x)
        phi, jac, _ = ShotNoiseInputs(model, r, rtol=_ACCEPT_SHOT / 5).transfer()
        fp = _shot_fixed_point_at(model, r, phi, jac, tau)
        if fp.relative_residual <= _ACCEPT_SHOT:
            return fp
        x = _newton_step(r, phi, jac)
        if x is None:
            return None
    return None


def _shot_fixed_points(model: MeanFieldNetwork, diffusion: list[FixedPoint], tau: float) -> list[FixedPoint]:
    """The shot-noise fixed points continued from the diffusion ones (distinct to a relative 1e-4)."""
    found: list[FixedPoint] = []
    for fp in diffusion:
        new = _shot_newton(model, fp.rates, tau)
        if new is not None and not any(np.allclose(new.rates, f.rates, rtol=1e-4, atol=1e-12) for f in found):
            found.append(new)
    if not found:
        raise FixedPointError(f"no fixed point with shot noise: Newton's method from the {len(diffusion)} fixed "
                              f"points of eq. 27 did not converge")
    return found


class _Reduced:
    """The fixed-point equation in one unknown per group of equivalent populations.

    Group rates ``x`` (shape (..., G)) stand for the population rates ``x @ E.T``
    (:meth:`MeanFieldNetwork.group_expansion`); the transfer function and its Jacobian come from the
    model (:meth:`MeanFieldNetwork.transfer_with_jacobian`).
    """

    def __init__(self, model: MeanFieldNetwork):
        self.model = model
        self.groups = model.population_groups()
        self.rep = np.array([g[0] for g in self.groups])
        self.E = model.group_expansion()
        self.nu_max = model.max_rate[self.rep]  # per group, Hz (inf where t_ref = 0)
        self.line = _Line(self) if len(self.groups) == 1 else None

    def phi(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Phi of each group for group rates ``x`` (shape (..., G))."""
        return self.model.transfer(x @ self.E.T)[..., self.rep]

    def phi_jac(self, x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Phi of each group and ``dPhi_g/dx_h`` for group rates ``x`` of shape (N, G)."""
        phi, dphi = self.model.transfer_with_jacobian(x @ self.E.T)
        return phi[:, self.rep], dphi[:, self.rep, :] @ self.E


# ---------------------------------------------------------------- 1-D case
class _Line:
    """The fixed-point equation when every population fires at the same rate ``nu`` (a single group).

    Vectorised over many rates through :meth:`_Reduced.phi`; at one rate, for Newton's inner loop,
    through the model's scalar statistics along that line (:meth:`MeanFieldNetwork.rate_line`).
    """

    def __init__(self, red: _Reduced):
        self.red = red
        self.rate_line = red.model.rate_line(int(red.rep[0]))

    def phi(self, nu: NDArray[np.float64]) -> NDArray[np.float64]:
        p = self.red.phi(np.reshape(nu, (-1, 1)))[:, 0]
        if np.any(np.isnan(p)):
            raise FixedPointError(f"the transfer function returned NaN at rates {nu[np.isnan(p)]} Hz")
        return p

    @staticmethod
    def _log(p, x):
        with np.errstate(divide="ignore", invalid="ignore"):  # Phi <= 0 (the Taylor form can be negative)
            lp = np.log(p)
        return np.where(p > 0, lp, -1e300) - x

    def g(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """g(x) = log Phi(e^x) - x; same sign as Phi(nu) - nu."""
        return self._log(self.phi(np.exp(x)), x)

    def g_dg(self, x: float) -> tuple[float, float, SiegertDerivatives]:
        """g(x), g'(x) and the Siegert values at one log-rate ``x`` (scalar: Newton's inner loop)."""
        nu = math.exp(x)
        point = self.rate_line.at(nu)
        d = point.siegert
        if not d.rate > 0:
            return -1e300 - x, math.nan, d
        return math.log(d.rate) - x, nu * point.slope / d.rate - 1.0, d


def _newton_bracket(line: _Line, lo: float, hi: float, glo: float, ghi: float) -> tuple[float, SiegertDerivatives]:
    """Safeguarded Newton in x = log nu inside one bracket where g changes sign.

    Returns the root ``x`` -- the last point evaluated, within the final Newton step
    (<= 1e-14 max(1, |x|)) of the root -- and the Siegert rate and derivatives there.
    """
    x = lo - glo * (hi - lo) / (ghi - glo) if ghi != glo else math.nan  # secant start
    if not min(lo, hi) < x < max(lo, hi):
        x = 0.5 * (lo + hi)
    for _ in range(200):
        g, dg, d = line.g_dg(x)
        if (g > 0) == (glo > 0):
            lo, glo = x, g
        else:
            hi, ghi = x, g
        a, b = min(lo, hi), max(lo, hi)
        xn = x - g / dg if dg != 0 else math.nan
        newton = a < xn < b  # False for NaN
        if not newton:
            xn = 0.5 * (a + b)
        scale = max(1.0, abs(xn))
        if g == 0 or (newton and abs(xn - x) <= 1e-14 * scale) or b - a <= 4e-16 * scale:
            return x, d
        x = xn
    raise FixedPointError(f"root refinement did not converge in the bracket ({lo}, {hi}) (log rates)")


@functools.lru_cache(maxsize=64)
def _grid(nu_max: float, n_tail: int, n_log: int, n_lin: int) -> NDArray[np.float64]:
    """0, then log-spaced 1e-300 .. 1e-6 Hz .. 1 Hz, then linear 1 Hz .. nu_max (read-only)."""
    top = 1.0 if nu_max > 2.0 else 0.5 * nu_max
    mid = min(1e-6, 1e-6 * top)
    nus = np.concatenate([
        [0.0],
        np.exp(np.linspace(np.log(_TINY), np.log(mid), n_tail, endpoint=False)),
        np.exp(np.linspace(np.log(mid), np.log(top), n_log, endpoint=False)),
        np.linspace(top, nu_max, n_lin),
    ])
    nus.setflags(write=False)
    return nus


def _scan_1d(red: _Reduced, grid: tuple[int, int, int]) -> list[float]:
    n_tail, n_log, n_lin = grid
    line = red.line
    roots: list[float] = []

    nu_max = float(red.nu_max[0])
    if not np.isfinite(nu_max):  # t_ref = 0: search an upper bound
        nu_max = 1e3
        while float(line.phi(np.array([nu_max]))[0]) >= nu_max:
            nu_max *= 4.0
            if nu_max > 1e12:
                raise FixedPointError("no upper bound on the rate: Phi(nu) >= nu up to 1e12 Hz (t_ref = 0)")
    nus = _grid(float(nu_max), n_tail, n_log, n_lin).copy()
    p = line.phi(nus)  # one call: Phi(0) and the whole grid
    phi0 = float(p[0])
    if phi0 == 0.0:
        roots.append(0.0)  # quiescent state: Phi(0) underflows to exactly 0
        nus, p = nus[1:], p[1:]
    elif phi0 < 0.0:  # the Taylor form of the colored-noise correction, below its domain: no root at 0
        nus, p = nus[1:], p[1:]
    elif 0.0 < phi0 < 2 * _TINY:
        # extremely weak drive: start the grid below Phi(0) (at such rates the recurrent input
        # is ~1e-300 mV, so Phi(nu) = Phi(0) and no fixed point lies below Phi(0) / 2)
        lo = 0.5 * phi0
        nus[0] = lo
        p[0] = line.phi(np.array([lo]))[0]
    else:
        nus, p = nus[1:], p[1:]
    x = np.log(nus)
    g = line._log(p, x)
    if g[0] <= 0 and phi0 > 0:
        raise FixedPointError(f"lower end of the scan at {nus[0]:g} Hz is not below Phi(0) = {phi0:g} Hz")
    if g[-1] >= 0:  # Phi < 1000/t_ref always, so this signals a broken transfer function
        raise FixedPointError(f"Phi(nu_max) >= nu_max at nu_max = {nu_max:g} Hz")

    sg = np.sign(g)
    roots += [float(v) for v in nus[1:-1][g[1:-1] == 0.0]]
    br = [(x[i], x[i + 1], g[i], g[i + 1]) for i in np.flatnonzero(sg[:-1] * sg[1:] < 0)]
    # sampled local extrema of g without a sign change, close to zero compared with the local
    # variation of g: two roots may hide between the samples; zoom in with finer sub-grids
    inner = np.arange(1, len(g) - 1)
    ext = inner[((g[inner] > 0) & (g[inner] < g[inner - 1]) & (g[inner] < g[inner + 1]))
                | ((g[inner] < 0) & (g[inner] > g[inner - 1]) & (g[inner] > g[inner + 1]))]
    for i in ext:
        var = max(abs(g[i - 1] - g[i]), abs(g[i + 1] - g[i]))
        if abs(g[i]) > 10 * var:
            continue
        a, b, s = x[i - 1], x[i + 1], np.sign(g[i])
        for _ in range(6):
            xs = np.linspace(a, b, 65)
            gs = line.g(xs)
            chg = np.flatnonzero(np.sign(gs[:-1]) * np.sign(gs[1:]) < 0)
            if chg.size:
                br += [(xs[j], xs[j + 1], gs[j], gs[j + 1]) for j in chg]
                break
            j = int(np.argmin(s * gs))
            a, b = xs[max(j - 1, 0)], xs[min(j + 1, 64)]
    known: dict[float, tuple[float, float, float]] = {}
    if br:
        for bracket in br:
            x_root, d = _newton_bracket(line, *(float(v) for v in bracket))
            roots.append(math.exp(x_root))
            known[roots[-1]] = (d.rate, d.d_mu, d.d_sigma)
    roots.sort()
    out: list[float] = []
    for r in roots:
        if out and abs(r - out[-1]) <= 1e-12 * max(r, 1e-300):
            continue
        out.append(r)
    return out, known


# ---------------------------------------------------------- multi-D case
def _multistart(red: _Reduced, n_starts: int, tau: float, max_iter: int = 100) -> list[NDArray[np.float64]]:
    """Damped Newton in log-rates from many starts at once (one Siegert call per iteration)."""
    G = len(red.groups)
    nu_max = red.nu_max  # per group: each group is searched up to its own 1000/t_ref
    top = np.where(np.isfinite(nu_max), 0.95 * nu_max, 1e4)
    k = max(2, int(round(n_starts ** (1.0 / G))))
    levels = [np.geomspace(1e-8, t, k) for t in top]
    starts = [np.array(s) for s in itertools.product(*levels)]
    starts.append(np.maximum(red.phi(np.zeros((1, G)))[0], _TINY))
    r = np.zeros(G)  # end state of a pseudo-time relaxation from zero (Euler, step tau/5, 40 tau)
    for _ in range(200):
        r = r + 0.2 * (red.phi(r[None])[0] - r)
    starts.append(np.maximum(r, _TINY))
    x = np.log(np.array(starts))
    active = np.ones(len(x), dtype=bool)
    converged = np.zeros(len(x), dtype=bool)
    eye = np.eye(G)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        nu = np.exp(x[idx])
        p, jac = red.phi_jac(nu)
        ok = np.all(p > 0, axis=1) & np.all(np.isfinite(jac), axis=(1, 2))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            F = np.log(np.where(p > 0, p, 1.0)) - x[idx]
            JF = jac * nu[:, None, :] / np.where(p > 0, p, 1.0)[:, :, None] - eye
        dx = np.zeros_like(F)
        for j in np.flatnonzero(ok):
            try:
                dx[j] = -np.linalg.solve(JF[j], F[j])
            except np.linalg.LinAlgError:
                ok[j] = False
        ok &= np.all(np.isfinite(dx), axis=1)
        big = np.max(np.abs(dx), axis=1)
        dx *= np.minimum(1.0, 2.0 / np.maximum(big, 1e-300))[:, None]  # at most a factor e^2 per step
        x[idx] = np.where(ok[:, None], x[idx] + dx, x[idx])
        x[idx] = np.minimum(x[idx], np.log(nu_max))
        conv = ok & (big <= 1e-13 * np.maximum(1.0, np.max(np.abs(x[idx]), axis=1)))
        converged[idx[conv]] = True
        active[idx[conv | ~ok]] = False
    found: list[NDArray[np.float64]] = []
    for nu in np.exp(x[converged]):
        p = red.phi(nu[None])[0]
        if not np.max(np.abs(p - nu) / nu) <= _ACCEPT:
            continue
        if any(np.all(np.abs(nu - f) <= 1e-7 * np.maximum(nu, f)) for f in found):
            continue
        found.append(nu)
    if not found:
        raise FixedPointError(f"no fixed point found from {len(starts)} starting points")
    return found


def fixed_points(
    net: MeanFieldNetwork | BrunelNetwork,
    *,
    tau: float = 1.0,
    grid: tuple[int, int, int] = (20, 40, 250),
    n_starts: int = 400,
    input_model: str = "diffusion",
) -> list[FixedPoint]:
    """Every fixed point of eq. 27 with rates in ``[0, 1000/t_ref)`` Hz.

    Parameters
    ----------
    net : MeanFieldNetwork or BrunelNetwork
        The network.
    tau : float
        Time constant (ms) of the pseudo-time dynamics (eq. 30) for the
        Jacobian eigenvalues; stability does not depend on it.
    grid : (int, int, int)
        Points of the scalar scan: log-spaced from 1e-300 Hz to 1e-6 Hz, log-spaced
        from 1e-6 Hz to 1 Hz, linear from 1 Hz to ``1000/t_ref``.
    n_starts : int
        Approximate number of starting points when several groups remain.
    input_model : {"diffusion", "shot"}
        ``Phi`` of Gaussian white noise (eq. 27, default) or of Poisson inputs of the network's jump sizes
        (delta synapses; continuous time, or NEST's time grid when the network's ``dt`` is set; the fixed points
        continued from the diffusion ones, see the module notes; on the grid each ``Phi`` takes seconds).

    Returns
    -------
    list of FixedPoint
        Sorted by (mean) rate.

    Raises
    ------
    FixedPointError
        If a root cannot be confirmed (relative residual > 1e-9) or no fixed
        point is found.
    """
    model = as_model(net)
    if not (isinstance(tau, (int, float, np.integer, np.floating)) and 0 < tau < np.inf):
        raise ValueError(f"tau must be a finite number > 0 ms, got {tau!r}")
    if len(grid) != 3 or not all(_is_int(n) and n >= 5 for n in grid):
        raise ValueError(f"grid must be three integers >= 5, got {grid!r}")
    if not (_is_int(n_starts) and n_starts >= 1):
        raise ValueError(f"n_starts must be an integer >= 1, got {n_starts!r}")
    if check_input_model(input_model) == "shot":
        ShotNoiseInputs.check_model(model)
    red = model.__dict__.get("_reduced")
    if red is None:  # the model is immutable: cache its reduction
        red = _Reduced(model)
        object.__setattr__(model, "_reduced", red)
    if len(red.groups) == 1:
        roots, known = _scan_1d(red, tuple(int(n) for n in grid))
        if not roots:
            hint = (" The Taylor form of the colored-noise correction (colored_noise='taylor') is negative far below "
                    "threshold and can leave no self-consistent rate; the shifted form always has one."
                    if model.colored_noise == "taylor" and np.any(model.tau_syn > 0) else "")
            raise FixedPointError(f"no fixed point of eq. 27: Phi(nu) - nu does not change sign in [0, "
                                  f"{float(red.nu_max[0]):g}) Hz.{hint}")
        rates = np.array([red.E @ np.array([r]) for r in roots])
        if all(r in known for r in roots):  # Siegert values at the roots are known from Newton
            vals = np.array([known[r] for r in roots])  # (n, 3)
            pre = tuple(np.repeat(vals[:, k:k + 1], model.n_populations, axis=1) for k in range(3))
            fps = _make_many(model, rates, tau, known=SiegertDerivatives(*pre))
        else:
            fps = _make_many(model, rates, tau)
    else:
        xs = _multistart(red, n_starts, tau)
        fps = _make_many(model, np.array([red.E @ x for x in xs]), tau)
    for fp in fps:
        if not fp.relative_residual <= _ACCEPT:
            raise FixedPointError(
                f"root at rates {fp.rates} Hz not confirmed: relative residual {fp.relative_residual:.2e}"
            )
    if input_model == "shot":
        fps = _shot_fixed_points(model, fps, tau)
    fps.sort(key=lambda f: (f.rate, tuple(f.rates)))
    return fps


def stable_fixed_point(net: MeanFieldNetwork | BrunelNetwork, candidates: list[FixedPoint] | None = None,
                       *, input_model: str = "diffusion") -> FixedPoint:
    """The network's stationary state: its unique fixed point of eq. 27 that is stable under eq. 30.

    The one place where mfkit (and the book) picks "the" state of a network: the stability analysis
    (:func:`mfkit.network_stability`), the phase diagram and the spiking comparisons all start here.

    Parameters
    ----------
    net : MeanFieldNetwork or BrunelNetwork
        The network.
    candidates : list of FixedPoint, optional
        Its fixed points, if already computed by :func:`fixed_points` (saves a second search).
    input_model : {"diffusion", "shot"}
        As in :func:`fixed_points` (used when ``candidates`` is None).

    Returns
    -------
    FixedPoint
        The fixed point with ``pseudo_time_stable`` true.

    Raises
    ------
    NoUniqueStateError
        (a ``ValueError``) If none or several fixed points are stable under eq. 30 (multistability):
        the network then has no stationary state of its own, and the caller must choose one.
    """
    fps = fixed_points(net, input_model=input_model) if candidates is None else candidates
    stable = [fp for fp in fps if fp.pseudo_time_stable]
    if len(stable) != 1:
        raise NoUniqueStateError(stable)
    return stable[0]


def as_fixed_point(net: MeanFieldNetwork | BrunelNetwork, fixed_point: FixedPoint | ArrayLike | None = None,
                   *, input_model: str = "diffusion") -> FixedPoint:
    """The fixed point of ``net`` to analyse: the stationary state by default, else the one given, checked.

    The one place where an analysis of a stationary state (:func:`mfkit.network_stability`,
    :func:`mfkit.single_neuron.simulate_poisson_inputs`) turns its ``fixed_point`` argument into a
    :class:`FixedPoint` of ``net``.

    Parameters
    ----------
    net : MeanFieldNetwork or BrunelNetwork
        The network.
    fixed_point : FixedPoint or array_like, optional
        A fixed point of ``net`` or its rates (Hz); it must satisfy eq. 27 to a relative residual of
        1e-9 (with shot noise: its equation to 5e-5).  Default: :func:`stable_fixed_point` of ``net``.
    input_model : {"diffusion", "shot"}
        Which ``Phi`` the fixed point belongs to (:func:`fixed_points`).

    Returns
    -------
    FixedPoint
        Built anew from the rates at ``net`` (:func:`make_fixed_point`) when given.

    Raises
    ------
    ValueError
        If ``fixed_point`` is not a fixed point of ``net`` (relative residual above 1e-9), or, by
        default, if ``net`` has not exactly one stable fixed point (:class:`NoUniqueStateError`).
    """
    model = as_model(net)
    shot = check_input_model(input_model) == "shot"
    if fixed_point is None:
        return stable_fixed_point(model, input_model=input_model)
    rates = fixed_point.rates if isinstance(fixed_point, FixedPoint) else fixed_point
    fp = make_shot_fixed_point(model, rates) if shot else make_fixed_point(model, rates)
    accept = _ACCEPT_SHOT if shot else _ACCEPT
    if not fp.relative_residual <= accept:
        raise ValueError(f"fixed_point is not a fixed point of the network with input_model={input_model!r}: "
                         f"relative residual {fp.relative_residual:.2e} > {accept:g} at rates {fp.rates.tolist()} Hz")
    return fp


def _is_int(n: object) -> bool:
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool)


@dataclass(frozen=True, eq=False)
class Branch:
    """A branch of fixed points followed over a parameter (see :func:`bifurcation_diagram`).

    Attributes
    ----------
    values : ndarray
        Parameter values along the branch.
    rates : ndarray
        Fixed-point rate (Hz, mean over populations) at each value.
    pseudo_time_stable : ndarray of bool
        Stability under the pseudo-time relaxation (eq. 30) at each value; not the stability of the
        network with its delay (:func:`mfkit.network_stability`).
    """

    values: NDArray[np.float64]
    rates: NDArray[np.float64]
    pseudo_time_stable: NDArray[np.bool_]


def bifurcation_diagram(
    values: ArrayLike, param: str = "g", base: BrunelNetwork | None = None, **fp_kwargs
) -> list[Branch]:
    """Fixed points of :class:`BrunelNetwork` over one parameter, joined into branches.

    For each value of ``param`` (a field of :class:`BrunelNetwork`, e.g. ``"g"`` or
    ``"eta"``) all fixed points are computed; consecutive fixed points are joined into
    branches by nearest log-rate, in order of the sorted rates.  A branch ends where its
    fixed point disappears (e.g. a saddle-node bifurcation) and a new branch starts where
    one appears.  The joining is only a plotting aid; the fixed points themselves come from
    :func:`fixed_points`.

    Parameters
    ----------
    values : array_like
        Parameter values, in the order to follow.
    param : str
        Name of the :class:`BrunelNetwork` field to vary.
    base : BrunelNetwork, optional
        Network supplying the other parameters (default: the seed network).
    **fp_kwargs
        Passed to :func:`fixed_points`.

    Returns
    -------
    list of Branch
    """
    base = BrunelNetwork() if base is None else base
    if param not in {f.name for f in dataclasses.fields(BrunelNetwork)}:
        raise ValueError(f"param must be a BrunelNetwork field, got {param!r}")
    open_: list[list[tuple[float, float, bool]]] = []
    closed: list[list[tuple[float, float, bool]]] = []
    for v in np.asarray(values, dtype=float):
        fps = fixed_points(dataclasses.replace(base, **{param: v}), **fp_kwargs)
        pts = [(float(v), fp.rate, fp.pseudo_time_stable) for fp in fps]
        logs = [np.log(max(p[1], 1e-300)) for p in pts]
        new_open: list[list[tuple[float, float, bool]]] = []
        used: set[int] = set()
        # same number of fixed points: keep the order; otherwise match by nearest log-rate
        if len(pts) == len(open_):
            for br, p in zip(open_, pts):
                br.append(p)
                new_open.append(br)
        else:
            for j, p in enumerate(pts):
                cands = [i for i in range(len(open_)) if i not in used]
                if cands:
                    i = min(cands, key=lambda i: abs(np.log(max(open_[i][-1][1], 1e-300)) - logs[j]))
                    if abs(np.log(max(open_[i][-1][1], 1e-300)) - logs[j]) < 2.0:
                        used.add(i)
                        open_[i].append(p)
                        new_open.append(open_[i])
                        continue
                new_open.append([p])
            closed += [open_[i] for i in range(len(open_)) if i not in used]
        open_ = new_open
    closed += open_
    return [
        Branch(values=np.array([p[0] for p in br]), rates=np.array([p[1] for p in br]),
               pseudo_time_stable=np.array([p[2] for p in br]))
        for br in closed
    ]
