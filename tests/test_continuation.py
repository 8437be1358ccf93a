"""The curve of fixed points over g (mfkit.fixed_point_curve) against mfkit.fixed_points."""
import numpy as np
import pytest

from mfkit import BrunelNetwork, FixedPointCurve, fixed_point_curve, fixed_points


@pytest.mark.parametrize("g, eta", [(3.0, 0.8), (5.0, 2.0), (4.5, 0.9)])
def test_every_fixed_point_lies_on_the_curve(g, eta):
    fps = fixed_points(BrunelNetwork(g=g, eta=eta))
    curve = fixed_point_curve(BrunelNetwork(eta=eta), [fp.rate for fp in fps], g_range=(2.0, 4.0 if g < 4 else 8.0))
    assert isinstance(curve, FixedPointCurve)
    for fp in fps:
        k = np.flatnonzero(np.isclose(curve.rates, fp.rate, rtol=0, atol=0))
        here = k[np.argmin(np.abs(curve.g[k] - g))]
        assert curve.g[here] == pytest.approx(g, rel=1e-9)  # ill-conditioned at the low state
        assert curve.stable[here] == fp.stable
    assert np.all(curve.relative_residual < 1e-12)


def test_fold_of_the_multistable_network_is_where_stability_changes():
    net = BrunelNetwork(eta=0.8)
    curve = fixed_point_curve(net, np.geomspace(0.5, 400.0, 400), g_range=(2.0, 8.0))
    k = int(np.argmax(curve.g))  # the upper fold: largest g of the intermediate/high pair
    assert curve.stable[k + 1] and not curve.stable[k - 1]
    g_fold = curve.g[k]
    assert len(fixed_points(BrunelNetwork(g=g_fold - 0.01, eta=0.8))) == 3
    assert len(fixed_points(BrunelNetwork(g=g_fold + 0.01, eta=0.8))) == 1


def test_rates_without_a_fixed_point_in_the_range_are_left_out():
    curve = fixed_point_curve(BrunelNetwork(), [32.0331145039, 499.0], g_range=(4.0, 6.0))
    assert curve.rates.tolist() == [32.0331145039]
    assert curve.g[0] == pytest.approx(5.0, rel=1e-9)


@pytest.mark.parametrize("kwargs, name", [
    (dict(network="seed", rates=[1.0]), "network"),
    (dict(network=BrunelNetwork(), rates=[0.0]), "rates"),
    (dict(network=BrunelNetwork(), rates=[]), "rates"),
    (dict(network=BrunelNetwork(), rates=[1.0], g_range=(3.0, 2.0)), "g_range"),
])
def test_bad_input_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        fixed_point_curve(**kwargs)
