"""Record the linear response of LIF neurons with exponentially filtered input against the theory.

:func:`mfkit.linear_response` with ``tau_syn > 0`` is the approximation of Schuecker, Diesmann & Helias
(2015): the white-noise response with the colored-noise correction (``colored_noise="shift"`` or
``"taylor"``) times the synaptic low-pass ``1/(1 + 2 pi i f tau_syn)``, stated for fast synapses and low
frequencies.  This script measures where it holds and writes ``book/data/filtered_response_record.json``::

    python tools/record_filtered_response.py [OUTPUT.json]

(about 9 minutes on the project's 2-core machine; the file stores the time it took).  At the stable
fixed point (shifted form) of the :class:`mfkit.BrunelNetwork` with ``tau_syn`` = :data:`TAU_SYN` at
every point of :data:`POINTS` (the seed network, mean-driven; ``g = 8``, fluctuation-driven; Brunel's AI
state, ``V_reset`` = 10 mV), independent neurons with that ``mu`` and ``sigma`` and filtered input
(:func:`mfkit.single_neuron.simulate_lif_rate` with ``tau_syn``) are run once unmodulated and once with
the mean drive modulated at every frequency of :data:`FREQS` and the noise amplitude at every frequency of
:data:`SIGMA_FREQS` (same noise, same seed: common random numbers), and
:func:`mfkit.single_neuron.fit_response` fits gain and phase with standard errors from independent groups
of neurons.  Beside each fit: the theory of both forms.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _record import ROOT, provenance, write_record  # noqa: E402

from mfkit import BrunelNetwork, linear_response, siegert, stable_fixed_point  # noqa: E402
from mfkit.single_neuron import fit_response, simulate_lif_rate  # noqa: E402

DEFAULT_OUTPUT = ROOT / "book" / "data" / "filtered_response_record.json"
DIGITS = 10

#: Synaptic time constant (ms): k = sqrt(tau_syn/tau_m) = 0.16 at tau_m = 20 ms.
TAU_SYN = 0.5
#: ``(V_reset, g, eta)`` of the Brunel network whose fixed point gives mu and sigma.
POINTS = {"seed": (0.0, 5.0, 2.0), "g8": (0.0, 8.0, 2.0), "AI": (10.0, 5.0, 2.0)}
#: Modulation frequencies (Hz) of the mean drive and of the noise amplitude.
FREQS = (5.0, 20.0, 60.0, 130.0, 300.0)
SIGMA_FREQS = (5.0, 20.0, 60.0, 130.0)
#: Modulation amplitudes (mV) of the mean drive and the noise amplitude.
AMPLITUDE = {"mu": 2.0, "sigma": 1.0}
#: The simulations: the arguments of simulate_lif_rate.
SIM = {"t_sim": 2000.0, "dt": 0.01, "n_neurons": 2000, "n_groups": 8, "seed": 11,
       "t_warmup": 100.0}


def point_input(V_reset: float, g: float, eta: float) -> tuple[BrunelNetwork, float, float]:
    """The network with filtered synapses and its fixed point's mu and sigma (mV)."""
    net = BrunelNetwork(g=g, eta=eta, V_reset=V_reset, tau_syn=TAU_SYN)
    fp = stable_fixed_point(net)
    return net, float(fp.mu[0]), float(fp.sigma[0])


def theory(net: BrunelNetwork, mu: float, sigma: float, f: float, channel: str = "mu") -> dict:
    """The response of both colored-noise forms at ``f`` (Hz), as [real, imaginary] (Hz/mV)."""
    out = {}
    for form in ("shift", "taylor"):
        chi = linear_response(f, mu, sigma, **net.neuron_params, modulation=channel, colored_noise=form)
        out[form] = [chi.real, chi.imag]
    return out


def measure(net: BrunelNetwork, mu: float, sigma: float, freqs=FREQS, sigma_freqs=SIGMA_FREQS, **sim) -> dict:
    """The unmodulated run's rate and one response fit per channel and frequency (see the module notes)."""
    kw = dict(tau_m=net.tau_m, t_ref=net.t_ref, theta=net.theta, V_reset=net.V_reset, tau_syn=TAU_SYN, **sim)
    reference = simulate_lif_rate(mu, sigma, **kw)
    fits = []
    for channel, fs in (("mu", freqs), ("sigma", sigma_freqs)):
        for f in fs:
            run = simulate_lif_rate(mu, sigma, modulation=(channel, AMPLITUDE[channel], f), **kw)
            fit = fit_response(run, reference)
            fits.append({"channel": channel, "f": f, "gain": fit.gain, "gain_err": fit.gain_err, "phase": fit.phase,
                         "phase_err": fit.phase_err, "theory": theory(net, mu, sigma, f, channel)})
    groups = reference.rates_by_group.mean(axis=1)
    return {"rate": float(reference.rate.mean()), "rate_err": float(groups.std(ddof=1) / np.sqrt(groups.size)),
            "fits": fits}


def record(progress=print) -> dict:
    """Every measurement of the module docstring, with the inputs, version, date and run time."""
    start = time.perf_counter()
    points = []
    for name, (V_reset, g, eta) in POINTS.items():
        progress(f"{name} ({time.perf_counter() - start:.0f} s)")
        net, mu, sigma = point_input(V_reset, g, eta)
        entry = {"name": name, "V_reset": V_reset, "g": g, "eta": eta, "mu": mu, "sigma": sigma,
                 "rate_shift": siegert(mu, sigma, **net.neuron_params),
                 "rate_taylor": siegert(mu, sigma, **net.neuron_params, colored_noise="taylor"),
                 **measure(net, mu, sigma, **SIM)}
        points.append(entry)
    return {"what": "Linear response of LIF neurons with exponentially filtered input (simulated) against "
                    "linear_response with tau_syn; regenerate: python tools/record_filtered_response.py",
            "inputs": {"tau_syn": TAU_SYN, "points": POINTS, "freqs": FREQS, "sigma_freqs": SIGMA_FREQS,
                       "amplitude": AMPLITUDE, "sim": SIM},
            "points": points,
            **provenance(start)}


def main(argv=None) -> None:
    write_record(record, DEFAULT_OUTPUT, __doc__.splitlines()[0], argv, digits=DIGITS)


if __name__ == "__main__":
    main()
