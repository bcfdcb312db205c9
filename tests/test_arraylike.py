"""The outside judge accepts what the in-kernel check accepts, in every chapter, and
every notebook states the rule on changing inputs in place (issue 16, class 7d).

In the sandboxed pipeline the learner's kernel only records what a case produced
(``rnnkit.recording._record``); the judge rebuilds it and runs the same ``Case.compare``
(``autograder.pipeline.judge``). For every case of every chapter, the reference's
outputs are turned into what a learner might return instead: nested lists
(``.tolist()``), tuples, lists of rows, float32, Python and numpy scalars, 0-d
arrays, a wrong-shaped list, a list with a wrong value, None, objects, an ndarray
subclass, an object array. Each variant is judged twice, with the same expected
outputs and the same judge: in the kernel (``Case.compare`` on the variant itself) and
through the pipeline (recorded to disk as the sandbox records it, then judged by
``Judge.judge_cell``). Both must pass, or both must fail with the same message.
"""
from __future__ import annotations

import copy
import functools
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder.instructor import judge_for, reference_run
from autograder.pipeline import judge as pipeline_judge
from autograder.pipeline.judge import Instance, Judge
from rnnkit import cases, grading, record_format, recording
from rnnkit.attribution import SelfCheckBroken
from rnnkit.checks import CheckFailure
from rnnkit.course import CHAPTERS
from rnnkit.expected import mistake_outputs

REPO = Path(__file__).resolve().parent.parent
ALL_CASES = [pytest.param(ch, c.function, id=f"{ch}.{c.function}")
             for ch in CHAPTERS for c in cases.all_cases(ch)]
SKIP = object()


# ------------------------------------------------------------------ learner-style values

class Opaque:
    """A learner's own class: not a number, list or array."""

    def __repr__(self):
        return "Opaque()"


class ArrayLike:
    """Not an ndarray, but np.asarray makes one (like another library's tensor)."""

    def __init__(self, value):
        self.value = np.asarray(value)

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __repr__(self):
        return f"ArrayLike({self.value.tolist()!r})"


class Sub(np.ndarray):
    """An ndarray subclass (check_array refuses those by name)."""


def _nd(value) -> int:
    return np.ndim(value) if isinstance(value, (np.ndarray, np.generic, int, float)) else -1


def _numeric(value) -> bool:
    return isinstance(value, (np.ndarray, np.generic, bool, int, float)) \
        and np.asarray(value).dtype.kind in "biuf"


def _tuples(nested):
    return tuple(_tuples(x) for x in nested) if isinstance(nested, list) else nested


def _perturbed(value):
    a = np.array(value)
    if a.size == 0:
        return SKIP
    a.flat[0] = (not a.flat[0]) if a.dtype == bool else a.flat[0] + 1
    return a.tolist()


def _ints(value):
    with np.errstate(all="ignore"):
        return np.asarray(value).astype(np.int64)


