"""The batched bookkeeping (autograder/pipeline/bookkeeping.py, finish.py) stores exactly
what nbgrader's own Autograde converter, run per learner, stored.

Two copies of one chapter-1 course grade the same submissions, one with the default
route (a worker prepares each autograded folder and the rows; the main process writes
them in one transaction per chunk), one with ``--converter-reference`` (nbgrader's
``Autograde`` converter per learner in the main process, the route before issue 24).
The course has a late policy (``late.SubMarks`` of test_exports.py, one point per hour)
and a bug injected into the reference of ``one_hot``, so every graded learner has a
grader-error cell marked for manual grading. The learners: honest (on time), wrong (a
mutant, three hours late, a helper module beside the notebook), blank (one answer left
as released: nbgrader's "No response." comment; a test cell deleted: a grading note;
late), rejected (not a notebook), badtime (an unreadable
``timestamp.txt``: nbgrader fails on that learner, a grader error of the whole
submission). Before the regrade, a grader gives manual scores and extra credit in both
gradebooks, as formgrader does, and the late penalty is recomputed over them.

Compared after the first round and after the regrade with feedback: every row of every
table of the gradebook (uuids replaced by what they name), the autograded folders (bytes
and file modes), nbgrader's CSV export, the feedback HTML (no timestamps in it: byte for
byte), what formgrader's API (``NbGraderAPI``) reports, and the verdict files (without
their run times). About 80 s on 2 cores (the two routes run side by side).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course import REPO, answer_cells, mutant_source, mutants, nbgrader_env
from test_exports import LATE, ON_TIME, gradebook_url, late_course

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("bookkeeping")]
ROUTES = {"batched": [], "converter": ["--converter-reference"]}
INJECTED = "    raise ZeroDivisionError('a bug injected into the reference')\n"
UUID = re.compile(r"^[0-9a-f]{32}$")


def _course(root: Path):
    c = late_course(root)
    source = root / "solutions" / "ch01" / "ch01.ipynb"
    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "one_hot")
    cell.source = cell.source.replace("    ### BEGIN SOLUTION\n",
                                      "    ### BEGIN SOLUTION\n" + INJECTED)
    nbformat.write(nb, source)
    # a course file beside the notebook: nbgrader copies it into every autograded folder
    (root / "solutions" / "ch01" / "vocabulary.txt").write_text("the cat sat\n")
    return c


def _submissions(c, dest: Path) -> None:
    function, _, path = next(m for m in mutants("ch01") if m[0] != "one_hot")
    release = c.release("ch01")      # softmax left as released: "No response."
    blank = c.filled("ch01", {"softmax":
                              release.cells[answer_cells(release)["softmax"]].source})
    # and a test cell deleted: put back, with a grading note for the learner
    blank.cells = [cell for cell in blank.cells if cell.metadata.get("nbgrader", {})
                   .get("grade_id") != "test_sample_token"]
    for student, nb, stamp in [
            ("honest", c.filled("ch01"), ON_TIME),
            ("wrong", c.filled("ch01", {function: mutant_source("ch01", function, path)}),
             LATE),
            ("blank", blank, LATE),
            ("badtime", c.filled("ch01"), "the day after tomorrow, roughly")]:
        (dest / student / "ch01").mkdir(parents=True)
        nbformat.write(nb, dest / student / "ch01" / "ch01.ipynb")
        (dest / student / "ch01" / "timestamp.txt").write_text(stamp + "\n")
    (dest / "wrong" / "ch01" / "helper.py").write_text("X = 1\n")  # copied by nbgrader
    (dest / "rejected" / "ch01").mkdir(parents=True)
    (dest / "rejected" / "ch01" / "ch01.ipynb").write_bytes(b"not a notebook")


def _grade_both(roots: dict, extra: list[str]) -> None:
    """Both routes side by side (one job each)."""
    procs = {route: subprocess.Popen(
        [sys.executable, "-m", "autograder.grade", "ch01", *extra, "--root", str(root),
         "--jobs", "1", "-q", *ROUTES[route]], cwd=REPO, env=nbgrader_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for route, root in roots.items()}
    for route, proc in procs.items():
        out, err = proc.communicate(timeout=900)
        # 1: badtime's bookkeeping failed (nbgrader's failure on that learner)
        assert proc.returncode == 1, f"{route}: {proc.returncode}\n{out[-2000:]}{err[-4000:]}"


def _grade_by_hand(root: Path) -> None:
    """What a grader does in formgrader between the rounds."""
    from nbgrader.api import Gradebook
    with Gradebook(gradebook_url(root)) as gb:
        for student, manual, extra in [("honest", 0.5, 1.0), ("wrong", 2.0, None),
                                       ("blank", None, 0.5)]:
            grade = gb.find_grade("test_softmax", "ch01", "ch01", student)
            grade.manual_score, grade.extra_credit = manual, extra
        gb.db.commit()


def gradebook_rows(root: Path) -> dict:
    """Every row of every table, each uuid replaced by a name for what it identifies."""
    import sqlalchemy
    from nbgrader import api
    names = {}
    with api.Gradebook(gradebook_url(root)) as gb:
        q = gb.db.query
        for a in q(api.Assignment):
            names[a.id] = f"assignment {a.name}"
        for nb in q(api.Notebook):
            names[nb.id] = f"notebook {nb.assignment.name}/{nb.name}"
        for kind in (api.BaseCell, api.SourceCell):
            for cell in q(kind):
                names[cell.id] = f"{kind.__name__} {names[cell.notebook_id]}/{cell.name}"
        for sub in q(api.SubmittedAssignment):
            names[sub.id] = f"submission {sub.assignment.name}/{sub.student_id}"
        for snb in q(api.SubmittedNotebook):
            names[snb.id] = f"submitted {names[snb.assignment_id]}/{snb.notebook.name}"
        for kind in (api.Grade, api.Comment):
            for row in q(kind):
                names[row.id] = f"{kind.__name__} {names[row.notebook_id]}/{row.cell.name}"
    engine = sqlalchemy.create_engine(gradebook_url(root))
    meta = sqlalchemy.MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            rows = []
            for row in conn.execute(table.select()):
                row = {k: names.get(v, v) if isinstance(v, str) else v
                       for k, v in row._mapping.items()}
                assert not any(isinstance(v, str) and UUID.match(v) for k, v in row.items()
                               if k == "id" or k.endswith("_id")), \
                    f"{table.name}: a uuid this test cannot name: {row}"
                rows.append(row)
            out[table.name] = sorted(rows, key=repr)
    engine.dispose()
    return out, names


def known_cell_ids(root: Path) -> set[str]:
    """Cell ids of the release and of every submitted notebook: what the grading keeps.
    Any other id was drawn at random by nbformat for a cell the grading made (grading
    notes, a put-back test cell, the note of a rejected submission), in either route."""
    ids = set()
    for path in [root / "exercises" / "ch01" / "ch01.ipynb",
                 *(root / "autograder" / "submitted").glob("*/ch01/ch01.ipynb")]:
        try:
            ids |= {cell.get("id") for cell in json.loads(path.read_text())["cells"]}
        except ValueError:
            pass  # the rejected submission
    return ids


def files(folder: Path, known: set[str]) -> dict:
    """{relative path: (bytes, mode)} of every file under ``folder``, with the random
    ids of cells the grading made blanked (``known_cell_ids``)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        data = p.read_bytes()
        if p.suffix == ".ipynb":
            nb = json.loads(data)
            for cell in nb["cells"]:
                cell["id"] = cell["id"] if cell["id"] in known else "<generated>"
            data = json.dumps(nb, sort_keys=True).encode()
        elif p.suffix == ".html":
            data = re.sub(rb'id="cell-id=([0-9a-f]+)"', lambda m: m.group(0) if
                          m.group(1).decode() in known else b'id="cell-id=<generated>"',
                          data)
        out[str(p.relative_to(folder))] = (data, oct(p.stat().st_mode & 0o777))
    return out


