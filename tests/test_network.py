"""The network model: derived quantities, eq. 28/29, the general form, validation."""
import dataclasses
import warnings

import numpy as np
import pytest

from mfkit import BrunelNetwork, MeanFieldNetwork
from mfkit.siegert import siegert


def seed_script_numbers():
    """The arithmetic of NEST's brunel_siegert_nest.py, verbatim (the seed)."""
    g, eta, epsilon, order = 5.0, 2.0, 0.1, 2500
    NE, NI = 4 * order, 1 * order
    CE, CI = int(epsilon * NE), int(epsilon * NI)
    tauMem, theta = 20.0, 20.0
    J = 0.1
    J_ex = J
    J_in = -g * J_ex
    nu_th = theta / (J * CE * tauMem)
    nu_ex = eta * nu_th
    return dict(
        NE=NE, NI=NI, CE=CE, CI=CI, C_tot=int(CI + CE), J_in=J_in,
        drift_factor_ext=tauMem * 1e-3 * J_ex,
        drift_factor_ex=tauMem * 1e-3 * CE * J_ex,
        drift_factor_in=tauMem * 1e-3 * CI * J_in,
        diffusion_factor_ext=tauMem * 1e-3 * J_ex**2,
        diffusion_factor_ex=tauMem * 1e-3 * CE * J_ex**2,
        diffusion_factor_in=tauMem * 1e-3 * CI * J_in**2,
        nu_th_per_ms=nu_th, nu_ext_per_ms=nu_ex, p_rate=1000.0 * nu_ex * CE,
    )


def test_seed_derived_quantities_equal_the_seed_script():
    net = BrunelNetwork()
    for name, value in seed_script_numbers().items():
        assert getattr(net, name) == value, name  # bit-identical arithmetic


def test_seed_factors_enter_the_general_model():
    net = BrunelNetwork()
    m = net.model
    assert m.names == ("E", "I")
    np.testing.assert_array_equal(m.drift_factors, [[net.drift_factor_ex, net.drift_factor_in]] * 2)
    np.testing.assert_array_equal(m.diffusion_factors, [[net.diffusion_factor_ex, net.diffusion_factor_in]] * 2)
    np.testing.assert_array_equal(m.drift_factors_ext, [net.drift_factor_ext] * 2)
    np.testing.assert_array_equal(m.diffusion_factors_ext, [net.diffusion_factor_ext] * 2)
    np.testing.assert_array_equal(m.nu_ext, [net.p_rate] * 2)
    assert m.delay == net.delay == 1.5 and BrunelNetwork(delay=2.0).model.delay == 2.0


def test_units_of_threshold_rate():
    net = BrunelNetwork()
    assert net.nu_th_hz == 1000 * net.nu_th_per_ms
    assert net.nu_ext_hz == 1000 * net.nu_ext_per_ms
    # nu_th (Hz) from CE inputs gives a mean input exactly at threshold
    mu = net.tau_m * 1e-3 * net.CE * net.J * net.nu_th_hz
    assert mu == pytest.approx(net.theta, rel=1e-14)
    # eta = 1: external drive alone brings mu to threshold
    assert BrunelNetwork(eta=1.0).mu(0.0)[0] == pytest.approx(net.theta, rel=1e-14)


def test_mu_sigma_golden_values_at_seed_rate():
    net = BrunelNetwork()
    nu = 32.0331145039
    np.testing.assert_allclose(net.mu(nu), 23.983443, atol=5e-7)
    np.testing.assert_allclose(net.sigma(nu), 7.102677, atol=5e-7)
    np.testing.assert_array_equal(net.mu(nu), net.mu([nu, nu]))


def test_mu_sigma_follow_eq_28_29_for_unequal_rates():
    net = BrunelNetwork(g=4.0, eta=1.3)
    nuE, nuI = 7.5, 21.0
    tau = net.tau_m * 1e-3
    mu = tau * (net.CE * net.J * nuE - net.CI * net.g * net.J * nuI + net.J * net.p_rate)
    s2 = tau * (net.CE * net.J**2 * nuE + net.CI * (net.g * net.J) ** 2 * nuI + net.J**2 * net.p_rate)
    np.testing.assert_allclose(net.mu([nuE, nuI]), [mu, mu], rtol=1e-14)
    np.testing.assert_allclose(net.sigma([nuE, nuI]) ** 2, [s2, s2], rtol=1e-14)
    # broadcasting over a batch of rate vectors
    batch = np.array([[nuE, nuI], [1.0, 2.0], [0.0, 0.0]])
    out = net.model.mu(batch)
    assert out.shape == (3, 2)
    np.testing.assert_allclose(out[0], net.mu([nuE, nuI]), rtol=1e-15)


