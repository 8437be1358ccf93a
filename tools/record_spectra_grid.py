"""Record the population-rate spectra with shot noise on the twin's time grid (the grid control of the spectra).

For the chapter ``book/beyond_diffusion.ipynb``; writes ``book/data/spectra_grid_record.json``::

    python tools/record_spectra_grid.py [OUTPUT.json]

The chapter compares the spectrum of the excitatory rate predicted with shot noise and self-consistent spike
trains (``tools/record_beyond_diffusion.py``) with the twin's.  This record changes one thing, the neurons'
response: at every point of that record with a spectrum, eta > 1 and an asynchronous twin (:func:`asynchronous`),
for the network of the spectra record's larger size (N = 20,000), at the shot-noise fixed point in continuous
time (``rate``):

* ``continuous``: :func:`mfkit.rate_spectrum` with ``input_model="shot"`` (the chapter's prediction);
* ``grid``: the same linear theory (:func:`mfkit.spectra.loop_spectra`) with the responses of the shot-noise
  neurons on NEST's 0.1 ms grid at the same input rates (:class:`mfkit.shot_input.ShotNoiseInputs` of the
  network with ``dt``, responses converged to :data:`RTOL_GRID`), the delay from a spike's step to the step it
  arrives in.  The grid's own fixed point (about 1 % lower in rate) is not used: on the grid it cannot be solved
  to the 1e-5 that :func:`mfkit.stable_fixed_point` requires at most points with ``V_reset`` = 10 mV (the
  neuron's grid would exceed ``MAX_BAND``);

both with the same single-neuron spectrum, the self-consistent renewal spectrum of :func:`mfkit.network_cv`
(``method="self-consistent"`` at the diffusion fixed point, the seed and neurons of ``record_beyond_diffusion``),
recorded as ``intrinsic``, and both at the centre frequency of every band of the spectra record from 20 Hz to
1 kHz (one frequency per band, ``f_Hz``).  A point whose grid responses do not converge records ``grid_error``
instead.  Run time: about an hour on two cores (:data:`WORKERS`).
"""
from __future__ import annotations

import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from mfkit import BrunelNetwork, network_cv, rate_spectrum, stable_fixed_point
from mfkit.network import as_model
from mfkit.shot_input import ShotNoiseInputs
from mfkit.shot_noise import ShotNoiseConvergenceError
from mfkit.spectra import loop_spectra
from mfkit.verification import ASYNCHRONOUS_EXPONENT, size_exponent

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _record and the record it extends
from _record import ROOT, provenance, write_record  # noqa: E402
from record_beyond_diffusion import N_NEURONS, SEED, spectra_record  # noqa: E402

OUTPUT = ROOT / "book" / "data" / "spectra_grid_record.json"
DT = 0.1  # ms, the twin's step
RTOL_GRID = 1e-2
F_MIN, F_MAX = 20.0, 1000.0
WORKERS = 2


def frequencies() -> np.ndarray:
    """The centre frequencies (Hz) of the spectra record's bands from :data:`F_MIN` to :data:`F_MAX`."""
    f = np.array(spectra_record()["bands"]["f_Hz"])
    return f[(f >= F_MIN) & (f <= F_MAX)]


def asynchronous(V_r: float, g: float, eta: float) -> bool:
    """The spectra chapter's rule: the standard deviation of the twin's excitatory rate (from its recorded
    spectrum) falls with N faster than ``N^-a``, ``a`` = :data:`mfkit.verification.ASYNCHRONOUS_EXPONENT`
    (:func:`mfkit.verification.size_exponent`), between the spectra record's two sizes."""
    runs = next(q["runs"] for q in spectra_record()["points"] if (q["V_r"], q["g"], q["eta"]) == (V_r, g, eta))
    sd = [math.sqrt(np.dot(runs[s]["E"]["psd"], spectra_record()["bands"]["n_bins"])) for s in ("small", "big")]
    return size_exponent(*sd, runs["small"]["N"], runs["big"]["N"]) > ASYNCHRONOUS_EXPONENT


def grid_psd(net: BrunelNetwork, rates, intrinsic: np.ndarray, f: np.ndarray) -> np.ndarray:
    """The excitatory rate's spectrum (Hz) of ``net`` with the shot-noise neurons on the grid of :data:`DT` at the
    population rates ``rates`` (Hz) and the single-neuron spectra ``intrinsic`` (shape (F, 2)) at ``f`` (Hz)."""
    model = as_model(net)
    inputs = ShotNoiseInputs(model, rates, rtol=RTOL_GRID)
    lam = 2j * np.pi * f * 1e-3
    loop = model.delay_kernel(lam) * (inputs.expand @ inputs.loop(lam))
    return loop_spectra(loop, intrinsic, [net.NE, net.NI])[0][:, 0]


def grid_point(V_r: float, g: float, eta: float) -> dict:
    """Both spectra at one point (module notes)."""
    f = frequencies()
    order, epsilon = spectra_record()["inputs"]["sizes"][1]
    params = dict(g=g, eta=eta, V_reset=V_r)
    net = BrunelNetwork(**params)
    sc = network_cv(net, stable_fixed_point(net), method="self-consistent", seed=SEED, n_neurons=N_NEURONS)
    intrinsic = sc.spike_train_spectrum(f).T                                  # (F, P), two-sided, Hz
    fp = stable_fixed_point(net, input_model="shot")
    big = BrunelNetwork(order=order, epsilon=epsilon, **params)
    out = {"V_r": V_r, "g": g, "eta": eta, "rate": fp.rates[0], "intrinsic": intrinsic[:, 0],
           "continuous": rate_spectrum(big, f, fp, input_model="shot", intrinsic=intrinsic).psd[:, 0]}
    try:
        out["grid"] = grid_psd(BrunelNetwork(order=order, epsilon=epsilon, dt=DT, **params), fp.rates, intrinsic, f)
    except ShotNoiseConvergenceError as e:   # recorded, never guessed
        out["grid_error"] = str(e)
    return out


def _timed(key: tuple) -> tuple[dict, float]:
    t0 = time.perf_counter()
    return grid_point(*key), time.perf_counter() - t0


def record(progress=print) -> dict:
    start = time.perf_counter()
    beyond = ROOT / "book" / "data" / "beyond_diffusion_record.json"
    keys = [(p["V_r"], p["g"], p["eta"]) for p in json.loads(beyond.read_text())["points"]
            if "spectrum" in p and p["eta"] > 1 and asynchronous(p["V_r"], p["g"], p["eta"])]
    points = []
    with ProcessPoolExecutor(max_workers=WORKERS) as pool:
        for key, (point, seconds) in zip(keys, pool.map(_timed, keys)):
            points.append(point)
            progress(f"V_r {key[0]:g} g {key[1]:g} eta {key[2]:g}: {seconds:.0f} s")
    return {"what": "Population-rate spectra (excitatory, N = 20,000) with shot noise in continuous time and with "
                    "the responses on the 0.1 ms grid, at the continuous-time fixed point, with the self-consistent "
                    "single-neuron spectra; regenerate: python tools/record_spectra_grid.py",
            "inputs": {"dt": DT, "rtol_grid": RTOL_GRID, "f_Hz": frequencies(), "seed": SEED, "n_neurons": N_NEURONS,
                       "size": spectra_record()["inputs"]["sizes"][1]},
            "points": points, **provenance(start)}


if __name__ == "__main__":
    write_record(record, OUTPUT, __doc__.splitlines()[0])
