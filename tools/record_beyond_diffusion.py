"""Record the predictions beyond the diffusion approximation at the grid points of the spiking twin.

For the chapter ``book/beyond_diffusion.ipynb``; writes ``book/data/beyond_diffusion_record.json``::

    python tools/record_beyond_diffusion.py [OUTPUT.json]

The spiking twin itself is not rerun: its rates, CVs and spectra are those recorded by
``tools/record_stability.py`` (``book/data/stability_record.json``, 1 s at N = 5,000 and 20,000, 33 grid
points) and ``tools/record_spectra.py`` (``book/data/spectra_record.json``, 10 s, the same points and the
seed).  At each grid point ``(V_reset, g, eta)`` of the stability record (:func:`theory_point`):

* ``diffusion``: the stable fixed point of eq. 27 (:func:`mfkit.stable_fixed_point`) and the CV of its
  white-noise neuron (:func:`mfkit.network_cv`, ``method="diffusion"``);
* ``shot``: the stable fixed point with shot noise (``input_model="shot"``, Poisson inputs of the network's
  jumps, continuous time), the CV of its shot-noise neuron (:class:`mfkit.shot_input.ShotNoiseInputs`) and
  the eigenvalues of :func:`mfkit.network_stability` with ``input_model="shot"`` (re_min -0.25 per ms,
  f_max 1 kHz), next to those of white noise;
* ``self_consistent``: :func:`mfkit.network_cv` with ``method="self-consistent"`` at the diffusion fixed point
  (200 neurons per population, seed :data:`SEED`): CV, standard error, rate, iterations; the input trains fire
  at the fixed point's rates;
* ``self_consistent_rates``: the same with ``input_rates="self-consistent"`` (the input rates iterated to the
  neurons' output rates too), with the last iteration's input rate;
* in both: ``cv_window`` and ``cv_window_err``, the CV of the last iteration's ISI distribution as the twin
  measures it, in windows of the spectra record's ``t_sim`` (10 s) with at least :data:`MIN_ISIS` ISIs per
  neuron (:meth:`mfkit.NetworkCV.windowed_cv`, seed :data:`SEED`);
* ``spectrum`` (the points of the spectra record with a unique state): the predicted spectrum of the
  excitatory rate of the larger network (N = 20,000) with shot noise and the self-consistent spike-train
  spectra (:func:`mfkit.rate_spectrum` with ``input_model="shot"`` and ``intrinsic`` from
  :meth:`mfkit.self_consistent.NetworkCV.spike_train_spectrum`), and with white noise (the renewal
  spectrum of eq. 27's neuron), each averaged over the recorded bands (:data:`PER_BAND` frequencies
  per band, log-spaced inside it).
"""
from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path

import numpy as np

from mfkit import BrunelNetwork, NoUniqueStateError, network_cv, network_stability, rate_spectrum, stable_fixed_point
from mfkit.fixed_points import FixedPointError
from mfkit.network import as_model
from mfkit.roots import RootSearchError
from mfkit.self_consistent import SelfConsistencyError
from mfkit.shot_input import ShotNoiseInputs

sys.path.insert(0, str(Path(__file__).resolve().parent))  # _record, also when loaded by path (the tests)
from _record import ROOT, provenance, write_record  # noqa: E402

OUTPUT = ROOT / "book" / "data" / "beyond_diffusion_record.json"
SEED = 1
N_NEURONS = 200
PER_BAND = 3
RE_MIN = -0.25
F_MAX = 1000.0
MIN_ISIS = 2  # the twin's (mfkit.simulate_brunel's default)


@functools.lru_cache(maxsize=1)
def spectra_record() -> dict:
    """The spectra chapter's record (its bands and grid points), read once."""
    return json.loads((ROOT / "book" / "data" / "spectra_record.json").read_text())


def windowed(result) -> dict:
    """The excitatory CV of a :class:`mfkit.NetworkCV` as the twin measures it (its window, :data:`MIN_ISIS`)."""
    cv, err = result.windowed_cv(spectra_record()["inputs"]["run"]["t_sim"], min_isis=MIN_ISIS, seed=SEED)
    return {"cv_window": cv[0], "cv_window_err": err[0]}


def roots(st) -> list[list[float]]:
    """[real part (1/ms), frequency (Hz)] of the eigenvalues with Im >= 0."""
    return [[float(z.real), float(z.imag / (2 * np.pi) * 1e3)] for z in st.eigenvalues if z.imag >= 0]


def band_frequencies(edges: np.ndarray) -> np.ndarray:
    """:data:`PER_BAND` log-spaced frequencies inside each band (shape (bands, PER_BAND))."""
    lo, hi = edges[:-1], edges[1:]
    u = (np.arange(PER_BAND) + 0.5) / PER_BAND
    return lo[:, None] * (hi / lo)[:, None] ** u[None, :]


