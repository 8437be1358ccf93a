"""The LIF neuron driven by shot noise: Poisson inputs of fixed sizes, beyond the diffusion approximation.

Eq. 27-29 replace a neuron's input spikes by Gaussian white noise of the same mean and variance.  Here
the input stays what it is in the network and in NEST: Poisson spike trains of type ``k`` arriving at
rate ``r_k`` (Hz), each spike making the membrane potential jump by ``a_k`` (mV, e.g. ``+J`` from
excitatory and external inputs, ``-g J`` from inhibitory ones):

.. math::

    \\tau_m \\dot V = -V + \\tau_m \\sum_k a_k \\sum_j \\delta(t - t^k_j), \\qquad
    V \\ge \\theta \\;\\to\\; \\text{spike}, \\; V = V_{reset} \\text{ for } t_{ref}

(``iaf_psc_delta``; inputs arriving during ``t_ref`` are lost).  Below threshold the density ``p(V, t)``
obeys the master equation (Gardiner 2009, ch. 7; Richardson & Swarbrick 2010, Phys. Rev. Lett. 105:178102)

.. math::

    \\partial_t p = \\partial_V \\Big(\\frac{V}{\\tau_m} p\\Big) + \\sum_k r_k \\big[p(V - a_k) - p(V)\\big]
                  + \\nu(t - t_{ref})\\, \\delta(V - V_{reset}), \\qquad
    \\nu(t) = \\sum_{k: a_k > 0} r_k \\int_{\\theta - a_k}^{\\theta} p(V, t)\\, dV .

With ``V_reset`` at the resting potential (0 mV) there is no drift there: a neuron just reset waits at
``V_reset`` for its next input, so the density has a point mass at ``V_reset`` (``ShotNoiseRate.point_mass``)
and jumps at ``V_reset + sum_k n_k a_k``.

The numerical scheme (all results are for **continuous time**; the threshold is not tested on a time grid)
----------------------------------------------------------------------------------------------------------
The potential lives on the grid ``V_reset + i h``, where ``h`` divides every jump, ``theta - V_reset`` and
``V_reset`` (the rest, 0 mV), so that the reset, the rest, the threshold and every kink of the density are
grid points and every jump is exact.  Only the leak is discretised, upwind (towards rest).  The discretised
equation is then the master equation of a continuous-time Markov chain on the grid, with the point mass as
the chain's state at ``V_reset``; everything follows from one sparse, banded generator ``A`` (jumps beyond
the lowest grid point land on it; the grid reaches ``7`` standard deviations of the free membrane
potential below ``min(V_reset, mu)``, and the mass found there is checked):

* rate and CV: the moments of the first-passage time from ``V_reset`` to threshold (backward equations
  ``A^T T_1 = -1``, ``A^T T_2 = -2 T_1``), ``nu = 1/(t_ref + T_1)``, ``CV^2 = (T_2 - T_1^2) / (t_ref + T_1)^2``;
* the linear response to a modulation ``r_k + delta r_k e^{lambda t}`` of each input type (any complex
  ``lambda``, as :func:`mfkit.network_stability` needs): with ``u = (lambda - A)^{-1} e_reset``,
  ``w_k = (lambda - A)^{-1} B_k p_0`` (``B_k`` the jump operator of type ``k``, ``p_0`` the stationary
  density) and the exit rates ``f``,

  .. math::

      \\chi_k(\\lambda) = \\frac{\\delta \\nu}{\\delta r_k}
                       = \\frac{f^T w_k + c_k}{1 - e^{-\\lambda t_{ref}} f^T u},

  ``c_k`` the stationary flux across threshold carried by type ``k`` per unit rate; ``e^{-lambda t_ref} f^T u``
  is the Laplace transform of the inter-spike-interval density, which gives the spike-train spectrum
  ``nu (1 - |F|^2) / |1 - F|^2`` of the renewal neuron (Lindner, Schimansky-Geier & Longtin 2002).

The upwind error is first order in ``h`` with a regular expansion (measured: halving ``h`` halves it);
every quantity is computed at ``h``, ``h/2``, ``h/4``, ... and extrapolated with Richardson's table (``n + 1``
grids remove the error terms up to ``h^n``); the change of the extrapolation from the last grid added is
its error estimate, and grids are added until that estimate is below ``rtol``
(a :class:`ShotNoiseConvergenceError` when the banded generator would exceed :data:`MAX_BAND` entries).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np
import scipy.sparse as sp
from scipy.linalg import solve_banded
from threadpoolctl import ThreadpoolController
from numpy.typing import ArrayLike, NDArray

from .neuron import check_neuron_params

__all__ = ["ShotNoiseNeuron", "ShotNoiseRate", "check_jumps", "richardson_table", "ShotNoiseConvergenceError", "shot_noise_rate", "shot_noise_response",
           "shot_noise_spike_train_spectrum", "MAX_BAND"]

MAX_BAND = 2 ** 25
"""Largest banded generator (grid points times band width) the refinement may use (~34 M entries)."""

@functools.lru_cache(maxsize=1)
def _blas() -> ThreadpoolController:
    """The BLAS libraries' thread control, made on first use (not at import).  Banded solves run on one BLAS
    thread: OpenBLAS's threads gain nothing on a band and, on a busy machine, made the solves 20x slower
    (measured on 2 cores under load: 0.5 s instead of 0.02 s for 8,000 points)."""
    return ThreadpoolController()

_DEPTH = 7.0        # the grid reaches this many free standard deviations below min(V_reset, mu)
_TAIL = 1e-12       # largest mass allowed in the lowest grid points


class ShotNoiseConvergenceError(RuntimeError):
    """The refinement of the grid did not reach the requested accuracy within :data:`MAX_BAND` entries."""


@dataclass(frozen=True)
class ShotNoiseRate:
    """Stationary state of the LIF neuron with shot-noise input (continuous time).

    Attributes
    ----------
    rate : float
        Firing rate (Hz).
    cv : float
        Coefficient of variation of the inter-spike intervals (``t_ref`` included).
    gradient : ndarray, shape (K,)
        ``d rate / d r_k`` (Hz per Hz) for each input type, in the order of the given jumps (to a relative
        ``max(rtol, 1e-5)``).
    point_mass : float
        Probability of finding the neuron (not refractory) exactly at ``V_reset``: non-zero only when
        ``V_reset`` is the resting potential (0 mV).
    error : float
        Estimated relative error of ``rate`` and ``cv`` (the largest of the two).
    grid_step : float
        The finest grid step used (mV).
    """

    rate: float
    cv: float
    gradient: NDArray[np.float64]
    point_mass: float
    error: float
    grid_step: float


def _unit_step(values: list[float]) -> float:
    """The largest step dividing every value (mV) to within 1e-9 mV, or a ValueError."""
    q = Fraction(0)
    for v in values:
        f = Fraction(v).limit_denominator(10 ** 9)
        if abs(float(f) - v) > 1e-9 * max(1.0, abs(v)):
            raise ValueError(f"jumps, theta - V_reset and V_reset must be multiples of a common grid step of at least "
                             f"1e-9 mV, got {v!r}")
        q = Fraction(math.gcd(q.numerator * f.denominator, f.numerator * q.denominator),
                     q.denominator * f.denominator) if q else abs(f)
    return float(q)


def check_jumps(jumps: ArrayLike, rates: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``jumps`` (mV, finite, non-zero) and ``rates`` (Hz, finite, >= 0) as float arrays of one length K >= 1."""
    try:
        a = np.asarray(jumps, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"jumps must be a 1-d sequence of jump sizes (mV), got {jumps!r}") from None
    try:
        r = np.asarray(rates, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"rates must be a 1-d sequence of input rates (Hz), got {rates!r}") from None
    if a.ndim != 1 or a.size < 1:
        raise ValueError(f"jumps must be a 1-d sequence of at least one jump size (mV), got {jumps!r}")
    if r.shape != a.shape:
        raise ValueError(f"rates must have one rate (Hz) per jump, shape {a.shape}, got shape {r.shape}")
    if not np.all(np.isfinite(a)) or np.any(a == 0):
        raise ValueError(f"jumps must be finite and non-zero (mV), got {a.tolist()}")
    if not np.all(np.isfinite(r)) or np.any(r < 0):
        raise ValueError(f"rates must be finite and >= 0 Hz, got {r.tolist()}")
    return a, r


