"""The checks of the book's PDF (``tools/build_pdf.py``, run by ``make pdf`` and in CI) can fail.

``make pdf`` prints the built book with Chromium and refuses the PDF when a figure is missing, an
equation is left as raw TeX, a reference is unresolved or a link points nowhere.  These tests feed
those checks documents with exactly one such defect each, and read a PDF that Chromium prints from
a small page of known pages and images, so that the way the script counts pages and finds figures
in Chromium's PDF is tested against the real browser (not against a copy of its own logic).
The whole book is printed and checked by ``make pdf`` itself, not here (it needs the built book).
"""
from __future__ import annotations

import base64
import os
import shutil
import struct
import zlib

import pytest
from _helpers import load_tool

pytestmark = pytest.mark.rendering

build_pdf = load_tool("build_pdf")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _clean_state() -> dict:
    """A printed document with nothing wrong: two figures, typeset equations, resolved links."""
    return {"images": [{"src": "../_images/a.png", "loaded": True, "size": [40, 30]},
                       {"src": "../_images/b.png", "loaded": True, "size": [50, 20]}],
            "math_nodes": 2, "untypeset": [], "equations": 2, "tex_errors": 0,
            "unresolved_xrefs": [], "dangling": [], "page_links": [], "external_requests": [],
            "text": "The rate of eq. 27 (Brunel, 2000) is 32.03 Hz."}


def _pdf(pages: int, sizes: list[tuple[int, int]]) -> bytes:
    """Minimal PDF bytes in the layout of Chromium's writer (uncompressed object dictionaries)."""
    objects = [b"<</Type /Pages /Count %d>>" % pages]
    objects += [b"<</Type /Page\n/Parent 1 0 R>>"] * pages
    objects += [b"<</Type /XObject\n/Subtype /Image\n/Width %d\n/Height %d\n/Length 0>>" % s for s in sizes]
    return b"%PDF-1.4\n" + b"".join(b"%d 0 obj\n%s\nendobj\n" % (k + 1, o) for k, o in enumerate(objects))


FIGURES = ["../_images/a.png", "../_images/b.png"]
GOOD_PDF = _pdf(3, [(40, 30), (50, 20), (7, 7)])


def test_a_clean_document_passes():
    problems, numbers = build_pdf.check(_clean_state(), FIGURES, GOOD_PDF, n_pages_min=2)
    assert problems == []
    assert numbers["pdf_pages"] == 3 and numbers["figures_in_pdf"] == 2


@pytest.mark.parametrize("defect, expected", [
    ({"images": _clean_state()["images"][:1]}, "missing"),
    ({"images": [{"src": "../_images/a.png", "loaded": False, "size": [0, 0]},
                 _clean_state()["images"][1]]}, "did not load"),
    ({"equations": 0}, "typeset nothing"),
    ({"untypeset": ["\\mu"]}, "math not typeset"),
    ({"tex_errors": 1}, "TeX errors"),
    ({"text": "where $$\\mu = J$$ is the mean"}, "raw TeX"),
    ({"text": "the rate \\(\\nu\\) of"}, "raw TeX"),
    ({"text": "as shown in Fig. ?? above"}, "unresolved reference markers"),
    ({"text": "as argued in [?]"}, "unresolved reference markers"),
    ({"unresolved_xrefs": ["eq-27"]}, "unresolved references"),
    ({"dangling": ["siegert--eq-99"]}, "missing from the document"),
    ({"page_links": ["genindex.html"]}, "outside the book"),
    ({"external_requests": ["https://cdn.jsdelivr.net/npm/mathjax"]}, "offline"),
])
def test_each_defect_is_reported(defect, expected):
    problems, _ = build_pdf.check({**_clean_state(), **defect}, FIGURES, GOOD_PDF, n_pages_min=2)
    assert len(problems) == 1 and expected in problems[0], problems


@pytest.mark.parametrize("pdf, expected", [
    (_pdf(3, [(40, 30), (7, 7)]), "not embedded"),           # figure b absent from the PDF
    (_pdf(1, [(40, 30), (50, 20)]), "PDF pages"),            # fewer pages than the book has pages
    (_pdf(build_pdf.MAX_PAGES + 1, [(40, 30), (50, 20)]), "PDF pages"),
    (b"<html>not a pdf</html>", "not a PDF"),
    (b"", "not a PDF"),                                      # Chromium wrote nothing
])
def test_pdf_defects_are_reported(pdf, expected):
    problems, _ = build_pdf.check(_clean_state(), FIGURES, pdf, n_pages_min=2)
    assert len(problems) == 1 and expected in problems[0], problems


def test_toc_pages_follow_the_table_of_contents(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: book/intro\nparts:\n"
                   "  - caption: A\n    chapters:\n      - file: book/b\n      - file: book/a\n"
                   "  - caption: B\n    chapters:\n      - file: book/c\n")
    assert build_pdf.toc_pages(toc) == ["book/intro.html", "book/b.html", "book/a.html", "book/c.html"]


def test_article_figures_ignores_images_outside_the_article():
    html = ('<img src="logo.png"><article class="bd-article" role="main"><p>x</p>'
            '<img alt="f" src="../_images/f.png" /></article><img src="footer.png">')
    assert build_pdf.article_figures(html) == ["../_images/f.png"]
    with pytest.raises(ValueError, match="article"):
        build_pdf.article_figures("<div>no article</div>")


def _png(width: int, height: int) -> str:
    """A grey PNG of the given size as a data URI."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes([90, 140, 200]) * width for _ in range(height))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode()


def test_pdf_contents_reads_chromium_output(tmp_path):
    """Pages and figure sizes as Chromium writes them: three sheets, two figures of known size."""
    executable = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
    if executable is None:
        if IN_CI:
            pytest.fail("chromium not found (required under CI)")
        pytest.skip("chromium not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    html = (f'<p>one</p><img src="{_png(123, 45)}">'
            f'<p style="break-before: page">two</p><img src="{_png(67, 89)}" style="box-shadow: 0 0 8px #000">'
            '<p style="break-before: page">three</p>')
    out = tmp_path / "small.pdf"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=build_pdf.CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_content(html)
            page.pdf(path=str(out), format="A4", print_background=True, tagged=True, outline=True)
        finally:
            browser.close()
    pages, sizes = build_pdf.pdf_contents(out.read_bytes())
    assert pages == 3
    assert sizes[123, 45] >= 1 and sizes[67, 89] >= 1, sizes
