"""The threshold's time grid (issue 19 item 4): eq. 27 with ``dt``, the network option, the simulator's mode.

A threshold tested every dt ms is, to first order in sqrt(dt/tau_m), a continuous-time threshold
higher by beta sigma sqrt(dt/tau_m), beta = -zeta(1/2)/sqrt(2 pi) (Siegmund; Broadie, Glasserman &
Kou 1997).  Checked here:

* the rate against the mpmath reference of eq. 27 at the raised threshold, and both derivatives
  against central differences of that reference (the sigma-derivative includes the move of the
  raised threshold with sigma); the limits, broadcasting, NaN and the errors;
* the network option: fixed points (eq. 27 and 30, the scalar and the vector solvers), pseudo-time,
  the Jacobian, and the refusal of the linear-response analyses;
* white-noise neurons whose threshold is tested only on the grid (``crossing="grid"``) against the
  corrected eq. 27, and with the Brownian bridge against the uncorrected one.  The grid and bridge
  runs share their noise (same seed), so their ratio is measured far more precisely than either rate.
"""
from __future__ import annotations

import dataclasses
import math

import mpmath as mp
import numpy as np
import pytest

import mfkit
from mfkit import BrunelNetwork, MeanFieldNetwork, reference
from mfkit.single_neuron import simulate_lif_rate

BETA = -mp.zeta(0.5) / mp.sqrt(2 * mp.pi)  # Siegmund's constant, independently of mfkit
SEED_NEURON = dict(tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0)

#: (mu, sigma, dt, neuron) in every regime of the kernel: sub-threshold, below reset, near threshold,
#: supra-threshold (closed forms and asymptotic), short intervals (Gauss-Legendre), another neuron
POINTS = [
    (15.0, 3.0, 0.1, {}), (-5.0, 3.0, 0.1, {}), (10.0, 5.0, 0.01, {}), (-3.0, 2.0, 2.0, {}),
    (20.0, 5.0, 0.1, {}), (20.0, 0.05, 0.1, {}), (23.98, 7.1, 0.1, {}), (40.0, 2.0, 0.01, {}),
    (29.0, 0.3, 0.1, {}), (20.0 + 1e4 * 0.01, 0.01, 0.1, {}), (10.0, 200.0, 0.1, {}), (16.0, 40.0, 2.0, {}),
    (-55.0, 4.0, 0.5, dict(tau_m=10.0, t_ref=1.0, theta=-50.0, V_reset=-60.0)),
]


def _reference_rate(mu, sigma, dt, neuron, dps=30):
    """Reference rate (mpmath) of eq. 27 with the threshold raised by beta sigma sqrt(dt/tau_m)."""
    p = {**SEED_NEURON, **neuron}
    theta = mp.mpf(p["theta"]) + BETA * sigma * mp.sqrt(mp.mpf(dt) / p["tau_m"])
    return reference.siegert_with_derivatives(mu, sigma, p["tau_m"], p["t_ref"], theta, p["V_reset"], dps=dps)


# ------------------------------------------------------------------ eq. 27 with dt

def test_beta_is_siegmunds_constant():
    assert mfkit.TIME_GRID_BETA == pytest.approx(float(BETA), rel=2e-16)
    assert mfkit.TIME_GRID_BETA == pytest.approx(0.5826, abs=5e-5)


@pytest.mark.parametrize("mu, sigma, dt, neuron", POINTS)
def test_rate_and_derivatives_are_eq27_at_the_raised_threshold(mu, sigma, dt, neuron):
    d = mfkit.siegert_with_derivatives(mu, sigma, **neuron, dt=dt)
    assert d.rate == mfkit.siegert(mu, sigma, **neuron, dt=dt)
    with mp.workdps(30):
        ref = _reference_rate(mu, sigma, dt, neuron)
        h = mp.mpf(sigma) * mp.mpf("1e-12")  # central difference: truncation ~1e-24, rounding ~1e-18
        up = _reference_rate(mu, mp.mpf(sigma) + h, dt, neuron).rate
        down = _reference_rate(mu, mp.mpf(sigma) - h, dt, neuron).rate
        d_sigma = (up - down) / (2 * h)
    theta = neuron.get("theta", 20.0)
    y_th = (theta - mu) / sigma
    assert float(abs(d.rate - ref.rate) / ref.rate) <= 10 * max(1e-13, 1e-15 * y_th * y_th)
    # d/d mu at a fixed raised threshold is the total one (the raise does not depend on mu)
    assert float(abs(d.d_mu - ref.d_mu)) <= 1e-10 * float(abs(ref.d_mu)) + 1e-300
    # d/d sigma includes the move of the raised threshold with sigma
    assert float(abs(d.d_sigma - d_sigma)) <= 1e-9 * float(abs(d_sigma)) + 1e-12 * float(abs(ref.d_mu))


