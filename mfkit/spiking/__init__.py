"""Direct simulation of the spiking networks the mean-field models describe (their twins).

:func:`simulate` runs any network of LIF populations (:class:`mfkit.MeanFieldNetwork` with
population sizes, e.g. the cortical microcircuit); :func:`simulate_brunel` runs NEST's
``brunel_delta_nest.py`` network either with
the numba engine of this package (``backend="mfkit"``) or in NEST itself
(``backend="nest"``) and returns a :class:`SpikingResult` either way.  With
``network.tau_syn > 0`` the synapses are exponentially decaying currents of the
same charge (NEST's ``iaf_psc_exp``; see :func:`psc_amplitude`).
"""
from .connectivity import Connectivity, fixed_indegree
from .result import PopulationFluctuations, RateHistogram, SpikingResult, cv_isi_per_neuron
from .model import SpikingModel, spiking_model
from .dispatch import C_M, network_params, psc_amplitude, simulate, simulate_brunel

__all__ = ["simulate", "simulate_brunel", "SpikingModel", "spiking_model", "SpikingResult", "RateHistogram",
           "PopulationFluctuations", "Connectivity", "fixed_indegree", "cv_isi_per_neuron", "network_params",
           "psc_amplitude", "C_M"]
