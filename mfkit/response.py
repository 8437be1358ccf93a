"""Linear rate response of the white-noise LIF neuron to a modulation of mu or of sigma, and the
power spectrum of its spike train.

For ``tau_m dV/dt = -V + mu(t) + sigma(t) sqrt(tau_m) xi(t)`` with threshold theta, reset V_reset and
refractory period t_ref, and mu(t) = mu + eps cos(2 pi f t) (or sigma(t) = sigma + eps cos(2 pi f t)),
the rate is nu0 + eps Re[chi(f) e^{2 pi i f t}] + O(eps^2): a lagging response has a negative phase.

How it is computed (the reference :func:`mfkit.reference.linear_response` evaluates the same
closed form with mpmath; tests/test_response.py checks it against the forward problem): with
w = 2 pi f/1000 (rad/ms), Omega = w tau_m and y = (V - mu)/sigma, the first-order Fokker-Planck
problem has, in the interior, the particular solutions -P0'/(1 + i Omega) (mean modulation) and
P0''/(2(2 + i Omega)) (modulation of sigma^2), and the remaining homogeneous problem is solved by
the adjoint function u(y), the solution of the backward equation

    u'' = 2 y u' + 2 i Omega u

that grows at most like a power of |y| for y -> -inf. Then, with D = u(y_th) - e^{-i w t_ref} u(y_r),

    chi_mu    = nu0 / (sigma (1 + i Omega)) [u'(y_th) - u'(y_r)] / D,
    chi_sigma = nu0 / (sigma (2 + i Omega)) [u''(y_th) - u''(y_r)] / D     (= 2 sigma chi_{sigma^2}),

the closed form of Brunel & Hakim (1999) and Lindner & Schimansky-Geier (2001), whose u is a
parabolic cylinder / confluent hypergeometric function of complex order. Here u is not evaluated
from special functions but integrated (in the spirit of Richardson's 2007 threshold integration):

* u = 1 + i Omega W, so that W'' = 2 y W' + 2 i Omega W + 2 has a regular limit Omega -> 0 (W' is
  then sqrt(pi) erfcx(-y), the Siegert integrand) and D/(i Omega), u'/(i Omega) carry no
  cancellation at low frequency;
* W is integrated upward from a point y_lb below min(y_r, 0), started on the slowly varying
  solution; the other (exponentially varying) solution decays relative to it by at least e^{-30}
  between y_lb and the points where u is needed (so D, the flux condition at -inf, is satisfied);
* V = W' obeys the homogeneous V'' = 2 y V' + 2 (1 + i Omega) V; (W, V, V') is advanced with the
  Magnus series of the 3x3 system truncated after h^9 (tenth order; A(y) is linear in y, so the
  series was derived once symbolically), i.e. one exact 2x2 matrix exponential per step plus
  phi_1 of it for W: stiff and oscillatory modes are propagated exactly for frozen coefficients.
  The step is c/(3 + |y| + sqrt(2 Omega)) for -12 < y < 0 (|y| -> 12 + (|y| - 12)/2 below -12)
  and c/(3 + 2y + sqrt(2 Omega)) above 0 (c = 0.85; for the sigma channel 0.7, times
  sqrt(6/|y_th|) for y_th < -6, where chi_sigma is small against its terms);
  from y_r on, V and V' are propagated as differences to their values at y_r, so the numerators
  V(y_th) - V(y_r) = [u'(y_th) - u'(y_r)]/(i Omega) and V'(y_th) - V'(y_r) come without
  cancellation. With E = D/(i Omega) = W(y_th) - W(y_r) + (1 - e^{-i w t_ref})/(i Omega) u(y_r):
  chi_mu = nu0 [V(y_th) - V(y_r)] / (sigma (1 + i Omega) E), chi_sigma likewise with V';
* at high frequency, when the WKB growth of u between y_r and y_th exceeds e^{60}, the reset terms
  are negligible and the integration starts just below threshold.

nu0 is :func:`mfkit.siegert`. At f = 0 exactly the Siegert derivatives are returned (the limit of the
formulas above). White noise; for tau_syn > 0 the approximation of Schuecker, Diesmann & Helias (2015),
see :func:`linear_response`.

The same u gives the spike-train spectrum of the renewal process (Lindner, Schimansky-Geier & Longtin
2002): the ISI density (first passage from y_r to y_th, then t_ref) has the Fourier transform
F = e^{-i w t_ref} u(y_r)/u(y_th), and S = nu0 (1 - |F|^2)/|1 - F|^2
= nu0 (|u(y_th)|^2 - |u(y_r)|^2)/|D|^2. With q = [W(y_th) - W(y_r)]/u(y_r) the factors Omega^2 of
numerator and denominator cancel analytically: S/nu0 = (|q|^2 - 2 Im(q)/Omega)/|E/u(y_r)|^2. At low
frequency that numerator is Var(ISI)/tau_m^2, a difference of moments of size (mean ISI/tau_m)^2, so
the march's error is amplified by 1/CV^2: the spectrum uses a finer step (c = 0.8), shrunk further
like CV^0.2 where the small-noise estimate of CV^2 is below 0.05. On the high-frequency branch
|F| < e^{-60} and S = nu0. At f = 0 exactly S = nu0 CV^2 (:func:`mfkit.cv_isi`).
"""
from __future__ import annotations

import cmath
import math

import numpy as np
from numba import njit, prange
from numpy.typing import ArrayLike

from . import _special as sp
from ._kernels import (GL_NODES, GL_WEIGHTS, as_real, broadcast_flat, neuron_param_error, out_of_range,
                       raise_neuron_error, siegert_point, values_at)
from .isi import cv_isi
from .spiking._threads import ThreadedKernel
from .neuron import check_colored_noise, check_neuron_params
from .siegert import colored_noise_shift, siegert

__all__ = ["linear_response", "synaptic_low_pass", "linear_response_limit", "spike_train_spectrum", "characteristic_parts", "Y_MAX"]

