"""Helpers shared by the benchmark scripts: the machine record stored with every result
file, the summary of timed rounds and the writing of that file.

The scripts are run as ``python benchmarks/<name>.py``; Python puts their folder first on
``sys.path``, so ``from _common import ...`` finds this module.
"""
from __future__ import annotations

import importlib
import json
import os
import platform
import statistics
from pathlib import Path


def cpu_model() -> str:
    """The first ``model name`` of /proc/cpuinfo, or ``"unknown"``."""
    try:
        return next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name"))
    except (OSError, StopIteration):
        return "unknown"


def machine(*packages: str, load_average: bool = True, **extra) -> dict:
    """CPU model, core count, platform, Python, the ``__version__`` of each of ``packages``
    (imported by name), then ``extra`` as given and, with ``load_average``, the 1-minute load
    average: the machine the timings were taken on, in that key order."""
    info = dict(cpu=cpu_model(), cores=os.cpu_count(), platform=platform.platform(),
                python=platform.python_version())
    for name in packages:
        info[name] = importlib.import_module(name).__version__
    info.update(extra)
    if load_average:
        info["load_average_1min"] = os.getloadavg()[0]
    return info


def write_json(path, data, indent: int = 2, **dumps_kwargs) -> Path:
    """Write ``data`` as JSON (plus a final newline) to ``path``, creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=indent, **dumps_kwargs) + "\n")
    return path


def summary(times: list[float], per: int) -> dict:
    """Median, min and max over the rounds of the time per point (microseconds)."""
    us = [t / per * 1e6 for t in times]
    return dict(median_us=statistics.median(us), min_us=min(us), max_us=max(us))
