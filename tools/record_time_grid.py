"""Record the share of the simulator's time grid in the rate of neurons at the network's fixed points.

NEST's ``iaf_psc_delta`` and the spiking twin (:func:`mfkit.simulate_brunel`) test the threshold only
at the end of every time step ``dt``: the crossings made and undone within a step are missed, and
the neurons fire less often than eq. 27 (Hahne et al. 2017, the rate in continuous time) predicts.
:func:`mfkit.siegert` with ``dt`` raises the threshold by ``TIME_GRID_BETA sigma sqrt(dt/tau_m)``
(Siegmund's correction).  This script measures how well that works and writes
``book/data/time_grid_record.json``::

    python tools/record_time_grid.py [OUTPUT.json]

(7 minutes of wall time at low priority on the project's shared 2-core development machine,
under the load of other jobs; the file stores the time it took).  At the stable fixed point of
eq. 27 (:func:`mfkit.stable_fixed_point`, continuous time) of the :class:`mfkit.BrunelNetwork` at
every point ``(V_reset, g, eta)`` of :data:`POINTS` (Brunel's slow and fast irregular and AI states,
a state near threshold at g = 8, and the seed network), and at every ``dt`` of :data:`DTS`:

* ``white_noise`` (:func:`white_noise_point`): neurons driven by white noise of the fixed point's
  ``mu`` and ``sigma`` (:func:`mfkit.single_neuron.simulate_lif_rate`), once with the threshold
  tested only at the end of each step (``crossing="grid"``, as NEST) and once in continuous time
  (``"bridge"``), with the same noise (same seed); their rates with standard errors from the
  scatter between :data:`WHITE_NOISE` ``n_groups`` independent groups of neurons, and the ratio
  grid/bridge with its error from the same groups (:func:`ratio_error`; the shared noise makes it
  far more precise than either rate).  The number of neurons is chosen for about
  ``WHITE_NOISE["n_spikes"]`` recorded spikes at the rate of eq. 27.
* ``jumps`` (:func:`jump_point`): neurons with the network's synaptic jumps (``J``, ``-g J``) from
  independent Poisson inputs at the fixed point's rates, updated as NEST does
  (:func:`mfkit.single_neuron.simulate_poisson_inputs`, :data:`JUMPS`): rate and mean CV of the
  inter-spike intervals with standard errors from the scatter between neurons.
* ``small_jumps`` (:func:`small_jumps_point`, only at ``dt`` = 0.1 ms): the control in the limit of
  many small jumps per step (:func:`mfkit.single_neuron.simulate_lif_shot_noise`): jumps of
  ``SMALL_JUMPS["J_E"]`` = 0.02 mV and ``SMALL_JUMPS["J_I"]`` = -0.1 mV whose total input rates
  (:func:`small_jump_rates`) solve eq. 28-29 for the fixed point's ``mu`` and ``sigma`` exactly
  (``CE``, ``CI`` 25 times the network's; only the products ``C rate`` enter); its rate should be
  that of eq. 27 with ``dt``.

The theory beside each (:func:`theory_point`): ``eq27`` = :func:`mfkit.siegert` at the fixed
point's ``mu``, ``sigma`` (the fixed point's rate), ``eq27_dt`` = the same with ``dt``, and ``cv``
= :func:`mfkit.cv_isi` (continuous time).

Besides the results the file stores the inputs (every parameter and seed), the mfkit version and
commit, the date and the run time.  Format: JSON (numbers with 6 significant digits, errors with 2,
NaN as ``null``, every list of numbers on one line).  ``tests/test_time_grid_record.py`` reruns a
reduced version with the functions of this module and checks it against the record.
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
from mfkit import BrunelNetwork, FixedPoint, cv_isi, siegert, stable_fixed_point  # noqa: E402
from mfkit.single_neuron import simulate_lif_rate, simulate_lif_shot_noise, simulate_poisson_inputs  # noqa: E402

DEFAULT_OUTPUT = ROOT / "book" / "data" / "time_grid_record.json"

#: (V_reset, g, eta) of BrunelNetwork(), with the names of the record.
POINTS = {"g 8, eta 0.9": (10.0, 8.0, 0.9), "SI slow": (10.0, 4.5, 0.9), "g 6, eta 1.5": (10.0, 6.0, 1.5),
          "seed": (0.0, 5.0, 2.0), "AI": (10.0, 5.0, 2.0)}
DTS = (0.1, 0.01)  # ms
WHITE_NOISE = {"n_spikes": 20000, "t_sim": 5000.0, "t_warmup": 1000.0, "n_groups": 16, "seed": 2024}
JUMPS = {"n_neurons": 300, "n_intervals": 150.0, "seed": 2024}
SMALL_JUMPS = {"J_E": 0.02, "J_I": -0.1, "input_factor": 25, "dt": 0.1}
DIGITS, ERROR_DIGITS = 6, 2  # significant digits of the values and of their errors


def sig(x: float, digits: int = ERROR_DIGITS) -> float:
    """``x`` rounded to ``digits`` significant digits (for the errors)."""
    return float(f"{float(x):.{digits}g}")


def network_state(point: tuple[float, float, float]) -> tuple[BrunelNetwork, FixedPoint]:
    """The network at ``(V_reset, g, eta)`` and its stable fixed point of eq. 27 (continuous time)."""
    V_reset, g, eta = point
    network = BrunelNetwork(g=g, eta=eta, V_reset=V_reset)
    return network, stable_fixed_point(network)


def theory_point(network: BrunelNetwork, fixed_point: FixedPoint, dt: float) -> dict:
    """eq. 27 at the fixed point's ``mu``, ``sigma`` without and with ``dt`` (Hz), and the CV of eq. 27."""
    mu, sigma = float(fixed_point.mu[0]), float(fixed_point.sigma[0])
    lif = {"tau_m": network.tau_m, "t_ref": network.t_ref, "theta": network.theta, "V_reset": network.V_reset}
    return {"mu": mu, "sigma": sigma, "eq27": float(siegert(mu, sigma, **lif)),
            "eq27_dt": float(siegert(mu, sigma, **lif, dt=dt)), "cv": float(cv_isi(mu, sigma, **lif))}


