"""Benchmark: time of mfkit.rate_spectrum for the seed network, side by side with mfkit.linear_response.

Usage::

    python benchmarks/rate_spectrum.py [--n 500] [--rounds 5] [--json PATH]

Input: the seed network (``BrunelNetwork()``) at ``--n`` frequencies log-spaced from 1 Hz to 1 kHz.
Every round times, interleaved, one call of each of

* ``rate_spectrum(BrunelNetwork(), f)``: the whole prediction, the stable fixed point solved on a fresh
  network object included (the renewal spectrum, the two response channels, the 2 x 2 solve);
* the baseline ``linear_response(f, mu, sigma)``: one channel of the LIF neuron's response at the same
  frequencies for the two populations' stationary inputs (``2 n`` points; rate_spectrum evaluates three
  such functions);

the result is the median over ``--rounds`` rounds (at least 3) with min and max (the spread), their
ratio, and the 1-minute load average before every round and after the last. Goal: 0.5 s per call.
The script prints; with ``--json`` it also writes the numbers (``benchmarks/results/rate_spectrum.json``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from _common import interleaved_rounds, machine, parse_rounds, report, rounds_parser, seconds

GOAL_S = 0.5


def main(argv: list[str] | None = None) -> dict:
    args = parse_rounds(rounds_parser(__doc__.splitlines()[0], n=500), argv)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mfkit import BrunelNetwork, linear_response, rate_spectrum

    f = np.geomspace(1.0, 1000.0, args.n)
    first = rate_spectrum(BrunelNetwork(), f)  # compile / load the caches outside the timing
    stats = BrunelNetwork().model.input_statistics(first.fixed_point.rates)
    col = f[:, None]
    linear_response(col, stats.mu, stats.sigma)

    times, loads = interleaved_rounds({"rate_spectrum": lambda: rate_spectrum(BrunelNetwork(), f),
                                       "baseline": lambda: linear_response(col, stats.mu, stats.sigma)}, args.rounds)
    spec, base = seconds(times["rate_spectrum"]), seconds(times["baseline"])
    ratio = spec["median_s"] / base["median_s"]
    result = {"n_frequencies": args.n, "frequencies_Hz": [1.0, 1000.0], "network": "BrunelNetwork() (seed)",
              "rounds": args.rounds, "machine": machine("numpy", "numba", load_average=False),
              "load_average_1min_before_each_round_and_after": loads, "rate_spectrum": spec,
              "linear_response_baseline": base, "ratio_rate_spectrum_to_baseline": ratio, "goal_s": GOAL_S}
    lines = [f"seed network, {args.n} frequencies (1 Hz - 1 kHz), median of {args.rounds} interleaved rounds, "
             f"load average {min(loads):.2f}-{max(loads):.2f}"]
    lines += [f"  mfkit.{name:27s} {t['median_s'] * 1e3:8.1f} ms "
              f"(min {t['min_s'] * 1e3:.1f}, max {t['max_s'] * 1e3:.1f})"
              for name, t in (("rate_spectrum", spec), ("linear_response (baseline)", base))]
    lines.append(f"  ratio {ratio:.2f}; goal {GOAL_S:g} s: {'met' if spec['median_s'] <= GOAL_S else 'NOT met'}")
    return report(lines, result, args.json)


if __name__ == "__main__":
    main()
