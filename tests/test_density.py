"""The stationary membrane-potential density (mfkit.density) against mpmath and its defining properties."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy.integrate import quad

from mfkit import siegert
from mfkit.density import membrane_potential_density

CASES = [(23.98, 7.1), (15.0, 5.0), (10.0, 1.0), (-5.0, 3.0), (40.0, 2.0), (20.0, 0.3)]


def reference_density(V, mu, sigma, tau_m=20.0, theta=20.0, V_reset=0.0):
    """P(V) by mpmath quadrature of the Fokker-Planck solution in the potentials themselves (40 digits)."""
    with mpmath.workdps(40):
        if V >= theta:
            return 0.0
        mu_, s2 = mpmath.mpf(mu), mpmath.mpf(sigma) ** 2
        rate = mpmath.mpf(siegert(mu, sigma, tau_m, 2.0, theta, V_reset)) * mpmath.mpf("1e-3")
        inner = mpmath.quad(lambda u: mpmath.exp(((u - mu_) ** 2 - (V - mu_) ** 2) / s2), [max(V, V_reset), theta])
        return float(2 * rate * tau_m / s2 * inner)


@pytest.mark.parametrize("mu, sigma", CASES)
def test_against_mpmath(mu, sigma):
    V = np.array([-20.0, -3.0, 0.0, 0.5, 5.0, 12.0, 19.0, 19.99])
    got = membrane_potential_density(V, mu, sigma)
    want = np.array([reference_density(v, mu, sigma) for v in V])
    assert np.allclose(got, want, rtol=1e-9, atol=1e-14 * want.max())


@pytest.mark.parametrize("mu, sigma", CASES)
def test_normalised_to_the_non_refractory_fraction(mu, sigma):
    p = lambda v: membrane_potential_density(v, mu, sigma)  # noqa: E731
    lo = min(mu, 0.0) - 12.0 * sigma
    total = quad(p, lo, 0.0, limit=200)[0] + quad(p, 0.0, 20.0, limit=200)[0]
    assert total == pytest.approx(1.0 - siegert(mu, sigma) * 2e-3, rel=1e-9)


def test_boundaries_threshold_and_reset():
    mu, sigma = 15.0, 5.0
    assert membrane_potential_density(20.0, mu, sigma) == 0.0
    assert membrane_potential_density(25.0, mu, sigma) == 0.0
    # flux nu at the threshold: S = -(sigma^2 / 2 tau_m) P'(theta) = nu (per ms)
    h = 1e-6
    slope = (membrane_potential_density(20.0 - 2 * h, mu, sigma) - membrane_potential_density(20.0 - h, mu, sigma)) / h
    assert sigma**2 / 40.0 * slope == pytest.approx(siegert(mu, sigma) * 1e-3, rel=1e-4)
    # the flux jumps by nu at the reset: P' jumps by 2 nu tau_m / sigma^2
    left = (membrane_potential_density(-h, mu, sigma) - membrane_potential_density(-2 * h, mu, sigma)) / h
    right = (membrane_potential_density(2 * h, mu, sigma) - membrane_potential_density(h, mu, sigma)) / h
    assert left - right == pytest.approx(2 * siegert(mu, sigma) * 1e-3 * 20.0 / sigma**2, rel=1e-4)


def test_shapes_and_nan():
    assert isinstance(membrane_potential_density(10.0, 15.0, 5.0), float)
    assert membrane_potential_density(np.zeros((2, 3)), 15.0, 5.0).shape == (2, 3)
    out = membrane_potential_density([np.nan, 10.0], 15.0, 5.0)
    assert math.isnan(out[0]) and out[1] > 0
    assert np.all(np.isnan(membrane_potential_density([0.0, 10.0], np.nan, 5.0)))
    assert np.all(np.isnan(membrane_potential_density([0.0, 10.0], 15.0, np.nan)))


@pytest.mark.parametrize("kwargs, match", [
    (dict(sigma=0.0), "sigma"), (dict(sigma=-1.0), "sigma"), (dict(sigma=np.inf), "sigma"),
    (dict(mu=np.inf), "mu"), (dict(tau_m=0.0), "tau_m"), (dict(t_ref=-1.0), "t_ref"),
    (dict(theta=-1.0), "theta"),
])
def test_bad_input_value(kwargs, match):
    args = dict(mu=15.0, sigma=5.0) | kwargs
    with pytest.raises(ValueError, match=match):
        membrane_potential_density(1.0, **args)


@pytest.mark.parametrize("kwargs, match", [(dict(mu=[1.0, 2.0]), "mu"), (dict(sigma="5"), "sigma"),
                                           (dict(V="x"), "V")])
def test_bad_input_type(kwargs, match):
    args = dict(V=1.0, mu=15.0, sigma=5.0) | kwargs
    with pytest.raises(TypeError, match=match):
        membrane_potential_density(**args)
