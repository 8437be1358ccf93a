"""The claims of book/linear_response.ipynb that need no simulation: the classification table.

Every example state of Brunel (2000) (V_reset = 10 mV) and the seed network (V_reset = 0) is a stable
fixed point of the pseudo-time relaxation (eq. 30, real eigenvalues), while only the seed and the AI
state are stable as states of the network with its delay; the frequencies of the others fall in
Brunel's three oscillation regimes.
"""
from __future__ import annotations

import numpy as np
import pytest

from mfkit import BrunelNetwork, network_stability

STATES = {  # name: (network, stable as a network state, frequency range of the leading pair in Hz)
    "seed": (BrunelNetwork(), True, (35.0, 45.0)),
    "AI": (BrunelNetwork(g=5.0, eta=2.0, V_reset=10.0), True, (115.0, 135.0)),
    "SR": (BrunelNetwork(g=3.0, eta=2.0, V_reset=10.0), False, (500.0, 800.0)),
    "SI fast": (BrunelNetwork(g=6.0, eta=4.0, V_reset=10.0), False, (150.0, 250.0)),
    "SI slow": (BrunelNetwork(g=4.5, eta=0.9, V_reset=10.0), False, (10.0, 50.0)),
}


@pytest.mark.parametrize("name", STATES)
def test_pseudo_time_stable_but_network_decides(name):
    net, stable, (f_lo, f_hi) = STATES[name]
    st = network_stability(net, re_min=-0.25)
    fp = st.fixed_point
    assert fp.pseudo_time_stable
    assert np.all(fp.pseudo_time_eigenvalues.imag == 0) and np.all(fp.pseudo_time_eigenvalues.real < 0)
    assert st.stable is stable
    assert (st.leading.real < 0) is stable
    assert f_lo < st.frequency < f_hi


def test_seed_modes():
    """At the seed the leading pair (~40 Hz) decays faster than it oscillates; the second pair is at ~130 Hz."""
    st = network_stability(BrunelNetwork(), re_min=-0.25)
    modes = [lam for lam in st.eigenvalues if lam.imag > 0]
    f = [lam.imag / (2e-3 * np.pi) for lam in modes]
    assert 120 < f[1] < 140 and f[0] < f[1]
    assert 1 / abs(modes[0].real) < 1000 / f[0]
    assert modes[1].real < modes[0].real < 0
