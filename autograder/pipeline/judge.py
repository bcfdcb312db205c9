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
from autograder.instructor import judge_for, mistake_runs, reference_run
from rnnkit.grading import mutation_message, record_name

MAX_RECORD_BYTES = 64 << 20     # one recorded file, and one array in it
MAX_CELL_ARRAYS = 256 << 20     # all arrays of one graded cell, decompressed
_LEFT = [MAX_CELL_ARRAYS]       # what the cell being judged may still decompress


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
    """Load a recorded .npz without pickles. Sizes are checked before anything is
    decompressed: each member's declared size (which ``zipfile`` enforces while
    reading) and its array header against the per-array cap, and their sum against
    what the graded cell may still decompress (``_LEFT``), so a small archive cannot
    expand into gigabytes in the judge."""
    if path.stat().st_size > MAX_RECORD_BYTES:
        raise CheckFailure("the recorded outputs are larger than the grader accepts "
                           f"({path.stat().st_size >> 20} MB).")
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        declared = sum(info.file_size for info in members)
        if len(members) > 256 or declared > _LEFT[0]:
            raise CheckFailure("the recorded outputs are larger than the grader accepts "
                               f"({declared >> 20} MB decompressed).")
        _LEFT[0] -= declared
        for info in members:
            if info.file_size > MAX_RECORD_BYTES or not info.filename.endswith(".npy"):
                raise CheckFailure("the recorded outputs are malformed.")
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                else:
                    shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                if dtype.hasobject or int(np.prod(shape)) * dtype.itemsize > info.file_size:
                    raise CheckFailure("the recorded outputs are malformed.")
            with archive.open(info) as member:
                arrays[info.filename[:-4]] = np.lib.format.read_array(member, allow_pickle=False)
    return arrays


_REBUILD_DEPTH = 40          # a little above the recorder's MAX_DEPTH
_PACKED_VALUES = 1_000_000   # Python or numpy scalars that one packed nest may become
_NUMBER_TYPES = {"bool": bool, "int": int, "float": float, "complex": complex}
_CONTAINERS = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}


def _malformed() -> CheckFailure:
    return CheckFailure("the recorded outputs are malformed.")


def _named(base: type, node: dict) -> type:
    """``base``, or a stand-in subclass of it with the learner's class name and repr
    (messages show them; a comparison that accepts the base accepts the subclass)."""
    if node.get("name") is None:
        return base
    text = str(node.get("repr") or "")[:300]
    attrs = {"__repr__": lambda self: text} if text else {}
    return type(str(node["name"]), (base,), attrs)


def _stand_in(node: dict, arrays: dict[str, np.ndarray]):
    """An object of the learner's class name and repr, which np.asarray turns into what
    numpy made of the original (when it could): not a number, list or array."""
    name, text = str(node.get("name") or "object"), str(node.get("repr") or "")[:300]
    attrs = {"__repr__": lambda self: text or object.__repr__(self)}
    if "key" in node:
        value = _member(node, arrays)
        attrs["__array__"] = lambda self, dtype=None, copy=None: \
            value.copy() if dtype is None else value.astype(dtype)
    return type(name, (), attrs)()


def _shape(node: dict, key: str = "shape") -> tuple[tuple[int, ...], int]:
    """A recorded shape and its number of entries (Python ints: no overflow)."""
    shape, size = tuple(int(n) for n in node[key]), 1
    if len(shape) > 64 or any(n < 0 for n in shape):
        raise _malformed()
    for n in shape:
        size *= n
    return shape, size


def _member(node: dict, arrays: dict[str, np.ndarray]) -> np.ndarray:
    """A copy of the array a node refers to: ``shape`` entries from ``at`` on, in the
    flat npz member ``key``."""
    flat = arrays[str(node["key"])]
    shape, size = _shape(node)
    at = int(node["at"])
    if flat.ndim != 1 or flat.dtype.hasobject or not 0 <= at <= at + size <= flat.size:
        raise _malformed()
    return flat[at:at + size].reshape(shape).copy()


def _unpack(levels: list, leaf: str, array: np.ndarray):
    """A packed nest of lists and tuples (see rnnkit.grading's record format)."""
    if not levels or len(levels) > _REBUILD_DEPTH or array.ndim < len(levels) or any(
            level not in ("list", "tuple") for level in levels):
        raise _malformed()
    if leaf != "ndarray" and (array.ndim != len(levels) or array.size > _PACKED_VALUES
                              or array.dtype.kind not in "biufc"):
        raise _malformed()
    if leaf == "python" and array.dtype not in (np.bool_, np.int64, np.float64,
                                                np.complex128):
        raise _malformed()

    def build(part: np.ndarray, level: int):
        kind = list if levels[level] == "list" else tuple
        if level < len(levels) - 1:
            return kind(build(sub, level + 1) for sub in part)
        if leaf == "python":
            return kind(part.tolist())
        if leaf == "numpy":
            return kind(part[i] for i in range(len(part)))       # numpy scalars
        if leaf == "ndarray":
            return kind(np.array(part[i, ...]) for i in range(len(part)))
        raise _malformed()
    return build(array, 0)


