"""Double-precision kernels (Numba) for the special functions behind the Siegert formula.

All functions take x >= 0. On [0, X_ASYM) they sum piecewise polynomials tabulated in
:mod:`mfkit._tables` (generated with mpmath by ``tools/make_tables.py``); beyond, the asymptotic
series in t = 1/(2 x^2), whose terms decrease monotonically there down to ~1e-19.

The table is passed as an argument (``coef``) rather than read as globals so that Numba
can cache the compiled code on disk.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from . import _tables

X_ASYM = _tables.X_ASYM
SQRT_PI = math.sqrt(math.pi)
INV_SQRT_PI = 1.0 / SQRT_PI
TWO_OVER_SQRT_PI = 2.0 / SQRT_PI
ERFCX_INTEGRAL_C = _tables.ERFCX_INTEGRAL_ASYMPTOTIC_CONSTANT
ERFCX, DAWSN, ERFCX_INTEGRAL = 0, 1, 2  # rows of the coefficient table
_N_SERIES = 16  # at most; at x = X_ASYM the 14th term is already < 1e-17 t


def _pack_tables() -> np.ndarray:
    rows = [_tables.ERFCX, _tables.DAWSN, _tables.ERFCX_INTEGRAL]
    return np.ascontiguousarray(np.array(rows, dtype=np.float64))  # (function, interval, power)


COEF = _pack_tables()


@njit(cache=True, nogil=True, error_model="numpy")
def tabulated(coef, f, x):
    """Tabulated function ``f`` at 0 <= x < X_ASYM: degree-15 polynomial of its sub-interval.

    Estrin's scheme: four independent pairs, then three levels of powers of t, so the
    evaluation is ~4 multiply-add latencies deep instead of 15 (Horner/Clenshaw).
    """
    k = int(x * _tables.INTERVALS_PER_UNIT)
    c = coef[f, k]
    t = 2.0 * _tables.INTERVALS_PER_UNIT * x - (2 * k + 1)  # maps the sub-interval onto [-1, 1]
    t2 = t * t
    t4 = t2 * t2
    t8 = t4 * t4
    low = ((c[0] + c[1] * t) + (c[2] + c[3] * t) * t2) + ((c[4] + c[5] * t) + (c[6] + c[7] * t) * t2) * t4
    high = ((c[8] + c[9] * t) + (c[10] + c[11] * t) * t2) + ((c[12] + c[13] * t) + (c[14] + c[15] * t) * t2) * t4
    return low + high * t8


@njit(cache=True, nogil=True, error_model="numpy")
def asymptotic_sums(x):
    """Sums of the asymptotic series at x >= X_ASYM, with c_n = (2n-1)!! and t = 1/(2x^2).

    Returns (P0, P1, PS, PD, PM):
    P0 = sum_{n>=0} (-1)^n c_n t^n         erfcx(x)  = P0 / (sqrt(pi) x)
    P1 = sum_{n>=0} c_n t^n                dawsn(x)  = P1 / (2 x)
    PS = sum_{n>=1} (-1)^(n+1) c_n t^n/(2n)   int_0^x erfcx = C + (ln x + PS)/sqrt(pi)
    PD = sum_{n>=1} (-1)^n c_n t^n         erfcx'(x) = 2 PD / sqrt(pi)
    PM = sum_{n>=1} (-1)^(n+1) 2n c_n t^n  erfcx(x) + x erfcx'(x) = PM / (sqrt(pi) x)
    """
    t = 0.5 / (x * x)
    term = 1.0  # c_n t^n
    p0 = 1.0
    p1 = 1.0
    ps = 0.0
    pd = 0.0
    pm = 0.0
    sign = 1.0  # (-1)^(n+1)
    for n in range(1, _N_SERIES + 1):
        term *= (2 * n - 1) * t
        p0 -= sign * term
        p1 += term
        ps += sign * term / (2 * n)
        pd -= sign * term
        pm += sign * 2 * n * term
        if term < 1e-17 * t:  # every sum starts at order t (or 1) and the terms decrease
            break
        sign = -sign
    return p0, p1, ps, pd, pm


@njit(cache=True, nogil=True, error_model="numpy")
def erfcx(coef, x):
    """exp(x^2) erfc(x) for x >= 0."""
    if x < X_ASYM:
        return tabulated(coef, ERFCX, x)
    return asymptotic_sums(x)[0] * INV_SQRT_PI / x


@njit(cache=True, nogil=True, error_model="numpy")
def dawsn(coef, x):
    """Dawson's integral exp(-x^2) int_0^x exp(t^2) dt for x >= 0."""
    if x < X_ASYM:
        return tabulated(coef, DAWSN, x)
    return asymptotic_sums(x)[1] * 0.5 / x


@njit(cache=True, nogil=True, error_model="numpy")
def erfcx_integral(coef, x):
    """int_0^x erfcx(t) dt for x >= 0 (grows like ln(x)/sqrt(pi))."""
    if x < X_ASYM:
        return tabulated(coef, ERFCX_INTEGRAL, x)
    return ERFCX_INTEGRAL_C + (math.log(x) + asymptotic_sums(x)[2]) * INV_SQRT_PI
