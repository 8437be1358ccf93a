"""The complete zero search of mfkit.roots, against closed forms (Lambert W) and its error contract."""
import numpy as np
import pytest
from scipy.special import lambertw

from mfkit.roots import RootSearchError, winding_number, zeros_in_rectangle


def lambert_roots(g, tau, d, box, kmax=60):
    """Zeros of (1 + lam tau) - g exp(-lam d): lam = W_k(g d / tau e^{d / tau}) / d - 1 / tau."""
    z = np.array([lambertw(g * d / tau * np.exp(d / tau), k) / d - 1 / tau for k in range(-kmax, kmax + 1)])
    x0, x1, y0, y1 = box
    return z[(z.real > x0) & (z.real < x1) & (z.imag > y0) & (z.imag < y1)]


@pytest.mark.parametrize("g", [-60.0, -20.0, -5.0, -0.5, 0.5, 3.0])
@pytest.mark.parametrize("box", [(-0.05, 5.0, -6.3, 6.3), (-3.0, 5.0, -18.9, 18.9), (-1.0, 0.3, 0.1, 40.0)])
def test_delayed_low_pass_roots_match_lambert_w(g, box):
    """The characteristic equation of a delayed low-pass loop, 1 + lam tau = g e^{-lam d}: every
    Lambert-W branch inside the rectangle is found, nothing else, each to ~1e-14."""
    tau, d = 20.0, 1.5
    found = zeros_in_rectangle(lambda lam: (1 + lam * tau) - g * np.exp(-lam * d), *box)
    expected = lambert_roots(g, tau, d, box)
    assert len(found) == len(expected)
    for r in found:
        assert np.min(np.abs(expected - r)) <= 1e-13 * max(1.0, abs(r))
    assert np.all(np.diff(found.real) <= 0)  # sorted by real part, descending


def test_winding_number_counts_multiplicity_and_detects_poles():
    assert winding_number(lambda z: (z - 0.1j) ** 3 * (z + 2.0), -1, 1, -1, 1) == 3
    with pytest.raises(RootSearchError, match="pole"):
        zeros_in_rectangle(lambda z: 1.0 / (z - 0.2), -1, 1, -1, 1)
    with pytest.raises(RootSearchError, match="multiple zero|cluster|converge"):
        zeros_in_rectangle(lambda z: (z - 0.1 - 0.1j) ** 2, -1, 1, -1, 1)


def test_zero_on_the_contour_raises():
    with pytest.raises(RootSearchError, match="contour"):
        winding_number(lambda z: z - 1.0, -1, 1, -1, 1)
    with pytest.raises(ValueError, match="rectangle"):
        zeros_in_rectangle(lambda z: z, 1, -1, -1, 1)


def test_zero_on_a_cut_line_is_still_found():
    """A zero exactly where the first split would cut: the cut moves, the zero is found once."""
    cut = -1 + 0.5001 * 2
    found = zeros_in_rectangle(lambda z: (z - complex(cut, 0.3)) * (z + 0.7), -1, 1, -1, 1)
    np.testing.assert_allclose(sorted(found, key=lambda z: z.real), [-0.7, complex(cut, 0.3)], atol=1e-13)
