"""Drive real nbgrader on a throw-away copy of the course, for the tests.

A ``Course`` is a temporary course root with this repo's ``nbgrader_config.py`` and the
chapters' solution notebooks. ``generate`` runs ``nbgrader generate_assignment``;
``submit`` drops notebooks into the submitted folder; ``autograde`` runs
``nbgrader autograde`` once for every submission; ``scores`` reads the gradebook.
"""
from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

import mutant_patches

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MUTANTS = Path(__file__).resolve().parent / "mutants"
from rnnkit.course import CHAPTERS  # noqa: E402 -- the course manifest
_MARKERS = re.compile(r"^\s*###\s*(BEGIN|END)\s+SOLUTION\s*$")


def nbgrader_env() -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # nbgrader runs alembic
    env.pop("RNNCOURSE_RECORD_DIR", None)
    env.pop("RNNCOURSE_DB_URL", None)   # each test's own gradebook (test_postgres sets it)
    return env


def run_nbgrader(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(BIN / "nbgrader"), *args], cwd=root, env=nbgrader_env(),
                          capture_output=True, text=True, timeout=1800)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    return proc


def answer_cells(nb) -> dict[str, int]:
    """grade_id -> cell index of every autograded-answer cell."""
    out = {}
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and not meta.get("grade"):
            out[meta["grade_id"]] = i
    return out


def solution_sources(chapter: str, nb=None) -> dict[str, str]:
    """grade_id -> the reference answer cell's code, markers removed (from ``nb``, a
    solution notebook, if given: an older version of the chapter's, for example)."""
    if nb is None:
        nb = nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    return {gid: "\n".join(ln for ln in nb.cells[i].source.splitlines()
                           if not _MARKERS.match(ln))
            for gid, i in answer_cells(nb).items()}


def autograded_points(chapter: str, written: bool = False, nb=None) -> dict[str, float]:
    """{grade_id: points} of the chapter's autograded cells (with ``written``, also of the
    written answers a person grades), in the notebook's order, read from the source
    notebook (or ``nb``, its release), so a new question or function counts without
    editing a test: a learner whose every answer is right scores exactly the autograded
    ones."""
    if nb is None:
        nb = nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"]["points"])
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
            and (written or not c.metadata["nbgrader"].get("solution"))}


def written_cells(nb) -> dict[str, int]:
    """grade_id -> cell index of every manually graded answer (the written answer)."""
    return {cell.metadata["nbgrader"]["grade_id"]: i for i, cell in enumerate(nb.cells)
            if cell.metadata.get("nbgrader", {}).get("solution")
            and cell.metadata["nbgrader"].get("grade")}


def fill_with_reference(nb, chapter: str):
    """A learner's finished notebook: ``nb`` (a release) with the reference's code in
    every answer cell and the model answer in every written answer (markers removed)."""
    source = nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    code = solution_sources(chapter, source)
    written = {gid: "\n".join(ln for ln in source.cells[i].source.splitlines()
                              if not _MARKERS.match(ln)).strip()
               for gid, i in written_cells(source).items()}
    for gid, index in answer_cells(nb).items():
        nb.cells[index].source = code[gid]
    for gid, index in written_cells(nb).items():
        nb.cells[index].source = written[gid]
    return nb


def mutants(chapter: str) -> list[tuple[str, str, Path]]:
    """(function, mutant name, file) for every wrong implementation kept as data: a
    patch against the reference answer cell (see tests/mutants/README.md)."""
    found = []
    for path in sorted((MUTANTS / chapter).glob("*.patch")):
        function, _, name = path.stem.partition("__")
        found.append((function, name, path))
    return found


def mutant_source(chapter: str, function: str, path: Path,
                  references: dict[str, str] | None = None) -> str:
    """The answer cell of a mutant: its header comments, then the current reference of
    ``function`` with the patch applied. Raises ``mutant_patches.PatchDoesNotApply``,
    saying what to redo, when the reference has changed under the patch. Pass
    ``references`` (``solution_sources(chapter)``) to avoid re-reading the notebook."""
    reference = (references or solution_sources(chapter))[function]
    where = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    return mutant_patches.apply(reference, path.read_text(encoding="utf-8"), str(where))


