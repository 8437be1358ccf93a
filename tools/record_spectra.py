"""Record the population-rate spectra of the spiking twin at every point of the stability grid.

The spectra chapter compares the predicted spectra of the population rates
(:func:`mfkit.rate_spectrum`) with those the spiking twin (:func:`mfkit.simulate_brunel`) produces;
it loads the measured ones from ``book/data/spectra_record.json`` instead of simulating on every
execution.  This script regenerates that file::

    python tools/record_spectra.py [OUTPUT.json]

(26 minutes of wall time at low priority on the project's shared 2-core development machine, under
the load of other jobs; a fifth of it at Brunel's SR point, where every neuron fires at 330 Hz; the
file stores the time it took, and is 0.5 MB).  The points are those of
the phase-diagram chapter's grid (``GRIDS``, ``SKIP`` of ``tools/record_stability.py``, Brunel's AI state
among them) and the seed network's ``(V_reset, g, eta)`` (:data:`SEED_POINT`), each at the stability
chapter's two sizes with the same in-degrees (``SIZES``: N = 5,000 and 20,000, C_E = 1,000): a run
of :data:`RUN` (10 s after a warm-up, dt = 0.1 ms) and, for the smaller size, the same run with
dt = 0.01 ms (:data:`FINE`, the control of the simulator's time grid; 5 s, which keeps the record's
run time below half an hour: each ms costs 3-5 times as much).  Of each run (:func:`run_record`),
per population (E, I):

* the rate (Hz) with its standard error from :data:`RATE_BLOCKS` time blocks, and the mean CV of
  the neurons' inter-spike intervals;
* the one-sided Welch power spectral density of the population rate (Hz^2/Hz; rate in
  ``ANALYSIS["bin_width"]`` = 0.5 ms bins, Hann segments of ``ANALYSIS["segment"]`` = 1 s overlapping
  by half, the recording's mean removed; :func:`mfkit.verification.measured_rate_spectrum`),
  averaged over the bins of the frequency bands (:func:`band_edges`: ~60 bands, log-spaced above
  ~15 Hz, single 1 Hz bins below, from 1 Hz to 999 Hz; their edges are stored once under ``bands``),
  with the relative standard error of each band mean;
* at full resolution: the frequency of the spectrum's maximum between ``ANALYSIS["peak_band"]``
  (60-999 Hz; parabola through the logarithm, :func:`mfkit.verification.spectral_peak`) and the
  integrated power in ``ANALYSIS["power_band"]`` (5-500 Hz: the sum over the 1 Hz bins with
  5 <= f <= 500 Hz times 1 Hz, Hz^2), each with its standard error;
* the single-neuron spike-train spectrum (two-sided, Hz; tends to the rate at high frequency) averaged
  over the first :data:`SPIKE_TRAIN_NEURONS` neurons of the population
  (:func:`mfkit.verification.measured_spike_train_spectrum`, same bins, segments and bands), the
  intrinsic noise that the theory can take instead of the renewal spectrum, with relative errors.

Errors (:func:`welch_error`): every estimate is a mean over the m = 19 Welch segments (9 at dt = 0.01 ms), so its
standard error is the scatter of its value over the segments (for the peak frequency a jackknife
over them) over sqrt(m), times ``sqrt(1 + 2 rho (m-1)/m)`` for the correlation ``rho`` of segments
overlapping by half (:func:`mfkit.verification.welch_overlap_correlation`).  A maximum is not a
smooth statistic: where the highest bin stays the same in every leave-one-out spectrum the jackknife
alone is far too small for a broad peak, so the peak's error is the larger of the jackknife and the
scatter of the peaks of :data:`PEAK_GROUPS` groups of consecutive segments over sqrt(4) (3 degrees of
freedom: an error known to within ~40 %).  The errors of band means are those of single bands:
neighbouring bands move together with the network's shared fluctuations, so the error of an average
over bands is not that of independent bands.  Errors are stored with
2 significant digits.

Besides the results the file stores the inputs (every parameter and seed), the mfkit version and
commit, the date and the run time.  Format: JSON (numbers with 6 significant digits, NaN as
``null``, every list of numbers on one line).  ``tests/test_spectra_record.py`` reruns a reduced
version with the functions of this module and checks it against the record.
"""
from __future__ import annotations

import datetime
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]  # the mfkit of this tree; the tools also when loaded by path

from _record import plain, version, write_record  # noqa: E402
from record_stability import BRUNEL_STATES, SIZE_LABELS, SIZES, grid_points  # noqa: E402
from mfkit import BrunelNetwork, SpikingResult, simulate_brunel  # noqa: E402
from mfkit.verification import (RateSpectrum, band_means, measured_rate_spectrum,  # noqa: E402
                                measured_spike_train_spectrum, spectral_peak, welch_overlap_correlation)

