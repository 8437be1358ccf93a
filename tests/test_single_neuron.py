"""mfkit.single_neuron: direct simulation of white-noise and shot-noise LIF neurons against the theory, and bad input.

The simulation is an independent check of mfkit.siegert (stationary rate) and mfkit.linear_response
(modulated rate); every comparison is made within the simulation's own error bars (standard errors from
independent groups of neurons) plus a small allowance for the bias of the finite modulation amplitude.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import mfkit
from mfkit import BrunelNetwork, fixed_points
from mfkit.single_neuron import fit_response, simulate_lif_rate, simulate_lif_shot_noise, simulate_poisson_inputs

SEED_MU, SEED_SIGMA = 23.98, 7.10  # the seed network's fixed point (mV)


@pytest.mark.parametrize("mu, sigma, kw", [
    (SEED_MU, SEED_SIGMA, {}),
    (15.0, 5.0, {}),                        # sub-threshold, noise-driven
    (19.2, 4.4, dict(V_reset=10.0)),        # Brunel's V_reset = 10 mV
])
def test_stationary_rate_matches_siegert(mu, sigma, kw):
    res = simulate_lif_rate(mu, sigma, t_sim=500.0, dt=0.1, n_neurons=2000, seed=11, **kw)
    nu = mfkit.siegert(mu, sigma, **kw)
    assert res.rates_by_group.shape == (8, 5000)
    assert abs(res.mean_rate - nu) < 4 * res.mean_rate_error + 1e-3 * nu


def test_reproducible_and_seed_dependent():
    a = simulate_lif_rate(SEED_MU, SEED_SIGMA, t_sim=50.0, n_neurons=100, seed=5, dt=0.1)
    b = simulate_lif_rate(SEED_MU, SEED_SIGMA, t_sim=50.0, n_neurons=100, seed=5, dt=0.1)
    c = simulate_lif_rate(SEED_MU, SEED_SIGMA, t_sim=50.0, n_neurons=100, seed=6, dt=0.1)
    assert np.array_equal(a.rates_by_group, b.rates_by_group)
    assert not np.array_equal(a.rates_by_group, c.rates_by_group)


@pytest.mark.parametrize("channel, eps, f", [("mu", 2.0, 10.0), ("mu", 2.0, 130.0), ("sigma", 1.0, 300.0)])
def test_modulated_response_matches_linear_response(channel, eps, f):
    kw = dict(t_sim=500.0, dt=0.1, n_neurons=3000, seed=21, n_groups=10)
    ref = simulate_lif_rate(SEED_MU, SEED_SIGMA, **kw)
    res = simulate_lif_rate(SEED_MU, SEED_SIGMA, modulation=(channel, eps, f), **kw)
    fit = fit_response(res, ref)
    chi = mfkit.linear_response(f, SEED_MU, SEED_SIGMA, modulation=channel)
    assert abs(fit.gain - abs(chi)) < 4 * fit.gain_err + 0.03 * abs(chi)
    assert abs(fit.phase - math.degrees(np.angle(chi))) < 4 * fit.phase_err + 2.0
    # without the common-random-numbers reference the estimate agrees too, with larger errors
    plain = fit_response(res)
    assert plain.gain_err > fit.gain_err
    assert abs(plain.gain - abs(chi)) < 4 * plain.gain_err + 0.03 * abs(chi)


@pytest.mark.parametrize("kwargs, word", [
    (dict(sigma=0.0), "sigma"),
    (dict(sigma=-1.0), "sigma"),
    (dict(mu=float("nan")), "mu"),
    (dict(t_sim=0.0), "t_sim"),
    (dict(t_sim=1e12), "t_sim"),  # 1e13 steps: refused, not a run of days
    (dict(dt=5.0), "dt"),
    (dict(dt=-0.1), "dt"),
    (dict(n_neurons=3), "n_neurons"),
    (dict(n_neurons=10.5), "n_neurons"),
    (dict(n_groups=1), "n_groups"),
    (dict(tau_m=0.0), "tau_m"),
    (dict(t_ref=-1.0), "t_ref"),
    (dict(theta=0.0, V_reset=0.0), "V_reset"),
    (dict(seed=-1), "seed"),
    (dict(modulation=("nu", 1.0, 10.0)), "channel"),
    (dict(modulation=("mu", 1.0)), "modulation"),
    (dict(modulation=("mu", 1.0, -5.0)), "frequency"),
    (dict(modulation=("sigma", 10.0, 5.0)), "sigma"),
])
def test_bad_input(kwargs, word):
    args = dict(mu=SEED_MU, sigma=SEED_SIGMA, t_sim=10.0, n_neurons=8, seed=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        simulate_lif_rate(**args)


def test_fit_response_bad_input():
    plain = simulate_lif_rate(SEED_MU, SEED_SIGMA, t_sim=20.0, n_neurons=8, seed=0)
    with pytest.raises(ValueError, match="modulat"):
        fit_response(plain)
    short = simulate_lif_rate(SEED_MU, SEED_SIGMA, t_sim=20.0, n_neurons=8, seed=0, modulation=("mu", 1.0, 5.0))
    with pytest.raises(ValueError, match="period"):
        fit_response(short)
    mod = simulate_lif_rate(SEED_MU, SEED_SIGMA, t_sim=20.0, n_neurons=8, seed=0, modulation=("mu", 1.0, 100.0))
    other = simulate_lif_rate(SEED_MU, SEED_SIGMA, t_sim=20.0, n_neurons=8, seed=1)
    with pytest.raises(ValueError, match="same seed"):
        fit_response(mod, other)
    with pytest.raises(ValueError, match="unmodulated"):
        fit_response(mod, mod)


def _input_rates(mu, sigma, J_E, J_I, CE=1000, CI=250, tau_m=20.0):
    """Rates (Hz) of CE and CI Poisson inputs giving mean mu and noise sigma (eq. 28-29)."""
    A = tau_m * 1e-3 * np.array([[CE * J_E, CI * J_I], [CE * J_E**2, CI * J_I**2]])
    return np.linalg.solve(A, [mu, sigma**2])


def test_shot_noise_tends_to_the_diffusion_limit():
    """Small jumps (0.02 mV) and a fine step: rate and CV agree with siegert and cv_isi within the error
    bars plus 2 % (rate: the threshold is checked once per step) and 0.01 (CV)."""
    rE, rI = _input_rates(SEED_MU, SEED_SIGMA, 0.02, -0.1)
    res = simulate_lif_shot_noise(rE, rI, CE=1000, CI=250, J_E=0.02, J_I=-0.1, t_sim=2000.0, n_neurons=100, seed=3,
                                  dt=0.01)
    assert res.mu == pytest.approx(SEED_MU) and res.sigma == pytest.approx(SEED_SIGMA)
    nu, cv = mfkit.siegert(SEED_MU, SEED_SIGMA), mfkit.cv_isi(SEED_MU, SEED_SIGMA)
    assert abs(res.rate - nu) < 3 * res.rate_err + 0.02 * nu
    assert abs(res.cv - cv) < 3 * res.cv_err + 0.01


@pytest.mark.parametrize("V_reset", [0.0, 10.0])
def test_shot_noise_at_the_brunel_network_inputs(V_reset):
    """The input of a neuron of the Brunel network (J = 0.1 mV, 0.1 ms steps) made Poisson: its CV is
    within 0.02 of the diffusion formula (the spiking network's own CV is far lower)."""
    net = mfkit.BrunelNetwork(V_reset=V_reset)
    (fp,) = mfkit.fixed_points(net)
    nu = fp.rates[0]
    res = simulate_lif_shot_noise(nu + net.nu_ext_hz, nu, CE=net.CE, CI=net.CI, J_E=net.J, J_I=-net.g * net.J,
                                  t_sim=2000.0, n_neurons=100, seed=1, V_reset=V_reset)
    assert res.mu == pytest.approx(fp.mu[0], rel=1e-9) and res.sigma == pytest.approx(fp.sigma[0], rel=1e-9)
    assert abs(res.cv - mfkit.cv_isi(fp.mu[0], fp.sigma[0], V_reset=V_reset)) < 0.02 + 3 * res.cv_err
    assert abs(res.rate / nu - 1) < 0.05


def test_shot_noise_reproducible_and_bad_input():
    sim = simulate_lif_shot_noise
    kw = dict(CE=1000, CI=250, J_E=0.1, J_I=-0.5, t_sim=200.0, n_neurons=10)
    assert sim(50.0, 30.0, seed=4, **kw) == sim(50.0, 30.0, seed=4, **kw)
    assert sim(50.0, 30.0, seed=4, **kw) != sim(50.0, 30.0, seed=5, **kw)
    for bad, match in ((dict(J_I=0.5), "J_I"), (dict(J_E=-0.1), "J_E"), (dict(CE=10.5), "CE"),
                       (dict(n_neurons=1), "n_neurons"), (dict(t_sim=0.0), "t_sim"), (dict(t_sim=1e300), "t_sim"),
                       (dict(dt=5.0), "dt"),
                       (dict(V_reset=25.0), "V_reset"), (dict(seed=-1), "seed")):
        with pytest.raises(ValueError, match=match):
            sim(50.0, 30.0, **{"seed": 4, **kw, **bad})
    with pytest.raises(ValueError, match="rate_E"):
        sim(-1.0, 30.0, seed=4, **kw)


@pytest.mark.parametrize("bad, message", [
    (dict(tau_m=0.0), "tau_m must be finite and > 0 ms, got 0.0"),
    (dict(tau_m="20"), "tau_m must be finite and > 0 ms, got '20'"),
    (dict(t_ref=-1.0), "t_ref must be finite and >= 0 ms, got -1.0"),
    (dict(theta=10.0, V_reset=10.0), "theta must be finite and > V_reset (mV), got theta=10.0, V_reset=10.0"),
    (dict(V_reset=math.nan), "V_reset must be finite and < theta (mV), got nan"),
])
def test_neuron_parameters_have_the_messages_of_the_network(bad, message):
    """Both simulators check the neuron with mfkit.neuron.check_neuron_params, as the network models do."""
    from mfkit.neuron import check_neuron_params

    with pytest.raises(ValueError) as expected:
        check_neuron_params(**{**dict(tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, tau_syn=0.0), **bad})
    assert str(expected.value) == message
    for run in (lambda: simulate_lif_rate(SEED_MU, SEED_SIGMA, t_sim=1.0, n_neurons=8, seed=1, **bad),
                lambda: simulate_lif_shot_noise(50.0, 30.0, CE=10, CI=2, J_E=0.1, J_I=-0.5, t_sim=1.0, n_neurons=2,
                                                seed=1, **bad)):
        with pytest.raises(ValueError) as err:
            run()
        assert str(err.value) == message


@pytest.mark.parametrize("bad, message", [
    (dict(t_sim=0.0), "t_sim must be finite and > 0 ms, got 0.0"),
    (dict(dt=math.inf), "dt must be finite and > 0 ms, got inf"),
    (dict(t_warmup=-1.0), "t_warmup must be finite and >= 0 ms, got -1.0"),
    (dict(seed=2**32), "seed must be an integer in [0, 4294967295], got 4294967296"),
])
def test_run_parameters_in_the_same_style(bad, message):
    for run in (lambda: simulate_lif_rate(SEED_MU, SEED_SIGMA, **{**dict(t_sim=1.0, n_neurons=8, seed=1), **bad}),
                lambda: simulate_lif_shot_noise(50.0, 30.0, CE=10, CI=2, J_E=0.1, J_I=-0.5,
                                                **{**dict(t_sim=1.0, n_neurons=2, seed=1), **bad})):
        with pytest.raises(ValueError) as err:
            run()
        assert str(err.value) == message


AI = BrunelNetwork(g=5.0, eta=2.0, V_reset=10.0)


@pytest.fixture(scope="module")
def ai_fixed_point():
    (fp,) = [fp for fp in fixed_points(AI) if fp.pseudo_time_stable]
    return fp


def test_poisson_inputs_are_the_networks_synapses_at_the_fixed_point_rates(ai_fixed_point):
    fp = ai_fixed_point
    nu = fp.rates[0]
    got = simulate_poisson_inputs(AI, n_intervals=20, n_neurons=20, seed=4)
    want = simulate_lif_shot_noise(nu + AI.nu_ext_hz, nu, CE=1000, CI=250, J_E=0.1, J_I=-0.5, t_sim=20000.0 / nu,
                                   n_neurons=20, seed=4, V_reset=10.0)
    assert got == want
    assert (got.mu, got.sigma) == pytest.approx((fp.mu[0], fp.sigma[0]), rel=1e-12)  # eq. 28-29 at the fixed point
    assert simulate_poisson_inputs(AI, fp, n_intervals=20, n_neurons=20, seed=4) == got


def test_poisson_inputs_follow_the_diffusion_limit_at_strong_drive(ai_fixed_point):
    # mean-driven AI state: many small jumps, so the rate is near eq. 27 (measured 3.5 % below it)
    s = simulate_poisson_inputs(AI, n_intervals=100, n_neurons=50, seed=2)
    assert abs(s.rate / ai_fixed_point.rates[0] - 1) < 0.06 and s.rate_err < 0.01 * s.rate


def test_poisson_inputs_bad_input():
    with pytest.raises(TypeError, match="BrunelNetwork"):
        simulate_poisson_inputs(AI.model, seed=1)
    with pytest.raises(ValueError, match="tau_syn"):
        simulate_poisson_inputs(BrunelNetwork(tau_syn=0.5), seed=1)
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="n_intervals"):
            simulate_poisson_inputs(AI, n_intervals=bad, seed=1)
        with pytest.raises(ValueError, match="dt"):
            simulate_poisson_inputs(AI, dt=bad, seed=1)
    with pytest.raises(ValueError, match="not a fixed point"):
        simulate_poisson_inputs(AI, [30.0, 30.0], seed=1)
    with pytest.raises(ValueError, match="stable fixed points"):  # weak inhibition, weak drive: two stable states
        simulate_poisson_inputs(BrunelNetwork(g=3.0, eta=0.8, V_reset=10.0), seed=1)
    for eta in (0.0, 0.5):  # silent, and nearly silent (~1e-140 Hz): no interval in any feasible time
        with pytest.raises(ValueError, match="more than MAX_STEPS"):
            simulate_poisson_inputs(BrunelNetwork(eta=eta), seed=1)
