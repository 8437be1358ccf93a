"""Benchmark: accuracy of the Siegert rate (eq. 27) of mfkit, NNMT 1.3.0 and NEST 3.10 against mpmath.

Usage::

    python benchmarks/siegert_accuracy.py [--json benchmarks/results/siegert_accuracy.json]
        [--nnmt-python /tmp/nnmtvenv/bin/python] [--nest-python /tmp/nestvenv/bin/python] [--dps 45]

One fixed set of inputs (:func:`points`): a (mu, sigma) grid over all regimes for the seed neuron
(tau_m = 20 ms, t_ref = 2 ms, theta = 20 mV, V_reset = 0 mV; mu from -20 to 60 mV in steps of 5 mV,
sigma log-spaced from 1e-3 to 1e2 mV), coarser grids for three other neurons, and named edge cases
(sigma = 0, sigma = 1e-12 and 1e-6 mV at and above threshold, the y_th = 10 / y_r = -30 case,
NEST's own unit-test value, just past NEST's 6-sigma cut-off, ...). Units: mV, ms, Hz.

The reference is :mod:`mfkit.reference` (mpmath, ``--dps`` significant digits). For every tool the
script records, per input, the rate or what went wrong instead:

* mfkit: :func:`mfkit.siegert` and :func:`mfkit.siegert_with_derivatives` (d nu/d mu), in this process;
* NNMT 1.3.0: ``nnmt.lif.delta._firing_rates_for_given_input`` (and
  ``_derivative_of_firing_rates_wrt_mean_input``) in SI units (V, s), one input per call so that an
  exception is attributed to its input (the exception's type is recorded), plus one vectorised call
  per neuron over the inputs that did not raise (NNMT picks one quadrature order for a whole array);
  run in the interpreter given by ``--nnmt-python``;
* NEST 3.10: the ``siegert_neuron`` model, run in the interpreter given by ``--nest-python``. Each input
  is a target ``siegert_neuron`` (``tau`` = 1e-4 ms, so that with the 0.1 ms step its exact-propagator
  update is rate = Phi(mu, sigma) with propagators exactly 0 and 1) driven through a
  ``diffusion_connection`` by one ``siegert_neuron`` held at 1 Hz (``mean`` = 1 Hz), with
  ``drift_factor`` = mu and ``diffusion_factor`` = sigma^2 (NEST takes the variance); waveform
  relaxation off. NEST aborts the whole process (SIGABRT in GSL) on some inputs, so inputs with
  sigma < 1e-4 mV are run one per process, the rest in one batch that is bisected if it dies; an
  input whose own process dies is recorded as ``crashed``.

Summaries per tool: max and median relative error over the inputs whose reference rate is
>= 1e-250 Hz, and counts of inputs that raised, gave NaN, crashed, gave 0 where the reference is
>= 1e-250 Hz, or gave a wrong value where the reference is exactly 0 or below 1e-250 Hz. The
per-input arrays (y_th, reference, values, relative errors, status) are stored for plotting.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Reference rates below this are not compared (relative errors of sub-1e-250 Hz rates are moot).
RATE_FLOOR = 1e-250

NEURONS = {  # name: (tau_m [ms], t_ref [ms], theta [mV], V_reset [mV])
    "seed": (20.0, 2.0, 20.0, 0.0),
    "nest_test": (10.0, 2.0, 15.0, 0.0),
    "high_reset": (20.0, 0.5, 20.0, 10.0),
    "fast_no_refractory": (5.0, 0.0, 10.0, -5.0),
}

EDGE_CASES = [  # (name, neuron, mu, sigma)
    ("sigma=0, mu=21 (deterministic limit)", "seed", 21.0, 0.0),
    ("sigma=0, mu=theta", "seed", 20.0, 0.0),
    ("sigma=0, mu=19", "seed", 19.0, 0.0),
    ("sigma=0, mu=80", "seed", 80.0, 0.0),
    ("sigma=1e-12, mu=theta", "seed", 20.0, 1e-12),
    ("sigma=1e-12, mu=theta+1e-9", "seed", 20.0 + 1e-9, 1e-12),
    ("sigma=1e-12, mu=21", "seed", 21.0, 1e-12),
    ("sigma=1e-6, mu=theta", "seed", 20.0, 1e-6),
    ("sigma=1e-6, mu=80", "seed", 80.0, 1e-6),
    ("sigma=1e-6, mu=19.99", "seed", 19.99, 1e-6),
    ("y_th=10, y_r=-30", "seed", 15.0, 0.5),
    ("y_th=-10, y_r=-30 (mu=30, sigma=1)", "seed", 30.0, 1.0),
    ("seed fixed point", "seed", 23.983443, 7.102677),
    ("NEST unit test", "nest_test", 15.0, 1.5 ** 0.5),
    ("just below NEST's 6-sigma cut-off (y_th=5.99)", "seed", 20.0 - 5.99, 1.0),
    ("just past NEST's 6-sigma cut-off (y_th=6.01)", "seed", 20.0 - 6.01, 1.0),
    ("y_th=20", "seed", 0.0, 1.0),
    ("y_th=-1000 (strongly supra-threshold)", "seed", 1020.0, 1.0),
    ("huge sigma", "seed", 0.0, 1e4),
    ("sigma=1e-3, mu=theta-1e-3 (y_th=1)", "seed", 20.0 - 1e-3, 1e-3),
]


def points() -> list[dict]:
    """The fixed inputs: grids for every neuron, then the named edge cases."""
    out = []
    grids = {"seed": (np.linspace(-20.0, 60.0, 17), np.logspace(-3.0, 2.0, 16))}
    for name in NEURONS:
        if name != "seed":
            grids[name] = (np.linspace(-20.0, 60.0, 9), np.logspace(-3.0, 2.0, 8))
    for name, (mus, sigmas) in grids.items():
        for mu in mus:
            for sigma in sigmas:
                out.append(dict(neuron=name, case=None, mu=float(mu), sigma=float(sigma)))
    for case, neuron, mu, sigma in EDGE_CASES:
        out.append(dict(neuron=neuron, case=case, mu=float(mu), sigma=float(sigma)))
    for p in out:
        p["tau_m"], p["t_ref"], p["theta"], p["V_reset"] = NEURONS[p["neuron"]]
    return out


def y_threshold(p: dict) -> float | None:
    return (p["theta"] - p["mu"]) / p["sigma"] if p["sigma"] > 0 else None


def contract(y_th: float | None) -> float:
    """mfkit's documented accuracy bound: relative error <= max(1e-13, 1e-15 y_th^2)."""
    return 1e-13 if y_th is None else max(1e-13, 1e-15 * y_th * y_th)


