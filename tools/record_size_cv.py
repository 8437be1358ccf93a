"""Record the twin's CV at a third network size, to test the 1/N extrapolation of the chapter.

For the chapter ``book/beyond_diffusion.ipynb``; writes ``book/data/size_cv_record.json``::

    python tools/record_size_cv.py [OUTPUT.json]

The spectra record (``tools/record_spectra.py``) runs every grid point at N = 5,000 and N = 20,000 with the same
in-degrees; the chapter extrapolates the twin's CV to N -> infinity linearly in 1/N from those two sizes.  This
record adds N = 10,000 (order :data:`ORDER`, epsilon :data:`EPSILON`: again 1,000 excitatory inputs per neuron)
with the spectra record's run (:data:`record_spectra.RUN`: 10 s after 200 ms, dt = 0.1 ms, seed 1) at every point
of the spectra record: the rate and the CV (``SpikingResult.cv_isi``, at least two ISIs per neuron) of the
excitatory population.  About 10 s per point.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _record and record_spectra
from _record import ROOT, provenance, write_record  # noqa: E402
from record_spectra import RUN, points, simulate  # noqa: E402

OUTPUT = ROOT / "book" / "data" / "size_cv_record.json"
ORDER, EPSILON = 2000, 0.125  # N = 10,000, K_E = 1,000


def size_point(V_r: float, g: float, eta: float) -> dict:
    """The excitatory rate and CV of the twin at N = 10,000 at one point."""
    result = simulate(V_r, g, eta, (ORDER, EPSILON))
    return {"V_r": V_r, "g": g, "eta": eta, "N": result.N, "rate": result.rates[0], "cv": result.cv_isi[0]}


def record(progress=print) -> dict:
    start = time.perf_counter()
    out = []
    for key in points():
        t0 = time.perf_counter()
        out.append(size_point(*key))
        progress(f"V_r {key[0]:g} g {key[1]:g} eta {key[2]:g}: {time.perf_counter() - t0:.0f} s")
    return {"what": "The twin's excitatory rate and CV at N = 10,000 (the spectra record's run) at the spectra record's "
                    "points; regenerate: python tools/record_size_cv.py",
            "inputs": {"order": ORDER, "epsilon": EPSILON, "run": RUN}, "points": out, **provenance(start)}


if __name__ == "__main__":
    write_record(record, OUTPUT, __doc__.splitlines()[0])
