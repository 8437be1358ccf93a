"""Helpers shared by the benchmark scripts: the machine record stored with every result
file, the summary of timed rounds and the writing of that file.

The scripts are run as ``python benchmarks/<name>.py``; Python puts their folder first on
``sys.path``, so ``from _common import ...`` finds this module.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import time
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


def seconds(times: list[float]) -> dict:
    """Median, min and max over the rounds (seconds)."""
    return dict(median_s=statistics.median(times), min_s=min(times), max_s=max(times))


def report(lines: list[str], result: dict, path: Path | None) -> dict:
    """Print ``lines``; write ``result`` to ``path`` as JSON if a path is given; return ``result``."""
    print("\n".join(lines))
    if path:
        write_json(path, result)
    return result


def summary(times: list[float], per: int) -> dict:
    """Median, min and max over the rounds of the time per point (microseconds)."""
    us = [t / per * 1e6 for t in times]
    return dict(median_us=statistics.median(us), min_us=min(us), max_us=max(us))


def interleaved_rounds(calls: dict, rounds: int) -> tuple[dict, list[float]]:
    """Time each of ``calls`` (name: function without arguments) once per round, interleaved, for
    ``rounds`` rounds; return the seconds per name and the 1-minute load average before every round
    and after the last."""
    times: dict = {name: [] for name in calls}
    loads = []
    for _ in range(rounds):
        loads.append(os.getloadavg()[0])
        for name, call in calls.items():
            t0 = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - t0)
    loads.append(os.getloadavg()[0])
    return times, loads


def rounds_parser(description: str, n: int, rounds: int = 5) -> argparse.ArgumentParser:
    """The command line of a timing benchmark: ``--n`` inputs, ``--rounds`` interleaved rounds
    (checked to be at least 3 by :func:`parse_rounds`) and ``--json PATH`` to write the results."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--n", type=int, default=n)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--json", type=Path, help="write the results to this file")
    return parser


def parse_rounds(parser: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parse ``argv``; an error unless ``--rounds`` is at least 3 (the result is a median)."""
    args = parser.parse_args(argv)
    if args.rounds < 3:
        parser.error("--rounds must be >= 3 (the result is a median)")
    return args
