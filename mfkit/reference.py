"""High-precision reference values (mpmath) for the Siegert formula, eq. 27 of Hahne et al. (2017).

Everything here is slow, scalar and independent of the double-precision implementation in
:mod:`mfkit.siegert`: the supra-threshold part of the integral is done by adaptive tanh-sinh
quadrature of ``erfcx`` (in the variable ln v above v = 1), the sub-threshold part by the closed form

.. math:: \\int_0^y e^{u^2}(1+\\operatorname{erf} u)\\,du
          = \\tfrac{\\sqrt\\pi}{2}\\operatorname{erfi} y + \\tfrac{y^2}{\\sqrt\\pi}\\,{}_2F_2(1,1;\\tfrac32,2;y^2),

both at ``dps`` significant digits. Use it to check :func:`mfkit.siegert` or to get rates that are
too small for double precision.
"""
from __future__ import annotations

from typing import NamedTuple

import mpmath as mp
import numpy as np

__all__ = ["siegert", "siegert_with_derivatives", "siegert_array", "erfcx_integral", "ReferenceRate",
           "linear_response", "linear_response_laplace", "linear_response_array", "cv_isi", "cv_isi_nested",
           "spike_train_spectrum"]

DEFAULT_DPS = 50


class ReferenceRate(NamedTuple):
    """Rate (Hz) and its derivatives d nu/d mu, d nu/d sigma (Hz/mV) as mpmath numbers."""

    rate: mp.mpf
    d_mu: mp.mpf
    d_sigma: mp.mpf


def _erfcx(x):
    return mp.exp(x * x) * mp.erfc(x)


def _supra_part(lo, hi):
    """int_lo^hi erfcx(v) dv for 0 <= lo < hi: tanh-sinh on [lo, 1], then in w = ln v above 1."""
    total = mp.mpf(0)
    if lo < 1:
        total += mp.quad(_erfcx, [lo, min(hi, mp.mpf(1))])
    if hi > 1:
        w_lo, w_hi = mp.log(max(lo, mp.mpf(1))), mp.log(hi)
        pieces = mp.linspace(w_lo, w_hi, 2 + int((w_hi - w_lo) / 4))  # one piece per ~e^4 in v
        total += mp.quad(lambda w: _erfcx(mp.exp(w)) * mp.exp(w), pieces)
    return total


def erfcx_integral(x, dps: int = DEFAULT_DPS):
    """int_0^x erfcx(t) dt for x >= 0, by quadrature at ``dps`` digits."""
    with mp.workdps(dps + 10):
        x = mp.mpf(x)
        value = _supra_part(mp.mpf(0), x) if x > 0 else mp.mpf(0)
    return +value


def _positive_part(lo, hi, dps):
    """int_lo^hi e^{u^2}(1 + erf u) du for 0 <= lo < hi, closed form with enough guard digits."""

    def antiderivative(y):
        return mp.sqrt(mp.pi) / 2 * mp.erfi(y) + y * y / mp.sqrt(mp.pi) * mp.hyp2f2(1, 1, 1.5, 2, y * y)

    # the difference loses about log10(hi / (hi - lo)) + log10(1 + 2 hi^2) digits
    guard = 20 + int(mp.log10(1 + hi / (hi - lo))) + int(mp.log10(1 + 2 * hi * hi))
    with mp.workdps(dps + guard):
        value = antiderivative(hi) - antiderivative(lo)
    return value


def _integral(a, b, dps):
    """int_a^b erfcx(-u) du, a < b."""
    total = mp.mpf(0)
    if b > 0:
        total += _positive_part(max(a, mp.mpf(0)), b, dps)
    if a < 0:
        total += _supra_part(max(-b, mp.mpf(0)), -a)
    return total


