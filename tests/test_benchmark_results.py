"""The recorded benchmark results (benchmarks/results/*.json) and the claims the chapter
"Accuracy and speed" (book/accuracy_speed.ipynb) makes from them.

Most of these tests document a recorded measurement: they fail if a regenerated file no longer
supports what the chapter says. The last one re-runs the mfkit part of
benchmarks/siegert_accuracy.py live on a subset of its inputs, so it fails if the code regresses.
"""
from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MACHINE_KEYS = {"cpu", "python", "numpy"}
TOOL_SUMMARY_KEYS = {"n", "compared", "raised", "nan", "crashed", "zero_where_nonzero", "wrong_where_reference_zero",
                     "wrong_where_negligible", "max_rel_error", "median_rel_error", "label"}


def load(name: str) -> dict:
    path = RESULTS / name
    assert path.is_file(), f"{path} is missing: run the benchmark (see benchmarks/README.md)"
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def accuracy():
    return load("siegert_accuracy.json")


@pytest.fixture(scope="module")
def throughput():
    return load("siegert.json")


@pytest.fixture(scope="module")
def fixed():
    return load("fixed_points.json")


@pytest.fixture(scope="module")
def spiking():
    return load("spiking.json")


def accuracy_module():
    spec = importlib.util.spec_from_file_location("siegert_accuracy", ROOT / "benchmarks" / "siegert_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------- schema

def test_accuracy_schema(accuracy):
    assert MACHINE_KEYS <= set(accuracy["machine"])
    n = len(accuracy["points"]["mu"])
    for key in ("neuron", "case", "sigma", "y_th", "reference", "log10_reference"):
        assert len(accuracy["points"][key]) == n
    assert {"mfkit", "nnmt", "nest"} <= set(accuracy["tools"]), "NNMT and NEST must be in the recorded file"
    for name, tool in accuracy["tools"].items():
        assert set(tool) == {"rate", "status", "rel_error"}
        assert all(len(v) == n for v in tool.values())
        assert TOOL_SUMMARY_KEYS <= set(accuracy["summary"][name])
        assert accuracy["summary"][name]["n"] == n
    assert accuracy["dps"] >= 40


def test_accuracy_file_uses_the_scripts_inputs(accuracy):
    pts = accuracy_module().points()
    assert [p["mu"] for p in pts] == accuracy["points"]["mu"]
    assert [p["sigma"] for p in pts] == accuracy["points"]["sigma"]
    assert [p["neuron"] for p in pts] == accuracy["points"]["neuron"]


def test_accuracy_summaries_follow_from_the_per_point_data(accuracy):
    for name, tool in accuracy["tools"].items():
        errs = [e for e in tool["rel_error"] if e is not None]
        s = accuracy["summary"][name]
        assert s["compared"] == len(errs)
        assert s["max_rel_error"] == max(errs, default=None)
        assert s["raised"] == sum(st.startswith("raised") for st in tool["status"])
        assert s["crashed"] == sum(st.startswith("crashed") for st in tool["status"])


def test_throughput_schema(throughput):
    assert MACHINE_KEYS <= set(throughput["machine"])
    for key in ("siegert", "siegert_with_derivatives"):
        assert {"mpts", "ratio"} <= set(throughput[key])
    assert throughput["nnmt"] is not None and {"ratio", "mpts", "nnmt_version"} <= set(throughput["nnmt"])


def test_fixed_points_schema(fixed):
    assert MACHINE_KEYS <= set(fixed["machine"])
    assert {"best_s", "median_s", "rates", "stable"} <= set(fixed["cases"]["seed g=5 eta=2"])
    assert {"best", "median", "rate"} <= set(fixed["nnmt_seed"])


def test_spiking_schema(spiking):
    for backend in ("mfkit", "nest"):
        assert {"build_s", "simulate_s", "peak_rss_MB", "rate_E", "rate_I", "n_synapses"} <= set(spiking[backend])
    assert "speedup" in spiking


# ---------------------------------------------------------------- the chapter's claims

def test_mfkit_meets_its_accuracy_contract_everywhere(accuracy):
    """rel. error <= max(1e-13, 1e-15 y_th^2) on every compared input; no NaN, no spurious zeros."""
    s = accuracy["summary"]["mfkit"]
    assert s["max_error_over_contract"] <= 1.0
    assert s["compared"] >= 0.5 * s["n"]
    for key in ("raised", "nan", "crashed", "zero_where_nonzero", "wrong_where_reference_zero",
                "wrong_where_negligible"):
        assert s[key] == 0, key


def test_mfkit_within_1e13_where_the_flat_bound_applies(accuracy):
    y_th = accuracy["points"]["y_th"]
    errs = [e for e, y in zip(accuracy["tools"]["mfkit"]["rel_error"], y_th)
            if e is not None and (y is None or abs(y) <= 10.0)]
    assert len(errs) > 100 and max(errs) <= 1e-13


def test_nnmt_and_nest_fail_on_some_inputs_and_are_less_accurate(accuracy):
    s = accuracy["summary"]
    assert s["nnmt"]["raised"] >= 1                      # ZeroDivisionError / RuntimeError
    assert s["nest"]["crashed"] >= 1                      # SIGABRT
    assert s["nest"]["zero_where_nonzero"] >= 1           # the 6-sigma cut-off
    assert s["mfkit"]["max_rel_error"] < 1e-3 * s["nnmt"]["max_rel_error"]
    assert s["mfkit"]["max_rel_error"] < 1e-3 * s["nest"]["max_rel_error"]
    assert s["mfkit"]["median_rel_error"] <= s["nnmt"]["median_rel_error"]
    assert s["mfkit"]["median_rel_error"] <= s["nest"]["median_rel_error"]


def test_named_edge_cases(accuracy):
    e = accuracy["edge_cases"]
    assert e["NEST unit test"]["mfkit"] == pytest.approx(27.1095934379, rel=1e-11)
    assert e["sigma=0, mu=21 (deterministic limit)"]["nnmt"] == "raised:ZeroDivisionError"
    assert e["sigma=0, mu=21 (deterministic limit)"]["nest"].startswith("crashed")
    assert e["just past NEST's 6-sigma cut-off (y_th=6.01)"]["nest"] == 0.0
    assert e["just past NEST's 6-sigma cut-off (y_th=6.01)"]["reference"] > 0.0


def test_throughput_ratio(throughput):
    assert throughput["siegert"]["ratio"] <= 6.0
    assert throughput["nnmt"]["ratio"] > 10 * throughput["siegert"]["ratio"]  # "more than an order of magnitude"


def test_fixed_point_time(fixed):
    seed = fixed["cases"]["seed g=5 eta=2"]
    assert seed["best_s"] <= 1e-3  # the seed point in under a millisecond (issue 3)
    assert seed["rates"][0] == pytest.approx(32.0331145039, rel=1e-10)
    assert fixed["nnmt_seed"]["rate"] == pytest.approx(seed["rates"][0], rel=1e-6)
    assert fixed["nnmt_seed"]["best"] > 10 * seed["best_s"]
    multistable = fixed["cases"]["multistable g=3 eta=0.8"]
    assert multistable["stable"] == [True, False, True]


def test_spiking_speed_and_memory(spiking):
    assert spiking["speedup"] >= 10.0
    assert spiking["mfkit"]["peak_rss_MB"] <= 512.0
    assert spiking["nest"]["peak_rss_MB"] > 2 * spiking["mfkit"]["peak_rss_MB"]
    assert spiking["mfkit"]["n_synapses"] == spiking["nest"]["n_synapses"]
    for pop in ("rate_E", "rate_I"):  # both simulate the same network: rates within 2% of each other
        assert spiking["mfkit"][pop] == pytest.approx(spiking["nest"][pop], rel=0.02)


# ---------------------------------------------------------------- live check of the code

def test_live_mfkit_accuracy_on_a_subset():
    """Re-runs the mfkit part of the accuracy benchmark on every 25th input plus the edge cases."""
    bench = accuracy_module()
    pts = bench.points()
    subset = pts[::25] + [p for p in pts if p["case"]]
    ref = bench.reference(subset, dps=30)
    got = bench.mfkit_values(subset)
    compared = 0
    for p, r, v in zip(subset, ref["rate"], got["rate"]):
        assert v is not None and math.isfinite(v), p
        if r >= bench.RATE_FLOOR:
            assert abs(v - r) <= bench.contract(bench.y_threshold(p)) * r, (p, v, r)
            compared += 1
        elif p["sigma"] == 0.0:
            assert v == r == 0.0
        else:
            assert v <= 1e-240
    assert compared >= 20
    assert np.all(np.isfinite(np.array([d for d in got["d_mu"] if d is not None])))


def test_chapter_reads_only_the_result_files():
    """The chapter measures nothing itself: its code reads benchmarks/results/*.json and plots."""
    nb = json.loads((ROOT / "book" / "accuracy_speed.ipynb").read_text())
    source = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for forbidden in ("import mfkit", "from mfkit", "subprocess", "perf_counter", "import nest", "import nnmt"):
        assert forbidden not in source, forbidden
    for name in ("siegert_accuracy.json", "siegert.json", "fixed_points.json", "spiking.json"):
        assert name in source
    assert all(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), "stored without outputs"


def test_where_the_tools_differ(accuracy):
    """The chapter's reading of the accuracy plot."""
    y = accuracy["points"]["y_th"]
    tools = accuracy["tools"]
    # NEST returns 0 beyond its 6-sigma cut-off although the reference rate is representable
    beyond = [i for i, v in enumerate(y) if v is not None and v > 6.0 and tools["nest"]["status"][i] == "ok"]
    assert beyond and all(tools["nest"]["rate"][i] == 0.0 for i in beyond)
    assert any(tools["nest"]["rel_error"][i] == 1.0 for i in beyond)
    # far above threshold at small sigma NNMT and NEST lose digits, mfkit does not
    far = [i for i, v in enumerate(y) if v is not None and v < -100.0]
    for t in ("nnmt", "nest"):
        assert max(tools[t]["rel_error"][i] or 0.0 for i in far) > 1e-9
    assert max(tools["mfkit"]["rel_error"][i] or 0.0 for i in far) < 1e-13
    # near threshold at small sigma NNMT raises
    near = [i for i, (v, s) in enumerate(zip(y, accuracy["points"]["sigma"]))
            if v is not None and abs(v) <= 1 and s <= 1e-3]
    assert any(tools["nnmt"]["status"][i].startswith("raised") for i in near)


def test_derivatives_add_little_to_the_cost(throughput):
    assert throughput["siegert_with_derivatives"]["ratio"] <= 1.5 * throughput["siegert"]["ratio"]
