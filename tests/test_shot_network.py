"""Networks with shot-noise input: fixed points, stability and spectra with input_model="shot"."""
from __future__ import annotations

import numpy as np
import pytest

import mfkit
from mfkit import BrunelNetwork, MeanFieldNetwork
from mfkit.fixed_points import as_fixed_point, make_shot_fixed_point
from mfkit.network import as_model
from mfkit.shot_input import ShotNoiseInputs
from mfkit.shot_noise import shot_noise_rate


@pytest.fixture(scope="module")
def seed_shot():
    return mfkit.stable_fixed_point(BrunelNetwork(), input_model="shot")


def test_seed_fixed_point(seed_shot):
    """nu = Phi_shot(nu) at the seed, below eq. 27's 32.03 Hz, and the same as the single neuron's rate."""
    fp = seed_shot
    assert fp.input_model == "shot" and fp.pseudo_time_stable
    assert fp.relative_residual <= 5e-5
    nu = fp.rates[0]
    assert fp.rates[1] == nu
    net = BrunelNetwork()
    single = shot_noise_rate([net.J_ex, net.J_in], [net.CE * (nu + net.nu_ext_hz), net.CI * nu])
    assert single.rate == pytest.approx(nu, rel=5e-5)
    assert 31.0 < nu < 32.0331145


def test_threshold_drive_rate_is_far_below_eq27():
    """g = 8, eta = 0.9, V_reset = 10 mV: eq. 27 gives 1.34 Hz; shot noise fires less (the twin: 1.06 Hz)."""
    net = BrunelNetwork(g=8.0, eta=0.9, V_reset=10.0)
    d = mfkit.stable_fixed_point(net)
    s = mfkit.stable_fixed_point(net, input_model="shot")
    assert s.rates[0] < 0.85 * d.rates[0]


def test_as_fixed_point_checks_with_the_input_model(seed_shot):
    net = BrunelNetwork()
    assert as_fixed_point(net, seed_shot.rates, input_model="shot").relative_residual <= 5e-5
    with pytest.raises(ValueError, match="input_model='shot'"):
        as_fixed_point(net, [32.0331145, 32.0331145], input_model="shot")   # eq. 27's, not shot noise's
    with pytest.raises(ValueError, match="input_model"):
        mfkit.fixed_points(net, input_model="poisson")


def test_jacobian_is_the_derivative(seed_shot):
    model = as_model(BrunelNetwork())
    r = seed_shot.rates
    _, jac, _ = ShotNoiseInputs(model, r).transfer()
    for b in range(2):
        up, down = r.copy(), r.copy()
        up[b] += 0.01
        down[b] -= 0.01
        fd = (ShotNoiseInputs(model, up).transfer()[0] - ShotNoiseInputs(model, down).transfer()[0]) / 0.02
        assert np.allclose(jac[:, b], fd, rtol=1e-4)


def test_not_implemented_for_filtered_networks_or_grid_stability():
    with pytest.raises(NotImplementedError, match="tau_syn"):
        mfkit.fixed_points(BrunelNetwork(tau_syn=0.5), input_model="shot")
    small = BrunelNetwork(order=100, epsilon=0.2, eta=4.0, dt=0.1)
    with pytest.raises(NotImplementedError, match="dt = 0.1"):
        mfkit.network_stability(small, [121.3, 121.3], input_model="shot")
    with pytest.raises(NotImplementedError, match="input_model='shot'"):
        mfkit.rate_spectrum(small, [100.0], [121.3, 121.3])


@pytest.fixture(scope="module")
def grid_network():
    """A small network (80 + 20 recurrent inputs of the seed's jumps, eta = 4: cheap on the grid), dt = 0.1 ms."""
    net = BrunelNetwork(order=100, epsilon=0.2, eta=4.0, dt=0.1)
    return net, mfkit.stable_fixed_point(net, input_model="shot")


def test_grid_fixed_point_is_that_of_the_grid_neurons(grid_network):
    """On the time grid nu = Phi(nu) with Phi the grid neuron's rate (computed here directly), and the grid moves
    the fixed point (by -0.66 %: measured) by far more than the tolerance."""
    net, fp = grid_network
    nu = fp.rates[0]
    inputs = [net.J_ex, net.J_in], [net.CE * (nu + net.nu_ext_hz), net.CI * nu]
    assert shot_noise_rate(*inputs, dt=0.1, rtol=1e-5).rate == pytest.approx(nu, rel=6e-5)
    continuous = mfkit.stable_fixed_point(BrunelNetwork(order=100, epsilon=0.2, eta=4.0), input_model="shot")
    assert nu < continuous.rates[0] * (1 - 3e-3)


