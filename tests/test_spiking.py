"""Tests of the spiking twin (mfkit.spiking): single-neuron dynamics against the
closed form, NEST's iaf_psc_delta semantics, connectivity, drive, reproducibility,
agreement with NEST's anchors on the seed network, and the NEST backend."""
from __future__ import annotations

import hashlib
import math
import os
import sys
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

from mfkit import BrunelNetwork
from mfkit.spiking import cv_isi_per_neuron, fixed_indegree, simulate_brunel

from _helpers import assert_single_neuron_protocols_match_nest, lone_neuron, needs_nest, net_like


# ------------------------------------------------------------ single neuron
@pytest.mark.parametrize("mu", [20.5, 21.0, 25.0, 30.0, 40.0])
def test_constant_drive_matches_closed_form(mu):
    """A neuron with constant suprathreshold drive fires at
    1 / (t_ref + tau_m ln((mu - V_reset) / (mu - theta))).

    The engine integrates the membrane exactly (no error at the grid points),
    but a threshold crossing is only detected at the end of the step in which
    it happens, so every free-membrane interval is rounded *up* to the time
    grid: the simulated ISI lies in [T, T + dt) with T the closed-form period.
    Hence ISI - T in [0, dt) exactly and, for the rate, a relative error below
    dt / T (< 0.3% here).
    """
    tau_m, t_ref, theta, V_reset, dt = 20.0, 2.0, 20.0, 0.0, 0.1
    T_free = tau_m * math.log((mu - V_reset) / (mu - theta))
    T = t_ref + T_free
    r = simulate_brunel(lone_neuron(), t_sim=1000.0, t_warmup=0.0, dt=dt, mu_ext=mu)
    isi = np.diff(r.spike_times)
    assert isi.size >= 10
    # every ISI is the same number of steps: t_ref + dt * ceil(T_free / dt)
    assert np.ptp(isi) < 1e-9
    assert 0.0 <= isi[0] - T < dt
    assert isi[0] == pytest.approx(t_ref + dt * math.ceil(T_free / dt - 1e-12), abs=1e-9)
    # the first spike comes after the free-membrane time (from V = 0 = V_reset)
    assert 0.0 <= r.spike_times[0] - T_free < dt
    assert 1000.0 / isi.mean() == pytest.approx(1000.0 / T, rel=dt / T)


def test_subthreshold_drive_never_fires_and_relaxes_exactly():
    r = simulate_brunel(lone_neuron(), t_sim=100.0, t_warmup=0.0, mu_ext=19.9, record_V=[0])
    assert r.spike_times.size == 0
    t = r.V_times
    np.testing.assert_allclose(r.V_m[0], 19.9 * (1.0 - np.exp(-t / 20.0)), rtol=1e-12, atol=1e-12)


def test_delta_jump_and_exact_decay():
    """A PSP is a jump of exactly its weight, then V decays as exp(-t/tau_m)."""
    r = simulate_brunel(lone_neuron(), t_sim=20.0, t_warmup=0.0, stimulus=([2.0], [0], [5.0]),
                        record_V=[0])
    t = r.V_times
    expected = np.where(t >= 2.0 - 1e-9, 5.0 * np.exp(-(t - 2.0) / 20.0), 0.0)
    np.testing.assert_allclose(r.V_m[0], expected, rtol=1e-12, atol=1e-14)


def test_refractory_period_discards_input():
    """Spike at 1.0 ms; input until 1.0 + t_ref = 3.0 ms (inclusive) is
    discarded, input from 3.1 ms on is integrated (NEST's default
    refractory_input=False)."""
    one = lone_neuron()
    # 25 mV at 3.0 ms is lost (still refractory); 25 mV at 3.1 ms fires
    r = simulate_brunel(one, t_sim=10.0, t_warmup=0.0,
                        stimulus=([1.0, 3.0, 3.1], [0, 0, 0], [25.0, 25.0, 25.0]))
    np.testing.assert_allclose(r.spike_times, [1.0, 3.1])
    # a lost 25 mV kick at 2.0 ms would otherwise push 10 mV at 3.2 ms over threshold
    r = simulate_brunel(one, t_sim=10.0, t_warmup=0.0, record_V=[0],
                        stimulus=([1.0, 2.0, 3.2, 3.3], [0] * 4, [25.0, 25.0, 10.0, 12.0]))
    np.testing.assert_allclose(r.spike_times, [1.0, 3.3])
    clamp = (r.V_times >= 1.0 - 1e-9) & (r.V_times <= 3.0 + 1e-9)
    assert np.all(r.V_m[0][clamp] == 0.0)  # clamped to V_reset
    assert r.V_m[0][np.argmin(np.abs(r.V_times - 3.2))] == pytest.approx(10.0)


def test_delay_with_an_autapse():
    """A single neuron connected to itself (CE = 1: the only E source is
    itself) with a suprathreshold weight re-excites itself exactly one delay
    after each spike once t_ref < delay: spikes every 1.5 ms."""
    r = simulate_brunel(net_like(NE=1, NI=0, CE=1, CI=0, p_rate=0.0, J=25.0, t_ref=1.0),
                        t_sim=10.0, t_warmup=0.0, stimulus=([1.0], [0], [25.0]))
    np.testing.assert_allclose(r.spike_times, np.arange(1.0, 10.0 + 1e-9, 1.5))
    # with t_ref = 2 ms > delay the echo arrives while refractory and is lost
    r = simulate_brunel(net_like(NE=1, NI=0, CE=1, CI=0, p_rate=0.0, J=25.0),
                        t_sim=10.0, t_warmup=0.0, stimulus=([1.0], [0], [25.0]))
    np.testing.assert_allclose(r.spike_times, [1.0])


