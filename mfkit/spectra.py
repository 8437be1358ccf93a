"""Power spectra of the population rates of a finite network (Brunel & Hakim 1999; Lindner, Doiron & Longtin 2005; Trousdale et al. 2012).

Around the stationary state ``nu*`` each population's rate, averaged over its ``N_a`` neurons,
fluctuates because every neuron's spike train is noisy and the noise is shared through the
recurrent input.  Linearised, a rate fluctuation ``delta r_b`` changes the mean and the fluctuation
of the input to ``a`` one delay ``D`` later (eq. 28-29), and ``a``'s rate answers with the linear
responses of the LIF neuron (:func:`mfkit.linear_response`), on top of its own finite-size noise
``xi_a``:

.. math::

    \\delta r(f) = e^{-\\lambda D} W(\\lambda)\\,\\delta r(f) + \\xi(f)
    \\;\\Rightarrow\\;
    \\delta r(f) = T(f)\\,\\xi(f), \\qquad T = \\big(I - e^{-\\lambda D} W(\\lambda)\\big)^{-1},

    W_{ab} = \\chi^{\\mu}_a(f) \\frac{\\partial \\mu_a}{\\partial \\nu_b}
           + \\chi^{\\sigma}_a(f) \\frac{\\partial \\sigma_a}{\\partial \\nu_b},
    \\qquad \\lambda = 2\\pi i f / 1000 \\text{ (1/ms)},

the ``W`` of the characteristic equation of :func:`mfkit.network_stability`.  ``xi_a`` is the mean
of ``N_a`` independent spike trains, uncorrelated between populations, with two-sided spectrum
``S_a(f) / N_a`` (``S_a``: :func:`mfkit.spike_train_spectrum`, or ``nu_a`` for Poisson trains).  The
two-sided cross-spectral matrix is ``T diag(S / N) T^H``; :func:`rate_spectrum` reports it one-sided
(doubled), as :func:`scipy.signal.welch` with ``scaling="density"`` estimates it from a rate in Hz.

What the approximation neglects:

* everything beyond linear response around the stationary state (valid while the fluctuations are
  small, i.e. for large ``N_a``; near a Hopf bifurcation the spectrum diverges instead of saturating);
* the discreteness of the synaptic input (diffusion approximation); with ``tau_syn > 0`` the response
  is that of :func:`mfkit.linear_response` with filtering (Schuecker, Diesmann & Helias 2015, fast
  synapses and low frequencies, both colored-noise forms) and the renewal noise that of the white-noise
  neuron at the shifted bounds ``mu - s sigma`` (its rate is eq. 27 with shifted bounds; the spike
  train of a neuron with filtered input is not renewal, which is neglected);
* the neurons' intrinsic noise is that of a renewal process with the ISI density of the neuron
  driven by stationary white noise (``intrinsic="renewal"``) or a Poisson process
  (``intrinsic="poisson"``), unless a spectrum is given (``intrinsic=`` an array, e.g. the one the
  spiking network measures, :func:`mfkit.verification.measured_spike_train_spectrum`); the intrinsic
  trains of different neurons are independent: correlations between neurons arise only through the
  shared population rates fed back by ``W`` (no shared inputs from common presynaptic neurons beyond
  that, no correction of the single-neuron spectrum by the network's feedback on its own spike train);
* the fixed point itself is the one of the infinite network (eq. 27): the finite network's own
  nonlinearity and finite-size effects do not move it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .fixed_points import FixedPoint, as_fixed_point
from .network import as_model
from .response import linear_response, spike_train_spectrum
from .shot_input import ShotNoiseInputs, check_input_model
from .siegert import colored_noise_shift

__all__ = ["RateSpectra", "rate_spectrum", "loop_spectra"]

_INTRINSIC = ("renewal", "poisson")


@dataclass(frozen=True, eq=False)
class RateSpectra:
    """Predicted spectra of the population rates of a finite network around a stationary state.

    Attributes
    ----------
    f : ndarray, shape (F,)
        Frequencies (Hz).
    psd : ndarray, shape (F, P)
        One-sided power spectral density (Hz^2/Hz) of each population's rate (Hz, averaged over its
        neurons): the real diagonal of :attr:`cross`.
    cross : ndarray of complex, shape (F, P, P)
        One-sided cross-spectral density matrix (Hz^2/Hz), ``cross[k, a, b] = 2 <dr_a dr_b^*>(f_k)``;
        Hermitian at every frequency.
    fixed_point : FixedPoint
        The stationary state.
    n_neurons : ndarray of int, shape (P,)
        Population sizes used.
    intrinsic : str
        ``"renewal"``, ``"poisson"`` or ``"given"`` (an array passed as ``intrinsic``): the
        single-neuron noise.
    intrinsic_spectrum : ndarray, shape (F, P)
        The two-sided spectrum (Hz) of one neuron's spike train in each population that entered,
        ``S`` of ``2 T diag(S / N) T^H``.
    """

    f: NDArray[np.float64]
    psd: NDArray[np.float64]
    cross: NDArray[np.complex128]
    fixed_point: FixedPoint
    n_neurons: NDArray[np.int64]
    intrinsic: str
    intrinsic_spectrum: NDArray[np.float64]


def _frequencies(f: ArrayLike) -> NDArray[np.float64]:
    try:
        freq = np.array(f, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"f must be real frequencies in Hz, got {f!r}") from None
    if freq.ndim > 1:
        raise ValueError(f"f must be a scalar or a 1-d array of frequencies, got shape {freq.shape}")
    freq = np.atleast_1d(freq)
    bad = ~np.isnan(freq) & ~((freq >= 0) & (freq < np.inf))
    if np.any(bad):
        raise ValueError(f"f must be finite and >= 0 Hz (NaN allowed), got {freq[bad][0]!r}")
    return freq


def _sizes(network, n_neurons: int | Sequence[int] | None, P: int) -> NDArray[np.int64]:
    if n_neurons is None:
        if hasattr(network, "NE") and hasattr(network, "NI"):
            n_neurons = (network.NE, network.NI)
        elif getattr(network, "N", None) is not None:
            n_neurons = network.N
        else:
            raise ValueError("n_neurons is required: this MeanFieldNetwork has no population sizes (its N is None)")
    values = np.broadcast_to(np.asarray(n_neurons, dtype=object), (P,)) if np.ndim(n_neurons) == 0 \
        else np.asarray(n_neurons, dtype=object)
    if values.shape != (P,):
        raise ValueError(f"n_neurons must be an integer or {P} integers (one per population), got {n_neurons!r}")
    for n in values:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n_neurons must be integers >= 1, got {n_neurons!r}")
    return values.astype(np.int64)


def _intrinsic(intrinsic, F: int, P: int) -> NDArray[np.float64] | None:
    """A given single-neuron spectrum as a float array of shape (F, P), or None for a name."""
    if isinstance(intrinsic, str):
        if intrinsic not in _INTRINSIC:
            raise ValueError(f"intrinsic must be 'renewal', 'poisson' or an array of spectra, got {intrinsic!r}")
        return None
    try:
        single = np.array(intrinsic, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"intrinsic must be 'renewal', 'poisson' or an array of spectra (Hz), "
                         f"got {type(intrinsic).__name__}") from None
    if single.shape != (F, P):
        raise ValueError(f"intrinsic must have shape (len(f), P) = ({F}, {P}), got {single.shape}")
    bad = ~np.isnan(single) & ~((single >= 0) & (single < np.inf))
    if np.any(bad):
        raise ValueError(f"intrinsic spectra must be finite and >= 0 Hz (NaN allowed), got {single[bad][0]!r}")
    return single


def loop_spectra(loop: ArrayLike, single: ArrayLike, n_neurons: ArrayLike
                 ) -> tuple[NDArray[np.float64], NDArray[np.complex128]]:
    """One-sided power and cross spectra of the population rates from the loop and the neurons' own noise.

    ``cross(f) = 2 T diag(S / N) T^H`` with ``T = (I - loop)^{-1}`` (module notes), the linear theory behind
    :func:`rate_spectrum`, for a loop computed elsewhere (e.g. the responses of shot-noise neurons on a time grid
    at chosen input rates, :meth:`mfkit.shot_input.ShotNoiseInputs.loop`).

    Parameters
    ----------
    loop : array_like, complex, shape (F, P, P)
        ``e^{-lambda D} W(lambda)`` at every frequency: the rate of ``a`` answering a rate of ``b``, delays included.
    single : array_like, shape (F, P)
        Two-sided spike-train spectrum of a single neuron of every population (Hz).
    n_neurons : array_like, shape (P,)
        Neurons per population.

    Returns
    -------
    psd : ndarray, shape (F, P)
        One-sided power spectrum of every population's rate (Hz^2/Hz = Hz).
    cross : ndarray, shape (F, P, P)
        One-sided cross-spectral matrix (Hermitian).
    """
    loop = np.asarray(loop, dtype=complex)
    single = np.asarray(single, dtype=float)
    sizes = np.asarray(n_neurons, dtype=float)
    P = sizes.size
    if loop.ndim != 3 or loop.shape[1:] != (P, P) or single.shape != (loop.shape[0], P):
        raise ValueError(f"loop must have shape (F, P, P) and single shape (F, P) with P = len(n_neurons) = {P}, got "
                         f"{loop.shape} and {single.shape}")
    T = np.linalg.solve(np.eye(P) - loop, np.broadcast_to(np.eye(P, dtype=complex), loop.shape))
    cross = 2.0 * (T * (single / sizes)[:, None, :]) @ np.conj(np.swapaxes(T, -1, -2))
    cross = 0.5 * (cross + np.conj(np.swapaxes(cross, -1, -2)))  # Hermitian to the last bit
    return np.diagonal(cross, axis1=-2, axis2=-1).real.copy(), cross


def rate_spectrum(network, f: ArrayLike, fixed_point: FixedPoint | ArrayLike | None = None, *,
                  n_neurons: int | Sequence[int] | None = None,
                  intrinsic: str | ArrayLike = "renewal", input_model: str = "diffusion",
                  rtol: float = 1e-4) -> RateSpectra:
    """Power and cross spectra of the population rates of a finite network, from linear response.

    ``one-sided cross(f) = 2 T diag(S / N) T^H`` with ``T = (I - e^{-lambda D} W(lambda))^{-1}``
    (see the module notes for the equation and what it neglects).  ``N`` independent Poisson neurons
    at rate ``nu`` without coupling give ``psd = 2 nu / N``.

    Parameters
    ----------
    network : MeanFieldNetwork or BrunelNetwork
        The network (white noise, or ``tau_syn > 0`` in the approximation above); its delays
        (:meth:`MeanFieldNetwork.delay_kernel`) act on every connection.
    f : array_like, shape (F,) or scalar
        Frequencies (Hz), finite and >= 0; NaN gives NaN.
    fixed_point : FixedPoint or array_like, optional
        The stationary state; default the unique stable fixed point
        (:func:`mfkit.fixed_points.as_fixed_point`).
    n_neurons : int or sequence of int, optional
        Neurons per population (>= 1; one value for all populations, or one per population).
        Default ``(NE, NI)`` of a :class:`~mfkit.BrunelNetwork`, or the sizes ``N`` of a
        :class:`~mfkit.MeanFieldNetwork`; required where the network has none.
    intrinsic : {"renewal", "poisson"} or array_like, shape (F, P)
        Spectrum of a single neuron's spike train: the renewal spectrum of the LIF neuron at its
        stationary input (:func:`mfkit.spike_train_spectrum`), that of a Poisson train (``nu_a``),
        or the given two-sided spectra (Hz, finite and >= 0; NaN gives NaN at its frequency), one
        column per population at the frequencies ``f``, e.g. measured in the spiking network
        (:func:`mfkit.verification.measured_spike_train_spectrum`).
    input_model : {"diffusion", "shot"}
        The neurons' input: Gaussian white noise (default) or Poisson inputs of the network's jump sizes
        (:mod:`mfkit.shot_input`; delta synapses): then ``W_ab = K_ab chi_{a,k(b)}`` from the
        shot-noise responses, the fixed point that of shot noise (``fixed_point`` checked with its ``Phi``) and
        the renewal spectrum that of the shot-noise neuron (:func:`mfkit.shot_noise_spike_train_spectrum`).
        In continuous time, or with the network's ``dt`` set on NEST's time grid: the responses and the
        spike-train spectra of the neurons on the grid (periodic in ``f`` with period ``1/dt``; ``f`` below the
        Nyquist frequency ``500/dt`` Hz) and the delays of :meth:`MeanFieldNetwork.delay_kernel` (a spike of
        step ``n`` arrives in step ``n + D/dt``: the twin's, for delays that are whole numbers of steps).
    rtol : float
        ``input_model="shot"``: relative tolerance of the shot-noise neurons (:class:`mfkit.shot_noise.ShotNoiseNeuron`;
        on the time grid every response is converged to it, which takes seconds per frequency at 1e-4).

    Returns
    -------
    RateSpectra

    Raises
    ------
    ValueError
        Naming the argument: negative or non-finite ``f``, missing or bad ``n_neurons``, unknown
        ``intrinsic`` or given spectra of the wrong shape, negative or infinite; and as
        :func:`mfkit.fixed_points.as_fixed_point`.
    mfkit.shot_noise.ShotNoiseConvergenceError
        ``input_model="shot"``: if a shot-noise neuron cannot reach ``rtol`` (never a guess).
    NotImplementedError
        With ``tau_syn > 0``, ``colored_noise="taylor"`` and ``intrinsic="renewal"`` (the renewal
        spectrum is that of the shifted bounds), or with the network's ``dt`` set for ``"diffusion"``.
    """
    freq = _frequencies(f)
    model = as_model(network)
    P = model.n_populations
    given = _intrinsic(intrinsic, freq.size, P)
    sizes = _sizes(network, n_neurons, P)
    filtered = np.any(model.tau_syn > 0)
    if filtered and given is None and intrinsic == "renewal" and model.colored_noise != "shift":
        raise NotImplementedError("rate_spectrum: the renewal spectrum with synaptic filtering is that of the "
                                  "shifted bounds (colored_noise='shift'); with 'taylor' pass intrinsic='poisson' "
                                  "or a spectrum")
    shot = check_input_model(input_model) == "shot"
    if model.dt is not None and not shot:
        raise NotImplementedError(f"rate_spectrum: the white-noise linear response with the threshold on a time grid "
                                  f"(network dt = {model.dt} ms) is not implemented; use dt=None or "
                                  f"input_model='shot'")
    if model.dt is not None and np.any(freq >= 500.0 / model.dt):
        raise ValueError(f"f must be below the Nyquist frequency 500/dt = {500.0 / model.dt:g} Hz of the network's "
                         f"time grid dt = {model.dt} ms, got {np.nanmax(freq)!r} Hz")
    fp = as_fixed_point(model, fixed_point, input_model=input_model)
    stats = model.input_statistics(fp.rates)
    params = {k: v for k, v in model.neuron_params.items() if k != "tau_syn"}
    col = freq[:, None]                                        # (F, 1) against (P,)
    lam = 2j * np.pi * freq * 1e-3
    if shot:
        inputs = ShotNoiseInputs(model, fp.rates, rtol=rtol)
        W = inputs.expand @ inputs.loop(lam)                   # (F, P, P)
    else:
        chi_mu, chi_sig = (linear_response(col, stats.mu, stats.sigma, modulation=m, **model.neuron_params,
                                           colored_noise=model.colored_noise) for m in ("mu", "sigma"))
        W = chi_mu[:, :, None] * stats.d_mu + chi_sig[:, :, None] * stats.d_sigma        # (F, P, P)
    loop = model.delay_kernel(lam) * W                       # delays per connection (mfkit.delays)
    if given is not None:
        single = given
    elif intrinsic == "renewal" and shot:
        single = inputs.spike_train_spectrum(freq)
    elif intrinsic == "renewal":
        shifted = stats.mu - colored_noise_shift(model.tau_syn, model.tau_m) * stats.sigma   # white noise: mu
        single = spike_train_spectrum(col, shifted, stats.sigma, **params)   # (F, P)
    else:
        single = np.array(np.broadcast_to(fp.rates, (freq.size, P)))
    psd, cross = loop_spectra(loop, single, sizes)
    for a in (freq, psd, cross, sizes, single):
        a.setflags(write=False)
    return RateSpectra(f=freq, psd=psd, cross=cross, fixed_point=fp, n_neurons=sizes,
                       intrinsic="given" if given is not None else intrinsic, intrinsic_spectrum=single)
