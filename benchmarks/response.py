"""Benchmark: time per point of mfkit.linear_response against the mpmath route (mfkit.reference).

Usage::

    python benchmarks/response.py [--n 2000] [--n-mpmath 30] [--rounds 5] [--dps 30]
                                  [--json benchmarks/results/response.json]

Inputs (issue 10): ``--n`` points with mu uniform in [-10, 40] mV, sigma uniform in [0.5, 15] mV,
f log-uniform in [0.01, 2000] Hz, the seed neuron (tau_m = 20 ms, t_ref = 2 ms, theta = 20 mV,
V_reset = 0), fixed seed; the mean channel (``modulation="mu"``). The mpmath route is
``mfkit.reference.linear_response`` at ``--dps`` digits on the first ``--n-mpmath`` of them, one
call per point. Every round times, interleaved: mfkit on all points (one vectorised call; the sigma channel as a
second call), mfkit on the mpmath subset (one call), mpmath on the subset; the result is the median over ``--rounds``
rounds, with min and max (the spread) and the 1-minute load average before every round. Also
recorded: the per-point cost in a few fixed regimes (seed input across f, small sigma) and the
largest relative error of mfkit on the mpmath subset.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from _common import machine, write_json

REGIMES = {  # name: (f, mu, sigma) for a block of identical inputs
    "seed input, f = 1 Hz": (1.0, 23.983443, 7.102677),
    "seed input, f = 100 Hz": (100.0, 23.983443, 7.102677),
    "seed input, f = 2000 Hz": (2000.0, 23.983443, 7.102677),
    "subthreshold (mu = 10, sigma = 5), f = 10 Hz": (10.0, 10.0, 5.0),
    "small sigma (mu = 24, sigma = 0.5), f = 10 Hz": (10.0, 24.0, 0.5),
    "small sigma (mu = 24, sigma = 0.5), f = 2000 Hz": (2000.0, 24.0, 0.5),
}


def inputs(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return (10 ** rng.uniform(-2.0, np.log10(2000.0), n), rng.uniform(-10.0, 40.0, n), rng.uniform(0.5, 15.0, n))


def summary(times: list[float], per: int) -> dict:
    """Median, min and max over the rounds of the time per point (microseconds)."""
    us = [t / per * 1e6 for t in times]
    return dict(median_us=statistics.median(us), min_us=min(us), max_us=max(us))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--n-mpmath", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dps", type=int, default=30)
    parser.add_argument("--json", type=Path, help="write the results to this file")
    args = parser.parse_args(argv)
    if args.rounds < 3:
        parser.error("--rounds must be >= 3 (the result is a median)")

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mfkit import reference
    from mfkit.response import linear_response

    f, mu, sigma = inputs(args.n)
    k = min(args.n_mpmath, args.n)
    fs, mus, sigmas = f[:k], mu[:k], sigma[:k]
    linear_response(f[:3], mu[:3], sigma[:3])  # compile / load the cache outside the timing

    def run_mpmath():
        return [complex(reference.linear_response(a, b, c, dps=args.dps)) for a, b, c in zip(fs, mus, sigmas)]

    t_all, t_sigma, t_sub, t_mp, loads = [], [], [], [], []
    values_mp = values_sub = None
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
    if args.json:
        write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()
