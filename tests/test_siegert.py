"""mfkit.siegert against mpmath (50 digits), golden values, properties and bad input.

The accuracy contract (issue 2): relative error <= max(1e-13, 1e-15 y_th^2) for every rate
>= 1e-250 Hz, and <= 1e-10 for the derivatives. Inputs come from fixed-seed generators, one per
regime, plus the points where the implementation switches method (both sides of each switch).
"""
from __future__ import annotations

import itertools
import math
import warnings

import mpmath as mp
import numpy as np
import pytest

import mfkit
from mfkit import reference
from mfkit import _special as sp
from mfkit._kernels import neuron_param_error, raise_neuron_error
from mfkit.neuron import NEURON_DEFAULTS, NEURON_PARAMS, check_neuron_params

SEED_NEURON = dict(tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0)
SHIFT_ALPHA = float(mp.sqrt(2) * abs(mp.zeta(0.5)))


def _regime_points() -> list[tuple[str, float, float, dict]]:
    rng = np.random.default_rng(20260127)
    pts: list[tuple[str, float, float, dict]] = []

    def add(regime, mu, sigma, **kw):
        pts.append((regime, float(mu), float(sigma), kw))

    for _ in range(60):  # the benchmark's typical inputs
        add("typical", rng.uniform(-10, 40), rng.uniform(0.5, 15))
    for _ in range(60):  # strongly sub-threshold, y_th up to 26
        sigma = 10 ** rng.uniform(-1, 1)
        add("subthreshold", 20 - rng.uniform(3, 26) * sigma, sigma)
    for _ in range(50):  # strongly supra-threshold, |y| up to 1e6
        sigma = 10 ** rng.uniform(-3, 1)
        add("suprathreshold", 20 + 10 ** rng.uniform(-1, 6) * sigma, sigma)
    for _ in range(50):  # sigma down to 1e-12 mV, on both sides of threshold
        sigma = 10 ** rng.uniform(-12, -3)
        add("tiny sigma", 20 - rng.choice([-1, 1]) * 10 ** rng.uniform(-6, 3) * sigma, sigma)
    for _ in range(40):  # sigma much larger than theta - V_reset
        add("huge sigma", rng.uniform(-100, 100) * rng.choice([1, 10, 1000]), 10 ** rng.uniform(1.5, 8))
    for _ in range(50):  # |y_th| from 1e-6 to ~3 around threshold
        sigma = 10 ** rng.uniform(-2, 2)
        add("near threshold", 20 - rng.choice([-1, 1]) * 10 ** rng.uniform(-6, 0.5) * sigma, sigma)
    for _ in range(50):  # other neurons, negative potentials
        kw = dict(tau_m=10 ** rng.uniform(0, 2), t_ref=rng.uniform(0, 5), theta=-50.0,
                  V_reset=-60.0 - rng.uniform(0, 10))
        add("other neuron", rng.uniform(-80, -30), 10 ** rng.uniform(-1, 1.3), **kw)
    for _ in range(40):  # mean at or below reset: both bounds positive
        sigma = 10 ** rng.uniform(-0.5, 1.5)
        add("below reset", -rng.uniform(0, 3) * sigma, sigma)
    for _ in range(40):  # Fourcaud-Brunel shift
        add("tau_syn", rng.uniform(-10, 40), rng.uniform(0.5, 15), tau_syn=rng.uniform(0, 10))
    return pts