#: Largest |theta - mu|/sigma and |V_reset - mu|/sigma accepted (the cost grows like their square).
Y_MAX = 200.0
_L = 30.0  # required decay (in e-folds) of the unwanted solution between start and use
_SKIP = 60.0  # WKB growth of u from y_r to y_th above which the reset terms are dropped
# step = _C_STEP / (_A_STEP + |y| (y < 0) or _BP_STEP y (y > 0) + sqrt(2 Omega)), see _march: tuned on
# generated grids against the mpmath reference (tenth order: halving the step gains ~1e-3)
_C_STEP = 0.85
_C_STEP_SIGMA = 0.7  # the sigma channel can be small against its terms (far above threshold)
_A_STEP = 3.0
_Y_KNEE = 12.0  # below y = -12 the step grows more slowly with |y|: slope _B_FAR
_B_FAR = 0.5
_BP_STEP = 2.0
_RESCALE = 1e150
_C_STEP_SPECTRUM = 0.8  # S is a difference of first-passage moments at low f: finer steps (tuned as _C_STEP)
_CV2_REF = 0.05  # below this estimated CV^2 the spectrum's step shrinks like CV^0.2


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "reassoc", "nsz"})
def _cexpm1(z):
    """(e^z - 1, e^z) for complex z, the first without cancellation for small |z|."""
    x = z.real
    s = math.sin(0.5 * z.imag)
    c = math.cos(0.5 * z.imag)
    em = math.expm1(x)
    e = 1.0 + em
    sin_y = 2.0 * s * c
    cos_m1 = -2.0 * s * s  # cos y - 1
    return complex(em * (1.0 + cos_m1) + cos_m1, e * sin_y), complex(e * (1.0 + cos_m1), e * sin_y)


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "reassoc", "nsz"})
def _cexp(z):
    """e^z for finite complex z (cmath.exp without the special-value branches)."""
    r = math.exp(z.real)
    return complex(r * math.cos(z.imag), r * math.sin(z.imag))


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "reassoc", "nsz"})
def _inv(z):
    """1/z for a finite nonzero complex z of moderate size (no scaling, unlike complex division)."""
    d = 1.0 / (z.real * z.real + z.imag * z.imag)
    return complex(z.real * d, -z.imag * d)


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "reassoc", "nsz"})
def _csqrt(z):
    """Principal square root of a finite complex z of moderate size."""
    x = z.real
    y = z.imag
    r = math.sqrt(x * x + y * y)  # finite, moderate arguments only (|z| < 1e150)
    if r == 0.0:
        return 0j
    if x >= 0.0:
        t = math.sqrt(0.5 * (r + x))
        return complex(t, 0.5 * y / t)
    t = math.sqrt(0.5 * (r - x))
    return complex(0.5 * abs(y) / t, math.copysign(t, y))


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "reassoc", "nsz"})
def _step(h, ym, kappa):
    """Tenth-order Magnus step of length h centred on ym for V = W', V'' = 2 y V' + 2 kappa V.

    The 3x3 system (W, V, V') with W' = V, A(y) = [[0, 1, 0], [0, 0, 1], [0, 2 kappa, 2 y]], is
    advanced by exp(X3), X3 the Magnus series of this A (linear in y) truncated after h^9 (only
    odd powers of h occur for the symmetric step; obtained with sympy as the logarithm of the
    Taylor series of the propagator, truncated, with y0 = ym - h/2). X3 = [[0, r], [0, X]] with X
    the 2x2 exponent of (V, V'), so
    exp(X3) = [[1, r phi_1(X)], [0, e^X]]. Returns (M00, M01, M10, M11, q0, q1):
    (V, V') <- M (V, V') and W <- W + q0 V + q1 V' (q = r phi_1(X), with the old V, V').
    e^X and phi_1(X) are written as c0 I + c1 X from the eigenvalues of X (Newton form), or from
    the power series in X when the eigenvalues are within 1 of each other (then both are small).
    """
    h2 = h * h
    h3 = h2 * h
    h5 = h3 * h2
    h7 = h5 * h2
    h9 = h7 * h2
    y2 = ym * ym
    y4 = y2 * y2
    k2 = kappa * kappa
    k3 = k2 * kappa
    x00 = kappa * ym * (h7 / 945.0 - h9 * (2.0 * kappa + y2) / 4725.0)
    x01 = (h - h3 / 6.0 + h5 * (kappa / 45.0 + y2 / 90.0 + 1.0 / 60.0)
           - h7 * (4.0 * k2 / 945.0 + kappa * (4.0 * y2 + 4.0) / 945.0 + y4 / 945.0 + y2 / 630.0 + 1.0 / 840.0)
           + h9 * (4.0 * k3 / 4725.0 + k2 * (2.0 * y2 / 1575.0 + 1.0 / 945.0)
                   + kappa * (y4 / 1575.0 + 4.0 * y2 / 4725.0 + 1.0 / 1890.0)
                   + y4 * y2 / 9450.0 + y4 / 6300.0 + y2 / 7560.0 + 1.0 / 15120.0))
    x10 = (kappa * (2.0 * h + h3 / 3.0 + h5 * (1.0 / 30.0 - y2 / 45.0)
                    + h7 * (2.0 * y4 / 945.0 - y2 / 315.0 + 1.0 / 420.0)
                    + h9 * (-y4 * y2 / 4725.0 + y4 / 3150.0 - y2 / 3780.0 + 1.0 / 7560.0))
           + k2 * (-2.0 * h5 / 45.0 + h7 * (8.0 * y2 - 8.0) / 945.0
                   + h9 * (-2.0 * y4 / 1575.0 + 8.0 * y2 / 4725.0 - 1.0 / 945.0))
           + k3 * (8.0 * h7 / 945.0 + h9 * (2.0 / 945.0 - 4.0 * y2 / 1575.0))
           - k2 * k2 * (8.0 * h9 / 4725.0))
    x11 = 2.0 * h * ym - x00
    r0 = (h - kappa * h5 / 60.0 + h7 * (k2 / 252.0 + kappa * (y2 / 378.0 - 1.0 / 3780.0))
          + h9 * (-k3 / 1200.0 + k2 * (17.0 / 75600.0 - y2 / 900.0)
                  + kappa * (-y4 / 2700.0 + y2 / 6300.0 - 1.0 / 15120.0)))
    r1 = ym * (-h5 / 90.0 + h7 * (13.0 * kappa / 3780.0 + 2.0 * y2 / 945.0 + 1.0 / 630.0)
               - h9 * (k2 / 1260.0 + kappa * (19.0 * y2 / 18900.0 + 1.0 / 1800.0) + y4 / 3150.0 + y2 / 3150.0
                       + 1.0 / 7560.0))
    t = x00 + x11
    det = x00 * x11 - x01 * x10
    m = 0.5 * t
    sq = _csqrt(m * m - det)
    if abs(sq.real) + abs(sq.imag) < 0.1:
        # Cayley-Hamilton: X^n = h_{n-1} X - det h_{n-2} I, h_n = t h_{n-1} - det h_{n-2}
        c0e = 0j  # c0 of e^X minus 1
        c1e = 1.0 + 0j
        c0p = 1.0 + 0j
        c1p = 0.5 + 0j
        ha = 1.0 + 0j  # h_{n-2}
        hb = t  # h_{n-1}
        # |h_n| <= (n + 1) rho^n, rho the larger |eigenvalue| <= |m| + |sq|: terms down to 1e-19
        rho = abs(m) + 0.1
        n_max = 2
        bound = rho
        while n_max < 60 and bound * (n_max + 1) > 1e-19:
            n_max += 1
            bound *= rho / n_max
        fe = 1.0
        for n in range(2, n_max + 1):
            fe /= n
            fp = fe / (n + 1)
            c1e += fe * hb
            c1p += fp * hb
            c0e -= det * fe * ha
            c0p -= det * fp * ha
            hn = t * hb - det * ha
            ha = hb
            hb = hn
    else:
        if m.real * sq.real + m.imag * sq.imag >= 0.0:
            lb = m + sq
        else:
            lb = m - sq
        ilb = _inv(lb)
        ls = det * ilb
        em1, els = _cexpm1(ls)
        elb = _cexp(lb)
        inv = _inv(lb - ls)
        c1e = (elb - els) * inv
        c0e = em1 - ls * c1e  # c0 of e^X minus 1
        if abs(ls.real) + abs(ls.imag) > 1e-6:
            phis = em1 * _inv(ls)
        else:
            phis = 1.0 + ls * (0.5 + ls / 6.0)
        phib = (elb - 1.0) * ilb
        c1p = (phib - phis) * inv
        c0p = phis - ls * c1p
    return (c0e + c1e * x00, c1e * x01, c1e * x10, c0e + c1e * x11,  # e^X - I
            c0p * r0 + c1p * (r0 * x00 + r1 * x10), c0p * r1 + c1p * (r0 * x01 + r1 * x11))


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "reassoc", "nsz"})
def _wkb_growth(s, y_r, y_th):
    """Estimate of ln |u(y_th)/u(y_r)|: int Re(y + sqrt(y^2 + 2 s)) dy, 16-point midpoint (s = i Omega on the axis)."""
    n = 16
    d = (y_th - y_r) / n
    total = 0.0
    for k in range(n):
        y = y_r + (k + 0.5) * d
        total += y + _csqrt(y * y + 2.0 * s).real
    return total * d


@njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract", "arcp", "reassoc", "nsz"})
def _march(s, y_lb, y_r, y_th, with_reset, out, c_step, a_step, b_step, bp_step, e_step):
    """Integrate (W, V, V') from y_lb to y_th; out = (W, V, V', g, W(y_r), V(y_r), V'(y_r)).

    s is the complex Laplace variable in units of 1/tau_m (i Omega for a modulation at Omega).
    Start: W = 0, V = W' on the slowly varying solution, V' = 2 y V + 2 (so u = 1 + s W);
    g is that 1 on the common scale of everything (all are rescaled together against overflow).
    With reset, W, V and V' in out[:3] are the differences to their values at y_r (propagated
    as differences, so V(y_th) - V(y_r) comes without cancellation); without, W - W(y_lb), V, V'.
    """
    kappa = 1.0 + s
    v0 = 2.0 / (_csqrt(y_lb * y_lb + 2.0 * s) - y_lb)  # slowly varying start
    vp0 = 2.0 * y_lb * v0 + 2.0
    out[3] = 1.0 + 0j
    out[4] = 0j
    out[5] = 0j
    out[6] = 0j
    # state: W, dV = V - Vb, dVp = V' - Vpb with the base (Vb, Vpb) = start values on [y_lb, y_r],
    # values at y_r beyond
    W = 0j
    dV = 0j
    dVp = 0j
    Vb = v0
    Vpb = vp0
    root = e_step * math.sqrt(2.0 * abs(s))
    y = y_lb
    for seg in range(2):
        if seg == 0:
            if not with_reset:
                continue
            y_end = y_r
        else:
            y_end = y_th
        while y < y_end:
            if y >= 0.0:
                ay = bp_step * y
            elif y > -_Y_KNEE:
                ay = -y
            else:
                ay = _Y_KNEE + b_step * (-y - _Y_KNEE)
            h = c_step / (a_step + ay + root)
            rem = y_end - y
            last = False
            if rem <= h:
                h = rem
                last = True
            elif rem < 2.0 * h:
                h = 0.5 * rem
            N00, M01, M10, N11, q0, q1 = _step(h, y + 0.5 * h, kappa)
            V = dV + Vb
            Vp = dVp + Vpb
            W += q0 * V + q1 * Vp
            dV, dVp = (dV + N00 * V + M01 * Vp, dVp + M10 * V + N11 * Vp)
            y = y_end if last else y + h
            if (abs(dV.real) + abs(dV.imag) + abs(dVp.real) + abs(dVp.imag) + abs(W.real) + abs(W.imag)
                    + abs(Vb.real) + abs(Vb.imag) + abs(Vpb.real) + abs(Vpb.imag) > _RESCALE):
                s = 1.0 / _RESCALE
                W *= s
                dV *= s
                dVp *= s
                Vb *= s
                Vpb *= s
                for q in range(3, 7):
                    out[q] *= s
        if seg == 0:
            Vb = dV + Vb
            Vpb = dVp + Vpb
            out[4] = W
            out[5] = Vb
            out[6] = Vpb
            W = 0j
            dV = 0j
            dVp = 0j
    out[0] = W
    out[1] = dV + (0j if with_reset else Vb)
    out[2] = dVp + (0j if with_reset else Vpb)


