"""Fixed points of eq. 27 and their stability (eq. 30).

Results are checked against the golden values of the seed / anchors and, for
other (g, eta), against an independent dense scan written out here with the
seed script's arithmetic and a direct call of the Siegert formula.
"""
import dataclasses

import numpy as np
import pytest

from mfkit.fixed_points import (
    FixedPoint, FixedPointError, NoUniqueStateError, as_fixed_point, bifurcation_diagram, fixed_points,
    make_fixed_point, stable_fixed_point,
)
from mfkit import BrunelNetwork, MeanFieldNetwork
from mfkit.pseudo_time import pseudo_time
from mfkit.siegert import siegert

SEED_RATE = 32.0331145039  # anchors.md golden value


def phi_independent(nu, g, eta):
    """Phi(nu) for the Brunel network with E = I = nu, from the seed script's formulas."""
    CE, CI, J, tau = 1000, 250, 0.1, 20.0
    p_rate = 1000.0 * eta * 20.0 / (J * CE * tau) * CE
    mu = tau * 1e-3 * (J * p_rate + CE * J * nu - CI * g * J * nu)
    s2 = tau * 1e-3 * (J**2 * p_rate + CE * J**2 * nu + CI * (g * J) ** 2 * nu)
    return siegert(mu, np.sqrt(s2), tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0)


def independent_root_count(g, eta):
    """Sign changes of Phi(nu) - nu on a dense grid (log below 1 Hz, linear up to 500 Hz)."""
    nu = np.concatenate([np.geomspace(1e-300, 1.0, 400), np.linspace(1.0, 499.999, 2000)[1:]])
    f = phi_independent(nu, g, eta) - nu
    return int(np.sum(np.sign(f[1:]) != np.sign(f[:-1])))


def test_seed_fixed_point():
    fps = fixed_points(BrunelNetwork())
    assert len(fps) == 1
    fp = fps[0]
    assert isinstance(fp, FixedPoint)
    np.testing.assert_allclose(fp.rates, [SEED_RATE, SEED_RATE], rtol=1e-10)
    np.testing.assert_allclose(fp.mu, 23.983443, atol=5e-7)
    np.testing.assert_allclose(fp.sigma, 7.102677, atol=5e-7)
    assert fp.pseudo_time_stable and fp.relative_residual < 1e-12
    assert fp.names == ("E", "I")


def test_multistable_g3_eta08():
    fps = fixed_points(BrunelNetwork(g=3.0, eta=0.8))
    assert len(fps) == 3
    assert [fp.pseudo_time_stable for fp in fps] == [True, False, True]
    rates = [fp.rate for fp in fps]
    assert rates == sorted(rates)
    for fp in fps:
        nu = fp.rates[0]
        assert fp.rates[1] == nu
        assert abs(phi_independent(nu, 3.0, 0.8) - nu) <= 1e-12 * nu


def test_stable_fixed_point_is_the_unique_stable_one():
    seed = stable_fixed_point(BrunelNetwork())
    assert seed.pseudo_time_stable and abs(seed.rates[0] / SEED_RATE - 1) < 1e-9
    fps = fixed_points(BrunelNetwork(g=3.0, eta=0.8))
    with pytest.raises(NoUniqueStateError, match="2 stable fixed points") as err:
        stable_fixed_point(BrunelNetwork(g=3.0, eta=0.8), fps)
    assert isinstance(err.value, ValueError) and err.value.stable == [fps[0], fps[2]]
    # given candidates are used as they are: only the unstable middle one -> none stable
    with pytest.raises(NoUniqueStateError, match="0 stable fixed points"):
        stable_fixed_point(BrunelNetwork(g=3.0, eta=0.8), [fps[1]])
    assert stable_fixed_point(BrunelNetwork(g=3.0, eta=0.8), fps[:2]) is fps[0]


