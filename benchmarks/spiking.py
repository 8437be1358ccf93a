"""Benchmark: the seed Brunel network (12,500 neurons, 15.6 M synapses), build +
1.1 s of simulated time (100 ms warm-up + 1 s recorded), mfkit vs NEST.

Each backend runs in its own subprocess, so the peak resident memory
(``ru_maxrss``) of one does not include the other.  The mfkit child first runs
a tiny network so that the numba kernels are compiled (or loaded from the
cache) before the clock starts; the compile time is reported separately.
NEST runs single-threaded (``--threads`` to change), records every neuron with
one spike recorder, and uses the same parameters; it is run with
``--nest-python`` (default: this interpreter) and skipped if ``nest`` cannot be
imported there, in which case the anchor figures measured on the development
machine are printed instead.

Usage::

    python benchmarks/spiking.py [--nest-python PATH] [--threads 1] [--no-nest]
                                 [--json benchmarks/results/spiking.json]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

from _common import machine, write_json

ROOT = Path(__file__).resolve().parents[1]

# NEST 3.10 (PyPI), one thread, this kind of 2-core machine; brunel_delta_nest.py
# (../shared/notes/anchors.md)
NEST_ANCHOR = {"build_s": "5-8", "simulate_s": "74-94", "peak_rss_GB": 1.2,
               "rate_E_Hz": "32.31 / 32.03", "cv_isi_E": 0.17}

_CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
import numpy as np
from mfkit.spiking import simulate_brunel
from mfkit.network import BrunelNetwork
backend, threads, seed = {backend!r}, {threads}, {seed}
rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
compile_s = 0.0
if backend == "mfkit":
    t = time.perf_counter()
    simulate_brunel(BrunelNetwork(order=5), t_sim=10.0, t_warmup=0.0, progress=False)
    compile_s = time.perf_counter() - t
nest_version = None
if backend == "nest":
    import importlib.metadata as md
    nest_version = md.version("nest-simulator")
t = time.perf_counter()
r = simulate_brunel(BrunelNetwork(), t_sim=1000.0, t_warmup=100.0, seed=seed,
                    backend=backend, threads=threads, progress=False)
total = time.perf_counter() - t
print(json.dumps(dict(
    backend=backend, threads=threads, seed=seed,
    build_s=r.timings["build"], simulate_s=r.timings["simulate"], total_s=total,
    compile_s=compile_s, peak_rss_MB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    import_rss_MB=rss_import, rate_E=float(r.rates[0]), rate_I=float(r.rates[1]),
    cv_E=float(r.cv_isi[0]), cv_I=float(r.cv_isi[1]), n_synapses=r.n_synapses,
    n_spikes=int(r.spike_times.size), nest_version=nest_version)))
"""


def run_child(python: str, backend: str, threads: int, seed: int) -> dict:
    code = _CHILD.format(root=str(ROOT), backend=backend, threads=threads, seed=seed)
    env = dict(os.environ, PYNEST_QUIET="1")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{backend} child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def nest_importable(python: str) -> bool:
    env = dict(os.environ, PYNEST_QUIET="1")
    return subprocess.run([python, "-c", "import nest"], capture_output=True, env=env).returncode == 0


def show(res: dict) -> None:
    print(f"  {res['backend']:5s} ({res['threads']} thread{'s' if res['threads'] > 1 else ''}): "
          f"build {res['build_s']:6.2f} s, simulate {res['simulate_s']:6.2f} s, "
          f"total {res['build_s'] + res['simulate_s']:6.2f} s, peak RSS {res['peak_rss_MB']:6.0f} MB "
          f"(after imports {res['import_rss_MB']:.0f} MB)")
    print(f"         rates E/I {res['rate_E']:.3f} / {res['rate_I']:.3f} Hz, "
          f"CV(ISI) E/I {res['cv_E']:.3f} / {res['cv_I']:.3f}, {res['n_synapses']:,} synapses")
    if res.get("compile_s"):
        print(f"         (numba compile / cache load before timing: {res['compile_s']:.2f} s)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nest-python", default=sys.executable,
                    help="interpreter in which nest is importable (default: this one)")
    ap.add_argument("--threads", type=int, default=1, help="NEST threads (default 1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-nest", action="store_true", help="skip NEST even if importable")
    ap.add_argument("--json", default=None, help="write the results to this JSON file")
    args = ap.parse_args(argv)

    print(f"Seed Brunel network, build + 100 ms warm-up + 1000 ms recorded "
          f"({platform.machine()}, {os.cpu_count()} CPUs)")
    results = {"machine": machine("numpy")}
    results["mfkit"] = run_child(sys.executable, "mfkit", 1, args.seed)
    show(results["mfkit"])
    if not args.no_nest and nest_importable(args.nest_python):
        results["nest"] = run_child(args.nest_python, "nest", args.threads, args.seed)
        show(results["nest"])
        m, n = results["mfkit"], results["nest"]
        speed = (n["build_s"] + n["simulate_s"]) / (m["build_s"] + m["simulate_s"])
        print(f"  speed-up mfkit vs NEST (build + simulate): {speed:.1f}x; "
              f"memory ratio NEST / mfkit: {n['peak_rss_MB'] / m['peak_rss_MB']:.1f}x")
        results["speedup"] = speed
    else:
        why = "skipped (--no-nest)" if args.no_nest else f"not importable with {args.nest_python}"
        print(f"  NEST {why}; anchor figures measured on the development machine "
              f"(NEST 3.10, one thread):")
        print(f"         build {NEST_ANCHOR['build_s']} s, simulate {NEST_ANCHOR['simulate_s']} s, "
              f"peak RSS ~{NEST_ANCHOR['peak_rss_GB']} GB, rate E {NEST_ANCHOR['rate_E_Hz']} Hz, "
              f"CV(ISI) E {NEST_ANCHOR['cv_isi_E']}")
        results["nest_anchor"] = NEST_ANCHOR
    if args.json:
        path = write_json(args.json, results)
        print(f"  results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
