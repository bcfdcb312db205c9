"""The similarity report (autograder/pipeline/similarity.py, similarity_report.py and
``python -m autograder.similarity``): a copy planted among honest answers comes out on
top, no honest pair is flagged, the release's code counts for nothing, and hostile
learner text is escaped and capped. No nbgrader run: the committed ch01 release is the
learners' notebook. Fast tier (about 5 s)."""
from __future__ import annotations

import copy
import html.parser
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest

import similarity_submissions as subs
from autograder import similarity as command
from autograder.pipeline import report, similarity, similarity_report
from course import REPO, answer_cells, solution_sources

RELEASE = REPO / "exercises" / "ch01" / "ch01.ipynb"


def _docstrings() -> dict[str, str]:
    """grade id -> the docstring of the release's stub, indented as in the stub."""
    nb = nbformat.read(RELEASE, as_version=4)
    out = {}
    for gid, i in answer_cells(nb).items():
        m = re.search(r'^( *""".*?""")$', nb.cells[i].source, re.S | re.M)
        out[gid] = m.group(1) if m else ""   # a conceptual question's cell has none
    return out


DOCS = _docstrings()


def cell(gid: str, source: str) -> str:
    return source.replace("{doc}", DOCS[gid])


QUESTIONS = {gid: source for gid, source in solution_sources("ch01").items()
             if gid not in subs.HONEST["ann"]}   # the conceptual questions' answer cells


def notebook(answers: dict[str, str] | None):
    """The release as a learner submits it, with ``answers`` (grade id -> source,
    ``{doc}`` for the stub's docstring) in the answer cells; None: untouched. Every
    learner who answers gives the conceptual questions the same right answers, which
    are one line each: alike for all, and no evidence of copying."""
    nb = copy.deepcopy(nbformat.read(RELEASE, as_version=4))
    for gid, i in answer_cells(nb).items():
        if answers is not None:
            nb.cells[i].source = cell(gid, {**QUESTIONS, **answers}[gid])
    return nb


def course(tmp: Path, learners: dict) -> Path:
    """A course root holding the release and one submitted notebook per learner (a
    notebook, or raw bytes)."""
    shutil.copy(REPO / "nbgrader_config.py", tmp / "nbgrader_config.py")
    (tmp / "exercises" / "ch01").mkdir(parents=True)
    shutil.copy(RELEASE, tmp / "exercises" / "ch01" / "ch01.ipynb")
    for student, nb in learners.items():
        folder = tmp / "autograder" / "submitted" / student / "ch01"
        folder.mkdir(parents=True)
        if isinstance(nb, bytes):
            (folder / "ch01.ipynb").write_bytes(nb)
        else:
            nbformat.write(nb, folder / "ch01.ipynb")
    return tmp


HONEST = {**subs.HONEST, "rae": solution_sources("ch01")}   # rae: the reference answers


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    learners = {name: notebook(answers) for name, answers in HONEST.items()}
    learners["cop"] = notebook(subs.COPIED)           # bea's work, disguised
    learners["un1"] = notebook(None)                  # two untouched releases
    learners["un2"] = notebook(None)
    learners["bad"] = b"{ not json"
    root = course(tmp_path_factory.mktemp("class"), learners)
    summary = command.run(root, "ch01")
    out = root / "autograder" / "reports" / "ch01"
    return root, summary, (out / "similarity.html").read_text(encoding="utf-8")


def _run_all(answers: dict[str, str]) -> dict:
    """Every graded function of one learner's answers, on fixed inputs."""
    space = {"np": np}
    for gid, source in answers.items():
        exec(cell(gid, source), space)  # noqa: S102 -- the tests' own code, not a learner's
    rng = np.random.default_rng(1)
    x, h0 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5))
    Wx, Wh, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 5)), rng.standard_normal(5)
    scores = 10 * rng.standard_normal((2, 3, 6))
    targets, mask = rng.integers(0, 6, (2, 3)), np.array([[1, 1, 0], [1, 0, 0]], bool)
    return {"one_hot": space["one_hot"](targets, 6),
            "step": space["rnn_step_forward"](x[:, 0], h0, Wx, Wh, b)[0],
            "forward": space["rnn_forward"](x, h0, Wx, Wh, b)[0],
            "softmax": space["softmax"](scores),
            "loss": space["sequence_cross_entropy"](scores, targets, mask),
            "greedy": space["sample_token"](scores[:, 0], 0.0, rng),
            "sampled": space["sample_token"](scores[:, 0], 1.0, rng).shape}


@pytest.mark.parametrize("name", [*subs.HONEST, "copied"])
def test_every_planted_answer_is_correct(name):
    """The honest learners really solved the chapter, each their own way (so the
    report's silence about them is earned), and so did the copy."""
    want = _run_all(solution_sources("ch01"))
    got = _run_all(subs.COPIED if name == "copied" else subs.HONEST[name])
    for key, value in want.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-10, err_msg=f"{name}: {key}")


def test_the_copy_comes_out_on_top_and_no_honest_pair_is_flagged(graded_class):
    _, summary, _ = graded_class
    pairs = summary["pairs"]
    top = pairs[0]
    assert {top["a"], top["b"]} == {"bea", "cop"} and top["flagged"], pairs[:3]
    assert top["score"] > 0.85 and top["shared"] > 400, top
    threshold = summary["settings"]["threshold"]
    assert threshold == similarity.THRESHOLD == 0.5
    honest = [p for p in pairs[1:] if p["score"] > 0]
    assert honest and all(not p["flagged"] and p["score"] < threshold for p in honest)
    # the margin: the most similar honest pair stays well below the copy
    assert max(p["score"] for p in honest) < 0.3, honest[:3]
    assert summary["flagged"] == 1 and summary["pairs_total"] == len(pairs) == 36


