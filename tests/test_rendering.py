"""The built book as a reader sees it: every page opened in headless Chromium.

For every HTML page of ``_build/html`` (built by ``make test`` / ``make book`` before pytest runs):
the page loads with no failed request and no request leaving the book (it must work offline);
MathJax has typeset every equation and no raw TeX is left in the text; every image has loaded
(natural width > 0); no citation or cross-reference is unresolved; every internal link points to an
existing file and anchor. A full-page screenshot of each page goes to ``_build/screenshots``.

Browser: Debian's ``chromium`` (``.ci/run`` installs it when missing), driven by Playwright with
``executable_path`` (Playwright's own browser download is never used). Without chromium or
Playwright these tests are skipped, except under CI (``CI=true``), where that is an error.
"""
import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from _helpers import load_tool

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("MFKIT_BOOK_HTML", ROOT / "_build" / "html")).resolve()
SHOTS = HTML.parent / "screenshots"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

pytestmark = pytest.mark.rendering

# Files that are not book pages (Sphinx machinery, downloads, assets).
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads", "_sphinx_design_static"}

# Text that must not survive rendering: display-math delimiters, \( \) and common TeX commands
# outside MathJax output. (mjx-container nodes are removed before the text is read.)
# one definition of the raw-TeX pattern and of Chromium's flags, shared with the PDF check
_build_pdf = load_tool("build_pdf")
RAW_TEX, CHROMIUM_ARGS = _build_pdf.RAW_TEX, _build_pdf.CHROMIUM_ARGS


REDIRECT = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)"', re.I)


def _all_html():
    if not HTML.is_dir():
        return []
    return sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
                  if not (set(p.relative_to(HTML).parts[:-1]) & SKIP_DIRS))


def _is_redirect(rel):
    head = (HTML / rel).read_text(errors="replace")[:2000]
    return REDIRECT.search(head) is not None and "<body" not in head.lower()


def _pages():
    return [rel for rel in _all_html() if not _is_redirect(rel)]


def test_redirect_pages_point_to_existing_pages():
    """index.html (and any other redirect stub) must lead to a built page."""
    redirects = [rel for rel in _all_html() if _is_redirect(rel)]
    if not _all_html():
        _skip_or_fail(f"no built book in {HTML}: run `make book` first")
    assert "index.html" in _all_html(), "no _build/html/index.html"
    for rel in redirects:
        target = REDIRECT.search((HTML / rel).read_text()).group(1)
        assert ((HTML / rel).parent / urldefrag(target)[0]).is_file(), f"{rel} redirects to missing {target}"


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _skip_or_fail(reason):
    if IN_CI:
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


PAGES = _pages()


@pytest.fixture(scope="module")
def browser():
    if not PAGES:
        _skip_or_fail(f"no built book in {HTML}: run `make book` first")
    executable = _chromium()
    if executable is None:
        _skip_or_fail("chromium not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ModuleNotFoundError:
        _skip_or_fail("playwright not installed (pip install -e '.[test]')")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def anchors():
    """Cache: page path -> set of element ids (filled as pages are visited)."""
    return {}


def _ids_of(browser, path, cache):
    if path not in cache:
        page = browser.new_page()
        try:
            page.goto(path.as_uri(), wait_until="load")
            cache[path] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        finally:
            page.close()
    return cache[path]


def _stored_figures(notebook):
    """Number of image outputs stored in a notebook (outputs of cells not removed from the page)."""
    import json
    nb = json.loads(notebook.read_text())
    count = 0
    for cell in nb.get("cells", []):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.get("cell_type") != "code" or tags & {"remove-output", "remove-cell"}:
            continue
        for out in cell.get("outputs", []):
            if any(k.startswith("image/") for k in out.get("data", {})):
                count += 1
    return count


def _wait_for_mathjax(page):
    """Wait until MathJax (if the page loads it) has typeset everything.

    Returns (page loads MathJax, error message or None)."""
    has_mathjax = page.evaluate("() => !!document.querySelector('script[src*=\"mathjax\"]')")
    if not has_mathjax:
        return False, None
    try:
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                               timeout=20_000)
        page.evaluate("() => MathJax.startup.promise.then(() => true)")
    except Exception as exc:  # playwright TimeoutError / evaluation error
        return True, f"MathJax did not start or finish typesetting: {type(exc).__name__}"
    return True, None


