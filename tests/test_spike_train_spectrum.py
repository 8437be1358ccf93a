"""mfkit.spike_train_spectrum: mpmath grid, the limits f -> 0 and f -> inf, a sum rule, contract.

Anchors that do not share code with the implementation (the march of mfkit.response):

* the closed form in mfkit.reference (Tricomi U / Kummer M with mpmath) on a generated grid;
* f = 0: nu CV^2 from mfkit.siegert and mfkit.cv_isi (quadratures, no adjoint function);
* f -> inf: the rate (mfkit.siegert);
* the sum rule int_{-inf}^{inf} (S(f) - nu) df = nu (m(0+) - nu) = -nu^2 for t_ref > 0 (the
  conditional rate m vanishes during the refractory period), which checks the two-sided
  normalisation and the whole frequency dependence against the Siegert rate alone.

The accuracy contract: relative error <= 1e-8 against the reference for f >= 0.1 Hz.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import mfkit
from mfkit import reference
from mfkit.neuron import check_neuron_params
from mfkit.response import Y_MAX, spike_train_spectrum

from _helpers import random_inputs, regime_grid

RTOL = 1e-8
NEURONS = (  # t_ref 0 and 2 ms, V_reset 0 and 10 mV, and a neuron with other units' offsets
    dict(tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0),
    dict(tau_m=20.0, t_ref=0.0, theta=20.0, V_reset=10.0),
    dict(tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=10.0),
    dict(tau_m=20.0, t_ref=0.0, theta=20.0, V_reset=0.0),
    dict(tau_m=50.0, t_ref=3.0, theta=-50.0, V_reset=-65.0),
)


#: (regime, f, mu, sigma, neuron) from a fixed-seed generator: f from 0.1 Hz to 10 kHz; the high-frequency
#: points keep |y| moderate (the mpmath closed form is slow there otherwise)
GRID = regime_grid(20261207, NEURONS, [
    ("typical", 8, ("log", 0.1, 1000), ("lin", -6, 3), ("log", 1, 20)),
    ("subthreshold", 5, ("log", 0.1, 1000), ("lin", 2, 6), ("log", 1, 20)),
    ("suprathreshold", 6, ("log", 0.1, 300), ("lin", -12, -3), ("log", 0.5, 5)),
    ("small sigma", 5, ("log", 0.1, 100), ("lin", -40, 6), ("lin", 0.5, 1.0)),
    ("high f", 6, ("log", 1000, 10000), ("lin", -3, 2), ("log", 4, 20)),
    ("low f", 5, ("log", 0.1, 1), ("lin", -12, 4), ("log", 0.5, 20)),
])


@pytest.fixture(scope="module")
def grid_reference():
    """The mpmath values for GRID, computed once (~4 s)."""
    return np.array([float(reference.spike_train_spectrum(f, mu, s, dps=20, **nk)) for _, f, mu, s, nk in GRID])


def test_against_mpmath_on_generated_grid(grid_reference):
    got = np.array([spike_train_spectrum(f, mu, s, **nk) for _, f, mu, s, nk in GRID])
    err = np.abs(got / grid_reference - 1)
    worst = int(np.argmax(err))
    print(f"worst relative error {err[worst]:.2e} at {GRID[worst]}")
    assert np.all(err <= RTOL), [(e, p) for e, p in zip(err, GRID) if not e <= RTOL]
    # the grid covers both sides of the high-frequency short cut (S = nu where |F| < e^-60)
    rate = np.array([mfkit.siegert(mu, s, **nk) for _, f, mu, s, nk in GRID])
    assert np.any(got == rate) and np.any(np.abs(got / rate - 1) > 1e-3)


def test_vectorised_equals_scalar(grid_reference):
    f, mu, s = (np.array([p[i] for p in GRID]) for i in (1, 2, 3))
    params = [np.array([p[4][k] for p in GRID]) for k in ("tau_m", "t_ref", "theta", "V_reset")]
    vec = spike_train_spectrum(f, mu, s, *params)
    assert vec.dtype == np.float64 and vec.shape == f.shape
    assert np.max(np.abs(vec / grid_reference - 1)) <= RTOL
    scalar = [spike_train_spectrum(*args) for args in zip(f.tolist(), mu.tolist(), s.tolist(),
                                                         *(p.tolist() for p in params))]
    np.testing.assert_array_equal(vec, np.array(scalar))


# ---------------------------------------------------------------- limits

LIMIT_INPUTS = random_inputs(11, 15, NEURONS, (-12, 3))

@pytest.mark.parametrize("mu, sigma, nk", LIMIT_INPUTS)
def test_f_zero_is_rate_times_cv_squared_and_the_limit_of_the_march(mu, sigma, nk):
    nu = mfkit.siegert(mu, sigma, **nk)
    cv = mfkit.cv_isi(mu, sigma, **nk)
    s0 = spike_train_spectrum(0.0, mu, sigma, **nk)
    assert abs(s0 / (nu * cv ** 2) - 1) <= 1e-14
    # the march at a tiny f (S - S(0) ~ (2 pi f / nu)^2 S(0) < 1e-10 here) meets the quadratures of cv_isi
    assert abs(spike_train_spectrum(1e-5, mu, sigma, **nk) / s0 - 1) <= RTOL


def test_reference_f_zero_limit():
    mu, sigma = 23.983443, 7.102677
    s0 = reference.spike_train_spectrum(0.0, mu, sigma, dps=20)
    assert abs(reference.spike_train_spectrum(1e-6, mu, sigma, dps=20) / s0 - 1) < 1e-12
    assert abs(spike_train_spectrum(0.0, mu, sigma) / float(s0) - 1) < 1e-13


@pytest.mark.parametrize("mu, sigma, nk", LIMIT_INPUTS)
def test_high_frequency_limit_is_the_rate(mu, sigma, nk):
    nu = mfkit.siegert(mu, sigma, **nk)
    assert spike_train_spectrum(1e6, mu, sigma, **nk) == nu
    s = spike_train_spectrum(np.array([3e3, 1e4]), mu, sigma, **nk)
    assert np.all(np.abs(s / nu - 1) < 0.05)


@pytest.mark.parametrize("mu, sigma, nk", [
    (23.983443, 7.102677, NEURONS[0]), (15.0, 3.0, NEURONS[0]), (30.0, 2.0, NEURONS[2]), (-52.0, 4.0, NEURONS[4]),
])
def test_sum_rule(mu, sigma, nk):
    """2 int_0^inf (S(f) - nu) df = -nu^2 (t_ref > 0): composite Gauss-Legendre on panels up to where
    |F| < e^-40 (the integrand decays like nu exp(-sqrt(pi f tau_m/1000) (y_th - y_r)))."""
    nu = mfkit.siegert(mu, sigma, **nk)
    dy = (nk["theta"] - nk["V_reset"]) / sigma
    f_max = (45.0 / dy) ** 2 * 1000.0 / (math.pi * nk["tau_m"])
    nodes, weights = np.polynomial.legendre.leggauss(20)
    panel = min(nu, 1000.0 / nk["t_ref"]) / 4.0
    edges = np.arange(0.0, f_max + panel, panel)
    a, b = edges[:-1, None], edges[1:, None]
    f = (0.5 * (a + b) + 0.5 * (b - a) * nodes).ravel()
    integral = np.sum((spike_train_spectrum(f, mu, sigma, **nk) - nu) * (0.5 * (b - a) * weights).ravel())
    print(f"sum rule: 2 int (S - nu) df / nu^2 + 1 = {2.0 * integral / nu ** 2 + 1.0:.1e} ({f.size} points)")
    assert abs(2.0 * integral / nu ** 2 + 1.0) < 1e-9, (2.0 * integral, -nu ** 2, f.size)


def test_poisson_limit_far_below_threshold():
    """Deep sub-threshold with t_ref = 0 the escape is nearly Poisson: S ~ nu at every f."""
    f = np.array([0.0, 0.1, 10.0, 1000.0])
    s = spike_train_spectrum(f, 20.0 - 6.0 * 5.0, 5.0, t_ref=0.0)
    assert np.all(np.abs(s / mfkit.siegert(-10.0, 5.0, t_ref=0.0) - 1) < 1e-2)


def test_rate_below_the_smallest_double_gives_zero():
    assert spike_train_spectrum(10.0, -200.0, 5.0) == 0.0
    assert spike_train_spectrum(0.0, -200.0, 5.0) == 0.0


# ---------------------------------------------------------------- API contract

def test_broadcasting_and_types():
    assert type(spike_train_spectrum(10.0, 20.0, 5.0)) is float
    assert type(spike_train_spectrum(10, 20, 5)) is float
    assert type(spike_train_spectrum(np.float64(10.0), 20.0, 5.0)) is float
    assert type(spike_train_spectrum(0.0, 20.0, 5.0)) is float
    out = spike_train_spectrum(np.array([[0.0], [10.0], [100.0]]), np.array([10.0, 20.0, 30.0, 40.0]), 5.0)
    assert out.shape == (3, 4) and out.dtype == np.float64
    assert out[1, 2] == spike_train_spectrum(10.0, 30.0, 5.0)
    assert out[0, 3] == spike_train_spectrum(0.0, 40.0, 5.0)
    out = spike_train_spectrum(10.0, 20.0, np.array([2.0, 5.0]), tau_m=np.array([[10.0], [20.0]]))
    assert out.shape == (2, 2) and out[0, 1] == spike_train_spectrum(10.0, 20.0, 5.0, tau_m=10.0)
    assert spike_train_spectrum(np.zeros((0, 3)), 20.0, 5.0).shape == (0, 3)
    assert mfkit.spike_train_spectrum is spike_train_spectrum


def test_nan_in_nan_out():
    args = [10.0, 20.0, 5.0, 20.0, 2.0, 20.0, 0.0]
    for f in (0.0, 10.0):
        for i in range(1 if f else 0, len(args)):
            a = [f] + args[1:]
            a[i] = math.nan
            assert math.isnan(spike_train_spectrum(*a)), (f, i)
    arr = spike_train_spectrum(np.array([10.0, math.nan, 0.0]), 20.0, 5.0)
    assert np.isnan(arr[1]) and np.all(np.isfinite(arr[[0, 2]]))


@pytest.mark.parametrize("kwargs, match", [
    (dict(f=-1.0), "f must be finite and >= 0"),
    (dict(f=math.inf), "f must be finite and >= 0"),
    (dict(mu=math.inf), "mu must be finite"),
    (dict(sigma=-1.0), "sigma must be finite and > 0"),
    (dict(sigma=0.0), "sigma must be finite and > 0"),
    (dict(mu=20.0 + 1.5 * Y_MAX, sigma=1.0), "sigma too small"),
])
def test_bad_input_raises_value_error_naming_the_argument(kwargs, match):
    args = dict(f=10.0, mu=20.0, sigma=5.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        spike_train_spectrum(**args)
    with pytest.raises(ValueError, match=match):
        spike_train_spectrum(**{k: np.array([v, v]) for k, v in args.items()})


def _message(call) -> str:
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize("bad", [dict(tau_m=0.0), dict(t_ref=-0.1), dict(theta=0.0), dict(V_reset=math.inf),
                                 dict(V_reset=-math.inf), dict(tau_m=math.inf), dict(tau_m=-1.0, t_ref=math.nan)])
def test_bad_neuron_parameter_message_of_check_neuron_params(bad):
    point = dict(tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, tau_syn=0.0)
    point.update({k: v for k, v in bad.items() if v == v})
    expected = _message(lambda: check_neuron_params(**point))
    assert _message(lambda: spike_train_spectrum(10.0, 10.0, 5.0, **bad)) == expected
    assert _message(lambda: spike_train_spectrum(np.array([0.0, 10.0]), 10.0, 5.0, **bad)) == expected


def test_types():
    with pytest.raises(TypeError, match="f must be a real number"):
        spike_train_spectrum(1j, 20.0, 5.0)
    with pytest.raises(TypeError, match="sigma must be a real number"):
        spike_train_spectrum(10.0, 20.0, "5")