def reference(pts: list[dict], dps: int = 45) -> dict:
    """mpmath rates (float64, 0 below the double range), log10 of the rates, and d nu/d mu (Hz/mV)."""
    import mpmath as mp

    from mfkit import reference as ref

    rate, log10, d_mu = [], [], []
    for p in pts:
        r = ref.siegert_with_derivatives(p["mu"], p["sigma"], p["tau_m"], p["t_ref"], p["theta"], p["V_reset"],
                                         dps=dps)
        rate.append(float(r.rate))
        log10.append(float(mp.log10(r.rate)) if r.rate > 0 else None)
        d_mu.append(float(r.d_mu) if mp.isfinite(r.d_mu) else None)
    return dict(rate=rate, log10_rate=log10, d_mu=d_mu)


def mfkit_values(pts: list[dict]) -> dict:
    """mfkit.siegert and d nu/d mu of mfkit.siegert_with_derivatives, one call each over all inputs."""
    import mfkit

    args = [np.array([p[k] for p in pts]) for k in ("mu", "sigma", "tau_m", "t_ref", "theta", "V_reset")]
    rate = mfkit.siegert(*args)
    d_mu = mfkit.siegert_with_derivatives(*args).d_mu
    finite = lambda v: float(v) if np.isfinite(v) else None  # noqa: E731
    return dict(rate=[finite(v) for v in rate], d_mu=[finite(v) for v in d_mu],
                status=["ok" if np.isfinite(v) else "nan" for v in rate])


