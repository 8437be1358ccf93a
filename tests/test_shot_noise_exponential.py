"""The shot-noise neuron with exponentially distributed jumps (``jump_distribution="exponential"``): the test
case of Richardson & Swarbrick (2010), Phys. Rev. Lett. 105:178102, whose closed forms the solver must meet.

For excitatory jumps of mean ``a`` at rate ``R`` (per ``tau_m``) and ``V_reset`` at rest, the stationary flux
``J = -v p + J_e = r_0`` between rest and threshold, with the excitatory flux ``J_e' = -J_e / a + R p`` and the
point mass ``r_0 / R`` at rest, integrates to

.. math::

    \\frac{1}{r_0} = t_{ref} + \\tau_m \\Big[\\frac{1}{R} + \\frac{1}{a} \\int_0^\\theta dw\\, w^{-R} e^{w/a}
                     \\int_0^w dv\\, v^{R-1} e^{-v/a}\\Big],

evaluated here with mpmath at 30 digits (:func:`closed_form_rate`).
"""
from __future__ import annotations

import mpmath
import numpy as np
import pytest

from mfkit import siegert
from mfkit.shot_noise import ShotNoiseNeuron, shot_noise_rate


def closed_form_rate(R_hz: float, a: float, tau: float = 20.0, t_ref: float = 2.0, theta: float = 20.0) -> float:
    """The rate (Hz) of the module docstring's formula."""
    with mpmath.workdps(30):
        R = mpmath.mpf(R_hz) * tau * 1e-3
        a, theta = mpmath.mpf(a), mpmath.mpf(theta)
        inner = mpmath.quad(lambda w: w ** -R * mpmath.exp(w / a) * a ** R * mpmath.gammainc(R, 0, w / a), [0, theta])
        return float(1e3 / (t_ref + tau * (1 / R + inner / a)))


@pytest.mark.parametrize("R, a", [(2000.0, 1.0), (800.0, 2.0), (5000.0, 0.5), (300.0, 4.0)])
def test_rate_meets_the_closed_form(R, a):
    """Measured: within 1e-10 at the first three; the promise is rtol = 1e-6."""
    s = shot_noise_rate([a], [R], jump_distribution="exponential")
    assert s.error <= 1e-6
    assert s.rate == pytest.approx(closed_form_rate(R, a), rel=1e-6)
    assert s.point_mass == pytest.approx(s.rate / R, rel=1e-12)


def test_the_closed_form_can_fail():
    """The same formula rejects fixed jumps of the same mean: the distribution of the jumps matters."""
    fixed = shot_noise_rate([1.0], [2000.0])
    assert abs(fixed.rate / closed_form_rate(2000.0, 1.0) - 1) > 0.01


def test_response_at_high_frequency():
    """With one excitatory type every spike is caused by an input: chi -> r_0 / R (Richardson & Swarbrick 2010)."""
    R, a = 2000.0, 1.0
    n = ShotNoiseNeuron([a], [R], jump_distribution="exponential")
    rate = n.stationary().rate
    assert n.extrapolate(lambda c: c.c)[0][0] == pytest.approx(rate / R, rel=1e-9)   # on every grid: nu = R c
    _, chi = n.laplace(np.array([2e-3j * np.pi * 1e5]))
    assert chi[0, 0] == pytest.approx(rate / R, rel=1e-2)


def test_excitation_and_inhibition():
    """Both signs: the gradient is the derivative of the rate, the response at f -> 0 is the gradient, and for
    small jumps the rate tends to eq. 27 at the same mean and variance (E[jump^2] = 2 a^2)."""
    jumps, rates = [0.2, -0.4], [15000.0, 2000.0]
    n = ShotNoiseNeuron(jumps, rates, jump_distribution="exponential", rtol=1e-7)
    s = n.stationary()
    for k in range(2):
        up, down = list(rates), list(rates)
        up[k] += 10.0
        down[k] -= 10.0
        fd = (shot_noise_rate(jumps, up, jump_distribution="exponential", rtol=1e-8).rate
              - shot_noise_rate(jumps, down, jump_distribution="exponential", rtol=1e-8).rate) / 20.0
        assert s.gradient[k] == pytest.approx(fd, rel=1e-4)
    _, chi = n.laplace(np.array([1e-7j]))
    assert np.allclose(chi[0], s.gradient, rtol=1e-4)
    tau, small = 20.0, 0.02
    r_small = [rates[0] * 0.2 / small, rates[1] * 0.4 / (2 * small)]
    mu = tau * 1e-3 * (small * r_small[0] - 2 * small * r_small[1])
    sigma = np.sqrt(tau * 1e-3 * 2 * (small ** 2 * r_small[0] + (2 * small) ** 2 * r_small[1]))
    near = shot_noise_rate([small, -2 * small], r_small, jump_distribution="exponential", rtol=1e-4).rate
    assert near == pytest.approx(float(siegert(mu, sigma)), rel=0.02)


@pytest.mark.parametrize("kw, match", [
    (dict(jump_distribution="gamma"), "jump_distribution must be"),
    (dict(jump_distribution="exponential", dt=0.1), "continuous time only"),
])
def test_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        shot_noise_rate([1.0], [1000.0], **kw)
