"""One notation across the book: the notation page is the authority, and no chapter uses a deprecated spelling.

``book/notation.md`` lists, under its heading "Deprecated spellings", a Markdown table whose rows are
``| deprecated | use instead | quantity |``. A cell written as math (``$V_r$``) is a *math spelling*; a cell
written as a code span (```V_r```) is a *plain name*. How they are searched, so that neither glue keys nor
code can trigger a false alarm and neither braces nor display math can hide a real one:

* Only the prose is read: every Markdown cell of ``book/*.ipynb`` (code cells are code and keep their own
  names, e.g. a variable ``V_r``), every ``book/*.md`` page, and ``notation.md`` outside its deprecated table.
* Removed first: fenced code blocks, roles with their content (``{glue:text}`wrong_V_r:.0f```,
  ``{doc}`...```, ``{cite:t}`...```), code spans (```p["V_r"]```, ```mfkit.siegert(..., t_ref=2)```),
  URLs and directive options.
* Math spellings are searched inside ``$...$`` and ``$$...$$`` only, after one normalisation on both sides:
  braces around a single character or a single command after ``_`` or ``^`` are dropped (``V_{r}`` ->
  ``V_r``, ``y_{\\theta}`` -> ``y_\\theta``), as are braces around a ``\\mathrm{...}``/``\\text{...}`` group
  (``\\tau_{\\mathrm{ref}}`` -> ``\\tau_\\mathrm{ref}``), and ``\\text``/``\\rm`` are read as ``\\mathrm``.
  A match must not continue a longer name: not preceded by a letter or a backslash, and (when the spelling ends
  in a letter or digit) not followed by one, so ``$V_r$`` is found but ``$y_r$`` and ``$V_\\mathrm{reset}$``
  are not.
* Plain names are searched in the remaining prose (math removed) as whole words.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.policy

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTATION = BOOK / "notation.md"
HEADING = "## Deprecated spellings"

_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)
_ROLE = re.compile(r"\{[\w:+-]+\}`[^`]*`")
_CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
_URL = re.compile(r"https?://\S+")
_OPTION = re.compile(r"^[ \t]*:[\w-]+:.*$", re.M)
# inline math may run over a line break, not over a blank line
_MATH = re.compile(r"\$\$(.+?)\$\$|\$((?:[^$\n]|\n(?![ \t]*\n))+?)\$", re.S)


def deprecated_table(text: str) -> list[tuple[str, str, str]]:
    """Rows ``(kind, deprecated, replacement)`` of the deprecated-spellings table; kind is "math" or "name"."""
    section = text.split(HEADING, 1)[1]
    section = re.split(r"^#{1,2} ", section, maxsplit=1, flags=re.M)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) < 2 or set(cells[0]) <= set("-: "):
            continue
        m_math = [re.fullmatch(r"\$([^$]+)\$", c) for c in cells[:2]]
        m_name = [re.fullmatch(r"`([^`]+)`", c) for c in cells[:2]]
        if all(m_math):
            rows.append(("math", m_math[0].group(1), m_math[1].group(1)))
        elif all(m_name):
            rows.append(("name", m_name[0].group(1), m_name[1].group(1)))
    return rows


def normalise_math(tex: str) -> str:
    """The math normalisation of the module docstring."""
    tex = re.sub(r"\\(?:text|textrm|rm)\b\s*", r"\\mathrm", tex)
    tex = re.sub(r"([_^])\{\s*(\\mathrm\{[^{}]*\})\s*\}", r"\1\2", tex)
    tex = re.sub(r"([_^])\{\s*(\\[A-Za-z]+|[A-Za-z0-9])\s*\}", r"\1\2", tex)
    return tex


def prose(text: str) -> str:
    """``text`` without code blocks, roles, code spans, URLs and directive options."""
    for pattern in (_FENCE, _ROLE, _CODE, _URL, _OPTION):
        text = pattern.sub(" ", text)
    return text


def deprecated_in(text: str, table: list[tuple[str, str, str]]) -> list[str]:
    """The deprecated spellings of ``table`` that occur in the Markdown ``text``."""
    clean = prose(text)
    maths = [normalise_math(a or b) for a, b in _MATH.findall(clean)]
    words = _MATH.sub(" ", clean)
    found = []
    for kind, old, _ in table:
        if kind == "math":
            token = normalise_math(old)
            tail = r"(?![A-Za-z0-9])" if re.search(r"[A-Za-z0-9]$", token) else ""
            pattern = re.compile(r"(?<![A-Za-z\\])" + re.escape(token) + tail)
            if any(pattern.search(m) for m in maths):
                found.append(f"${old}$")
        elif re.search(r"(?<![\w\\])" + re.escape(old) + r"(?!\w)", words):
            found.append(f"`{old}`")
    return found


def pages() -> list[tuple[str, str]]:
    """``(name, Markdown)`` of every page: the Markdown cells of each notebook, each ``.md`` page."""
    out = []
    for path in sorted(BOOK.glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for k, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "markdown":
                out.append((f"{path.name} cell {k}", "".join(cell["source"])))
    for path in sorted(BOOK.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if path == NOTATION:
            head, rest = text.split(HEADING, 1)
            text = head + re.split(r"^#{1,2} ", rest, maxsplit=1, flags=re.M)[1]
        out.append((path.name, text))
    return out


TABLE = deprecated_table(NOTATION.read_text(encoding="utf-8"))
PAGES = pages()


def test_the_table_is_read():
    kinds = {kind for kind, _, _ in TABLE}
    olds = {old for _, old, _ in TABLE}
    assert kinds == {"math", "name"}
    # the spellings the referees found drifting between pages (issue 20, item 3)
    assert {r"\tau_\mathrm{ref}", r"y_\theta", "V_r", "tau_ref", "y_theta"} <= olds


def test_replacements_are_the_notation_pages_symbols():
    """Every 'use instead' spelling is itself in the notation page's symbol tables (or in the code column)."""
    text = NOTATION.read_text(encoding="utf-8").split(HEADING, 1)[0]
    for kind, old, new in TABLE:
        assert (f"${new}$" if kind == "math" else f"`{new}`") in text, f"{new} (for {old}) is not a listed symbol"
        assert not deprecated_in(f"${new}$" if kind == "math" else new, TABLE), f"{new} is itself deprecated"


