"""mfkit.plotting draws what it is given (Agg backend, no display)."""
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from mfkit import BrunelNetwork, fixed_point_curve, fixed_points, plotting  # noqa: E402


def test_self_consistency_marks_fixed_points_on_the_diagonal():
    net = BrunelNetwork(g=3.0, eta=0.8)
    nu = np.geomspace(1e-4, 400.0, 50)
    ax = plotting.self_consistency(nu, net.transfer(nu[:, None])[:, 0], fixed_points(net))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    markers = [line for line in ax.lines if line.get_marker() == "o"]
    assert [m.get_markerfacecolor() for m in markers] == ["k", "w", "k"]
    assert all(m.get_xdata()[0] == m.get_ydata()[0] for m in markers)
    plt.close("all")


def test_cobweb_staircase():
    ax = plotting.cobweb([0.0, 2.0], [1.0, 1.5], [0.0, 1.0, 1.25], n_steps=2)
    stairs = ax.lines[-1]
    assert stairs.get_xdata().tolist() == [0.0, 0.0, 1.0, 1.0]
    assert stairs.get_ydata().tolist() == [0.0, 1.0, 1.0, 1.25]
    with pytest.raises(ValueError, match="n_steps"):
        plotting.cobweb([0.0], [0.0], [0.0], n_steps=0)
    plt.close("all")


def test_fixed_point_curve_solid_and_dashed():
    curve = max(fixed_point_curve(BrunelNetwork(eta=0.8), (2.0, 8.0)), key=lambda c: c.rates.max())
    ax = plotting.fixed_point_curve(curve, label="eta = 0.8")
    assert {line.get_linestyle() for line in ax.lines} == {"-", "--"}
    assert ax.get_yscale() == "log"
    plt.close("all")


def test_markdown_table():
    from mfkit.plotting import markdown_table
    assert markdown_table(["a", "b"], [[1, "x"], [2.5, "y"]]) == "| a | b |\n|---|---|\n| 1 | x |\n| 2.5 | y |"
    with pytest.raises(ValueError, match="2 cells"):
        markdown_table(["a", "b"], [[1]])


def test_prose_number_rounds_floats_only():
    from mfkit.plotting import prose_number
    assert prose_number(3) == 3 and isinstance(prose_number(3), int) and prose_number("a") == "a"
    assert prose_number(0.1234567891234) == 0.12345679 and prose_number(np.float64(32.03311450391)) == 32.033115
    assert isinstance(prose_number(np.int64(7)), float)  # numpy integers are glued as floats, as before
