"""The record of the time grid's share in the rate against a reduced rerun of the script that wrote it.

``book/data/time_grid_record.json`` is written by ``tools/record_time_grid.py``.  These tests rerun a
reduced part with the script's own functions and check it against the record:

* **eq. 27 columns** (:func:`theory_point`): deterministic; the record's ``eq27``, ``eq27_dt`` and
  ``cv`` are recomputed with :func:`mfkit.siegert` and :func:`mfkit.cv_isi` at every point and
  ``dt`` and must agree to a relative 1e-5 (the record keeps 6 significant digits).  The
  many-small-jumps control's inputs must have the fixed point's ``mu`` and ``sigma``.
* **measurements**: at the g = 8 point (the largest correction, -12 % at dt = 0.1 ms), dt = 0.1 ms,
  with another seed than the record's, i.e. independent neurons and noise: white-noise neurons
  (:func:`white_noise_point`, a quarter of the record's spikes) and neurons with the network's jumps
  (:func:`jump_point`, a sixth of the neurons, the same number of intervals so that the mean CV
  over neurons has the same small-sample bias), and the small-jump control at Brunel's AI state
  (:func:`small_jumps_point`, as many neurons).  Two independent estimates differ by a
  random amount of standard deviation ``sqrt(se_rerun**2 + se_record**2)``; we accept
  ``|difference| <= Z * sqrt(...)`` with ``Z = 4``.  The white-noise errors come from 16 groups
  (Student t with 15 degrees of freedom, ``P(|t| > 4) = 0.001``), the others from 50-300 neurons
  (nearly normal, ``P < 1e-4``): a correct record fails one of the seven comparisons with a
  probability below 1 %.  The test can fail: the rerun's errors are about 1.5 % of the rates and
  0.5 % of the ratio grid/bridge, while the grid lowers the rate at this point by 12 % at
  dt = 0.1 ms and by 4 % at 0.01 ms, so the record of the other ``dt`` is rejected
  (:func:`test_check_rejects_the_other_dt`); so are the white-noise neurons' rate for the
  jumps' (which fire at half of it there) and eq. 27 without the grid for the small jumps
  (:func:`test_check_rejects_the_other_models`).  (The jumps' rate at this point barely depends on
  ``dt``, 0.72 and 0.70 Hz in the record, so it cannot tell the two apart.)
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from _helpers import load_record, load_tool

import mfkit

pytestmark = pytest.mark.records

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "book" / "data" / "time_grid_record.json"
Z = 4.0  # accepted standardised difference between two independent estimates (see the module docstring)
RERUN_SEED = 7  # the record uses seed 2024
DT = 0.1
WHITE_NOISE_POINT, JUMP_POINT, SMALL_JUMP_POINT = "g 8, eta 0.9", "g 8, eta 0.9", "AI"


@pytest.fixture(scope="module")
def rt():
    """tools/record_time_grid.py as a module."""
    return load_tool("record_time_grid")


@pytest.fixture(scope="module")
def record():
    return load_record(RECORD, "record_time_grid")


def recorded(record, name: str, dt: float) -> dict:
    (p,) = [p for p in record["points"] if p["name"] == name]
    (row,) = [row for row in p["by_dt"] if row["dt"] == dt]
    return row


def within(a, se_a, b, se_b) -> bool:
    return abs(a - b) <= Z * math.hypot(se_a, se_b)


def test_record_holds_its_inputs(rt, record):
    """The record states how to regenerate it, its inputs are the script's, and it is complete."""
    assert "python tools/record_time_grid.py" in record["what"]
    assert record["mfkit"]["version"] and record["mfkit"]["commit"] and record["date"] and record["run_time_s"] > 0
    inputs = {"points": rt.POINTS, "dts": rt.DTS, "white_noise": rt.WHITE_NOISE, "jumps": rt.JUMPS,
              "small_jumps": rt.SMALL_JUMPS}
    assert record["inputs"] == json.loads(json.dumps(inputs))
    assert [p["name"] for p in record["points"]] == list(rt.POINTS)
    for p in record["points"]:
        assert [row["dt"] for row in p["by_dt"]] == list(rt.DTS)
        assert [("small_jumps" in row) for row in p["by_dt"]] == [dt == rt.SMALL_JUMPS["dt"] for dt in rt.DTS]