class Course:
    def __init__(self, root: Path, chapters: list[str]):
        self.root = root
        self.chapters = chapters
        root.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
        (root / "autograder").mkdir(exist_ok=True)
        for ch in chapters:
            shutil.copytree(REPO / "solutions" / ch, root / "solutions" / ch)

    def copy_release(self, *chapters: str) -> None:
        """The committed release notebooks (``exercises/<chapter>``) of ``chapters``, or of
        every chapter of the course, copied in instead of generated (faster, and the
        notebook learners really get)."""
        for ch in chapters or self.chapters:
            shutil.copytree(REPO / "exercises" / ch, self.root / "exercises" / ch)

    def generate(self) -> None:
        for ch in self.chapters:
            run_nbgrader(self.root, "generate_assignment", ch, "--force")

    def release(self, chapter: str):
        return nbformat.read(self.root / "exercises" / chapter / f"{chapter}.ipynb",
                             as_version=4)

    def filled(self, chapter: str, overrides: dict[str, str] | None = None):
        """The release notebook as a learner who answered everything correctly would
        submit it, with ``overrides`` (grade_id -> source) replacing some answers."""
        nb = copy.deepcopy(self.release(chapter))
        answers = {**solution_sources(chapter), **(overrides or {})}
        for gid, i in answer_cells(nb).items():
            nb.cells[i].source = answers[gid]
        return nb

    def submit(self, chapter: str, student: str, nb=None, raw: bytes | None = None,
               name: str | None = None) -> Path:
        folder = self.root / "autograder" / "submitted" / student / chapter
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / (name or f"{chapter}.ipynb")
        if raw is not None:
            path.write_bytes(raw)
        else:
            nbformat.write(nb, path)
        return path

    def autograde(self, chapter: str) -> subprocess.CompletedProcess:
        # nbgrader exits 1 when any submission errored but still grades the others.
        return run_nbgrader(self.root, "autograde", chapter, "--force", check=False)

    def scores(self, chapter: str, manual: bool = False) -> dict[str, dict[str, float]]:
        """student -> {test grade_id: score} from the gradebook: the autograded cells,
        and with ``manual`` also the written answers that a person grades."""
        skip = set() if manual else self.manual_cells(chapter)
        from nbgrader.api import Gradebook
        url = "sqlite:///" + str(self.root / "autograder" / "gradebook.db")
        out: dict[str, dict[str, float]] = {}
        with Gradebook(url) as gb:
            for sub in gb.assignment_submissions(chapter):
                grades = {}
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        if grade.name not in skip:
                            grades[grade.name] = float(grade.score or 0.0)
                out[sub.student.id] = grades
        return out

    def manual_cells(self, chapter: str) -> set[str]:
        """Grade ids of the manually graded answers (the written answer), from the source
        notebook (a course graded by the pipeline alone has no exercises/ folder)."""
        return set(written_cells(nbformat.read(
            self.root / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)))

    def max_scores(self, chapter: str, manual: bool = False) -> dict[str, float]:
        """{grade_id: points} of the autograded cells (and with ``manual`` also of the
        written answers), as released."""
        return autograded_points(chapter, written=manual, nb=self.release(chapter))


def notebook_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def grade_with_pipeline(course: "Course", chapter: str, notebooks: dict, submissions: Path,
                        jobs: int = 1, feedback: bool = False):
    """Write ``{student: notebook}`` as a folder of submissions and grade it with the
    sandboxed pipeline (``python -m autograder.grade``; with the learners' feedback
    pages if ``feedback``); returns the finished process and the verdicts by student."""
    for student, nb in notebooks.items():
        (submissions / student).mkdir(parents=True)
        nbformat.write(nb, submissions / student / f"{chapter}.ipynb")
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.grade", chapter, str(submissions), "--root",
         str(course.root), "--jobs", str(jobs), *([] if feedback else ["--no-feedback"]),
         "-q"],
        cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=1800)
    verdicts = {p.stem: json.loads(p.read_text()) for p in (
        course.root / "autograder" / "reports" / chapter / "verdicts").glob("*.json")}
    return proc, verdicts
