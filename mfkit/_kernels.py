"""Machinery shared by the vectorised kernels of :mod:`mfkit.siegert`, :mod:`mfkit.response` and :mod:`mfkit.isi`.

* Arguments: :func:`as_real` (real numbers only), :func:`broadcast_flat` and :func:`values_at`
  (NumPy broadcasting, flattened for a kernel loop over points).
* Checks: :func:`neuron_param_error` finds, point by point inside numba, a neuron parameter outside
  the range of :mod:`mfkit.neuron` (a NaN passes: NaN in gives NaN out, as in ``scipy.special``);
  :func:`raise_neuron_error` then reports it with :func:`mfkit.neuron.check_neuron_params`, so a bad
  parameter gets the same message from every part of mfkit. :func:`siegert_input_error` and
  :func:`raise_siegert_input_error` add sigma >= 0 (the inputs of the Siegert rate and of the CV);
  :func:`out_of_range` words the messages for inputs other than neuron parameters the same way.
* The Siegert rate of one input and its derivatives, :func:`siegert_point` (eq. 27 of Hahne et al.
  2017), which the linear response and the CV of the inter-spike intervals need too, and
  optionally with the threshold raised by a time grid (:data:`TIME_GRID_BETA`;
  :func:`time_grid_error` and :func:`raise_time_grid_error` check its step).

How eq. 27 is evaluated. The integrand e^{u^2}(1 + erf u) = erfcx(-u) overflows for u > 26.6 and
the naive 1 + erf u underflows for u << 0; with G(x) = int_0^x erfcx and Dawson's function D,

* both bounds <= 0 (mu above threshold): int = G(-y_r) - G(-y_th), or for y_th <= -12 the
  asymptotic form (ln(y_r/y_th) + S(-y_r) - S(-y_th))/sqrt(pi) with the logarithm from log1p;
* y_r < 0 < y_th: int = G(-y_r) + 2 e^{y_th^2} D(y_th) - G(y_th);
* both bounds >= 0: int = 2 e^{y_th^2} D(y_th) - 2 e^{y_r^2} D(y_r) - G(y_th) + G(y_r);
* an interval short against the scale on which the integrand varies (where those differences
  would cancel): Gauss-Legendre quadrature (:data:`GL_NODES`, :data:`GL_WEIGHTS`) of the integrand itself.

Everything positive-side is carried scaled by e^{-y_th^2}, so rates down to the smallest doubles
come out without overflow.

The tables and Gauss-Legendre rules are passed to the kernels as arguments (not read as globals)
so that numba can cache the compiled code on disk.
"""
from __future__ import annotations

import math
from typing import NoReturn

import numpy as np
from numba import njit
from numpy.typing import ArrayLike
from scipy.special import zeta

from . import _special as sp
from .neuron import NEURON_DEFAULTS, NEURON_PARAMS, check_neuron_params, check_time_grid

__all__ = ["FOURCAUD_BRUNEL_ALPHA", "TIME_GRID_BETA", "GL_NODES", "GL_WEIGHTS", "SIGMA_NEGATIVE", "as_real",
           "broadcast_flat", "values_at", "neuron_param_error", "raise_neuron_error", "siegert_input_error",
           "raise_siegert_input_error", "time_grid_error", "raise_time_grid_error", "out_of_range",
           "siegert_point"]

#: alpha = sqrt(2) |zeta(1/2)| of Fourcaud & Brunel (2002); the bounds shift by alpha/2 sqrt(tau_syn/tau_m).
FOURCAUD_BRUNEL_ALPHA = 2.0652531522312172

#: beta = -zeta(1/2) / sqrt(2 pi) = 0.5826: a Gaussian random walk with steps of standard deviation s,
#: looked at only after each step, first exceeds a barrier as if it were continuous and the barrier
#: beta s higher (Siegmund 1979; Broadie, Glasserman & Kou 1997). For the LIF neuron whose threshold is
#: tested every dt ms, s = sigma sqrt(dt/tau_m): y_th moves up by beta sqrt(dt/tau_m).
TIME_GRID_BETA = float(-zeta(0.5) / math.sqrt(2.0 * math.pi))