@njit(cache=True, nogil=True, error_model="numpy")
def _refractory_factor(z):
    """(1 - e^{-z})/z, 1 at z = 0 (z = s t_ref/tau_m)."""
    if abs(z) < 1e-8:
        return 1.0 - 0.5 * z
    return -_cexpm1(-z)[0] / z


@njit(cache=True, nogil=True, error_model="numpy")
def _parts(s, tref_over_tau, y_r, y_th, work, y_lb, c_step=_C_STEP, a_step=_A_STEP, b_step=_B_FAR,
           bp_step=_BP_STEP, e_step=1.0):
    """(A_mu, A_sigma, E) * sigma / nu0 with chi_mu = A_mu/((1 + s) E), chi_sigma = A_sigma/((2 + s) E).

    s is the Laplace variable in units of 1/tau_m; integration from y_lb with the reset terms.
    With u = g + s W, u' = s V, u'' = s V' and E = D/s = W(y_th) - W(y_r) + (1 - e^{-s t_ref})/s u(y_r).
    """
    _march(s, y_lb, y_r, y_th, True, work, c_step, a_step, b_step, bp_step, e_step)
    dW, dV, dVp, g, Wr = work[0], work[1], work[2], work[3], work[4]
    E = dW + tref_over_tau * _refractory_factor(s * tref_over_tau) * (g + s * Wr)
    return dV, dVp, E


@njit(cache=True, nogil=True, error_model="numpy")
def _start(s, y_r):
    """Lower end of the integration: far enough below min(y_r, 0) that the unwanted solution has decayed by e^-L."""
    y0 = min(y_r, 0.0)
    d = math.sqrt(y0 * y0 + _L) - abs(y0)
    if s != 0.0:
        d = min(d, _L / (2.0 * math.sqrt(abs(s))))
    return y0 - d


@njit(cache=True, nogil=True, error_model="numpy")
def _response(s, tref_over_tau, y_r, y_th, work, c_step=_C_STEP, a_step=_A_STEP, b_step=_B_FAR,
              bp_step=_BP_STEP, e_step=1.0):
    """(chi_mu, chi_sigma) * sigma / nu0 at the Laplace variable s (units of 1/tau_m; i Omega on the axis)."""
    if abs(s) > 10.0 and _wkb_growth(s, y_r, y_th) > _SKIP:
        # reset terms below e^{-60}: start just below threshold, D ~ u(y_th)
        _march(s, y_th - _L / (2.0 * math.sqrt(abs(s))), y_r, y_th, False, work, c_step, a_step, b_step,
               bp_step, e_step)
        W, V, Vp = work[0], work[1], work[2]
        u = work[3] + s * W
        return s * V / ((1.0 + s) * u), s * Vp / ((2.0 + s) * u)
    dV, dVp, E = _parts(s, tref_over_tau, y_r, y_th, work, _start(s, y_r), c_step, a_step, b_step, bp_step, e_step)
    return dV / ((1.0 + s) * E), dVp / ((2.0 + s) * E)


_NAMES = ("f", "mu", "sigma", "tau_m", "t_ref", "theta", "V_reset", "tau_syn")
_F, _MU, _SIGMA, _Y_RANGE = 5, 6, 7, 8  # error codes after neuron_param_error's indices 0-4


@njit(cache=True, nogil=True, error_model="numpy")
def _check(f, mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn):
    """-1 for a valid input, else :func:`neuron_param_error`'s index or one of the codes _F ... _Y_RANGE.

    NaN passes every test (NaN in gives NaN out).
    """
    if f < 0.0 or f == math.inf:
        return _F
    if abs(mu) == math.inf:
        return _MU
    if sigma <= 0.0 or sigma == math.inf:
        return _SIGMA
    k = neuron_param_error(tau_m, t_ref, theta, V_reset, tau_syn)
    if k >= 0:
        return k
    if abs(theta - mu) > Y_MAX * sigma or abs(V_reset - mu) > Y_MAX * sigma:
        return _Y_RANGE
    return -1


def _raise(code: int, values: list[float]) -> None:
    """The error for ``code`` of :func:`_check`; ``values`` are the 8 inputs of the point (order of _NAMES)."""
    f, mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn = values
    if code == _F:
        raise out_of_range("f", "finite and >= 0 Hz", f)
    if code == _MU:
        raise out_of_range("mu", "finite (mV)", mu)
    if code == _SIGMA:
        raise out_of_range("sigma", "finite and > 0 mV (white-noise response; sigma = 0 is not covered)", sigma)
    if code == _Y_RANGE:
        raise ValueError(
            f"|theta - mu|/sigma and |V_reset - mu|/sigma must be <= {Y_MAX:g} (sigma too small for the "
            f"distance of mu to threshold or reset), got mu={mu!r}, sigma={sigma!r}, "
            f"theta={theta!r}, V_reset={V_reset!r}")
    raise_neuron_error(code, tau_m, t_ref, theta, V_reset, tau_syn)


