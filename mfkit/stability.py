"""Is the stationary state of the network stable with its synaptic delay? (Brunel & Hakim 1999; Brunel 2000)

Around a fixed point nu* of eq. 27, a small perturbation of the rates changes the mean and the
fluctuation of every neuron's input one delay ``d`` later (eq. 28-29), and the rate responds to
both with the linear responses of the LIF neuron (:func:`mfkit.linear_response`).  A perturbation
``delta nu(t) = v e^{lambda t}`` is self-consistent when

.. math::

    \\det\\big(I - e^{-\\lambda d}\\, W(\\lambda)\\big) = 0, \\qquad
    W_{ab}(\\lambda) = \\chi^{\\mu}_a(\\lambda) \\frac{\\partial \\mu_a}{\\partial \\nu_b}
                    + \\chi^{\\sigma}_a(\\lambda) \\frac{\\partial \\sigma_a}{\\partial \\nu_b},

with ``chi`` continued from ``lambda = 2 pi i f`` to the complex plane.  The stationary
(asynchronous) state is stable when every root has a negative real part; a pair of roots crossing
the imaginary axis is a Hopf bifurcation to a global oscillation at ``Im(lambda) / 2 pi``.

These eigenvalues belong to the network.  The eigenvalues reported by :func:`mfkit.fixed_points`
(``FixedPoint.pseudo_time_eigenvalues``) belong to the fictitious relaxation of eq. 30 and say
nothing about oscillations of the network.

Completeness: the roots are the zeros of an entire function (the rows of ``I - e^{-lambda d} W``
multiplied by the denominators of ``chi``), found in the rectangle ``-1/tau_m < Re lambda <= R``,
``|Im lambda| <= 2 pi f_max`` by the argument principle (:mod:`mfkit.roots`).  ``R`` is raised
until ``|e^{-lambda d} W(lambda)| < 1/2`` on the boundary of the half-strip right of it; by the
maximum modulus principle (the loop gain is analytic, bounded and vanishing there) no root lies
beyond.  When the loop gain is below 1/2 already on the boundary of the half-strip right of the
left edge of the search (a nearly silent network), no root lies in the region and none is counted;
:func:`phase_diagram` uses the same test at ``Re lambda = 0``.  Populations with identical input and parameters are
merged first (their differences are not driven), so the denominators enter once per group.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .brunel import BrunelNetwork
from .fixed_points import FixedPoint, NoUniqueStateError, as_fixed_point, fixed_points, stable_fixed_point
from .network import MeanFieldNetwork, as_model
from .response import characteristic_parts
from .roots import RootSearchError, winding_number, zeros_in_rectangle

__all__ = ["NetworkStability", "network_stability", "characteristic_function", "PhaseDiagram", "HopfPoints",
           "phase_diagram"]


@dataclass(frozen=True, eq=False)
class NetworkStability:
    """Linear stability of a stationary state of the network, with its synaptic delay.

    Attributes
    ----------
    eigenvalues : ndarray of complex
        Roots ``lambda`` (1/ms) of ``det(I - e^{-lambda d} W(lambda)) = 0`` with
        ``Re lambda > re_min`` (default ``-1/tau_m``) and ``|Im lambda| <= 2 pi f_max``, sorted by
        real part, descending (conjugate pairs: positive imaginary part first).
    stable : bool
        All real parts < 0.
    frequency : float
        ``|Im lambda| / 2 pi`` in Hz of the leading eigenvalue (largest real part), 0 if it is real.
    fixed_point : FixedPoint
        The stationary state analysed.
    delay : float
        Synaptic delay in ms.
    f_max : float
        Largest frequency searched, Hz.
    re_min : float
        Smallest real part searched, 1/ms.
    """

    eigenvalues: NDArray[np.complex128]
    stable: bool
    frequency: float
    fixed_point: FixedPoint
    delay: float
    f_max: float
    re_min: float

    @property
    def leading(self) -> complex:
        """The eigenvalue with the largest real part (1/ms); NaN if none was found in the region."""
        return complex(self.eigenvalues[0]) if self.eigenvalues.size else complex(np.nan, np.nan)

    @property
    def damping(self) -> float:
        """``-Re`` of the leading eigenvalue in 1/ms (> 0: the state is stable)."""
        return -self.leading.real


class _Characteristic:
    """The characteristic equation of the network at a fixed point, in one group per set of identical populations.

    ``M(lam) = diag(den) - e^{-lam d} num`` with, for group ``g`` (representative ``a``),
    ``den_g = E_a`` and
    ``num_gh = A^mu_a / (1 + lam tau_a) dmu_a/dnu_h + A^sigma_a / (2 + lam tau_a) dsigma_a/dnu_h``, where
    ``chi^mu_a = A^mu_a / ((1 + lam tau_a) E_a)``, ``chi^sigma_a = A^sigma_a / ((2 + lam tau_a) E_a)``
    (:func:`mfkit.response.characteristic_parts`; the quotients have removable singularities).
    ``det M`` is analytic; ``num / den`` is ``W``.
    """

    def __init__(self, model: MeanFieldNetwork, fp: FixedPoint):
        if np.any(model.tau_syn > 0):
            raise NotImplementedError("network_stability: the linear response with synaptic filtering "
                                      "(tau_syn > 0) is not implemented")
        if model.dt is not None:
            raise NotImplementedError(f"network_stability: the linear response with the threshold on a time grid "
                                      f"(network dt = {model.dt} ms) is not implemented; use dt=None")
        self.rep = np.array([g[0] for g in model.population_groups()])
        expand = model.group_expansion()
        stats = model.input_statistics(fp.rates)
        self.R_mu = (stats.d_mu @ expand)[self.rep]        # d mu_a / d nu_group, (G, G)
        self.R_sig = (stats.d_sigma @ expand)[self.rep]
        self.mu, self.sigma = stats.mu[self.rep], stats.sigma[self.rep]
        self.params = {k: v[self.rep] for k, v in model.neuron_params.items() if k != "tau_syn"}
        self.tau = self.params["tau_m"]
        self.delay = model.delay
        self.fixed_point = fp

    def _quotients(self, s: NDArray[np.complex128]) -> tuple[NDArray, NDArray, NDArray]:
        """``A_mu / (1 + s tau)``, ``A_sigma / (2 + s tau)`` and ``E`` for ``s`` of shape (..., 1).

        ``A_mu`` vanishes at ``s tau = -1`` and ``A_sigma`` at -1 and -2: the quotients are
        analytic; within 1e-6 of those points they are the mean over a small circle around them.
        """
        a_mu, a_sig, e = characteristic_parts(s, self.mu, self.sigma, **self.params)
        p1, p2 = 1.0 + s * self.tau, 2.0 + s * self.tau
        near = (np.abs(p1) < 1e-6) | (np.abs(p2) < 1e-6)
        with np.errstate(divide="ignore", invalid="ignore"):
            q_mu, q_sig = a_mu / p1, a_sig / p2
        s_full = np.broadcast_to(s, q_mu.shape)
        for idx in zip(*np.nonzero(near)):  # rare: the mean value over a circle of radius 1e-4/tau
            g = idx[-1]
            ring = s_full[idx] + 1e-4 / self.tau[g] * np.exp(2j * np.pi * np.arange(8) / 8)
            r_mu, r_sig, _ = characteristic_parts(ring, self.mu[g], self.sigma[g],
                                                  **{k: v[g] for k, v in self.params.items()})
            q_mu[idx] = np.mean(r_mu / (1.0 + ring * self.tau[g]))
            q_sig[idx] = np.mean(r_sig / (2.0 + ring * self.tau[g]))
        return q_mu, q_sig, e

    def parts(self, lam: NDArray[np.complex128]) -> tuple[NDArray, NDArray]:
        """``den`` (..., G) and ``e^{-lam d} num`` (..., G, G) at ``lam`` (1/ms)."""
        s = np.asarray(lam, dtype=complex)[..., None]
        q_mu, q_sig, e = self._quotients(s)
        num = q_mu[..., :, None] * self.R_mu + q_sig[..., :, None] * self.R_sig
        return e, np.exp(-s * self.delay)[..., None] * num

    def __call__(self, lam: NDArray[np.complex128]) -> NDArray[np.complex128]:
        """``det M(lam) / prod |den|``: the phase of the analytic ``det M``, without the (positive,
        piecewise constant) normalisation of the integrated solutions in its modulus."""
        den, num = self.parts(lam)
        M = den[..., :, None] * np.eye(den.shape[-1]) - num
        return np.linalg.det(M) / np.prod(np.abs(den), axis=-1)

    def determinant(self, lam: NDArray[np.complex128]) -> NDArray[np.complex128]:
        """``det(I - e^{-lam d} W(lam))``: same zeros away from the poles of W, free of the normalisation."""
        den, num = self.parts(lam)
        return np.linalg.det(np.eye(den.shape[-1]) - num / den[..., :, None])

    def loop_gain(self, lam: NDArray[np.complex128]) -> NDArray[np.float64]:
        """Spectral norm of ``e^{-lam d} W(lam)`` at each ``lam``."""
        den, num = self.parts(lam)
        return np.linalg.norm(num / den[..., :, None], ord=2, axis=(-2, -1))


def characteristic_function(network, fixed_point: FixedPoint | ArrayLike | None = None):
    """The entire function whose zeros are the network's eigenvalues at ``fixed_point`` (1/ms).

    A vectorised callable ``G(lam)``: the determinant of ``I - e^{-lam d} W(lam)`` with each
    group's row multiplied by the denominators of its linear responses (so that ``G`` has no
    poles); see :func:`network_stability` for the arguments.
    """
    model = as_model(network)
    return _Characteristic(model, as_fixed_point(model, fixed_point))


def network_stability(network, fixed_point: FixedPoint | ArrayLike | None = None, *,
                      f_max: float = 1000.0, re_min: float | None = None) -> NetworkStability:
    """Eigenvalues of the linearised rate dynamics with delay around a fixed point (Brunel 2000).

    Parameters
    ----------
    network : MeanFieldNetwork or BrunelNetwork
        The network; its ``delay`` (ms) is the synaptic delay of every connection.
    fixed_point : FixedPoint or array_like, optional
        The stationary state (a :class:`FixedPoint` or its rates in Hz); it must satisfy eq. 27
        to a relative residual of 1e-9.  Default: the network's stable fixed point of eq. 30
        (a ValueError if there is not exactly one); see :func:`mfkit.fixed_points.as_fixed_point`.
    f_max : float
        Search up to ``|Im lambda| / 2 pi = f_max`` Hz (> 0, default 1 kHz).
    re_min : float, optional
        Search down to ``Re lambda = re_min`` (1/ms, in [-6/tau_m, 0)); default ``-1/tau_m``.
        Deeper searches find strongly damped modes (e.g. the resonance of a stable state).

    Returns
    -------
    NetworkStability

    Raises
    ------
    RootSearchError
        If the eigenvalues cannot be located with certainty.
    """
    if isinstance(f_max, bool) or not isinstance(f_max, (int, float, np.integer, np.floating)) \
            or not 0 < f_max < np.inf:
        raise ValueError(f"f_max must be a finite frequency > 0 Hz, got {f_max!r}")
    G = characteristic_function(network, fixed_point)
    tau = float(np.max(G.tau))
    if re_min is None:
        x0 = -1.0 / tau
    elif isinstance(re_min, bool) or not isinstance(re_min, (int, float, np.integer, np.floating)) \
            or not -6.0 / tau <= re_min < 0:
        raise ValueError(f"re_min must be in [-6/tau_m, 0) = [{-6.0 / tau:g}, 0) per ms, got {re_min!r}")
    else:
        x0 = float(re_min)
    y = 2 * np.pi * float(f_max) * 1e-3        # 1/ms
    if _no_root_right_of(G, x0, y):  # weak loop gain (e.g. a nearly silent network): no root in the region
        roots = np.zeros(0, dtype=complex)
    else:
        roots = zeros_in_rectangle(G, x0, _right_edge(G, y), -y, y, polish=G.determinant)
    # Newton leaves real roots with an imaginary part of rounding size
    roots = np.where(np.abs(roots.imag) <= 1e-10 * np.maximum(1.0, np.abs(roots)), roots.real + 0j, roots)
    order = np.lexsort((-roots.imag, -np.round(roots.real, 12)))
    ev = roots[order]
    ev.setflags(write=False)
    lead = ev[0] if ev.size else complex(np.nan)
    freq = abs(lead.imag) / (2 * np.pi) * 1e3 if ev.size and lead.imag != 0 else 0.0
    return NetworkStability(eigenvalues=ev, stable=bool(np.all(ev.real < 0)), frequency=float(freq),
                            fixed_point=G.fixed_point, delay=G.delay, f_max=float(f_max), re_min=x0)


def _right_edge(G: _Characteristic, y: float) -> float:
    """A real part R with |e^{-lam d} W(lam)| < 1/2 on the boundary of the half-strip Re lam >= R, |Im lam| <= y.

    ``e^{-lam d} W`` is analytic and bounded in the half-strip and vanishes as Re lam -> inf (a
    Laplace transform of a causal kernel times the delay factor), so by the maximum modulus
    principle it stays below 1/2 inside: no root lies there, and the search box ends at R.
    """
    x = 0.25
    for _ in range(14):
        if _no_root_right_of(G, x, y):
            return x
        x *= 2.0
    raise RootSearchError(f"the loop gain |e^(-lam d) W| stays >= 1/2 up to Re lam = {x} per ms: no right edge")


def _no_root_right_of(G: _Characteristic, x: float, y: float) -> bool:
    """True if ``|e^{-lam d} W(lam)| < 1/2`` on the boundary of the half-strip ``Re lam >= x``, ``|Im lam| <= y``.

    Then no eigenvalue lies in that half-strip (maximum modulus principle, see :func:`_right_edge`).
    The boundary is sampled (every 0.01 y along the vertical edge, in steps of 15 % along the
    horizontal ones); the bound 1/2 leaves a factor 2 for the loop gain between the samples.
    """
    ys = np.linspace(-y, y, 201)
    rays = x + np.geomspace(1e-3, 1e3, 100)  # the horizontal edges of the half-strip right of x
    edge = np.concatenate([x + 1j * ys, rays + 1j * y, rays - 1j * y])
    return bool(np.all(G.loop_gain(edge) < 0.5))


@dataclass(frozen=True, eq=False)
class HopfPoints:
    """Points of the Hopf lines: where an eigenvalue of the network crosses the imaginary axis.

    Attributes
    ----------
    g, eta : ndarray
        Location in the (g, eta) plane (located to ``tol`` along the grid line it was found on).
    frequency : ndarray
        ``Im lambda / 2 pi`` in Hz of the crossing eigenvalue there: 0 where the count changes by an
        odd number (a real eigenvalue crosses); for a complex pair, the eigenvalue with
        ``Im lambda > 0`` nearest the imaginary axis at the located point (NaN if none has
        ``Re lambda >= -0.1`` per ms).
    along : ndarray of str
        ``"eta"`` or ``"g"``: the grid line on which the crossing was bracketed.
    """

    g: NDArray[np.float64]
    eta: NDArray[np.float64]
    frequency: NDArray[np.float64]
    along: NDArray[np.str_]


@dataclass(frozen=True, eq=False)
class PhaseDiagram:
    """Stability of the stationary state of the Brunel network over a (g, eta) grid.

    Attributes
    ----------
    g, eta : ndarray, shapes (n_g,), (n_eta,)
        The grid.
    n_unstable : ndarray of int, shape (n_g, n_eta)
        Eigenvalues with ``Re lambda > 0`` (argument principle, ``|Im lambda| <= 2 pi f_max``) at
        the stable fixed point of eq. 30; ``-1`` where eq. 30 has no unique stable fixed point
        (multistability), so that the stationary state is not defined by (g, eta) alone.
    rate : ndarray, shape (n_g, n_eta)
        Rate (Hz) of that fixed point (NaN where ``n_unstable`` is -1).
    hopf : HopfPoints
        Crossings of the imaginary axis located between neighbouring grid points (brackets whose
        bisection runs into multistability are left out: the count changes there at the fold).
    fold : ndarray, shape (k, 2)
        (g, eta) midpoints of neighbouring grid points whose number of fixed points differs: the
        saddle-node boundary where the fixed point appears or disappears.
    base : BrunelNetwork
        The network supplying every other parameter.
    """

    g: NDArray[np.float64]
    eta: NDArray[np.float64]
    n_unstable: NDArray[np.int64]
    rate: NDArray[np.float64]
    hopf: HopfPoints
    fold: NDArray[np.float64]
    base: object


def _unstable_count(net, f_max: float) -> tuple[int, float, int]:
    """(eigenvalues with Re > 0, rate, number of fixed points) of ``net`` at its stable fixed point of eq. 30."""
    fps = fixed_points(net)
    try:
        state = stable_fixed_point(net, fps)
    except NoUniqueStateError:
        return -1, float("nan"), len(fps)
    G = _Characteristic(as_model(net), state)
    y = 2 * np.pi * f_max * 1e-3
    if _no_root_right_of(G, 0.0, y):  # weak loop gain (e.g. a nearly silent network): nothing to count
        return 0, state.rate, len(fps)
    return winding_number(G, 0.0, _right_edge(G, y), -y, y), state.rate, len(fps)


def _crossing(make, lo: float, hi: float, n_lo: int, n_hi: int, f_max: float,
              tol: float) -> tuple[float, float] | None:
    """Bisect the parameter between lo and hi where the count of unstable eigenvalues changes from n_lo
    to n_hi; returns the parameter and the frequency (Hz) of the crossing eigenvalue there, or None when
    the bisection runs into a multistable point (the count changes there by a fold, not a Hopf crossing).

    An odd change of the count is a real eigenvalue (frequency 0); an even one a complex pair, taken as
    the eigenvalue with ``Im lambda > 0`` nearest the imaginary axis at the located point."""
    while abs(hi - lo) > tol * max(1.0, abs(lo)):
        mid = 0.5 * (lo + hi)
        n_mid = _unstable_count(make(mid), f_max)[0]
        if n_mid < 0:
            return None
        if n_mid == n_lo:
            lo = mid
        else:
            hi, n_hi = mid, n_mid
    p = 0.5 * (lo + hi)
    try:
        fp = stable_fixed_point(make(p))
    except NoUniqueStateError:
        return None
    if (n_hi - n_lo) % 2:
        return p, 0.0
    st = network_stability(make(p), fp, f_max=f_max, re_min=-0.1)
    ev = st.eigenvalues[st.eigenvalues.imag > 0]
    lam = ev[np.argmin(np.abs(ev.real))] if ev.size else complex(np.nan, np.nan)
    return p, lam.imag / (2 * np.pi) * 1e3


def phase_diagram(g_values: ArrayLike, eta_values: ArrayLike, base=None, *, f_max: float = 1000.0,
                  tol: float = 1e-3) -> PhaseDiagram:
    """Brunel's phase diagram: stability of the stationary state over (g, eta), the Hopf lines and the fold.

    At every grid point the stable fixed point of eq. 30 is found (:func:`mfkit.fixed_points`) and the
    eigenvalues of the network with its delay right of the imaginary axis are counted by the
    argument principle.  Between neighbouring grid points (along eta and along g) whose counts
    differ, the crossing is located by bisection to a relative ``tol`` and its frequency taken from
    :func:`network_stability` there.

    Weak drive is covered: where the loop gain stays below 1/2 right of the imaginary axis (a
    nearly silent network) the count is 0 without a contour integral; where eq. 30 has several stable
    fixed points the point is marked ``n_unstable = -1`` (no unique stationary state) and brackets
    that touch it, or whose bisection meets such a point, give no crossing: nothing raises there.

    Parameters
    ----------
    g_values, eta_values : array_like
        Grid of relative inhibition and relative external rate (increasing).
    base : BrunelNetwork, optional
        Every other parameter (default: the seed network; Brunel (2000) used ``V_reset=10``).
    f_max : float
        Largest frequency (Hz) of the eigenvalues counted.
    tol : float
        Relative accuracy of the crossing points.

    Returns
    -------
    PhaseDiagram
    """
    base = BrunelNetwork() if base is None else base
    if not isinstance(base, BrunelNetwork):
        raise TypeError(f"base must be a BrunelNetwork, got {type(base).__name__}")
    g = np.asarray(g_values, dtype=float)
    eta = np.asarray(eta_values, dtype=float)
    for name, v in (("g_values", g), ("eta_values", eta)):
        if v.ndim != 1 or v.size < 2 or not np.all(np.isfinite(v)) or np.any(np.diff(v) <= 0) or v[0] < 0:
            raise ValueError(f"{name} must be an increasing 1-d grid of at least 2 finite values >= 0, got {v!r}")
    if not 0 < tol < 0.1:
        raise ValueError(f"tol must be in (0, 0.1), got {tol!r}")
    n = np.empty((g.size, eta.size), dtype=np.int64)
    rate = np.empty((g.size, eta.size))
    n_fp = np.empty((g.size, eta.size), dtype=np.int64)
    for i, gi in enumerate(g):
        for j, ej in enumerate(eta):
            n[i, j], rate[i, j], n_fp[i, j] = _unstable_count(dataclasses.replace(base, g=gi, eta=ej), f_max)
    points = []
    for i, gi in enumerate(g):  # along eta
        for j in np.flatnonzero((n[i, :-1] != n[i, 1:]) & (n[i, :-1] >= 0) & (n[i, 1:] >= 0)):
            found = _crossing(lambda e: dataclasses.replace(base, g=gi, eta=e), eta[j], eta[j + 1],
                              int(n[i, j]), int(n[i, j + 1]), f_max, tol)
            if found is not None:
                points.append((gi, *found, "eta"))
    for j, ej in enumerate(eta):  # along g
        for i in np.flatnonzero((n[:-1, j] != n[1:, j]) & (n[:-1, j] >= 0) & (n[1:, j] >= 0)):
            found = _crossing(lambda x: dataclasses.replace(base, g=x, eta=ej), g[i], g[i + 1],
                              int(n[i, j]), int(n[i + 1, j]), f_max, tol)
            if found is not None:
                points.append((found[0], ej, found[1], "g"))
    hopf = HopfPoints(g=np.array([p[0] for p in points]), eta=np.array([p[1] for p in points]),
                      frequency=np.array([p[2] for p in points]), along=np.array([p[3] for p in points]))
    fold = [((g[i] + g[i + di]) / 2, (eta[j] + eta[j + dj]) / 2)
            for di, dj in ((1, 0), (0, 1))
            for i in range(g.size - di) for j in range(eta.size - dj)
            if n_fp[i, j] != n_fp[i + di, j + dj]]
    return PhaseDiagram(g=g, eta=eta, n_unstable=n, rate=rate, hopf=hopf,
                        fold=np.array(fold, dtype=float).reshape(-1, 2), base=base)
