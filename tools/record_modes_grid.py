"""Record modes of the network with shot noise, in continuous time and on NEST's time grid (fast and slow).

At ``V_reset = 0``, ``g = 3`` the spiking twin and NEST oscillate in lockstep near 665 Hz while the linear theory
calls the state stable, with white noise and with shot noise in continuous time
(``book/data/beyond_diffusion_record.json``).  This script tests the last candidate the chapter can control, the
simulator's time grid: the least damped fast mode of the Brunel network's common mode,

.. math::

    1 = e^{-\\lambda D} \\big[C_E \\chi_{+J}(\\lambda) + C_I \\chi_{-gJ}(\\lambda)\\big],

with the shot-noise responses ``chi`` of :class:`mfkit.shot_noise.ShotNoiseNeuron` (the network's jumps at the
shot-noise fixed point's rates; the three coarsest grids, as :func:`mfkit.network_stability` uses them) in
continuous time and with ``dt`` = 0.1 ms (the twin's grid: a spike of step ``n`` acts in step ``n + D/dt``),
found by the secant method from the continuous-time root of the record (``fast``).  The same for the least
damped slow mode (below 100 Hz) at every point with ``eta <= 1`` and a unique state (``slow``), where the
frequencies of eq. 27 and of shot noise miss the twin's spectral peak.  Writes
``book/data/modes_grid_record.json``::

    python tools/record_modes_grid.py [OUTPUT.json]

(about 5 minutes on one core of the project's shared 2-core machine; the file stores the time it took).
``tests/test_modes_grid_record.py`` checks that the recorded roots solve the equation.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]  # the mfkit of this tree; the tools also when loaded by path

from _record import provenance, write_record  # noqa: E402
from mfkit import BrunelNetwork, stable_fixed_point  # noqa: E402
from mfkit.shot_noise import ShotNoiseNeuron  # noqa: E402

DEFAULT_OUTPUT = ROOT / "book" / "data" / "modes_grid_record.json"
FAST = [(0.0, 3.0, eta) for eta in (1.0, 2.0, 4.0)]  # (V_reset, g, eta): the grid points of the fast state
SLOW_MAX_HZ = 100.0  # a slow mode: least damped root below this frequency
DT = 0.1  # ms
TOL = 1e-9  # 1/ms: the secant method stops when the step is below this


def neuron(net: BrunelNetwork, dt: float | None) -> ShotNoiseNeuron:
    """The neuron of ``net`` at its shot-noise fixed point: jumps ``[J, -g J]`` at ``[C_E (nu + nu_ext), C_I nu]``."""
    nu = float(stable_fixed_point(net, input_model="shot").rates[0])
    return ShotNoiseNeuron([net.J_ex, net.J_in], [net.CE * (nu + net.nu_ext_hz), net.CI * nu], V_reset=net.V_reset,
                           dt=dt)


def characteristic(net: BrunelNetwork, n: ShotNoiseNeuron, lam: complex) -> complex:
    """``1 - e^{-lam D} (C_E chi_+ + C_I chi_-)`` at ``lam`` (1/ms), the responses from the three coarsest grids."""
    _, chi = n.laplace(np.array([lam]))
    return complex(1 - np.exp(-lam * net.delay) * (net.CE * chi[0, 0] + net.CI * chi[0, 1]))


def root(net: BrunelNetwork, n: ShotNoiseNeuron, start: complex, max_iter: int = 40) -> complex:
    """The root of :func:`characteristic` by the secant method from ``start`` and ``1.001 start``."""
    z0, z1 = start, 1.001 * start
    f0, f1 = characteristic(net, n, z0), characteristic(net, n, z1)
    for _ in range(max_iter):
        z0, z1, f0 = z1, z1 - f1 * (z1 - z0) / (f1 - f0), f1
        f1 = characteristic(net, n, z1)
        if abs(z1 - z0) < TOL:
            return z1
    raise RuntimeError(f"no root near {start} after {max_iter} secant steps")


def as_mode(z: complex) -> dict:
    return {"re_per_ms": z.real, "f_Hz": z.imag / (2 * np.pi) * 1e3}


def mode_pair(point: dict, candidates: list[list[float]], say) -> dict:
    """The least damped of ``candidates`` ([Re, f] of the beyond-diffusion record) re-solved in continuous time
    and continued to the grid."""
    V_r, g, eta = point["V_r"], point["g"], point["eta"]
    net = BrunelNetwork(g=g, eta=eta, V_reset=V_r)
    re, f = max(candidates, key=lambda z: z[0])
    recorded = re + 2j * np.pi * f * 1e-3
    continuous = root(net, neuron(net, None), recorded)
    grid = root(net, neuron(net, DT), continuous)
    say(f"V_r {V_r:g} g {g:g} eta {eta:g}: {f:.0f} Hz")
    return {"V_r": V_r, "g": g, "eta": eta, "recorded": as_mode(recorded), "continuous": as_mode(continuous),
            "grid": as_mode(grid)}


def record(progress=print) -> dict:
    start = time.perf_counter()

    def say(msg: str) -> None:
        progress(f"{msg} ({time.perf_counter() - start:.0f} s)")

    beyond = json.loads((ROOT / "book" / "data" / "beyond_diffusion_record.json").read_text())
    shot = [p for p in beyond["points"] if p["unique"] and "roots" in p.get("shot", {})]
    fast = [mode_pair(p, p["shot"]["roots"], say) for key in FAST
            for p in shot if (p["V_r"], p["g"], p["eta"]) == key]
    slow = [mode_pair(p, [z for z in p["shot"]["roots"] if 0 < z[1] < SLOW_MAX_HZ], say)
            for p in shot if p["eta"] <= 1]
    return {"what": "Modes of the Brunel network with shot noise (the least damped near 1/D at V_reset = 0, g = 3, and "
                    "the least damped slow mode at eta <= 1), in continuous time and on the 0.1 ms grid; regenerate: "
                    "python tools/record_modes_grid.py",
            "inputs": {"fast": FAST, "slow_max_Hz": SLOW_MAX_HZ, "dt": DT, "tol": TOL}, "fast": fast, "slow": slow,
            **provenance(start)}


def main(argv=None) -> None:
    write_record(record, DEFAULT_OUTPUT, __doc__.splitlines()[0], argv, digits=10)


if __name__ == "__main__":
    main()
