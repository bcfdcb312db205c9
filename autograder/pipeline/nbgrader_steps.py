"""Everything the pipeline asks of nbgrader: its config, gradebook, sanitising,
autograde bookkeeping, feedback and CSV export.

A worker process sanitises each submission exactly as nbgrader's autograde would
(:data:`SANITIZE`: nbgrader's own preprocessors plus ``ResolveCopies`` first,
``RestoreCellMetadata`` and ``Canonicalise``, from ``copies.py`` and ``repairs.py``), runs it in the sandbox, judges it, and
builds the autograded notebook (:func:`graded_notebook`: outputs, verdicts, cleaned of
learner HTML). The main process then runs nbgrader's own ``Autograde`` converter for
every submission, with two changes made through nbgrader's configuration (and two
speed-ups of its internals, in :mod:`autograder.pipeline.nbgrader_fast`):

- ``Autograde.sanitize_preprocessors`` is ``UseSandboxRun``: the worker's notebook, plus
  the grading-notes cell (the main process does not sanitise twice);
- in ``Autograde.autograde_preprocessors`` nbgrader's ``Execute`` is replaced by
  ``ApplySandboxRun``, which refuses a notebook that did not come from a sandboxed run.
  nbgrader's ``SaveAutoGrades`` then stores the outside judge's verdict in the gradebook
  (a failed test is an error output, a passed one prints), and ``export`` and
  ``generate_feedback`` show it.

``GenerateFeedback.preprocessors`` starts with nbgrader's ``ClearHiddenTests``, so
feedback never contains the hidden tests' source (nbgrader issue 917), then cleans once
more.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, ClearOutput, DeduplicateIds,
    GetGrades, IgnorePattern, LimitOutput, NbGraderPreprocessor, OverwriteCells,
    OverwriteKernelspec, SaveAutoGrades)
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder.pipeline import gradebook_db
from autograder.pipeline.clean import clean_notebook, clean_outputs
from autograder.pipeline.safe_markdown import escape_markdown, neutralise_markdown
from autograder.pipeline.copies import ResolveCopies, release_cells
from autograder.pipeline.repairs import Canonicalise, RestoreCellMetadata

SCRATCH = Path("autograder") / ".scratch"
# Sandboxed results for ApplySandboxRun, keyed (assignment, student); filled by the
# pipeline before it asks nbgrader to autograde that student.
PAYLOADS: dict[tuple[str, str], dict] = {}


def graded_notebook(nb, cell_outputs: dict, cfg: Config, assignment: str, student: str,
                    url: str):
    """The autograded notebook, as a worker builds it: the sanitised ``nb`` (as
    :func:`sanitize` made it) with the sandbox's outputs and the judge's verdicts
    (``{cell index: (outputs, execution count)}``), cleaned of every learner HTML and
    JavaScript (``clean.py``). Returns a new notebook."""
    import copy
    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outputs, count = cell_outputs.get(i, ([], None))
        cell.outputs = [nbformat.from_dict(o) for o in clean_outputs(outputs)]
        cell.execution_count = count
    resources = {"unique_key": assignment,
                 "nbgrader": {"notebook": assignment, "assignment": assignment,
                              "student": student, "db_url": url}}
    # what formgrader and the feedback render: no learner HTML or JavaScript
    return clean_notebook(nb, _course_cells(resources, cfg))


class UseSandboxRun(NbGraderPreprocessor):
    """Autograde's sanitising pass in the grading round: the notebook a worker already
    sanitised (the very steps of :data:`SANITIZE`), ran and judged
    (:func:`graded_notebook`), so the main process does not sanitise it again."""

    def preprocess(self, nb, resources):
        nbg = resources["nbgrader"]
        payload = PAYLOADS.get((nbg["assignment"], nbg["student"]))
        if payload is None:
            raise RuntimeError(f"no sandboxed run for {nbg['student']}: grade it with "
                               "`python -m autograder.grade`, not `nbgrader autograde`")
        return with_notes(nbformat.from_dict(payload["notebook"]), payload.get("notes")), \
            resources


def with_notes(nb, notes: str):
    """The autograded notebook with the grading notes (if any) as its first cell."""
    if notes:
        # generated, learner strings escaped (verdicts.notes_markdown); checked like
        # any markdown
        note = nbformat.v4.new_markdown_cell(neutralise_markdown(notes))
        note.metadata["rnncourse"] = {"grading_notes": True}
        nb.cells.insert(0, note)
    return nb


class ApplySandboxRun(NbGraderPreprocessor):
    """Stand-in for nbgrader's Execute: the outputs and verdicts are already in the
    notebook (:class:`UseSandboxRun`); refuses a notebook that did not come that way."""

    def preprocess(self, nb, resources):
        nbg = resources["nbgrader"]
        if (nbg["assignment"], nbg["student"]) not in PAYLOADS:
            raise RuntimeError(f"no sandboxed run for {nbg['student']}: grade it with "
                               "`python -m autograder.grade`, not `nbgrader autograde`")
        return nb, resources


def _course_cells(resources, config) -> dict[str, str]:
    """{grade id: released source} of the course's locked markdown and raw cells."""
    return {gid: cell["source"] for gid, cell in release_cells(resources, config).items()
            if cell["locked"] and cell["cell_type"] in ("markdown", "raw")}


