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
tampering before the cell ran all give zero with a reason. An exception in the
course's own code (the reference, a judge, a catalogue of mistakes) is a grader error
(``grader_error.py``), never the learner's failure; outputs that are not of the
reference's form (a missing output, a list for an array, another shape) are.
The recordings are read back by ``recordings.py``.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import zipfile
from pathlib import Path

from rnnkit import cases as _cases
from rnnkit.checks import CheckFailure
from rnnkit.attribution import malformed_outputs
from rnnkit.i18n import _
from rnnkit.recording import mutation_message, record_name
from autograder.instructor import judge_for, mistake_runs, reference_run
from autograder.pipeline.grader_error import GRADER_FAILED, GraderError
from autograder.pipeline.recordings import ArrayAllowance, load_npz, rebuild_outputs



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
        return _("case seed={seed}, shape {{{shape}}}").format(seed=self.seed, shape=shape)


@dataclasses.dataclass
class CellVerdict:
    grade_id: str
    points: float
    score: float
    status: str           # passed | failed | grader-error | timeout | crashed | not-run |
                          # tampered | rejected
    reason: str
    cases: int = 0
    failed_cases: int = 0
    # a bug in the course's grading code met on this cell (grader_error.describe):
    # for the instructor only, never shown to the learner
    grader_error: dict | None = None
    # the catalogued mistake ("function/name") the reason names (autograder/mistakes/),
    # or "": the instructor's report groups failures by it
    mistake: str = ""

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


