"""Helpers shared by the test modules (tests/ is on sys.path under pytest's default import mode, so
they ``from _helpers import ...``): random single-neuron inputs, and networks for the spiking tests."""
from __future__ import annotations

import importlib.util
import json
import math
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from mfkit import BrunelNetwork
from mfkit.spiking import simulate_brunel
from mfkit.spiking.nest_backend import nest_available

HAVE_NEST = nest_available()
#: Set by .ci/run: NEST must be importable, so its tests run (and fail without it) instead of skipping.
REQUIRE_NEST = os.environ.get("MFKIT_REQUIRE_NEST", "") == "1"
needs_nest = pytest.mark.skipif(not (HAVE_NEST or REQUIRE_NEST),
                                reason='NEST not importable (pip install "mfkit[nest]"; '
                                       "make test EXTRAS=book,test,nest)")

def random_inputs(seed: int, n: int, neurons, y_range: tuple[float, float]) -> list[tuple]:
    """``n`` inputs ``(mu, sigma, neuron)``: neuron ``k % len(neurons)``, sigma log-uniform in [0.5, 20] mV
    and ``(theta - mu) / sigma`` uniform in ``y_range`` (numpy generator ``seed``)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        nk = neurons[k % len(neurons)]
        s = 10 ** rng.uniform(math.log10(0.5), math.log10(20))
        out.append((nk["theta"] - rng.uniform(*y_range) * s, s, nk))
    return out


def regime_grid(seed: int, neurons, regimes) -> list[tuple[str, float, float, float, dict]]:
    """Points ``(regime, f, mu, sigma, neuron)`` for tests against the mpmath references.

    ``regimes`` lists ``(name, n, f, y_th, sigma)``; each of ``f`` (Hz), ``y_th = (theta - mu) / sigma``
    and ``sigma`` (mV) is a range ``("log" | "lin", lo, hi)`` drawn log-uniformly or uniformly, in that
    order, from one numpy generator ``seed``; the k-th point of a regime has neuron ``k % len(neurons)``.
    """
    rng = np.random.default_rng(seed)

    def draw(kind: str, lo: float, hi: float) -> float:
        return 10 ** rng.uniform(math.log10(lo), math.log10(hi)) if kind == "log" else rng.uniform(lo, hi)

    pts = []
    for name, n, f, y_th, sigma in regimes:
        for k in range(n):
            fk, yk, sk = draw(*f), draw(*y_th), draw(*sigma)
            nk = neurons[k % len(neurons)]
            pts.append((name, float(fk), float(nk["theta"] - yk * sk), float(sk), nk))
    return pts


_FIELDS = ("NE", "NI", "CE", "CI", "J", "g", "p_rate", "tau_m", "t_ref", "theta", "V_reset", "delay")


def net_like(**changes):
    """A duck-typed network: the seed network's parameters with ``changes``."""
    base = BrunelNetwork()
    d = {k: getattr(base, k) for k in _FIELDS}
    d.update(changes)
    return SimpleNamespace(**d)


def lone_neuron(**changes):
    """One isolated neuron: no recurrent input, no Poisson drive."""
    return net_like(NE=1, NI=0, CE=0, CI=0, p_rate=0.0, **changes)


def assert_single_neuron_protocols_match_nest(**changes):
    """Deterministic single-neuron protocols (constant drive; stimulus jumps; a neuron with one
    recurrent synapse kicked once), the neuron with ``changes``, give the same spikes and
    membrane potential in both backends."""
    for net, kw in (
        (lone_neuron(**changes), dict(mu_ext=25.0)),
        (lone_neuron(**changes), dict(stimulus=([1.0, 2.0, 3.2, 3.3], [0] * 4, [25.0, 25.0, 10.0, 12.0]))),
        (net_like(NE=1, NI=0, CE=1, CI=0, p_rate=0.0, J=25.0, t_ref=1.0, **changes),
         dict(stimulus=([1.0], [0], [25.0]))),
    ):
        a = simulate_brunel(net, t_sim=100.0, t_warmup=0.0, record_V=[0], **kw)
        b = simulate_brunel(net, t_sim=100.0, t_warmup=0.0, record_V=[0], backend="nest", **kw)
        np.testing.assert_allclose(a.spike_times, b.spike_times, atol=1e-9)
        np.testing.assert_allclose(a.V_m, b.V_m, rtol=1e-12, atol=1e-12)


def load_tool(name: str):
    """``tools/<name>.py`` (a record script) as a module."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_record(path: Path, script: str) -> dict:
    """The JSON record at ``path``, written by ``tools/<script>.py`` (an assertion if it is missing)."""
    assert path.is_file(), f"{path} is missing: run python tools/{script}.py"
    return json.loads(path.read_text())
