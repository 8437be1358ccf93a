"""The record of the fast mode near 1/D on NEST's time grid (``tools/record_fast_mode_grid.py``).

* the recorded continuous-time roots are those of the beyond-diffusion record (the same characteristic equation
  as :func:`mfkit.network_stability` with ``input_model="shot"``, solved independently);
* the recorded grid root at eta = 1 solves the characteristic equation with the responses on the 0.1 ms grid
  recomputed now (``|1 - e^{-lam D} W| < 1e-6``), and the check can fail: the continuous-time root does not
  (``|...| > 0.01`` there);
* the claim the chapter makes: on the grid the mode is more damped than in continuous time at every point.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _helpers import load_record, load_tool

pytestmark = pytest.mark.records

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rt():
    return load_tool("record_fast_mode_grid")


@pytest.fixture(scope="module")
def record():
    return load_record(ROOT / "book" / "data" / "fast_mode_grid_record.json", "record_fast_mode_grid")


def lam(mode: dict) -> complex:
    return mode["re_per_ms"] + 2j * np.pi * mode["f_Hz"] * 1e-3


def test_continuous_roots_are_the_records(rt, record):
    assert [(p["V_r"], p["g"], p["eta"]) for p in record["points"]] == [tuple(x) for x in rt.POINTS]
    for p in record["points"]:
        assert lam(p["continuous"]) == pytest.approx(lam(p["recorded"]), rel=1e-6)


def test_grid_root_solves_the_equation_now(rt, record):
    p = record["points"][0]
    net = rt.BrunelNetwork(g=p["g"], eta=p["eta"], V_reset=p["V_r"])
    n = rt.neuron(net, record["inputs"]["dt"])
    assert abs(rt.characteristic(net, n, lam(p["grid"]))) < 1e-6
    assert abs(rt.characteristic(net, n, lam(p["continuous"]))) > 1e-2


def test_claim_the_grid_damps_the_fast_mode(record):
    for p in record["points"]:
        assert p["grid"]["re_per_ms"] < p["continuous"]["re_per_ms"] < 0
        assert 600 < p["grid"]["f_Hz"] < 750
