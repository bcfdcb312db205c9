"""The outside judge: decides every graded cell's score in a clean process.

Nothing here runs learner code. For each graded test cell the judge

1. parses the cell's source as nbgrader stored it in the gradebook (visible and hidden
   tests) with ``ast`` and lists the ``check("chNN.function", globals(), seeds=[...],
   **shape)`` calls: the case instances this cell must have produced;
2. loads what the sandboxed notebook recorded for each instance (plain ``.npz`` arrays,
   never pickles, size-checked before reading, plus a JSON description);
3. runs the same case on the reference (``solutions/``) and compares with
   ``Case.compare``, the very comparison the in-kernel check makes, so the learner gets
   the same messages; a function that changed its input arrays in place fails unless
   the reference does the same;
4. gives the cell full points only if every instance passed, and otherwise zero and
   the first failure as the reason.

A missing recording, a cell that crashed or timed out, and a kernel the canary caught
tampering before the cell ran all give zero with a reason.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import zipfile
from pathlib import Path

import numpy as np

from rnnkit import cases as _cases
from rnnkit.checks import CheckFailure
from autograder.instructor import judge_for, reference_run
from rnnkit.grading import mutation_message, record_name

MAX_RECORD_BYTES = 64 << 20


@dataclasses.dataclass(frozen=True)
class Instance:
    chapter: str
    function: str
    seed: int
    shape: tuple  # sorted (name, value) pairs of the full shape (case defaults applied)

    @property
    def stem(self) -> str:
        return record_name(self.chapter, self.function, self.seed, dict(self.shape))

    def describe(self) -> str:
        shape = ", ".join(f"{k}={v}" for k, v in self.shape)
        return f"case seed={self.seed}, shape {{{shape}}}"


@dataclasses.dataclass
class CellVerdict:
    grade_id: str
    points: float
    score: float
    status: str           # passed | failed | timeout | crashed | not-run | tampered | ...
    reason: str
    cases: int = 0
    failed_cases: int = 0

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


class UnjudgeableTest(ValueError):
    """A graded cell's source has a check() call the judge cannot read statically."""


def literal_calls(source: str, name: str) -> list[tuple[str, dict]]:
    """``(case name, keyword arguments)`` of every ``name("chNN.function", ...,
    key=literal)`` call in a test cell's source, read statically (never executed)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == name):
            continue
        if not node.args or not isinstance(node.args[0], ast.Constant) \
                or not isinstance(node.args[0].value, str):
            raise UnjudgeableTest(f"{name}() without a literal case name: {ast.unparse(node)}")
        kwargs = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise UnjudgeableTest(f"{name}(**...) cannot be judged: {ast.unparse(node)}")
            try:
                kwargs[kw.arg] = ast.literal_eval(kw.value)
            except ValueError:
                raise UnjudgeableTest(f"non-literal argument {kw.arg} in {ast.unparse(node)}") \
                    from None
        found.append((node.args[0].value, kwargs))
    return found


def parse_checks(source: str) -> list[Instance]:
    """Every case instance the ``check(...)`` calls in a test cell's source ask for."""
    found: list[Instance] = []
    for name, kwargs in literal_calls(source, "check"):
        chapter, function = name.split(".", 1)
        seeds = [int(s) for s in kwargs.pop("seeds", [0])]
        case = _cases.get(chapter, function)
        full = {**case.defaults, **kwargs}
        for seed in seeds:
            found.append(Instance(chapter, function, int(seed), tuple(sorted(full.items()))))
    return found