@njit(cache=True, nogil=True, error_model="numpy")
def _point_response(f, mu, sigma, tau_m, t_ref, theta, V_reset, coef, nodes, weights, work, channel):
    """(chi_mu, chi_sigma) in Hz/mV for one valid input."""
    if (f != f or mu != mu or sigma != sigma or tau_m != tau_m or t_ref != t_ref or theta != theta
            or V_reset != V_reset):
        return complex(math.nan, math.nan), complex(math.nan, math.nan)
    if f == 0.0:
        r, dm, ds = siegert_point(mu, sigma, tau_m, t_ref, theta, V_reset, 0.0, True, coef, nodes, weights)
        return complex(dm, 0.0), complex(ds, 0.0)
    nu0 = siegert_point(mu, sigma, tau_m, t_ref, theta, V_reset, 0.0, False, coef, nodes, weights)[0]
    if nu0 == 0.0:  # rate below the smallest double: so is the response
        return 0j, 0j
    w = 2.0 * math.pi * f / 1000.0
    y_th = (theta - mu) / sigma
    c_step = _C_STEP
    if channel == 1:  # far above threshold chi_sigma is small against its terms: finer steps
        c_step = _C_STEP_SIGMA if y_th > -6.0 else _C_STEP_SIGMA * math.sqrt(-6.0 / y_th)
    a, b = _response(complex(0.0, w * tau_m), t_ref / tau_m, (V_reset - mu) / sigma, y_th, work, c_step)
    scale = nu0 / sigma
    return scale * a, scale * b


@njit(cache=True, nogil=True, error_model="numpy")
def _loop(f, mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn, steps, channel, out, error, coef, nodes, weights):
    work = np.empty(7, dtype=np.complex128)
    for i in range(out.shape[1]):
        p = (f[i * steps[0]], mu[i * steps[1]], sigma[i * steps[2]], tau_m[i * steps[3]], t_ref[i * steps[4]],
             theta[i * steps[5]], V_reset[i * steps[6]])
        k = _check(*p, tau_syn[i * steps[7]])
        if k >= 0:
            error[0] = k
            error[1] = i
            return
        if tau_syn[i * steps[7]] != tau_syn[i * steps[7]]:
            out[i] = complex(math.nan, math.nan)
            continue
        out[0, i], out[1, i] = _point_response(*p, coef, nodes, weights, work, channel)


def linear_response(f: ArrayLike, mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike = 20.0, t_ref: ArrayLike = 2.0,
                    theta: ArrayLike = 20.0, V_reset: ArrayLike = 0.0, tau_syn: ArrayLike = 0.0,
                    modulation: str = "mu", *, colored_noise: str = "shift") -> complex | np.ndarray:
    """Linear response (Hz per mV, complex) of the LIF rate to a modulation of mu or sigma at f Hz.

    For mu(t) = mu + eps cos(2 pi f t) (``modulation="mu"``), or sigma(t) = sigma + eps cos(2 pi f t)
    (``modulation="sigma"``), the firing rate is

    ``nu(t) = nu0 + eps Re[chi(f) exp(2 pi i f t)] + O(eps^2)``,

    nu0 = :func:`mfkit.siegert` (mu, sigma, ...): a response that lags the modulation has a negative
    phase. White noise in the Brunel/Hahne convention (tau_m dV/dt = -V + mu + sigma sqrt(tau_m) xi),
    absolute refractory period t_ref. At f = 0 the result is ``siegert_with_derivatives(...).d_mu``
    (or ``.d_sigma``). The mean channel decays like f^(-1/2) at high frequency, with phase -> -45 deg.

    Parameters
    ----------
    f : array_like
        Modulation frequency (Hz), finite and >= 0.
    mu, sigma : array_like
        Mean input and noise amplitude (mV), sigma > 0; |theta - mu|/sigma and |V_reset - mu|/sigma
        must be <= ``Y_MAX`` (200).
    tau_m, t_ref, theta, V_reset : array_like, optional
        As in :func:`mfkit.siegert` (ms, ms, mV, mV).
    tau_syn : array_like, optional
        Synaptic time constant (ms, >= 0). 0 (default): white noise. ``tau_syn > 0``: exponentially
        filtered synaptic currents (``mu`` and ``sigma`` as eq. 28-29 give them from the presynaptic
        rates, before the synapse filters them), in the approximation of Schuecker, Diesmann & Helias
        (2015) for fast synapses and low frequencies: the white-noise response with the colored-noise
        correction of :func:`mfkit.siegert` (``colored_noise``), evaluated as if quasi-static, times
        the synaptic low-pass ``1/(1 + 2 pi i f tau_syn)`` (:func:`synaptic_low_pass`), applied here
        and only here, to both channels.  Schuecker et al. derive the mean channel; the noise channel
        is the same construction applied to the sigma derivative of eq. 27 with shifted bounds.
        Measured against neurons with filtered noise (``tools/record_filtered_response.py``,
        tau_syn = 0.5 ms, tau_m = 20 ms, three inputs of the Brunel network): the mean channel within
        6.5 % in gain and 5 degrees in phase up to 20 Hz, the theory lagging by 4-8 degrees at 60 Hz,
        13-14 at 130 Hz and 19-22 at 300 Hz with a gain 18-20 % low there; the noise channel has
        the phase within 5 degrees up to 20 Hz but a gain too high at every frequency, by 7-17 % at the
        fluctuation-driven input (g = 8) and 26-31 % at the other two up to 20 Hz, 23-51 % at 60-130 Hz.
    modulation : {"mu", "sigma"}
        Which input is modulated. The sigma channel is per mV of sigma (= 2 sigma times the
        response to a modulation of sigma^2).
    colored_noise : {"shift", "taylor"}
        For ``tau_syn > 0``: ``"shift"`` (default), the white-noise responses at ``mu - s sigma``
        (bounds shifted by s = (alpha/2) sqrt(tau_syn/tau_m)), ``chi^mu`` and ``chi^sigma - s chi^mu``;
        ``"taylor"``, their first order in s, ``chi_0 - s sigma d chi_0/d mu`` and
        ``chi^sigma_0 - s chi^mu_0 - s sigma d chi^sigma_0/d mu`` (derivatives by a central difference
        of step 1e-4 sigma).  At f = 0 each is the slope of :func:`mfkit.siegert` in the
        same form (d nu/d mu and d nu/d sigma).

    Returns
    -------
    complex or ndarray of complex128
        Broadcast over all array arguments like :func:`mfkit.siegert`; a Python complex when all are
        scalars. NaN in any argument gives NaN (+NaN j). Where the rate is below the smallest
        double, 0.

    Raises
    ------
    ValueError
        Naming the argument, its allowed range and the offending value (negative or non-finite f,
        non-finite mu, sigma <= 0, tau_m <= 0, t_ref < 0, theta <= V_reset, tau_syn < 0, a non-finite
        neuron parameter, unknown ``modulation``, |y| > Y_MAX); for the neuron parameters the
        message of :func:`mfkit.neuron.check_neuron_params`. Arrays report their first bad point.
    TypeError
        If an argument is not real-valued.
    """
    if not isinstance(modulation, str) or modulation not in ("mu", "sigma"):
        raise ValueError(f"modulation must be 'mu' or 'sigma', got {modulation!r}")
    channel = 0 if modulation == "mu" else 1
    values = [as_real(name, v) for name, v in zip(_NAMES, (f, mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn))]
    check_colored_noise(colored_noise)
    if np.any(np.asarray(values[7]) > 0):
        return _filtered_response(modulation, colored_noise, *values)
    if all(type(v) is float for v in values):
        k = _check(*values)
        if k >= 0:
            _raise(k, values)
        if values[7] != values[7]:
            return complex(math.nan, math.nan)
        work = np.empty(7, dtype=np.complex128)
        return complex(_point_response(*values[:7], sp.COEF, GL_NODES, GL_WEIGHTS, work, channel)[channel])
    return _white_responses(values, channel)[channel]


