"""The record of shot-noise neurons simulated on a time grid against the master equation, and a reduced rerun.

``book/data/shot_noise_record.json`` is written by ``tools/record_shot_noise.py``: LIF neurons with Poisson
inputs of the Brunel network's jumps (``J``, ``-g J``) at the rates of its fixed point, simulated with NEST's
update at dt = 0.1 and 0.01 ms (rate and CV at three points, the response to a modulation of the excitatory
or the inhibitory input rate at two), beside :func:`mfkit.shot_noise.shot_noise_rate` and
:func:`mfkit.shot_noise.shot_noise_response` (continuous time).

* **theory columns**: recomputed now with the script's own functions; they must agree with the record
  within twice the accuracy asked of the solver (``RTOL``; the record keeps 6 significant digits).
* **the judgements and the claims**: the differences, the targets met (rate within 1 %, CV within 0.01;
  gain within 5 % and phase within 5 degrees up to 300 Hz at dt = 0.1 ms and up to 1 kHz at 0.01 ms) and
  the summary are recomputed from the recorded simulations and the theory now, and the findings stated in
  :func:`test_claims` are read off them.
* **a reduced rerun** with another seed than the record's (independent neurons and inputs): the
  stationary rate and CV at the seed network with dt = 0.1 ms and at ``g 5, eta 0.9`` with 0.01 ms, and the
  response to the excitatory rate at 30 Hz at the seed network (0.1 ms).  Two independent estimates
  differ by a random amount of standard deviation ``sqrt(se_rerun**2 + se_record**2)``; we accept
  ``|difference| <= Z * sqrt(...)`` with ``Z = 4`` (errors from 20-50 neurons or 16 groups: Student t with
  at least 15 degrees of freedom, ``P(|t| > 4) <= 0.001`` per comparison; six comparisons).  The test can
  fail: the same comparison rejects the continuous-time rate at the seed network with dt = 0.1 ms (the
  time grid lowers it by 1.4 %, :func:`test_rerun_rejects_the_continuous_time_rate_at_dt_0_1`).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from _helpers import load_record, load_tool

pytestmark = pytest.mark.records

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "book" / "data" / "shot_noise_record.json"
Z = 4.0  # accepted standardised difference between two independent estimates (see the module docstring)
RERUN_SEED = 7  # the record uses seed 2024


@pytest.fixture(scope="module")
def rt():
    """tools/record_shot_noise.py as a module."""
    return load_tool("record_shot_noise")


@pytest.fixture(scope="module")
def record():
    return load_record(RECORD, "record_shot_noise")


@pytest.fixture(scope="module")
def states(rt):
    return {name: rt.neuron_inputs(point) for name, point in rt.POINTS.items()}


@pytest.fixture(scope="module")
def theory(rt, states):
    """The master equation now: rate and CV at every point, chi at every recorded frequency."""
    out = {}
    for name, inputs in states.items():
        out[name] = {"stationary": rt.theory_stationary(inputs)}
        if name in rt.RESPONSE_POINTS:
            freqs = sorted({f for fs in rt.FREQS.values() for f in fs})
            out[name]["chi"] = dict(zip(freqs, rt.theory_response(inputs, freqs)))
    return out


def stationary_row(record, name: str, dt: float) -> dict:
    (p,) = [p for p in record["stationary"] if p["name"] == name]
    (row,) = [row for row in p["by_dt"] if row["dt"] == dt]
    return row


def response_row(record, name: str, dt: float, channel: str, f: float) -> dict:
    (p,) = [p for p in record["response"] if p["name"] == name]
    (block,) = [b for b in p["by_dt"] if b["dt"] == dt]
    (row,) = [r for r in block["rows"] if r["channel"] == channel and r["f"] == f]
    return row


def within(a, se_a, b, se_b) -> bool:
    return abs(a - b) <= Z * math.hypot(se_a, se_b)


def test_record_holds_its_inputs(rt, record):
    """The record states how to regenerate it, its inputs are the script's, and it is complete."""
    assert "python tools/record_shot_noise.py" in record["what"]
    assert record["mfkit"]["version"] and record["mfkit"]["commit"] and record["date"] and record["run_time_s"] > 0
    inputs = {"points": rt.POINTS, "dts": rt.DTS, "rtol": rt.RTOL, "stationary_sizes": rt.STATIONARY_SIZES,
              "stationary": rt.STATIONARY, "response_points": rt.RESPONSE_POINTS, "channels": rt.CHANNELS,
              "freqs": rt.FREQS, "eps": rt.EPS, "sizes": rt.SIZES, "response": rt.RESPONSE,
              "linearity": rt.LINEARITY, "targets": rt.TARGETS}
    assert record["inputs"] == json.loads(json.dumps(inputs))
    assert [p["name"] for p in record["stationary"]] == list(rt.POINTS)
    assert [p["name"] for p in record["response"]] == list(rt.RESPONSE_POINTS)
    for p in record["stationary"]:
        assert [row["dt"] for row in p["by_dt"]] == list(rt.DTS)
    for p in record["response"]:
        assert [b["dt"] for b in p["by_dt"]] == list(rt.DTS)
        for b in p["by_dt"]:
            expected = [(c, f) for c in rt.CHANNELS for f in rt.FREQS[b["dt"]]]
            assert [(r["channel"], r["f"]) for r in b["rows"]] == expected
            assert all(r["eps"] == rt.EPS[p["name"]][r["channel"]][r["f"]] for r in b["rows"])
    assert [(x["name"], x["dt"], x["channel"], x["f"]) for x in record["linearity"]] == list(rt.LINEARITY)


