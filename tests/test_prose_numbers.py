"""Every result quoted in the book's prose is computed: no typed numbers in Markdown.

Results in the text come from the code (myst-nb ``glue`` roles, or the output of the cell above).  This
test reads every Markdown cell and figure caption of ``book/*.ipynb`` and every ``book/*.md`` page and fails on a number with
four or more significant digits that is not inside a glue role (``{glue:text}`name:.2f```).  Two-
and three-digit numbers are allowed: they are the network's parameters (g = 5, eta = 2, 12,500 neurons,
20 ms) and equation numbers.  Years are allowed; so is any number in :data:`ALLOWED` (with the reason).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.policy

BOOK = Path(__file__).resolve().parents[1] / "book"

#: Numbers with >= 4 significant digits that are not results, with the reason they may be typed.
ALLOWED: dict[str, str] = {
    "1621": "page number (Brunel & Hakim 1999, Neural Comput. 11:1621-1671)",
    "1671": "page number (Brunel & Hakim 1999)",
    "2934": "page number (Lindner & Schimansky-Geier 2001, PRL 86:2934)",
    "2186": "page number (Brunel et al. 2001, PRL 86:2186)",
    "021919": "article number (Richardson 2007, PRE 76:021919)",
    "052119": "article number (Schuecker et al. 2015, PRE 92:052119)",
    "e1005179": "article number (Schuecker et al. 2017, PLOS Comput Biol)",
}

# Markup whose digits are not prose: glue roles and directives, citations and references,
# URLs, labels/targets and HTML attributes.
_SKIP = re.compile(
    r"\{glue(?::\w+)?\}`[^`]*`"           # {glue:text}`name:.3f`, {glue:}`name`
    r"|```\{glue(?::\w+)?\}[^\n]*"         # ```{glue:figure} name
    r"|\{(?:cite|numref|ref|doc|eq|download)(?::\w+)?\}`[^`]*`"
    r"|https?://\S+"
    r"|\(\w[\w-]*\)="                      # (label)=
    r"|:name:[^\n]*|:label:[^\n]*"
    r"|\b\w+=\"[^\"]*\""                   # HTML attributes
)
_NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w])")


def significant_digits(token: str) -> int:
    """Significant digits of a number as typed (thousands separators ignored; an integer's trailing
    zeros are not significant: 12,500 has three)."""
    mantissa = re.split(r"[eE]", token.replace(",", ""))[0]
    if "." in mantissa:
        digits = mantissa.replace(".", "").lstrip("0")
    else:
        digits = mantissa.lstrip("0").rstrip("0")
    return len(digits)


def is_allowed(token: str) -> bool:
    plain = token.replace(",", "")
    if plain in ALLOWED:
        return True
    return plain.isdigit() and 1900 <= int(plain) <= 2099  # a year


def typed_numbers(text: str) -> list[str]:
    """The numbers of >= 4 significant digits in Markdown ``text`` outside glue roles and markup."""
    text = _SKIP.sub(" ", text)
    return [t for t in _NUMBER.findall(text) if significant_digits(t) >= 4 and not is_allowed(t)]


def markdown_sources() -> list[tuple[str, str]]:
    """(where, text) of every Markdown cell, figure caption and page of the book."""
    out = []
    for path in sorted(BOOK.glob("*.ipynb")):
        for k, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "markdown":
                out.append((f"{path.name}, cell {k}", "".join(cell["source"])))
            caption = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("caption")
            if caption:
                out.append((f"{path.name}, cell {k} (figure caption)", caption))
    for path in sorted(BOOK.glob("*.md")):
        out.append((path.name, path.read_text(encoding="utf-8")))
    return out


@pytest.mark.parametrize("token, n", [("32.03", 4), ("12,500", 3), ("10,000", 1), ("0.00391", 3),
                                      ("1e-21", 1), ("1.5e-15", 2), ("133.7", 4), ("2000", 1),
                                      ("15.9006657", 9), ("0.5", 1)])
def test_significant_digits(token, n):
    assert significant_digits(token) == n


def test_scanner_finds_typed_results_and_skips_glue():
    text = ("The rate is 32.033 Hz ({glue:text}`rate:.7f`), mu = $23.98$ mV, see {cite:t}`Brunel2000` "
            "and [x](https://example.org/12345.html); 12,500 neurons in 2017, eq. 27.")
    assert typed_numbers(text) == ["32.033", "23.98"]


def _typed_by_page() -> dict[str, dict[str, list[str]]]:
    pages: dict[str, dict[str, list[str]]] = {}
    for where, text in markdown_sources():
        if nums := typed_numbers(text):
            pages.setdefault(where.split(",")[0], {})[where] = nums
    return pages


def test_no_typed_results_in_the_book():
    found = _typed_by_page()
    assert not found, ("numbers typed into the prose (glue them from the code, or add a real "
                       f"non-result to ALLOWED with its reason): {found}")