#: The 14-point Gauss-Legendre rule on [-1, 1] of :func:`siegert_point`'s short intervals.
GL_NODES, GL_WEIGHTS = np.polynomial.legendre.leggauss(14)
_GAUSS_WIDTH = 0.5  # quadrature when the interval is shorter than this times the integrand's scale
_LOG_DBL_MIN = 708.0  # below exp(-708) scaled products would be subnormal
_NEGLIGIBLE = 45.0  # for y_th^2 > 45, e^{-y_th^2} G(-y_r) < 1e-18 D(y_th): that term is dropped


# ------------------------------------------------------------------ arguments

def as_real(name: str, value: ArrayLike) -> float | np.ndarray:
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


def broadcast_flat(values: list) -> tuple[tuple[int, ...], tuple[np.ndarray, ...], np.ndarray]:
    """The broadcast shape, flat views of the arguments and their steps (0 for a scalar) for a kernel loop.

    Point ``i`` of the broadcast result takes ``flat[k][i * steps[k]]`` from argument ``k``; broadcasting
    copies only arrays that are not already of the full shape.
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


# ------------------------------------------------------------------ checks

@njit(cache=True, nogil=True, error_model="numpy")
def neuron_param_error(tau_m, t_ref, theta, V_reset, tau_syn):
    """Index into ``NEURON_PARAMS`` of the parameter :func:`mfkit.neuron.check_neuron_params` reports, or -1.

    The same ranges, tested in the same order: tau_m finite and > 0, t_ref finite and >= 0, theta
    finite and > V_reset, V_reset finite, tau_syn finite and >= 0 (ms, mV). A NaN passes every test.
    """
    if tau_m <= 0.0 or tau_m == math.inf:
        return 0
    if t_ref < 0.0 or t_ref == math.inf:
        return 1
    if abs(theta) == math.inf or theta <= V_reset:
        return 2
    if abs(V_reset) == math.inf:
        return 3
    if tau_syn < 0.0 or tau_syn == math.inf:
        return 4
    return -1


def raise_neuron_error(index: int, tau_m: float, t_ref: float, theta: float, V_reset: float,
                       tau_syn: float) -> NoReturn:
    """Raise the ``ValueError`` of :func:`mfkit.neuron.check_neuron_params` for one flagged point.

    ``index`` is :func:`neuron_param_error`'s. The other parameters are set to their defaults (they
    may be NaN, which the kernels accept), except that theta and V_reset, which are checked against
    each other, are both the point's. Where V_reset = -inf is reported with a NaN theta, theta is set
    to its default; with V_reset = +inf no theta is in range and the message names theta.
    """
    point = dict(tau_m=tau_m, t_ref=t_ref, theta=theta, V_reset=V_reset, tau_syn=tau_syn)
    name = NEURON_PARAMS[index]
    params = dict(NEURON_DEFAULTS)
    params[name] = point[name]
    if name in ("theta", "V_reset"):
        params["theta"] = theta if theta == theta or V_reset == math.inf else NEURON_DEFAULTS["theta"]
        params["V_reset"] = V_reset
    check_neuron_params(**params)
    raise AssertionError(f"neuron_param_error and check_neuron_params disagree on {point}")


def out_of_range(name: str, allowed: str, value: float) -> ValueError:
    """``ValueError("<name> must be <allowed>, got <value>")``, the wording of :mod:`mfkit.neuron`."""
    return ValueError(f"{name} must be {allowed}, got {value!r}")


#: Error code of :func:`siegert_input_error` for sigma < 0 (after the indices 0-4 of the neuron parameters).
SIGMA_NEGATIVE = len(NEURON_PARAMS)


@njit(cache=True, nogil=True, error_model="numpy")
def siegert_input_error(sigma, tau_m, t_ref, theta, V_reset, tau_syn):
    """-1 if :func:`siegert_point` accepts these inputs, else SIGMA_NEGATIVE or :func:`neuron_param_error`'s index.

    sigma must be >= 0 (mV; +inf is a limit); a NaN passes every test.
    """
    if sigma < 0.0:
        return SIGMA_NEGATIVE
    return neuron_param_error(tau_m, t_ref, theta, V_reset, tau_syn)


def raise_siegert_input_error(code: int, sigma: float, tau_m: float, t_ref: float, theta: float, V_reset: float,
                              tau_syn: float) -> NoReturn:
    """Raise the ``ValueError`` for error ``code`` of :func:`siegert_input_error` at one point."""
    if code == SIGMA_NEGATIVE:
        raise out_of_range("sigma", ">= 0 mV", sigma)
    raise_neuron_error(code, tau_m, t_ref, theta, V_reset, tau_syn)


@njit(cache=True, nogil=True, error_model="numpy")
def time_grid_error(dt, tau_m, tau_syn):
    """1 if the time step dt (ms) is outside (0, tau_m/10], 2 if tau_syn > 0 (no grid correction), else -1.

    The ranges of :func:`mfkit.neuron.check_time_grid`, tested in the same order; a NaN passes.
    """
    if dt <= 0.0 or dt > tau_m / 10.0:
        return 1
    if tau_syn > 0.0:
        return 2
    return -1


def raise_time_grid_error(dt: float, tau_m: float, tau_syn: float) -> NoReturn:
    """Raise the ``ValueError`` of :func:`mfkit.neuron.check_time_grid` for a point :func:`time_grid_error` flags."""
    check_time_grid(dt, tau_m, tau_syn)
    raise AssertionError(f"time_grid_error and check_time_grid disagree on dt={dt}, tau_m={tau_m}, "
                         f"tau_syn={tau_syn}")


# ------------------------------------------------------------------ the Siegert rate, eq. 27

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
def _deterministic(mu, tau_m, t_ref, theta, V_reset, tau_syn, grid=None):
    """sigma -> 0+: 1/nu = t_ref + tau_m ln((mu - V_reset)/(mu - theta)) for mu > theta, else 0.

    Returns (rate, d rate/d mu, d rate/d sigma), the limits sigma -> 0+ of the noisy values:

    * mu > theta: d_sigma = -s d_mu. The shift s moves both bounds to theta + s sigma and
      V_reset + s sigma, which is the same as moving mu by -s sigma (0 for delta synapses).
      A time grid (``grid``, see :func:`siegert_point`) raises the threshold alone by a further
      grid sigma, which adds grid d nu/d theta = -grid nu tau_m / ((mu - theta) period).
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
    if grid is not None and grid > 0.0:
        shift = 0.5 * FOURCAUD_BRUNEL_ALPHA * math.sqrt(tau_syn / tau_m) if tau_syn > 0.0 else 0.0
        return rate, d_mu, -shift * d_mu - grid * rate * tau_m / ((mu - theta) * period)
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
def siegert_point(mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn, want, coef, nodes, weights, grid=None):
    """Siegert rate nu (Hz, eq. 27) and, if ``want``, d nu/d mu and d nu/d sigma (Hz/mV) for one input.

    The parameters must have passed the checks (sigma >= 0, :func:`neuron_param_error`); NaN in any
    gives NaN, and infinite mu or sigma give the limits documented in :func:`mfkit.siegert`.
    ``coef`` is :data:`mfkit._special.COEF`, ``nodes, weights`` are :data:`GL_NODES`, :data:`GL_WEIGHTS`.
    Returns the triple (nu, d_mu, d_sigma), with zero derivatives when ``want`` is false.

    ``grid``: None (continuous time; numba then compiles the function without the code below that
    tests ``grid is not None``), or the raise of the threshold's bound by a time grid,
    ``TIME_GRID_BETA sqrt(dt/tau_m)`` >= 0: y_th = (theta - mu)/sigma + s + grid, y_r unchanged. It is a
    constant in the scaled variable, so the bounds keep their sigma-dependence y - s - grid
    (threshold) and y - s (reset) in d nu/d sigma, which therefore includes the move of the raised
    threshold theta + grid sigma with sigma. On a grid, sigma = +inf with finite mu gives the limit
    with bounds s and s + grid, and with mu = +-inf it is NaN.
    """
    raised = grid is not None and grid > 0.0  # for the branches that need no value of grid
    if (mu != mu or sigma != sigma or tau_m != tau_m or t_ref != t_ref or theta != theta
            or V_reset != V_reset or tau_syn != tau_syn or (grid is not None and grid != grid)):
        return math.nan, math.nan, math.nan
    if sigma == math.inf or abs(mu) == math.inf:
        if sigma != math.inf:  # finite sigma: the rate saturates (mu = +inf) or vanishes (mu = -inf)
            return (1000.0 / t_ref, 0.0, 0.0) if mu > 0.0 else (0.0, 0.0, 0.0)
        if mu == -math.inf or (raised and mu == math.inf):  # the limit depends on the path: indeterminate
            return math.nan, math.nan, math.nan
        if not raised:  # finite mu or mu = +inf: both bounds tend to s or below it, the integral to 0
            return 1000.0 / t_ref, 0.0, 0.0
        # finite mu on a grid: the bounds tend to s and s + grid, evaluated below (y_th0 = y_r0 = 0)
    if sigma == 0.0:
        return _deterministic(mu, tau_m, t_ref, theta, V_reset, tau_syn, grid)
    y_th0 = (theta - mu) / sigma  # the unshifted bounds enter d nu/d sigma
    if abs(y_th0) == math.inf:  # |theta - mu| > 1.8e308 sigma: the noise is below double precision
        return _deterministic(mu, tau_m, t_ref, theta, V_reset, tau_syn, grid)
    shift = 0.5 * FOURCAUD_BRUNEL_ALPHA * math.sqrt(tau_syn / tau_m) if tau_syn > 0.0 else 0.0
    y_r0 = (V_reset - mu) / sigma  # may overflow to -inf for subnormal sigma: see _tail
    b = y_th0 + shift  # y_th
    a = y_r0 + shift  # y_r
    delta = (theta - V_reset) / sigma  # b - a, without cancellation
    if grid is not None:  # the time grid raises the threshold's bound alone
        b += grid
        delta += grid
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
        f2 *= 0.5 * delta  # [(u - s) f]_a^b; the threshold's bound is y_th0 = b - s - grid
        if grid is not None and want:  # e^{-s} f(b)
            f2 -= grid * (math.erfc(-b) if b > 0.0 else sp.erfcx(coef, -b))
    elif b <= 0.0:  # above threshold: int_p^q erfcx, p = -y_th, q = -y_r
        p = -b
        q = -a
        if p >= sp.X_ASYM:
            p0p, p1p, psp, pdp, pmp = sp.asymptotic_sums(p)
            p0q, p1q, psq, pdq, pmq = sp.asymptotic_sums(q)
            gap, drop = theta - V_reset, (mu - theta) - shift * sigma  # (q - p) sigma, p sigma
            if grid is not None:
                gap += grid * sigma
                drop = (mu - theta) - (shift + grid) * sigma
            log_ratio = math.log1p(gap / drop)  # ln(q/p)
            J = (log_ratio + psq - psp) * sp.INV_SQRT_PI
            if want:
                f1 = (p0p / p - p0q / q) * sp.INV_SQRT_PI
                f2 = (pdq - pdp) * sp.INV_SQRT_PI - shift * f1  # x erfcx(x) - 1/sqrt(pi) = PD/sqrt(pi)
                if grid is not None:
                    f2 -= grid * (p0p / p * sp.INV_SQRT_PI)  # erfcx(p) = p0p/(p sqrt(pi))
        else:
            Gq, eq, qeq = _tail(q, mu - V_reset, sigma, want, coef)
            J = Gq - sp.erfcx_integral(coef, p)
            if want:
                ep = sp.erfcx(coef, p)
                f1 = ep - eq
                f2 = (qeq - p * ep) - shift * f1
                if grid is not None:
                    f2 -= grid * ep
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
