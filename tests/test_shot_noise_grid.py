"""The shot-noise LIF neuron on NEST's time grid (mfkit.shot_noise with ``dt``): exact cases, the limit
dt -> 0, derivatives, periodicity, the simulated neurons of the record, and bad input."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mfkit.shot_noise import ShotNoiseNeuron, shot_noise_rate, shot_noise_response

RECORD = Path(__file__).resolve().parents[1] / "book" / "data" / "shot_noise_record.json"
SEED_JUMPS, SEED_RATES = [0.1, -0.5], [52033.1, 8008.28]     # a neuron of the seed network (Hz)
FEW_JUMPS, FEW_RATES = [0.5, -1.0], [5000.0, 1000.0]          # fewer, larger inputs: small grids, quick tests


def geometric_neuron(r: float, dt: float, n_ref: int) -> tuple[float, float, float]:
    """A jump over threshold fires in the first step with an input, T ~ Geometric(p), p = 1 - e^{-r dt}:
    rate (Hz), CV and the probability p."""
    p = -math.expm1(-r * 1e-3 * dt)
    mean = n_ref + 1 / p
    return 1e3 / (dt * mean), math.sqrt(1 - p) / p / mean, p


@pytest.mark.parametrize("dt", [0.1, 0.5])
def test_one_jump_over_threshold_is_exact(dt):
    r, t_ref = 300.0, 2.0
    rate, cv, p = geometric_neuron(r, dt, round(t_ref / dt))
    s = shot_noise_rate([25.0], [r], t_ref=t_ref, dt=dt)
    assert s.rate == pytest.approx(rate, rel=1e-12)
    assert s.cv == pytest.approx(cv, rel=1e-12)
    # the reset state is left at the first input: point mass nu dt / p
    assert s.point_mass == pytest.approx(s.rate * 1e-3 * dt / p, rel=1e-12)


def test_response_of_the_exact_case():
    """chi(z) = e^{-lam} p0 (z - 1) / ((z - 1 + p)(1 - F)), F = z^{-n_ref} p / (z - 1 + p), p0 = nu dt / p:
    one state, so the time grid's resolvent, ISI transform and jump derivatives are all checked."""
    r, dt, t_ref = 300.0, 0.1, 2.0
    rate, _, p = geometric_neuron(r, dt, 20)
    n = ShotNoiseNeuron([25.0], [r], t_ref=t_ref, dt=dt)
    lam = np.array([0.05j, 0.3 + 2.0j, -0.01 + 0.5j])           # 1/ms
    isi, chi = n.laplace(lam)
    z = np.exp(lam * dt)
    F = z ** -20 * p / (z - 1 + p)
    p0 = rate * 1e-3 * dt / p
    assert np.allclose(isi, F, rtol=1e-10)
    assert np.allclose(chi[:, 0], math.exp(-r * 1e-3 * dt) * p0 * (z - 1) / ((z - 1 + p) * (1 - F)), rtol=1e-10)


def test_tends_to_continuous_time():
    """The grid's share of the rate falls about tenfold per tenfold smaller dt (measured: -1.4 %, -0.19 %,
    -0.020 % at dt = 0.1, 0.01, 0.001 ms) and the CV converges too."""
    cont = shot_noise_rate(SEED_JUMPS, SEED_RATES)
    shares = []
    for dt in (0.1, 0.01, 0.001):
        s = shot_noise_rate(SEED_JUMPS, SEED_RATES, dt=dt, rtol=1e-4)
        shares.append(s.rate / cont.rate - 1)
        assert s.cv == pytest.approx(cont.cv, abs=2e-3 * dt / 0.1 + 1e-4)
    assert -0.02 < shares[0] < shares[1] < shares[2] < 0
    assert abs(shares[2]) < 3e-4


def test_gradient_and_response_at_zero():
    """On the grids' common analytic approximation: the gradient is the derivative of the rate, and the
    response at f -> 0 is the gradient."""
    n = ShotNoiseNeuron(FEW_JUMPS, FEW_RATES, dt=0.1)
    grad = n.extrapolate(lambda c: c.gradient, adaptive=False)[0]
    for k in range(2):
        up, down = list(FEW_RATES), list(FEW_RATES)
        up[k] += 1.0
        down[k] -= 1.0
        rates = [ShotNoiseNeuron(FEW_JUMPS, x, dt=0.1).extrapolate(lambda c: c.nu, adaptive=False)[0]
                 for x in (up, down)]
        assert grad[k] == pytest.approx(float(rates[0] - rates[1]) * 1e3 / 2.0, rel=1e-6)
    _, chi = n.laplace(np.array([1e-7j]))
    assert np.allclose(chi[0], grad, rtol=1e-5)


def test_response_is_periodic_in_frequency():
    """The time grid samples the modulation once per step: chi(f + 1/dt) = chi(f)."""
    n = ShotNoiseNeuron(FEW_JUMPS, FEW_RATES, dt=0.1)
    w = 2e-3 * np.pi * np.array([100.0, 100.0 + 1e4])
    isi, chi = n.laplace(1j * w)
    assert np.allclose(chi[0], chi[1], rtol=1e-9) and isi[0] == pytest.approx(isi[1], rel=1e-9)


def test_against_the_simulated_neurons():
    """The record's neurons simulated on the grid (book/data/shot_noise_record.json): rate within 1 % and CV
    within 0.01 at the seed, dt = 0.1 and 0.01 ms, where the continuous-time theory is 1.1 % off at 0.1 ms."""
    seed = next(s for s in json.loads(RECORD.read_text())["stationary"] if s["name"] == "seed")
    assert seed["jumps"] == SEED_JUMPS and seed["rates"] == SEED_RATES
    for sim in seed["by_dt"]:
        s = shot_noise_rate(SEED_JUMPS, SEED_RATES, dt=sim["dt"], rtol=1e-4)
        assert abs(sim["rate"] / s.rate - 1) < 0.01
        assert abs(sim["cv"] - s.cv) < 0.01


@pytest.mark.parametrize("kw, match", [
    (dict(dt=0.0), "dt must be"),
    (dict(dt=-0.1), "dt must be"),
    (dict(dt=3.0), "dt must be"),
    (dict(dt=True), "dt must be"),
    (dict(dt="0.1"), "dt must be"),
    (dict(dt=0.3), "t_ref must be a whole number of steps"),
])
def test_bad_dt(kw, match):
    with pytest.raises(ValueError, match=match):
        shot_noise_rate(SEED_JUMPS, SEED_RATES, **kw)
    with pytest.raises(ValueError, match=match):
        shot_noise_response([10.0], SEED_JUMPS, SEED_RATES, **kw)