@pytest.mark.parametrize("text, expected", [
    (r"is reset to $V_r$ and", ["$V_r$"]),
    (r"$$\frac{1}{\nu} = \tau_{\mathrm{ref}} + T(V_{r})$$", [r"$\tau_\mathrm{ref}$", "$V_r$"]),
    (r"the bound $e^{-y_{\theta}^2}$", [r"$y_\theta$"]),
    (r"$\tau_\text{ref}$", [r"$\tau_\mathrm{ref}$"]),
    (r"set tau_ref to 2 ms", ["`tau_ref`"]),
    (r"$V_\mathrm{reset}$, $y_r$, $y_\mathrm{th}$, $t_\mathrm{ref}$, $\theta - V$", []),
    (r"at {glue:text}`wrong_V_r:.0f` mV, `p[\"V_r\"]`, `siegert(..., t_ref=2)`", []),
    ("```python\nV_r = 10.0\ntau_ref = 2\n```\n", []),
    (r"$V_{rest}$ and $\mathrm{V_r}$", ["$V_r$"]),
    ("the time $\\tau_m \\ln(\\mu - V_r) \\approx\n\\tau_m (\\theta - V_r)/\\mu$, so", ["$V_r$"]),
    ("costs $5 and\n\nV_r is prose $x$", ["`V_r`"]),
])
def test_detection_on_synthetic_text(text, expected):
    assert deprecated_in(text, TABLE) == expected


def test_inserting_a_deprecated_spelling_is_caught():
    name, text = next((n, t) for n, t in PAGES if n.startswith("siegert.ipynb"))
    assert deprecated_in(text, TABLE) == []
    assert deprecated_in(text + "\nreset to $V_r$ and refractory for $\\tau_\\mathrm{ref}$.\n", TABLE) == [
        r"$\tau_\mathrm{ref}$", "$V_r$"]


@pytest.mark.parametrize("name, text", PAGES, ids=[name for name, _ in PAGES])
def test_no_deprecated_spelling(name, text):
    assert deprecated_in(text, TABLE) == [], f"{name}: deprecated spelling (see book/notation.md)"
