"""Benchmark: time per point of mfkit.linear_response with synaptic filtering, side by side with white noise.

Usage::

    python benchmarks/filtered_response.py [--n 2000] [--rounds 5] [--json PATH]

Input: ``--n`` points drawn once (seed 0): f in [1, 300] Hz, mu in [5, 25] mV, sigma in [2, 8] mV,
tau_syn = 0.5 ms for the filtered calls (the seed neuron otherwise). Every round times, interleaved,
``linear_response`` with white noise (the baseline, mean channel) and with ``tau_syn`` for both
colored-noise forms and both channels. The result per call: median over ``--rounds`` rounds (at least 3)
of the time per point with min and max, the ratio of each median to the baseline's, and the 1-minute load
average before every round and after the last. Goal: at most 50 us per point (issue 21).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from _common import interleaved_rounds, machine, parse_rounds, report, rounds_parser, summary

GOAL_US = 50.0
TAU_SYN = 0.5


def main(argv: list[str] | None = None) -> dict:
    args = parse_rounds(rounds_parser(__doc__.splitlines()[0], n=2000), argv)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mfkit import linear_response

    rng = np.random.default_rng(0)
    f, mu, sigma = rng.uniform(1.0, 300.0, args.n), rng.uniform(5.0, 25.0, args.n), rng.uniform(2.0, 8.0, args.n)
    calls = {"white, mu (baseline)": lambda: linear_response(f, mu, sigma)}
    for form in ("shift", "taylor"):
        for channel in ("mu", "sigma"):
            calls[f"{form}, {channel}"] = (lambda form=form, channel=channel: linear_response(
                f, mu, sigma, tau_syn=TAU_SYN, modulation=channel, colored_noise=form))
    for call in calls.values():  # compile / load the caches outside the timing
        call()
    times, loads = interleaved_rounds(calls, args.rounds)
    per_point = {name: summary(t, args.n) for name, t in times.items()}
    base = per_point["white, mu (baseline)"]["median_us"]
    result = {"n_points": args.n, "tau_syn_ms": TAU_SYN, "rounds": args.rounds,
              "machine": machine("numpy", "numba", load_average=False),
              "load_average_1min_before_each_round_and_after": loads, "per_point": per_point,
              "ratio_to_baseline": {name: s["median_us"] / base for name, s in per_point.items()}, "goal_us": GOAL_US}
    lines = [f"linear_response, {args.n} points, median of {args.rounds} interleaved rounds, "
             f"load average {min(loads):.2f}-{max(loads):.2f}"]
    lines += [f"  {name:22s} {s['median_us']:6.1f} us/point (min {s['min_us']:.1f}, max {s['max_us']:.1f}), "
              f"ratio {s['median_us'] / base:.2f}" for name, s in per_point.items()]
    worst = max(s["median_us"] for s in per_point.values())
    lines.append(f"  goal {GOAL_US:g} us per point: {'met' if worst <= GOAL_US else 'NOT met'}")
    return report(lines, result, args.json)


if __name__ == "__main__":
    main()