def richardson_table(values: list[ArrayLike]) -> list[list[NDArray]]:
    """Richardson's table of values computed on grids of step ``h0 / 2^n`` (n = 0, 1, ...).

    Row ``n`` is ``[x_n, T_n1, ..., T_nn]`` with ``T_n0 = x_n`` and
    ``T_n(j+1) = T_nj + (T_nj - T_(n-1)j) / (2^(j+1) - 1)``: for an error ``c_1 h + c_2 h^2 + ...``, ``T_nj``
    has eliminated the first ``j`` terms using the grids ``n - j, ..., n``; ``T_nn`` is the best value.
    """
    table: list[list[NDArray]] = []
    for x in values:
        row = [np.asarray(x)]
        for j, previous in enumerate(table[-1] if table else []):
            row.append(row[j] + (row[j] - previous) / (2 ** (j + 1) - 1))
        table.append(row)
    return table


class _Chain:
    """The discretised master equation at one grid step ``h`` (rates per ms inside)."""

    def __init__(self, a: NDArray[np.float64], r: NDArray[np.float64], tau: float, t_ref: float,
                 theta: float, V_reset: float, h: float, V_min: float):
        self.t_ref = t_ref
        n_below = int(round((V_reset - V_min) / h))
        N = n_below + int(round((theta - V_reset) / h))
        V = V_reset + (np.arange(N) - n_below) * h
        i = np.arange(N)
        rows, cols, vals = [], [], []
        leave = np.abs(V) / (tau * h)                             # upwind leak, towards 0 mV
        down, up = V > 0, V < 0
        rows += [i[down] - 1, i[up] + 1]
        cols += [i[down], i[up]]
        vals += [leave[down], leave[up]]
        self.exits = np.zeros((len(a), N), dtype=bool)          # type k carries state i across threshold
        self.shift = []
        for k, (ak, rk) in enumerate(zip(a, r)):
            target = i + int(round(ak / h))
            self.exits[k] = target >= N
            target = np.clip(target, 0, N - 1)
            self.shift.append(sp.csc_matrix((np.ones(N) * ~self.exits[k], (target, i)), shape=(N, N)))
            leave = leave + rk
        Sum = sum(rk * S for rk, S in zip(r, self.shift))
        drift = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(N, N))
        A = (drift + Sum - sp.diags(leave)).tocoo()
        self.f = self.exits.T.astype(float) @ r                 # exit rate of each state (1/ms)
        self.reset = n_below
        self.N = N
        # LAPACK band storage of -A and of -A^T: ab[u + i - j, j] = M[i, j]
        self.l = max(1, int(round(max(0.0, float(a.max())) / h)))   # the jumps up: below the diagonal
        self.u = max(1, int(round(max(0.0, -float(a.min())) / h)))  # the jumps down: above it
        self.band = np.zeros((self.l + self.u + 1, N))
        np.add.at(self.band, (self.u + A.row - A.col, A.col), -A.data)
        self.band_T = np.zeros_like(self.band)
        np.add.at(self.band_T, (self.l + A.col - A.row, A.row), -A.data)
        e = np.zeros(N)
        e[n_below] = 1.0
        with _blas().limit(limits=1, user_api="blas"):
            self.u0 = solve_banded((self.l, self.u), self.band, e)       # occupation times from reset (ms per state)
            self.T1 = solve_banded((self.u, self.l), self.band_T, np.ones(N))   # mean first-passage times (ms)
            T2 = solve_banded((self.u, self.l), self.band_T, 2.0 * self.T1)
        mean = t_ref + self.T1[n_below]
        self.nu = 1.0 / mean                                    # per ms
        self.cv = math.sqrt(max(T2[n_below] - self.T1[n_below] ** 2, 0.0)) / mean
        self.p0 = self.nu * self.u0                             # stationary probabilities of the states
        self.B = [S @ self.p0 - self.p0 for S in self.shift]    # jump operators on p0 (exits lost)
        self.c = np.array([self.p0[x].sum() for x in self.exits])
        self.gradient = np.array([-self.nu ** 2 * (self.T1 @ (S @ self.u0 - self.u0)) for S in self.shift])

    def bottom_mass(self, n: int) -> float:
        return float(self.p0[:n].sum())

    def laplace(self, lam: complex) -> NDArray[np.complex128]:
        """[Laplace transform of the ISI density, chi_k for every type] at ``lam`` (1/ms, not 0)."""
        ab = self.band.astype(complex)
        ab[self.u] += lam
        rhs = np.empty((self.N, 1 + len(self.B)), dtype=complex)
        rhs[:, 0] = 0.0
        rhs[self.reset, 0] = 1.0
        for k, b in enumerate(self.B):
            rhs[:, 1 + k] = b
        with _blas().limit(limits=1, user_api="blas"):
            sol = solve_banded((self.l, self.u), ab, rhs, check_finite=False)
        passage = self.f @ sol[:, 0]
        isi = np.exp(-lam * self.t_ref) * passage
        chi = (self.f @ sol[:, 1:] + self.c) / (1.0 - isi)
        return np.concatenate([[isi], chi])