def _rebuild(node, arrays: dict[str, np.ndarray], depth: int = 0):
    """One recorded output (``kinds[name]`` of a recording, see the record format in
    ``rnnkit.grading``) as the in-kernel comparison saw it: the same Python types
    and values, so that ``Case.compare`` passes or fails it with the same message.
    Raises CheckFailure for anything the recorder does not write."""
    if not isinstance(node, dict) or depth > _REBUILD_DEPTH:
        raise _malformed()
    kind = node.get("t")
    if kind == "none":
        return None
    if kind == "py":
        base, value = _NUMBER_TYPES[node["type"]], node["v"]
        number = (bool(value) if base is bool else int(str(value), 16) if base is int
                  else float.fromhex(str(value)) if base is float
                  else complex(float.fromhex(str(value[0])), float.fromhex(str(value[1]))))
        return number if base is bool else _named(base, node)(number)
    if kind == "str":
        return _named(str, node)(str(node["v"]))
    if kind == "bytes":
        return _named(bytes, node)(bytes.fromhex(str(node["v"])))
    if kind == "ndarray":
        return _member(node, arrays)
    if kind == "numpy":
        array = _member(node, arrays)
        if array.ndim != 0:
            raise _malformed()
        return array[()]
    if kind == "objarray":
        shape, size = _shape(node)
        items = _rebuild(node["packed"], arrays, depth + 1) if "packed" in node else \
            [_rebuild(item, arrays, depth + 1) for item in node["items"]]
        if type(items) is not list or size != len(items):
            raise _malformed()
        array = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):   # element by element: a list stays a list
            array[i] = item
        return array.reshape(shape)
    if kind == "subclass":
        data = _rebuild(node["of"], arrays, depth + 1)
        if type(data) is not np.ndarray:
            raise _malformed()
        return data.view(_named(np.ndarray, {"name": "ndarray", **node}))
    if kind in _CONTAINERS:
        items = [_rebuild(item, arrays, depth + 1) for item in node["items"]]
        return _named(_CONTAINERS[kind], node)(items)
    if kind == "dict":
        return _named(dict, node)(
            (_rebuild(k, arrays, depth + 1), _rebuild(v, arrays, depth + 1))
            for k, v in node["items"])
    if kind == "packed":
        return _unpack(list(node["levels"]), str(node["leaf"]), _member(node, arrays))
    if kind == "object":
        return _stand_in(node, arrays)
    raise _malformed()


def rebuild_outputs(function: str, kinds, arrays: dict[str, np.ndarray]) -> dict:
    """Every recorded output of a case instance, rebuilt (see ``_rebuild``). An output
    the recorder could not hold fails with the reason it gave."""
    if not isinstance(kinds, dict):
        raise _malformed()
    got = {}
    for name, node in kinds.items():
        if isinstance(node, dict) and node.get("t") == "unrecordable":
            raise CheckFailure(
                f"{function}: {name} could not be recorded for grading "
                f"({str(node.get('why'))[:200]}). Return what the docstring says: numpy "
                "arrays and numbers.")
        try:
            got[str(name)] = _rebuild(node, arrays)
        except CheckFailure:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError,
                IndexError):
            raise _malformed() from None
    return got


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
        except (ValueError, OSError, RecursionError):
            return "the recorded result of this case is unreadable"
        if meta.get("status") == "error":
            return str(meta.get("error") or "the function raised an error")[:3000]
        case = _cases.get(inst.chapter, inst.function)
        try:
            arrays = _safe_load_npz(npz_path) if npz_path.is_file() else {}
            kinds = meta.get("kinds") or {}
            got = rebuild_outputs(inst.function, kinds, arrays)
        except CheckFailure as failure:
            return str(failure)
        except (ValueError, OSError, zipfile.BadZipFile, EOFError):
            return "the recorded outputs of this case are unreadable"
        expected, ref_mutated = self.expected(inst)
        mutated = [m for m in meta.get("mutated") or [] if m not in ref_mutated]
        if mutated:
            return mutation_message(mutated)
        try:
            case.compare(got, expected, judge_for(inst.chapter, inst.function),
                         mistakes=lambda: mistake_runs(inst.chapter, inst.function,
                                                       inst.seed, dict(inst.shape)))
        except CheckFailure as failure:
            return str(failure)
        except Exception as exc:  # noqa: BLE001 -- malformed outputs must not stop grading
            return f"{inst.function}: the outputs are incomplete or malformed ({type(exc).__name__})."
        return None

    def judge_cell(self, grade_id: str, points: float, instances: list[Instance],
                   folder: Path | None) -> CellVerdict:
        _LEFT[0] = MAX_CELL_ARRAYS
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
