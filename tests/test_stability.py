"""Network stability with delay (issue 10): roots of det(I - e^{-lam d} W(lam)) = 0."""
import numpy as np
import pytest

import mfkit
from mfkit import BrunelNetwork, MeanFieldNetwork, NoUniqueStateError, fixed_points, reference
from mfkit.stability import network_stability

BRUNEL_VR10 = dict(V_reset=10.0)  # Brunel (2000) used V_r = 10 mV; NEST's example resets to 0 mV


def residual_with_reference(net, st, lam, signed=False):
    """|1 - e^{-lam d} W(lam)| (the complex value if ``signed``) with W from the mpmath closed form
    (E and I share their input)."""
    fp, m = st.fixed_point, net.model
    stats = m.input_statistics(fp.rates)
    p = dict(tau_m=m.tau_m[0], t_ref=m.t_ref[0], theta=m.theta[0], V_reset=m.V_reset[0])
    chi_mu = complex(reference.linear_response_laplace(lam, fp.mu[0], fp.sigma[0], **p, dps=30))
    chi_sig = complex(reference.linear_response_laplace(lam, fp.mu[0], fp.sigma[0], **p, modulation="sigma", dps=30))
    w = chi_mu * stats.d_mu[0].sum() + chi_sig * stats.d_sigma[0].sum()
    delta = 1 - np.exp(-lam * m.delay) * w
    return delta if signed else abs(delta)


@pytest.mark.parametrize("kw, stable, f_lo, f_hi", [
    (dict(g=5.0, eta=2.0), True, None, None),     # AI: stable
    (dict(g=3.0, eta=2.0), False, 500.0, 800.0),  # SR: fast oscillation near 1/delay
    (dict(g=6.0, eta=4.0), False, 150.0, 250.0),  # SI fast
    (dict(g=4.5, eta=0.9), False, 15.0, 40.0),    # SI slow
])
def test_brunels_example_states(kw, stable, f_lo, f_hi):
    """Brunel (2000), Fig. 8 (V_r = 10 mV): AI stable; SR, SI fast and SI slow unstable at their frequencies.

    Every root returned satisfies the characteristic equation with the mpmath responses to 1e-7."""
    net = BrunelNetwork(**kw, **BRUNEL_VR10)
    st = network_stability(net, re_min=-0.25)
    assert st.stable is stable
    if not stable:
        assert f_lo < st.frequency < f_hi
        assert st.leading.real > 0
    for lam in st.eigenvalues[st.eigenvalues.imag >= 0][:3]:
        assert residual_with_reference(net, st, complex(lam)) < 1e-7
    assert np.all(np.diff(st.eigenvalues.real) <= 1e-12)
    # conjugate pairs: the spectrum of a real system is symmetric
    for lam in st.eigenvalues:
        assert np.min(np.abs(st.eigenvalues - np.conj(lam))) < 1e-9


def test_default_region_is_re_above_minus_five_over_tau_m():
    net = BrunelNetwork(**BRUNEL_VR10)
    deep = network_stability(net, re_min=-6 / 20.0)
    default = network_stability(net)
    assert default.re_min == -5 / 20.0
    expected = deep.eigenvalues[deep.eigenvalues.real > -5 / 20.0]
    np.testing.assert_allclose(default.eigenvalues, expected, atol=1e-9)
    # AI at V_r = 10 mV: the least damped mode is the ~124 Hz resonance, damped within 10 ms
    assert 110 < deep.frequency < 140 and deep.damping > 0.1


def test_default_region_holds_the_seed_modes():
    """NEST's seed: the least damped mode (~40 Hz) and the one near the spectral peak (~130 Hz) are
    in the default region, which the old default (Re > -1/tau_m) left empty."""
    st = network_stability(BrunelNetwork())
    assert st.stable and st.eigenvalues.size > 0
    freqs = np.abs(st.eigenvalues.imag) / (2 * np.pi) * 1e3
    assert np.any((freqs > 30) & (freqs < 50)) and np.any((freqs > 110) & (freqs < 150))
    assert np.all(st.eigenvalues.real < -1 / 20.0)


def test_asymptote_is_the_high_frequency_limit_of_the_loop():
    """ln(rho(W(f)))/D with W from linear_response at 1 MHz and 100 MHz tends to the asymptote (like
    f^-1/2), which for E and I with one input is ln(sigma_rec^2 / sigma^2)/D, the recurrent share."""
    net = BrunelNetwork()
    st = network_stability(net)
    fp, m = st.fixed_point, net.model
    stats = m.input_statistics(fp.rates)
    p = dict(tau_m=m.tau_m[0], t_ref=m.t_ref[0], theta=m.theta[0], V_reset=m.V_reset[0])
    errors = []
    for f in (1e6, 1e8):
        chi_mu = mfkit.linear_response(f, fp.mu[0], fp.sigma[0], **p)
        chi_sig = mfkit.linear_response(f, fp.mu[0], fp.sigma[0], **p, modulation="sigma")
        W = chi_mu * stats.d_mu + chi_sig * stats.d_sigma
        errors.append(abs(np.log(np.max(np.abs(np.linalg.eigvals(W)))) / net.delay - st.asymptote))
    assert errors[1] < 0.02 * abs(st.asymptote) and errors[1] < errors[0] / 5
    var_rec = net.tau_m * (net.CE * net.J ** 2 + net.CI * (net.g * net.J) ** 2) * fp.rates[0] * 1e-3
    assert st.asymptote == pytest.approx(np.log(var_rec / fp.sigma[0] ** 2) / net.delay, rel=1e-9)
    assert -0.06 < st.asymptote < -0.05