def test_the_release_alone_makes_no_one_similar(graded_class):
    """Two untouched notebooks share the release's stubs and locked cells, which are
    boilerplate: they score 0 against each other and against everyone."""
    _, summary, page = graded_class
    untouched = [p for p in summary["pairs"] if {"un1", "un2"} & {p["a"], p["b"]}]
    assert len(untouched) == 15 and all(p["score"] == 0 for p in untouched), untouched
    learners = {x["student"]: x for x in summary["learners"]}
    assert learners["un1"]["answer_cells"] == len(DOCS)   # every answer cell, untouched
    assert summary["skipped"] == [{"student": "bad", "reason": "the notebook is not valid "
                                                               "JSON"}]
    assert "bad: the notebook is not valid JSON" in page


def test_the_page_lists_pairs_and_shows_the_shared_code_side_by_side(graded_class):
    _, summary, page = graded_class
    rows = re.findall(r"<tr[^>]*><td>(?:<a href='#pair-\d+'>)?(\d+)", page)
    assert rows[:3] == ["1", "2", "3"]
    first = page.split("<section id='pair-1'>")[1].split("</section>")[0]
    score = summary["pairs"][0]["score"]
    assert f"bea and cop: score {score:.2f} (flagged)" in first
    left, right = re.findall(r"<td><pre>(.*?)</pre></td>", first, re.S)
    # the disguised copy's renamed code is highlighted against the original's
    assert "<mark>" in left and "<mark>" in right
    assert "_affine(x, Wx)" in left and "_lin(x,Wx)" in right
    marked = "".join(re.findall(r"<mark>(.*?)</mark>", right, re.S))
    assert "np.tanh(s)" in marked and "_logsm" in marked
    assert "Content-Security-Policy" in page and "1 pair(s) flagged" in page


def test_the_grading_report_links_the_page(tmp_path):
    root = course(tmp_path, {"ann": notebook(subs.LOOPS), "cop": notebook(subs.COPIED)})
    out = root / "autograder" / "reports" / "ch01"
    (out / "verdicts").mkdir(parents=True)
    before = report.write(root, "ch01", out).read_text()
    assert "not compared yet" in before and "similarity.html" not in before
    assert command.main(["ch01", "--root", str(root)]) == 0
    after = (out / "report.html").read_text()
    assert "<a href='similarity.html'>Similar submissions</a>: 0 pair(s) flagged" in after
    assert command.main(["ch01", "--root", str(root), "--threshold", "2"]) == 2
    assert command.main(["ch01", "--root", str(tmp_path / "nowhere")]) == 2


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = set(), set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs |= {name for name, _ in attrs}


def test_hostile_text_is_escaped_and_capped(tmp_path):
    """A learner's answers with a script in a comment, a megabyte of markup after them,
    and a student id that is a tag: all of it shows as text, and little of it."""
    hostile = dict(subs.LOOPS)
    hostile["rnn_step_forward"] = hostile["rnn_step_forward"].replace(
        "    a += b\n", "    a += b  # </script><script>alert(1)</script>\n")
    hostile["sample_token"] += "\n" + "# </pre><script>alert(2)</script><iframe src=x>\n" * 28_000
    name = "<img src=x onerror=alert(3)>"
    root = course(tmp_path, {"ann": notebook(subs.LOOPS), "mal": notebook(hostile),
                             name: notebook(subs.TERSE)})
    size = (root / "autograder/submitted/mal/ch01/ch01.ipynb").stat().st_size
    assert size > 1_000_000
    summary = command.run(root, "ch01")
    page = (root / "autograder/reports/ch01/similarity.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<img" not in page and "<iframe" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert html.escape(name) in page
    parsed = _Tags()
    parsed.feed(page)
    assert parsed.tags <= {"meta", "title", "style", "h1", "h2", "h3", "p", "b", "ul", "li",
                           "table", "tr", "th", "td", "a", "section", "pre", "mark", "span"}
    assert parsed.attrs <= {"charset", "http-equiv", "content", "href", "id", "class"}
    assert len(page) < 150_000 and page.count("alert(2)") < 50
    assert "lines not shared" in page
    learners = {x["student"]: x for x in summary["learners"]}
    assert learners["mal"]["chars_not_compared"] > 800_000
    top = summary["pairs"][0]
    assert {top["a"], top["b"]} == {"ann", "mal"} and top["flagged"]


def test_one_huge_line_is_cut_at_the_side_budget():
    text = "x = 1\n" + "y" * 2_000_000
    shown = similarity_report.side_html(text, [(0, len(text))])
    assert len(shown) < similarity_report.SIDE_CHARS + 500
    assert f"{2_000_006 - similarity_report.SIDE_CHARS:,} more characters" in shown
    text = "ab = 1\ncd  # note\n\n# more\n"
    assert similarity_report.spans(np.array([[5, 0, 3], [9, 4, 2]]), text[:8]) == [
        (0, 4), (5, 8)]
    assert similarity_report.spans(np.array([[0], [len(text) + 9]]), text) == [(0, 17)]  # "ab = 1\ncd  # note"
