"""A network's input as shot noise: the jump sizes and rates each population receives (beyond eq. 28-29).

Eq. 28-29 keep only the mean and the variance of a neuron's input.  Here the input of a neuron of
population ``a`` at population rates ``nu`` stays a set of Poisson trains of fixed jumps: ``K[a, b]``
inputs of weight ``J[a, b]`` firing at ``nu_b`` (one input type of total rate ``K[a, b] nu_b`` per
source population; sources with equal weights share a type) and ``K_ext[a]`` external inputs of
weight ``J_ext[a]`` at ``nu_ext[a]``.  The rate, its derivatives and the response of every population
are those of the shot-noise neuron (:mod:`mfkit.shot_noise`, continuous time):

.. math::

    \\Phi_a(\\nu) = \\nu^{shot}_a\\big(\\{J_{ab}, K_{ab}\\nu_b\\}, \\{J^{ext}_a, K^{ext}_a \\nu^{ext}_a\\}\\big), \\qquad
    W_{ab}(\\lambda) = K_{ab}\\, \\chi_{a, k(b)}(\\lambda),

``chi_{a,k}`` the response of ``a``'s rate to the total rate of its input type ``k``.  Only delta synapses
(``tau_syn = 0``): shot noise through an exponential synapse is not treated (a ``NotImplementedError``).  With
the network's ``dt`` set the neurons are those of NEST's time grid (``ShotNoiseNeuron(..., dt=dt)``: the summed
jumps of a step, then the threshold test), whose rate, Jacobian and response (periodic in frequency with period
``1/dt``) the fixed points and the spectra use; :func:`mfkit.network_stability` does not take them yet.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .network import MeanFieldNetwork
from .shot_noise import ShotNoiseNeuron, ShotNoiseRate

__all__ = ["ShotNoiseInputs", "INPUT_MODELS", "check_input_model"]

INPUT_MODELS = ("diffusion", "shot")


def check_input_model(input_model: object) -> str:
    """``input_model`` if it is one of :data:`INPUT_MODELS`, else a ValueError naming it."""
    if input_model not in INPUT_MODELS:
        raise ValueError(f"input_model must be 'diffusion' (Gaussian white noise, eq. 28-29) or 'shot' (Poisson "
                         f"inputs of fixed sizes), got {input_model!r}")
    return str(input_model)


class ShotNoiseInputs:
    """The shot-noise input of every population of ``model`` at population rates ``rates`` (Hz).

    Populations with identical input (:meth:`MeanFieldNetwork.population_groups`) share one neuron.

    Attributes
    ----------
    jumps, input_rates : list of ndarray
        Per group: the jump sizes (mV) and their total rates (Hz).
    source_type : ndarray, shape (G, P)
        Index of the input type of source population ``b`` in group ``g``'s jumps (-1 where ``K = 0``).
    """

    @staticmethod
    def check_model(model: MeanFieldNetwork) -> None:
        """A ``NotImplementedError`` for what shot noise does not treat yet: ``tau_syn > 0``."""
        if np.any(model.tau_syn > 0):
            raise NotImplementedError("shot-noise input is implemented for delta synapses (tau_syn = 0) only; "
                                      f"the network has tau_syn = {model.tau_syn.tolist()} ms")

    def __init__(self, model: MeanFieldNetwork, rates: ArrayLike, rtol: float = 1e-6):
        self.check_model(model)
        self.model = model
        self.rates = model.check_rates(rates)
        if self.rates.ndim != 1:
            raise ValueError(f"rates must be one rate vector of shape ({model.n_populations},)")
        self.groups = model.population_groups()
        self.expand = model.group_expansion()
        P = model.n_populations
        self.jumps, self.input_rates = [], []
        self.source_type = np.full((len(self.groups), P), -1)
        self.neurons = []
        for g, members in enumerate(self.groups):
            a = members[0]
            sizes: list[float] = []
            totals: list[float] = []
            for b, (k, j) in enumerate(zip(model.K[a], model.J[a])):
                if k > 0 and j != 0:
                    self.source_type[g, b] = self._add(sizes, totals, float(j), float(k * self.rates[b]))
            if model.K_ext[a] > 0 and model.J_ext[a] != 0:
                self._add(sizes, totals, float(model.J_ext[a]), float(model.K_ext[a] * model.nu_ext[a]))
            self.jumps.append(np.array(sizes))
            self.input_rates.append(np.array(totals))
            params = {k: float(v[a]) for k, v in model.neuron_params.items() if k != "tau_syn"}
            self.neurons.append(ShotNoiseNeuron(sizes, totals, rtol=rtol, dt=model.dt, **params))

    @staticmethod
    def _add(sizes: list[float], totals: list[float], jump: float, rate: float) -> int:
        """Add ``rate`` to the type of size ``jump`` (a new type if none); its index."""
        if jump in sizes:
            k = sizes.index(jump)
            totals[k] += rate
            return k
        sizes.append(jump)
        totals.append(rate)
        return len(sizes) - 1

    def _per_source(self, chi: NDArray, g: int) -> NDArray:
        """``K[a, b] chi[..., k(b)]`` for group ``g``'s representative ``a``: shape (..., P)."""
        a = self.groups[g][0]
        t = self.source_type[g]
        out = np.where(t >= 0, chi[..., np.maximum(t, 0)], 0.0)
        return out * self.model.K[a]

    def stationary(self) -> list[ShotNoiseRate]:
        """The stationary state of every group's neuron (:func:`mfkit.shot_noise.shot_noise_rate`)."""
        return [n.stationary() for n in self.neurons]

    def transfer(self) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
        """``Phi(nu)`` (Hz, shape (P,)), its Jacobian ``dPhi_a / dnu_b`` (shape (P, P)) and the largest
        estimated relative error of the rates."""
        stat = self.stationary()
        phi = np.array([s.rate for s in stat]) @ self.expand.T
        jac = np.array([self._per_source(s.gradient, g) for g, s in enumerate(stat)])
        return phi, self.expand @ jac, max(s.error for s in stat)

    def loop(self, lam: ArrayLike) -> NDArray[np.complex128]:
        """``W(lam)`` for each group's representative ``a`` (shape (..., G, P), no delays):
        ``K[a, b] chi_{a, k(b)}(lam)``, ``lam`` in 1/ms; ``expand @ loop(lam)`` is the full (P, P) matrix.

        In continuous time the responses from the neuron's three coarsest grids, extrapolated: an analytic function
        of ``lam`` (:meth:`mfkit.shot_noise.ShotNoiseNeuron.laplace`).  On the time grid each response converged
        to ``rtol`` on as many grids as it needs (``adaptive=True``; a ``ShotNoiseConvergenceError`` if it cannot
        be), because there the coarsest grids are not always in the regime of their expansion."""
        lam = np.asarray(lam, dtype=complex)
        adaptive = self.model.dt is not None
        return np.stack([self._per_source(n.laplace(lam, adaptive=adaptive)[1], g) for g, n in enumerate(self.neurons)],
                        axis=-2)

    def loop_limit(self) -> NDArray[np.float64]:
        """``W`` at infinite frequency for each group's representative (shape (G, P)): ``K[a, b] c_{k(b)}``
        with ``c`` the instantaneous responses (:meth:`ShotNoiseNeuron.instantaneous_response`)."""
        return np.array([self._per_source(n.instantaneous_response(), g) for g, n in enumerate(self.neurons)])

    def spike_train_spectrum(self, f: ArrayLike) -> NDArray[np.float64]:
        """Two-sided spike-train spectrum (Hz) of every population at ``f`` (Hz): shape (F, P)."""
        freq = np.asarray(f, dtype=float)
        return np.stack([n.spike_train_spectrum(freq) for n in self.neurons], axis=-1) @ self.expand.T
