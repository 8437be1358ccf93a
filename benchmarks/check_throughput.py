"""Check, live on this machine, mfkit's Siegert throughput ratio against its goal (issue 2: at most 6).

Usage::

    python benchmarks/check_throughput.py [--rounds 5] [--repeat 15] [--n 100000] [--goal 6.0]

The same measurement as ``benchmarks/siegert.py`` (1e5 typical inputs; time of ``mfkit.siegert`` over
one vectorised ``scipy.special.erfcx`` call per input, same process, the two interleaved, best of
``--repeat``), taken in ``--rounds`` rounds (at least 3).  Prints every round's ratio with the
1-minute load average before and after it, then the median and the spread (min-max) of the rounds;
exits with status 1 if the median exceeds the goal.  A wall-clock check: it is not part of ``make test``
(a loaded machine slows both timings of a round, but not always equally); run it on a quiet machine.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

import scipy.special
from siegert import best_of, inputs

#: The goal of issue 2 for mfkit.siegert, as a ratio to one erfcx call per input.
GOAL = 6.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds, at least 3 (default 5)")
    parser.add_argument("--repeat", type=int, default=15, help="interleaved timings per round, best kept")
    parser.add_argument("--n", type=int, default=100_000, help="inputs per call")
    parser.add_argument("--goal", type=float, default=GOAL, help=f"largest accepted median ratio ({GOAL})")
    args = parser.parse_args(argv)
    if args.rounds < 3:
        parser.error(f"--rounds must be >= 3, got {args.rounds}")

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import mfkit

    mu, sigma = inputs(args.n)
    y = (20.0 - mu) / sigma
    mfkit.siegert(mu[:10], sigma[:10])  # compile / load the cache outside the timing
    print(f"mfkit.siegert / scipy.special.erfcx, {args.n} inputs, best of {args.repeat} per round, "
          f"{os.cpu_count()} cores")
    ratios = []
    for k in range(args.rounds):
        load_before = os.getloadavg()[0]
        base, rate = best_of([lambda: scipy.special.erfcx(y), lambda: mfkit.siegert(mu, sigma)], args.repeat)
        ratios.append(rate / base)
        print(f"  round {k + 1}: ratio {ratios[-1]:5.2f}   load average (1 min) {load_before:.2f} -> "
              f"{os.getloadavg()[0]:.2f}")
    median = statistics.median(ratios)
    verdict = "meets" if median <= args.goal else "MISSES"
    print(f"median {median:.2f}, spread {min(ratios):.2f}-{max(ratios):.2f}: {verdict} the goal <= {args.goal}")
    return 0 if median <= args.goal else 1


if __name__ == "__main__":
    sys.exit(main())
