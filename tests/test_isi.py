"""mfkit.cv_isi: the CV of the inter-spike intervals against mpmath, limits, a simulation, bad input.

The accuracy contract: relative error <= 1e-10 against mfkit.reference.cv_isi (mpmath, 30 digits)
on a fixed-seed grid over all regimes and several neurons (the test runs a subset of ``grid(1)``
to stay under ~20 s; ``grid(6)``, 168 points, was checked once by hand). The reference itself is
checked against the double integral as written (nested quadrature) at one point.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from mfkit import reference
from mfkit.isi import K_INF, cv_isi

NEURONS = (
    dict(),  # Brunel's A: tau_m 20, t_ref 2, theta 20, V_reset 0
    dict(V_reset=10.0),  # Brunel (2000)
    dict(t_ref=0.5),
    dict(tau_m=10.0, t_ref=0.0, theta=15.0, V_reset=10.0),
    dict(tau_m=10.0, t_ref=1.0, theta=-50.0, V_reset=-65.0),
)


def grid(n: int) -> list[tuple[str, float, float, dict]]:
    """``n`` random inputs per regime and neuron, plus the points where the method switches."""
    rng = np.random.default_rng(20260130)
    pts = []
    for kw in NEURONS:
        theta = kw.get("theta", 20.0)
        V_reset = kw.get("V_reset", 0.0)
        span = theta - V_reset
        for _ in range(n):
            pts.append(("typical", theta + span * rng.uniform(-1.5, 1.0), 10 ** rng.uniform(-0.3, 1.2), kw))
            sigma = 10 ** rng.uniform(-2, 1.7)
            pts.append(("subthreshold", theta - rng.uniform(2, 26) * sigma, sigma, kw))
            sigma = 10 ** rng.uniform(-2, 1)
            pts.append(("suprathreshold", theta + 10 ** rng.uniform(-1, 4) * sigma, sigma, kw))
            sigma = 10 ** rng.uniform(-2, 1.7)
            pts.append(("near threshold", theta - rng.choice([-1, 1]) * 10 ** rng.uniform(-6, 0.5) * sigma, sigma, kw))
            pts.append(("large sigma", theta + rng.uniform(-100, 100), rng.uniform(15, 50), kw))
    for y_th in (-12.0, 7.0, 0.0):  # series / quadrature; negative part dropped; sign of y_th
        for y in (np.nextafter(y_th, -np.inf), np.nextafter(y_th, np.inf)):
            pts.append(("switch y_th", 20.0 - y * 1.0, 1.0, {}))
    # analytic tail (y_th = 0); T series (y_th = -2, and y_th = 5); T(y_r) dropped (y_th = 10)
    for y_r, sigma in ((-100.0, 0.2), (-12.0, 2.0), (-12.0, 20.0 / 17.0), (6.0, 5.0)):
        for y in (np.nextafter(y_r, -np.inf), np.nextafter(y_r, np.inf)):
            pts.append(("switch y_r", -y * sigma, sigma, {}))
    for b in (0.5, 3.0, -0.5, -3.0):  # short interval: (y_th - y_r)(1 + 2|y_th|) = 1
        sigma = 20.0 * (1 + 2 * abs(b))
        for s in (sigma * (1 - 1e-12), sigma * (1 + 1e-12)):
            pts.append(("switch short", 20.0 - b * s, s, {}))
    return pts


_FULL = grid(1)
POINTS = [p for p in _FULL if not p[0].startswith("switch")][::3] + [p for p in _FULL if p[0].startswith("switch")]


def _relative_errors(points, dps=30):
    out = []
    for regime, mu, sigma, kw in points:
        ref = reference.cv_isi(mu, sigma, **kw, dps=dps)
        got = cv_isi(mu, sigma, **kw)
        out.append((float(abs(got - ref) / ref), regime, mu, sigma, kw, got, float(ref)))
    return out


def test_matches_mpmath():
    errors = _relative_errors(POINTS)
    worst = max(errors, key=lambda e: e[0])
    assert worst[0] < 1e-10, worst
    assert len({e[1] for e in errors}) == 8 and len(errors) >= 25


def test_reference_is_the_double_integral():
    mu, sigma, kw = 15.0, 3.0, dict(V_reset=10.0)
    exchanged = reference.cv_isi(mu, sigma, **kw, dps=20)
    nested = reference.cv_isi_nested(mu, sigma, **kw, dps=12)
    assert abs(exchanged - nested) < 1e-11 * exchanged


def test_seed_point():
    # the diffusion limit; the spiking network (shot noise, delays) measures ~0.17 there
    assert cv_isi(23.983443, 7.102677) == pytest.approx(0.4208302421390544, rel=1e-13)


def test_deep_subthreshold_is_poisson():
    y = np.array([3.0, 5.0, 8.0, 15.0, 26.0, 30.0, 1e3])
    cv = cv_isi(20.0 - 2.0 * y, 2.0)
    assert np.all(np.abs(cv - 1.0) <= np.array([0.05, 1e-6, 1e-12, 1e-15, 1e-15, 0, 0]))
    assert np.all(np.diff(np.abs(cv[:3] - 1.0)) < 0)
    assert cv_isi(-math.inf, 1.0) == 1.0
    assert cv_isi(10.0, 0.0) == 1.0  # sigma -> 0+ below threshold: Poisson with a vanishing rate


def test_small_noise_asymptotics():
    """CV ~ (tau_m sigma / T) sqrt(((mu - theta)^-2 - (mu - V_reset)^-2)/2), error O(1/y_th^2)."""
    for kw in NEURONS:
        tau_m, t_ref = kw.get("tau_m", 20.0), kw.get("t_ref", 2.0)
        theta, V_reset = kw.get("theta", 20.0), kw.get("V_reset", 0.0)
        for excess in (0.5, 5.0, 50.0):
            mu = theta + excess
            period = t_ref + tau_m * math.log((mu - V_reset) / (mu - theta))
            law = tau_m / period * math.sqrt(((mu - theta) ** -2 - (mu - V_reset) ** -2) / 2)
            for sigma in (1e-2, 1e-4, 1e-8, 1e-200):
                tol = 10 * (sigma / excess) ** 2 + 1e-14  # 10 / y_th^2
                assert cv_isi(mu, sigma, **kw) / (law * sigma) == pytest.approx(1.0, abs=tol)
    assert cv_isi(25.0, 0.0) == 0.0 and cv_isi(20.0, 0.0) == 0.0 and cv_isi(math.inf, 3.0) == 0.0
    assert cv_isi(25.0, 5e-324) == 0.0


def test_large_sigma():
    """Both bounds -> 0: Var -> 2 pi tau^2 K_INF (theta - V_reset)/sigma, mean ISI -> t_ref."""
    sigma = 1e12
    expected = math.sqrt(2 * math.pi * 400 * K_INF * 20 / sigma) / 2.0
    assert cv_isi(20.0, sigma) == pytest.approx(expected, rel=1e-9)
    assert cv_isi(20.0, math.inf) == 0.0
    assert cv_isi(20.0, math.inf, t_ref=0.0) == math.inf
    assert math.isnan(cv_isi(-math.inf, math.inf))


@njit(cache=True)
def _simulate_isis(mu, sigma, tau_m, t_ref, theta, V_reset, dt, n, seed):
    """Exact OU steps; a crossing between steps is detected with the Brownian-bridge probability."""
    np.random.seed(seed)
    isis = np.empty(n)
    decay = math.exp(-dt / tau_m)
    sd = sigma * math.sqrt((1.0 - decay * decay) / 2.0)
    bridge = sigma * sigma * dt / tau_m  # variance of the noise increment over dt
    v = V_reset
    t = 0.0
    k = 0
    while k < n:
        v_new = mu + (v - mu) * decay + sd * np.random.standard_normal()
        t += dt
        crossed = v_new >= theta
        if not crossed and np.random.random() < math.exp(-2.0 * (theta - v) * (theta - v_new) / bridge):
            crossed = True
        if crossed:
            isis[k] = t + t_ref
            k += 1
            v = V_reset
            t = 0.0
        else:
            v = v_new
    return isis


@pytest.mark.parametrize("mu, sigma, kw", [(23.983443, 7.102677, {}), (17.0, 5.0, dict(V_reset=10.0)),
                                           (30.0, 1.0, {})])
def test_euler_maruyama(mu, sigma, kw):
    """20000 ISIs: the CV's standard error (from 20 batches) is ~0.5%; allow 4 of them + 0.3% bias."""
    p = dict(tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0) | kw
    isis = _simulate_isis(mu, sigma, p["tau_m"], p["t_ref"], p["theta"], p["V_reset"], 0.02, 20000, 7)
    batches = isis.reshape(20, -1)
    cvs = batches.std(axis=1) / batches.mean(axis=1)
    se = cvs.std(ddof=1) / math.sqrt(cvs.size)
    cv = isis.std() / isis.mean()
    expected = cv_isi(mu, sigma, **kw)
    assert abs(cv - expected) < 4 * se + 3e-3 * expected, (cv, expected, se)


