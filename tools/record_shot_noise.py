"""Record simulated shot-noise LIF neurons against the continuous-time master equation of :mod:`mfkit.shot_noise`.

:func:`mfkit.shot_noise.shot_noise_rate` and :func:`mfkit.shot_noise.shot_noise_response` solve the master
equation of a LIF neuron (NEST's ``iaf_psc_delta``) whose inputs are Poisson spike trains of fixed jumps, in
continuous time.  This script measures the same neuron simulated on a time grid
(:func:`mfkit.single_neuron.simulate_lif_jumps`, :func:`mfkit.single_neuron.simulate_lif_jumps_rate`, NEST's
update) and writes ``book/data/shot_noise_record.json``::

    python tools/record_shot_noise.py [OUTPUT.json]

(about 14 minutes on one core of the project's shared 2-core machine; the file stores the time it took).
The neuron is one of the :class:`mfkit.BrunelNetwork` at every point ``(V_reset, g, eta)`` of :data:`POINTS`,
its inputs made Poisson at the rate ``nu`` of the network's stable fixed point of eq. 27
(:func:`mfkit.stable_fixed_point`): jumps ``[J, -g J]`` at the total rates ``[CE (nu + nu_ext), CI nu]``
(:func:`neuron_inputs`).

* ``stationary`` (every point, every ``dt`` of :data:`DTS`; :func:`stationary_point`): rate and mean CV of
  the inter-spike intervals of :data:`STATIONARY_SIZES` ``n_neurons`` neurons, each run for ``n_intervals`` mean
  intervals of the theory's rate (long runs: the CV of a neuron's intervals is biased by ``O(1/n)``), with
  standard errors from the scatter between neurons; beside :func:`mfkit.shot_noise.shot_noise_rate`.
* ``response`` (the points of :data:`RESPONSE_POINTS`; :func:`response_point`): the excitatory (``E``,
  ``k = 0``) or inhibitory (``I``, ``k = 1``) input rate modulated, ``r_k (1 + eps cos(2 pi f t))``, at every
  frequency of :data:`FREQS` for its ``dt``, by :data:`EPS` (chosen for a modulation of the output rate of
  about 25 % at up to 30 Hz and 30 % above, at most 1: see :data:`EPS`); gain and phase of
  ``chi_k = delta nu / delta r_k`` fitted by :func:`mfkit.single_neuron.fit_response` with standard errors
  from :data:`RESPONSE` ``n_groups`` independent groups of neurons; for ``eps`` up to
  ``RESPONSE["reference_max_eps"]`` an unmodulated run of the same neurons and seed is subtracted first
  (common random numbers; at larger ``eps`` the two runs' inputs differ in too many steps and the
  subtraction adds noise).  Beside each: :func:`mfkit.shot_noise.shot_noise_response`.
* ``linearity`` (:data:`LINEARITY`): the fits of ``response`` repeated with ``eps / 2`` (same neurons, seed
  and reference): where the output is modulated most at low frequency and where ``eps`` is largest.
* ``summary``: which targets (:data:`TARGETS`: rate within 1 %, CV within 0.01; gain within 5 % and phase
  within 5 degrees up to 300 Hz at dt = 0.1 ms and up to 1 kHz at dt = 0.01 ms) the simulation meets,
  judged on its estimates (:func:`judge`); the errors of the estimates are beside them.

The theory is continuous time, the simulation tests the threshold only at the end of each step of ``dt``
(and all inputs of a step arrive at its end): its differences at dt = 0.1 ms are in part the time grid's.
Besides the results the file stores the inputs (every parameter and seed), the mfkit version and commit, the
date and the run time.  Format: JSON (numbers with 6 significant digits, errors with 2, every list of numbers
on one line).  ``tests/test_shot_noise_record.py`` checks the record against the theory recomputed now and
against a reduced rerun with the functions of this module.
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]  # the mfkit of this tree; the tools also when loaded by path

from _record import provenance, write_record  # noqa: E402
from mfkit import BrunelNetwork, stable_fixed_point  # noqa: E402
from mfkit.shot_noise import shot_noise_rate, shot_noise_response  # noqa: E402
from mfkit.single_neuron import fit_response, simulate_lif_jumps, simulate_lif_jumps_rate  # noqa: E402

DEFAULT_OUTPUT = ROOT / "book" / "data" / "shot_noise_record.json"

#: (V_reset, g, eta) of BrunelNetwork(), with the names of the record.
POINTS = {"seed": (0.0, 5.0, 2.0), "g 8, eta 0.9": (10.0, 8.0, 0.9), "g 5, eta 0.9": (10.0, 5.0, 0.9)}
DTS = (0.1, 0.01)  # ms
#: Relative accuracy asked of the master equation: rate and CV, response (the latter is what converges
#: at the g = 8 point within the solver's grid limit; both far below the simulation's errors).
RTOL = {"rate": 1e-4, "response": 1e-3}
#: Stationary runs: neurons and mean intervals per neuron at every point (the same at both dt), and the settings
#: shared by all.
STATIONARY_SIZES = {"seed": {"n_neurons": 20, "n_intervals": 2000},
                    "g 8, eta 0.9": {"n_neurons": 120, "n_intervals": 1000},
                    "g 5, eta 0.9": {"n_neurons": 60, "n_intervals": 2000}}
STATIONARY = {"t_warmup": 200.0, "seed": 2024}
RESPONSE_POINTS = ("seed", "g 8, eta 0.9")
CHANNELS = {"E": 0, "I": 1}
FREQS = {0.1: (10.0, 30.0, 100.0, 300.0), 0.01: (100.0, 300.0, 1000.0)}  # Hz, by dt
#: Modulation depth eps of the input rate by point, channel and frequency (Hz): the output rate modulated by
#: about 25 % (up to 30 Hz) or 30 % (above; the membrane filters the input there, the part of the response
#: that does not pass the membrane -- inputs carrying the potential across threshold -- is linear in the rate),
#: from the theory's gain, rounded; at most 1 (the I input at g = 8 above 100 Hz, whose output modulation stays
#: below that: 19 % at 300 Hz, 5 % at 1 kHz).
EPS = {"seed": {"E": {10.0: 0.03, 30.0: 0.025, 100.0: 0.05, 300.0: 0.08, 1000.0: 0.14},
                "I": {10.0: 0.045, 30.0: 0.035, 100.0: 0.08, 300.0: 0.14, 1000.0: 0.3}},
       "g 8, eta 0.9": {"E": {10.0: 0.01, 30.0: 0.02, 100.0: 0.05, 300.0: 0.08, 1000.0: 0.13},
                        "I": {10.0: 0.06, 30.0: 0.15, 100.0: 0.5, 300.0: 1.0, 1000.0: 1.0}}}
#: Response runs: neurons and recorded time by point and dt, and the settings shared by all.
SIZES = {"seed": {0.1: {"n_neurons": 5000, "t_sim": 2000.0}, 0.01: {"n_neurons": 3000, "t_sim": 2000.0}},
         "g 8, eta 0.9": {0.1: {"n_neurons": 32000, "t_sim": 2000.0}, 0.01: {"n_neurons": 20000, "t_sim": 2000.0}}}
RESPONSE = {"n_groups": 16, "t_warmup": 200.0, "seed": 2024, "reference_max_eps": 0.2}
#: (point, dt, channel, f) repeated with eps / 2.
LINEARITY = (("seed", 0.1, "E", 30.0), ("g 8, eta 0.9", 0.1, "E", 10.0), ("g 8, eta 0.9", 0.1, "I", 300.0))
TARGETS = {"rate_rel": 0.01, "cv_abs": 0.01, "gain_rel": 0.05, "phase_deg": 5.0, "f_max": {0.1: 300.0, 0.01: 1000.0}}
DIGITS, ERROR_DIGITS = 6, 2  # significant digits of the values and of their errors


def sig(x: float, digits: int = ERROR_DIGITS) -> float:
    """``x`` rounded to ``digits`` significant digits (for the errors)."""
    return float(f"{float(x):.{digits}g}")


def neuron_inputs(point: tuple[float, float, float]) -> dict:
    """The network at ``(V_reset, g, eta)``, the rate ``nu`` of its stable fixed point (Hz), the jumps (mV) and
    total rates (Hz) of a neuron's inputs made Poisson, ``[J, -g J]`` at ``[CE (nu + nu_ext), CI nu]``, and the
    neuron's parameters."""
    V_reset, g, eta = point
    net = BrunelNetwork(g=g, eta=eta, V_reset=V_reset)
    nu = float(stable_fixed_point(net).rates[0])
    return {"nu": nu, "jumps": [float(net.J_ex), float(net.J_in)],
            "rates": [net.CE * (nu + net.nu_ext_hz), net.CI * nu],
            "lif": {"tau_m": net.tau_m, "t_ref": net.t_ref, "theta": net.theta, "V_reset": net.V_reset}}


