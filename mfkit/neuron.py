"""The LIF neuron's parameters: their defaults, units and allowed ranges, checked in one place.

Every part of mfkit that takes neuron parameters (the network models, the spiking twin) validates
them with :func:`check_neuron_params`, so the same input gets the same error everywhere.  The
Siegert, linear-response and CV kernels check the same ranges point by point inside numba
(``mfkit._kernels.neuron_param_error``) and word a failure with :func:`check_neuron_params`.

========= ====== =================================================
name      unit   allowed
========= ====== =================================================
tau_m     ms     finite, > 0 (membrane time constant)
t_ref     ms     finite, >= 0 (absolute refractory period)
theta     mV     finite, > V_reset (threshold)
V_reset   mV     finite (reset potential)
tau_syn   ms     finite, >= 0 (synaptic time constant, 0 = delta)
========= ====== =================================================

A time grid on which the threshold is tested (``dt``, the step of a simulator such as NEST's
``iaf_psc_delta``; ``None``: continuous time) is checked by :func:`check_time_grid`: a step in
``(0, tau_m/10]`` ms, for white-noise input only (``tau_syn = 0``).
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["NEURON_PARAMS", "NEURON_DEFAULTS", "COLORED_NOISE_FORMS", "check_neuron_params", "check_time_grid",
           "check_colored_noise"]

#: Names of the single-neuron parameters, in the order of :func:`mfkit.siegert`'s arguments.
NEURON_PARAMS = ("tau_m", "t_ref", "theta", "V_reset", "tau_syn")

#: Defaults: the neuron of NEST's ``brunel_siegert_nest.py`` with delta synapses.
NEURON_DEFAULTS = {"tau_m": 20.0, "t_ref": 2.0, "theta": 20.0, "V_reset": 0.0, "tau_syn": 0.0}


#: The two forms of the colored-noise correction of Fourcaud & Brunel (2002) that :func:`mfkit.siegert`
#: offers for ``tau_syn > 0``: ``"shift"`` (threshold and reset shifted, NEST's ``siegert_neuron``) and
#: ``"taylor"`` (the rate expanded to first order in sqrt(tau_syn/tau_m)).
COLORED_NOISE_FORMS = ("shift", "taylor")


def check_colored_noise(form: object, *, prefix: str = "") -> str:
    """Return ``form`` if it is one of :data:`COLORED_NOISE_FORMS`, else raise a ``ValueError`` naming it."""
    if not isinstance(form, str) or form not in COLORED_NOISE_FORMS:
        raise ValueError(f"{prefix}colored_noise must be 'shift' (thresholds shifted, NEST's siegert_neuron) or "
                         f"'taylor' (first-order expansion of the rate), Fourcaud & Brunel (2002); got {form!r}")
    return form


def check_neuron_params(tau_m: ArrayLike, t_ref: ArrayLike, theta: ArrayLike, V_reset: ArrayLike,
                        tau_syn: ArrayLike, *, prefix: str = "") -> None:
    """Raise a ``ValueError`` naming the first parameter outside its range (table above).

    Parameters
    ----------
    tau_m, t_ref, theta, V_reset, tau_syn : float or array_like
        Neuron parameters (scalars or arrays of one value per population).  Anything that is not a
        real number (a string, a bool, ``None``, a complex number) is out of range too.
    prefix : str
        Prepended to the names in messages, e.g. ``"network."``.
    """
    given = dict(tau_m=tau_m, t_ref=t_ref, theta=theta, V_reset=V_reset, tau_syn=tau_syn)
    for name, v in given.items():
        if np.asarray(v).dtype.kind not in "iuf":  # not real numbers: "20", True, None, 1j
            raise ValueError(f"{prefix}{name} must be finite and {_ALLOWED[name].format(prefix=prefix)}, "
                             f"got {v!r}")
    a = {name: np.asarray(v, dtype=float) for name, v in given.items()}
    in_range = {  # name: True where the values are in range
        "tau_m": a["tau_m"] > 0,
        "t_ref": a["t_ref"] >= 0,
        "theta": ~(a["theta"] <= a["V_reset"]),
        "V_reset": np.True_,
        "tau_syn": a["tau_syn"] >= 0,
    }
    for name, ok in in_range.items():
        if not (np.all(np.isfinite(a[name])) and np.all(ok)):
            text = _ALLOWED[name].format(prefix=prefix)
            got = f"got {_show(a[name])}"
            if name == "theta" and np.all(np.isfinite(a[name])):
                got = f"got theta={_show(a['theta'])}, V_reset={_show(a['V_reset'])}"
            raise ValueError(f"{prefix}{name} must be finite and {text}, {got}")


def check_time_grid(dt: ArrayLike | None, tau_m: ArrayLike, tau_syn: ArrayLike, *, prefix: str = "") -> None:
    """Raise a ``ValueError`` unless ``dt`` is ``None`` or a time step allowed for the threshold's time grid.

    Allowed: ``0 < dt <= tau_m/10`` ms (for every ``tau_m`` given), and then ``tau_syn = 0``: the
    correction for a threshold tested every ``dt`` (:data:`mfkit.TIME_GRID_BETA`) is one of white
    noise; with ``tau_syn > 0`` the membrane potential is smooth and it does not apply.

    Parameters
    ----------
    dt : float, array_like or None
        Time step (ms); ``None`` means continuous time and passes.
    tau_m, tau_syn : float or array_like
        Membrane and synaptic time constants (ms), already checked by :func:`check_neuron_params`.
    prefix : str
        Prepended to the names in messages, e.g. ``"network."``.
    """
    if dt is None:
        return
    if np.asarray(dt).dtype.kind not in "iuf":
        raise ValueError(f"{prefix}dt must be None (continuous time) or a time step in (0, tau_m/10] ms, got {dt!r}")
    step, tau = np.broadcast_arrays(np.asarray(dt, dtype=float), np.asarray(tau_m, dtype=float))
    bad = ~((step > 0) & (step <= tau / 10.0))
    if np.any(bad):
        first = np.argmax(bad.ravel())  # the first offending point
        raise ValueError(f"{prefix}dt must be None (continuous time) or a time step in (0, tau_m/10] ms, got "
                         f"dt={float(step.ravel()[first])!r} with {prefix}tau_m={float(tau.ravel()[first])!r}")
    if np.any(np.asarray(tau_syn, dtype=float) > 0):
        raise ValueError(f"{prefix}dt (a threshold tested every dt ms) needs white noise, {prefix}tau_syn = 0: the "
                         f"time-grid correction is that of a Gaussian random walk, and with tau_syn > 0 the membrane "
                         f"potential is smooth; got tau_syn={_show(np.asarray(tau_syn, dtype=float))}")


#: The allowed range of each parameter in words (after "finite and"), as in the table above.
_ALLOWED = {"tau_m": "> 0 ms", "t_ref": ">= 0 ms", "theta": "> {prefix}V_reset (mV)", "V_reset": "< theta (mV)",
            "tau_syn": ">= 0 ms (0: delta synapses)"}


def _show(a: np.ndarray) -> str:
    return repr(float(a)) if a.ndim == 0 else repr(a.tolist())