def test_general_network_with_heterogeneous_populations():
    K = [[800, 200], [600, 150]]
    J = [[0.1, -0.6], [0.15, -0.5]]
    m = MeanFieldNetwork(K=K, J=J, tau_m=[20.0, 10.0], t_ref=[2.0, 1.0], theta=[20.0, 18.0],
                         V_reset=[10.0, 5.0], K_ext=[1000, 800], J_ext=0.1, nu_ext=[12.0, 10.0])
    r = np.array([3.0, 9.0])
    tau = np.array([20.0, 10.0]) * 1e-3
    Jx = np.array(J)
    mu = tau * ((np.array(K) * Jx) @ r + np.array([1000, 800]) * 0.1 * np.array([12.0, 10.0]))
    s2 = tau * ((np.array(K) * Jx**2) @ r + np.array([1000, 800]) * 0.01 * np.array([12.0, 10.0]))
    np.testing.assert_allclose(m.mu(r), mu, rtol=1e-13)
    np.testing.assert_allclose(m.sigma(r), np.sqrt(s2), rtol=1e-13)
    expect = [siegert(mu[0], np.sqrt(s2[0]), tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=10.0),
              siegert(mu[1], np.sqrt(s2[1]), tau_m=10.0, t_ref=1.0, theta=18.0, V_reset=5.0)]
    np.testing.assert_allclose(m.transfer(r), expect, rtol=1e-13)
    assert m.population_groups() == [[0], [1]]
    np.testing.assert_array_equal(m.max_rate, [500.0, 1000.0])
    assert BrunelNetwork().model.population_groups() == [[0, 1]]


def test_jacobian_matches_finite_differences_of_the_transfer():
    m = MeanFieldNetwork(K=[[800, 200], [600, 150]], J=[[0.1, -0.6], [0.15, -0.5]],
                         tau_m=[20.0, 10.0], K_ext=1, J_ext=0.1, nu_ext=[16000.0, 15000.0])
    r = np.array([10.0, 20.0])
    tau = 2.0
    A = m.jacobian(r, tau=tau)
    h = 1e-4
    num = np.empty((2, 2))
    for b in range(2):
        e = np.zeros(2)
        e[b] = h
        num[:, b] = (m.transfer(r + e) - m.transfer(r - e)) / (2 * h)
    np.testing.assert_allclose(A, (num - np.eye(2)) / tau, rtol=1e-5, atol=1e-8)


def test_immutability():
    net = BrunelNetwork()
    with pytest.raises(dataclasses.FrozenInstanceError):
        net.g = 3.0
    with pytest.raises(ValueError):
        net.model.K[0, 0] = 1.0  # read-only array
    assert dataclasses.replace(net, g=3.0).g == 3.0
    assert BrunelNetwork() == BrunelNetwork()


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(g=-0.1), "g"),
        (dict(eta=-1.0), "eta"),
        (dict(epsilon=0.0), "epsilon"),
        (dict(epsilon=1.5), "epsilon"),
        (dict(order=0), "order"),
        (dict(order=2.5), "order"),
        (dict(J=0.0), "J"),
        (dict(tau_m=0.0), "tau_m"),
        (dict(t_ref=-1.0), "t_ref"),
        (dict(theta=0.0, V_reset=0.0), "theta"),
        (dict(delay=0.0), "delay"),
        (dict(tau_syn=-2.0), "tau_syn"),
        (dict(g=float("nan")), "g"),
        (dict(eta="2"), "eta"),
        (dict(epsilon=1e-6, order=10), "CE"),
    ],
)
def test_brunel_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        BrunelNetwork(**kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(K=[1, 2], J=[1, 2]), "K"),
        (dict(K=[[1, 2], [3, 4]], J=[1, 2, 3]), "J"),
        (dict(K=[[-1.0]], J=[[0.1]]), "K"),
        (dict(K=[[1.0]], J=[[np.inf]]), "J"),
        (dict(K=[[1.0]], J=[[0.1]], tau_m=0.0), "tau_m"),
        (dict(K=[[1.0]], J=[[0.1]], t_ref=-1.0), "t_ref"),
        (dict(K=[[1.0]], J=[[0.1]], theta=0.0, V_reset=1.0), "theta"),
        (dict(K=[[1.0]], J=[[0.1]], tau_syn=-1.0), "tau_syn"),
        (dict(K=[[1.0]], J=[[0.1]], nu_ext=-1.0), "nu_ext"),
        (dict(K=[[1.0]], J=[[0.1]], K_ext=-1.0), "K_ext"),
        (dict(K=[[1.0]], J=[[0.1]], names=("a", "b")), "names"),
        (dict(K=[[1.0]], J=[[0.1]], delay=-0.1), "delay"),
        (dict(K=[[1.0]], J=[[0.1]], delay=np.inf), "delay"),
    ],
)
def test_general_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        MeanFieldNetwork(**kwargs)