# name -> value -> what the learner returns instead (SKIP: does not apply)
VARIANTS = {
    "as returned": lambda v: v,
    "tolist()": lambda v: np.asarray(v).tolist() if _numeric(v) else SKIP,
    "tuple of lists": lambda v: tuple(np.asarray(v).tolist()) if _nd(v) >= 1 else SKIP,
    "nested tuples": lambda v: _tuples(np.asarray(v).tolist()) if _nd(v) >= 2 else SKIP,
    "list of rows": lambda v: list(np.asarray(v)) if _nd(v) >= 1 else SKIP,
    "float32": lambda v: (np.asarray(v, dtype=np.float32) if isinstance(v, np.ndarray)
                          else np.float32(v))
    if _numeric(v) and np.asarray(v).dtype.kind == "f" else SKIP,
    "floats of ints": lambda v: np.asarray(v, dtype=float)
    if _numeric(v) and np.asarray(v).dtype.kind in "iu" else SKIP,
    "ints of floats": lambda v: _ints(v)
    if _numeric(v) and np.asarray(v).dtype.kind == "f" else SKIP,
    "Python scalar": lambda v: np.asarray(v).item() if _nd(v) == 0 and _numeric(v) else SKIP,
    "numpy scalar": lambda v: np.asarray(v)[()] if _nd(v) == 0 and _numeric(v) else SKIP,
    "0-d array": lambda v: np.asarray(v) if _nd(v) == 0 and _numeric(v) else SKIP,
    "one-element list": lambda v: [np.asarray(v).item()] if _nd(v) == 0 and _numeric(v)
    else SKIP,
    "wrong-shaped list": lambda v: np.asarray(v).tolist()[:-1] if _nd(v) >= 1 else SKIP,
    "list with a wrong value": lambda v: _perturbed(v) if _numeric(v) else SKIP,
    "None": lambda v: None,
    "opaque object": lambda v: Opaque(),
    "array-like object": lambda v: ArrayLike(v) if _numeric(v) else SKIP,
    "ndarray subclass": lambda v: np.asarray(v).view(Sub) if _numeric(v) else SKIP,
    "object array": lambda v: np.asarray(v).astype(object) if _numeric(v) else SKIP,
    "string": lambda v: "0.5",
    "dict": lambda v: {"value": v},
}


# Shapes other than the case's defaults, where those make a variant slow to judge.
SHAPES = {("ch04", "train_adding"): {"T": 5}}  # the test set: 1000 x 5, not 1000 x 30


@functools.lru_cache(maxsize=None)
def _reference(chapter: str, function: str) -> dict:
    return reference_run(chapter, function, 0, SHAPES.get((chapter, function), {}))[0]


def _signature(value) -> tuple:
    return (type(value).__name__, np.asarray(value).dtype.kind if _numeric(value) else "",
            min(_nd(value), 2))


# Cases whose grader's judge scores trained parameters with the reference (about 0.2 s
# a time): each variant is tried alone on these outputs only, and on all at once.
HEAVY = {("ch02", "train_char_rnn"): ["losses"],
         ("ch04", "train_adding"): ["Wx", "test_mse"],
         ("ch06", "tagger_training"): ["bi params.Wy", "bi accuracy"],
         ("ch07", "train_seq2seq"): ["W", "losses", "model.Wy"],
         ("ch07", "attention_training"): ["accuracy", "model.Wy"]}


def _varied_outputs(outputs: dict) -> list[str]:
    """The outputs each variant is tried on alone: one of every kind of value (a case
    with 116 outputs of five kinds gets five), so that the test stays fast."""
    chosen, seen = [], set()
    for name, value in outputs.items():
        if _signature(value) not in seen:
            seen.add(_signature(value))
            chosen.append(name)
    return chosen


def _variants(outputs: dict, alone: list[str] | None = None):
    """(description, got) pairs: each variant on one output at a time (those of
    ``alone``, by default one of every kind), on all outputs at once, and an output
    missing."""
    for name in alone or _varied_outputs(outputs):
        for label, make in VARIANTS.items():
            value = make(copy.deepcopy(outputs[name]))
            if value is not SKIP:
                yield f"{label} for {name!r}", lambda name=name, make=make: {
                    **copy.deepcopy(outputs), name: make(copy.deepcopy(outputs[name]))}
    for label, make in VARIANTS.items():
        if label == "as returned":
            continue
        def everything(make=make):
            got = copy.deepcopy(outputs)
            for k, v in got.items():
                new = make(v)
                got[k] = v if new is SKIP else new
            return got
        yield f"{label} for every output", everything
    first = next(iter(outputs))
    yield f"{first!r} missing", lambda: {k: copy.deepcopy(v) for k, v in outputs.items()
                                          if k != first}


# ------------------------------------------------------------------ the two paths

