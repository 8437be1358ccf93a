"""Benchmark: time per point of mfkit.spike_train_spectrum, side by side with mfkit.linear_response.

Usage::

    python benchmarks/spike_train_spectrum.py [--n 2000] [--rounds 5] [--json PATH]

Inputs: ``--n`` points with mu uniform in [-10, 40] mV, sigma uniform in [0.5, 15] mV, f log-uniform
in [0.1, 10000] Hz, the seed neuron (tau_m = 20 ms, t_ref = 2 ms, theta = 20 mV, V_reset = 0), fixed
seed. Every round times, interleaved, one vectorised call of each function on all points (the mean
channel of linear_response); the result is the median over ``--rounds`` rounds (at least 3) with min and
max (the spread), and the 1-minute load average before every round and after the last. Goal: 20 us per
point. The script prints; with ``--json`` it also writes the numbers.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from _common import interleaved_rounds, machine, parse_rounds, rounds_parser, summary, write_json

GOAL_US = 20.0


def inputs(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return (10 ** rng.uniform(-1.0, 4.0, n), rng.uniform(-10.0, 40.0, n), rng.uniform(0.5, 15.0, n))


def main(argv: list[str] | None = None) -> dict:
    args = parse_rounds(rounds_parser(__doc__.splitlines()[0], n=2000), argv)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mfkit.response import linear_response, spike_train_spectrum

    f, mu, sigma = inputs(args.n)
    spike_train_spectrum(f[:3], mu[:3], sigma[:3])  # compile / load the cache outside the timing
    linear_response(f[:3], mu[:3], sigma[:3])

    times, loads = interleaved_rounds({"spectrum": lambda: spike_train_spectrum(f, mu, sigma),
                                       "response": lambda: linear_response(f, mu, sigma)}, args.rounds)

    spec, resp = summary(times["spectrum"], args.n), summary(times["response"], args.n)
    result = dict(n=args.n, rounds=args.rounds, machine=machine("numpy", "numba", load_average=False),
                  load_average_1min_before_each_round_and_after=loads, spike_train_spectrum=spec,
                  linear_response=resp, ratio_spectrum_to_response=spec["median_us"] / resp["median_us"],
                  goal_us_per_point=GOAL_US)
    print(f"{args.n} inputs (mu in [-10, 40] mV, sigma in [0.5, 15] mV, f in [0.1, 1e4] Hz), median of "
          f"{args.rounds} interleaved rounds, load average {min(loads):.2f}-{max(loads):.2f}")
    for name, s in (("spike_train_spectrum", spec), ("linear_response", resp)):
        print(f"  mfkit.{name:22s} {s['median_us']:7.2f} us/point (min {s['min_us']:.2f}, max {s['max_us']:.2f})")
    print(f"  ratio spectrum/response {result['ratio_spectrum_to_response']:.2f}; goal {GOAL_US:g} us/point: "
          f"{'met' if spec['median_us'] <= GOAL_US else 'NOT met'}")
    if args.json:
        write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()
