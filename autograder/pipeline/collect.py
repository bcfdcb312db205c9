"""Collect submissions (a folder or an LMS-style zip) into nbgrader's submitted folder,
and say what is wrong with each before anything runs.

Accepted layouts, inside the folder or the zip (wrapping folders, each alone in its
parent, are looked through):

- ``<student>/<assignment>/<files>`` (nbgrader's own layout)
- ``<student>/<files>``
- ``<student>[_<assignment>].ipynb`` flat files, e.g. ``alice_ch01.ipynb``, ``bob.ipynb``:
  the student id is the whole name without the assignment suffix (``john_smith_ch01``
  is ``john_smith``)

Each student's folder in ``autograder/submitted/<student>/<assignment>/`` is replaced
as a whole, so collecting twice gives the same result, and students not in the input
are left alone. A notebook under another name is renamed to ``<assignment>.ipynb``
(with a note). The learner's bytes are copied as they are: an invalid file is reported
by ``inspect``, never repaired. Two inputs that map to one student id (a folder
``alice`` and a file ``alice_ch01.ipynb``) are both collected, the later one under
``<id>-2``, each with a note, and a :class:`CollectionClash` warning says so.
"""
from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

MAX_ZIP_BYTES = 2 << 30
MAX_ZIP_MEMBERS = 20000
_STUDENT = re.compile(r"[^A-Za-z0-9_.@+-]")


@dataclasses.dataclass
class Collected:
    student: str
    notes: list[str] = dataclasses.field(default_factory=list)
    source: str = ""   # the folder or file of the input it was collected from
    clash: str = ""    # set when another input maps to the same student id


class CollectionClash(UserWarning):
    """Several inputs map to one student id: all were collected, under distinct ids."""


@dataclasses.dataclass
class _Submission:
    student: str           # the id its name gives
    entry: Path            # the student's folder or flat file in the input
    files: list[Path]


def student_id(raw: str) -> str:
    cleaned = _STUDENT.sub("-", raw.strip()).strip(".-") or "unnamed"
    return cleaned[:100]


