"""The curves of fixed points over g (mfkit.fixed_point_curve) against mfkit.fixed_points."""
import dataclasses

import numpy as np
import pytest

from mfkit import BrunelNetwork, FixedPointCurve, fixed_point_curve, fixed_points


def on_curves(curves, g, rate):
    """Whether some curve passes through (g, rate): crosses g within 0.1 % of the rate."""
    for c in curves:
        for k in np.flatnonzero((c.g[:-1] - g) * (c.g[1:] - g) <= 0):
            w = (g - c.g[k]) / (c.g[k + 1] - c.g[k]) if c.g[k + 1] != c.g[k] else 0.0
            x = np.log(c.rates[k]) + w * (np.log(c.rates[k + 1]) - np.log(c.rates[k]))
            if abs(x - np.log(rate)) < 1e-3:
                return True
    return False


@pytest.fixture(scope="module")
def curves_08():
    return fixed_point_curve(BrunelNetwork(eta=0.8), (0.0, 8.0))


def test_curves_are_fixed_points(curves_08):
    assert len(curves_08) == 2 and all(isinstance(c, FixedPointCurve) for c in curves_08)
    for c in curves_08:
        assert np.all(c.relative_residual < 1e-12)


@pytest.mark.parametrize("g", [0.0, 1.0, 3.0, 3.6, 3.7, 5.0, 8.0])
def test_every_fixed_point_lies_on_a_curve(curves_08, g):
    for fp in fixed_points(BrunelNetwork(g=g, eta=0.8)):
        assert on_curves(curves_08, g, fp.rate), (g, fp.rate)


def test_stability_and_fold_against_fixed_points(curves_08):
    upper = max(curves_08, key=lambda c: c.rates.max())
    (k,) = upper.folds
    g_fold = upper.g[k]
    assert 3.6 < g_fold < 3.7
    assert len(fixed_points(BrunelNetwork(g=g_fold - 1e-3, eta=0.8))) == 3
    assert len(fixed_points(BrunelNetwork(g=g_fold + 1e-3, eta=0.8))) == 1
    for i in [k - 5, k + 5]:  # unstable before the fold (middle branch), stable after it (high branch)
        fp = min(fixed_points(BrunelNetwork(g=upper.g[i], eta=0.8)),
                 key=lambda f: abs(np.log(f.rate / upper.rates[i])))
        assert fp.pseudo_time_stable == upper.pseudo_time_stable[i]


def test_single_branch_for_strong_drive():
    (c,) = fixed_point_curve(BrunelNetwork(), (4.0, 6.0))
    assert not c.folds.size and np.all(c.pseudo_time_stable)
    assert on_curves([c], 5.0, 32.0331145039)


@pytest.mark.parametrize("kwargs, name", [
    (dict(network="seed"), "network"),
    (dict(network=BrunelNetwork(), g_range=(3.0, 2.0)), "g_range"),
    (dict(network=BrunelNetwork(), max_step=0.0), "max_step"),
    (dict(network=BrunelNetwork(), max_points=1), "max_points"),
])
def test_bad_input_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        fixed_point_curve(**kwargs)


def test_curve_points_are_fixed_points_of_the_network_at_their_g(curves_08):
    """The curve's dependence on g (coefficients of the model at g = 1) is that of the BrunelNetwork at each g."""
    for c in curves_08:
        inside = np.flatnonzero(c.g >= 0)  # the last point of a curve lies just outside g_range
        for k in inside[np.linspace(0, inside.size - 1, 12).astype(int)]:
            net = BrunelNetwork(g=float(c.g[k]), eta=0.8)
            np.testing.assert_allclose(net.transfer(c.rates[k]), c.rates[k], rtol=1e-11)


def test_max_points_limits_a_curve():
    # the curve from g = 6 stops after 5 points, so the fixed point at g = 4 starts a curve of its own
    curves = fixed_point_curve(BrunelNetwork(), (4.0, 6.0), max_points=5)
    assert [c.g.size for c in curves] == [5, 5]
    assert curves[0].g[0] == 6.0 and curves[1].g[0] == 4.0


def test_quiescent_state_is_left_out():
    net = BrunelNetwork(eta=0.0)
    assert fixed_points(dataclasses.replace(net, g=2.0))[0].rate == 0.0
    curves = fixed_point_curve(net, (2.0, 3.0))
    assert all(np.all(c.rates > 0) and np.all(c.relative_residual < 1e-12) for c in curves)
