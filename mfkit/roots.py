"""Every zero of an analytic function in a rectangle of the complex plane, with a certificate.

The network's characteristic function (its zeros are the eigenvalues of the linearised rate
dynamics with delay) is analytic but transcendental: it has infinitely many zeros, and a search
started from guesses can miss some.  :func:`zeros_in_rectangle` makes the search complete in a
given rectangle by the argument principle: the number of zeros inside a closed contour (counted
with multiplicity) equals the winding number of ``F`` around 0 along it.  The contour is sampled
adaptively until the phase of ``F`` changes by less than ``pi / 4`` between neighbouring samples
and halving an interval does not change its phase sum (so no turn hides between two samples), rectangles holding zeros are split until each holds
one (only the cut is sampled anew: the phase along the parts of the old sides is known from their
samples), and each zero is then polished by Newton's method (secant derivatives) and must stay in its
rectangle.  The count of zeros found is checked against the winding number; any disagreement, a
zero on a contour that cannot be moved off it, or a failed polish raises :class:`RootSearchError`,
never a guess.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["RootSearchError", "winding_number", "zeros_in_rectangle"]

_MAX_PHASE_STEP = np.pi / 4


class RootSearchError(RuntimeError):
    """The zeros could not be located with certainty (the search never returns a guess)."""


def _edge_phase(F: Callable, a: complex, b: complex, n: int, max_points: int) -> float:
    """Total change of arg F along the segment a -> b (see :func:`_edge_samples`)."""
    return float(_edge_samples(F, a, b, n, max_points)[1][-1])


def _edge_samples(F: Callable, a: complex, b: complex, n: int,
                  max_points: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The accepted sample points ``t`` (sorted, from 0 to 1) of the segment a -> b and the change of
    arg F from ``a`` to each of them.

    An interval of the sampling is accepted when the phase changes by at most pi/4 across it and
    across each of its halves, the two halves add up to the whole, the local rate of change of the
    phase (from a one-sided difference at each sample) times the interval's length is at most
    pi/4 at both ends and the midpoint, and F is nearly linear across it; otherwise it is replaced
    by its halves.  A turn can then only hide between two samples if the phase accelerates
    sharply inside an interval, which near-linearity excludes.  Keep F continuous (a change of
    normalisation by a positive factor must not happen inside an interval).
    """
    h = 1e-7

    def values(t):
        z = a + (b - a) * t
        both = F(np.concatenate([z, z + (b - a) * h]))
        f, fh = both[:t.size], both[t.size:]
        bad = ~np.isfinite(f)
        if np.any(bad):
            raise RootSearchError(f"the function is not finite on the contour near {z[bad][0]}")
        if np.any(f == 0):
            raise RootSearchError(f"a zero lies on the contour at {z[f == 0][0]}")
        return f, np.abs(np.angle(fh / f)) / h  # |d arg F / dt|

    t = np.linspace(0.0, 1.0, n)
    f, rate = values(t)
    lo_t, hi_t, lo_f, hi_f, lo_r, hi_r = t[:-1], t[1:], f[:-1], f[1:], rate[:-1], rate[1:]
    used = 2 * n
    starts, phases = [], []  # accepted intervals: where each starts, and the phase change across it
    while lo_t.size:
        mid_t = 0.5 * (lo_t + hi_t)
        mid_f, mid_r = values(mid_t)
        used += 2 * mid_t.size
        whole = np.angle(hi_f / lo_f)
        first, second = np.angle(mid_f / lo_f), np.angle(hi_f / mid_f)
        small = np.minimum(np.minimum(np.abs(lo_f), np.abs(hi_f)), np.abs(mid_f))
        fastest = np.maximum(np.maximum(lo_r, hi_r), mid_r) * (hi_t - lo_t)
        ok = ((np.abs(whole) <= _MAX_PHASE_STEP) & (np.abs(first) <= _MAX_PHASE_STEP)
              & (np.abs(second) <= _MAX_PHASE_STEP) & (np.abs(whole - first - second) < 1e-6)
              & (fastest <= _MAX_PHASE_STEP)
              & (np.abs(mid_f - 0.5 * (lo_f + hi_f)) <= 0.25 * small))
        starts.append(lo_t[ok])
        phases.append(first[ok] + second[ok])
        bad = ~ok
        if used + 4 * np.count_nonzero(bad) > max_points:
            raise RootSearchError(
                f"the phase of the function varies too fast on the segment {a} -> {b} "
                f"(more than {max_points} samples): a zero lies on or very near the contour")
        lo_t, hi_t = np.concatenate([lo_t[bad], mid_t[bad]]), np.concatenate([mid_t[bad], hi_t[bad]])
        lo_f, hi_f = np.concatenate([lo_f[bad], mid_f[bad]]), np.concatenate([mid_f[bad], hi_f[bad]])
        lo_r, hi_r = np.concatenate([lo_r[bad], mid_r[bad]]), np.concatenate([mid_r[bad], hi_r[bad]])
    order = np.argsort(np.concatenate(starts))
    nodes = np.append(np.concatenate(starts)[order], 1.0)
    return nodes, np.concatenate([[0.0], np.cumsum(np.concatenate(phases)[order])])


