"""The cortical microcircuit (``mfkit.microcircuit``): parameters, stationary rates by both colored-noise forms.

* the variants' parameters: sizes, names, weights (J = w tau_syn / C_m, L4E -> L2/3E doubled, g = 4), and
  Bos et al.'s in-degrees against the Potjans-Diesmann formula (equal to 3.4e-5 but for L4I -> L4E);
* the stationary rates of the "bos2016" variant: layer 6E at 1.03 Hz with the Taylor form (the value
  published by Bos et al. 2016) and 1.13 Hz with the shifted form (the 10 % a user meets with NEST's form);
* every fixed point checked against the mpmath references of both forms: one Newton step with the
  reference transfer function moves no rate by more than 1e-9 relative;
* its eigenvalues and spectra (exponential synapses, truncated Gaussian delays): the two least damped
  oscillatory roots of ``network_stability`` (certified in the complex plane from
  :func:`mfkit.response.characteristic_parts`) are the peaks of ``rate_spectrum`` (built on the
  imaginary axis from :func:`mfkit.linear_response`), in every population;
* bad input names the argument.
"""
from __future__ import annotations

import numpy as np
import pytest

from mfkit import MeanFieldNetwork, fixed_points, microcircuit, network_stability, rate_spectrum
from mfkit.microcircuit import CONNECTION_PROBABILITIES, MICROCIRCUIT_POPULATIONS, MICROCIRCUIT_SIZES
from mfkit.reference import siegert as reference_shift
from mfkit.reference import siegert_taylor_with_derivatives


def test_parameters_of_both_variants():
    for variant in ("bos2016", "potjans2014"):
        net = microcircuit(variant)
        assert net.names == MICROCIRCUIT_POPULATIONS and net.N == MICROCIRCUIT_SIZES and sum(net.N) == 77169
        j = 87.8 * 0.5 / 250.0
        assert np.isclose(j, 0.1756, rtol=0, atol=1e-12)
        assert np.allclose(net.J[:, 0::2][net.J[:, 0::2] != 2 * j], j) and net.J[0, 2] == 2 * j
        assert np.allclose(net.J[:, 1::2], -4 * j) and np.allclose(net.J_ext, j) and np.allclose(net.nu_ext, 8.0)
        assert np.all(net.tau_syn == 0.5) and np.all(net.tau_m == 10.0) and np.all(net.theta - net.V_reset == 15.0)
        assert net.delay_distribution == "truncated_gaussian" and np.all(net.delay[:, 0::2] == 1.5)
        assert np.all(net.delay[:, 1::2] == 0.75) and np.array_equal(net.delay_sd, net.delay / 2)
    bos, potjans = microcircuit("bos2016"), microcircuit("potjans2014")
    differs = ~np.isclose(bos.K, potjans.K, rtol=4e-5, atol=0)
    assert differs.sum() == 1 and differs[2, 3] and bos.K[2, 3] == 675.0  # L4I -> L4E lowered
    assert np.flatnonzero(bos.K_ext != potjans.K_ext).tolist() == [2] and bos.K_ext[2] == 1780  # L4E drive
    assert np.array_equal(potjans.K > 0, CONNECTION_PROBABILITIES > 0)


@pytest.fixture(scope="module")
def bos_rates():
    return {form: fixed_points(microcircuit("bos2016", colored_noise=form)) for form in ("shift", "taylor")}


def test_layer_6e_rates_of_both_forms(bos_rates):
    """Bos et al. (2016) publish 1.03 Hz for L6E (Taylor form); the shifted form gives 1.13 Hz there."""
    l6e = MICROCIRCUIT_POPULATIONS.index("L6E")
    (taylor,), (shift,) = bos_rates["taylor"], bos_rates["shift"]
    assert round(taylor.rates[l6e], 2) == 1.03 and round(shift.rates[l6e], 2) == 1.13
    assert taylor.pseudo_time_stable and shift.pseudo_time_stable
    assert np.max(np.abs(taylor.rates / shift.rates - 1)) > 0.05  # the forms differ by several percent


@pytest.mark.parametrize("variant", ["bos2016", "potjans2014"])
@pytest.mark.parametrize("form", ["shift", "taylor"])
def test_fixed_point_against_the_mpmath_references(variant, form):
    net = microcircuit(variant, colored_noise=form)
    (fp,) = fixed_points(net)
    stats = net.input_statistics(fp.rates)
    params = dict(tau_m=10.0, t_ref=2.0, theta=15.0, V_reset=0.0, tau_syn=0.5)
    if form == "shift":
        phi = np.array([float(reference_shift(m, s, **params, dps=30)) for m, s in zip(stats.mu, stats.sigma)])
    else:
        phi = np.array([float(siegert_taylor_with_derivatives(m, s, **params, dps=30).rate)
                        for m, s in zip(stats.mu, stats.sigma)])
    step = np.linalg.solve(-net.jacobian(fp.rates, tau=1.0), phi - fp.rates)  # Newton step with the reference
    assert np.max(np.abs(step / fp.rates)) < 1e-9


def test_modes_are_the_peaks_of_the_spectra():
    net = microcircuit()
    st = network_stability(net)
    assert st.stable and st.asymptote == -np.inf  # filtered synapses and distributed delays: no neutral chain
    upper = st.eigenvalues[st.eigenvalues.imag > 0]
    oscillatory = upper[np.argsort(-upper.real)][:2]  # the two least damped: 73.4 Hz and 286 Hz
    for lam in oscillatory:
        f_mode = lam.imag / (2 * np.pi) * 1e3
        f = f_mode + np.linspace(-10.0, 10.0, 401)  # 0.05 Hz steps
        peaks = f[np.argmax(rate_spectrum(net, f).psd, axis=0)]
        assert np.all(np.abs(peaks - f_mode) <= 0.1), (f_mode, peaks)
        assert st.dominant_mode(peaks[0]) == lam  # the pole with the largest residue (adjugate included)
    assert oscillatory[0].real > -0.001  # nearly marginal: a sharp peak


def test_population_sizes_are_the_default_of_the_spectra():
    net = MeanFieldNetwork(K=[[800.0, 200.0], [800.0, 200.0]], J=[[0.1, -0.5], [0.1, -0.5]], K_ext=800.0, J_ext=0.1,
                           nu_ext=15.0, delay=1.5, N=(8000, 2000))
    given = rate_spectrum(net, [10.0, 100.0])
    assert given.n_neurons.tolist() == [8000, 2000]
    assert np.allclose(given.psd, rate_spectrum(net, [10.0, 100.0], n_neurons=(8000, 2000)).psd, rtol=1e-14)


@pytest.mark.parametrize("bad", [(10, 0), (10,), (10.5, 3), (True, 3), "ab"])
def test_population_sizes_are_checked(bad):
    with pytest.raises(ValueError, match="N \\(population sizes\\) must be None or 2 integers >= 1"):
        MeanFieldNetwork(K=[[1.0, 1.0], [1.0, 1.0]], J=[[0.1, -0.1], [0.1, -0.1]], N=bad)


@pytest.mark.parametrize("variant", ["Bos2016", "potjans", None])
def test_unknown_variant(variant):
    with pytest.raises(ValueError, match="variant must be 'bos2016' or 'potjans2014'"):
        microcircuit(variant)
    with pytest.raises(ValueError, match="colored_noise must be"):
        microcircuit("bos2016", colored_noise="nest")
