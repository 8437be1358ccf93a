"""The two colored-noise forms of Fourcaud & Brunel (2002) in ``mfkit.siegert``: "shift" and "taylor".

* the Taylor form and its derivatives against an independent mpmath reference (the closed form of the
  expansion at high precision, derivatives by central differences in mpmath) on a generated grid of
  inputs, to full double precision;
* both forms agree to first order in s = (alpha/2) sqrt(tau_syn/tau_m): their difference shrinks like s^2;
* the Taylor form equals eq. 27 for delta synapses, is returned negative (not clipped) where the
  correction exceeds the rate, and keeps the limits of the shifted form at sigma = 0;
* bad input: an unknown form raises a ValueError naming ``colored_noise``.
"""
from __future__ import annotations

import numpy as np
import pytest

from mfkit import FOURCAUD_BRUNEL_ALPHA, siegert, siegert_with_derivatives
from mfkit.reference import siegert_taylor_with_derivatives
from _helpers import random_inputs

NEURONS = [dict(tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0),       # the seed's neuron
           dict(tau_m=10.0, t_ref=2.0, theta=15.0, V_reset=0.0),       # the microcircuit's (theta - V_reset 15 mV)
           dict(tau_m=20.0, t_ref=0.0, theta=20.0, V_reset=10.0)]      # Brunel's reset, no refractory period
TAU_SYN = (0.1, 0.5, 2.0)


def _grid() -> list[tuple[float, float, dict, float]]:
    """60 inputs (y_th from -4 to 4, sigma 0.5-20 mV) times a synaptic time constant each."""
    return [(mu, sigma, nk, TAU_SYN[k % len(TAU_SYN)])
            for k, (mu, sigma, nk) in enumerate(random_inputs(21, 60, NEURONS, (-4.0, 4.0)))]


GRID = _grid()


@pytest.fixture(scope="module")
def references():
    return [siegert_taylor_with_derivatives(mu, sigma, **nk, tau_syn=ts, dps=30) for mu, sigma, nk, ts in GRID]


def test_taylor_matches_mpmath(references):
    worst = [0.0, 0.0, 0.0]
    for (mu, sigma, nk, ts), ref in zip(GRID, references):
        got = siegert_with_derivatives(mu, sigma, **nk, tau_syn=ts, colored_noise="taylor")
        scale = [abs(float(ref.rate)), abs(float(ref.d_mu)), abs(float(ref.d_mu)) + abs(float(ref.d_sigma))]
        for i in range(3):
            err = abs(got[i] - float(ref[i])) / scale[i]
            worst[i] = max(worst[i], err)
    # rate to 1e-13 relative; derivatives to 1e-12 of the mu-derivative's size (d_sigma passes through zero)
    assert worst[0] < 1e-13 and worst[1] < 1e-12 and worst[2] < 1e-12, worst


def test_taylor_rate_alone_equals_the_rate_of_the_derivatives():
    mu, sigma = np.linspace(5.0, 30.0, 11), 4.0
    d = siegert_with_derivatives(mu, sigma, tau_syn=0.5, colored_noise="taylor")
    assert np.array_equal(siegert(mu, sigma, tau_syn=0.5, colored_noise="taylor"), d.rate)


def test_delta_synapses_both_forms_are_eq27():
    mu, sigma = np.linspace(-10.0, 40.0, 26), 5.0
    white = siegert_with_derivatives(mu, sigma)
    for form in ("shift", "taylor"):
        d = siegert_with_derivatives(mu, sigma, tau_syn=0.0, colored_noise=form)
        assert all(np.array_equal(a, b) for a, b in zip(d, white))


def test_forms_agree_to_first_order_in_s():
    """shift - taylor = O(s^2): quartering tau_syn (halving s) divides the difference by about 4."""
    mu, sigma = np.array([12.0, 16.0, 20.0, 25.0]), 4.0
    diff = [siegert(mu, sigma, tau_syn=ts) - siegert(mu, sigma, tau_syn=ts, colored_noise="taylor")
            for ts in (0.4, 0.1, 0.025)]
    ratios = [diff[0] / diff[1], diff[1] / diff[2]]
    assert np.all(np.abs(np.array(ratios) - 4.0) < 0.6), ratios
    first_order = siegert(mu, sigma) - siegert(mu, sigma, tau_syn=0.025)  # the O(s) correction itself
    assert np.all(np.abs(diff[2]) < 0.05 * np.abs(first_order))


