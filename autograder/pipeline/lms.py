"""Grades for an LMS: Canvas's and Moodle's grade-import CSV, read from nbgrader's gradebook.

``python -m autograder.export canvas|moodle ASSIGNMENT [--per-question]`` (the command is
``autograder/export.py``) writes one row per learner who submitted, with the assignment's
score after nbgrader's late penalty and, with ``--per-question``, one column per graded
cell (named by its grade id). The gradebook is opened read-only; nothing in it changes.

**Canvas** follows "How do I import grades in the Gradebook?" (Canvas Instructor Guide),
as canvas-lms's ``GradebookImporter`` reads it: Student, ID, SIS User ID, SIS Login ID,
Section, one column per assignment ("Name" or "Name (Canvas assignment id)"), and a row
"Points Possible" right after the header. Canvas matches a
learner by ID (its numeric user id, read with ``to_i``, so ``lms_user_id`` goes there
only when it is all digits), then SIS User ID, then SIS Login ID, then the name
("Last, First"); nbgrader's student id goes in the SIS column that ``id_column`` names.
An assignment column matches by the id in parentheses, else by exact title, else Canvas
creates the assignment (and each per-question column becomes an assignment: put them in
a group weighted 0 % or tick "Do not count this assignment towards the final grade").
Learners Canvas cannot match are listed for the instructor to match by hand.

**Moodle** follows "Grade import" (MoodleDocs), CSV import, as ``gradeimport_csv``
reads it: a header row, then one row per learner; at import the instructor maps one
identifying column ("Map from") to a user field ("Map to": username, ID number, email
address or user id), each grade column to a grade item or a new one, and the feedback
column to "Feedback for" the assignment's item; unmapped columns are ignored. Moodle has
no maximum-points row (a new grade item gets maximum 100; the command prints the
maxima) and takes the encoding at upload.

Both files are UTF-8 without a byte-order mark (neither format's documentation asks for
one; Moodle asks for the encoding, UTF-8 by default). Learners without a submission are
left out: a blank cell clears a grade in Canvas and in Moodle, and in Moodle a row whose
learner cannot be found aborts the whole import. Every cell is quoted and every text cell
that starts with ``= + - @``, a tab or a carriage return gets a leading ``'`` (OWASP,
"CSV Injection"); numbers are written by us and never start with one.

The late penalty is the one nbgrader stored: its ``AssignLatePenalties`` calls the
configured late-submission plugin with each notebook's score and the submission's
``total_seconds_late`` (from ``timestamp.txt`` and the due date) and stores
``late_submission_penalty``; the score is ``max(0, score - penalty)``, as in nbgrader's
own CSV export. :func:`policy_warnings` asks the configured plugin again and says where
the stored penalty differs (a policy set after grading, manual grades since).
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

FORMATS = ("canvas", "moodle")
_RISKY = ("=", "+", "-", "@", "\t", "\r")
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDENTITY = ["Student ID", "First name", "Last name", "Email address", "LMS user ID"]
# canvas-lms GradebookImporter drops any column whose header contains one of these.
_CANVAS_NOT_ASSIGNMENTS = ("Current Score", "Current Points", "Current Grade", "Final Score",
                           "Final Points", "Final Grade", "Override Score", "Override Grade",
                           "Override Status")


@dataclasses.dataclass(frozen=True)
class Part:
    notebook: str
    grade_id: str
    max_score: float


@dataclasses.dataclass(frozen=True)
class Learner:
    id: str
    first_name: str
    last_name: str
    email: str
    lms_user_id: str
    raw: float                     # sum of the graded cells
    penalty: float                 # nbgrader's stored late penalty (sum over notebooks)
    score: float                   # max(0, raw - penalty)
    seconds_late: float
    timestamp: str                 # UTC, "" if nbgrader has none
    parts: dict                    # (notebook, grade id) -> score
    notebooks: tuple               # (notebook, score, stored penalty or None)


@dataclasses.dataclass(frozen=True)
class Grades:
    assignment: str
    max_score: float
    parts: list
    learners: list                 # those with a submission, by student id
    absent: list                   # ids of learners in the gradebook without one


def read_only_url(db_url: str) -> str:
    """The gradebook opened read-only: SQLite without a journal, PostgreSQL with every
    transaction read-only (``gradebook_db.read_only_url``); no write can happen."""
    from autograder.pipeline.gradebook_db import read_only_url
    return read_only_url(db_url)


def read_grades(db_url: str, assignment: str, source: Path | None = None) -> Grades:
    """Scores, late penalties, parts and identities of one assignment. ``source``: the
    course's source folder, to order the parts as in the notebook (else by grade id)."""
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(read_only_url(db_url), "") as gb:   # "" never creates a course row
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry:
            raise LookupError(f"the gradebook has no assignment {assignment!r}") from None
        parts = []
        for nb in record.notebooks:
            cells = {c.name: float(c.max_score) for c in [*nb.grade_cells, *nb.task_cells]}
            parts += [Part(nb.name, gid, cells[gid])
                      for gid in _cell_order(source, assignment, nb.name, cells)]
        learners, absent = [], []
        for student in sorted(gb.students, key=lambda s: s.id):
            try:
                sub = gb.find_submission(assignment, student.id)
            except MissingEntry:
                absent.append(student.id)
                continue
            penalty = float(sub.late_submission_penalty or 0.0)
            learners.append(Learner(
                student.id, student.first_name or "", student.last_name or "",
                student.email or "", student.lms_user_id or "", float(sub.score), penalty,
                max(0.0, float(sub.score) - penalty), float(sub.total_seconds_late),
                f"{sub.timestamp:%Y-%m-%d %H:%M:%S} UTC" if sub.timestamp else "",
                {(nb.name, g.name): float(g.score) for nb in sub.notebooks for g in nb.grades},
                tuple((nb.name, float(nb.score), nb.late_submission_penalty)
                      for nb in sub.notebooks)))
        return Grades(assignment, float(record.max_score), parts, learners, absent)