def test_broadcasting_and_types():
    mu = np.linspace(0.0, 40.0, 6)
    sigma = np.array([[1.0], [5.0]])
    out = cv_isi(mu, sigma, V_reset=np.array([0.0, 10.0])[:, None])
    assert out.shape == (2, 6)
    assert out[1, 3] == cv_isi(float(mu[3]), 5.0, V_reset=10.0)
    assert type(cv_isi(20.0, 5.0)) is float
    assert type(cv_isi(20, 5)) is float
    assert cv_isi(np.array(20.0), 5.0) == cv_isi(20.0, 5.0)
    assert np.isnan(cv_isi(np.array([np.nan, 20.0]), 5.0)[0])
    assert math.isnan(cv_isi(20.0, 5.0, theta=math.nan))
    assert cv_isi(np.zeros((0, 3)), 1.0).shape == (0, 3)


@pytest.mark.parametrize("kw, name", [(dict(sigma=-1.0), "sigma"), (dict(tau_m=0.0), "tau_m"),
                                      (dict(t_ref=-1.0), "t_ref"), (dict(theta=math.inf), "theta"),
                                      (dict(V_reset=25.0), "theta must be finite and > V_reset"),
                                      (dict(t_ref=math.inf), "t_ref")])
def test_bad_input(kw, name):
    args = dict(mu=20.0, sigma=5.0) | kw
    with pytest.raises(ValueError, match=name):
        cv_isi(**args)
    args["mu"] = np.array([20.0, 21.0])
    with pytest.raises(ValueError, match=name):
        cv_isi(**args)
    with pytest.raises(TypeError, match="mu"):
        cv_isi("20", 5.0)
