"""mfkit: mean-field theory of the Brunel (2000) balanced network of LIF neurons.

Hahne et al. (2017), eq. 27-30: the Siegert transfer function (:func:`siegert`), the drift and
diffusion of the network (:class:`BrunelNetwork`, :class:`MeanFieldNetwork`), all its fixed points
with the stability of the pseudo-time relaxation (:func:`fixed_points`) and their curve over the
inhibition through the folds (:func:`fixed_point_curve`), the pseudo-time rate
dynamics (:func:`pseudo_time`), and a direct spiking simulation of the same network
(:func:`simulate_brunel`).  Beyond the stationary state: the linear response of the LIF neuron
(:func:`linear_response`), the stability of the network with its synaptic delay
(:func:`network_stability`), Brunel's phase diagram (:func:`phase_diagram`), the CV of the
inter-spike intervals (:func:`cv_isi`), and the tools that judge the spiking twin's state against
them (:mod:`mfkit.verification`).

Units everywhere: times in ms, potentials in mV, rates in Hz (spikes/s).
"""
from .brunel import BrunelNetwork
from .continuation import FixedPointCurve, fixed_point_curve
from .fixed_points import (
    Branch, FixedPoint, FixedPointError, NoUniqueStateError, bifurcation_diagram, fixed_points, make_fixed_point,
    stable_fixed_point,
)
from .isi import cv_isi
from .network import InputStatistics, MeanFieldNetwork
from .pseudo_time import PseudoTimeResult, load_nest_trajectory, pseudo_time
from .response import linear_response
from .siegert import FOURCAUD_BRUNEL_ALPHA, SiegertDerivatives, siegert, siegert_with_derivatives
from .spiking import SpikingResult, simulate_brunel
from .stability import NetworkStability, PhaseDiagram, network_stability, phase_diagram

__version__ = "0.1.0"

__all__ = [
    "siegert", "siegert_with_derivatives", "SiegertDerivatives", "FOURCAUD_BRUNEL_ALPHA",
    "BrunelNetwork", "MeanFieldNetwork", "InputStatistics",
    "FixedPoint", "FixedPointError", "NoUniqueStateError", "fixed_points", "stable_fixed_point", "make_fixed_point", "Branch", "bifurcation_diagram",
    "FixedPointCurve", "fixed_point_curve",
    "PseudoTimeResult", "pseudo_time", "load_nest_trajectory",
    "SpikingResult", "simulate_brunel",
    "linear_response", "NetworkStability", "network_stability", "PhaseDiagram", "phase_diagram", "cv_isi",
]