# ------------------------------------------------------------ connectivity
def test_fixed_indegree_exact_in_degrees():
    c = fixed_indegree(NE=400, NI=100, CE=40, CI=10, seed=3)
    kE, kI = c.in_degrees()
    assert np.all(kE == 40) and np.all(kI == 10)
    assert c.n_synapses == 500 * 50
    assert c.targets.dtype == np.int32 and c.indptr[-1] == c.n_synapses
    # targets sorted within each source (cache-friendly delivery)
    for j in (0, 123, 450):
        seg = c.targets[c.indptr[j]:c.indptr[j + 1]]
        assert np.all(np.diff(seg) >= 0)
    # excitatory sources are 0..NE-1, inhibitory ones NE..N-1
    src = c.sources_of(7)
    assert np.sum(src < 400) == 40 and np.sum(src >= 400) == 10


def test_fixed_indegree_allows_autapses_and_multapses():
    c = fixed_indegree(NE=20, NI=5, CE=20, CI=5, seed=1)
    n_auto = sum(int(np.sum(c.sources_of(i) == i)) for i in range(25))
    n_multi = sum(int(np.sum(np.diff(c.sources_of(i)) == 0)) for i in range(25))
    assert n_auto > 0 and n_multi > 0
    # sources are uniform: the mean out-degree of an E neuron is N CE / NE
    c = fixed_indegree(NE=400, NI=100, CE=100, CI=25, seed=2)
    out = c.out_degrees()
    assert out[:400].mean() == pytest.approx(500 * 100 / 400)
    # binomial spread: var = n p (1 - p) with n = N CE draws, p = 1 / NE
    assert out[:400].var() == pytest.approx(500 * 100 * (1 / 400) * (1 - 1 / 400), rel=0.2)


def test_connectivity_pinned_synapses():
    """The synapses of seed 0 on the seed network's small variant (order 250: 1,250 neurons,
    CE = 100, CI = 25), as drawn before the draw order was written once (digests of the arrays):
    fixed_indegree on 1 and 2 threads, and the engine's storage by block on one and two blocks."""
    from mfkit.spiking._rng import make_states
    from mfkit.spiking.connectivity import _two_populations, block_synapses

    def digest(*arrays):
        return hashlib.sha256(b"".join(a.tobytes() for a in arrays)).hexdigest()[:16]

    net = BrunelNetwork(order=250)
    sizes = (net.NE, net.NI, net.CE, net.CI)
    assert sizes == (1000, 250, 100, 25)
    for threads in (1, 2):
        c = fixed_indegree(*sizes, seed=0, threads=threads)
        assert digest(c.indptr, c.targets) == "c8c4660ed789cc6d"
    for bounds in ([0, 1250], [0, 400, 1250]):
        syn = block_synapses(*_two_populations(*sizes), make_states(0, 2)[0], np.array(bounds))
        indptr = np.concatenate(([0], np.cumsum(syn.out_degrees())))
        assert digest(indptr, syn.targets()) == "c8c4660ed789cc6d"


def test_connectivity_reproducible_and_seeded():
    a = fixed_indegree(100, 25, 10, 3, seed=5)
    b = fixed_indegree(100, 25, 10, 3, seed=5)
    c = fixed_indegree(100, 25, 10, 3, seed=6)
    assert np.array_equal(a.targets, b.targets) and np.array_equal(a.indptr, b.indptr)
    assert not np.array_equal(a.targets, c.targets)


# ------------------------------------------------------------ Poisson drive
def test_poisson_drive_counts():
    """Without leak (tau_m huge) and threshold, V grows by J times the number
    of drive spikes of each step: the counts must be Poisson(p_rate dt)."""
    p_rate, dt, J = 20000.0, 0.1, 0.1
    net = net_like(NE=40, NI=10, CE=0, CI=0, p_rate=p_rate, J=J, tau_m=1e12, theta=1e12)
    r = simulate_brunel(net, t_sim=200.0, t_warmup=10.0, dt=dt, record_V=range(50))
    k = np.rint(np.diff(r.V_m, axis=1) / J).astype(int).ravel()
    assert np.allclose(np.diff(r.V_m, axis=1).ravel(), k * J, atol=1e-6)
    lam = p_rate * dt * 1e-3
    n = k.size
    assert abs(k.mean() - lam) < 4 * math.sqrt(lam / n)
    assert k.var() == pytest.approx(lam, rel=0.03)
    # chi-square against the Poisson pmf for k = 0..7 (+ tail)
    kk = np.arange(8)
    pmf = np.exp(-lam) * lam ** kk / np.array([math.factorial(int(x)) for x in kk])
    obs = np.append(np.bincount(np.minimum(k, 8), minlength=9)[:8], np.sum(k >= 8))
    exp = n * np.append(pmf, 1 - pmf.sum())
    chi2 = np.sum((obs - exp) ** 2 / exp)
    assert chi2 < 27.9  # 99.9% quantile of chi2 with 8 degrees of freedom


def test_poisson_drive_arrives_after_the_delay():
    net = net_like(NE=20, NI=0, CE=0, CI=0, tau_m=1e12, theta=1e12)
    r = simulate_brunel(net, t_sim=3.0, t_warmup=0.0, record_V=range(20))
    first = r.V_times[np.argmax(np.any(r.V_m > 0, axis=0))]
    assert np.all(r.V_m[:, r.V_times < 1.5 + 0.1 - 1e-9] == 0.0)
    assert first == pytest.approx(1.6)