def _switch_points() -> list[tuple[str, float, float, dict]]:
    """Inputs on both sides of every place where the implementation changes method."""
    pts = []
    sigma = 1.0
    for y_th in (-12.0, 0.0, 12.0, math.sqrt(45.0), math.sqrt(708.0), -0.5, 0.5):  # asymptotic, sign, scaling
        for y in (np.nextafter(y_th, -np.inf), y_th, np.nextafter(y_th, np.inf)):
            pts.append(("switch y_th", 20.0 - y * sigma, sigma, {}))
    for y_r in (0.0, -12.0, 12.0):  # y_r changes sign / enters the asymptotic range
        for y in (np.nextafter(y_r, -np.inf), np.nextafter(y_r, np.inf)):
            pts.append(("switch y_r", -y * 2.0, 2.0, {}))
    for edge in np.arange(0.25, 12.0, 0.25) + 0.1:  # table sub-interval edges, seen through y_th
        for y in (edge - 0.1 - 1e-13, edge - 0.1 + 1e-13):
            pts.append(("table edge", 20.0 - y * 3.0, 3.0, {}))
    # Gauss-Legendre vs closed forms: delta = (theta - V_reset)/sigma = 0.5 * scale
    for scale_mu in (20.0 - 0.1 * 40.0, 20.0 + 30.0 * 40.0, 20.0 - 3.0 * 40.0):
        for sigma in (40.0 * (1 - 1e-12), 40.0, 40.0 * (1 + 1e-12)):
            pts.append(("switch quadrature", scale_mu, sigma, {}))
    for p in (12.0, 30.0, 1e4):  # supra-threshold: delta = 0.5 p
        sigma = 20.0 / (0.5 * p)
        for s in (sigma * (1 - 1e-12), sigma * (1 + 1e-12)):
            pts.append(("switch quadrature", 20.0 + p * s, s, {}))
    for b in (2.0, 5.0):  # sub-threshold: delta = 0.5 / (2 b)
        sigma = 20.0 / (0.25 / b)
        for s in (sigma * (1 - 1e-12), sigma * (1 + 1e-12)):
            pts.append(("switch quadrature", 20.0 - b * s, s, {}))
    return pts


POINTS = _regime_points() + _switch_points()


@pytest.fixture(scope="module")
def references():
    return [reference.siegert_with_derivatives(mu, sigma, **{**SEED_NEURON, **kw}) for _, mu, sigma, kw in POINTS]


def _tolerance(mu, sigma, kw):
    theta = kw.get("theta", 20.0)
    y_th = (theta - mu) / sigma
    return max(1e-13, 1e-15 * y_th * y_th)


def test_enough_points_in_every_regime():
    regimes = {r for r, *_ in POINTS}
    assert len(POINTS) >= 500
    assert len(regimes) >= 12


def test_rate_matches_mpmath(references):
    failures = []
    checked = 0
    for (regime, mu, sigma, kw), ref in zip(POINTS, references):
        rate = mfkit.siegert(mu, sigma, **kw)
        if ref.rate < mp.mpf("1e-250"):
            assert 0.0 <= rate < 1e-240
            continue
        checked += 1
        err = abs(rate - ref.rate) / ref.rate
        if err > _tolerance(mu, sigma, kw):
            failures.append((regime, mu, sigma, kw, float(ref.rate), float(err)))
    assert not failures, failures[:10]
    assert checked >= 450


def test_derivatives_match_mpmath(references):
    failures = []
    for (regime, mu, sigma, kw), ref in zip(POINTS, references):
        if ref.rate < mp.mpf("1e-250"):
            continue
        got = mfkit.siegert_with_derivatives(mu, sigma, **kw)
        assert got.rate == mfkit.siegert(mu, sigma, **kw)
        for name, value, exact in (("d_mu", got.d_mu, ref.d_mu), ("d_sigma", got.d_sigma, ref.d_sigma)):
            assert math.isfinite(value)
            if exact == 0:
                assert value == 0
            elif abs(value - exact) > 1e-10 * abs(exact):
                failures.append((regime, mu, sigma, kw, name, float(exact), value))
    assert not failures, failures[:10]


def test_continuity_across_switches():
    """Adjacent doubles on both sides of each switch give rates within 1e-13 of each other."""
    for y_th in (-12.0, 0.0, 12.0, math.sqrt(45.0), 0.5, -0.5):
        ys = np.array([np.nextafter(y_th, -np.inf), np.nextafter(y_th, np.inf)])
        lo, hi = mfkit.siegert(20.0 - ys, 1.0)
        assert abs(lo - hi) <= 1e-13 * hi + 1e-15 * hi * y_th ** 2
    sigmas = np.array([40.0 * (1 - 1e-15), 40.0 * (1 + 1e-15)])
    for mu in (16.0, 1220.0, -100.0):
        lo, hi = mfkit.siegert(mu, sigmas)
        assert abs(lo - hi) <= 1e-13 * hi


# ------------------------------------------------------------------ golden values

def test_nest_unit_test_value():
    assert mfkit.siegert(15.0, math.sqrt(1.5), tau_m=10.0, t_ref=2.0, theta=15.0, V_reset=0.0) == pytest.approx(
        27.1095934379, rel=0, abs=5e-11)


def test_seed_point():
    # mu and sigma are quoted to 6 decimals, which moves the rate by ~3e-8 relative
    assert mfkit.siegert(23.983443, 7.102677) == pytest.approx(32.0331145, rel=1e-7)


