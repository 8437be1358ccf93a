"""Command line: python -m mfkit."""
import json
import subprocess
import sys

import numpy as np
import pytest

from mfkit.__main__ import main
from mfkit.fixed_points import fixed_points
from mfkit import BrunelNetwork


def test_fixed_points_table_multistable(capsys):
    """The table names the stability it shows: that of the pseudo-time relaxation (eq. 30)."""
    assert main(["fixed-points", "--g", "3", "--eta", "0.8"]) == 0
    out = capsys.readouterr().out
    assert "pseudo-time" in out.splitlines()[2].split() and "network with its delay" in out
    rows = [r for r in (line.split() for line in out.splitlines()) if len(r) == 6 and r[0].isdigit()]
    fps = fixed_points(BrunelNetwork(g=3.0, eta=0.8))
    assert len(rows) == len(fps) == 3
    for row, fp in zip(rows, fps):
        assert float(row[1]) == pytest.approx(fp.rates[0], rel=1e-11)
        assert float(row[2]) == pytest.approx(fp.mu[0], rel=1e-7)
        assert float(row[3]) == pytest.approx(fp.sigma[0], rel=1e-7)
        assert row[4] == ("stable" if fp.pseudo_time_stable else "unstable")
        assert float(row[5]) == pytest.approx(fp.pseudo_time_eigenvalues.real.max(), rel=1e-5)


def test_fixed_points_json(capsys):
    assert main(["fixed-points", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data) == 1
    assert data[0]["rates_Hz"]["E"] == pytest.approx(32.0331145039, rel=1e-10)
    assert data[0]["mu_mV"]["I"] == pytest.approx(23.983443, abs=5e-7)
    assert data[0]["pseudo_time_stable"] is True and "stable" not in data[0]
    assert data[0]["pseudo_time_max_real_eigenvalue_per_ms"] < 0


def test_trajectory_csv(capsys):
    assert main(["trajectory", "--t-sim", "1.0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "time_ms,rate_E_Hz,rate_I_Hz"
    assert len(lines) == 11
    t, e, i = map(float, lines[-1].split(","))
    assert t == pytest.approx(1.0) and e == i and e == pytest.approx(5.090030985, rel=1e-7)  # NEST's CSV at 1 ms


@pytest.mark.parametrize(
    "argv, words",
    [
        (["fixed-points", "--g", "-1"], ["g must be >= 0"]),
        (["fixed-points", "--eta", "abc"], ["--eta", "not a number"]),
        (["fixed-points", "--epsilon", "1.5"], ["epsilon", "(0, 1]"]),
        (["fixed-points", "--order", "0"], ["order"]),
        (["fixed-points", "--order", "2.5"], ["--order", "invalid int"]),
        (["fixed-points", "--theta", "inf"], ["--theta", "finite"]),
        (["fixed-points", "--bogus"], ["unrecognized arguments"]),
        (["trajectory", "--dt", "0"], ["dt must be"]),
        ([], ["required"]),
    ],
)
def test_bad_arguments_exit_2_with_message(argv, words, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    for w in words:
        assert w in err


def test_module_entry_point_subprocess():
    proc = subprocess.run([sys.executable, "-m", "mfkit", "fixed-points", "--g", "5", "--eta", "2"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "32.0331145039" in proc.stdout and "stable" in proc.stdout


def test_stability_command_text_and_json(capsys):
    """`mfkit stability`: the network's eigenvalues with delay next to eq. 30's, and the verdict."""
    assert main(["stability", "--g", "6", "--eta", "4", "--v-reset", "10"]) == 0
    out = capsys.readouterr().out
    assert "unstable: oscillation at 190.2 Hz" in out and "fictitious relaxation" in out
    assert main(["stability", "--json", "--re-min", "-0.25", "--v-reset", "10"]) == 0
    (state,) = json.loads(capsys.readouterr().out)
    assert state["stable"] is True and 110 < state["frequency_Hz"] < 140
    assert state["network_eigenvalues_per_ms"][0]["re_per_ms"] < 0
    with pytest.raises(SystemExit):
        main(["stability", "--re-min", "-5"])  # outside [-6/tau_m, 0): a usage error
    assert "re_min" in capsys.readouterr().err


def test_stability_command_shows_the_seed_modes_and_the_asymptote(capsys):
    """At the seed the default region holds modes, and the line on the modes beyond the window gives
    the asymptote of network_stability."""
    from mfkit import network_stability

    st = network_stability(BrunelNetwork())
    assert main(["stability"]) == 0
    lines = capsys.readouterr().out.splitlines()
    modes = [line.split() for line in lines if line.startswith("  Re ")]
    assert len(modes) == np.count_nonzero(st.eigenvalues.imag >= 0) > 0
    assert [float(m[1]) for m in modes] == pytest.approx(st.eigenvalues[st.eigenvalues.imag >= 0].real, abs=1e-5)
    (beyond,) = [line for line in lines if line.startswith("modes beyond 1000 Hz: real parts tend to ")]
    assert float(beyond.split("tend to ")[1].split()[0]) == pytest.approx(st.asymptote, rel=1e-3)
    assert main(["stability", "--json"]) == 0
    (state,) = json.loads(capsys.readouterr().out)
    assert state["asymptote_per_ms"] == pytest.approx(st.asymptote, rel=1e-12) and state["f_max_Hz"] == 1000.0


def test_stability_command_with_synaptic_filtering(capsys):
    """tau_syn > 0: the modes of network_stability, no chain (and why); the Taylor form is refused cleanly."""
    from mfkit import network_stability

    st = network_stability(BrunelNetwork(tau_syn=0.5))
    assert main(["stability", "--tau-syn", "0.5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    modes = [float(line.split()[1]) for line in lines if line.startswith("  Re ")]
    assert modes == pytest.approx(st.eigenvalues[st.eigenvalues.imag >= 0].real, abs=1e-5)
    assert any("real parts tend to -inf per ms (no chain of modes: the synapses filter the input)" in line
               for line in lines)
    assert main(["stability", "--tau-syn", "0.5", "--colored-noise", "taylor"]) == 1
    assert "only colored_noise='shift'" in capsys.readouterr().err
