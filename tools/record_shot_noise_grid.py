"""Record the shot-noise neuron on NEST's time grid against the simulated neurons of the shot-noise record.

``book/data/shot_noise_record.json`` (``tools/record_shot_noise.py``) holds LIF neurons with Poisson inputs of
fixed jumps simulated with NEST's update at dt = 0.1 and 0.01 ms, beside the continuous-time master equation.
This script solves the same neurons on the simulator's time grid (:func:`mfkit.shot_noise.shot_noise_rate` and
:func:`mfkit.shot_noise.shot_noise_response` with ``dt``; see :mod:`mfkit.shot_noise`) and writes
``book/data/shot_noise_grid_record.json``::

    python tools/record_shot_noise_grid.py [OUTPUT.json]

(about 4 minutes on one core of the project's shared 2-core machine; the file stores the time it took).
No simulation is run: the simulated values are copied from the shot-noise record, at its points, time steps,
channels and frequencies, and judged against the grid's theory with the same targets (rate within 1 %, CV
within 0.01; gain within 5 % and phase within 5 degrees up to 300 Hz at dt = 0.1 ms and up to 1 kHz at
0.01 ms; ``record_shot_noise.judge`` and ``summary``).  The solver's accuracy is that of the shot-noise record
(``record_shot_noise.RTOL``: 1e-4 for rate and CV, 1e-3 for the response); the file stores the error estimate and
the finest grid step of every stationary solution.  ``tests/test_shot_noise_grid_record.py`` recomputes the
seed network's entry and the judgements.
"""
from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]  # the mfkit of this tree; the tools also when loaded by path

import record_shot_noise as sims  # noqa: E402
from _record import provenance, write_record  # noqa: E402
from mfkit.shot_noise import shot_noise_rate, shot_noise_response  # noqa: E402

DEFAULT_OUTPUT = ROOT / "book" / "data" / "shot_noise_grid_record.json"
SIMULATIONS = ROOT / "book" / "data" / "shot_noise_record.json"


def neuron(entry: dict) -> dict:
    """The neuron's arguments (jumps, rates, LIF parameters) of a point of the shot-noise record."""
    lif = sims.neuron_inputs(sims.POINTS[entry["name"]])["lif"]
    return {"jumps": entry["jumps"], "rates": entry["rates"], **lif}


def grid_stationary(entry: dict, dt: float) -> dict:
    """Rate (Hz), CV, error estimate and finest grid step (mV) on the time grid ``dt``."""
    s = shot_noise_rate(rtol=sims.RTOL["rate"], dt=dt, **neuron(entry))
    return {"rate": s.rate, "cv": s.cv, "error": s.error, "grid_step": s.grid_step}


def grid_response(entry: dict, dt: float, freqs) -> np.ndarray:
    """``chi_k(f)`` on the time grid ``dt``, shape ``(len(freqs), K)``."""
    return shot_noise_response(np.asarray(freqs, dtype=float), rtol=sims.RTOL["response"], dt=dt, **neuron(entry))


def stationary_rows(entry: dict, progress) -> dict:
    """The grid's theory beside each simulated ``dt`` of a stationary entry, judged."""
    out = {"name": entry["name"], "continuous": entry["theory"], "by_dt": []}
    for sim in entry["by_dt"]:
        progress(f"stationary: {entry['name']}, dt {sim['dt']} ms")
        theory = grid_stationary(entry, sim["dt"])
        row = {"dt": sim["dt"], "theory": theory,
               **{key: sim[key] for key in ("rate", "rate_err", "cv", "cv_err")}}
        out["by_dt"].append({**row, **sims.judge(row, theory)})
    return out


def response_rows(entry: dict, progress) -> dict:
    """The grid's theory beside each simulated row of a response entry, judged."""
    out = {"name": entry["name"], "by_dt": []}
    for block in entry["by_dt"]:
        progress(f"response: {entry['name']}, dt {block['dt']} ms")
        freqs = sorted({row["f"] for row in block["rows"]})
        chi = dict(zip(freqs, grid_response(entry, block["dt"], freqs)))
        rows = []
        for sim in block["rows"]:
            c = chi[sim["f"]][sim["k"]]
            theory = {"gain": abs(c), "phase": math.degrees(np.angle(c))}
            row = {"channel": sim["channel"], "k": sim["k"], "f": sim["f"], "theory_gain": theory["gain"],
                   "theory_phase": theory["phase"], "continuous_gain": sim["theory_gain"],
                   "continuous_phase": sim["theory_phase"],
                   **{key: sim[key] for key in ("gain", "gain_err", "phase", "phase_err")}}
            rows.append({**row, **sims.judge(row, theory)})
        out["by_dt"].append({"dt": block["dt"], "rows": rows})
    return out


def record(progress=print) -> dict:
    """The grid's theory beside every simulated neuron of the shot-noise record, with version, date and run time."""
    start = time.perf_counter()

    def say(msg: str) -> None:
        progress(f"{msg} ({time.perf_counter() - start:.0f} s)")

    simulated = json.loads(SIMULATIONS.read_text())
    stationary = [stationary_rows(entry, say) for entry in simulated["stationary"]]
    response = [response_rows(entry, say) for entry in simulated["response"]]
    say("done")
    return {"what": "Rate, CV and linear response of the shot-noise LIF neuron on NEST's time grid "
                    "(mfkit.shot_noise with dt) against the simulated neurons of book/data/shot_noise_record.json; "
                    "regenerate: python tools/record_shot_noise_grid.py",
            "inputs": {"simulations": "book/data/shot_noise_record.json",
                       "simulations_date": simulated["date"], "rtol": sims.RTOL, "targets": sims.TARGETS},
            "stationary": stationary, "response": response, "summary": sims.summary(stationary, response),
            **provenance(start)}


def main(argv=None) -> None:
    write_record(record, DEFAULT_OUTPUT, __doc__.splitlines()[0], argv, digits=sims.DIGITS)


if __name__ == "__main__":
    main()