def test_inputs_are_the_networks_at_their_fixed_points(record, states):
    for p in record["stationary"]:
        inputs = states[p["name"]]
        assert p["nu"] == pytest.approx(inputs["nu"], rel=1e-5)
        assert p["jumps"] == pytest.approx(inputs["jumps"], rel=1e-5)
        assert p["rates"] == pytest.approx(inputs["rates"], rel=1e-5)
    seed = [p for p in record["stationary"] if p["name"] == "seed"][0]
    assert seed["nu"] == pytest.approx(32.0331145, rel=1e-5) and seed["jumps"] == [0.1, -0.5]  # 6 digits


def test_theory_columns_are_the_master_equation_now(rt, record, theory):
    rel = {key: max(2 * tol, 1e-5) for key, tol in rt.RTOL.items()}
    for p in record["stationary"]:
        now = theory[p["name"]]["stationary"]
        assert p["theory"]["rate"] == pytest.approx(now["rate"], rel=rel["rate"])
        assert p["theory"]["cv"] == pytest.approx(now["cv"], rel=rel["rate"])
    for p in record["response"]:
        for f, chi in theory[p["name"]]["chi"].items():
            for channel, k in rt.CHANNELS.items():
                assert complex(*p["theory"][f"{f:g}"][channel]) == pytest.approx(chi[k], rel=rel["response"])
        for b in p["by_dt"]:
            for r in b["rows"]:
                chi = theory[p["name"]]["chi"][r["f"]][r["k"]]
                assert r["theory_gain"] == pytest.approx(abs(chi), rel=rel["response"])
                assert rt.wrap(r["theory_phase"] - math.degrees(np.angle(chi))) == pytest.approx(0.0, abs=0.1)


#: How far a recomputed difference may move when the theory moves within the solver's accuracy (RTOL: 1e-4
#: for the rate and CV, 1e-3 for chi, i.e. 0.06 degrees): rate and CV differences (relative, absolute),
#: gain (relative), phase (degrees), and the z-scores (differences over errors of at least 0.1 %, 0.2 deg).
TOL = {"rate_rel_diff": 3e-4, "cv_diff": 3e-4, "rate_z": 0.3, "cv_z": 0.3, "gain_rel_diff": 3e-3, "phase_diff": 0.1,
       "gain_z": 0.6, "phase_z": 0.6}


def test_judgements_are_the_theory_now(rt, record, theory):
    """Differences, z-scores, targets met and the summary, recomputed from the recorded simulations and the
    theory now (within :data:`TOL`)."""
    for p in record["stationary"]:
        th = theory[p["name"]]["stationary"]
        for row in p["by_dt"]:
            now = rt.judge({key: row[key] for key in ("rate", "rate_err", "cv", "cv_err")}, th)
            for key, value in now.items():
                assert row[key] == (value if isinstance(value, bool) else pytest.approx(value, abs=TOL[key])), key
    for p in record["response"]:
        for b in p["by_dt"]:
            for r in b["rows"]:
                chi = theory[p["name"]]["chi"][r["f"]][r["k"]]
                now = rt.judge({key: r[key] for key in ("gain", "gain_err", "phase", "phase_err")},
                               {"gain": abs(chi), "phase": math.degrees(np.angle(chi))})
                for key, value in now.items():
                    assert r[key] == (value if isinstance(value, bool) else pytest.approx(value, abs=TOL[key])), key
    assert record["summary"] == json.loads(json.dumps(rt.summary(record["stationary"], record["response"])))