DEFAULT_OUTPUT = ROOT / "book" / "data" / "spectra_record.json"

SEED_POINT = (0.0, 5.0, 2.0)  # (V_reset, g, eta) of BrunelNetwork(): the seed network
NAMES = {SEED_POINT: "seed", **{(10.0, g, eta): name for name, (g, eta) in BRUNEL_STATES.items()}}
RUN = {"t_sim": 10000.0, "t_warmup": 200.0, "dt": 0.1, "seed": 1}
FINE = {"dt": 0.01, "t_sim": 5000.0}  # ms: the control run of the smaller size (half as long: 5x slower per ms)
ANALYSIS = {"bin_width": 0.5, "segment": 1000.0, "peak_band": (60.0, 999.0), "power_band": (5.0, 500.0)}
RATE_BLOCKS = 20  # time blocks of the rate's standard error (0.5 s each)
PEAK_GROUPS = 4  # groups of consecutive Welch segments for the error of the peak frequency
SPIKE_TRAIN_NEURONS = 500
N_LOG_BANDS = 80  # log-spaced edges from 1 Hz to 1 kHz before merging the ones between the same bins
POPULATIONS = ("E", "I")
DIGITS, ERROR_DIGITS = 6, 2  # significant digits of the values and of their errors


def points() -> list[tuple[float, float, float]]:
    """``(V_reset, g, eta)``: the phase-diagram chapter's grid, then the seed network's if not on it."""
    grid = grid_points()
    return grid + ([SEED_POINT] if SEED_POINT not in grid else [])


def band_edges(n_log: int = N_LOG_BANDS, f_max: float = 1000.0) -> np.ndarray:
    """Integer frequencies (Hz) starting the bands: the bins ``k`` Hz with ``e_j <= k < e_{j+1}``.

    ``n_log + 1`` log-spaced edges from 1 Hz to ``f_max`` rounded to whole Hz, duplicates merged:
    the bands hold single 1 Hz bins at low frequencies and grow log-spaced above; the last one ends
    below ``f_max`` (the Nyquist frequency of 0.5 ms bins, left out).
    """
    return np.unique(np.rint(np.geomspace(1.0, f_max, n_log + 1))).astype(int)


def welch_error(values: np.ndarray, jackknife: bool = False) -> np.ndarray:
    """Standard error of a Welch estimate from its values on the segments (axis 0).

    ``values[s]`` is the statistic computed from segment ``s`` alone (a linear statistic: band mean,
    integrated power) or, with ``jackknife``, from all segments but ``s`` (the peak frequency).
    The scatter gives the error of independent segments; the factor
    ``sqrt(1 + 2 rho (m - 1) / m)`` accounts for the overlap of neighbouring segments by half.
    """
    m = values.shape[0]
    rho = welch_overlap_correlation(int(round(ANALYSIS["segment"] / ANALYSIS["bin_width"])))
    if jackknife:
        var = (m - 1) / m * np.sum((values - values.mean(axis=0)) ** 2, axis=0)
    else:
        var = values.var(axis=0, ddof=1) / m
    return np.sqrt(var * (1 + 2 * rho * (m - 1) / m))


def sig(x, digits: int = ERROR_DIGITS):
    """``x`` (float or array) rounded to ``digits`` significant digits (for the errors)."""
    if np.ndim(x) == 0:
        return float(f"{float(x):.{digits}g}")
    return np.array([sig(v, digits) for v in np.ravel(x)]).reshape(np.shape(x))


def rate_spectrum_record(spectrum: RateSpectrum, edges: np.ndarray) -> dict:
    """Band means with relative errors, peak frequency above 60 Hz and power 5-500 Hz (with errors)."""
    f, seg = spectrum.f, spectrum.segment_power
    bands = band_means(f, spectrum.power, edges)
    bands_err = welch_error(band_means(f, seg, edges))
    lo, hi = ANALYSIS["power_band"]
    inside = (f >= lo) & (f <= hi)
    power = spectrum.power[inside].sum() * spectrum.resolution
    power_err = welch_error(seg[:, inside].sum(axis=1) * spectrum.resolution)
    m = seg.shape[0]
    leave_one_out = (m * spectrum.power - seg) / (m - 1)
    def peak_of(p):
        return spectral_peak(RateSpectrum(f, p, spectrum.resolution), *ANALYSIS["peak_band"]).frequency

    jack = welch_error(np.array([peak_of(p) for p in leave_one_out]), jackknife=True)
    groups = np.array([peak_of(seg[g].mean(axis=0)) for g in np.array_split(np.arange(m), PEAK_GROUPS)])
    return {"psd": bands, "psd_rel_err": sig(bands_err / bands),
            "peak_Hz": peak_of(spectrum.power),
            "peak_err_Hz": sig(max(jack, groups.std(ddof=1) / math.sqrt(PEAK_GROUPS))),
            "power_5_500": power, "power_5_500_err": sig(power_err)}