def test_as_fixed_point_default_given_and_refused():
    """The state an analysis starts from: the stationary state, or the given one checked against eq. 27."""
    net = BrunelNetwork(g=3.0, eta=0.8)
    low, mid, high = fixed_points(net)
    seed = as_fixed_point(BrunelNetwork())
    assert seed.pseudo_time_stable and abs(seed.rates[0] / SEED_RATE - 1) < 1e-9
    for given in (mid, mid.rates, list(mid.rates)):  # a FixedPoint or its rates: rebuilt at net
        fp = as_fixed_point(net.model if given is mid else net, given)
        assert fp is not mid and fp.rates.tolist() == mid.rates.tolist() and not fp.pseudo_time_stable
    with pytest.raises(NoUniqueStateError):
        as_fixed_point(net)
    with pytest.raises(ValueError, match="not a fixed point .* relative residual"):
        as_fixed_point(net, mid.rates * (1 + 1e-6))
    with pytest.raises(ValueError, match="not a fixed point"):  # a fixed point of another network
        as_fixed_point(BrunelNetwork(), low)


def test_tiny_rate_fixed_point_eta05():
    fps = fixed_points(BrunelNetwork(g=5.0, eta=0.5))
    assert len(fps) == 1
    nu = fps[0].rates[0]
    assert 1e-42 < nu < 1e-40
    # recurrent input at this rate is ~1e-40 mV: the fixed point is Phi of the external drive alone
    # (mu = 10 mV, sigma = 1 mV for eta = 0.5); checked independently to 1e-9
    assert nu == pytest.approx(float(siegert(10.0, 1.0)), rel=1e-9)
    assert nu == pytest.approx(float(phi_independent(nu, 5.0, 0.5)), rel=1e-12)
    assert fps[0].pseudo_time_stable


@pytest.mark.parametrize(
    "case",  # mean-field column of the table in anchors.md (rounded to the digits shown)
    ["4.5 0.9 5.832", "6 4 49.148", "5 1.5 20.581", "8 2 12.407", "3 2 194.79"],
)
def test_anchor_table(case):
    g, eta, rate = case.split()
    fps = fixed_points(BrunelNetwork(g=float(g), eta=float(eta)))
    assert len(fps) == 1 and fps[0].pseudo_time_stable
    half_unit = 0.5 * 10.0 ** -len(rate.split(".")[1])
    assert abs(fps[0].rate - float(rate)) <= half_unit


@pytest.mark.parametrize("g, eta", [(3.0, 0.8), (2.0, 0.6), (3.5, 0.8), (8.0, 0.8), (4.0, 1.0), (2.5, 0.85)])
def test_count_and_accuracy_against_independent_scan(g, eta):
    fps = fixed_points(BrunelNetwork(g=g, eta=eta))
    assert len(fps) == independent_root_count(g, eta)
    for fp in fps:
        nu = fp.rates[0]
        assert abs(phi_independent(nu, g, eta) - nu) <= 1e-11 * nu
        # stability from the Jacobian agrees with the slope of Phi(nu) (1-D reduction)
        h = 1e-6 * nu
        slope = (phi_independent(nu + h, g, eta) - phi_independent(nu - h, g, eta)) / (2 * h)
        assert fp.pseudo_time_stable == (slope < 1)


def test_eigenvalues_structure_and_tau_scaling():
    fp1 = fixed_points(BrunelNetwork(g=3.0, eta=0.8))[1]
    fp5 = fixed_points(BrunelNetwork(g=3.0, eta=0.8), tau=5.0)[1]
    # E - I difference mode: eigenvalue exactly -1/tau, since E and I receive the same input
    assert np.min(np.abs(fp1.pseudo_time_eigenvalues - (-1.0))) < 1e-12
    np.testing.assert_allclose(np.sort(fp5.pseudo_time_eigenvalues.real),
                               np.sort(fp1.pseudo_time_eigenvalues.real) / 5, rtol=1e-9)
    assert fp1.pseudo_time_eigenvalues.real.max() > 0 and not fp5.pseudo_time_stable


