"""What a finite recording measures of a renewal spike train: the CV of its ISIs in a window.

A simulation measures the CV of a neuron from the intervals between its spikes inside a recording window of
length ``T`` (:func:`mfkit.spiking.cv_isi_per_neuron`: ``std/mean`` of the neuron's ISIs, ``ddof=0``, neurons
with fewer than ``min_isis`` ISIs left out, then the mean over the neurons).  When ``T`` holds only a few mean
ISIs this estimator is biased: an ISI longer than the window is never seen, a long one is seen less often than
a short one (an ISI of length ``tau`` fits into the window at ``T - tau`` of its start positions), the
standard deviation of a few ISIs with ``ddof=0`` is low, and the ratio of two noisy sums is biased too.  At
1 Hz in a 10 s window a Poisson train (CV 1) measures a CV of about 0.85.

:func:`windowed_cv` gives the expected value of that estimator for a stationary renewal train with a given
ISI distribution, so that a theory's ISI distribution can be compared with a simulation as the simulation
measures it, by Monte Carlo: ``n_trains`` independent trains, each started in the stationary state (the
window opens at a uniformly distributed time inside an ISI drawn from the length-biased distribution
``k P(k) / sum_k k P(k)``), the estimator applied to each.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .spiking._checks import integer_in, number_in

__all__ = ["WindowedCV", "windowed_cv", "renewal_cdfs", "MAX_ISIS"]

_CHUNK = 4_000_000  # ISIs drawn at once: bounds the memory to about 100 MB
#: The longest window, in mean ISIs, that :func:`windowed_cv` simulates.
MAX_ISIS = 1e7


class WindowedCV(NamedTuple):
    """Expected CV measured in a window (:func:`windowed_cv`).

    ``cv``: mean over the trains with at least ``min_isis`` ISIs in the window of their CV; ``cv_err``: its
    Monte Carlo standard error; ``share``: the fraction of trains with at least ``min_isis`` ISIs."""

    cv: float
    cv_err: float
    share: float


def renewal_cdfs(isi: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """The CDF of an ISI histogram ``isi`` (weights of the lengths 0, 1, 2, ... steps, positive mean), the CDF of
    its length-biased form ``k P(k) / sum_k k P(k)`` (the ISI that contains a random time: a stationary train's
    first interval) and its mean (steps)."""
    k = np.arange(isi.size, dtype=float)
    p = isi / isi.sum()
    mean = float(p @ k)
    return np.cumsum(p), np.cumsum(p * k) / mean, mean


def _draw(cdf: np.ndarray, rng: np.random.Generator, shape) -> np.ndarray:
    """Indices ``k`` drawn with probabilities ``diff(cdf)`` (inversion)."""
    return np.minimum(np.searchsorted(cdf, rng.random(shape), side="right"), cdf.size - 1)


def windowed_cv(isi: ArrayLike, dt: float, t_window: float, *, min_isis: int = 2, n_trains: int = 10_000,
                seed: int = 0) -> WindowedCV:
    """Expected CV of the ISIs of a stationary renewal train measured in a window of ``t_window`` ms.

    The estimator of a spiking simulation (:func:`mfkit.spiking.cv_isi_per_neuron`, averaged over the
    neurons as :attr:`mfkit.spiking.SpikingResult.cv_isi`): for each train the ISIs between consecutive spikes
    inside ``[0, t_window)``, ``CV_i = std/mean`` (``ddof=0``) if there are at least ``min_isis`` of them, and
    the mean of ``CV_i`` over those trains.  For ``t_window`` much longer than the mean ISI it tends to the CV
    of ``isi``; for a few mean ISIs it is lower (module docstring).

    Parameters
    ----------
    isi : array_like, 1-D
        ``isi[k]`` proportional to the probability that an ISI is ``k dt`` ms long (e.g.
        :attr:`mfkit.NetworkCV.isi`): finite, >= 0, with a positive sum and a positive mean.
    dt : float
        Step of ``isi`` (ms, > 0).
    t_window : float
        Length of the recording window (ms, > 0).
    min_isis : int
        Trains with fewer ISIs in the window are left out (>= 1; the simulations' default is 2).
    n_trains : int
        Independent trains of the Monte Carlo estimate (>= 2).
    seed : int
        Seed of NumPy's generator, in [0, 2**32): the same seed gives the same result.

    Returns
    -------
    WindowedCV
        ``cv``, its standard error ``cv_err`` (scatter between the trains over ``sqrt`` of their number),
        and the ``share`` of trains that count.

    Raises
    ------
    ValueError
        Naming the argument: an ``isi`` that is not 1-D, not finite, negative, of zero sum or zero mean;
        ``dt`` or ``t_window`` not finite and > 0; ``min_isis``, ``n_trains`` or ``seed`` out of range; a window
        of more than :data:`MAX_ISIS` mean ISIs; or a window so short that fewer than two trains have
        ``min_isis`` ISIs in it.
    """
    p = np.asarray(isi, dtype=float)
    if p.ndim != 1 or p.size == 0 or not np.all(np.isfinite(p)) or np.any(p < 0) or not p.sum() > 0:
        raise ValueError("isi must be a non-empty 1-D array of finite probabilities >= 0 with a positive sum")
    dt = number_in("dt", dt, 0.0, lo_open=True, unit="ms")
    t_window = number_in("t_window", t_window, 0.0, lo_open=True, unit="ms")
    min_isis = integer_in("min_isis", min_isis, 1, allow_float=False)
    n_trains = integer_in("n_trains", n_trains, 2, allow_float=False)
    seed = integer_in("seed", seed, 0, 2**32 - 1, allow_float=False)
    k = np.arange(p.size, dtype=float)
    if not p[1:].sum() > 0:
        raise ValueError("isi must have a positive mean: all its weight is on the ISI of length 0")
    cdf, cdf_biased, mean = renewal_cdfs(p)
    cdf[-1] = cdf_biased[-1] = 1.0
    T = t_window / dt  # steps
    if T / mean > MAX_ISIS:
        raise ValueError(f"t_window = {t_window!r} ms holds more than MAX_ISIS = {MAX_ISIS:g} mean ISIs "
                         f"({mean * dt:g} ms): there the measured CV is the CV of isi itself")
    n_isi = int(math.ceil(T / mean + 6.0 * math.sqrt(T / mean) + 10.0))  # ISIs per train, extended if short
    rng = np.random.default_rng(seed)
    cvs, counted = [], 0
    per_chunk = max(1, _CHUNK // n_isi)
    for start in range(0, n_trains, per_chunk):
        b = min(per_chunk, n_trains - start)
        first = rng.random(b) * k[_draw(cdf_biased, rng, b)]  # the first spike: forward recurrence time
        intervals = k[_draw(cdf, rng, (b, n_isi))]
        while np.any(first + intervals.sum(axis=1) < T):
            intervals = np.hstack([intervals, k[_draw(cdf, rng, (b, n_isi))]])
        times = first[:, None] + np.cumsum(intervals, axis=1)  # spikes 1, 2, ... (spike 0 at first)
        inside = times < T  # interval j (spike j to spike j + 1) lies inside the window
        n = inside.sum(axis=1)
        ok = n >= min_isis
        counted += int(ok.sum())
        s1 = np.where(inside, intervals, 0.0).sum(axis=1)[ok]
        s2 = np.where(inside, intervals**2, 0.0).sum(axis=1)[ok]
        m1 = s1 / n[ok]
        cvs.append(np.sqrt(np.maximum(s2 / n[ok] - m1**2, 0.0)) / m1)
    cvs = np.concatenate(cvs)
    if cvs.size < 2:
        raise ValueError(f"t_window = {t_window!r} ms is too short: fewer than two of {n_trains} trains have "
                         f"min_isis = {min_isis} ISIs in it (mean ISI {mean * dt:g} ms)")
    return WindowedCV(float(cvs.mean()), float(cvs.std(ddof=1) / math.sqrt(cvs.size)), counted / n_trains)