def theory_point(V_r: float, g: float, eta: float, size: tuple[int, float] | None = None) -> dict:
    """The predictions at one grid point (see the module notes); ``size`` (order, epsilon) for the spectra."""
    net = BrunelNetwork(g=g, eta=eta, V_reset=V_r)
    out: dict = {"V_r": V_r, "g": g, "eta": eta}
    try:
        fp_d = stable_fixed_point(net)
    except NoUniqueStateError:
        return out | {"unique": False}
    st_d = network_stability(net, fp_d, f_max=F_MAX, re_min=RE_MIN)
    out |= {"unique": True,
            "diffusion": {"rate": fp_d.rates[0], "cv": float(network_cv(net, fp_d).cv[0]),
                          "stable": st_d.stable, "roots": roots(st_d), "asymptote": st_d.asymptote}}
    try:
        fp_s = stable_fixed_point(net, input_model="shot")
        shot_neuron = ShotNoiseInputs(as_model(net), fp_s.rates).stationary()[0]
        st_s = network_stability(net, fp_s, f_max=F_MAX, re_min=RE_MIN, input_model="shot")
    except (NoUniqueStateError, FixedPointError, RootSearchError) as e:   # recorded, never guessed
        out["shot"] = {"error": f"{type(e).__name__}: {e}"}
        return out
    out["shot"] = {"rate": fp_s.rates[0], "cv": shot_neuron.cv, "stable": st_s.stable, "roots": roots(st_s),
                   "asymptote": st_s.asymptote}
    try:
        sc = network_cv(net, fp_d, method="self-consistent", seed=SEED, n_neurons=N_NEURONS)
        out["self_consistent"] = {"cv": sc.cv[0], "cv_err": sc.cv_err[0], "rate": sc.rate[0],
                                  "rate_err": sc.rate_err[0], "iterations": sc.iterations, "t_sim": sc.t_sim,
                                  **windowed(sc)}
    except SelfConsistencyError as e:
        out["self_consistent"] = {"error": str(e)}
        sc = None
    try:
        sr = network_cv(net, fp_d, method="self-consistent", seed=SEED, n_neurons=N_NEURONS,
                        input_rates="self-consistent")
        out["self_consistent_rates"] = {"cv": sr.cv[0], "cv_err": sr.cv_err[0], "rate": sr.rate[0],
                                        "rate_err": sr.rate_err[0], "input_rate": sr.input_rate_history[-1][0],
                                        "iterations": sr.iterations, "t_sim": sr.t_sim, **windowed(sr)}
    except SelfConsistencyError as e:
        out["self_consistent_rates"] = {"error": str(e)}
    if size is not None and sc is not None:
        f = band_frequencies(np.array(spectra_record()["bands"]["edges_Hz"]))
        big = BrunelNetwork(order=size[0], epsilon=size[1], g=g, eta=eta, V_reset=V_r)
        intrinsic = sc.spike_train_spectrum(f.ravel()).T                    # (F, P), two-sided, Hz
        psd_s = rate_spectrum(big, f.ravel(), fp_s, input_model="shot", intrinsic=intrinsic).psd[:, 0]
        psd_d = rate_spectrum(big, f.ravel(), fp_d).psd[:, 0]
        out["spectrum"] = {"shot_self_consistent": psd_s.reshape(f.shape).mean(axis=1),
                           "diffusion": psd_d.reshape(f.shape).mean(axis=1)}
    return out


def record(progress=print) -> dict:
    start = time.perf_counter()
    stability = json.loads((ROOT / "book" / "data" / "stability_record.json").read_text())
    spectra = spectra_record()
    big = tuple(spectra["inputs"]["sizes"][1])
    in_spectra = {(p["V_r"], p["g"], p["eta"]) for p in spectra["points"]}
    points = []
    for p in stability["grid"]:
        key = (p["V_r"], p["g"], p["eta"])
        t0 = time.perf_counter()
        points.append(theory_point(*key, size=big if key in in_spectra else None))
        progress(f"V_r {key[0]:g} g {key[1]:g} eta {key[2]:g}: {time.perf_counter() - t0:.1f} s")
    seed = theory_point(0.0, 5.0, 2.0, size=big)
    return {"what": "Predictions beyond the diffusion approximation (shot noise, self-consistent spike trains) at "
                    "the grid points of book/data/stability_record.json; regenerate: python "
                    "tools/record_beyond_diffusion.py",
            "inputs": {"seed": SEED, "n_neurons": N_NEURONS, "per_band": PER_BAND, "re_min": RE_MIN, "f_max": F_MAX,
                       "spectra_size": list(big), "cv_window": {"t_ms": spectra["inputs"]["run"]["t_sim"],
                                                                "min_isis": MIN_ISIS}},
            "points": points, "seed_point": seed, **provenance(start)}


if __name__ == "__main__":
    write_record(record, OUTPUT, __doc__.splitlines()[0])