# ------------------------------------------------------------ results
def test_reproducible_with_seed():
    net = BrunelNetwork(order=100, epsilon=0.5)
    a = simulate_brunel(net, t_sim=200.0, seed=7)
    b = simulate_brunel(net, t_sim=200.0, seed=7)
    c = simulate_brunel(net, t_sim=200.0, seed=8)
    assert np.array_equal(a.spike_times, b.spike_times) and np.array_equal(a.senders, b.senders)
    assert not (a.spike_times.size == c.spike_times.size and np.array_equal(a.senders, c.senders))


def test_result_statistics_consistent():
    net = BrunelNetwork(order=100, epsilon=0.5)
    r = simulate_brunel(net, t_sim=500.0, t_warmup=50.0, seed=1)
    assert r.NE == 400 and r.NI == 100 and r.n_synapses == 500 * (200 + 50)
    assert np.all((r.spike_times > 50.0) & (r.spike_times <= 550.0 + 1e-9))
    counts = np.bincount(r.senders, minlength=500)
    np.testing.assert_allclose(r.neuron_rates, counts / 0.5)
    np.testing.assert_allclose(r.rates, [r.neuron_rates[:400].mean(), r.neuron_rates[400:].mean()])
    h = r.population_rate(bin_width=5.0)
    assert h.t.size == 100 and h.t[0] == pytest.approx(52.5)
    assert h.rate.mean() == pytest.approx(r.rate)
    hE = r.population_rate(2.0, population="E")
    assert hE.rate.mean() == pytest.approx(r.rates[0])
    assert np.all(r.spike_times[:-1] <= r.spike_times[1:])
    with pytest.raises(ValueError, match="bin_width"):
        r.population_rate(0.0)
    with pytest.raises(ValueError, match="population"):
        r.population_rate(1.0, population="X")
    with pytest.raises((AttributeError, TypeError)):
        r.rates = None  # frozen
    with pytest.raises(ValueError):
        r.rates[0] = 1.0  # read-only arrays


def test_cv_isi_per_neuron_by_hand():
    # neuron 0: ISIs 10, 10 -> CV 0; neuron 1: ISIs 5, 15 -> std 5 / mean 10
    t = np.array([0.0, 10.0, 20.0, 0.0, 5.0, 20.0, 3.0])
    s = np.array([0, 0, 0, 1, 1, 1, 2])
    cv = cv_isi_per_neuron(t, s, 3)
    assert cv[0] == 0.0 and cv[1] == pytest.approx(0.5) and np.isnan(cv[2])


def test_progress_bar(capsys, monkeypatch):
    net = BrunelNetwork(order=20, epsilon=0.5)
    simulate_brunel(net, t_sim=100.0, progress=True)
    assert "simulate [" in capsys.readouterr().err
    simulate_brunel(net, t_sim=100.0)  # small run: auto = off
    assert capsys.readouterr().err == ""
    from mfkit.spiking._common import in_notebook

    monkeypatch.setitem(sys.modules, "ipykernel", object())
    assert in_notebook()


def test_progress_bar_appears_before_the_build(capsys, monkeypatch):
    """With progress=True the bar is on stderr (at 0 ms) before the connectivity is drawn."""
    from mfkit.spiking import mfkit_backend as sim

    seen = []
    real = sim.block_synapses

    def spy(*args, **kwargs):
        seen.append(capsys.readouterr().err)
        return real(*args, **kwargs)

    monkeypatch.setattr(sim, "block_synapses", spy)
    simulate_brunel(BrunelNetwork(order=20, epsilon=0.5), t_sim=50.0, t_warmup=0.0, progress=True)
    assert len(seen) == 1 and "simulate [" in seen[0] and " 0.0/50.0 ms" in seen[0], seen


@needs_nest
def test_progress_bar_appears_before_the_nest_build(capsys, monkeypatch):
    from mfkit.spiking.nest_backend import import_nest

    nest = import_nest()
    seen = []
    real = nest.Create

    def spy(*args, **kwargs):
        seen.append(capsys.readouterr().err)
        return real(*args, **kwargs)

    monkeypatch.setitem(nest.__dict__, "Create", spy)  # the nest module refuses setattr
    simulate_brunel(BrunelNetwork(order=20, epsilon=0.5), t_sim=50.0, t_warmup=0.0, progress=True,
                    backend="nest")
    assert seen and "simulate [" in seen[0] and " 0.0/50.0 ms" in seen[0], seen
    assert "50.0/50.0 ms" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs, name", [
    (dict(t_sim=-1.0), "t_sim"),
    (dict(t_sim=0.0), "t_sim"),
    (dict(t_sim=10.05), "t_sim"),
    (dict(t_warmup=-5.0), "t_warmup"),
    (dict(dt=0.0), "dt"),
    (dict(dt=float("nan")), "dt"),
    (dict(seed=-1), "seed"),
    (dict(seed=1.5), "seed"),
    (dict(backend="brian"), "backend"),
    (dict(mu_ext=float("inf")), "mu_ext"),
    (dict(threads=0), "threads"),
    (dict(record_V=[10**6]), "record_V"),
    (dict(V_init=[1.0, 2.0]), "V_init"),
    (dict(stimulus=([1.0], [10**6], [1.0])), "stimulus"),
    (dict(stimulus=([0.0], [0], [1.0])), "stimulus"),
    (dict(stimulus=([1.05], [0], [1.0])), "stimulus"),
    (dict(dt=2.0), "delay"),
    (dict(dt=1.0), "delay"),
    (dict(dt=0.3, t_sim=9.0), "t_ref"),
])
def test_bad_input_raises_value_error_naming_parameter(kwargs, name):
    net = BrunelNetwork(order=10, epsilon=0.5)
    kw = dict(t_sim=10.0, t_warmup=0.0)
    kw.update(kwargs)
    with pytest.raises(ValueError, match=name):
        simulate_brunel(net, **kw)