def _white_responses(values, channel: int) -> np.ndarray:
    """(chi_mu, chi_sigma) of white noise, shape (2, broadcast shape), for the checked real ``values``
    (f, mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn); the step size that ``channel`` needs."""
    shape, flat, steps = broadcast_flat(values)
    out = np.empty((2, math.prod(shape)), dtype=np.complex128)
    error = np.full(2, -1, dtype=np.int64)
    _loop(*flat, steps, channel, out, error, sp.COEF, GL_NODES, GL_WEIGHTS)
    if error[0] >= 0:
        _raise(int(error[0]), values_at(flat, steps, int(error[1])))
    return out.reshape((2,) + shape)


#: Step in mu of the Taylor form's central difference, relative to sigma: the value and the slope at mu from
#: mu +- h, truncation ~(h/sigma)^2 = 1e-8 relative, rounding ~1e-11.
_TAYLOR_STEP = 1e-4


def _filtered_response(modulation, colored_noise, f, mu, sigma, tau_m, t_ref, theta, V_reset, tau_syn):
    """:func:`linear_response` for exponential synapses (Schuecker, Diesmann & Helias 2015), both channels."""
    check_neuron_params(tau_m, t_ref, theta, V_reset, tau_syn)
    s = colored_noise_shift(tau_syn, tau_m)
    sig = np.asarray(sigma, dtype=float)
    channel = 0 if modulation == "mu" else 1

    def white(m):  # (chi_mu, chi_sigma) of white noise at mean input m
        return _white_responses([f, m, sigma, tau_m, t_ref, theta, V_reset, 0.0], channel)

    if colored_noise == "shift":  # at the shifted bounds: chi^mu, chi^sigma - s chi^mu
        chi_mu, chi_sig = white(mu - s * sig)
        chi = chi_mu if modulation == "mu" else chi_sig - s * chi_mu
    else:  # first order in s of the same, value and derivative in mu from mu +- h (both to O(h^2))
        h = _TAYLOR_STEP * sig
        up, down = white(mu + h), white(mu - h)
        (mu_0, sig_0), slope = (up + down) / 2, (up - down) / (2 * h)
        chi = mu_0 - s * sig * slope[0] if modulation == "mu" else sig_0 - s * mu_0 - s * sig * slope[1]
    chi = chi * synaptic_low_pass(f, tau_syn)
    return complex(chi) if np.ndim(chi) == 0 else chi


def synaptic_low_pass(f: ArrayLike, tau_syn: ArrayLike) -> complex | np.ndarray:
    """The synaptic filter ``1 / (1 + 2 pi i f tau_syn)`` (f in Hz, tau_syn in ms): the Fourier transform of
    the normalised exponential kernel ``e^{-t/tau_syn} / tau_syn`` through which every input reaches an
    exponential-current synapse.  :func:`linear_response` applies it once, to both channels."""
    return 1.0 / (1.0 + 2j * np.pi * np.asarray(f, dtype=float) * np.asarray(tau_syn, dtype=float) * 1e-3)


def linear_response_limit(mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike = 20.0, t_ref: ArrayLike = 2.0,
                          theta: ArrayLike = 20.0, V_reset: ArrayLike = 0.0,
                          modulation: str = "mu") -> float | np.ndarray:
    """The limit of :func:`linear_response` as f -> inf (Hz per mV, real).

    The mean channel vanishes (like f^(-1/2)).  The noise channel tends to ``2 nu0 / sigma``: the
    flux through threshold is ``-(sigma^2 / 2 tau_m) dP/dV`` there, the density cannot follow a fast
    modulation, so the flux follows sigma^2 at once, ``delta nu / nu0 = delta sigma^2 / sigma^2``
    (Brunel, Chance, Fourcaud & Abbott 2001; Lindner & Schimansky-Geier 2001).  It approaches the
    limit like f^(-1/2).

    Parameters
    ----------
    mu, sigma, tau_m, t_ref, theta, V_reset : array_like
        As in :func:`linear_response` (white noise, sigma > 0).
    modulation : {"mu", "sigma"}
        Which input is modulated (the sigma channel per mV of sigma).

    Returns
    -------
    float or ndarray
        Broadcast over the arguments; a float when all are scalars.  NaN in gives NaN.

    Raises
    ------
    ValueError
        Unknown ``modulation``, sigma not finite and > 0, or a neuron parameter out of range (the
        words of :func:`mfkit.siegert`).
    TypeError
        If an argument is not real-valued.
    """
    if not isinstance(modulation, str) or modulation not in ("mu", "sigma"):
        raise ValueError(f"modulation must be 'mu' or 'sigma', got {modulation!r}")
    s = np.asarray(as_real("sigma", sigma), dtype=float)
    bad = ~np.isnan(s) & ~((s > 0.0) & (s < np.inf))
    if np.any(bad):
        raise out_of_range("sigma", "finite and > 0 mV (white-noise response)", float(s[bad][0]))
    nu0 = siegert(mu, sigma, tau_m, t_ref, theta, V_reset)
    out = 0.0 * nu0 if modulation == "mu" else 2.0 * nu0 / s
    return float(out) if np.ndim(out) == 0 else out


