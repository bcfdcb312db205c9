"""nbgrader's autograde bookkeeping, split so that the main process's share is small.

nbgrader's ``Autograde`` converter, run per learner in the main process, did three
kinds of work: notebook work (the grading-notes cell, ``IgnorePattern``,
``LimitOutput``..., writing the autograded notebook twice and reading it back once,
copying the course's files beside it), reading the notebook's grades and comments off
its cells (``SaveAutoGrades``), and gradebook writes, about ten transactions per learner.
That serial part capped every speed-up (issue 24). Here:

- a **worker** does the notebook work with nbgrader's own exporter and preprocessors
  (:func:`prepare`): the autograded folder is built in scratch, byte for byte what the
  converter writes, and the rows ``SaveAutoGrades`` would store are read off the same
  cells with nbgrader's own ``determine_grade`` and ``compute_checksum``;
- the **main process** writes the rows of every learner whose run has finished, in the
  fixed order, in **one transaction** per chunk, through nbgrader's ORM (so any database
  SQLAlchemy speaks, SQLite or PostgreSQL), following the converter's steps in its order:
  student, submission and its timestamp, auto scores and comments, the late penalty
  (nbgrader's ``AssignLatePenalties`` plugin, on the score it would have seen), then the
  outside judge's scores (``nbgrader_steps.write_scores``); then it moves each prepared
  folder into ``autograded/`` (:func:`install`).

If a chunk's transaction fails, each learner of it is written alone, so one learner's
failure is that learner's only, reported as nbgrader's failure was. nbgrader's converter
stays the reference: ``Options(converter_reference=True)`` grades the old way, and
tests/test_bookkeeping.py holds both routes to the same gradebook, files, export,
feedback and formgrader.
"""
from __future__ import annotations

import dataclasses
import datetime
import os
import shutil
import traceback
from pathlib import Path

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader import utils
from nbgrader.api import (Gradebook, MissingEntry, Student, SubmittedAssignment,
                          SubmittedNotebook, Grade, Comment)
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import AssignLatePenalties, NbGraderPreprocessor, SaveAutoGrades
from traitlets.config import Config

from autograder.pipeline import nbgrader_steps as steps

# Of Autograde.autograde_preprocessors, the ones that only touch the gradebook (the main
# process does their part); SaveAutoGrades is replaced by ReadRows, the rest is run as is.
GRADEBOOK_ONLY = (steps.ApplySandboxRun, AssignLatePenalties)
CHUNK = 64             # learners per transaction at most
GATHER_SECONDS = 1.0   # how long a finished learner's rows wait for others to share a commit


@dataclasses.dataclass
class Rows:
    """What the converter would store for one learner (plain data, from a worker)."""
    student: str
    folder: str                     # the prepared autograded folder, in scratch
    timestamp: datetime.datetime | None
    auto_scores: list               # [(grade id, score or None)], in cell order
    comments: list                  # [(grade id, auto comment or None)], in cell order


def _exporter(cfg: Config, preprocessors) -> NotebookExporter:
    # as nbgrader's BaseConverter builds it: no default preprocessors, each registered
    # with its configured ``enabled`` (nbconvert's ClearMetadataPreprocessor is off)
    c = Config(cfg)
    c.Exporter.default_preprocessors = []
    exporter = NotebookExporter(config=c)
    for pp in preprocessors:
        exporter.register_preprocessor(pp)
    return exporter


def _resources(assignment: str, student: str, url: str) -> dict:
    return {"unique_key": assignment, "output_files_dir": f"{assignment}_files",
            "nbgrader": {"student": student, "assignment": assignment,
                         "notebook": assignment, "db_url": url}}