@pytest.mark.parametrize("changes, name", [
    (dict(tau_syn=-0.5), "tau_syn"),
    (dict(tau_m=0.0), "tau_m"),
    (dict(t_ref=-1.0), "t_ref"),
    (dict(theta=-1.0), "theta"),
    (dict(p_rate=-1.0), "p_rate"),
    (dict(NE=0), "NE"),
    (dict(CE=2.5), "CE"),
    (dict(J=float("nan")), "J"),
])
def test_bad_network_raises_value_error_naming_attribute(changes, name):
    net = net_like(NE=8, NI=2, CE=2, CI=1)
    for k, v in changes.items():
        setattr(net, k, v)
    with pytest.raises(ValueError, match=name):
        simulate_brunel(net, t_sim=10.0, t_warmup=0.0)
    with pytest.raises(ValueError, match="p_rate"):
        simulate_brunel(SimpleNamespace(NE=1), t_sim=10.0)


NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize("changes, name, allowed", [
    (dict(NE=0), "network.NE", ">= 1"),
    (dict(NE=NAN), "network.NE", ">= 1"),
    (dict(NE=INF), "network.NE", ">= 1"),
    (dict(NI=-1), "network.NI", ">= 0"),
    (dict(CE=-1), "network.CE", ">= 0"),
    (dict(CE=2.5), "network.CE", ">= 0"),
    (dict(CI=-3), "network.CI", ">= 0"),
    (dict(CI=NAN), "network.CI", ">= 0"),
    (dict(NE=True), "network.NE", ">= 1"),
    (dict(NE=2**31 - 2, NI=2), "network.NE + network.NI", "<= 2147483647"),
    (dict(NI=0, CI=1), "network.CI", "must be 0"),
    (dict(p_rate=-1.0), "network.p_rate", ">= 0 Hz"),
    (dict(p_rate=NAN), "network.p_rate", ">= 0 Hz"),
    (dict(p_rate=INF), "network.p_rate", ">= 0 Hz"),
    (dict(tau_m=0.0), "network.tau_m", "> 0 ms"),
    (dict(tau_m=NAN), "network.tau_m", "> 0 ms"),
    (dict(t_ref=-1.0), "network.t_ref", ">= 0 ms"),
    (dict(t_ref=INF), "network.t_ref", ">= 0 ms"),
    (dict(delay=0.0), "network.delay", "> 0 ms"),
    (dict(delay=INF), "network.delay", "> 0 ms"),
    (dict(tau_syn=-0.5), "network.tau_syn", ">= 0 ms"),
    (dict(tau_syn=INF), "network.tau_syn", ">= 0 ms"),
    (dict(J=NAN), "network.J", "finite"),
    (dict(g=INF), "network.g", "finite"),
    (dict(theta=NAN), "network.theta", "finite"),
    (dict(theta=-1.0), "network.theta", "> network.V_reset"),
])
def test_network_attribute_out_of_range_names_it_and_the_range(changes, name, allowed):
    """network_params: every size, rate and time constant out of range is a ValueError naming the
    attribute and its allowed range (before any memory is allocated)."""
    net = net_like(NE=8, NI=2, CE=2, CI=1)
    for k, v in changes.items():
        setattr(net, k, v)
    with pytest.raises(ValueError) as err:
        simulate_brunel(net, t_sim=10.0, t_warmup=0.0)
    assert name in str(err.value) and allowed in str(err.value), str(err.value)


@pytest.mark.parametrize("kwargs, name, allowed", [
    (dict(t_sim=NAN), "t_sim", "> 0 ms"),
    (dict(t_sim=INF), "t_sim", "> 0 ms"),
    (dict(t_sim=-1.0), "t_sim", "> 0 ms"),
    (dict(t_sim=0.0), "t_sim", "> 0 ms"),
    (dict(t_sim="10"), "t_sim", "real number of ms"),
    (dict(t_sim=1e300), "t_warmup + t_sim", "<= 9007199254740992 dt"),
    (dict(t_warmup=NAN), "t_warmup", ">= 0 ms"),
    (dict(t_warmup=INF), "t_warmup", ">= 0 ms"),
    (dict(t_warmup=-0.1), "t_warmup", ">= 0 ms"),
    (dict(dt=NAN), "dt", "> 0 ms"),
    (dict(dt=INF), "dt", "> 0 ms"),
    (dict(dt=-0.1), "dt", "> 0 ms"),
    (dict(dt=0.0), "dt", "> 0 ms"),
    (dict(threads=0), "threads", ">= 1"),
    (dict(threads=-2), "threads", ">= 1"),
    (dict(threads=2.0), "threads", ">= 1"),
    (dict(threads=True), "threads", ">= 1"),
    (dict(threads="2"), "threads", ">= 1"),
    (dict(seed=-1), "seed", ">= 0"),
    (dict(seed=NAN), "seed", ">= 0"),
    (dict(min_isis=0), "min_isis", ">= 1"),
    (dict(mu_ext=NAN), "mu_ext", "finite"),
    # the Poisson sampling table: at most 1e6 drive spikes per neuron and step
    (dict(dt=0.1, network=dict(p_rate=2e10)), "network.p_rate", "in [0, 1e+10] Hz"),
])
def test_run_argument_out_of_range_names_it_and_the_range(kwargs, name, allowed):
    kwargs = dict(kwargs)
    net = net_like(NE=8, NI=2, CE=2, CI=1, **kwargs.pop("network", {}))
    kw = dict(t_sim=10.0, t_warmup=0.0)
    kw.update(kwargs)
    with pytest.raises(ValueError) as err:
        simulate_brunel(net, **kw)
    assert name in str(err.value) and allowed in str(err.value), str(err.value)


