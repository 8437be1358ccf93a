"""The book as a reader meets it: what each chapter teaches, its figures, and what stays out of the way.

Checked on the notebook sources (the rendered pages are checked in tests/test_rendering.py):

* each chapter opens with what the reader will learn (an admonition titled "What you will learn"), ends with
  a "Summary" section and offers at least two exercises (sphinx-exercise), each with a solution;
* every figure has a name and a caption (so it is numbered) and is referred to from the text;
* check cells (``assert``) are removed from the page, and visible code cells are short: long plotting code
  lives in :mod:`mfkit.plotting` or is hidden behind a toggle;
* the introduction links every page of the table of contents;
* the chapters come in the order of the issue that set it (single neuron, network, pseudo-time, spiking twin,
  dynamics, synaptic filtering, other networks, reference), and no chapter refers to a figure, exercise or
  labelled target of a later one (it may point ahead to a later chapter, but uses only what came before).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.policy

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("*.ipynb"))
HIDDEN = {"remove-cell", "remove-input", "hide-input", "hide-cell"}
MAX_VISIBLE_LINES = 15


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def problems(path: Path) -> list[str]:
    """Everything that keeps the chapter at ``path`` from the reader's standard above."""
    cs = cells(path)
    markdown = "\n".join(source(c) for c in cs if c["cell_type"] == "markdown")
    out = []
    first = next(source(c) for c in cs if c["cell_type"] == "markdown")
    if "What you will learn" not in first:
        out.append("the first Markdown cell has no 'What you will learn' admonition")
    if not re.search(r"^## Summary", markdown, re.M):
        out.append("no '## Summary' section")
    n_ex = len(re.findall(r"^[`:]{3,}\{exercise\}", markdown, re.M))
    n_sol = len(re.findall(r"^[`:]{3,}\{solution(?:-start)?\}", markdown, re.M))
    if n_ex < 2 or n_sol < n_ex:
        out.append(f"{n_ex} exercises with {n_sol} solutions (need >= 2, each with a solution)")
    names = []
    for k, c in enumerate(cs):
        if c["cell_type"] != "code":
            continue
        hidden = bool(tags(c) & HIDDEN)
        if re.search(r"^\s*assert\b", source(c), re.M) and "remove-cell" not in tags(c) \
                and "remove-input" not in tags(c):
            out.append(f"cell {k}: check cell visible (tag it remove-cell)")
        if not hidden and len(source(c).splitlines()) > MAX_VISIBLE_LINES:
            out.append(f"cell {k}: {len(source(c).splitlines())} visible lines (move plotting to mfkit.plotting "
                       "or tag hide-input)")
        has_image = any("image/png" in o.get("data", {}) for o in c.get("outputs", []))
        glued = any("scrapbook" in o.get("metadata", {}) for o in c.get("outputs", []))
        fig = c.get("metadata", {}).get("mystnb", {}).get("figure", {})
        if has_image and not glued:
            if not (fig.get("name") and fig.get("caption")):
                out.append(f"cell {k}: figure without name and caption (not numbered)")
            else:
                names.append(fig["name"])
    names += re.findall(r"\{glue:figure\}[^\n]*\n(?:\s*:[^\n]*\n)*?\s*:name:\s*\"?([\w-]+)", markdown)
    for name in names:
        if f"{{numref}}`{name}`" not in markdown and not re.search(rf"\{{numref\}}`[^`]*<{name}>`", markdown):
            out.append(f"figure {name} is not referred to from the text")
    return out


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_structure(path):
    assert problems(path) == []


def test_intro_links_every_page():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    pages = [Path(f).name for f in re.findall(r"file:\s*(\S+)", toc)]
    intro = (BOOK / "intro.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\{doc\}`(?:[^`<]*<)?([\w./-]+?)>?`", intro))
    assert not set(pages) - {Path(p).name for p in linked}, f"intro.md does not link {set(pages) - linked}"


THEORY_PARTS = ("Mean-field theory", "Network dynamics")


