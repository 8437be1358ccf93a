"""Command line: ``python -m mfkit fixed-points --g 5 --eta 2``.

Sub-commands
------------
``fixed-points``
    Every fixed point (self-consistent rate) of the Brunel network with its
    mean input ``mu``, fluctuation ``sigma`` and its stability under the pseudo-time
    relaxation (eq. 30), not that of the network with its delay.
``trajectory``
    The pseudo-time dynamics (eq. 30) as NEST integrates it, as CSV
    (``time_ms,rate_E_Hz,rate_I_Hz``).
``stability``
    The stability of each stationary state with the synaptic delay: the leading eigenvalues of
    the network (damping and frequency) next to those of eq. 30, the limit of the real parts of
    the modes beyond the frequency window, and the verdict.

Bad arguments give a message on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Sequence

from .brunel import BrunelNetwork
from .neuron import COLORED_NOISE_FORMS


def _finite(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(v):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    return v


def _add_network_args(p: argparse.ArgumentParser) -> None:
    d = BrunelNetwork()
    g = p.add_argument_group("Brunel network (defaults: NEST's brunel_siegert_nest.py)")
    g.add_argument("--g", type=_finite, default=d.g, help="relative inhibition, >= 0 (default %(default)s)")
    g.add_argument("--eta", type=_finite, default=d.eta, help="external rate / threshold rate, >= 0 (default %(default)s)")
    g.add_argument("--epsilon", type=_finite, default=d.epsilon, help="connection probability in (0, 1] (default %(default)s)")
    g.add_argument("--order", type=int, default=d.order, help="network size, NE = 4 order, NI = order (default %(default)s)")
    g.add_argument("--J", type=_finite, default=d.J, help="excitatory weight in mV, > 0 (default %(default)s)")
    g.add_argument("--tau-m", type=_finite, default=d.tau_m, help="membrane time constant in ms (default %(default)s)")
    g.add_argument("--t-ref", type=_finite, default=d.t_ref, help="refractory period in ms (default %(default)s)")
    g.add_argument("--theta", type=_finite, default=d.theta, help="threshold in mV (default %(default)s)")
    g.add_argument("--v-reset", type=_finite, default=d.V_reset, help="reset potential in mV (default %(default)s)")
    g.add_argument("--tau-syn", type=_finite, default=d.tau_syn, help="synaptic time constant in ms (default %(default)s)")
    g.add_argument("--colored-noise", choices=COLORED_NOISE_FORMS, default=d.colored_noise,
                   help="colored-noise correction for --tau-syn > 0: shifted threshold and reset (NEST's) or the "
                        "first-order Taylor form of Fourcaud & Brunel 2002 (default %(default)s)")
    g.add_argument("--delay", type=_finite, default=d.delay, help="synaptic delay in ms (default %(default)s)")


def _network(args: argparse.Namespace, parser: argparse.ArgumentParser) -> BrunelNetwork:
    try:
        return BrunelNetwork(
            g=args.g, eta=args.eta, epsilon=args.epsilon, order=args.order, J=args.J,
            tau_m=args.tau_m, t_ref=args.t_ref, theta=args.theta, V_reset=args.v_reset,
            tau_syn=args.tau_syn, delay=args.delay, colored_noise=args.colored_noise,
        )
    except ValueError as exc:
        parser.error(str(exc))
        raise  # unreachable: parser.error exits


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m mfkit``."""
    parser = argparse.ArgumentParser(
        prog="python -m mfkit",
        description="Mean-field theory of the Brunel (2000) network (units: ms, mV, Hz).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{fixed-points,trajectory,stability}")
    pr = sub.add_parser("fixed-points", help="all fixed points with mu, sigma and pseudo-time stability",
                        description="Every fixed point of eq. 27 with mu, sigma and its stability under the "
                                    "pseudo-time relaxation (eq. 30; see 'stability' for the network with its delay).")
    _add_network_args(pr)
    pr.add_argument("--json", action="store_true", help="print JSON instead of a table")
    pt = sub.add_parser("trajectory", help="pseudo-time dynamics (eq. 30) as CSV",
                        description="Pseudo-time dynamics (eq. 30) integrated as NEST does, as CSV.")
    _add_network_args(pt)
    pt.add_argument("--t-sim", type=_finite, default=50.0, help="simulated time in ms (default %(default)s)")
    pt.add_argument("--dt", type=_finite, default=0.1, help="step in ms (default %(default)s)")
    pt.add_argument("--tau", type=_finite, default=1.0, help="rate-unit time constant in ms (default %(default)s)")
    pt.add_argument("--method", choices=("nest", "ode"), default="nest", help="integration scheme (default %(default)s)")
    ps = sub.add_parser("stability", help="stability of the stationary state with the synaptic delay",
                        description="Eigenvalues of the network with its delay at each fixed point that is "
                                    "stable under eq. 30 (roots of det(I - e^{-lambda d} W(lambda)) = 0).")
    _add_network_args(ps)
    ps.add_argument("--re-min", type=_finite, default=None,
                    help="search Re lambda down to this (1/ms; default -5/tau_m)")
    ps.add_argument("--f-max", type=_finite, default=1000.0, help="search frequencies up to this (Hz, default %(default)s)")
    ps.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(_sub={"fixed-points": pr, "trajectory": pt, "stability": ps})
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    parser = args._sub[args.command]  # report errors with the sub-command's usage
    net = _network(args, parser)
    if args.command == "fixed-points":
        from .fixed_points import FixedPointError, fixed_points

        try:
            fps = fixed_points(net)
        except FixedPointError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if args.json:
            out = [
                {
                    "rates_Hz": dict(zip(fp.names, map(float, fp.rates))),
                    "mu_mV": dict(zip(fp.names, map(float, fp.mu))),
                    "sigma_mV": dict(zip(fp.names, map(float, fp.sigma))),
                    "pseudo_time_stable": fp.pseudo_time_stable,
                    "pseudo_time_max_real_eigenvalue_per_ms": float(fp.pseudo_time_eigenvalues.real.max()),
                    "relative_residual": fp.relative_residual,
                }
                for fp in fps
            ]
            print(json.dumps(out, indent=2))
            return 0
        print(
            f"Brunel network g={net.g:g} eta={net.eta:g} epsilon={net.epsilon:g} order={net.order} "
            f"J={net.J:g} mV: CE={net.CE} CI={net.CI} p_rate={net.p_rate:g} Hz"
        )
        print(f"{len(fps)} fixed point(s) in [0, {net.model.max_rate[0]:g}) Hz (E and I receive identical input):")
        print(f"{'#':>2}  {'rate E=I (Hz)':>22}  {'mu (mV)':>12}  {'sigma (mV)':>12}  {'pseudo-time':>11}  "
              f"{'max Re lambda (1/ms)':>20}")
        for i, fp in enumerate(fps, 1):
            print(
                f"{i:>2}  {fp.rates[0]:>22.12g}  {fp.mu[0]:>12.8g}  {fp.sigma[0]:>12.8g}  "
                f"{'stable' if fp.pseudo_time_stable else 'unstable':>11}  "
                f"{fp.pseudo_time_eigenvalues.real.max():>20.6g}"
            )
        print("pseudo-time: stability of the relaxation of eq. 30 (max Re lambda: its eigenvalues), "
              "not of the network with its delay (see 'stability').")
        return 0
    if args.command == "stability":
        return _stability(net, args, parser)
    # trajectory
    from .pseudo_time import pseudo_time

    try:
        res = pseudo_time(net, args.t_sim, dt=args.dt, tau=args.tau, method=args.method)
    except ValueError as exc:
        parser.error(str(exc))
    print("time_ms," + ",".join(f"rate_{n}_Hz" for n in res.names))
    for t, row in zip(res.times, res.rates):
        print(f"{t:.10g}," + ",".join(f"{v:.10g}" for v in row))
    return 0


