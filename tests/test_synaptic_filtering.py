"""Synaptic filtering (tau_syn > 0): the Fourcaud & Brunel (2002) shifted Siegert formula, its
tau_syn -> 0 limit, tau_syn carried through the network mean-field model, and the spiking twin
with exponentially decaying synaptic currents (NEST's iaf_psc_exp) against closed forms, against
the delta engine, against NEST and against the mean-field prediction."""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import mfkit
from mfkit import BrunelNetwork, fixed_points, pseudo_time, reference
from mfkit.spiking import simulate_brunel
from mfkit.spiking.engine import psc_exp_propagators
from mfkit.spiking import C_M, psc_amplitude

from _helpers import assert_single_neuron_protocols_match_nest, lone_neuron, needs_nest, net_like

ALPHA = math.sqrt(2.0) * abs(float(mp.zeta(0.5)))  # sqrt(2) |zeta(1/2)|, independent of mfkit


def psp(t, J, tau_m, tau_s):
    """Closed-form PSP (mpmath, 40 digits) of a current jump of charge C_m J at t = 0:
    J tau_m / (tau_m - tau_s) (e^{-t/tau_m} - e^{-t/tau_s}), or J (t/tau_m) e^{-t/tau_m}
    for tau_s = tau_m."""
    with mp.workdps(40):
        J, tau_m, tau_s = mp.mpf(J), mp.mpf(tau_m), mp.mpf(tau_s)
        out = []
        for x in t:
            x = mp.mpf(float(x))
            if x <= 0:
                out.append(0.0)
            elif tau_m == tau_s:
                out.append(float(J * x / tau_m * mp.exp(-x / tau_m)))
            else:
                out.append(float(J * tau_m / (tau_m - tau_s) * (mp.exp(-x / tau_m) - mp.exp(-x / tau_s))))
        return np.array(out)


# ------------------------------------------------------------ the shifted Siegert formula
@pytest.mark.parametrize("mu, sigma, tau_syn", [
    (10.0, 5.0, 0.5), (15.0, math.sqrt(1.5), 2.0), (19.0, 3.0, 5.0), (24.0, 7.1, 1.0),
    (30.0, 2.0, 0.1), (5.0, 4.0, 10.0), (-10.0, 6.0, 3.0),
])
def test_shifted_siegert_matches_mpmath_reference(mu, sigma, tau_syn):
    got = mfkit.siegert_with_derivatives(mu, sigma, tau_syn=tau_syn)
    ref = reference.siegert_with_derivatives(mu, sigma, tau_syn=tau_syn)
    assert got.rate == pytest.approx(float(ref.rate), rel=1e-12)
    assert got.d_mu == pytest.approx(float(ref.d_mu), rel=1e-9)
    assert got.d_sigma == pytest.approx(float(ref.d_sigma), rel=1e-9)


def test_shift_equals_raising_threshold_and_reset():
    """y + s = (theta + s sigma - mu) / sigma: the shift is a threshold and reset raised by s sigma,
    s = (alpha/2) sqrt(tau_syn/tau_m) with alpha = sqrt(2) |zeta(1/2)| (here from mpmath)."""
    assert mfkit.FOURCAUD_BRUNEL_ALPHA == pytest.approx(ALPHA, rel=1e-15)
    rng = np.random.default_rng(6)
    mu = rng.uniform(-5.0, 35.0, 200)
    sigma = rng.uniform(1.0, 10.0, 200)
    tau_syn = rng.uniform(0.01, 10.0, 200)
    tau_m = rng.choice([10.0, 20.0], 200)
    s = ALPHA / 2 * np.sqrt(tau_syn / tau_m)
    shifted = mfkit.siegert(mu, sigma, tau_m=tau_m, tau_syn=tau_syn)
    moved = mfkit.siegert(mu, sigma, tau_m=tau_m, theta=20.0 + s * sigma, V_reset=s * sigma)
    # theta + s sigma is rounded once: relative error ~ 2 eps y_th^2 (y_th up to ~30 here)
    np.testing.assert_allclose(shifted, moved, rtol=1e-12)
    assert np.all(shifted < mfkit.siegert(mu, sigma, tau_m=tau_m))


