"""Benchmark: the seed Brunel network (12,500 neurons, 15.6 M synapses), build +
1.1 s of simulated time (100 ms warm-up + 1 s recorded), mfkit against NEST,
measured side by side, on one thread and on all cores; optionally also a 4x larger
network with the same in-degrees (``--large``).

What is measured
----------------
A list of *configurations* (backend, threads) is run in interleaved rounds:
by default ``("mfkit", 1), ("mfkit", all cores), ("nest", 1), ("nest", all
cores)``, so one round is mfkit-1, mfkit-all, NEST-1, NEST-all, and the next
round repeats that order (``--repeats`` rounds, default 3).  mfkit's spikes do
not depend on its thread count; NEST's realisation does (same network
statistics).  Interleaving spreads any change in the machine's load over
all configurations instead of charging it to one of them.

Every run is a fresh subprocess, so its peak resident memory (``ru_maxrss``)
does not include another run's.  The mfkit child first simulates a tiny
network so that the numba kernels are compiled (or loaded from the cache)
before the clock starts; that time is recorded separately as ``compile_s``.
The timed quantities are the ``build`` and ``simulate`` wall times that
``simulate_brunel`` reports (``result.timings``), and ``total_s`` is their sum.

For each configuration the JSON file holds the median, min and max over the
rounds of build, simulate and total wall time and of the peak RSS; for each
pair (NEST-k / mfkit-j) the ratio of the medians of the total times and the
per-round ratios (their median, min, max), and likewise the speed-up of each
simulator on all cores over one thread (``speedups``: X-1 / X-k).  The machine's load is recorded
three ways: the load average (1, 5, 15 min) before and after the whole
benchmark and before and after each run; and, per run, the CPU time used by
*other* processes while the child ran (``others_cores``: busy CPU time from
/proc/stat minus the child's own user + system time, divided by the wall
time), and the hypervisor's steal time (``steal_cores``).  The load averages
taken during the benchmark include the benchmark's own runs (a NEST run with
two threads raises the 1-min load by up to 2), so the per-run busy check uses
``others_cores`` and ``steal_cores`` instead.  If the 1-min load average before
the start, or the CPU taken by others or by steal during any run, exceeds
``0.3 * cores``, the results are flagged ``busy`` and a warning is printed.

``--microcircuit`` measures the cortical microcircuit (:func:`mfkit.microcircuit`, 77,169 neurons, 0.3
billion synapses, 100 ms warm-up + 1 s recorded) instead of the seed network, both simulators on all cores
only (NEST takes several minutes and about 15 GB per run); write it to its own file
(``--json benchmarks/results/microcircuit.json``).

``--quick`` runs a small network (order 500, 50 ms warm-up + 200 ms) for
testing this script; its results are flagged ``quick`` and are not a
benchmark.

``--large`` then also runs the network of order 10,000 with epsilon = 0.025
(50,000 neurons, the seed network's in-degrees CE = 1000, CI = 250, 62.5 M
synapses) in ``--large-repeats`` interleaved rounds (default 3), stored under
the key ``large`` of the JSON file with the same schema (with ``--wait-quiet``, after
waiting for the seed network's runs to leave the machine quiet again).

``--wait-quiet SECONDS`` first waits (polling every 10 s, at most that long)
until the 1-min load average is below ``--quiet-load`` (default: half the busy threshold,
``0.15 * cores``, so that a run that waited is not flagged busy by the load average it started at); the wait
and the load it ended at are recorded (``waited``).

Usage::

    python benchmarks/spiking.py [--repeats 3] [--nest-python PATH] [--no-nest]
                                 [--quick] [--large] [--large-repeats 3] [--microcircuit]
                                 [--wait-quiet 900] [--json benchmarks/results/spiking.json]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import machine, write_json

ROOT = Path(__file__).resolve().parents[1]
BUSY_FRACTION = 0.3  # flag the run as busy above this many cores' worth of other load, per core

FULL = dict(kind="brunel", order=2500, epsilon=0.1, t_warmup=100.0, t_sim=1000.0)
QUICK = dict(kind="brunel", order=500, epsilon=0.1, t_warmup=50.0, t_sim=200.0)
LARGE = dict(kind="brunel", order=10000, epsilon=0.025, t_warmup=100.0, t_sim=1000.0)
#: The cortical microcircuit (mfkit.microcircuit(), 77,169 neurons, 0.3 billion synapses), 1 s recorded.
MICROCIRCUIT = dict(kind="microcircuit", order=0, epsilon=0.0, t_warmup=100.0, t_sim=1000.0)

# the thread counts of mfkit's engine (None: all cores); NEST runs at these and at 1 and all cores
MFKIT_THREADS = (1, None)

_CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
import dataclasses
import numpy as np
from mfkit import BrunelNetwork, microcircuit, simulate
backend, threads, seed = {backend!r}, {threads}, {seed}
kind, order, epsilon, t_warmup, t_sim = {kind!r}, {order}, {epsilon}, {t_warmup}, {t_sim}
rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def network(small):
    if kind == "microcircuit":  # small: 1/1000 of the neurons, the same in-degrees
        net = microcircuit()
        return dataclasses.replace(net, N=tuple(max(1, n // 1000) for n in net.N)) if small else net
    return BrunelNetwork(order=5) if small else BrunelNetwork(order=order, epsilon=epsilon)
compile_s = 0.0
if backend == "mfkit":
    t = time.perf_counter()
    simulate(network(True), t_sim=10.0, t_warmup=0.0, progress=False, threads=threads)
    compile_s = time.perf_counter() - t
nest_version = layer = None
if backend == "mfkit" and threads > 1:
    import numba
    layer = numba.threading_layer()
if backend == "nest":
    import importlib.metadata as md
    nest_version = md.version("nest-simulator")
t = time.perf_counter()
r = simulate(network(False), t_sim=t_sim, t_warmup=t_warmup, seed=seed, backend=backend, threads=threads,
             progress=False)
call_s = time.perf_counter() - t
print(json.dumps(dict(
    build_s=r.timings["build"], simulate_s=r.timings["simulate"],
    total_s=r.timings["build"] + r.timings["simulate"], call_s=call_s,
    compile_s=compile_s, peak_rss_MB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    import_rss_MB=rss_import, rates=r.rates.tolist(), cvs=r.cv_isi.tolist(),
    **(dict(rate_E=float(r.rates[0]), rate_I=float(r.rates[1]), cv_E=float(r.cv_isi[0]), cv_I=float(r.cv_isi[1]))
       if kind == "brunel" else {{}}), n_neurons=int(r.N), n_synapses=int(r.n_synapses),
    n_spikes=int(r.spike_times.size), nest_version=nest_version, threading_layer=layer)))
"""