def test_deterministic_limit():
    exact = 1000.0 / float(2.0 + 20.0 * mp.log(21))  # 15.9006657 Hz
    assert mfkit.siegert(21.0, 0.0) == pytest.approx(exact, rel=1e-15)
    assert mfkit.siegert(21.0, 1e-12) == pytest.approx(exact, rel=1e-13)  # the noisy rate tends to it
    assert mfkit.siegert(21.0, 0.0) == pytest.approx(15.90067, abs=1e-5)
    assert mfkit.siegert(20.0, 0.0) == 0.0
    assert mfkit.siegert(-5.0, 0.0) == 0.0
    d = mfkit.siegert_with_derivatives(21.0, 0.0)
    ref = reference.siegert_with_derivatives(21.0, 0.0)
    assert d.d_mu == pytest.approx(float(ref.d_mu), rel=1e-13)
    assert d.d_sigma == 0.0


def test_fourcaud_brunel_shift_is_a_threshold_shift():
    """Shifting both bounds by s equals moving theta and V_reset up by s * sigma (exactly representable here)."""
    tau_syn, tau_m, sigma = 5.0, 20.0, 4.0
    s = SHIFT_ALPHA / 2 * math.sqrt(tau_syn / tau_m)
    assert mfkit.FOURCAUD_BRUNEL_ALPHA == pytest.approx(SHIFT_ALPHA, rel=1e-16)
    mu = np.linspace(0, 40, 41)
    shifted = mfkit.siegert(mu, sigma, tau_syn=tau_syn)
    moved = mfkit.siegert(mu, sigma, theta=20.0 + s * sigma, V_reset=0.0 + s * sigma)
    np.testing.assert_allclose(shifted, moved, rtol=1e-13)
    assert np.all(shifted < mfkit.siegert(mu, sigma))  # filtering raises the effective threshold


# ------------------------------------------------------------------ properties

def test_increasing_in_mu_and_bounded():
    mu = np.linspace(-40, 200, 4001)
    for sigma in (0.0, 1e-9, 0.3, 2.0, 7.1, 30.0, 1e4):
        rate = mfkit.siegert(mu, sigma)
        assert np.all(np.diff(rate) >= 0), sigma
        assert np.all((rate >= 0) & (rate < 1000.0 / 2.0))


def test_increasing_in_sigma_below_threshold():
    sigma = np.linspace(0.5, 30, 500)  # from y_th = 20 (rate ~1e-172 Hz) upwards
    assert np.all(np.diff(mfkit.siegert(10.0, sigma)) > 0)


def test_derivatives_agree_with_finite_differences():
    mu, sigma, h = 18.0, 3.0, 1e-5
    d = mfkit.siegert_with_derivatives(mu, sigma)
    fd_mu = (mfkit.siegert(mu + h, sigma) - mfkit.siegert(mu - h, sigma)) / (2 * h)
    fd_sigma = (mfkit.siegert(mu, sigma + h) - mfkit.siegert(mu, sigma - h)) / (2 * h)
    assert d.d_mu == pytest.approx(fd_mu, rel=1e-7)
    assert d.d_sigma == pytest.approx(fd_sigma, rel=1e-7)


def test_derivatives_finite_where_nnmt_fails():
    """NNMT issue 12: d nu/d mu was NaN at y_th = 10, y_r = -30."""
    sigma = 1.0
    mu = 20.0 - 10.0 * sigma
    d = mfkit.siegert_with_derivatives(mu, sigma, V_reset=mu - 30.0 * sigma)
    ref = reference.siegert_with_derivatives(mu, sigma, V_reset=mu - 30.0 * sigma)
    assert d.d_mu == pytest.approx(float(ref.d_mu), rel=1e-10)


def test_sigma_derivative_near_threshold_with_large_shift():
    """y_th - s is tiny while s is large: d nu/d sigma must use the unshifted bound directly."""
    kw = dict(tau_m=1.3691240869343857, t_ref=1.6700363011227455, theta=-18.886202302816997,
              V_reset=-29.615010230693, tau_syn=19.16589676242343)
    mu, sigma = -18.886202276668193, 0.01837216506108182
    got = mfkit.siegert_with_derivatives(mu, sigma, **kw)
    ref = reference.siegert_with_derivatives(mu, sigma, **kw)
    for value, exact in zip(got, ref):
        assert value == pytest.approx(float(exact), rel=1e-13)