def in_kernel(case, got: dict, expected: dict, judge, shape: dict | None = None
              ) -> str | None:
    """What the learner's kernel says: None if the comparison ``check`` makes accepts
    ``got``, else its message (naming a catalogued mistake, or saying how outputs not
    of the reference's form differ, as ``check`` does)."""
    def mistakes():
        return mistake_outputs(case.chapter, case.function, 0, shape or {})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grading._compare(f"{case.chapter}.{case.function}", case, got,
                             copy.deepcopy(expected), judge, mistakes, "")
    except SelfCheckBroken as broken:
        raise AssertionError(f"the kit's comparison broke on {got!r}: {broken}") from None
    except CheckFailure as failure:
        return str(failure)
    return None


def through_pipeline(chapter: str, case, got: dict, expected: dict, folder: Path,
                     monkeypatch) -> str | None:
    """What the outside judge says about ``got``, recorded as the sandbox records it."""
    full = {**case.defaults, **SHAPES.get((chapter, case.function), {})}
    monkeypatch.setenv(recording.RECORD_ENV, str(folder))
    recording._record(chapter, case.function, 0, full, got, mutated=[])
    monkeypatch.delenv(recording.RECORD_ENV)
    inst = Instance(chapter, case.function, 0, tuple(sorted(full.items())))
    judge = Judge(chapter)
    judge._expected[inst] = (copy.deepcopy(expected), set())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        verdict = judge.judge_cell(f"test_{case.function}", 1.0, [inst], folder)
    if verdict.status == "passed":
        return None
    return verdict.reason.removesuffix(f"\n({inst.describe()})")


def _judges(chapter: str, function: str) -> list[tuple[str, object]]:
    """The grader's judge and, where it has one of its own, the kit's (the learner's
    visible self-check); the pipeline path is given the same one."""
    override = judge_for(chapter, function)
    return [("kit judge", None)] if override is None else \
        [("grader's judge", override), ("kit judge", None)]


@pytest.mark.slow  # every case, training ones included, in the kernel and the judge
@pytest.mark.parametrize("chapter,function", ALL_CASES)
def test_judge_agrees_with_the_kernel(chapter, function, tmp_path, monkeypatch):
    case = cases.get(chapter, function)
    expected = _reference(chapter, function)
    disagreements, accepted, rejected = [], 0, 0
    for judge_name, judge in _judges(chapter, function):
        with monkeypatch.context() as patch:
            patch.setattr(pipeline_judge, "judge_for", lambda ch, fn, judge=judge: judge)
            for label, make in _variants(expected, HEAVY.get((chapter, function))):
                kernel = in_kernel(case, make(), expected, judge,
                                   SHAPES.get((chapter, function), {}))
                outside = through_pipeline(chapter, case, make(), expected, tmp_path, patch)
                if kernel != outside:
                    disagreements.append(f"[{judge_name}] {label}:\n  kernel: {kernel}\n"
                                         f"  judge:  {outside}")
                accepted, rejected = accepted + (kernel is None), rejected + (kernel is not None)
    assert not disagreements, (f"{chapter}.{function}: the outside judge and the kernel "
                               f"disagree on {len(disagreements)} variants:\n"
                               + "\n".join(disagreements[:12]))
    assert accepted >= 1 and rejected >= 5, (accepted, rejected)  # the variants bite


# ------------------------------------------------------------------ lists the kernel accepts

# Outputs that the in-kernel check accepts as lists (the case or its judge calls
# np.asarray), which the pipeline used to fail with "incomplete or malformed
# (TypeError)", and one it refuses in both places.
LIST_CASES = [
    ("ch02", "train_char_rnn", {"num_steps": 6, "evaluate": False}, "losses", None),
    ("ch03", "adding_experiment", {"T_values": (2, 4), "steps": 5}, "test_mse", None),
    ("ch01", "rnn_forward", {}, "h", None),
]