TIMED = ("build_s", "simulate_s", "total_s", "peak_rss_MB")


def cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def configurations(ncores: int, nest: bool, all_cores_only: bool = False) -> list[tuple[str, int]]:
    """(backend, threads) in the order of one round: mfkit at each of its thread counts, then
    NEST with one thread and with all cores (and NEST at mfkit's thread counts, if different);
    with ``all_cores_only`` both on all cores only."""
    mfkit = sorted({ncores if t is None else t for t in MFKIT_THREADS} & set(range(1, ncores + 1)))
    if all_cores_only:
        mfkit = [ncores]
    configs = [("mfkit", t) for t in mfkit]
    if nest:
        for t in (mfkit if all_cores_only else sorted({1, ncores, *mfkit})):
            configs.append(("nest", t))
    return configs


def label(backend: str, threads: int) -> str:
    return f"{backend}-{threads}"


def cpu_jiffies() -> tuple[int, int] | None:
    """(busy, steal) CPU time of the whole machine from /proc/stat, in clock ticks."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in fields[1:9])
    return user + nice + system + irq + softirq, steal


def run_child(python: str, backend: str, threads: int, seed: int, net: dict) -> dict:
    code = _CHILD.format(root=str(ROOT), backend=backend, threads=threads, seed=seed, **net)
    env = dict(os.environ, PYNEST_QUIET="1")
    load_before = os.getloadavg()
    jiffies_before = cpu_jiffies()
    ru_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    ru_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    jiffies_after = cpu_jiffies()
    load_after = os.getloadavg()
    if out.returncode != 0:
        raise RuntimeError(f"{backend} child failed:\n{out.stderr[-3000:]}")
    res = dict(config=label(backend, threads), backend=backend, threads=threads, seed=seed)
    res.update(json.loads(out.stdout.strip().splitlines()[-1]))
    child_cpu = (ru_after.ru_utime - ru_before.ru_utime) + (ru_after.ru_stime - ru_before.ru_stime)
    res.update(process_wall_s=wall, process_cpu_s=child_cpu,
               load_before=list(load_before), load_after=list(load_after))
    if jiffies_before and jiffies_after:
        hz = os.sysconf("SC_CLK_TCK")
        busy = (jiffies_after[0] - jiffies_before[0]) / hz
        steal = (jiffies_after[1] - jiffies_before[1]) / hz
        res.update(others_cores=max(busy - child_cpu, 0.0) / wall, steal_cores=steal / wall)
    return res


def nest_importable(python: str) -> bool:
    env = dict(os.environ, PYNEST_QUIET="1")
    return subprocess.run([python, "-c", "import nest"], capture_output=True, env=env).returncode == 0


def spread(values: list[float]) -> dict:
    return dict(median=statistics.median(values), min=min(values), max=max(values))


def summarise(runs: list[dict], configs: list[tuple[str, int]]) -> dict:
    summary = {}
    for backend, threads in configs:
        mine = [r for r in runs if r["config"] == label(backend, threads)]
        s = dict(backend=backend, threads=threads, n=len(mine))
        for key in TIMED:
            s[key] = spread([r[key] for r in mine])
        for key in ("rate_E", "rate_I", "cv_E", "cv_I", "compile_s", "process_cpu_s"):
            if key in mine[0]:
                s[key] = statistics.median(r[key] for r in mine)
        s["rates"] = [statistics.median(v) for v in zip(*(r["rates"] for r in mine))]
        s["n_synapses"] = mine[0]["n_synapses"]
        s["nest_version"] = mine[0]["nest_version"]
        s["threading_layer"] = mine[0].get("threading_layer")  # numba's, for mfkit on > 1 thread
        summary[label(backend, threads)] = s
    return summary


def time_ratio(runs: list[dict], summary: dict, num: str, den: str, memory: bool) -> dict:
    """Total (build + simulate) time of configuration ``num`` over ``den``: ratio of the medians and per round."""
    per_round = []
    for rnd in sorted({r["round"] for r in runs}):
        rn = [r for r in runs if r["round"] == rnd and r["config"] == num]
        rd = [r for r in runs if r["round"] == rnd and r["config"] == den]
        if rn and rd:
            per_round.append(rn[0]["total_s"] / rd[0]["total_s"])
    out = dict(numerator=num, denominator=den, quantity="total_s (build + simulate)",
               of_medians=summary[num]["total_s"]["median"] / summary[den]["total_s"]["median"],
               simulate_of_medians=summary[num]["simulate_s"]["median"] / summary[den]["simulate_s"]["median"])
    if memory:
        out["peak_rss_of_medians"] = summary[num]["peak_rss_MB"]["median"] / summary[den]["peak_rss_MB"]["median"]
    out.update(per_round=per_round, per_round_median=statistics.median(per_round),
               per_round_min=min(per_round), per_round_max=max(per_round))
    return out


def ratios(runs: list[dict], summary: dict, configs: list[tuple[str, int]]) -> dict:
    """NEST-k / mfkit-j total (build + simulate) time: ratio of the medians and per-round ratios."""
    return {f"{n}/{m}": time_ratio(runs, summary, n, m, memory=True)
            for m in (label(b, t) for b, t in configs if b == "mfkit")
            for n in (label(b, t) for b, t in configs if b == "nest")}


def speedups(runs: list[dict], summary: dict, configs: list[tuple[str, int]]) -> dict:
    """X-1 / X-k total (build + simulate) time for each simulator X and thread count k > 1."""
    return {f"{label(b, 1)}/{label(b, k)}": time_ratio(runs, summary, label(b, 1), label(b, k), memory=False)
            for b, k in configs if k > 1 and label(b, 1) in summary}


def wait_quiet(max_wait: float, load: float) -> dict:
    """Poll the 1-min load average every 10 s until it is below ``load`` or ``max_wait`` s passed."""
    t0 = time.perf_counter()
    while os.getloadavg()[0] >= load and time.perf_counter() - t0 < max_wait:
        print(f"  waiting for a quiet machine: 1-min load {os.getloadavg()[0]:.2f} >= {load}", flush=True)
        time.sleep(10)
    quiet = os.getloadavg()[0] < load
    return dict(max_wait_s=max_wait, load_threshold=load, waited_s=time.perf_counter() - t0,
                load_1min_at_start=os.getloadavg()[0], quiet=quiet)


def busy_check(load_start: list[float], runs: list[dict], ncores: int) -> dict:
    threshold = BUSY_FRACTION * ncores
    reasons = []
    if load_start[0] > threshold:
        reasons.append(f"1-min load average {load_start[0]:.2f} before the start > {threshold:.2f}")
    for r in runs:
        other = r.get("others_cores", 0.0) + r.get("steal_cores", 0.0)
        if other > threshold:
            reasons.append(f"round {r['round']} {r['config']}: other processes and steal used "
                           f"{other:.2f} cores on average > {threshold:.2f}")
    return dict(flag=bool(reasons), threshold_cores=threshold, reasons=reasons)


def show(r: dict) -> None:
    extra = f", others {r['others_cores']:.2f} + steal {r['steal_cores']:.2f} cores" if "others_cores" in r else ""
    print(f"  round {r['round']} {r['config']:8s} build {r['build_s']:6.2f} s  simulate {r['simulate_s']:7.2f} s  "
          f"total {r['total_s']:7.2f} s  peak RSS {r['peak_rss_MB']:5.0f} MB  "
          f"load {r['load_before'][0]:.2f} -> {r['load_after'][0]:.2f}{extra}", flush=True)


def describe(net: dict, quick: bool, configs, repeats: int) -> str:
    if net["kind"] == "microcircuit":
        what = "The cortical microcircuit (mfkit.microcircuit(), Bos et al. 2016 parameters: 77,169 neurons, " \
               "296 M synapses, delays drawn per synapse, exponential synapses), mfkit.simulate"
    else:
        n = 5 * net["order"]
        what = (f"Brunel network of {n} neurons (order {net['order']}, epsilon {net['epsilon']:g}, "
                f"{n * round(net['epsilon'] * 5 * net['order']):,} synapses)")
    return (f"{'QUICK TEST, not a benchmark: ' if quick else ''}"
            f"{what}, build + {net['t_warmup']:g} ms warm-up + "
            f"{net['t_sim']:g} ms recorded, seed fixed. Configurations (backend-threads) "
            f"{', '.join(label(*c) for c in configs)}, run interleaved in {repeats} rounds in this order, "
            f"each run in a fresh subprocess on the same machine. build_s and simulate_s are the wall times "
            f"reported by the simulation (result.timings), total_s their sum; numba compilation/cache load "
            f"is excluded (compile_s, measured before). Per configuration: median, min and max over the rounds. "
            f"Ratios: NEST total time / mfkit total time, as the ratio of the medians and per round. "
            f"Load: os.getloadavg() before/after the benchmark and each run (these include the benchmark's "
            f"own runs); others_cores / steal_cores: CPU used by other processes / stolen by the hypervisor "
            f"during each run, in cores.")


def bench(net: dict, quick: bool, repeats: int, python_nest: str, nest: bool, seed: int) -> dict:
    """Run the configurations on ``net`` in ``repeats`` interleaved rounds; the JSON record."""
    ncores = cores()
    configs = configurations(ncores, nest, all_cores_only=net["kind"] == "microcircuit")
    load_start = list(os.getloadavg())
    print(f"{describe(net, quick, configs, repeats)}\n{ncores} cores, load average at start "
          f"{load_start[0]:.2f} / {load_start[1]:.2f} / {load_start[2]:.2f}", flush=True)
    if load_start[0] > BUSY_FRACTION * ncores:
        print(f"WARNING: the machine is busy (1-min load average {load_start[0]:.2f} > "
              f"{BUSY_FRACTION * ncores:.2f}); the timings will be slower than on an idle machine",
              file=sys.stderr, flush=True)

    runs = []
    for rnd in range(repeats):
        for backend, threads in configs:
            python = python_nest if backend == "nest" else sys.executable
            r = run_child(python, backend, threads, seed, net)
            r["round"] = rnd
            runs.append(r)
            show(r)
    load_end = list(os.getloadavg())

    summary = summarise(runs, configs)
    rat = ratios(runs, summary, configs)
    ups = speedups(runs, summary, configs)
    busy = busy_check(load_start, runs, ncores)
    print(f"\nmedian [min - max] over {repeats} rounds; load average at end {load_end[0]:.2f}")
    for name, s in summary.items():
        print(f"  {name:8s} build {s['build_s']['median']:6.2f} [{s['build_s']['min']:.2f} - {s['build_s']['max']:.2f}] s"
              f"  simulate {s['simulate_s']['median']:7.2f} [{s['simulate_s']['min']:.2f} - {s['simulate_s']['max']:.2f}] s"
              f"  total {s['total_s']['median']:7.2f} [{s['total_s']['min']:.2f} - {s['total_s']['max']:.2f}] s"
              f"  peak RSS {s['peak_rss_MB']['median']:5.0f} MB  rates {', '.join(f'{x:.2f}' for x in s['rates'])} Hz")
    for name, q in {**rat, **ups}.items():
        print(f"  {name}: {q['of_medians']:.2f}x (ratio of medians; per round {q['per_round_min']:.2f}"
              f" - {q['per_round_max']:.2f}x)")
    if busy["flag"]:
        print("WARNING: the machine was busy during the benchmark:\n  " + "\n  ".join(busy["reasons"]),
              file=sys.stderr, flush=True)
    n, n_syn = runs[0]["n_neurons"], runs[0]["n_synapses"]
    return dict(
        what=describe(net, quick, configs, repeats),
        machine=machine("numpy", "numba", load_average=False, cores_available=ncores,
                        nest=summary.get(label("nest", 1), {}).get("nest_version"),
                        load_average_1min=load_start[0]),
        quick=quick, network=dict(net, n_neurons=n, n_synapses=n_syn),
        seed=seed, repeats=repeats, interleaved=True,
        configurations=[dict(name=label(b, t), backend=b, threads=t) for b, t in configs],
        run_order=[r["config"] for r in runs],
        load_average=dict(before=load_start, after=load_end),
        busy=busy, summary=summary, ratios=rat, speedups=ups, runs=runs)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nest-python", default=sys.executable,
                    help="interpreter in which nest is importable (default: this one)")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-nest", action="store_true", help="skip NEST even if importable")
    ap.add_argument("--quick", action="store_true",
                    help="small network (order 500, 50 + 200 ms) to test this script")
    ap.add_argument("--large", action="store_true",
                    help="also the network of order 10,000, epsilon 0.025 (50,000 neurons, 62.5 M synapses)")
    ap.add_argument("--large-repeats", type=int, default=3, help="interleaved rounds of --large (default 3)")
    ap.add_argument("--microcircuit", action="store_true",
                    help="the cortical microcircuit (77,169 neurons, 0.3 billion synapses) instead of the seed network")
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                    help="first wait up to this long for the 1-min load average to drop below --quiet-load")
    ap.add_argument("--quiet-load", type=float, default=BUSY_FRACTION / 2 * (os.cpu_count() or 1))
    ap.add_argument("--json", default=None, help="write the results to this JSON file")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.large_repeats < 1:
        ap.error("--repeats and --large-repeats must be >= 1")

    def settle():  # --wait-quiet before each network
        return wait_quiet(args.wait_quiet, args.quiet_load) if args.wait_quiet > 0 else None

    waited = settle()
    nest = not args.no_nest and nest_importable(args.nest_python)
    if not args.no_nest and not nest:
        print(f"  NEST not importable with {args.nest_python}: measuring mfkit only", file=sys.stderr)
    net = MICROCIRCUIT if args.microcircuit else (QUICK if args.quick else FULL)
    results = bench(net, args.quick, args.repeats, args.nest_python, nest, args.seed)
    results["waited"] = waited
    if args.large:
        # the seed network's NEST runs leave a 1-min load average of about 1.2: wait for it to decay
        # again, or the larger network's record starts on the benchmark's own load
        waited = settle()
        results["large"] = bench(LARGE, False, args.large_repeats, args.nest_python, nest, args.seed)
        results["large"]["waited"] = waited
    if args.json:
        path = write_json(args.json, results)
        print(f"  results written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