def formgrader(root: Path, names: dict) -> dict:
    """What formgrader's pages ask nbgrader's API, with paths and uuids normalised."""
    from autograder.pipeline import nbgrader_steps as steps
    from nbgrader.apps import NbGraderAPI
    api = NbGraderAPI(config=steps.load_config(root))
    students = [s["id"] for s in api.get_students()]
    answers = {"assignment": api.get_assignment("ch01"),
               "notebooks": api.get_notebooks("ch01"),
               "submissions": api.get_submissions("ch01"),
               "notebook_submissions": api.get_notebook_submissions("ch01", "ch01"),
               "indices": api.get_notebook_submission_indices("ch01", "ch01"),
               "students": api.get_students()}
    for s in students:
        answers[f"student {s}"] = api.get_student_submissions(s)
        answers[f"student {s} notebooks"] = api.get_student_notebook_submissions(s, "ch01")
        answers[f"submission {s}"] = api.get_submission("ch01", s)
    text = json.dumps(answers, sort_keys=True, default=str).replace(str(root), "<root>")
    answers = json.loads(re.sub(r"[0-9a-f]{32}", lambda m: names.get(m.group(0), "?uuid"),
                                text))
    # nbgrader lists submissions in the database's order (by random uuid, either route)
    answers["indices"] = (sorted(answers["indices"]), sorted(answers["indices"].values()))
    for row in answers["notebook_submissions"]:
        row.pop("index")
    for key, value in answers.items():
        if isinstance(value, list):
            answers[key] = sorted(value, key=lambda x: json.dumps(x, sort_keys=True))
    return answers


FAILED = "nbgrader autograde failed:"


def verdicts(root: Path) -> dict:
    """The verdict files without run times and the course's folder; of nbgrader's
    failure on a learner, the kind only (the converter's reason is "see the above
    traceback", the batched route's is the traceback itself)."""
    out = {}
    for path in sorted((root / "autograder" / "reports" / "ch01" / "verdicts").glob("*.json")):
        v = json.loads(path.read_text().replace(str(root), "<root>"))
        for timing in ("seconds", "exec_seconds", "peak_mb"):
            v.pop(timing, None)
        if v["reason"].startswith(FAILED):
            v["reason"] = FAILED
        out[path.stem] = v
    return out


