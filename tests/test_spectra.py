"""mfkit.rate_spectrum: spectra of the population rates of a finite network from linear response.

Checked against what holds without the formula's machinery: uncoupled populations carry only their
own finite-size noise (2 S / N, or 2 nu / N for Poisson neurons); the coupled seed network against a
direct evaluation, frequency by frequency, of 2 |(I - e^{-lam D} W)^{-1}|^2 S / N with W built by hand
from linear_response; the seed's resonance where the spiking twin puts it (NEST: 121-125 Hz).
"""
from __future__ import annotations

import cmath
import dataclasses

import numpy as np
import pytest

import mfkit
from mfkit import BrunelNetwork, MeanFieldNetwork, linear_response, rate_spectrum, spike_train_spectrum
from mfkit.spectra import loop_spectra

F = np.array([0.0, 3.0, 40.0, 125.0, 480.0])


def uncoupled(K=((800.0, 200.0), (800.0, 200.0)), J=0.0):
    """Two populations driven only from outside (J = 0: no recurrent coupling), different drives."""
    return MeanFieldNetwork(K=np.array(K), J=J, K_ext=1000.0, J_ext=0.5, nu_ext=[1.9, 2.0], delay=1.5)


@pytest.mark.parametrize("K, J", [(((800.0, 200.0), (800.0, 200.0)), 0.0), (np.zeros((2, 2)), 0.1)])
def test_uncoupled_populations_carry_their_own_noise(K, J):
    net = uncoupled(K, J)
    s = rate_spectrum(net, F, n_neurons=[1000, 250])
    stats = net.input_statistics(s.fixed_point.rates)
    assert np.all(s.fixed_point.rates > 1.0)
    single = spike_train_spectrum(F[:, None], stats.mu, stats.sigma)
    assert s.psd == pytest.approx(2 * single / np.array([1000, 250]), rel=1e-12)
    assert np.all(s.cross[:, 0, 1] == 0) and np.all(s.cross[:, 1, 0] == 0)
    assert s.n_neurons.tolist() == [1000, 250] and s.intrinsic == "renewal"
    poisson = rate_spectrum(net, F, n_neurons=400, intrinsic="poisson")
    assert poisson.psd == pytest.approx(np.broadcast_to(2 * s.fixed_point.rates / 400, (F.size, 2)), rel=1e-12)
    assert np.all(poisson.cross[:, 0, 1] == 0)


def direct(net: BrunelNetwork, f: float, intrinsic: str) -> np.ndarray:
    """One-sided psd of E and I at f: W by hand, the 2x2 inverse written out."""
    model = net.model
    rates = mfkit.stable_fixed_point(net).rates
    st = model.input_statistics(rates)
    kw = dict(tau_m=net.tau_m, t_ref=net.t_ref, theta=net.theta, V_reset=net.V_reset)
    delay = cmath.exp(-2j * cmath.pi * f * 1e-3 * net.delay)
    W = np.empty((2, 2), dtype=complex)
    S = np.empty(2)
    for a in range(2):
        chi_mu = linear_response(f, st.mu[a], st.sigma[a], modulation="mu", **kw)
        chi_sigma = linear_response(f, st.mu[a], st.sigma[a], modulation="sigma", **kw)
        S[a] = spike_train_spectrum(f, st.mu[a], st.sigma[a], **kw) if intrinsic == "renewal" else rates[a]
        for b in range(2):
            W[a, b] = delay * (chi_mu * st.d_mu[a, b] + chi_sigma * st.d_sigma[a, b])
    (a11, a12), (a21, a22) = np.eye(2) - W
    det = a11 * a22 - a12 * a21
    T = np.array([[a22, -a12], [-a21, a11]]) / det
    noise = S / np.array([net.NE, net.NI])
    return np.array([2 * sum(abs(T[a, b]) ** 2 * noise[b] for b in range(2)) for a in range(2)])


@pytest.mark.parametrize("intrinsic", ["renewal", "poisson"])
def test_seed_network_against_direct_evaluation(intrinsic):
    net = BrunelNetwork()
    s = rate_spectrum(net, F, intrinsic=intrinsic)
    assert s.n_neurons.tolist() == [net.NE, net.NI]
    assert s.fixed_point.rates == pytest.approx(32.0331145, rel=1e-8)
    for k, f in enumerate(F):
        assert s.psd[k] == pytest.approx(direct(net, f, intrinsic), rel=1e-10)
    # the recurrent loop matters: not the uncoupled level
    assert not s.psd[3] == pytest.approx(2 * s.fixed_point.rates / s.n_neurons, rel=0.1)


def test_cross_spectra_are_hermitian_with_psd_on_the_diagonal():
    s = rate_spectrum(BrunelNetwork(), np.linspace(0.0, 400.0, 41))
    assert s.cross.shape == (41, 2, 2) and s.psd.shape == (41, 2)
    assert np.array_equal(s.cross, np.conj(np.swapaxes(s.cross, 1, 2)))
    assert np.array_equal(s.psd, np.diagonal(s.cross, axis1=1, axis2=2).real)
    assert np.all(np.diagonal(s.cross, axis1=1, axis2=2).imag == 0)
    assert np.all(s.psd > 0)
    # positive semi-definite: |cross_EI|^2 <= psd_E psd_I
    assert np.all(np.abs(s.cross[:, 0, 1]) ** 2 <= s.psd[:, 0] * s.psd[:, 1] * (1 + 1e-12))


