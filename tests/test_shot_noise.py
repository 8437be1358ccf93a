"""The shot-noise LIF neuron (mfkit.shot_noise): exact cases, limits, derivatives, convergence and bad input.

Its agreement with simulated neurons is checked against a record (tests/test_shot_noise_record.py).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from mfkit import BrunelNetwork, cv_isi, shot_noise, siegert
from mfkit.shot_noise import (
    ShotNoiseConvergenceError, shot_noise_rate, shot_noise_response, shot_noise_spike_train_spectrum,
)

NU_SEED = 32.0331145


def seed_input(nu: float = NU_SEED) -> tuple[list[float], list[float]]:
    """Jumps (mV) and total input rates (Hz) of a neuron of the seed network at rate nu."""
    net = BrunelNetwork()
    return [net.J_ex, net.J_in], [net.CE * (nu + net.nu_ext_hz), net.CI * nu]


def test_one_jump_over_threshold_is_exact():
    """A jump larger than theta - V_reset fires at the next input: ISI = t_ref + Exp(r)."""
    r = 100.0                                                    # Hz: mean wait 10 ms
    s = shot_noise_rate([25.0], [r], t_ref=2.0, theta=20.0, V_reset=0.0)
    assert s.rate == pytest.approx(1000.0 / 12.0, rel=1e-12)
    assert s.cv == pytest.approx(10.0 / 12.0, rel=1e-12)
    assert s.gradient[0] == pytest.approx(1e3 * (1 / 12.0) ** 2 * 10.0 * 1e-3 * 10.0, rel=1e-9)   # d/dr 1/(t+1/r)
    assert s.point_mass == pytest.approx(s.rate / r, rel=1e-12)


@pytest.mark.parametrize("mu, sigma, V_reset", [(15.0, 5.0, 10.0), (22.0, 4.0, 0.0)])
def test_diffusion_limit(mu, sigma, V_reset):
    """Jumps +-eps at rates giving (mu, sigma): the rate tends to eq. 27 and the CV to the white-noise CV,
    with an error that halves with eps (first order in the jump size)."""
    tau = 20.0
    errors = []
    for eps in (0.04, 0.02):
        r_plus = 0.5 * (sigma**2 / (tau * eps**2) + mu / (tau * eps)) * 1e3
        r_minus = 0.5 * (sigma**2 / (tau * eps**2) - mu / (tau * eps)) * 1e3
        s = shot_noise_rate([eps, -eps], [r_plus, r_minus], V_reset=V_reset, rtol=1e-5)
        errors.append((s.rate / float(siegert(mu, sigma, V_reset=V_reset)) - 1,
                       s.cv - float(cv_isi(mu, sigma, V_reset=V_reset))))
    (r1, c1), (r2, c2) = errors
    assert abs(r2) < 0.01 and abs(c2) < 0.005
    assert r1 / r2 == pytest.approx(2.0, rel=0.15)
    assert abs(c2) < abs(c1)


def test_seed_neuron_converges_to_1e6():
    """The refinement reaches 1e-6 and a tighter run agrees within it."""
    jumps, rates = seed_input()
    s = shot_noise_rate(jumps, rates)
    assert s.error <= 1e-6
    tight = shot_noise_rate(jumps, rates, rtol=2e-7)
    assert s.rate == pytest.approx(tight.rate, rel=1e-6)
    assert s.cv == pytest.approx(tight.cv, rel=1e-6)
    # shot noise fires a little less than eq. 27 at the seed (32.03 Hz): the jumps matter by < 1 %
    assert 0.99 * NU_SEED < s.rate < NU_SEED
    assert s.point_mass == pytest.approx(s.rate / sum(rates), rel=1e-12)


def test_gradient_is_the_derivative():
    jumps, rates = seed_input()
    s = shot_noise_rate(jumps, rates)
    for k in range(2):
        up, down = list(rates), list(rates)
        up[k] += 5.0
        down[k] -= 5.0
        fd = (shot_noise_rate(jumps, up).rate - shot_noise_rate(jumps, down).rate) / 10.0
        assert s.gradient[k] == pytest.approx(fd, rel=1e-5)


def test_response_tends_to_the_gradient_and_decays():
    jumps, rates = seed_input()
    s = shot_noise_rate(jumps, rates)
    chi = shot_noise_response([0.0, 0.01, 100.0, 1000.0], jumps, rates, rtol=1e-4)
    assert chi.shape == (4, 2)
    assert np.allclose(chi[0], s.gradient, rtol=2e-4)
    assert np.allclose(chi[1], s.gradient, rtol=1e-4)
    assert np.all(np.abs(chi[3]) < np.abs(chi[2]))
    # excitation speeds the rate up (positive), inhibition slows it down (negative) at low frequency
    assert chi[1, 0].real > 0 > chi[1, 1].real


def test_spike_train_spectrum_limits():
    jumps, rates = seed_input()
    s = shot_noise_rate(jumps, rates)
    S = shot_noise_spike_train_spectrum([0.0, 1e-3, 5e3], jumps, rates, rtol=1e-4)
    assert S[0] == pytest.approx(s.rate * s.cv**2, rel=1e-4)
    assert S[1] == pytest.approx(S[0], rel=1e-3)
    assert S[2] == pytest.approx(s.rate, rel=1e-2)


def test_silent_neuron():
    s = shot_noise_rate([-0.5], [1000.0])
    assert s.rate == 0.0 and math.isnan(s.cv)
    assert np.all(shot_noise_response([10.0], [-0.5], [1000.0]) == 0)


@pytest.mark.parametrize("kw, match", [
    (dict(jumps=[0.1, 0.0], rates=[1.0, 1.0]), "jumps"),
    (dict(jumps=[0.1, np.inf], rates=[1.0, 1.0]), "jumps"),
    (dict(jumps=[0.1], rates=[-1.0]), "rates"),
    (dict(jumps=[0.1], rates=[1.0, 2.0]), "rates"),
    (dict(jumps=[[0.1]], rates=[[1.0]]), "jumps"),
    (dict(jumps=[0.1], rates=[1.0], grid_step=0.03), "grid_step"),
    (dict(jumps=[0.1, math.pi], rates=[1.0, 1.0]), "common grid step"),
    (dict(jumps=[0.1], rates=[1.0], tau_m=0.0), "tau_m"),
    (dict(jumps=[0.1], rates=[1.0], theta=0.0), "theta"),
    (dict(jumps=[0.1], rates=[1.0], rtol=0.5), "rtol"),
])
def test_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        shot_noise_rate(**kw)


def test_bad_frequencies():
    with pytest.raises(ValueError, match="f must be"):
        shot_noise_response([-1.0], [0.1], [1000.0])


def test_non_convergence_raises(monkeypatch):
    """Asking for more accuracy than MAX_BAND generator entries allow raises, it never returns a guess
    (MAX_BAND lowered so that the test is quick)."""
    jumps, rates = seed_input()
    monkeypatch.setattr(shot_noise, "MAX_BAND", 2 ** 20)
    with pytest.raises(ShotNoiseConvergenceError, match="MAX_BAND"):
        shot_noise_response([1000.0], jumps, rates, rtol=1e-8)
