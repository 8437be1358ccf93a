"""The record of the cortical microcircuit's spiking twin against a short rerun of its script.

``book/data/microcircuit_record.json`` is written by ``tools/record_microcircuit.py``: the full
microcircuit (77,169 neurons) for 10 s with the mfkit engine and for 1 s in NEST.

* **the record holds its inputs** (the script's constants) and its provenance;
* **a short rerun** (another seed, 0.5 s recorded after 0.3 s, full size): every population's rate agrees
  with the recorded one within ``Z = 4`` combined standard errors plus 2 % (the errors are the scatter of
  time-block means, known to ~25 % from 10 blocks); a record holding the mean-field prediction instead
  of a measurement would fail for L6E (the shifted form is 13 % above the twin there), which the last
  assertion checks;
* **NEST and the twin simulate the same network**: the recorded rates of the two backends agree within
  ``Z = 4`` combined standard errors plus 2 % in every population (the book's claim).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _helpers import load_record, load_tool

from mfkit import fixed_points, microcircuit

pytestmark = pytest.mark.records

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "book" / "data" / "microcircuit_record.json"
Z = 4.0
RERUN = {"t_sim": 500.0, "t_warmup": 300.0, "dt": 0.1, "seed": 2, "threads": 2}


@pytest.fixture(scope="module")
def rm():
    return load_tool("record_microcircuit")


@pytest.fixture(scope="module")
def record():
    return load_record(RECORD, "record_microcircuit")


def agree(a, a_err, b, b_err) -> np.ndarray:
    a, b = np.asarray(a), np.asarray(b)
    return np.abs(a - b) <= Z * np.hypot(a_err, b_err) + 0.02 * np.abs(b)


def test_record_holds_its_inputs(rm, record):
    assert "python tools/record_microcircuit.py" in record["what"]
    assert record["mfkit"]["version"] and record["mfkit"]["commit"] and record["date"] and record["run_time_s"] > 0
    net = microcircuit(rm.VARIANT)
    inputs = {"variant": rm.VARIANT, "populations": net.names, "sizes": net.N, "run": rm.RUN, "nest_run": rm.NEST_RUN,
              "analysis": rm.ANALYSIS, "band_edges": rm.band_edges().tolist(), "rate_blocks": rm.RATE_BLOCKS}
    assert record["inputs"] == json.loads(json.dumps(inputs))
    assert set(record["runs"]["mfkit"]["spectra"]) == set(net.names)


def test_nest_and_mfkit_simulate_the_same_network(record):
    m, n = record["runs"]["mfkit"], record["runs"]["nest"]
    assert m["n_synapses"] == n["n_synapses"]
    assert np.all(agree(n["rates"], n["rate_err"], m["rates"], m["rate_err"])), (m["rates"], n["rates"])


def test_short_rerun_agrees_with_the_record(rm, record):
    rerun = rm.record(print, run=RERUN, nest_run=None, spectra=False)["runs"]["mfkit"]
    rec = record["runs"]["mfkit"]
    ok = agree(rerun["rates"], rerun["rate_err"], rec["rates"], rec["rate_err"])
    assert np.all(ok), (rerun["rates"], rec["rates"])
    # the prediction (shifted form) is not a measurement: the same test rejects it for L6E
    pred = fixed_points(microcircuit(rm.VARIANT))[0].rates
    assert not agree(rerun["rates"], rerun["rate_err"], pred, np.zeros(8))[6]
