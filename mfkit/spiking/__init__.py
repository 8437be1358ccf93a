"""Direct simulation of the spiking Brunel network (the twin of the mean-field model).

:func:`simulate_brunel` runs NEST's ``brunel_delta_nest.py`` network either with
the numba engine of this package (``backend="mfkit"``) or in NEST itself
(``backend="nest"``) and returns a :class:`SpikingResult` either way.
"""
from .connectivity import Connectivity, fixed_indegree
from .result import RateHistogram, SpikingResult, isi_cv
from .simulate import network_params, simulate_brunel

__all__ = ["simulate_brunel", "SpikingResult", "RateHistogram", "Connectivity",
           "fixed_indegree", "isi_cv", "network_params"]
