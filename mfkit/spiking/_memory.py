"""Memory preflight of :func:`mfkit.simulate` and :func:`mfkit.simulate_brunel`.

Before anything is allocated, the dispatcher estimates the memory a run will hold at its peak and
compares it with the memory available (``MemAvailable`` of ``/proc/meminfo``, or
``os.sysconf`` elsewhere, lowered to the headroom of a cgroup memory limit if there is one).  A
run whose *fixed* allocations (synapses, state, buffers, recorded membrane potentials) cannot fit
raises :class:`MemoryError` with the estimate; the memory of the recorded spikes depends on the
rates, which are not known in advance: if the worst case (every neuron firing at its maximal rate
``1 / (t_ref + dt)``) does not fit, a :class:`RuntimeWarning` states up to which mean rate it does.

The numbers are estimates.  The ``"mfkit"`` engine's are counted from its arrays.  NEST's are
an empirical rule for NEST 3.x (the seed network, 15.6 M synapses, takes about 1.2 GB of which
about 0.5 GB is the kernel's base): :data:`NEST_BASE_BYTES` plus :data:`NEST_SYNAPSE_BYTES` per
synapse and :data:`NEST_NEURON_BYTES` per neuron.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

__all__ = ["available_memory", "block_steps", "spike_capacity", "mfkit_estimate", "nest_estimate",
           "preflight"]

#: Peak bytes per recorded spike in the ``"mfkit"`` backend: the per-block copies (int64 step,
#: int32 neuron), their concatenation, the float64 times and the sorting and ISI statistics of
#: :class:`~mfkit.spiking.SpikingResult` (an upper estimate).
SPIKE_BYTES = 128
#: Peak bytes per recorded spike in the ``"nest"`` backend (NEST's recorder holds its events too).
NEST_SPIKE_BYTES = 160
#: NEST: memory of the kernel without a network (bytes, estimate).
NEST_BASE_BYTES = 500_000_000
#: NEST: bytes per synapse (static_synapse with its connection infrastructure, estimate).
NEST_SYNAPSE_BYTES = 48
#: NEST: bytes per neuron (node, buffers, estimate).
NEST_NEURON_BYTES = 1_000
#: Largest number of neuron updates per block of the ``"mfkit"`` engine (bounds its spike buffers).
BLOCK_UPDATES = 4_000_000

_GB = 1e9


def block_steps(N: int, ref_steps: int) -> int:
    """Steps per block of the ``"mfkit"`` engine (progress updates, bounded spike buffers)."""
    return max(1, min(500, int(BLOCK_UPDATES // max(N, 1)) * (ref_steps + 1)))


def spike_capacity(N: int, n_steps: int, ref_steps: int) -> int:
    """Most spikes ``N`` neurons can fire in ``n_steps`` steps: once per ``ref_steps + 1`` steps."""
    return N * -(-n_steps // (ref_steps + 1))


def mfkit_estimate(N: int, n_synapses: int, D: int, ref_steps: int, n_sim: int, n_V: int,
                   exp_synapses: bool, n_blocks: int = 1, *, P: int = 2, L: int | None = None,
                   delay_bytes: int = 0) -> dict[str, int]:
    """Bytes of the fixed allocations of the ``"mfkit"`` engine, by item.

    Parameters
    ----------
    N, n_synapses : int
        Neurons and recurrent synapses.
    D, ref_steps, n_sim : int
        Longest delay (rows of the ring buffer), shortest refractory period and recording window
        in steps.
    n_V : int
        Neurons whose membrane potential is recorded.
    exp_synapses : bool
        Exponential synaptic currents (one more state array).
    n_blocks : int
        Blocks of neurons (one per thread, at least ``N / 65536``).
    P : int
        Populations (ring-buffer rows per step).
    L : int, optional
        Steps per superstep (the shortest delay; default ``D``).
    delay_bytes : int
        Bytes of the delay stored per synapse (0: one delay for all).
    """
    block = block_steps(N, ref_steps)
    L = D if L is None else L
    return {
        # uint16 target increments (and the delays); the int64 block offsets, and the counts,
        # cursors and last targets (int64, per block) and the in-degrees (int64 per population) used while
        # drawing them
        "synapses": (2 + delay_bytes) * n_synapses + 8 * N * (n_blocks + 1) + 24 * N * n_blocks + 8 * N * P,
        # ring buffer of the spike counts per source population (uint16; wider for in-degrees > 65535),
        # and the int32 lists of the neurons firing in two supersteps of L steps
        "ring buffer": 2 * P * D * N + 8 * L * N,
        # V, refractory counters, I_syn, and ~10 per-neuron arrays of the statistics
        "state": (8 + 4 + (8 if exp_synapses else 0) + 80) * N,
        "spike buffers": 12 * spike_capacity(N, block, ref_steps),
        # block buffer, the recording and the result's read-only copy of it
        "membrane potentials": 8 * n_V * (block + 2 * n_sim),
    }


def nest_estimate(N: int, n_synapses: int, n_sim: int, n_V: int) -> dict[str, int]:
    """Bytes NEST is estimated to need for the network, by item (see the module docstring).

    ``n_synapses`` are the recurrent synapses; the drive and the recorder add ``2 N``.
    """
    return {
        "NEST kernel": NEST_BASE_BYTES,
        "synapses": NEST_SYNAPSE_BYTES * (n_synapses + 2 * N),
        "neurons": NEST_NEURON_BYTES * N,
        # multimeter events (time, sender, value) plus their arrays in Python and the result
        "membrane potentials": 48 * n_V * n_sim,
    }


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # "max": no limit


def _meminfo_available(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def _sysconf_available() -> int | None:
    try:
        pages, size = os.sysconf("SC_AVPHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not on every OS (e.g. macOS, Windows)
        return None
    return pages * size if pages > 0 and size > 0 else None


def _cgroup_headroom(root: Path = Path("/sys/fs/cgroup")) -> int | None:
    """Limit minus usage of the cgroup (v2, then v1) if a memory limit is set."""
    for limit_file, usage_file in (("memory.max", "memory.current"),
                                   ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes")):
        limit, usage = _read_int(root / limit_file), _read_int(root / usage_file)
        if limit is not None and usage is not None and limit < 2**60:
            return max(limit - usage, 0)
    return None


def available_memory() -> int | None:
    """Memory (bytes) a new allocation can get without swapping, or None if unknown."""
    avail = _meminfo_available()
    if avail is None:
        avail = _sysconf_available()
    headroom = _cgroup_headroom()
    known = [x for x in (avail, headroom) if x is not None]
    return min(known) if known else None


def _gb(n_bytes: float) -> str:
    """'1.23 GB', with TB or PB added for huge amounts."""
    text = f"{n_bytes / _GB:.3g} GB"
    for unit, size in (("PB", 1e15), ("TB", 1e12)):
        if n_bytes >= size:
            return f"{text} = {n_bytes / size:.3g} {unit}"
    return text


def _itemise(estimate: dict[str, int]) -> str:
    return ", ".join(f"{k} {v / _GB:.3g}" for k, v in estimate.items() if v)


def preflight(backend: str, estimate: dict[str, int], n_spikes_max: int, spike_bytes: int,
              N: int, t_sim: float) -> None:
    """Raise :class:`MemoryError` if the fixed allocations cannot fit; warn if the worst case of
    the recorded spikes might not.

    Parameters
    ----------
    backend : str
        Name for the message.
    estimate : dict
        Fixed allocations (bytes) by item.
    n_spikes_max, spike_bytes : int
        Most spikes the window can record, and peak bytes per recorded spike.
    N : int
        Neurons (for the mean rate the memory allows).
    t_sim : float
        Recording window (ms).
    """
    avail = available_memory()
    if avail is None:
        return
    fixed = sum(estimate.values())
    if fixed > avail:
        raise MemoryError(
            f"simulate(backend={backend!r}) needs an estimated {_gb(fixed)} "
            f"({_itemise(estimate)} GB) before recording any spike, but only {_gb(avail)} "
            f"of memory are available: make the network smaller or the "
            f"recording shorter")
    worst = fixed + n_spikes_max * spike_bytes
    if worst > avail:
        rate = (avail - fixed) / spike_bytes / N / (t_sim * 1e-3)
        warnings.warn(
            f"simulate(backend={backend!r}): {_gb(fixed)} are needed for the "
            f"network and up to {_gb(worst)} if every neuron fires at its maximal rate; "
            f"the {_gb(avail)} available suffice for a mean rate up to {rate:.3g} Hz",
            RuntimeWarning, stacklevel=5)  # the caller of simulate or simulate_brunel

