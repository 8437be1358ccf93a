"""Record the population spectra of the spiking twin with exponential synapses against the predicted ones.

:func:`mfkit.rate_spectrum` with ``tau_syn > 0`` rests on the linear response with synaptic filtering
(:func:`mfkit.linear_response`, Schuecker, Diesmann & Helias 2015).  This script runs the seed network's
spiking twin (:func:`mfkit.simulate_brunel`, NEST's ``iaf_psc_exp`` update) with every synaptic time
constant of :data:`TAU_SYNS` at the larger size of the spectra chapter (:data:`NETWORK`: N = 20,000,
C_E = 1000) for 10 s, and writes ``book/data/filtered_spectra_record.json``::

    python tools/record_filtered_spectra.py [OUTPUT.json]

(about a minute on the project's 2-core machine; the file stores the time it took).  For each run: the
excitatory rate and CV, the Welch spectrum of the excitatory population rate in the bands and with the
errors of ``tools/record_spectra.py`` (:func:`record_spectra.rate_spectrum_record`, 0.5 ms bins, 1 s
segments), the same in the few wide bands :data:`WIDE_BANDS`, the highest peak above 5 Hz; beside it the
prediction in the same bands and its peak.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import ROOT, provenance, write_record  # noqa: E402
from record_spectra import ANALYSIS, RUN, band_edges, rate_spectrum_record, sig, welch_error  # noqa: E402

from mfkit import BrunelNetwork, rate_spectrum  # noqa: E402
from mfkit.spiking import simulate_brunel  # noqa: E402
from mfkit.verification import band_means, measured_rate_spectrum, spectral_peak  # noqa: E402

DEFAULT_OUTPUT = ROOT / "book" / "data" / "filtered_spectra_record.json"
DIGITS = 6

#: Synaptic time constants (ms).
TAU_SYNS = (0.0, 0.5, 2.0)
#: The seed network at the spectra chapter's larger size: N = 20,000 with C_E = 1000.
NETWORK = {"order": 4000, "epsilon": 0.0625}
#: Wide bands (edges in Hz) for the reduced rerun of the test: below, around and above the predicted peaks.
WIDE_BANDS = (20, 60, 150, 400)
#: The frequencies of the Welch spectrum (1 s segments): the prediction is evaluated there.
FREQS = np.arange(0.0, 1000.5, 1.0)


def network(tau_syn: float) -> BrunelNetwork:
    return BrunelNetwork(**NETWORK, tau_syn=tau_syn)


def theory(tau_syn: float) -> dict:
    """The predicted excitatory spectrum in the bands of the record, its peak above 60 Hz and the rate."""
    net = network(tau_syn)
    pred = rate_spectrum(net, FREQS)
    lo, hi = ANALYSIS["peak_band"]
    inside = (FREQS >= lo) & (FREQS <= hi)
    return {"psd": band_means(FREQS, pred.psd[:, 0], band_edges()),
            "wide": band_means(FREQS, pred.psd[:, 0], np.array(WIDE_BANDS)),
            "peak_Hz": float(FREQS[inside][np.argmax(pred.psd[inside, 0])]),
            "rate": float(pred.fixed_point.rates[0])}


def measure(tau_syn: float, **run) -> dict:
    """One run of the twin: rate, CV, the spectrum in the record's bands and in :data:`WIDE_BANDS`."""
    res = simulate_brunel(network(tau_syn), progress=False, **run)
    spec = measured_rate_spectrum(res, ANALYSIS["bin_width"], ANALYSIS["segment"], population=0)
    wide = np.array(WIDE_BANDS)
    out = {"rate": float(res.rates[0]), "cv": float(res.cv_isi[0]), **rate_spectrum_record(spec, band_edges()),
           "wide": band_means(spec.f, spec.power, wide),
           "wide_err": sig(welch_error(band_means(spec.f, spec.segment_power, wide))),
           "highest_peak_Hz": spectral_peak(spec, 5.0, ANALYSIS["peak_band"][1]).frequency}
    return out


def record(progress=print) -> dict:
    """Every run of the module docstring, with the inputs, version, date and run time."""
    start = time.perf_counter()
    runs = []
    for tau_syn in TAU_SYNS:
        progress(f"tau_syn {tau_syn} ms ({time.perf_counter() - start:.0f} s)")
        runs.append({"tau_syn": tau_syn, "twin": measure(tau_syn, **RUN), "theory": theory(tau_syn)})
    return {"what": "Population spectra of the seed network's spiking twin with exponential synapses against "
                    "rate_spectrum; regenerate: python tools/record_filtered_spectra.py",
            "inputs": {"tau_syns": TAU_SYNS, "network": NETWORK, "run": RUN, "analysis": ANALYSIS,
                       "band_edges": band_edges(), "wide_bands": WIDE_BANDS},
            "runs": runs,
            **provenance(start)}


def main(argv=None) -> None:
    write_record(record, DEFAULT_OUTPUT, __doc__.splitlines()[0], argv, digits=DIGITS)


if __name__ == "__main__":
    main()
