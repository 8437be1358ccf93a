"""mfkit.self_consistent.network_cv: the ISI CV of the network's neurons with self-consistent renewal inputs."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import mfkit
from mfkit.self_consistent import (METHODS, NetworkCV, SelfConsistencyError, _isi_tables, _simulate_population,
                                   network_cv)
from mfkit.single_neuron import simulate_poisson_inputs
from mfkit.spiking._rng import make_states
from mfkit.spiking._sampling import stacked_tables

SMALL = dict(n_neurons=100, t_sim=3000.0)  # ~96 ISIs per neuron at the seed network's 32 Hz


@pytest.fixture(scope="module")
def seed_net():
    net = mfkit.BrunelNetwork()
    return net, mfkit.stable_fixed_point(net)


@pytest.fixture(scope="module")
def sc(seed_net):
    net, fp = seed_net
    return network_cv(net, fp, method="self-consistent", seed=3, **SMALL)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("kwargs, match", [
    (dict(method="renewal"), "method must be one of"),
    (dict(method="self-consistent", n_neurons=1), "n_neurons must be an integer >= 2"),
    (dict(method="self-consistent", n_neurons=2.0), "n_neurons"),
    (dict(method="self-consistent", dt=math.nan), "dt must be finite"),
    (dict(method="self-consistent", dt=0.0), r"dt must be finite and in \(0, 2\] ms"),
    (dict(method="self-consistent", dt=-0.1), "dt must be"),
    (dict(method="self-consistent", dt=2.5), r"at most tau_m/10"),
    (dict(method="self-consistent", t_sim=0.0), "t_sim must be"),
    (dict(method="self-consistent", t_sim=math.inf), "t_sim must be"),
    (dict(method="self-consistent", t_sim=0.01), "t_sim must be at least one step"),
    (dict(method="self-consistent", max_iter=1), "max_iter must be an integer >= 2"),
    (dict(method="self-consistent", tol=0.0), "tol must be"),
    (dict(method="self-consistent", seed=-1), "seed must be an integer in"),
    (dict(method="self-consistent", seed=1.5), "seed"),
    (dict(method="self-consistent", input_rates="output"), "input_rates must be one of"),
])
def test_bad_arguments_name_themselves(seed_net, kwargs, match):
    net, fp = seed_net
    with pytest.raises(ValueError, match=match):
        network_cv(net, fp, **kwargs)


@pytest.mark.parametrize("method", METHODS)
def test_synaptic_filtering_is_refused(method):
    with pytest.raises(ValueError, match=r"tau_syn = 0 ms .*not supported"):
        network_cv(mfkit.BrunelNetwork(tau_syn=0.5), method=method)


def test_not_a_network_is_a_type_error():
    with pytest.raises(TypeError, match="MeanFieldNetwork or BrunelNetwork"):
        network_cv({"g": 5.0}, [10.0, 10.0])


@pytest.mark.parametrize("method", METHODS)
def test_silent_fixed_point_is_refused(method):
    net = mfkit.MeanFieldNetwork(K=[[100.0]], J=[[0.1]])  # no drive: rate 0 is a fixed point
    with pytest.raises(ValueError, match="rates > 0 Hz"):
        network_cv(net, [0.0], method=method)


def test_not_a_fixed_point_is_refused(seed_net):
    with pytest.raises(ValueError, match="not a fixed point"):
        network_cv(seed_net[0], [20.0, 20.0], method="self-consistent")


def test_no_convergence_raises_with_the_history(seed_net):
    net, fp = seed_net
    with pytest.raises(SelfConsistencyError, match="did not converge in max_iter = 2") as info:
        network_cv(net, fp, method="self-consistent", n_neurons=10, t_sim=500.0, max_iter=2, tol=1e-9)
    assert isinstance(info.value, RuntimeError)
    assert len(info.value.history) == 3


# ------------------------------------------------------------------ diffusion

def test_diffusion_is_cv_isi_at_the_fixed_point():
    net = mfkit.BrunelNetwork(g=6.0, V_reset=10.0)
    fp = mfkit.stable_fixed_point(net)
    r = network_cv(net, method="diffusion")
    stats = net.model.input_statistics(fp.rates)
    expected = mfkit.cv_isi(stats.mu, stats.sigma, net.tau_m, net.t_ref, net.theta, net.V_reset)
    np.testing.assert_array_equal(r.cv, expected)
    np.testing.assert_array_equal(r.rate, fp.rates)
    assert not r.cv_err.any() and r.isi is None and r.iterations == 0 and r.names == ("E", "I")
    f = np.array([0.0, 3.0, 100.0])
    np.testing.assert_allclose(r.spike_train_spectrum(f),
                               [mfkit.spike_train_spectrum(f, stats.mu[a], stats.sigma[a], net.tau_m, net.t_ref,
                                                           net.theta, net.V_reset) for a in range(2)],
                               rtol=1e-14)


# ------------------------------------------------------------------ the simulation

def test_renewal_trains_are_stationary_from_the_first_step():
    """One train per neuron, no warm-up, a neuron that fires in every step with an input spike: the spikes
    counted in the first 5 ms and in 60 ms are those of a stationary train (rate 1/(scale * mean ISI))."""
    hist = np.zeros(400)
    hist[250:351] = 1.0  # ISI uniform on 25-35 ms: a train started with a spike would be far off
    table, eq, mean = _isi_tables(hist)
    (c, g), (ec, eg) = stacked_tables([table]), stacked_tables([eq])
    no_poisson = (np.full((1, 1), 2**53, dtype=np.uint64), np.zeros((1, 1), dtype=np.uint64), np.zeros(0))
    n = 20000
    for scale, n_rec in ((1.0, 50), (0.9, 50), (0.9, 600)):
        counts, *_ = _simulate_population(n, 0, n_rec, 0.0, 0.5, 0.0, 0, *no_poisson, np.array([1]), np.array([1.0]),
                                          np.array([scale]), c, g, ec, eg, make_states(4, 1)[0])
        assert abs(counts.mean() - n_rec / (scale * mean)) < 4 * counts.std() / math.sqrt(n)


def test_same_seed_same_result_other_seed_other_result(seed_net, sc):
    net, fp = seed_net
    again = network_cv(net, fp, method="self-consistent", seed=3, **SMALL)
    assert again.iterations == sc.iterations
    for a, b in zip(again.history + again.rate_history, sc.history + sc.rate_history):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(again.isi, sc.isi):
        np.testing.assert_array_equal(a, b)
    other = network_cv(net, fp, method="self-consistent", seed=4, **SMALL)
    assert not np.array_equal(other.history[0], sc.history[0])


def test_iteration_0_is_the_poisson_input_neuron(seed_net, sc):
    net, fp = seed_net
    ref = simulate_poisson_inputs(net, fp, n_neurons=100, n_intervals=100, seed=11)
    for a in range(2):
        assert abs(sc.history[0][a] - ref.cv) < 4 * math.hypot(sc.history_err[0][a], ref.cv_err)
        assert abs(sc.rate_history[0][a] - ref.rate) < 4 * math.hypot(sc.rate_err_history[0][a], ref.rate_err)


def test_self_consistent_cv_is_far_below_the_poisson_input_cv(sc):
    """The seed network: Poisson inputs give CV 0.41, the spiking network (and NEST) 0.17."""
    assert isinstance(sc, NetworkCV) and sc.method == "self-consistent"
    assert np.all((sc.history[0] > 0.39) & (sc.history[0] < 0.44))
    assert np.all((sc.cv > 0.155) & (sc.cv < 0.195)), sc.history
    assert np.all(sc.cv_err < 0.003)
    assert np.all(np.abs(sc.rate - 32.03) < 1.0)  # the output rate stays near the fixed point's
    assert 2 <= sc.iterations <= 12 and len(sc.history) == sc.iterations + 1
    last = [abs(sc.history[n] - sc.history[n - 1]) for n in (sc.iterations, sc.iterations - 1)]
    assert np.all(np.array(last) < 0.005 + 4 * sc.cv_err)


def test_fixed_point_input_rates_stay(sc, seed_net):
    assert sc.input_rates == "fixed point"
    assert all(np.array_equal(r, seed_net[1].rates) for r in sc.input_rate_history)


def test_self_consistent_input_rates_meet_the_output_rates():
    """Low drive (V_reset 10 mV, g 8, eta 2): with the fixed point's input rates the neurons fire ~17 % below
    them (10.8 Hz at 13.0 Hz input); with input_rates="self-consistent" input and output agree."""
    net = mfkit.BrunelNetwork(g=8.0, eta=2.0, V_reset=10.0)
    fp = mfkit.stable_fixed_point(net)
    kw = dict(method="self-consistent", seed=2, n_neurons=60, t_sim=3000.0, max_iter=12)
    fixed = network_cv(net, fp, **kw)
    assert np.all(fixed.rate < 0.9 * fp.rates)
    cons = network_cv(net, fp, input_rates="self-consistent", **kw)
    assert cons.input_rates == "self-consistent" and len(cons.input_rate_history) == cons.iterations + 1
    final_in = cons.input_rate_history[-1]
    assert np.all(np.abs(cons.rate - final_in) <= np.maximum(0.005 * final_in, 2 * cons.rate_err))
    assert np.all(np.abs(cons.rate / fp.rates - 1) < 0.1)   # Newton's step: the rates settle near 12.5 Hz


# ------------------------------------------------------------------ the spike-train spectrum

def test_spectrum_limits_are_rate_and_rate_cv2(sc):
    f = np.array([0.0, 1e-3, 1.0, 1000.0, 2000.0, 4000.0])
    S = sc.spike_train_spectrum(f)
    assert S.shape == (2, f.size)
    for a, p in enumerate(sc.isi):
        assert p.sum() == pytest.approx(1.0)
        t = np.arange(p.size) * sc.dt * 1e-3
        nu, cv2 = 1.0 / (p @ t), (p @ t**2) / (p @ t) ** 2 - 1.0
        assert S[a, 0] == pytest.approx(nu * cv2, rel=1e-12)
        assert S[a, 1] == pytest.approx(nu * cv2, rel=1e-4)  # no cancellation at low f
        np.testing.assert_allclose(S[a, 3:], nu, rtol=0.03)  # F of the sampled histogram ~ 1/sqrt(#ISIs)
        assert nu == pytest.approx(sc.rate[a], rel=0.02)
        assert S[a, 0] == pytest.approx(sc.rate[a] * sc.cv[a] ** 2, rel=0.15)


def test_spectrum_of_a_bernoulli_train_is_flat(sc):
    """Geometric ISIs on the grid (a spike in each step with probability q): S = nu (1 - q) at every f."""
    q = 0.01
    k = np.arange(3000)
    p = np.where(k >= 1, q * (1 - q) ** (k - 1.0), 0.0)
    p /= p.sum()
    r = dataclasses.replace(sc, isi=(p, p))
    nu = 1.0 / ((p @ k) * sc.dt * 1e-3)
    f = np.linspace(0.0, 4999.0, 101)
    np.testing.assert_allclose(r.spike_train_spectrum(f), nu * (1 - q), rtol=1e-9)


@pytest.mark.parametrize("f", [[-1.0], [math.nan], [5000.0]])
def test_spectrum_refuses_f_beyond_the_grid(sc, f):
    with pytest.raises(ValueError, match=r"f must be finite and in \[0, 5000\) Hz"):
        sc.spike_train_spectrum(f)


def test_newton_rates_use_the_continuous_time_jacobian_also_for_a_network_on_a_grid():
    """As documented: the Newton step of input_rates="self-consistent" takes the shot-noise neurons' Jacobian in
    continuous time, whatever the network's dt (on the grid the neurons would be solved there, seconds each)."""
    from mfkit.network import as_model
    from mfkit.self_consistent import _newton_rates
    rates_in, rates_out = np.array([32.0, 32.0]), np.array([31.5, 31.5])
    grid = _newton_rates(as_model(mfkit.BrunelNetwork(dt=0.1)), rates_in, rates_out)
    assert np.array_equal(grid, _newton_rates(as_model(mfkit.BrunelNetwork()), rates_in, rates_out))
    assert np.all((rates_out < grid) & (grid < rates_in))  # short of the output: inhibition-dominated, d out / d in < 0
