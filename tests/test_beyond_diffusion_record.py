"""The record of the predictions beyond the diffusion approximation against a rerun of the script that wrote it.

``book/data/beyond_diffusion_record.json`` is written by ``tools/record_beyond_diffusion.py``.  The seed point
is recomputed with the script's own :func:`theory_point` (without the spectra):

* the solved quantities (fixed points of eq. 27 and with shot noise, the CVs of the white-noise and shot-noise
  neurons, the eigenvalues) are deterministic and must agree with the record to a relative 1e-4 (the shot-noise
  fixed point is accepted at a residual of 5e-5);
* the self-consistent CV and rate (input trains at the fixed point's rates, and at self-consistent rates) and the
  CV as the twin measures it in its window are simulated; with the record's seed it is the same simulation, and they must agree within 4 standard errors (the
  rerun can differ only by floating-point details of another CPU).

The test can fail: the white-noise CV at the seed (0.42) and the self-consistent one (0.17) differ by far more than
the tolerance, and so do the white-noise and shot-noise rates (32.03 and 31.94 Hz) at a relative 1e-4.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _helpers import load_record, load_tool

pytestmark = pytest.mark.records

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def record():
    return load_record(ROOT / "book" / "data" / "beyond_diffusion_record.json", "record_beyond_diffusion")


@pytest.fixture(scope="module")
def rerun():
    return load_tool("record_beyond_diffusion").theory_point(0.0, 5.0, 2.0)


def test_solved_quantities_agree(record, rerun):
    seed = record["seed_point"]
    for model in ("diffusion", "shot"):
        assert rerun[model]["rate"] == pytest.approx(seed[model]["rate"], rel=1e-4)
        assert rerun[model]["cv"] == pytest.approx(seed[model]["cv"], rel=1e-4)
        assert rerun[model]["stable"] == seed[model]["stable"]
        assert np.allclose(rerun[model]["roots"], seed[model]["roots"], rtol=1e-4)
    assert abs(rerun["diffusion"]["rate"] / rerun["shot"]["rate"] - 1) > 1e-3   # the check can tell them apart


@pytest.mark.parametrize("which", ["self_consistent", "self_consistent_rates"])
def test_self_consistent_cv_agrees(record, rerun, which):
    rec, new = record["seed_point"][which], rerun[which]
    assert abs(new["cv"] - rec["cv"]) <= 4 * np.hypot(new["cv_err"], rec["cv_err"])
    assert abs(new["cv_window"] - rec["cv_window"]) <= 4 * np.hypot(new["cv_window_err"], rec["cv_window_err"])
    assert abs(new["rate"] - rec["rate"]) <= 4 * np.hypot(new["rate_err"], rec["rate_err"])
    assert abs(new["cv"] - record["seed_point"]["diffusion"]["cv"]) > 0.2


def test_record_covers_the_grid(record):
    grid = load_record(ROOT / "book" / "data" / "stability_record.json", "record_stability")["grid"]
    assert [(p["V_r"], p["g"], p["eta"]) for p in record["points"]] == [(p["V_r"], p["g"], p["eta"]) for p in grid]
    assert sum("spectrum" in p for p in record["points"]) >= 20
