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
from numpy.typing import NDArray
from scipy.signal import welch

from .spiking._checks import number_in
from .spiking.result import SpikingResult
from .stability import PhaseDiagram

__all__ = ["ASYNCHRONOUS_EXPONENT", "RateSpectrum", "SpectralPeak", "SpikingMeasures", "synchrony",
           "measured_rate_spectrum", "spectral_peak", "size_exponent", "measure", "hopf_distance"]

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
    """

    f: NDArray[np.float64]
    power: NDArray[np.float64]
    resolution: float


def measured_rate_spectrum(result: SpikingResult, bin_width: float = 0.5, segment: float = 250.0,
                           population: int | None = None) -> RateSpectrum:
    """Welch estimate of the power spectrum of the population rate of a spiking run.

    The rate in bins of ``bin_width`` ms is cut into segments of ``segment`` ms overlapping by half,
    each detrended by its mean and weighted by a Hann window; their periodograms are averaged.  The
    result is the one-sided density of the rate in Hz (:func:`scipy.signal.welch`,
    ``scaling="density"``), the normalisation of the prediction ``mfkit.rate_spectrum(...).psd``:
    for one population (``population=a``) directly comparable with ``psd[:, a]``; for all neurons
    pooled (default) with the cross-spectra weighted by the population sizes,
    ``sum_ab N_a N_b cross[:, a, b] / N^2``.

    Parameters
    ----------
    result : SpikingResult
    bin_width : float
        Bin width (ms, > 0); the spectrum extends to ``500 / bin_width`` Hz.
    segment : float
        Segment length (ms, at least 4 bins and at most the recording): the resolution is
        ``1000 / segment`` Hz.
    population : int, optional
        None (default): the rate of all neurons; 0 or 1: the rate of the excitatory or inhibitory
        neurons.

    Returns
    -------
    RateSpectrum
    """
    which = {None: "all", 0: "E", 1: "I"}
    if population is not None and (isinstance(population, bool) or population not in (0, 1)):
        raise ValueError(f"population must be None (all neurons), 0 (E) or 1 (I), got {population!r}")
    h = _check_result(result).population_rate(_positive("bin_width", bin_width, "ms"), which[population])
    n = int(round(_positive("segment", segment, "ms") / bin_width))
    if not 4 <= n <= h.rate.size:
        raise ValueError(f"segment must span 4 bins to the whole recording ({result.t_sim} ms), got {segment!r}")
    f, p = welch(h.rate, fs=1000.0 / bin_width, window="hann", nperseg=n, noverlap=n // 2, detrend="constant")
    return RateSpectrum(f=f, power=p, resolution=float(f[1]))


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