def siegert_with_derivatives(mu, sigma, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, tau_syn=0.0,
                             dps: int = DEFAULT_DPS) -> ReferenceRate:
    """Reference Siegert rate (Hz) and its derivatives for one input, at ``dps`` digits.

    Implements eq. 27 of Hahne et al. (2017),
    1/nu = t_ref + tau_m sqrt(pi) int_{y_r}^{y_th} e^{u^2} (1 + erf u) du,
    y_th = (theta - mu)/sigma + s, y_r = (V_reset - mu)/sigma + s,
    with the Fourcaud & Brunel (2002) shift s = sqrt(2) |zeta(1/2)| / 2 sqrt(tau_syn/tau_m).
    Inputs are taken as exact binary numbers (floats convert exactly). Times in ms, potentials
    in mV, rates in Hz.

    sigma = 0 gives the limit sigma -> 0+ of rate and derivatives: for mu > theta the
    deterministic rate 1000/(t_ref + tau_m ln((mu - V_reset)/(mu - theta))), its mu-derivative and
    d_sigma = -s d_mu (the bounds are those of threshold theta + s sigma and reset V_reset + s sigma,
    which is the same as lowering mu by s sigma); for mu < theta zeros; for mu = theta rate 0 and
    d_mu = d_sigma = +inf (both grow like 1/(sigma ln^2 sigma) as sigma -> 0+). NaN in any input,
    or mu = -inf together with sigma = +inf (indeterminate), gives NaN in all three fields.
    """
    with mp.workdps(dps + 10):
        mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn = (
            mp.mpf(v) for v in (mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn))
        if any(mp.isnan(v) for v in (mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn)) or (
                mu == -mp.inf and sigma == mp.inf):
            return ReferenceRate(mp.nan, mp.nan, mp.nan)
        shift = mp.sqrt(2) * abs(mp.zeta(0.5)) / 2 * mp.sqrt(tau_syn / tau_m)
        if sigma == 0:
            if mu < theta:
                return ReferenceRate(mp.mpf(0), mp.mpf(0), mp.mpf(0))
            if mu == theta:
                return ReferenceRate(mp.mpf(0), mp.inf, mp.inf)
            period = t_ref + tau_m * mp.log((mu - V_reset) / (mu - theta))
            rate = 1000 / period
            d_mu = rate ** 2 / 1000 * tau_m * (theta - V_reset) / ((mu - V_reset) * (mu - theta))
            return ReferenceRate(+rate, +d_mu, -shift * d_mu)
        y_th = (theta - mu) / sigma + shift
        y_r = (V_reset - mu) / sigma + shift
        period = t_ref + tau_m * mp.sqrt(mp.pi) * _integral(y_r, y_th, dps)
        rate = 1000 / period
        f_th, f_r = _erfcx(-y_th), _erfcx(-y_r)
        common = rate ** 2 / 1000 * tau_m * mp.sqrt(mp.pi) / sigma
        d_mu = common * (f_th - f_r)
        d_sigma = common * ((y_th - shift) * f_th - (y_r - shift) * f_r)
    return ReferenceRate(+rate, +d_mu, +d_sigma)


def siegert(mu, sigma, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, tau_syn=0.0, dps: int = DEFAULT_DPS):
    """Reference Siegert rate (Hz) as an mpmath number; see :func:`siegert_with_derivatives`."""
    return siegert_with_derivatives(mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn, dps=dps).rate