def _kernel_and_judge(chapter, function, full, got, expected, tmp_path, monkeypatch):
    """(in-kernel verdict, outside judge's verdict) of ``got`` on seed 0 at ``full``."""
    case = cases.get(chapter, function)
    kernel = in_kernel(case, dict(got), expected, judge_for(chapter, function), full)
    monkeypatch.setenv(recording.RECORD_ENV, str(tmp_path))
    recording._record(chapter, function, 0, full, got, mutated=[])
    inst = Instance(chapter, function, 0, tuple(sorted(full.items())))
    judge = Judge(chapter)
    judge._expected[inst] = (expected, set())
    return kernel, judge.judge_instance(inst, tmp_path)


def test_lists_that_are_not_arrays_of_numbers_are_refused_alike(tmp_path, monkeypatch):
    """Array-likes pass where the contract says array; a ragged or non-numeric list
    fails, in the kernel and outside, with the same message."""
    chapter, function = "ch01", "rnn_forward"
    case = cases.get(chapter, function)
    expected, _ = reference_run(chapter, function, 0, {})
    full = dict(case.defaults)
    for bad in ([[0.0], [1.0, 2.0]], ["a", "b"]):
        kernel, outside = _kernel_and_judge(chapter, function, full, {**expected, "h": bad},
                                            expected, tmp_path, monkeypatch)
        assert kernel == outside
        assert outside.startswith("rnn_forward: h should be a numpy array or number, got "
                                  "a list that is not a rectangular array of numbers"), outside


@pytest.mark.parametrize("chapter,function,shape,name,message", LIST_CASES)
def test_lists_are_judged_as_in_the_kernel(chapter, function, shape, name, message,
                                           tmp_path, monkeypatch):
    case = cases.get(chapter, function)
    expected, _ = reference_run(chapter, function, 0, shape)
    full = {**case.defaults, **shape}
    got = {**expected, name: np.asarray(expected[name]).tolist()}
    kernel, outside = _kernel_and_judge(chapter, function, full, got, expected, tmp_path,
                                        monkeypatch)
    assert kernel == outside
    if message is None:
        assert outside is None, outside
    else:
        assert outside is not None and outside.startswith(message), outside


# ------------------------------------------------------------------ the record format

class Loss(float):
    pass


def _zoo() -> dict:
    from collections import OrderedDict, namedtuple
    pair = namedtuple("Pair", "a b")
    return {
        "none": None, "float": 1.5, "nan": float("nan"), "int": -3, "long int": 2 ** 200,
        "bool": True, "complex": 1 + 2j, "float64": np.float64(2.5),
        "float32": np.float32(1.25), "int32": np.int32(4), "numpy bool": np.bool_(True),
        "array": np.arange(6.0).reshape(2, 3), "0-d": np.array(3.0),
        "text array": np.array(["ab", "c"]), "list": [1.0, 2.0], "ints": [[1, 2], [3, 4]],
        "tuple": (1.0, (2.0, 3.0)), "lists in a tuple": ([1.0, 2.0], [3.0, 4.0]),
        "ragged": [[1.0], [2.0, 3.0]], "mixed": [1, 2.0, None],
        "numpy scalars": [np.float64(1), np.float64(2)], "arrays": [np.zeros(2), np.ones(2)],
        "0-d arrays": [np.array(1.0), np.array(2.0)], "ragged arrays": [np.zeros(2), np.ones(3)],
        "empty": [], "empty tuple": (), "dict": {"a": [1.0], 2: (3,)},
        "ordered": OrderedDict(a=1), "set": {1, 2}, "frozenset": frozenset([3]),
        "str": "héllo", "bytes": b"\x00\x01", "float subclass": Loss(0.5),
        "namedtuple": pair(1.0, 2.0), "object array": np.array([1.0, [1, 2]], dtype=object),
        "subclass": np.arange(2.0).view(Sub), "beyond int64": [2 ** 70, 1],
        "array-like": ArrayLike([1.0, 2.0]), "opaque": Opaque(),
    }