def test_the_raise_is_a_constant_in_the_scaled_threshold():
    # y_th = (theta - mu)/sigma + beta sqrt(dt/tau_m): the same rate as the threshold theta + beta sigma sqrt(dt/tau_m)
    mu, sigma = np.linspace(5.0, 35.0, 7), np.linspace(1.0, 9.0, 7)
    for dt, tau_m in ((0.1, 20.0), (0.01, 20.0), (0.5, 5.0)):
        raised = 20.0 + mfkit.TIME_GRID_BETA * sigma * math.sqrt(dt / tau_m)
        np.testing.assert_allclose(mfkit.siegert(mu, sigma, tau_m=tau_m, dt=dt),
                                   mfkit.siegert(mu, sigma, tau_m=tau_m, theta=raised), rtol=1e-12)
    # the grid lowers the rate, more for coarser grids, and vanishes as dt -> 0
    rates = [mfkit.siegert(15.0, 3.0, dt=dt) for dt in (2.0, 0.1, 0.01, 1e-8)]
    assert rates[0] < rates[1] < rates[2] < rates[3] < mfkit.siegert(15.0, 3.0)
    assert rates[3] == pytest.approx(mfkit.siegert(15.0, 3.0), rel=1e-4)


def test_limits_of_the_noise():
    # sigma -> 0+: the deterministic rate, and d nu/d sigma = beta sqrt(dt/tau_m) d nu/d theta
    g = mfkit.TIME_GRID_BETA * math.sqrt(0.1 / 20.0)
    at_zero = mfkit.siegert_with_derivatives(25.0, 0.0, dt=0.1)
    assert at_zero.rate == mfkit.siegert(25.0, 0.0)
    assert at_zero.d_mu == mfkit.siegert_with_derivatives(25.0, 0.0).d_mu
    h = 1e-6
    d_theta = (mfkit.siegert(25.0, 0.0, theta=20.0 + h) - mfkit.siegert(25.0, 0.0, theta=20.0 - h)) / (2 * h)
    assert at_zero.d_sigma == pytest.approx(g * d_theta, rel=1e-7)
    small = 1e-7
    assert at_zero.d_sigma == pytest.approx((mfkit.siegert(25.0, small, dt=0.1) - at_zero.rate) / small, rel=1e-5)
    # sigma = +inf with finite mu: the bounds tend to 0 and g, the rate to 1000/(t_ref + tau_m sqrt(pi) int_0^g)
    with mp.workdps(30):
        g_mp = BETA * mp.sqrt(mp.mpf("0.1") / 20)
        limit = 1000 / (2 + 20 * mp.sqrt(mp.pi) * mp.quad(lambda u: mp.exp(u * u) * mp.erfc(-u), [0, g_mp]))
    inf = mfkit.siegert_with_derivatives(15.0, math.inf, dt=0.1)
    assert inf.rate == pytest.approx(float(limit), rel=1e-13)
    assert (inf.d_mu, inf.d_sigma) == (0.0, 0.0)
    assert mfkit.siegert(15.0, 1e12, dt=0.1) == pytest.approx(inf.rate, rel=1e-9)
    # with sigma = +inf and mu = +-inf the limit depends on the path; finite sigma keeps its limits
    assert all(math.isnan(v) for v in mfkit.siegert_with_derivatives(math.inf, math.inf, dt=0.1))
    assert all(math.isnan(v) for v in mfkit.siegert_with_derivatives(-math.inf, math.inf, dt=0.1))
    assert mfkit.siegert(math.inf, 3.0, dt=0.1) == 500.0 and mfkit.siegert(-math.inf, 3.0, dt=0.1) == 0.0


