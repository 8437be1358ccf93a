"""mfkit.plotting's figures of the spiking chapters (drawn with the Agg backend), and
SpikingResult.fluctuations on spike trains whose answer is known."""
from __future__ import annotations

import numpy as np
import pytest

from mfkit.spiking import SpikingResult

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from mfkit.plotting import annotated_grid, raster_and_rate, text_colour  # noqa: E402


def result_from(times, senders, NE=80, NI=20, t_sim=1000.0, t_warmup=100.0, dt=0.1):
    return SpikingResult.from_spikes(times, senders, sizes=(NE, NI), t_sim=t_sim, t_warmup=t_warmup, dt=dt,
                                     seed=0, backend="mfkit", n_synapses=0)


def poisson_result(rate_hz=20.0, seed=1):
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate_hz * 100 * 1.0)  # 100 neurons, 1 s
    t = 100.0 + np.round(rng.uniform(0, 1000.0, n) / 0.1) * 0.1 + 0.1
    return result_from(np.minimum(t, 1100.0), rng.integers(0, 100, n))


@pytest.mark.parametrize("rgba, colour", [((0, 0, 0, 1), "white"), ((1, 1, 1, 1), "black"),
                                          ((0.267, 0.005, 0.329, 1), "white"),   # viridis at 0
                                          ((0.993, 0.906, 0.144, 1), "black"),   # viridis at 1
                                          ((0.404, 0.0, 0.122), "white")])       # RdBu_r at 1 (no alpha)
def test_text_colour_by_luminance(rgba, colour):
    assert text_colour(rgba) == colour


def test_annotated_grid_writes_every_value_readably():
    fig, ax = plt.subplots()
    values = np.array([[0.0, 1.0, 2.0], [3.0, 4.0, 4.0]])
    assert annotated_grid(ax, values, ["a", "b", "c"], ["x", "y"], fmt="{:.1f}", vmin=0, vmax=4) is ax
    texts = {(t.get_position(), t.get_text()): t.get_color() for t in ax.texts}
    assert len(texts) == values.size
    assert texts[((0, 0), "0.0")] == "white" and texts[((2, 1), "4.0")] == "black"  # viridis: dark to light
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"] and len(fig.axes) == 2  # colour bar
    assert min(t.get_fontsize() for t in ax.texts) >= 9  # readable in the book (issue 20)
    plt.close(fig)


def test_raster_and_rate_draws_the_window():
    res = poisson_result()
    fig, axes = plt.subplots(2, 1)
    assert raster_and_rate(res, 500.0, 600.0, axes, n_shown=(10, 5)) is axes
    raster_E, raster_I = axes[0].lines
    assert np.all((raster_E.get_xdata() > 500) & (raster_E.get_xdata() <= 600))
    assert np.all(raster_E.get_ydata() < 10) and np.all((raster_I.get_ydata() >= 10) & (raster_I.get_ydata() < 15))
    rate_line, mean_line = axes[1].lines
    assert rate_line.get_xdata().size == 200 and mean_line.get_ydata()[0] == pytest.approx(res.rate)
    plt.close(fig)


def test_fluctuations_of_independent_poisson_neurons():
    f = poisson_result(rate_hz=40.0).fluctuations(bin_width=1.0)
    assert f.poisson == pytest.approx(1 / np.sqrt(100 * 40.0 * 1e-3), rel=0.05)
    assert 0.85 < f.excess < 1.15 and f.resolution == pytest.approx(1.0) and f.freq.size == f.power.size == 500


def test_fluctuations_find_the_frequency_of_a_synchronous_volley():
    # every neuron fires once in every period of 8 ms (125 Hz), at a random phase within 1 ms
    rng = np.random.default_rng(2)
    volleys = 100.0 + np.arange(1, 125) * 8.0
    t = np.round((np.repeat(volleys, 100) + rng.uniform(0, 1.0, volleys.size * 100)) / 0.1) * 0.1
    res = result_from(t, np.tile(np.arange(100), volleys.size))
    f = res.fluctuations(bin_width=0.5)
    assert f.f_peak == pytest.approx(125.0) and f.excess > 5


def test_fluctuations_need_spikes():
    with pytest.raises(ValueError, match="no spikes"):
        result_from(np.zeros(0), np.zeros(0, dtype=int)).fluctuations()


def test_benchmark_bars_legend_names_every_bar_colour():
    import json
    from pathlib import Path

    from matplotlib.colors import to_hex

    from mfkit.plotting import benchmark_bars

    record = json.loads((Path(__file__).resolve().parents[1] / "benchmarks/results/spiking.json").read_text())
    fig, (ax_time, ax_mem) = plt.subplots(1, 2)
    assert benchmark_bars(ax_time, ax_mem, record, "seed") == (ax_time, ax_mem)
    legend = ax_time.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["build", "simulate, mfkit", "simulate, NEST", "min–max"]
    assert min(t.get_fontsize() for t in legend.get_texts()) >= 9  # readable in the book (issue 20)
    legend_colours = {to_hex(h.get_facecolor()) for h in legend.legend_handles if hasattr(h, "get_facecolor")}
    drawn = {to_hex(p.get_facecolor()) for p in ax_time.patches} | {to_hex(p.get_facecolor()) for p in ax_mem.patches}
    assert drawn == legend_colours and len(ax_time.patches) == 2 * len(record["configurations"])
    plt.close(fig)