def _record_and_rebuild(tmp_path, monkeypatch, outputs: dict) -> tuple[dict, dict]:
    monkeypatch.setenv(recording.RECORD_ENV, str(tmp_path))
    recording._record("ch01", "softmax", 0, {}, outputs)
    stem = tmp_path / recording.record_name("ch01", "softmax", 0, {})
    meta = json.loads(stem.with_suffix(".json").read_text())
    with np.load(stem.with_suffix(".npz"), allow_pickle=False) as data:  # never pickles
        arrays = {k: data[k] for k in data.files}
    return meta, pipeline_judge.rebuild_outputs("softmax", meta["kinds"], arrays)


def test_record_and_rebuild_keep_types_and_values(tmp_path, monkeypatch):
    zoo = _zoo()
    meta, got = _record_and_rebuild(tmp_path, monkeypatch, zoo)
    assert set(got) == set(zoo)
    for name, value in zoo.items():
        back = got[name]
        assert type(back).__name__ == type(value).__name__, name
        if isinstance(value, (list, tuple, dict, set, frozenset)):
            assert repr(back) == repr(value), name
            assert type(back).__mro__[1:] == type(value).__mro__[1:], name
        elif isinstance(value, np.ndarray):
            assert back.dtype == value.dtype and back.shape == value.shape, name
            assert repr(np.asarray(back)) == repr(np.asarray(value)), name
        elif isinstance(value, (ArrayLike, Opaque)):
            assert repr(back) == repr(value), name
            if isinstance(value, ArrayLike):
                np.testing.assert_array_equal(np.asarray(back), np.asarray(value))
        else:
            assert repr(back) == repr(value), name
    # the numbers of a nest of lists are one array, not one description each
    assert meta["kinds"]["ints"]["t"] == "packed"
    assert meta["kinds"]["numpy scalars"]["t"] == "packed"
    assert type(got["numpy scalars"][0]) is np.float64 and type(got["ints"][0][0]) is int


def test_recordings_are_few_plain_arrays(tmp_path, monkeypatch):
    """One flat member per dtype, no object arrays (the npz loads without pickle), and
    a list of 100 000 losses is one array, not 100 000 descriptions."""
    outputs = {**_zoo(), "losses": [float(i) for i in range(100_000)],
               "per-step states": [np.full((3, 4), float(t)) for t in range(500)]}
    meta, got = _record_and_rebuild(tmp_path, monkeypatch, outputs)
    stem = tmp_path / recording.record_name("ch01", "softmax", 0, {})
    with zipfile.ZipFile(stem.with_suffix(".npz")) as archive:
        assert len(archive.infolist()) <= 8
    assert stem.with_suffix(".json").stat().st_size < 50_000
    assert got["losses"] == outputs["losses"] and type(got["losses"][5]) is float
    assert all(type(a) is np.ndarray and a.shape == (3, 4) for a in got["per-step states"])


def test_outputs_too_large_to_record_fail_with_a_reason(tmp_path, monkeypatch):
    ragged = [[0.0] * (1 + i % 3) for i in range(record_format.MAX_NODES + 10)]
    deep: list = [1.0]
    for _ in range(record_format.MAX_DEPTH + 5):
        deep = [deep, 2.0]
    for value, why in ((ragged, "separate values"), (deep, "nested more than")):
        monkeypatch.setenv(recording.RECORD_ENV, str(tmp_path))
        recording._record("ch01", "softmax", 0, {}, {"probs": value, "fine": np.ones(2)})
        inst = Instance("ch01", "softmax", 0, ())
        judge = Judge("ch01")
        judge._expected[inst] = ({"probs": np.ones(2)}, set())
        reason = judge.judge_instance(inst, tmp_path)
        assert reason.startswith("softmax: probs could not be recorded for grading") \
            and why in reason, reason


