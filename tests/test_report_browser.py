"""The instructor's report (autograder/pipeline/report.py) in a real browser (issue 23).

A small chapter 4 batch is graded by the pipeline (``python -m autograder.grade``, with
feedback pages): the solution, the untouched release, learners with catalogued mistakes
(which also fail the tests of the functions that call theirs, without a name), one whose
function raises with a hostile message, and one whose answer does not parse. Rows of
synthetic learners, copies of those real verdicts under other names, bring the table to
30 learners, with hostile names among them. Debian's chromium (conftest.py's ``browser``
fixture, driven by Playwright) then opens the report at 1280 px and 390 px and checks
that nothing overflows sideways (the report has no sideways-scrolling box), the score
charts lie within the page with their titles above them, sorting works, the feedback
links answer 200, details open, the page raises no console error or CSP violation, and
without script the table still shows every learner. Screenshots go to
_build/screenshots/report-{1280,390}.png.
"""
from __future__ import annotations

import copy
import json
import urllib.request

import pytest

from conftest import REPO, serve
from course import Course, grade_with_pipeline, mutant_source, mutants
from test_browser import DESKTOP, PHONE

from autograder.pipeline import report

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("report")]

CHAPTER = "ch04"
SCREENSHOTS = REPO / "_build" / "screenshots"
N_LEARNERS = 30
# Mutants the catalogue names (their verdicts carry a mistake; the tests of the functions
# that call them fail without one).
WRONG = {"lstm_forward": "bias_added_per_step_twice",
         "lstm_step_forward": "bias_twice",
         "adding_loss": "summed_loss"}
HOSTILE_NAMES = ["<script>alert(1)</script>", "rtl\u202eevil", "a" * 300]

# Every element whose box sticks out of the window sideways (the report has no box
# that scrolls sideways, so none is exempt), and the page's own width.
OVERFLOW = """() => {
  const width = window.innerWidth, out = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > width + 0.5 || r.left < -0.5) {
      out.push(`${e.tagName.toLowerCase()}.${e.className && e.className.baseVal === undefined
                 ? e.className : ''} ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, out};
}"""
CHARTS = """() => Array.from(document.querySelectorAll('.plots figure'), f => {
  const box = f.getBoundingClientRect(), svg = f.querySelector('svg').getBoundingClientRect();
  const cap = f.querySelector('figcaption').getBoundingClientRect();
  return {left: box.left, right: box.right, svgLeft: svg.left, svgRight: svg.right,
          svgTop: svg.top, svgHeight: svg.height, captionBottom: cap.bottom,
          width: window.innerWidth};
})"""


def _notebooks(course: Course) -> dict:
    notebooks = {"solution": course.filled(CHAPTER), "release": course.release(CHAPTER)}
    for function, name, path in mutants(CHAPTER):
        if WRONG.get(function) == name:
            notebooks[f"wrong-{function}"] = course.filled(
                CHAPTER, {function: mutant_source(CHAPTER, function, path)})
    notebooks["raises"] = course.filled(CHAPTER, {"lstm_step_forward": (
        "def lstm_step_forward(*args):\n"
        "    raise ValueError('<script>alert(1)</script> ' + 'too long ' * 2000)\n")})
    notebooks["syntax"] = course.filled(CHAPTER, {"lstm_forward": "def lstm_forward(x:\n"})
    return notebooks


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """(course root, the report's folder, the real verdicts by learner)."""
    root = tmp_path_factory.mktemp("report-browser")
    course = Course(root / "course", [CHAPTER])
    course.copy_release(CHAPTER)
    proc, verdicts = grade_with_pipeline(course, CHAPTER, _notebooks(course),
                                         root / "submissions", jobs=2, feedback=True)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    out = course.root / "autograder" / "reports" / CHAPTER
    assert (out / "report.html").is_file()      # the pipeline wrote one
    real = sorted(verdicts)
    for k in range(N_LEARNERS - len(real)):   # synthetic rows: real verdicts renamed
        name = HOSTILE_NAMES[k] if k < len(HOSTILE_NAMES) else f"learner-{k:02d}"
        v = copy.deepcopy(verdicts[real[k % len(real)]])
        v["student"] = name
        (out / "verdicts" / f"synthetic-{k:02d}.json").write_text(json.dumps(v))
    report.write(course.root, CHAPTER, out)
    return course.root, out, verdicts


@pytest.fixture(scope="module")
def site(batch):
    """The course's autograder/ folder (reports and feedback) served on localhost."""
    url, server = serve(batch[0] / "autograder")
    yield url + f"reports/{CHAPTER}/report.html"
    server.shutdown()
    server.server_close()


def _autograded_tests(chapter: str) -> list[str]:
    """The grade ids of a chapter's autograded test cells (the written answer, graded by
    hand in formgrader, has no chart)."""
    import nbformat
    nb = nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    return [m["grade_id"] for m in meta if m.get("grade") and not m.get("solution")]