class ShotNoiseNeuron:
    """A LIF neuron with Poisson inputs of fixed sizes: the discretised master equation, refined on demand.

    Arguments as in :func:`shot_noise_rate`.  The grids ``h0 / 2^n`` are built when first needed and kept,
    so that many evaluations (e.g. of the response at many ``lambda``) share them.
    """

    def __init__(self, jumps: ArrayLike, rates: ArrayLike, *, tau_m: float = 20.0, t_ref: float = 2.0,
                 theta: float = 20.0, V_reset: float = 0.0, rtol: float = 1e-6, grid_step: float | None = None):
        a, r = check_jumps(jumps, rates)
        check_neuron_params(tau_m, t_ref, theta, V_reset, 0.0)
        for name, v in (("tau_m", tau_m), ("t_ref", t_ref), ("theta", theta), ("V_reset", V_reset)):
            if np.ndim(v) != 0:
                raise ValueError(f"{name} must be a number, got {v!r}")
        if not (isinstance(rtol, (int, float)) and 1e-10 <= rtol < 0.1):
            raise ValueError(f"rtol must be in [1e-10, 0.1), got {rtol!r}")
        self.tau, self.t_ref, self.theta, self.V_reset = float(tau_m), float(t_ref), float(theta), float(V_reset)
        self.a, self.r = a, r * 1e-3                             # rates per ms inside
        self.rtol = float(rtol)
        unit = _unit_step(list(np.abs(a)) + [self.theta - self.V_reset] + ([abs(self.V_reset)] if self.V_reset else []))
        if grid_step is None:
            grid_step = unit
        elif not (isinstance(grid_step, (int, float)) and grid_step > 0
                  and abs(unit / grid_step - round(unit / grid_step)) < 1e-6):
            raise ValueError(f"grid_step must divide the jumps, theta - V_reset and V_reset ({unit:g} mV), got "
                             f"{grid_step!r}")
        mu = self.tau * float(self.r @ a)
        sd = math.sqrt(self.tau * float(self.r @ a ** 2) / 2.0)
        self.sd = sd
        self.h0 = float(grid_step)
        while self.h0 > float(np.min(np.abs(a))) / 4.0:         # at least 4 points per jump
            self.h0 /= 2.0
        while self.h0 > sd / 20.0 and sd > 0:                   # and ~20 points per standard deviation
            self.h0 /= 2.0
        lowest = min(self.V_reset, mu) - _DEPTH * sd - max(0.0, -float(a.min()))
        self.V_min = self.V_reset - self.h0 * math.ceil((self.V_reset - lowest) / self.h0)
        self.silent = not np.any((a > 0) & (self.r > 0))
        if self.band_size(float(grid_step) / 4) > MAX_BAND:
            raise ValueError(f"jumps, theta - V_reset and V_reset have no common grid step coarse enough for "
                             f"MAX_BAND = {MAX_BAND} generator entries (largest common step {grid_step:g} mV), got "
                             f"jumps {a.tolist()}")
        self.chains: dict[float, _Chain] = {}
        self._stationary: ShotNoiseRate | None = None

    def band_size(self, h: float) -> float:
        """Entries of the banded generator at step ``h``: grid points times (jumps up + jumps down + 1)."""
        width = max(1.0, float(self.a.max()) / h) + max(1.0, -float(self.a.min()) / h) + 1
        return (self.theta - self.V_min) / h * width

    def chain(self, h: float) -> _Chain:
        if h not in self.chains:
            if self.band_size(h) > MAX_BAND:
                raise ShotNoiseConvergenceError(
                    f"the shot-noise neuron did not converge to rtol={self.rtol:g}: the grid step {h:g} mV would need "
                    f"a generator of more than MAX_BAND = {MAX_BAND} entries")
            c = _Chain(self.a, self.r, self.tau, self.t_ref, self.theta, self.V_reset, h, self.V_min)
            depth = int(round(max(0.0, -float(self.a.min())) / h)) + 1
            if c.bottom_mass(depth) > _TAIL:
                raise ShotNoiseConvergenceError(f"mass {c.bottom_mass(depth):.2e} at the lowest grid points "
                                                f"(V_min = {self.V_min:g} mV): the grid is too short")
            self.chains[h] = c
        return self.chains[h]

    def extrapolate(self, value: Callable[[_Chain], NDArray], floor: float = 0.0, adaptive: bool = True,
                    rtol: float | None = None) -> tuple[NDArray, float]:
        """``value`` extrapolated to ``h -> 0`` from the grids ``h0 / 2^n`` (Richardson's table), and its error.

        The upwind error has an expansion ``c_1 h + c_2 h^2 + ...``: from ``n + 1`` grids the table
        eliminates the first ``n`` terms.  The error estimate is the change of the extrapolation from the
        last grid added, relative to each entry, or to ``floor`` or 1e-3 of the largest entry where larger.
        Grids are added (at least three) until it is below ``rtol`` (default the neuron's); ``adaptive=False``: the three coarsest
        grids only, whatever the error (an analytic function of the parameters of ``value``)."""
        values: list[NDArray] = []
        while True:
            values.append(np.asarray(value(self.chain(self.h0 / 2 ** len(values)))))
            if len(values) >= 3:
                table = richardson_table(values)
                best = table[-1][-1]
                scale = np.maximum(np.abs(best), max(floor, 1e-3 * float(np.max(np.abs(best)))))
                err = float(np.max(np.abs(best - table[-2][-1]) / scale))
                if err <= (self.rtol if rtol is None else rtol) or not adaptive:
                    return best, err

    def stationary(self) -> ShotNoiseRate:
        """Rate, CV, gradient and point mass (:func:`shot_noise_rate`), computed once."""
        if self._stationary is None:
            if self.silent:
                self._stationary = ShotNoiseRate(0.0, math.nan, np.zeros(self.a.size),
                                                 1.0 if self.V_reset == 0 else 0.0, 0.0, self.h0)
            else:
                both, err = self.extrapolate(lambda c: np.array([c.nu, c.cv]))
                grad, _ = self.extrapolate(lambda c: c.gradient, rtol=max(self.rtol, 1e-5))
                # the atom at rest receives the reset flux and loses it to every input: nu = m sum_k r_k
                mass = float(both[0] / self.r.sum()) if self.V_reset == 0 else 0.0
                self._stationary = ShotNoiseRate(rate=float(both[0]) * 1e3, cv=float(both[1]), gradient=grad,
                                                 point_mass=mass, error=err, grid_step=min(self.chains))
        return self._stationary

    def instantaneous_response(self) -> NDArray[np.float64]:
        """``chi_k(lambda -> infinity) = c_k``: the probability within ``a_k`` below threshold (0 for ``a_k < 0``),
        the share of the rate that follows a modulation of type ``k`` at once (from the three coarsest grids,
        extrapolated; with one excitatory type ``c = rate / r`` exactly)."""
        if self.silent:
            return np.zeros(self.a.size)
        return self.extrapolate(lambda c: c.c, adaptive=False)[0]

    def laplace(self, lam: ArrayLike, *, adaptive: bool = False, isi_floor: float = 0.0
                ) -> tuple[NDArray[np.complex128], NDArray[np.complex128]]:
        """Laplace transform of the ISI density and the responses ``chi_k`` at ``lam`` (1/ms, any complex).

        Shapes ``lam.shape`` and ``lam.shape + (K,)``.  ``adaptive=False`` (default): from the three coarsest
        grids, an analytic function of ``lam`` (for root searches); ``True``: refined to ``rtol``.
        ``isi_floor``: the ISI transform's error is measured relative to at least this (1 for spectra).
        """
        lam = np.asarray(lam, dtype=complex)
        isi = np.empty(lam.size, dtype=complex)
        chi = np.empty((lam.size, self.a.size), dtype=complex)
        for j, s in enumerate(lam.ravel()):
            if self.silent:
                isi[j], chi[j] = 0.0, 0.0
            elif s == 0:
                isi[j], chi[j] = 1.0, self.extrapolate(lambda c: c.gradient, adaptive=adaptive)[0]
            else:
                out, _ = self.extrapolate(lambda c: c.laplace(s), floor=isi_floor, adaptive=adaptive)
                isi[j], chi[j] = out[0], out[1:]
        return isi.reshape(lam.shape), chi.reshape(lam.shape + (self.a.size,))

    def response(self, f: ArrayLike) -> NDArray[np.complex128]:
        """``chi_k(f)`` refined to ``rtol`` (:func:`shot_noise_response`)."""
        freq = _frequencies(f)
        return self.laplace(2j * np.pi * freq * 1e-3, adaptive=True)[1]

    def spike_train_spectrum(self, f: ArrayLike) -> NDArray[np.float64]:
        """Two-sided spike-train spectrum (Hz) refined to ``rtol`` (:func:`shot_noise_spike_train_spectrum`)."""
        freq = _frequencies(f)
        stat = self.stationary()
        if self.silent:
            return np.zeros(freq.shape)
        out = np.full(freq.shape, stat.rate * stat.cv ** 2)
        nonzero = freq > 0
        F, _ = self.laplace(2j * np.pi * freq[nonzero] * 1e-3, adaptive=True, isi_floor=1.0)  # S depends on 1 - F
        out[nonzero] = stat.rate * (1 - np.abs(F) ** 2) / np.abs(1 - F) ** 2
        return out