FORGED = {
    "unknown kind": {"t": "pickle", "v": "gASV"},
    "not a description": "ndarray:ndarray",
    "missing member": {"t": "ndarray", "key": "9", "at": 0, "shape": [2]},
    "entries beyond the member": {"t": "ndarray", "key": "0", "at": 1, "shape": [4]},
    "negative shape": {"t": "ndarray", "key": "0", "at": 0, "shape": [-1, 2]},
    "a shape too large": {"t": "packed", "levels": ["list"], "leaf": "python", "key": "0",
                          "at": 0, "shape": [10 ** 12]},
    "numpy scalar of shape (2,)": {"t": "numpy", "key": "0", "at": 0, "shape": [2]},
    "unhashable dict key": {"t": "dict", "items": [[{"t": "list", "items": []},
                                                    {"t": "none"}]]},
    "deep nesting": json.loads('{"t": "list", "items": [' * 200 + ']}' * 200),
    "bad packed level": {"t": "packed", "levels": ["set"], "leaf": "python", "key": "0",
                         "at": 0, "shape": [3]},
    "bad number": {"t": "py", "type": "float", "v": "one"},
    "subclass of a list": {"t": "subclass", "name": "X", "of": {"t": "list", "items": []}},
    "object array with wrong size": {"t": "objarray", "shape": [3], "items": []},
}


@pytest.mark.parametrize("label", sorted(FORGED))
def test_forged_descriptions_are_malformed_not_crashes(label, tmp_path):
    """A recording the kit never writes (the sandbox can write anything) gets a zero
    with a reason, never a crash of the judge or an object it cannot compare."""
    inst = Instance("ch01", "softmax", 0, (("N", 3), ("V", 6), ("big", 1000.0)))
    (tmp_path / (inst.stem + ".json")).write_text(json.dumps(
        {"function": "softmax", "seed": 0, "status": "ok", "mutated": [],
         "kinds": {"probs": FORGED[label]}}))
    np.savez(tmp_path / (inst.stem + ".npz"), **{"0": np.arange(4.0)})
    reason = Judge("ch01").judge_instance(inst, tmp_path)
    assert reason == "the recorded outputs are malformed.", reason


def test_kinds_that_are_not_a_dict_are_malformed(tmp_path):
    inst = Instance("ch01", "softmax", 0, (("N", 3), ("V", 6), ("big", 1000.0)))
    (tmp_path / (inst.stem + ".json")).write_text(json.dumps(
        {"function": "softmax", "seed": 0, "status": "ok", "kinds": [["probs", 1]]}))
    assert Judge("ch01").judge_instance(inst, tmp_path) == "the recorded outputs are malformed."


# ------------------------------------------------------------------ the in-place rule

def _notebook(folder: str, chapter: str) -> dict:
    return json.loads((REPO / folder / chapter / f"{chapter}.ipynb").read_text())


def test_mutation_message_states_the_rule():
    message = recording.mutation_message(["softmax:scores"])
    assert message == f"softmax changed its input `scores` in place. {recording.IN_PLACE_RULE}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_release_notebook_states_the_in_place_rule(chapter):
    """Every chapter's graded functions take arrays: every release notebook states the
    rule, in the sentence the checks print, in a locked markdown cell after the toolkit
    cell, before the first part."""
    from autograder import provide
    cells = _notebook("exercises", chapter)["cells"]
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in cells]
    rule = cells[ids.index(provide.RULE_ID)]
    text = "".join(rule["source"])
    assert rule["cell_type"] == "markdown" and rule["metadata"]["nbgrader"]["locked"]
    assert recording.IN_PLACE_RULE in text and text == provide.rule_source()
    assert ids.index(provide.TOOLKIT_ID) < ids.index(provide.RULE_ID)
    first_answer = min(i for i, c in enumerate(cells)
                       if c["metadata"].get("nbgrader", {}).get("solution"))
    assert ids.index(provide.RULE_ID) < first_answer


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_rule_cell_is_generated(chapter):
    """The solution's rule cell is what ``python -m autograder.provide`` writes now."""
    from autograder import provide
    cells = _notebook("solutions", chapter)["cells"]
    found = [c for c in cells
             if c["metadata"].get("nbgrader", {}).get("grade_id") == provide.RULE_ID]
    assert len(found) == 1 and "".join(found[0]["source"]) == provide.rule_source(), \
        f"{chapter}: the rule cell is out of date: run `make fixtures` and `make release`"


