"""The LIF neuron's parameters: their defaults, units and allowed ranges, checked in one place.

Every part of mfkit that takes neuron parameters (the network models, the spiking twin) validates
them with :func:`check_neuron_params`, so the same input gets the same error everywhere.  The
Siegert kernels check the same ranges point by point inside numba (see :mod:`mfkit.siegert`).

========= ====== =================================================
name      unit   allowed
========= ====== =================================================
tau_m     ms     finite, > 0 (membrane time constant)
t_ref     ms     finite, >= 0 (absolute refractory period)
theta     mV     finite, > V_reset (threshold)
V_reset   mV     finite (reset potential)
tau_syn   ms     finite, >= 0 (synaptic time constant, 0 = delta)
========= ====== =================================================
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["NEURON_PARAMS", "NEURON_DEFAULTS", "check_neuron_params"]

#: Names of the single-neuron parameters, in the order of :func:`mfkit.siegert`'s arguments.
NEURON_PARAMS = ("tau_m", "t_ref", "theta", "V_reset", "tau_syn")

#: Defaults: the neuron of NEST's ``brunel_siegert_nest.py`` with delta synapses.
NEURON_DEFAULTS = {"tau_m": 20.0, "t_ref": 2.0, "theta": 20.0, "V_reset": 0.0, "tau_syn": 0.0}


def check_neuron_params(tau_m: ArrayLike, t_ref: ArrayLike, theta: ArrayLike, V_reset: ArrayLike,
                        tau_syn: ArrayLike, *, prefix: str = "") -> None:
    """Raise a ``ValueError`` naming the first parameter outside its range (table above).

    Parameters
    ----------
    tau_m, t_ref, theta, V_reset, tau_syn : float or array_like
        Neuron parameters (scalars or arrays of one value per population), already numeric.
    prefix : str
        Prepended to the names in messages, e.g. ``"network."``.
    """
    values = dict(tau_m=tau_m, t_ref=t_ref, theta=theta, V_reset=V_reset, tau_syn=tau_syn)
    arrays = {}
    for name, v in values.items():
        a = np.asarray(v, dtype=float)
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{prefix}{name} must be finite, got {_show(a)}")
        arrays[name] = a
    if np.any(arrays["tau_m"] <= 0):
        raise ValueError(f"{prefix}tau_m must be > 0 ms, got {_show(arrays['tau_m'])}")
    if np.any(arrays["t_ref"] < 0):
        raise ValueError(f"{prefix}t_ref must be >= 0 ms, got {_show(arrays['t_ref'])}")
    if np.any(arrays["tau_syn"] < 0):
        raise ValueError(f"{prefix}tau_syn must be >= 0 ms (0: delta synapses), got {_show(arrays['tau_syn'])}")
    if np.any(arrays["theta"] <= arrays["V_reset"]):
        raise ValueError(f"{prefix}theta must be > {prefix}V_reset (mV), got theta={_show(arrays['theta'])}, "
                         f"V_reset={_show(arrays['V_reset'])}")


def _show(a: np.ndarray) -> str:
    return repr(float(a)) if a.ndim == 0 else repr(a.tolist())