@pytest.mark.parametrize("rel", PAGES or ["<no built book>"])
def test_page_renders(browser, anchors, rel):
    path = HTML / rel
    failed, external, console_errors = [], [], []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("request", lambda r: external.append(r.url)
            if urlparse(r.url).scheme not in ("file", "data", "blob", "about") else None)
    page.on("response", lambda r: failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    pending = set()
    page.on("request", lambda r: pending.add(r.url))
    page.on("requestfinished", lambda r: pending.discard(r.url))
    page.on("requestfailed", lambda r: pending.discard(r.url))
    try:
        page.goto(path.as_uri(), wait_until="load", timeout=60_000)
        has_mathjax, mathjax_error = _wait_for_mathjax(page)
        page.evaluate("() => document.fonts.ready.then(() => true)")
        for _ in range(100):  # let late requests (fonts, images) finish; at most 10 s
            if not pending:
                break
            page.wait_for_timeout(100)

        shot = SHOTS / (rel.replace("/", "__").removesuffix(".html") + ".png")
        page.screenshot(path=str(shot), full_page=True)

        problems = [mathjax_error] if mathjax_error else []
        if failed:
            problems.append(f"failed requests: {failed}")
        if pending:
            problems.append(f"requests still pending after 10 s: {sorted(pending)}")
        if external:
            problems.append(f"requests leaving the book (must work offline): {external}")

        # MathJax: every math node typeset, no TeX errors, no raw TeX left in the visible text.
        math = page.evaluate("""() => {
            const nodes = [...document.querySelectorAll('.math, span.math, div.math')];
            const untypeset = nodes.filter(n => !n.querySelector('mjx-container'))
                                   .map(n => n.textContent.trim().slice(0, 80));
            const body = document.querySelector('main') || document.body;
            const clone = body.cloneNode(true);
            clone.querySelectorAll('mjx-container, script, style, pre, code, .highlight, textarea')
                 .forEach(e => e.remove());
            return {nodes: nodes.length,
                    containers: document.querySelectorAll('mjx-container').length,
                    errors: document.querySelectorAll('mjx-merror').length,
                    untypeset: untypeset,
                    text: clone.innerText};
        }""")
        if math["nodes"] and not has_mathjax:
            problems.append(f"{math['nodes']} math nodes but MathJax is not loaded")
        if math["untypeset"]:
            problems.append(f"math not typeset by MathJax: {math['untypeset'][:5]}")
        if math["errors"]:
            problems.append(f"{math['errors']} MathJax TeX errors (mjx-merror)")
        raw = sorted(set(RAW_TEX.findall(math["text"])))
        if raw:
            problems.append(f"raw TeX left in the text: {raw}")

        # Images: every <img> loaded.
        broken = page.evaluate("""() => [...document.images]
            .filter(i => !(i.complete && i.naturalWidth > 0))
            .map(i => i.getAttribute('src'))""")
        if broken:
            problems.append(f"images that did not load: {broken}")

        # Notebook pages show every figure stored in the notebook (a forced non-inline matplotlib
        # backend, for instance, silently drops them from the executed pages).
        source = ROOT / Path(rel).with_suffix(".ipynb")
        if source.is_file():
            stored = _stored_figures(source)
            shown = page.evaluate("() => document.querySelectorAll('.cell_output img').length")
            if shown < stored:
                problems.append(f"{shown} figures on the page but {stored} stored in {source.name}")

        # Unresolved cross-references and citations.
        unresolved = page.evaluate("""() => {
            const out = [];
            document.querySelectorAll('span.xref, code.xref').forEach(e => {
                if (!e.closest('a')) out.push(e.textContent.trim());
            });
            return out;
        }""")
        if unresolved:
            problems.append(f"unresolved references: {unresolved}")
        if re.search(r"\[\?\]|\?\?|\[[A-Za-z]+\d{4}\?\]", math["text"]):
            problems.append("unresolved citation marker ('??' or '[?]') in the text")

        # Internal links: target file exists and, if given, its anchor too.
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for href in sorted(set(hrefs)):
            url, fragment = urldefrag(href)
            parsed = urlparse(url)
            if parsed.scheme != "file":
                continue
            target = Path(unquote(parsed.path))
            if not target.exists():
                problems.append(f"broken link: {href}")
                continue
            if target.is_dir():
                target = target / "index.html"
            if fragment and target.suffix == ".html":
                ids = _ids_of(browser, target, anchors) if target != path else set(
                    page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
                if unquote(fragment) not in ids:
                    problems.append(f"link to a missing anchor: {href}")

        assert not problems, f"{rel} (screenshot {shot}):\n  " + "\n  ".join(problems)
    finally:
        page.close()


CHAPTERS = [rel for rel in PAGES
            if rel.startswith("book/") and rel not in ("book/notation.html", "book/references.html")]


@pytest.mark.parametrize("rel", CHAPTERS or ["<no built book>"])
def test_chapter_offers_notation_link_and_downloads(rel):
    """Reader comforts (issue 5): every chapter links to the notation page and offers its source."""
    if not CHAPTERS:
        _skip_or_fail(f"no built book in {HTML}: run `make book` first")
    html = (HTML / rel).read_text(errors="replace")
    # The article body, not the sidebar navigation (which links every page anyway).
    assert '<article class="bd-article"' in html, f"{rel}: theme layout changed (no article element)"
    body = html.split('<article class="bd-article"', 1)[1].split("</article>", 1)[0]
    if not re.search(r'href="(\./)?notation\.html[#"]', body):
        pytest.fail(f"{rel}: no link to the notation page in its text (add {{doc}}`notation`)")
    if "_sources/" not in html:
        pytest.fail(f"{rel}: no source download button")


@pytest.mark.parametrize("rel", CHAPTERS or ["<no built book>"])
def test_tables_render_as_tables(rel):
    """A Markdown table that a cell displays becomes an HTML table, not a paragraph of pipes."""
    if not CHAPTERS:
        _skip_or_fail(f"no built book in {HTML}: run `make book` first")
    html = (HTML / rel).read_text(errors="replace")
    as_text = re.findall(r"<p>\|[^<]{0,60}", html)
    assert not as_text, f"{rel}: Markdown tables shown as text: {as_text[:2]}"
    source = ROOT / Path(rel).with_suffix(".ipynb")
    if source.is_file():  # every displayed Markdown table is in the page
        n_md = sum(1 for cell in json.loads(source.read_text())["cells"] for out in cell.get("outputs", [])
                   if "|---|" in "".join(out.get("data", {}).get("text/markdown", "")))
        assert html.count("<table") >= n_md, f"{rel}: {n_md} Markdown tables, {html.count('<table')} HTML tables"


NOTEBOOK_CHAPTERS = [rel for rel in CHAPTERS if (ROOT / Path(rel).with_suffix(".ipynb")).is_file()]

_READER_ELEMENTS = """() => {
    const art = document.querySelector('article.bd-article') || document.body;
    // togglebutton collapses a solution's body to zero height (it stays display: block)
    const shown = e => e.getBoundingClientRect().height > 0 && getComputedStyle(e).visibility !== 'hidden';
    const body = s => [...s.children].filter(c => !c.classList.contains('admonition-title'));
    const solutions = [...art.querySelectorAll('.solution.dropdown')];
    return {
        unnumbered: [...art.querySelectorAll('figcaption')].filter(c => !c.querySelector('.caption-number'))
                                                           .map(c => c.innerText.slice(0, 60)),
        exercises: art.querySelectorAll('.exercise').length,
        solutions: solutions.map(s => s.id),
        open: solutions.filter(s => body(s).some(shown)).map(s => s.id),
        asserts: [...art.querySelectorAll('.cell_input')]
                     .filter(c => shown(c) && /^\\s*assert\\b/m.test(c.innerText)).length,
    };
}"""


@pytest.mark.parametrize("rel", NOTEBOOK_CHAPTERS or ["<no built book>"])
def test_reader_elements(browser, rel):
    """Issue 11, in a real browser: every figure caption numbered, every solution collapsed until its title is
    clicked and then shown, no check cell (``assert``) visible."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto((HTML / rel).as_uri(), wait_until="load", timeout=60_000)
        page.wait_for_function("() => document.querySelectorAll('.solution.dropdown .toggle-button').length"
                               " === document.querySelectorAll('.solution.dropdown').length", timeout=10_000)
        before = page.evaluate(_READER_ELEMENTS)
        assert not before["unnumbered"], f"{rel}: figure captions without a number: {before['unnumbered']}"
        assert before["exercises"] >= 2 and len(before["solutions"]) >= before["exercises"], before
        assert not before["open"], f"{rel}: solutions shown before they are asked for: {before['open']}"
        assert before["asserts"] == 0, f"{rel}: {before['asserts']} check cells visible"
        for sid in before["solutions"]:
            page.evaluate("id => document.getElementById(id).querySelector('.admonition-title').click()", sid)
        page.wait_for_timeout(300)
        after = page.evaluate(_READER_ELEMENTS)
        assert sorted(after["open"]) == sorted(before["solutions"]), f"{rel}: solutions that do not open: " \
            f"{sorted(set(before['solutions']) - set(after['open']))}"
    finally:
        page.close()
