"""Print the built HTML book to one PDF and check it: ``make pdf`` -> ``_build/pdf/mfkit-book.pdf``.

Offline, with what the project already uses for its browser check (``tests/test_rendering.py``):
Debian's ``chromium`` driven by Playwright through ``executable_path`` (never ``playwright install``).
Sphinx's ``singlehtml`` builder cannot write myst-nb's hidden code cells, so the pages of
``_build/html`` (``make book-stored``) are joined in the browser instead, in the order of
``_toc.yml``: the first page is opened, the article of every page is put into it, each starting on
a new sheet, with its ids prefixed by the page's name (``siegert--eq-27``) and its links to other
pages of the book turned into links inside the document, so cross-references stay clickable in the
PDF.  MathJax (bundled, offline) then typesets the whole document once and Chromium prints it (A4,
the book's title in the header, page numbers in the footer), after a contents page that links
every page of the book.  Solutions of exercises are shown
(a PDF cannot be clicked); the code that the web pages fold away (``hide-input`` cells) is left out,
their outputs stay.

Checks (the script exits 1 and lists every problem if one fails):

* in the printed document: every figure of every page (each ``<img>`` in the pages' articles,
  counted in the HTML files) is present and loaded; MathJax typeset every equation, with no TeX
  error and no raw TeX (``$$``, ``\\(``, ``\\frac``...) left in the text; no unresolved
  cross-reference or citation (a Sphinx ``xref`` without a link, ``??``, ``[?]``); every link
  inside the book points to an id of the document;
* in the PDF file: it exists, its page count is between one page per page of the book and
  :data:`MAX_PAGES`, and every figure is embedded in it: Chromium keeps a figure's pixels, so for
  each figure there is an image of the figure's pixel size (:func:`pdf_contents`).

Usage::

    python tools/build_pdf.py [--html _build/html] [--out _build/pdf/mfkit-book.pdf]

A summary (pages, size, figures, equations, seconds) is printed and written next to the PDF as JSON.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MAX_PAGES = 400
TITLE = "mfkit: mean-field theory of the balanced LIF network"

# Raw TeX that must not survive typesetting (the same patterns as tests/test_rendering.py).
RAW_TEX = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\(?:frac|mathrm|sigma|mu|nu|int|sum|tau|theta)\b")
UNRESOLVED = re.compile(r"\[\?\]|\?\?")
ARTICLE = re.compile(r'<article class="bd-article"[^>]*>(.*?)</article>', re.S)
IMG = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"")
# Page objects of the PDF (not the /Pages tree nodes) and image XObjects.  Chromium's PDF writer
# (Skia) stores object dictionaries uncompressed, so the bytes can be searched directly.
PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
PDF_IMAGE = re.compile(rb"<<[^>]*?/Subtype\s*/Image\b[^>]*?>>")
PDF_SIZE = re.compile(rb"/(Width|Height)\s+(\d+)")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--allow-file-access-from-files"]


def toc_pages(toc: Path) -> list[str]:
    """The book's pages in reading order, as paths of ``_build/html`` (``book/intro.html``, ...)."""
    spec = yaml.safe_load(toc.read_text())
    files = [spec["root"]]
    for part in spec.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    files += [chapter["file"] for chapter in spec.get("chapters", [])]
    return [f"{name}.html" for name in files]


def article_figures(html: str) -> list[str]:
    """Sources of the images inside a built page's article (the page's figures)."""
    match = ARTICLE.search(html)
    if match is None:
        raise ValueError("no <article class=\"bd-article\"> in the page: theme layout changed")
    return IMG.findall(match.group(1))


def pdf_contents(data: bytes) -> tuple[int, Counter]:
    """Pages of a PDF written by Chromium and the pixel sizes ``(width, height)`` of its images.

    Chromium embeds a figure with its own pixels, so each figure has an image of its size; other
    images (e.g. rasterised shadows) only add to the counter."""
    if not data.startswith(b"%PDF-"):
        raise ValueError("not a PDF file (no %PDF- header)")
    sizes = Counter()
    for image in PDF_IMAGE.findall(data):
        size = dict(PDF_SIZE.findall(image))
        sizes[int(size[b"Width"]), int(size[b"Height"])] += 1
    return len(PDF_PAGE.findall(data)), sizes


