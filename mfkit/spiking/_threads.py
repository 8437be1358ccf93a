"""Thread counts of :func:`mfkit.spiking.simulate_brunel`."""
from __future__ import annotations

import ctypes
import os
import sys
import types
import warnings
from contextlib import contextmanager

from ._checks import integer_in

__all__ = ["available_cores", "resolve_threads", "numba_threads", "renamed"]


def available_cores() -> int:
    """CPUs this process may run on (its affinity mask, else ``os.cpu_count()``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


#: ``threads=None`` gives a network at most one thread per this many neurons (a smaller share
#: of the network per thread gains little and makes the threads wait for each other more).
NEURONS_PER_THREAD = 2000


def resolve_threads(threads, N: int) -> int:
    """``threads`` as a checked int: None is every available core, but at most one per
    :data:`NEURONS_PER_THREAD` neurons of the ``N`` (and at least one); an integer must be >= 1
    (else a ValueError naming ``threads``); more than the available cores gives a
    RuntimeWarning (the run is still split into that many parts)."""
    if threads is None:
        return max(1, min(available_cores(), N // NEURONS_PER_THREAD))
    k = integer_in("threads", threads, 1, allow_float=False)
    cores = available_cores()
    if k > cores:
        warnings.warn(f"simulate_brunel: threads={k} is more than the {cores} available core(s); "
                      f"the threads will share them", RuntimeWarning, stacklevel=4)
    return k


@contextmanager
def numba_threads(k: int):
    """numba's thread count set to ``k`` (at most ``numba.config.NUMBA_NUM_THREADS``, the size of
    its pool) for the ``with`` block, restored afterwards."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(max(1, min(k, numba.config.NUMBA_NUM_THREADS)))
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _prefer_non_openmp_layer(numba) -> None:
    """Let numba choose its ``workqueue`` threading layer before OpenMP (after TBB, the layer
    mfkit installs and that numba prefers) unless the user chose a layer
    (``NUMBA_THREADING_LAYER``, ``numba.config.THREADING_LAYER``) or its priority.

    NEST's wheels bundle their own copy of libgomp; with numba's OpenMP layer (the system's
    libgomp) started in a process that imported ``nest`` before, NEST crashes (segmentation
    fault in ``nest.ResetKernel``).  The layer is chosen when the process runs its first
    parallel kernel, so this only matters if that kernel is mfkit's (this module calls it
    when it is imported, i.e. with :mod:`mfkit.spiking`).  The ``workqueue`` layer
    must not be used by two Python threads at once (numba aborts then): run concurrent
    simulations in processes, or use TBB (:func:`_load_tbb`).
    """
    if numba.config.THREADING_LAYER == "default" and \
            list(numba.config.THREADING_LAYER_PRIORITY) == ["tbb", "omp", "workqueue"]:
        numba.config.THREADING_LAYER_PRIORITY = ["tbb", "workqueue", "omp"]


def renamed(func, name: str):
    """A copy of ``func`` named ``name``, to compile one function twice (with and without
    ``parallel=True``): numba's on-disk cache is per function name."""
    code = func.__code__.replace(co_name=name, co_qualname=name) if hasattr(func.__code__, "co_qualname") \
        else func.__code__.replace(co_name=name)
    copy = types.FunctionType(code, func.__globals__, name, func.__defaults__, func.__closure__)
    copy.__qualname__ = name
    copy.__doc__ = func.__doc__
    return copy


#: The TBB runtime numba's ``tbb`` layer loads (``dlopen`` by this name).
TBB_LIBRARY = "libtbb.so.12"


def _load_tbb(prefix: str = sys.prefix) -> bool:
    """Load the TBB runtime of the ``tbb`` wheel from ``<prefix>/lib``, if it is there, so that
    numba's threading layer is ``tbb``; returns whether it was loaded.

    The engine opens one parallel region per superstep (one synaptic delay: about 730 per
    simulated second of the seed network).  With TBB a region costs about 2 µs; with the
    ``workqueue`` layer, whose threads sleep between regions, about 50 µs: the seed network ran
    1.4x faster on 2 threads than on 1 with ``workqueue`` and 1.8x with TBB
    (``benchmarks/results/spiking.json``).  pip
    installs ``libtbb.so.12`` into ``<prefix>/lib``, which the dynamic loader does not search
    in a virtual environment, so numba would not find it and would fall back to ``workqueue``;
    once it is loaded here (by its path, with ``RTLD_GLOBAL``), numba's own ``dlopen`` by name
    finds it.  Linux only (the wheel's library name); elsewhere, and under conda (whose TBB
    numba finds itself), this does nothing.
    """
    lib = os.path.join(prefix, "lib", TBB_LIBRARY)
    if not sys.platform.startswith("linux") or not os.path.exists(lib):
        return False
    ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
    return True


def _prefer_at_import() -> None:
    import numba

    _load_tbb()
    _prefer_non_openmp_layer(numba)


_prefer_at_import()