def test_siegert_continuous_as_tau_syn_to_zero():
    """nu(tau_syn) -> nu(0), and (nu(tau_syn) - nu(0)) / sqrt(tau_syn) tends to the first-order
    slope -(alpha/2) sigma / sqrt(tau_m) * (d nu/d theta + d nu/d V_reset) = (alpha/2) sigma
    / sqrt(tau_m) d nu/d mu (a common shift of theta, V_reset by x is mu lowered by x)."""
    for mu, sigma in ((15.0, 3.0), (24.0, 7.1), (21.0, 0.5)):
        nu0 = mfkit.siegert_with_derivatives(mu, sigma)
        slope = -ALPHA / 2 * sigma / math.sqrt(20.0) * nu0.d_mu
        prev = None
        for ts in (1e-4, 1e-6, 1e-8, 1e-10):
            diff = mfkit.siegert(mu, sigma, tau_syn=ts) - nu0.rate
            assert abs(diff) <= 2 * abs(slope) * math.sqrt(ts)
            ratio = diff / math.sqrt(ts)
            if prev is not None:
                assert abs(ratio - slope) <= abs(prev - slope) + 1e-6 * abs(slope)
            prev = ratio
        assert ratio == pytest.approx(slope, rel=1e-4)
        assert mfkit.siegert(mu, sigma, tau_syn=0.0) == nu0.rate


