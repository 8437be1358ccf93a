#!/usr/bin/env python3
"""Regenerate constraints.txt: the exact versions `make` installs.

For each interpreter given (default: python3.10 and python3), create a throw-away venv, run an
unconstrained `pip install -e ".[book,test,nest]"`, and `pip freeze` it (mfkit itself excluded). The
freezes are merged into one constraints file; pins that differ between interpreters get
`python_full_version` markers, so the same file serves Python 3.10 (the oldest supported; numpy,
scipy and IPython dropped 3.10 in their newest releases) and Python >= 3.11. Freeze with several
patch releases of one minor version when a dependency needs a newer patch release (soupsieve 4
requires Python >= 3.11.5, but Debian 12 ships 3.11.2).

Interpreter i's pins apply from its own version (from X.Y.0 for the first of a minor series)
up to the next interpreter's lower bound; the newest one's pins are open-ended.

Usage:  python3 .ci/pin_constraints.py [--python PY ...] [--from-freeze 3.10.13=FILE ...] [--keep DIR]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = """\
# Pinned versions the book was built and tested with (Linux x86_64). Used by the Makefile:
#   pip install -c constraints.txt -e ".[book,test]"   (CI: ".[book,test,nest]")
# Regenerate with `make constraints` (runs .ci/pin_constraints.py): pip freeze of clean venvs,
# one per Python version; pins that differ between versions carry python_full_version markers.
"""


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def freeze_with(python):
    with tempfile.TemporaryDirectory(prefix="mfkit-pin-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        py = str(venv / "bin" / "python")
        version = subprocess.run([py, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                                 check=True, capture_output=True, text=True).stdout.strip()
        subprocess.run([py, "-m", "pip", "install", "--quiet", "-e", ".[book,test,nest]"], check=True, cwd=ROOT)
        out = subprocess.run([py, "-m", "pip", "freeze", "--exclude-editable"],
                             check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return version, out


def parse_freeze(text):
    pins = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-e")) or "==" not in line:
            continue
        name, version = line.split("==", 1)
        if canonical(name) in ("mfkit", "pip", "setuptools", "wheel"):
            continue
        pins[canonical(name)] = (name, version)
    return pins


def _vtuple(v):
    return tuple(int(x) for x in v.split("."))


def _lower_bounds(versions):
    """Lower bound of each interpreter's range: X.Y.0 for the first of its minor series."""
    bounds = []
    for i, v in enumerate(versions):
        major_minor = _vtuple(v)[:2]
        if i == 0:
            bounds.append(None)
        elif _vtuple(versions[i - 1])[:2] != major_minor:
            bounds.append("%d.%d.0" % major_minor)
        else:
            bounds.append(v)
    return bounds


def merge(freezes):
    """freezes: {"3.10.13": {canon: (name, version)}, "3.11.7": {...}} -> constraint lines."""
    versions = sorted(freezes, key=_vtuple)
    lower = _lower_bounds(versions)
    names = sorted(set().union(*freezes.values()))
    lines = []
    for canon in names:
        per = [(v, freezes[v].get(canon)) for v in versions]
        present = [p for _, p in per if p is not None]
        if len(present) == len(versions) and len({p[1] for p in present}) == 1:
            lines.append(f"{present[0][0]}=={present[0][1]}")
            continue
        i = 0
        while i < len(per):
            p = per[i][1]
            j = i + 1  # runs of consecutive interpreters with the same pin share one range
            while j < len(per) and per[j][1] is not None and p is not None and per[j][1][1] == p[1]:
                j += 1
            if p is not None:
                lo = f'python_full_version >= "{lower[i]}"' if lower[i] else None
                hi = f'python_full_version < "{lower[j]}"' if j < len(versions) else None
                marker = " and ".join(m for m in (lo, hi) if m)
                lines.append(f"{p[0]}=={p[1]} ; {marker}" if marker else f"{p[0]}=={p[1]}")
            i = j
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", action="append", help="interpreter to freeze with (repeatable)")
    ap.add_argument("--from-freeze", action="append", default=[], metavar="VER=FILE",
                    help="use an existing `pip freeze` output for Python VER instead of installing")
    ap.add_argument("--keep", metavar="DIR", help="also save each freeze as DIR/freeze-VERSION.txt")
    ap.add_argument("-o", "--output", default=str(ROOT / "constraints.txt"))
    args = ap.parse_args()

    freezes = {}
    for item in args.from_freeze:
        ver, path = item.split("=", 1)
        freezes[ver] = parse_freeze(Path(path).read_text())
    pythons = args.python if args.python is not None else ([] if freezes else ["python3.10", "python3"])
    for python in pythons:
        print(f"freezing with {python} ...", file=sys.stderr)
        ver, text = freeze_with(python)
        if ver in freezes:
            print(f"  Python {ver} already frozen; skipped", file=sys.stderr)
            continue
        freezes[ver] = parse_freeze(text)
        if args.keep:
            Path(args.keep).mkdir(parents=True, exist_ok=True)
            (Path(args.keep) / f"freeze-{ver}.txt").write_text(text)
    if not freezes:
        sys.exit("nothing to pin")
    body = "\n".join(merge(freezes)) + "\n"
    tag = "# Python versions frozen: " + ", ".join(sorted(freezes)) + "\n"
    Path(args.output).write_text(HEADER + tag + body)
    print(f"wrote {args.output} ({body.count(os.linesep)} pins)", file=sys.stderr)


if __name__ == "__main__":
    main()
