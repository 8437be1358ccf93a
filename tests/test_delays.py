"""Delays per connection, fixed or distributed (``mfkit.delays``), in the stability analysis and the spectra.

* the Laplace transforms of the three delay densities against numerical quadrature of their definition;
* a matrix of equal delays is the single delay (same eigenvalues to the last bits, same asymptote);
* a network with delays by source type (E 1.5 ms, I 0.75 ms): every eigenvalue solves
  ``det(I - W o L) = 0`` built independently from the linear responses, the rate spectrum equals the
  transfer matrix built by hand, and the asymptote is where ``rho(W_inf o e^{-x D}) = 1``;
* narrow truncated Gaussians tend to the fixed delay; distributed delays have no neutral chain;
* exponential delays: the search window must end right of the kernel's pole -1/d;
* bad input names the argument.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from mfkit import MeanFieldNetwork, linear_response, network_stability, rate_spectrum
from mfkit.delays import delay_transform
from mfkit.response import characteristic_parts, linear_response_limit
from mfkit.stability import characteristic_function

LAMBDAS = [0.0, 0.3j, -0.2 + 1.1j, 0.15 - 2.5j, -0.4 + 0.05j]  # 1/ms


def _quad(lam, density, top):
    """int_0^top e^{-lam t} p(t) dt (the densities are negligible beyond top)."""
    re = integrate.quad(lambda t: (np.exp(-lam * t) * density(t)).real, 0, top, limit=400, epsabs=1e-14)[0]
    im = integrate.quad(lambda t: (np.exp(-lam * t) * density(t)).imag, 0, top, limit=400, epsabs=1e-14)[0]
    return re + 1j * im


@pytest.mark.parametrize("lam", LAMBDAS)
def test_transforms_against_quadrature(lam):
    d, s = 1.5, 0.75
    z = integrate.quad(lambda t: np.exp(-(t - d) ** 2 / (2 * s * s)), 0, np.inf)[0]
    gauss = _quad(lam, lambda t: np.exp(-(t - d) ** 2 / (2 * s * s)) / z, d + 30 * s)
    assert abs(delay_transform(lam, d, "truncated_gaussian", s) - gauss) < 1e-10 * max(1.0, abs(gauss))
    expo = _quad(lam, lambda t: np.exp(-t / d) / d, 200 * d)
    assert abs(delay_transform(lam, d, "exponential") - expo) < 1e-10 * max(1.0, abs(expo))
    assert delay_transform(lam, d) == np.exp(-lam * d)
    for narrow in (0.05, 0.2):  # both branches of the Faddeeva form, against quadrature
        zn = integrate.quad(lambda t: np.exp(-(t - d) ** 2 / (2 * narrow ** 2)), 0, np.inf)[0]
        ref = _quad(lam, lambda t: np.exp(-(t - d) ** 2 / (2 * narrow ** 2)) / zn, d + 30 * narrow)
        assert abs(delay_transform(lam, d, "truncated_gaussian", narrow) - ref) < 1e-9 * max(1.0, abs(ref))


def _ei(delay, **kw) -> MeanFieldNetwork:
    """A Brunel-like E-I network (8000 + 2000 neurons, C_E = 800, C_I = 200, g = 5, eta = 2)."""
    return MeanFieldNetwork(K=[[800.0, 200.0], [800.0, 200.0]], J=[[0.1, -0.5], [0.1, -0.5]], K_ext=800.0, J_ext=0.1,
                            nu_ext=25.0, delay=delay, N=(8000, 2000), **kw)


def test_equal_delays_are_one_delay():
    one, matrix = network_stability(_ei(1.5)), network_stability(_ei([[1.5, 1.5], [1.5, 1.5]]))
    assert np.allclose(one.eigenvalues, matrix.eigenvalues, rtol=0, atol=1e-12)
    assert matrix.asymptote == one.asymptote and one.eigenvalues.size >= 2


def _determinant(net, fp, lam):
    """det(I - W(lam) o L(lam)) from the responses continued to lam (characteristic_parts), built by hand."""
    stats = net.input_statistics(fp.rates)
    a_mu, a_sig, e = characteristic_parts(lam, stats.mu, stats.sigma)
    chi_mu, chi_sig = a_mu / ((1 + lam * 20.0) * e), a_sig / ((2 + lam * 20.0) * e)
    W = chi_mu[:, None] * stats.d_mu + chi_sig[:, None] * stats.d_sigma
    L = np.exp(-lam * np.array([[1.5, 0.75], [1.5, 0.75]]))
    return np.linalg.det(np.eye(2) - W * L)


def test_delays_by_source_type():
    net = _ei([[1.5, 0.75], [1.5, 0.75]])
    st = network_stability(net, f_max=2000.0)
    assert st.eigenvalues.size >= 2 and len(net.population_groups()) == 1
    for lam in st.eigenvalues:
        assert abs(_determinant(net, st.fixed_point, lam)) < 1e-8
    # the spectrum: T = (I - W o L)^{-1} at lambda = 2 pi i f, built from linear_response
    f = np.array([5.0, 40.0, 150.0, 600.0])
    got = rate_spectrum(net, f, st.fixed_point, intrinsic="poisson")
    stats = net.input_statistics(st.fixed_point.rates)
    for k, fk in enumerate(f):
        lam = 2j * np.pi * fk * 1e-3
        chi = [linear_response(fk, stats.mu, stats.sigma, modulation=m) for m in ("mu", "sigma")]
        W = chi[0][:, None] * stats.d_mu + chi[1][:, None] * stats.d_sigma
        T = np.linalg.inv(np.eye(2) - W * np.exp(-lam * np.array([[1.5, 0.75], [1.5, 0.75]])))
        psd = 2 * np.real(np.diag(T @ np.diag(st.fixed_point.rates / np.array([8000, 2000])) @ T.conj().T))
        assert np.allclose(got.psd[k], psd, rtol=1e-10)
    # the asymptote: rho(W_inf o e^{-x D}) = 1
    lim = linear_response_limit(stats.mu, stats.sigma, modulation="sigma")
    w_inf = lim[:, None] * stats.d_sigma
    rho = np.max(np.abs(np.linalg.eigvals(w_inf * np.exp(-st.asymptote * np.array([[1.5, 0.75], [1.5, 0.75]])))))
    assert abs(rho - 1) < 1e-12 and -0.2 < st.asymptote < 0


def test_narrow_gaussian_tends_to_the_fixed_delay():
    fixed = network_stability(_ei(1.5)).eigenvalues
    narrow = network_stability(_ei(1.5, delay_distribution="truncated_gaussian", delay_sd=0.01))
    assert narrow.asymptote == -np.inf  # distributed delays: no neutral chain
    lead = [narrow.eigenvalues[np.argmin(np.abs(narrow.eigenvalues - lam))] for lam in fixed[:2]]
    assert np.allclose(lead, fixed[:2], rtol=0, atol=2e-3)
    wide_net = _ei(1.5, delay_distribution="truncated_gaussian", delay_sd=0.75)
    wide = network_stability(wide_net)
    G = characteristic_function(wide_net, wide.fixed_point)
    assert wide.eigenvalues.size >= 2 and np.all(np.abs(G.determinant(wide.eigenvalues)) < 1e-8)


def test_exponential_delays_and_their_pole():
    net = _ei(1.5, delay_distribution="exponential")
    st = network_stability(net)
    assert st.re_min == pytest.approx(-0.9 / 1.5) or st.re_min == pytest.approx(-0.25)
    G = characteristic_function(net, st.fixed_point)
    assert np.all(np.abs(G.determinant(st.eigenvalues)) < 1e-8) and st.asymptote == -np.inf
    with pytest.raises(ValueError, match="re_min must be > -1/max\\(delay\\)"):
        network_stability(_ei(5.0, delay_distribution="exponential"), re_min=-0.25)


@pytest.mark.parametrize("kw, message", [
    (dict(delay=[[1.5, 0.75]]), "delay must be a number or a \\(2, 2\\) matrix"),
    (dict(delay=-1.0), "delay must be finite and >= 0 ms"),
    (dict(delay=[[1.5, np.nan], [1.5, 1.5]]), "delay must be finite and >= 0 ms"),
    (dict(delay=1.5, delay_distribution="gaussian"), "delay_distribution must be one of .*negative delays"),
    (dict(delay=1.5, delay_distribution="truncated_gaussian"), "delay_sd must be > 0 ms"),
    (dict(delay=1.5, delay_sd=0.5), "delay_sd is the spread of delay_distribution='truncated_gaussian'"),
    (dict(delay=0.0, delay_distribution="exponential"), "the mean of delay_distribution='exponential'"),
    (dict(delay=True), "delay and delay_sd must be numbers"),
])
def test_bad_delays(kw, message):
    with pytest.raises(ValueError, match=message):
        MeanFieldNetwork(K=[[800.0, 200.0], [800.0, 200.0]], J=[[0.1, -0.5], [0.1, -0.5]], **kw)


def test_delay_rows_split_groups():
    same = _ei([[1.5, 0.75], [1.5, 0.75]])
    rows = _ei([[1.5, 0.75], [1.0, 0.75]])
    assert len(same.population_groups()) == 1 and len(rows.population_groups()) == 2