def test_stability_agrees_with_pseudo_time():
    net = BrunelNetwork(g=3.0, eta=0.8)
    low, mid, high = fixed_points(net)
    for start, target in ((0.0, low), ((1 - 1e-3) * mid.rates, low), ((1 + 1e-3) * mid.rates, high), (400.0, high)):
        res = pseudo_time(net, 100.0, rates0=start, drive="constant")
        np.testing.assert_allclose(res.final, target.rates, rtol=1e-8)


def test_equivalent_general_networks_give_the_same_fixed_points():
    brunel = fixed_points(BrunelNetwork(g=3.0, eta=0.8))
    # three identical populations that together receive the same input as the Brunel E and I
    m = MeanFieldNetwork(K=[[500, 500, 250]] * 3, J=[[0.1, 0.1, -0.3]] * 3, K_ext=1000, J_ext=0.1, nu_ext=8.0)
    assert m.population_groups() == [[0, 1, 2]]
    fps = fixed_points(m)
    assert len(fps) == 3
    for a, b in zip(fps, brunel):
        np.testing.assert_allclose(a.rates, b.rates[0], rtol=1e-10)
        assert a.pseudo_time_stable == b.pseudo_time_stable


def test_heterogeneous_network_multistart():
    base = BrunelNetwork(g=3.0, eta=0.8).model
    m = dataclasses.replace(base, V_reset=[0.0, 1.0], tau_m=[20.0, 18.0])
    assert len(m.population_groups()) == 2
    fps = fixed_points(m, n_starts=36)
    assert [fp.pseudo_time_stable for fp in fps] == [True, False, True]
    for fp in fps:
        assert fp.relative_residual < 1e-12
        assert fp.rates[0] != fp.rates[1]  # E and I differ (stated in book/network.ipynb)
        # independent check of the residual with an explicit eq. 28/29 evaluation
        mu = m.tau_m * 1e-3 * ((m.K * m.J) @ fp.rates + m.K_ext * m.J_ext * m.nu_ext)
        s2 = m.tau_m * 1e-3 * ((m.K * m.J**2) @ fp.rates + m.K_ext * m.J_ext**2 * m.nu_ext)
        phi = siegert(mu, np.sqrt(s2), tau_m=m.tau_m, t_ref=m.t_ref, theta=m.theta, V_reset=m.V_reset)
        np.testing.assert_allclose(phi, fp.rates, rtol=1e-11)
    # the stable high-activity state is what the pseudo-time dynamics reaches from the NEST start
    res = pseudo_time(m, 60.0, dt=0.1)
    np.testing.assert_allclose(res.final, fps[0].rates, rtol=1e-6)


def test_quiescent_fixed_point_without_drive():
    # no external drive: nu = 0 is an exact fixed point (sigma = 0, mu = 0 < theta)
    fps = fixed_points(BrunelNetwork(g=0.0, eta=0.0))
    assert fps[0].rate == 0.0 and fps[0].pseudo_time_stable
    assert len(fps) == independent_root_count(0.0, 0.0) + 1


def test_make_fixed_point_reports_residual_of_a_non_solution():
    fp = make_fixed_point(BrunelNetwork(), [10.0, 10.0])
    assert fp.relative_residual > 0.1


def test_failure_raises():
    # excitation only, no refractoriness: Phi(nu) > nu without bound
    with pytest.raises(FixedPointError, match="upper bound"):
        fixed_points(BrunelNetwork(g=0.0, eta=3.0, t_ref=0.0))
    with pytest.raises(ValueError, match="tau"):
        fixed_points(BrunelNetwork(), tau=0.0)
    with pytest.raises(TypeError):
        fixed_points("not a network")


@pytest.mark.parametrize("kwargs, name", [
    (dict(tau=np.inf), "tau"), (dict(tau="1"), "tau"), (dict(grid=(20, 40)), "grid"),
    (dict(grid=(20, 40, 2.5)), "grid"), (dict(n_starts=0), "n_starts"), (dict(n_starts=True), "n_starts"),
])
def test_bad_solver_arguments_are_named(kwargs, name):
    with pytest.raises(ValueError, match=name):
        fixed_points(BrunelNetwork(), **kwargs)
    with pytest.raises(ValueError, match="rates must be >= 0"):
        make_fixed_point(BrunelNetwork(), [-1.0, 1.0])


