"""The record of the network's modes with shot noise on NEST's time grid (``tools/record_modes_grid.py``).

* the recorded continuous-time roots are those of the beyond-diffusion record (the same characteristic equation
  as :func:`mfkit.network_stability` with ``input_model="shot"``, solved independently here);
* the recorded grid root of the fast mode at eta = 1 solves the characteristic equation with the responses on the
  0.1 ms grid recomputed now (``|1 - e^{-lam D} W| < 1e-6``), and the check can fail: the continuous-time root
  does not (``|...| > 0.01`` there);
* the claims the chapter makes: on the grid the fast mode is more damped than in continuous time at every point,
  and the slow modes' frequencies move by less than 5 %.
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
    return load_tool("record_modes_grid")


@pytest.fixture(scope="module")
def record():
    return load_record(ROOT / "book" / "data" / "modes_grid_record.json", "record_modes_grid")


def lam(mode: dict) -> complex:
    return mode["re_per_ms"] + 2j * np.pi * mode["f_Hz"] * 1e-3


def test_continuous_roots_are_the_records(rt, record):
    assert [(p["V_r"], p["g"], p["eta"]) for p in record["fast"]] == [tuple(x) for x in rt.FAST]
    assert len(record["slow"]) >= 8 and all(p["eta"] <= 1 for p in record["slow"])
    for p in record["fast"] + record["slow"]:
        assert lam(p["continuous"]) == pytest.approx(lam(p["recorded"]), rel=1e-6)


def test_grid_root_solves_the_equation_now(rt, record):
    p = record["fast"][0]
    net = rt.BrunelNetwork(g=p["g"], eta=p["eta"], V_reset=p["V_r"])
    n = rt.neuron(net, record["inputs"]["dt"])
    assert abs(rt.characteristic(net, n, lam(p["grid"]))) < 1e-6
    assert abs(rt.characteristic(net, n, lam(p["continuous"]))) > 1e-2


def test_claims(record):
    for p in record["fast"]:
        assert p["grid"]["re_per_ms"] < p["continuous"]["re_per_ms"] < 0
        assert 600 < p["grid"]["f_Hz"] < 750
    for p in record["slow"]:
        assert abs(p["grid"]["f_Hz"] / p["continuous"]["f_Hz"] - 1) < 0.05
