"""The cortical microcircuit of Potjans & Diesmann (2014) as a mean-field model, in two published variants.

Eight populations of LIF neurons with exponential synaptic currents (``tau_syn`` = 0.5 ms), excitatory (E)
and inhibitory (I) in layers 2/3, 4, 5 and 6 of 1 mm^2 of early sensory cortex, 77,169 neurons. Both
variants share the neurons and the synapses:

* neuron: ``tau_m`` = 10 ms, ``t_ref`` = 2 ms, C_m = 250 pF, threshold -50 mV and reset -65 mV, i.e.
  ``theta`` = 15 mV and ``V_reset`` = 0 mV relative to the resting and reset potential -65 mV;
* synapses: postsynaptic current amplitude w = 87.8 pA (excitatory), -g w with g = 4 (inhibitory), 2 w
  from L4E to L2/3E; the jump of the equivalent delta synapse (same charge, as in the book's chapter on
  synaptic filtering) is J = w tau_syn / C_m = 0.1756 mV (eq. 28-29 then hold unchanged);
* external drive: ``K_ext[a]`` independent Poisson inputs of 8 Hz, each of weight J;
* transmission delays by the source's type: Gaussian with mean 1.5 ms and standard deviation 0.75 ms
  from excitatory, 0.75 ms and 0.375 ms from inhibitory neurons, cut at 0 (``delay_distribution=
  "truncated_gaussian"``; Potjans & Diesmann 2014 redraw negative delays, Bos et al. 2016 truncate).

The variants differ in the in-degrees and the external drive:

* ``"potjans2014"``: in-degrees from the connection probabilities C of Potjans & Diesmann (2014, their
  Table 5) with multapses, ``K_ab = ln(1 - C_ab) / ln(1 - 1/(N_a N_b)) / N_a`` (the expected number of
  synapses ln(1 - C)/ln(1 - 1/(N_a N_b)) divided among the N_a target neurons, not rounded);
  ``K_ext`` = 1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100;
* ``"bos2016"``: the parameter set of Bos, Diesmann & Helias (2016), as distributed with NNMT
  (Layer et al. 2022): their tabulated in-degrees, which equal the formula above to 3.4e-5 except
  L4I -> L4E, lowered from 794.6 to 675, and ``K_ext`` of L4E lowered from 2100 to 1780. Bos et al.
  computed their rates with the Taylor form of the colored-noise correction
  (``colored_noise="taylor"``).

The model works with every analysis of the library: fixed points (both colored-noise forms),
:func:`mfkit.network_stability` (shifted form; the low-pass of the synapses and the delay distributions in
every connection; 2.7 s for every mode above -0.5 per ms up to 1 kHz, median of ``benchmarks/stability.py``
on 2 cores)
and :func:`mfkit.rate_spectrum` (the population sizes are its default).  For ``"bos2016"`` with the
shifted form the least damped modes lie at 73.4 Hz (damping 0.0005 per ms, nearly marginal) and 286 Hz,
and they are the peaks of the predicted spectra of every population (``tests/test_microcircuit.py``);
these rest on the linear response with synaptic filtering and its stated limits
(:func:`mfkit.linear_response`).

Units: ms, mV, Hz.
"""
from __future__ import annotations

import numpy as np

from .network import MeanFieldNetwork

__all__ = ["MICROCIRCUIT_POPULATIONS", "MICROCIRCUIT_SIZES", "CONNECTION_PROBABILITIES", "microcircuit"]

#: Population names, in the order of every array of this module.
MICROCIRCUIT_POPULATIONS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")

#: Neurons per population (Potjans & Diesmann 2014, Table 5).
MICROCIRCUIT_SIZES = (20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948)

#: Connection probabilities C[target, source] (Potjans & Diesmann 2014, Table 5).
CONNECTION_PROBABILITIES = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443],
])
CONNECTION_PROBABILITIES.setflags(write=False)