class _Line:
    """A segment ``a -> b`` sampled once (:func:`_edge_samples`); the phase of F from ``a`` to any point of it.

    Between two accepted samples the phase is not known; to a point ``t`` there it is the phase to the
    sample before ``t`` plus that of the short segment from that sample to ``t``, sampled by the same rules.
    """

    def __init__(self, F: Callable, a: complex, b: complex, kw: dict):
        self.F, self.a, self.b, self.kw = F, a, b, kw
        self.t, self.phase = _edge_samples(F, a, b, kw["n_edge"], kw["max_points"])
        self.known: dict[float, float] = {}

    def phase_to(self, t: float) -> float:
        """Change of arg F from ``a`` to ``a + (b - a) t``, ``0 <= t <= 1``."""
        k = int(np.searchsorted(self.t, t, side="right")) - 1
        if self.t[k] == t:
            return float(self.phase[k])
        if t not in self.known:
            start, end = self.a + (self.b - self.a) * self.t[k], self.a + (self.b - self.a) * t
            self.known[t] = float(self.phase[k]) + _edge_phase(self.F, start, end, 3, self.kw["max_points"])
        return self.known[t]


def _side_phase(side: tuple) -> float:
    """Phase change along a side ``(line, t0, t1)``: the part of the line from parameter t0 to t1."""
    line, t0, t1 = side
    return line.phase_to(t1) - line.phase_to(t0)


def _at(side: tuple, u: float) -> float:
    """The line parameter of the point a fraction ``u`` along a side ``(line, t0, t1)``."""
    _, t0, t1 = side
    return t0 + u * (t1 - t0)


def _count(sides: list, box: tuple) -> int:
    """Winding number of the four sides of ``box`` (counter-clockwise: bottom, right, top, left)."""
    w = sum(_side_phase(side) for side in sides) / (2 * np.pi)
    if abs(w - round(w)) > 0.1:
        raise RootSearchError(f"winding number {w:.3f} is not an integer on {box}")
    return int(round(w))


def winding_number(F: Callable, x0: float, x1: float, y0: float, y1: float, *,
                   n_edge: int = 9, max_points: int = 20000) -> int:
    """Number of zeros of ``F`` inside the rectangle ``[x0, x1] x [y0, y1]`` (argument principle).

    Each edge starts from ``n_edge`` equidistant samples and is refined where the phase needs it
    (:func:`_edge_phase`: the acceptance of an interval does not depend on ``n_edge``, which only sets
    where the refinement starts; 9 was fastest on the seed network and the microcircuit, with the same
    zeros as 33).

    ``F`` maps an array of complex numbers to an array of complex values and must be analytic
    (no poles) in the closed rectangle.  Raises :class:`RootSearchError` if a zero lies on the
    contour or the winding is not an integer to within 0.1.
    """
    corners = [complex(x0, y0), complex(x1, y0), complex(x1, y1), complex(x0, y1)]
    total = sum(_edge_phase(F, a, b, n_edge, max_points) for a, b in zip(corners, corners[1:] + corners[:1]))
    w = total / (2 * np.pi)
    if abs(w - round(w)) > 0.1:
        raise RootSearchError(f"winding number {w:.3f} is not an integer on [{x0}, {x1}] x [{y0}, {y1}]")
    return int(round(w))


def _newton(F: Callable, z: complex, box: tuple[float, float, float, float], tol: float,
            max_iter: int = 60) -> complex:
    """Newton's method with a centred-difference derivative, confined to ``box``."""
    x0, x1, y0, y1 = box
    mx, my = 0.5 * (x1 - x0), 0.5 * (y1 - y0)  # the iterates may leave the box by this much
    h = 1e-6 * max(1.0, abs(z), x1 - x0, y1 - y0)
    for _ in range(max_iter):
        f, fp, fm, fpi, fmi = F(np.array([z, z + h, z - h, z + 1j * h, z - 1j * h]))
        # the average of the real and imaginary centred differences cancels O(h^2) terms of both
        d = 0.5 * ((fp - fm) / (2 * h) + (fpi - fmi) / (2j * h))
        if f == 0:
            return z
        if d == 0 or not np.isfinite(d):
            break
        step = f / d
        z = z - step
        if not (x0 - mx <= z.real <= x1 + mx and y0 - my <= z.imag <= y1 + my):
            break
        if abs(step) <= tol * max(1.0, abs(z)):
            if x0 <= z.real <= x1 and y0 <= z.imag <= y1:
                return z
            break
        h = max(min(h, 1e-3 * abs(step) + 1e-12 * max(1.0, abs(z))), 1e-12 * max(1.0, abs(z)))
    raise RootSearchError(f"Newton's method did not converge to the zero in [{x0}, {x1}] x [{y0}, {y1}]")


