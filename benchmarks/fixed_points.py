"""Benchmark: time to find every fixed point of the Brunel network (eq. 27).

Usage::

    python benchmarks/fixed_points.py [--repeat N] [--nnmt-python PATH]

Times :func:`mfkit.fixed_points.fixed_points` for the seed network and a few
harder cases (best and median of ``--repeat`` runs, after one warm-up call).
With ``--nnmt-python`` (the interpreter of a *separate* virtual environment
with ``nnmt`` installed, e.g. ``python -m venv /tmp/nnmtvenv &&
/tmp/nnmtvenv/bin/pip install nnmt``) NNMT 1.3.0's ``lif.delta._firing_rates``
(ODE relaxation from zero, its default) is timed on the seed network in that
interpreter, side by side; otherwise the figure measured in the project's
anchors (40-250 ms) is printed for reference.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import machine, write_json

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mfkit import BrunelNetwork  # noqa: E402
from mfkit.fixed_points import fixed_points  # noqa: E402

CASES = [
    ("seed g=5 eta=2", dict(g=5.0, eta=2.0)),
    ("multistable g=3 eta=0.8", dict(g=3.0, eta=0.8)),
    ("tiny rate g=5 eta=0.5", dict(g=5.0, eta=0.5)),
    ("near fold g=3.6 eta=0.8", dict(g=3.6, eta=0.8)),
]

NNMT_WORKER = r"""
import json, statistics, sys, time
import numpy as np
import nnmt
J, g, CE, CI = 1e-4, 5.0, 1000, 250          # V; seed network in SI units
K = np.array([[CE, CI], [CE, CI]], float)
Jm = np.array([[J, -g * J], [J, -g * J]])
args = dict(J=Jm, K=K, V_0_rel=0.0, V_th_rel=0.02, tau_m=0.02, tau_r=0.002,
            J_ext=np.array([[J], [J]]), K_ext=np.array([[1.0], [1.0]]), nu_ext=np.array([20000.0]))
nu = nnmt.lif.delta._firing_rates(**args)   # warm-up
ts = []
for _ in range(int(sys.argv[1])):
    t = time.perf_counter(); nu = nnmt.lif.delta._firing_rates(**args); ts.append(time.perf_counter() - t)
import importlib.metadata as md
print(json.dumps(dict(version=md.version("nnmt"),
                      rate=float(nu[0]), best=min(ts), median=statistics.median(ts))))
"""


def time_mfkit(kwargs: dict, repeat: int) -> tuple[list, float, float]:
    net = BrunelNetwork(**kwargs)
    fps = fixed_points(net)  # warm-up (JIT, caches)
    ts = []
    for _ in range(repeat):
        net = BrunelNetwork(**kwargs)  # fresh network: no cached reduction
        t = time.perf_counter()
        fps = fixed_points(net)
        ts.append(time.perf_counter() - t)
    return fps, min(ts), statistics.median(ts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=50, help="timed runs per case (default 50)")
    ap.add_argument("--nnmt-python", help="python of a separate venv with nnmt installed")
    ap.add_argument("--json", help="also write the results to this JSON file (cases, nnmt_seed, machine)")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be >= 1")

    results: dict = {}
    cases: dict = {}
    print(f"{'case':26s} {'fixed points (Hz, s=stable u=unstable)':52s} {'best':>9s} {'median':>9s}")
    for name, kw in CASES:
        fps, best, med = time_mfkit(kw, args.repeat)
        desc = ", ".join(f"{fp.rate:.10g}{'s' if fp.pseudo_time_stable else 'u'}" for fp in fps)
        print(f"{name:26s} {desc:52s} {best * 1e3:7.3f}ms {med * 1e3:7.3f}ms")
        cases[name] = dict(rates=[fp.rate for fp in fps], stable=[fp.pseudo_time_stable for fp in fps],
                           best_s=best, median_s=med)
    results["repeat"] = args.repeat
    results["machine"] = machine("numpy", "scipy", "numba")
    results["cases"] = cases

    seed_best = cases[CASES[0][0]]["best_s"]
    print(f"\nseed point: {seed_best * 1e3:.3f} ms (target <= 1 ms)")
    if args.nnmt_python:
        out = subprocess.run([args.nnmt_python, "-c", NNMT_WORKER, str(max(3, args.repeat // 5))],
                             capture_output=True, text=True, check=True)
        nn = json.loads(out.stdout.strip().splitlines()[-1])
        results["nnmt_seed"] = nn
        print(f"NNMT (ODE relaxation, one fixed point): {nn['rate']:.12g} Hz, best {nn['best'] * 1e3:.1f} ms, "
              f"median {nn['median'] * 1e3:.1f} ms -> mfkit is {nn['best'] / seed_best:.0f}x faster (best vs best)")
    else:
        print("NNMT 1.3.0 (anchors.md, this machine): 40-250 ms for the seed point "
              f"-> ratio {0.040 / seed_best:.0f}x to {0.250 / seed_best:.0f}x")
    if args.json:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
