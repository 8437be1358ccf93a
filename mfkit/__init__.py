"""mfkit: mean-field theory of the Brunel (2000) balanced network of LIF neurons.

Hahne et al. (2017), eq. 27-30, with data flowing one way, model -> statistics -> solvers and
analyses:

* the neuron: the Siegert transfer function (:func:`siegert`, :func:`siegert_with_derivatives`,
  eq. 27; with a threshold tested on a time grid, `dt`), with its parameters checked in one place
  (:mod:`mfkit.neuron`);
* the model: :class:`MeanFieldNetwork` (populations, in-degrees, weights, neurons, drive) and its
  input statistics (:class:`InputStatistics`, eq. 28-29; along a line of rates :class:`RateLine`),
  its Brunel/NEST-example parameterisation :class:`BrunelNetwork` and the cortical microcircuit of
  Potjans & Diesmann (2014) in two published variants (:func:`microcircuit`);
* the stationary states: every fixed point of eq. 27 with its stability under the pseudo-time
  relaxation of eq. 30 (:func:`fixed_points`, :class:`FixedPoint`), the network's stationary state
  (:func:`stable_fixed_point`, :class:`NoUniqueStateError`), a given state checked
  (:func:`as_fixed_point`, :func:`make_fixed_point`), their curve over the inhibition through the
  folds (:func:`fixed_point_curve`, :func:`bifurcation_diagram`), and the pseudo-time dynamics
  itself as NEST integrates it (:func:`pseudo_time`);
* the stationary membrane-potential density of the LIF neuron behind eq. 27
  (:func:`membrane_potential_density`);
* beyond the stationary state: the linear response of the LIF neuron (:func:`linear_response`),
  the power spectrum of its spike train (:func:`spike_train_spectrum`), the spectra of the
  population rates of a finite network (:func:`rate_spectrum`, :class:`RateSpectra`),
  the stability of the network with its synaptic delay (:func:`network_stability`), Brunel's
  phase diagram (:func:`phase_diagram`) and the CV of the inter-spike intervals (:func:`cv_isi`);
* beyond the diffusion approximation: the LIF neuron driven by Poisson inputs of fixed sizes, its rate,
  CV, response and spike-train spectrum from the master equation (:func:`shot_noise_rate`,
  :func:`shot_noise_response`, :func:`shot_noise_spike_train_spectrum`), and the CV of a network's
  neurons with self-consistent input spike trains (:func:`network_cv`);
* the spiking twin of any such network (:func:`simulate`; Brunel's: :func:`simulate_brunel`; :class:`SpikingResult`),
  single-neuron simulations (:mod:`mfkit.single_neuron`) and the measures that judge the twin's
  state against the theory (:mod:`mfkit.verification`).

Units everywhere: times in ms, potentials in mV, rates in Hz (spikes/s).
"""
from .brunel import BrunelNetwork
from .continuation import FixedPointCurve, fixed_point_curve
from .density import membrane_potential_density
from .fixed_points import (
    Branch, FixedPoint, FixedPointError, NoUniqueStateError, as_fixed_point, bifurcation_diagram, fixed_points,
    make_fixed_point, stable_fixed_point,
)
from .isi import cv_isi
from .microcircuit import microcircuit
from .network import InputStatistics, LinePoint, MeanFieldNetwork, RateLine
from .pseudo_time import PseudoTimeResult, load_nest_trajectory, pseudo_time
from .response import linear_response, spike_train_spectrum
from .renewal import WindowedCV, windowed_cv
from .self_consistent import NetworkCV, network_cv
from .shot_noise import ShotNoiseRate, shot_noise_rate, shot_noise_response, shot_noise_spike_train_spectrum
from .siegert import FOURCAUD_BRUNEL_ALPHA, TIME_GRID_BETA, SiegertDerivatives, siegert, siegert_with_derivatives
from .spectra import RateSpectra, rate_spectrum
from .spiking import SpikingResult, simulate, simulate_brunel
from .stability import NetworkStability, PhaseDiagram, network_stability, phase_diagram

__version__ = "0.1.0"

__all__ = [
    "siegert", "siegert_with_derivatives", "SiegertDerivatives", "FOURCAUD_BRUNEL_ALPHA", "TIME_GRID_BETA",
    "membrane_potential_density",
    "BrunelNetwork", "microcircuit", "MeanFieldNetwork", "InputStatistics", "RateLine", "LinePoint",
    "FixedPoint", "FixedPointError", "NoUniqueStateError", "fixed_points", "stable_fixed_point", "as_fixed_point",
    "make_fixed_point", "Branch", "bifurcation_diagram",
    "FixedPointCurve", "fixed_point_curve",
    "PseudoTimeResult", "pseudo_time", "load_nest_trajectory",
    "SpikingResult", "simulate", "simulate_brunel",
    "linear_response", "spike_train_spectrum", "NetworkStability", "network_stability", "PhaseDiagram", "phase_diagram",
    "RateSpectra", "rate_spectrum", "cv_isi",
    "ShotNoiseRate", "shot_noise_rate", "shot_noise_response", "shot_noise_spike_train_spectrum",
    "NetworkCV", "network_cv", "WindowedCV", "windowed_cv",
]