NNMT_WORKER = r"""
import json, sys, warnings
import numpy as np
import importlib.metadata as md
from nnmt.lif.delta import _firing_rates_for_given_input as rate_fn
from nnmt.lif.delta import _derivative_of_firing_rates_wrt_mean_input as deriv_fn
warnings.simplefilter("ignore")
pts = json.load(sys.stdin)
def si(p):  # SI units: V, s
    return tuple(p[k] * 1e-3 for k in ("mu", "sigma", "V_reset", "theta", "tau_m", "t_ref"))
rate, status, d_mu, d_status = [], [], [], []
for p in pts:
    try:
        v = float(rate_fn(*si(p))); rate.append(v if np.isfinite(v) else None)
        status.append("ok" if np.isfinite(v) else "nan")
    except Exception as e:
        rate.append(None); status.append("raised:" + type(e).__name__)
    try:
        v = float(deriv_fn(*si(p))) * 1e-3   # Hz/V -> Hz/mV
        d_mu.append(v if np.isfinite(v) else None); d_status.append("ok" if np.isfinite(v) else "nan")
    except Exception as e:
        d_mu.append(None); d_status.append("raised:" + type(e).__name__)
# one vectorised call per neuron over the inputs that did not raise on their own; if the call
# raises, every one of those inputs is marked with the exception ("raised:<type> (whole array)")
batched, batched_status = [None] * len(pts), list(status)
for neuron in sorted({p["neuron"] for p in pts}):
    idx = [i for i, p in enumerate(pts) if p["neuron"] == neuron and not status[i].startswith("raised")]
    if not idx:
        continue
    cols = list(zip(*[si(pts[i]) for i in idx]))
    try:
        vals = np.atleast_1d(rate_fn(*[np.array(c) for c in cols]))
        for i, v in zip(idx, vals):
            batched[i] = float(v) if np.isfinite(v) else None
            batched_status[i] = "ok" if np.isfinite(v) else "nan"
    except Exception as e:
        for i in idx:
            batched_status[i] = "raised:" + type(e).__name__ + " (whole array)"
print(json.dumps(dict(version=md.version("nnmt"), numpy=np.__version__, rate=rate, status=status,
                      d_mu=d_mu, d_mu_status=d_status, batched_rate=batched,
                      batched_status=batched_status)))
"""


def nnmt_values(pts: list[dict], python: str) -> dict:
    out = subprocess.run([python, "-c", NNMT_WORKER], input=json.dumps(pts), capture_output=True, text=True,
                         check=True, timeout=1800)
    return json.loads(out.stdout.strip().splitlines()[-1])


NEST_WORKER = r"""
import json, os, sys, warnings
warnings.simplefilter("ignore")
import nest
import numpy as np
nest.set_verbosity("M_FATAL")
pts = json.load(sys.stdin)
nest.ResetKernel()
nest.SetKernelStatus({"resolution": 0.1, "use_wfr": False})
drive = nest.Create("siegert_neuron", params={"mean": 1.0, "tau": 1e-4})   # held at 1 Hz
tgt = nest.Create("siegert_neuron", len(pts), params={"tau": 1e-4, "mean": 0.0})
tgt.set([dict(tau_m=p["tau_m"], t_ref=p["t_ref"], theta=p["theta"], V_reset=p["V_reset"]) for p in pts])
nest.Connect(drive, tgt, "all_to_all", {"synapse_model": "diffusion_connection",
             "drift_factor": np.array([[p["mu"]] for p in pts]),
             "diffusion_factor": np.array([[p["sigma"] ** 2] for p in pts])})
nest.Simulate(1.0)   # 10 steps: the drive is at 1 Hz after the first, the targets at Phi after the second
rate = np.atleast_1d(np.array(tgt.get("rate"), dtype=float))
import importlib.metadata as md
print(json.dumps(dict(version=md.version("nest-simulator"), rate=[float(v) for v in rate])))
"""


def _nest_run(pts: list[dict], python: str) -> tuple[list, list, str | None]:
    """(rates, statuses, version) for pts; bisects when the process dies."""
    env = dict(os.environ, PYNEST_QUIET="1", OMP_NUM_THREADS="1")
    out = subprocess.run([python, "-c", NEST_WORKER], input=json.dumps(pts), capture_output=True, text=True,
                         env=env, timeout=600)
    if out.returncode == 0:
        res = json.loads(out.stdout.strip().splitlines()[-1])
        return ([v if math.isfinite(v) else None for v in res["rate"]],
                ["ok" if math.isfinite(v) else "nan" for v in res["rate"]], res["version"])
    if len(pts) == 1:
        sig = -out.returncode if out.returncode < 0 else None
        what = f"crashed:{'signal ' + str(sig) if sig else 'exit ' + str(out.returncode)}"
        return [None], [what], None
    half = len(pts) // 2
    r1, s1, v1 = _nest_run(pts[:half], python)
    r2, s2, v2 = _nest_run(pts[half:], python)
    return r1 + r2, s1 + s2, v1 or v2


