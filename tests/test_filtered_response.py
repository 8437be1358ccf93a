"""Exponentially filtered input: the simulated neuron (``simulate_lif_rate(tau_syn=...)``) and
``linear_response(..., tau_syn > 0)`` (Schuecker, Diesmann & Helias 2015), without the long simulations.

* the exact step of (V, I): its decays and noise covariance against the matrix exponential and a
  quadrature of the impulse responses;
* the simulator in the noise-free limit fires at the deterministic rate of a constant input, and a
  modulated run shares its noise with the unmodulated one (common random numbers);
* the theory: at f = 0 each form gives the slope of its Siegert rate (the shifted one exactly), the low-pass
  ``1/(1 + 2 pi i f tau_syn)`` enters once, ``tau_syn = 0`` is the white-noise response;
* both channels: at f = 0 the slopes in mu and sigma of the same form; the noise channel of the shifted
  bounds is ``chi^sigma - s chi^mu`` at ``mu - s sigma``;
* the network (``network_stability``, ``rate_spectrum``): the characteristic function on the imaginary axis
  is ``det(I - e^{-lambda d} W)`` with ``W`` from :func:`mfkit.linear_response` (one low-pass per row),
  the roots tend to those of white noise as ``tau_syn -> 0``, the neutral chain is gone (asymptote -inf),
  and the search region must lie right of the low-pass's pole ``-1/tau_syn``;
* bad input names the argument.

Where the theory holds against the simulation is the subject of ``tests/test_filtered_response_record.py``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, linalg

from mfkit import (FOURCAUD_BRUNEL_ALPHA, BrunelNetwork, linear_response, network_stability, rate_spectrum,
                   siegert_with_derivatives, stable_fixed_point)
from mfkit.stability import characteristic_function
from mfkit.single_neuron import _filtered_step, simulate_lif_rate


@pytest.mark.parametrize("dt, tau_m, tau_syn, sigma", [(0.01, 20.0, 0.5, 7.0), (0.1, 10.0, 2.0, 3.0)])
def test_exact_step(dt, tau_m, tau_syn, sigma):
    e_m, e_s, c, l11, l21, l22 = _filtered_step(dt, tau_m, tau_syn, sigma)
    A = np.array([[-1 / tau_m, 1 / tau_m], [0.0, -1 / tau_syn]])          # d(V, I)/dt = A (V, I) + ...
    P = linalg.expm(A * dt)
    assert np.allclose(P, [[e_m, c], [0.0, e_s]], rtol=1e-12, atol=1e-15)
    B = np.array([0.0, sigma * math.sqrt(tau_m) / tau_syn])                  # noise enters I
    cov = np.array([[integrate.quad(lambda u: (linalg.expm(A * u) @ B)[i] * (linalg.expm(A * u) @ B)[j], 0, dt,
                                    epsabs=0, epsrel=1e-12)[0] for j in (0, 1)] for i in (0, 1)])
    L = np.array([[l22, l21], [0.0, l11]])  # (V, I) noise = L (z2, z1)
    assert np.allclose(L @ L.T, cov, rtol=1e-9, atol=0)


def test_noise_free_limit_is_the_deterministic_rate():
    mu, tau_m, t_ref, theta = 30.0, 20.0, 2.0, 20.0
    r = simulate_lif_rate(mu, 1e-6, t_sim=10000.0, dt=0.01, n_neurons=2, n_groups=2, tau_syn=0.5, seed=1,
                          t_warmup=200.0)
    period = t_ref + tau_m * math.log(mu / (mu - theta))  # ms
    spikes = r.rate.mean() * 10.0  # per neuron in 10 s
    assert abs(spikes - 10000.0 / period) <= 1.0  # the grid delays each spike by less than a step
    assert r.crossing == "grid" and r.tau_syn == 0.5


def test_common_random_numbers():
    kw = dict(t_sim=200.0, dt=0.01, n_neurons=200, tau_syn=0.5, seed=4)
    a = simulate_lif_rate(20.0, 5.0, **kw)
    b = simulate_lif_rate(20.0, 5.0, modulation=("mu", 1e-9, 50.0), **kw)
    c = simulate_lif_rate(20.0, 5.0, **{**kw, "seed": 5})
    assert np.array_equal(a.rates_by_group, b.rates_by_group) and not np.array_equal(a.rates_by_group, c.rates_by_group)


@pytest.mark.parametrize("kw, message", [
    (dict(tau_syn=0.5, crossing="bridge"), "crossing must be 'grid' with tau_syn > 0"),
    (dict(tau_syn=0.05), "dt must be at most tau_syn/10"),
    (dict(tau_syn=20.0), "tau_syn must be below tau_m"),
    (dict(tau_syn=-0.5), "tau_syn must be"),
])
def test_bad_simulation_input(kw, message):
    with pytest.raises(ValueError, match=message):
        simulate_lif_rate(20.0, 5.0, t_sim=10.0, dt=0.01, n_neurons=16, seed=1, **kw)


@pytest.mark.parametrize("mu, sigma", [(24.6, 6.97), (15.0, 5.0), (17.0, 3.0)])
def test_response_at_zero_frequency_is_the_siegert_slope(mu, sigma):
    for form, tol in (("shift", 1e-12), ("taylor", 1e-8)):
        d = siegert_with_derivatives(mu, sigma, tau_syn=0.5, colored_noise=form)
        for channel, slope in (("mu", d.d_mu), ("sigma", d.d_sigma)):
            chi = linear_response(0.0, mu, sigma, tau_syn=0.5, modulation=channel, colored_noise=form)
            assert chi.imag == 0 and abs(chi.real / slope - 1) < tol, (form, channel)


def test_low_pass_enters_once():
    f, mu, sigma, ts = np.array([1.0, 40.0, 300.0]), 20.0, 5.0, 2.0
    s = FOURCAUD_BRUNEL_ALPHA / 2 * math.sqrt(ts / 20.0)
    chi = linear_response(f, mu, sigma, tau_syn=ts)
    white_shifted = linear_response(f, mu - s * sigma, sigma)
    assert np.allclose(chi * (1 + 2j * np.pi * f * ts * 1e-3), white_shifted, rtol=1e-13)
    assert np.array_equal(linear_response(f, mu, sigma, tau_syn=0.0, colored_noise="taylor"), linear_response(f, mu, sigma))
    taylor = linear_response(f, mu, sigma, tau_syn=ts, colored_noise="taylor")
    assert np.all(np.abs(taylor / chi - 1) < 0.05) and np.all(taylor != chi)  # first order alike, not equal


def test_bad_response_input():
    with pytest.raises(ValueError, match="colored_noise must be"):
        linear_response(10.0, 20.0, 5.0, tau_syn=0.5, colored_noise="nest")
    with pytest.raises(ValueError, match="tau_syn must be finite and >= 0"):
        linear_response(10.0, 20.0, 5.0, tau_syn=np.array([0.5, -1.0]))


def test_noise_channel_of_the_shifted_bounds():
    f, mu, sigma, ts = np.array([0.0, 20.0, 300.0]), 20.0, 5.0, 0.5
    s = FOURCAUD_BRUNEL_ALPHA / 2 * math.sqrt(ts / 20.0)
    chi = linear_response(f, mu, sigma, tau_syn=ts, modulation="sigma")
    m = mu - s * sigma
    expected = linear_response(f, m, sigma, modulation="sigma") - s * linear_response(f, m, sigma)
    assert np.allclose(chi * (1 + 2j * np.pi * f * ts * 1e-3), expected, rtol=1e-13)


@pytest.fixture(scope="module")
def filtered():
    """The seed network with tau_syn = 0.5 ms and its stable fixed point."""
    net = BrunelNetwork(tau_syn=0.5)
    return net, stable_fixed_point(net)


def test_characteristic_function_is_built_from_linear_response(filtered):
    """On the imaginary axis the determinant of the root search is det(I - e^{-lambda d} W) with W of
    linear_response (both channels, the low-pass once): stability and spectra see the same network."""
    net, fp = filtered
    stats = net.model.input_statistics(fp.rates)
    f = np.array([3.0, 40.0, 130.0, 700.0])
    chi = [linear_response(f[:, None], stats.mu, stats.sigma, **net.neuron_params, modulation=m) for m in ("mu", "sigma")]
    W = chi[0][:, :, None] * stats.d_mu + chi[1][:, :, None] * stats.d_sigma
    lam = 2j * np.pi * f * 1e-3
    expected = np.linalg.det(np.eye(2) - np.exp(-lam * net.delay)[:, None, None] * W)
    G = characteristic_function(net, fp)
    # E and I receive the same input: one group, W summed over the sources
    assert np.allclose(G.determinant(lam), 1 - np.exp(-lam * net.delay) * W[:, 0, :].sum(-1), rtol=1e-10)
    assert np.allclose(expected, 1 - np.exp(-lam * net.delay) * W[:, 0, :].sum(-1), rtol=1e-10, atol=1e-12)


def test_roots_tend_to_white_noise_and_the_chain_goes_away(filtered):
    white = network_stability(BrunelNetwork())
    tiny = network_stability(BrunelNetwork(tau_syn=1e-4))
    assert tiny.eigenvalues.size == white.eigenvalues.size
    assert np.allclose(tiny.eigenvalues, white.eigenvalues, rtol=2e-3)
    assert white.asymptote > -np.inf and tiny.asymptote == -np.inf
    st = network_stability(filtered[0], filtered[1])
    assert st.stable and st.asymptote == -np.inf
    assert not np.any(np.abs(st.eigenvalues.imag) / (2 * np.pi) * 1e3 > 500)  # the 714 Hz member is damped away


def test_search_region_right_of_the_low_pass_pole():
    net = BrunelNetwork(tau_syn=4.0)
    with pytest.raises(ValueError, match=r"re_min must be > -1/max\(tau_syn\)"):
        network_stability(net, re_min=-0.26)
    assert network_stability(net).re_min == pytest.approx(-0.225)  # 0.9 times the pole at -0.25 per ms


def test_rate_spectrum_with_filtering(filtered):
    """The spectrum's W is linear_response's; the renewal noise is that of the shifted bounds."""
    net, fp = filtered
    f = np.array([10.0, 130.0, 700.0])
    sp = rate_spectrum(net, f, fp)
    poisson = rate_spectrum(net, f, fp, intrinsic="poisson")
    assert np.all(np.isfinite(sp.psd)) and np.all(sp.psd > 0)
    taylor = rate_spectrum(BrunelNetwork(tau_syn=0.5, colored_noise="taylor"), f, intrinsic="poisson")
    assert np.allclose(taylor.psd, poisson.psd, rtol=0.1) and not np.allclose(taylor.psd, poisson.psd, rtol=1e-6)