# Run in the first page: replace its article by the articles of every page (given as HTML text),
# prefix ids with the page's name and point links between pages to ids of the document.
_ASSEMBLE = r"""async ([pages, title]) => {
    const main = document.querySelector('article.bd-article');
    const slug = rel => rel.split('/').pop().replace(/\.html$/, '');
    const book = new Set(pages.map(p => slug(p.rel)));
    const holder = document.createElement('div');
    holder.id = 'pdf-book';
    for (const p of pages) {
        const doc = new DOMParser().parseFromString(p.html, 'text/html');
        const art = doc.querySelector('article.bd-article');
        const name = slug(p.rel);
        art.querySelectorAll('[id]').forEach(e => { e.id = name + '--' + e.id; });
        art.querySelectorAll('a[href]').forEach(a => {
            const href = a.getAttribute('href');
            const m = href.match(/^(?:\.\/)?([A-Za-z0-9_-]+)\.html(?:#(.*))?$/);
            if (href.startsWith('#')) a.setAttribute('href', '#' + name + '--' + href.slice(1));
            else if (m && book.has(m[1])) a.setAttribute('href', m[2] ? '#' + m[1] + '--' + m[2] : '#page-' + m[1]);
        });
        // Solutions: shown in print (togglebutton is not run on this content, so they stay open).
        art.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
        // Code that the web page folds away ("Show code cell source"): left out, it cannot be unfolded on paper.
        art.querySelectorAll('details.hide.above-input').forEach(e => e.remove());
        const section = document.createElement('section');
        section.className = 'pdf-page';
        section.id = 'page-' + name;
        section.append(...art.childNodes);
        holder.append(section);
    }
    // A contents page after the first page: every later page's title, linked.
    const contents = document.createElement('section');
    contents.className = 'pdf-page';
    contents.id = 'pdf-contents';
    contents.innerHTML = '<h1>Contents</h1><ol></ol>';
    [...holder.children].slice(1).forEach(sec => {
        const li = document.createElement('li');
        const a = document.createElement('a');
        a.href = '#' + sec.id;
        a.textContent = sec.querySelector('h1').textContent.replace(/#$/, '');
        li.append(a);
        contents.querySelector('ol').append(li);
    });
    holder.children[0].after(contents);
    main.replaceChildren(holder);
    document.title = title;
    const style = document.createElement('style');
    style.textContent = `
        @page { size: A4; }
        .pdf-page + .pdf-page { break-before: page; }
        .bd-header, .bd-header-article, .header-article, .bd-sidebar-primary, .bd-sidebar-secondary,
        .bd-footer, .bd-footer-article, .prev-next-area, .bd-footer-content, .primary-toggle,
        .secondary-toggle, #pst-back-to-top, .headerlink, .toggle-button,
        #jb-print-docs-body { display: none !important; }
        .bd-main .bd-content .bd-article h1:first-of-type { display: block !important; }
        #pdf-contents li { font-size: 1.2em; margin: 0.4em 0; }
        * { box-shadow: none !important; }
        .bd-main, .bd-content, .bd-article-container, .bd-page-width { max-width: none !important; }
        figure, img, tr, .math, .cell_input { break-inside: avoid; }
        h1, h2, h3 { break-after: avoid; }
        img { max-width: 100% !important; height: auto; }
        pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
        pre, table { font-size: 80% !important; }
        .cell_output, .output, div.highlight, .pst-scrollable-table-container, .table-wrapper {
            overflow: visible !important; max-height: none !important; }
        table { width: 100% !important; max-width: 100% !important; }`;
    document.head.append(style);
    MathJax.typesetClear();
    await MathJax.typesetPromise();
    await document.fonts.ready;
    await Promise.all([...document.images].map(i => i.complete ? null :
        new Promise(r => { i.onload = i.onerror = r; })));
    return true;
}"""

_INSPECT = r"""() => {
    const book = document.getElementById('pdf-book');
    const clone = book.cloneNode(true);
    clone.querySelectorAll('mjx-container, script, style, pre, code, .highlight, textarea')
         .forEach(e => e.remove());
    const ids = new Set([...document.querySelectorAll('[id]')].map(e => e.id));
    return {
        images: [...book.querySelectorAll('img')].map(i => ({src: i.getAttribute('src'),
            loaded: i.complete && i.naturalWidth > 0, size: [i.naturalWidth, i.naturalHeight]})),
        math_nodes: book.querySelectorAll('.math').length,
        untypeset: [...book.querySelectorAll('.math')].filter(n => !n.querySelector('mjx-container'))
                       .map(n => n.textContent.trim().slice(0, 80)),
        equations: book.querySelectorAll('mjx-container').length,
        tex_errors: book.querySelectorAll('mjx-merror').length,
        unresolved_xrefs: [...book.querySelectorAll('span.xref, code.xref')].filter(e => !e.closest('a'))
                              .map(e => e.textContent.trim()),
        dangling: [...book.querySelectorAll('a[href^="#"]')].map(a => a.getAttribute('href').slice(1))
                      .filter(id => id && !ids.has(decodeURIComponent(id))),
        page_links: [...book.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
                        .filter(h => /^(\.\/)?[A-Za-z0-9_-]+\.html(#|$)/.test(h)),
        text: clone.innerText,
    };
}"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("chromium not found (apt-get install chromium)")


def print_book(html_dir: Path, pages: list[str], out: Path) -> dict:
    """Join ``pages`` of ``html_dir`` in Chromium, print them to ``out``; the document's state."""
    from playwright.sync_api import sync_playwright

    texts = [{"rel": rel, "html": (html_dir / rel).read_text(errors="replace")} for rel in pages]
    external: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            page.on("request", lambda r: external.append(r.url)
                    if not r.url.startswith(("file:", "data:", "blob:", "about:")) else None)
            page.goto((html_dir / pages[0]).as_uri(), wait_until="load", timeout=60_000)
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                   timeout=30_000)
            page.evaluate("() => MathJax.startup.promise.then(() => true)")
            page.emulate_media(media="print")
            page.evaluate(_ASSEMBLE, [texts, TITLE])
            state = page.evaluate(_INSPECT)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(out), format="A4", print_background=True, outline=True, tagged=True, scale=0.85,
                     margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                     display_header_footer=True,
                     header_template=f'<div style="font-size:8px;width:100%;text-align:center;color:#666">'
                                     f'{TITLE}</div>',
                     footer_template='<div style="font-size:8px;width:100%;text-align:center;color:#666">'
                                     '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
        finally:
            browser.close()
    state["external_requests"] = external
    return state


