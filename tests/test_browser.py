"""The web book and the learner's JupyterLab as people use them, in a real browser.

Debian's chromium (installed by scripts/system-deps.sh, never downloaded) is driven by
Playwright against the built site served on localhost:

- every page loads without console errors, and no internal link, anchor or image is
  broken (all pages reachable from the landing page are crawled);
- maths is typeset by MathJax (no raw TeX left) and figures are shown on every chapter
  page;
- an exercise page's download button gives the release notebook, which nbgrader accepts;
- the site's search finds "LSTM" and "遗忘门";
- every figure on a chapter page sits in a numbered, captioned figure with an alt text
  that describes it, and the diagrams a reader expects are there (issue 19);
- no page overflows sideways at phone or desktop width: nothing sticks out of the text
  column, every box that scrolls sideways shows a visible cue, and at desktop width no
  display equation needs scrolling (wide ones are broken across lines); screenshots at
  desktop and phone widths go to _build/screenshots/ for review;
- `make lab` (scripts/lab.sh) opens JupyterLab 4 where the Validate button runs
  nbgrader's validation of an exercise notebook.

Set RNN_COURSE_SITE=/path/to/_build/html to test an existing build instead of building.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, serve

import sys

sys.path.insert(0, str(REPO / "book" / "_ext"))
from course_site import alt_text_problem  # noqa: E402  (the build's own rule)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("book")]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CHAPTER_PAGE = re.compile(r"^book/ch\d\d_[^/]+\.html$")
# How many chapter pages the book has: one per book/chNN_*.md, so a new chapter counts.
N_CHAPTERS = len(list((REPO / "book").glob("ch[0-9][0-9]_*.md")))
EXERCISE_PAGE = re.compile(r"^exercises/(ch\d\d)/\1\.html$")
ZH_CHAPTER_PAGE = re.compile(r"^zh/book/ch\d\d_[^/]+\.html$")   # the Chinese edition
CJK = re.compile(r"[\u4e00-\u9fff]")
# TeX that MathJax should have replaced: \( \) \[ \] $$ \begin{..} and common macros.
RAW_TEX = re.compile(r"\\[()\[\]]|\$\$|\\begin\{|\\(frac|mathbb|sum|partial|hat)\b")

# Runs in the page once MathJax (if the page loads it) has finished typesetting.
PAGE_FACTS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const article = document.querySelector('.bd-article') || document.body;
  const prose = article.cloneNode(true);
  prose.querySelectorAll('pre, code, script, style, mjx-container, .MathJax')
       .forEach(e => e.remove());
  return {
    links: Array.from(document.querySelectorAll('a[href]'), a => a.href),
    ids: Array.from(document.querySelectorAll('[id], a[name]'), e => e.id || e.name),
    images: Array.from(document.images, i => ({
      src: i.currentSrc || i.src, lazy: i.loading === 'lazy',
      ok: i.complete && i.naturalWidth > 0})),
    figures: Array.from(article.querySelectorAll('img'), i => {
      const figure = i.closest('figure');
      const caption = figure && figure.querySelector('figcaption');
      const number = caption && caption.querySelector('.caption-number');
      return {src: i.currentSrc || i.src, alt: i.getAttribute('alt'),
              id: figure ? figure.id : null,
              number: number ? number.textContent.trim() : null,
              caption: caption ? caption.textContent.trim() : null};
    }),
    figureLinks: Array.from(article.querySelectorAll('a[href*="#fig-"]'),
                            a => a.getAttribute('href').split('#')[1]),
    width: [document.documentElement.scrollWidth, window.innerWidth],
    math: article.querySelectorAll('mjx-container').length,
    mathErrors: article.querySelectorAll('mjx-merror, [data-mjx-error]').length,
    proseText: prose.textContent,
  };
}"""


@pytest.fixture(scope="module")
def site_dir(request) -> Path:
    override = os.environ.get("RNN_COURSE_SITE")
    if override:
        return Path(override).resolve()
    return request.getfixturevalue("built_book")


@pytest.fixture(scope="module")
def source_root(site_dir) -> Path:
    """The course folder the site was built from (the repository, unless overridden)."""
    return site_dir.parent.parent