def test_broadcasting_nan_and_scalars():
    mu = np.array([[10.0], [20.0], [30.0]])
    dt = np.array([0.1, 0.01])
    out = mfkit.siegert_with_derivatives(mu, 4.0, dt=dt)
    assert all(np.shape(f) == (3, 2) for f in out)
    for i in range(3):
        for j in range(2):
            point = mfkit.siegert_with_derivatives(float(mu[i, 0]), 4.0, dt=float(dt[j]))  # the scalar path
            assert tuple(f[i, j] for f in out) == tuple(point)
    assert isinstance(mfkit.siegert(10.0, 4.0, dt=0.1), float)
    assert np.all(np.isnan(mfkit.siegert_with_derivatives([10.0, math.nan], 4.0, dt=[math.nan, 0.1])))
    assert math.isnan(mfkit.siegert(10.0, 4.0, tau_m=math.nan, dt=0.1))
    # dt=None is continuous time
    assert mfkit.siegert(10.0, 4.0, dt=None) == mfkit.siegert(10.0, 4.0)


@pytest.mark.parametrize("kwargs, words", [
    (dict(dt=0.0), "dt must be None (continuous time) or a time step in (0, tau_m/10] ms, got dt=0.0 with tau_m=20.0"),
    (dict(dt=-0.1), "got dt=-0.1 with tau_m=20.0"),
    (dict(dt=2.5), "got dt=2.5 with tau_m=20.0"),
    (dict(dt=math.inf), "got dt=inf"),
    (dict(dt=0.5, tau_m=np.array([20.0, 4.0])), "got dt=0.5 with tau_m=4.0"),
    (dict(dt=np.array([0.1, 3.0])), "got dt=3.0 with tau_m=20.0"),
    (dict(dt=0.1, tau_syn=1.0), "dt (a threshold tested every dt ms) needs white noise, tau_syn = 0"),
])
def test_bad_time_step_is_refused_by_name(kwargs, words):
    for f in (mfkit.siegert, mfkit.siegert_with_derivatives):
        with pytest.raises(ValueError) as err:
            f(15.0, 3.0, **kwargs)
        assert words in str(err.value)


def test_non_real_time_step_is_a_type_error():
    with pytest.raises(TypeError, match="dt must be a real number"):
        mfkit.siegert(15.0, 3.0, dt="0.1")
    # a bad neuron parameter is reported before the time step
    with pytest.raises(ValueError, match="tau_m must be finite and > 0 ms"):
        mfkit.siegert(15.0, 3.0, tau_m=-1.0, dt=0.1)


# ------------------------------------------------------------------ the network option

#: The issue's network: g = 8, eta = 0.9, V_reset = 10 mV
LOW = BrunelNetwork(g=8.0, eta=0.9, V_reset=10.0)


