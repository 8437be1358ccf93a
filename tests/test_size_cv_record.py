"""The record of the twin's CV at N = 10,000 (``tools/record_size_cv.py``) against a rerun of one of its points.

* it covers every point of the spectra record, at N = 10,000 with the spectra record's run;
* at one point (V_reset 10 mV, g 5, eta 4, where the CV changes most with N) the script's own simulation is rerun:
  with the record's seed it is the same simulation, so the rate and the CV agree to a relative 1e-6 (another CPU can
  differ only in floating-point details), and the CV lies strictly between those of N = 5,000 and N = 20,000 of the
  spectra record (the check could fail).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from _helpers import load_record, load_tool

pytestmark = pytest.mark.records

ROOT = Path(__file__).resolve().parents[1]
POINT = (10.0, 5.0, 4.0)


@pytest.fixture(scope="module")
def rt():
    return load_tool("record_size_cv")


@pytest.fixture(scope="module")
def record():
    return load_record(ROOT / "book" / "data" / "size_cv_record.json", "record_size_cv")


def test_covers_the_spectra_points(rt, record):
    spectra = load_record(ROOT / "book" / "data" / "spectra_record.json", "record_spectra")
    assert [(p["V_r"], p["g"], p["eta"]) for p in record["points"]] == \
        [(p["V_r"], p["g"], p["eta"]) for p in spectra["points"]]
    assert all(p["N"] == 10_000 for p in record["points"])
    assert record["inputs"]["run"] == spectra["inputs"]["run"]


def test_rerun_of_one_point(rt, record):
    rec = next(p for p in record["points"] if (p["V_r"], p["g"], p["eta"]) == POINT)
    new = rt.size_point(*POINT)
    assert new["rate"] == pytest.approx(rec["rate"], rel=1e-6)
    assert new["cv"] == pytest.approx(rec["cv"], rel=1e-6)
    spectra = load_record(ROOT / "book" / "data" / "spectra_record.json", "record_spectra")
    runs = next(p["runs"] for p in spectra["points"] if (p["V_r"], p["g"], p["eta"]) == POINT)
    assert runs["big"]["E"]["cv"] < rec["cv"] < runs["small"]["E"]["cv"]
