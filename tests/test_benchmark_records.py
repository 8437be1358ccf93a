"""Record-consistency checks for the benchmark results (benchmarks/results/*.json).

These tests do NOT measure the speed of the code. They re-read the recorded result files and check
that each file is complete, internally consistent (summaries follow from the per-run data, medians lie
within the recorded spread, ratios follow from the medians) and still supports the claims the chapter
"Accuracy and speed" (book/accuracy_speed.ipynb), the other chapters and README.md make from it. They
fail when a regenerated file no longer backs what the book says, not when the code gets slower.

The record checks carry the marker ``records``.  Two tests run code and are not marked: the mfkit part
of benchmarks/siegert_accuracy.py on a subset of its inputs, and benchmarks/spiking.py in
``--quick --no-nest`` mode (the script works and writes the schema checked here).  Nothing here takes
a time: mfkit's live Siegert throughput ratio is checked by benchmarks/check_throughput.py, outside
the test suite.
"""
from __future__ import annotations

import importlib.util
import json
import math
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MACHINE_KEYS = {"cpu", "python", "numpy"}
#: Checks of the recorded files (deselect with ``-m "not records"``).
records = pytest.mark.records
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


@pytest.fixture(scope="module")
def microcircuit_bench():
    return load("microcircuit.json")


def benchmark_module(name: str):
    """benchmarks/<name>.py imported as a module (its folder on sys.path for ``_common``)."""
    folder = str(ROOT / "benchmarks")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(f"benchmark_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def accuracy_module():
    return benchmark_module("siegert_accuracy")


def check_spiking_record(spk: dict, min_repeats: int, first: str = "mfkit-1") -> None:
    """The schema of benchmarks/spiking.py's output and its internal consistency (``first``: the first
    configuration of a round)."""
    assert spk["interleaved"] is True
    assert spk["repeats"] >= min_repeats
    assert isinstance(spk["what"], str) and "interleaved" in spk["what"]
    assert MACHINE_KEYS <= set(spk["machine"]) and "cores_available" in spk["machine"]
    names = [c["name"] for c in spk["configurations"]]
    assert names[0] == first
    # interleaved: every round runs every configuration, in the same order
    assert spk["run_order"] == names * spk["repeats"]
    assert [r["config"] for r in spk["runs"]] == spk["run_order"]
    assert [r["round"] for r in spk["runs"]] == [i for i in range(spk["repeats"]) for _ in names]
    # load averages: before and after the benchmark and every run (1, 5, 15 min)
    for when in ("before", "after"):
        assert len(spk["load_average"][when]) == 3
    for r in spk["runs"]:
        assert len(r["load_before"]) == 3 and len(r["load_after"]) == 3
        assert r["others_cores"] >= 0.0 and r["steal_cores"] >= 0.0
        assert r["total_s"] == pytest.approx(r["build_s"] + r["simulate_s"], rel=1e-12)
    # the busy flag follows from the recorded load
    busy = spk["busy"]
    threshold = busy["threshold_cores"]
    assert threshold == pytest.approx(0.3 * spk["machine"]["cores_available"])
    expect = spk["load_average"]["before"][0] > threshold or any(
        r["others_cores"] + r["steal_cores"] > threshold for r in spk["runs"])
    assert busy["flag"] is expect is bool(busy["reasons"])
    # summaries: median, min, max of the runs; the median inside the spread
    for name in names:
        runs = [r for r in spk["runs"] if r["config"] == name]
        s = spk["summary"][name]
        assert s["n"] == len(runs) == spk["repeats"]
        for key in ("build_s", "simulate_s", "total_s", "peak_rss_MB"):
            values = [r[key] for r in runs]
            assert s[key]["min"] <= s[key]["median"] <= s[key]["max"], (name, key)
            assert s[key] == {"median": statistics.median(values), "min": min(values), "max": max(values)}
    # speed-ups on all cores over one thread: from the medians and per round
    for key, q in spk.get("speedups", {}).items():
        one, many = spk["summary"][q["numerator"]], spk["summary"][q["denominator"]]
        assert key == f"{q['numerator']}/{q['denominator']}" and one["backend"] == many["backend"]
        assert one["threads"] == 1 < many["threads"]
        assert q["of_medians"] == pytest.approx(one["total_s"]["median"] / many["total_s"]["median"])
        assert len(q["per_round"]) == spk["repeats"]
        assert q["per_round_min"] <= q["per_round_median"] <= q["per_round_max"]
    # ratios NEST-k / mfkit-1: from the medians, and per round
    for key, q in spk["ratios"].items():
        n, m = spk["summary"][q["numerator"]], spk["summary"][q["denominator"]]
        assert key == f"{q['numerator']}/{q['denominator']}"
        assert q["of_medians"] == pytest.approx(n["total_s"]["median"] / m["total_s"]["median"], rel=1e-12)
        per_round = [rn["total_s"] / rm["total_s"] for rn, rm in zip(
            (r for r in spk["runs"] if r["config"] == q["numerator"]),
            (r for r in spk["runs"] if r["config"] == q["denominator"]))]
        assert q["per_round"] == pytest.approx(per_round, rel=1e-12)
        assert q["per_round_min"] <= q["per_round_median"] <= q["per_round_max"]
        assert q["per_round_min"] == min(per_round) and q["per_round_max"] == max(per_round)


# ---------------------------------------------------------------- schema

@records
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


@records
def test_accuracy_file_uses_the_scripts_inputs(accuracy):
    pts = accuracy_module().points()
    assert [p["mu"] for p in pts] == accuracy["points"]["mu"]
    assert [p["sigma"] for p in pts] == accuracy["points"]["sigma"]
    assert [p["neuron"] for p in pts] == accuracy["points"]["neuron"]


@records
def test_accuracy_summaries_follow_from_the_per_point_data(accuracy):
    for name, tool in accuracy["tools"].items():
        errs = [e for e in tool["rel_error"] if e is not None]
        s = accuracy["summary"][name]
        assert s["compared"] == len(errs)
        assert s["max_rel_error"] == max(errs, default=None)
        assert s["raised"] == sum(st.startswith("raised") for st in tool["status"])
        assert s["crashed"] == sum(st.startswith("crashed") for st in tool["status"])


@records
def test_throughput_schema(throughput):
    assert MACHINE_KEYS <= set(throughput["machine"])
    for key in ("siegert", "siegert_with_derivatives"):
        assert {"mpts", "ratio"} <= set(throughput[key])
    assert throughput["nnmt"] is not None and {"ratio", "mpts", "nnmt_version"} <= set(throughput["nnmt"])


@records
def test_fixed_points_schema(fixed):
    assert MACHINE_KEYS <= set(fixed["machine"])
    assert {"best_s", "median_s", "rates", "stable"} <= set(fixed["cases"]["seed g=5 eta=2"])
    assert {"best", "median", "rate"} <= set(fixed["nnmt_seed"])


@records
def test_spiking_record_is_complete_and_consistent(spiking):
    """At least 3 interleaved rounds, load recorded, medians within the spread, ratios from the medians."""
    check_spiking_record(spiking, min_repeats=3)
    assert spiking["quick"] is False and spiking["network"]["n_neurons"] == 12500
    assert spiking["network"]["t_warmup"] == 100.0 and spiking["network"]["t_sim"] == 1000.0
    cores = spiking["machine"]["cores_available"]
    # compared at equal thread counts: one thread and all cores
    assert {"mfkit-1", f"mfkit-{cores}", "nest-1", f"nest-{cores}"} <= set(spiking["summary"])
    assert {"nest-1/mfkit-1", f"nest-{cores}/mfkit-{cores}"} <= set(spiking["ratios"])
    if cores > 1:
        assert {"mfkit-1/mfkit-%d" % cores, "nest-1/nest-%d" % cores} <= set(spiking["speedups"])
    # the larger network (--large): the same schema, 50,000 neurons with the seed network's in-degrees
    large = spiking["large"]
    check_spiking_record(large, min_repeats=1)
    assert large["quick"] is False and large["network"]["n_neurons"] == 50_000
    assert large["network"]["n_synapses"] == 62_500_000
    assert {"mfkit-1", f"mfkit-{cores}", "nest-1", f"nest-{cores}"} <= set(large["summary"])
    for s in large["summary"].values():
        assert s["n_synapses"] == 62_500_000


# ---------------------------------------------------------------- the chapter's claims, as recorded

@records
def test_mfkit_meets_its_accuracy_contract_everywhere(accuracy):
    """rel. error <= max(1e-13, 1e-15 y_th^2) on every compared input; no NaN, no spurious zeros."""
    s = accuracy["summary"]["mfkit"]
    assert s["max_error_over_contract"] <= 1.0
    assert s["compared"] >= 0.5 * s["n"]
    for key in ("raised", "nan", "crashed", "zero_where_nonzero", "wrong_where_reference_zero",
                "wrong_where_negligible"):
        assert s[key] == 0, key


@records
def test_mfkit_within_1e13_where_the_flat_bound_applies(accuracy):
    y_th = accuracy["points"]["y_th"]
    errs = [e for e, y in zip(accuracy["tools"]["mfkit"]["rel_error"], y_th)
            if e is not None and (y is None or abs(y) <= 10.0)]
    assert len(errs) > 100 and max(errs) <= 1e-13


@records
def test_nnmt_and_nest_fail_on_some_inputs_and_are_less_accurate(accuracy):
    s = accuracy["summary"]
    assert s["nnmt"]["raised"] >= 1                      # ZeroDivisionError / RuntimeError
    assert s["nest"]["crashed"] >= 1                      # SIGABRT
    assert s["nest"]["zero_where_nonzero"] >= 1           # the 6-sigma cut-off
    assert s["mfkit"]["max_rel_error"] < 1e-3 * s["nnmt"]["max_rel_error"]
    assert s["mfkit"]["max_rel_error"] < 1e-3 * s["nest"]["max_rel_error"]
    assert s["mfkit"]["median_rel_error"] <= s["nnmt"]["median_rel_error"]
    assert s["mfkit"]["median_rel_error"] <= s["nest"]["median_rel_error"]


@records
def test_named_edge_cases(accuracy):
    e = accuracy["edge_cases"]
    assert e["NEST unit test"]["mfkit"] == pytest.approx(27.1095934379, rel=1e-11)
    assert e["sigma=0, mu=21 (deterministic limit)"]["nnmt"] == "raised:ZeroDivisionError"
    assert e["sigma=0, mu=21 (deterministic limit)"]["nest"].startswith("crashed")
    assert e["just past NEST's 6-sigma cut-off (y_th=6.01)"]["nest"] == 0.0
    assert e["just past NEST's 6-sigma cut-off (y_th=6.01)"]["reference"] > 0.0


@records
def test_recorded_throughput_ratio(throughput):
    assert throughput["siegert"]["ratio"] <= 6.0
    assert throughput["nnmt"]["ratio"] > 10 * throughput["siegert"]["ratio"]  # "more than an order of magnitude"


@records
def test_recorded_fixed_point_time(fixed):
    seed = fixed["cases"]["seed g=5 eta=2"]
    assert seed["best_s"] <= 1e-3  # the seed point in under a millisecond (issue 3)
    assert seed["rates"][0] == pytest.approx(32.0331145039, rel=1e-10)
    assert fixed["nnmt_seed"]["rate"] == pytest.approx(seed["rates"][0], rel=1e-6)
    assert fixed["nnmt_seed"]["best"] > 10 * seed["best_s"]
    multistable = fixed["cases"]["multistable g=3 eta=0.8"]
    assert multistable["stable"] == [True, False, True]


@records
def test_recorded_spiking_speed_and_memory(spiking):
    """The chapter's reading: mfkit (on one thread and on all cores) is faster than NEST (on one
    thread and on all cores) in every round, uses at most 0.5 GB and less than half of NEST's
    memory; both simulate the same network; mfkit's result does not depend on its threads.  The
    same for the larger network, with its own memory bound (1 GB)."""
    for rec, n_syn, mem_max in ((spiking, 15_625_000, 512.0), (spiking["large"], 62_500_000, 1024.0)):
        s = rec["summary"]
        mfkits = [n for n in s if n.startswith("mfkit-")]
        for key, q in rec["ratios"].items():
            assert q["per_round_min"] > 1.0, key
        for m in mfkits:
            assert s[m]["peak_rss_MB"]["max"] <= mem_max
            for pop in ("rate_E", "rate_I", "cv_E", "cv_I"):  # the same spikes on any thread count
                assert s[m][pop] == s["mfkit-1"][pop]
        for name in (n for n in s if n.startswith("nest-")):
            assert s[name]["peak_rss_MB"]["min"] > 2 * max(s[m]["peak_rss_MB"]["max"] for m in mfkits)
            assert s[name]["n_synapses"] == s["mfkit-1"]["n_synapses"] == n_syn
            for pop in ("rate_E", "rate_I"):  # the same network: rates within 2% of each other
                assert s[name][pop] == pytest.approx(s["mfkit-1"][pop], rel=0.02)


@records
def test_recorded_spiking_targets(spiking):
    """The targets of the multi-threaded engine, on the recorded (2-core) machine, seed network, quiet:
    at most 1.0 s per simulated second on one thread (build included), at least 1.7x faster on all
    cores than on one (median), at least 20x faster than NEST at equal thread count
    (median), at most 0.35 GB; the larger network in >= 3 rounds; numba's TBB threading layer."""
    cores = spiking["machine"]["cores_available"]
    s = spiking["summary"]
    t_run = (spiking["network"]["t_warmup"] + spiking["network"]["t_sim"]) / 1000.0
    assert not spiking["busy"]["flag"] and not spiking["large"]["busy"]["flag"]
    assert s["mfkit-1"]["total_s"]["median"] / t_run <= 1.0
    assert max(s[n]["peak_rss_MB"]["max"] for n in s if n.startswith("mfkit-")) <= 0.35 * 1024
    for k in (1, cores):
        assert spiking["ratios"][f"nest-{k}/mfkit-{k}"]["of_medians"] >= 20.0
    if cores > 1:
        q = spiking["speedups"][f"mfkit-1/mfkit-{cores}"]
        assert q["of_medians"] >= 1.7
        assert s[f"mfkit-{cores}"]["threading_layer"] == "tbb"
    assert spiking["large"]["repeats"] >= 3


@records
def test_microcircuit_record_is_complete_and_consistent(microcircuit_bench):
    """benchmarks/spiking.py --microcircuit: both simulators on all cores, interleaved, >= 3 rounds."""
    mc = microcircuit_bench
    cores = mc["machine"]["cores_available"]
    check_spiking_record(mc, min_repeats=3, first=f"mfkit-{cores}")
    assert [c["name"] for c in mc["configurations"]] == [f"mfkit-{cores}", f"nest-{cores}"]
    assert mc["quick"] is False and mc["network"]["kind"] == "microcircuit"
    assert mc["network"]["n_neurons"] == 77169 and mc["network"]["t_sim"] == 1000.0


@records
def test_recorded_microcircuit_speed_and_memory(microcircuit_bench):
    """The microcircuit chapter's reading: the twin is faster than NEST in every round and needs less
    memory; the same synapses; rates of the two within 5 % in every population (1 s each: the
    chapter's 10 s record compares them within their errors)."""
    mc = microcircuit_bench
    cores = mc["machine"]["cores_available"]
    m, n = mc["summary"][f"mfkit-{cores}"], mc["summary"][f"nest-{cores}"]
    assert mc["ratios"][f"nest-{cores}/mfkit-{cores}"]["per_round_min"] > 1.0
    assert n["peak_rss_MB"]["min"] > m["peak_rss_MB"]["max"]
    assert n["n_synapses"] == m["n_synapses"] > 2.9e8
    assert m["rates"] == pytest.approx(n["rates"], rel=0.05)


@pytest.mark.policy
def test_chapter_reads_only_the_result_files():
    """The chapter measures nothing itself: its code reads benchmarks/results/*.json and plots."""
    nb = json.loads((ROOT / "book" / "accuracy_speed.ipynb").read_text())
    source = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    source = source.replace("from mfkit.plotting import", "")  # figures from the recorded data: no measuring
    for forbidden in ("import mfkit", "from mfkit", "subprocess", "perf_counter", "import nest", "import nnmt"):
        assert forbidden not in source, forbidden
    for name in ("siegert_accuracy.json", "siegert.json", "fixed_points.json", "spiking.json"):
        assert name in source
    assert all(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), "stored without outputs"


@records
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


@records
def test_recorded_derivatives_add_little_to_the_cost(throughput):
    assert throughput["siegert_with_derivatives"]["ratio"] <= 1.5 * throughput["siegert"]["ratio"]


# ---------------------------------------------------------------- live checks of the code (not record checks)

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


def test_spiking_script_quick_run(tmp_path):
    """benchmarks/spiking.py --quick --no-nest runs and writes a file of the schema checked above."""
    out = tmp_path / "spiking.json"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "spiking.py"), "--quick", "--no-nest",
                    "--repeats", "2", "--json", str(out)], check=True, capture_output=True, text=True)
    spk = json.loads(out.read_text())
    check_spiking_record(spk, min_repeats=2)
    cores = spk["machine"]["cores_available"]
    expect = ["mfkit-1"] + ([f"mfkit-{cores}"] if cores > 1 else [])
    assert spk["quick"] is True and [c["name"] for c in spk["configurations"]] == expect
    assert spk["ratios"] == {} and set(spk["speedups"]) == ({f"mfkit-1/mfkit-{cores}"} if cores > 1 else set())