def _open(browser, site, size, **options):
    context = browser.new_context(viewport=size, **options)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
    page.on("pageerror", lambda err: problems.append(f"uncaught: {err}"))
    page.goto(site, wait_until="load")
    return context, page, problems


def test_the_verdicts_name_the_catalogued_mistakes(batch):
    _root, _out, verdicts = batch
    cell = verdicts["wrong-lstm_forward"]["cells"]["test_lstm_forward"]
    assert cell["mistake"].startswith("lstm_forward/"), cell
    # the reference passes every judged cell; the written answer waits for formgrader
    solution = verdicts["solution"]
    assert solution["cells"] and all(c["status"] == "passed"
                                     for c in solution["cells"].values()), solution
    assert solution["score"] == sum(c["points"] for c in solution["cells"].values()) \
        == solution["max_score"] - 3   # written_ch04: 3 points, graded by hand


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_report_fits_the_window(batch, site, browser, size):
    context, page, problems = _open(browser, site, size)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # a few learners' details open, as an instructor would read them
    for summary in page.locator("#learners details summary").all()[:3]:
        summary.click()
    page.screenshot(path=str(SCREENSHOTS / f"report-{size['width']}.png"), full_page=True)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    facts = page.evaluate(OVERFLOW)
    assert facts["scrollWidth"] <= facts["width"] and not facts["out"], facts
    charts = page.evaluate(CHARTS)
    assert len(charts) == len(_autograded_tests("ch04"))   # one per judged question
    for c in charts:
        assert 0 <= c["left"] and c["right"] <= c["width"], c
        assert c["left"] <= c["svgLeft"] and c["svgRight"] <= c["right"], c
        assert c["svgHeight"] > 40 and c["captionBottom"] <= c["svgTop"] + 0.5, c
    assert not problems, problems          # no script error, no CSP violation
    context.close()


def test_sorting_links_and_details(batch, site, browser):
    context, page, problems = _open(browser, site, DESKTOP)
    rows = page.locator("#learners tbody tr")
    assert rows.count() == N_LEARNERS

    def column(index):
        return page.evaluate(f"""() => Array.from(document.querySelectorAll(
            '#learners tbody tr'), r => r.cells[{index}].dataset.value)""")
    names = column(0)
    assert names == sorted(names)          # name order without any click
    page.locator("#learners th", has_text="score").locator("button").click()
    scores = [float(s) for s in column(1)]
    assert scores == sorted(scores) and scores[0] < scores[-1]
    page.locator("#learners th", has_text="score").locator("button").click()
    assert [float(s) for s in column(1)] == sorted(scores, reverse=True)
    assert page.locator("#learners th", has_text="score").get_attribute(
        "aria-sort") == "descending"
    page.locator("#learners th", has_text="tests failed").locator("button").click()
    failed = [int(s) for s in column(3)]
    assert failed == sorted(failed)

    # every feedback link resolves (relative to the report, served over HTTP)
    hrefs = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#learners a'), a => a.href).filter(h => h.endsWith('.html'))""")
    real = {v for v in batch[2]}
    assert len(hrefs) == len(real), hrefs
    for href in hrefs:
        with urllib.request.urlopen(href, timeout=10) as response:
            assert response.status == 200 and b"<html" in response.read(4096).lower()

    # details open on demand, with the learner's reasons as text
    row = page.locator("#learners tbody tr", has_text="wrong-lstm_forward")
    details = row.locator("details")
    assert not details.evaluate("d => d.open")
    row.locator("summary").click()
    assert details.evaluate("d => d.open")
    assert "Likely cause" in details.inner_text()
    names = page.locator("#learners tbody td:first-child bdi").all_inner_texts()
    assert "<script>alert(1)</script>" in names      # shown as text, never run
    assert "rtl<U+202E>evil" in names and "a" * report.MAX_NAME + " …" in names
    assert not problems, problems
    context.close()


def test_without_script_the_table_still_reads(site, browser):
    context, page, problems = _open(browser, site, PHONE, java_script_enabled=False)
    assert page.locator("#learners tbody tr").count() == N_LEARNERS
    assert page.locator("#learners th button").count() == 0   # plain headings
    assert page.evaluate(OVERFLOW)["out"] == []
    context.close()


def test_the_overflow_check_catches_a_wide_table(site, browser):
    """Teeth: a learners' table as wide as the old one (every question a column, no
    wrapping) is reported."""
    context, page, _problems = _open(browser, site, DESKTOP)
    page.evaluate("""() => {
      const t = document.getElementById('learners');
      t.style.tableLayout = 'auto'; t.style.width = 'auto';
      t.querySelectorAll('td, th').forEach(c => { c.style.whiteSpace = 'nowrap';
                                                   c.style.overflowWrap = 'normal'; });
    }""")
    facts = page.evaluate(OVERFLOW)
    assert facts["out"] and facts["scrollWidth"] > facts["width"], facts
    context.close()
