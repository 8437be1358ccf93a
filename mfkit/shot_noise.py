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

The numerical scheme in continuous time (``dt=None``, the default)
-------------------------------------------------------------------
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

On a simulator's time grid (``dt`` given): NEST's ``iaf_psc_delta`` step by step
---------------------------------------------------------------------------------
With ``dt`` the results are those of the neuron NEST (and :func:`mfkit.simulate_lif_jumps`) integrates: in every
step the potential decays exactly, ``V -> e^{-dt/tau_m} V``, the ``n_k ~ Poisson(r_k dt)`` inputs of the step
all arrive at its end, the threshold is tested once, at the end of the step (crossings made and undone within
a step are missed), and a spike is followed by ``t_ref/dt`` steps at ``V_reset`` whose input is lost.  The
one-step transition matrix ``M`` of the grid's cells (summed jumps and threshold exact, the decay shared
between neighbouring cells; see ``_decay``) takes the generator's place, ``A = (M - I)/dt``, and ``lambda``
becomes ``(e^{lambda dt} - 1)/dt``: the same formulas then give the rate, the CV (the passage time counted in
whole steps), the response to a modulation of the inputs' rate in step ``n`` by ``e^{lambda n dt}`` (the spikes
counted in the same step; periodic in ``f`` with period ``1/dt``) and the spike-train spectrum.  The
extrapolation is the same; measured at the Brunel network's seed point (dt = 0.1 ms) the error of one grid is
first order and the table reaches 1e-6 from four grids (0.1 mV / 4 to / 32); at rates of a few Hz with
``V_reset = 10`` mV the table's last change stays near 1e-4 at 0.1 mV / 32.

Exponentially distributed jumps (``jump_distribution="exponential"``): a test case
------------------------------------------------------------------------------------
Richardson & Swarbrick (2010) solve the neuron in closed form when the jumps are exponentially distributed.
The same chain takes such jumps (continuous time): a jump of ``d`` cells has the probability of the
exponential over that cell, and the dense jump operator is replaced by one auxiliary unknown per cell and type
obeying a two-term recursion (see ``_exponential_generator``).  ``tests/test_shot_noise_exponential.py`` checks
the rate against their closed form for excitatory jumps (measured: within 1e-10 at ``rtol = 1e-6``).  NEST's
synapses make fixed jumps: the exponential case is a check of the solver, not a model of the network.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack
from scipy.signal import fftconvolve, lfilter
from scipy.stats import binom, poisson
from threadpoolctl import ThreadpoolController
from numpy.typing import ArrayLike, NDArray

from .neuron import check_neuron_params

__all__ = ["ShotNoiseNeuron", "ShotNoiseRate", "check_jumps", "richardson_table", "ShotNoiseConvergenceError", "shot_noise_rate", "shot_noise_response",
           "shot_noise_spike_train_spectrum", "MAX_BAND"]

