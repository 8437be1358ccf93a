"""The record of the linear-response and phase-diagram chapters against a reduced rerun of the script that wrote it.

``book/linear_response.ipynb`` and ``book/phase_diagram.ipynb`` load the results of its long computations from
``book/data/stability_record.json``, written by ``tools/record_stability.py``.  These tests rerun a
reduced part with the script's own functions and check it against the record:

* **spiking grid** (:func:`spiking_point`): two grid points at the smaller size only, with another
  seed than the record's, i.e. an independent realisation of network and noise.  Rate, CV and
  synchrony of two independent runs differ by a random amount of standard deviation
  ``sqrt(se_rerun**2 + se_record**2)``, where each ``se`` is the jackknife error of its run
  (:func:`run_errors`: ``ERROR_BLOCKS`` = 20 time blocks of 50 ms; the blocks are long compared with
  the correlation time of the population rate at these fast states, so that the error includes the
  network's shared fluctuations).  We accept ``|difference| <= Z * sqrt(...)`` with ``Z = 4``: with
  an error estimated from 20 blocks the standardised difference follows roughly a Student t with 19
  degrees of freedom, for which ``P(|t| > 4) < 1e-3``, so that a correct record fails one of the six
  comparisons with a probability below 1 %.  The test can fail: at these two points (Brunel's AI and
  SI fast states) the errors at the small size are 1-3 % of the rate, the CV and the synchrony, so a
  change of any of them by more than about 5-15 % (a wrong drive or reset, a changed engine) or the
  record of another point is detected; :func:`test_grid_check_rejects_a_neighbouring_point` shows it
  for the neighbouring grid point.
* **theory at the grid points** (:func:`theory_point`): deterministic, recomputed at the same points
  and compared to a relative 1e-6 (the record keeps 10 digits; roots and fixed points are converged
  far beyond that, and only their last digits differ between CPUs).
* **phase diagram** (:func:`phase_diagram_record`): a 2 x 2 block of the recorded grid around a Hopf
  crossing, recomputed; its counts must equal the record's, its rates and the crossing (same
  bisection between the same grid points) agree to a relative 1e-6.
* **linear response** (:func:`response_fit`): one input at one frequency with a quarter of the
  neurons and another seed.  ``fit_response`` gives gain and phase with standard errors from the
  scatter of 10 independent groups of neurons (9 degrees of freedom); the same ``Z = 4`` criterion
  on the combined error (``P(|t_9| > 4) = 0.003``).
"""
from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "book" / "data" / "stability_record.json"
Z = 4.0  # accepted standardised difference between two independent estimates (see the module docstring)
RERUN_SEED = 2  # the record uses GRID_RUN["seed"] = 1
POINTS = [(10.0, 5.0, 2.0), (10.0, 6.0, 4.0)]  # (V_r, g, eta): Brunel's AI (stable) and SI fast (oscillating) states


