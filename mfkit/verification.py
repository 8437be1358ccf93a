"""Judging the state of a spiking network against the mean-field theory (Brunel 2000).

A finite network is never perfectly asynchronous: its population rate fluctuates, and near a Hopf
line the fluctuations resonate at the frequency of the least damped eigenvalue of the network.
What separates a stable asynchronous state from a global oscillation is how the fluctuations
scale with the number of neurons ``N`` at fixed in-degrees: the finite-size noise of a stable
state has a standard deviation ``~ N^{-1/2}``, an oscillation keeps its amplitude.

* :func:`synchrony`: standard deviation (Hz) of the population rate in short bins;
* :func:`size_exponent`: the exponent ``a`` of ``synchrony ~ N^{-a}`` from two network sizes
  (1/2: finite-size noise, 0: an oscillation); :data:`ASYNCHRONOUS_EXPONENT` is the threshold
  half-way between them;
* :func:`measured_rate_spectrum` and :func:`spectral_peak`: Welch spectrum of the population rate and
  its highest peak, with its contrast against the median level;
* :func:`measured_spike_train_spectrum`: the spectrum of the single neurons' spike trains in the
  network, averaged over neurons (the intrinsic noise that :func:`mfkit.rate_spectrum` takes as
  ``intrinsic``);
* :func:`measure`: all of these (and the rate and CV) for one :class:`~mfkit.SpikingResult`;
* :func:`hopf_distance`: how far a point of the (g, eta) plane lies from the Hopf crossings of a
  :class:`~mfkit.PhaseDiagram`.

The single-neuron check of the diffusion approximation, neurons of the network with their recurrent
inputs replaced by independent Poisson trains, is :func:`mfkit.single_neuron.simulate_poisson_inputs`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.signal import spectrogram

from .spiking._checks import number_in
from .spiking.result import SpikingResult
from .stability import PhaseDiagram

__all__ = ["ASYNCHRONOUS_EXPONENT", "RateSpectrum", "SpikeTrainSpectrum", "SpectralPeak", "SpikingMeasures",
           "synchrony", "measured_rate_spectrum", "measured_spike_train_spectrum", "band_means", "spectral_peak",
           "size_exponent", "measure", "hopf_distance"]

#: ``synchrony ~ N^{-a}``: asynchronous if ``a`` exceeds this, half-way between an oscillation (0) and
#: finite-size noise (1/2); for a 4x larger network, a ratio of the synchronies above sqrt(2).
ASYNCHRONOUS_EXPONENT = 0.25


def _check_result(result) -> SpikingResult:
    if not isinstance(result, SpikingResult):
        raise TypeError(f"result must be a SpikingResult, got {type(result).__name__}")
    return result


def _positive(name: str, value, unit: str = "") -> float:
    return number_in(name, value, 0.0, lo_open=True, unit=unit)


def synchrony(result: SpikingResult, bin_width: float = 1.0) -> float:
    """Standard deviation (Hz) of the population rate of all neurons in bins of ``bin_width`` ms.

    Parameters
    ----------
    result : SpikingResult
        A run of the spiking network.
    bin_width : float
        Bin width (ms, > 0).

    Returns
    -------
    float
        ``std`` over the bins of the rate (spikes per neuron per second) of E and I together.
    """
    return float(_check_result(result).population_rate(_positive("bin_width", bin_width, "ms")).rate.std())


@dataclass(frozen=True, eq=False)
class RateSpectrum:
    """Power spectral density of the population rate.

    Attributes
    ----------
    f : ndarray
        Frequencies (Hz), from 0 in steps of ``resolution``.
    power : ndarray
        One-sided power spectral density (Hz^2 per Hz) of the population rate (Hz).
    resolution : float
        Frequency spacing (Hz) = 1000 / segment length in ms.
    segment_power : ndarray, shape (m, len(f)), optional
        The periodogram of each of the ``m`` Welch segments (``power`` is their mean), from which the
        statistical error of any average of ``power`` follows (their scatter; segments overlapping
        by half are correlated, see :func:`welch_overlap_correlation`).
    """

    f: NDArray[np.float64]
    power: NDArray[np.float64]
    resolution: float
    segment_power: NDArray[np.float64] | None = None


def welch_overlap_correlation(n: int) -> float:
    """Correlation of the periodograms of two Welch segments of ``n`` points overlapping by half.

    For a Gaussian process with a spectrum smooth on the scale of the resolution and a window ``w``
    (Hann), ``rho = [sum_k w_k w_{k+n/2}]^2 / [sum_k w_k^2]^2`` (Welch 1967): 1/36 for the Hann
    window (whose overlap correlation of the amplitudes is 1/6).  The mean of ``m`` such segments
    has the variance of one segment times ``(1 + 2 rho (m - 1) / m) / m``.
    """
    w = _hann(n)
    h = n // 2
    return float(np.dot(w[:n - h], w[h:]) ** 2 / np.dot(w, w) ** 2)


def _hann(n: int) -> NDArray[np.float64]:
    """The periodic Hann window of ``n`` points (scipy's ``"hann"`` for spectral estimation)."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def _segment_periodograms(x: NDArray[np.float64], bin_width: float, n: int, onesided: bool = True
                          ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Frequencies (Hz) and Hann-windowed periodograms (density, per Hz) of the segments of ``n``
    bins overlapping by half along the last axis of ``x`` (already free of its mean): shape
    ``(..., m, F)``; two-sided (non-negative frequencies) unless ``onesided``."""
    f, _, p = spectrogram(x, fs=1000.0 / bin_width, window="hann", nperseg=n, noverlap=n // 2, detrend=False,
                          scaling="density", mode="psd", return_onesided=onesided, axis=-1)
    if not onesided:  # fftfreq order: keep 0 .. fs/2 (the Nyquist bin appears as -fs/2)
        f, p = np.abs(f[:n // 2 + 1]), p[..., :n // 2 + 1, :]
    return f, np.swapaxes(p, -1, -2)


def _segment_bins(segment: float, bin_width: float, n_bins: int, t_sim: float) -> int:
    n = int(round(_positive("segment", segment, "ms") / bin_width))
    if not 4 <= n <= n_bins:
        raise ValueError(f"segment must span 4 bins to the whole recording ({t_sim} ms), got {segment!r}")
    return n


def _population(result: SpikingResult, population) -> int:
    """The index of ``population`` in ``result`` (a ValueError naming the argument otherwise)."""
    try:
        return result.population_index(population)
    except ValueError:
        raise ValueError(f"population must be one of {result.names} or an index in "
                         f"[0, {len(result.sizes)}), got {population!r}") from None


def measured_rate_spectrum(result: SpikingResult, bin_width: float = 0.5, segment: float = 250.0,
                           population: int | None = None, *, detrend: str = "segment") -> RateSpectrum:
    """Welch estimate of the power spectrum of the population rate of a spiking run.

    The rate in bins of ``bin_width`` ms is cut into segments of ``segment`` ms overlapping by half,
    each freed of its mean (``detrend="segment"``) or the whole rate of the recording's mean
    (``"recording"``), and weighted by a Hann window; their periodograms are averaged.  The
    result is the one-sided density of the rate in Hz (:func:`scipy.signal.welch`,
    ``scaling="density"``), the normalisation of the prediction ``mfkit.rate_spectrum(...).psd``:
    for one population (``population=a``) directly comparable with ``psd[:, a]``; for all neurons
    pooled (default) with the cross-spectra weighted by the population sizes,
    ``sum_ab N_a N_b cross[:, a, b] / N^2``.  Removing each segment's mean, with the Hann window,
    biases the lowest non-zero frequency (``resolution``) low (by 1/6 for a white spectrum);
    removing the recording's mean does not.

    Parameters
    ----------
    result : SpikingResult
    bin_width : float
        Bin width (ms, > 0); the spectrum extends to ``500 / bin_width`` Hz.
    segment : float
        Segment length (ms, at least 4 bins and at most the recording): the resolution is
        ``1000 / segment`` Hz.
    population : int, optional
        None (default): the rate of all neurons; an index (or name) of :attr:`SpikingResult.names`:
        the rate of that population (0 and 1: the excitatory and inhibitory neurons of a Brunel
        network).
    detrend : {"segment", "recording"}
        Which mean is removed: each segment's (default, scipy's ``detrend="constant"``) or the
        recording's.

    Returns
    -------
    RateSpectrum
        With the periodograms of the segments (``segment_power``).
    """
    if detrend not in ("segment", "recording"):
        raise ValueError(f"detrend must be 'segment' or 'recording', got {detrend!r}")
    which = "all" if population is None else _population(_check_result(result), population)
    h = _check_result(result).population_rate(_positive("bin_width", bin_width, "ms"), which)
    n = _segment_bins(segment, bin_width, h.rate.size, result.t_sim)
    if detrend == "segment":
        f, _, p = spectrogram(h.rate, fs=1000.0 / bin_width, window="hann", nperseg=n, noverlap=n // 2,
                              detrend="constant", scaling="density", mode="psd")
        p = p.T
    else:
        f, p = _segment_periodograms(h.rate - h.rate.mean(), bin_width, n)
    return RateSpectrum(f=f, power=p.mean(axis=0), resolution=float(f[1]), segment_power=p)


@dataclass(frozen=True, eq=False)
class SpikeTrainSpectrum:
    """Power spectrum of single neurons' spike trains, averaged over neurons.

    Attributes
    ----------
    f : ndarray
        Frequencies (Hz), from 0 to ``500 / bin_width`` in steps of ``resolution``.
    power : ndarray
        Two-sided power spectral density (Hz) of one neuron's spike train, the mean over the neurons
        (see :func:`measured_spike_train_spectrum`).
    resolution : float
        Frequency spacing (Hz).
    segment_power : ndarray, shape (m, len(f))
        The same for each Welch segment (``power`` is their mean).
    rate : float
        Mean rate (Hz) of the neurons used.
    neurons : ndarray of int
        The neurons used.
    """

    f: NDArray[np.float64]
    power: NDArray[np.float64]
    resolution: float
    segment_power: NDArray[np.float64]
    rate: float
    neurons: NDArray[np.int64]


def measured_spike_train_spectrum(result: SpikingResult, population: int = 0, n_neurons: int = 500,
                                  bin_width: float = 0.5, segment: float = 1000.0) -> SpikeTrainSpectrum:
    """Welch estimate of the spike-train spectrum of single neurons of a spiking run.

    Each neuron's spike train ``x(t) = sum_k delta(t - t_k)`` is binned (``bin_width`` ms, spike
    counts over the bin width in s: Hz) and freed of its mean over the recording; the Hann-windowed
    periodograms of its segments of ``segment`` ms overlapping by half are averaged over the segments
    and over the first ``n_neurons`` neurons of the population.  The normalisation is that of
    :func:`mfkit.spike_train_spectrum` (which it measures in the network, where the neurons' input is
    not white noise and their trains need not be renewal processes): two-sided,
    ``S(f) = int C(tau) e^{-2 pi i f tau} dtau`` in Hz, ``C`` the spike train's auto-covariance with
    its delta peak, so that ``S -> rate`` at high frequency and ``S = rate`` for a Poisson train.
    What is measured is the spectrum of the binned train: ``S`` folded at ``500 / bin_width`` Hz and
    weighted by the bin's ``sinc^2``, ``sum_j S(f + j / bin) sinc^2((f + j / bin) bin)``; this keeps
    the level ``rate`` of a flat spectrum exactly, and differs from ``S`` only where ``S`` changes on
    the scale ``1 / bin_width`` (for ``bin_width = 0.5`` ms, close to 1 kHz).  The averaged
    spectrum is that of one typical neuron, the ``intrinsic`` input of :func:`mfkit.rate_spectrum`
    (which needs ``f`` in Hz at its own frequencies: interpolate, or evaluate there).

    Parameters
    ----------
    result : SpikingResult
    population : int
        The population (index or name of :attr:`SpikingResult.names`; Brunel's: 0 excitatory, 1
        inhibitory); its first ``n_neurons`` neurons are used.
    n_neurons : int
        Number of neurons averaged over (>= 1; at most the population).
    bin_width : float
        Bin width (ms, > 0).
    segment : float
        Segment length (ms, at least 4 bins and at most the recording): the resolution is
        ``1000 / segment`` Hz.

    Returns
    -------
    SpikeTrainSpectrum
    """
    a = _population(_check_result(result), population)
    first, size = int(result.offsets[a]), int(result.sizes[a])
    if isinstance(n_neurons, bool) or not isinstance(n_neurons, (int, np.integer)) or not 1 <= n_neurons <= size:
        raise ValueError(f"n_neurons must be an integer in [1, {size}] (the population), got {n_neurons!r}")
    bin_width = _positive("bin_width", bin_width, "ms")
    n_bins = int(np.floor(result.t_sim / bin_width + 1e-9))
    n = _segment_bins(segment, bin_width, n_bins, result.t_sim)
    neurons = np.arange(first, first + n_neurons)
    t, s = result.spike_times, result.senders
    mine = (s >= first) & (s < first + n_neurons)
    k = np.floor((t[mine] - 0.5 * result.dt - result.t_warmup) / bin_width).astype(np.int64)
    who = s[mine].astype(np.int64) - first
    keep = (k >= 0) & (k < n_bins)
    k, who = k[keep], who[keep]
    total, chunk = 0.0, 100  # neurons per block of the count matrix
    for lo in range(0, n_neurons, chunk):
        hi = min(lo + chunk, n_neurons)
        sel = (who >= lo) & (who < hi)
        counts = np.bincount((who[sel] - lo) * n_bins + k[sel], minlength=(hi - lo) * n_bins)
        x = counts.reshape(hi - lo, n_bins) / (bin_width * 1e-3)
        f, p = _segment_periodograms(x - x.mean(axis=1, keepdims=True), bin_width, n, onesided=False)
        total = total + p.sum(axis=0)
    p = total / n_neurons
    rate = k.size / (n_neurons * n_bins * bin_width * 1e-3)
    return SpikeTrainSpectrum(f=f, power=p.mean(axis=0), resolution=float(f[1]), segment_power=p, rate=float(rate),
                              neurons=neurons)


@dataclass(frozen=True)
class SpectralPeak:
    """The highest peak of a :class:`RateSpectrum` in a frequency band.

    Attributes
    ----------
    frequency : float
        Hz, refined between the bins by a parabola through the logarithm of the power at the
        highest bin and its two neighbours.
    contrast : float
        Power at the highest bin over the median power in the band.
    """

    frequency: float
    contrast: float


def band_means(f: ArrayLike, values: ArrayLike, edges: ArrayLike) -> NDArray[np.float64]:
    """Mean of a spectrum over frequency bands (to compare spectra on a coarse, e.g. logarithmic, scale).

    Band ``j`` holds the frequencies ``edges[j] <= f < edges[j + 1]``; its value is the plain mean of
    ``values`` over them (for a Welch estimate, whose bins are equally spaced, the mean density in the band).

    Parameters
    ----------
    f : array_like, shape (F,)
        Frequencies (Hz) of the last axis of ``values``.
    values : array_like, shape (..., F)
        The spectrum (any unit).
    edges : array_like, shape (B + 1,)
        Increasing band edges (Hz).

    Returns
    -------
    ndarray, shape (..., B)

    Raises
    ------
    ValueError
        If the shapes do not match, the edges do not increase, or a band holds no frequency.
    """
    freq, v, e = np.asarray(f, dtype=float), np.asarray(values, dtype=float), np.asarray(edges, dtype=float)
    if freq.ndim != 1 or v.shape[-1:] != freq.shape:
        raise ValueError(f"values must have the frequencies f on its last axis, got shapes {v.shape} and {freq.shape}")
    if e.ndim != 1 or e.size < 2 or np.any(np.diff(e) <= 0):
        raise ValueError(f"edges must be at least 2 increasing frequencies (Hz), got {e!r}")
    inside = (freq >= e[:-1, None]) & (freq < e[1:, None])  # (B, F)
    counts = inside.sum(axis=1)
    if np.any(counts == 0):
        raise ValueError(f"edges: the band from {e[np.argmin(counts)]:g} Hz holds no frequency of f")
    return (v @ inside.T) / counts


def spectral_peak(spectrum: RateSpectrum, f_min: float = 5.0, f_max: float = 1000.0) -> SpectralPeak:
    """The highest peak of ``spectrum`` with ``f_min <= f <= f_max`` (Hz).

    Parameters
    ----------
    spectrum : RateSpectrum
    f_min, f_max : float
        The band (Hz, ``0 <= f_min < f_max``); it must hold at least 3 frequencies of the spectrum.

    Returns
    -------
    SpectralPeak
    """
    if not isinstance(spectrum, RateSpectrum):
        raise TypeError(f"spectrum must be a RateSpectrum, got {type(spectrum).__name__}")
    if not (math.isfinite(f_min) and math.isfinite(f_max) and 0 <= f_min < f_max):
        raise ValueError(f"f_min and f_max must be finite with 0 <= f_min < f_max, got {f_min!r}, {f_max!r}")
    band = np.flatnonzero((spectrum.f >= f_min) & (spectrum.f <= f_max))
    if band.size < 3:
        raise ValueError(f"the band [f_min, f_max] = [{f_min}, {f_max}] Hz holds fewer than 3 frequencies "
                         f"of the spectrum (resolution {spectrum.resolution} Hz)")
    p = spectrum.power
    k = band[np.argmax(p[band])]
    frequency = float(spectrum.f[k])
    if 0 < k < p.size - 1 and np.all(p[k - 1:k + 2] > 0):
        a, b, c = np.log(p[k - 1:k + 2])
        curvature = a - 2 * b + c
        if curvature < 0:
            frequency += 0.5 * (a - c) / curvature * spectrum.resolution
    median = float(np.median(p[band]))
    return SpectralPeak(frequency=frequency, contrast=float(p[k] / median) if median > 0 else math.inf)


def size_exponent(sync_small: float, sync_large: float, n_small: int, n_large: int) -> float:
    """Exponent ``a`` of ``synchrony ~ N^{-a}`` from two networks with the same in-degrees.

    ``a = ln(sync_small / sync_large) / ln(n_large / n_small)``: 1/2 for finite-size noise around a
    stable asynchronous state, 0 for an oscillation whose amplitude does not depend on ``N``.
    Compare with :data:`ASYNCHRONOUS_EXPONENT`.

    Parameters
    ----------
    sync_small, sync_large : float
        Synchrony (:func:`synchrony`, > 0) of the smaller and of the larger network.
    n_small, n_large : int
        Their numbers of neurons (``0 < n_small < n_large``).
    """
    s1, s2 = _positive("sync_small", sync_small, "Hz"), _positive("sync_large", sync_large, "Hz")
    if not 0 < n_small < n_large:
        raise ValueError(f"n_small and n_large must satisfy 0 < n_small < n_large, got {n_small!r}, {n_large!r}")
    return math.log(s1 / s2) / math.log(n_large / n_small)


@dataclass(frozen=True)
class SpikingMeasures:
    """Summary of one run of the spiking network (see :func:`measure`).

    Attributes
    ----------
    N : int
        Number of neurons.
    rate : float
        Mean rate of the excitatory neurons (Hz).
    cv : float
        Mean CV of the inter-spike intervals of the excitatory neurons.
    synchrony : float
        :func:`synchrony` (Hz).
    peak : SpectralPeak
        Highest peak of :func:`measured_rate_spectrum`.
    resolution : float
        Frequency resolution of the spectrum (Hz).
    """

    N: int
    rate: float
    cv: float
    synchrony: float
    peak: SpectralPeak
    resolution: float


def measure(result: SpikingResult, *, sync_bin: float = 1.0, spectrum_bin: float = 0.5,
            segment: float = 250.0, f_min: float = 5.0, f_max: float = 1000.0) -> SpikingMeasures:
    """Rate, CV, synchrony and spectral peak of one run (arguments as in the functions used)."""
    spectrum = measured_rate_spectrum(result, spectrum_bin, segment)
    return SpikingMeasures(N=result.N, rate=float(result.rates[0]), cv=float(result.cv_isi[0]),
                           synchrony=synchrony(result, sync_bin), peak=spectral_peak(spectrum, f_min, f_max),
                           resolution=spectrum.resolution)


def hopf_distance(diagram: PhaseDiagram, g: float, eta: float) -> float:
    """Relative distance of ``(g, eta)`` to the nearest Hopf crossing located by a phase diagram.

    ``min over crossings of max(|g_c - g| / g, |eta_c - eta| / eta)``: a point at distance above
    0.1 lies farther than 10 % in both g and eta from every crossing found on the diagram's grid
    lines (crossings between grid lines are not seen; a finer grid sees more of each line).

    Parameters
    ----------
    diagram : PhaseDiagram
        From :func:`mfkit.phase_diagram`.
    g, eta : float
        The point (> 0).

    Returns
    -------
    float
        The distance; ``inf`` if the diagram has no crossing.
    """
    if not isinstance(diagram, PhaseDiagram):
        raise TypeError(f"diagram must be a PhaseDiagram, got {type(diagram).__name__}")
    g, eta = _positive("g", g), _positive("eta", eta)
    h = diagram.hopf
    if h.g.size == 0:
        return math.inf
    return float(np.min(np.maximum(np.abs(h.g - g) / g, np.abs(h.eta - eta) / eta)))

