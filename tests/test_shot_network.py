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


def test_not_implemented_for_filtered_or_gridded_networks():
    with pytest.raises(NotImplementedError, match="tau_syn"):
        mfkit.fixed_points(BrunelNetwork(tau_syn=0.5), input_model="shot")
    with pytest.raises(NotImplementedError, match="dt"):
        mfkit.fixed_points(BrunelNetwork(dt=0.1), input_model="shot")


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
