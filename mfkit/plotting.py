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