def nest_values(pts: list[dict], python: str) -> dict:
    risky = [i for i, p in enumerate(pts) if p["sigma"] < 1e-4]
    safe = [i for i in range(len(pts)) if i not in set(risky)]
    rate: list = [None] * len(pts)
    status: list = [None] * len(pts)
    version = None
    for group in [safe] + [[i] for i in risky]:
        r, s, v = _nest_run([pts[i] for i in group], python)
        version = version or v
        for i, ri, si in zip(group, r, s):
            rate[i], status[i] = ri, si
    return dict(version=version, rate=rate, status=status)


def compare(values: list, status: list, ref: dict, pts: list[dict]) -> tuple[list, dict]:
    """Per-input relative errors (None where not compared) and the summary counts."""
    rel: list = []
    counts = dict(n=len(pts), compared=0, raised=0, nan=0, crashed=0, zero_where_nonzero=0,
                  wrong_where_reference_zero=0, wrong_where_negligible=0)
    for v, s, r, p in zip(values, status, ref["rate"], pts):
        e = None
        if s.startswith("raised"):
            counts["raised"] += 1
        elif s.startswith("crashed"):
            counts["crashed"] += 1
        elif s == "nan" or v is None:
            counts["nan"] += 1
        elif r >= RATE_FLOOR:
            e = abs(v - r) / r
            counts["compared"] += 1
            if v == 0.0:
                counts["zero_where_nonzero"] += 1
        elif r == 0.0 and p["sigma"] == 0.0:   # exact zero (deterministic limit below threshold)
            if v != 0.0:
                counts["wrong_where_reference_zero"] += 1
        elif v > 1e-240:                        # reference below 1e-250 Hz, the tool says otherwise
            counts["wrong_where_negligible"] += 1
        rel.append(e)
    errs = np.array([e for e in rel if e is not None])
    counts["max_rel_error"] = float(errs.max()) if errs.size else None
    counts["median_rel_error"] = float(np.median(errs)) if errs.size else None
    counts["p99_rel_error"] = float(np.quantile(errs, 0.99)) if errs.size else None
    counts["n_above_1e-8"] = int((errs > 1e-8).sum())
    nonzero = np.array([e for e, v in zip(rel, values) if e is not None and v != 0.0])
    counts["max_rel_error_where_nonzero"] = float(nonzero.max()) if nonzero.size else None
    return rel, counts