def test_in_degree_may_exceed_the_source_population():
    """CE > NE and CI > NI are legal (sources drawn with replacement, i.e. multapses, as NEST's
    fixed_indegree with allow_multapses=True): every neuron gets exactly CE + CI synapses."""
    r = simulate_brunel(net_like(NE=2, NI=1, CE=5, CI=3, p_rate=0.0), t_sim=5.0, t_warmup=0.0)
    assert r.n_synapses == 3 * 8
    kE, kI = fixed_indegree(2, 1, 5, 3, seed=0).in_degrees()
    assert np.all(kE == 5) and np.all(kI == 3)


@needs_nest
def test_in_degree_may_exceed_the_source_population_in_nest():
    r = simulate_brunel(net_like(NE=2, NI=1, CE=5, CI=3, p_rate=0.0), t_sim=5.0, t_warmup=0.0,
                        backend="nest")
    assert r.n_synapses == 3 * 8
    assert r.threading_layer == "nest"


# ------------------------------------------------------------ memory preflight
class _Built(Exception):
    """Raised by a stand-in for the build: the preflight has passed."""


_BUILDERS = [("mfkit", "mfkit_backend.block_synapses"), ("nest", "nest_backend.run_nest")]


def _stop_at_build(monkeypatch, where):
    """Replace the build step ``module.attr`` of mfkit.spiking by a stand-in that raises _Built."""
    import importlib

    module, attr = where.split(".")

    def stop(*args, **kwargs):
        raise _Built

    monkeypatch.setattr(importlib.import_module(f"mfkit.spiking.{module}"), attr, stop)


@pytest.mark.parametrize("backend, where", _BUILDERS)
def test_preflight_refuses_a_huge_network_at_once(backend, where, monkeypatch):
    """order = 2 10**7 (1e8 neurons, 1e15 synapses: petabytes) is refused before the build is
    reached (nothing allocated, NEST not called), with the estimate in the message."""
    _stop_at_build(monkeypatch, where)
    with pytest.raises(MemoryError) as err:
        simulate_brunel(BrunelNetwork(order=2 * 10**7), t_sim=1.0, backend=backend)
    msg = str(err.value)
    assert "GB" in msg and "PB" in msg and "available" in msg and "synapses" in msg, msg


@pytest.mark.parametrize("backend, where", _BUILDERS)
def test_preflight_passes_the_seed_network(backend, where, monkeypatch):
    """The seed network (order 2500, 15.6 M synapses) passes the preflight: the build is reached
    (replaced here by a stand-in that stops the run)."""
    _stop_at_build(monkeypatch, where)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nor a warning about the recorded spikes
        with pytest.raises(_Built):
            simulate_brunel(BrunelNetwork(), t_sim=1000.0, backend=backend)


def test_preflight_estimates_the_seed_network():
    from mfkit.spiking import _memory

    est = _memory.mfkit_estimate(N=12500, n_synapses=15_625_000, D=15, ref_steps=20, n_sim=10000,
                                 n_V=0, exp_synapses=False)
    assert est["synapses"] == 2 * 15_625_000 + 8 * 12500 * 2 + 24 * 12500 + 8 * 12500 * 2  # P = 2 in-degrees
    assert 0.03e9 < sum(est.values()) < 0.07e9
    nest_total = sum(_memory.nest_estimate(12500, 15_625_000, 10000, 0).values())
    assert 1.0e9 < nest_total < 1.5e9  # NEST: ~1.2 GB for the seed network


def test_preflight_memory_error_and_spike_warning(monkeypatch):
    """With little memory the fixed allocations are refused; when only the worst case of the
    recorded spikes does not fit, a RuntimeWarning states the mean rate that does."""
    from mfkit.spiking import _memory

    net = net_like(NE=80, NI=20, CE=8, CI=2)
    monkeypatch.setattr(_memory, "available_memory", lambda: 1000)
    with pytest.raises(MemoryError, match=r"needs an estimated .* GB .* available"):
        simulate_brunel(net, t_sim=10.0, threads=1)
    est = sum(_memory.mfkit_estimate(100, 1000, 15, 20, 100, 0, False, n_blocks=1).values())
    monkeypatch.setattr(_memory, "available_memory", lambda: est + 100 * 128)  # 100 spikes
    with pytest.warns(RuntimeWarning, match=r"mean rate up to 100 Hz"):
        simulate_brunel(net, t_sim=10.0, threads=1)
    monkeypatch.setattr(_memory, "available_memory", lambda: None)  # unknown: no check
    simulate_brunel(net, t_sim=10.0)


def test_available_memory_sources(tmp_path, monkeypatch):
    from mfkit.spiking import _memory

    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       32000000 kB\nMemAvailable:   2000000 kB\n")
    assert _memory._meminfo_available(meminfo) == 2_048_000_000
    assert _memory._meminfo_available(tmp_path / "missing") is None
    cg = tmp_path / "cgroup"
    cg.mkdir()
    assert _memory._cgroup_headroom(cg) is None
    (cg / "memory.max").write_text("max\n")
    (cg / "memory.current").write_text("100\n")
    assert _memory._cgroup_headroom(cg) is None  # no limit
    (cg / "memory.max").write_text("1000\n")
    assert _memory._cgroup_headroom(cg) == 900
    # the smaller of the two; os.sysconf where /proc/meminfo is missing
    monkeypatch.setattr(_memory, "_meminfo_available", lambda: 5000)
    monkeypatch.setattr(_memory, "_cgroup_headroom", lambda: 900)
    assert _memory.available_memory() == 900
    monkeypatch.setattr(_memory, "_meminfo_available", lambda: None)
    monkeypatch.setattr(_memory, "_cgroup_headroom", lambda: None)
    assert _memory.available_memory() == _memory._sysconf_available()
    monkeypatch.setattr(_memory.os, "sysconf", lambda name: (_ for _ in ()).throw(ValueError(name)))
    assert _memory.available_memory() is None


