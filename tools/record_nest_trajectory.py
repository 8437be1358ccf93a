"""Record NEST's pseudo-time trajectory of the seed script ``brunel_siegert_nest.py``.

Rebuilds the network of NEST's example ``brunel_siegert_nest.py`` (Hahne et al. 2017, eq. 30):
one ``siegert_neuron`` for the excitatory and one for the inhibitory population of the seed
network (order 2500, g = 5, eta = 2, epsilon = 0.1), a driving ``siegert_neuron`` whose ``mean``
is the Poisson rate ``p_rate`` of the spiking network, ``diffusion_connection`` synapses with the
script's drift and diffusion factors (eq. 28-29), and a multimeter recording ``rate`` every
``dt = 0.1`` ms during ``simtime = 50`` ms.  The recording is written as CSV with the columns
``time_ms, rate_E_Hz, rate_I_Hz`` and 10 significant digits, the format of
``mfkit/data/nest_seed_trajectory.csv`` (the default output)::

    python tools/record_nest_trajectory.py [OUTPUT.csv]

Needs NEST (``pip install "mfkit[nest]"``); the committed file was recorded with NEST 3.10.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the mfkit of this tree

from mfkit.spiking.nest_backend import import_nest  # noqa: E402

DEFAULT_OUTPUT = ROOT / "mfkit" / "data" / "nest_seed_trajectory.csv"
HEADER = "time_ms,rate_E_Hz,rate_I_Hz"

# The seed script's parameters, verbatim.
DT = 0.1  # ms
SIMTIME = 50.0  # ms
G, ETA, EPSILON, ORDER = 5.0, 2.0, 0.1, 2500
TAU_M, THETA, J = 20.0, 20.0, 0.1  # ms, mV, mV
NEURON_PARAMS = {"tau_m": TAU_M, "t_ref": 2.0, "theta": THETA, "V_reset": 0.0}


def seed_factors() -> dict:
    """Drift and diffusion factors (eq. 28-29) and the drive ``p_rate`` (Hz) of the seed script."""
    NE, NI = 4 * ORDER, ORDER
    CE, CI = int(EPSILON * NE), int(EPSILON * NI)
    J_ex, J_in = J, -G * J
    nu_th = THETA / (J * CE * TAU_M)
    return {
        "p_rate": 1000.0 * ETA * nu_th * CE,
        "ext": (TAU_M * 1e-3 * J_ex, TAU_M * 1e-3 * J_ex ** 2),
        "ex": (TAU_M * 1e-3 * CE * J_ex, TAU_M * 1e-3 * CE * J_ex ** 2),
        "in": (TAU_M * 1e-3 * CI * J_in, TAU_M * 1e-3 * CI * J_in ** 2),
    }


def record() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Build and run the seed script's rate network in NEST.

    Returns
    -------
    times, rate_E, rate_I : ndarray
        Multimeter times (ms) and the rates (Hz) of the E and I ``siegert_neuron``.
    """
    nest = import_nest()
    f = seed_factors()
    nest.ResetKernel()
    nest.resolution = DT
    siegert_ex = nest.Create("siegert_neuron", params=NEURON_PARAMS)
    siegert_in = nest.Create("siegert_neuron", params=NEURON_PARAMS)
    siegert_drive = nest.Create("siegert_neuron", params={"mean": f["p_rate"]})
    multimeter = nest.Create("multimeter", params={"record_from": ["rate"], "interval": DT})
    both = siegert_ex + siegert_in
    for source, key in ((siegert_drive, "ext"), (siegert_ex, "ex"), (siegert_in, "in")):
        drift, diffusion = f[key]
        syn = {"drift_factor": drift, "diffusion_factor": diffusion, "synapse_model": "diffusion_connection"}
        nest.Connect(source, both, "all_to_all", syn)
        if key == "ext":  # the script connects the multimeter right after the drive
            nest.Connect(multimeter, both)
    nest.Simulate(SIMTIME)
    ev = multimeter.events
    senders, rates, times = (np.asarray(ev[k]) for k in ("senders", "rate", "times"))
    rate_E = rates[senders == siegert_ex.global_id]
    rate_I = rates[senders == siegert_in.global_id]
    return times[senders == siegert_in.global_id], rate_E, rate_I


def write_csv(path: Path, times: np.ndarray, rate_E: np.ndarray, rate_I: np.ndarray) -> None:
    """Write the trajectory with 10 significant digits (``%.10g``), as the committed file."""
    lines = [HEADER] + [f"{t:.10g},{e:.10g},{i:.10g}" for t, e, i in zip(times, rate_E, rate_I)]
    Path(path).write_text("\n".join(lines) + "\n")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT,
                        help=f"CSV file to write (default: {DEFAULT_OUTPUT})")
    args = parser.parse_args(argv)
    write_csv(args.output, *record())
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
