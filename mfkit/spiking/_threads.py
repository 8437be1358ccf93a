"""Thread counts of :func:`mfkit.spiking.simulate_brunel` and numba's threading layer.

Nothing here acts when :mod:`mfkit` is imported: the TBB runtime is loaded, and numba's threading
layer chosen, when a parallel kernel of the spiking engine is about to run for the first time in
the process (:func:`start_threading_layer`).  numba fixes its layer for the whole process at its
first parallel launch (of any library); if that launch was not mfkit's, mfkit runs on the layer
it finds, says so in a ``RuntimeWarning`` and records it (:attr:`SpikingResult.threading_layer`).
"""
from __future__ import annotations

import ctypes
import os
import sys
import types
import warnings
from contextlib import contextmanager
from typing import Iterator

import numba
from numba import njit

from ._checks import integer_in

__all__ = ["available_cores", "resolve_threads", "numba_threads", "start_threading_layer", "load_tbb",
           "ThreadedKernel", "SERIAL", "TBB_LIBRARY", "TBB_PATH"]


#: The threading layer recorded for a run that opened no parallel region (one block of neurons).
SERIAL = "serial"

#: numba's own order of preference for its threading layers (``THREADING_LAYER_PRIORITY``).
NUMBA_PRIORITY = ("tbb", "omp", "workqueue")
#: The order mfkit asks for: ``workqueue`` before OpenMP (see :func:`start_threading_layer`).
MFKIT_PRIORITY = ("tbb", "workqueue", "omp")

#: The TBB runtime numba's ``tbb`` layer loads (``dlopen`` by this name).
TBB_LIBRARY = "libtbb.so.12"
#: Where the ``tbb`` wheel installs it: ``<prefix>/lib`` (read by :func:`load_tbb` when called).
TBB_PATH = os.path.join(sys.prefix, "lib", TBB_LIBRARY)

# whether start_threading_layer has run in this process
_started = False


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
        warnings.warn(f"simulate: threads={k} is more than the {cores} available core(s); "
                      f"the threads will share them", RuntimeWarning, stacklevel=5)
    return k


def load_tbb(path: str | None = None) -> bool:
    """Load the TBB runtime of the ``tbb`` wheel (``path``, default :data:`TBB_PATH`), if it is
    there, so that numba's threading layer can be ``tbb``; returns whether it was loaded, and
    raises ``OSError`` if the file is there but cannot be loaded.

    The engine opens one parallel region per superstep (one synaptic delay: about 730 per
    simulated second of the seed network).  With TBB a region costs about 2 µs; with the
    ``workqueue`` layer, whose threads sleep between regions, about 50 µs: the seed network ran
    1.4x faster on 2 threads than on 1 with ``workqueue`` and 1.8x with TBB
    (``benchmarks/results/spiking.json``).  pip
    installs ``libtbb.so.12`` into ``<prefix>/lib``, which the dynamic loader does not search
    in a virtual environment, so numba would not find it and would fall back to ``workqueue``;
    once it is loaded here (by its path, with ``RTLD_GLOBAL``), numba's own ``dlopen`` by name
    finds it.  Linux only (the wheel's library name); elsewhere, and where the file is missing
    (e.g. under conda, whose TBB numba finds itself), this does nothing.  Called only by
    :func:`start_threading_layer`, never at import.
    """
    lib = TBB_PATH if path is None else path
    if not sys.platform.startswith("linux") or not os.path.exists(lib):
        return False
    ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
    return True