def ratio_error(a: np.ndarray, b: np.ndarray) -> float:
    """Standard error of ``mean(a) / mean(b)`` from paired group means (delta method)."""
    ratio = a.mean() / b.mean()
    return float((a - ratio * b).std(ddof=1) / math.sqrt(a.size) / b.mean())


def white_noise_point(network: BrunelNetwork, fixed_point: FixedPoint, dt: float, *, n_spikes: float,
                      t_sim: float, t_warmup: float, n_groups: int, seed: int) -> dict:
    """Rates (Hz) of white-noise neurons with the threshold tested on the grid and in continuous time.

    The neurons (``n_groups`` times as many as needed for about ``n_spikes`` spikes in ``t_sim``
    at the fixed point's rate) get the fixed point's ``mu`` and ``sigma``; both runs share their
    noise, so the ratio grid/bridge and its error come from the same groups.
    """
    nu = float(fixed_point.rates[0])
    n_neurons = n_groups * math.ceil(n_spikes / (nu * t_sim * 1e-3) / n_groups)
    lif = {"tau_m": network.tau_m, "t_ref": network.t_ref, "theta": network.theta, "V_reset": network.V_reset}
    groups, out = {}, {"n_neurons": n_neurons}
    for crossing in ("grid", "bridge"):
        result = simulate_lif_rate(float(fixed_point.mu[0]), float(fixed_point.sigma[0]), t_sim=t_sim, dt=dt,
                                   n_neurons=n_neurons, t_warmup=t_warmup, n_groups=n_groups, seed=seed,
                                   crossing=crossing, **lif)
        groups[crossing] = result.rates_by_group.mean(axis=1)
        out[crossing] = result.mean_rate
        out[f"{crossing}_err"] = sig(result.mean_rate_error)
    out["ratio"] = out["grid"] / out["bridge"]
    out["ratio_err"] = sig(ratio_error(groups["grid"], groups["bridge"]))
    return out


def jump_point(network: BrunelNetwork, fixed_point: FixedPoint, dt: float, *, n_neurons: int,
               n_intervals: float, seed: int) -> dict:
    """Rate (Hz) and CV of neurons with the network's jumps from Poisson inputs at the fixed point."""
    r = simulate_poisson_inputs(network, fixed_point, n_intervals=n_intervals, n_neurons=n_neurons, seed=seed, dt=dt)
    return {"rate": r.rate, "rate_err": sig(r.rate_err), "cv": r.cv, "cv_err": sig(r.cv_err)}