def check(state: dict, figures: list[str], pdf: bytes, n_pages_min: int) -> tuple[list[str], dict]:
    """Problems of the printed document and its PDF (empty if none), and the numbers measured."""
    problems = []
    shown = [i["src"] for i in state["images"]]
    if sorted(shown) != sorted(figures):
        missing = sorted(set(figures) - set(shown))
        problems.append(f"{len(shown)} images in the document, {len(figures)} figures in the pages; "
                        f"missing: {missing[:5]}")
    broken = [i["src"] for i in state["images"] if not i["loaded"]]
    if broken:
        problems.append(f"images that did not load: {broken[:5]}")
    if state["math_nodes"] and not state["equations"]:
        problems.append("MathJax typeset nothing")
    if state["untypeset"]:
        problems.append(f"math not typeset: {state['untypeset'][:5]}")
    if state["tex_errors"]:
        problems.append(f"{state['tex_errors']} MathJax TeX errors")
    raw = sorted(set(RAW_TEX.findall(state["text"])))
    if raw:
        problems.append(f"raw TeX left in the text: {raw}")
    if state["unresolved_xrefs"]:
        problems.append(f"unresolved references: {state['unresolved_xrefs'][:5]}")
    marks = sorted({state["text"][max(m.start() - 30, 0):m.end() + 30]
                    for m in UNRESOLVED.finditer(state["text"])})
    if marks:
        problems.append(f"unresolved reference markers ('??' or '[?]'): {marks[:5]}")
    if state["dangling"]:
        problems.append(f"links to ids missing from the document: {sorted(set(state['dangling']))[:5]}")
    if state["page_links"]:
        problems.append(f"links to pages outside the book's table of contents: {state['page_links'][:5]}")
    if state["external_requests"]:
        problems.append(f"requests leaving the book (must work offline): {state['external_requests'][:5]}")
    try:
        n_pages, pdf_sizes = pdf_contents(pdf)
    except ValueError as exc:
        return problems + [str(exc)], {}
    if not n_pages_min <= n_pages <= MAX_PAGES:
        problems.append(f"{n_pages} PDF pages, expected {n_pages_min}..{MAX_PAGES}")
    loaded = {i["src"]: i["size"] for i in state["images"] if i["loaded"]}  # others reported above
    figure_sizes = Counter(tuple(size) for size in loaded.values())
    absent = figure_sizes - pdf_sizes
    if absent:
        problems.append(f"figures not embedded in the PDF (pixel sizes, count): {sorted(absent.items())[:5]}")
    return problems, {"pdf_pages": n_pages, "figures": len(figures),
                      "figures_in_pdf": sum((figure_sizes & pdf_sizes).values()),
                      "equations": state["equations"], "bytes": len(pdf)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "pdf" / "mfkit-book.pdf")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    html_dir = args.html.resolve()
    pages = toc_pages(ROOT / "_toc.yml")
    absent = [rel for rel in pages if not (html_dir / rel).is_file()]
    if absent:
        raise SystemExit(f"pages of _toc.yml not built in {html_dir}: {absent} (run `make book-stored`)")
    figures = [src for rel in pages for src in article_figures((html_dir / rel).read_text(errors="replace"))]
    if args.out.exists():
        args.out.unlink()
    state = print_book(html_dir, pages, args.out)
    pdf = args.out.read_bytes() if args.out.is_file() else b""
    problems, numbers = check(state, figures, pdf, n_pages_min=len(pages))
    numbers["seconds"] = round(time.perf_counter() - start, 1)
    args.out.with_suffix(".json").write_text(json.dumps({"pdf": str(args.out), **numbers,
                                                         "problems": problems}, indent=1) + "\n")
    print(f"{args.out}: " + ", ".join(f"{k} {v}" for k, v in numbers.items()))
    for problem in problems:
        print(f"PDF check: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