@pytest.fixture(scope="module")
def screenshots(site_dir) -> Path:
    out = site_dir.parent / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def site(site_dir, request):
    """The built site served over HTTP on localhost; yields its base URL."""
    if not os.environ.get("RNN_COURSE_SITE"):
        yield request.getfixturevalue("served_book")
        return
    url, server = serve(site_dir)
    yield url
    server.shutdown()
    server.server_close()


def _http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


class Crawl:
    """What a visit to every internal page found: errors, links, anchors, images, maths."""

    def __init__(self, base: str):
        self.base = base
        self.pages: dict[str, dict] = {}        # relative path -> PAGE_FACTS result
        self.console: dict[str, list[str]] = {}  # relative path -> console/page errors
        self.bad_responses: dict[str, list[str]] = {}
        self.links: list[tuple[str, str]] = []   # (source page, absolute target)

    def rel(self, url: str) -> str:
        return urllib.parse.urlsplit(url).path.lstrip("/")


@pytest.fixture(scope="module")
def crawl(site, browser) -> Crawl:
    """Visit every page reachable from the landing page, at phone width."""
    result = Crawl(site)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    current = {"rel": ""}

    def on_console(msg):
        if msg.type == "error":
            location = msg.location.get("url", "") if msg.location else ""
            result.console.setdefault(current["rel"], []).append(f"{msg.text} {location}")

    page.on("console", on_console)
    page.on("pageerror", lambda err: result.console.setdefault(current["rel"], [])
            .append(f"uncaught: {err}"))
    page.on("response", lambda r: r.status >= 400 and result.bad_responses.setdefault(
        current["rel"], []).append(f"{r.status} {r.url}"))
    page.on("requestfailed", lambda r: result.bad_responses.setdefault(
        current["rel"], []).append(f"failed ({r.failure}) {r.url}"))

    # The site's root redirects to the landing page.
    page.goto(site + "index.html")
    page.wait_for_url(re.compile(r"book/intro\.html"), timeout=15000)
    queue, seen = [site + "book/intro.html"], set()
    while queue:
        url = queue.pop(0)
        rel = result.rel(url)
        if rel in seen:
            continue
        seen.add(rel)
        current["rel"] = rel
        page.goto(url, wait_until="load")
        facts = page.evaluate(PAGE_FACTS)
        result.pages[rel] = facts
        for target in facts["links"]:
            if not target.startswith(site):
                continue
            result.links.append((rel, target))
            path = urllib.parse.urlsplit(target).path
            if path.endswith(".html") and result.rel(target) not in seen:
                queue.append(target.split("#")[0].split("?")[0])
    context.close()
    return result


def test_every_page_loads_without_console_errors(crawl):
    assert len(crawl.pages) >= 8, f"crawl reached only {sorted(crawl.pages)}"
    problems = {page: errs for page, errs in crawl.console.items() if errs}
    problems.update({page: errs for page, errs in crawl.bad_responses.items() if errs})
    assert not problems, "console errors or failed requests:\n" + json.dumps(
        problems, indent=1, ensure_ascii=False)


def test_every_toc_page_is_reachable(crawl, source_root):
    toc = (source_root / "_toc.yml").read_text(encoding="utf-8")
    files = re.findall(r"^\s*(?:root|- file):\s*(\S+)", toc, flags=re.M)
    missing = [f for f in files if f + ".html" not in crawl.pages]
    assert not missing, f"pages in _toc.yml not reachable by links from the landing page: {missing}"


def test_no_broken_internal_links_anchors_or_images(crawl):
    broken = []
    statuses: dict[str, int] = {}
    for source, target in crawl.links:
        path = urllib.parse.urlsplit(target).path.lstrip("/")
        fragment = urllib.parse.urlsplit(target).fragment
        if path in crawl.pages:
            if fragment and urllib.parse.unquote(fragment) not in crawl.pages[path]["ids"]:
                broken.append(f"{source}: anchor #{fragment} missing in {path}")
            continue
        url = target.split("#")[0]
        if url not in statuses:
            statuses[url] = _http_status(url)
        if statuses[url] != 200:
            broken.append(f"{source}: {url} -> HTTP {statuses[url]}")
    for source, facts in crawl.pages.items():
        for image in facts["images"]:
            status = statuses.setdefault(image["src"], _http_status(image["src"]))
            if status != 200 or not (image["ok"] or image["lazy"]):
                broken.append(f"{source}: image {image['src']} (HTTP {status}) not shown")
    assert not broken, "\n".join(sorted(set(broken)))