@records
def test_recorded_stability_time():
    """benchmarks/results/stability.json: interleaved rounds, the medians inside their spread, the ratio of
    the medians, the eigenvalues the search finds (35 for the microcircuit, 6 at the seed)."""
    rec = load("stability.json")
    assert rec["rounds"] >= 3 and len(rec["load_average_1min_before_each_round_and_after"]) == rec["rounds"] + 1
    for key in ("microcircuit", "seed_baseline"):
        t = rec[key]
        assert t["min_s"] <= t["median_s"] <= t["max_s"]
    assert rec["ratio_microcircuit_to_seed"] == pytest.approx(rec["microcircuit"]["median_s"]
                                                              / rec["seed_baseline"]["median_s"])
    assert rec["eigenvalues_found"] == {"microcircuit": 35, "seed": 6}
    assert rec["goal_s"] == 5.0 and rec["machine"]["numba_threads"] >= 1
    assert rec["microcircuit"]["median_s"] <= rec["goal_s"]  # the microcircuit in under 5 s (issue 21)


@records
def test_recorded_filtered_response_time():
    """benchmarks/results/filtered_response.json: per point, medians inside their spread, ratios to the
    white-noise baseline; every form and channel under the 50 us goal of issue 21."""
    rec = load("filtered_response.json")
    assert rec["rounds"] >= 3 and len(rec["load_average_1min_before_each_round_and_after"]) == rec["rounds"] + 1
    names = {"white, mu (baseline)"} | {f"{form}, {ch}" for form in ("shift", "taylor") for ch in ("mu", "sigma")}
    assert set(rec["per_point"]) == names == set(rec["ratio_to_baseline"])
    base = rec["per_point"]["white, mu (baseline)"]["median_us"]
    for name, s in rec["per_point"].items():
        assert s["min_us"] <= s["median_us"] <= s["max_us"]
        assert rec["ratio_to_baseline"][name] == pytest.approx(s["median_us"] / base)
        assert s["median_us"] <= rec["goal_us"] == 50.0
