"""The spiking twin of any network of LIF populations (mfkit.simulate): the model it builds (in-degrees,
delays, weight classes), its invariances, both backends against each other, and bad input."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mfkit import BrunelNetwork, MeanFieldNetwork, microcircuit, simulate, simulate_brunel
from mfkit.spiking import spiking_model
from mfkit.spiking._rng import make_states
from mfkit.spiking.connectivity import block_synapses
from mfkit.spiking.mfkit_backend import delay_steps, weight_classes
from mfkit.spiking.model import delay_step_pmf

from _helpers import needs_nest


def three_populations(**changes) -> MeanFieldNetwork:
    """E, I and a second excitatory population: different neurons, delta and exponential synapses,
    weights per connection, truncated Gaussian delays drawn per synapse, Poisson drive."""
    p = dict(K=[[80, 20, 10], [80, 20, 0], [40, 10, 20]], J=[[0.2, -1.0, 0.3], [0.2, -1.0, 0.0], [0.2, -1.0, 0.1]],
             tau_m=[20.0, 10.0, 15.0], t_ref=[2.0, 1.0, 2.0], theta=20.0, V_reset=[0.0, 5.0, 10.0],
             tau_syn=[0.0, 0.5, 0.0], K_ext=[100, 100, 80], J_ext=0.2, nu_ext=[80.0, 70.0, 90.0],
             N=(800, 200, 300), names=("E", "I", "E2"), delay=[[1.5, 0.8, 1.0]] * 3,
             delay_distribution="truncated_gaussian", delay_sd=0.5)
    p.update(changes)
    return MeanFieldNetwork(**p)


@pytest.mark.parametrize("tau_syn", [0.0, 0.5])
def test_brunel_network_is_the_two_population_case(tau_syn):
    """simulate(BrunelNetwork) builds the model simulate_brunel builds: the same spikes bit for bit."""
    net = BrunelNetwork(order=200, tau_syn=tau_syn)
    a = simulate(net, t_sim=200.0, seed=3, threads=2)
    b = simulate_brunel(net, t_sim=200.0, seed=3, threads=2)
    np.testing.assert_array_equal(a.spike_times, b.spike_times)
    np.testing.assert_array_equal(a.senders, b.senders)
    assert a.names == ("E", "I") and a.sizes == (800, 200) and a.spike_times.size > 5000


def test_same_spikes_for_every_thread_count():
    """Three populations, mixed synapses, delays per synapse: 1, 2 and 3 threads give the same spikes
    and membrane potentials."""
    net = three_populations()
    runs = []
    with pytest.warns(RuntimeWarning, match="threads=3"):
        for k in (1, 2, 3):
            runs.append(simulate(net, t_sim=300.0, t_warmup=50.0, seed=5, threads=k, record_V=[0, 850, 1299]))
    for r in runs[1:]:
        np.testing.assert_array_equal(r.spike_times, runs[0].spike_times)
        np.testing.assert_array_equal(r.senders, runs[0].senders)
        np.testing.assert_array_equal(r.V_m, runs[0].V_m)
    r = runs[0]
    assert r.names == ("E", "I", "E2") and r.rates.shape == (3,) and np.all(r.rates > 1.0)
    assert r.n_synapses == 800 * 110 + 200 * 100 + 300 * 70
    assert r.population_rate(5.0, "E2").rate.mean() == pytest.approx(r.rates[2], rel=1e-9)


def test_fixed_total_number():
    """connectivity="fixed_total_number": rint(K[a, b] N_a) synapses per connection (also where the
    rounded in-degree is 0), in-degrees spread binomially, the same spikes on any thread count."""
    net = three_populations(K=[[80.4, 20, 10], [80, 20, 0.3], [40, 10, 20]],
                            delay=1.5, delay_distribution="fixed", delay_sd=0.0)
    model = spiking_model(net, connectivity="fixed_total_number")
    np.testing.assert_array_equal(model.synapses, np.rint(net.K * np.array(net.N)[:, None]))
    assert model.synapses[1, 2] == 60 and model.K[1, 2] == 0
    K = model.in_degrees(np.random.default_rng(1))
    offsets = model.offsets
    for a in range(3):
        part = K[offsets[a]:offsets[a + 1]]
        np.testing.assert_array_equal(part.sum(axis=0), model.synapses[a])
    E = K[:800, 0]  # binomial: 64320 draws among 800 targets
    assert E.var() == pytest.approx(64320 / 800 * (1 - 1 / 800), rel=0.15)
    runs = [simulate(net, t_sim=200.0, seed=4, threads=k, connectivity="fixed_total_number") for k in (1, 2)]
    np.testing.assert_array_equal(runs[0].spike_times, runs[1].spike_times)
    np.testing.assert_array_equal(runs[0].senders, runs[1].senders)
    assert runs[0].n_synapses == model.n_synapses
    with pytest.raises(ValueError, match="connectivity must be one of"):
        simulate(net, t_sim=10.0, connectivity="pairwise_bernoulli")


def _sources_by_population(syn, offsets):
    """``count[i, b]``: synapses neuron ``i`` receives from population ``b``."""
    N = offsets[-1]
    src = np.repeat(np.arange(N), syn.out_degrees())
    pop = np.searchsorted(offsets, src, side="right") - 1
    count = np.zeros((N, offsets.size - 1), dtype=np.int64)
    np.add.at(count, (syn.targets(), pop), 1)
    return count


def test_fixed_in_degrees_and_delays_per_synapse():
    """Every neuron receives exactly K[a, b] synapses from population b; the delays of a connection
    follow delay_step_pmf (chi-square), whatever the blocks."""
    model = spiking_model(three_populations(K=[[300, 100, 50], [300, 100, 0], [200, 50, 100]]))
    d = delay_steps(model, 0.1)
    assert d.uniform is None and d.D_min == 1
    offsets = model.offsets
    K = model.in_degrees(np.random.default_rng(0))  # fixed in-degrees: the rows of model.K
    syns = [block_synapses(offsets, K, make_states(7, 3)[0], np.array(bounds),
                           d.tables, make_states(7, 3)[2]) for bounds in ([0, 1300], [0, 500, 900, 1300])]
    np.testing.assert_array_equal(syns[0].targets(), syns[1].targets())
    np.testing.assert_array_equal(syns[0].delays_by_source(), syns[1].delays_by_source())
    count = _sources_by_population(syns[0], offsets)
    pop = np.searchsorted(offsets, np.arange(1300), side="right") - 1
    np.testing.assert_array_equal(count, np.asarray(model.K)[pop])
    # the delays of the connections from I (0.8 ms, sd 0.5 ms; 100 per neuron of E and I) against their law
    syn = syns[0]
    src = np.repeat(np.arange(1300), syn.out_degrees())
    tgt = syn.targets()
    mine = (src >= 800) & (src < 1000) & (tgt < 1000)
    observed = np.bincount(syn.delays_by_source()[mine], minlength=d.D_max + 1)
    pmf = delay_step_pmf(0.8, 0.5, "truncated_gaussian", 0.1)
    expected = mine.sum() * np.pad(pmf, (0, observed.size - pmf.size))
    keep = expected > 5
    chi2 = np.sum((observed[keep] - expected[keep]) ** 2 / expected[keep])
    assert observed[0] == 0 and chi2 < keep.sum() + 5 * math.sqrt(2 * keep.sum())


def test_delay_step_pmf():
    """Fixed: one step; truncated Gaussian and exponential: the rounded law, mass below 1.5 dt on one step."""
    np.testing.assert_array_equal(delay_step_pmf(1.5, 0.0, "fixed", 0.1), np.eye(16)[15])
    from scipy.stats import truncnorm, expon
    for dist, law in (("truncated_gaussian", truncnorm(-0.75 / 0.375, np.inf, loc=0.75, scale=0.375)),
                      ("exponential", expon(scale=0.75))):
        pmf = delay_step_pmf(0.75, 0.375, dist, 0.1)
        assert pmf.sum() == pytest.approx(1.0, abs=1e-15) and pmf[0] == 0.0
        assert pmf[1] == pytest.approx(law.cdf(0.15), rel=1e-12)
        assert pmf[7] == pytest.approx(law.cdf(0.75) - law.cdf(0.65), rel=1e-10)
    with pytest.raises(ValueError, match="must be >= dt"):
        delay_step_pmf(0.05, 0.0, "fixed", 0.1)


def test_weight_classes():
    """Source populations with equal weights onto every target share a row of counts."""
    np.testing.assert_array_equal(weight_classes(spiking_model(microcircuit()).J), [0, 1, 2, 1, 0, 1, 0, 1])
    np.testing.assert_array_equal(weight_classes(spiking_model(BrunelNetwork()).J), [0, 1])


def test_dc_drive_gives_the_deterministic_period():
    """drive="dc": one population without recurrence fires periodically; the period is the one of the
    exact membrane update on the grid (steps to reach theta, plus the refractory steps)."""
    net = MeanFieldNetwork(K=[[0.0]], J=[[0.0]], K_ext=100, J_ext=0.2, nu_ext=150.0, N=(10,), tau_m=20.0, t_ref=2.0,
                           delay=1.0)
    mu = 20e-3 * 100 * 0.2 * 150.0  # mV: tau_m K_ext J_ext nu_ext
    r = simulate(net, t_sim=1000.0, t_warmup=0.0, drive="dc", threads=1)
    P22 = math.exp(-0.1 / 20.0)
    V, n = 0.0, 0
    while V < 20.0:
        V = P22 * V + (1 - P22) * mu
        n += 1
    period = (n + 20) * 0.1  # ms: to threshold from the reset, then 20 refractory steps
    assert r.cv_isi[0] == pytest.approx(0.0, abs=1e-9)
    isi = np.diff(r.spike_times[r.senders == 0])
    assert np.all(np.abs(isi[1:] - period) < 1e-9)


def test_bad_input():
    """Missing sizes, delays below the step or off the grid, unknown drive: a ValueError naming them."""
    with pytest.raises(ValueError, match=r"network\.N"):
        simulate(MeanFieldNetwork(K=[[10.0]], J=[[0.1]], K_ext=10, J_ext=0.1, nu_ext=10.0, delay=1.0), t_sim=10.0)
    with pytest.raises(ValueError, match=r"delay.* must be >= dt"):
        simulate(three_populations(delay=0.05, delay_distribution="fixed", delay_sd=0.0), t_sim=10.0)
    with pytest.raises(ValueError, match=r"network\.delay\[0, 1\] = 0\.85 ms is not a multiple of dt"):
        simulate(three_populations(delay=[[1.5, 0.85, 1.0]] * 3, delay_distribution="fixed", delay_sd=0.0), t_sim=10.0)
    with pytest.raises(ValueError, match="drive must be one of"):
        simulate(three_populations(), t_sim=10.0, drive="gaussian")
    with pytest.raises(ValueError, match="J must be finite"):
        three_populations(J=[[np.inf, -1.0, 0.3]] * 3)
    with pytest.raises(TypeError, match="MeanFieldNetwork"):
        simulate(object(), t_sim=10.0)


def test_memory_refused_before_anything_is_allocated(monkeypatch):
    """A microcircuit a thousand times larger (77 M neurons, 0.3 trillion synapses) is refused at once,
    with the estimate, before the synapses are drawn."""
    import dataclasses

    from mfkit.spiking import mfkit_backend

    def built(*args, **kwargs):
        raise AssertionError("the synapses were drawn")

    monkeypatch.setattr(mfkit_backend, "block_synapses", built)
    big = dataclasses.replace(microcircuit(), N=tuple(1000 * n for n in microcircuit().N))
    with pytest.raises(MemoryError, match=r"needs an estimated .* TB .* available"):
        simulate(big, t_sim=100.0)


@needs_nest
def test_nest_fixed_total_number():
    """NEST's fixed_total_number rule: the same number of synapses per connection."""
    net = three_populations(K=[[80.4, 20, 10], [80, 20, 0.3], [40, 10, 20]])
    r = simulate(net, t_sim=50.0, backend="nest", threads=2, connectivity="fixed_total_number")
    assert r.n_synapses == spiking_model(net, connectivity="fixed_total_number").n_synapses


@needs_nest
def test_nest_builds_the_same_model():
    """The NEST backend simulates the same three-population model: rates per population agree with the
    mfkit engine's within 4 combined standard errors (time blocks) plus 2 %."""
    net = three_populations()
    runs = [simulate(net, t_sim=2000.0, t_warmup=200.0, seed=2, threads=2, backend=b) for b in ("mfkit", "nest")]
    assert runs[1].names == runs[0].names and runs[1].n_synapses == runs[0].n_synapses
    err = []
    for r in runs:
        blocks = np.stack([[r.population_rate(200.0, a).rate] for a in range(3)])[:, 0]  # (3, 10)
        err.append(blocks.std(axis=1, ddof=1) / math.sqrt(blocks.shape[1]))
    diff = np.abs(runs[0].rates - runs[1].rates)
    assert np.all(diff <= 4 * np.hypot(*err) + 0.02 * runs[0].rates), (runs[0].rates, runs[1].rates, err)
