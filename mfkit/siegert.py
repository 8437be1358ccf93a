"""The Siegert transfer function of the leaky integrate-and-fire neuron (eq. 27 of Hahne et al. 2017).

.. math::

    \\frac{1}{\\nu} = \\tau_\\mathrm{ref} + \\tau_m \\sqrt{\\pi}
        \\int_{y_r}^{y_\\theta} e^{u^2} \\bigl(1 + \\operatorname{erf} u\\bigr)\\,du,
    \\qquad y_\\theta = \\frac{\\theta - \\mu}{\\sigma} + s,\\quad y_r = \\frac{V_r - \\mu}{\\sigma} + s,

the inverse mean first-passage time of a leaky membrane driven by white noise with mean mu and
(Brunel/Hahne) standard deviation sigma (Siegert 1951; Amit & Brunel 1997; Brunel 2000). The shift
s = sqrt(2)|zeta(1/2)|/2 sqrt(tau_syn/tau_m) is the first-order correction of Fourcaud & Brunel
(2002) for exponentially filtered synaptic currents (s = 0 for delta synapses).

How it is evaluated (the integrand e^{u^2}(1 + erf u) = erfcx(-u) overflows for u > 26.6 and the
naive 1 + erf u underflows for u << 0): with G(x) = int_0^x erfcx and Dawson's function D,

* both bounds <= 0 (mu above threshold): int = G(-y_r) - G(-y_th), or for y_th <= -12 the
  asymptotic form (ln(y_r/y_th) + S(-y_r) - S(-y_th))/sqrt(pi) with the logarithm from log1p;
* y_r < 0 < y_th: int = G(-y_r) + 2 e^{y_th^2} D(y_th) - G(y_th);
* both bounds >= 0: int = 2 e^{y_th^2} D(y_th) - 2 e^{y_r^2} D(y_r) - G(y_th) + G(y_r);
* an interval short against the scale on which the integrand varies (where those differences
  would cancel): Gauss-Legendre quadrature of the integrand itself.

Everything positive-side is carried scaled by e^{-y_th^2}, so rates down to the smallest doubles
come out without overflow. Accuracy: relative error below max(1e-13, 1e-15 y_th^2) against mpmath
(the second term is the unavoidable e^{-y^2} amplification of the rounding of y_th itself);
see the tests and the book's first chapter.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from . import _special as sp

__all__ = ["siegert", "siegert_with_derivatives", "SiegertDerivatives", "FOURCAUD_BRUNEL_ALPHA"]

#: alpha = sqrt(2) |zeta(1/2)| of Fourcaud & Brunel (2002); the bounds shift by alpha/2 sqrt(tau_syn/tau_m).
FOURCAUD_BRUNEL_ALPHA = 2.0652531522312172

_N_GAUSS = 14
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(_N_GAUSS)
_GAUSS_WIDTH = 0.5  # quadrature when the interval is shorter than this times the integrand's scale
_LOG_DBL_MIN = 708.0  # below exp(-708) scaled products would be subnormal
_NEGLIGIBLE = 45.0  # for y_th^2 > 45, e^{-y_th^2} G(-y_r) < 1e-18 D(y_th): that term is dropped


class SiegertDerivatives(NamedTuple):
    """Rate nu (Hz) and its partial derivatives d nu/d mu and d nu/d sigma (Hz/mV)."""

    rate: np.ndarray | float
    d_mu: np.ndarray | float
    d_sigma: np.ndarray | float


@njit(cache=True, nogil=True, error_model="numpy")
def _scaled_integrand(b, d, es, coef):
    """e^{-s} f(u), e^{-s} f'(u), e^{-s} (u f)'(u) for f(u) = erfcx(-u) at u = b - d (d >= 0).

    s = b^2 if b > 0 else 0 and es = e^{-s}. The derivative terms enter the derivatives of the
    rate with respect to mu and sigma.
    """
    u = b - d
    if u >= 0.0:  # then b >= u >= 0: e^{u^2 - b^2} = e^{-d (2b - d)}
        f = math.exp(-d * (2.0 * b - d)) * math.erfc(-u)
        fp = 2.0 * u * f + sp.TWO_OVER_SQRT_PI * es
        ufp = (1.0 + 2.0 * u * u) * f + u * sp.TWO_OVER_SQRT_PI * es
        return f, fp, ufp
    x = -u
    if x < sp.X_ASYM:
        e = sp.erfcx(coef, x)
        derivative = 2.0 * x * e - sp.TWO_OVER_SQRT_PI  # erfcx'(x), cancels by at most 2 X_ASYM^2
        return es * e, -es * derivative, es * (e + x * derivative)
    p0, p1, ps, pd, pm = sp.asymptotic_sums(x)
    return es * p0 * sp.INV_SQRT_PI / x, -es * 2.0 * pd * sp.INV_SQRT_PI, es * pm * sp.INV_SQRT_PI / x


@njit(cache=True, nogil=True, error_model="numpy")
def _deterministic(mu, tau_m, t_ref, theta, V_reset, tau_syn):
    """sigma -> 0+: 1/nu = t_ref + tau_m ln((mu - V_reset)/(mu - theta)) for mu > theta, else 0.

    Returns (rate, d rate/d mu, d rate/d sigma), the limits sigma -> 0+ of the noisy values:

    * mu > theta: d_sigma = -s d_mu. The shift s moves both bounds to theta + s sigma and
      V_reset + s sigma, which is the same as moving mu by -s sigma (0 for delta synapses).
    * mu < theta: all zero (the rate vanishes like e^{-y_th^2}).
    * mu == theta: rate 0, d_mu = d_sigma = +inf. The rate there is ~1000/(tau_m ln(1/sigma)), so
      d_sigma (the one-sided derivative at sigma = 0) and d_mu both grow like 1/(sigma ln^2 sigma);
      in mu the left derivative is 0 and the right one +inf.
    """
    if mu <= theta:
        return (0.0, math.inf, math.inf) if mu == theta else (0.0, 0.0, 0.0)
    period = t_ref + tau_m * math.log1p((theta - V_reset) / (mu - theta))
    rate = 1000.0 / period
    d_mu = rate * tau_m * (theta - V_reset) / (period * (mu - V_reset) * (mu - theta))
    if tau_syn > 0.0:
        return rate, d_mu, -0.5 * FOURCAUD_BRUNEL_ALPHA * math.sqrt(tau_syn / tau_m) * d_mu
    return rate, d_mu, 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def _tail(x, numerator, sigma, want, coef):
    """G(x) = int_0^x erfcx and, if ``want``, erfcx(x) and x erfcx(x), at x = numerator/sigma (+ shift).

    x >= 0 may have overflowed to +inf (subnormal sigma); the logarithm is then taken of the ratio.
    """
    if x < sp.X_ASYM:
        e = sp.erfcx(coef, x) if want else 0.0
        return sp.erfcx_integral(coef, x), e, x * e
    p0, p1, ps, pd, pm = sp.asymptotic_sums(x)
    log_x = math.log(x) if x < math.inf else math.log(numerator) - math.log(sigma)
    return sp.ERFCX_INTEGRAL_C + (log_x + ps) * sp.INV_SQRT_PI, p0 * sp.INV_SQRT_PI / x, p0 * sp.INV_SQRT_PI


@njit(cache=True, nogil=True, error_model="numpy")
def _point(mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn, want, coef, nodes, weights):
    """Rate (Hz) and, if ``want``, d rate/d mu and d rate/d sigma for one input."""
    if (mu != mu or sigma != sigma or tau_m != tau_m or t_ref != t_ref or theta != theta
            or V_reset != V_reset or tau_syn != tau_syn):
        return math.nan, math.nan, math.nan
    if sigma == math.inf or abs(mu) == math.inf:
        if sigma != math.inf:  # finite sigma: the rate saturates (mu = +inf) or vanishes (mu = -inf)
            return (1000.0 / t_ref, 0.0, 0.0) if mu > 0.0 else (0.0, 0.0, 0.0)
        if mu == -math.inf:  # the limit depends on how mu and sigma grow: indeterminate
            return math.nan, math.nan, math.nan
        # finite mu or mu = +inf: both bounds tend to s or below it, the integral to 0
        return 1000.0 / t_ref, 0.0, 0.0
    if sigma == 0.0:
        return _deterministic(mu, tau_m, t_ref, theta, V_reset, tau_syn)
    y_th0 = (theta - mu) / sigma  # the unshifted bounds enter d nu/d sigma
    if abs(y_th0) == math.inf:  # |theta - mu| > 1.8e308 sigma: the noise is below double precision
        return _deterministic(mu, tau_m, t_ref, theta, V_reset, tau_syn)
    shift = 0.5 * FOURCAUD_BRUNEL_ALPHA * math.sqrt(tau_syn / tau_m) if tau_syn > 0.0 else 0.0
    y_r0 = (V_reset - mu) / sigma  # may overflow to -inf for subnormal sigma: see _tail
    b = y_th0 + shift  # y_th
    a = y_r0 + shift  # y_r
    delta = (theta - V_reset) / sigma  # b - a, without cancellation
    s = b * b if b > 0.0 else 0.0
    if s > 745.0:  # rate below the smallest double
        return 0.0, 0.0, 0.0
    es = math.exp(-s) if s > 0.0 else 1.0  # no exp call above threshold
    scale = 1.0 / max(1.0, 2.0 * b) if b > 0.0 else max(1.0, -b)
    f1 = 0.0  # e^{-s} (f(b) - f(a))
    f2 = 0.0  # e^{-s} ((b - shift) f(b) - (a - shift) f(a))

    if delta <= _GAUSS_WIDTH * scale:  # short interval: Gauss-Legendre on the integrand itself
        J = 0.0
        for i in range(nodes.size):
            f, fp, ufp = _scaled_integrand(b, 0.5 * delta * (1.0 - nodes[i]), es, coef)
            J += weights[i] * f
            f1 += weights[i] * fp
            f2 += weights[i] * (ufp - shift * fp)
        J *= 0.5 * delta
        f1 *= 0.5 * delta
        f2 *= 0.5 * delta
    elif b <= 0.0:  # above threshold: int_p^q erfcx, p = -y_th, q = -y_r
        p = -b
        q = -a
        if p >= sp.X_ASYM:
            p0p, p1p, psp, pdp, pmp = sp.asymptotic_sums(p)
            p0q, p1q, psq, pdq, pmq = sp.asymptotic_sums(q)
            log_ratio = math.log1p((theta - V_reset) / ((mu - theta) - shift * sigma))  # ln(q/p)
            J = (log_ratio + psq - psp) * sp.INV_SQRT_PI
            if want:
                f1 = (p0p / p - p0q / q) * sp.INV_SQRT_PI
                f2 = (pdq - pdp) * sp.INV_SQRT_PI - shift * f1  # x erfcx(x) - 1/sqrt(pi) = PD/sqrt(pi)
        else:
            Gq, eq, qeq = _tail(q, mu - V_reset, sigma, want, coef)
            J = Gq - sp.erfcx_integral(coef, p)
            if want:
                ep = sp.erfcx(coef, p)
                f1 = ep - eq
                f2 = (qeq - p * ep) - shift * f1
    else:
        if a >= 0.0:  # far below threshold, mu <= V_reset
            e_ab = math.exp(-delta * (a + b))  # e^{a^2 - b^2}
            J = (2.0 * sp.dawsn(coef, b) - 2.0 * e_ab * sp.dawsn(coef, a)
                 - es * (sp.erfcx_integral(coef, b) - sp.erfcx_integral(coef, a)))
            fa = e_ab * math.erfc(-a)
            ya_fa = y_r0 * fa
        else:  # y_r < 0 < y_th
            Ga, ea, aea = _tail(-a, mu - V_reset, sigma, want, coef)
            J = 2.0 * sp.dawsn(coef, b)
            if s < _NEGLIGIBLE:
                J += es * (Ga - sp.erfcx_integral(coef, b))
            fa = es * ea
            ya_fa = -es * (aea + shift * ea)  # y_r0 f(y_r) e^{-s}, y_r0 = a - shift = -(|a| + shift)
        if want:
            fb = math.erfc(-b)
            f1 = fb - fa
            f2 = y_th0 * fb - ya_fa

    period_scaled = t_ref * es + tau_m * sp.SQRT_PI * J  # e^{-s} / nu, in ms
    if s < _LOG_DBL_MIN:
        rate = 1000.0 * es / period_scaled
    else:
        rate = math.exp(math.log(1000.0 / period_scaled) - s)
    if not want:
        return rate, 0.0, 0.0
    common = rate * tau_m * sp.SQRT_PI / period_scaled
    return rate, common * (f1 / sigma), common * (f2 / sigma)  # f/sigma first: sigma may be subnormal


@njit(cache=True, nogil=True, error_model="numpy")
def _invalid_parameter(sigma, tau_m, t_ref, theta, V_reset, tau_syn):
    """Index (into _NAMES) of the first parameter outside its range, 7 if theta <= V_reset, else -1.

    NaN passes every test: NaN in gives NaN out.
    """
    if sigma < 0.0:
        return 1
    if tau_m <= 0.0 or tau_m == math.inf:
        return 2
    if t_ref < 0.0 or t_ref == math.inf:
        return 3
    if abs(theta) == math.inf:
        return 4
    if abs(V_reset) == math.inf:
        return 5
    if tau_syn < 0.0 or tau_syn == math.inf:
        return 6
    if theta <= V_reset:
        return _THETA_NOT_ABOVE_RESET
    return -1


@njit(cache=True, nogil=True, error_model="numpy")
def _loop(mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn, steps, want, out, error, coef, nodes, weights):
    """_point over flat inputs; input k is read at i * steps[k] (step 0 for a broadcast scalar).

    Stops at the first invalid input, leaving (parameter index, position) in ``error``.
    """
    for i in range(out.shape[1]):
        p = (sigma[i * steps[1]], tau_m[i * steps[2]], t_ref[i * steps[3]], theta[i * steps[4]],
             V_reset[i * steps[5]], tau_syn[i * steps[6]])
        k = _invalid_parameter(*p)
        if k >= 0:
            error[0] = k
            error[1] = i
            return
        r, dm, ds = _point(mu[i * steps[0]], *p, want, coef, nodes, weights)
        out[0, i] = r
        if want:
            out[1, i] = dm
            out[2, i] = ds


_NAMES = ("mu", "sigma", "tau_m", "t_ref", "theta", "V_reset", "tau_syn")
_ALLOWED = {1: ">= 0", 2: "finite and > 0", 3: "finite and >= 0", 4: "finite", 5: "finite", 6: "finite and >= 0"}
_THETA_NOT_ABOVE_RESET = 7


def _raise_invalid(k: int, values: list) -> None:
    """ValueError naming parameter k; ``values`` are the 7 inputs at the offending position."""
    if k == _THETA_NOT_ABOVE_RESET:
        raise ValueError(f"theta must be > V_reset; got theta={values[4]!r}, V_reset={values[5]!r}")
    raise ValueError(f"{_NAMES[k]} must be {_ALLOWED[k]}; got {_NAMES[k]}={values[k]!r}")


def _as_real(name: str, value):
    """``value`` as a float (scalar input) or a float64 array; TypeError naming ``name`` otherwise."""
    if type(value) is float:
        return value
    if type(value) is np.ndarray and value.dtype == np.float64:
        return value if value.ndim else float(value)
    if value is None or isinstance(value, (str, bytes)) or np.iscomplexobj(value):
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {value!r}")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a real number or an array of real numbers, got {value!r}") from err
    return float(array) if array.ndim == 0 else array


def _evaluate(want: bool, *args):
    values = [_as_real(name, v) for name, v in zip(_NAMES, args)]
    if all(type(v) is float for v in values):  # scalar fast path
        k = _invalid_parameter(*values[1:])
        if k >= 0:
            _raise_invalid(k, values)
        out = _point(*values, want, sp.COEF, _GL_NODES, _GL_WEIGHTS)
        return out if want else out[:1]
    shape, flat, steps = broadcast_flat(values)
    out = np.empty((3 if want else 1, math.prod(shape)))
    error = np.full(2, -1, dtype=np.int64)
    _loop(*flat, steps, want, out, error, sp.COEF, _GL_NODES, _GL_WEIGHTS)
    if error[0] >= 0:
        _raise_invalid(int(error[0]), values_at(flat, steps, int(error[1])))
    return tuple(o.reshape(shape) for o in out)


def broadcast_flat(values: list) -> tuple[tuple[int, ...], tuple[np.ndarray, ...], np.ndarray]:
    """The broadcast shape, flat views of the arguments and their steps (0 for a scalar) for a kernel loop.

    Point ``i`` of the broadcast result takes ``flat[k][i * steps[k]]`` from argument ``k``; broadcasting
    copies only arrays that are not already of the full shape.  Shared by the vectorised functions
    (:func:`siegert`, :func:`mfkit.linear_response`, :func:`mfkit.cv_isi`).
    """
    arrays = [np.asarray(v) for v in values]
    shape = np.broadcast(*arrays).shape
    flat = tuple(a.reshape(1) if a.size == 1 else
                 a.ravel() if a.shape == shape else np.broadcast_to(a, shape).ravel()  # ravel copies if needed
                 for a in arrays)
    steps = np.array([1 if a.size > 1 else 0 for a in flat], dtype=np.int64)
    return shape, flat, steps


def values_at(flat: tuple[np.ndarray, ...], steps: np.ndarray, i: int) -> list[float]:
    """The arguments of point ``i`` of a :func:`broadcast_flat` loop (for the error message)."""
    return [float(a[i * st]) for a, st in zip(flat, steps)]


def siegert(mu, sigma, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, tau_syn=0.0):
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
        than mu, sigma is infinite); the message names the parameter and the offending value.
    TypeError
        If an argument is not real-valued.

    Examples
    --------
    >>> round(siegert(15.0, 1.5 ** 0.5, tau_m=10.0, theta=15.0), 10)  # NEST's unit-test value
    27.1095934379
    """
    return _evaluate(False, mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn)[0]


def siegert_with_derivatives(mu, sigma, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0,
                             tau_syn=0.0) -> SiegertDerivatives:
    """Siegert rate (eq. 27) and its partial derivatives with respect to mu and sigma.

    Differentiating eq. 27 under the integral sign, with f(u) = e^{u^2}(1 + erf u),

    ``d nu/d mu    = nu^2 tau_m sqrt(pi) / (1000 sigma) [f(y_th) - f(y_r)]``,
    ``d nu/d sigma = nu^2 tau_m sqrt(pi) / (1000 sigma) [(y_th - s) f(y_th) - (y_r - s) f(y_r)]``,

    (nu in Hz, times in ms), evaluated without cancellation (on short intervals as integrals of
    f' and (u f)'). These enter the Jacobian of the pseudo-time dynamics, eq. 30.

    Parameters are those of :func:`siegert`. Returns a :class:`SiegertDerivatives` named tuple
    ``(rate [Hz], d_mu [Hz/mV], d_sigma [Hz/mV])``.

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