def test_groups_with_different_refractory_periods_are_searched_to_their_own_maximum():
    """Regression (issue 9): uncoupled populations with t_ref = 1 and 2 ms, the first above 500 Hz.

    The multistart used to clip every group at the smallest 1000/t_ref and missed the fixed
    point. Each population here is a 1-D problem of its own, solved by an independent dense scan.
    """
    m = MeanFieldNetwork(K=[[100, 0], [0, 100]], J=[[-0.1, 0], [0, -0.1]], t_ref=[1.0, 2.0],
                         K_ext=1000, J_ext=0.1, nu_ext=[4000.0, 1000.0])
    (fp,) = fixed_points(m)
    for a in range(2):
        nu = np.linspace(0.0, 1000.0 / m.t_ref[a], 400_001)[:-1]
        mu = 20e-3 * (100 * -0.1 * nu + 1000 * 0.1 * m.nu_ext[a])
        s2 = 20e-3 * (100 * 0.01 * nu + 1000 * 0.01 * m.nu_ext[a])
        f = siegert(mu, np.sqrt(s2), t_ref=m.t_ref[a]) - nu
        (i,) = np.flatnonzero(np.sign(f[:-1]) != np.sign(f[1:]))  # exactly one root each
        assert nu[i] <= fp.rates[a] <= nu[i + 1]
    assert fp.rates[0] > 500.0 and fp.pseudo_time_stable


def test_statements_of_the_pseudo_time_chapter():
    """Numbers stated in book/pseudo_time.ipynb (fixed points and bifurcations)."""
    low, mid, high = fixed_points(BrunelNetwork(g=3.0, eta=0.8))
    assert round(low.rate, 5) == 0.00391 and round(mid.rate, 3) == 2.253 and round(high.rate, 1) == 133.7
    # eta = 0.6: low-activity state near 1e-21 Hz
    assert 1e-22 < fixed_points(BrunelNetwork(g=3.0, eta=0.6))[0].rate < 1e-20
    # eta = 0.8: saddle-node between g = 3.6 and g = 3.7
    assert len(fixed_points(BrunelNetwork(g=3.6, eta=0.8))) == 3
    assert len(fixed_points(BrunelNetwork(g=3.7, eta=0.8))) == 1
    # strong drive: one stable state whose rate falls with inhibition
    rates = []
    for g in (2.0, 4.0, 6.0, 8.0):
        fps = fixed_points(BrunelNetwork(g=g, eta=2.0))
        assert len(fps) == 1 and fps[0].pseudo_time_stable
        rates.append(fps[0].rate)
    assert np.all(np.diff(rates) < 0)
    # seed: common-mode eigenvalue below -1/tau (the network follows its drive unit)
    net = BrunelNetwork()
    fp = fixed_points(net)[0]
    assert net.jacobian(fp.rates).sum(axis=1)[0] < -1.0


def test_bifurcation_diagram_branches():
    branches = bifurcation_diagram([3.0, 3.3, 3.6, 3.7, 4.0], "g", base=BrunelNetwork(eta=0.8))
    assert len(branches) == 3
    full = [b for b in branches if len(b.values) == 5]
    assert len(full) == 1 and full[0].pseudo_time_stable.all() and np.all(full[0].rates < 0.01)
    ending = sorted((b for b in branches if len(b.values) == 3), key=lambda b: b.rates[0])
    assert len(ending) == 2 and ending[0].values[-1] == 3.6
    assert not ending[0].pseudo_time_stable.any() and ending[1].pseudo_time_stable.all()
    with pytest.raises(ValueError, match="param"):
        bifurcation_diagram([1.0], "nonsense")