def test_grid_rate_spectrum_is_the_linear_theory_with_the_grid_response(grid_network):
    """psd = 2 sum_b |T_ab|^2 nu / N_b with T = (1 - e^{-lambda D} W)^-1 and W from the grid neuron's response
    (shot_noise_response with dt), written out for the two identical populations; the grid is not the continuum."""
    net, fp = grid_network
    f = np.array([150.0, 400.0])
    spec = mfkit.rate_spectrum(net, f, fp, input_model="shot", intrinsic="poisson", rtol=1e-3)
    nu = fp.rates[0]
    inputs = [net.J_ex, net.J_in], [net.CE * (nu + net.nu_ext_hz), net.CI * nu]
    chi = mfkit.shot_noise_response(f, *inputs, dt=0.1, rtol=1e-3)                 # (F, 2)
    W = np.stack([net.CE * chi[:, 0], net.CI * chi[:, 1]], axis=-1)[:, None, :] * np.ones((1, 2, 1))
    T = np.linalg.inv(np.eye(2) - np.exp(-2j * np.pi * f * 1e-3 * net.delay)[:, None, None] * W)
    psd = 2 * np.sum(np.abs(T) ** 2 * (nu / np.array([net.NE, net.NI])), axis=-1)
    assert np.allclose(spec.psd, psd, rtol=3e-3)
    chi_c = mfkit.shot_noise_response(f, *inputs, rtol=1e-3)
    assert np.all(np.abs(chi / chi_c - 1) > 5e-3)


def test_grid_rate_spectrum_stops_at_the_nyquist_frequency(grid_network):
    net, fp = grid_network
    with pytest.raises(ValueError, match="Nyquist frequency 500/dt = 5000 Hz"):
        mfkit.rate_spectrum(net, [100.0, 5000.0], fp, input_model="shot", intrinsic="poisson")


def test_stability_roots_are_roots(seed_shot):
    """Every continued root is a zero of det(I - e^{-lambda d} W_shot); the white-noise chain's asymptote moves
    left: with shot noise W(inf) = K c (the recurrent share of the excitatory input rate)."""
    net = BrunelNetwork()
    st = mfkit.network_stability(net, seed_shot, input_model="shot")
    assert st.fixed_point.input_model == "shot" and st.stable
    G = mfkit.stability._ShotCharacteristic(as_model(net), seed_shot)
    assert np.all(np.abs(G.determinant(st.eigenvalues)) < 1e-8)
    share = net.CE * seed_shot.rates[0] / (net.CE * (seed_shot.rates[0] + net.nu_ext_hz))
    # c = Phi / r_E on the grids, Phi within 5e-5 of the fixed point's rate: ln(share) to ~1e-4
    assert st.asymptote == pytest.approx(np.log(share) / net.delay, rel=1e-3)


def test_rate_spectrum_with_shot_noise(seed_shot):
    """Without coupling the spectrum is the single neuron's over N; with it the two input models stay within 20 %
    at the seed (measured: shot noise changes the seed's spectrum by at most 13 % between 10 Hz and 1 kHz)."""
    f = np.array([10.0, 100.0, 300.0])
    net = BrunelNetwork()
    s = mfkit.rate_spectrum(net, f, input_model="shot", n_neurons=[4000, 1000])
    d = mfkit.rate_spectrum(net, f, n_neurons=[4000, 1000])
    assert np.all(np.abs(s.psd / d.psd - 1) < 0.2)
    free = MeanFieldNetwork(K=np.zeros((1, 1)), J=np.zeros((1, 1)), K_ext=1000, J_ext=0.1, nu_ext=25.0, N=(100,))
    one = mfkit.rate_spectrum(free, f, input_model="shot")
    single = mfkit.shot_noise_spike_train_spectrum(f, [0.1], [25000.0], rtol=1e-4)
    assert np.allclose(one.psd[:, 0], 2 * single / 100, rtol=1e-6)