# ------------------------------------------------------------ threads
def _spike_digest(r) -> str:
    steps = np.rint(r.spike_times / r.dt).astype(np.int64)
    return hashlib.sha256(steps.tobytes() + r.senders.astype(np.int32).tobytes()).hexdigest()[:16]


def _runs_on(threads_list, net, **kw):
    with warnings.catch_warnings():  # more threads than this machine's cores: a RuntimeWarning
        warnings.simplefilter("ignore", RuntimeWarning)
        return [simulate_brunel(net, threads=k, **kw) for k in threads_list]


@pytest.mark.parametrize("tau_syn, digest", [(0.0, "e74fc74c245c3d97"), (0.5, "fe3d1b4f8ec3798b")])
def test_spikes_identical_for_every_thread_count(tau_syn, digest):
    """1, 2 and 3 threads (blocks of neurons; 3 is more than a 2-core machine has): the same
    spikes and membrane potentials bit for bit, for delta and exponential synapses, and the
    spikes of the single-threaded engine before threads (digest of steps and senders)."""
    net = BrunelNetwork(order=500, tau_syn=tau_syn)
    runs = _runs_on((1, 2, 3), net, t_sim=300.0, t_warmup=50.0, seed=1 if tau_syn == 0 else 2,
                    record_V=[0, 7, 1249, 1250, 2499])
    for r in runs[1:]:
        np.testing.assert_array_equal(r.spike_times, runs[0].spike_times)
        np.testing.assert_array_equal(r.senders, runs[0].senders)
        np.testing.assert_array_equal(r.V_m, runs[0].V_m)
    assert runs[0].spike_times.size > 30_000
    assert _spike_digest(runs[0]) == digest


@pytest.mark.parametrize("tau_syn", [0.0, 0.5])
def test_thread_invariance_with_one_step_delay_and_stimulus(tau_syn):
    """Delay of one step (a superstep per step) and stimulus jumps into several blocks."""
    net = BrunelNetwork(order=200, delay=0.1, tau_syn=tau_syn)
    stim = ([1.0, 1.0, 5.0, 20.0, 20.0], [0, 1, 1, 2, 999], [5.0, 3.0, 25.0, 30.0, 40.0])
    runs = _runs_on((1, 2, 3, 7), net, t_sim=100.0, t_warmup=0.0, seed=3, record_V=[1, 999],
                    stimulus=stim)
    for r in runs[1:]:
        np.testing.assert_array_equal(r.spike_times, runs[0].spike_times)
        np.testing.assert_array_equal(r.senders, runs[0].senders)
        np.testing.assert_array_equal(r.V_m, runs[0].V_m)
    if tau_syn == 0:
        assert runs[0].spike_times.size > 1000


@pytest.mark.parametrize("tau_syn", [0.0, 0.5])
def test_input_sums_without_the_table(tau_syn, monkeypatch):
    """The engine counts the spikes arriving at a neuron and looks the summed input up in a
    table; sums beyond the table are added one by one in the kernel.  With a table of a single
    entry (every sum computed in the kernel) the spikes and membrane potentials are the same,
    in a synchronous network (many spikes per step) on 1 and 2 threads."""
    from mfkit.spiking import engine

    net = BrunelNetwork(order=200, g=3.0, J=0.3, tau_syn=tau_syn)
    kw = dict(t_sim=100.0, t_warmup=10.0, seed=6, record_V=[0, 999])
    ref = simulate_brunel(net, threads=1, **kw)
    assert ref.spike_times.size > 5000
    monkeypatch.setattr(engine, "TABLE_E", 1)
    monkeypatch.setattr(engine, "TABLE_I", 1)
    monkeypatch.setattr(engine, "TABLE_DRIVE_TAIL", 1.0)
    cdf = engine.poisson_tables(2.0)[0][None].repeat(2, axis=0)
    tables = engine.input_tables(cdf, np.array([[80, 20]] * 2), np.array([0.1, 0.1]), np.array([[0.1, -0.5]] * 2))
    assert tables.shape == (2, 1, 1, 1)
    for r in _runs_on((1, 2), net, **kw):
        np.testing.assert_array_equal(r.spike_times, ref.spike_times)
        np.testing.assert_array_equal(r.senders, ref.senders)
        np.testing.assert_array_equal(r.V_m, ref.V_m)


def test_threads_default_and_restored():
    """threads=None: every available core, at most one per 2,000 neurons; numba's thread count is
    restored afterwards; more threads than cores: a RuntimeWarning naming threads."""
    import numba

    from mfkit.spiking._threads import available_cores, resolve_threads, start_threading_layer

    assert resolve_threads(None, 10**6) == available_cores() >= 1
    assert resolve_threads(None, 4000) == min(2, available_cores())
    assert resolve_threads(None, 1) == 1
    assert resolve_threads(1, 10**6) == 1
    start_threading_layer()  # as a parallel run would (numba.get_num_threads starts numba's default)
    before = numba.get_num_threads()
    net = BrunelNetwork(order=20, epsilon=0.5)
    simulate_brunel(net, t_sim=20.0, threads=None)
    assert numba.get_num_threads() == before
    simulate_brunel(net, t_sim=20.0, threads=2)
    assert numba.get_num_threads() == before
    with pytest.warns(RuntimeWarning, match="threads"):
        simulate_brunel(net, t_sim=20.0, threads=available_cores() + 1)
    assert numba.get_num_threads() == before