def _split(F: Callable, box: tuple[float, float, float, float], sides: list, kw: dict):
    """Halve ``box`` across its longer side; return the halves (box, sides) and the zeros in the first.

    Only the cut is sampled anew: the halves' other sides are parts of ``box``'s, whose phases are known
    (:class:`_Line`).  The cut is moved off a zero that lies on it (winding numbers then stay additive)."""
    bx0, bx1, by0, by1 = box
    bottom, right, top, left = sides
    for frac in (0.5001, 0.4713, 0.5377, 0.4391):
        try:
            if bx1 - bx0 >= by1 - by0:  # a vertical cut, upwards
                cut = bx0 + frac * (bx1 - bx0)
                line = _Line(F, complex(cut, by0), complex(cut, by1), kw)
                tb, tt = _at(bottom, frac), _at(top, 1.0 - frac)
                halves = [((bx0, cut, by0, by1), [(bottom[0], bottom[1], tb), (line, 0.0, 1.0),
                                                 (top[0], tt, top[2]), left]),
                          ((cut, bx1, by0, by1), [(bottom[0], tb, bottom[2]), right, (top[0], top[1], tt),
                                                 (line, 1.0, 0.0)])]
            else:  # a horizontal cut, leftwards
                cut = by0 + frac * (by1 - by0)
                line = _Line(F, complex(bx1, cut), complex(bx0, cut), kw)
                tr, tl = _at(right, frac), _at(left, 1.0 - frac)
                halves = [((bx0, bx1, by0, cut), [bottom, (right[0], right[1], tr), (line, 0.0, 1.0),
                                                 (left[0], tl, left[2])]),
                          ((bx0, bx1, cut, by1), [(line, 1.0, 0.0), (right[0], tr, right[2]), top,
                                                 (left[0], left[1], tl)])]
            return halves, _count(halves[0][1], halves[0][0])
        except RootSearchError:
            continue
    raise RootSearchError(f"no cut of {box} avoids the zeros of the function")


def zeros_in_rectangle(F: Callable, x0: float, x1: float, y0: float, y1: float, *,
                       polish: Callable | None = None, tol: float = 1e-12, min_size: float = 1e-9,
                       n_edge: int = 9, max_points: int = 20000) -> NDArray[np.complex128]:
    """Every zero of the analytic function ``F`` in the rectangle ``[x0, x1] x [y0, y1]``.

    Parameters
    ----------
    F : callable
        Vectorised: an array of complex numbers to an array of complex values; analytic without
        poles in the rectangle.
    x0, x1, y0, y1 : float
        The rectangle (real parts ``x``, imaginary parts ``y``).
    polish : callable, optional
        A function with the same zeros in the rectangle for Newton's method (e.g. ``F`` divided by a
        factor that only changes its modulus or its normalisation); default ``F``.
    tol : float
        Relative accuracy of each zero (Newton step).
    min_size : float
        Rectangles are not split below this size (relative to the original); a cluster of zeros
        closer than this is an error.

    Returns
    -------
    ndarray of complex
        The zeros, each as often as its multiplicity is counted by the winding number (a multiple
        zero is an error: Newton's method converges to it only linearly and the search raises).

    Raises
    ------
    RootSearchError
        If the count by the argument principle and the zeros found disagree, or a zero cannot be
        isolated or polished.
    """
    if not (x1 > x0 and y1 > y0):
        raise ValueError(f"the rectangle must have x1 > x0 and y1 > y0, got [{x0}, {x1}] x [{y0}, {y1}]")
    kw = dict(n_edge=n_edge, max_points=max_points)
    scale = max(x1 - x0, y1 - y0)
    found: list[complex] = []
    corners = [complex(x0, y0), complex(x1, y0), complex(x1, y1), complex(x0, y1)]
    sides = [(_Line(F, a, b, kw), 0.0, 1.0) for a, b in zip(corners, corners[1:] + corners[:1])]
    stack = [((x0, x1, y0, y1), sides, _count(sides, (x0, x1, y0, y1)))]
    while stack:
        box, sides, n = stack.pop()
        if n == 0:
            continue
        if n < 0:
            raise RootSearchError(f"negative winding number {n}: the function has a pole in {box}")
        bx0, bx1, by0, by1 = box
        if n == 1 and max(bx1 - bx0, by1 - by0) <= 0.05 * scale:
            try:
                found.append(_newton(polish or F, complex(0.5 * (bx0 + bx1), 0.5 * (by0 + by1)), box, tol))
                continue
            except RootSearchError:  # Newton left the box or stalled: isolate the zero further
                if max(bx1 - bx0, by1 - by0) < min_size * scale:
                    raise
        if max(bx1 - bx0, by1 - by0) < min_size * scale:
            raise RootSearchError(f"{n} zeros within {box}: a multiple zero or a cluster closer than min_size")
        halves, first = _split(F, box, sides, kw)
        stack += [(*halves[0], first), (*halves[1], n - first)]
    return np.array(sorted(found, key=lambda z: (-z.real, z.imag)), dtype=complex)