def snapshot(root: Path) -> dict:
    # nbgrader's API (formgrader) fails on the whole assignment over one unreadable
    # timestamp.txt: taken away once graded, put back for the regrade
    _bad_timestamp(root).unlink()
    rows, names = gradebook_rows(root)
    auto = root / "autograder"
    known = known_cell_ids(root)
    return {"gradebook": rows, "autograded": files(auto / "autograded", known),
            "feedback": files(auto / "feedback", known) if (auto / "feedback").is_dir()
            else {},
            "csv": _rows_in_order((auto / "reports" / "ch01" / "grades.csv").read_text()),
            "formgrader": formgrader(root, names), "verdicts": verdicts(root)}


def _rows_in_order(csv_text: str) -> str:
    """nbgrader's export lists submissions in database order, which follows their random
    uuids in either route: the header, then the rows sorted."""
    header, *rows = csv_text.splitlines()
    return "\n".join([header, *sorted(rows)]) + "\n"


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bookkeeping")
    roots = {route: tmp / route for route in ROUTES}
    courses = {route: _course(root) for route, root in roots.items()}
    subs = tmp / "submissions"
    _submissions(courses["batched"], subs)
    _grade_both(roots, [str(subs), "--no-feedback"])
    first = {route: snapshot(root) for route, root in roots.items()}
    for root in roots.values():
        _grade_by_hand(root)
        shutil.copy(subs / "badtime" / "ch01" / "timestamp.txt", _bad_timestamp(root))
    _grade_both(roots, [])          # regrade what was submitted, with feedback
    again = {route: snapshot(root) for route, root in roots.items()}
    return first, again


def _bad_timestamp(root: Path) -> Path:
    return root / "autograder" / "submitted" / "badtime" / "ch01" / "timestamp.txt"


def test_the_submissions_cover_what_the_tests_claim(rounds):
    """The cases are what the docstring says (else identical results prove little)."""
    _, again = rounds
    v = again["converter"]["verdicts"]
    assert v["rejected"]["status"] == "rejected"
    assert v["badtime"]["status"] == "grader-error"
    assert v["badtime"]["reason"] == FAILED
    for s in ("honest", "wrong", "blank"):
        assert v[s]["status"] == "graded" and \
            v[s]["cells"]["test_one_hot"]["status"] == "grader-error"
    rows = again["converter"]["gradebook"]
    penalties = {r["id"]: r["late_submission_penalty"] for r in rows["submitted_notebook"]}
    assert penalties["submitted submission ch01/wrong/ch01"] == 3.0
    assert penalties["submitted submission ch01/honest/ch01"] is None
    comments = {r["id"]: r["auto_comment"] for r in rows["comment"]}
    assert comments["Comment submitted submission ch01/blank/ch01/softmax"] == "No response."
    manual = {r["id"]: r["needs_manual_grade"] for r in rows["grade"]}
    assert manual["Grade submitted submission ch01/honest/ch01/test_one_hot"]
    # a score given by hand survives the regrade and is marked for review (as nbgrader's
    # own autograde does); a cell nobody graded by hand is not
    assert manual["Grade submitted submission ch01/honest/ch01/test_softmax"]
    assert not manual["Grade submitted submission ch01/honest/ch01/test_rnn_forward"]
    kept = {r["id"]: r["manual_score"] for r in rows["grade"]}
    assert kept["Grade submitted submission ch01/honest/ch01/test_softmax"] == 0.5
    extra = {r["id"]: r["extra_credit"] for r in rows["grade"]}
    assert extra["Grade submitted submission ch01/honest/ch01/test_softmax"] == 1.0
    assert again["converter"]["feedback"], "no feedback was generated"
    graded = again["converter"]["autograded"]
    assert "wrong/ch01/helper.py" in graded and "honest/ch01/vocabulary.txt" in graded
    assert b"Grading notes" in graded["blank/ch01/ch01.ipynb"][0]
    assert graded["honest/ch01/ch01.ipynb"][1] == "0o444"      # nbgrader's permissions


@pytest.mark.parametrize("part", ["gradebook", "autograded", "feedback", "csv",
                                  "formgrader", "verdicts"])
@pytest.mark.parametrize("when", ["first round", "regrade"])
def test_the_batched_route_stores_what_nbgraders_converter_stores(rounds, part, when):
    snap = rounds[0] if when == "first round" else rounds[1]
    ours, theirs = snap["batched"][part], snap["converter"][part]
    if isinstance(ours, dict):
        assert sorted(ours) == sorted(theirs), f"{when}, {part}: different keys"
        for key in ours:
            assert ours[key] == theirs[key], f"{when}, {part}: {key} differs"
    else:
        assert ours == theirs, f"{when}, {part} differs"