def stationary_rows(record) -> dict:
    return {(p["name"], row["dt"]): row for p in record["stationary"] for row in p["by_dt"]}


def test_stationary_claims(rt, record):
    """Rate and CV: the precision asked, and the targets met.

    Every rate has a standard error below 0.3 % and every CV one below 0.003.  At dt = 0.01 ms every rate is
    within 1 % (at most 0.5 %) and every CV within 0.01 of the master equation.  At dt = 0.1 ms every CV is
    within 0.01, but the rate only at g 8, eta 0.9: at the seed network and at g 5, eta 0.9 it is 1.1-1.4 %
    low, significantly (z < -4), and below the rate at dt = 0.01 ms by more than twice the combined error (4.2
    and 2.5 errors) -- the time grid (the threshold tested only at the end of each step, all inputs of a step
    at its end).
    """
    st = stationary_rows(record)
    for row in st.values():
        assert row["rate_err"] < 0.003 * row["rate"] and row["cv_err"] < 0.003
        assert row["cv_met"]
    for name in rt.POINTS:
        fine, coarse = st[(name, 0.01)], st[(name, 0.1)]
        assert fine["rate_met"] and abs(fine["rate_rel_diff"]) < 0.005
        if name == "g 8, eta 0.9":
            assert coarse["rate_met"] and abs(coarse["rate_rel_diff"]) < 0.003
        else:
            assert not coarse["rate_met"] and -0.014 < coarse["rate_rel_diff"] < -0.01 and coarse["rate_z"] < -4
            assert coarse["rate"] < fine["rate"] - 2 * math.hypot(coarse["rate_err"], fine["rate_err"])
    assert record["summary"]["stationary"]["g 8, eta 0.9"]["0.1"] == {"rate_met": True, "cv_met": True}


def response_rows(record, name: str, dt: float) -> list[dict]:
    (p,) = [p for p in record["response"] if p["name"] == name]
    (block,) = [b for b in p["by_dt"] if b["dt"] == dt]
    return block["rows"]


def test_response_claims_at_the_seed_network(record):
    """The seed network (mean-driven, 32 Hz): every gain within 5 % and every phase within 5 degrees at both
    dt, gain errors below 2 % everywhere.  At dt = 0.01 ms (up to 1 kHz) the gains are within 2.5 % and the
    phases within 2.5 degrees; at dt = 0.1 ms the 300 Hz gains are low by 2-4.5 % and the inhibitory phase
    leads by 4.4 degrees, all significantly (|z| > 4): the time grid, within the targets, and gone at 0.01 ms
    (there the differences at 300 Hz are below 2.5 % and 0.3 degrees)."""
    for dt in (0.1, 0.01):
        rows = response_rows(record, "seed", dt)
        assert all(r["gain_met"] and r["phase_met"] for r in rows)
        assert all(r["gain_err"] < 0.02 * r["gain"] for r in rows)
    fine = response_rows(record, "seed", 0.01)
    assert all(abs(r["gain_rel_diff"]) < 0.025 and abs(r["phase_diff"]) < 2.5 for r in fine)
    grid = {(r["channel"], r["f"]): r for r in response_rows(record, "seed", 0.1)}
    for channel in ("E", "I"):
        assert -0.045 < grid[(channel, 300.0)]["gain_rel_diff"] < -0.02 and grid[(channel, 300.0)]["gain_z"] < -4
    assert 4.0 < grid[("I", 300.0)]["phase_diff"] < 5.0 and grid[("I", 300.0)]["phase_z"] > 4
    assert all(abs(r["gain_rel_diff"]) < 0.025 and abs(r["phase_diff"]) < 0.3
               for r in fine if r["f"] == 300.0)
    assert record["summary"]["response"]["seed"] == {dt: {"gain_met": True, "phase_met": True, "missed": []}
                                                     for dt in ("0.1", "0.01")}


