"""Argument checks of :func:`mfkit.spiking.simulate_brunel`: every failure is a ValueError that
names the argument and the allowed range."""
from __future__ import annotations

import math

import numpy as np

__all__ = ["real", "number_in", "integer_in", "steps_of"]


def _unit(unit: str) -> str:
    return f" {unit}" if unit else ""


def _range_text(lo, hi, lo_open: bool, unit: str) -> str:
    """'>= 0 ms', '> 0 ms', 'in [1, 10] Hz' or 'finite'."""
    if lo is None and hi is None:
        return "finite"
    if hi is None:
        return f"{'>' if lo_open else '>='} {lo:g}{_unit(unit)}"
    if lo is None:
        return f"<= {hi:g}{_unit(unit)}"
    return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}]{_unit(unit)}"


def real(label: str, value, unit: str = "") -> float:
    """``float(value)``; a ValueError naming ``label`` (and the unit expected) if it is not a number."""
    try:
        if isinstance(value, (bool, np.bool_, str, bytes)):
            raise TypeError  # True or "10" is not a time or a rate
        return float(value)
    except (TypeError, ValueError):
        of = f" of {unit}" if unit else ""
        raise ValueError(f"{label} must be a real number{of}, got {value!r}") from None


def number_in(label: str, value, lo=None, hi=None, *, lo_open: bool = False, unit: str = "",
              note: str = "") -> float:
    """``value`` as a finite float in ``[lo, hi]`` (``(lo, hi]`` with ``lo_open``; a bound of
    None is absent), else a ValueError naming ``label`` and the range (and ``note``)."""
    x = real(label, value, unit)
    ok = math.isfinite(x) and (lo is None or (x > lo if lo_open else x >= lo)) \
        and (hi is None or x <= hi)
    if not ok:
        extra = f" ({note})" if note else ""
        text = _range_text(lo, hi, lo_open, unit)
        what = "finite" if text == "finite" else f"finite and {text}"
        raise ValueError(f"{label} must be {what}{extra}, got {value!r}")
    return x


def integer_in(label: str, value, lo: int, hi: int | None = None, *, allow_float: bool = True,
               note: str = "") -> int:
    """``value`` as an int in ``[lo, hi]`` (no upper bound if ``hi`` is None), else a
    ValueError naming ``label`` and the range.  Integral floats (``4.0``) are accepted
    with ``allow_float``."""
    types = (int, np.integer, float, np.floating) if allow_float else (int, np.integer)
    ok = not isinstance(value, (bool, np.bool_)) and isinstance(value, types)
    ok = ok and (isinstance(value, (int, np.integer)) or (math.isfinite(value) and float(value).is_integer()))
    if ok:
        value_int = int(value)
        ok = value_int >= lo and (hi is None or value_int <= hi)
    if not ok:
        extra = f" ({note})" if note else ""
        rng = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ValueError(f"{label} must be an integer {rng}{extra}, got {value!r}")
    return value_int


def steps_of(label: str, value, dt: float, allow_zero: bool = True) -> tuple[int, float]:
    """``value`` (ms, finite, ``>= 0`` or ``> 0``) as a number of steps of ``dt``, and as float;
    a ValueError naming ``label`` if it is out of range or not a multiple of ``dt``."""
    value = number_in(label, value, 0.0, lo_open=not allow_zero, unit="ms")
    n = round(value / dt)
    if abs(n * dt - value) > 1e-9 * max(1.0, value):
        raise ValueError(f"{label} = {value!r} ms is not a multiple of dt = {dt!r} ms")
    return int(n), value
