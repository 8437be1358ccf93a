"""Record the spiking twin of the cortical microcircuit at full size, with mfkit's engine and with NEST.

The chapter "Your own network: the cortical microcircuit" compares the stationary rates of both
colored-noise forms and the predicted population spectra with the spiking twin
(:func:`mfkit.simulate`) of :func:`mfkit.microcircuit` (``"bos2016"``: 77,169 neurons, 0.3 billion
synapses, exponential synapses, delays drawn per synapse).  This script runs the twin for
:data:`RUN` (10 s recorded) with the mfkit engine and :data:`NEST_RUN` (1 s recorded, the most a
reader's machine affords: NEST needs about 15 GB and several minutes) in NEST, and writes
``book/data/microcircuit_record.json``::

    python tools/record_microcircuit.py [OUTPUT.json]

(about 10 minutes on the project's 2-core machine; the file stores the time it took).  Per run and
population: the rate with its standard error (scatter of the means of :data:`RATE_BLOCKS` time blocks),
the CV(ISI), and for the mfkit run the Welch spectrum of the population rate in the bands and with
the errors of ``tools/record_spectra.py`` (0.5 ms bins, 1 s segments); the build and simulation times.
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import ROOT, provenance, write_record  # noqa: E402
from record_spectra import ANALYSIS, band_edges, rate_spectrum_record  # noqa: E402

from mfkit import microcircuit, simulate  # noqa: E402
from mfkit.spiking import SpikingResult  # noqa: E402
from mfkit.verification import measured_rate_spectrum  # noqa: E402

DEFAULT_OUTPUT = ROOT / "book" / "data" / "microcircuit_record.json"
DIGITS = 6
VARIANT = "bos2016"
#: The mfkit run: 10 s recorded after 0.5 s, on 2 threads.
RUN = {"t_sim": 10000.0, "t_warmup": 500.0, "dt": 0.1, "seed": 1, "threads": 2}
#: The NEST run: 1 s recorded after 0.5 s (another realisation of the same model).
NEST_RUN = {"t_sim": 1000.0, "t_warmup": 500.0, "dt": 0.1, "seed": 1, "threads": 2}
#: Time blocks of a rate's standard error.
RATE_BLOCKS = 10


def rate_error(result: SpikingResult, population: int, n_blocks: int = RATE_BLOCKS) -> float:
    """Standard error (Hz) of a population's mean rate: scatter of its means in ``n_blocks`` time blocks."""
    rate = result.population_rate(ANALYSIS["bin_width"], population).rate
    per = rate.size // n_blocks
    blocks = rate[:per * n_blocks].reshape(n_blocks, per).mean(axis=1)
    return float(blocks.std(ddof=1) / math.sqrt(n_blocks))


def run_record(result: SpikingResult, spectra: bool) -> dict:
    """Rates, their errors, CVs (per population), optionally the spectra, and the timings of one run."""
    out = {"rates": result.rates, "rate_err": [rate_error(result, a) for a in range(len(result.sizes))],
           "cv": result.cv_isi, "n_spikes": int(result.spike_times.size), "n_synapses": result.n_synapses,
           "timings_s": result.timings}
    if spectra:
        out["spectra"] = {name: rate_spectrum_record(
            measured_rate_spectrum(result, ANALYSIS["bin_width"], ANALYSIS["segment"], population=a,
                                   detrend="recording"), band_edges())
            for a, name in enumerate(result.names)}
    return out


def record(progress=print, run: dict = RUN, nest_run: dict | None = NEST_RUN, spectra: bool = True) -> dict:
    """The mfkit run (with its spectra unless ``spectra`` is False) and, unless ``nest_run`` is None, the
    NEST run."""
    start = time.perf_counter()
    net = microcircuit(VARIANT)
    progress(f"mfkit: {run}")
    twin = run_record(simulate(net, progress=False, **run), spectra=spectra)
    runs = {"mfkit": twin}
    if nest_run is not None:
        progress(f"nest: {nest_run} ({time.perf_counter() - start:.0f} s)")
        runs["nest"] = run_record(simulate(net, backend="nest", progress=False, **nest_run), spectra=False)
    return {"what": "The cortical microcircuit's spiking twin at full size (mfkit engine and NEST); regenerate: "
                    "python tools/record_microcircuit.py",
            "inputs": {"variant": VARIANT, "populations": net.names, "sizes": net.N, "run": run, "nest_run": nest_run,
                       "analysis": ANALYSIS, "band_edges": band_edges(), "rate_blocks": RATE_BLOCKS},
            "runs": runs,
            **provenance(start)}


def main(argv=None) -> None:
    write_record(record, DEFAULT_OUTPUT, __doc__.splitlines()[0], argv, digits=DIGITS)


if __name__ == "__main__":
    main()