def _stability(net: BrunelNetwork, args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .fixed_points import FixedPointError, fixed_points
    from .roots import RootSearchError
    from .stability import network_stability

    try:
        states = [(fp, network_stability(net, fp, f_max=args.f_max, re_min=args.re_min))
                  for fp in fixed_points(net) if fp.pseudo_time_stable]
    except ValueError as exc:
        parser.error(str(exc))
    except (FixedPointError, RootSearchError, NotImplementedError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    def mode(lam: complex) -> dict:
        return {"re_per_ms": lam.real, "im_per_ms": lam.imag, "frequency_Hz": abs(lam.imag) / (2 * math.pi) * 1e3}

    if args.json:
        print(json.dumps([{
            "rates_Hz": dict(zip(fp.names, map(float, fp.rates))),
            "pseudo_time_eigenvalues_per_ms": [mode(complex(v)) for v in fp.pseudo_time_eigenvalues],
            "network_eigenvalues_per_ms": [mode(complex(v)) for v in st.eigenvalues if v.imag >= 0],
            "stable": st.stable, "frequency_Hz": st.frequency, "delay_ms": st.delay, "re_min_per_ms": st.re_min,
            "f_max_Hz": st.f_max, "asymptote_per_ms": st.asymptote if math.isfinite(st.asymptote) else None,
        } for fp, st in states], indent=2))
        return 0
    print(f"Brunel network g={net.g:g} eta={net.eta:g} V_reset={net.V_reset:g} mV delay={net.delay:g} ms")
    for fp, st in states:
        print(f"\nfixed point {fp.rates[0]:.10g} Hz (stable under eq. 30: eigenvalues "
              f"{', '.join(f'{v.real:.4g}' for v in fp.pseudo_time_eigenvalues)} per ms, a fictitious relaxation)")
        modes = [v for v in st.eigenvalues if v.imag >= 0][:6]
        print(f"network eigenvalues with delay, Re > {st.re_min:.4g} per ms, f <= {st.f_max:g} Hz:"
              + ("" if modes else " none"))
        for v in modes:
            print(f"  Re {v.real:+.5f} per ms   f {abs(v.imag) / (2 * math.pi) * 1e3:9.2f} Hz")
        print(f"modes beyond {st.f_max:g} Hz: real parts tend to {st.asymptote:.3g} per ms"
              + (f" (near multiples of 1/delay = {1e3 / st.delay:.4g} Hz)" if math.isfinite(st.asymptote)
                 else " (no chain of modes: " + ("the synapses filter the input)" if net.tau_syn > 0
                                                 else "no recurrent noise)")))
        if st.stable:
            verdict = "stable: the asynchronous state holds"
        else:
            verdict = (f"unstable: oscillation at {st.frequency:.1f} Hz" if st.frequency > 0
                       else "unstable: a real eigenvalue (the rate runs away)")
        print(f"verdict: {verdict}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