def test_chain_beyond_the_window_approaches_the_asymptote_from_below():
    """At the seed the roots near multiples of 1/D up to 5 kHz are more damped than the asymptote and
    their damping decreases with frequency."""
    st = network_stability(BrunelNetwork(), f_max=5000.0, re_min=-0.25)
    chain = st.eigenvalues[st.eigenvalues.imag / (2 * np.pi) * 1e3 > 500]
    chain = chain[np.argsort(chain.imag)]
    k = chain.imag / (2 * np.pi) * st.delay
    np.testing.assert_allclose(k, np.arange(1, chain.size + 1), atol=0.1)  # one root near each k / D
    assert chain.size >= 6
    assert np.all(chain.real < st.asymptote) and np.all(np.diff(chain.real) > 0)
    assert chain.real[-1] > st.re_min + 0.5 * (st.asymptote - st.re_min)  # and they come closer


def test_no_recurrent_noise_no_chain():
    m = MeanFieldNetwork(K=[[0.0]], J=[[0.0]], K_ext=1, J_ext=0.1, nu_ext=[24000.0], delay=1.5)
    st = network_stability(m)
    assert st.asymptote == -np.inf and st.eigenvalues.size == 0 and st.stable


def test_dominant_mode_at_the_predicted_peak():
    """The predicted rate spectrum of the seed peaks near 130 Hz; the root named there is the one
    with the nearest frequency, not the least damped root (40 Hz)."""
    net = BrunelNetwork()
    st = network_stability(net)
    f = np.arange(60.0, 1000.0, 1.0)
    peak = f[np.argmax(mfkit.rate_spectrum(net, f).psd[:, 0])]
    upper = st.eigenvalues[st.eigenvalues.imag > 0]
    nearest = upper[np.argmin(np.abs(upper.imag / (2 * np.pi) * 1e3 - peak))]
    lam = st.dominant_mode(peak)
    assert isinstance(lam, complex) and lam == nearest and lam != st.leading
    out = st.dominant_mode(np.array([[peak, np.nan]]))
    assert out.shape == (1, 2) and out[0, 0] == lam and np.isnan(out[0, 1])
    assert np.allclose(st.residues, 1 / np.abs(st.derivatives), rtol=1e-12)  # one group: the adjugate is 1


def test_derivatives_against_the_reference():
    """Delta'(lambda_k) by a centred difference of 1 - e^{-lam D} W(lam) with the mpmath responses."""
    net = BrunelNetwork()
    st = network_stability(net)
    h = 1e-5
    for lam, d in zip(st.eigenvalues[:4:2], st.derivatives[:4:2]):
        lam = complex(lam)
        fd = (residual_with_reference(net, st, lam + h, signed=True)
              - residual_with_reference(net, st, lam - h, signed=True)) / (2 * h)
        assert abs(d - fd) < 1e-6 * abs(fd)


def test_pseudo_time_stability_is_not_network_stability():
    """SI fast (g = 6, eta = 4): eq. 30 calls the fixed point stable, the network with delay oscillates."""
    net = BrunelNetwork(g=6.0, eta=4.0, **BRUNEL_VR10)
    (fp,) = fixed_points(net)
    assert fp.pseudo_time_stable and np.all(fp.pseudo_time_eigenvalues.real < 0)
    assert not network_stability(net, fp).stable


def test_two_groups_use_the_determinant():
    """Populations with different time constants: a 2x2 characteristic matrix; its roots make the
    matrix singular with the mpmath responses (independent of the integration)."""
    m = MeanFieldNetwork(K=[[800, 200], [800, 200]], J=[[0.1, -0.6], [0.1, -0.6]], tau_m=[20.0, 10.0],
                         K_ext=1, J_ext=0.1, nu_ext=[24000.0, 26000.0], V_reset=10.0, delay=1.5)
    st = network_stability(m)
    assert st.eigenvalues.size >= 1
    fp = st.fixed_point
    stats = m.input_statistics(fp.rates)
    lam = complex(st.eigenvalues[0])
    W = np.empty((2, 2), dtype=complex)
    for a in range(2):
        p = dict(tau_m=m.tau_m[a], t_ref=m.t_ref[a], theta=m.theta[a], V_reset=m.V_reset[a])
        cm = complex(reference.linear_response_laplace(lam, fp.mu[a], fp.sigma[a], **p, dps=30))
        cs = complex(reference.linear_response_laplace(lam, fp.mu[a], fp.sigma[a], **p, modulation="sigma", dps=30))
        W[a] = cm * stats.d_mu[a] + cs * stats.d_sigma[a]
    sv = np.linalg.svd(np.eye(2) - np.exp(-lam * m.delay) * W, compute_uv=False)
    assert sv[-1] < 1e-7 * sv[0]