MAX_BAND = 2 ** 27
"""Largest banded generator (grid points times band width) the refinement may use (~134 M entries, ~1 GB)."""

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
    """Stationary state of the LIF neuron with shot-noise input (continuous time or NEST's time grid).

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
        ``V_reset`` is the resting potential (0 mV).  On a time grid: at the end of a step.
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


class _Banded:
    """``-A`` for a generator ``A`` (1/ms) in LAPACK band storage (``band[u + i - j, j] = -A[i, j]``), LU-factored
    once for the real solves.  ``index``: where the potential's states sit when ``A`` is an augmented system (with
    auxiliary unknowns whose elimination gives the generator); solves take and return those states only."""

    def __init__(self, band: NDArray[np.float64], l: int, u: int, index: NDArray[np.int64] | None = None):
        self.band, self.l, self.u = band, l, u
        self.index = np.arange(band.shape[1]) if index is None else index
        self._lu = self._factor(band)

    def _factor(self, band: NDArray) -> tuple[NDArray, NDArray]:
        ab = np.zeros((2 * self.l + self.u + 1, band.shape[1]), dtype=band.dtype)
        ab[self.l:] = band
        trf = lapack.zgbtrf if np.iscomplexobj(ab) else lapack.dgbtrf
        with _blas().limit(limits=1, user_api="blas"):
            lu, piv, info = trf(ab, self.l, self.u, overwrite_ab=True)
        if info != 0:
            raise np.linalg.LinAlgError(f"singular generator of the shot-noise chain (LAPACK gbtrf info {info})")
        return lu, piv

    @classmethod
    def from_sparse(cls, A: sp.spmatrix, index: NDArray[np.int64] | None = None) -> "_Banded":
        A = A.tocoo()
        l = max(1, int(np.max(A.row - A.col)))                  # moves up: below the diagonal
        u = max(1, int(np.max(A.col - A.row)))                  # moves down: above it
        band = np.zeros((l + u + 1, A.shape[0]))
        np.add.at(band, (u + A.row - A.col, A.col), -A.data)
        return cls(band, l, u, index)

    def solve(self, rhs: NDArray, shift: complex = 0.0, transpose: bool = False) -> NDArray:
        """``(shift - A)^-1 rhs`` (``(-A^T)^-1 rhs`` with ``transpose``, real shift 0 only)."""
        if shift == 0:
            (lu, piv), trs = self._lu, lapack.dgbtrs
        else:
            band = self.band.astype(complex)
            band[self.u, self.index] += shift
            (lu, piv), trs = self._factor(band), lapack.zgbtrs
        full = np.zeros((self.band.shape[1],) + rhs.shape[1:], dtype=np.result_type(rhs, lu))
        full[self.index] = rhs
        with _blas().limit(limits=1, user_api="blas"):
            x, _ = trs(lu, self.l, self.u, full, piv, trans=int(transpose))
        return x[self.index]


def _upwind_leak(tau: float, n_rest: int, N: int) -> tuple[sp.spmatrix, NDArray[np.float64]]:
    """The leak on the grid, upwind towards rest: the moves (rate ``|m|/tau`` from ``m`` cells away from rest to the
    neighbour nearer to it) and the rate of leaving each cell."""
    i = np.arange(N)
    leave = np.abs(i - n_rest) / tau
    down, up = i > n_rest, i < n_rest
    moves = sp.csc_matrix((np.concatenate([leave[down], leave[up]]),
                           (np.concatenate([i[down] - 1, i[up] + 1]), np.concatenate([i[down], i[up]]))), shape=(N, N))
    return moves, leave


def _leak_generator(a: NDArray[np.float64], r: NDArray[np.float64], tau: float, h: float, n_rest: int, N: int):
    """Continuous time: the generator of the grid's chain (upwind leak, exact jumps) as :class:`_Banded`, the exit
    rates ``f`` (1/ms), and ``change(k, v) = (dA/dr_k v, df/dr_k . v)`` with ``dA/dr_k = S_k - I`` (``S_k`` the
    shift by ``a_k``, exits lost) and ``df/dr_k`` 1 where type ``k`` carries the state across threshold."""
    i = np.arange(N)
    moves, leave = _upwind_leak(tau, n_rest, N)
    shifts, exits = [], []
    for ak in a:
        target = i + int(round(ak / h))
        exits.append(target >= N)
        shifts.append(sp.csc_matrix((np.ones(N) * ~exits[-1], (np.clip(target, 0, N - 1), i)), shape=(N, N)))
    A = moves - sp.diags(leave + r.sum()) + sum(rk * S for rk, S in zip(r, shifts))

    def change(k: int, v: NDArray) -> tuple[NDArray, float]:
        return shifts[k] @ v - v, float(v[exits[k]].sum())

    return _Banded.from_sparse(A), np.array(exits, dtype=float).T @ r, change


def _exponential_generator(a: NDArray[np.float64], r: NDArray[np.float64], tau: float, h: float, n_rest: int,
                           N: int):
    """Continuous time, jumps of type ``k`` exponentially distributed with mean ``|a_k|`` (up for ``a_k > 0``, down
    otherwise), as for :func:`_leak_generator`.

    On the grid a jump of ``d >= 1`` cells has the probability ``(1 - q) q^(d-1)``, ``q = e^{-h/|a_k|}`` (the
    exponential integrated over the cell it lands in; a regular expansion in ``h``).  The arrivals
    ``y_i = sum_j (1 - q) q^(|i-j|-1) p_j`` from below (above) obey ``y_i = q y_(i-1) + (1 - q) p_(i-1)``
    (``i+1``), so the dense jump operator becomes one auxiliary unknown per type and cell with a two-term
    relation: an augmented banded system whose elimination is the generator (``_Banded.index``).  Jumps below
    the lowest cell land on it; the exits of cell ``j`` are ``q^(N-1-j)``."""
    K = a.size
    i = np.arange(N)
    q = np.exp(-h / np.abs(a))
    moves, leave = _upwind_leak(tau, n_rest, N)

    def at(part: int, cells):
        """Index in the augmented system: the potential is part 0, the arrivals of type k part 1 + k."""
        return (K + 1) * cells + part

    moves = moves.tocoo()
    rows, cols, vals = [at(0, moves.row)], [at(0, moves.col)], [moves.data]
    rows.append(at(0, i)), cols.append(at(0, i)), vals.append(-(leave + r.sum()))
    for k in range(K):
        src = i - 1 if a[k] > 0 else i + 1                      # the neighbour the arrivals come through
        ok = (src >= 0) & (src < N)
        rows += [at(0, i), at(1 + k, i), at(1 + k, i[ok]), at(1 + k, i[ok])]
        cols += [at(1 + k, i), at(1 + k, i), at(1 + k, src[ok]), at(0, src[ok])]
        vals += [np.full(N, r[k]), -np.ones(N), np.full(ok.sum(), q[k]), np.full(ok.sum(), 1.0 - q[k])]
        if a[k] < 0:                                            # below the lowest cell: sum_j q^j p_j, kept there
            rows += [at(0, np.zeros(2, dtype=int))]
            cols += [np.array([at(0, 0), at(1 + k, 0)])]
            vals += [np.array([r[k], r[k] * q[k] / (1.0 - q[k])])]
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=((K + 1) * N, (K + 1) * N))
    exits = [q[k] ** (N - 1 - i) if a[k] > 0 else np.zeros(N) for k in range(K)]

    def change(k: int, v: NDArray) -> tuple[NDArray, float]:
        if a[k] > 0:
            y = lfilter([0.0, 1.0 - q[k]], [1.0, -q[k]], v)
        else:
            y = lfilter([0.0, 1.0 - q[k]], [1.0, -q[k]], v[::-1])[::-1]
            y[0] += float(q[k] ** i @ v)
        return y - v, float(exits[k] @ v)

    return _Banded.from_sparse(A, at(0, i)), np.array(exits).T @ r, change


def _step_counts(a: NDArray[np.float64], lam: NDArray[np.float64], unit: float
                 ) -> tuple[int, NDArray[np.float64], NDArray[np.float64]]:
    """The summed jump of one time step, ``sum_k a_k n_k`` with ``n_k ~ Poisson(lam_k)``, on the lattice of
    ``unit``: the lowest value ``lo`` (in units), the probabilities of ``lo, lo + 1, ...`` and, one row per type,
    their derivatives by ``lam_k`` (``d pmf(x)/d lam_k = pmf(x - a_k) - pmf(x)``).  Counts whose Poisson tail is
    below 1e-15 are left out."""
    step = [int(round(ak / unit)) for ak in a]
    n_max = [int(poisson.isf(1e-15, lk)) if lk > 0 else 0 for lk in lam]
    lo = sum(min(0, s) * n for s, n in zip(step, n_max)) + min(0, min(step))
    hi = sum(max(0, s) * n for s, n in zip(step, n_max)) + max(0, max(step))
    pmf = np.zeros(hi - lo + 1)                                 # value x at index x - lo; no roll wraps around
    pmf[-lo] = 1.0
    for s, lk, n in zip(step, lam, n_max):
        pmf = sum(q * np.roll(pmf, s * j) for j, q in enumerate(poisson.pmf(np.arange(n + 1), lk)))
    return lo, pmf, np.array([np.roll(pmf, s) - pmf for s in step])


def _decay(m: NDArray[np.int64], P: float, split: bool) -> NDArray[np.float64]:
    """``D[L, i]``: the probability that the cell ``i`` (``m_i`` cells from rest) moves ``L`` cells towards rest
    in one step of the decay ``V -> P V``.

    ``split``: the cell ``[m, m + 1)`` (in steps ``h``) is mapped onto ``[P m, P (m + 1))`` and shared between the
    (at most two) cells this overlaps, in proportion to the overlap (a spread below one cell; the error has a
    regular expansion in ``h`` once the decay moves the cells near threshold by a few cells per step).
    Otherwise ``D = exp(L dt)`` of the continuous chain's upwind leak (rate ``|m|/tau`` towards rest): a linear
    death process, ``|m| -> Binomial(|m|, P)`` (regular in ``h`` where the decay moves less than a cell per step).
    """
    a = np.abs(m)
    if not split:
        n_loss = int(binom.isf(1e-16, int(a.max()), 1.0 - P)) + 1
        return binom.pmf(np.arange(n_loss + 1)[:, None], a[None, :], 1.0 - P)
    # in distance from rest the cell is [a, a + 1) above rest and (a - 1, a] below it
    above = m >= 0
    near = np.where(above, np.floor(P * a), np.ceil(P * a))           # the cell holding P a
    share = np.where(above, np.minimum(near + 1, P * (a + 1)) - P * a, P * a - np.maximum(near - 1, P * (a - 1))) / P
    loss = (a - near).astype(np.int64)
    other = np.where(above, loss - 1, loss + 1)                        # the neighbour, one cell further out/in
    D = np.zeros((int(loss.max()) + 2, a.size))
    cols = np.arange(a.size)
    D[loss, cols] = share
    rest = share < 1.0
    D[other[rest], cols[rest]] += 1.0 - share[rest]
    return D


def _step_generator(counts: tuple, unit: float, P: float, dt: float, h: float, n_rest: int, N: int, split: bool):
    """On NEST's time grid: the chain of one step ``dt``, ``M = C D`` (the decay ``D`` of :func:`_decay`, then
    the summed jump of the step ``C``, then the threshold test), as ``A = (M - I)/dt`` (:class:`_Banded`), the
    exit rates ``f = e/dt`` and ``change(k, v)`` as for :func:`_leak_generator` (``M`` is linear in the jump
    distribution).  The state ``i`` is the cell ``[V_i, V_i + h)``: the threshold and every jump are cell
    boundaries, so the jumps and the threshold test are exact; only the decay is approximated."""
    lo_unit, pmf_unit, derivs_unit = counts
    ratio = int(round(unit / h))
    lo = lo_unit * ratio                                         # the jumps on the grid h, in cells
    pmf = np.zeros((pmf_unit.size - 1) * ratio + 1)
    pmf[::ratio] = pmf_unit
    derivs = np.zeros((len(derivs_unit), pmf.size))
    derivs[:, ::ratio] = derivs_unit
    cols = np.arange(N)
    m = cols - n_rest
    decay = _decay(m, P, split)
    n_loss = decay.shape[0] - 1
    # band[b, i]: from cell i to cell i + b - u.  Towards rest from above (m > 0) the move is offset - L, from
    # below offset + L: the offsets' pmf convolved with the decay (reversed for m > 0)
    u = n_loss - lo
    l = pmf.size - 1 + lo + n_loss
    band = np.zeros((l + u + 1, N))
    above = m > 0
    band[:pmf.size + n_loss, above] = fftconvolve(pmf[:, None], decay[::-1, above], axes=0)
    band[n_loss:, ~above] = fftconvolve(pmf[:, None], decay[:, ~above], axes=0)
    band = np.where(np.abs(band) > 1e-17, band, 0.0)            # the FFT's rounding errors
    target = cols[None, :] + np.arange(l + u + 1)[:, None] - u
    e = np.where(target >= N, band, 0.0).sum(axis=0)            # exits: the jump reaches threshold
    below = np.where(target < 0, band, 0.0).sum(axis=0)         # beyond the lowest cell: kept there
    band[(target >= N) | (target < 0)] = 0.0
    band[u - cols[:u + 1], cols[:u + 1]] += below[:u + 1]
    band = -band / dt
    band[u] += 1.0 / dt
    moved = np.clip(cols[None, :] - np.sign(m)[None, :] * np.arange(n_loss + 1)[:, None], 0, N - 1).ravel()

    def change(k: int, v: NDArray) -> tuple[NDArray, float]:
        z = np.convolve(np.bincount(moved, (decay * v).ravel(), minlength=N), derivs[k])   # z[t]: to cell t + lo
        kept = z[-lo:-lo + N].copy()
        kept[0] += z[:-lo].sum()
        return kept, float(z[-lo + N:].sum())

    return _Banded(band, l, u), e / dt, change


class _Chain:
    """The discretised master equation at one grid step ``h``: a Markov chain with generator ``A`` (1/ms,
    continuous time, or ``(M - I)/dt`` on a time grid) and exit rates ``f``; ``change(k, v)`` applies the
    derivatives ``dA/dr_k`` and ``df/dr_k`` by the input rate ``r_k`` (per ms) to ``v``."""

    def __init__(self, A: _Banded, f: NDArray[np.float64], change: Callable, K: int, t_ref: float, dt: float,
                 reset: int):
        self.A, self.f, self.t_ref, self.dt, self.reset = A, f, t_ref, dt, reset
        self.N = N = f.size
        e = np.zeros(N)
        e[reset] = 1.0
        self.u0 = A.solve(e)                                    # occupation times from reset (ms per state)
        self.T1 = A.solve(np.ones(N), transpose=True)           # mean first-passage times (ms)
        T2 = A.solve(2.0 * self.T1 - dt, transpose=True)        # second moments (on a time grid: whole steps)
        mean = t_ref + self.T1[reset]
        self.nu = 1.0 / mean                                    # per ms
        self.cv = math.sqrt(max(T2[reset] - self.T1[reset] ** 2, 0.0)) / mean
        self.p0 = self.nu * self.u0                             # stationary probabilities of the states
        on_p0 = [change(k, self.p0) for k in range(K)]
        self.B = [b for b, _ in on_p0]                          # the jump operators' change on p0
        self.c = np.array([c for _, c in on_p0])                # flux across threshold per unit rate
        self.gradient = np.array([-self.nu ** 2 * (self.T1 @ change(k, self.u0)[0]) for k in range(K)])

    def bottom_mass(self, n: int) -> float:
        return float(self.p0[:n].sum())

    def laplace(self, lam: complex) -> NDArray[np.complex128]:
        """[Laplace transform of the ISI density, chi_k for every type] at ``lam`` (1/ms, not 0)."""
        rhs = np.zeros((self.N, 1 + len(self.B)), dtype=complex)
        rhs[self.reset, 0] = 1.0
        for k, b in enumerate(self.B):
            rhs[:, 1 + k] = b
        # on the time grid the resolvent of one step, (z - M)^-1 with z = e^{lam dt}, is (s - A)^-1 / dt
        sol = self.A.solve(rhs, np.expm1(lam * self.dt) / self.dt if self.dt else lam)
        isi = np.exp(-lam * self.t_ref) * (self.f @ sol[:, 0])
        chi = (self.f @ sol[:, 1:] + self.c) / (1.0 - isi)
        return np.concatenate([[isi], chi])


class ShotNoiseNeuron:
    """A LIF neuron with Poisson inputs of fixed sizes: the discretised master equation, refined on demand.

    Arguments as in :func:`shot_noise_rate` (``dt=None``: continuous time; ``dt``: NEST's time grid, see the
    module notes).  The grids ``h0 / 2^n`` are built when first needed and kept, so that many evaluations (e.g.
    of the response at many ``lambda``) share them.
    """

    def __init__(self, jumps: ArrayLike, rates: ArrayLike, *, tau_m: float = 20.0, t_ref: float = 2.0,
                 theta: float = 20.0, V_reset: float = 0.0, rtol: float = 1e-6, grid_step: float | None = None,
                 dt: float | None = None, jump_distribution: str = "fixed"):
        a, r = check_jumps(jumps, rates)
        if jump_distribution not in ("fixed", "exponential"):
            raise ValueError(f"jump_distribution must be 'fixed' or 'exponential', got {jump_distribution!r}")
        if jump_distribution == "exponential" and dt is not None:
            raise ValueError("jump_distribution='exponential' is solved in continuous time only: dt must be None, "
                             f"got dt={dt!r}")
        self.exponential = jump_distribution == "exponential"
        check_neuron_params(tau_m, t_ref, theta, V_reset, 0.0)
        for name, v in (("tau_m", tau_m), ("t_ref", t_ref), ("theta", theta), ("V_reset", V_reset)):
            if np.ndim(v) != 0:
                raise ValueError(f"{name} must be a number, got {v!r}")
        if not (isinstance(rtol, (int, float)) and 1e-10 <= rtol < 0.1):
            raise ValueError(f"rtol must be in [1e-10, 0.1), got {rtol!r}")
        self.tau, self.t_ref, self.theta, self.V_reset = float(tau_m), float(t_ref), float(theta), float(V_reset)
        self.a, self.r = a, r * 1e-3                             # rates per ms inside
        self.rtol = float(rtol)
        self.dt = _check_dt(dt, self.tau, self.t_ref)
        unit = _unit_step(([] if self.exponential else list(np.abs(a))) + [self.theta - self.V_reset]
                          + ([abs(self.V_reset)] if self.V_reset else []))
        if grid_step is None:
            grid_step = unit
        elif not (isinstance(grid_step, (int, float)) and grid_step > 0
                  and abs(unit / grid_step - round(unit / grid_step)) < 1e-6):
            raise ValueError(f"grid_step must divide the jumps, theta - V_reset and V_reset ({unit:g} mV), got "
                             f"{grid_step!r}")
        mu = self.tau * float(self.r @ a)
        sd = math.sqrt(self.tau * float(self.r @ a ** 2) * (2.0 if self.exponential else 1.0) / 2.0)  # E[jump^2]
        self.sd = sd
        self.h0 = float(grid_step)
        while self.h0 > float(np.min(np.abs(a))) / 4.0:         # at least 4 points per jump
            self.h0 /= 2.0
        while self.h0 > sd / 20.0 and sd > 0:                   # and ~20 points per standard deviation
            self.h0 /= 2.0
        lowest = min(self.V_reset, mu) - _DEPTH * sd - max(0.0, -float(a.min()))
        self.V_min = self.V_reset - self.h0 * math.ceil((self.V_reset - lowest) / self.h0)
        self.silent = not np.any((a > 0) & (self.r > 0))
        # on a time grid: the decay shared between neighbouring cells where it moves the cells at threshold by at
        # least two cells per step on the coarsest grid, the binomial (exact-in-time upwind) decay where less
        self.split = bool(self.dt) and -math.expm1(-self.dt / self.tau) * self.theta >= 2 * self.h0
        self.unit = unit
        self.counts = _step_counts(a, self.r * self.dt, unit) if self.dt else None
        if self.band_size(float(grid_step) / 4) > MAX_BAND:
            raise ValueError(f"jumps, theta - V_reset and V_reset have no common grid step coarse enough for "
                             f"MAX_BAND = {MAX_BAND} generator entries (largest common step {grid_step:g} mV), got "
                             f"jumps {a.tolist()}")
        self.chains: dict[float, _Chain] = {}
        self._stationary: ShotNoiseRate | None = None

    def band_size(self, h: float) -> float:
        """Entries of the banded generator at step ``h``: grid points times (jumps up + jumps down + 1); on a time
        grid the jumps of one step (with the decay's moves) and the factorisation's fill-in."""
        if self.exponential:                                    # augmented: K + 1 unknowns per cell, band ~2(K + 1)
            return (self.theta - self.V_min) / h * (self.a.size + 1) * (3 * self.a.size + 4)
        if self.dt:
            decay = -math.expm1(-self.dt / self.tau) * max(self.theta, -self.V_min) / h + 1
            lo, pmf, _ = self.counts
            up = max(1.0, (lo + pmf.size - 1) * self.unit / h + decay)
            down = max(1.0, -lo * self.unit / h + decay)
            return (self.theta - self.V_min) / h * (2 * up + down + 1)
        width = max(1.0, float(self.a.max()) / h) + max(1.0, -float(self.a.min()) / h) + 1
        return (self.theta - self.V_min) / h * width

    def chain(self, h: float) -> _Chain:
        if h not in self.chains:
            if self.band_size(h) > MAX_BAND:
                raise ShotNoiseConvergenceError(
                    f"the shot-noise neuron did not converge to rtol={self.rtol:g}: the grid step {h:g} mV would need "
                    f"a generator of more than MAX_BAND = {MAX_BAND} entries")
            n_rest = int(round(-self.V_min / h))
            N = int(round((self.theta - self.V_min) / h))
            if self.dt:
                generator = _step_generator(self.counts, self.unit, math.exp(-self.dt / self.tau), self.dt, h,
                                            n_rest, N, self.split)
            elif self.exponential:
                generator = _exponential_generator(self.a, self.r, self.tau, h, n_rest, N)
            else:
                generator = _leak_generator(self.a, self.r, self.tau, h, n_rest, N)
            c = _Chain(*generator, self.a.size, self.t_ref, self.dt, int(round((self.V_reset - self.V_min) / h)))
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
                # the atom at rest receives the reset flux and loses it to every input: nu = m sum_k r_k (continuous
                # time); on a time grid it keeps a step's share exp(-dt sum_k r_k): nu dt = m (1 - exp(-dt sum_k r_k))
                rate_out = float(self.dt / -math.expm1(-self.dt * self.r.sum())) if self.dt else 1.0 / self.r.sum()
                mass = float(both[0]) * rate_out if self.V_reset == 0 else 0.0
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


def _check_dt(dt: float | None, tau_m: float, t_ref: float) -> float:
    """``dt`` (ms) as a float, 0.0 for continuous time (``None``); ``t_ref`` must be a whole number of steps."""
    if dt is None:
        return 0.0
    if isinstance(dt, bool) or not isinstance(dt, (int, float)) or not (0 < dt <= tau_m / 10):
        raise ValueError(f"dt must be None (continuous time) or a time step in (0, tau_m/10] ms, got {dt!r}")
    if abs(t_ref / dt - round(t_ref / dt)) > 1e-9 * max(1.0, t_ref / dt):
        raise ValueError(f"t_ref must be a whole number of steps dt (as in NEST), got t_ref={t_ref!r}, dt={dt!r}")
    return float(dt)


def _frequencies(f: ArrayLike) -> NDArray[np.float64]:
    freq = np.asarray(f, dtype=float)
    if np.any(~np.isfinite(freq)) or np.any(freq < 0):
        raise ValueError(f"f must be finite frequencies >= 0 Hz, got {f!r}")
    return freq


def shot_noise_rate(jumps: ArrayLike, rates: ArrayLike, *, tau_m: float = 20.0, t_ref: float = 2.0,
                    theta: float = 20.0, V_reset: float = 0.0, rtol: float = 1e-6,
                    grid_step: float | None = None, dt: float | None = None,
                    jump_distribution: str = "fixed") -> ShotNoiseRate:
    """Stationary rate and CV of a LIF neuron with Poisson inputs of fixed sizes (continuous time or NEST's grid).

    The master equation of the module notes, solved on a grid and extrapolated to a relative
    accuracy ``rtol``; with ``dt``, the neuron NEST integrates on a time grid of step ``dt``.

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
    dt : float, optional
        ``None`` (default): continuous time.  A time step (ms, in ``(0, tau_m/10]``, ``t_ref`` a whole number of
        steps): NEST's ``iaf_psc_delta`` on that grid (module notes).
    jump_distribution : {"fixed", "exponential"}
        ``"fixed"`` (default): every input of type ``k`` makes the potential jump by ``jumps[k]``.
        ``"exponential"``: by an exponentially distributed amount of mean ``|jumps[k]|`` and the sign of
        ``jumps[k]`` (Richardson & Swarbrick 2010, whose closed forms make it a test case; continuous time only,
        and ``jumps`` need no common grid step).

    Returns
    -------
    ShotNoiseRate

    Raises
    ------
    ValueError
        Naming the argument: non-finite or zero jumps, negative rates, neuron parameters out of range,
        jumps without a common grid step, a ``grid_step`` that does not divide them, a ``dt`` out of range or
        not dividing ``t_ref``.
    ShotNoiseConvergenceError
        If ``rtol`` is not reached within :data:`MAX_BAND` generator entries.
    """
    return ShotNoiseNeuron(jumps, rates, tau_m=tau_m, t_ref=t_ref, theta=theta, V_reset=V_reset, rtol=rtol,
                           grid_step=grid_step, dt=dt, jump_distribution=jump_distribution).stationary()


def shot_noise_response(f: ArrayLike, jumps: ArrayLike, rates: ArrayLike, *, tau_m: float = 20.0,
                        t_ref: float = 2.0, theta: float = 20.0, V_reset: float = 0.0, rtol: float = 1e-6,
                        grid_step: float | None = None, dt: float | None = None,
                        jump_distribution: str = "fixed") -> NDArray[np.complex128]:
    """Linear response ``chi_k(f) = delta nu / delta r_k`` of the shot-noise LIF neuron to each input rate.

    The rate answers a modulation ``r_k (1 + epsilon e^{2 pi i f t})`` of the rate of input type ``k``
    with ``nu + epsilon r_k chi_k(f) e^{2 pi i f t}``; at ``f = 0`` ``chi_k`` is ``d nu / d r_k``
    (:attr:`ShotNoiseRate.gradient`).  Continuous time, or with ``dt`` NEST's time grid, where the rate of
    step ``n`` is modulated by ``e^{2 pi i f n dt}`` and the answer is periodic in ``f`` with period ``1/dt``;
    see the module notes for the equations.

    Parameters
    ----------
    f : array_like
        Frequencies (Hz, finite, >= 0).
    jumps, rates, tau_m, t_ref, theta, V_reset, rtol, grid_step, dt, jump_distribution
        As in :func:`shot_noise_rate`.

    Returns
    -------
    ndarray, complex, shape ``f.shape + (K,)``
        Dimensionless (Hz of output per Hz of input rate).
    """
    return ShotNoiseNeuron(jumps, rates, tau_m=tau_m, t_ref=t_ref, theta=theta, V_reset=V_reset, rtol=rtol,
                           grid_step=grid_step, dt=dt, jump_distribution=jump_distribution).response(f)


def shot_noise_spike_train_spectrum(f: ArrayLike, jumps: ArrayLike, rates: ArrayLike, *, tau_m: float = 20.0,
                                    t_ref: float = 2.0, theta: float = 20.0, V_reset: float = 0.0,
                                    rtol: float = 1e-6, grid_step: float | None = None,
                                    dt: float | None = None, jump_distribution: str = "fixed") -> NDArray[np.float64]:
    """Two-sided power spectrum (Hz) of the spike train of the shot-noise LIF neuron (a renewal process).

    ``S(f) = nu (1 - |F|^2) / |1 - F|^2`` with ``F`` the Fourier transform of the inter-spike-interval
    density (module notes); ``S -> nu`` at high frequency and ``S(0) = nu CV^2``.  At ``f = 0`` the
    limit ``nu CV^2`` is returned.  Arguments as in :func:`shot_noise_response`.
    """
    return ShotNoiseNeuron(jumps, rates, tau_m=tau_m, t_ref=t_ref, theta=theta, V_reset=V_reset, rtol=rtol,
                           grid_step=grid_step, dt=dt, jump_distribution=jump_distribution).spike_train_spectrum(f)
