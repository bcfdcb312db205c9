"""The instructor's report (autograder/pipeline/report.py) and the nbgrader speed-ups
(autograder/pipeline/nbgrader_fast.py), without a grading run: fast tier."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import sys

import jsonschema
import pytest

from autograder.pipeline import failure_causes, nbgrader_fast, report


def _verdict(student: str, scores: dict[str, float], reason: str = "", tampering: str = "",
             mistake: str = "", status: str = "graded") -> dict:
    cells = {gid: {"grade_id": gid, "points": 2.0, "score": s,
                   "status": "passed" if s == 2.0 else "failed",
                   "reason": "" if s == 2.0 else reason,
                   "mistake": "" if s == 2.0 else mistake} for gid, s in scores.items()}
    return {"student": student, "assignment": "ch04", "status": status,
            "score": sum(scores.values()), "max_score": 2.0 * len(scores), "notes": [],
            "incidents": [], "tampering": tampering, "cells": cells}


BIAS = ("lstm_forward: h is wrong (max relative error {err}, largest difference 1.99e-01, "
        "tolerance 1e-06). 40 of 40 entries are off.\nLikely cause: the bias b is added "
        "twice.\n(case seed=0, shape {{D=3, H=5, N=2, T=4}})")
SHAPE = "lstm_step_backward: dWx has shape ({n}, 20), expected (4, 20). Check which axis."
HUGE = "lstm_forward raised ValueError: " + "word " * 20000 + "END-OF-HUGE"
RTL = "mal\u202eiciou\u2066s\x1b[31m\x00"


@pytest.fixture()
def batch(tmp_path):
    """A synthetic batch of verdicts (ch04), hostile ones included, and its report."""
    out = tmp_path / "autograder" / "reports" / "ch04"
    (out / "verdicts").mkdir(parents=True)
    ok = {"test_lstm_forward": 2.0, "test_lstm_step_backward": 2.0}
    verdicts = [
        _verdict("ann", ok),
        _verdict("bob", {**ok, "test_lstm_forward": 0.0}, BIAS.format(err="8.9e-01"),
                 mistake="lstm_forward/bias_twice"),
        _verdict("cy", {**ok, "test_lstm_forward": 0.0}, BIAS.format(err="3.3e-02"),
                 mistake="lstm_forward/bias_twice"),
        _verdict("dee", {**ok, "test_lstm_step_backward": 1.0}, SHAPE.format(n=3)),
        _verdict("eve", {**ok, "test_lstm_step_backward": 0.0}, SHAPE.format(n=7)),
        _verdict("<script>alert(1)</script>", {**ok, "test_lstm_forward": 0.0}, HUGE,
                 tampering="an import hook <img src=x onerror=alert(2)>"),
        _verdict(RTL, {**ok, "test_lstm_forward": 0.0},
                 "lstm_forward raised KeyError: '<b>bold</b>' \u202e reversed"),
        _verdict("../../etc", {**ok, "test_lstm_forward": 0.0}, "x", mistake="../../x"),
        _verdict("z" * 300, ok),     # longer than a file name may be
    ]
    for k, v in enumerate(verdicts):
        (out / "verdicts" / f"{k}.json").write_text(json.dumps(v))
    (out / "verdicts" / "big.json").write_text(" " * (report.MAX_VERDICT_BYTES + 1))
    (out / "verdicts" / "broken.json").write_text("{not json")
    feedback = tmp_path / "autograder" / "feedback" / "bob" / "ch04"
    feedback.mkdir(parents=True)
    (feedback / "ch04.html").write_text("<p>bob's feedback</p>")
    return out, report.write(tmp_path, "ch04", out).read_text(encoding="utf-8")


def _section(page: str, heading: str) -> str:
    return page.split(f"<h2>{heading}")[1].split("<h2>")[0]


def _cause(page: str, title: str) -> str:
    items = _section(page, "Failures by cause").split("<li>")
    found = [item for item in items if f"<code>{title}</code>" in item]
    assert len(found) == 1, (title, [i[:200] for i in items])
    return found[0]


def test_score_charts_count_what_the_verdicts_say(batch):
    _out, page = batch
    charts = dict(re.findall(r"<svg[^>]*viewBox[^>]*aria-label='([^:']*): ([^']*)'", page))
    # lstm_forward: 5 of 9 at 0 (bob, cy, the script, RTL and ../../etc learners)
    assert charts["lstm_forward"] == "5 at 0, 4 at 2"
    assert charts["lstm_step_backward"] == "1 at 0, 1 at 1, 7 at 2"
    assert "9 submissions; mean 2.56 / 4; 2 with full marks." in page
    # a grid of small multiples that scale to their box, titled by HTML captions
    assert "<div class='plots'>" in page
    assert "<figcaption>lstm_forward <span class='n'>(4/9 full)</span>" in page


def test_failures_are_grouped_by_mistake_name_with_one_escaped_example(batch):
    _out, page = batch
    bias = _cause(page, "lstm_forward: bias twice")
    assert "2 learners, 2 failed tests: <span class='kind'>catalogued mistake" in bias
    assert ">bob</bdi></a>, <a href='#learner-" in bias and ">cy</bdi>" in bias
    # the catalogue's own words, and one real message whose numbers are kept
    assert "<p class='says'>the bias b is added twice" in bias
    assert "max relative error 8.9e-01" in bias and "3.3e-02" not in bias
    assert "#" not in re.sub(r"href='#learner-\d+'", "", bias)


def test_failures_without_a_mistake_are_grouped_by_check_and_output(batch):
    _out, page = batch
    shape = _cause(page, "lstm_step_backward: wrong shape dWx")
    assert "2 learners, 2 failed tests" in shape and "dWx has shape (3, 20)" in shape
    raised = _cause(page, "lstm_forward: raised ValueError")
    assert "1 learner, 1 failed test" in raised
    # a forged mistake name is not taken for one
    assert "../../x" not in page.split("Failures by cause")[1].split("Tampering")[0]


def test_a_huge_reason_is_cut_at_a_word_boundary(batch):
    _out, page = batch
    example = _cause(page, "lstm_forward: raised ValueError").split("<pre class='msg'>")[1]
    example = example.split("</pre>")[0]
    assert example.endswith("word …") and "END-OF-HUGE" not in page
    assert len(example) <= report.MAX_EXAMPLE + 2
    assert len(page) < 200_000


def test_hostile_strings_are_text(batch):
    _out, page = batch
    head, script = page.rsplit("<script>", 1)
    assert "<script" not in head and "<img" not in page and "<b>" not in page
    assert script == report.SCRIPT + "</script></body></html>"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in _section(page, "Tampering flagged (1)")
    # control and direction-changing characters are shown as their code points
    for char in "\u202e\u2066\x1b\x00":
        assert char not in page
    assert "mal&lt;U+202E&gt;iciou&lt;U+2066&gt;s&lt;U+001B&gt;[31m" in page
    assert "onerror=" not in re.sub(r"&lt;img src=x onerror=alert\(2\)&gt;", "", page)


def test_the_policy_allows_only_the_reports_own_style_and_script(batch):
    _out, page = batch
    policy = re.search(r'http-equiv=\'Content-Security-Policy\' content="([^"]*)"', page)[1]
    style = re.search(r"<style>(.*?)</style>", page, re.S)[1]
    script = page.rsplit("<script>", 1)[1].split("</script>")[0]

    def digest(text):
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"
    assert policy.startswith("default-src 'none'; ")
    assert f"style-src {digest(style)};" in policy and f"script-src {digest(script)};" in policy
    assert "unsafe" not in policy and page.count("<style>") == 1
    assert not re.search(r"<[^>]+\son\w+=", page)       # no inline event handlers
    assert not re.search(r"<[^>]+\sstyle=", page)       # no style attributes either


def test_learners_table_links_feedback_relatively_and_has_details(batch):
    out, page = batch
    table = _section(page, "Learners")
    rows = re.findall(r"<tr id='(learner-\d+)'.*?</tr>", table, re.S)
    assert len(rows) == 9
    links = re.findall(r"<a href='([^']*)'>feedback</a>", table)
    assert links == ["../../feedback/bob/ch04/ch04.html"]
    assert (out / links[0]).resolve().read_text() == "<p>bob's feedback</p>"
    assert table.count("no feedback page") == 8    # "../../etc" is never made a path
    assert table.count("<details>") == 9
    assert "data-sort='number'>score</th>" in table
    bob = re.search(r"<tr id='learner-\d+'><td data-value='bob'>.*?</tr>", table, re.S)[0]
    assert "<td data-value='2'>2 / 4</td>" in bob and "<span class='chip'>lstm_forward" in bob
    assert "lstm_forward</code> 0/2 <span class=bad>failed" in bob


def test_unreadable_verdicts_are_named_not_fatal(batch):
    _out, page = batch
    assert "2 verdict file(s) could not be read (too large or not a verdict): big.json, " \
           "broken.json. Regrade those learners." in page


def test_clean_cuts_at_a_word_and_keeps_short_text():
    assert report.clean("short") == "short"
    assert report.clean("alpha beta gamma delta", 12) == "alpha beta …"
    assert report.clean("一二三四五六七八九十", 4) == "一二三四 …"
    assert report.clean("\ud800x") == "<U+D800>x"       # a lone surrogate writes fine


def test_causes_read_chinese_messages_and_statuses():
    zh = {"status": "failed",
          "reason": "lstm_step_backward：dWx 的形状是 (3, 20)，应为 (4, 20)。"}
    assert failure_causes.cause_of("test_lstm_step_backward", zh).title == \
        "lstm_step_backward: wrong shape dWx"
    en = {"status": "failed", "reason": "lstm_step_backward: dWx has shape (3, 20), expected"}
    assert failure_causes.cause_of("test_lstm_step_backward", en).key == \
        failure_causes.cause_of("test_lstm_step_backward", zh).key
    assert failure_causes.cause_of("test_a", {"status": "timeout"}).title == \
        "the test timed out"
    assert failure_causes.cause_of("test_a", {"status": "failed", "reason": "??"}).title == \
        "a: another failure"


def test_a_report_without_verdicts_is_still_a_page(tmp_path):
    out = tmp_path / "r"
    (out / "verdicts").mkdir(parents=True)
    text = report.write(tmp_path, "ch01", out).read_text()
    assert "<h1>Grading report: ch01</h1>" in text and "<svg" not in text


def test_gradebooks_share_one_engine_per_url_and_a_fork_starts_afresh(tmp_path,
                                                                      monkeypatch):
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep
                       + os.environ.get("PATH", ""))  # nbgrader runs alembic for a new db
    nbgrader_fast.install()
    from nbgrader.api import Gradebook
    url = "sqlite:///" + str(tmp_path / "gb.db")
    with Gradebook(url) as one:
        one.add_student("ann")
        engine = one.engine
    with Gradebook(url) as two:
        assert two.engine is engine            # the compiled-SQL cache survives
        assert [s.id for s in two.students] == ["ann"]
    with Gradebook("sqlite:///" + str(tmp_path / "other.db")) as other:
        assert other.engine is not engine
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child must build its own engine
        with Gradebook(url) as child:
            os.write(write, b"fresh" if child.engine is not engine else b"shared")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 10) == b"fresh"


def test_metadata_validation_raises_what_nbgrader_raised():
    nbgrader_fast.install()
    from nbgrader.nbgraderformat import MetadataValidator
    validator = MetadataValidator()
    good = {"grade": True, "solution": False, "locked": True, "points": 2.0,
            "grade_id": "test_a", "schema_version": 3, "task": False}
    bad = dict(good, points="two")
    import nbformat
    import nbgrader.nbgraderformat.common as common
    assert common.jsonschema is nbgrader_fast.CompiledSchemas

    def cell(meta):
        return nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": meta})
    validator.validate_cell(cell(good))
    assert len(nbgrader_fast.CompiledSchemas._validators) == 1  # built once, kept
    with pytest.raises(jsonschema.ValidationError) as fast:
        validator.validate_cell(cell(bad))
    with pytest.raises(jsonschema.ValidationError) as plain:
        jsonschema.validate(bad, validator.schema)
    assert str(fast.value) == str(plain.value)
