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
        ax.plot(fp.rate, fp.rate, "o", color="k", mfc="k" if fp.pseudo_time_stable else "w", ms=7, zorder=3)
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
    cut = np.flatnonzero(np.diff(curve.pseudo_time_stable.astype(int))) + 1
    for k, (a, b) in enumerate(zip(np.r_[0, cut], np.r_[cut, curve.rates.size])):
        piece = slice(a, min(b + 1, curve.rates.size))  # overlap one point: no gap at the fold
        ax.semilogy(curve.g[piece], curve.rates[piece], color=color,
                    ls="-" if curve.pseudo_time_stable[a] else "--", label=label if k == 0 else None)
    ax.set_xlabel("relative inhibition $g$")
    ax.set_ylabel("fixed-point rate (Hz)")
    return ax


# --- spiking network, synaptic filtering and benchmark figures -----------------------------------------


def prose_number(value: object) -> int | str | float:
    """``value`` as the book's prose shows it: ints and strings unchanged, any other number as a float rounded
    to 8 significant digits (the last digits of a root or a bisection differ between CPUs and library
    versions; the prose rounds further in its format)."""
    return value if isinstance(value, (int, str)) else float(f"{value:.8g}")


def glue_number(name: str, value: object) -> None:
    """Glue :func:`prose_number` of ``value`` under ``name`` for the prose of a notebook (myst-nb's ``glue``,
    not displayed)."""
    try:
        from myst_nb import glue
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("glue_number needs myst-nb: pip install 'mfkit[book]'") from err
    glue(name, prose_number(value), display=False)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (the book renders it as a table) from a header and rows of cells (``str()`` of each).

    >>> print(markdown_table(["a", "b"], [[1, 2]]))
    | a | b |
    |---|---|
    | 1 | 2 |
    """
    if any(len(row) != len(header) for row in rows):
        raise ValueError(f"rows must have {len(header)} cells (one per header entry)")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def text_colour(rgba) -> str:
    """Black or white, whichever reads better on a background of colour ``rgba``.

    Parameters
    ----------
    rgba : sequence of float
        The background colour, red, green and blue in [0, 1] (alpha, if given, is ignored).

    Returns
    -------
    str
        ``"white"`` on a dark background (relative luminance below 0.4, WCAG definition), else ``"black"``.
    """
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "white" if luminance < 0.4 else "black"


def annotated_grid(ax, values, x_labels, y_labels, fmt: str = "{:.2f}", cmap: str = "viridis",
                   vmin: float | None = None, vmax: float | None = None, colorbar: bool = True):
    """A heat map of a parameter grid with every cell's value written into it.

    The text of each cell is black or white depending on the luminance of the cell's colour
    (:func:`text_colour`), so it stays readable on dark and light cells alike.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    values : array_like, shape (n_y, n_x)
        The grid; row ``i`` is drawn at height ``i`` (origin at the bottom).
    x_labels, y_labels : sequence of str
        Tick labels of the columns and of the rows.
    fmt : str
        Format of the numbers written into the cells.
    cmap : str
        Name of a matplotlib colormap.
    vmin, vmax : float, optional
        Limits of the colour scale (default: those of ``values``).
    colorbar : bool
        Add a colour bar next to ``ax``.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.
    """
    import numpy as np

    values = np.asarray(values, dtype=float)
    image = ax.imshow(values, origin="lower", cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    ax.set_xticks(range(values.shape[1]), list(x_labels))
    ax.set_yticks(range(values.shape[0]), list(y_labels))
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=9,
                color=text_colour(image.cmap(image.norm(v))))
    if colorbar:
        ax.figure.colorbar(image, ax=ax)
    return ax


def raster_and_rate(result, t0: float, t1: float, axes, n_shown: tuple[int, int] = (100, 25),
                    bin_width: float = 0.5):
    """Spike raster of a few neurons and the population rate of the whole network in a time window.

    Parameters
    ----------
    result : mfkit.spiking.SpikingResult
        A run of :func:`mfkit.simulate_brunel`.
    t0, t1 : float
        The window (ms, absolute times as in ``result.spike_times``).
    axes : sequence of two matplotlib.axes.Axes
        The raster is drawn into ``axes[0]``, the population rate into ``axes[1]``.
    n_shown : (int, int)
        How many excitatory and inhibitory neurons (the first of each population) the raster shows.
    bin_width : float
        Bin width of the population rate (ms).

    Returns
    -------
    sequence of matplotlib.axes.Axes
        ``axes``.
    """
    ax_raster, ax_rate = axes
    offset = 0
    for first, n, colour, label in ((0, n_shown[0], "tab:blue", "E"), (result.NE, n_shown[1], "tab:red", "I")):
        sel = ((result.senders >= first) & (result.senders < first + n)
               & (result.spike_times > t0) & (result.spike_times <= t1))
        ax_raster.plot(result.spike_times[sel], result.senders[sel] - first + offset, "|", color=colour,
                       markersize=3, label=label)
        offset += n
    ax_raster.set_ylabel("neuron")
    ax_raster.legend(loc="upper right", markerscale=3)
    h = result.population_rate(bin_width=bin_width)
    win = (h.t > t0) & (h.t < t1)
    ax_rate.plot(h.t[win], h.rate[win], color="k", lw=0.8)
    ax_rate.axhline(result.rate, color="tab:orange", lw=1, label="time average")
    ax_rate.set_xlabel("time (ms)")
    ax_rate.set_ylabel("rate (Hz)")
    ax_rate.legend(loc="upper right")
    return axes


def benchmark_bars(ax_time, ax_mem, record: dict, title: str):
    """Wall time and peak memory of the configurations of a recorded spiking benchmark.

    One bar per configuration (backend and thread count): in ``ax_time`` the median build time (gray)
    with the median simulation time stacked on it (black for mfkit, blue for NEST), in ``ax_mem`` the
    median peak resident memory; red error bars span the rounds (min to max). The legend names every
    colour that is drawn.

    Parameters
    ----------
    ax_time, ax_mem : matplotlib.axes.Axes
        Where to draw the times (log scale, s) and the memory (GB).
    record : dict
        One network of ``benchmarks/results/spiking.json`` (the file's top level, or its ``"large"``
        entry): ``configurations``, ``summary`` (per configuration ``backend``, ``threads`` and the
        median/min/max of ``build_s``, ``simulate_s``, ``total_s`` and ``peak_rss_MB``) and ``repeats``.
    title : str
        Prefix of the panel titles.

    Returns
    -------
    tuple of matplotlib.axes.Axes
        ``(ax_time, ax_mem)``.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    colour = {"mfkit": "k", "nest": "tab:blue"}
    summ = record["summary"]
    names = [c["name"] for c in record["configurations"]]
    labels = [f"{'mfkit' if summ[n]['backend'] == 'mfkit' else 'NEST'}\n{summ[n]['threads']} thr." for n in names]
    colours = [colour[summ[n]["backend"]] for n in names]
    x = range(len(names))

    def whiskers(ax, key, scale):
        s = [summ[n][key] for n in names]
        ax.errorbar(x, [v["median"] * scale for v in s], fmt="none", ecolor="tab:red", capsize=3,
                    yerr=[[(v["median"] - v["min"]) * scale for v in s], [(v["max"] - v["median"]) * scale for v in s]])

    build = [summ[n]["build_s"]["median"] for n in names]
    ax_time.bar(labels, build, color="0.6")
    ax_time.bar(labels, [summ[n]["simulate_s"]["median"] for n in names], bottom=build, color=colours)
    whiskers(ax_time, "total_s", 1.0)
    ax_time.set_yscale("log")
    ax_time.set_ylim(top=300 * max(summ[n]["total_s"]["max"] for n in names))  # room for the legend
    ax_time.set_ylabel("s")
    ax_time.set_title(f"{title}: wall time (median of {record['repeats']})", fontsize=9)
    backends = [b for b in colour if any(summ[n]["backend"] == b for n in names)]
    handles = [Patch(color="0.6", label="build")]
    handles += [Patch(color=colour[b], label=f"simulate, {'mfkit' if b == 'mfkit' else 'NEST'}") for b in backends]
    handles.append(Line2D([], [], color="tab:red", marker="_", markersize=8, label="min–max"))
    ax_time.legend(handles=handles, fontsize=9, loc="upper left")
    ax_mem.bar(labels, [summ[n]["peak_rss_MB"]["median"] / 1024 for n in names], color=colours)
    whiskers(ax_mem, "peak_rss_MB", 1 / 1024)
    ax_mem.set_ylabel("GB")
    ax_mem.set_title(f"{title}: peak memory", fontsize=9)
    return ax_time, ax_mem