def start_threading_layer() -> str:
    """numba's threading layer for mfkit's parallel kernels, started by the first call in the
    process if nothing started it before; returns its name (``numba.threading_layer()``).

    The first call, before numba's threads run:

    * loads the TBB runtime (:func:`load_tbb`) unless the user chose the ``omp`` or
      ``workqueue`` layer (``NUMBA_THREADING_LAYER``); if the library is there but cannot be
      loaded, a ``RuntimeWarning`` names the cause and numba chooses among its other layers;
    * lets numba choose ``workqueue`` before OpenMP (after TBB) unless the user chose a layer or
      its priority (``NUMBA_THREADING_LAYER``, ``numba.config.THREADING_LAYER``,
      ``THREADING_LAYER_PRIORITY``).  NEST's wheels bundle their own copy of libgomp; with
      numba's OpenMP layer (the system's libgomp) started in a process that imported ``nest``
      before, NEST crashes (segmentation fault in ``nest.ResetKernel``).  The priority is
      restored once the layer has started (numba reads it only then).  The ``workqueue`` layer
      must not be used by two Python threads at once (numba aborts then): run concurrent
      simulations in processes, or use TBB;
    * starts numba's threads (numba fixes its layer for the process at this point).

    If numba's layer was started before (by other code: numba fixes it at the first parallel
    launch of any library) and is not TBB although the user did not choose it, a
    ``RuntimeWarning`` says that mfkit runs on it, slower.
    """
    global _started
    if _started:
        return numba.threading_layer()
    _started = True
    try:
        layer = numba.threading_layer()
    except ValueError:  # not started yet: mfkit starts it
        return _start()
    if layer != "tbb" and numba.config.THREADING_LAYER == "default":
        warnings.warn(f"numba's threading layer was started before mfkit's first parallel run, by other code "
                      f"in this process, as {layer!r}: mfkit runs on it instead of TBB (with 'workqueue' a "
                      f"parallel region costs ~50 us instead of ~2 us).  For TBB, run mfkit's parallel code "
                      f"first", RuntimeWarning, stacklevel=2)
    return layer


def _start() -> str:
    """Load TBB, request the layer and start numba's threads (see :func:`start_threading_layer`)."""
    chosen = str(numba.config.THREADING_LAYER).lower()
    if chosen not in ("omp", "workqueue"):
        try:
            load_tbb()
        except OSError as exc:
            warnings.warn(f"mfkit could not load the TBB runtime {TBB_PATH} ({exc}); numba falls back to "
                          f"another threading layer (with 'workqueue' a parallel region costs ~50 us instead "
                          f"of ~2 us)", RuntimeWarning, stacklevel=2)
    priority = numba.config.THREADING_LAYER_PRIORITY
    if chosen == "default" and tuple(priority) == NUMBA_PRIORITY:
        numba.config.THREADING_LAYER_PRIORITY = list(MFKIT_PRIORITY)
    try:
        numba.get_num_threads()  # starts numba's threads
    finally:
        numba.config.THREADING_LAYER_PRIORITY = priority
    return numba.threading_layer()


@contextmanager
def numba_threads(k: int, parallel: bool = True) -> Iterator[str]:
    """For the ``with`` block: numba's thread count set to ``k`` (at most
    ``numba.config.NUMBA_NUM_THREADS``, the size of its pool), restored afterwards; yields the
    threading layer the block's parallel kernels run on (:func:`start_threading_layer`).

    ``parallel=False`` (a block that runs no parallel kernel): numba's threads are left alone,
    not even started, and the layer is :data:`SERIAL`.
    """
    if not parallel:
        yield SERIAL
        return
    layer = start_threading_layer()
    before = numba.get_num_threads()
    numba.set_num_threads(max(1, min(k, numba.config.NUMBA_NUM_THREADS)))
    try:
        yield layer
    finally:
        numba.set_num_threads(before)


class ThreadedKernel:
    """A function with ``prange`` loops compiled twice by numba: ``parallel``, on numba's threads,
    and ``serial`` (``prange`` is ``range``), which starts no thread pool and hands no work to
    another thread at every parallel region, which a busy machine would delay.

    ``run(n_parts, *args)`` runs ``parallel`` when the work is split into more than one part,
    after :func:`start_threading_layer` (so that every parallel launch of mfkit asks for its
    threading layer first), and ``serial`` otherwise.  The copies are named ``<name>_parallel``
    and ``<name>_serial``: numba's on-disk cache is per function name.
    """

    def __init__(self, impl, name: str, **options):
        self.parallel = njit(parallel=True, **options)(_renamed(impl, f"{name}_parallel"))
        self.serial = njit(**options)(_renamed(impl, f"{name}_serial"))

    def run(self, n_parts: int, *args):
        if n_parts > 1:
            start_threading_layer()
            return self.parallel(*args)
        return self.serial(*args)


def _renamed(func, name: str):
    """A copy of ``func`` named ``name``."""
    code = func.__code__.replace(co_name=name, co_qualname=name) if hasattr(func.__code__, "co_qualname") \
        else func.__code__.replace(co_name=name)
    copy = types.FunctionType(code, func.__globals__, name, func.__defaults__, func.__closure__)
    copy.__qualname__ = name
    copy.__doc__ = func.__doc__
    return copy