def test_threading_layer_recorded_in_the_result():
    """One thread on a network of one block: no parallel region, "serial"; two threads: numba's
    layer of the process."""
    import numba

    net = BrunelNetwork(order=20, epsilon=0.5)
    assert simulate_brunel(net, t_sim=5.0, threads=1).threading_layer == "serial"
    assert simulate_brunel(net, t_sim=5.0, threads=2).threading_layer == numba.threading_layer()


def test_missing_tbb_library_loads_nothing(tmp_path):
    """Where the tbb wheel's library is not (other platforms, conda), load_tbb does nothing and
    numba chooses its layer by itself."""
    from mfkit.spiking._threads import load_tbb

    assert load_tbb(str(tmp_path / "libtbb.so.12")) is False


# Run in a fresh interpreter (numba fixes its threading layer once per process): import mfkit,
# record what the import did, then compute a Siegert rate and run on 1 and on 2 threads.  MODE:
# "plain"; "bad-tbb", TBB_PATH pointing at a file that is no library; "preset", numba's threads
# started (by numba.get_num_threads) before mfkit's first parallel run.
_LAYER_PROBE = r"""
import json, sys, warnings
import numba
mode, bad_tbb = sys.argv[1], sys.argv[2]
priority = list(numba.config.THREADING_LAYER_PRIORITY)

def started():
    try:
        return numba.threading_layer()
    except ValueError:
        return None

def tbb_loaded():
    with open("/proc/self/maps") as maps:
        return any("/libtbb.so" in line for line in maps)

import mfkit
import mfkit.spiking._threads as threads
out = dict(import_priority=list(numba.config.THREADING_LAYER_PRIORITY) == priority,
           import_layer=started(), import_tbb=tbb_loaded())
if mode == "bad-tbb":
    threads.TBB_PATH = bad_tbb
if mode == "preset":
    numba.get_num_threads()
out["siegert"] = mfkit.siegert(mu=15.0, sigma=5.0)
net = mfkit.BrunelNetwork(order=20, epsilon=0.5)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    out["layer_1"] = mfkit.simulate_brunel(net, t_sim=5.0, threads=1).threading_layer
    out["started_after_1"] = started()
    out["layer_2"] = mfkit.simulate_brunel(net, t_sim=5.0, threads=2).threading_layer
out["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught]
out["numba_layer"] = numba.threading_layer()
out["tbb"] = tbb_loaded()
out["priority"] = list(numba.config.THREADING_LAYER_PRIORITY) == priority
print(json.dumps(out))
"""


