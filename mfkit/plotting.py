"""Figures of the book that are more than a few lines of matplotlib, reusable by readers.

Each function draws into a given (or new) ``matplotlib.axes.Axes`` and returns it; none of them computes
physics: they take the results of :mod:`mfkit`'s functions.  matplotlib is optional for ``mfkit``: it is
imported when a function here is called, and a clear ImportError says how to install it.
"""
from __future__ import annotations


def _pyplot():
    """matplotlib.pyplot, or an ImportError that says how to get it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("mfkit.plotting needs matplotlib: pip install matplotlib "
                          "(or pip install 'mfkit[book]')") from err
    return plt


# --- spiking network, synaptic filtering and benchmark figures -----------------------------------------


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
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=8,
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