# ------------------------------------------------------------------ end to end

LIST_ANSWERS = {
    # chapter 1: the containers and numbers the docstrings allow, as lists and scalars
    "ch01": {
        "rnn_step_forward": "return list(_ref(*args, **kwargs))",           # [next_h, cache]
        "rnn_forward": "return list(_ref(*args, **kwargs))",                # [h, cache]
        "sequence_cross_entropy": "return np.float64(_ref(*args, **kwargs))",
        "sample_token": "return np.asarray(_ref(*args, **kwargs)).tolist()",
    },
    # chapter 2: train_char_rnn's losses as a list of floats, which its check reads with
    # np.asarray (the pipeline used to fail it: "incomplete or malformed (TypeError)")
    "ch02": {
        "temporal_softmax_loss": "loss, dscores = _ref(*args, **kwargs)\n"
                                 "    return [np.float64(loss), dscores]",
        "train_char_rnn": "return [float(x) for x in _ref(*args, **kwargs)]",
    },
    # chapter 4: train_adding's params as nested lists, its losses a list (documented)
    "ch04": {
        "lstm_forward": "return list(_ref(*args, **kwargs))",
        "adding_loss": "loss, grads = _ref(*args, **kwargs)\n"
                       "    return [float(loss), grads]",
        "train_adding": "params, losses = _ref(*args, **kwargs)\n"
                        "    return {k: v.tolist() for k, v in params.items()}, "
                        "[float(x) for x in losses]",
    },
}


def _list_answer(course_sources: dict, function: str, body: str) -> str:
    """The reference answer, wrapped so that it returns ``body``'s containers."""
    body = body.replace("_ref(", f"_ref_{function}(")
    return (course_sources[function] + f"\n\n_ref_{function} = {function}\n\n"
            f"def {function}(*args, **kwargs):\n    {body}\n")


@pytest.mark.slow
@pytest.mark.xdist_group("arraylike")
def test_list_answers_keep_full_marks_in_the_pipeline(tmp_path):
    """Answers that return lists and Python or numpy scalars where the in-kernel check
    accepts them keep full marks through the sandboxed pipeline (chapters 1, 2 and 4)."""
    import subprocess
    import sys

    import nbformat

    from course import Course, nbgrader_env, solution_sources

    course = Course(tmp_path / "course", list(LIST_ANSWERS))
    submissions = tmp_path / "submissions"
    for chapter, answers in LIST_ANSWERS.items():
        course.copy_release(chapter)
        sources = solution_sources(chapter)
        overrides = {f: _list_answer(sources, f, body) for f, body in answers.items()}
        folder = submissions / chapter / "lists"
        folder.mkdir(parents=True)
        nbformat.write(course.filled(chapter, overrides), folder / f"{chapter}.ipynb")
    for chapter in LIST_ANSWERS:
        proc = subprocess.run(
            [sys.executable, "-m", "autograder.grade", chapter, str(submissions / chapter),
             "--root", str(course.root), "--jobs", "1", "--no-feedback", "-q"],
            cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=1800)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
        verdict = json.loads((course.root / "autograder" / "reports" / chapter / "verdicts"
                              / "lists.json").read_text())
        maxima = course.max_scores(chapter)
        got = {cell: c["score"] for cell, c in verdict["cells"].items()}
        assert got == maxima, "\n".join(f"{cell}: {c['score']} {c.get('reason', '')}"
                                        for cell, c in verdict["cells"].items())
        assert course.scores(chapter)["lists"] == maxima
        assert not verdict["tampering"]