def test_maths_is_typeset_everywhere(crawl):
    for rel, facts in crawl.pages.items():
        if not rel.startswith(("book/", "zh/book/")):
            continue
        raw = RAW_TEX.search(facts["proseText"])
        assert raw is None, (f"{rel}: raw TeX left on the page near "
                             f"{facts['proseText'][max(0, raw.start() - 60):raw.end() + 60]!r}")
        assert facts["mathErrors"] == 0, f"{rel}: MathJax reported {facts['mathErrors']} errors"


def test_chapter_pages_show_typeset_maths_and_figures(crawl):
    chapters = [rel for rel in crawl.pages if CHAPTER_PAGE.match(rel)]
    assert chapters, "no chapter page (book/chNN_*.html) reached"
    for rel in chapters:
        facts = crawl.pages[rel]
        assert facts["math"] >= 5, f"{rel}: only {facts['math']} typeset formulas"
        figures = [i for i in facts["images"] if "/_images/" in i["src"]]
        assert len(figures) >= 2, f"{rel}: fewer than two figures on the page"
        assert all(i["ok"] or i["lazy"] for i in figures), f"{rel}: a figure did not load"
    assert crawl.pages["book/notation.html"]["math"] >= 50


def test_download_button_gives_a_notebook_nbgrader_accepts(site, browser, crawl, tmp_path,
                                                           source_root):
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator

    exercises = sorted(rel for rel in crawl.pages if EXERCISE_PAGE.match(rel))
    assert exercises, "no exercise page reached"
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    downloads = []
    context.on("page", lambda p: p.on("download", lambda d: downloads.append(d)))
    page.on("download", lambda d: downloads.append(d))
    for rel in exercises:
        chapter = EXERCISE_PAGE.match(rel).group(1)
        downloads.clear()
        page.goto(site + rel)
        page.click(".dropdown-download-buttons button.dropdown-toggle")
        page.click("a.btn-download-source-button")
        deadline = time.time() + 15
        while not downloads and time.time() < deadline:
            page.wait_for_timeout(100)
        assert downloads, f"{rel}: the download button gave no file"
        assert downloads[0].suggested_filename == f"{chapter}.ipynb"
        saved = tmp_path / chapter / f"{chapter}.ipynb"
        saved.parent.mkdir()
        downloads[0].save_as(saved)
        release = source_root / "exercises" / chapter / f"{chapter}.ipynb"
        assert saved.read_bytes() == release.read_bytes(), (
            f"{rel}: the download differs from exercises/{chapter}/{chapter}.ipynb")
        nb = nbformat.read(saved, as_version=4)
        MetadataValidator().validate_nb(nb)  # raises on bad nbgrader metadata
        graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert graded, f"{rel}: the downloaded notebook has no graded cells"
    context.close()

    # nbgrader validates the first chapter's download, as the Validate button does: every
    # graded test cell fails on the untouched stubs, saying the part is not done yet.
    from nbgrader.validator import Validator
    from traitlets.config.loader import PyFileConfigLoader

    chapter = EXERCISE_PAGE.match(exercises[0]).group(1)
    notebook = tmp_path / chapter / f"{chapter}.ipynb"
    config = PyFileConfigLoader("nbgrader_config.py", str(REPO)).load_config()
    results = Validator(config=config).validate(str(notebook))
    assert set(results) == {"failed"}, f"unexpected validation result: {sorted(results)}"
    errors = {f["source"]: f["raw_error"] for f in results["failed"]}
    tests = [c.source.strip() for c in nbformat.read(notebook, as_version=4).cells
             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    assert tests
    for source in tests:
        assert source in errors, f"validate did not run this test cell:\n{source}"
        # a function: "... is not implemented yet"; a question: "... is not answered yet"
        assert re.search(r"is not (implemented|answered) yet", errors[source]), (
            errors[source][-2000:])


@pytest.mark.parametrize("query, must_find", [
    ("LSTM", ["book/glossary.html", "book/notation.html"]),
    ("遗忘门", ["book/glossary.html"]),
    # parts of longer terms (遗忘门, 中文分词), which an English index cannot find
    ("遗忘", ["book/glossary.html"]),
    ("分词", ["book/glossary.html"]),
    ("时间反向传播", ["book/glossary.html"]),
])
def test_search_finds(site, browser, query, must_find):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(site + "search.html?q=" + urllib.parse.quote(query))
    page.wait_for_function(
        "() => { const s = document.querySelector('#search-results p.search-summary');"
        " return s && /found|did not match/i.test(s.innerText); }", timeout=30000)
    hrefs = page.locator("#search-results ul.search li a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    page.close()
    found = {h.split("?")[0].split("#")[0] for h in hrefs}
    assert set(must_find) <= found, f"search for {query!r} found {sorted(found)}"


SCREENSHOT_PAGES = ["book/intro.html", "book/how_to_learn.html", "book/notation.html",
                    "book/glossary.html"]


def test_no_page_overflows_at_phone_width(crawl):
    overflowing = [f"{rel}: {facts['width'][0]}px wide in a {facts['width'][1]}px window"
                   for rel, facts in sorted(crawl.pages.items())
                   if facts["width"][0] > facts["width"][1] + 1]
    assert crawl.pages and all(f["width"][1] == PHONE["width"] for f in crawl.pages.values())
    assert not overflowing, "pages overflow sideways:\n" + "\n".join(overflowing)


# --- Figures: numbered captions, alt text, the diagrams of issue 19 ----------------------

# The diagrams a reader expects (issue 19), by page: each must be drawn, captioned and
# referenced from the prose.
EXPECTED_DIAGRAMS = {
    "book/ch01_rnn_basics.html": ["fig-ch01-concatenated", "fig-ch01-folded-unrolled"],
    "book/ch04_lstm.html": ["fig-ch04-lstm-step", "fig-ch04-variants"],
    "book/ch05_gru.html": ["fig-ch05-gru-reset"],
    "book/ch07_seq2seq.html": ["fig-ch07-attention-step"],
}
CAPTION_NUMBER = re.compile(r"^(Fig\. |图 ?)\d+$")   # English and Chinese editions


def figure_problems(rel: str, figures: list[dict]) -> list[str]:
    """What is wrong with the figures drawn at build time on one page."""
    problems = []
    drawn = [f for f in figures if "/_images/" in f["src"]]
    for f in drawn:
        name = f"{rel}: figure {f['id'] or f['src'].rsplit('/', 1)[-1]}"
        if not f["id"] or f["caption"] is None:
            problems.append(f"{name} is not in a captioned figure with a name")
            continue
        if not f["number"] or not CAPTION_NUMBER.match(f["number"]):
            problems.append(f"{name}: caption not numbered ({f['number']!r})")
        caption = f["caption"].removeprefix(f["number"] or "")
        words = caption.split() + CJK.findall(caption)[::2]   # two characters, one word
        if len(words) < 12:
            problems.append(f"{name}: caption too short to say what it shows: {f['caption']!r}")
        problem = alt_text_problem(f["alt"], f["src"])
        if problem:
            problems.append(f"{name} {problem}")
        elif f["alt"].strip() == f["caption"].removeprefix(f["number"] or "").strip():
            problems.append(f"{name}: the alt text repeats the caption instead of describing "
                            "the picture")
    alts = [f["alt"] for f in drawn if f["alt"]]
    duplicated = {a for a in alts if alts.count(a) > 1}
    problems += [f"{rel}: the same alt text for two figures: {a[:60]!r}..." for a in duplicated]
    return problems


def test_every_chapter_figure_has_a_numbered_caption_and_alt_text(crawl):
    chapters = [rel for rel in crawl.pages if CHAPTER_PAGE.match(rel)]
    assert len(chapters) == N_CHAPTERS, (
        f"expected the {N_CHAPTERS} chapter pages, reached {chapters}")
    problems, numbers = [], []
    for rel in sorted(chapters):
        figures = crawl.pages[rel]["figures"]
        assert [f for f in figures if "/_images/" in f["src"]], f"{rel}: no figure drawn"
        problems += figure_problems(rel, figures)
        numbers += [f["number"] for f in figures if f["number"]]
    assert not problems, "\n".join(problems)
    assert len(numbers) == len(set(numbers)), f"figure numbers repeat: {numbers}"


def test_figure_check_catches_hashed_alt_text_and_missing_captions():
    """The check above has teeth: today's failure (a hashed file name for alt text) and a
    figure without a caption are both reported."""
    src = "http://127.0.0.1/_images/0d84567.png"
    good = {"src": src, "id": "fig-x", "number": "Fig. 3",
            "caption": "Fig. 3 The norm of the gradient sent back through time for three "
                       "scales of the recurrent weights, on a log scale.",
            "alt": "Line chart with a logarithmic vertical axis and three lines that fall "
                   "at different rates over sixty steps."}
    assert figure_problems("page", [good]) == []
    hashed = {**good, "alt": "../_images/0d84567.png"}
    assert "file name" in " ".join(figure_problems("page", [hashed]))
    bare = {**good, "id": None, "caption": None, "number": None}
    assert "not in a captioned figure" in " ".join(figure_problems("page", [bare]))
    unnumbered = {**good, "number": None, "caption": good["caption"][7:]}
    assert "not numbered" in " ".join(figure_problems("page", [unnumbered]))
    copied = {**good, "alt": good["caption"].removeprefix("Fig. 3 ")}
    assert "repeats the caption" in " ".join(figure_problems("page", [copied]))


@pytest.mark.parametrize("rel", sorted(EXPECTED_DIAGRAMS))
def test_expected_diagrams_are_drawn_captioned_and_referenced(crawl, rel):
    assert rel in crawl.pages, f"{rel} not reached"
    facts = crawl.pages[rel]
    by_id = {f["id"]: f for f in facts["figures"] if f["id"]}
    for name in EXPECTED_DIAGRAMS[rel]:
        assert name in by_id, f"{rel}: diagram {name} missing (figures: {sorted(by_id)})"
        figure = by_id[name]
        assert "/_images/" in figure["src"], f"{rel}: {name} is not drawn at build time"
        image = next(i for i in facts["images"] if i["src"] == figure["src"])
        assert image["ok"] or image["lazy"], f"{rel}: {name} did not load"
        assert figure["number"] and figure["caption"], f"{rel}: {name} has no numbered caption"
        assert name in facts["figureLinks"], f"{rel}: the text never refers to {name}"


# --- Sideways overflow at desktop and phone width -------------------------------------

# Runs in the page once MathJax has typeset and scroll_cue.js has marked the boxes that
# scroll. "Sticks out": an element wider than the text column that no scrolling box
# contains. "Scrolls": a box whose content is wider than the box.
OVERFLOW_FACTS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const article = document.querySelector('.bd-article');
  const right = article.getBoundingClientRect().right;
  const clipped = e => {
    for (let p = e.parentElement; p && p !== article; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const kind = e => e.matches('div.math, mjx-container[display="true"]') ? 'display maths'
    : e.closest('.cell_output') ? 'code output' : e.matches('pre') ? 'code'
    : e.matches('.pst-scrollable-table-container') ? 'table' : e.tagName.toLowerCase();
  const text = e => (e.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 70);
  const scrolls = [], sticksOut = [], cutOff = [];
  for (const e of article.querySelectorAll('*')) {
    if (e.closest('mjx-assistive-mml')) continue;
    if (e.parentElement && e.parentElement.closest('mjx-container')) continue;
    const style = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    if (r.width === 0 || style.display === 'none') continue;
    const scrollable = style.overflowX === 'auto' || style.overflowX === 'scroll';
    if (scrollable && e.scrollWidth > e.clientWidth + 1) {
      scrolls.push({kind: kind(e), text: text(e), content: e.scrollWidth, box: e.clientWidth,
                    marked: e.classList.contains('scrolls-x'),
                    shadow: style.boxShadow !== 'none'});
    } else if (!scrollable && style.overflowX !== 'visible' && !e.matches('span.math')
               && e.scrollWidth > e.clientWidth + 20) {
      // hidden with no way to scroll to it (inline maths clips its glyphs' overhang by
      // a few pixels by design, and is left out)
      cutOff.push({kind: kind(e), text: text(e), by: e.scrollWidth - e.clientWidth});
    }
    if (r.right > right + 1 && !clipped(e)) {
      sticksOut.push({kind: kind(e), text: text(e), by: Math.round(r.right - right)});
    }
  }
  return {page: [document.documentElement.scrollWidth, window.innerWidth],
          scrolls, sticksOut, cutOff};
}"""


def overflow_problems(rel: str, facts: dict, desktop: bool) -> list[str]:
    """What overflows sideways on one page at one width."""
    problems = []
    page_width, window = facts["page"]
    if page_width > window + 1:
        problems.append(f"{rel}: the page is {page_width}px wide in a {window}px window")
    problems += [f"{rel}: {o['kind']} sticks out of the column by {o['by']}px: {o['text']!r}"
                 for o in facts["sticksOut"]]
    problems += [f"{rel}: {o['kind']} is cut off by {o['by']}px, with no way to scroll to the "
                 f"rest: {o['text']!r}" for o in facts["cutOff"]]
    for box in facts["scrolls"]:
        where = f"{rel}: {box['kind']} ({box['content']}px in {box['box']}px): {box['text']!r}"
        if not (box["marked"] and box["shadow"]):
            problems.append(f"{where} scrolls sideways without a visible cue")
        if desktop and box["kind"] == "display maths":
            problems.append(f"{where} is wider than the column at desktop width: break it "
                            "across lines")
    return problems


@pytest.fixture(scope="module")
def layouts(site, browser, crawl) -> dict:
    """OVERFLOW_FACTS of every chapter page and the wide reference pages, at desktop and
    phone width: {(width, rel): facts}."""
    pages = sorted(rel for rel in crawl.pages if CHAPTER_PAGE.match(rel))
    pages += ["book/notation.html", "book/glossary.html"]
    found = {}
    for size in (DESKTOP, PHONE):
        context = browser.new_context(viewport=size)
        page = context.new_page()
        for rel in pages:
            page.goto(site + rel, wait_until="load")
            found[size["width"], rel] = page.evaluate(OVERFLOW_FACTS)
        context.close()
    return found


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_nothing_overflows_sideways(layouts, size):
    checked = [rel for (width, rel) in layouts if width == size["width"]]
    assert sum(bool(CHAPTER_PAGE.match(rel)) for rel in checked) == N_CHAPTERS, checked
    problems = []
    for rel in checked:
        problems += overflow_problems(rel, layouts[size["width"], rel],
                                      desktop=size is DESKTOP)
    assert not problems, "\n".join(problems)


WIDE_EQUATION = r"x_1 + x_2" + "".join(rf" + x_{{{i}}}" for i in range(3, 90))


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_overflow_check_catches_a_wide_equation(site, browser, size):
    """The overflow check has teeth: a chapter page with an unbroken 90-term display
    equation, a box that scrolls without its cue, and an element wider than the column
    are each reported."""
    context = browser.new_context(viewport=size)
    page = context.new_page()
    rel = "book/ch01_rnn_basics.html"
    page.goto(site + rel, wait_until="load")
    clean = page.evaluate(OVERFLOW_FACTS)
    page.evaluate("""async (tex) => {
      await MathJax.startup.promise;
      const p = document.querySelector('.bd-article section p');
      const maths = document.createElement('div');
      maths.className = 'math notranslate nohighlight';
      maths.textContent = '\\\\[' + tex + '\\\\]';
      p.after(maths);
      await MathJax.typesetPromise([maths]);
      window.dispatchEvent(new Event('load'));   // scroll_cue.js marks the new box
    }""", WIDE_EQUATION)
    with_equation = page.evaluate(OVERFLOW_FACTS)
    page.evaluate("""() => {
      const p = document.querySelector('.bd-article section p');
      const code = document.createElement('pre');
      code.textContent = 'x'.repeat(400);
      code.style.boxShadow = 'none';
      code.className = 'no-cue';
      p.after(code);
      const wide = document.createElement('div');
      wide.style.width = '3000px';
      wide.textContent = 'wide';
      p.after(wide);
    }""")
    broken = page.evaluate(OVERFLOW_FACTS)
    context.close()
    desktop = size is DESKTOP
    before = overflow_problems(rel, clean, desktop)
    equation = [p for p in overflow_problems(rel, with_equation, desktop) if p not in before]
    if desktop:
        assert any("display maths" in p and "break it across lines" in p for p in equation), (
            equation)
    else:  # on a phone a long equation may scroll, with its cue
        wide = [b for b in with_equation["scrolls"] if b["content"] > 3 * b["box"]]
        assert wide and all(b["marked"] and b["shadow"] for b in wide), with_equation["scrolls"]
    rest = [p for p in overflow_problems(rel, broken, desktop) if p not in before]
    assert any("code" in p and "without a visible cue" in p for p in rest), rest
    assert any("sticks out of the column" in p for p in rest), rest
    assert any("the page is" in p and "px wide" in p for p in rest), rest


def test_screenshots_at_desktop_and_phone_width(site, browser, crawl, screenshots):
    chapters = sorted(rel for rel in crawl.pages if CHAPTER_PAGE.match(rel))
    exercises = sorted(rel for rel in crawl.pages if EXERCISE_PAGE.match(rel))
    shots = SCREENSHOT_PAGES + chapters[:1] + exercises[:1]
    for size in (DESKTOP, PHONE):
        context = browser.new_context(viewport=size)
        page = context.new_page()
        for rel in shots:
            page.goto(site + rel, wait_until="load")
            page.evaluate(PAGE_FACTS)  # waits for MathJax
            name = rel.replace("/", "_").removesuffix(".html")
            page.screenshot(path=screenshots / f"{name}-{size['width']}.png")
            maths = page.locator(".bd-article mjx-container[display='true']")
            if CHAPTER_PAGE.match(rel) and maths.count():
                maths.first.scroll_into_view_if_needed()
                page.screenshot(path=screenshots / f"{name}-maths-{size['width']}.png")
        context.close()
    for rel in shots:
        name = rel.replace("/", "_").removesuffix(".html")
        for width in (DESKTOP["width"], PHONE["width"]):
            assert (screenshots / f"{name}-{width}.png").stat().st_size > 10_000


# --- The learner's JupyterLab (make lab) ---------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def learner_lab(tmp_path_factory, learner_venv):
    """JupyterLab started by scripts/lab.sh (what `make lab` runs) on a copy of ch01, in
    the learner's environment made from the exercise page's install line."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(REPO / "exercises" / "ch01", root / "ch01")
    (root / "solved").mkdir()
    # a learner's finished notebook: the release with the reference answers written in
    # (the solution notebook itself has hidden tests, which only the grader can run)
    import nbformat
    from course import fill_with_reference
    nb = fill_with_reference(
        nbformat.read(REPO / "exercises" / "ch01" / "ch01.ipynb", as_version=4), "ch01")
    nbformat.write(nb, root / "solved" / "ch01.ipynb")
    port, token = _free_port(), "course-test-token"
    log = open(root.parent / "lab.log", "w")
    proc = subprocess.Popen(
        ["bash", str(REPO / "scripts" / "lab.sh"), "--no-browser", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"],
        stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "RNNCOURSE_VENV": str(learner_venv)})
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while True:
        try:
            if _http_status(f"{url}api/status?token={token}") == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            log.close()
            pytest.fail("JupyterLab did not start:\n"
                        + (root.parent / "lab.log").read_text()[-3000:])
        time.sleep(0.5)
    yield url, token, root
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_learner_lab_has_validate_and_no_instructor_tools(learner_lab):
    url, token, _ = learner_lab
    import nbgrader

    version = f"{url}nbgrader_version?version={nbgrader.__version__}&token={token}"
    assert _http_status(version) == 200
    assert _http_status(f"{url}formgrader?token={token}") == 404
    request = urllib.request.Request(
        f"{url}assignments/validate?token={token}", method="POST",
        data=urllib.parse.urlencode({"path": "solved/ch01.ipynb"}).encode())
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.loads(response.read())
    assert answer["success"], answer
    assert answer["value"] == {}, f"the solved notebook does not validate: {answer}"


def test_validate_button_in_jupyterlab(learner_lab, browser, screenshots):
    url, token, _ = learner_lab
    page = browser.new_page(viewport=DESKTOP)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{url}lab/tree/ch01/ch01.ipynb?token={token}")
    button = page.get_by_role("button", name="Validate")
    button.wait_for(timeout=90000)
    button.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=90000)
    text = dialog.inner_text()
    page.screenshot(path=screenshots / "jupyterlab-validate-1280.png")
    page.close()
    assert "Validation Results" in text, text[:2000]
    assert "failed" in text and "is not implemented yet" in text, text[:2000]
    assert not errors, errors


# --- The Chinese edition (issue 22) ---------------------------------------------------
# The crawl follows every page's language switch, so the checks above (console errors,
# broken links and anchors, maths typeset, nothing overflowing at phone width) cover the
# Chinese pages too. What is particular to them:

# Markup that a translation can break: shown literally instead of rendered.
LEAKED_MARKUP = re.compile(r"\*\*|\{(cite|numref|doc|glue|ref)[:}]|\]\(|\{eq\}")


def test_chinese_chapter_pages_show_maths_figures_and_chinese(crawl, source_root):
    chapters = sorted(rel for rel in crawl.pages if ZH_CHAPTER_PAGE.match(rel))
    assert len(chapters) == N_CHAPTERS, f"Chinese chapter pages reached: {chapters}"
    complete = set((source_root / "locales" / "zh_CN" / "COMPLETE").read_text(
        encoding="utf-8").split())
    problems = []
    for rel in chapters:
        facts = crawl.pages[rel]
        english = crawl.pages[rel.removeprefix("zh/")]
        assert facts["math"] >= english["math"] - 2, (
            f"{rel}: {facts['math']} typeset formulas, the English page has {english['math']}")
        figures = [i for i in facts["images"] if "/_images/" in i["src"]]
        assert len(figures) == len([i for i in english["images"] if "/_images/" in i["src"]])
        assert all(i["ok"] or i["lazy"] for i in figures), f"{rel}: a figure did not load"
        problems += figure_problems(rel, facts["figures"])
        leaked = LEAKED_MARKUP.search(facts["proseText"])
        if leaked:
            text = facts["proseText"]
            problems.append(f"{rel}: markup shown as text near "
                            f"{text[max(0, leaked.start() - 40):leaked.end() + 40]!r}")
        name = rel.removeprefix("zh/").removesuffix(".html")
        if name in complete:  # a translated page is Chinese, not English with a few words
            share = len(CJK.findall(facts["proseText"])) / max(1, len(facts["proseText"]))
            if share < 0.25:
                problems.append(f"{rel}: only {share:.0%} of its text is Chinese")
    assert not problems, "\n".join(problems)


def test_the_language_switch_lands_on_the_same_page(site, browser):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(site + "book/ch04_lstm.html#the-backward-pass", wait_until="load")
    page.click("nav.lang-switch a")
    page.wait_for_load_state("load")
    assert page.url.split("#")[0] == site + "zh/book/ch04_lstm.html"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.click("nav.lang-switch a")
    page.wait_for_load_state("load")
    assert page.url.split("#")[0] == site + "book/ch04_lstm.html"
    page.close()


@pytest.mark.parametrize("query, must_find", [
    ("遗忘门", ["zh/book/ch04_lstm.html", "zh/book/glossary.html"]),   # a whole term
    ("遗忘", ["zh/book/ch04_lstm.html"]),                              # part of one
    ("门控循环单元", ["zh/book/ch05_gru.html"]),
    ("LSTM", ["zh/book/ch04_lstm.html"]),
])
def test_chinese_search_finds(site, browser, query, must_find):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(site + "zh/search.html?q=" + urllib.parse.quote(query))
    page.wait_for_function(
        "() => { const s = document.querySelector('#search-results p.search-summary');"
        " return s && s.innerText.trim().length > 0; }", timeout=30000)
    hrefs = page.locator("#search-results ul.search li a").evaluate_all(
        "links => links.map(a => a.href)")
    page.close()
    found = {urllib.parse.urlsplit(h).path.lstrip("/") for h in hrefs}
    assert set(must_find) <= found, f"search for {query!r} found {sorted(found)}"


def test_screenshots_of_a_chapter_in_both_languages(site, browser, screenshots):
    for size in (DESKTOP, PHONE):
        context = browser.new_context(viewport=size)
        page = context.new_page()
        for rel in ("book/ch04_lstm.html", "zh/book/ch04_lstm.html"):
            page.goto(site + rel, wait_until="load")
            page.evaluate(PAGE_FACTS)  # waits for MathJax
            name = rel.replace("/", "_").removesuffix(".html")
            page.screenshot(path=screenshots / f"{name}-{size['width']}.png", full_page=True)
            assert (screenshots / f"{name}-{size['width']}.png").stat().st_size > 10_000
        context.close()