def test_network_fixed_point_on_a_grid_solves_the_corrected_eq27():
    for net in (BrunelNetwork(), LOW):
        cont = mfkit.stable_fixed_point(net)
        grid = mfkit.stable_fixed_point(dataclasses.replace(net, dt=0.1))
        # eq. 28-29 written out, eq. 27 with dt: the rates reproduce themselves
        nu = grid.rates[0]
        mu = net.tau_m * 1e-3 * (net.CE * net.J * (nu + net.nu_ext_hz) - net.CI * net.g * net.J * nu)
        sigma = math.sqrt(net.tau_m * 1e-3 * (net.CE * net.J**2 * (nu + net.nu_ext_hz)
                                              + net.CI * (net.g * net.J) ** 2 * nu))
        assert mfkit.siegert(mu, sigma, V_reset=net.V_reset, dt=0.1) == pytest.approx(nu, rel=1e-10)
        assert grid.rates[0] < cont.rates[0] and grid.pseudo_time_stable
        # the vector solver (fixed_points of the general model, E and I kept apart) finds the same state
        general = MeanFieldNetwork(**{**{k: getattr(net.model, k) for k in
                                         ("K", "J", "tau_m", "t_ref", "theta", "V_reset", "K_ext", "J_ext",
                                          "nu_ext")}, "names": ("a", "b"), "dt": 0.1})
        found = [fp for fp in mfkit.fixed_points(general) if fp.pseudo_time_stable]
        assert len(found) == 1
        np.testing.assert_allclose(found[0].rates, grid.rates, rtol=1e-9)
        # pseudo-time (eq. 30) relaxes to it
        traj = mfkit.pseudo_time(dataclasses.replace(net, dt=0.1), t_sim=60.0, dt=0.1, method="ode", drive="constant")
        np.testing.assert_allclose(traj.final, grid.rates, rtol=1e-6)
    # the continuation over g follows the fixed points on the grid
    net = BrunelNetwork(eta=2.0, dt=0.1)
    (curve,) = mfkit.fixed_point_curve(net, g_range=(5.5, 6.0))
    for k in (0, len(curve.g) // 2):
        state = mfkit.stable_fixed_point(dataclasses.replace(net, g=float(curve.g[k])))
        assert curve.rates[k] == pytest.approx(state.rates[0], rel=1e-9)


def test_network_jacobian_on_a_grid_matches_finite_differences():
    m = MeanFieldNetwork(K=[[800, 200], [600, 150]], J=[[0.1, -0.6], [0.15, -0.5]], tau_m=[20.0, 10.0],
                         K_ext=1, J_ext=0.1, nu_ext=[16000.0, 15000.0], dt=0.1)
    r = np.array([10.0, 20.0])
    _, dphi = m.transfer_with_jacobian(r)
    h = 1e-4
    num = np.column_stack([(m.transfer(r + h * e) - m.transfer(r - h * e)) / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(dphi, num, rtol=1e-6)
    # and the grid enters: without it the transfer is higher
    assert np.all(dataclasses.replace(m, dt=None).transfer(r) > m.transfer(r))
    # the scalar path along a line of rates is the model's
    point = m.rate_line(1).at(12.0)
    assert point.siegert.rate == m.transfer(12.0)[1]


def test_network_time_step_is_checked_and_the_linear_response_refused():
    assert BrunelNetwork().dt is None and BrunelNetwork().model.dt is None
    assert BrunelNetwork(dt=0.1).model.dt == 0.1
    for bad, words in ((0.0, "dt must be None (continuous time) or a time step in (0, tau_m/10] ms"),
                       (5.0, "got dt=5.0 with tau_m=20.0"), ("0.1", "got '0.1'"), (True, "got True"),
                       ([0.1, 0.1], "dt must be None or one time step")):
        for make in (lambda: BrunelNetwork(dt=bad), lambda: MeanFieldNetwork(K=[[1.0]], J=[[0.1]], dt=bad)):
            with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")
                               .replace("[", r"\[").replace("]", r"\]")):
                make()
    with pytest.raises(ValueError, match="needs white noise"):
        BrunelNetwork(dt=0.1, tau_syn=0.5)
    net = dataclasses.replace(LOW, dt=0.1)
    for analysis in (lambda: mfkit.network_stability(net), lambda: mfkit.rate_spectrum(net, [10.0])):
        with pytest.raises(NotImplementedError, match="time grid"):
            analysis()


# ------------------------------------------------------------------ neurons whose threshold is tested on the grid

def _bridge_and_grid(mu, sigma, *, dt, n_neurons, t_sim, t_warmup, V_reset=0.0, seed=2026):
    """Rates of the same neurons with the Brownian bridge and on the grid (shared noise), and their ratio.

    Returns the two results and the ratio grid/bridge with its standard error, from the 16
    independent groups of neurons (the noise shared by the two runs cancels in the ratio).
    """
    kw = dict(dt=dt, n_neurons=n_neurons, t_sim=t_sim, t_warmup=t_warmup, V_reset=V_reset, seed=seed, n_groups=16)
    bridge = simulate_lif_rate(mu, sigma, crossing="bridge", **kw)
    grid = simulate_lif_rate(mu, sigma, crossing="grid", **kw)
    ratios = grid.rates_by_group.mean(axis=1) / bridge.rates_by_group.mean(axis=1)
    return bridge, grid, float(ratios.mean()), float(ratios.std(ddof=1) / math.sqrt(ratios.size))


def _dead_time_bias(rate, dt):
    """Relative rate bias of the bridge: a crossing within a step restarts the neuron only at the step's end
    (dead time t_ref + dt/2 on average, instead of t_ref)."""
    return rate * 1e-3 * dt / 2


@pytest.mark.parametrize("case", ["issue point, sub-threshold", "seed input, supra-threshold"])
def test_neurons_on_the_grid_fire_at_the_corrected_rate(case):
    if case.startswith("issue"):  # g = 8, eta = 0.9, V_reset = 10 mV: 1.34 Hz, few spikes: a looser check
        fp = mfkit.stable_fixed_point(LOW)
        mu, sigma, V_reset, run = float(fp.mu[0]), float(fp.sigma[0]), 10.0, dict(n_neurons=96, t_sim=30000.0)
    else:  # the seed network's fixed point, 32 Hz
        mu, sigma, V_reset, run = 23.98344275, 7.10267668, 0.0, dict(n_neurons=1000, t_sim=2000.0)
    dt = 0.1
    bridge, grid, ratio, ratio_err = _bridge_and_grid(mu, sigma, dt=dt, t_warmup=500.0, V_reset=V_reset, **run)
    plain = mfkit.siegert(mu, sigma, V_reset=V_reset)
    corrected = mfkit.siegert(mu, sigma, V_reset=V_reset, dt=dt)
    # with the Brownian bridge the neurons fire at the rate of eq. 27
    bias = _dead_time_bias(plain, dt)
    assert abs(bridge.mean_rate / plain - 1 + bias) < 4 * bridge.mean_rate_error / plain
    # on the grid at the corrected rate, not at eq. 27's
    err = grid.mean_rate_error / corrected
    assert abs(grid.mean_rate / corrected - 1) < 4 * err
    assert abs(grid.mean_rate / plain - 1) > max(4 * err, 0.02)
    # and the ratio of the two, measured far more precisely, is that of the corrected and plain eq. 27
    assert abs(ratio / (corrected / plain) - 1) < min(4 * ratio_err, 0.02)
    assert 1 - ratio > max(10 * ratio_err, 0.02)
    if case.startswith("issue"):  # where eq. 27 is off by more than 5 % (-11.7 %)
        assert 1 - corrected / plain > 0.05 and abs(grid.mean_rate / plain - 1) > 0.05


def test_neurons_on_a_finer_grid_near_threshold():
    # mu = theta: eq. 27 gives 20.1 Hz; at dt = 0.01 ms the grid costs 0.93 %
    mu, sigma, dt = 20.0, 5.0, 0.01
    bridge, grid, ratio, ratio_err = _bridge_and_grid(mu, sigma, dt=dt, n_neurons=320, t_sim=1000.0, t_warmup=200.0)
    plain = mfkit.siegert(mu, sigma)
    corrected = mfkit.siegert(mu, sigma, dt=dt)
    assert abs(ratio / (corrected / plain) - 1) < 4 * ratio_err
    assert 1 - ratio > 5 * ratio_err
    assert abs(bridge.mean_rate / plain - 1 + _dead_time_bias(plain, dt)) < 4 * bridge.mean_rate_error / plain
    assert abs(grid.mean_rate / corrected - 1) < 4 * grid.mean_rate_error / corrected


def test_crossing_mode_is_checked_and_bridge_is_the_default():
    kw = dict(t_sim=50.0, dt=0.1, n_neurons=40, seed=5)
    default = simulate_lif_rate(23.98, 7.1, **kw)
    np.testing.assert_array_equal(default.rates_by_group,
                                  simulate_lif_rate(23.98, 7.1, crossing="bridge", **kw).rates_by_group)
    grid = simulate_lif_rate(23.98, 7.1, crossing="grid", **kw)
    assert grid.rates_by_group.sum() < default.rates_by_group.sum()  # the grid only ever misses crossings
    for bad in ("Grid", 1, "nest"):  # None is the default (bridge for white noise)
        with pytest.raises(ValueError, match="crossing must be 'bridge' or 'grid'"):
            simulate_lif_rate(23.98, 7.1, crossing=bad, **kw)
