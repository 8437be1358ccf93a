"""Record the long computations of the chapters on the linear response and the phase diagram.

``book/linear_response.ipynb`` (the linear-response fits) and ``book/phase_diagram.ipynb`` (the rest)
load their results from ``book/data/stability_record.json`` instead of recomputing them on every
execution; this script regenerates that file::

    python tools/record_stability.py [OUTPUT.json]

(7 minutes of wall time, 4 of CPU, on the project's shared 2-core development machine; the file stores
the time it took).  It computes, with
the chapters' parameters (the constants below):

* ``grid``: the spiking twin at every point ``(V_reset, g, eta)`` of the phase-diagram chapter's grid,
  at two sizes
  with the same in-degrees (:func:`spiking_point`: rate, CV, synchrony and spectral peak of each run,
  :func:`mfkit.verification.measure`, with jackknife standard errors, :func:`run_errors`), and the
  theory's verdict there (:func:`theory_point`: stability, least damped frequency, rate and CV of
  the stationary state);
* ``rasters``: 200 ms of 50 excitatory neurons and the population rate of the larger network at
  Brunel's four example states (:func:`raster_excerpt`);
* ``phase_diagrams``: :func:`mfkit.phase_diagram` for both resets (:func:`phase_diagram_record`);
* ``linear_response``: the modulated simulations of the LIF neuron fitted by
  :func:`mfkit.single_neuron.fit_response` (:func:`response_fit`).

Besides the results the file stores the inputs (every parameter and seed), the mfkit version and
commit, the date and the run time.  Format: JSON (numbers with 10 significant digits, NaN as
``null``, every list of numbers on one line), so that a regenerated record diffs line by line.
``tests/test_stability_record.py`` reruns a reduced version with the functions of this module and
checks it against the record.
"""
from __future__ import annotations

import datetime
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]  # the mfkit of this tree; _record also when loaded by path

from _record import plain, version, write_record  # noqa: E402
from mfkit import (BrunelNetwork, NoUniqueStateError, SpikingResult, cv_isi, network_stability,  # noqa: E402
                   phase_diagram, simulate_brunel, stable_fixed_point)
from mfkit.single_neuron import fit_response, simulate_lif_rate  # noqa: E402
from mfkit.verification import measure  # noqa: E402

DEFAULT_OUTPUT = ROOT / "book" / "data" / "stability_record.json"

# The spiking grid: (order, epsilon) of the two sizes (C_E = 1000, C_I = 250 at both), the run, the
# Welch segment (ms), the (g, eta) grid of each reset, the points left out (SR: every neuron at ~330 Hz,
# the costliest runs; Brunel's SR point g 3, eta 2 stands for the row) and Brunel's example states.
SIZES = ((1000, 0.25), (4000, 0.0625))
SIZE_LABELS = ("small", "big")
GRID_RUN = {"t_sim": 1000.0, "t_warmup": 100.0, "seed": 1}
SEGMENT = 250.0
GRIDS = {10.0: ([3.0, 4.5, 5.0, 6.0, 8.0], [0.9, 1.5, 2.0, 3.0, 4.0]),
         0.0: ([3.0, 4.0, 6.0, 8.0], [1.0, 2.0, 4.0])}
SKIP = [(10.0, 3.0, eta) for eta in (0.9, 1.5, 3.0, 4.0)]
BRUNEL_STATES = {"SR": (3.0, 2.0), "SI fast": (6.0, 4.0), "AI": (5.0, 2.0), "SI slow": (4.5, 0.9)}  # V_r 10 mV
ERROR_BLOCKS = 20  # time blocks of the jackknife errors (50 ms each)
RE_MIN = -0.25  # 1/ms: depth of the eigenvalue search at the grid points
RASTER = {"n_neurons": 50, "start": 100.0, "length": 200.0, "bin_width": 1.0}  # ms after the warm-up

# The phase diagrams: grid, relative accuracy of the crossings, resets.
PD_G = [2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 7.0, 8.0]
PD_ETA = [0.6, 0.8, 0.85, 0.9, 0.95, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0]
PD_TOL = 0.02
V_RESETS = (10.0, 0.0)

