"""Collect submissions (a folder or an LMS-style zip) into nbgrader's submitted folder,
and say what is wrong with each before anything runs.

Accepted layouts, inside the folder or the zip (one wrapping folder is looked through):

- ``<student>/<assignment>/<files>`` (nbgrader's own layout)
- ``<student>/<files>``
- ``<student>[_anything].ipynb`` flat files, e.g. ``alice_ch01.ipynb``, ``bob.ipynb``

Each student's folder in ``autograder/submitted/<student>/<assignment>/`` is replaced
as a whole, so collecting twice gives the same result, and students not in the input
are left alone. A notebook under another name is renamed to ``<assignment>.ipynb``
(with a note). The learner's bytes are copied as they are: an invalid file is reported
by ``inspect``, never repaired.
"""
from __future__ import annotations

import dataclasses
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

MAX_ZIP_BYTES = 2 << 30
MAX_ZIP_MEMBERS = 20000
_STUDENT = re.compile(r"[^A-Za-z0-9_.@+-]")


@dataclasses.dataclass
class Collected:
    student: str
    notes: list[str] = dataclasses.field(default_factory=list)


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


def _unwrap(folder: Path) -> Path:
    entries = [p for p in folder.iterdir() if not p.name.startswith(".")]
    while len(entries) == 1 and entries[0].is_dir():
        inner = [p for p in entries[0].iterdir() if not p.name.startswith(".")]
        if any(p.is_file() and p.suffix == ".ipynb" for p in inner) and not any(
                p.is_dir() for p in inner):
            break  # a single student's folder, not a wrapper
        folder, entries = entries[0], inner
    return folder


def _layout(folder: Path, assignment: str) -> dict[str, list[Path]]:
    """student -> files of their submission folder (or the flat file)."""
    found: dict[str, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            inner = entry / assignment if (entry / assignment).is_dir() else entry
            files = [p for p in sorted(inner.rglob("*")) if p.is_file()
                     and ".ipynb_checkpoints" not in p.parts]
            found[student_id(entry.name)] = files
        elif entry.suffix in (".ipynb", ".json") or entry.stat().st_size == 0:
            stem = entry.stem
            for suffix in (f"_{assignment}", f"-{assignment}"):
                if stem.endswith(suffix) and len(stem) > len(suffix):
                    stem = stem[: -len(suffix)]
            found.setdefault(student_id(stem.split("_")[0]), []).append(entry)
    return found


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


def _pick_notebook(files: list[Path], base: Path | None, assignment: str
                   ) -> tuple[Path | None, list[str]]:
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
    """Copy every student's submission from ``source`` into ``submitted``."""
    with tempfile.TemporaryDirectory(prefix="rnncourse-collect-") as tmp:
        if source.is_file() and zipfile.is_zipfile(source):
            folder = _unwrap(_extract(source, Path(tmp)))
        elif source.is_dir():
            folder = _unwrap(source)
        else:
            raise FileNotFoundError(f"{source} is neither a folder nor a zip of submissions")
        out: dict[str, Collected] = {}
        for student, files in _layout(folder, assignment).items():
            if only and student not in only:
                continue
            info = Collected(student)
            dest = submitted / student / assignment
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            notebook, notes = _pick_notebook(files, None, assignment)
            info.notes += notes
            for path in files:
                if path.suffix == ".ipynb" and path != notebook:
                    continue
                rel = path.name if path == notebook or path.parent == folder else \
                    str(path.relative_to(_root_of(path, files)))
                target = dest / (f"{assignment}.ipynb" if path == notebook else rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            out[student] = info
        return out


def _root_of(path: Path, files: list[Path]) -> Path:
    """The submission folder a file belongs to (the deepest common folder)."""
    import os
    common = Path(os.path.commonpath([str(p.parent) for p in files]))
    return common if path.is_relative_to(common) else path.parent