def theory_stationary(inputs: dict) -> dict:
    """Rate (Hz) and CV of the master equation (continuous time)."""
    s = shot_noise_rate(inputs["jumps"], inputs["rates"], rtol=RTOL["rate"], **inputs["lif"])
    return {"rate": s.rate, "cv": s.cv}


def theory_response(inputs: dict, freqs) -> np.ndarray:
    """``chi_k(f)``, shape ``(len(freqs), K)``, of the master equation (continuous time)."""
    return shot_noise_response(np.asarray(freqs, dtype=float), inputs["jumps"], inputs["rates"],
                               rtol=RTOL["response"], **inputs["lif"])


def wrap(deg: float) -> float:
    """An angle difference (degrees) in [-180, 180)."""
    return (deg + 180.0) % 360.0 - 180.0


def stationary_point(inputs: dict, rate_theory: float, dt: float, *, n_neurons: int, n_intervals: float,
                     t_warmup: float, seed: int) -> dict:
    """Rate (Hz) and mean CV of ``n_neurons`` neurons run for ``n_intervals`` intervals of ``rate_theory``."""
    t_sim = 1e3 * n_intervals / rate_theory
    r = simulate_lif_jumps(inputs["jumps"], inputs["rates"], t_sim=t_sim, n_neurons=n_neurons, seed=seed, dt=dt,
                           t_warmup=t_warmup, **inputs["lif"])
    return {"n_neurons": n_neurons, "t_sim": t_sim, "rate": r.rate, "rate_err": sig(r.rate_err), "cv": r.cv,
            "cv_err": sig(r.cv_err)}