def test_subnormal_sigma():
    """sigma below 1e-300 mV: the bounds overflow, the rate must still come out (no NaN, no silent 0)."""
    mu = np.array([19.9, 20.0, 20.001, 25.0, 1e300])
    for sigma in (5e-324, 1e-310, 1e-300):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            r = mfkit.siegert_with_derivatives(mu, sigma)
        assert not np.any(np.isnan(np.concatenate(r)))
        np.testing.assert_allclose(r.rate[2:], mfkit.siegert(mu[2:], 0.0), rtol=1e-13)
        assert r.rate[0] == 0.0 and r.rate[1] > 0.0
    # at mu = theta the period grows like tau_m ln(1/sigma) (corrections O(sigma^2)), anchored by mpmath
    # at sigma = 1e-12 mV (its quadrature is impractically slow for sigma ~ 1e-300)
    period = {s: 1000.0 / mfkit.siegert(20.0, s) for s in (1e-310, 1e-300, 1e-12)}
    assert period[1e-310] - period[1e-300] == pytest.approx(20.0 * math.log(1e10), rel=1e-12)
    assert period[1e-300] - period[1e-12] == pytest.approx(20.0 * math.log(1e288), rel=1e-12)
    assert period[1e-12] == pytest.approx(1000.0 / float(reference.siegert(20.0, 1e-12)), rel=1e-13)


def test_rates_below_double_range_are_zero_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rates = mfkit.siegert(np.array([-200.0, -1e6, -np.inf]), 1.0)
        d = mfkit.siegert_with_derivatives(-1e300, 1.0)
    assert np.all(rates == 0.0)
    assert d == (0.0, 0.0, 0.0)


