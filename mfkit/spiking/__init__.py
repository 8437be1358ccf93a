"""Direct simulation of the spiking Brunel network (the twin of the mean-field model).

:func:`simulate_brunel` runs NEST's ``brunel_delta_nest.py`` network either with
the numba engine of this package (``backend="mfkit"``) or in NEST itself
(``backend="nest"``) and returns a :class:`SpikingResult` either way.  With
``network.tau_syn > 0`` the synapses are exponentially decaying currents of the
same charge (NEST's ``iaf_psc_exp``; see :func:`psc_amplitude`).
"""
from .connectivity import Connectivity, fixed_indegree
from .result import PopulationFluctuations, RateHistogram, SpikingResult, cv_isi_per_neuron
from .simulate import network_params, psc_amplitude, simulate_brunel

__all__ = ["simulate_brunel", "SpikingResult", "RateHistogram", "PopulationFluctuations", "Connectivity",
           "fixed_indegree", "cv_isi_per_neuron", "network_params", "psc_amplitude"]