def _probe_layer(mode: str, tmp_path) -> dict:
    import json
    import subprocess

    bad = tmp_path / "libtbb.so.12"
    bad.write_text("not a shared library\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
    env.pop("NUMBA_THREADING_LAYER", None)
    done = subprocess.run([sys.executable, "-c", _LAYER_PROBE, mode, str(bad)], capture_output=True,
                          text=True, env=env, cwd=root, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _tbb_elsewhere() -> bool:
    """A TBB runtime numba would find by itself (on the loader's path, not the wheel's)."""
    import ctypes.util

    return ctypes.util.find_library("tbb") is not None


def _tbb_wheel_expected() -> bool:
    """The tbb dependency is declared for Linux x86_64 (pyproject), where its absence is a
    broken install, not a reason to skip."""
    import platform
    from importlib import metadata

    if not (sys.platform.startswith("linux") and platform.machine() == "x86_64"):
        return False
    metadata.version("tbb")
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
@pytest.mark.parametrize("mode", ["plain", "bad-tbb", "preset"])
def test_import_has_no_threading_side_effects(mode, tmp_path):
    """import mfkit neither loads TBB nor changes numba's layer priority nor starts numba's
    threads; a one-thread run starts no threads either ("serial").  The first two-thread run
    loads TBB and runs on numba's TBB layer (regions of ~2 us; workqueue's cost ~50 us each, see
    _threads.load_tbb), leaving the priority as it was.  A TBB that fails to load: the Siegert
    rate as usual, and the two-thread run warns with the cause and runs on another layer.  numba's
    threads started before by other code: mfkit warns and runs on (and records) that layer."""
    out = _probe_layer(mode, tmp_path)
    assert out["import_priority"] and out["import_layer"] is None and not out["import_tbb"], out
    assert out["siegert"] > 0
    assert out["layer_1"] == "serial"
    assert out["started_after_1"] == (None if mode != "preset" else out["numba_layer"]), out
    assert out["layer_2"] == out["numba_layer"] and out["priority"], out
    layer_warnings = [w for w in out["warnings"] if "threading layer" in w or "TBB" in w]
    if mode == "plain":
        assert layer_warnings == [], out
        if _tbb_wheel_expected():
            assert out["layer_2"] == "tbb" and out["tbb"], out
    elif mode == "bad-tbb":
        assert len(layer_warnings) == 1 and layer_warnings[0].startswith("RuntimeWarning"), out
        assert "could not load the TBB runtime" in layer_warnings[0] and "libtbb.so.12" in layer_warnings[0]
        assert out["layer_2"] != "tbb" or _tbb_elsewhere(), out
    elif out["layer_2"] != "tbb" or not _tbb_elsewhere():
        assert out["layer_2"] != "tbb" and not out["tbb"], out
        assert len(layer_warnings) == 1 and layer_warnings[0].startswith("RuntimeWarning"), out
        assert "started before mfkit" in layer_warnings[0] and repr(out["layer_2"]) in layer_warnings[0], out


@pytest.mark.parametrize("sizes", [(400, 100, 40, 10), (20, 5, 20, 5), (3, 0, 2, 0)])
def test_connectivity_identical_for_every_thread_count(sizes):
    """fixed_indegree on several threads, and the engine's storage by block of targets
    (block_synapses) on any blocks: the same synapses."""
    from mfkit.spiking._rng import make_states
    from mfkit.spiking.connectivity import _two_populations, block_synapses

    a = fixed_indegree(*sizes, seed=4)
    for threads in (2, 3, 7):
        b = fixed_indegree(*sizes, seed=4, threads=threads)
        np.testing.assert_array_equal(a.indptr, b.indptr)
        np.testing.assert_array_equal(a.targets, b.targets)
    N = sizes[0] + sizes[1]
    for bounds in ([0, N], [0, 1, N], sorted({0, N // 3, N // 2, N})):
        syn = block_synapses(*_two_populations(*sizes), make_states(4, 1)[0], np.array(bounds))
        np.testing.assert_array_equal(syn.out_degrees(), np.diff(a.indptr))
        np.testing.assert_array_equal(syn.targets(), a.targets)
    with pytest.raises(ValueError, match="bounds"):
        block_synapses(*_two_populations(*sizes), make_states(4, 1)[0], np.array([0, N + 1]))


def test_xoshiro_jump_ahead():
    """The jump polynomials advance a state exactly as that many draws do; the characteristic
    polynomial is the generator's (Berlekamp-Massey)."""
    from mfkit.spiking._rng import CHAR_POLY, advance, derive_char_poly, make_states, next_u64

    assert derive_char_poly() == CHAR_POLY
    s = make_states(11, 1)[0]
    for d in (0, 1, 63, 64, 255, 256, 1000, 12_345):
        b = s.copy()
        for _ in range(d):
            next_u64(b)
        np.testing.assert_array_equal(advance(s, d), b)
    np.testing.assert_array_equal(advance(advance(s, 10**12), 5), advance(s, 10**12 + 5))


# ------------------------------------------------------------ seed network vs NEST
@pytest.mark.slow
def test_seed_network_matches_nest_anchors():
    """The full seed network (12,500 neurons, 15.6 M synapses), 1 s recorded
    after 100 ms: E and I rates within 2% of NEST's (32.31 and 32.03 Hz in two
    realisations: both), CV(ISI) within 0.03 of NEST's 0.17."""
    r = simulate_brunel(BrunelNetwork(), t_sim=1000.0, t_warmup=100.0, seed=0)
    assert r.n_synapses == 15_625_000
    for nest_rate in (32.31, 32.03):
        assert r.rates == pytest.approx([nest_rate, nest_rate], rel=0.02)
    assert r.cv_isi == pytest.approx([0.17, 0.17], abs=0.03)
    # the values the book chapter states for this run (seed 0)
    assert np.round(r.rates, 2).tolist() == [32.06, 32.14]
    assert np.round(r.cv_isi, 3).tolist() == [0.174, 0.174]


# ------------------------------------------------------------ NEST backend
def test_nest_backend_does_not_import_the_dispatcher():
    """The backends import the shared pieces (_common), never the dispatcher (no import cycle)."""
    import ast
    import inspect

    from mfkit.spiking import mfkit_backend, nest_backend

    for backend in (nest_backend, mfkit_backend):
        tree = ast.parse(inspect.getsource(backend))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "_common" in imported and not {"dispatch", "mfkit.spiking.dispatch"} & imported, imported


@needs_nest
def test_nest_importable():
    """NEST imports; in CI (MFKIT_REQUIRE_NEST=1) a missing or broken NEST fails here (with the
    cause) and in every NEST test instead of skipping them."""
    from mfkit.spiking.nest_backend import import_nest

    nest = import_nest()  # raises with the cause if NEST cannot be imported
    assert nest.__version__


@pytest.mark.skipif(os.environ.get("NUMBA_BOUNDSCHECK", "") != "1",
                    reason="only under NUMBA_BOUNDSCHECK=1 (.ci/run)")
def test_numba_boundscheck_is_active():
    """Under NUMBA_BOUNDSCHECK=1 the cached kernels were really compiled with bounds checks (a
    stale on-disk cache would reuse unchecked code): an out-of-range write raises IndexError."""
    from mfkit.spiking._rng import make_states
    from mfkit.spiking.connectivity import _fill_targets

    states = make_states(0, 1)[0][None, :]
    cursor = np.zeros((1, 2), dtype=np.int64)
    offsets, K = np.array([0, 2, 2]), np.array([[1, 0], [1, 0]])  # two neurons, one synapse each
    with pytest.raises(IndexError):
        _fill_targets.serial(states, offsets, K, np.array([0, 2]), cursor, np.empty(0, dtype=np.int32))


@needs_nest
def test_nest_backend_single_neuron_identical():
    """Deterministic single-neuron protocols give the same spikes and
    membrane potential in both backends."""
    assert_single_neuron_protocols_match_nest()


@needs_nest
def test_nest_backend_agrees_on_small_network():
    """order = 500 (2,500 neurons, CE = 200, CI = 50): the two backends draw
    different realisations; rates agree within 3%, CV(ISI) within 0.03."""
    net = BrunelNetwork(order=500)
    a = simulate_brunel(net, t_sim=500.0, t_warmup=100.0, seed=1)
    b = simulate_brunel(net, t_sim=500.0, t_warmup=100.0, seed=1, backend="nest")
    assert b.backend == "nest" and type(a) is type(b)
    assert a.n_synapses == b.n_synapses == 2500 * 250
    assert a.rates == pytest.approx(b.rates, rel=0.03)
    assert a.cv_isi == pytest.approx(b.cv_isi, abs=0.03)
