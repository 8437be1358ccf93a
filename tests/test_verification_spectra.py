"""mfkit.verification: the measured spectra of single spike trains and of population rates.

Known answers: Poisson trains have the flat two-sided spectrum ``nu`` (Hz), and their binned rate
a flat one-sided spectrum ``2 nu / N``; neurons without coupling driven by many small Poisson inputs
(nearly white noise) have the renewal spectrum of the white-noise LIF neuron,
:func:`mfkit.spike_train_spectrum`; the periodograms of white-noise segments overlapping by half
are correlated by :func:`welch_overlap_correlation`.  Tolerances from the statistical errors, which
follow from the scatter over the Welch segments.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from scipy.signal import welch

from mfkit import SpikingResult, cv_isi, siegert, simulate_brunel, spike_train_spectrum
from mfkit.verification import (band_means, measured_rate_spectrum, measured_spike_train_spectrum,
                                welch_overlap_correlation)

T_SIM, T_WARM, DT = 10000.0, 100.0, 0.1
Z = 4.0  # accepted deviation in standard errors


def poisson(n: int, rate: float, seed: int = 0) -> SpikingResult:
    """n independent Poisson neurons (all excitatory but one) on the dt grid."""
    rng = np.random.default_rng(seed)
    steps = round(T_SIM / DT)
    counts = rng.poisson(rate * T_SIM * 1e-3, n)
    t = T_WARM + DT * (1 + rng.integers(0, steps, counts.sum()))
    return SpikingResult.from_spikes(t, np.repeat(np.arange(n), counts), sizes=(n - 1, 1), t_sim=T_SIM,
                                     t_warmup=T_WARM, dt=DT, seed=seed, backend="mfkit", n_synapses=0)


def standard_error(segment_power: np.ndarray) -> np.ndarray:
    m = segment_power.shape[0]
    rho = welch_overlap_correlation(2000)
    return segment_power.std(axis=0, ddof=1) / np.sqrt(m) * np.sqrt(1 + 2 * rho * (m - 1) / m)


def test_poisson_trains_are_flat_at_their_rate():
    rate = 20.0
    s = measured_spike_train_spectrum(poisson(400, rate), n_neurons=300)
    assert s.f[1] == s.resolution == 1.0 and s.f[-1] == 1000.0 and s.neurons.tolist() == list(range(300))
    assert s.segment_power.shape == (19, 1001) and np.allclose(s.segment_power.mean(axis=0), s.power)
    assert s.rate == pytest.approx(rate, rel=0.01)
    assert s.power[1:].mean() == pytest.approx(s.rate, rel=0.005)
    bands = s.segment_power[:, 1:].reshape(19, 20, 50).mean(axis=2)  # 20 bands of 50 Hz
    assert np.all(np.abs(bands.mean(axis=0) - s.rate) < Z * standard_error(bands))


def test_nearly_white_noise_neurons_have_the_renewal_spectrum():
    """500 uncoupled neurons driven by Poisson inputs of 0.05 mV (mu = 22 mV, sigma = 3 mV: regular
    firing, CV 0.4, a peak at the rate).  Statistical error per 1 Hz bin ~1 %; the shot noise and the
    0.1 ms grid move the rate by ~1-2 % from the white-noise value, which the comparison allows (5 %)."""
    mu, sigma, J, tau_m, V_reset = 22.0, 3.0, 0.05, 20.0, 10.0
    drive = sigma**2 / J  # mV from the Poisson inputs: J * p_rate * tau_m = sigma^2 / J
    net = SimpleNamespace(NE=500, NI=0, CE=0, CI=0, J=J, g=0.0, p_rate=drive / (J * tau_m * 1e-3), tau_m=tau_m,
                          t_ref=2.0, theta=20.0, V_reset=V_reset, delay=1.5)
    result = simulate_brunel(net, t_sim=5000.0, t_warmup=200.0, seed=3, mu_ext=mu - drive, progress=False)
    s = measured_spike_train_spectrum(result, n_neurons=500)
    theory = spike_train_spectrum(s.f[1:], mu, sigma, V_reset=V_reset)
    err = standard_error(s.segment_power[:, 1:]) / s.power[1:]
    ratio = s.power[1:] / theory
    assert np.all(np.abs(ratio - 1) < Z * err + 0.05), np.max(np.abs(ratio - 1) / (Z * err + 0.05))
    nu = siegert(mu, sigma, V_reset=V_reset)
    assert s.power[1] == pytest.approx(nu * cv_isi(mu, sigma, V_reset=V_reset) ** 2, rel=0.1)  # low f: nu CV^2
    assert np.argmax(s.power) == pytest.approx(s.f[1 + np.argmax(theory)], abs=3)  # the peak (near the rate)
    assert s.power[-100:].mean() == pytest.approx(s.rate, rel=0.02)  # high f: the rate


def test_rate_spectrum_detrend_and_segments():
    r = poisson(2000, 10.0, seed=1)
    default = measured_rate_spectrum(r, segment=1000.0)
    h = r.population_rate(0.5)
    f, p = welch(h.rate, fs=2000.0, window="hann", nperseg=2000, noverlap=1000, detrend="constant")
    assert np.allclose(default.power, p, rtol=1e-12) and np.allclose(default.segment_power.mean(axis=0), p)
    rec = measured_rate_spectrum(r, segment=1000.0, detrend="recording")
    f2, p2 = welch(h.rate - h.rate.mean(), fs=2000.0, window="hann", nperseg=2000, noverlap=1000, detrend=False)
    assert np.allclose(rec.power, p2, rtol=1e-12) and rec.segment_power.shape == (19, 1001)
    level = 2 * r.rate / r.N  # Poisson neurons: one-sided 2 nu / N
    assert rec.power[1:-1].mean() == pytest.approx(level, rel=0.01)
    # the lowest bin: unbiased with the recording's mean removed, 5/6 of the level with each segment's
    seg_low = np.array([measured_rate_spectrum(poisson(500, 10.0, seed=s), segment=250.0).power[1] for s in range(12)])
    rec_low = np.array([measured_rate_spectrum(poisson(500, 10.0, seed=s), segment=250.0, detrend="recording").power[1]
                        for s in range(12)])
    level = 2 * 10.0 / 500
    assert rec_low.mean() == pytest.approx(level, rel=0.1) and seg_low.mean() == pytest.approx(5 / 6 * level, rel=0.1)


def test_welch_overlap_correlation_of_white_noise():
    assert welch_overlap_correlation(2000) == pytest.approx(1 / 36, rel=1e-12)
    x = np.random.default_rng(0).normal(size=(100, 40000))
    f, _, p = __import__("scipy.signal", fromlist=["spectrogram"]).spectrogram(
        x, window="hann", nperseg=2000, noverlap=1000, detrend=False, axis=-1)
    a, b = p[:, 100:900, :-1].ravel(), p[:, 100:900, 1:].ravel()
    assert np.corrcoef(a, b)[0, 1] == pytest.approx(1 / 36, abs=0.005)  # ~3e6 pairs: error ~1e-3


def test_bad_input():
    r = poisson(100, 10.0)
    for kw, name in [({"population": 2}, "population"), ({"population": True}, "population"),
                     ({"n_neurons": 0}, "n_neurons"), ({"n_neurons": 100}, "n_neurons"),
                     ({"n_neurons": 2.0}, "n_neurons"), ({"n_neurons": 10, "bin_width": 0.0}, "bin_width"),
                     ({"n_neurons": 10, "segment": 20000.0}, "segment")]:
        with pytest.raises(ValueError, match=name):
            measured_spike_train_spectrum(r, **kw)
    with pytest.raises(TypeError, match="result"):
        measured_spike_train_spectrum("spikes")
    with pytest.raises(ValueError, match="detrend"):
        measured_rate_spectrum(r, detrend="linear")


def test_band_means_are_plain_means_over_each_band():
    rng = np.random.default_rng(3)
    f = np.arange(1.0, 101.0)
    values = rng.random((2, f.size))
    edges = [0.5, 1.5, 10.5, 50.5, 100.5]
    out = band_means(f, values, edges)
    assert out.shape == (2, 4)
    for j, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        assert np.allclose(out[:, j], values[:, (f > lo) & (f < hi)].mean(axis=1), rtol=1e-14)


@pytest.mark.parametrize("f, values, edges, match", [
    (np.arange(5.0), np.ones(4), [0, 5], "last axis"),
    (np.arange(5.0), np.ones(5), [3, 1], "increasing"),
    (np.arange(5.0), np.ones(5), [0, 0.5, 0.7], "holds no frequency"),
])
def test_band_means_bad_input(f, values, edges, match):
    with pytest.raises(ValueError, match=match):
        band_means(f, values, edges)
