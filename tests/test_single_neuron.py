"""mfkit.single_neuron: direct simulation of white-noise LIF neurons against the theory, and bad input.

The simulation is an independent check of mfkit.siegert (stationary rate) and mfkit.linear_response
(modulated rate); every comparison is made within the simulation's own error bars (standard errors from
independent groups of neurons) plus a small allowance for the bias of the finite modulation amplitude.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import mfkit
from mfkit.single_neuron import fit_response, simulate_lif_rate

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