def siegert_taylor_with_derivatives(mu, sigma, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, tau_syn=0.0,
                                    dps: int = DEFAULT_DPS) -> ReferenceRate:
    """Reference rate (Hz) of the first-order (Taylor) colored-noise form and its derivatives, for sigma > 0.

    Fourcaud & Brunel (2002), expanded to first order in s = sqrt(2)|zeta(1/2)|/2 sqrt(tau_syn/tau_m):
    nu = nu_0 - s nu_0^2 tau_m sqrt(pi) [f(y_th) - f(y_r)] / 1000, with nu_0 the white-noise rate (Hz),
    f(u) = e^{u^2}(1 + erf u) and the unshifted bounds y = (x - mu)/sigma. The derivatives are taken
    numerically in mpmath (``mp.diff``, central differences of step 10^-(dps/3)) at ``dps`` + 20 digits,
    independently of the library's closed forms.
    """
    def rate(m, sg):
        white = siegert_with_derivatives(m, sg, tau_m, t_ref, theta, V_reset, 0.0, dps=dps + 20).rate
        y_th, y_r = (mp.mpf(theta) - m) / sg, (mp.mpf(V_reset) - m) / sg
        shift = mp.sqrt(2) * abs(mp.zeta(0.5)) / 2 * mp.sqrt(mp.mpf(tau_syn) / tau_m)
        return white - shift * white ** 2 * tau_m * mp.sqrt(mp.pi) * (_erfcx(-y_th) - _erfcx(-y_r)) / 1000

    with mp.workdps(dps + 20):
        m, sg = mp.mpf(mu), mp.mpf(sigma)
        if not sg > 0:
            raise ValueError(f"sigma must be > 0 for the reference Taylor form, got {sigma!r}")
        value = rate(m, sg)
        h = mp.mpf(10) ** (-(dps // 3))  # central differences: truncation ~h^2, rounding ~10^-(dps+20)/h
        d_mu = mp.diff(lambda x: rate(x, sg), m, h=h)
        d_sigma = mp.diff(lambda x: rate(m, x), sg, h=h * sg)
    return ReferenceRate(+value, +d_mu, +d_sigma)


def siegert_array(mu, sigma, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, tau_syn=0.0,
                  dps: int = DEFAULT_DPS) -> np.ndarray:
    """Reference rates (Hz) rounded to float64, broadcast over all arguments (slow: a loop)."""
    one = np.vectorize(lambda *args: float(siegert(*args, dps=dps)), otypes=[np.float64])
    return one(mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn)


# ---------------------------------------------------------------- linear response (issue 10)

def _backward_solution(y, a):
    """u(y) and u'(y) for the solution of u'' - 2 y u' - 2 i Omega u = 0 (a = i Omega/2) that grows
    at most like a power of |y| for y -> -inf.

    For y < 0 it is U(a, 1/2, y^2)/sqrt(pi) (Tricomi's function, no cancellation there); for y >= 0
    the same function written with Kummer's M,
    u = M(a, 1/2, y^2)/Gamma(a + 1/2) + 2 y M(a + 1/2, 3/2, y^2)/Gamma(a)
    (the connection formula U = sqrt(pi) [M(a,1/2,z)/Gamma(a+1/2) - 2 sqrt(z) M(a+1/2,3/2,z)/Gamma(a)]).
    """
    z = y * y
    if y < 0:
        u = mp.hyperu(a, 0.5, z) / mp.sqrt(mp.pi)
        du = -2 * y * a * mp.hyperu(a + 1, 1.5, z) / mp.sqrt(mp.pi)
        return u, du
    g_half, g0 = mp.rgamma(a + 0.5), mp.rgamma(a)
    m1 = mp.hyp1f1(a + 0.5, 1.5, z)
    u = mp.hyp1f1(a, 0.5, z) * g_half + 2 * y * m1 * g0
    du = (4 * y * a * mp.hyp1f1(a + 1, 1.5, z) * g_half + 2 * m1 * g0
          + 4 * z * (a + 0.5) / mp.mpf(1.5) * mp.hyp1f1(a + 1.5, 2.5, z) * g0)
    return u, du


def linear_response(f, mu, sigma, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, modulation="mu",
                    dps: int = DEFAULT_DPS):
    """Reference linear rate response (Hz/mV, an mpmath complex) of the white-noise LIF neuron.

    For mu(t) = mu + eps cos(2 pi f t) (``modulation="mu"``) or sigma(t) = sigma + eps cos(2 pi f t)
    (``modulation="sigma"``) the rate is nu0 + eps Re[chi e^{2 pi i f t}] + O(eps^2), f in Hz.
    Closed form (Brunel & Hakim 1999; Lindner & Schimansky-Geier 2001), with w = 2 pi f/1000 rad/ms,
    Omega = w tau_m, y = (V - mu)/sigma:

    * chi_mu    = nu0/(sigma (1 + i Omega)) [u'(y_th) - u'(y_r)] / D,
    * chi_sigma = nu0/(sigma (2 + i Omega)) [u''(y_th) - u''(y_r)] / D,
    * D = u(y_th) - e^{-i w t_ref} u(y_r),

    where u solves u'' = 2 y u' + 2 i Omega u and grows at most like a power of |y| for y -> -inf
    (:func:`_backward_solution`); nu0 is the Siegert rate. chi_sigma = 2 sigma chi_{sigma^2}.
    At f = 0 both are the derivatives of the Siegert rate (:func:`siegert_with_derivatives`), which
    is what is returned there. White noise only (no synaptic filtering); sigma > 0.
    """
    if modulation not in ("mu", "sigma"):
        raise ValueError(f"modulation must be 'mu' or 'sigma', got {modulation!r}")
    with mp.workdps(dps + 10):
        f = mp.mpf(f)
        if f == 0:
            d = siegert_with_derivatives(mu, sigma, tau_m, t_ref, theta, V_reset, dps=dps + 10)
            return mp.mpc(d.d_mu if modulation == "mu" else d.d_sigma)
        lam = 2j * mp.pi * f / 1000
    return linear_response_laplace(lam, mu, sigma, tau_m, t_ref, theta, V_reset, modulation, dps)


def linear_response_laplace(lam, mu, sigma, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, modulation="mu",
                            dps: int = DEFAULT_DPS):
    """The closed form of :func:`linear_response` at a complex Laplace variable ``lam`` (1/ms, lam != 0).

    On the imaginary axis ``lam = 2 pi i f / 1000`` it is the response at f Hz; elsewhere it is the
    analytic continuation that enters the network's characteristic equation (``i Omega`` becomes
    ``lam tau_m`` and ``e^{-i w t_ref}`` becomes ``e^{-lam t_ref}``).
    """
    if modulation not in ("mu", "sigma"):
        raise ValueError(f"modulation must be 'mu' or 'sigma', got {modulation!r}")
    with mp.workdps(dps + 10):
        # D and the numerators vanish like lam tau_m -> 0: guard digits for that cancellation
        size = abs(mp.mpc(lam)) * mp.mpf(tau_m)
        guard = 20 + max(0, int(-mp.log10(size)))
    with mp.workdps(dps + guard):
        mu, sigma, tau_m, t_ref, theta, V_reset = (
            mp.mpf(v) for v in (mu, sigma, tau_m, t_ref, theta, V_reset))
        lam = mp.mpc(lam)
        nu0 = siegert(mu, sigma, tau_m, t_ref, theta, V_reset, dps=dps + guard)
        s = lam * tau_m
        a = s / 2
        y_th, y_r = (theta - mu) / sigma, (V_reset - mu) / sigma
        u_th, du_th = _backward_solution(y_th, a)
        u_r, du_r = _backward_solution(y_r, a)
        D = u_th - mp.exp(-lam * t_ref) * u_r
        if modulation == "mu":
            chi = nu0 / (sigma * (1 + s)) * (du_th - du_r) / D
        else:
            d2_th = 2 * y_th * du_th + 2 * s * u_th
            d2_r = 2 * y_r * du_r + 2 * s * u_r
            chi = nu0 / (sigma * (2 + s)) * (d2_th - d2_r) / D
    with mp.workdps(dps):
        return +chi


def linear_response_array(f, mu, sigma, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, modulation="mu",
                          dps: int = DEFAULT_DPS) -> np.ndarray:
    """Reference responses rounded to complex128, broadcast over all arguments (slow: a loop)."""
    one = np.vectorize(lambda *args: complex(linear_response(*args, modulation=modulation, dps=dps)),
                       otypes=[np.complex128])
    return one(f, mu, sigma, tau_m, t_ref, theta, V_reset)


# --- CV of the inter-spike intervals (mfkit.isi) --------------------------------------------------
#
# Var(ISI) = 2 pi tau_m^2 V,  V = int_{y_r}^{y_th} e^{x^2} dx int_{-inf}^x g(y) dy,
# g(y) = e^{y^2} (1 + erf y)^2 (Brunel 2000, appendix A; Brunel & Hakim 1999; Lindner 2002).
# Exchanging the order of integration (Fubini, everything positive),
#   V = E(y_r, y_th) I(y_r) + int_{y_r}^{y_th} g(y) E(y, y_th) dy,
#   E(a, b) = int_a^b e^{x^2} dx = sqrt(pi)/2 (erfi b - erfi a),   I(a) = int_{-inf}^a g,
# which mpmath evaluates as one quadrature plus one tail integral. ``cv_isi_nested`` is the double
# integral as written (slow), to check that exchange.


def _g_isi(y):
    return mp.exp(y * y) * mp.erfc(-y) ** 2


def _inner_isi(a):
    """I(a) = int_{-inf}^a e^{y^2} (1 + erf y)^2 dy."""
    def tail(x):  # int_{-inf}^{-x} g for x >= 0, written as e^{-x^2} int_0^inf erfcx(x+s)^2 e^{-s(2x+s)} ds
        c = 1 / (2 * x + 1)
        pts = [mp.mpf(0)] + [c * 4 ** k for k in range(5)] + [mp.inf]
        return mp.exp(-x * x) * mp.quad(lambda s: _erfcx(x + s) ** 2 * mp.exp(-s * (2 * x + s)), pts)

    if a <= 0:
        return tail(-a)
    c = 1 / (2 * a + 1)
    pts = sorted({mp.mpf(0), a} | {a - c * 4 ** k for k in range(12) if c * 4 ** k < a})
    scale = mp.exp(-a * a)  # mp.quad's tolerance is absolute: integrate something of order 1
    return tail(mp.mpf(0)) + mp.quad(lambda y: _g_isi(y) * scale, pts) / scale


def _isi_variance_integral(a, b):
    """V for y_r = a < b = y_th (mpmath numbers), by the exchanged form above."""
    pts = {a, b}
    if a < 0 < b:
        pts.add(mp.mpf(0))
    if b > 0:  # the integrand peaks at y_th: points at distances 4^k / (2 y_th + 1) below it
        c = 1 / (2 * b + 1)
        pts |= {b - c * 4 ** k for k in range(-1, 20) if b - c * 4 ** k > max(a, mp.mpf(0))}
    if a < 0:  # y = -Y, Y in [p, q]: a boundary layer of width 1/(2p + 1) at p, then ~Y^-3
        p, q = max(-b, mp.mpf(0)), -a
        c = 1 / (2 * p + 1)
        pts |= {-(p + c * 4 ** k) for k in range(-1, 40) if p + c * 4 ** k < q}
    pts = sorted(pts)
    # erfi(b) - erfi(y) loses ~log10(1/((b - y)(1 + 2|b|))) digits (relative): near y_th in the
    # quadrature (where the integrand vanishes anyway) and in E(a, b) if the interval is short
    guard = 20 + max(0, int(-mp.log10((b - a) * (1 + 2 * abs(b)))))
    with mp.workdps(mp.mp.dps + guard):
        erfi_b = mp.erfi(b)

        def E(lo):
            return mp.sqrt(mp.pi) / 2 * (erfi_b - mp.erfi(lo))

        # mp.quad's tolerance is absolute: scale the integrand to order 1 (V ~ e^{2 y_th^2}/(4 y_th^2)
        # sub-threshold, ~ 1/(4 pi y_th^2) supra-threshold)
        scale = mp.exp(-2 * b * b) * (1 + b * b) if b > 0 else (1 + b * b)
        main = mp.quad(lambda y: _g_isi(y) * E(y) * scale, pts) / scale
        first = E(a) * _inner_isi(a)
    return first + main


def _isi_prepare(mu, sigma, tau_m, t_ref, theta, V_reset):
    values = [mp.mpf(v) for v in (mu, sigma, tau_m, t_ref, theta, V_reset)]
    return values


def cv_isi(mu, sigma, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, dps: int = 40):
    """Reference CV of the inter-spike intervals of the LIF neuron under white noise (mpmath).

    CV = sqrt(2 pi) tau_m sqrt(V) nu, with V the double integral above (Brunel 2000, appendix A;
    see :func:`mfkit.cv_isi`) and nu the Siegert rate (1/nu includes t_ref). Finite sigma > 0 and
    mu only; inputs are taken as exact binary numbers. Returns an mpmath number.
    """
    with mp.workdps(dps + 10):
        mu, sigma, tau_m, t_ref, theta, V_reset = _isi_prepare(mu, sigma, tau_m, t_ref, theta, V_reset)
        b = (theta - mu) / sigma
        a = (V_reset - mu) / sigma
        V = _isi_variance_integral(a, b)
        period = t_ref + tau_m * mp.sqrt(mp.pi) * _integral(a, b, dps)
        cv = mp.sqrt(2 * mp.pi * V) * tau_m / period
    return +cv


def cv_isi_nested(mu, sigma, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, dps: int = 20):
    """The same CV by the double integral as written (nested mpmath quadrature; slow, moderate inputs)."""
    with mp.workdps(dps + 10):
        mu, sigma, tau_m, t_ref, theta, V_reset = _isi_prepare(mu, sigma, tau_m, t_ref, theta, V_reset)
        b = (theta - mu) / sigma
        a = (V_reset - mu) / sigma
        V = mp.quad(lambda x: mp.exp(x * x) * _inner_isi(x), [a, b])
        period = t_ref + tau_m * mp.sqrt(mp.pi) * _integral(a, b, dps)
        cv = mp.sqrt(2 * mp.pi * V) * tau_m / period
    return +cv


# --- spike-train power spectrum (mfkit.response.spike_train_spectrum) -----------------------------

def spike_train_spectrum(f, mu, sigma, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=0.0, dps: int = 30):
    """Reference two-sided power spectrum (Hz, an mpmath number) of the LIF neuron's spike train.

    Renewal process (Lindner, Schimansky-Geier & Longtin 2002): S = nu0 (1 - |F|^2)/|1 - F|^2 with
    F = e^{-i w t_ref} u(y_r)/u(y_th) (w = 2 pi f/1000 rad/ms, u of :func:`_backward_solution` at
    a = i Omega/2, Omega = w tau_m), i.e. S = nu0 (|u(y_th)|^2 - |u(y_r)|^2)/|u(y_th) - e^{-i w t_ref} u(y_r)|^2.
    Numerator and denominator vanish like Omega^2 (the numerator like Omega^2 Var(ISI)): guard digits
    for that. At f = 0 exactly, nu0 CV^2 (:func:`cv_isi`, :func:`siegert`).
    """
    with mp.workdps(dps + 10):
        f = mp.mpf(f)
        if f == 0:
            return siegert(mu, sigma, tau_m, t_ref, theta, V_reset, dps=dps + 10) * cv_isi(
                mu, sigma, tau_m, t_ref, theta, V_reset, dps=dps + 10) ** 2
        omega = 2 * mp.pi * f / 1000 * mp.mpf(tau_m)
        guard = 30 + max(0, int(-4 * mp.log10(omega)))
    with mp.workdps(dps + guard):
        mu, sigma, tau_m, t_ref, theta, V_reset = (mp.mpf(v) for v in (mu, sigma, tau_m, t_ref, theta, V_reset))
        w = 2 * mp.pi * mp.mpf(f) / 1000
        nu0 = siegert(mu, sigma, tau_m, t_ref, theta, V_reset, dps=dps + guard)
        a = 1j * w * tau_m / 2
        u_th = _backward_solution((theta - mu) / sigma, a)[0]
        u_r = _backward_solution((V_reset - mu) / sigma, a)[0]
        S = nu0 * (abs(u_th) ** 2 - abs(u_r) ** 2) / abs(u_th - mp.exp(-1j * w * t_ref) * u_r) ** 2
    with mp.workdps(dps):
        return +S