def mfkit_version() -> str:
    import importlib.metadata as md

    try:
        return md.version("mfkit")
    except md.PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> dict:
    # here, not at the top: the tests load this file by path, without benchmarks/ on sys.path
    from _common import machine, write_json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument("--nnmt-python", help="interpreter of a separate environment with nnmt")
    parser.add_argument("--nest-python", help="interpreter of a separate environment with nest-simulator")
    parser.add_argument("--dps", type=int, default=45, help="digits of the mpmath reference (default 45)")
    args = parser.parse_args(argv)

    pts = points()
    t0 = time.perf_counter()
    ref = reference(pts, args.dps)
    print(f"{len(pts)} inputs; mpmath reference at {args.dps} digits in {time.perf_counter() - t0:.0f} s")
    y_th = [y_threshold(p) for p in pts]

    tools: dict = {}
    mf = mfkit_values(pts)
    tools["mfkit"] = dict(label="mfkit.siegert", rate=mf["rate"], status=mf["status"])
    derivs = {"mfkit": dict(d_mu=mf["d_mu"], status=["nan" if v is None else "ok" for v in mf["d_mu"]])}
    if args.nnmt_python:
        nn = nnmt_values(pts, args.nnmt_python)
        tools["nnmt"] = dict(label=f"NNMT {nn['version']} (one input per call)", version=nn["version"],
                             rate=nn["rate"], status=nn["status"])
        tools["nnmt_batched"] = dict(
            label=f"NNMT {nn['version']} (vectorised per neuron)", version=nn["version"], rate=nn["batched_rate"],
            status=nn["batched_status"])
        derivs["nnmt"] = dict(d_mu=nn["d_mu"], status=nn["d_mu_status"])
    if args.nest_python:
        ne = nest_values(pts, args.nest_python)
        tools["nest"] = dict(label=f"NEST {ne['version']} siegert_neuron", version=ne["version"],
                             rate=ne["rate"], status=ne["status"])

    summary = {}
    for name, t in tools.items():
        t["rel_error"], summary[name] = compare(t["rate"], t["status"], ref, pts)
        summary[name]["label"] = t["label"]
    # mfkit against its own documented bound max(1e-13, 1e-15 y_th^2)
    ratios = [e / contract(y) for e, y in zip(tools["mfkit"]["rel_error"], y_th) if e is not None]
    summary["mfkit"]["max_error_over_contract"] = max(ratios)
    # d nu / d mu where the reference derivative is finite and >= 1e-250 Hz/mV
    deriv_summary = {}
    for name, d in derivs.items():
        errs, n_bad = [], 0
        for v, s, r in zip(d["d_mu"], d["status"], ref["d_mu"]):
            if r is None or abs(r) < RATE_FLOOR:
                continue
            if s != "ok" or v is None:
                n_bad += 1
            else:
                errs.append(abs(v - r) / abs(r))
        deriv_summary[name] = dict(compared=len(errs), raised_or_nan=n_bad, max_rel_error=max(errs),
                                   median_rel_error=float(np.median(errs)))
    edge = {}
    for i, p in enumerate(pts):
        if p["case"]:
            edge[p["case"]] = dict(mu=p["mu"], sigma=p["sigma"], neuron=p["neuron"], reference=ref["rate"][i],
                                   log10_reference=ref["log10_rate"][i],
                                   reference_d_mu=ref["d_mu"][i],
                                   **{n: (t["rate"][i] if t["status"][i] == "ok" else t["status"][i])
                                      for n, t in tools.items()},
                                   **{f"{n}_d_mu": (d["d_mu"][i] if d["status"][i] == "ok" else d["status"][i])
                                      for n, d in derivs.items()})

    result = dict(
        description="relative error of the Siegert rate (eq. 27) against mpmath; units mV, ms, Hz",
        dps=args.dps, rate_floor_Hz=RATE_FLOOR, neurons={k: dict(zip(("tau_m", "t_ref", "theta", "V_reset"), v))
                                                          for k, v in NEURONS.items()},
        machine=machine("numpy", "scipy", "numba", "mpmath", load_average=False, mfkit=mfkit_version()),
        nnmt_python=args.nnmt_python, nest_python=args.nest_python,
        nest_method=("siegert_neuron driven by a siegert_neuron at 1 Hz through diffusion_connection "
                     "(drift_factor = mu, diffusion_factor = sigma^2), tau = 1e-4 ms, resolution 0.1 ms, "
                     "use_wfr = False, Simulate(1 ms)") if args.nest_python else None,
        summary=summary, derivative_d_mu=deriv_summary, edge_cases=edge,
        points=dict(neuron=[p["neuron"] for p in pts], case=[p["case"] for p in pts],
                    mu=[p["mu"] for p in pts], sigma=[p["sigma"] for p in pts], y_th=y_th,
                    reference=ref["rate"], log10_reference=ref["log10_rate"]),
        tools={n: dict(rate=t["rate"], status=t["status"], rel_error=t["rel_error"]) for n, t in tools.items()},
        reference_d_mu=ref["d_mu"], d_mu={n: dict(value=d["d_mu"], status=d["status"]) for n, d in derivs.items()},
    )
    for name, s in summary.items():
        fmt = lambda v: "-" if v is None else f"{v:.2e}"  # noqa: E731
        print(f"  {s['label']:42s} compared {s['compared']:4d}  max {fmt(s['max_rel_error'])}  median "
              f"{fmt(s['median_rel_error'])}  raised {s['raised']}  NaN {s['nan']}  crashed {s['crashed']}  "
              f"0-where-nonzero {s['zero_where_nonzero']}  wrong-where-0 {s['wrong_where_reference_zero']}  "
              f"wrong-where-negligible {s['wrong_where_negligible']}")
    print(f"  mfkit max error / contract bound: {summary['mfkit']['max_error_over_contract']:.3f}")
    if args.json:
        write_json(args.json, result, indent=1, allow_nan=False)
    return result


if __name__ == "__main__":
    main()