def rate_error(result: SpikingResult, population: str, n_blocks: int = RATE_BLOCKS) -> float:
    """Standard error (Hz) of a population's mean rate: scatter of its means in ``n_blocks`` time blocks."""
    rate = result.population_rate(ANALYSIS["bin_width"], population).rate
    per = rate.size // n_blocks
    blocks = rate[:per * n_blocks].reshape(n_blocks, per).mean(axis=1)
    return float(blocks.std(ddof=1) / math.sqrt(n_blocks))


def run_record(result: SpikingResult, edges: np.ndarray) -> dict:
    """Everything recorded of one run (see the module docstring), by population."""
    out = {"N": result.N, "dt": result.dt}
    for a, name in enumerate(POPULATIONS):
        rs = measured_rate_spectrum(result, ANALYSIS["bin_width"], ANALYSIS["segment"], population=a,
                                    detrend="recording")
        st = measured_spike_train_spectrum(result, population=a, n_neurons=SPIKE_TRAIN_NEURONS,
                                           bin_width=ANALYSIS["bin_width"], segment=ANALYSIS["segment"])
        train = band_means(st.f, st.power, edges)
        train_err = welch_error(band_means(st.f, st.segment_power, edges))
        out[name] = {"rate": result.rates[a], "rate_err": sig(rate_error(result, name)), "cv": result.cv_isi[a],
                     **rate_spectrum_record(rs, edges),
                     "spike_train": train, "spike_train_rel_err": sig(train_err / train),
                     "spike_train_rate": st.rate}
    return out


def simulate(V_r: float, g: float, eta: float, size: tuple[int, float], *, dt: float = RUN["dt"],
             seed: int = RUN["seed"], t_sim: float = RUN["t_sim"], t_warmup: float = RUN["t_warmup"]
             ) -> SpikingResult:
    """The spiking twin at ``(V_r, g, eta)`` with ``size = (order, epsilon)`` (defaults: :data:`RUN`)."""
    order, epsilon = size
    net = BrunelNetwork(order=order, epsilon=epsilon, g=g, eta=eta, V_reset=V_r)
    return simulate_brunel(net, t_sim=t_sim, t_warmup=t_warmup, dt=dt, seed=seed, progress=False)


def point_record(V_r: float, g: float, eta: float, edges: np.ndarray, progress=print) -> dict:
    """The runs of one point: both sizes with :data:`RUN`, the smaller also with :data:`FINE`."""
    runs = {}
    configs = [(label, size, {}) for label, size in zip(SIZE_LABELS, SIZES)]
    configs.append((f"{SIZE_LABELS[0]}, dt {FINE['dt']:g}", SIZES[0], FINE))
    for label, size, run in configs:
        t0 = time.perf_counter()
        runs[label] = run_record(simulate(V_r, g, eta, size, **run), edges)
        progress(f"  {label}: {time.perf_counter() - t0:.0f} s")
    return {"V_r": V_r, "g": g, "eta": eta, "name": NAMES.get((V_r, g, eta)), "runs": runs}


def record(progress=print) -> dict:
    """Run every point of :func:`points`; return the record."""
    start = time.perf_counter()
    edges = band_edges()
    out = []
    for V_r, g, eta in points():
        progress(f"V_r {V_r:g} g {g:g} eta {eta:g}")
        out.append(point_record(V_r, g, eta, edges, progress))
        progress(f"  total {time.perf_counter() - start:.0f} s")
    k = np.arange(1, edges[-1])
    return {
        "what": "Measured population-rate and spike-train spectra of the spiking twin for the spectra chapter; "
                "regenerate: python tools/record_spectra.py",
        "mfkit": version(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "run_time_s": round(time.perf_counter() - start, 1),
        "inputs": {"sizes": SIZES, "size_labels": SIZE_LABELS, "run": RUN, "fine": FINE,
                   "analysis": ANALYSIS, "rate_blocks": RATE_BLOCKS, "spike_train_neurons": SPIKE_TRAIN_NEURONS,
                   "n_log_bands": N_LOG_BANDS, "points": points(), "names": {n: p for p, n in NAMES.items()}},
        "bands": {"edges_Hz": edges - 0.5, "f_Hz": band_means(k, k.astype(float), edges),
                  "n_bins": np.diff(edges)},
        "points": out,
    }


def main(argv=None) -> None:
    write_record(record, DEFAULT_OUTPUT, __doc__.split("\n\n")[0], argv, digits=DIGITS)


if __name__ == "__main__":
    main()
