"""mfkit.single_neuron.simulate_lif_jumps and simulate_lif_jumps_rate: LIF neurons with Poisson inputs of any
number of fixed jumps (the neuron of mfkit.shot_noise), stationary and with one input rate modulated.

Bad input, reproducibility and the common random numbers; the shared kernel against the two-type simulator
simulate_lif_shot_noise (whose random stream the shared kernel keeps bit for bit) and against a split input;
the normalisation of the fitted response (delta nu / delta r_k) against mfkit.shot_noise.shot_noise_response.
Statistical comparisons accept a standardised difference of 4 (P < 1e-4 each for a correct simulator).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import mfkit
from mfkit.shot_noise import shot_noise_response
from mfkit.single_neuron import (
    MAX_INPUTS_PER_STEP, LIFRateResult, fit_response, simulate_lif_jumps, simulate_lif_jumps_rate,
    simulate_lif_shot_noise,
)

Z = 4.0
NET = mfkit.BrunelNetwork()                 # the seed network: V_reset 0, g 5, eta 2
NU = 32.03311450386847                      # its fixed point (eq. 27), Hz
JUMPS = [NET.J_ex, NET.J_in]                # 0.1, -0.5 mV
RATES = [NET.CE * (NU + NET.nu_ext_hz), NET.CI * NU]  # 52 033 Hz, 8008 Hz
SHORT = dict(t_sim=20.0, n_neurons=8, seed=1)


def within(a: float, se_a: float, b: float, se_b: float = 0.0) -> bool:
    return abs(a - b) <= Z * math.hypot(se_a, se_b)


@pytest.mark.parametrize("bad, word", [
    (dict(jumps=[]), "jumps"),
    (dict(jumps=[[0.1, -0.5]]), "jumps"),
    (dict(jumps=[0.1, 0.0]), "jumps"),
    (dict(jumps=[0.1, math.nan]), "jumps"),
    (dict(jumps="0.1"), "jumps"),
    (dict(rates=[1000.0]), "rates"),
    (dict(rates=[1000.0, -1.0]), "rates"),
    (dict(rates=[1000.0, math.inf]), "rates"),
    (dict(rates=[1e9, 10.0]), "rates"),     # 1e5 inputs per step of 0.1 ms: refused, reduce dt
    (dict(t_sim=0.0), "t_sim"),
    (dict(t_sim=1e-3), "t_sim"),            # shorter than one step
    (dict(dt=5.0), "dt"),
    (dict(n_neurons=1), "n_neurons"),
    (dict(n_neurons=4.0), "n_neurons"),
    (dict(seed=-1), "seed"),
    (dict(seed=1.5), "seed"),
    (dict(t_warmup=-1.0), "t_warmup"),
    (dict(tau_m=0.0), "tau_m"),
    (dict(t_ref=-1.0), "t_ref"),
    (dict(V_reset=20.0), "theta"),
])
def test_bad_input_names_the_argument(bad, word):
    args = dict(jumps=JUMPS, rates=RATES, **SHORT)
    args.update(bad)
    with pytest.raises(ValueError, match=word):
        simulate_lif_jumps(**args)
    with pytest.raises(ValueError, match=word):
        simulate_lif_jumps_rate(**args)


@pytest.mark.parametrize("bad, word", [
    (dict(modulation=(0, 0.1)), "modulation"),
    (dict(modulation=5.0), "modulation"),
    (dict(modulation=(2, 0.1, 10.0)), "input type k"),
    (dict(modulation=(-1, 0.1, 10.0)), "input type k"),
    (dict(modulation=(0.0, 0.1, 10.0)), "input type k"),
    (dict(modulation=(0, 1.5, 10.0)), "eps"),
    (dict(modulation=(0, math.nan, 10.0)), "eps"),
    (dict(modulation=(0, 0.1, -10.0)), "frequency f"),
    (dict(n_groups=1), "n_groups"),
    (dict(n_neurons=7), "n_neurons"),       # fewer than the 8 groups
    (dict(rates=[0.6 * MAX_INPUTS_PER_STEP * 1e4, 10.0], modulation=(0, 1.0, 10.0)), "rates"),  # too many at the peak
])
def test_bad_modulation_and_groups(bad, word):
    with pytest.raises(ValueError, match=word):
        simulate_lif_jumps_rate(**{**dict(jumps=JUMPS, rates=RATES, **SHORT), **bad})


def test_reproducible_and_seed_dependent():
    a = simulate_lif_jumps(JUMPS, RATES, t_sim=200.0, n_neurons=10, seed=4)
    assert a == simulate_lif_jumps(JUMPS, RATES, t_sim=200.0, n_neurons=10, seed=4)
    assert a != simulate_lif_jumps(JUMPS, RATES, t_sim=200.0, n_neurons=10, seed=5)
    kw = dict(t_sim=100.0, n_neurons=16, seed=4, modulation=(1, 0.2, 50.0))
    r = simulate_lif_jumps_rate(JUMPS, RATES, **kw)
    assert np.array_equal(r.rates_by_group, simulate_lif_jumps_rate(JUMPS, RATES, **kw).rates_by_group)
    other = simulate_lif_jumps_rate(JUMPS, RATES, **{**kw, "seed": 5})
    assert not np.array_equal(r.rates_by_group, other.rates_by_group)


def test_both_functions_run_the_same_neurons():
    """The same seed and sizes: the same spikes, whether the population rate is kept or not, in any groups."""
    kw = dict(t_sim=300.0, n_neurons=12, seed=9, dt=0.05)
    stat = simulate_lif_jumps(JUMPS, RATES, **kw)
    pop = simulate_lif_jumps_rate(JUMPS, RATES, n_groups=3, **kw)
    assert pop.mean_rate == pytest.approx(stat.rate, rel=1e-12)
    assert isinstance(pop, LIFRateResult) and pop.crossing == "grid" and pop.modulation is None
    assert pop.rates_by_group.shape == (3, 6000)
    # eq. 28-29 of the inputs: the fixed point's mu and sigma
    fp = mfkit.stable_fixed_point(NET)
    assert (stat.mu, stat.sigma) == pytest.approx((fp.mu[0], fp.sigma[0]), rel=1e-12)
    assert (pop.mu, pop.sigma) == (stat.mu, stat.sigma)


def test_common_random_numbers():
    """A modulation of depth 0 changes nothing; a small one changes a few steps' counts, not the whole input."""
    kw = dict(t_sim=200.0, n_neurons=16, seed=3)
    ref = simulate_lif_jumps_rate(JUMPS, RATES, **kw)
    zero = simulate_lif_jumps_rate(JUMPS, RATES, modulation=(0, 0.0, 100.0), **kw)
    assert np.array_equal(zero.rates_by_group, ref.rates_by_group)
    assert zero.modulation == (0, 0.0, 100.0)
    small = simulate_lif_jumps_rate(JUMPS, RATES, modulation=(1, 1e-9, 100.0), **kw)
    assert small.modulation == pytest.approx((1, 1e-9 * RATES[1], 100.0))  # the amplitude of the rate, Hz
    assert np.array_equal(small.rates_by_group[:, :50], ref.rates_by_group[:, :50])


