"""mfkit.verification: synchrony, spectrum, finite-size scaling and distance to a Hopf line.

Synthetic spike trains with a known answer: independent Poisson neurons (asynchronous: the synchrony
falls like N^(-1/2)) and neurons whose rate is modulated together at 50 Hz (an oscillation: the
synchrony stays and the spectrum peaks at 50 Hz).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from mfkit import SpikingResult
from mfkit.stability import HopfPoints, PhaseDiagram
from mfkit.verification import (ASYNCHRONOUS_EXPONENT, hopf_distance, measure, measured_rate_spectrum,
                                size_exponent, spectral_peak, synchrony)

T_SIM, T_WARM, DT = 2000.0, 100.0, 0.1


def spikes(n, rate, modulation=0.0, f=50.0, seed=0):
    """SpikingResult of n neurons firing as inhomogeneous Poisson processes, rate*(1 + m sin(2 pi f t))."""
    rng = np.random.default_rng(seed)
    t = T_WARM + DT * np.arange(1, int(T_SIM / DT) + 1)
    p = rate * 1e-3 * DT * (1 + modulation * np.sin(2e-3 * np.pi * f * t))
    k = np.repeat(np.arange(t.size), rng.binomial(n, p))  # spikes per step; senders drawn at random
    return SpikingResult.from_spikes(t[k], rng.integers(0, n, k.size), sizes=(n * 4 // 5, n - n * 4 // 5), t_sim=T_SIM, t_warmup=T_WARM,
                                     dt=DT, seed=seed, backend="mfkit", n_synapses=0)


@pytest.fixture(scope="module")
def runs():
    return {(m, n): spikes(n, 20.0, m, seed=n) for m in (0.0, 0.5) for n in (1000, 4000)}


def test_finite_size_scaling_separates_noise_from_oscillation(runs):
    a_async = size_exponent(synchrony(runs[0.0, 1000]), synchrony(runs[0.0, 4000]), 1000, 4000)
    a_osc = size_exponent(synchrony(runs[0.5, 1000], 5.0), synchrony(runs[0.5, 4000], 5.0), 1000, 4000)
    assert a_async == pytest.approx(0.5, abs=0.05) and a_async > ASYNCHRONOUS_EXPONENT
    assert a_osc < 0.1 < ASYNCHRONOUS_EXPONENT
    # Poisson level: std of the rate of n neurons in 1 ms bins = sqrt(rate / (n * 1 ms))
    assert synchrony(runs[0.0, 4000]) == pytest.approx(math.sqrt(20.0 / (4000 * 1e-3)), rel=0.05)


def test_spectrum_and_peak(runs):
    s = measured_rate_spectrum(runs[0.5, 4000], bin_width=0.5, segment=250.0)
    assert s.resolution == pytest.approx(4.0) and s.f[-1] == pytest.approx(1000.0)
    peak = spectral_peak(s)
    assert peak.frequency == pytest.approx(50.0, abs=1.0) and peak.contrast > 100
    flat = spectral_peak(measured_rate_spectrum(runs[0.0, 4000]))
    assert flat.contrast < 10
    m = measure(runs[0.5, 4000])
    assert m.N == 4000 and m.peak == peak and m.resolution == s.resolution
    assert m.rate == pytest.approx(20.0, rel=0.05) and m.cv == pytest.approx(1.0, abs=0.1)


def test_spectrum_of_one_population(runs):
    # independent Poisson neurons: one-sided density 2 nu / N of the rate of N of them, at every f > 0
    r = runs[0.0, 4000]
    for population, n in ((None, r.N), (0, r.NE), (1, r.NI)):
        s = measured_rate_spectrum(r, population=population)
        assert np.mean(s.power[s.f > 20]) == pytest.approx(2 * 20.0 / n, rel=0.05)
    assert np.array_equal(measured_rate_spectrum(r, population=None).power, measured_rate_spectrum(r).power)
    with pytest.raises(ValueError, match="population"):
        measured_rate_spectrum(r, population=2)


def test_hopf_distance():
    hopf = HopfPoints(g=np.array([4.0, 5.0]), eta=np.array([2.0, 3.0]), frequency=np.array([600.0, 180.0]),
                      along=np.array(["g", "eta"]))
    pd = PhaseDiagram(g=np.array([4.0, 5.0]), eta=np.array([2.0, 3.0]), n_unstable=np.zeros((2, 2), dtype=int),
                      rate=np.zeros((2, 2)), hopf=hopf, fold=np.zeros((0, 2)), base=None)
    assert hopf_distance(pd, 5.0, 2.0) == pytest.approx(0.2)   # g: 1/5 from (4, 2)
    assert hopf_distance(pd, 5.0, 2.7) == pytest.approx(0.3 / 2.7)
    empty = HopfPoints(*(np.zeros(0),) * 3, along=np.zeros(0, dtype=str))
    assert hopf_distance(PhaseDiagram(pd.g, pd.eta, pd.n_unstable, pd.rate, empty, pd.fold, None), 5, 2) == math.inf


def test_bad_input(runs):
    r = runs[0.0, 1000]
    with pytest.raises(ValueError, match="bin_width"):
        synchrony(r, 0.0)
    with pytest.raises(TypeError, match="SpikingResult"):
        synchrony("run")
    with pytest.raises(ValueError, match="segment"):
        measured_rate_spectrum(r, segment=5000.0)
    with pytest.raises(ValueError, match="f_min"):
        spectral_peak(measured_rate_spectrum(r), f_min=100.0, f_max=50.0)
    with pytest.raises(ValueError, match="n_small"):
        size_exponent(1.0, 0.5, 400, 100)
    with pytest.raises(ValueError, match="sync_large"):
        size_exponent(1.0, 0.0, 100, 400)
    with pytest.raises(TypeError, match="PhaseDiagram"):
        hopf_distance(None, 5.0, 2.0)