def prepare(cfg: Config, root: Path, assignment: str, student: str, notebook: dict,
            notes_md: str, url: str) -> Rows:
    """In a worker: the autograded folder of one learner, as nbgrader's converter writes
    it, built in scratch, and the rows it would store. ``notebook`` is the worker's
    autograded notebook (``graded_notebook``), ``notes_md`` the grading notes."""
    coursedir = CourseDirectory(config=cfg)
    coursedir.root = str(root)
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, student,
                                           assignment))
    timestamp = coursedir.get_existing_timestamp(str(submitted))
    folder = root / steps.SCRATCH / assignment / "autograded" / student
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    _copy_files(submitted, folder, coursedir.ignore)                   # BaseConverter
    source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
    keep = {os.path.join(str(source), x) for x in
            _autograde_setting(cfg, "exclude_overwriting", {}).get(assignment, [])}
    _copy_files(source, folder, coursedir.ignore, skip=keep, links=True)  # Autograde
    # the sanitising pass: the worker's notebook with the notes on top, written out...
    nb = steps.with_notes(nbformat.from_dict(notebook), notes_md)
    text, _ = _exporter(cfg, []).from_notebook_node(nb, _resources(assignment, student, url))
    # ...read back and through the autograde pass's notebook preprocessors, in order;
    # ReadRows stands where SaveAutoGrades stood and reads the same cells
    kept = [ReadRows if pp is SaveAutoGrades else pp
            for pp in cfg.Autograde.autograde_preprocessors if pp not in GRADEBOOK_ONLY]
    text, resources = _exporter(cfg, kept).from_notebook_node(
        nbformat.reads(text, as_version=4), _resources(assignment, student, url))
    (folder / f"{assignment}.ipynb").write_text(text, encoding="utf-8")
    auto_scores, comments = resources["rnncourse_rows"]
    permissions = int(str(_autograde_setting(cfg, "permissions",
                                             664 if coursedir.groupshared else 444)), 8)
    for dirname, _, files in os.walk(folder):
        for name in files:
            os.chmod(os.path.join(dirname, name), permissions)
    return Rows(student, str(folder), timestamp, auto_scores, comments)


def _autograde_setting(cfg: Config, name: str, default):
    section = cfg.Autograde
    return section[name] if name in section else \
        cfg.BaseConverter[name] if name in cfg.BaseConverter else default


def _copy_files(src: Path, dest: Path, ignore: list, skip=frozenset(),
                links: bool = False) -> None:
    """The non-notebook files under ``src`` into ``dest``, as nbgrader copies them
    (``find_all_files`` with the course's ignore list). A learner's links are not
    followed (``links``: the course's own source folder may hold them)."""
    if not src.is_dir():
        return
    for filename in utils.find_all_files(str(src), list(ignore) + ["*.ipynb"]):
        if filename in skip or (not links and os.path.islink(filename)) \
                or not os.path.isfile(filename):
            continue
        target = dest / os.path.relpath(filename, src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        shutil.copy(filename, target)


class ReadRows(NbGraderPreprocessor):
    """What ``SaveAutoGrades`` reads off the cells, where it reads them, with nbgrader's
    own functions: the auto score of every grade cell and the auto comment of every
    solution and task cell, in cell order (into ``resources["rnncourse_rows"]``)."""

    def preprocess(self, nb, resources):
        scores, comments = [], []
        for cell in nb.cells:
            if utils.is_grade(cell):
                scores.append((cell.metadata["nbgrader"]["grade_id"],
                               utils.determine_grade(cell, self.log)[0]))
            if utils.is_solution(cell) or utils.is_task(cell):
                unchanged = cell.metadata.nbgrader.get("checksum", None) == \
                    utils.compute_checksum(cell) and not utils.is_task(cell)
                comments.append((cell.metadata["nbgrader"]["grade_id"],
                                 "No response." if unchanged else None))
        resources["rnncourse_rows"] = (scores, comments)
        return nb, resources


# ---------------------------------------------------------------- main process
@dataclasses.dataclass
class Entry:
    """One learner's gradebook writes: ``rows`` for a graded run, else ``rejected``."""
    student: str
    rows: Rows | None = None
    scores: dict | None = None            # the outside judge's, for write_scores
    needs_manual: bool | set = False
    rejected: str = ""


class Gradebooks:
    """The main process's writer: one transaction per chunk of learners."""

    def __init__(self, root: Path, cfg: Config, assignment: str):
        self.root, self.cfg, self.assignment = root, cfg, assignment
        self.coursedir = CourseDirectory(config=cfg)
        self.coursedir.root = str(root)
        self.late = AssignLatePenalties(config=cfg)   # nbgrader's own, with its plugin
        self.late.init_plugin()

    def write(self, entries: list[Entry]) -> dict[str, str]:
        """Store every entry in one transaction; returns {student: error} for the
        learners whose rows could not be stored (written one by one after a failure)."""
        if not entries:
            return {}
        try:
            self._transaction(entries)
            return {}
        except Exception:  # noqa: BLE001 -- find whose it is, one learner at a time
            pass
        errors = {}
        for entry in entries:
            try:
                self._transaction([entry])
            except Exception:  # noqa: BLE001 -- that learner's failure only
                errors[entry.student] = traceback.format_exc()
        return errors

    def _transaction(self, entries: list[Entry]) -> None:
        import warnings
        from sqlalchemy.exc import SAWarning
        with Gradebook(steps.db_url(self.root), self.coursedir.course_id) as gb, \
                warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)  # nbgrader's autoflush chatter
            assignment = gb.find_assignment(self.assignment)
            master = gb.find_notebook(self.assignment, self.assignment)
            # cell id -> grade id, read once (else every row's name is a query)
            names = {cell.id: cell.name for cell in
                     [*master.grade_cells, *master.solution_cells, *master.task_cells]}
            for entry in entries:
                self._store(gb, assignment, master, names, entry)
            gb.db.commit()

    def _store(self, gb: Gradebook, assignment, master, names: dict, entry: Entry) -> None:
        db = gb.db
        timestamp = entry.rows.timestamp if entry.rows else None
        submission = _submission(gb, assignment, entry.student, timestamp)
        notebook = next(nb for nb in submission.notebooks if nb.notebook_id == master.id)
        grades = {names[g.cell_id]: g for g in notebook.grades}
        if entry.rows is None:   # nbgrader_steps.record_rejected, in this transaction
            for grade in grades.values():  # a score given by hand stays
                grade.auto_score = 0.0
                grade.needs_manual_grade = grade.manual_score is not None
            return
        for gid, auto in entry.rows.auto_scores:              # SaveAutoGrades
            grade = grades[gid]
            grade.auto_score = auto
            grade.needs_manual_grade = grade.manual_score is not None or auto is None
        comments = {names[c.cell_id]: c for c in notebook.comments}
        for gid, text in entry.rows.comments:
            comments[gid].auto_comment = text
        db.flush()                                            # AssignLatePenalties
        db.expire(notebook, ["score"])
        notebook.late_submission_penalty = None
        if submission.total_seconds_late > 0:
            penalty = self.late.plugin_inst.late_submission_penalty(
                entry.student, notebook.score, submission.total_seconds_late)
            if penalty is not None:
                notebook.late_submission_penalty = self.late._check_late_penalty(
                    notebook, penalty)
        manual = entry.needs_manual                           # write_scores
        for name, grade in grades.items():
            if name in entry.scores:
                grade.auto_score = float(entry.scores[name])
                # a score an instructor gave by hand is never overwritten (write_scores)
                grade.needs_manual_grade = grade.manual_score is not None or (
                    manual if isinstance(manual, bool) else name in manual)