def response_runs(inputs: dict, dt: float, *, n_neurons: int, t_sim: float, n_groups: int, t_warmup: float,
                  seed: int) -> tuple[dict, object]:
    """The arguments of the response runs, and the unmodulated reference run."""
    run = dict(t_sim=t_sim, n_neurons=n_neurons, seed=seed, dt=dt, n_groups=n_groups, t_warmup=t_warmup,
               **inputs["lif"])
    return run, simulate_lif_jumps_rate(inputs["jumps"], inputs["rates"], **run)


def response_point(inputs: dict, run: dict, reference, k: int, eps: float, f: float, reference_max_eps: float) -> dict:
    """Gain and phase (degrees) of ``chi_k(f)`` fitted to a run with the rate of input ``k`` modulated by ``eps``
    (the reference subtracted if ``eps <= reference_max_eps``)."""
    res = simulate_lif_jumps_rate(inputs["jumps"], inputs["rates"], modulation=(k, eps, f), **run)
    use_reference = eps <= reference_max_eps
    fit = fit_response(res, reference if use_reference else None)
    return {"eps": eps, "reference": use_reference, "gain": fit.gain, "gain_err": sig(fit.gain_err),
            "phase": fit.phase, "phase_err": sig(fit.phase_err), "rate": fit.rate}


def judge(row: dict, theory: dict) -> dict:
    """The differences of a simulated row from the theory and whether they are within :data:`TARGETS`."""
    if "gain" in row:
        gain_rel = row["gain"] / theory["gain"] - 1
        phase = wrap(row["phase"] - theory["phase"])
        out = {"gain_rel_diff": gain_rel, "gain_z": gain_rel * theory["gain"] / row["gain_err"],
               "phase_diff": phase, "phase_z": phase / row["phase_err"],
               "gain_met": bool(abs(gain_rel) <= TARGETS["gain_rel"]),
               "phase_met": bool(abs(phase) <= TARGETS["phase_deg"])}
    else:
        rate_rel = row["rate"] / theory["rate"] - 1
        cv = row["cv"] - theory["cv"]
        out = {"rate_rel_diff": rate_rel, "rate_z": rate_rel * theory["rate"] / row["rate_err"], "cv_diff": cv,
               "cv_z": cv / row["cv_err"], "rate_met": bool(abs(rate_rel) <= TARGETS["rate_rel"]),
               "cv_met": bool(abs(cv) <= TARGETS["cv_abs"])}
    return out


def summary(stationary: list[dict], response: list[dict]) -> dict:
    """Which targets are met, by point and dt (response: within the target's frequency range)."""
    out = {"stationary": {}, "response": {}}
    for p in stationary:
        out["stationary"][p["name"]] = {str(row["dt"]): {"rate_met": row["rate_met"], "cv_met": row["cv_met"]}
                                        for row in p["by_dt"]}
    for p in response:
        by = {}
        for block in p["by_dt"]:
            rows = [r for r in block["rows"] if r["f"] <= TARGETS["f_max"][block["dt"]]]
            by[str(block["dt"])] = {"gain_met": all(r["gain_met"] for r in rows),
                                    "phase_met": all(r["phase_met"] for r in rows),
                                    "missed": [f"{r['channel']} {r['f']:g} Hz: " + ", ".join(
                                        name for name, ok in (("gain", r["gain_met"]), ("phase", r["phase_met"]))
                                        if not ok) for r in rows if not (r["gain_met"] and r["phase_met"])]}
        out["response"][p["name"]] = by
    return out