# The linear response: the inputs (state, V_reset, channel, amplitude in mV) at the stable fixed
# point of the state's network, the modulation frequencies (Hz) and the simulation.
LR_STATES = {"seed": {}, "AI": {"g": 5.0, "eta": 2.0, "V_reset": 10.0}}  # BrunelNetwork keywords
LR_INPUTS = {"seed, mean": ("seed", "mu", 2.0), "seed, noise": ("seed", "sigma", 1.0),
             "AI, mean": ("AI", "mu", 2.0)}
LR_FREQS = [5.0, 40.0, 130.0, 300.0]
LR_SIM = {"t_sim": 1000.0, "dt": 0.1, "n_neurons": 8000, "n_groups": 10, "seed": 7}


def run_errors(result: SpikingResult, n_blocks: int = ERROR_BLOCKS, sync_bin: float = 1.0) -> dict:
    """Jackknife standard errors of the rate, CV and synchrony of :func:`mfkit.verification.measure`.

    The recording is cut into ``n_blocks`` equal time blocks; each statistic is recomputed with one
    block left out (``theta_b``) and its standard error is ``sqrt((n-1)/n sum_b (theta_b - mean)^2)``.
    Blocks much longer than the correlation time of the population rate make the leave-one-out
    values nearly independent, so the error includes the network's shared fluctuations, which a
    standard error over neurons would miss.  Definitions as in :class:`mfkit.SpikingResult`: rate,
    the mean rate of the excitatory neurons; CV, the mean over excitatory neurons with at least
    ``min_isis`` intervals of the CV of their intervals (an interval belongs to the block where it
    ends); synchrony, the standard deviation of the population rate (all neurons) in ``sync_bin`` ms
    bins (:func:`mfkit.verification.synchrony`).

    Returns
    -------
    dict
        ``{"rate": Hz, "cv": ..., "synchrony": Hz}``.
    """
    NE, T = result.NE, result.t_sim
    block = T / n_blocks
    t, s = result.spike_times, result.senders
    exc = s < NE
    # rate: spike counts of E per block
    k = np.minimum(((t[exc] - 0.5 * result.dt - result.t_warmup) // block).astype(np.int64), n_blocks - 1)
    counts = np.bincount(k, minlength=n_blocks)
    rate_b = (counts.sum() - counts) / (NE * (T - block) * 1e-3)
    # CV: per-neuron sums of the intervals by the block where they end
    te, se = t[exc], s[exc]
    order = np.lexsort((te, se))
    te, se = te[order], se[order]
    same = se[1:] == se[:-1]
    isi, who, end = np.diff(te)[same], se[1:][same], te[1:][same]
    kb = np.minimum(((end - 0.5 * result.dt - result.t_warmup) // block).astype(np.int64), n_blocks - 1)
    cv_b = np.empty(n_blocks)
    for b in range(n_blocks):
        m = kb != b
        n = np.bincount(who[m], minlength=NE)
        s1 = np.bincount(who[m], weights=isi[m], minlength=NE)
        ok = n >= max(result.min_isis, 1)
        mean = s1[ok] / n[ok]
        dev2 = np.bincount(who[m], weights=(isi[m] - (s1 / np.maximum(n, 1))[who[m]]) ** 2, minlength=NE)
        cv_b[b] = np.mean(np.sqrt(dev2[ok] / n[ok]) / mean) if ok.any() else np.nan
    # synchrony: standard deviation of the binned population rate without one block
    rate = result.population_rate(sync_bin).rate
    per = rate.size // n_blocks
    sync_b = np.array([np.delete(rate[:per * n_blocks], np.s_[b * per:(b + 1) * per]).std()
                       for b in range(n_blocks)])

    def jackknife(theta):
        return float(np.sqrt((n_blocks - 1) / n_blocks * np.sum((theta - theta.mean()) ** 2)))

    return {"rate": jackknife(rate_b), "cv": jackknife(cv_b), "synchrony": jackknife(sync_b)}


def measures(result: SpikingResult) -> dict:
    """:func:`mfkit.verification.measure` of one run (the chapter's segment) as a dict."""
    m = measure(result, segment=SEGMENT)
    return {"N": m.N, "rate": m.rate, "cv": m.cv, "synchrony": m.synchrony,
            "peak": {"frequency": m.peak.frequency, "contrast": m.peak.contrast}, "resolution": m.resolution}


def spiking_point(V_r: float, g: float, eta: float, *, sizes=SIZES, seed: int = GRID_RUN["seed"],
                  t_sim: float = GRID_RUN["t_sim"], t_warmup: float = GRID_RUN["t_warmup"]
                  ) -> tuple[dict, dict, dict]:
    """Simulate the spiking twin at one grid point at each size and measure every run.

    Parameters
    ----------
    V_r, g, eta : float
        Reset (mV), relative inhibition and relative external rate.
    sizes : sequence of (order, epsilon)
        The sizes, labelled ``"small"``, ``"big"`` in this order (default: the chapter's two).
    seed, t_sim, t_warmup
        As in :func:`mfkit.simulate_brunel` (default: the chapter's).

    Returns
    -------
    measures, errors, results : dict
        By size label: :func:`measures`, :func:`run_errors` and the :class:`mfkit.SpikingResult`.
    """
    out_m, out_e, out_r = {}, {}, {}
    for label, (order, epsilon) in zip(SIZE_LABELS, sizes):
        res = simulate_brunel(BrunelNetwork(order=order, epsilon=epsilon, g=g, eta=eta, V_reset=V_r),
                              t_sim=t_sim, t_warmup=t_warmup, seed=seed, progress=False)
        out_m[label], out_e[label], out_r[label] = measures(res), run_errors(res), res
    return out_m, out_e, out_r


def theory_point(V_r: float, g: float, eta: float) -> dict:
    """The theory at a grid point: the stationary state and the network's eigenvalues there.

    ``stable`` (``network_stability(...).stable``, None where eq. 30 has no unique stable fixed
    point), ``f_lead`` (Hz) and ``lead_re`` (1/ms) of the leading eigenvalue, ``f_theory`` the
    frequency of the least damped eigenvalue with ``Im lambda > 0`` (NaN if none down to
    :data:`RE_MIN`), ``rate_theory`` (Hz) and ``cv_theory`` (:func:`mfkit.cv_isi`) of the state.
    """
    net = BrunelNetwork(g=g, eta=eta, V_reset=V_r)
    try:
        fp = stable_fixed_point(net)
    except NoUniqueStateError:
        return {"stable": None, "f_lead": math.nan, "lead_re": math.nan, "f_theory": math.nan,
                "cv_theory": math.nan, "rate_theory": math.nan}
    st = network_stability(net, fp, re_min=RE_MIN)
    modes = st.eigenvalues[st.eigenvalues.imag > 0]
    return {"stable": st.stable, "f_lead": st.frequency, "lead_re": st.leading.real,
            "f_theory": modes[0].imag / (2e-3 * np.pi) if modes.size else math.nan,
            "cv_theory": cv_isi(fp.mu[0], fp.sigma[0], V_reset=V_r), "rate_theory": fp.rates[0]}


def raster_excerpt(result: SpikingResult) -> dict:
    """:data:`RASTER`: spikes of the first excitatory neurons and the population rate in a window.

    Spike times are stored as whole steps ``dt`` after the window's start ``t0`` (ms), the population
    rate of all neurons as spike counts per bin (rate = count / (N bin_width 1e-3)).
    """
    t0 = result.t_warmup + RASTER["start"]
    t, s = result.spike_times, result.senders
    show = (s < RASTER["n_neurons"]) & (t > t0) & (t <= t0 + RASTER["length"])
    h = result.population_rate(RASTER["bin_width"])
    keep = (h.t > t0) & (h.t <= t0 + RASTER["length"])
    counts = np.rint(h.rate[keep] * result.N * RASTER["bin_width"] * 1e-3).astype(int)
    return {"t0": t0, "dt": result.dt, "N": result.N, "step": np.rint((t[show] - t0) / result.dt).astype(int),
            "neuron": s[show].astype(int), "bin_t": h.t[keep] - t0, "bin_count": counts}


def phase_diagram_record(V_r: float, g=PD_G, eta=PD_ETA) -> dict:
    """:func:`mfkit.phase_diagram` over ``(g, eta)`` with the reset ``V_r`` (mV) as a dict of arrays."""
    pd = phase_diagram(g, eta, base=BrunelNetwork(V_reset=V_r), tol=PD_TOL)
    return {"g": pd.g, "eta": pd.eta, "n_unstable": pd.n_unstable, "rate": pd.rate,
            "hopf": {"g": pd.hopf.g, "eta": pd.hopf.eta, "frequency": pd.hopf.frequency, "along": pd.hopf.along},
            "fold": pd.fold}


def response_inputs() -> dict:
    """:data:`LR_INPUTS` with the mean input ``mu`` and noise ``sigma`` (mV) of their stable fixed point."""
    fps = {name: stable_fixed_point(BrunelNetwork(**kw)) for name, kw in LR_STATES.items()}
    return {name: {"mu": fps[state].mu[0], "sigma": fps[state].sigma[0],
                   "V_reset": LR_STATES[state].get("V_reset", 0.0), "channel": channel, "amplitude": eps}
            for name, (state, channel, eps) in LR_INPUTS.items()}


def response_fit(inp: dict, freqs, sim: dict = LR_SIM) -> list[dict]:
    """Gain and phase of the LIF neuron for one input of :func:`response_inputs` at each frequency.

    Each modulated run of :func:`mfkit.single_neuron.simulate_lif_rate` (keywords ``sim``) is fitted
    by :func:`mfkit.single_neuron.fit_response` against an unmodulated run with the same seed
    (common random numbers).
    """
    mu, sigma, V_r = inp["mu"], inp["sigma"], inp["V_reset"]
    reference = simulate_lif_rate(mu, sigma, V_reset=V_r, **sim)
    fits = []
    for f in freqs:
        fit = fit_response(simulate_lif_rate(mu, sigma, V_reset=V_r, modulation=(inp["channel"], inp["amplitude"], f),
                                             **sim), reference)
        fits.append({"f": fit.f, "chi": [fit.chi.real, fit.chi.imag], "gain": fit.gain, "gain_err": fit.gain_err,
                     "phase": fit.phase, "phase_err": fit.phase_err, "rate": fit.rate})
    return fits


def grid_points() -> list[tuple[float, float, float]]:
    """The chapter's grid: ``(V_r, g, eta)`` of :data:`GRIDS` without :data:`SKIP`, in its order."""
    return [(V_r, g, eta) for V_r, (gs, etas) in GRIDS.items() for g in gs for eta in etas
            if (V_r, g, eta) not in SKIP]


def record(progress=print) -> dict:
    """Run every computation of the chapter listed in the module docstring; return the record."""
    start = time.perf_counter()
    grid, rasters = [], {}
    for V_r, g, eta in grid_points():
        m, e, results = spiking_point(V_r, g, eta)
        grid.append({"V_r": V_r, "g": g, "eta": eta, "spiking": m, "errors": e, "theory": theory_point(V_r, g, eta)})
        for name, state in BRUNEL_STATES.items():
            if V_r == 10.0 and (g, eta) == state:
                rasters[name] = {"g": g, "eta": eta, **raster_excerpt(results["big"])}
        progress(f"grid V_r {V_r:g} g {g:g} eta {eta:g}: {time.perf_counter() - start:.0f} s")
    pds = {str(V_r): phase_diagram_record(V_r) for V_r in V_RESETS}
    progress(f"phase diagrams: {time.perf_counter() - start:.0f} s")
    inputs = response_inputs()
    response = {name: {**inp, "fits": response_fit(inp, LR_FREQS)} for name, inp in inputs.items()}
    progress(f"linear response: {time.perf_counter() - start:.0f} s")
    return {
        "what": "Results of the long computations of book/linear_response.ipynb and book/phase_diagram.ipynb; regenerate: python tools/record_stability.py",
        "mfkit": version(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "run_time_s": round(time.perf_counter() - start, 1),
        "inputs": {
            "grid": {"sizes": SIZES, "run": GRID_RUN, "segment_ms": SEGMENT, "error_blocks": ERROR_BLOCKS,
                     "re_min_per_ms": RE_MIN, "points": grid_points(), "brunel_states": BRUNEL_STATES,
                     "raster": RASTER},
            "phase_diagrams": {"g": PD_G, "eta": PD_ETA, "tol": PD_TOL, "V_resets": V_RESETS},
            "linear_response": {"states": LR_STATES, "inputs": LR_INPUTS, "freqs_Hz": LR_FREQS, "sim": LR_SIM},
        },
        "grid": grid,
        "rasters": rasters,
        "phase_diagrams": pds,
        "linear_response": response,
    }


def main(argv=None) -> None:
    write_record(record, DEFAULT_OUTPUT, __doc__.split("\n\n")[0], argv)


if __name__ == "__main__":
    main()