@njit(cache=True, nogil=True, error_model="numpy")
def _step_factor(tref_over_tau, y_r, y_th):
    """min(1, (CV^2/_CV2_REF)^0.1) with CV^2 estimated by the small-noise law at min(y_th, -1).

    At low frequency S/nu0 -> CV^2 is a difference of the first-passage moments of size 1: the march's
    error (~h^10) is amplified by 1/CV^2. Small-noise law (:mod:`mfkit.isi`):
    CV^2 ~ (1/y_th^2 - 1/y_r^2) / (2 (t_ref/tau_m + ln(y_r/y_th))^2).
    """
    b = min(y_th, -1.0)
    if y_r >= b:
        return 1.0
    ln_ratio = math.log(y_r / b)
    cv2 = (1.0 / (b * b) - 1.0 / (y_r * y_r)) / (2.0 * (tref_over_tau + ln_ratio) ** 2)
    return 1.0 if cv2 >= _CV2_REF else (cv2 / _CV2_REF) ** 0.1


@njit(cache=True, nogil=True, error_model="numpy")
def _spectrum_ratio(s, tref_over_tau, y_r, y_th, work, c_step):
    """S/nu0 of the spike train at s = i Omega (Omega > 0), from the same march as :func:`_response`.

    With u = g + s W normalised by u(y_r): q = [W(y_th) - W(y_r)]/u(y_r), u(y_th)/u(y_r) = 1 + s q and
    E/u(y_r) = q + R, R = (1 - e^{-s t_ref/tau_m})/s. Then
    |u(y_th)|^2 - |u(y_r)|^2 = |u(y_r)|^2 Omega^2 (|q|^2 - 2 Im(q)/Omega) and |D|^2 = Omega^2 |E|^2, so
    S/nu0 = (|q|^2 - 2 Im(q)/Omega) / |q + R|^2, with no factor Omega to cancel at low frequency.
    Where the reset terms are below e^{-60} (the high-frequency branch of :func:`_response`), |F| < e^{-60}
    and S/nu0 = 1 to double precision.
    """
    if abs(s) > 10.0 and _wkb_growth(s, y_r, y_th) > _SKIP:
        return 1.0
    _march(s, _start(s, y_r), y_r, y_th, True, work, c_step, _A_STEP, _B_FAR, _BP_STEP, 1.0)
    dW, g, Wr = work[0], work[3], work[4]
    q = dW / (g + s * Wr)
    e = q + tref_over_tau * _refractory_factor(s * tref_over_tau)
    num = q.real * q.real + q.imag * q.imag - 2.0 * q.imag / s.imag
    return num / (e.real * e.real + e.imag * e.imag)


@njit(cache=True, nogil=True, error_model="numpy")
def _spectrum_loop(f, mu, sigma, tau_m, t_ref, theta, V_reset, steps, out, error, coef, nodes, weights,
                   c_step=_C_STEP_SPECTRUM):
    """S(f) in Hz for flat inputs, except at f = 0, where the rate nu0 is stored (the caller multiplies by CV^2)."""
    work = np.empty(7, dtype=np.complex128)
    for i in range(out.size):
        fi, m, sg, tm, tr, th, vr = (f[i * steps[0]], mu[i * steps[1]], sigma[i * steps[2]], tau_m[i * steps[3]],
                                     t_ref[i * steps[4]], theta[i * steps[5]], V_reset[i * steps[6]])
        k = _check(fi, m, sg, tm, tr, th, vr, 0.0)
        if k >= 0:
            error[0] = k
            error[1] = i
            return
        if fi != fi or m != m or sg != sg or tm != tm or tr != tr or th != th or vr != vr:
            out[i] = math.nan
            continue
        nu0 = siegert_point(m, sg, tm, tr, th, vr, 0.0, False, coef, nodes, weights)[0]
        if fi == 0.0 or nu0 == 0.0:
            out[i] = nu0
            continue
        s = complex(0.0, 2.0 * math.pi * fi / 1000.0 * tm)
        y_th = (th - m) / sg
        y_r = (vr - m) / sg
        out[i] = nu0 * _spectrum_ratio(s, tr / tm, y_r, y_th, work, c_step * _step_factor(tr / tm, y_r, y_th))


