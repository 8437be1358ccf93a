"""The result of a spiking simulation and the statistics derived from it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

__all__ = ["SpikingResult", "RateHistogram", "PopulationFluctuations", "cv_isi_per_neuron"]


class RateHistogram(NamedTuple):
    """Population rate in bins of ``bin_width`` ms: bin centres ``t`` (ms) and
    ``rate`` (Hz, spikes per neuron per second)."""

    t: np.ndarray
    rate: np.ndarray
    bin_width: float


class PopulationFluctuations(NamedTuple):
    """How strongly, and at which frequency, the population rate fluctuates (see
    :meth:`SpikingResult.fluctuations`)."""

    std_over_mean: float
    poisson: float
    f_peak: float
    freq: np.ndarray
    power: np.ndarray
    bin_width: float

    @property
    def excess(self) -> float:
        """``std_over_mean / poisson``: 1 for independent Poisson neurons."""
        return self.std_over_mean / self.poisson

    @property
    def resolution(self) -> float:
        """Frequency resolution of the spectrum (Hz): one over the recording window."""
        return float(self.freq[1] - self.freq[0])


def _readonly(a, dtype):
    a = np.array(a, dtype=dtype)
    a.setflags(write=False)
    return a


def cv_isi_per_neuron(spike_times, senders, n_neurons: int, min_isis: int = 2) -> np.ndarray:
    """Measured coefficient of variation of the inter-spike intervals of every neuron.

    ``CV = std(ISI) / mean(ISI)`` (population standard deviation, ``ddof=0``)
    over the intervals between consecutive spikes of one neuron; NaN for a
    neuron with fewer than ``min_isis`` intervals.  (The theory's CV of a neuron in the
    stationary state is :func:`mfkit.cv_isi`.)
    """
    spike_times = np.asarray(spike_times, dtype=float)
    senders = np.asarray(senders, dtype=np.int64)
    cv = np.full(n_neurons, np.nan)
    if spike_times.size < 2:
        return cv
    order = np.lexsort((spike_times, senders))
    s = senders[order]
    t = spike_times[order]
    same = s[1:] == s[:-1]
    isi = np.diff(t)[same]
    who = s[1:][same]
    n = np.bincount(who, minlength=n_neurons)
    s1 = np.bincount(who, weights=isi, minlength=n_neurons)
    ok = n >= max(int(min_isis), 1)
    mean = np.zeros(n_neurons)
    mean[ok] = s1[ok] / n[ok]
    dev2 = np.bincount(who, weights=(isi - mean[who]) ** 2, minlength=n_neurons)
    cv[ok] = np.sqrt(dev2[ok] / n[ok]) / mean[ok]
    return cv


@dataclass(frozen=True, eq=False)
class SpikingResult:
    """Spikes and summary statistics of a run of a spiking network.

    Neurons are numbered population after population (:attr:`offsets`; for
    the Brunel network ``0 .. NE-1`` excitatory and ``NE .. NE+NI-1``
    inhibitory) in both backends.  Only spikes in the recording window
    ``(t_warmup, t_warmup + t_sim]`` are kept; times are absolute (ms, from the
    start of the warm-up), on the ``dt`` grid.

    Attributes
    ----------
    rates : ndarray, shape (P,)
        Time-averaged rate of every population (Hz) over the window.
    neuron_rates : ndarray, shape (N,)
        Rate of every neuron (Hz) over the window.
    cv_isi : ndarray, shape (P,)
        Mean over the neurons of every population (with at least ``min_isis``
        ISIs in the window) of the per-neuron coefficient of variation of the
        ISIs; NaN if no neuron qualifies.
    cv_isi_neurons : ndarray, shape (N,)
        Per-neuron CV(ISI) (NaN where undefined).
    spike_times, senders : ndarray
        Spike times (ms) and emitting neurons, sorted by time then neuron.
    sizes : tuple of int
        Population sizes (:attr:`NE`, :attr:`NI` for two populations).
    names : tuple of str
        Population names (``("E", "I")`` for the Brunel network).
    t_sim, t_warmup, dt : float
        Recording window length, warm-up and resolution (ms).
    seed : int
        Seed of the run.
    backend : str
        ``"mfkit"`` or ``"nest"``.
    n_synapses : int
        Number of recurrent synapses.
    V_ids : ndarray of int
        Neurons whose membrane potential was recorded (``record_V``).
    V_m : ndarray, shape (len(V_ids), round(t_sim / dt))
        Their membrane potential (mV) after every step of the window, at the
        times :attr:`V_times`.
    threading_layer : str
        What ran the threads: for ``backend="mfkit"`` numba's threading layer of the run's
        parallel regions (``numba.threading_layer()``: ``"tbb"``, or ``"workqueue"``/``"omp"``
        where TBB could not be loaded or numba's layer had been started by other code before,
        see :mod:`mfkit.spiking._threads`), or ``"serial"`` for a run without parallel regions
        (one thread and at most 65,536 neurons); ``"nest"`` for ``backend="nest"`` (NEST's own
        threads).
    timings : dict
        Wall-clock seconds of ``build`` and ``simulate`` (informative only;
        not part of equality or of deterministic outputs).
    """

    rates: np.ndarray
    neuron_rates: np.ndarray
    cv_isi: np.ndarray
    cv_isi_neurons: np.ndarray
    spike_times: np.ndarray
    senders: np.ndarray
    sizes: tuple
    names: tuple
    t_sim: float
    t_warmup: float
    dt: float
    seed: int
    backend: str
    n_synapses: int
    min_isis: int = 2
    threading_layer: str = "serial"
    V_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    V_m: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    timings: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_spikes(cls, spike_times, senders, *, sizes, t_sim, t_warmup, dt, names=None,
                    seed, backend, n_synapses, timings=None, min_isis=2, V_ids=(), V_m=None,
                    threading_layer="serial"):
        """Build the result (and all statistics) from raw spikes of the window."""
        t = np.asarray(spike_times, dtype=float)
        s = np.asarray(senders, dtype=np.int64)
        order = np.lexsort((s, t))
        t, s = t[order], s[order]
        sizes = tuple(int(n) for n in sizes)
        if names is None:  # as MeanFieldNetwork names its populations
            names = ("E", "I") if len(sizes) == 2 else tuple(f"P{a}" for a in range(len(sizes)))
        offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int64)
        N = int(offsets[-1])
        counts = np.bincount(s, minlength=N).astype(float)
        neuron_rates = counts / (t_sim * 1e-3)
        cvn = cv_isi_per_neuron(t, s, N, min_isis=min_isis)
        parts = [slice(offsets[a], offsets[a + 1]) for a in range(len(sizes))]
        rates = np.array([neuron_rates[p].mean() if p.stop > p.start else np.nan for p in parts])
        cv = np.array([_nanmean(cvn[p]) for p in parts])
        return cls(
            rates=_readonly(rates, float),
            neuron_rates=_readonly(neuron_rates, float),
            cv_isi=_readonly(cv, float),
            cv_isi_neurons=_readonly(cvn, float),
            spike_times=_readonly(t, float),
            senders=_readonly(s, np.int32),
            sizes=sizes, names=tuple(str(n) for n in names), t_sim=float(t_sim), t_warmup=float(t_warmup),
            dt=float(dt), seed=int(seed), backend=str(backend),
            n_synapses=int(n_synapses), min_isis=int(min_isis), threading_layer=str(threading_layer),
            V_ids=_readonly(np.asarray(V_ids, dtype=np.int64).reshape(-1), np.int64),
            V_m=_readonly(np.zeros((0, 0)) if V_m is None else V_m, float),
            timings=dict(timings or {}),
        )

    @property
    def N(self) -> int:
        """Number of neurons."""
        return int(sum(self.sizes))

    @property
    def offsets(self) -> np.ndarray:
        """Population ``a`` holds the neurons ``offsets[a] .. offsets[a + 1] - 1``."""
        return np.concatenate(([0], np.cumsum(self.sizes))).astype(np.int64)

    @property
    def NE(self) -> int:
        """Size of the first population (the excitatory one of a two-population network)."""
        return self._two()[0]

    @property
    def NI(self) -> int:
        """Size of the second population (the inhibitory one of a two-population network)."""
        return self._two()[1]

    def _two(self) -> tuple:
        if len(self.sizes) != 2:
            raise AttributeError(f"NE and NI are defined for two populations; this network has "
                                 f"{len(self.sizes)}: use sizes and names")
        return self.sizes

    def population_index(self, population) -> int:
        """The index of ``population`` (a name of :attr:`names` or an index); ValueError otherwise."""
        if isinstance(population, str) and population in self.names:
            return self.names.index(population)
        if not isinstance(population, (bool, np.bool_)) and isinstance(population, (int, np.integer)) \
                and 0 <= population < len(self.sizes):
            return int(population)
        raise ValueError(f"population must be one of {self.names} or an index in [0, {len(self.sizes)}), "
                         f"got {population!r}")

    @property
    def V_times(self) -> np.ndarray:
        """Times (ms) of the columns of :attr:`V_m`."""
        n = self.V_m.shape[1] if self.V_m.ndim == 2 else 0
        return self.t_warmup + self.dt * np.arange(1, n + 1)

    @property
    def rate(self) -> float:
        """Rate averaged over all neurons (Hz)."""
        return float(self.neuron_rates.mean())

    def population_rate(self, bin_width: float = 1.0, population: str = "all") -> RateHistogram:
        """Histogram of the population rate over the recording window.

        Parameters
        ----------
        bin_width : float
            Bin width in ms (> 0); the window is cut into
            ``floor(t_sim / bin_width)`` bins starting at ``t_warmup``
            (a remainder shorter than one bin is dropped).
        population : "all", a population name (e.g. "E", "I") or index
        """
        bin_width = float(bin_width)
        if not np.isfinite(bin_width) or bin_width <= 0:
            raise ValueError(f"bin_width must be > 0 ms, got {bin_width!r}")
        nbins = int(np.floor(self.t_sim / bin_width + 1e-9))
        if nbins < 1:
            raise ValueError(f"bin_width must be <= t_sim = {self.t_sim} ms, got {bin_width!r}")
        if isinstance(population, str) and population == "all":
            n = self.N
            t = self.spike_times
        else:
            try:
                a = self.population_index(population)
            except ValueError:
                raise ValueError(f"population must be 'all', one of {self.names} or an index, "
                                 f"got {population!r}") from None
            lo, hi = self.offsets[a], self.offsets[a + 1]
            t = self.spike_times[(self.senders >= lo) & (self.senders < hi)]
            n = hi - lo
        # spike at time s belongs to step interval ((s - dt), s]: bin by s - dt/2
        k = np.floor((t - 0.5 * self.dt - self.t_warmup) / bin_width).astype(np.int64)
        k = k[(k >= 0) & (k < nbins)]
        counts = np.bincount(k, minlength=nbins).astype(float)
        rate = counts / (max(n, 1) * bin_width * 1e-3)
        centres = self.t_warmup + (np.arange(nbins) + 0.5) * bin_width
        return RateHistogram(centres, rate, bin_width)

    def fluctuations(self, bin_width: float = 1.0) -> PopulationFluctuations:
        """Size and spectrum of the fluctuations of the population rate (all neurons).

        Parameters
        ----------
        bin_width : float
            Bin width of the population rate (ms), as in :meth:`population_rate`.

        Returns
        -------
        PopulationFluctuations
            ``std_over_mean``, the standard deviation of the binned population rate over its mean;
            ``poisson``, the same ratio expected for ``N`` independent Poisson neurons firing at the
            measured mean rate, ``1 / sqrt(N rate bin_width)``; ``freq`` (Hz) and ``power`` (arbitrary
            units), the periodogram of the rate minus its mean (``freq[0] = 0`` left out);
            ``f_peak``, the frequency of its largest value; and ``bin_width``.
        """
        h = self.population_rate(bin_width)
        mean = h.rate.mean()
        if not mean > 0:
            raise ValueError("no spikes in the recording window")
        freq = np.fft.rfftfreq(h.rate.size, d=h.bin_width * 1e-3)[1:]
        power = np.abs(np.fft.rfft(h.rate - mean))[1:] ** 2
        return PopulationFluctuations(
            std_over_mean=float(h.rate.std() / mean),
            poisson=float(1.0 / np.sqrt(self.N * mean * h.bin_width * 1e-3)),
            f_peak=float(freq[np.argmax(power)]), freq=freq, power=power, bin_width=h.bin_width)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={k}" for n, k in zip(self.names, self.sizes))
        rates = ", ".join(f"{r:.3f}" for r in self.rates)
        cvs = ", ".join(f"{c:.3f}" for c in self.cv_isi)
        return (f"SpikingResult(backend={self.backend!r}, {sizes}, t_sim={self.t_sim}, rates=[{rates}] Hz, "
                f"cv_isi=[{cvs}], n_spikes={self.spike_times.size})")


def _nanmean(x):
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else float("nan")