class Judge:
    """Reference outputs (cached per instance) and the comparison, for one chapter.

    Holds plain data only (the expected outputs, or the grader error the reference
    raised), so it travels to worker processes by pickling."""

    def __init__(self, chapter: str):
        self.chapter = chapter
        self._expected: dict[Instance, tuple[dict, set] | GraderError] = {}

    def expected(self, inst: Instance) -> tuple[dict, set]:
        """The reference's outputs on ``inst`` and the inputs it changes in place;
        raises GraderError when the reference (course code) raises."""
        if inst not in self._expected:
            try:
                self._expected[inst] = reference_run(inst.chapter, inst.function,
                                                     inst.seed, dict(inst.shape))
            except Exception as exc:  # noqa: BLE001 -- any bug in the reference
                self._expected[inst] = GraderError.wrap(
                    f"the reference of {inst.chapter}.{inst.function} on {inst.describe()}",
                    exc)
        found = self._expected[inst]
        if isinstance(found, GraderError):
            raise found
        return found

    def _recorded(self, inst: Instance, folder: Path | None,
                  allowance: ArrayAllowance) -> tuple[dict | None, dict | str]:
        """(the recording's description, the rebuilt outputs) or (None, why not)."""
        if folder is None:
            return None, _("no result was recorded for this case (the test did not run)")
        meta_path = folder / (inst.stem + ".json")
        npz_path = folder / (inst.stem + ".npz")
        if not meta_path.is_file():
            return None, _("no result was recorded for this case (the test cell did not "
                           "reach it, or `check` was replaced)")
        try:
            if meta_path.stat().st_size > 1 << 20:
                raise ValueError("too large")
            meta = json.loads(meta_path.read_text())
            if (meta.get("function"), meta.get("seed")) != (inst.function, inst.seed):
                raise ValueError("recording of another case")
        except (ValueError, OSError, RecursionError):
            return None, _("the recorded result of this case is unreadable")
        if meta.get("status") == "error":
            return None, str(meta.get("error") or _("the function raised an error"))[:3000]
        try:
            arrays = load_npz(npz_path, allowance) if npz_path.is_file() else {}
            return meta, rebuild_outputs(inst.function, meta.get("kinds") or {}, arrays)
        except CheckFailure as failure:
            return None, str(failure)
        except (ValueError, OSError, zipfile.BadZipFile, EOFError):
            return None, _("the recorded outputs of this case are unreadable")

    def judge_instance(self, inst: Instance, folder: Path | None,
                       allowance: ArrayAllowance | None = None) -> str | None:
        """None if the recorded outputs are right, else the learner-facing reason."""
        return self.diagnose(inst, folder, allowance)[0]

    def diagnose(self, inst: Instance, folder: Path | None,
                 allowance: ArrayAllowance | None = None) -> tuple[str | None, str]:
        """(None if the recorded outputs are right, else the learner-facing reason; the
        name of the catalogued mistake the reason names, "function/name", or "").

        Raises GraderError when the course's code (the reference, a judge, the case's
        comparison, a catalogue of mistakes) raises on outputs of the reference's form:
        that is not the learner's failure."""
        meta, got = self._recorded(inst, folder, allowance or ArrayAllowance())
        if meta is None:
            return got, ""
        name = f"{inst.chapter}.{inst.function}"
        expected, ref_mutated = self.expected(inst)
        mutated = [m for m in meta.get("mutated") or [] if m not in ref_mutated]
        if mutated:
            return mutation_message(mutated), ""
        case = _cases.get(inst.chapter, inst.function)
        try:
            judge = judge_for(inst.chapter, inst.function)
        except Exception as exc:  # noqa: BLE001 -- the instructor's judges module
            raise GraderError.wrap(f"loading the judge of {name}", exc) from None
        crashed: list[GraderError] = []

        def mistakes():
            try:
                return mistake_runs(inst.chapter, inst.function, inst.seed, dict(inst.shape))
            except Exception as exc:  # noqa: BLE001 -- the catalogue, not the learner
                crashed.append(GraderError.wrap(f"the mistake catalogue of {name}", exc))
                return []
        try:
            case.compare(got, expected, judge, mistakes=mistakes)
        except CheckFailure as failure:
            if crashed:
                raise GraderError(crashed[0].detail, learner_reason=str(failure)) from None
            return str(failure), (f"{inst.function}/{failure.mistake}"
                                  if failure.mistake else "")
        except Exception as exc:  # noqa: BLE001 -- the learner's outputs, or the course
            problem = malformed_outputs(inst.function, got, expected)
            if problem is not None:  # not of the reference's form: the learner's failure
                return problem, ""
            raise GraderError.wrap(f"comparing the outputs of {name} on {inst.describe()}",
                                   exc) from None
        return None, ""

    def judge_cell(self, grade_id: str, points: float, instances: list[Instance],
                   folder: Path | None) -> CellVerdict:
        allowance = ArrayAllowance()
        failures, errors, mistakes = [], [], []
        for inst in instances:
            mistake = ""
            try:
                reason, mistake = self.diagnose(inst, folder, allowance)
            except GraderError as error:
                errors.append(error.detail)
                reason = error.learner_reason
            if reason is not None:
                failures.append((inst, reason))
                mistakes.append(mistake)
        grader_error = errors[0] if errors else None
        if not instances:
            return CellVerdict(grade_id, points, 0.0, "failed",
                               _("this test has no check() calls the grader can judge"),
                               0, 0)
        if not failures and grader_error:
            return CellVerdict(grade_id, points, 0.0, "grader-error", _(GRADER_FAILED),
                               len(instances), len(errors), grader_error)
        if not failures:
            n = len(instances)
            passed = _("passed ({n} cases)") if n > 1 else _("passed ({n} case)")
            return CellVerdict(grade_id, points, points, "passed", passed.format(n=n), n, 0)
        inst, reason = failures[0]
        where = "" if _cases.get(inst.chapter, inst.function).key_hidden \
            else f"\n({inst.describe()})"  # a conceptual question has no case to name
        more = (_(" ({failed} of {n} cases failed.)").format(failed=len(failures),
                                                               n=len(instances))
                if len(failures) > 1 else "")
        return CellVerdict(grade_id, points, 0.0, "failed",
                           f"{reason}{where}{more}", len(instances),
                           len(failures), grader_error, mistakes[0])
