"""Helpers shared by the scripts that record the book's long computations (``tools/record_*.py``).

The records are JSON files under ``book/data/`` that a chapter loads instead of recomputing; each
stores the mfkit version and commit that wrote it (:func:`version`), with its numbers made
JSON-ready at a fixed number of significant digits (:func:`plain`) and written so that a
regenerated record diffs line by line (:func:`dumps`).
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import subprocess
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def version() -> dict:
    """mfkit's version and the commit of this tree (``-dirty`` with uncommitted changes)."""
    import mfkit

    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""
    commit = git("rev-parse", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no", "--", "mfkit", "tools"):
        commit += "-dirty"
    return {"version": mfkit.__version__, "commit": commit}


def provenance(start: float) -> dict:
    """The ``mfkit`` version (:func:`version`), the UTC date and the run time since ``start``
    (a :func:`time.perf_counter` reading) that close a record."""
    return {"mfkit": version(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "run_time_s": time.perf_counter() - start}


def plain(x, digits: int = 10):
    """JSON-ready: numpy to Python, floats to ``digits`` significant digits, NaN to None."""
    if isinstance(x, dict):
        return {str(k): plain(v, digits) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [plain(v, digits) for v in (x.tolist() if isinstance(x, np.ndarray) else x)]
    if isinstance(x, (bool, np.bool_)) or x is None:
        return None if x is None else bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(f"{x:.{digits}g}") if math.isfinite(x) else None
    return str(x)


def dumps(x, indent: int = 0) -> str:
    """JSON text: one key, list item or matrix row per line; every list of scalars on one line."""
    pad = " " * (indent + 1)
    if isinstance(x, dict):
        items = [f"{pad}{json.dumps(k)}: {dumps(v, indent + 1)}" for k, v in x.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}" if items else "{}"
    if isinstance(x, list) and any(isinstance(v, (dict, list)) for v in x):  # one item (or row) per line
        return "[\n" + ",\n".join(pad + dumps(v, indent + 1) for v in x) + "\n" + " " * indent + "]"
    return json.dumps(x, allow_nan=False)


def write_record(record, default_output: Path, description: str, argv=None, digits: int = 10) -> None:
    """The command line of a record script: run ``record(progress)``, write it (:func:`plain`,
    :func:`dumps`) to the file given as the only argument or ``default_output``, print the size."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("output", nargs="?", type=Path, default=default_output,
                        help=f"JSON file to write (default: {default_output})")
    args = parser.parse_args(argv)
    data = plain(record(progress=lambda msg: print(msg, flush=True)), digits)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dumps(data) + "\n")
    print(f"wrote {args.output} ({args.output.stat().st_size / 1024:.0f} KiB, {data['run_time_s']:.0f} s)")