def test_rates_shape_is_checked():
    with pytest.raises(ValueError, match="rates"):
        BrunelNetwork().model.mu([1.0, 2.0, 3.0])


def test_statements_of_the_network_chapter():
    """Numbers stated in book/network.ipynb."""
    net = BrunelNetwork()
    assert net.mu(0.0)[0] == pytest.approx(net.eta * net.theta, rel=1e-14) == pytest.approx(40.0)
    assert net.sigma(0.0)[0] == pytest.approx(2.0, rel=1e-14)
    assert net.g * net.CI / net.CE == pytest.approx(1.25)
    assert net.mu(1.0)[0] - net.mu(0.0)[0] == pytest.approx(-0.5, rel=1e-12)
    assert net.mu(40.0)[0] == pytest.approx(net.theta, rel=1e-14)
    nu = np.linspace(0, 100, 11)
    assert np.all(np.diff(net.sigma(nu[:, None])[:, 0]) > 0)
    assert net.mu(32.0331145039)[0] > net.theta


def test_scalar_and_trailing_one_rates_mean_equal_rates():
    net = BrunelNetwork()
    np.testing.assert_array_equal(net.mu(np.array([[3.0], [4.0]])), net.mu(np.array([[3.0, 3.0], [4.0, 4.0]])))
    np.testing.assert_array_equal(net.sigma(3.0), net.sigma([3.0, 3.0]))


def test_rate_line_is_the_model_along_a_line_of_rates():
    """RateLine: eq. 27-29 as floats along nu * (1 on the sources, 0 elsewhere), the same numbers as the arrays."""
    m = MeanFieldNetwork(K=[[800, 200], [600, 150]], J=[[0.1, -0.6], [0.15, -0.5]], tau_m=[20.0, 10.0],
                         theta=[20.0, 18.0], K_ext=[1000, 800], J_ext=0.1, nu_ext=[12.0, 10.0])
    for a in (0, 1):
        for sources, direction in ((None, [1.0, 1.0]), ([1], [0.0, 1.0]), ([0, 1], [1.0, 1.0])):
            line = m.rate_line(a, sources)
            assert line.neuron == {k: float(v[a]) for k, v in m.neuron_params.items()}
            for nu in (0.0, 3.0, 40.0):
                r = nu * np.array(direction)
                p = line.at(nu)
                assert p.mu == pytest.approx(m.mu(r)[a], rel=1e-14, abs=1e-12)
                assert p.sigma == pytest.approx(m.sigma(r)[a], rel=1e-14)
                assert p.siegert.rate == pytest.approx(m.transfer(r)[a], rel=1e-12)
                jac = m.transfer_with_jacobian(r)[1]
                assert p.slope == pytest.approx(jac[a] @ direction, rel=1e-10)
    # the line of equal rates of the Brunel network: the common-mode slope of its transfer
    net = BrunelNetwork()
    p = net.model.rate_line().at(32.0)
    assert p.slope == pytest.approx(net.jacobian(32.0).sum(axis=1)[0] + 1.0, rel=1e-12)
    for bad in (dict(population=2), dict(population=True), dict(sources=[5]), dict(sources=[-1]),
                dict(sources=[0.5]), dict(sources=["E"])):
        with pytest.raises(ValueError, match=next(iter(bad))):
            m.rate_line(**bad)


def test_group_expansion_maps_group_rates_to_populations():
    m = MeanFieldNetwork(K=[[500, 500, 250]] * 3, J=[[0.1, 0.1, -0.3]] * 3, V_reset=[0.0, 1.0, 0.0])
    assert m.population_groups() == [[0, 2], [1]]
    E = m.group_expansion()
    np.testing.assert_array_equal(E, [[1, 0], [0, 1], [1, 0]])
    np.testing.assert_array_equal(np.array([4.0, 7.0]) @ E.T, [4.0, 7.0, 4.0])
    np.testing.assert_array_equal(BrunelNetwork().model.group_expansion(), [[1.0], [1.0]])


@pytest.mark.parametrize("value", ["20", True, None, 1j, [20.0, "x"]])
def test_neuron_parameters_that_are_not_numbers_are_refused_by_name(value):
    """Neuron parameters go through mfkit.neuron.check_neuron_params: one message for a bad value."""
    with pytest.raises(ValueError, match=r"^tau_m must be finite and > 0 ms, got"):
        MeanFieldNetwork(K=[[1.0, 1.0]] * 2, J=[[0.1, 0.1]] * 2, tau_m=value)
    if np.ndim(value) == 0:
        with pytest.raises(ValueError, match=r"^tau_m must be finite and > 0 ms, got"):
            BrunelNetwork(tau_m=value)
    with pytest.raises(ValueError, match=r"^t_ref must be finite and >= 0 ms, got inf"):
        BrunelNetwork(t_ref=np.inf)
    with pytest.raises(ValueError, match="tau_m must be one number"):
        BrunelNetwork(tau_m=np.array([20.0, 10.0]))


