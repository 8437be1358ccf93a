"""The record of the rate spectra with the shot-noise responses on NEST's time grid (``tools/record_spectra_grid.py``).

* it covers the points of the beyond-diffusion record with a spectrum, eta > 1 and an asynchronous twin, at the
  band centres from 20 Hz to 1 kHz;
* at one point the recorded rate is the continuous-time shot-noise fixed point (``nu = Phi(nu)`` with the
  single neuron's rate computed directly now), and the recorded grid spectrum at one band is recomputed with the
  script's own :func:`grid_psd` from the recorded rate and single-neuron spectrum (within 2 %: the record keeps
  the excitatory neuron's spectrum only, see the test);
* the grid changes the spectrum there by more than 5 % between 200 and 500 Hz (the check could fail).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _helpers import load_record, load_tool

import mfkit

pytestmark = pytest.mark.records

ROOT = Path(__file__).resolve().parents[1]
POINT = (0.0, 4.0, 4.0)  # a point to recompute


@pytest.fixture(scope="module")
def rt():
    return load_tool("record_spectra_grid")


@pytest.fixture(scope="module")
def record():
    return load_record(ROOT / "book" / "data" / "spectra_grid_record.json", "record_spectra_grid")


@pytest.fixture(scope="module")
def point(record):
    return next(p for p in record["points"] if (p["V_r"], p["g"], p["eta"]) == POINT)


def test_covers_the_points(rt, record):
    beyond = load_record(ROOT / "book" / "data" / "beyond_diffusion_record.json", "record_beyond_diffusion")
    keys = [(p["V_r"], p["g"], p["eta"]) for p in beyond["points"]
            if "spectrum" in p and p["eta"] > 1 and rt.asynchronous(p["V_r"], p["g"], p["eta"])]
    assert [(p["V_r"], p["g"], p["eta"]) for p in record["points"]] == keys
    assert np.allclose(record["inputs"]["f_Hz"], rt.frequencies())
    assert sum("grid" in p for p in record["points"]) >= 20


def test_rate_is_the_shot_noise_fixed_point(point):
    net = mfkit.BrunelNetwork(g=point["g"], eta=point["eta"], V_reset=point["V_r"])
    nu = point["rate"]
    inputs = [net.J_ex, net.J_in], [net.CE * (nu + net.nu_ext_hz), net.CI * nu]
    assert mfkit.shot_noise_rate(*inputs, rtol=1e-6).rate == pytest.approx(nu, rel=5e-5)


def test_grid_spectrum_recomputes(rt, record, point):
    """At the band of 200-500 Hz where the grid changes the spectrum most.  The record keeps the excitatory
    single-neuron spectrum only; the inhibitory one (a separate simulation of the same neuron) differs from it by
    its sampling error, so the recomputation with the excitatory one for both agrees within 2 %, and the
    continuous-time spectrum there is further away than that."""
    f = np.array(record["inputs"]["f_Hz"])
    change = np.where((f >= 200) & (f <= 500), np.abs(np.array(point["grid"]) / point["continuous"] - 1), 0)
    k = int(np.argmax(change))
    assert change[k] > 0.05
    order, epsilon = record["inputs"]["size"]
    net = mfkit.BrunelNetwork(order=order, epsilon=epsilon, g=point["g"], eta=point["eta"], V_reset=point["V_r"],
                              dt=record["inputs"]["dt"])
    s = point["intrinsic"][k]
    psd = rt.grid_psd(net, [point["rate"]] * 2, np.array([[s, s]]), f[k:k + 1])[0]
    assert psd == pytest.approx(point["grid"][k], rel=0.02)


def test_grid_changes_the_spectrum(record, point):
    f = np.array(record["inputs"]["f_Hz"])
    band = (f >= 200) & (f <= 500)
    change = np.array(point["grid"])[band] / np.array(point["continuous"])[band] - 1
    assert np.max(np.abs(change)) > 0.05