def _submission(gb: Gradebook, assignment, student_id: str,
                timestamp: datetime.datetime | None):
    """nbgrader's update_or_create_student and update_or_create_submission, without
    their commits: the student, and the submission with every notebook's grades and
    comments (as ``Gradebook.add_submission`` mirrors the assignment)."""
    try:
        student = gb.find_student(student_id)
    except MissingEntry:
        student = Student(id=student_id)
        gb.db.add(student)
    try:
        submission = gb.find_submission(assignment.name, student_id)
    except MissingEntry:
        submission = SubmittedAssignment(assignment=assignment, student=student,
                                         **({"timestamp": timestamp} if timestamp else {}))
        for notebook in assignment.notebooks:
            nb = SubmittedNotebook(notebook=notebook, assignment=submission)
            for cell in notebook.grade_cells:
                Grade(cell_id=cell.id, notebook=nb)
            for cell in notebook.solution_cells:
                Comment(cell_id=cell.id, notebook=nb)
            for cell in notebook.task_cells:
                Comment(cell_id=cell.id, notebook=nb)
                Grade(cell_id=cell.id, notebook=nb)
        gb.db.add(submission)
        gb.db.flush()
    else:
        if timestamp:
            submission.timestamp = timestamp
    return submission


def install(root: Path, cfg: Config, assignment: str, rows: Rows) -> None:
    """Move a learner's prepared folder into nbgrader's autograded folder, in place of
    the previous one (nbgrader's ``--force``)."""
    coursedir = CourseDirectory(config=cfg)
    coursedir.root = str(root)
    dest = Path(coursedir.format_path(coursedir.autograded_directory, rows.student,
                                      assignment))
    if dest.exists() or dest.is_symlink():
        shutil.rmtree(dest) if dest.is_dir() and not dest.is_symlink() else dest.unlink()
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(rows.folder, dest)
