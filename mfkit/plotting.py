"""Figures of the book that are more than a few lines of matplotlib, reusable by readers.

Each function draws into a given (or new) ``matplotlib.axes.Axes`` and returns it; none of them computes
physics: they take the results of :mod:`mfkit`'s functions.  matplotlib is optional for ``mfkit``: it is
imported when a function here is called, and a clear ImportError says how to install it.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:  # matplotlib is optional at run time
    from matplotlib.axes import Axes

    from .continuation import FixedPointCurve
    from .fixed_points import FixedPoint


def _pyplot():
    """matplotlib.pyplot, or an ImportError that says how to get it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("mfkit.plotting needs matplotlib: pip install matplotlib "
                          "(or pip install 'mfkit[book]')") from err
    return plt


def _axes(ax: Axes | None) -> Axes:
    """``ax``, or the Axes of a new figure when ``ax`` is None."""
    return _pyplot().subplots()[1] if ax is None else ax


def self_consistency(rates: ArrayLike, phi: ArrayLike, fixed_points: Sequence[FixedPoint] = (),
                     ax: Axes | None = None, label: str = r"$\Phi(\mu(\nu), \sigma(\nu))$",
                     log: bool = True) -> Axes:
    """Draw the self-consistency condition of eq. 27: ``Phi(mu(nu), sigma(nu))`` against ``nu`` with the diagonal.

    The fixed points are where the curve meets the diagonal; on logarithmic axes a rate of 0.004 Hz
    and one of 130 Hz are equally visible.

    Parameters
    ----------
    rates : array_like
        Common rate ``nu`` of the populations (Hz, > 0).
    phi : array_like
        Output rate ``Phi(mu(nu), sigma(nu))`` (Hz) at ``rates``, e.g. ``net.transfer(nu[:, None])[:, 0]``.
    fixed_points : sequence of mfkit.FixedPoint
        Marked on the diagonal: filled when stable under eq. 30, open when unstable.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (default: a new figure).
    label : str
        Legend label of the curve.
    log : bool
        Logarithmic axes (default) or linear ones.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    ax.plot(rates, phi, color="C0", label=label)
    ax.plot(rates, rates, color="gray", lw=0.8, ls="--", label=r"diagonal $\nu$")
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    for fp in fixed_points:  # filled: stable under eq. 30, open: unstable
        ax.plot(fp.rate, fp.rate, "o", color="k", mfc="k" if fp.stable else "w", ms=7, zorder=3)
    ax.set_xlabel(r"input rate $\nu$ (Hz)")
    ax.set_ylabel("output rate (Hz)")
    return ax


def cobweb(rates: ArrayLike, map_values: ArrayLike, iterates: ArrayLike, ax: Axes | None = None,
           n_steps: int | None = None) -> Axes:
    """Cobweb diagram of a one-dimensional map ``nu_{k+1} = F(nu_k)``.

    Draws the map, the diagonal and the staircase ``(nu_k, nu_k) -> (nu_k, nu_{k+1}) ->
    (nu_{k+1}, nu_{k+1})`` of the iterates.  The iterates need not come from ``F`` itself (for example
    a recorded trajectory whose drive was still rising): each vertical step then ends where the
    trajectory went, not on the curve.

    Parameters
    ----------
    rates, map_values : array_like
        The map ``F`` sampled at ``rates`` (Hz).
    iterates : array_like
        ``nu_0, nu_1, ...`` (Hz).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (default: a new figure).
    n_steps : int, optional
        Draw only the first ``n_steps`` steps (default: all).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        If ``n_steps`` is not a positive integer.
    """
    ax = _axes(ax)
    it = np.asarray(iterates, dtype=float)
    if n_steps is not None:
        if not (isinstance(n_steps, int) and n_steps >= 1):
            raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}")
        it = it[:n_steps + 1]
    ax.plot(rates, map_values, color="C0", label=r"map $F(\nu)$")
    ax.plot(rates, rates, color="gray", lw=0.8, ls="--", label=r"diagonal")
    x = np.repeat(it[:-1], 2)  # (nu_0, nu_0) -> (nu_0, nu_1) -> (nu_1, nu_1) -> (nu_1, nu_2) ...
    y = np.empty_like(x)
    y[0::2], y[1::2] = it[:-1], it[1:]
    ax.plot(x, y, color="C3", lw=0.9, label="iterates")
    ax.set_xlabel(r"$\nu_k$ (Hz)")
    ax.set_ylabel(r"$\nu_{k+1}$ (Hz)")
    return ax


def fixed_point_curve(curve: FixedPointCurve, ax: Axes | None = None, color: str = "C0",
                      label: str | None = None) -> Axes:
    """Draw one curve of fixed points (:func:`mfkit.fixed_point_curve`) as rate over ``g``.

    Solid where the fixed point is stable under the pseudo-time relaxation (eq. 30), dashed where it is
    unstable; the folds, where the two meet, are saddle-node bifurcations.

    Parameters
    ----------
    curve : mfkit.FixedPointCurve
        One curve of :func:`mfkit.fixed_point_curve`, points in the order of the curve.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (default: a new figure).
    color : str
        Line colour.
    label : str, optional
        Legend label (attached to the first stable piece).

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax)
    cut = np.flatnonzero(np.diff(curve.stable.astype(int))) + 1
    for k, (a, b) in enumerate(zip(np.r_[0, cut], np.r_[cut, curve.rates.size])):
        piece = slice(a, min(b + 1, curve.rates.size))  # overlap one point: no gap at the fold
        ax.semilogy(curve.g[piece], curve.rates[piece], color=color,
                    ls="-" if curve.stable[a] else "--", label=label if k == 0 else None)
    ax.set_xlabel("relative inhibition $g$")
    ax.set_ylabel("fixed-point rate (Hz)")
    return ax
