"""Benchmark: throughput of mfkit.siegert as a ratio to one scipy.special.erfcx call per point.

Usage::

    python benchmarks/siegert.py [--n 100000] [--repeat 25] [--json benchmarks/results/siegert.json]
                                 [--nnmt-python /path/to/venv-with-nnmt/bin/python]

Inputs (issue 2): 1e5 points, mu uniform in [-10, 40] mV, sigma uniform in [0.5, 15] mV, the seed
neuron (tau_m = 20 ms, t_ref = 2 ms, theta = 20 mV, V_reset = 0 mV), fixed seed. The baseline is
ONE vectorised ``scipy.special.erfcx`` call per point on y_th = (theta - mu)/sigma, timed in the
same process, interleaved with the candidates; every figure is the best of ``--repeat`` runs.
Ratios, not seconds, are the result: they travel between machines.

NNMT 1.3.0 (``nnmt.lif.delta._firing_rates_for_given_input``, SI units) is timed the same way,
in this process if ``nnmt`` is importable, else in the interpreter given by ``--nnmt-python``
(which then times its own erfcx baseline, so its ratio is again a same-process ratio).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.special
from _common import machine, write_json

WORKER = r"""
import json, sys, time
import numpy as np, scipy.special
n, repeat = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
mu = rng.uniform(-10.0, 40.0, n); sigma = rng.uniform(0.5, 15.0, n)
y = (20.0 - mu) / sigma
def candidate():
    from nnmt.lif.delta import _firing_rates_for_given_input as f
    return lambda: f(mu * 1e-3, sigma * 1e-3, 0.0, 0.02, 0.02, 0.002)   # SI units: V, s
def best(funcs):
    times = [[] for _ in funcs]
    for _ in range(repeat):
        for t, f in zip(times, funcs):
            t0 = time.perf_counter(); f(); t.append(time.perf_counter() - t0)
    return [min(t) for t in times]
f = candidate(); f()
base, nn = best([lambda: scipy.special.erfcx(y), f])
import importlib.metadata as md
print(json.dumps(dict(nnmt_version=md.version("nnmt"), ratio=nn / base, mpts=n / nn / 1e6, erfcx_mpts=n / base / 1e6)))
"""


def inputs(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.uniform(-10.0, 40.0, n), rng.uniform(0.5, 15.0, n)


def best_of(funcs: list, repeat: int) -> list[float]:
    """Best wall time of each function, the functions interleaved in every round."""
    times: list[list[float]] = [[] for _ in funcs]
    for _ in range(repeat):
        for t, f in zip(times, funcs):
            t0 = time.perf_counter()
            f()
            t.append(time.perf_counter() - t0)
    return [min(t) for t in times]


def nnmt_in_process(mu, sigma, y, repeat) -> dict | None:
    try:
        import importlib.metadata as md

        from nnmt.lif.delta import _firing_rates_for_given_input as nnmt_rate
    except ImportError:
        return None
    f = lambda: nnmt_rate(mu * 1e-3, sigma * 1e-3, 0.0, 0.02, 0.02, 0.002)  # noqa: E731  (SI units)
    f()
    base, t = best_of([lambda: scipy.special.erfcx(y), f], repeat)
    return dict(nnmt_version=md.version("nnmt"), ratio=t / base, mpts=len(mu) / t / 1e6, erfcx_mpts=len(mu) / base / 1e6)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--json", type=Path, help="write the results to this file")
    parser.add_argument("--nnmt-python", help="interpreter of a separate environment that has nnmt")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import mfkit

    mu, sigma = inputs(args.n)
    y = (20.0 - mu) / sigma
    mfkit.siegert_with_derivatives(mu[:10], sigma[:10])  # compile / load the cache outside the timing
    base, rate, with_derivs = best_of([lambda: scipy.special.erfcx(y), lambda: mfkit.siegert(mu, sigma),
                                       lambda: mfkit.siegert_with_derivatives(mu, sigma)], args.repeat)
    result = dict(
        n=args.n, repeat=args.repeat, machine=machine("numpy", "scipy", "numba"),
        erfcx_mpts=args.n / base / 1e6,
        siegert=dict(mpts=args.n / rate / 1e6, ratio=rate / base),
        siegert_with_derivatives=dict(mpts=args.n / with_derivs / 1e6, ratio=with_derivs / base),
    )
    nnmt = nnmt_in_process(mu, sigma, y, args.repeat)
    if nnmt is None and args.nnmt_python:
        out = subprocess.run([args.nnmt_python, "-c", WORKER, str(args.n), str(args.repeat)],
                             capture_output=True, text=True, check=True)
        nnmt = json.loads(out.stdout)
    result["nnmt"] = nnmt

    print(f"{args.n} typical inputs, best of {args.repeat}; baseline scipy.special.erfcx: "
          f"{result['erfcx_mpts']:.1f} M points/s")
    print(f"  mfkit.siegert                   {result['siegert']['mpts']:6.2f} M points/s   "
          f"ratio {result['siegert']['ratio']:5.2f}  (goal <= 6)")
    print(f"  mfkit.siegert_with_derivatives  {result['siegert_with_derivatives']['mpts']:6.2f} M points/s   "
          f"ratio {result['siegert_with_derivatives']['ratio']:5.2f}")
    if nnmt:
        print(f"  NNMT {nnmt['nnmt_version']} siegert            {nnmt['mpts']:6.2f} M points/s   "
              f"ratio {nnmt['ratio']:5.1f}")
    else:
        print("  NNMT not installed (anchor: ratio ~66 on this kind of machine, see notes/anchors.md)")
    if args.json:
        write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()
