"""Benchmark: time of mfkit.network_stability for the cortical microcircuit, side by side with the seed network.

Usage::

    python benchmarks/stability.py [--rounds 5] [--json PATH]

Every round times, interleaved, one call of each of

* ``network_stability(microcircuit())``: the microcircuit of Bos et al. (2016) (8 populations,
  tau_syn = 0.5 ms, truncated Gaussian delays), every eigenvalue with ``Re > -5/tau_m`` up to 1 kHz,
  certified by the argument principle, fixed point included;
* the baseline ``network_stability(BrunelNetwork())``: the same for the seed network (2 populations
  in one group, white noise, one fixed delay);

the result is the median over ``--rounds`` rounds (at least 3) with min and max (the spread), the number
of eigenvalues found, their ratio, numba's thread count and the 1-minute load average before every round
and after the last. Goal: the microcircuit in under 5 s (issue 21). The script prints; with ``--json`` it
also writes the numbers (``benchmarks/results/stability.json``).
"""
from __future__ import annotations

import sys
from pathlib import Path

from _common import interleaved_rounds, machine, parse_rounds, report, rounds_parser, seconds

GOAL_S = 5.0


def main(argv: list[str] | None = None) -> dict:
    parser = rounds_parser(__doc__.splitlines()[0], n=1)
    args = parse_rounds(parser, argv)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import numba

    from mfkit import BrunelNetwork, microcircuit, network_stability

    found = {"microcircuit": network_stability(microcircuit()).eigenvalues.size,  # compile outside the timing
             "seed": network_stability(BrunelNetwork()).eigenvalues.size}
    times, loads = interleaved_rounds({"microcircuit": lambda: network_stability(microcircuit()),
                                       "seed": lambda: network_stability(BrunelNetwork())}, args.rounds)
    micro, seed = seconds(times["microcircuit"]), seconds(times["seed"])
    ratio = micro["median_s"] / seed["median_s"]
    result = {"networks": {"microcircuit": "microcircuit() (Bos et al. 2016)", "seed": "BrunelNetwork() (seed)"},
              "eigenvalues_found": found, "rounds": args.rounds,
              "machine": machine("numpy", "numba", load_average=False, numba_threads=numba.get_num_threads()),
              "load_average_1min_before_each_round_and_after": loads, "microcircuit": micro,
              "seed_baseline": seed, "ratio_microcircuit_to_seed": ratio, "goal_s": GOAL_S}
    lines = [f"network_stability, median of {args.rounds} interleaved rounds, {numba.get_num_threads()} numba threads, "
             f"load average {min(loads):.2f}-{max(loads):.2f}"]
    lines += [f"  {name:28s} {t['median_s']:7.2f} s (min {t['min_s']:.2f}, max {t['max_s']:.2f}), "
              f"{found[key]} eigenvalues"
              for name, key, t in (("microcircuit", "microcircuit", micro), ("seed network (baseline)", "seed", seed))]
    lines.append(f"  ratio {ratio:.1f}; goal {GOAL_S:g} s: {'met' if micro['median_s'] <= GOAL_S else 'NOT met'}")
    return report(lines, result, args.json)


if __name__ == "__main__":
    main()
