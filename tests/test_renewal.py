"""The CV a finite window measures of a renewal train (mfkit.renewal.windowed_cv).

The reference is independent of the function's sampling: one long renewal train, drawn interval by interval, cut
into consecutive windows, each window's ISIs judged by the twin's own estimator
(:func:`mfkit.spiking.cv_isi_per_neuron`, every window a "neuron").  Consecutive windows of one stationary train are
stationary samples, so their mean CV is the expected value :func:`windowed_cv` computes.
"""
from __future__ import annotations

import numpy as np
import pytest

from mfkit import BrunelNetwork, network_cv, windowed_cv
from mfkit.spiking import cv_isi_per_neuron


def gamma_histogram(mean_steps: float, cv: float, size: int) -> np.ndarray:
    """A gamma-shaped ISI histogram on steps 0 .. size-1 (weight 0 at 0)."""
    k = np.arange(size, dtype=float)
    shape = 1 / cv**2
    logp = (shape - 1) * np.log(np.maximum(k, 1.0)) - k * shape / mean_steps
    p = np.exp(logp - logp[1:].max())
    p[0] = 0.0
    return p / p.sum()


def exact_cv(p: np.ndarray) -> float:
    k = np.arange(p.size)
    m = p @ k
    return float(np.sqrt(p @ k**2 - m**2) / m)


def cut_into_windows(p: np.ndarray, dt: float, t_window: float, n_isi: int, seed: int) -> tuple[float, float]:
    """Mean and standard error of the twin's CV over consecutive windows of one long train."""
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.choice(p.size, size=n_isi, p=p) * dt)
    window = (t // t_window).astype(np.int64)
    keep = window < window.max()  # the last window is incomplete
    cv = cv_isi_per_neuron(t[keep], window[keep], int(window[keep].max()) + 1)
    cv = cv[~np.isnan(cv)]
    return float(cv.mean()), float(cv.std(ddof=1) / np.sqrt(cv.size))


@pytest.mark.parametrize("rate_hz, cv, bias", [(1.0, 0.9, 0.1), (3.0, 0.8, 0.03), (30.0, 0.2, 0.0)])
def test_agrees_with_windows_of_one_long_train(rate_hz, cv, bias):
    dt, t_window = 1.0, 10_000.0
    p = gamma_histogram(1000.0 / rate_hz, cv, int(8000 / rate_hz) + 50)
    got = windowed_cv(p, dt, t_window, n_trains=8000, seed=3)
    ref, ref_err = cut_into_windows(p, dt, t_window, n_isi=int(4e3 * rate_hz * 10), seed=4)
    assert abs(got.cv - ref) <= 4 * np.hypot(got.cv_err, ref_err)
    if bias:  # a few ISIs per window: the measured CV is well below the distribution's
        assert got.cv < exact_cv(p) - bias
    else:
        assert got.cv == pytest.approx(exact_cv(p), abs=0.01)


def test_long_window_gives_the_distribution_cv():
    p = gamma_histogram(50.0, 0.7, 600)
    got = windowed_cv(p, 0.1, 5.0 * 2000, n_trains=400, seed=0)  # 2000 mean ISIs per window
    assert got.share == 1.0
    assert got.cv == pytest.approx(exact_cv(p), abs=3 * got.cv_err + 2e-3)


def test_regular_train_measures_zero():
    p = np.zeros(30)
    p[25] = 1.0
    assert windowed_cv(p, 0.1, 100.0, n_trains=50).cv == 0.0


def test_short_window_counts_few_trains_and_min_isis_matters():
    p = gamma_histogram(1000.0, 1.0, 12_000)
    two = windowed_cv(p, 1.0, 3000.0, n_trains=4000, seed=1)
    five = windowed_cv(p, 1.0, 3000.0, n_trains=4000, seed=1, min_isis=5)
    assert 0.3 < two.share < 0.9 and five.share < two.share
    assert five.cv > two.cv  # trains with more ISIs in the window estimate the CV less far below its value


def test_seeded():
    p = gamma_histogram(100.0, 0.5, 800)
    a, b = windowed_cv(p, 1.0, 1000.0, n_trains=500, seed=7), windowed_cv(p, 1.0, 1000.0, n_trains=500, seed=7)
    assert a == b
    assert windowed_cv(p, 1.0, 1000.0, n_trains=500, seed=8).cv != a.cv


@pytest.mark.parametrize("kwargs, name", [
    (dict(isi=[[0.0, 1.0]]), "isi"), (dict(isi=[0.0, -1.0, 2.0]), "isi"), (dict(isi=[0.0, np.nan]), "isi"),
    (dict(isi=[0.0, 0.0]), "isi"), (dict(isi=[1.0, 0.0]), "isi"), (dict(isi=[]), "isi"),
    (dict(dt=0.0), "dt"), (dict(dt=np.inf), "dt"), (dict(t_window=-1.0), "t_window"),
    (dict(min_isis=0), "min_isis"), (dict(n_trains=1), "n_trains"), (dict(seed=-1), "seed"),
    (dict(min_isis=2.5), "min_isis"), (dict(t_window=15.0), "t_window"), (dict(t_window=1e12), "MAX_ISIS"),
])
def test_bad_input(kwargs, name):
    args = dict(isi=[0.0, 0.0, 1.0, 1.0], dt=10.0, t_window=1000.0) | kwargs
    with pytest.raises(ValueError, match=name):
        windowed_cv(args.pop("isi"), args.pop("dt"), args.pop("t_window"), **args)


def test_network_cv_diffusion_has_no_isi_distribution():
    with pytest.raises(ValueError, match="self-consistent"):
        network_cv(BrunelNetwork()).windowed_cv(10_000.0)
