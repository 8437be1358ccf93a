"""The spiking model of a network of LIF populations: what both backends build.

:class:`SpikingModel` holds, per population, the size, the neuron, the integer in-degrees, the weights,
the delays and the external drive, checked once.  :func:`spiking_model` makes it from a
:class:`mfkit.MeanFieldNetwork` (the populations' sizes ``N`` are then required); the Brunel network of
:func:`mfkit.simulate_brunel` is the two-population case (:func:`brunel_model`).  The mfkit engine and
the NEST backend both build their network from this object, so they simulate the same model.

Conventions (stated once, used by both backends):

* **In-degrees** are integers: every neuron of population ``a`` receives exactly ``K[a, b]`` synapses
  from population ``b`` (sources drawn uniformly with replacement: autapses and multapses allowed, NEST's
  ``fixed_indegree``).  A non-integer in-degree of the mean-field model is rounded to the nearest
  integer (``numpy.rint``, halves to even); the theory keeps the exact value.  With
  ``connectivity="fixed_total_number"`` (the convention of Potjans & Diesmann 2014, NEST's rule of that
  name) the connection ``b -> a`` has ``rint(K[a, b] N_a)`` synapses in all, each target and source drawn
  uniformly (with replacement): the in-degrees of the neurons then vary (binomially) around ``K[a, b]``,
  and the mean in-degree is the model's to ``0.5 / N_a``.  (Their other convention, a spread of the
  weights, is not offered: the engine counts spikes per weight.)
* **Weights** ``J[a, b]`` (mV) are the jumps of the membrane potential of a delta synapse; with
  ``tau_syn > 0`` a population's synapses are exponential currents of the same charge (NEST's
  ``iaf_psc_exp``; :func:`mfkit.spiking.psc_amplitude`), so eq. 28-29 are unchanged.
* **Delays** are multiples of the time step ``dt``: a fixed delay ``d`` becomes ``round(d / dt)`` steps
  (it must be at least ``dt``); a distributed one is drawn per synapse from the network's distribution
  (truncated Gaussian or exponential, :mod:`mfkit.delays`) and rounded to the nearest step, delays
  below 1.5 ``dt`` taking one step (the shortest the simulator has).  :func:`delay_step_pmf` gives the
  resulting law.
* **External drive**: ``K_ext[a]`` independent Poisson inputs of rate ``nu_ext[a]`` and weight
  ``J_ext[a]`` are one Poisson train of rate ``K_ext nu_ext`` (the same process), or, with
  ``drive="dc"``, the constant input of the same mean, ``mu_ext = tau_m K_ext J_ext nu_ext``
  (mV; the drive's fluctuation is then absent, which the theory of the given network does not
  describe).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr

from ..network import as_model

__all__ = ["SpikingModel", "spiking_model", "brunel_model", "delay_step_pmf", "DRIVES", "CONNECTIVITIES",
           "MAX_DELAY_STEPS"]

#: The forms of the external drive of :func:`spiking_model`.
DRIVES = ("poisson", "dc")
#: The connection rules of :func:`spiking_model`.
CONNECTIVITIES = ("fixed_indegree", "fixed_total_number")
#: Longest delay in steps the engine stores per synapse (uint16).
MAX_DELAY_STEPS = 65535
#: A delay distribution's tail beyond the longest tabulated step is below this probability.
DELAY_TAIL = 1e-17


@dataclass(frozen=True, eq=False)
class SpikingModel:
    """A network of ``P`` populations of LIF neurons as the spiking twin simulates it.

    Attributes
    ----------
    names : tuple of str
        Population names.
    sizes : ndarray of int64, shape (P,)
        Neurons per population; neurons are numbered population after population.
    K : ndarray of int64, shape (P, P)
        In-degrees ``K[target, source]`` (their mean with ``"fixed_total_number"``, rounded).
    synapses : ndarray of int64, shape (P, P)
        Synapses of every connection in all: ``K[a, b] N_a``, or ``rint(K[a, b] N_a)`` with the model's
        real in-degrees (``"fixed_total_number"``).
    J : ndarray, shape (P, P)
        Weights (mV, PSP jump of the equivalent delta synapse).
    tau_m, t_ref, theta, V_reset, tau_syn : ndarray, shape (P,)
        Neuron parameters (ms, mV; ``tau_syn = 0``: delta synapses).
    rate_ext, J_ext, mu_ext : ndarray, shape (P,)
        Poisson drive of each neuron (Hz, one train) and its weight (mV); constant drive (mV, the
        asymptotic potential it alone sets).
    delay, delay_sd : ndarray, shape (P, P)
        Delays (ms) and their spread, as in :class:`mfkit.MeanFieldNetwork`.
    delay_distribution : str
        ``"fixed"``, ``"truncated_gaussian"`` or ``"exponential"``.
    connectivity : str
        ``"fixed_indegree"`` or ``"fixed_total_number"`` (module notes).
    """

    names: tuple
    sizes: np.ndarray
    K: np.ndarray
    J: np.ndarray
    tau_m: np.ndarray
    t_ref: np.ndarray
    theta: np.ndarray
    V_reset: np.ndarray
    tau_syn: np.ndarray
    rate_ext: np.ndarray
    J_ext: np.ndarray
    mu_ext: np.ndarray
    delay: np.ndarray
    delay_sd: np.ndarray
    synapses: np.ndarray
    delay_distribution: str = "fixed"
    connectivity: str = "fixed_indegree"

    @property
    def n_populations(self) -> int:
        return len(self.names)

    @property
    def N(self) -> int:
        """Number of neurons."""
        return int(self.sizes.sum())

    @property
    def offsets(self) -> np.ndarray:
        """``offsets[a] .. offsets[a + 1] - 1`` are the neurons of population ``a`` (int64, shape (P + 1,))."""
        return np.concatenate(([0], np.cumsum(self.sizes))).astype(np.int64)

    @property
    def n_synapses(self) -> int:
        """Number of recurrent synapses."""
        return int(self.synapses.sum())

    def in_degrees(self, rng: np.random.Generator) -> np.ndarray:
        """``K[i, b]``: the in-degree of every neuron ``i`` from every population ``b`` (int64, shape (N, P)).

        Fixed in-degrees: the row of its population.  Fixed total numbers: the ``synapses[a, b]`` of a
        connection spread over the ``N_a`` targets uniformly (a multinomial draw from ``rng``)."""
        if self.connectivity == "fixed_indegree":
            return np.repeat(self.K, self.sizes, axis=0)
        out = np.zeros((self.N, self.n_populations), dtype=np.int64)
        for a, (lo, n) in enumerate(zip(self.offsets[:-1], self.sizes)):
            for b in range(self.n_populations):
                if n and self.synapses[a, b]:
                    out[lo:lo + n, b] = rng.multinomial(int(self.synapses[a, b]), np.full(n, 1.0 / n))
        return out

    def uniform_delay(self) -> float | None:
        """The delay (ms) when every connection has the same fixed one, else None."""
        if self.delay_distribution == "fixed" and np.all(self.delay == self.delay[0, 0]):
            return float(self.delay[0, 0])
        return None


def _frozen(a, dtype=float) -> np.ndarray:
    arr = np.array(a, dtype=dtype)
    arr.setflags(write=False)
    return arr


def spiking_model(network: object, *, drive: str = "poisson", connectivity: str = "fixed_indegree") -> SpikingModel:
    """The :class:`SpikingModel` of a :class:`mfkit.MeanFieldNetwork` (or an object with ``.model``).

    Parameters
    ----------
    network : MeanFieldNetwork
        With population sizes ``N``; its in-degrees are rounded to integers (module notes).
    drive : {"poisson", "dc"}
        The external drive as Poisson trains (default) or as the constant input of the same mean.
    connectivity : {"fixed_indegree", "fixed_total_number"}
        Every neuron with the (rounded) in-degrees, or a fixed number of synapses per connection
        (module notes).

    Raises
    ------
    ValueError
        ``network.N`` is None; ``drive`` or ``connectivity`` unknown.
    """
    model = as_model(network)
    if not isinstance(drive, str) or drive not in DRIVES:
        raise ValueError(f"drive must be one of {DRIVES}, got {drive!r}")
    if not isinstance(connectivity, str) or connectivity not in CONNECTIVITIES:
        raise ValueError(f"connectivity must be one of {CONNECTIVITIES}, got {connectivity!r}")
    if model.N is None:
        raise ValueError("network.N (population sizes) is None: a spiking network needs the number of neurons of "
                         "every population, e.g. MeanFieldNetwork(..., N=(8000, 2000))")
    P = model.n_populations
    K = np.rint(model.K).astype(np.int64)
    sizes = np.asarray(model.N, dtype=np.int64)
    total = K if connectivity == "fixed_indegree" else model.K
    synapses = np.rint(total * sizes[:, None]).astype(np.int64)
    rate_ext = model.K_ext * model.nu_ext
    mu_ext = np.zeros(P)
    if drive == "dc":
        mu_ext = model.tau_m * 1e-3 * rate_ext * model.J_ext
        rate_ext = np.zeros(P)
    return SpikingModel(
        names=tuple(model.names), sizes=_frozen(model.N, np.int64), K=_frozen(K, np.int64), J=_frozen(model.J),
        tau_m=_frozen(model.tau_m), t_ref=_frozen(model.t_ref), theta=_frozen(model.theta),
        V_reset=_frozen(model.V_reset), tau_syn=_frozen(model.tau_syn), rate_ext=_frozen(rate_ext),
        J_ext=_frozen(model.J_ext), mu_ext=_frozen(mu_ext),
        delay=_frozen(np.broadcast_to(model.delay, (P, P))), delay_sd=_frozen(np.broadcast_to(model.delay_sd, (P, P))),
        synapses=_frozen(synapses, np.int64), delay_distribution=model.delay_distribution, connectivity=connectivity)


def brunel_model(p: dict, mu_ext: float = 0.0) -> SpikingModel:
    """The two populations E, I of :func:`mfkit.simulate_brunel` from its checked parameters ``p``
    (:func:`mfkit.spiking.network_params`): in-degrees ``CE, CI``, weights ``J, -g J``, Poisson drive
    ``p_rate`` of weight ``J``, one delay."""
    two = np.ones(2)
    neuron = {name: _frozen(p[name] * two) for name in ("tau_m", "t_ref", "theta", "V_reset", "tau_syn")}
    return SpikingModel(
        names=("E", "I"), sizes=_frozen([p["NE"], p["NI"]], np.int64),
        K=_frozen([[p["CE"], p["CI"]]] * 2, np.int64), J=_frozen([[p["J"], -p["g"] * p["J"]]] * 2), **neuron,
        rate_ext=_frozen(p["p_rate"] * two), J_ext=_frozen(p["J"] * two), mu_ext=_frozen(mu_ext * two),
        delay=_frozen(np.full((2, 2), p["delay"])), delay_sd=_frozen(np.zeros((2, 2))),
        synapses=_frozen(np.array([[p["CE"], p["CI"]]] * 2) * np.array([[p["NE"]], [p["NI"]]]), np.int64))


def _survival(t: np.ndarray, d: float, sd: float, distribution: str) -> np.ndarray:
    """``P(delay > t)`` for ``t >= 0`` (ms)."""
    if distribution == "exponential":
        return np.exp(-t / d)
    # truncated Gaussian of location d and spread sd cut at 0: Q((t - d)/sd) / Q(-d/sd), Q = 1 - Phi
    return np.exp(log_ndtr(-(t - d) / sd) - log_ndtr(d / sd))


def delay_step_pmf(delay: float, sd: float, distribution: str, dt: float) -> np.ndarray:
    """The law of a synapse's delay in steps of ``dt``: ``pmf[k]`` for ``k = 0, 1, ...``.

    ``"fixed"``: all mass at ``round(delay / dt)`` (>= 1).  Distributed delays are rounded to the
    nearest step, and the mass below 1.5 ``dt`` goes to one step: ``pmf[1] = P(t < 1.5 dt)``,
    ``pmf[k] = P((k - 1/2) dt <= t < (k + 1/2) dt)`` for ``k >= 2``, up to the step beyond which
    the tail is below :data:`DELAY_TAIL` (dropped).  ``pmf[0] = 0``.

    Raises
    ------
    ValueError
        A fixed delay below ``dt``, or a law reaching beyond :data:`MAX_DELAY_STEPS` steps.
    """
    if distribution == "fixed":
        if delay < dt * (1 - 1e-12):
            raise ValueError(f"network.delay = {delay} ms must be >= dt = {dt} ms")
        k = int(round(delay / dt))
        if k > MAX_DELAY_STEPS:
            raise ValueError(f"network.delay = {delay} ms is more than {MAX_DELAY_STEPS} steps of dt = {dt} ms")
        pmf = np.zeros(k + 1)
        pmf[k] = 1.0
        return pmf
    # the last step: where the survival beyond its upper edge is below the tail
    lo, hi = 1, 2
    while _survival(np.array([(hi + 0.5) * dt]), delay, sd, distribution)[0] > DELAY_TAIL:
        lo, hi = hi, 2 * hi
        if hi > 4 * MAX_DELAY_STEPS:
            break
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _survival(np.array([(mid + 0.5) * dt]), delay, sd, distribution)[0] > DELAY_TAIL:
            lo = mid
        else:
            hi = mid
    if hi > MAX_DELAY_STEPS:
        raise ValueError(f"network.delay ({distribution}, {delay} ms, sd {sd} ms) reaches beyond "
                         f"{MAX_DELAY_STEPS} steps of dt = {dt} ms: use a larger dt")
    edges = (np.arange(1, hi + 1) + 0.5) * dt
    S = _survival(edges, delay, sd, distribution)
    pmf = np.zeros(hi + 1)
    pmf[1] = 1.0 - S[0]
    pmf[2:] = S[:-1] - S[1:]
    return pmf


def _check_finite_weights(model: SpikingModel) -> None:
    for name in ("J", "J_ext", "rate_ext", "mu_ext"):
        if not np.all(np.isfinite(getattr(model, name))):
            raise ValueError(f"network.{name} must be finite, got {getattr(model, name).tolist()}")


def check_spiking_model(model: SpikingModel) -> None:
    """Raise a ValueError naming the attribute if the model cannot be simulated: sizes < 1, a
    connection from an empty population, non-finite weights or drive, more than 2**31 - 1 neurons."""
    _check_finite_weights(model)
    if np.any(model.sizes < 0) or model.N < 1:
        raise ValueError(f"network.N must be >= 0 for every population and >= 1 in all, got {model.sizes.tolist()}")
    empty = (model.synapses > 0) & (model.sizes[None, :] == 0)
    if np.any(empty):
        a, b = np.argwhere(empty)[0]
        raise ValueError(f"network.K[{a}, {b}] = {model.K[a, b]} but population {model.names[b]} has no neurons")
    if model.N > 2**31 - 1:
        raise ValueError(f"the network has {model.N} neurons; at most {2**31 - 1} (int32 neuron indices)")
    if np.any(model.K < 0):
        raise ValueError(f"network.K must be >= 0, got {model.K.tolist()}")
    if model.K.sum(axis=1).max() >= 2**32:
        raise ValueError("network.K: in-degrees must be below 2**32")
    if model.N * int(model.K.sum(axis=1).max()) >= 2**62:
        raise ValueError("network too large: N times the in-degree must be below 2**62")
    if np.any(model.rate_ext < 0):
        raise ValueError(f"the external drive K_ext nu_ext must be >= 0 Hz, got {model.rate_ext.tolist()}")
    if not math.isfinite(float(model.delay.max())):
        raise ValueError("network.delay must be finite")