def test_taylor_is_the_first_order_expansion():
    """nu_0 - s sigma d nu_0/d mu, with s = alpha/2 sqrt(tau_syn/tau_m)."""
    mu, sigma, ts = np.array([10.0, 18.0, 24.0]), 3.0, 0.5
    white = siegert_with_derivatives(mu, sigma)
    s = FOURCAUD_BRUNEL_ALPHA / 2 * np.sqrt(ts / 20.0)
    assert np.allclose(siegert(mu, sigma, tau_syn=ts, colored_noise="taylor"), white.rate - s * sigma * white.d_mu,
                       rtol=1e-14, atol=0)


def test_taylor_negative_far_below_threshold_is_returned_not_clipped():
    """Where the correction exceeds the rate (2 s y_th > 1, roughly) the form is negative, and so is the result."""
    s = FOURCAUD_BRUNEL_ALPHA / 2 * np.sqrt(0.5 / 10.0)
    y_th = 3.0
    assert 2 * s * y_th > 1
    rate = siegert(15.0 - y_th * 3.0, 3.0, tau_m=10.0, theta=15.0, tau_syn=0.5, colored_noise="taylor")
    assert rate < 0 and siegert(15.0 - y_th * 3.0, 3.0, tau_m=10.0, theta=15.0, tau_syn=0.5) > 0


def test_zero_noise_limits_are_those_of_the_shifted_form():
    for mu in (21.0, 30.0, 15.0, 20.0):
        shift = siegert_with_derivatives(mu, 0.0, tau_syn=0.5)
        taylor = siegert_with_derivatives(mu, 0.0, tau_syn=0.5, colored_noise="taylor")
        assert taylor == shift


def test_infinite_and_nan_inputs():
    assert siegert(np.inf, 2.0, tau_syn=0.5, colored_noise="taylor") == 500.0
    assert siegert(-np.inf, 2.0, tau_syn=0.5, colored_noise="taylor") == 0.0
    assert siegert(10.0, np.inf, tau_syn=0.5, colored_noise="taylor") == 500.0
    assert np.isnan(siegert(np.nan, 2.0, tau_syn=0.5, colored_noise="taylor"))
    assert all(np.isnan(v) for v in siegert_with_derivatives(-np.inf, np.inf, tau_syn=0.5, colored_noise="taylor"))


def test_broadcasting_and_scalar_types():
    out = siegert(np.zeros((3, 1)) + 15.0, np.array([2.0, 4.0]), tau_syn=np.array([0.5, 1.0]), colored_noise="taylor")
    assert out.shape == (3, 2)
    assert type(siegert(15.0, 3.0, tau_syn=0.5, colored_noise="taylor")) is float
    assert all(type(v) is float for v in siegert_with_derivatives(15.0, 3.0, tau_syn=0.5, colored_noise="taylor"))


@pytest.mark.parametrize("form", ["Taylor", "", None, 1, "shifted"])
def test_unknown_form_raises_value_error(form):
    with pytest.raises(ValueError, match="colored_noise must be 'shift'.*or 'taylor'"):
        siegert(15.0, 3.0, tau_syn=0.5, colored_noise=form)


def test_bad_synaptic_time_constant_same_errors_as_the_shifted_form():
    for bad, err in ((-1.0, ValueError), (np.inf, ValueError), ("a", TypeError)):
        with pytest.raises(err) as taylor:
            siegert(15.0, 3.0, tau_syn=bad, colored_noise="taylor")
        with pytest.raises(err) as shift:
            siegert(15.0, 3.0, tau_syn=bad)
        assert str(taylor.value) == str(shift.value)
    with pytest.raises(ValueError, match="needs white noise"):
        siegert(15.0, 3.0, tau_syn=0.5, dt=0.1, colored_noise="taylor")


# ---------------------------------------------------------------- the form in the network and its solvers
from mfkit import BrunelNetwork, MeanFieldNetwork, fixed_point_curve, fixed_points, pseudo_time  # noqa: E402
from mfkit.__main__ import main  # noqa: E402


def _self_consistent(net, fp, form):
    stats = net.model.input_statistics(fp.rates)
    phi = siegert(stats.mu, stats.sigma, **net.neuron_params, colored_noise=form)
    return np.max(np.abs(phi / fp.rates - 1))


