"""Benchmark: time per point of mfkit.linear_response against the mpmath route (mfkit.reference).

Usage::

    python benchmarks/response.py [--n 2000] [--n-mpmath 30] [--rounds 5] [--dps 30]
                                  [--nnmt-python PATH] [--json benchmarks/results/response.json]

Inputs (issue 10): ``--n`` points with mu uniform in [-10, 40] mV, sigma uniform in [0.5, 15] mV,
f log-uniform in [0.01, 2000] Hz, the seed neuron (tau_m = 20 ms, t_ref = 2 ms, theta = 20 mV,
V_reset = 0), fixed seed; the mean channel (``modulation="mu"``). The mpmath route is
``mfkit.reference.linear_response`` at ``--dps`` digits on the first ``--n-mpmath`` of them, one
call per point. Every round times, interleaved: mfkit on all points (one vectorised call; the sigma channel as a
second call), mfkit on the mpmath subset (one call), mpmath on the subset; the result is the median over ``--rounds``
rounds, with min and max (the spread) and the 1-minute load average before every round. Also
recorded: the per-point cost in a few fixed regimes (seed input across f, small sigma) and the
largest relative error of mfkit on the mpmath subset.

With ``--nnmt-python`` (the interpreter of a *separate* virtual environment with ``nnmt`` installed,
e.g. ``python -m venv /tmp/nnmtvenv && /tmp/nnmtvenv/bin/pip install nnmt``), every round also times
NNMT 1.3.0's transfer function ``nnmt.lif.exp._transfer_function_shift`` (Schuecker et al. 2015, with
``tau_s = 0``: the white-noise response, parabolic cylinder functions through mpmath) on the same subset,
one call per point, in its own process (timed inside it), next to ``mfkit.linear_response`` on those points.
NNMT's formula keeps the refractory period only in the stationary rate, not in the response's phase, so the
comparison uses ``t_ref = 0``, where both are exact; the relative difference between the two is recorded.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _common import machine, parse_rounds, rounds_parser, summary, write_json

REGIMES = {  # name: (f, mu, sigma) for a block of identical inputs
    "seed input, f = 1 Hz": (1.0, 23.983443, 7.102677),
    "seed input, f = 100 Hz": (100.0, 23.983443, 7.102677),
    "seed input, f = 2000 Hz": (2000.0, 23.983443, 7.102677),
    "subthreshold (mu = 10, sigma = 5), f = 10 Hz": (10.0, 10.0, 5.0),
    "small sigma (mu = 24, sigma = 0.5), f = 10 Hz": (10.0, 24.0, 0.5),
    "small sigma (mu = 24, sigma = 0.5), f = 2000 Hz": (2000.0, 24.0, 0.5),
}


NNMT_WORKER = r"""
import json, sys, time
import numpy as np
from nnmt.lif.exp import _transfer_function_shift
import importlib.metadata as md
f, mu, sigma = (np.array(v) for v in json.loads(sys.stdin.read()))
values, t0 = [], time.perf_counter()
for fi, mi, si in zip(f, mu, sigma):  # SI units: V, s; Hz/V out
    chi = _transfer_function_shift(mi * 1e-3, si * 1e-3, 0.02, 0.0, 0.0, 0.02, 0.0, np.array([2 * np.pi * fi]),
                                   synaptic_filter=False)
    values.append(complex(chi.ravel()[0]) * 1e-3)
print(json.dumps(dict(seconds=time.perf_counter() - t0, version=md.version("nnmt"),
                      values=[[v.real, v.imag] for v in values])))