def small_jump_rates(mu: float, sigma: float, tau_m: float, J_E: float, J_I: float) -> tuple[float, float]:
    """Total excitatory and inhibitory input rates (1/ms) with jumps ``J_E``, ``J_I`` that give ``mu``, ``sigma``.

    Solves eq. 28-29, ``mu = tau_m (J_E l_E + J_I l_I)``, ``sigma^2 = tau_m (J_E^2 l_E + J_I^2 l_I)``,
    for ``l_E, l_I``; a ``ValueError`` if one is negative (``sigma^2 < J_E mu`` or ``mu`` too low).
    """
    l_I = (sigma**2 - J_E * mu) / (tau_m * J_I * (J_I - J_E))
    l_E = (mu / tau_m - J_I * l_I) / J_E
    if not (l_E >= 0 and l_I >= 0):
        raise ValueError(f"no non-negative input rates with J_E={J_E!r}, J_I={J_I!r} give mu={mu!r}, sigma={sigma!r}")
    return l_E, l_I


def small_jumps_point(network: BrunelNetwork, fixed_point: FixedPoint, *, J_E: float, J_I: float,
                      input_factor: int, dt: float, n_neurons: int, n_intervals: float, seed: int) -> dict:
    """Rate (Hz) and CV of neurons with many small jumps of the fixed point's ``mu`` and ``sigma``.

    ``CE``, ``CI`` are ``input_factor`` times the network's, each input firing at the total rate of
    :func:`small_jump_rates` over their number; the run lasts ``n_intervals`` mean intervals of the
    fixed point's rate, like :func:`jump_point`.  Returns the rate, CV (with errors) and the
    ``mu``, ``sigma`` of the inputs (eq. 28-29, from the model).
    """
    mu, sigma = float(fixed_point.mu[0]), float(fixed_point.sigma[0])
    l_E, l_I = small_jump_rates(mu, sigma, network.tau_m, J_E, J_I)
    CE, CI = input_factor * network.CE, input_factor * network.CI
    nu = float(fixed_point.rates[0])
    r = simulate_lif_shot_noise(1e3 * l_E / CE, 1e3 * l_I / CI, CE=CE, CI=CI, J_E=J_E, J_I=J_I,
                                t_sim=1e3 * n_intervals / nu, n_neurons=n_neurons, seed=seed, dt=dt,
                                tau_m=network.tau_m, t_ref=network.t_ref, theta=network.theta,
                                V_reset=network.V_reset)
    return {"rate": r.rate, "rate_err": sig(r.rate_err), "cv": r.cv, "cv_err": sig(r.cv_err),
            "mu": r.mu, "sigma": r.sigma, "CE": CE, "CI": CI}


def record(progress=print) -> dict:
    """Every measurement of the module docstring, with the inputs, version, date and run time."""
    start = time.perf_counter()
    points = []
    for name, point in POINTS.items():
        network, fp = network_state(point)
        entry = {"name": name, "V_reset": point[0], "g": point[1], "eta": point[2], "rate": float(fp.rates[0]),
                 "by_dt": []}
        for dt in DTS:
            progress(f"{name}, dt {dt} ms ({time.perf_counter() - start:.0f} s)")
            row = {"dt": dt, "theory": theory_point(network, fp, dt),
                   "white_noise": white_noise_point(network, fp, dt, **WHITE_NOISE),
                   "jumps": jump_point(network, fp, dt, **JUMPS)}
            if dt == SMALL_JUMPS["dt"]:
                row["small_jumps"] = small_jumps_point(network, fp, **SMALL_JUMPS, n_neurons=JUMPS["n_neurons"],
                                                       n_intervals=JUMPS["n_intervals"], seed=JUMPS["seed"])
            entry["by_dt"].append(row)
        points.append(entry)
    return {"what": "Rates of neurons that test the threshold on the time grid against eq. 27 with and without "
                    "dt, at the Brunel network's fixed points; regenerate: python tools/record_time_grid.py",
            "inputs": {"points": POINTS, "dts": DTS, "white_noise": WHITE_NOISE, "jumps": JUMPS,
                       "small_jumps": SMALL_JUMPS},
            "points": points,
            **provenance(start)}


def main(argv=None) -> None:
    write_record(record, DEFAULT_OUTPUT, __doc__.splitlines()[0], argv, digits=DIGITS)


if __name__ == "__main__":
    main()