def test_response_claims_at_g_8(record):
    """g 8, eta 0.9 (fluctuation-driven, 0.7 Hz): every target met at dt = 0.1 ms (up to 300 Hz); at
    dt = 0.01 ms the excitatory channel up to 1 kHz and the inhibitory one at 100 Hz, while the inhibitory gain
    at 300 Hz (+8 %) and 1 kHz (+24 %) misses, without significance (|z| < 3: errors of 3 % and 11 %).  The
    errors here are 1.2-4 % (11 % for the inhibitory input at 1 kHz, whose output modulation is 5 % at eps = 1):
    the budget of the record (a quarter hour) does not buy 2 % at 0.7 Hz.  No difference at this point
    is significant beyond |z| = 3."""
    coarse, fine = response_rows(record, "g 8, eta 0.9", 0.1), response_rows(record, "g 8, eta 0.9", 0.01)
    assert all(r["gain_met"] and r["phase_met"] for r in coarse)
    assert all(r["gain_met"] and r["phase_met"] for r in fine if r["channel"] == "E" or r["f"] == 100.0)
    missed = [r for r in fine if not (r["gain_met"] and r["phase_met"])]
    assert [(r["channel"], r["f"]) for r in missed] == [("I", 300.0), ("I", 1000.0)]
    assert all(r["phase_met"] and abs(r["gain_z"]) < 3 for r in missed)
    for r in coarse + fine:
        assert abs(r["gain_z"]) < 3 and abs(r["phase_z"]) < 3
        assert 0.01 < r["gain_err"] / r["gain"] < (0.12 if (r["channel"], r["f"]) == ("I", 1000.0) else 0.045)
    assert record["summary"]["response"]["g 8, eta 0.9"]["0.01"]["missed"] == ["I 300 Hz: gain", "I 1000 Hz: gain"]


def test_linearity_claims(record):
    """Halving eps changes neither gain nor phase beyond twice the error of the comparison (which is 1.6 % and
    2 % for the excitatory input at the seed network and at g 8, 7.5 % for the inhibitory one at eps = 1)."""
    for x in record["linearity"]:
        assert abs(x["gain_ratio"] - 1) < 2 * x["gain_ratio_err"]
        assert abs(x["phase_diff"]) < 2 * x["phase_diff_err"]
        assert x["half"]["eps"] == pytest.approx(x["eps"] / 2)


@pytest.fixture(scope="module")
def reruns(rt, states, record):
    """Reduced reruns with another seed: the stationary seed network at dt = 0.1 ms (twice the record's
    intervals per neuron, to tell it from the master equation), g 5, eta 0.9 at 0.01 ms (a third of the
    neurons, 300 intervals each), and the excitatory response at 30 Hz at the seed network, dt = 0.1 ms (a
    third of the neurons)."""
    theory = {p["name"]: p["theory"] for p in record["stationary"]}
    out = {}
    out["seed, 0.1"] = rt.stationary_point(states["seed"], theory["seed"]["rate"], 0.1, n_neurons=20,
                                           n_intervals=4000, **{**rt.STATIONARY, "seed": RERUN_SEED})
    out["g 5, eta 0.9, 0.01"] = rt.stationary_point(states["g 5, eta 0.9"], theory["g 5, eta 0.9"]["rate"], 0.01,
                                                    n_neurons=20, n_intervals=300,
                                                    **{**rt.STATIONARY, "seed": RERUN_SEED})
    settings = {key: rt.RESPONSE[key] for key in ("n_groups", "t_warmup")}
    run, reference = rt.response_runs(states["seed"], 0.1, n_neurons=1600, t_sim=2000.0, seed=RERUN_SEED,
                                      **settings)
    out["seed, E 30 Hz"] = rt.response_point(states["seed"], run, reference, 0, rt.EPS["seed"]["E"][30.0], 30.0,
                                             rt.RESPONSE["reference_max_eps"])
    return out


@pytest.mark.parametrize("name, dt, quantity", [("seed", 0.1, "rate"), ("seed", 0.1, "cv"),
                                                ("g 5, eta 0.9", 0.01, "rate"), ("g 5, eta 0.9", 0.01, "cv")])
def test_stationary_rerun_agrees_with_record(reruns, record, name, dt, quantity):
    new, old = reruns[f"{name}, {dt}"], stationary_row(record, name, dt)
    assert within(new[quantity], new[f"{quantity}_err"], old[quantity], old[f"{quantity}_err"])


@pytest.mark.parametrize("quantity", ["gain", "phase"])
def test_response_rerun_agrees_with_record(reruns, record, quantity):
    new, old = reruns["seed, E 30 Hz"], response_row(record, "seed", 0.1, "E", 30.0)
    assert new["eps"] == old["eps"] and new["reference"] == old["reference"]
    assert within(new[quantity], new[f"{quantity}_err"], old[quantity], old[f"{quantity}_err"])


def test_rerun_rejects_the_continuous_time_rate_at_dt_0_1(reruns, record):
    """The same comparison tells the rate on the 0.1 ms grid from the continuous-time rate (1.1 % above)."""
    new = reruns["seed, 0.1"]
    (seed,) = [p for p in record["stationary"] if p["name"] == "seed"]
    assert not within(new["rate"], new["rate_err"], seed["theory"]["rate"], 0.0)