#: In-degrees K[target, source] of Bos, Diesmann & Helias (2016), as distributed with NNMT.
_BOS2016_IN_DEGREES = np.array([
    [2199.86486, 1079.32007, 979.241261, 467.578108, 159.240826, 0.0, 109.819852, 0.0],
    [2990.00583, 860.261056, 703.691807, 289.693864, 380.735859, 0.0, 60.5863901, 0.0],
    [159.875428, 34.5225188, 1117.17312, 675.0, 32.6043349, 0.319552818, 667.325211, 0.0],
    [1480.97354, 16.9432378, 1813.02026, 953.325789, 16.0313926, 0.0, 1608.12283, 0.0],
    [2188.36598, 374.651134, 1135.62969, 31.3195876, 420.770722, 496.471959, 296.694639, 0.0],
    [1165.66761, 159.083568, 570.579343, 12.0666667, 300.095775, 404.17277, 124.332394, 0.0],
    [325.197985, 38.632025, 467.354637, 91.7147621, 285.670372, 21.1899271, 581.635915, 752.183189],
    [766.90502, 5.83683853, 74.6380597, 2.74016282, 136.240841, 8.55427408, 979.791723, 459.402985],
])

_K_EXT = {"potjans2014": (1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100),
          "bos2016": (1600, 1500, 1780, 1900, 2000, 1900, 2900, 2100)}

_TAU_SYN = 0.5    # ms
_C_M = 250.0      # pF
_W = 87.8         # pA, excitatory postsynaptic current amplitude
_G = 4.0          # relative inhibitory amplitude
_NU_EXT = 8.0     # Hz, rate of each external input


def _potjans_in_degrees() -> np.ndarray:
    """``ln(1 - C) / ln(1 - 1/(N_a N_b)) / N_a``: expected synapses (with multapses) per target neuron."""
    n = np.asarray(MICROCIRCUIT_SIZES, dtype=float)
    pairs = np.outer(n, n)
    return np.log1p(-CONNECTION_PROBABILITIES) / np.log1p(-1.0 / pairs) / n[:, None]


def _weights() -> np.ndarray:
    """J[target, source] in mV: w tau_syn / C_m, inhibitory columns times -g, L4E -> L2/3E doubled."""
    j = _W * _TAU_SYN / _C_M
    J = np.tile(np.array([j, -_G * j] * 4), (8, 1))
    J[0, 2] *= 2.0
    return J


def microcircuit(variant: str = "bos2016", *, colored_noise: str = "shift") -> MeanFieldNetwork:
    """The cortical microcircuit (Potjans & Diesmann 2014) as a :class:`MeanFieldNetwork` of 8 populations.

    Eq. 27-29 of Hahne et al. (2017) for populations ``L23E, L23I, L4E, L4I, L5E, L5I, L6E, L6I``
    (:data:`MICROCIRCUIT_POPULATIONS`) with sizes ``N`` (:data:`MICROCIRCUIT_SIZES`); see the module
    notes for the parameters and what differs between the variants.

    Parameters
    ----------
    variant : {"bos2016", "potjans2014"}
        ``"bos2016"``: the parameter set of Bos, Diesmann & Helias (2016); ``"potjans2014"``: that of
        Potjans & Diesmann (2014), in-degrees from their connection probabilities.
    colored_noise : {"shift", "taylor"}
        The form of the colored-noise correction (:attr:`MeanFieldNetwork.colored_noise`); Bos et al.
        used ``"taylor"``, NEST's ``siegert_neuron`` uses ``"shift"`` (default).

    Returns
    -------
    MeanFieldNetwork
        ``tau_m`` 10 ms, ``t_ref`` 2 ms, ``theta`` 15 mV, ``V_reset`` 0 mV, ``tau_syn`` 0.5 ms, the
        in-degrees ``K``, weights ``J`` (mV), external drive ``K_ext`` inputs of ``J_ext`` = 0.1756 mV
        at 8 Hz, names, sizes and the delays (truncated Gaussian, by the source's type).

    Raises
    ------
    ValueError
        If ``variant`` or ``colored_noise`` is not one of the names above.
    """
    if not isinstance(variant, str) or variant not in _K_EXT:
        raise ValueError(f"variant must be 'bos2016' or 'potjans2014', got {variant!r}")
    K = _BOS2016_IN_DEGREES if variant == "bos2016" else _potjans_in_degrees()
    by_source = np.tile([1.5, 0.75] * 4, (8, 1))  # ms: from E, from I
    return MeanFieldNetwork(K=K, J=_weights(), tau_m=10.0, t_ref=2.0, theta=15.0, V_reset=0.0, tau_syn=_TAU_SYN,
                            K_ext=np.array(_K_EXT[variant], dtype=float), J_ext=_W * _TAU_SYN / _C_M, nu_ext=_NU_EXT,
                            names=MICROCIRCUIT_POPULATIONS, N=MICROCIRCUIT_SIZES, colored_noise=colored_noise,
                            delay=by_source, delay_distribution="truncated_gaussian", delay_sd=by_source / 2)