"""


def run_nnmt(python: str, f: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> tuple[float, np.ndarray, str]:
    """(seconds, responses in Hz/mV, NNMT version) of NNMT's transfer function at t_ref = 0, in ``python``."""
    out = subprocess.run([python, "-c", NNMT_WORKER], input=json.dumps([f.tolist(), mu.tolist(), sigma.tolist()]),
                         capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    return res["seconds"], np.array([complex(*v) for v in res["values"]]), res["version"]


def inputs(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return (10 ** rng.uniform(-2.0, np.log10(2000.0), n), rng.uniform(-10.0, 40.0, n), rng.uniform(0.5, 15.0, n))


def main(argv: list[str] | None = None) -> dict:
    parser = rounds_parser(__doc__.splitlines()[0], n=2000)
    parser.add_argument("--n-mpmath", type=int, default=30)
    parser.add_argument("--dps", type=int, default=30)
    parser.add_argument("--nnmt-python", help="python of a separate venv with nnmt installed")
    args = parse_rounds(parser, argv)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mfkit import reference
    from mfkit.response import linear_response

    f, mu, sigma = inputs(args.n)
    k = min(args.n_mpmath, args.n)
    fs, mus, sigmas = f[:k], mu[:k], sigma[:k]
    linear_response(f[:3], mu[:3], sigma[:3])  # compile / load the cache outside the timing

    def run_mpmath():
        return [complex(reference.linear_response(a, b, c, dps=args.dps)) for a, b, c in zip(fs, mus, sigmas)]

    t_all, t_sigma, t_sub, t_mp, t_nn, t_sub0, loads = [], [], [], [], [], [], []
    values_mp = values_sub = values_nn = values_sub0 = None
    for _ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        t0 = time.perf_counter()
        linear_response(f, mu, sigma)
        t_all.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        linear_response(f, mu, sigma, modulation="sigma")
        t_sigma.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        values_sub = linear_response(fs, mus, sigmas)
        t_sub.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        values_mp = run_mpmath()
        t_mp.append(time.perf_counter() - t0)
        if args.nnmt_python:
            t0 = time.perf_counter()
            values_sub0 = linear_response(fs, mus, sigmas, t_ref=0.0)
            t_sub0.append(time.perf_counter() - t0)
            seconds, values_nn, nnmt_version = run_nnmt(args.nnmt_python, fs, mus, sigmas)
            t_nn.append(seconds)
    loads.append(os.getloadavg()[0])

    regimes = {}
    for name, (rf, rmu, rsigma) in REGIMES.items():
        block = np.full(200, rf)
        linear_response(block[:1], rmu, rsigma)
        times = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            linear_response(block, rmu, rsigma)
            times.append(time.perf_counter() - t0)
        regimes[name] = summary(times, block.size)

    err = np.abs(values_sub / np.array(values_mp) - 1)
    mf_all, mf_sub, mp = summary(t_all, args.n), summary(t_sub, k), summary(t_mp, k)
    result = dict(
        n=args.n, n_mpmath=k, rounds=args.rounds, dps=args.dps,
        machine=machine("numpy", "numba", "mpmath", load_average=False),
        load_average_1min_before_each_round_and_after=loads,
        mfkit_all_points=mf_all,
        mfkit_all_points_sigma_channel=summary(t_sigma, args.n),
        mfkit_mpmath_subset=mf_sub,
        mpmath_subset=mp,
        ratio_mpmath_to_mfkit_same_points=mp["median_us"] / mf_sub["median_us"],
        ratio_mpmath_to_mfkit_all_points=mp["median_us"] / mf_all["median_us"],
        goal_us_per_point=20.0,
        regimes=regimes,
        max_rel_error_on_mpmath_subset=float(err.max()),
    )
    if args.nnmt_python:
        nn, mf0 = summary(t_nn, k), summary(t_sub0, k)
        result["nnmt"] = dict(version=nnmt_version, function="nnmt.lif.exp._transfer_function_shift, tau_s = 0",
                              t_ref=0.0, nnmt_subset=nn, mfkit_subset_t_ref_0=mf0,
                              ratio_nnmt_to_mfkit_same_points=nn["median_us"] / mf0["median_us"],
                              max_rel_difference=float(np.abs(values_nn / values_sub0 - 1).max()))
    print(f"{args.n} inputs (mu in [-10, 40], sigma in [0.5, 15], f in [0.01, 2000] Hz), median of {args.rounds} "
          f"rounds, load average {min(loads):.2f}-{max(loads):.2f}")
    print(f"  mfkit.linear_response, all points   {mf_all['median_us']:8.1f} us/point "
          f"(min {mf_all['min_us']:.1f}, max {mf_all['max_us']:.1f})")
    sigma_us = result["mfkit_all_points_sigma_channel"]["median_us"]
    print(f"  same, modulation='sigma'              {sigma_us:8.1f} us/point")
    print(f"  mfkit.linear_response, {k} points    {mf_sub['median_us']:8.1f} us/point")
    print(f"  mpmath reference ({args.dps} digits), same {k}  {mp['median_us']:8.0f} us/point "
          f"(min {mp['min_us']:.0f}, max {mp['max_us']:.0f})")
    print(f"  ratio mpmath/mfkit: {result['ratio_mpmath_to_mfkit_same_points']:.0f} (same points), "
          f"{result['ratio_mpmath_to_mfkit_all_points']:.0f} (all points)")
    for name, s in regimes.items():
        print(f"  {name:50s} {s['median_us']:8.1f} us/point")
    print(f"  max relative error of mfkit on the mpmath subset: {result['max_rel_error_on_mpmath_subset']:.1e}")
    if args.nnmt_python:
        r = result["nnmt"]
        print(f"  NNMT {r['version']} transfer function (t_ref = 0), same {k} points: "
              f"{r['nnmt_subset']['median_us']:.0f} us/point (min {r['nnmt_subset']['min_us']:.0f}, "
              f"max {r['nnmt_subset']['max_us']:.0f}); mfkit {r['mfkit_subset_t_ref_0']['median_us']:.1f} us/point; "
              f"ratio {r['ratio_nnmt_to_mfkit_same_points']:.0f}; max relative difference {r['max_rel_difference']:.1e}")
    if args.json:
        write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()