def _extract(archive: Path, dest: Path) -> Path:
    with zipfile.ZipFile(archive) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
            raise ValueError(f"{archive} is too large to collect")
        for info in infos:
            name = info.filename
            parts = Path(name).parts
            if name.startswith("/") or ".." in parts or "__MACOSX" in parts:
                continue
            target = dest.joinpath(*parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
    return dest


def _visible(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if not p.name.startswith(".")]


def _flat_student(stem: str, assignment: str) -> str | None:
    """The student part of a flat file's name (``alice`` of ``alice_ch01``), or None
    when the name carries no assignment suffix."""
    for suffix in (f"_{assignment}", f"-{assignment}"):
        if stem.endswith(suffix) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return None


def _holds_notebooks(folder: Path) -> bool:
    return any(".ipynb_checkpoints" not in p.parts for p in folder.rglob("*.ipynb"))


def _one_submission(folder: Path, assignment: str) -> bool:
    """True if ``folder`` holds one learner's submission rather than wrapping others':
    it has the assignment's folder (nbgrader's layout) or notebooks of its own, unless
    those are learners' flat files (``alice_ch01.ipynb``) beside more of them or beside
    other learners' folders."""
    entries = _visible(folder)
    if any(p.is_dir() and p.name == assignment for p in entries):
        return True
    notebooks = [p for p in entries if p.is_file() and p.suffix == ".ipynb"]
    if not notebooks or any(p.name == f"{assignment}.ipynb" for p in notebooks):
        return bool(notebooks)
    if not all(_flat_student(p.stem, assignment) for p in notebooks):
        return True
    folders = [p for p in entries if p.is_dir() and _holds_notebooks(p)]
    return len(notebooks) == 1 and not folders


def _unwrap(folder: Path, assignment: str) -> Path:
    """The folder whose entries are the students' folders and files: wrapping folders,
    alone in their parent, are looked through, but a learner's own folder is not."""
    entries = _visible(folder)
    while len(entries) == 1 and entries[0].is_dir() and not _one_submission(
            entries[0], assignment):
        folder, entries = entries[0], _visible(entries[0])
    return folder


def _layout(folder: Path, assignment: str) -> list[_Submission]:
    """Every submission in ``folder``: a student's folder or a flat file."""
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            inner = entry / assignment if (entry / assignment).is_dir() else entry
            files = [p for p in sorted(inner.rglob("*")) if p.is_file()
                     and ".ipynb_checkpoints" not in p.parts]
            found.append(_Submission(student_id(entry.name), entry, files))
        elif entry.suffix in (".ipynb", ".json") or entry.stat().st_size == 0:
            stem = _flat_student(entry.stem, assignment) or entry.stem
            found.append(_Submission(student_id(stem), entry, [entry]))
    return found


def _distinct_ids(submissions: list[_Submission]) -> tuple[list[Collected], list[str]]:
    """One Collected per submission, in order, and a warning per student id that several
    submissions map to. Of those, the first keeps the id and the others get ``<id>-2``,
    ``<id>-3``, ... (ids no other submission has); each gets a note saying so."""
    groups: dict[str, list[int]] = {}
    for k, sub in enumerate(submissions):
        groups.setdefault(sub.student, []).append(k)
    taken = set(groups)
    out = [Collected(sub.student, source=sub.entry.name) for sub in submissions]
    clashes = []
    for student, members in groups.items():
        if len(members) == 1:
            continue
        for n, k in enumerate(members[1:], start=2):
            while f"{student}-{n}" in taken:
                n += 1
            out[k].student = f"{student}-{n}"
            taken.add(out[k].student)
        names = " and ".join(f"'{submissions[k].entry.name}'" for k in members)
        for k in members:
            out[k].clash = (f"{len(members)} submissions map to the student id "
                            f"'{student}': {names}. This one, '{out[k].source}', was "
                            f"collected as '{out[k].student}'; check which is whose.")
            out[k].notes.append(out[k].clash)
        ids = " and ".join(f"'{out[k].student}'" for k in members)
        clashes.append(f"{len(members)} submissions map to the student id '{student}' "
                       f"({names}): none was dropped, they were collected as {ids}; "
                       "check which is whose.")
    return out, clashes


def _has_test_cells(path: Path) -> bool:
    """True if the file is a notebook with at least one of the course's test cells."""
    import nbformat
    from rnnkit.course import TEST_PREFIX
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 -- not a notebook (or not readable): not this one
        return False
    return any(str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
               .startswith(TEST_PREFIX) for cell in nb.cells)


def _pick_notebook(files: list[Path], assignment: str) -> tuple[Path | None, list[str]]:
    wanted = f"{assignment}.ipynb"
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    exact = [p for p in notebooks if p.name == wanted]
    if exact:
        return exact[0], []
    if len(notebooks) == 1:
        return notebooks[0], [f"The notebook was submitted as '{notebooks[0].name}'; it was "
                              f"graded as '{wanted}'."]
    for path in notebooks:
        if _has_test_cells(path):
            return path, [f"Several notebooks were submitted; '{path.name}' was graded "
                          f"as '{wanted}'."]
    if notebooks:
        return None, [f"None of the submitted notebooks ({', '.join(p.name for p in notebooks)}) "
                      f"is '{wanted}'."]
    return None, []


def collect(source: Path, submitted: Path, assignment: str,
            only: set[str] | None = None) -> dict[str, Collected]:
    """Copy every student's submission from ``source`` into ``submitted``.

    Warns with :class:`CollectionClash` for every student id that several inputs map
    to (all of them are collected, see :func:`_distinct_ids`)."""
    with tempfile.TemporaryDirectory(prefix="rnncourse-collect-") as tmp:
        if source.is_file() and zipfile.is_zipfile(source):
            folder = _unwrap(_extract(source, Path(tmp)), assignment)
        elif source.is_dir():
            folder = _unwrap(source, assignment)
        else:
            raise FileNotFoundError(f"{source} is neither a folder nor a zip of submissions")
        submissions = _layout(folder, assignment)
        collected, clashes = _distinct_ids(submissions)
        for clash in clashes:
            warnings.warn(f"{source}: {clash}", CollectionClash, stacklevel=2)
        out: dict[str, Collected] = {}
        for sub, info in zip(submissions, collected):
            if only and info.student not in only:
                continue
            _copy(sub.files, folder, submitted / info.student / assignment, assignment,
                  info)
            out[info.student] = info
        return out


def _copy(files: list[Path], folder: Path, dest: Path, assignment: str,
          info: Collected) -> None:
    """Replace ``dest`` with the submission's files, its notebook as ``<assignment>.ipynb``."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    notebook, notes = _pick_notebook(files, assignment)
    info.notes += notes
    for path in files:
        if path.suffix == ".ipynb" and path != notebook:
            continue
        rel = path.name if path == notebook or path.parent == folder else \
            str(path.relative_to(_root_of(path, files)))
        target = dest / (f"{assignment}.ipynb" if path == notebook else rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _root_of(path: Path, files: list[Path]) -> Path:
    """The submission folder a file belongs to (the deepest common folder)."""
    common = Path(os.path.commonpath([str(p.parent) for p in files]))
    return common if path.is_relative_to(common) else path.parent