def record(progress=print) -> dict:
    """Every measurement of the module docstring, with the inputs, version, date and run time."""
    start = time.perf_counter()

    def say(msg: str) -> None:
        progress(f"{msg} ({time.perf_counter() - start:.0f} s)")

    states = {name: neuron_inputs(point) for name, point in POINTS.items()}
    stationary = []
    for name, point in POINTS.items():
        inputs = states[name]
        theory = theory_stationary(inputs)
        entry = {"name": name, "V_reset": point[0], "g": point[1], "eta": point[2], "nu": inputs["nu"],
                 "jumps": inputs["jumps"], "rates": inputs["rates"], "theory": theory, "by_dt": []}
        for dt in DTS:
            say(f"stationary: {name}, dt {dt} ms")
            row = {"dt": dt, **stationary_point(inputs, theory["rate"], dt, **STATIONARY_SIZES[name],
                                                **STATIONARY)}
            entry["by_dt"].append({**row, **judge(row, theory)})
        stationary.append(entry)
    response, linearity = [], []
    settings = {key: RESPONSE[key] for key in ("n_groups", "t_warmup", "seed")}
    for name in RESPONSE_POINTS:
        inputs = states[name]
        freqs = sorted({f for fs in FREQS.values() for f in fs})
        chi = dict(zip(freqs, theory_response(inputs, freqs)))
        entry = {"name": name, "jumps": inputs["jumps"], "rates": inputs["rates"],
                 "theory": {f"{f:g}": {"E": [c[0].real, c[0].imag], "I": [c[1].real, c[1].imag]}
                            for f, c in chi.items()}, "by_dt": []}
        for dt in DTS:
            say(f"response: {name}, dt {dt} ms, reference")
            run, reference = response_runs(inputs, dt, **SIZES[name][dt], **settings)
            block = {"dt": dt, **SIZES[name][dt], "reference_rate": reference.mean_rate,
                     "reference_rate_err": sig(reference.mean_rate_error), "rows": []}
            for channel, k in CHANNELS.items():
                for f in FREQS[dt]:
                    say(f"response: {name}, dt {dt} ms, {channel} {f:g} Hz")
                    th = {"gain": abs(chi[f][k]), "phase": math.degrees(np.angle(chi[f][k]))}
                    row = {"channel": channel, "k": k, "f": f,
                           **response_point(inputs, run, reference, k, EPS[name][channel][f], f,
                                            RESPONSE["reference_max_eps"]),
                           "theory_gain": th["gain"], "theory_phase": th["phase"]}
                    row.update(judge(row, th))
                    block["rows"].append(row)
                    if (name, dt, channel, f) in LINEARITY:
                        say(f"linearity: {name}, dt {dt} ms, {channel} {f:g} Hz, eps / 2")
                        half = response_point(inputs, run, reference, k, row["eps"] / 2, f,
                                              RESPONSE["reference_max_eps"])
                        ratio = half["gain"] / row["gain"]
                        linearity.append({
                            "name": name, "dt": dt, "channel": channel, "f": f, "eps": row["eps"],
                            "gain": row["gain"], "gain_err": row["gain_err"], "phase": row["phase"],
                            "phase_err": row["phase_err"], "half": half, "gain_ratio": ratio,
                            "gain_ratio_err": sig(ratio * math.hypot(half["gain_err"] / half["gain"],
                                                                     row["gain_err"] / row["gain"])),
                            "phase_diff": wrap(half["phase"] - row["phase"]),
                            "phase_diff_err": sig(math.hypot(half["phase_err"], row["phase_err"]))})
            entry["by_dt"].append(block)
        response.append(entry)
    say("done")
    return {"what": "Rate, CV and linear response of LIF neurons with Poisson inputs of fixed jumps, simulated on a "
                    "time grid, against the continuous-time master equation (mfkit.shot_noise); regenerate: "
                    "python tools/record_shot_noise.py",
            "inputs": {"points": POINTS, "dts": DTS, "rtol": RTOL, "stationary_sizes": STATIONARY_SIZES,
                       "stationary": STATIONARY, "response_points": RESPONSE_POINTS, "channels": CHANNELS,
                       "freqs": FREQS, "eps": EPS, "sizes": SIZES, "response": RESPONSE, "linearity": LINEARITY,
                       "targets": TARGETS},
            "stationary": stationary, "response": response, "linearity": linearity,
            "summary": summary(stationary, response),
            **provenance(start)}


def main(argv=None) -> None:
    write_record(record, DEFAULT_OUTPUT, __doc__.splitlines()[0], argv, digits=DIGITS)


if __name__ == "__main__":
    main()