def test_no_warnings_nan_or_inf_on_valid_extremes():
    mu = np.array([-1e300, -1e6, -50.0, 0.0, 19.999999, 20.0, 20.000001, 1e6, 1e300])
    sigma = np.array([0.0, 1e-300, 1e-12, 1e-3, 1.0, 1e3, 1e12, 1e300])[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = mfkit.siegert_with_derivatives(mu, sigma)
    assert np.all(np.isfinite(r.rate))
    finite_slope = ~((sigma == 0.0) & (mu == 20.0))  # there both slopes are +inf (issue 9)
    assert np.all(np.isfinite(r.d_mu[finite_slope])) and np.all(np.isfinite(r.d_sigma[finite_slope]))


# ------------------------------------------------------------------ edges (issue 9)

def test_sigma_derivative_at_zero_noise_with_synaptic_filter():
    """sigma -> 0+ above threshold: d nu/d sigma -> -s d nu/d mu, not 0.

    Checked against the closed form with threshold and reset theta + s sigma, V_reset + s sigma,
    differentiated by mpmath, and against one-sided differences of the mpmath rate at sigma ~ 1e-8.
    """
    mu, tau_syn = 25.0, 5.0
    got = mfkit.siegert_with_derivatives(mu, 0.0, tau_syn=tau_syn)
    with mp.workdps(50):
        s = mp.sqrt(2) * abs(mp.zeta(0.5)) / 2 * mp.sqrt(mp.mpf(tau_syn) / 20)

        def closed_form(m, sig):
            return 1000 / (2 + 20 * mp.log((m - s * sig) / (m - 20 - s * sig)))

        d_sigma = mp.diff(lambda sig: closed_form(mu, sig), 0)
        d_mu = mp.diff(lambda m: closed_form(m, 0), mu)
        assert d_sigma == pytest.approx(-s * d_mu, rel=1e-40)
        assert float(d_sigma) == pytest.approx(-1.41350264690457, rel=1e-14)
        assert got.rate == pytest.approx(float(closed_form(mu, 0)), rel=1e-15)
        assert got.d_mu == pytest.approx(float(d_mu), rel=1e-14)
        assert got.d_sigma == pytest.approx(float(d_sigma), rel=1e-14)
        # the noisy rate: (nu(2h) - nu(h))/h = d_sigma(0) + O(h), with 50-digit rates
        for h in (1e-8, 1e-10):
            fd = (reference.siegert(mu, 2 * h, tau_syn=tau_syn) - reference.siegert(mu, h, tau_syn=tau_syn)) / h
            assert abs(fd - d_sigma) <= h * abs(d_sigma)
        ref = reference.siegert_with_derivatives(mu, 0.0, tau_syn=tau_syn)
        assert ref.d_sigma == pytest.approx(d_sigma, rel=1e-40)
        # the derivative formula of the reference at sigma = 1e-12 tends to the same value
        assert float(reference.siegert_with_derivatives(mu, 1e-12, tau_syn=tau_syn).d_sigma) == pytest.approx(
            got.d_sigma, rel=1e-12)
    # sigma below double range takes the same limit (the bounds overflow)
    tiny = mfkit.siegert_with_derivatives(mu, 1e-310, tau_syn=tau_syn)
    assert tiny.d_sigma == pytest.approx(got.d_sigma, rel=1e-15) and tiny.d_mu == pytest.approx(got.d_mu, rel=1e-15)
    # below threshold everything vanishes (mpmath: ~1e-1100 already at sigma = 0.1)
    assert mfkit.siegert_with_derivatives(15.0, 0.0, tau_syn=tau_syn) == (0.0, 0.0, 0.0)
    below = reference.siegert_with_derivatives(15.0, 0.1, tau_syn=tau_syn)
    assert max(abs(v) for v in below) < mp.mpf("1e-1000")
    # delta synapses: s = 0, the sigma-derivative vanishes at sigma = 0
    assert mfkit.siegert_with_derivatives(mu, 0.0).d_sigma == 0.0
    assert float(reference.siegert_with_derivatives(mu, 1e-12).d_sigma) == pytest.approx(0.0, abs=1e-11)


def test_slopes_at_threshold_without_noise_are_infinite():
    """mu = theta, sigma -> 0+: d_mu and d_sigma grow like 1/(sigma ln^2 sigma); at sigma = 0 both are +inf."""
    previous = None
    with mp.workdps(50):
        for sigma in (1e-4, 1e-6, 1e-8):
            ref = reference.siegert_with_derivatives(20.0, sigma)
            h = mp.mpf(sigma) * mp.mpf("1e-8")  # exact mu = theta +- h, not rounded to doubles
            fd_mu = (reference.siegert(20 + h, sigma) - reference.siegert(20 - h, sigma)) / (2 * h)
            assert ref.d_mu == pytest.approx(fd_mu, rel=1e-10)
            quotient = ref.rate / sigma  # (nu(sigma) - nu(0)) / sigma, the one-sided slope in sigma
            got = mfkit.siegert_with_derivatives(20.0, sigma)
            assert got.d_mu == pytest.approx(float(ref.d_mu), rel=1e-10)
            assert got.d_sigma == pytest.approx(float(ref.d_sigma), rel=1e-10)
            if previous is not None:
                assert ref.d_mu > 40 * previous[0] and ref.d_sigma > 40 * previous[1] and quotient > 40 * previous[2]
            previous = (ref.d_mu, ref.d_sigma, quotient)
        assert previous[0] > 1.7e7 and previous[1] > 9e6 and previous[2] > 2e8
    for tau_syn in (0.0, 5.0):
        assert mfkit.siegert_with_derivatives(20.0, 0.0, tau_syn=tau_syn) == (0.0, math.inf, math.inf)
        assert tuple(reference.siegert_with_derivatives(20.0, 0.0, tau_syn=tau_syn)) == (0, mp.inf, mp.inf)
    d = mfkit.siegert_with_derivatives(np.array([19.0, 20.0, 21.0]), 0.0)
    np.testing.assert_array_equal(d.d_mu[:2], [0.0, math.inf])
    np.testing.assert_array_equal(d.d_sigma, [0.0, math.inf, 0.0])


def test_infinite_inputs():
    """mu = -inf with sigma = inf is indeterminate (NaN); the other infinite inputs are limits."""
    inf = math.inf
    assert math.isnan(mfkit.siegert(-inf, inf))
    assert all(math.isnan(v) for v in mfkit.siegert_with_derivatives(-inf, inf))
    assert all(mp.isnan(v) for v in reference.siegert_with_derivatives(-inf, inf))
    r = mfkit.siegert_with_derivatives(np.array([-inf, 10.0, inf, -inf, inf]), np.array([inf, inf, inf, 1.0, 1.0]))
    assert np.all(np.isnan([r.rate[0], r.d_mu[0], r.d_sigma[0]]))
    np.testing.assert_array_equal(np.array(r)[:, 1:], [[500.0, 500.0, 0.0, 500.0], [0.0] * 4, [0.0] * 4])
    # (+inf, +inf) is a limit on every path (mpmath): 1000/t_ref with vanishing derivatives
    for mu, sigma in ((1e12, 1e12), (1e16, 1e8), (1e8, 1e16)):
        assert float(reference.siegert(mu, sigma, dps=30)) == pytest.approx(500.0, rel=1e-6)
    assert math.isnan(mfkit.siegert(-inf, [inf])[0])
    # (-inf, inf) really is indeterminate: along mu = -c sigma the mpmath rate ranges from 500 Hz to ~0
    with mp.workdps(30):
        assert reference.siegert(-1e8, 1e8, dps=30) > 499
        assert reference.siegert(-1e9, 1e8, dps=30) < 1e-35
    # the limits are approached: sigma -> inf at finite mu, mu -> +inf at finite sigma (mpmath)
    for mu, sigma in ((10.0, 1e12), (-1e3, 1e12), (1e12, 1.0)):
        ref = reference.siegert_with_derivatives(mu, sigma, dps=30)
        assert float(ref.rate) == pytest.approx(500.0, rel=1e-9)
        assert abs(ref.d_mu) < 1e-18 and abs(ref.d_sigma) < 1e-18
    assert mfkit.siegert_with_derivatives(10.0, inf) == (500.0, 0.0, 0.0)
    assert mfkit.siegert_with_derivatives(inf, 1.0) == (500.0, 0.0, 0.0)
    assert mfkit.siegert_with_derivatives(-inf, 1.0) == (0.0, 0.0, 0.0)
    assert mfkit.siegert_with_derivatives(inf, 0.0) == (500.0, 0.0, 0.0)
    assert mfkit.siegert_with_derivatives(-inf, 0.0) == (0.0, 0.0, 0.0)


# ------------------------------------------------------------------ interface

def test_broadcasting_and_types():
    assert type(mfkit.siegert(20.0, 5.0)) is float
    assert type(mfkit.siegert(np.float32(20.0), 5)) is float
    out = mfkit.siegert(np.linspace(0, 30, 4)[:, None], [1.0, 5.0, 10.0])
    assert out.shape == (4, 3)
    np.testing.assert_array_equal(out[2], [mfkit.siegert(20.0, s) for s in (1.0, 5.0, 10.0)])
    assert mfkit.siegert([], 1.0).shape == (0,)
    t_ref = np.array([0.5, 1.0, 2.0])
    np.testing.assert_array_equal(mfkit.siegert(25.0, 2.0, t_ref=t_ref),
                                  [mfkit.siegert(25.0, 2.0, t_ref=t) for t in t_ref])
    d = mfkit.siegert_with_derivatives([10.0, 20.0], 2.0)
    assert d.rate.shape == d.d_mu.shape == d.d_sigma.shape == (2,)


def test_nan_in_nan_out():
    assert math.isnan(mfkit.siegert(math.nan, 1.0))
    assert math.isnan(mfkit.siegert(10.0, math.nan))
    assert math.isnan(mfkit.siegert(10.0, 1.0, tau_m=math.nan))
    r = mfkit.siegert([10.0, math.nan], 1.0)
    assert math.isfinite(r[0]) and math.isnan(r[1])


@pytest.mark.parametrize("kwargs, name", [
    (dict(sigma=-1.0), "sigma"),
    (dict(sigma=[1.0, -1e-300]), "sigma"),
    (dict(tau_m=0.0), "tau_m"),
    (dict(tau_m=-3.0), "tau_m"),
    (dict(tau_m=math.inf), "tau_m"),
    (dict(t_ref=-0.1), "t_ref"),
    (dict(theta=10.0, V_reset=10.0), "theta"),
    (dict(theta=-60.0, V_reset=-50.0), "theta"),
    (dict(tau_syn=-1.0), "tau_syn"),
])
def test_invalid_parameters_raise_value_error(kwargs, name):
    args = dict(mu=10.0, sigma=1.0, **SEED_NEURON)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        mfkit.siegert(**args)
    with pytest.raises(ValueError, match=name):
        mfkit.siegert_with_derivatives(**args)


def _message(call) -> str:
    with pytest.raises(ValueError) as info:
        call()
    return str(info.value)


@pytest.mark.parametrize("bad, name", [
    (dict(tau_m=0.0), "tau_m"), (dict(tau_m=math.inf), "tau_m"), (dict(t_ref=-0.5), "t_ref"),
    (dict(theta=math.inf), "theta"), (dict(theta=10.0, V_reset=10.0), "theta"),
    (dict(V_reset=math.inf), "theta"),  # no theta is above it
    (dict(V_reset=-math.inf), "V_reset"), (dict(tau_syn=-1.0), "tau_syn"),
    (dict(tau_m=-1.0, tau_syn=math.nan), "tau_m"),  # a NaN elsewhere does not change the message
])
def test_bad_neuron_parameter_same_message_everywhere(bad, name):
    """The kernels word a bad neuron parameter as mfkit.neuron.check_neuron_params does for the network."""
    kernels = [_message(lambda: mfkit.siegert(10.0, 5.0, **bad)),
               _message(lambda: mfkit.siegert_with_derivatives(np.array([10.0, 12.0]), 5.0, **bad)),
               _message(lambda: mfkit.linear_response(10.0, 10.0, 5.0, **bad)),
               _message(lambda: mfkit.linear_response(np.array([0.0, 10.0]), 10.0, 5.0, **bad))]
    if "tau_syn" not in bad:  # white noise only: cv_isi has no tau_syn
        kernels += [_message(lambda: mfkit.cv_isi(10.0, 5.0, **bad)),
                    _message(lambda: mfkit.cv_isi(np.array([10.0, 12.0]), 5.0, **bad))]
    point = NEURON_DEFAULTS | {k: v for k, v in bad.items() if not math.isnan(v)}
    assert kernels[0].startswith(f"{name} must be finite and ")
    assert set(kernels) == {kernels[0]} == {_message(lambda: check_neuron_params(**point))}
    network = _message(lambda: mfkit.MeanFieldNetwork(K=[[100.0]], J=[[0.1]], **bad))
    # the network shows its per-population arrays after "got", the kernels the offending point
    assert kernels[0].split(", got")[0] == network.split(", got")[0]


def test_kernel_check_agrees_with_check_neuron_params():
    """neuron_param_error flags what check_neuron_params rejects (NaN aside) and raise_neuron_error names it."""
    specials = (-math.inf, -1.0, -0.0, 0.0, 1.0, 30.0, math.inf, math.nan)
    for values in itertools.product(specials, repeat=5):
        index = neuron_param_error(*values)
        if any(math.isnan(v) for v in values):  # NaN passes: the message names the flagged parameter
            if index >= 0:
                # except V_reset = +inf with theta = NaN: no theta is above V_reset, the message names theta
                name = NEURON_PARAMS[index]
                if name == "V_reset" and values[3] == math.inf:
                    name = "theta"
                with pytest.raises(ValueError, match=f"^{name} must be finite and "):
                    raise_neuron_error(index, *values)
            continue
        try:
            check_neuron_params(*values)
        except ValueError as err:
            assert index >= 0, values
            with pytest.raises(ValueError) as info:
                raise_neuron_error(index, *values)
            assert str(info.value) == str(err), values
        else:
            assert index == -1, values


@pytest.mark.parametrize("bad", ["10", 1 + 2j, [1.0, "a"], None])
def test_non_real_input_raises_type_error(bad):
    with pytest.raises(TypeError, match="mu"):
        mfkit.siegert(bad, 1.0)


# ------------------------------------------------------------------ the tabulated functions

@pytest.mark.parametrize("x", [0.0, 1e-8, 0.1, 0.2499999, 0.25, 0.9, 1.0, 2.5, 3.75, 6.1, 9.9, 11.99, 12.0, 12.01,
                               20.0, 100.0, 1e5, 1e12])
def test_tabulated_special_functions(x):
    with mp.workdps(40):
        X = mp.mpf(x)
        erfcx = mp.exp(X * X) * mp.erfc(X)
        dawsn = mp.sqrt(mp.pi) / 2 * mp.exp(-X * X) * mp.erfi(X)
        integral = reference.erfcx_integral(x, dps=30)
    assert sp.erfcx(sp.COEF, x) == pytest.approx(float(erfcx), rel=4e-16)
    # dawsn and the integral vanish at 0, where the tables are accurate in absolute terms (~1e-17)
    assert sp.dawsn(sp.COEF, x) == pytest.approx(float(dawsn), rel=4e-16, abs=3e-17)
    assert sp.erfcx_integral(sp.COEF, x) == pytest.approx(float(integral), rel=4e-16, abs=3e-17)