def test_population_sizes_scale_the_spectrum():
    net = BrunelNetwork()
    s = rate_spectrum(net, F)
    bigger = rate_spectrum(net, F, n_neurons=(4 * net.NE, 4 * net.NI))
    assert bigger.psd == pytest.approx(s.psd / 4, rel=1e-12)


@pytest.mark.parametrize("intrinsic", ["renewal", "poisson"])
def test_seed_resonance_where_the_spiking_twin_puts_it(intrinsic):
    # NEST runs of the seed network (1.5 s) peak at 121-125 Hz; the prediction lies at ~128-132 Hz
    f = np.arange(60.0, 300.0, 0.5)
    s = rate_spectrum(BrunelNetwork(), f, intrinsic=intrinsic)
    for a in range(2):
        peak = f[np.argmax(s.psd[:, a])]
        assert 100.0 < peak < 150.0
        assert s.psd[:, a].max() > 5 * s.psd[-1, a]


def test_nan_frequency_gives_nan():
    s = rate_spectrum(BrunelNetwork(), [np.nan, 10.0])
    assert np.all(np.isnan(s.psd[0])) and np.all(np.isnan(s.cross[0]))
    assert np.all(np.isfinite(s.psd[1]))
    assert rate_spectrum(BrunelNetwork(), 10.0).psd.shape == (1, 2)


def test_bad_input():
    net = BrunelNetwork()
    for f in (-1.0, [10.0, np.inf], "ten", [[1.0, 2.0]]):
        with pytest.raises(ValueError, match="f must"):
            rate_spectrum(net, f)
    with pytest.raises(ValueError, match="n_neurons is required"):
        rate_spectrum(dataclasses.replace(net.model, N=None), F)
    for n in (0, [100], [100, 2.5], True, [100, -3]):
        with pytest.raises(ValueError, match="n_neurons"):
            rate_spectrum(net.model, F, n_neurons=n)
    with pytest.raises(ValueError, match="intrinsic"):
        rate_spectrum(net, F, intrinsic="gauss")
    with pytest.raises(NotImplementedError, match="renewal spectrum with synaptic filtering"):
        rate_spectrum(BrunelNetwork(tau_syn=0.5, colored_noise="taylor"), F)
    with pytest.raises(ValueError, match="fixed point"):
        rate_spectrum(net, F, fixed_point=[20.0, 20.0])


def test_given_intrinsic_spectra_enter_like_the_named_ones():
    """An array of single-neuron spectra: the renewal spectrum (built here from spike_train_spectrum) or
    the rates (Poisson) passed explicitly give the named results; the psd is linear in the spectra of
    the populations (T does not depend on them)."""
    net = BrunelNetwork()
    renewal = rate_spectrum(net, F)
    stats = net.model.input_statistics(renewal.fixed_point.rates)
    S = spike_train_spectrum(F[:, None], stats.mu, stats.sigma, V_reset=net.V_reset)
    assert np.array_equal(renewal.intrinsic_spectrum, S)
    given = rate_spectrum(net, F, intrinsic=S.tolist())
    assert given.intrinsic == "given" and np.array_equal(given.intrinsic_spectrum, S)
    assert np.array_equal(given.psd, renewal.psd) and np.array_equal(given.cross, renewal.cross)
    poisson = rate_spectrum(net, F, intrinsic=np.tile(renewal.fixed_point.rates, (F.size, 1)))
    assert np.array_equal(poisson.psd, rate_spectrum(net, F, intrinsic="poisson").psd)
    only_e = rate_spectrum(net, F, intrinsic=S * [1.0, 0.0]).cross
    only_i = rate_spectrum(net, F, intrinsic=S * [0.0, 3.0]).cross
    assert only_e + only_i / 3 == pytest.approx(renewal.cross, rel=1e-12, abs=1e-15)


def test_given_intrinsic_checked():
    net = BrunelNetwork()
    good = np.ones((F.size, 2))
    for bad in (good[:, :1], good[:-1], good.ravel(), -good, good * np.inf, "renewal spectrum", [["a", "b"]] * F.size):
        with pytest.raises(ValueError, match="intrinsic"):
            rate_spectrum(net, F, intrinsic=bad)
    nan_row = good.copy()
    nan_row[2, 1] = np.nan
    s = rate_spectrum(net, F, intrinsic=nan_row)
    assert np.all(np.isnan(s.psd[2])) and np.all(np.isfinite(np.delete(s.psd, 2, axis=0)))


def test_loop_spectra_closed_forms():
    """One population: psd = 2 S / (N |1 - L|^2); no loop: the independent neurons' 2 S / N; shapes checked."""
    L = np.array([0.0, 0.5, -0.8 + 0.3j])[:, None, None]
    psd, cross = loop_spectra(L, np.full((3, 1), 10.0), [100])
    assert np.allclose(psd[:, 0], 2 * 10.0 / 100 / np.abs(1 - L[:, 0, 0]) ** 2, rtol=1e-14)
    assert np.allclose(cross[:, 0, 0].real, psd[:, 0]) and np.all(cross[:, 0, 0].imag == 0)
    with pytest.raises(ValueError, match="shape"):
        loop_spectra(np.zeros((3, 2, 2)), np.ones((3, 1)), [10])