def test_bad_input():
    net = BrunelNetwork(**BRUNEL_VR10)
    with pytest.raises(ValueError, match="fixed_point"):
        network_stability(net, [10.0, 10.0])
    with pytest.raises(ValueError, match="f_max"):
        network_stability(net, f_max=-1.0)
    with pytest.raises(ValueError, match="re_min"):
        network_stability(net, re_min=-1.0)
    with pytest.raises(NoUniqueStateError, match="2 stable fixed points"):
        network_stability(BrunelNetwork(g=3.0, eta=0.8))  # two stable fixed points of eq. 30
    with pytest.raises(NotImplementedError, match="tau_syn"):
        network_stability(BrunelNetwork(tau_syn=2.0, colored_noise="taylor"))
    with pytest.raises(TypeError):
        network_stability("network")
    st = network_stability(net)
    for f in (-1.0, np.inf, [10.0, -np.inf], st.f_max * 1.01):
        with pytest.raises(ValueError, match="f must be in"):
            st.dominant_mode(f)
    with pytest.raises(ValueError, match="f must be real"):
        st.dominant_mode("high")


def test_explicit_fixed_point_of_a_multistable_network():
    net = BrunelNetwork(g=3.0, eta=0.8)
    low, mid, high = fixed_points(net)
    st = network_stability(net, low)
    assert st.fixed_point.rates[0] == pytest.approx(low.rates[0], rel=1e-12)
    assert network_stability(net, low.rates).eigenvalues.size == st.eigenvalues.size
    # the middle state is unstable already in eq. 30: a real positive root
    mid_st = network_stability(net, mid)
    assert not mid_st.stable and mid_st.frequency == 0.0 and mid_st.leading.imag == 0.0


def test_phase_diagram_locates_the_hopf_crossing_and_the_fold():
    """A 2 x 2 grid around the SR line of Brunel's V_r = 10 mV diagram: the crossing along g is
    bracketed and bisected; on either side of it the network's leading eigenvalue changes sign."""
    import dataclasses

    base = BrunelNetwork(**BRUNEL_VR10)
    pd = mfkit.stability.phase_diagram([3.0, 4.0], [2.0, 2.5], base=base, tol=1e-3)
    np.testing.assert_array_equal(pd.n_unstable, [[2, 2], [0, 0]])
    assert pd.hopf.g.size == 2 and set(pd.hopf.along) == {"g"}
    for g, eta, f in zip(pd.hopf.g, pd.hopf.eta, pd.hopf.frequency):
        below = network_stability(dataclasses.replace(base, g=g - 0.01, eta=eta))
        above = network_stability(dataclasses.replace(base, g=g + 0.01, eta=eta))
        assert not below.stable and above.stable
        assert below.frequency == pytest.approx(f, rel=0.02)
    assert pd.fold.shape == (0, 2)
    with pytest.raises(ValueError, match="g_values"):
        mfkit.stability.phase_diagram([3.0], [2.0, 2.5], base=base)


def test_phase_diagram_marks_multistability_and_the_fold():
    pd = mfkit.stability.phase_diagram([2.0, 3.5], [0.5, 0.8], base=BrunelNetwork(**BRUNEL_VR10))
    assert pd.n_unstable[0, 0] == -1 and np.isnan(pd.rate[0, 0])  # several stable fixed points of eq. 30
    assert pd.fold.shape[0] >= 1


def test_phase_diagram_reaches_weak_drive():
    """Down to eta = 0.5 at V_r = 10 mV: the quiescent state (a stable state with a vanishing loop gain), the
    multistable corner (n_unstable = -1, rate NaN) and Brunel's SI slow state at (4.5, 0.9) with its slow
    crossings, without an error; the count at every grid point agrees with network_stability."""
    import dataclasses

    base = BrunelNetwork(**BRUNEL_VR10)
    g, eta = [3.0, 4.5, 6.0], [0.5, 0.8, 0.9, 1.0]
    pd = mfkit.stability.phase_diagram(g, eta, base=base, tol=1e-2)
    np.testing.assert_array_equal(pd.n_unstable, [[-1, -1, 2, 2], [0, 0, 2, 0], [0, 0, 0, 0]])
    assert np.isnan(pd.rate[0, 0]) and pd.rate[1, 0] < 1e-30
    slow = (pd.hopf.g == 4.5) & (pd.hopf.along == "eta")
    assert slow.sum() == 2 and np.all((pd.hopf.frequency[slow] > 0) & (pd.hopf.frequency[slow] < 40))
    assert pd.fold.shape[0] >= 1
    for i, gi in enumerate(g):
        for j, ej in enumerate(eta):
            if pd.n_unstable[i, j] >= 0:
                st = network_stability(dataclasses.replace(base, g=gi, eta=ej))
                assert st.stable is bool(pd.n_unstable[i, j] == 0)