def test_eq27_columns_are_siegert_now(rt, record):
    """eq. 27 with and without dt, and the CV, recomputed at every recorded point and dt."""
    for p in record["points"]:
        network, fp = rt.network_state((p["V_reset"], p["g"], p["eta"]))
        assert p["rate"] == pytest.approx(float(fp.rates[0]), rel=1e-5)
        for row in p["by_dt"]:
            now = rt.theory_point(network, fp, row["dt"])
            assert row["theory"] == pytest.approx(now, rel=1e-5), (p["name"], row["dt"])
            # the independent evaluation: siegert with the grid at the recorded mu, sigma
            lif = {"tau_m": network.tau_m, "t_ref": network.t_ref, "theta": network.theta, "V_reset": p["V_reset"]}
            assert row["theory"]["eq27_dt"] == pytest.approx(
                mfkit.siegert(now["mu"], now["sigma"], **lif, dt=row["dt"]), rel=1e-5)
            assert row["theory"]["eq27_dt"] < row["theory"]["eq27"]


def test_small_jumps_keep_mu_and_sigma(record):
    """The control's inputs (eq. 28-29 of its jumps and rates) are the fixed point's mu and sigma."""
    for p in record["points"]:
        row = recorded(record, p["name"], DT)
        assert row["small_jumps"]["mu"] == pytest.approx(row["theory"]["mu"], rel=1e-5)
        assert row["small_jumps"]["sigma"] == pytest.approx(row["theory"]["sigma"], rel=1e-5)


@pytest.fixture(scope="module")
def reruns(rt):
    """Reduced reruns with another seed: white noise and jumps at the g = 8 point, small jumps at AI."""
    wn = dict(rt.WHITE_NOISE, n_spikes=rt.WHITE_NOISE["n_spikes"] / 4, seed=RERUN_SEED)
    jumps = dict(rt.JUMPS, n_neurons=rt.JUMPS["n_neurons"] // 6, seed=RERUN_SEED)
    network, fp = rt.network_state(rt.POINTS[WHITE_NOISE_POINT])
    white_noise = rt.white_noise_point(network, fp, DT, **wn)
    network, fp = rt.network_state(rt.POINTS[JUMP_POINT])
    jump = rt.jump_point(network, fp, DT, **jumps)
    network, fp = rt.network_state(rt.POINTS[SMALL_JUMP_POINT])
    small = rt.small_jumps_point(network, fp, **rt.SMALL_JUMPS, n_neurons=jumps["n_neurons"],
                                 n_intervals=jumps["n_intervals"], seed=RERUN_SEED)
    return {"white_noise": white_noise, "jumps": jump, "small_jumps": small}


CHECKS = [("white_noise", WHITE_NOISE_POINT, "grid"), ("white_noise", WHITE_NOISE_POINT, "bridge"),
          ("white_noise", WHITE_NOISE_POINT, "ratio"), ("jumps", JUMP_POINT, "rate"), ("jumps", JUMP_POINT, "cv"),
          ("small_jumps", SMALL_JUMP_POINT, "rate"), ("small_jumps", SMALL_JUMP_POINT, "cv")]


def agrees(reruns, record, kind: str, name: str, quantity: str, dt: float = DT) -> bool:
    new, old = reruns[kind], recorded(record, name, dt)[kind]
    return within(new[quantity], new[f"{quantity}_err"], old[quantity], old[f"{quantity}_err"])


@pytest.mark.parametrize("kind, name, quantity", CHECKS)
def test_rerun_agrees_with_record(reruns, record, kind, name, quantity):
    assert agrees(reruns, record, kind, name, quantity)


def test_check_rejects_the_other_dt(reruns, record):
    """The grid neurons' rate and the ratio at dt = 0.1 ms are not those recorded at dt = 0.01 ms."""
    assert not agrees(reruns, record, "white_noise", WHITE_NOISE_POINT, "grid", dt=0.01)
    assert not agrees(reruns, record, "white_noise", WHITE_NOISE_POINT, "ratio", dt=0.01)


def test_check_rejects_the_other_models(reruns, record):
    """The jumps' rate is not the white-noise neurons' (g = 8: the diffusion approximation fails),
    and the small jumps' rate at AI is not eq. 27 without the grid."""
    new, old = reruns["jumps"], recorded(record, JUMP_POINT, DT)["white_noise"]
    assert not within(new["rate"], new["rate_err"], old["grid"], old["grid_err"])
    new, old = reruns["small_jumps"], recorded(record, SMALL_JUMP_POINT, DT)["theory"]
    assert not within(new["rate"], new["rate_err"], old["eq27"], 0.0)
