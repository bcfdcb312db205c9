"""The instructor's report (autograder/pipeline/report.py) and the nbgrader speed-ups
(autograder/pipeline/nbgrader_fast.py), without a grading run: fast tier."""
from __future__ import annotations

import json
import os
import re
import sys

import jsonschema
import pytest

from autograder.pipeline import nbgrader_fast, report


def _verdict(student: str, scores: dict[str, float], reason: str = "", tampering: str = ""
             ) -> dict:
    cells = {gid: {"grade_id": gid, "points": 2.0, "score": s,
                   "status": "passed" if s == 2.0 else "failed",
                   "reason": "" if s == 2.0 else reason} for gid, s in scores.items()}
    return {"student": student, "assignment": "ch01", "status": "graded",
            "score": sum(scores.values()), "max_score": 2.0 * len(scores), "notes": [],
            "incidents": [], "tampering": tampering, "cells": cells}


@pytest.fixture()
def written(tmp_path):
    out = tmp_path / "reports" / "ch01"
    (out / "verdicts").mkdir(parents=True)
    verdicts = [
        _verdict("ann", {"test_a": 2.0, "test_b": 2.0}),
        _verdict("bob", {"test_a": 0.0, "test_b": 2.0}, "a is wrong (max relative error 3.1)"),
        _verdict("cy", {"test_a": 0.0, "test_b": 1.0}, "a is wrong (max relative error 0.2)"),
        _verdict("<script>x</script>", {"test_a": 2.0, "test_b": 0.0}, "b <b>bold</b>",
                 tampering="an import hook was installed"),
    ]
    for k, v in enumerate(verdicts):
        (out / "verdicts" / f"{k}.json").write_text(json.dumps(v))
    return report.write(tmp_path, "ch01", out).read_text()


def test_score_charts_count_what_the_verdicts_say(written):
    charts = re.findall(r"<svg[^>]*aria-label='([^']*)'", written)
    by_title = {label.split(":")[0]: label for label in charts}
    # test_a: two at 0, two at 2; test_b: one at 0, one at 1, two at 2
    assert by_title["a"] == "a: 2 at 0, 2 at 2"
    assert by_title["b"] == "b: 1 at 0, 1 at 1, 2 at 2"
    assert "4 submissions; mean 2.25 / 4; 1 with full marks." in written


def test_failure_reasons_are_counted_alike_and_escaped(written):
    reasons = written.split("Most common failure reasons")[1].split("<table>")[0]
    # both "a is wrong" reasons differ only in their numbers: one category, two tests
    assert "a: a is wrong (max relative error #)</text>" in reasons
    assert re.search(r"<title>2</title></rect>", reasons)
    assert "<b>bold</b>" not in written and "&lt;b&gt;bold&lt;/b&gt;" in written
    assert "<script>" not in written
    assert "an import hook was installed" in written.split("Tampering flagged (1)")[1]


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
