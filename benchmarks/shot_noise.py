"""Benchmark: shot-noise input against white noise (network fixed point, phase-diagram row) and on a time grid.

Usage::

    python benchmarks/shot_noise.py [--rounds 3] [--json PATH]

Every round times, interleaved, one call of each of

* ``fixed point, shot``: ``stable_fixed_point(BrunelNetwork(), input_model="shot")`` (every fixed point of eq. 27,
  then Newton's method with the shot-noise rate, accepted at a relative residual of 5e-5);
* ``fixed point, white`` (baseline): ``stable_fixed_point(BrunelNetwork())``;
* ``row, shot``: a row of the phase diagram, 11 values of g from 3 to 8 at eta = 2, V_reset = 0 mV: at each the
  shot-noise fixed point and ``network_stability(..., input_model="shot")`` (modes to 1 kHz, continued from the
  white-noise ones);
* ``row, white`` (baseline): the same with white noise (``network_stability``, certified);
* ``neuron, grid``: the seed network's neuron on NEST's time grid, ``shot_noise_rate(..., dt=0.1, rtol=1e-4)``
  (rate, CV and gradient);
* ``neuron, continuous`` (baseline): the same neuron in continuous time, ``rtol=1e-4``;
* ``spectrum, grid``: the seed network's rate spectrum at 5 frequencies from 100 Hz to 900 Hz on NEST's time grid,
  ``rate_spectrum(BrunelNetwork(dt=0.1), f, fp, input_model="shot", intrinsic="poisson", rtol=1e-2)`` at its grid
  fixed point (solved once, outside the timing; the call checks it with ``Phi`` to 1e-5);
* ``spectrum, continuous`` (baseline): the same in continuous time (default ``rtol=1e-4``).

The result is the median over ``--rounds`` rounds (at least 3) with min and max (the spread), the ratios shot /
white (and grid / continuous) of the medians and the 1-minute load average before every round and after the last. Goals (issue 23): the
fixed point under 1 s, the row under 30 s.  With ``--json`` the numbers are also written
(``benchmarks/results/shot_noise.json``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from _common import interleaved_rounds, machine, parse_rounds, report, rounds_parser, seconds

GOALS_S = {"fixed point": 1.0, "row": 30.0}
G_ROW = np.linspace(3.0, 8.0, 11)


def main(argv: list[str] | None = None) -> dict:
    parser = rounds_parser(__doc__.splitlines()[0], n=1, rounds=3)
    args = parse_rounds(parser, argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from mfkit import BrunelNetwork, network_stability, rate_spectrum, stable_fixed_point
    from mfkit.shot_noise import shot_noise_rate
    net = BrunelNetwork()
    nu = float(stable_fixed_point(net).rates[0])
    seed_neuron = dict(jumps=[net.J_ex, net.J_in], rates=[net.CE * (nu + net.nu_ext_hz), net.CI * nu], rtol=1e-4)

    def row(input_model: str) -> None:
        for g in G_ROW:
            net = BrunelNetwork(g=float(g), eta=2.0, V_reset=0.0)
            fp = stable_fixed_point(net, input_model=input_model)
            network_stability(net, fp, f_max=1000.0, input_model=input_model)

    grid_net, f_spec = BrunelNetwork(dt=0.1), np.linspace(100.0, 900.0, 5)
    fp_grid, fp_shot = (stable_fixed_point(n, input_model="shot") for n in (grid_net, net))
    calls = {"fixed point, shot": lambda: stable_fixed_point(BrunelNetwork(), input_model="shot"),
             "fixed point, white": lambda: stable_fixed_point(BrunelNetwork()),
             "row, shot": lambda: row("shot"), "row, white": lambda: row("diffusion"),
             "neuron, grid": lambda: shot_noise_rate(**seed_neuron, dt=0.1),
             "neuron, continuous": lambda: shot_noise_rate(**seed_neuron),
             "spectrum, grid": lambda: rate_spectrum(grid_net, f_spec, fp_grid, input_model="shot", intrinsic="poisson",
                                                     rtol=1e-2),
             "spectrum, continuous": lambda: rate_spectrum(net, f_spec, fp_shot, input_model="shot",
                                                           intrinsic="poisson")}
    calls["row, shot"]()  # compile and warm up outside the timing
    calls["row, white"]()
    times, loads = interleaved_rounds(calls, args.rounds)
    stats = {name: seconds(t) for name, t in times.items()}
    ratios = {what: stats[f"{what}, shot"]["median_s"] / stats[f"{what}, white"]["median_s"] for what in GOALS_S}
    for what in ("neuron", "spectrum"):
        ratios[f"{what}, grid / continuous"] = stats[f"{what}, grid"]["median_s"] / stats[f"{what}, continuous"]["median_s"]
    met = {what: stats[f"{what}, shot"]["median_s"] <= goal for what, goal in GOALS_S.items()}
    result = {"rounds": args.rounds, "g_row": G_ROW.tolist(), "machine": machine("numpy", "scipy", load_average=False),
              "load_average_1min_before_each_round_and_after": loads, "seconds": stats,
              "ratio_shot_to_white": ratios, "goals_s": GOALS_S, "goals_met": met}
    lines = [f"shot noise vs white noise, median of {args.rounds} interleaved rounds, "
             f"load average {min(loads):.2f}-{max(loads):.2f}"]
    lines += [f"  {name:20s} {t['median_s']:7.2f} s (min {t['min_s']:.2f}, max {t['max_s']:.2f})"
              for name, t in stats.items()]
    lines += [f"  {what}: shot / white = {ratios[what]:.1f}; goal {GOALS_S[what]:g} s "
              f"{'met' if met[what] else 'NOT met'}" for what in GOALS_S]
    lines += [f"  {what}: grid / continuous = {ratios[f'{what}, grid / continuous']:.1f}" for what in ("neuron", "spectrum")]
    return report(lines, result, args.json)


if __name__ == "__main__":
    main()