def _frequencies(f: ArrayLike) -> NDArray[np.float64]:
    freq = np.asarray(f, dtype=float)
    if np.any(~np.isfinite(freq)) or np.any(freq < 0):
        raise ValueError(f"f must be finite frequencies >= 0 Hz, got {f!r}")
    return freq


def shot_noise_rate(jumps: ArrayLike, rates: ArrayLike, *, tau_m: float = 20.0, t_ref: float = 2.0,
                    theta: float = 20.0, V_reset: float = 0.0, rtol: float = 1e-6,
                    grid_step: float | None = None) -> ShotNoiseRate:
    """Stationary rate and CV of a LIF neuron with Poisson inputs of fixed sizes (continuous time).

    The master equation of the module notes, solved on a grid and extrapolated to a relative
    accuracy ``rtol``.

    Parameters
    ----------
    jumps : array_like, shape (K,)
        Jump of the membrane potential per input spike of each type (mV, finite, non-zero).
    rates : array_like, shape (K,)
        Total rate of each input type (Hz, >= 0), e.g. ``K_E nu_E + K_ext nu_ext`` for ``+J``.
    tau_m, t_ref, theta, V_reset : float
        Membrane time constant (ms), refractory period (ms), threshold and reset (mV, relative to rest).
    rtol : float
        Relative accuracy of rate and CV, in [1e-10, 0.1) (default 1e-6).
    grid_step : float, optional
        Coarsest grid step (mV); it must divide every jump, ``theta - V_reset`` and ``V_reset``.
        Default: their largest common divisor.

    Returns
    -------
    ShotNoiseRate

    Raises
    ------
    ValueError
        Naming the argument: non-finite or zero jumps, negative rates, neuron parameters out of range,
        jumps without a common grid step, a ``grid_step`` that does not divide them.
    ShotNoiseConvergenceError
        If ``rtol`` is not reached within :data:`MAX_BAND` generator entries.
    """
    return ShotNoiseNeuron(jumps, rates, tau_m=tau_m, t_ref=t_ref, theta=theta, V_reset=V_reset, rtol=rtol,
                           grid_step=grid_step).stationary()


