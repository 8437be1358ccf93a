"""The record of the shot-noise neuron on NEST's time grid against the simulated neurons.

``book/data/shot_noise_grid_record.json`` is written by ``tools/record_shot_noise_grid.py`` from the simulated
neurons of ``book/data/shot_noise_record.json`` and :func:`mfkit.shot_noise.shot_noise_rate` /
:func:`mfkit.shot_noise.shot_noise_response` with ``dt``.

* **inputs**: the simulated values are those of the shot-noise record, at all its points, steps, channels and
  frequencies.
* **theory now**: the seed network's rate and CV at both steps are recomputed and must agree with the record
  within twice the solver's accuracy (``RTOL``).
* **judgements and claims**: the differences and the targets met are recomputed from the stored values with
  the shot-noise record's own ``judge`` and ``summary``, and the findings in :func:`test_claims` (which the
  chapter states) are read off them; they can fail: the same judgement applied to the continuous-time theory
  misses the rate target at two of the three points at dt = 0.1 ms.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from _helpers import load_record, load_tool

pytestmark = pytest.mark.records

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "book" / "data" / "shot_noise_grid_record.json"
SIMULATIONS = ROOT / "book" / "data" / "shot_noise_record.json"


@pytest.fixture(scope="module")
def rt():
    """tools/record_shot_noise_grid.py as a module."""
    return load_tool("record_shot_noise_grid")


@pytest.fixture(scope="module")
def record():
    return load_record(RECORD, "record_shot_noise_grid")


@pytest.fixture(scope="module")
def simulated():
    return load_record(SIMULATIONS, "record_shot_noise")


def test_record_holds_the_simulations(rt, record, simulated):
    assert "python tools/record_shot_noise_grid.py" in record["what"]
    assert record["mfkit"]["commit"] and record["run_time_s"] > 0
    assert record["inputs"]["simulations_date"] == simulated["date"]
    assert record["inputs"]["rtol"] == rt.sims.RTOL
    assert [p["name"] for p in record["stationary"]] == [p["name"] for p in simulated["stationary"]]
    for grid, sim in zip(record["stationary"], simulated["stationary"]):
        assert grid["continuous"] == sim["theory"]
        for g, s in zip(grid["by_dt"], sim["by_dt"], strict=True):
            assert (g["dt"], g["rate"], g["rate_err"], g["cv"], g["cv_err"]) == \
                   (s["dt"], s["rate"], s["rate_err"], s["cv"], s["cv_err"])
    for grid, sim in zip(record["response"], simulated["response"], strict=True):
        for g, s in zip(grid["by_dt"], sim["by_dt"], strict=True):
            for a, b in zip(g["rows"], s["rows"], strict=True):
                assert (a["channel"], a["f"], a["gain"], a["phase"], a["continuous_gain"]) == \
                       (b["channel"], b["f"], b["gain"], b["phase"], b["theory_gain"])


def test_seed_theory_is_the_solver_now(rt, record, simulated):
    entry = next(p for p in simulated["stationary"] if p["name"] == "seed")
    stored = next(p for p in record["stationary"] if p["name"] == "seed")
    for row in stored["by_dt"]:
        now = rt.grid_stationary(entry, row["dt"])
        assert now["rate"] == pytest.approx(row["theory"]["rate"], rel=2 * rt.sims.RTOL["rate"])
        assert now["cv"] == pytest.approx(row["theory"]["cv"], rel=2 * rt.sims.RTOL["rate"])
        assert row["theory"]["error"] <= rt.sims.RTOL["rate"]


def test_judgements_and_summary(rt, record):
    for p in record["stationary"]:
        for row in p["by_dt"]:
            assert {k: row[k] for k in ("rate_met", "cv_met")} == \
                   {k: v for k, v in rt.sims.judge(row, row["theory"]).items() if k.endswith("_met")}
    for p in record["response"]:
        for block in p["by_dt"]:
            for row in block["rows"]:
                theory = {"gain": row["theory_gain"], "phase": row["theory_phase"]}
                assert {k: row[k] for k in ("gain_met", "phase_met")} == \
                       {k: v for k, v in rt.sims.judge(row, theory).items() if k.endswith("_met")}
    assert record["summary"] == rt.sims.summary(record["stationary"], record["response"])


def test_claims(rt, record):
    """What the chapter states: on the grid every simulated rate is within 1 % and every CV within 0.01 (the
    continuous-time theory misses the rate at two of the three points at dt = 0.1 ms); at the seed network
    every gain within 5 % and phase within 5 degrees at both steps."""
    for p in record["stationary"]:
        for row in p["by_dt"]:
            assert row["rate_met"] and row["cv_met"]
    continuous_misses = [p["name"] for p in record["stationary"] for row in p["by_dt"]
                         if row["dt"] == 0.1 and abs(row["rate"] / p["continuous"]["rate"] - 1) > 0.01]
    assert continuous_misses == ["seed", "g 5, eta 0.9"]
    seed = record["summary"]["response"]["seed"]
    assert all(seed[dt]["gain_met"] and seed[dt]["phase_met"] for dt in ("0.1", "0.01"))
