"""Is the stationary state of the network stable with its synaptic delay? (Brunel & Hakim 1999; Brunel 2000)

Around a fixed point nu* of eq. 27, a small perturbation of the rates changes the mean and the
fluctuation of every neuron's input one delay ``d`` later (eq. 28-29), and the rate responds to
both with the linear responses of the LIF neuron (:func:`mfkit.linear_response`).  A perturbation
``delta nu(t) = v e^{lambda t}`` is self-consistent when

.. math::

    \\det\\big(I - e^{-\\lambda d}\\, W(\\lambda)\\big) = 0, \\qquad
    W_{ab}(\\lambda) = \\chi^{\\mu}_a(\\lambda) \\frac{\\partial \\mu_a}{\\partial \\nu_b}
                    + \\chi^{\\sigma}_a(\\lambda) \\frac{\\partial \\sigma_a}{\\partial \\nu_b},

with ``chi`` continued from ``lambda = 2 pi i f`` to the complex plane.  The stationary
(asynchronous) state is stable when every root has a negative real part; a pair of roots crossing
the imaginary axis is a Hopf bifurcation to a global oscillation at ``Im(lambda) / 2 pi``.

With exponential synapses (``tau_syn > 0``, ``colored_noise="shift"``) ``chi`` is
:func:`mfkit.linear_response` with filtering: the white-noise responses at the shifted bounds,
``chi^mu`` and ``chi^sigma - s chi^mu`` at ``mu - s sigma``, times the synaptic low-pass
``1/(1 + lambda tau_syn)`` once per row (Schuecker, Diesmann & Helias 2015; the limits stated there).
The low-pass has its pole at ``-1/tau_syn``: the search region must lie right of it.  The Taylor form
needs the mu derivative of ``chi`` continued to complex ``lambda`` and is not offered here.

These eigenvalues belong to the network.  The eigenvalues reported by :func:`mfkit.fixed_points`
(``FixedPoint.pseudo_time_eigenvalues``) belong to the fictitious relaxation of eq. 30 and say
nothing about oscillations of the network.

Completeness: the roots are the zeros of an entire function (the rows of ``I - e^{-lambda d} W``
multiplied by the denominators of ``chi``), found in the rectangle ``re_min < Re lambda <= R``,
``|Im lambda| <= 2 pi f_max`` by the argument principle (:mod:`mfkit.roots`).  ``R`` is raised
until ``|e^{-lambda d} W(lambda)| < 1/2`` on the boundary of the half-strip right of it; by the
maximum modulus principle (the loop gain is analytic, bounded and vanishing there) no root lies
beyond.  When the loop gain is below 1/2 already on the boundary of the half-strip right of the
left edge of the search (a nearly silent network), no root lies in the region and none is counted;
:func:`phase_diagram` uses the same test at ``Re lambda = 0``.  Populations with identical input and parameters are
merged first (their differences are not driven), so the denominators enter once per group.

Beyond the window, with filtering in every population: ``W(lambda)`` falls like ``1/(lambda tau_syn)``,
the equation is of retarded type and a root needs ``|e^{-lambda d} W| = 1``, so the real parts of the
roots far out fall like ``-ln|lambda| / d``: no chain, :attr:`NetworkStability.asymptote` is ``-inf``
(rows with ``tau_syn > 0`` drop out of ``W_inf`` below).

Beyond the window with white noise: the equation is of neutral type.  At high frequency ``chi^mu -> 0`` and
``chi^sigma -> 2 nu0 / sigma`` (:func:`mfkit.response.linear_response_limit`), so
``W(lambda) -> W_inf = chi^sigma(inf) d sigma / d nu`` and the roots with large ``|Im lambda|``
approach those of ``det(I - e^{-lambda d} W_inf) = 0``: for every non-zero eigenvalue ``w`` of
``W_inf`` a chain with ``Re lambda -> ln|w| / d`` near ``Im lambda = (arg w + 2 pi k) / d`` (Rouche's
theorem on vertical strips, as for neutral delay equations: Bellman & Cooke 1963, ch. 12; Hale &
Verduyn Lunel 1993, ch. 9; it assumes ``W -> W_inf`` uniformly in vertical strips, which the
``f^(-1/2)`` approach of ``chi`` on the imaginary axis suggests).  The least damped chain tends to
``ln(rho(W_inf)) / d``, :attr:`NetworkStability.asymptote`.  With ``d sigma_a^2 / d nu_b`` from
eq. 29, ``W_inf = diag(nu) X`` and ``V = X diag(nu)`` is the matrix of shares ``V_ab`` of population
``a``'s input variance ``sigma_a^2`` contributed by ``b``; so ``rho(W_inf) = rho(V) <= max_a
sigma_rec,a^2 / sigma_a^2`` (the recurrent share, ``< 1`` whenever every population receives some
external noise: the asymptote is then negative; for Brunel's E and I with one input ``W_inf`` has
rank one and ``rho`` is that share, 0.921 at the seed).  From which side the chain approaches is not
proven in general.  At the seed (:class:`~mfkit.BrunelNetwork` defaults, asymptote -0.055 per ms)
it was checked numerically: on the imaginary axis ``ln(rho(W(f))) / d`` approaches the asymptote from
below like ``f^(-1/2)`` (by 0.0057 per ms at 1 MHz, 0.00057 at 100 MHz), and a complete search up to
40 kHz (``Re lambda > -0.15``) finds the chain's real parts increasing with frequency and all below
the asymptote (-0.239 per ms at 714 Hz, -0.137 at 4.7 kHz, -0.084 at 39 kHz), so there the
asymptote bounds the modes beyond the window from above.
Elsewhere members can lie above it: at g = 2.6, eta = 1.5, V_reset = 10 mV (SR, asymptote -0.010
per ms) the member at 2.67 kHz grows at +0.019 per ms.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .brunel import BrunelNetwork
from .fixed_points import FixedPoint, NoUniqueStateError, as_fixed_point, fixed_points, stable_fixed_point
from .network import MeanFieldNetwork, as_model
from .response import characteristic_parts, linear_response_limit
from .roots import RootSearchError, winding_number, zeros_in_rectangle
from .shot_input import ShotNoiseInputs, check_input_model
from .siegert import colored_noise_shift

__all__ = ["NetworkStability", "network_stability", "characteristic_function", "PhaseDiagram", "HopfPoints",
           "phase_diagram"]


@dataclass(frozen=True, eq=False)
class NetworkStability:
    """Linear stability of a stationary state of the network, with its synaptic delay.

    Attributes
    ----------
    eigenvalues : ndarray of complex
        Roots ``lambda`` (1/ms) of ``Delta(lambda) = det(I - e^{-lambda d} W(lambda)) = 0`` with
        ``Re lambda > re_min`` and ``|Im lambda| <= 2 pi f_max``, sorted by real part, descending
        (conjugate pairs: positive imaginary part first).
    stable : bool
        All real parts < 0 and ``asymptote < 0`` (a neutral equation with its chain of roots
        accumulating at ``Re lambda >= 0`` is not exponentially stable).
    frequency : float
        ``|Im lambda| / 2 pi`` in Hz of the leading eigenvalue (largest real part), 0 if it is real.
    fixed_point : FixedPoint
        The stationary state analysed.
    delay : float or ndarray
        The network's delay in ms (a number, or the matrix ``[target, source]``); its distribution is
        the network's ``delay_distribution``.
    f_max : float
        Largest frequency searched, Hz.
    re_min : float
        Smallest real part searched, 1/ms.
    asymptote : float
        ``ln(rho(W_inf)) / d`` (1/ms), ``W_inf`` the limit of ``W`` at high frequency: the limit of
        the real parts of the roots as ``|Im lambda| -> inf`` (the least damped chain; see the
        module notes for what is proven and what was checked).  ``-inf`` where ``W_inf = 0`` (no
        recurrent noise, synaptic filtering in every population, or distributed delays) or ``d = 0``
        (no chain).
    derivatives : ndarray of complex
        ``Delta'(lambda)`` (ms) at each eigenvalue (same order), from Cauchy's formula on a small
        circle: near a simple root the transfer function of the rate spectrum,
        ``T = (I - e^{-lambda d} W)^{-1} = adj / Delta``, has the pole ``adj / (Delta' (lambda - lambda_k))``.
    residues : ndarray of float
        ``||adj(I - e^{-lambda d} W)(lambda_k)||_2 / |Delta'(lambda_k)|`` (ms) at each eigenvalue: the size
        of that pole of ``T`` (the adjugate of a matrix of rank n - 1 has rank one and the norm of the
        product of its n - 1 nonzero singular values; 1 for one group of populations).
    """

    eigenvalues: NDArray[np.complex128]
    stable: bool
    frequency: float
    fixed_point: FixedPoint
    delay: float
    f_max: float
    re_min: float
    asymptote: float
    derivatives: NDArray[np.complex128]
    residues: NDArray[np.float64]

    @property
    def leading(self) -> complex:
        """The eigenvalue with the largest real part (1/ms); NaN if none was found in the region."""
        return complex(self.eigenvalues[0]) if self.eigenvalues.size else complex(np.nan, np.nan)

    @property
    def damping(self) -> float:
        """``-Re`` of the leading eigenvalue in 1/ms (> 0: the state is stable)."""
        return -self.leading.real

    def dominant_mode(self, f: ArrayLike) -> complex | NDArray[np.complex128]:
        """The eigenvalue whose pole dominates the transfer function at ``f`` Hz.

        For each frequency, the ``lambda_k`` with the largest pole term
        ``residues_k / |2 pi i f / 1000 - lambda_k|`` (:attr:`residues`: the norm of the residue of
        ``T`` at ``lambda_k``), i.e. the root of the characteristic equation that produces a peak of the
        predicted rate spectrum (:func:`mfkit.rate_spectrum`) there.  The single-neuron noise, common to
        all poles at one frequency, is left out; only the roots in the window are candidates.
        The least damped root need not dominate: a root near a pole of ``W`` has a large
        ``Delta'`` and a weak pole term (the 40 Hz root at the seed).

        Parameters
        ----------
        f : array_like
            Frequencies (Hz) in ``[0, f_max]``; NaN gives NaN.

        Returns
        -------
        complex or ndarray of complex
            Shaped like ``f``; NaN where no eigenvalue lies in the window.

        Raises
        ------
        ValueError
            If ``f`` is not real, or negative, infinite or above ``f_max``.
        """
        try:
            freq = np.asarray(f, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"f must be real frequencies in Hz, got {f!r}") from None
        bad = ~np.isnan(freq) & ~((freq >= 0) & (freq <= self.f_max))
        if np.any(bad):
            raise ValueError(f"f must be in [0, f_max] = [0, {self.f_max:g}] Hz (NaN allowed), "
                             f"got {freq[bad].ravel()[0]!r}")
        out = np.full(freq.shape, complex(np.nan, np.nan))
        known = ~np.isnan(freq)
        # for f >= 0 the root with Im >= 0 of a conjugate pair has the larger pole term (Delta is real on the real axis)
        upper = self.eigenvalues.imag >= 0
        if np.any(upper):
            lam, r = self.eigenvalues[upper], self.residues[upper]
            s = 2j * np.pi * freq[known][:, None] * 1e-3
            out[known] = lam[np.argmax(r / np.abs(s - lam), axis=-1)]  # the largest pole term
        return complex(out) if out.ndim == 0 else out


class _Characteristic:
    """The characteristic equation of the network at a fixed point, in one group per set of identical populations.

    ``M(lam) = diag(den) - e^{-lam d} num`` with, for group ``g`` (representative ``a``),
    ``den_g = E_a`` and
    ``num_gh = A^mu_a / (1 + lam tau_a) dmu_a/dnu_h + A^sigma_a / (2 + lam tau_a) dsigma_a/dnu_h``, where
    ``chi^mu_a = A^mu_a / ((1 + lam tau_a) E_a)``, ``chi^sigma_a = A^sigma_a / ((2 + lam tau_a) E_a)``
    (:func:`mfkit.response.characteristic_parts`; the quotients have removable singularities).
    ``det M`` is analytic; ``num / den`` is ``W``.
    """

    def __init__(self, model: MeanFieldNetwork, fp: FixedPoint):
        if np.any(model.tau_syn > 0) and model.colored_noise != "shift":
            raise NotImplementedError("network_stability: with synaptic filtering (tau_syn > 0) only "
                                      "colored_noise='shift' is continued to complex lambda; the Taylor form's "
                                      "derivative in mu is not (mfkit.rate_spectrum takes both forms)")
        if model.dt is not None:
            raise NotImplementedError(f"network_stability: the linear response with the threshold on a time grid "
                                      f"(network dt = {model.dt} ms) is not implemented; use dt=None")
        self.rep = np.array([g[0] for g in model.population_groups()])
        self.expand = model.group_expansion()
        stats = model.input_statistics(fp.rates)
        self.params = {k: v[self.rep] for k, v in model.neuron_params.items() if k != "tau_syn"}
        self.tau = self.params["tau_m"]
        self.tau_syn = model.tau_syn[self.rep]
        # shifted bounds: the white-noise responses at mu - s sigma, chi^sigma - s chi^mu for the noise
        s = colored_noise_shift(self.tau_syn, self.tau)
        self.d_sig = stats.d_sigma[self.rep]                                    # d sigma_a / d nu_b, (G, P)
        self.d_mu = stats.d_mu[self.rep] - s[:, None] * self.d_sig               # d (mu_a - s sigma_a) / d nu_b
        self.model = model
        self.sigma = stats.sigma[self.rep]
        self.mu = stats.mu[self.rep] - s * self.sigma
        self.delay = model.delay
        self.fixed_point = fp

    def _quotients(self, s: NDArray[np.complex128]) -> tuple[NDArray, NDArray, NDArray]:
        """``A_mu / (1 + s tau)``, ``A_sigma / (2 + s tau)`` and ``E`` for ``s`` of shape (..., 1).

        ``A_mu`` vanishes at ``s tau = -1`` and ``A_sigma`` at -1 and -2: the quotients are
        analytic; within 1e-6 of those points they are the mean over a small circle around them.
        """
        a_mu, a_sig, e = characteristic_parts(s, self.mu, self.sigma, **self.params)
        p1, p2 = 1.0 + s * self.tau, 2.0 + s * self.tau
        near = (np.abs(p1) < 1e-6) | (np.abs(p2) < 1e-6)
        with np.errstate(divide="ignore", invalid="ignore"):
            q_mu, q_sig = a_mu / p1, a_sig / p2
        s_full = np.broadcast_to(s, q_mu.shape)
        for idx in zip(*np.nonzero(near)):  # rare: the mean value over a circle of radius 1e-4/tau
            g = idx[-1]
            ring = s_full[idx] + 1e-4 / self.tau[g] * np.exp(2j * np.pi * np.arange(8) / 8)
            r_mu, r_sig, _ = characteristic_parts(ring, self.mu[g], self.sigma[g],
                                                  **{k: v[g] for k, v in self.params.items()})
            q_mu[idx] = np.mean(r_mu / (1.0 + ring * self.tau[g]))
            q_sig[idx] = np.mean(r_sig / (2.0 + ring * self.tau[g]))
        return q_mu, q_sig, e

    def parts(self, lam: NDArray[np.complex128]) -> tuple[NDArray, NDArray]:
        """``den`` (..., G) and ``num`` (..., G, G) at ``lam`` (1/ms), the delays included.

        ``num_gh = sum_{b in h} L_ab(lam) (A^mu_a/(1 + lam tau_a) dmu_a/dnu_b + A^sigma_a/(2 + lam tau_a)
        dsigma_a/dnu_b)`` with the delay kernels ``L`` of every connection (:meth:`MeanFieldNetwork.delay_kernel`).
        """
        lam = np.asarray(lam, dtype=complex)
        q_mu, q_sig, e = self._quotients(lam[..., None])
        low_pass = 1.0 / (1.0 + lam[..., None] * self.tau_syn)                  # (..., G): the synapse, once
        L = self.model.delay_kernel(lam)[..., self.rep, :]                      # (..., G, P)
        num = (((q_mu * low_pass)[..., :, None] * self.d_mu + (q_sig * low_pass)[..., :, None] * self.d_sig)
               * L) @ self.expand
        return e, num

    def __call__(self, lam: NDArray[np.complex128]) -> NDArray[np.complex128]:
        """``det M(lam) / prod |den|``: the phase of the analytic ``det M``, without the (positive,
        piecewise constant) normalisation of the integrated solutions in its modulus."""
        den, num = self.parts(lam)
        M = den[..., :, None] * np.eye(den.shape[-1]) - num
        return np.linalg.det(M) / np.prod(np.abs(den), axis=-1)

    def determinant(self, lam: NDArray[np.complex128]) -> NDArray[np.complex128]:
        """``det(I - e^{-lam d} W(lam))``: same zeros away from the poles of W, free of the normalisation."""
        den, num = self.parts(lam)
        return np.linalg.det(np.eye(den.shape[-1]) - num / den[..., :, None])

    def adjugate_norm(self, lam: NDArray[np.complex128]) -> NDArray[np.float64]:
        """``||adj(I - e^{-lam d} W(lam))||_2`` at each ``lam`` (1-d): the product of all singular values but
        the smallest (exact where the matrix is singular, at the eigenvalues)."""
        den, num = self.parts(np.asarray(lam, dtype=complex))
        s = np.linalg.svd(np.eye(den.shape[-1]) - num / den[..., :, None], compute_uv=False)
        return np.prod(s[..., :-1], axis=-1)

    def loop_gain(self, lam: NDArray[np.complex128]) -> NDArray[np.float64]:
        """Spectral norm of ``e^{-lam d} W(lam)`` at each ``lam``."""
        den, num = self.parts(lam)
        return np.linalg.norm(num / den[..., :, None], ord=2, axis=(-2, -1))

    def derivative(self, lam: NDArray[np.complex128]) -> NDArray[np.complex128]:
        """``Delta'(lam)`` (ms) of ``Delta = det(I - e^{-lam d} W)`` at each ``lam`` (1-d), by Cauchy's formula.

        The mean of ``Delta(lam + r e^{it}) e^{-it} / r`` over 16 points of a circle (exact for the
        Taylor terms below degree 17; ``Delta`` is analytic away from the poles of ``W``).  Starting
        from ``r = 1e-3`` per ms, ``r`` is halved until two successive radii agree to 1e-4 (no pole
        of ``W`` inside the circle, the Taylor remainder negligible).
        """
        ring = np.exp(2j * np.pi * np.arange(16) / 16)
        lam = np.asarray(lam, dtype=complex)

        def cauchy(r: float) -> NDArray[np.complex128]:
            return np.mean(self.determinant(lam[:, None] + r * ring) * np.conj(ring), axis=-1) / r

        r, d = 1e-3, cauchy(1e-3)
        for _ in range(10):
            r *= 0.5
            d, previous = cauchy(r), d
            if np.all(np.abs(d - previous) <= 1e-4 * np.abs(d)):
                return d
        raise RootSearchError("the derivative of the characteristic determinant does not settle down to a "
                              f"circle of radius {r:g} per ms around the roots (a pole of W next to a root)")

    def asymptote(self) -> float:
        """Where the roots' real parts tend as ``|Im lam| -> inf`` (1/ms): the neutral chain.

        With one fixed delay ``d``: ``ln(rho(W_inf)) / d``, ``W_inf`` the limit of ``W`` at high
        frequency (:func:`mfkit.response.linear_response_limit`); ``-inf`` if ``W_inf = 0`` or
        ``d = 0``.  With fixed delays per connection ``D``: the ``x`` at which the spectral radius of
        ``W_inf o e^{-x D}`` is 1 (``W_inf >= 0`` elementwise, so the radius falls with ``x`` and, for
        ``Re lam > x``, ``|e^{-lam D}| < e^{-x D}`` leaves no root far out): an upper bound on the
        real parts of the chain, equal to the limit for one delay.  With distributed delays the kernels
        vanish at high frequency and there is no chain: ``-inf``.
        """
        if self.model.delay_distribution != "fixed":
            return -np.inf
        lim_mu, lim_sig = (linear_response_limit(self.mu, self.sigma, **self.params, modulation=m)
                           for m in ("mu", "sigma"))
        white = (self.tau_syn == 0)[:, None]                                     # filtered rows vanish
        base = white * (lim_mu[:, None] * self.d_mu + lim_sig[:, None] * self.d_sig)   # (G, P), >= 0
        return neutral_asymptote(self.model, base, self.rep, self.expand)


def neutral_asymptote(model: MeanFieldNetwork, base: NDArray[np.float64], rep: NDArray[np.int64],
                      expand: NDArray[np.float64]) -> float:
    """Where the real parts of the roots tend at high frequency, for fixed delays and the loop gain's limit
    ``base`` (shape (G, P), >= 0, without delays; see :meth:`_Characteristic.asymptote`)."""
    D = np.broadcast_to(model.delay, (model.n_populations,) * 2)[rep]

    def rho(x: float) -> float:
        return float(np.max(np.abs(np.linalg.eigvals((base * np.exp(-x * D)) @ expand))))

    uniform = model.uniform_delay
    if uniform is not None:
        r = rho(0.0)
        return float(np.log(r) / uniform) if r > 0 and uniform > 0 else -np.inf
    undelayed = float(np.max(np.abs(np.linalg.eigvals((base * (D == 0)) @ expand))))  # no delay damps it
    if undelayed >= 1.0:
        raise RootSearchError(f"the undelayed connections alone have a high-frequency loop gain {undelayed:g} "
                              f">= 1: the roots do not stay left of any line")
    if rho(0.0) == 0.0:
        return -np.inf
    lo, hi = -1.0, 1.0
    while rho(lo) <= 1.0:
        lo *= 2.0
    while rho(hi) >= 1.0:
        hi *= 2.0
    for _ in range(200):  # bisection to the last bit
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if rho(mid) > 1.0 else (lo, mid)
    return float(hi)


class _ShotCharacteristic(_Characteristic):
    """The characteristic equation with shot-noise input: ``det(I - L(lam) o W(lam))``, ``W_ab = K_ab chi_{a,k(b)}``
    (:class:`mfkit.shot_input.ShotNoiseInputs`; the responses from the neuron's three coarsest grids,
    extrapolated, so that ``W`` is analytic in ``lam``).  No denominators: ``den = 1``."""

    def __init__(self, model: MeanFieldNetwork, fp: FixedPoint):
        self.inputs = ShotNoiseInputs(model, fp.rates)
        self.rep = np.array([g[0] for g in self.inputs.groups])
        self.expand = self.inputs.expand
        self.tau = model.tau_m[self.rep]
        self.tau_syn = model.tau_syn[self.rep]
        self.model = model
        self.delay = model.delay
        self.fixed_point = fp

    def parts(self, lam: NDArray[np.complex128]) -> tuple[NDArray, NDArray]:
        lam = np.asarray(lam, dtype=complex)
        num = (self.model.delay_kernel(lam)[..., self.rep, :] * self.inputs.loop(lam)) @ self.expand
        return np.ones(num.shape[:-1]), num

    def derivative(self, lam: NDArray[np.complex128]) -> NDArray[np.complex128]:
        """``Delta'(lam)`` by a central difference of step 1e-5 per ms (``W`` is analytic and smooth on that
        scale; 2 evaluations instead of Cauchy's 16 or more)."""
        lam = np.asarray(lam, dtype=complex)
        return (self.determinant(lam + 1e-5) - self.determinant(lam - 1e-5)) / 2e-5

    def asymptote(self) -> float:
        """As for white noise, with ``W_inf = K c`` (the instantaneous responses): with shot noise the rate
        follows an excitatory modulation at once with the probability within one jump below threshold."""
        if self.model.delay_distribution != "fixed":
            return -np.inf
        return neutral_asymptote(self.model, self.inputs.loop_limit(), self.rep, self.expand)


def _continue_root(H, lam: complex, left: float, *, tol: float = 1e-10, max_halvings: int = 6) -> complex | None:
    """Follow a zero of ``H(lam, s)`` from ``s = 0`` (at ``lam``) to ``s = 1`` by the secant method in steps of
    ``s`` (one step first; halved when the secant method does not converge in 20 iterations or the zero
    moves by more than half its modulus); None once it lies left of ``left`` (it has left the window);
    a RootSearchError if it gets lost."""
    s, ds = 0.0, 1.0
    while s < 1.0:
        if lam.real < left:
            return None
        target = min(1.0, s + ds)
        z0, z1 = lam, lam + 1e-4 * max(1.0, abs(lam))
        f0, f1 = H(np.array([z0, z1]), target)
        for _ in range(20):
            if f1 == f0:
                break
            z0, z1, f0 = z1, z1 - f1 * (z1 - z0) / (f1 - f0), f1
            if abs(z1 - z0) <= tol * max(1.0, abs(z1)):
                break
            f1 = H(np.array([z1]), target)[0]
        converged = abs(z1 - z0) <= tol * max(1.0, abs(z1))
        if not converged or abs(z1 - lam) > 0.5 * max(0.1, abs(lam)):
            ds /= 2.0
            if ds < 1.0 / 2 ** max_halvings:
                raise RootSearchError(f"a root could not be followed from white noise to shot noise (lost near "
                                      f"lambda = {lam:.6g} per ms, s = {s:.3g})")
            continue
        lam, s = z1, target
    return lam


def _shot_eigenvalues(network, model: MeanFieldNetwork, G: _ShotCharacteristic, f_max: float,
                      re_min: float | None) -> tuple[NDArray[np.complex128], float]:
    """The roots of the shot-noise equation continued from the white-noise ones (Im >= 0 and conjugates), and
    the left edge of the white-noise search."""
    diffusion = fixed_points(model)
    fp_d = min(diffusion, key=lambda f: float(np.max(np.abs(f.rates - G.fixed_point.rates))))
    white = network_stability(network, fp_d, f_max=f_max, re_min=re_min)
    Gd = _Characteristic(model, fp_d)

    def H(lam: NDArray[np.complex128], s: float) -> NDArray[np.complex128]:
        """``det(diag(den) (I - s W_shot) - (1 - s) num)``: the white-noise rows times their denominators."""
        den, num = Gd.parts(lam)
        M = den[..., :, None] * (np.eye(den.shape[-1]) - s * G.parts(lam)[1]) - (1 - s) * num
        return np.linalg.det(M)

    left = white.re_min - 0.1 * abs(white.re_min)      # a root followed beyond this has left the window
    roots = [_continue_root(H, lam, left) for lam in white.eigenvalues if lam.imag >= 0]
    both = [z for r in roots if r is not None for z in ((r,) if r.imag == 0 else (r, np.conj(r)))]
    return np.array(both, dtype=complex), white.re_min


def characteristic_function(network, fixed_point: FixedPoint | ArrayLike | None = None):
    """The entire function whose zeros are the network's eigenvalues at ``fixed_point`` (1/ms).

    A vectorised callable ``G(lam)``: the determinant of ``I - e^{-lam d} W(lam)`` with each
    group's row multiplied by the denominators of its linear responses (so that ``G`` has no
    poles); see :func:`network_stability` for the arguments.
    """
    model = as_model(network)
    return _Characteristic(model, as_fixed_point(model, fixed_point))


def network_stability(network, fixed_point: FixedPoint | ArrayLike | None = None, *,
                      f_max: float = 1000.0, re_min: float | None = None,
                      input_model: str = "diffusion") -> NetworkStability:
    """Eigenvalues of the linearised rate dynamics with delay around a fixed point (Brunel 2000).

    Every root in the window ``re_min < Re lambda``, ``|Im lambda| <= 2 pi f_max`` (certified by the
    argument principle), and the limit of the real parts of the roots beyond it
    (:attr:`NetworkStability.asymptote`; see the module notes).

    Parameters
    ----------
    network : MeanFieldNetwork or BrunelNetwork
        The network, with its delays: one for every connection, a matrix per connection, fixed or
        distributed (:attr:`MeanFieldNetwork.delay_distribution`; each connection's kernel
        :meth:`MeanFieldNetwork.delay_kernel` replaces ``e^{-lambda d}``).
    fixed_point : FixedPoint or array_like, optional
        The stationary state (a :class:`FixedPoint` or its rates in Hz); it must satisfy eq. 27
        to a relative residual of 1e-9.  Default: the network's stable fixed point of eq. 30
        (a ValueError if there is not exactly one); see :func:`mfkit.fixed_points.as_fixed_point`.
    f_max : float
        Search up to ``|Im lambda| / 2 pi = f_max`` Hz (> 0).  Default 1 kHz, the Nyquist frequency
        of the 0.5 ms bins in which a population rate is usually measured: a measured spectrum
        ends there.  The modes beyond (the neutral chain near multiples of ``1/delay``) are reported
        through the asymptote.
    re_min : float, optional
        Search down to ``Re lambda = re_min`` (1/ms, in [-6/tau_m, 0), ``tau_m`` of the slowest
        population).  Default ``-5/tau_m`` (-0.25 per ms for tau_m = 20 ms): a mode damped that
        fast has decayed to e^-5 (< 1 %) within one membrane time constant and gives a spectral
        peak of half-width ``5 / (2 pi tau_m)`` (40 Hz); the modes that shape the predicted rate
        spectrum at the seed lie inside (the least damped one at 40 Hz, -0.143 per ms, and the one
        that makes its peak near 130 Hz, -0.177 per ms, :meth:`NetworkStability.dominant_mode`).
        With exponential delays it must lie right of the kernel's pole, ``-1/max(delay)``; the
        default is then at most 0.9 times that.
    input_model : {"diffusion", "shot"}
        The neurons' input: Gaussian white noise (default; every root in the window, certified) or
        Poisson inputs of the network's jump sizes (:mod:`mfkit.shot_input`; delta synapses, continuous
        time, at the shot-noise fixed point, ``fixed_point`` checked with that ``Phi``).  With shot noise
        the roots are those of white noise continued to shot noise (the loop gain
        ``(1 - s) W_white + s W_shot``, ``s`` from 0 to 1, the secant method; a root that moves left of
        ``re_min`` by a tenth of it is dropped): a root that enters the window from outside during the
        continuation is not found, so completeness is *not* certified.  The
        asymptote uses ``W_inf = K c`` (:meth:`mfkit.shot_noise.ShotNoiseNeuron.instantaneous_response`).

    Returns
    -------
    NetworkStability

    Raises
    ------
    RootSearchError
        If the eigenvalues cannot be located with certainty.
    """
    if isinstance(f_max, bool) or not isinstance(f_max, (int, float, np.integer, np.floating)) \
            or not 0 < f_max < np.inf:
        raise ValueError(f"f_max must be a finite frequency > 0 Hz, got {f_max!r}")
    if check_input_model(input_model) == "shot":
        model = as_model(network)
        if model.dt is not None:
            raise NotImplementedError(f"network_stability: shot noise on a time grid (network dt = {model.dt} ms) is "
                                      "not implemented (the grid's response is periodic in frequency: no asymptote "
                                      "to bound the roots); use dt=None")
        G = _ShotCharacteristic(model, as_fixed_point(model, fixed_point, input_model="shot"))
        roots, x0 = _shot_eigenvalues(network, model, G, float(f_max), re_min)
        y = 2 * np.pi * float(f_max) * 1e-3
        return _result(G, roots[(roots.real > x0) & (np.abs(roots.imag) <= y)], f_max, x0)
    G = characteristic_function(network, fixed_point)
    tau = float(np.max(G.tau))
    if re_min is None:
        x0 = -5.0 / tau
    elif isinstance(re_min, bool) or not isinstance(re_min, (int, float, np.integer, np.floating)) \
            or not -6.0 / tau <= re_min < 0:
        raise ValueError(f"re_min must be in [-6/tau_m, 0) = [{-6.0 / tau:g}, 0) per ms, got {re_min!r}")
    else:
        x0 = float(re_min)
    poles = []  # of the exponential kernels 1/(1 + lam d) and of the synaptic low-pass 1/(1 + lam tau_syn)
    if G.model.delay_distribution == "exponential":
        poles.append((-1.0 / float(np.max(G.model.delay)), "-1/max(delay) with exponential delays (the kernel "
                      "1/(1 + lambda d)"))
    if np.any(G.tau_syn > 0):
        poles.append((-1.0 / float(np.max(G.tau_syn)), "-1/max(tau_syn) with synaptic filtering (the low-pass "
                      "1/(1 + lambda tau_syn)"))
    if poles:
        pole, where = max(poles)
        if re_min is None:
            x0 = max(x0, 0.9 * pole)
        elif x0 <= pole:
            raise ValueError(f"re_min must be > {where} has its pole there) = {pole:g} per ms, got {re_min!r}")
    y = 2 * np.pi * float(f_max) * 1e-3        # 1/ms
    if _no_root_right_of(G, x0, y):  # weak loop gain (e.g. a nearly silent network): no root in the region
        roots = np.zeros(0, dtype=complex)
    else:
        roots = _conjugate_zeros(G, x0, _right_edge(G, y), y)
    return _result(G, roots, f_max, x0)


def _result(G: _Characteristic, roots: NDArray[np.complex128], f_max: float, x0: float) -> NetworkStability:
    """The :class:`NetworkStability` of the roots found in the window (sorted, with derivatives and residues)."""
    order = np.lexsort((-roots.imag, -np.round(roots.real, 12)))
    ev = roots[order]
    deriv = G.derivative(ev) if ev.size else np.zeros(0, dtype=complex)
    residues = G.adjugate_norm(ev) / np.abs(deriv) if ev.size else np.zeros(0)
    for a in (ev, deriv, residues):
        a.setflags(write=False)
    lead = ev[0] if ev.size else complex(np.nan)
    freq = abs(lead.imag) / (2 * np.pi) * 1e3 if ev.size and lead.imag != 0 else 0.0
    asymptote = G.asymptote()
    return NetworkStability(eigenvalues=ev, stable=bool(np.all(ev.real < 0) and asymptote < 0),
                            frequency=float(freq), fixed_point=G.fixed_point, delay=G.delay, f_max=float(f_max),
                            re_min=x0, asymptote=asymptote, derivatives=deriv, residues=residues)


def _conjugate_zeros(G: _Characteristic, x0: float, x1: float, y: float) -> NDArray[np.complex128]:
    """Every zero of ``G`` in ``[x0, x1] x [-y, y]``, searched in the upper half only.

    ``G`` is real on the real axis (every part of the characteristic equation is), so its zeros are
    real or come in conjugate pairs.  The search box is ``[x0, x1] x [-delta, y]`` with a small
    ``delta`` (a few per cent of ``y``, so that the real axis, where the real zeros lie, is inside, not
    on the contour); the result is its zeros with ``Im >= 0`` and the conjugates of those with
    ``Im > 0``.  Each zero found in ``(-delta, 0)`` must be the conjugate of one found above (else
    RootSearchError).  Half the contour of the full box, for the same certificate.
    """
    error = None
    for frac in (0.0123, 0.0171, 0.0097):  # the bottom edge must not pass through a zero
        try:
            found = zeros_in_rectangle(G, x0, x1, -frac * y, y, polish=G.determinant)
            break
        except RootSearchError as exc:
            error = exc
    else:
        raise error
    # Newton leaves real roots with an imaginary part of rounding size
    found = np.where(np.abs(found.imag) <= 1e-10 * np.maximum(1.0, np.abs(found)), found.real + 0j, found)
    upper, lower = found[found.imag > 0], found[found.imag < 0]
    for z in lower:
        if not np.any(np.abs(upper - np.conj(z)) <= 1e-8 * max(1.0, abs(z))):
            raise RootSearchError(f"the zero {z} below the real axis has no conjugate above it: the characteristic "
                                  "function is not real on the real axis")
    return np.concatenate([found[found.imag == 0], upper, np.conj(upper)])


def _right_edge(G: _Characteristic, y: float) -> float:
    """A real part R with |e^{-lam d} W(lam)| < 1/2 on the boundary of the half-strip Re lam >= R, |Im lam| <= y.

    ``e^{-lam d} W`` is analytic and bounded in the half-strip and vanishes as Re lam -> inf (a
    Laplace transform of a causal kernel times the delay factor), so by the maximum modulus
    principle it stays below 1/2 inside: no root lies there, and the search box ends at R.
    """
    x = 0.25
    for _ in range(14):
        if _no_root_right_of(G, x, y):
            return x
        x *= 2.0
    raise RootSearchError(f"the loop gain |e^(-lam d) W| stays >= 1/2 up to Re lam = {x} per ms: no right edge")


def _no_root_right_of(G: _Characteristic, x: float, y: float) -> bool:
    """True if ``|e^{-lam d} W(lam)| < 1/2`` on the boundary of the half-strip ``Re lam >= x``, ``|Im lam| <= y``.

    Then no eigenvalue lies in that half-strip (maximum modulus principle, see :func:`_right_edge`).
    The boundary is sampled (every 0.01 y along the vertical edge, in steps of 15 % along the
    horizontal ones); the bound 1/2 leaves a factor 2 for the loop gain between the samples.
    """
    ys = np.linspace(-y, y, 201)
    rays = x + np.geomspace(1e-3, 1e3, 100)  # the horizontal edges of the half-strip right of x
    edge = np.concatenate([x + 1j * ys, rays + 1j * y, rays - 1j * y])
    return bool(np.all(G.loop_gain(edge) < 0.5))


@dataclass(frozen=True, eq=False)
class HopfPoints:
    """Points of the Hopf lines: where an eigenvalue of the network crosses the imaginary axis.

    Attributes
    ----------
    g, eta : ndarray
        Location in the (g, eta) plane (located to ``tol`` along the grid line it was found on).
    frequency : ndarray
        ``Im lambda / 2 pi`` in Hz of the crossing eigenvalue there: 0 where the count changes by an
        odd number (a real eigenvalue crosses); for a complex pair, the eigenvalue with
        ``Im lambda > 0`` nearest the imaginary axis at the located point (NaN if none has
        ``Re lambda >= -0.1`` per ms).
    along : ndarray of str
        ``"eta"`` or ``"g"``: the grid line on which the crossing was bracketed.
    """

    g: NDArray[np.float64]
    eta: NDArray[np.float64]
    frequency: NDArray[np.float64]
    along: NDArray[np.str_]


@dataclass(frozen=True, eq=False)
class PhaseDiagram:
    """Stability of the stationary state of the Brunel network over a (g, eta) grid.

    Attributes
    ----------
    g, eta : ndarray, shapes (n_g,), (n_eta,)
        The grid.
    n_unstable : ndarray of int, shape (n_g, n_eta)
        Eigenvalues with ``Re lambda > 0`` (argument principle, ``|Im lambda| <= 2 pi f_max``) at
        the stable fixed point of eq. 30; ``-1`` where eq. 30 has no unique stable fixed point
        (multistability), so that the stationary state is not defined by (g, eta) alone.
    rate : ndarray, shape (n_g, n_eta)
        Rate (Hz) of that fixed point (NaN where ``n_unstable`` is -1).
    hopf : HopfPoints
        Crossings of the imaginary axis located between neighbouring grid points (brackets whose
        bisection runs into multistability are left out: the count changes there at the fold).
    fold : ndarray, shape (k, 2)
        (g, eta) midpoints of neighbouring grid points whose number of fixed points differs: the
        saddle-node boundary where the fixed point appears or disappears.
    base : BrunelNetwork
        The network supplying every other parameter.
    """

    g: NDArray[np.float64]
    eta: NDArray[np.float64]
    n_unstable: NDArray[np.int64]
    rate: NDArray[np.float64]
    hopf: HopfPoints
    fold: NDArray[np.float64]
    base: object


def _unstable_count(net, f_max: float) -> tuple[int, float, int]:
    """(eigenvalues with Re > 0, rate, number of fixed points) of ``net`` at its stable fixed point of eq. 30."""
    fps = fixed_points(net)
    try:
        state = stable_fixed_point(net, fps)
    except NoUniqueStateError:
        return -1, float("nan"), len(fps)
    G = _Characteristic(as_model(net), state)
    y = 2 * np.pi * f_max * 1e-3
    if _no_root_right_of(G, 0.0, y):  # weak loop gain (e.g. a nearly silent network): nothing to count
        return 0, state.rate, len(fps)
    return winding_number(G, 0.0, _right_edge(G, y), -y, y), state.rate, len(fps)


def _crossing(make, lo: float, hi: float, n_lo: int, n_hi: int, f_max: float,
              tol: float) -> tuple[float, float] | None:
    """Bisect the parameter between lo and hi where the count of unstable eigenvalues changes from n_lo
    to n_hi; returns the parameter and the frequency (Hz) of the crossing eigenvalue there, or None when
    the bisection runs into a multistable point (the count changes there by a fold, not a Hopf crossing).

    An odd change of the count is a real eigenvalue (frequency 0); an even one a complex pair, taken as
    the eigenvalue with ``Im lambda > 0`` nearest the imaginary axis at the located point."""
    while abs(hi - lo) > tol * max(1.0, abs(lo)):
        mid = 0.5 * (lo + hi)
        n_mid = _unstable_count(make(mid), f_max)[0]
        if n_mid < 0:
            return None
        if n_mid == n_lo:
            lo = mid
        else:
            hi, n_hi = mid, n_mid
    p = 0.5 * (lo + hi)
    try:
        fp = stable_fixed_point(make(p))
    except NoUniqueStateError:
        return None
    if (n_hi - n_lo) % 2:
        return p, 0.0
    st = network_stability(make(p), fp, f_max=f_max, re_min=-0.1)
    ev = st.eigenvalues[st.eigenvalues.imag > 0]
    lam = ev[np.argmin(np.abs(ev.real))] if ev.size else complex(np.nan, np.nan)
    return p, lam.imag / (2 * np.pi) * 1e3


def phase_diagram(g_values: ArrayLike, eta_values: ArrayLike, base=None, *, f_max: float = 1000.0,
                  tol: float = 1e-3) -> PhaseDiagram:
    """Brunel's phase diagram: stability of the stationary state over (g, eta), the Hopf lines and the fold.

    At every grid point the stable fixed point of eq. 30 is found (:func:`mfkit.fixed_points`) and the
    eigenvalues of the network with its delay right of the imaginary axis are counted by the
    argument principle.  Between neighbouring grid points (along eta and along g) whose counts
    differ, the crossing is located by bisection to a relative ``tol`` and its frequency taken from
    :func:`network_stability` there.

    Weak drive is covered: where the loop gain stays below 1/2 right of the imaginary axis (a
    nearly silent network) the count is 0 without a contour integral; where eq. 30 has several stable
    fixed points the point is marked ``n_unstable = -1`` (no unique stationary state) and brackets
    that touch it, or whose bisection meets such a point, give no crossing: nothing raises there.

    Parameters
    ----------
    g_values, eta_values : array_like
        Grid of relative inhibition and relative external rate (increasing).
    base : BrunelNetwork, optional
        Every other parameter (default: the seed network; Brunel (2000) used ``V_reset=10``).
    f_max : float
        Largest frequency (Hz) of the eigenvalues counted; default 1 kHz, the window of
        :func:`network_stability`.  The synchronous regular (SR) instability near ``1/delay`` is the
        first member of the neutral chain (see the module notes) and lies inside 1 kHz for
        ``delay = 1.5`` ms (raise ``f_max`` for delays below about 1 ms).  Scans along g (eta = 1.5,
        2, 4; V_reset = 0 and 10 mV; roots up to 6 kHz) found that member crossing first; deeper in
        the SR region further members beyond 1 kHz become unstable too (e.g. 2.67 kHz at g = 2.6,
        eta = 1.5, V_reset = 10 mV) and are not counted in ``n_unstable``.
    tol : float
        Relative accuracy of the crossing points.

    Returns
    -------
    PhaseDiagram
    """
    base = BrunelNetwork() if base is None else base
    if not isinstance(base, BrunelNetwork):
        raise TypeError(f"base must be a BrunelNetwork, got {type(base).__name__}")
    g = np.asarray(g_values, dtype=float)
    eta = np.asarray(eta_values, dtype=float)
    for name, v in (("g_values", g), ("eta_values", eta)):
        if v.ndim != 1 or v.size < 2 or not np.all(np.isfinite(v)) or np.any(np.diff(v) <= 0) or v[0] < 0:
            raise ValueError(f"{name} must be an increasing 1-d grid of at least 2 finite values >= 0, got {v!r}")
    if not 0 < tol < 0.1:
        raise ValueError(f"tol must be in (0, 0.1), got {tol!r}")
    n = np.empty((g.size, eta.size), dtype=np.int64)
    rate = np.empty((g.size, eta.size))
    n_fp = np.empty((g.size, eta.size), dtype=np.int64)
    for i, gi in enumerate(g):
        for j, ej in enumerate(eta):
            n[i, j], rate[i, j], n_fp[i, j] = _unstable_count(dataclasses.replace(base, g=gi, eta=ej), f_max)
    points = []
    for i, gi in enumerate(g):  # along eta
        for j in np.flatnonzero((n[i, :-1] != n[i, 1:]) & (n[i, :-1] >= 0) & (n[i, 1:] >= 0)):
            found = _crossing(lambda e: dataclasses.replace(base, g=gi, eta=e), eta[j], eta[j + 1],
                              int(n[i, j]), int(n[i, j + 1]), f_max, tol)
            if found is not None:
                points.append((gi, *found, "eta"))
    for j, ej in enumerate(eta):  # along g
        for i in np.flatnonzero((n[:-1, j] != n[1:, j]) & (n[:-1, j] >= 0) & (n[1:, j] >= 0)):
            found = _crossing(lambda x: dataclasses.replace(base, g=x, eta=ej), g[i], g[i + 1],
                              int(n[i, j]), int(n[i + 1, j]), f_max, tol)
            if found is not None:
                points.append((found[0], ej, found[1], "g"))
    hopf = HopfPoints(g=np.array([p[0] for p in points]), eta=np.array([p[1] for p in points]),
                      frequency=np.array([p[2] for p in points]), along=np.array([p[3] for p in points]))
    fold = [((g[i] + g[i + di]) / 2, (eta[j] + eta[j + dj]) / 2)
            for di, dj in ((1, 0), (0, 1))
            for i in range(g.size - di) for j in range(eta.size - dj)
            if n_fp[i, j] != n_fp[i + di, j + dj]]
    return PhaseDiagram(g=g, eta=eta, n_unstable=n, rate=rate, hopf=hopf,
                        fold=np.array(fold, dtype=float).reshape(-1, 2), base=base)