# ------------------------------------------------------------ the network carries tau_syn
def test_network_carries_tau_syn_through_transfer_jacobian_fixed_points_and_pseudo_time():
    ts = 2.0
    net0, net = BrunelNetwork(), BrunelNetwork(tau_syn=ts)
    nu = np.array([20.0, 25.0])
    # mu and sigma do not depend on tau_syn (same charge per PSC)
    np.testing.assert_array_equal(net.mu(nu), net0.mu(nu))
    np.testing.assert_array_equal(net.sigma(nu), net0.sigma(nu))
    np.testing.assert_array_equal(net.transfer(nu), mfkit.siegert(net.mu(nu), net.sigma(nu), tau_syn=ts))
    # the Jacobian is that of the shifted transfer function (central differences)
    h = 1e-4
    fd = np.column_stack([(net.transfer(nu + h * e) - net.transfer(nu - h * e)) / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(net.jacobian(nu) + np.eye(2), fd, rtol=1e-6, atol=1e-9)
    (fp,) = fixed_points(net)
    assert fp.pseudo_time_stable
    np.testing.assert_allclose(net.transfer(fp.rates), fp.rates, rtol=1e-12)
    assert fp.rates[0] < fixed_points(net0)[0].rates[0] - 1.0  # filtering lowers the rate
    run = pseudo_time(net, 100.0)
    np.testing.assert_allclose(run.rates[-1], fp.rates, rtol=1e-9)
    # the small-tau_syn limit of the fixed point
    lim = fixed_points(BrunelNetwork(tau_syn=1e-10))[0].rates
    np.testing.assert_allclose(lim, fixed_points(net0)[0].rates, rtol=1e-4)


# ------------------------------------------------------------ single neuron, exact integration
def test_psc_amplitude_carries_the_delta_charge():
    assert psc_amplitude(0.1, 2.0) == pytest.approx(0.1 * C_M / 2.0, rel=1e-15)
    assert psc_amplitude(0.1, 2.0, C_m=250.0) == pytest.approx(12.5, rel=1e-15)
    # P21 is the exact integral over one step of the current's effect on V
    dt, tau_m, tau_s, C = 0.1, 20.0, 3.0, 250.0
    P11, P21, P22 = psc_exp_propagators(dt, tau_m, tau_s, C)
    with mp.workdps(40):
        exact = mp.quad(lambda u: mp.exp(-(dt - u) / tau_m) * mp.exp(-u / tau_s), [0, dt]) / C
    assert P21 == pytest.approx(float(exact), rel=1e-15)
    assert (P11, P22) == (math.exp(-dt / tau_s), math.exp(-dt / tau_m))


@pytest.mark.parametrize("tau_s", [0.1, 0.5, 2.0, 5.0, 19.99, 20.0, 20.0 + 1e-9, 40.0])
def test_single_psp_exact(tau_s):
    """One input of weight J (mV) at 2 ms: V(t) = J tau_m/(tau_m - tau_s) (e^{-t/tau_m} - e^{-t/tau_s})
    at every grid point to 1e-12 (relative to J), including tau_s = tau_m and near it."""
    J = 5.0
    r = simulate_brunel(lone_neuron(tau_syn=tau_s), t_sim=100.0, t_warmup=0.0,
                        stimulus=([2.0], [0], [J]), record_V=[0])
    expected = psp(r.V_times - 2.0, J, 20.0, tau_s)
    np.testing.assert_allclose(r.V_m[0], expected, rtol=0, atol=1e-12 * J)
    assert r.V_m[0][r.V_times <= 2.0 + 1e-9].max() == 0.0  # the current starts at 2 ms, V one step later


def test_psc_exp_constant_drive_fires_like_delta():
    """A constant drive (I_e, not filtered) gives the same closed-form ISI as with delta synapses."""
    mu = 25.0
    a = simulate_brunel(lone_neuron(), t_sim=500.0, t_warmup=0.0, mu_ext=mu)
    b = simulate_brunel(lone_neuron(tau_syn=2.0), t_sim=500.0, t_warmup=0.0, mu_ext=mu)
    np.testing.assert_array_equal(a.spike_times, b.spike_times)


def test_refractory_clamps_V_but_current_keeps_evolving():
    """NEST's iaf_psc_exp: during t_ref V stays at V_reset, the current decays and collects input;
    when the clamp ends V integrates the remaining current exactly.  (theta = 100 mV so that the
    current left after the clamp stays subthreshold.)"""
    tau_m, tau_s = 20.0, 0.5
    one = lone_neuron(tau_syn=tau_s, theta=100.0)
    # a 3000 mV-charge kick arriving at 1.0 ms fires the neuron at 1.1 ms (refractory through 3.1 ms);
    # a second input of 20 mV-charge arrives at 2.0 ms, while refractory
    r = simulate_brunel(one, t_sim=40.0, t_warmup=0.0, record_V=[0],
                        stimulus=([1.0, 2.0], [0, 0], [3000.0, 20.0]))
    np.testing.assert_allclose(r.spike_times, [1.1])
    t = r.V_times
    clamp = (t >= 1.1 - 1e-9) & (t <= 3.1 + 1e-9)
    assert np.all(r.V_m[0][clamp] == 0.0)
    # from 3.1 ms: V = 0 and I = I1 e^{-2.1/tau_s} + I2 e^{-1.1/tau_s}, then
    # tau_m dV/dt = -V + (tau_m / C_m) I_end e^{-x/tau_s}
    t_end = 3.1
    I1 = psc_amplitude(3000.0, tau_s) * math.exp(-(t_end - 1.0) / tau_s)
    I2 = psc_amplitude(20.0, tau_s) * math.exp(-(t_end - 2.0) / tau_s)
    after = t > t_end + 1e-9
    x = t[after] - t_end

    def shape(I_end):
        return I_end / C_M * tau_s * tau_m / (tau_m - tau_s) * (np.exp(-x / tau_m) - np.exp(-x / tau_s))

    np.testing.assert_allclose(r.V_m[0][after], shape(I1 + I2), rtol=1e-12, atol=1e-12)
    # the input that arrived while refractory is not lost: without it V is lower by its share
    r1 = simulate_brunel(one, t_sim=40.0, t_warmup=0.0, record_V=[0], stimulus=([1.0], [0], [3000.0]))
    np.testing.assert_allclose(r.V_m[0][after] - r1.V_m[0][after], shape(I2), rtol=1e-9, atol=1e-12)
    assert shape(I2).max() > 0.5
    # with delta synapses the same protocol discards the input arriving while refractory
    d = simulate_brunel(lone_neuron(theta=100.0), t_sim=40.0, t_warmup=0.0, record_V=[0],
                        stimulus=([1.0, 2.0], [0, 0], [3000.0, 20.0]))
    np.testing.assert_allclose(d.spike_times, [1.0])
    assert np.all(d.V_m[0] == 0.0)


@pytest.mark.parametrize("tau_s", [0.5, 5.0])
def test_free_membrane_mean_and_variance_campbell(tau_s):
    """Poisson drive only, threshold out of reach: V is Poisson shot noise with the PSP kernel, so
    (Campbell) mean = p_rate J tau_m = mu exactly as for delta synapses, and
    variance = p_rate J^2 tau_m^2 / (2 (tau_m + tau_s)) = (sigma^2/2) tau_m / (tau_m + tau_s)."""
    net = net_like(NE=200, NI=0, CE=0, CI=0, theta=1e6, tau_syn=tau_s)
    r = simulate_brunel(net, t_sim=5000.0, t_warmup=100.0, seed=3, record_V=range(200))
    v = r.V_m[:, ::20]  # samples 2 ms apart
    mu = net.p_rate * 1e-3 * net.J * net.tau_m
    var = net.p_rate * 1e-3 * net.J**2 * net.tau_m / 2 * net.tau_m / (net.tau_m + tau_s)
    assert mu == pytest.approx(40.0) and r.spike_times.size == 0
    # about 200 * 5000 / (2 tau_m) = 2.5e4 independent samples: 5 standard errors
    assert v.mean() == pytest.approx(mu, abs=5 * math.sqrt(var / 2.5e4))
    assert v.var() == pytest.approx(var, rel=5 * math.sqrt(2 / 2.5e4))


# ------------------------------------------------------------ tau_syn -> 0 in the network
def test_tiny_tau_syn_network_matches_delta_engine():
    """tau_syn = 0.01 ms: each PSC is over within one 0.1 ms step (PSP peak e^{-dt/tau_m} J after
    one extra step); rates agree with the delta engine within realisation noise (2%)."""
    net0 = BrunelNetwork(order=250, epsilon=1.0)  # CE = 1000, CI = 250 as in the seed network
    net = BrunelNetwork(order=250, epsilon=1.0, tau_syn=0.01)
    a = simulate_brunel(net0, t_sim=1000.0, t_warmup=200.0, seed=2)
    b = simulate_brunel(net, t_sim=1000.0, t_warmup=200.0, seed=2)
    assert a.rates == pytest.approx(b.rates, rel=0.02)
    assert a.cv_isi == pytest.approx(b.cv_isi, abs=0.03)


def test_bad_tau_syn_raises():
    for bad in (-0.5, float("nan"), float("inf"), "x"):
        with pytest.raises(ValueError, match="tau_syn"):
            simulate_brunel(lone_neuron(tau_syn=bad), t_sim=10.0, t_warmup=0.0)


# ------------------------------------------------------------ spiking vs prediction
@pytest.mark.slow
@pytest.mark.parametrize("g, eta, tau_s", [(5.0, 2.0, 0.5), (5.0, 2.0, 2.0), (8.0, 2.0, 2.0)])
def test_spiking_vs_shifted_prediction(g, eta, tau_s):
    """Same in-degrees as the seed network (CE = 1000, CI = 250) with 5,000 neurons, 1 s.
    The corrected prediction is within 3% of the simulated rate (realisation noise ~1%, delta-case
    bias of this network ~1%, plus the second-order error of the correction), and closer than the
    uncorrected one."""
    net = BrunelNetwork(g=g, eta=eta, order=1000, epsilon=0.25, tau_syn=tau_s)
    (fp,) = fixed_points(net)
    (fp0,) = fixed_points(BrunelNetwork(g=g, eta=eta, order=1000, epsilon=0.25))
    r = simulate_brunel(net, t_sim=1000.0, t_warmup=200.0, seed=1)
    assert r.rates == pytest.approx(fp.rates, rel=0.03)
    assert np.all(np.abs(r.rates - fp.rates) < np.abs(r.rates - fp0.rates))


# ------------------------------------------------------------ NEST backend
@needs_nest
@pytest.mark.parametrize("tau_s", [0.5, 2.0, 20.0])
def test_nest_iaf_psc_exp_single_neuron_identical(tau_s):
    assert_single_neuron_protocols_match_nest(tau_syn=tau_s)


@needs_nest
def test_nest_iaf_psc_exp_agrees_on_small_network():
    """order = 500, tau_syn = 2 ms: different realisations, rates within 3%, CV(ISI) within 0.03."""
    net = BrunelNetwork(order=500, tau_syn=2.0)
    a = simulate_brunel(net, t_sim=500.0, t_warmup=100.0, seed=1)
    b = simulate_brunel(net, t_sim=500.0, t_warmup=100.0, seed=1, backend="nest")
    assert a.n_synapses == b.n_synapses
    assert a.rates == pytest.approx(b.rates, rel=0.03)
    assert a.cv_isi == pytest.approx(b.cv_isi, abs=0.03)
