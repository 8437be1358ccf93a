"""The Siegert transfer function of the leaky integrate-and-fire neuron (eq. 27 of Hahne et al. 2017).

.. math::

    \\frac{1}{\\nu} = \\tau_\\mathrm{ref} + \\tau_m \\sqrt{\\pi}
        \\int_{y_r}^{y_\\theta} e^{u^2} \\bigl(1 + \\operatorname{erf} u\\bigr)\\,du,
    \\qquad y_\\theta = \\frac{\\theta - \\mu}{\\sigma} + s,\\quad y_r = \\frac{V_r - \\mu}{\\sigma} + s,

the inverse mean first-passage time of a leaky membrane driven by white noise with mean mu and
(Brunel/Hahne) standard deviation sigma (Siegert 1951; Amit & Brunel 1997; Brunel 2000). The shift
s = sqrt(2)|zeta(1/2)|/2 sqrt(tau_syn/tau_m) is the first-order correction of Fourcaud & Brunel
(2002) for exponentially filtered synaptic currents (s = 0 for delta synapses).

The integral is evaluated without overflow or cancellation in every regime by the kernel
:func:`mfkit._kernels.siegert_point` (closed forms in erfcx, Dawson's function and the integral of
erfcx, or Gauss-Legendre quadrature on short intervals; see there), carried scaled by e^{-y_th^2}
so that rates down to the smallest doubles come out. Accuracy: relative error below
max(1e-13, 1e-15 y_th^2) against mpmath (the second term is the unavoidable e^{-y^2} amplification
of the rounding of y_th itself); see the tests and the book's first chapter.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from . import _special as sp
from ._kernels import (FOURCAUD_BRUNEL_ALPHA, GL_NODES, GL_WEIGHTS, as_real, broadcast_flat,
                       raise_siegert_input_error, siegert_input_error, siegert_point, values_at)

__all__ = ["siegert", "siegert_with_derivatives", "SiegertDerivatives", "FOURCAUD_BRUNEL_ALPHA"]

_NAMES = ("mu", "sigma", "tau_m", "t_ref", "theta", "V_reset", "tau_syn")


class SiegertDerivatives(NamedTuple):
    """Rate nu (Hz) and its partial derivatives d nu/d mu and d nu/d sigma (Hz/mV)."""

    rate: np.ndarray | float
    d_mu: np.ndarray | float
    d_sigma: np.ndarray | float


@njit(cache=True, nogil=True, error_model="numpy")
def _loop(mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn, steps, want, out, error, coef, nodes, weights):
    """siegert_point over flat inputs; input k is read at i * steps[k] (step 0 for a broadcast scalar).

    Stops at the first invalid input, leaving (error code, position) in ``error``.
    """
    for i in range(out.shape[1]):
        p = (sigma[i * steps[1]], tau_m[i * steps[2]], t_ref[i * steps[3]], theta[i * steps[4]],
             V_reset[i * steps[5]], tau_syn[i * steps[6]])
        k = siegert_input_error(*p)
        if k >= 0:
            error[0] = k
            error[1] = i
            return
        r, dm, ds = siegert_point(mu[i * steps[0]], *p, want, coef, nodes, weights)
        out[0, i] = r
        if want:
            out[1, i] = dm
            out[2, i] = ds


def _evaluate(want: bool, *args):
    """(rate,) or (rate, d_mu, d_sigma) for the 7 arguments of :func:`siegert`, checked and broadcast."""
    values = [as_real(name, v) for name, v in zip(_NAMES, args)]
    if all(type(v) is float for v in values):  # scalar fast path
        k = siegert_input_error(*values[1:])
        if k >= 0:
            raise_siegert_input_error(k, *values[1:])
        out = siegert_point(*values, want, sp.COEF, GL_NODES, GL_WEIGHTS)
        return out if want else out[:1]
    shape, flat, steps = broadcast_flat(values)
    out = np.empty((3 if want else 1, math.prod(shape)))
    error = np.full(2, -1, dtype=np.int64)
    _loop(*flat, steps, want, out, error, sp.COEF, GL_NODES, GL_WEIGHTS)
    if error[0] >= 0:
        raise_siegert_input_error(int(error[0]), *values_at(flat, steps, int(error[1]))[1:])
    return tuple(o.reshape(shape) for o in out)


def siegert(mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike = 20.0, t_ref: ArrayLike = 2.0,
            theta: ArrayLike = 20.0, V_reset: ArrayLike = 0.0, tau_syn: ArrayLike = 0.0) -> float | np.ndarray:
    """Stationary firing rate of the LIF neuron driven by white noise (Siegert formula, eq. 27).

    Implements eq. 27 of Hahne et al. (2017) (Siegert 1951; Brunel 2000),

    ``1/nu = t_ref + tau_m sqrt(pi) int_{y_r}^{y_th} exp(u^2) (1 + erf u) du``,
    ``y_th = (theta - mu)/sigma + s``, ``y_r = (V_reset - mu)/sigma + s``,

    with s = (alpha/2) sqrt(tau_syn/tau_m), alpha = sqrt(2)|zeta(1/2)| (Fourcaud & Brunel 2002).

    Parameters
    ----------
    mu : array_like
        Mean input (mV), eq. 28.
    sigma : array_like
        Noise amplitude (mV) in the Brunel/Hahne convention, eq. 29: the free membrane variance
        is sigma**2 / 2. ``sigma = 0`` gives the deterministic limit
        ``1/(t_ref + tau_m ln((mu - V_reset)/(mu - theta)))`` for mu > theta, else 0.
    tau_m : array_like, optional
        Membrane time constant (ms), > 0. Default 20.
    t_ref : array_like, optional
        Absolute refractory period (ms), >= 0. Default 2.
    theta : array_like, optional
        Threshold (mV), > V_reset. Default 20.
    V_reset : array_like, optional
        Reset potential (mV). Default 0.
    tau_syn : array_like, optional
        Synaptic time constant (ms), >= 0; 0 (default) means delta synapses.

    Returns
    -------
    float or ndarray
        Rate in Hz (spikes/s), broadcast over all arguments like a NumPy ufunc; a float when all
        arguments are scalars. Rates below the smallest positive double are returned as 0.
        NaN in any argument gives NaN. Infinite inputs give their limits: mu = -inf with finite
        sigma gives 0; mu = +inf with finite sigma, or sigma = +inf with finite mu (both bounds
        tend to s, the integral to 0), gives 1000/t_ref, and so does mu = +inf with sigma = +inf
        (both bounds at or below s on every path). mu = -inf with sigma = +inf is indeterminate
        (the limit depends on the path) and gives NaN.

    Raises
    ------
    ValueError
        If sigma < 0, tau_m <= 0, t_ref < 0, theta <= V_reset, tau_syn < 0 (or a parameter other
        than mu, sigma is infinite); the message names the parameter, its allowed range and the
        offending value, in the words of :func:`mfkit.neuron.check_neuron_params` (the first
        offending input of an array is reported).
    TypeError
        If an argument is not real-valued.

    Examples
    --------
    >>> round(siegert(15.0, 1.5 ** 0.5, tau_m=10.0, theta=15.0), 10)  # NEST's unit-test value
    27.1095934379
    """
    return _evaluate(False, mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn)[0]


def siegert_with_derivatives(mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike = 20.0, t_ref: ArrayLike = 2.0,
                             theta: ArrayLike = 20.0, V_reset: ArrayLike = 0.0,
                             tau_syn: ArrayLike = 0.0) -> SiegertDerivatives:
    """Siegert rate (eq. 27) and its partial derivatives with respect to mu and sigma.

    Differentiating eq. 27 under the integral sign, with f(u) = e^{u^2}(1 + erf u),

    ``d nu/d mu    = nu^2 tau_m sqrt(pi) / (1000 sigma) [f(y_th) - f(y_r)]``,
    ``d nu/d sigma = nu^2 tau_m sqrt(pi) / (1000 sigma) [(y_th - s) f(y_th) - (y_r - s) f(y_r)]``,

    (nu in Hz, times in ms), evaluated without cancellation (on short intervals as integrals of
    f' and (u f)'). These enter the Jacobian of the pseudo-time dynamics, eq. 30.

    Parameters
    ----------
    mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn : array_like
        As in :func:`siegert`.

    Returns
    -------
    SiegertDerivatives
        Named tuple ``(rate [Hz], d_mu [Hz/mV], d_sigma [Hz/mV])``, each broadcast like :func:`siegert`.

    Raises
    ------
    ValueError, TypeError
        As :func:`siegert`.

    Notes
    -----
    At sigma = 0 all three are the limits sigma -> 0+ (d_sigma is the one-sided derivative):

    * mu > theta: d_mu is that of the deterministic rate and ``d_sigma = -s d_mu`` (the shift
      raises threshold and reset by s sigma, which is the same as lowering mu by s sigma; so
      d_sigma = 0 for delta synapses, tau_syn = 0);
    * mu < theta: d_mu = d_sigma = 0;
    * mu = theta: the rate is 0 and ``d_mu = d_sigma = +inf``. The rate grows like
      1000/(tau_m ln(1/sigma)) there, so both derivatives grow like 1/(sigma ln^2 sigma) as
      sigma -> 0+; in mu the left derivative is 0, the right one +inf.

    Infinite mu or sigma give derivatives 0 where :func:`siegert` gives a limit, and NaN in all
    three fields where it gives NaN (mu = -inf together with sigma = +inf).
    """
    return SiegertDerivatives(*_evaluate(True, mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn))