def _cell_order(source: Path | None, assignment: str, notebook: str, cells: dict) -> list:
    """Grade ids in the order of the source notebook; unknown ones after, by name."""
    order = []
    path = source / assignment / f"{notebook}.ipynb" if source else None
    if path and path.is_file():
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in cells and gid not in order:
                order.append(gid)
    return order + sorted(set(cells) - set(order))


def neutralise(value) -> str:
    """A text cell a spreadsheet will not run: ``'`` before a leading = + - @ tab CR."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_RISKY) else text


def _number(x: float) -> str:
    return f"{round(x, 6) + 0.0:.6f}".rstrip("0").rstrip(".")


def _part_columns(grades: Grades, title: str) -> list[str]:
    base = re.sub(r"\s*\(\d+\)$", "", title)   # not Canvas's "(assignment id)"
    several = len({p.notebook for p in grades.parts}) > 1
    return [f"{base}: {p.notebook + '/' if several else ''}{p.grade_id}" for p in grades.parts]


def canvas_rows(grades: Grades, per_question: bool = False, title: str | None = None,
                id_column: str = "login") -> list[list[str]]:
    """Header, "Points Possible", one row per learner (see the module's docstring).
    ``id_column``: the Canvas column that gets nbgrader's student id: "login" (SIS Login
    ID), "sis" (SIS User ID) or "none"."""
    title = title or grades.assignment
    columns = [title] + (_part_columns(grades, title) if per_question else [])
    for name in columns:
        if name in CANVAS_IDENTITY or any(w in name for w in _CANVAS_NOT_ASSIGNMENTS):
            raise ValueError(f"Canvas would not read {name!r} as an assignment column")
    maxima = [grades.max_score] + ([p.max_score for p in grades.parts] if per_question else [])
    rows = [[*CANVAS_IDENTITY, *columns],
            ["Points Possible", "", "", "", "", *map(_number, maxima)]]
    for ln in grades.learners:
        name = ", ".join(n for n in (ln.last_name, ln.first_name) if n)
        canvas_id = ln.lms_user_id if ln.lms_user_id.isascii() and ln.lms_user_id.isdigit() else ""
        sis = {"sis": [ln.id, ""], "login": ["", ln.id], "none": ["", ""]}[id_column]
        rows.append([name, canvas_id, *sis, "", *_scores(ln, grades, per_question)])
    return rows


def moodle_rows(grades: Grades, per_question: bool = False,
                title: str | None = None) -> list[list[str]]:
    """Header and one row per learner; the last column is feedback on the late penalty."""
    title = title or grades.assignment
    columns = [title] + (_part_columns(grades, title) if per_question else [])
    rows = [[*MOODLE_IDENTITY, *columns, f"{title} (Feedback)"]]
    for ln in grades.learners:
        rows.append([ln.id, ln.first_name, ln.last_name, ln.email, ln.lms_user_id,
                     *_scores(ln, grades, per_question), late_note(ln)])
    return rows


def _scores(ln: Learner, grades: Grades, per_question: bool) -> list[str]:
    parts = [ln.parts.get((p.notebook, p.grade_id), 0.0) for p in grades.parts]
    return [_number(ln.score)] + ([_number(s) for s in parts] if per_question else [])


def late_note(ln: Learner) -> str:
    if ln.seconds_late <= 0:
        return ""
    penalty = (f"late penalty {_number(ln.penalty)} point(s), {_number(ln.raw)} before it"
               if ln.penalty else "no late penalty")
    return (f"Submitted {ln.timestamp}, {ln.seconds_late / 3600:.1f} h after the due date: "
            f"{penalty}.")


def render(rows: list[list[str]]) -> str:
    """The CSV text: every cell quoted (a separator inside a cell stays inside it,
    whatever separator a spreadsheet guesses) and every text cell neutralised."""
    buf = io.StringIO()
    csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(
        [neutralise(cell) for cell in row] for row in rows)
    return buf.getvalue()


def policy_warnings(cfg, grades: Grades, root: Path | None = None) -> list[str]:
    """Where the stored late penalty differs from what the configured plugin gives now,
    computed by nbgrader's own ``AssignLatePenalties`` and its plugin."""
    from nbgrader.preprocessors import AssignLatePenalties
    if root is not None and str(root) not in sys.path:
        sys.path.insert(0, str(root))   # as nbgrader's apps do, for a plugin beside the config
    step = AssignLatePenalties(config=cfg)
    try:
        step.init_plugin()
    except Exception as exc:  # noqa: BLE001 -- a broken plugin: say so, export anyway
        return [f"the late-submission plugin could not be loaded ({exc}); penalties "
                "were taken from the gradebook unchecked"]
    out = []
    for ln in grades.learners:
        for name, score, stored in ln.notebooks:
            expected = None
            if ln.seconds_late > 0:
                expected = step.plugin_inst.late_submission_penalty(ln.id, score, ln.seconds_late)
                if expected is not None:
                    # nbgrader's clipping to [0, score]; it reads only .score
                    expected = step._check_late_penalty(SimpleNamespace(score=score), expected)
            if abs((expected or 0.0) - (stored or 0.0)) > 1e-9:
                out.append(f"{ln.id}: the gradebook's late penalty on {name} is "
                           f"{_number(stored or 0.0)}, the configured policy gives "
                           f"{_number(expected or 0.0)} now; regrade this learner to apply it")
    return out


def notes(grades: Grades, rows: list[list[str]], fmt: str, per_question: bool,
          title: str | None) -> list[str]:
    """What the instructor should know before importing ``rows``."""
    notes = [f"maximum points: {title or grades.assignment} {_number(grades.max_score)}"
             + ("".join(f"; {p.grade_id} {_number(p.max_score)}" for p in grades.parts)
                if per_question else "")]
    if grades.absent:
        notes.append(f"left out, no submission: {', '.join(grades.absent)}")
    changed = [c for row in rows[1:] for c in row[:5] if neutralise(c) != c]
    if changed:
        notes.append(f"{len(changed)} identity cell(s) start with = + - @ or a control "
                     "character and were written with a leading ' (CSV injection)")
    if fmt == "moodle" and any(not ln.email for ln in grades.learners):
        # gradeimport_csv skips a blank identifier but keeps the previous row's learner
        notes.append("some learners have no email address: map 'Student ID' to username "
                     "or ID number, not 'Email address'")
    return notes