def theory_chapters() -> list[Path]:
    """The notebooks of the table of contents' theory parts, "Mean-field theory" and "Network dynamics"."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    out = []
    for caption in THEORY_PARTS:
        part = re.search(rf"- caption: {caption}\n(.*?)(?=\n  - caption:|\Z)", toc, re.S)
        assert part, f"_toc.yml has no part {caption!r}"
        out += [ROOT / f"{f}.ipynb" for f in re.findall(r"file:\s*(\S+)", part.group(1))]
    return out


def pen_and_paper_problems(path: Path) -> list[str]:
    """Why the chapter at ``path`` has no complete pen-and-paper exercise: one whose statement starts "With pen
    and paper", whose solution derives the result (a displayed equation) and checks it with a code cell and a
    hidden check cell (``assert``, tagged remove-cell)."""
    cs = cells(path)
    labels = [re.search(r":label:\s*(\S+)", source(c)).group(1) for c in cs if c["cell_type"] == "markdown"
              and re.search(r"^[`:]{3,}\{exercise\}[^\n]*\n(?::[^\n]*\n)*\s*With pen and paper", source(c), re.M)]
    if not labels:
        return ["no exercise whose statement starts 'With pen and paper'"]
    out = []
    for label in labels:
        start = next((k for k, c in enumerate(cs) if re.search(rf"\{{solution-start\}}\s*{label}\b", source(c))), None)
        if start is None:
            out.append(f"{label}: no solution")
            continue
        end = next(k for k in range(start, len(cs)) if "{solution-end}" in source(cs[k]))
        solution = cs[start:end + 1]
        if not any("$$" in source(c) for c in solution if c["cell_type"] == "markdown"):
            out.append(f"{label}: the solution derives nothing (no displayed equation)")
        if not any(c["cell_type"] == "code" and not tags(c) & HIDDEN for c in solution):
            out.append(f"{label}: no visible code cell that checks the result")
        if not any(c["cell_type"] == "code" and "remove-cell" in tags(c) and re.search(r"^\s*assert\b", source(c), re.M)
                   for c in solution):
            out.append(f"{label}: no hidden check cell (assert, remove-cell)")
    return out


@pytest.mark.parametrize("path", theory_chapters(), ids=lambda p: p.name)
def test_theory_chapter_has_pen_and_paper_exercise(path):
    assert pen_and_paper_problems(path) == []


def test_theory_chapters_are_numbered():
    """Exercises and figures are numbered per chapter ("Exercise 2.1"): Sphinx prefixes them with the chapter
    number only in a numbered part of the table of contents."""
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    for caption in THEORY_PARTS:
        assert re.search(rf"- caption: {caption}\n\s+numbered:\s*(?:true|[1-9])", toc), caption
    assert len(theory_chapters()) == 6


READING_ORDER = ["siegert", "network", "pseudo_time", "spiking", "linear_response", "spectra", "phase_diagram",
                 "synaptic_filtering", "beyond_diffusion", "microcircuit", "theory_accuracy", "accuracy_speed", "notation", "glossary", "references"]


def toc_pages() -> list[str]:
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    return [Path(f).name for f in re.findall(r"file:\s*(\S+)", toc)]


def test_reading_order():
    assert toc_pages() == READING_ORDER


def _labels_and_references(name: str) -> tuple[set[str], set[str]]:
    """The targets a page defines (figure names, exercise labels, ``(label)=``) and those it refers to."""
    path = BOOK / f"{name}.ipynb"
    if path.is_file():
        cs = cells(path)
        text = "\n".join(source(c) for c in cs if c["cell_type"] == "markdown")
        figures = {c["metadata"]["mystnb"]["figure"]["name"] for c in cs
                   if "figure" in c.get("metadata", {}).get("mystnb", {})}
        captions = "\n".join(c["metadata"]["mystnb"]["figure"].get("caption", "") for c in cs
                              if "figure" in c.get("metadata", {}).get("mystnb", {}))
    else:
        text, figures, captions = (BOOK / f"{name}.md").read_text(encoding="utf-8"), set(), ""
    defined = figures | set(re.findall(r":label:\s*(\S+)", text)) | set(re.findall(r"^\((\S+)\)=\s*$", text, re.M))
    refs = set(re.findall(r"\{(?:numref|ref)\}`(?:[^`<]*<)?([^`<>]+)>?`", text + "\n" + captions))
    return defined, refs


def test_no_chapter_uses_a_later_one():
    pages = toc_pages()[:toc_pages().index("microcircuit") + 1]  # the reference part may be used anywhere
    defined = {name: _labels_and_references(name)[0] for name in pages}
    owner = {label: name for name, labels in defined.items() for label in labels}
    late = []
    for k, name in enumerate(pages):
        for ref in _labels_and_references(name)[1]:
            if ref in owner and pages.index(owner[ref]) > k:
                late.append(f"{name} refers to {ref} of the later page {owner[ref]}")
    assert late == []