@pytest.mark.parametrize("form", ["shift", "taylor"])
def test_network_fixed_point_uses_the_form(form):
    net = BrunelNetwork(tau_syn=0.5, colored_noise=form)
    assert net.model.colored_noise == form and net.model.transfer_params["colored_noise"] == form
    (fp,) = fixed_points(net)
    assert _self_consistent(net, fp, form) < 1e-12
    other = "taylor" if form == "shift" else "shift"
    assert _self_consistent(net, fp, other) > 1e-6  # the two forms give different fixed points


def test_forms_differ_at_second_order_for_the_network():
    rates = {form: fixed_points(BrunelNetwork(tau_syn=ts, colored_noise=form))[0].rates[0]
             for form in ("shift", "taylor") for ts in (0.5,)}
    white = fixed_points(BrunelNetwork())[0].rates[0]
    assert abs(rates["shift"] - rates["taylor"]) < 0.05 * abs(rates["shift"] - white)


def test_pseudo_time_and_continuation_use_the_form():
    net = BrunelNetwork(tau_syn=0.5, colored_noise="taylor")
    (fp,) = fixed_points(net)
    for method in ("nest", "ode"):
        run = pseudo_time(net, t_sim=30.0, dt=0.1, tau=1.0, method=method, drive="constant", rates0=[20.0, 20.0])
        assert abs(run.rates[-1, 0] / fp.rates[0] - 1) < 1e-6
        with pytest.raises(ValueError, match="colored_noise='taylor'.*left its domain"):
            pseudo_time(net, t_sim=30.0, dt=0.1, tau=1.0, method=method)  # from 0 Hz with the drive rising
    curves = fixed_point_curve(net, g_range=(4.5, 5.5))
    on = [c for c in curves if c.g.min() <= 5.0 <= c.g.max()]
    near = [np.interp(5.0, c.g[np.argsort(c.g)], c.rates[np.argsort(c.g)]) for c in on]
    shift_rate = fixed_points(BrunelNetwork(tau_syn=0.5))[0].rates[0]
    assert on and min(abs(r / fp.rates[0] - 1) for r in near) < 0.1 * abs(shift_rate / fp.rates[0] - 1)


@pytest.mark.parametrize("make", [lambda f: BrunelNetwork(colored_noise=f),
                                  lambda f: MeanFieldNetwork(K=[[100.0]], J=[[0.1]], colored_noise=f)])
@pytest.mark.parametrize("form", ["Shift", None, "nest"])
def test_network_rejects_unknown_form(make, form):
    with pytest.raises(ValueError, match="colored_noise must be"):
        make(form)


def test_command_line_form(capsys):
    assert main(["fixed-points", "--tau-syn", "0.5", "--colored-noise", "taylor"]) == 0
    taylor = capsys.readouterr().out
    assert main(["fixed-points", "--tau-syn", "0.5"]) == 0
    assert taylor != capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["fixed-points", "--colored-noise", "first-order"])


def test_taylor_without_a_self_consistent_rate_says_so():
    """Near threshold drive with slow synapses the Taylor form is negative at low rates and has no fixed point;
    the shifted form has one there (Phi >= 0), and the error names the form."""
    from mfkit import FixedPointError

    assert len(fixed_points(BrunelNetwork(g=6.0, eta=0.9, tau_syn=5.0))) >= 1
    with pytest.raises(FixedPointError, match="no fixed point of eq. 27.*colored_noise='taylor'"):
        fixed_points(BrunelNetwork(g=6.0, eta=0.9, tau_syn=5.0, colored_noise="taylor"))
    (fp,) = fixed_points(BrunelNetwork(g=6.0, eta=0.9, tau_syn=2.0, colored_noise="taylor"))  # still one at 2 ms
    assert 0 < fp.rates[0] < fixed_points(BrunelNetwork(g=6.0, eta=0.9, tau_syn=2.0))[0].rates[0]


def test_colored_noise_shift():
    from mfkit.siegert import FOURCAUD_BRUNEL_ALPHA, colored_noise_shift
    assert colored_noise_shift(0.5, 20.0) == pytest.approx(FOURCAUD_BRUNEL_ALPHA / 2 * 0.5 ** 0.5 / 20.0 ** 0.5, rel=1e-15)
    assert np.array_equal(colored_noise_shift(np.array([0.0, 2.0]), 20.0) == 0, [True, False])