def test_input_statistics_against_eq_28_29_written_out():
    """mu, sigma and their rate derivatives against eq. 28-29 and central differences."""
    K = np.array([[800, 200], [600, 150]])
    J = np.array([[0.1, -0.6], [0.15, -0.5]])
    tau = np.array([20.0, 10.0])
    m = MeanFieldNetwork(K=K, J=J, tau_m=tau, K_ext=[1000, 800], J_ext=0.1, nu_ext=[12.0, 10.0])
    r = np.array([3.0, 9.0])
    st = m.input_statistics(r)
    mu = lambda nu: tau * 1e-3 * ((K * J) @ nu + np.array([1000, 800]) * 0.1 * np.array([12.0, 10.0]))
    s2 = lambda nu: tau * 1e-3 * ((K * J**2) @ nu + np.array([1000, 800]) * 0.01 * np.array([12.0, 10.0]))
    np.testing.assert_allclose(st.mu, mu(r), rtol=1e-13)
    np.testing.assert_allclose(st.sigma, np.sqrt(s2(r)), rtol=1e-13)
    h = 1e-3
    for b in range(2):
        e = np.eye(2)[b] * h
        np.testing.assert_allclose(st.d_mu[:, b], (mu(r + e) - mu(r - e)) / (2 * h), rtol=1e-9)
        fd = (np.sqrt(s2(r + e)) - np.sqrt(s2(r - e))) / (2 * h)
        np.testing.assert_allclose(st.d_sigma[:, b], fd, rtol=1e-7)
    batch = m.input_statistics(np.array([r, 2 * r, 0 * r]))
    assert batch.mu.shape == (3, 2) and batch.d_sigma.shape == (3, 2, 2)
    np.testing.assert_allclose(batch.d_sigma[1], m.input_statistics(2 * r).d_sigma, rtol=1e-15)


@pytest.mark.parametrize("rates", [-1.0, [3.0, -1e-300], [[1.0, 2.0], [-np.inf, 0.0]]])
def test_negative_rates_are_rejected_by_name(rates):
    net = BrunelNetwork()
    for method in (net.mu, net.sigma, net.transfer, net.input_statistics, net.jacobian):
        with pytest.raises(ValueError, match=r"rates must be >= 0 Hz"):
            method(rates)


def test_nan_rates_give_nan():
    net = BrunelNetwork()
    assert np.all(np.isnan(net.transfer(np.nan)))
    assert np.all(np.isnan(net.mu([np.nan, 1.0])))


def test_model_does_not_import_its_solvers():
    """Data flows one way: model -> solvers (no import cycle in mfkit, counting imports inside functions)."""
    import ast
    import pathlib

    import mfkit

    root = pathlib.Path(mfkit.__file__).parent
    graph = {}
    for path in root.rglob("*.py"):
        mod = ".".join(path.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__")
        pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):  # module level and inside functions
            if isinstance(node, ast.ImportFrom) and node.level:
                base = pkg.rsplit(".", node.level - 1)[0] if node.level > 1 else pkg
                target = f"{base}.{node.module}" if node.module else base
                deps |= {target} if node.module else {f"{base}.{a.name}" for a in node.names}
        graph[mod] = deps

    def reaches(a, b, seen=()):
        return any(d == b or (d not in seen and reaches(d, b, seen + (d,))) for d in graph.get(a, ()))

    cycles = [m for m in graph if not m.endswith("__init__") and m != "mfkit" and reaches(m, m)]
    assert cycles == []
    for solver in ("mfkit.fixed_points", "mfkit.pseudo_time"):
        assert not reaches("mfkit.network", solver) and not reaches("mfkit.brunel", solver)


def test_jacobian_at_threshold_without_noise_is_infinite_not_nan():
    """mu = theta, sigma = 0: dPhi/dmu = +inf (the sigma -> 0+ limit); sigma cannot move, so no inf * 0."""
    for tau_syn in (0.0, 5.0):
        m = MeanFieldNetwork(K=[[100.0]], J=[[0.1]], theta=0.0, V_reset=-10.0, tau_syn=tau_syn)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            phi, jac = m.transfer_with_jacobian(0.0)
        assert phi[0] == 0.0 and jac[0, 0] == np.inf