def test_the_shared_kernel_keeps_simulate_lif_shot_noise_bit_for_bit():
    """Values of simulate_lif_shot_noise before its kernel became the shared one (numpy's stream, seed 4)."""
    r = simulate_lif_shot_noise(52.0, 32.0, CE=1000, CI=250, J_E=0.1, J_I=-0.5, t_sim=500.0, n_neurons=20, seed=4)
    assert (r.rate, r.rate_err, r.cv, r.cv_err) == (31.3, 0.7437458535930417, 0.3851851615252136,
                                                    0.021333850646898814)
    r = simulate_lif_shot_noise(10.3, 1.34, CE=1000, CI=250, J_E=0.1, J_I=-0.8, t_sim=3000.0, n_neurons=10, seed=7,
                                V_reset=10.0, dt=0.01)
    assert (r.rate, r.rate_err, r.cv, r.cv_err) == (0.6666666666666666, 0.1314684396244359, 0.5365497196125089,
                                                    0.1805691170926728)


def test_two_types_are_the_neuron_of_simulate_lif_shot_noise():
    """Same inputs, other random numbers: the same rate and CV within the errors (the seed network's inputs,
    0.1 ms steps; about 12 000 spikes each)."""
    new = simulate_lif_jumps(JUMPS, RATES, t_sim=10000.0, n_neurons=40, seed=2)
    old = simulate_lif_shot_noise(NU + NET.nu_ext_hz, NU, CE=NET.CE, CI=NET.CI, J_E=NET.J_ex, J_I=NET.J_in,
                                  t_sim=10000.0, n_neurons=40, seed=2)
    assert (new.mu, new.sigma) == pytest.approx((old.mu, old.sigma), rel=1e-12)
    assert within(new.rate, new.rate_err, old.rate, old.rate_err)
    assert within(new.cv, new.cv_err, old.cv, old.cv_err)
    assert new.rate_err < 0.005 * new.rate and new.cv_err < 0.005


def test_any_number_of_types():
    """An input type split in two of half the rate is the same Poisson input: the same statistics."""
    split = simulate_lif_jumps([0.1, 0.1, -0.5], [RATES[0] / 2, RATES[0] / 2, RATES[1]], t_sim=10000.0,
                               n_neurons=40, seed=5, dt=0.05)
    whole = simulate_lif_jumps(JUMPS, RATES, t_sim=10000.0, n_neurons=40, seed=6, dt=0.05)
    assert split.mu == pytest.approx(whole.mu) and split.sigma == pytest.approx(whole.sigma)
    assert within(split.rate, split.rate_err, whole.rate, whole.rate_err)
    assert within(split.cv, split.cv_err, whole.cv, whole.cv_err)
    # one excitatory type alone, 50 Hz of 1 mV jumps: mu = 1 mV below threshold, fires on its fluctuations
    one = simulate_lif_jumps([1.0], [1000.0], t_sim=2000.0, n_neurons=10, seed=1)
    assert one.mu == pytest.approx(20.0) and 0 < one.rate < 100


def test_fitted_response_is_delta_nu_per_delta_r():
    """fit_response of a modulated run is chi_k = delta nu / delta r_k of the master equation (continuous time):
    the seed network's inputs, excitatory rate modulated by 3 % at 30 Hz, 0.1 ms steps (the record's
    difference there is below 1 %: tests/test_shot_noise_record.py), with the common-random-numbers reference."""
    kw = dict(t_sim=1000.0, n_neurons=2000, seed=12, n_groups=16)
    ref = simulate_lif_jumps_rate(JUMPS, RATES, **kw)
    fit = fit_response(simulate_lif_jumps_rate(JUMPS, RATES, modulation=(0, 0.03, 30.0), **kw), ref)
    chi = shot_noise_response(30.0, JUMPS, RATES, rtol=1e-3)[0]
    assert fit.gain_err < 0.03 * fit.gain
    assert abs(fit.gain - abs(chi)) <= Z * fit.gain_err + 0.02 * abs(chi)
    assert abs(fit.phase - math.degrees(np.angle(chi))) <= Z * fit.phase_err + 2.0