class CleanNotebook(NbGraderPreprocessor):
    """``clean_notebook`` once more before feedback is rendered, whatever wrote the
    autograded notebook (already clean, it comes out the same)."""

    def preprocess(self, nb, resources):
        return clean_notebook(nb, _course_cells(resources, self.config)), resources


# ResolveCopies first: nbgrader's DeduplicateIds must never see a duplicated grade id.
SANITIZE = [ResolveCopies, ClearOutput, DeduplicateIds, OverwriteKernelspec,
            RestoreCellMetadata, OverwriteCells, Canonicalise, CheckCellMetadata]
# nbgrader's list with Execute replaced; its closing CheckCellMetadata is dropped: the
# sanitising pass just validated the same metadata (and it is the slowest step).
AUTOGRADE = [ApplySandboxRun, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
             SaveAutoGrades, AssignLatePenalties]
FEEDBACK = [ClearHiddenTests, CleanNotebook, GetGrades, CSSHTMLHeaderPreprocessor]


def load_config(root: Path) -> Config:
    """The course's nbgrader_config.py plus the pipeline's preprocessors."""
    cfg = PyFileConfigLoader("nbgrader_config.py", str(root)).load_config()
    # Plugins the course names by module (a late policy "late.SubMarks" in late.py) are
    # imported by nbgrader from the course's folder, wherever the command was run from.
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    cfg.CourseDirectory.root = str(root)
    cfg.CourseDirectory.db_url = db_url(root)   # --db-url, RNNCOURSE_DB_URL or the config's
    # generate_assignment records the assignment in the gradebook; its release copy
    # goes to scratch so grading never rewrites the committed exercises/.
    cfg.CourseDirectory.release_directory = str(SCRATCH / "release")
    cfg.Autograde.sanitize_preprocessors = [UseSandboxRun]
    cfg.Autograde.autograde_preprocessors = AUTOGRADE
    cfg.GenerateFeedback.preprocessors = FEEDBACK
    cfg.Exchange.root = str(root / SCRATCH / "exchange")
    return cfg


def db_url(root: Path) -> str:
    """The course's gradebook (``gradebook_db.course_url``: SQLite by default)."""
    return gradebook_db.course_url(root)


_API: dict[str, object] = {}


def api(cfg: Config):
    """One NbGraderAPI per config (and per process), reused for every student."""
    from nbgrader.apps import NbGraderAPI
    # by content, not identity: a worker receives its own copy of the config with
    # every task (worker.WorkerContext), and should still build nbgrader's API once
    key = hashlib.sha256(pickle.dumps(cfg)).hexdigest()
    if key not in _API or _API[key][0] != os.getpid():
        _API[key] = (os.getpid(), NbGraderAPI(config=cfg))
    return _API[key][1]


def ensure_assignment(root: Path, cfg: Config, assignment: str) -> None:
    """Record the assignment in the gradebook (generate_assignment) if it is missing or
    its source notebook changed since; the release copy goes to scratch."""
    (root / "autograder").mkdir(exist_ok=True)
    source = root / "solutions" / assignment
    digest = hashlib.sha256()
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.name.encode() + path.read_bytes())
    stamp = root / SCRATCH / assignment / "source.sha256"
    have = False
    if gradebook_db.exists(db_url(root)):
        with Gradebook(db_url(root)) as gb:
            try:
                have = bool(gb.find_assignment(assignment).notebooks)
            except MissingEntry:
                have = False
    if have and stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    result = api(cfg).generate_assignment(assignment, force=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n"
                           f"{result.get('error') or result.get('log')}")
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest.hexdigest())


