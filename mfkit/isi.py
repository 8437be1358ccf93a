"""Coefficient of variation of the inter-spike intervals of the LIF neuron under white noise.

With y_th = (theta - mu)/sigma, y_r = (V_reset - mu)/sigma and g(y) = e^{y^2}(1 + erf y)^2,

.. math::

    \\mathrm{Var(ISI)} = 2\\pi\\tau_m^2\\,V,\\qquad
    V = \\int_{y_r}^{y_\\theta} e^{x^2}\\,dx \\int_{-\\infty}^{x} g(y)\\,dy,\\qquad
    \\mathrm{CV} = \\sqrt{\\mathrm{Var}}\\;\\nu,

nu the Siegert rate (the mean ISI 1/nu includes t_ref, which adds nothing to the variance):
Brunel (2000), appendix A; Brunel & Hakim (1999); Lindner (2002). Checked against the double
integral as written (mpmath) and against a direct simulation of the Ornstein-Uhlenbeck neuron.

How it is evaluated. Exchanging the order of integration (everything is positive),

    V = E(y_r, y_th) I(y_r) + int_{y_r}^{y_th} g(y) E(y, y_th) dy,
    E(a, b) = int_a^b e^{x^2} dx,   I(a) = int_{-inf}^a g,

so only one value of the inner integral is needed. With Dawson's D, G(x) = int_0^x erfcx and the
universal function T(X) = e^{X^2} int_X^inf erfcx(t)^2 e^{-t^2} dt (X >= 0; T(0) = K_INF):
I(a) = e^{-a^2} T(-a) for a <= 0 and I(a) = 2 K_INF + 4 e^{a^2} D(a) - 4 G(a) - e^{-a^2} T(a)
for a > 0. T is a short Gauss-Legendre quadrature below X = 12 and its asymptotic series
(from T' = 2 X T - erfcx^2) above. The remaining integral is composite 20-point Gauss-Legendre on
panels that double in width away from where the integrand varies fastest (just below y_th when
y_th > 0, e^{y^2 - y_th^2}; just above |y_th| in the variable Y = -y when y_th <= 0, a boundary
layer of width 1/(2|y_th|)), with the ~Y^-3 tail beyond Y = 100 summed analytically.
Sub-threshold everything is carried scaled by e^{-2 y_th^2} (V) and e^{-y_th^2} (1/nu).
For y_th <= -12 (strongly supra-threshold) V = int_{|y_th|}^{|y_r|} T(X) dX is summed
term by term from the asymptotic series of T, scaled by y_th^2; its leading term gives the
small-noise law

    CV ~= (tau_m sigma / T_det) sqrt(((mu - theta)^-2 - (mu - V_reset)^-2) / 2),
    T_det = t_ref + tau_m ln((mu - V_reset)/(mu - theta)).

Accuracy: relative error below 2e-15 against mpmath (30 digits) on a 170-point grid of all regimes
(tests/test_isi.py ``grid(6)``); the tests assert 1e-10. About 1-7 us per point.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from . import _special as sp
from ._kernels import (GL_NODES, GL_WEIGHTS, as_real, broadcast_flat, raise_siegert_input_error,
                       siegert_input_error, siegert_point, values_at)

__all__ = ["cv_isi", "K_INF"]

#: T(0) = int_0^inf erfcx(t)^2 e^{-t^2} dt = int_{-inf}^0 e^{y^2}(1 + erf y)^2 dy (mpmath, 25 digits).
K_INF = 0.3910664191374169765549598

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(20)
_T_ASYM = 12.0  # T(X) by its asymptotic series at and above this
_TAIL_START = 100.0  # the Y^-3 tail of the supra-threshold integrand is summed analytically above this
_SUB_NEGLIGIBLE = 7.0  # y_th > 7: the part of V from y < 0 is below e^{-49} of the rest
_CV_ONE = 700.0  # y_th^2 above this: CV = 1 to double precision (deviations ~ e^{-y_th^2})
_N_SERIES = 24


def _series_coefficients():
    """t_k of T(X) = sum t_k X^{-2k-3} and c_k of erfcx(X)^2 D(X) = (1/(2 pi)) sum c_k X^{-2k-3}."""
    n = _N_SERIES
    alpha = np.empty(n)  # erfcx(X) = (1/(sqrt(pi) X)) sum alpha_n X^{-2n}
    beta = np.empty(n)   # D(X) = (1/(2X)) sum beta_n X^{-2n}
    double_fact = 1.0
    for k in range(n):
        if k:
            double_fact *= (2 * k - 1) / 2.0
        alpha[k] = (-1) ** k * double_fact
        beta[k] = double_fact
    e = np.convolve(alpha, alpha)[:n]  # erfcx^2 = (1/(pi X^2)) sum e_k X^{-2k}
    t = np.empty(n)
    for k in range(n):
        t[k] = (e[k] / math.pi - ((2 * k + 1) * t[k - 1] if k else 0.0)) / 2.0
    c = np.convolve(e, beta)[:n]
    return t, c


_T_COEF, _TAIL_COEF = _series_coefficients()


@njit(cache=True, nogil=True, error_model="numpy")
def _t_function(x, coef, nodes, weights, tcoef):
    """T(x) = e^{x^2} int_x^inf erfcx(t)^2 e^{-t^2} dt = int_0^inf erfcx(x+s)^2 e^{-s(2x+s)} ds, x >= 0."""
    if x >= _T_ASYM:
        u = 1.0 / (x * x)
        total = 0.0
        power = 1.0
        for k in range(tcoef.size):
            term = tcoef[k] * power
            total += term
            if abs(term) < 1e-18 * abs(total):
                break
            power *= u
        return total / (x * x * x)
    end = math.sqrt(x * x + 50.0) - x  # e^{-s(2x+s)} < e^{-50} beyond
    n_panels = 6
    width = end / n_panels
    total = 0.0
    for j in range(n_panels):
        mid = (j + 0.5) * width
        for i in range(nodes.size):
            s = mid + 0.5 * width * nodes[i]
            e = sp.erfcx(coef, x + s)
            total += weights[i] * e * e * math.exp(-s * (2.0 * x + s))
    return 0.5 * width * total


@njit(cache=True, nogil=True, error_model="numpy")
def _tail(y1, q, tailcoef):
    """int_{y1}^{q} erfcx(Y)^2 D(Y) dY for 100 <= y1 <= q (q may be inf), from the asymptotic series."""
    u1 = 1.0 / (y1 * y1)
    uq = 1.0 / (q * q)  # 0 for q = inf
    total = 0.0
    p1 = u1
    pq = uq
    for k in range(tailcoef.size):
        term = tailcoef[k] * (p1 - pq) / (2 * k + 2)
        total += term
        if abs(term) < 1e-18 * abs(total):
            break
        p1 *= u1
        pq *= uq
    return total / (2.0 * math.pi)


# the three parts of V's remaining integral, by region of y (see _doubling_panels)
_BELOW, _NEGATIVE, _ABOVE = 0, 1, 2


@njit(cache=True, nogil=True, error_model="numpy")
def _doubling_panels(region, c, d_c, e_c, first, end, cutoff, coef, nodes, weights):
    """int_0^end F(x) dx by Gauss-Legendre on panels that double in width away from x = 0.

    Panels [0, first], [first, 2 first], [2 first, 4 first], ..., the last one cut at ``end``: fine
    where the integrand varies fastest (x = 0), wide where it has settled. The sum stops early after
    the first panel that reaches beyond ``cutoff`` (where the rest is negligible; inf for none).

    The integrand F of ``region``, with c = |y_th|, d_c = D(c), e_c = e^{-c^2},
    E(y, b) = int_y^b e^{t^2} dt and g(y) = e^{y^2}(1 + erf y)^2:

    * _BELOW, y = c - x in [0, c) below y_th = c > 0:
      F = e^{-2c^2} g(y) E(y, c) = erfc(-y)^2 w (D(c) - w D(y)), w = e^{-x(c + y)};
    * _NEGATIVE, y = -x <= 0 with y_th = c > 0:
      F = e^{-c^2} g(y) E(y, c) = erfcx(x)^2 (e^{-x^2} D(c) + e_c D(x));
    * _ABOVE, y = -(c + x) below y_th = -c <= 0, with Y = -y = c + x:
      F = g(y) E(y, -c) = erfcx(Y)^2 (D(Y) - e^{-x(2c + x)} D(c)).

    ``region`` is a compile-time constant at every call, so numba keeps only its branch.
    """
    lo = 0.0
    hi = min(first, end)
    total = 0.0
    while True:
        half = 0.5 * (hi - lo)
        mid = 0.5 * (hi + lo)
        acc = 0.0
        for i in range(nodes.size):
            x = mid + half * nodes[i]
            if region == _BELOW:
                y = c - x
                w = math.exp(-x * (c + y))
                ef = math.erfc(-y)
                acc += weights[i] * ef * ef * w * (d_c - w * sp.dawsn(coef, y))
            elif region == _NEGATIVE:
                e = sp.erfcx(coef, x)
                acc += weights[i] * e * e * (math.exp(-x * x) * d_c + e_c * sp.dawsn(coef, x))
            else:
                Y = c + x
                e = sp.erfcx(coef, Y)
                acc += weights[i] * e * e * (sp.dawsn(coef, Y) - math.exp(-x * (2.0 * c + x)) * d_c)
        total += half * acc
        if hi >= end or hi > cutoff:
            return total
        lo = hi
        hi = min(2.0 * hi, end)


@njit(cache=True, nogil=True, error_model="numpy")
def _sub_positive(b, lo, coef, nodes, weights):
    """e^{-2b^2} int_lo^b g(y) E(y, b) dy for 0 <= lo < b: panels doubling away from y = b.

    The weight e^{-x(2b - x)} at x = b - y falls below e^{-50} beyond x = b - sqrt(b^2 - 50).
    """
    cutoff = b - math.sqrt(b * b - 50.0) if b * b > 50.0 else math.inf
    return _doubling_panels(_BELOW, b, sp.dawsn(coef, b), 0.0, 0.25 / (1.0 + 2.0 * b), b - lo, cutoff, coef,
                            nodes, weights)


@njit(cache=True, nogil=True, error_model="numpy")
def _sub_negative(b, q, coef, nodes, weights, tailcoef):
    """e^{-2b^2} int_{-q}^0 g(y) E(y, b) dy for b > 0, q > 0: panels doubling away from y = 0,
    the tail beyond -y = 100 from its asymptotic series."""
    eb = math.exp(-b * b)
    total = _doubling_panels(_NEGATIVE, b, sp.dawsn(coef, b), eb, 0.5, min(q, _TAIL_START), math.inf, coef,
                             nodes, weights)
    if q > _TAIL_START:
        total += eb * _tail(_TAIL_START, q, tailcoef)
    return eb * total


@njit(cache=True, nogil=True, error_model="numpy")
def _supra(p, q, coef, nodes, weights, tailcoef):
    """int_{-q}^{-p} g(y) E(y, -p) dy for 0 <= p < q: panels doubling away from Y = -y = p (boundary
    layer of width 1/(2p)), the tail beyond Y = 100 from its asymptotic series."""
    total = _doubling_panels(_ABOVE, p, sp.dawsn(coef, p), 0.0, 0.25 / (1.0 + 2.0 * p), min(q, _TAIL_START) - p,
                             math.inf, coef, nodes, weights)
    if q > _TAIL_START:
        total += _tail(_TAIL_START, q, tailcoef)
    return total


@njit(cache=True, nogil=True, error_model="numpy")
def _scaled_e(lo, hi, delta, coef, nodes, weights):
    """e^{-hi^2} int_lo^hi e^{x^2} dx for 0 <= lo < hi, hi - lo = delta (given without cancellation)."""
    if delta * (1.0 + 2.0 * hi) < 1.0:  # short: the closed form would cancel
        acc = 0.0
        for i in range(nodes.size):
            dd = 0.5 * delta * (1.0 - nodes[i])  # hi - x
            acc += weights[i] * math.exp(-dd * (2.0 * hi - dd))
        return 0.5 * delta * acc
    return sp.dawsn(coef, hi) - math.exp(-delta * (hi + lo)) * sp.dawsn(coef, lo)


@njit(cache=True, nogil=True, error_model="numpy")
def _supra_series(inv_p, log_ratio, tcoef):
    """p^2 int_p^q T(X) dX for p >= 12 from T's series: sum t_k p^{-2k} (1 - (p/q)^{2k+2})/(2k+2).

    inv_p = 1/p, log_ratio = ln(q/p) (both passed without cancellation).
    """
    u = inv_p * inv_p
    total = 0.0
    power = 1.0
    for k in range(tcoef.size):
        m = 2 * k + 2
        term = tcoef[k] * power * (-math.expm1(-m * log_ratio)) / m
        total += term
        if abs(term) < 1e-18 * abs(total):
            break
        power *= u
    return total


@njit(cache=True, nogil=True, error_model="numpy")
def _cv_point(mu, sigma, tau_m, t_ref, theta, V_reset, coef, nodes, weights, tcoef, tailcoef,
              s_nodes, s_weights):
    """CV(ISI) for one (validated) input."""
    if mu != mu or sigma != sigma or tau_m != tau_m or t_ref != t_ref or theta != theta or V_reset != V_reset:
        return math.nan
    if sigma == math.inf:
        if mu == -math.inf:
            return math.nan  # indeterminate (depends on the path), as for the rate
        if t_ref > 0.0:
            return 0.0  # ISI -> t_ref, Var -> 0 like 1/sigma
        return math.inf if mu != math.inf else math.nan  # t_ref = 0: CV^2 ~ 2 K_INF sigma/(theta - V_reset)
    if mu == math.inf:
        return 0.0
    if mu == -math.inf:
        return 1.0
    b = (theta - mu) / sigma
    if sigma == 0.0 or abs(b) == math.inf:  # the limit sigma -> 0+
        return 0.0 if mu >= theta else 1.0
    a = (V_reset - mu) / sigma  # may overflow to -inf
    delta = (theta - V_reset) / sigma  # b - a without cancellation; may be inf
    if b > 0.0:
        if b * b > _CV_ONE:
            return 1.0
        rate = siegert_point(mu, sigma, tau_m, t_ref, theta, V_reset, 0.0, False, coef, s_nodes, s_weights)[0]
        eb2 = math.exp(-b * b)
        period_s = 1000.0 * eb2 / rate  # e^{-b^2} / nu in ms
        if a >= 0.0:
            Es = _scaled_e(a, b, delta, coef, nodes, weights)
            Ia = 4.0 * math.exp(-delta * (b + a)) * sp.dawsn(coef, a) + eb2 * (2.0 * K_INF - 4.0 * sp.erfcx_integral(coef, a))
            if a < 6.0:
                Ia -= math.exp(-a * a) * eb2 * _t_function(a, coef, nodes, weights, tcoef)
            Vs = Es * Ia + _sub_positive(b, a, coef, nodes, weights)
        else:
            Vs = _sub_positive(b, 0.0, coef, nodes, weights)
            if b < _SUB_NEGLIGIBLE:
                q = -a
                Tq = _t_function(q, coef, nodes, weights, tcoef)
                Vs += (sp.dawsn(coef, b) * math.exp(-q * q) + eb2 * sp.dawsn(coef, q)) * eb2 * Tq
                Vs += _sub_negative(b, q, coef, nodes, weights, tailcoef)
        return math.sqrt(2.0 * math.pi * Vs) * tau_m / period_s
    p = -b
    rate = siegert_point(mu, sigma, tau_m, t_ref, theta, V_reset, 0.0, False, coef, s_nodes, s_weights)[0]
    period = 1000.0 / rate
    if p >= _T_ASYM:
        inv_p = sigma / (mu - theta)
        log_ratio = math.log1p((theta - V_reset) / (mu - theta))
        v_p2 = _supra_series(inv_p, log_ratio, tcoef)  # p^2 V
        return math.sqrt(2.0 * math.pi * v_p2) * inv_p * tau_m / period
    q = -a
    if q == math.inf:
        Es_T = 0.0
    else:
        Es_T = _scaled_e(p, q, delta, coef, nodes, weights) * _t_function(q, coef, nodes, weights, tcoef)
    V = Es_T + _supra(p, q, coef, nodes, weights, tailcoef)
    return math.sqrt(2.0 * math.pi * V) * tau_m / period


_NAMES = ("mu", "sigma", "tau_m", "t_ref", "theta", "V_reset")


@njit(cache=True, nogil=True, error_model="numpy")
def _cv_loop(mu, sigma, tau_m, t_ref, theta, V_reset, steps, out, error, coef, nodes, weights, tcoef,
             tailcoef, s_nodes, s_weights):
    """_cv_point over flat inputs; input k is read at i * steps[k]. Stops at the first invalid input."""
    for i in range(out.size):
        p = (sigma[i * steps[1]], tau_m[i * steps[2]], t_ref[i * steps[3]], theta[i * steps[4]],
             V_reset[i * steps[5]])
        k = siegert_input_error(*p, 0.0)
        if k >= 0:
            error[0] = k
            error[1] = i
            return
        out[i] = _cv_point(mu[i * steps[0]], p[0], p[1], p[2], p[3], p[4], coef, nodes, weights, tcoef,
                           tailcoef, s_nodes, s_weights)


_KERNEL_ARGS = (sp.COEF, _NODES, _WEIGHTS, _T_COEF, _TAIL_COEF, GL_NODES, GL_WEIGHTS)


def cv_isi(mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike = 20.0, t_ref: ArrayLike = 2.0,
           theta: ArrayLike = 20.0, V_reset: ArrayLike = 0.0) -> float | np.ndarray:
    """Coefficient of variation of the inter-spike intervals of the LIF neuron under white noise.

    ``CV^2 = 2 pi (nu tau_m)^2 int_{y_r}^{y_th} e^{x^2} dx int_{-inf}^x e^{y^2} (1 + erf y)^2 dy``
    with ``y_th = (theta - mu)/sigma``, ``y_r = (V_reset - mu)/sigma`` and nu the Siegert rate
    (:func:`mfkit.siegert`, mean ISI 1/nu including t_ref) (Brunel 2000, appendix A).
    White noise only (delta synapses): there is no tau_syn argument.

    Parameters
    ----------
    mu, sigma, tau_m, t_ref, theta, V_reset : array_like
        As in :func:`mfkit.siegert` (mV, ms; sigma in the Brunel/Hahne convention, free membrane
        variance sigma**2/2).

    Returns
    -------
    float or ndarray
        CV (dimensionless), broadcast over all arguments like a NumPy ufunc; a float when all
        arguments are scalars. NaN in any argument gives NaN. Limits:

        * ``sigma = 0``: the limit sigma -> 0+, 0 for mu >= theta (regular firing; at mu = theta
          the CV vanishes like 1/ln(1/sigma)) and 1 for mu < theta (the rate vanishes, the
          escape becomes a Poisson process). Likewise mu = +inf gives 0 and mu = -inf gives 1.
        * deep sub-threshold (y_th^2 > 700) returns 1 exactly (the deviation is ~e^{-y_th^2}).
        * ``sigma = +inf``: 0 if t_ref > 0 (every ISI tends to t_ref); with t_ref = 0 the CV
          diverges like sqrt(sigma): +inf for finite mu, NaN (indeterminate) for mu = +inf;
          NaN for mu = -inf.

    Raises
    ------
    ValueError
        If sigma < 0, tau_m <= 0, t_ref < 0, theta <= V_reset, or tau_m, t_ref, theta, V_reset
        is infinite; the message names the parameter, its allowed range and the offending value, in
        the words of :func:`mfkit.neuron.check_neuron_params`.
    TypeError
        If an argument is not real-valued.
    """
    values = [as_real(name, v) for name, v in zip(_NAMES, (mu, sigma, tau_m, t_ref, theta, V_reset))]
    if all(type(v) is float for v in values):
        k = siegert_input_error(*values[1:], 0.0)
        if k >= 0:
            raise_siegert_input_error(k, *values[1:], 0.0)
        return _cv_point(*values, *_KERNEL_ARGS)
    shape, flat, steps = broadcast_flat(values)
    out = np.empty(math.prod(shape))
    error = np.full(2, -1, dtype=np.int64)
    _cv_loop(*flat, steps, out, error, *_KERNEL_ARGS)
    if error[0] >= 0:
        raise_siegert_input_error(int(error[0]), *values_at(flat, steps, int(error[1]))[1:], 0.0)
    return out.reshape(shape)
