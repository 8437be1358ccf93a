"""The stationary density of the membrane potential of the LIF neuron under white noise.

The Fokker-Planck equation of eq. 27's neuron (Brunel & Hakim 1999; Brunel 2000) has,
with an absorbing threshold theta and the flux reinjected at V_reset after t_ref, the stationary
solution

.. math::

    P(V) = \\frac{2\\nu\\tau_m}{\\sigma}\\int_{\\max(y, y_r)}^{y_\\mathrm{th}} e^{s^2 - y^2}\\,ds,
    \\qquad y = \\frac{V - \\mu}{\\sigma},

(0 above theta), with nu the rate of eq. 27 (:func:`mfkit.siegert`). It integrates to
1 - nu t_ref: the remaining fraction of the neurons is refractory.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ._kernels import GL_NODES, GL_WEIGHTS, as_real
from .neuron import check_neuron_params
from .siegert import siegert

__all__ = ["membrane_potential_density"]

_SHORT = 0.5  # Gauss-Legendre when (b - a)(1 + |a| + |b|) < this: the Dawson difference would cancel


def _scaled_integral(y: np.ndarray, a: np.ndarray, b: float, log_scale: float) -> np.ndarray:
    """``exp(log_scale) * int_a^b exp(s^2 - y^2) ds`` for a <= b, without overflow or cancellation."""
    # closed form: int_a^b e^{s^2} ds = e^{b^2} D(b) - e^{a^2} D(a), D Dawson's function
    with np.errstate(over="ignore", invalid="ignore"):
        out = (np.exp(log_scale + b * b - y * y) * special.dawsn(b)
               - np.exp(log_scale + a * a - y * y) * special.dawsn(a))
    short = (b - a) * (1.0 + np.abs(a) + abs(b)) < _SHORT
    if np.any(short):
        ys, lo = y[short], a[short]
        half = 0.5 * (b - lo)
        s = (lo + half)[:, None] + half[:, None] * GL_NODES[None, :]
        out[short] = half * (np.exp(log_scale + s * s - ys[:, None] ** 2) @ GL_WEIGHTS)
    return out


def membrane_potential_density(V: ArrayLike, mu: float, sigma: float, tau_m: float = 20.0, t_ref: float = 2.0,
                               theta: float = 20.0, V_reset: float = 0.0) -> float | np.ndarray:
    """Stationary density P(V) (1/mV) of the membrane potential of the LIF neuron under white noise.

    The stationary solution of the Fokker-Planck equation whose rate is eq. 27 of Hahne et al.
    (2017) (Brunel & Hakim 1999; Brunel 2000), with the input of eq. 28-29:

    ``P(V) = (2 nu tau_m / sigma) int_{max(y, y_r)}^{y_th} exp(s^2 - y^2) ds`` for V < theta, 0 above,

    ``y = (V - mu)/sigma``, ``y_r = (V_reset - mu)/sigma``, ``y_th = (theta - mu)/sigma``, nu the rate of
    :func:`mfkit.siegert` (per ms here). P vanishes at theta, has a kink at V_reset (the reinjected
    flux) and integrates to ``1 - nu t_ref``; the refractory neurons (clamped at V_reset in a
    simulation) are not in it.

    Parameters
    ----------
    V : array_like
        Membrane potentials (mV) at which to evaluate the density.
    mu : float
        Mean input (mV), eq. 28; finite.
    sigma : float
        Noise amplitude (mV), eq. 29, in the Brunel/Hahne convention (free membrane variance
        sigma**2 / 2); finite and > 0.
    tau_m, t_ref, theta, V_reset : float, optional
        Membrane time constant (ms, > 0), refractory period (ms, >= 0), threshold and reset (mV,
        theta > V_reset), as in :func:`mfkit.siegert`.

    Returns
    -------
    float or ndarray
        P(V) in 1/mV, of the shape of ``V`` (a float for a scalar ``V``). NaN where ``V`` is NaN,
        and everywhere if ``mu`` or ``sigma`` is NaN. Where the rate underflows to 0 (far below
        threshold, rates below about 1e-300 Hz) the density comes out as 0.

    Raises
    ------
    ValueError
        If sigma is not > 0, mu or sigma is infinite, or a neuron parameter is out of its range (the
        words of :func:`mfkit.neuron.check_neuron_params`).
    TypeError
        If an argument is not real-valued, or ``mu``, ``sigma`` or a neuron parameter is not a scalar.

    Examples
    --------
    >>> p = membrane_potential_density([0.0, 10.0, 20.0], 15.0, 5.0)
    >>> bool(p[1] > p[0] > 0.0), float(p[2])
    (True, 0.0)
    """
    V = as_real("V", V)
    scalars = {"mu": mu, "sigma": sigma, "tau_m": tau_m, "t_ref": t_ref, "theta": theta, "V_reset": V_reset}
    values = {}
    for name, value in scalars.items():
        value = as_real(name, value)
        if not isinstance(value, float):
            raise TypeError(f"{name} must be a real scalar, got an array of shape {np.shape(value)}")
        values[name] = value
    check_neuron_params(values["tau_m"], values["t_ref"], values["theta"], values["V_reset"], 0.0)
    mu, sigma = values["mu"], values["sigma"]
    if math.isinf(mu):
        raise ValueError(f"mu must be finite (mV), got {mu!r}")
    if not (sigma > 0.0 and math.isfinite(sigma)) and not math.isnan(sigma):
        raise ValueError(f"sigma must be finite and > 0 mV, got {sigma!r}")
    V_arr = np.atleast_1d(np.asarray(V, dtype=float))
    out = np.zeros(V_arr.shape)
    if math.isnan(mu) or math.isnan(sigma):
        out[:] = np.nan
    else:
        rate = siegert(mu, sigma, values["tau_m"], values["t_ref"], values["theta"], values["V_reset"]) * 1e-3
        below = V_arr < values["theta"]
        if rate > 0.0 and np.any(below):
            y = (V_arr[below] - mu) / sigma
            a = np.maximum(y, (values["V_reset"] - mu) / sigma)
            log_scale = math.log(2.0 * rate * values["tau_m"] / sigma)
            out[below] = _scaled_integral(y, a, (values["theta"] - mu) / sigma, log_scale)
        out[np.isnan(V_arr)] = np.nan
    return float(out[0]) if np.ndim(V) == 0 else out.reshape(np.shape(V))