def graded_cells(root: Path, assignment: str, order: list[str] | None = None
                 ) -> dict[str, dict]:
    """grade_id -> {"source", "points", "manual"} of every graded cell, as nbgrader stored
    it; "manual" marks an answer graded by hand in formgrader (a written answer: a graded
    solution cell), which the round leaves alone. The gradebook stores no order (and
    PostgreSQL returns rows in another order than SQLite), so the cells come in
    ``order``, the released notebook's grade ids, and any others after them by name."""
    out = {}
    with Gradebook(db_url(root)) as gb:
        notebook = gb.find_notebook(assignment, assignment)
        sources = {c.name: c.source for c in notebook.source_cells}
        answers = {c.name for c in notebook.solution_cells}
        for cell in notebook.grade_cells:
            out[cell.name] = {"source": sources.get(cell.name, ""),
                              "points": float(cell.max_score),
                              "manual": cell.name in answers}
    rank = {gid: i for i, gid in enumerate(order or [])}
    return {gid: out[gid] for gid in sorted(out, key=lambda g: (rank.get(g, len(rank)), g))}


def sanitize(nb, cfg: Config, assignment: str, student: str, url: str,
             order: list[str] | None = None):
    """The notebook exactly as nbgrader's (configured) autograde will sanitise it.

    ``url`` may point at a read-only copy of the gradebook, so that worker processes
    never open the file the main process writes. ``order``: the released notebook's
    grade ids in order, for ``Canonicalise`` (the gradebook stores no order).
    """
    resources = {"unique_key": assignment,
                 "nbgrader": {"notebook": assignment, "assignment": assignment,
                              "student": student, "db_url": url, "cell_order": order}}
    for cls in SANITIZE:
        nb, resources = cls(config=cfg)(nb, resources)
    return nb


def autograde(root: Path, cfg: Config, assignment: str, student: str, payload: dict) -> dict:
    """nbgrader's Autograde for one student, fed by the sandboxed run."""
    import warnings
    from sqlalchemy.exc import SAWarning
    PAYLOADS[(assignment, student)] = payload
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)  # nbgrader's autoflush chatter
            return api(cfg).autograde(assignment, student, force=True, create=True)
    finally:
        PAYLOADS.pop((assignment, student), None)


def write_scores(root: Path, assignment: str, student: str, scores: dict[str, float],
                 needs_manual: bool | set[str] = False) -> None:
    """Store the outside verdict in the gradebook (what export and feedback read).
    ``needs_manual``: every cell (True), or the grade ids of the cells the instructor
    must grade by hand (formgrader lists them).

    A score an instructor gave by hand (formgrader's ``manual_score``) is never
    overwritten: it stays the cell's score, and the cell is marked for review, as
    nbgrader's own autograde does. Cells not in ``scores`` (the written answers, which
    only a person grades) are left as nbgrader's autograde left them."""
    with Gradebook(db_url(root)) as gb:
        notebook = gb.find_submission_notebook(assignment, assignment, student)
        for grade in notebook.grades:
            if grade.name in scores:
                grade.auto_score = float(scores[grade.name])
                grade.needs_manual_grade = grade.manual_score is not None or (
                    needs_manual if isinstance(needs_manual, bool)
                    else grade.name in needs_manual)
        gb.db.commit()


def record_rejected(root: Path, cfg: Config, assignment: str, student: str,
                    reason: str) -> None:
    """A submission nbgrader cannot grade: zero in the gradebook, and an 'autograded'
    notebook (the release, with the reason on top) so feedback tells the learner why."""
    import warnings
    from sqlalchemy.exc import SAWarning
    with Gradebook(db_url(root)) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's own autoflush chatter
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student)
        notebook = gb.find_submission_notebook(assignment, assignment, student)
        for grade in notebook.grades:  # a score given by hand stays (see write_scores)
            grade.auto_score = 0.0
            grade.needs_manual_grade = grade.manual_score is not None
        gb.db.commit()
    rejected_notebook(root, assignment, student, reason)


def rejected_notebook(root: Path, assignment: str, student: str, reason: str) -> None:
    """The 'autograded' notebook of a submission nbgrader cannot grade: the release,
    with the reason on top, so feedback tells the learner why."""
    release = root / SCRATCH / "release" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(release, as_version=4)
    note = nbformat.v4.new_markdown_cell(
        "### Your submission could not be graded\n\n" + escape_markdown(reason)
        + "\n\nEvery part scores 0. Below is the assignment as released.")
    nb.cells.insert(0, note)
    out = root / "autograder" / "autograded" / student / assignment
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        if old.is_file():
            old.unlink()
    nbformat.write(nb, out / f"{assignment}.ipynb")


def generate_feedback(cfg: Config, assignment: str, student: str) -> dict:
    return api(cfg).generate_feedback(assignment, student, force=True)


def export_csv(root: Path, cfg: Config, dest: Path) -> None:
    """nbgrader export's CSV plugin, all assignments and students, into ``dest``."""
    from nbgrader.plugins import CsvExportPlugin
    dest.parent.mkdir(parents=True, exist_ok=True)
    plugin = CsvExportPlugin(config=cfg)
    plugin.to = str(dest)
    with Gradebook(db_url(root)) as gb:
        plugin.export(gb)


