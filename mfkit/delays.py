"""Transmission delays per connection: fixed, or distributed, and their Laplace transforms.

A perturbation ``delta nu_b(t) = v e^{lambda t}`` of population ``b``'s rate reaches population ``a``
through connections whose delays have the density ``p_ab(t)`` (t >= 0), so it arrives multiplied by
the Laplace transform of that density,

.. math::

    L_{ab}(\\lambda) = \\int_0^\\infty e^{-\\lambda t}\\, p_{ab}(t)\\, dt ,

which replaces ``e^{-lambda d}`` in the characteristic equation, ``det(I - W(lambda) o L(lambda)) = 0``
(``o`` the elementwise product), and in the transfer matrix of the rate spectra (Bos, Diesmann &
Helias 2016, methods). Three kinds (``distribution``):

* ``"fixed"``: every spike of the connection arrives after ``d``: ``L = e^{-lambda d}``;
* ``"truncated_gaussian"``: a Gaussian of location ``d`` and standard deviation ``s`` cut at ``t = 0``
  and renormalised (Bos et al. 2016): with ``z = (lambda s^2 - d) / (s sqrt 2)``,
  ``L = e^{-d^2/(2 s^2)} w(i z) / erfc(-d/(s sqrt 2))``, ``w`` the Faddeeva function
  (``w(i z) = e^{z^2} erfc(z)``), and for ``Re z < 0`` (narrow delays), with erfc(z) = 2 - erfc(-z),
  ``L = (2 e^{-lambda d + lambda^2 s^2/2} - e^{-d^2/(2 s^2)} w(-i z)) / erfc(-d/(s sqrt 2))``; neither
  overflows where the other would; ``L`` is entire;
* ``"exponential"``: ``p(t) = e^{-t/d}/d`` (mean ``d``): ``L = 1 / (1 + lambda d)``, with a pole at
  ``lambda = -1/d``.

A Gaussian without truncation is not offered: it gives negative delays.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import erfc, wofz

__all__ = ["DELAY_DISTRIBUTIONS", "delay_transform", "check_delays"]

#: The delay distributions a network may have (:attr:`mfkit.MeanFieldNetwork.delay_distribution`).
DELAY_DISTRIBUTIONS = ("fixed", "truncated_gaussian", "exponential")


def check_delays(delay: ArrayLike, distribution: object, sd: ArrayLike, P: int) -> tuple[NDArray, NDArray]:
    """Check delays and their spread for ``P`` populations; return them as read-only (P, P) arrays (ms).

    ``delay``: a number or a (P, P) matrix ``[target, source]``, finite and >= 0 (> 0 for the
    distributions). ``sd``: 0 unless ``distribution`` is ``"truncated_gaussian"``, where it is > 0.
    Raises a ``ValueError`` naming the argument and its allowed range.
    """
    if not isinstance(distribution, str) or distribution not in DELAY_DISTRIBUTIONS:
        raise ValueError(f"delay_distribution must be one of {DELAY_DISTRIBUTIONS} (a Gaussian without truncation "
                         f"has negative delays), got {distribution!r}")
    out = []
    for name, value in (("delay", delay), ("delay_sd", sd)):
        a = np.asarray(value)
        if a.dtype.kind not in "iuf" or a.ndim not in (0, 2) or (a.ndim == 2 and a.shape != (P, P)):
            raise ValueError(f"{name} must be a number or a ({P}, {P}) matrix [target, source] in ms, got {value!r}")
        a = np.broadcast_to(np.asarray(a, dtype=float), (P, P)).copy()
        if not np.all(np.isfinite(a) & (a >= 0)):
            raise ValueError(f"{name} must be finite and >= 0 ms, got {value!r}")
        a.setflags(write=False)
        out.append(a)
    d, s = out
    if distribution == "truncated_gaussian":
        if not np.all(s > 0):
            raise ValueError(f"delay_sd must be > 0 ms for delay_distribution='truncated_gaussian', got {sd!r}")
    elif np.any(s != 0):
        raise ValueError(f"delay_sd is the spread of delay_distribution='truncated_gaussian' and must be 0 for "
                         f"{distribution!r}, got {sd!r}")
    if distribution == "exponential" and not np.all(d > 0):
        raise ValueError(f"delay (the mean of delay_distribution='exponential') must be > 0 ms, got {delay!r}")
    return d, s


def delay_transform(lam: ArrayLike, delay: ArrayLike, distribution: str = "fixed",
                    sd: ArrayLike = 0.0) -> NDArray[np.complex128]:
    """Laplace transform ``L(lambda)`` of the delay density (see the module notes), broadcast over all arguments.

    Parameters
    ----------
    lam : array_like of complex
        Complex frequency (1/ms); ``lambda = 2 pi i f 1e-3`` on the imaginary axis (f in Hz).
    delay : array_like
        The fixed delay, the location of the truncated Gaussian, or the mean of the exponential (ms).
    distribution : {"fixed", "truncated_gaussian", "exponential"}
    sd : array_like
        Standard deviation of the truncated Gaussian (ms); ignored otherwise.

    Returns
    -------
    ndarray of complex128
    """
    lam = np.asarray(lam, dtype=complex)
    d = np.asarray(delay, dtype=float)
    if distribution == "fixed":
        return np.exp(-lam * d)
    if distribution == "exponential":
        return 1.0 / (1.0 + lam * d)
    s = np.asarray(sd, dtype=float)
    z = (lam * s * s - d) / (s * math.sqrt(2.0))
    tail = np.exp(-d * d / (2 * s * s))
    norm = erfc(-d / (s * math.sqrt(2.0)))
    with np.errstate(over="ignore", invalid="ignore"):
        right = tail * wofz(1j * z) / norm  # Re z >= 0: e^{z^2} erfc(z) is bounded
        # Re z < 0 (narrow delays): erfc(z) = 2 - erfc(-z), so e^{z^2} erfc(z) = 2 e^{z^2} - w(-i z), and
        # e^{z^2 - d^2/(2 s^2)} = e^{-lam d + lam^2 s^2 / 2}
        left = (2 * np.exp(-lam * d + lam * lam * s * s / 2) - tail * wofz(-1j * z)) / norm
    return np.where(z.real >= 0, right, left)