@pytest.fixture(scope="module")
def rs():
    """tools/record_stability.py as a module."""
    spec = importlib.util.spec_from_file_location("record_stability", ROOT / "tools" / "record_stability.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def record():
    assert RECORD.is_file(), f"{RECORD} is missing: run python tools/record_stability.py"
    return json.loads(RECORD.read_text())


def recorded_point(record, V_r, g, eta):
    (p,) = [p for p in record["grid"] if (p["V_r"], p["g"], p["eta"]) == (V_r, g, eta)]
    return p


def within(a, se_a, b, se_b) -> bool:
    return abs(a - b) <= Z * math.hypot(se_a, se_b)


def test_record_holds_its_inputs(rs, record):
    """The record states how to regenerate it, and its inputs are the script's."""
    assert "python tools/record_stability.py" in record["what"]
    assert record["mfkit"]["version"] and record["mfkit"]["commit"] and record["date"] and record["run_time_s"] > 0
    grid = record["inputs"]["grid"]
    assert grid["sizes"] == rs.plain(rs.SIZES) and grid["run"] == rs.GRID_RUN
    assert grid["segment_ms"] == rs.SEGMENT and grid["error_blocks"] == rs.ERROR_BLOCKS
    assert grid["points"] == rs.plain(rs.grid_points()) and grid["raster"] == rs.RASTER
    assert grid["brunel_states"] == rs.plain(rs.BRUNEL_STATES)
    assert record["inputs"]["phase_diagrams"] == {"g": rs.PD_G, "eta": rs.PD_ETA, "tol": rs.PD_TOL,
                                                  "V_resets": list(rs.V_RESETS)}
    assert record["inputs"]["linear_response"] == rs.plain({"states": rs.LR_STATES, "inputs": rs.LR_INPUTS,
                                                             "freqs_Hz": rs.LR_FREQS, "sim": rs.LR_SIM})


def test_record_is_complete(rs, record):
    """Every grid point has both sizes with finite errors, every example state a raster excerpt."""
    assert [[p["V_r"], p["g"], p["eta"]] for p in record["grid"]] == rs.plain(rs.grid_points())
    sizes = [4 * order + order for order, _ in rs.SIZES]  # NE = 4 order, NI = order
    for p in record["grid"]:
        assert [p["spiking"][label]["N"] for label in rs.SIZE_LABELS] == sizes
        assert all(0 < e < math.inf for label in rs.SIZE_LABELS for e in p["errors"][label].values())
    assert set(record["rasters"]) == set(rs.BRUNEL_STATES)
    for r in record["rasters"].values():
        assert len(r["step"]) == len(r["neuron"]) > 0 and max(r["neuron"]) < rs.RASTER["n_neurons"]
        assert len(r["bin_count"]) == round(rs.RASTER["length"] / rs.RASTER["bin_width"])
    assert set(record["phase_diagrams"]) == {str(V_r) for V_r in rs.V_RESETS}
    assert set(record["linear_response"]) == set(rs.LR_INPUTS)


@pytest.fixture(scope="module")
def reruns(rs):
    """{point: (measures, errors)} of the POINTS at the smaller size with another seed."""
    out = {}
    for point in POINTS:
        m, e, _ = rs.spiking_point(*point, sizes=rs.SIZES[:1], seed=RERUN_SEED)
        out[point] = m["small"], e["small"]
    return out


@pytest.mark.parametrize("point", POINTS, ids=str)
@pytest.mark.parametrize("quantity", ["rate", "cv", "synchrony"])
def test_grid_point_agrees_within_statistical_error(reruns, record, point, quantity):
    m, e = reruns[point]
    rec = recorded_point(record, *point)
    assert within(m[quantity], e[quantity], rec["spiking"]["small"][quantity], rec["errors"]["small"][quantity]), \
        (quantity, m[quantity], e[quantity], rec["spiking"]["small"][quantity], rec["errors"]["small"][quantity])


def test_grid_check_rejects_a_neighbouring_point(reruns, record):
    """The criterion has power: the rerun of the AI state does not pass for the next eta of the grid."""
    m, e = reruns[10.0, 5.0, 2.0]
    other = recorded_point(record, 10.0, 5.0, 3.0)
    assert not all(within(m[q], e[q], other["spiking"]["small"][q], other["errors"]["small"][q])
                   for q in ("rate", "cv", "synchrony"))


@pytest.mark.parametrize("point", POINTS + [(10.0, 4.5, 0.9)], ids=str)
def test_theory_point_reproduces(rs, record, point):
    rec = recorded_point(record, *point)["theory"]
    new = rs.plain(rs.theory_point(*point))
    assert new.keys() == rec.keys() and new["stable"] is rec["stable"]
    for key, value in rec.items():
        if key != "stable":
            assert (value is None and new[key] is None) or new[key] == pytest.approx(value, rel=1e-6, abs=1e-9), key


def test_phase_diagram_block_reproduces(rs, record):
    """A 2 x 2 block of the V_reset = 10 mV diagram around the slow island's lower edge."""
    V_r, (i, j) = 10.0, (5, 2)  # g 4.5-5, eta 0.85-0.9
    rec = record["phase_diagrams"][str(V_r)]
    g, eta = rec["g"][i:i + 2], rec["eta"][j:j + 2]
    new = rs.plain(rs.phase_diagram_record(V_r, g, eta))
    assert new["n_unstable"] == [row[j:j + 2] for row in rec["n_unstable"][i:i + 2]]
    assert np.allclose(np.array(new["rate"], dtype=float), np.array([r[j:j + 2] for r in rec["rate"][i:i + 2]],
                                                                    dtype=float), rtol=1e-6, atol=1e-12, equal_nan=True)
    h = rec["hopf"]
    inside = [k for k in range(len(h["g"])) if g[0] <= h["g"][k] <= g[1] and eta[0] <= h["eta"][k] <= eta[1]
              and (h["along"][k] == "eta" and h["g"][k] in g or h["along"][k] == "g" and h["eta"][k] in eta)]
    assert inside, "the block holds no recorded crossing: choose another"
    assert len(new["hopf"]["g"]) == len(inside)
    for key in ("g", "eta", "frequency"):
        assert np.allclose(sorted(new["hopf"][key]), sorted(h[key][k] for k in inside), rtol=1e-6)


def test_linear_response_fit_agrees_within_statistical_error(rs, record):
    name, k = "AI, mean", 2  # 130 Hz, near the AI state's network mode
    inp = rs.response_inputs()[name]
    rec = record["linear_response"][name]
    assert inp["mu"] == pytest.approx(rec["mu"], rel=1e-8) and inp["sigma"] == pytest.approx(rec["sigma"], rel=1e-8)
    sim = {**rs.LR_SIM, "n_neurons": rs.LR_SIM["n_neurons"] // 4, "seed": rs.LR_SIM["seed"] + 1}
    (fit,) = rs.response_fit(inp, [rs.LR_FREQS[k]], sim)
    r = rec["fits"][k]
    assert fit["f"] == r["f"]
    assert within(fit["gain"], fit["gain_err"], r["gain"], r["gain_err"]), (fit, r)
    assert within(fit["phase"], fit["phase_err"], r["phase"], r["phase_err"]), (fit, r)