def other_test_calls(source: str) -> list[str]:
    """Names of functions other than ``check`` that a test cell calls as statements
    (e.g. a chapter's ``gradcheck``): their verdict exists only inside the kernel."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else ""
            if name and name not in ("check", "print") and name not in names:
                names.append(name)
    return names


def _safe_load_npz(path: Path) -> dict[str, np.ndarray]:
    """Load a recorded .npz without pickles, refusing members that claim to be huge."""
    if path.stat().st_size > MAX_RECORD_BYTES:
        raise CheckFailure("the recorded outputs are larger than the grader accepts "
                           f"({path.stat().st_size >> 20} MB).")
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.file_size > MAX_RECORD_BYTES or not info.filename.endswith(".npy"):
                raise CheckFailure("the recorded outputs are malformed.")
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                if dtype.hasobject or int(np.prod(shape)) * dtype.itemsize > MAX_RECORD_BYTES:
                    raise CheckFailure("the recorded outputs are malformed.")
            with archive.open(info) as member:
                arrays[info.filename[:-4]] = np.lib.format.read_array(member, allow_pickle=False)
    return arrays


def _rebuild(kind: str, array: np.ndarray | None):
    """The learner's output as check_array needs to see it, from its recorded form."""
    family, _, name = kind.partition(":")
    if family == "none":
        return None
    if family == "object" or array is None:
        return type(name or "object", (), {})()
    if family == "subclass":
        return array.view(type(name, (np.ndarray,), {}))
    if family == "python":
        return array.item()
    if family == "numpy":
        return array[()]
    return array


class Judge:
    """Reference outputs (cached per instance) and the comparison, for one chapter."""

    def __init__(self, chapter: str):
        from autograder import reference
        self.chapter = chapter
        self.reference = reference.load(chapter)
        self._expected: dict[Instance, tuple[dict, set]] = {}

    def expected(self, inst: Instance) -> tuple[dict, set]:
        if inst not in self._expected:
            self._expected[inst] = reference_run(inst.chapter, inst.function, inst.seed,
                                                 dict(inst.shape))
        return self._expected[inst]

    def judge_instance(self, inst: Instance, folder: Path | None) -> str | None:
        """None if the recorded outputs are right, else the learner-facing reason."""
        if folder is None:
            return "no result was recorded for this case (the test did not run)"
        meta_path = folder / (inst.stem + ".json")
        npz_path = folder / (inst.stem + ".npz")
        if not meta_path.is_file():
            return ("no result was recorded for this case (the test cell did not reach it, "
                    "or `check` was replaced)")
        try:
            if meta_path.stat().st_size > 1 << 20:
                raise ValueError("too large")
            meta = json.loads(meta_path.read_text())
            if (meta.get("function"), meta.get("seed")) != (inst.function, inst.seed):
                raise ValueError("recording of another case")
        except (ValueError, OSError):
            return "the recorded result of this case is unreadable"
        if meta.get("status") == "error":
            return str(meta.get("error") or "the function raised an error")[:3000]
        case = _cases.get(inst.chapter, inst.function)
        try:
            arrays = _safe_load_npz(npz_path) if npz_path.is_file() else {}
            kinds = meta.get("kinds") or {}
            got = {str(name): _rebuild(str(kind), arrays.get(str(name)))
                   for name, kind in kinds.items()}
        except CheckFailure as failure:
            return str(failure)
        except (ValueError, OSError, zipfile.BadZipFile, EOFError):
            return "the recorded outputs of this case are unreadable"
        expected, ref_mutated = self.expected(inst)
        mutated = [m for m in meta.get("mutated") or [] if m not in ref_mutated]
        if mutated:
            return mutation_message(mutated)
        try:
            case.compare(got, expected, judge_for(inst.chapter, inst.function))
        except CheckFailure as failure:
            return str(failure)
        except Exception as exc:  # noqa: BLE001 -- malformed outputs must not stop grading
            return f"{inst.function}: the outputs are incomplete or malformed ({type(exc).__name__})."
        return None

    def judge_cell(self, grade_id: str, points: float, instances: list[Instance],
                   folder: Path | None) -> CellVerdict:
        failures = []
        for inst in instances:
            reason = self.judge_instance(inst, folder)
            if reason is not None:
                failures.append((inst, reason))
        if not instances:
            return CellVerdict(grade_id, points, 0.0, "failed",
                               "this test has no check() calls the grader can judge",
                               0, 0)
        if not failures:
            n = len(instances)
            return CellVerdict(grade_id, points, points, "passed",
                               f"passed ({n} case{'s' if n > 1 else ''})", n, 0)
        inst, reason = failures[0]
        more = (f" ({len(failures)} of {len(instances)} cases failed.)"
                if len(failures) > 1 else "")
        return CellVerdict(grade_id, points, 0.0, "failed",
                           f"{reason}\n({inst.describe()}){more}", len(instances),
                           len(failures))
