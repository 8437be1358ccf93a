"""Pseudo-time dynamics (eq. 30): NEST's scheme against NEST's own recording, and the ODE mode."""
from pathlib import Path

import numpy as np
import pytest

from mfkit.fixed_points import fixed_points
from mfkit import BrunelNetwork, MeanFieldNetwork
from mfkit.pseudo_time import PseudoTimeResult, pseudo_time
from mfkit.siegert import siegert

NEST_CSV = Path(__file__).resolve().parents[1] / "mfkit" / "data" / "nest_seed_trajectory.csv"


@pytest.fixture(scope="module")
def nest():
    return np.loadtxt(NEST_CSV, delimiter=",", skiprows=1)


@pytest.fixture(scope="module")
def seed_run(nest):
    return pseudo_time(BrunelNetwork(), nest[-1, 0], dt=0.1, tau=1.0)


def test_csv_header():
    assert NEST_CSV.read_text().splitlines()[0] == "time_ms,rate_E_Hz,rate_I_Hz"


def test_reproduces_nest_trajectory(nest, seed_run):
    assert isinstance(seed_run, PseudoTimeResult)
    assert seed_run.rates.shape == (len(nest), 2) and seed_run.names == ("E", "I")
    np.testing.assert_allclose(seed_run.times, nest[:, 0], rtol=0, atol=1e-9)
    for col in (0, 1):
        ref = nest[:, col + 1]
        above = ref > 1e-4
        assert above.sum() > 480
        rel = np.abs(seed_run.rates[above, col] - ref[above]) / ref[above]
        assert rel.max() < 1e-7
        # below 1e-4 Hz (first samples, where NEST's 6-sigma cut-off returns exact zeros)
        np.testing.assert_allclose(seed_run.rates[~above, col], ref[~above], rtol=1e-6, atol=1e-13)


def test_drive_unit_relaxes_from_zero(seed_run):
    net = BrunelNetwork()
    k = np.arange(1, len(seed_run.times) + 1)
    np.testing.assert_allclose(seed_run.drive[:, 0], net.p_rate * (1 - np.exp(-0.1 * k)), rtol=1e-12)
    # the populations feel the drive from the second update on: after one update they are still 0
    assert seed_run.rates[0, 0] == 0.0 and seed_run.rates[1, 0] > 0.0


def test_converges_to_the_fixed_point(seed_run):
    fp = fixed_points(BrunelNetwork())[0]
    np.testing.assert_allclose(seed_run.final, fp.rates, rtol=1e-9)


def test_without_recurrence_scheme_is_exact():
    # no recurrent input, constant drive: r_k = Phi (1 - P1^k) for NEST, Phi (1 - e^{-t/tau}) for the ODE
    m = MeanFieldNetwork(K=[[0.0]], J=[[0.0]], K_ext=1000, J_ext=0.1, nu_ext=12.0)
    phi = float(siegert(m.mu(0.0)[0], m.sigma(0.0)[0]))
    tau, dt = 2.0, 0.25
    nest = pseudo_time(m, 5.0, dt=dt, tau=tau, drive="constant")
    t = nest.times
    np.testing.assert_allclose(nest.rates[:, 0], phi * (1 - np.exp(-dt / tau) ** np.arange(1, len(t) + 1)), rtol=1e-12)
    ode = pseudo_time(m, 5.0, dt=dt, tau=tau, drive="constant", method="ode")
    np.testing.assert_allclose(ode.rates[:, 0], phi * (1 - np.exp(-t / tau)), rtol=1e-8)


def test_nest_scheme_approaches_ode_as_dt_shrinks():
    net = BrunelNetwork()
    ode = pseudo_time(net, 5.0, dt=0.1, method="ode")
    coarse = pseudo_time(net, 5.0, dt=0.1)
    fine = pseudo_time(net, 5.0, dt=0.01)
    err_coarse = np.max(np.abs(coarse.rates - ode.rates))
    err_fine = np.max(np.abs(fine.rates[9::10] - ode.rates))
    assert err_fine < 0.2 * err_coarse  # first order in dt
    np.testing.assert_allclose(ode.drive[:, 0], net.p_rate * (1 - np.exp(-ode.times)), rtol=1e-8)


def test_ode_mode_converges_to_the_fixed_point():
    net = BrunelNetwork(g=4.5, eta=0.9)
    fp = fixed_points(net)[0]
    res = pseudo_time(net, 60.0, dt=1.0, method="ode")
    np.testing.assert_allclose(res.final, fp.rates, rtol=1e-6)


def test_result_is_read_only(seed_run):
    with pytest.raises(ValueError):
        seed_run.rates[0, 0] = 1.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(t_sim=0.0), "t_sim"),
        (dict(t_sim=1.0, dt=0.0), "dt"),
        (dict(t_sim=1.0, tau=-1.0), "tau"),
        (dict(t_sim=1.0, dt=float("nan")), "dt"),
        (dict(t_sim=0.01, dt=0.1), "t_sim"),
        (dict(t_sim=1.0, method="euler"), "method"),
        (dict(t_sim=1.0, drive="ramp"), "drive"),
        (dict(t_sim=1.0, rates0=[-1.0, 0.0]), "rates0"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pseudo_time(BrunelNetwork(), **kwargs)


def test_statements_of_the_pseudo_time_chapter(nest, seed_run):
    """Statements of book/pseudo_time.ipynb about the trajectory."""
    assert np.all(nest[:4, 1:] == 0) and np.all(nest[4, 1:] > 0)  # NEST's 6-sigma zeros
    assert np.all(seed_run.rates[:4] < 1e-37)
    net = BrunelNetwork()
    ode = pseudo_time(net, 2.0, method="ode")
    assert np.all(ode.rates[5:, 0] > seed_run.rates[5:20, 0])  # the ODE rises earlier
    fp = fixed_points(net)[0]
    dist = np.abs(seed_run.rates[:, 0] - fp.rates[0])
    # with the drive unit relaxing, the distance decays as exp(-s/tau) (10 ms -> 20 ms)
    assert dist[199] / dist[99] == pytest.approx(np.exp(-10.0), rel=0.02)
    # with constant drive, at the rate from the Jacobian in NEST's scheme (5 ms -> 10 ms)
    const = pseudo_time(net, 12.0, drive="constant")
    d = np.abs(const.rates[:, 0] - fp.rates[0])
    lam = net.jacobian(fp.rates).sum(axis=1)[0]
    factor = np.exp(-0.1) + (1 - np.exp(-0.1)) * (1 + lam)
    assert d[99] / d[49] == pytest.approx(factor**50, rel=0.02)
    # loader of the shipped CSV
    from mfkit.pseudo_time import load_nest_trajectory
    rec = load_nest_trajectory()
    np.testing.assert_array_equal(rec.rates, nest[:, 1:])