def shot_noise_response(f: ArrayLike, jumps: ArrayLike, rates: ArrayLike, *, tau_m: float = 20.0,
                        t_ref: float = 2.0, theta: float = 20.0, V_reset: float = 0.0, rtol: float = 1e-6,
                        grid_step: float | None = None) -> NDArray[np.complex128]:
    """Linear response ``chi_k(f) = delta nu / delta r_k`` of the shot-noise LIF neuron to each input rate.

    The rate answers a modulation ``r_k (1 + epsilon e^{2 pi i f t})`` of the rate of input type ``k``
    with ``nu + epsilon r_k chi_k(f) e^{2 pi i f t}``; at ``f = 0`` ``chi_k`` is ``d nu / d r_k``
    (:attr:`ShotNoiseRate.gradient`).  Continuous time; see the module notes for the equation.

    Parameters
    ----------
    f : array_like
        Frequencies (Hz, finite, >= 0).
    jumps, rates, tau_m, t_ref, theta, V_reset, rtol, grid_step
        As in :func:`shot_noise_rate`.

    Returns
    -------
    ndarray, complex, shape ``f.shape + (K,)``
        Dimensionless (Hz of output per Hz of input rate).
    """
    return ShotNoiseNeuron(jumps, rates, tau_m=tau_m, t_ref=t_ref, theta=theta, V_reset=V_reset, rtol=rtol,
                           grid_step=grid_step).response(f)


def shot_noise_spike_train_spectrum(f: ArrayLike, jumps: ArrayLike, rates: ArrayLike, *, tau_m: float = 20.0,
                                    t_ref: float = 2.0, theta: float = 20.0, V_reset: float = 0.0,
                                    rtol: float = 1e-6, grid_step: float | None = None) -> NDArray[np.float64]:
    """Two-sided power spectrum (Hz) of the spike train of the shot-noise LIF neuron (a renewal process).

    ``S(f) = nu (1 - |F|^2) / |1 - F|^2`` with ``F`` the Fourier transform of the inter-spike-interval
    density (module notes); ``S -> nu`` at high frequency and ``S(0) = nu CV^2``.  At ``f = 0`` the
    limit ``nu CV^2`` is returned.  Arguments as in :func:`shot_noise_response`.
    """
    return ShotNoiseNeuron(jumps, rates, tau_m=tau_m, t_ref=t_ref, theta=theta, V_reset=V_reset, rtol=rtol,
                           grid_step=grid_step).spike_train_spectrum(f)