def spike_train_spectrum(f: ArrayLike, mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike = 20.0,
                         t_ref: ArrayLike = 2.0, theta: ArrayLike = 20.0,
                         V_reset: ArrayLike = 0.0) -> float | np.ndarray:
    """Two-sided power spectrum (Hz) of the spike train of the white-noise LIF neuron at f Hz.

    The spike train is a renewal process, so (Lindner, Schimansky-Geier & Longtin 2002)

    ``S(f) = nu0 (1 - |F(f)|^2) / |1 - F(f)|^2``,

    F the Fourier transform of the ISI density (first passage from V_reset to theta, plus t_ref),
    ``F = e^{-i w t_ref} u(y_r)/u(y_th)`` with u the adjoint function of :func:`linear_response`
    (w = 2 pi f/1000 rad/ms), nu0 = :func:`mfkit.siegert`. S tends to nu0 as f -> inf and to
    nu0 CV^2 as f -> 0 (CV = :func:`mfkit.cv_isi`, which gives the value at f = 0 exactly).
    Two-sided: S(f) = int C(tau) e^{-2 pi i f tau} dtau (tau in s) with C the auto-covariance of the
    spike train sum_k delta(t - t_k), its delta peak nu0 delta(tau) included, so that the power per
    unit bandwidth over -inf < f < inf is S (the one-sided spectrum is 2 S).
    Computed from the march of :func:`linear_response` (see the module notes), without a factor
    Omega to cancel at low frequency; at f > 0 the relative accuracy is about 1e-8 or better for
    f >= 0.1 Hz (tests/test_spike_train_spectrum.py).

    Parameters
    ----------
    f : array_like
        Frequency (Hz), finite and >= 0.
    mu, sigma, tau_m, t_ref, theta, V_reset : array_like
        As in :func:`linear_response` (white noise, sigma > 0, |y| <= ``Y_MAX``).

    Returns
    -------
    float or ndarray
        S in Hz, broadcast over all arguments like :func:`mfkit.siegert`; a float when all are
        scalars. NaN in any argument gives NaN; where the rate is below the smallest double, 0.

    Raises
    ------
    ValueError
        As :func:`linear_response` (negative or non-finite f names f; the neuron parameters in the
        words of :func:`mfkit.neuron.check_neuron_params`).
    TypeError
        If an argument is not real-valued.
    """
    values = [as_real(name, v) for name, v in zip(_NAMES[:7], (f, mu, sigma, tau_m, t_ref, theta, V_reset))]
    shape, flat, steps = broadcast_flat(values)
    out = np.empty(math.prod(shape))
    error = np.full(2, -1, dtype=np.int64)
    _spectrum_loop(*flat, steps, out, error, sp.COEF, GL_NODES, GL_WEIGHTS)
    if error[0] >= 0:
        _raise(int(error[0]), values_at(flat, steps, int(error[1])) + [0.0])
    zero = np.broadcast_to(values[0], shape).ravel() == 0.0
    if zero.any():
        args = [np.broadcast_to(v, shape).ravel()[zero] for v in values[1:]]
        out[zero] *= cv_isi(*args) ** 2
    return float(out[0]) if all(type(v) is float for v in values) else out.reshape(shape)


def _parts_loop_impl(lam, mu, sigma, tau_m, t_ref, theta, V_reset, out, error, coef, nodes, weights):
    """(A_mu, A_sigma, E) for each point of the flat, broadcast arrays; error = (code, index).

    The points are checked first, then computed (in parallel as :data:`_parts_loop`: the root search
    of :func:`mfkit.network_stability` spends its time here)."""
    for i in range(lam.size):
        k = _check(0.0, mu[i], sigma[i], tau_m[i], t_ref[i], theta[i], V_reset[i], 0.0)
        if k >= 0:
            error[0] = k
            error[1] = i
            return
    for i in prange(lam.size):
        work = np.empty(7, dtype=np.complex128)
        nu0 = siegert_point(mu[i], sigma[i], tau_m[i], t_ref[i], theta[i], V_reset[i], 0.0, False, coef, nodes,
                            weights)[0]
        y_r = (V_reset[i] - mu[i]) / sigma[i]
        y_th = (theta[i] - mu[i]) / sigma[i]
        c_step = _C_STEP_SIGMA if y_th > -6.0 else _C_STEP_SIGMA * math.sqrt(-6.0 / y_th)
        # one start for every lam (the |s| -> 0 choice): the parts are then analytic in lam
        a, b, e = _parts(lam[i] * tau_m[i], t_ref[i] / tau_m[i], y_r, y_th, work, _start(0j, y_r), c_step)
        scale = nu0 / sigma[i]
        out[0, i] = scale * a
        out[1, i] = scale * b
        out[2, i] = e


_parts_loop = ThreadedKernel(_parts_loop_impl, "_parts_loop", cache=True, nogil=True, error_model="numpy")
#: Points per thread below which :func:`characteristic_parts` stays serial (a parallel region costs
#: ~2-50 us, a point ~15 us per population).
_PARTS_PER_THREAD = 64


def characteristic_parts(lam: ArrayLike, mu: ArrayLike, sigma: ArrayLike, tau_m: ArrayLike = 20.0,
                         t_ref: ArrayLike = 2.0, theta: ArrayLike = 20.0,
                         V_reset: ArrayLike = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numerators and denominator of the linear responses, continued to complex frequency.

    With the Laplace variable ``lam`` (1/ms; ``lam = 2 pi i f / 1000`` for a modulation at f Hz),

    ``chi_mu(lam) = A_mu / ((1 + lam tau_m) E)`` and ``chi_sigma(lam) = A_sigma / ((2 + lam tau_m) E)``

    (Hz/mV), where ``A_mu``, ``A_sigma`` and ``E`` are analytic in ``lam`` for Re(lam tau_m) > -1
    (``E`` vanishes at the eigenvalues of the neuron's Fokker-Planck operator, the poles of chi).
    All three carry the same arbitrary factor (the normalisation of the integrated solution: it
    depends on lam analytically and through positive rescalings, never on its phase), so ratios are
    exact and the phase of ``E`` and of determinants built from these rows is that of the analytic
    functions.  Used by :mod:`mfkit.stability` for the network's characteristic equation.

    Parameters
    ----------
    lam : array_like of complex
        Laplace variable in 1/ms.
    mu, sigma, tau_m, t_ref, theta, V_reset : array_like
        As in :func:`linear_response` (white noise, sigma > 0).

    Returns
    -------
    A_mu, A_sigma, E : ndarray of complex128
        Broadcast over all arguments.

    Raises
    ------
    ValueError, TypeError
        As :func:`linear_response`, for the real arguments.
    """
    lam = np.asarray(lam, dtype=np.complex128)
    reals = [np.asarray(as_real(name, v), dtype=float) for name, v in
             zip(_NAMES[1:7], (mu, sigma, tau_m, t_ref, theta, V_reset))]
    arrays = np.broadcast_arrays(lam, *reals)
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    out = np.empty((3, flat[0].size), dtype=np.complex128)
    error = np.array([-1, -1], dtype=np.int64)
    _parts_loop.run(flat[0].size // _PARTS_PER_THREAD, *flat, out, error, sp.COEF, GL_NODES, GL_WEIGHTS)
    if error[0] >= 0:
        i = int(error[1])
        _raise(int(error[0]), [0.0] + [float(a[i]) for a in flat[1:]] + [0.0])
    return tuple(o.reshape(shape) for o in out)
