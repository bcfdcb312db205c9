"""``check``: the one call that visible self-checks and hidden tests make.

``check("ch01.rnn_forward", globals(), seeds=[3], N=1, T=5)`` runs the case on the
learner's functions and on the reference with the same inputs and raises a
:class:`~rnnkit.checks.CheckFailure` that says what is wrong.

Expected outputs come from the shipped fixtures when the case is a visible one (so a
learner without the solutions can self-check) and from the reference implementation in
the instructor's side otherwise (hidden tests, at grading time; see :func:`instructor`).

When ``RNNCOURSE_RECORD_DIR`` is set (record mode: the sandboxed grading pipeline in
``autograder/pipeline/``), ``check`` compares nothing and never raises: for every case
instance it writes what the learner's code produced (outputs, or the exception it
raised, and which input arrays it changed in place) to that folder, and a clean process
outside the learner's kernel compares them with the reference and decides the grade.
The sandbox has no ``solutions/``, and nothing computed inside the learner's process is
trusted there anyway.
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Mapping

import numpy as np

from rnnkit import cases as _cases
from rnnkit.checks import LINE_WIDTH, CheckFailure, NotImplementedYet

FIXTURES = Path(__file__).resolve().parent / "fixture_data"


def case_key(function: str, seed: int, shape: Mapping[str, object]) -> str:
    """Stable name of one case instance, used in fixtures and recordings."""
    parts = ",".join(f"{k}={shape[k]}" for k in sorted(shape))
    return f"{function}|seed={seed}|{parts}"


# Fixture entry listing the inputs the reference changes in place ("function:param").
MUTATED_KEY = "__mutated__"
# Fixture entries of the catalogued mistakes (autograder/mistakes/): MISTAKES_KEY lists
# them in order as JSON ``[name, says, how]``; ``~<name>|<output>`` holds each one's outputs
# on the case's inputs. Only outputs and words ship: never a mistake's code.
MISTAKES_KEY = "__mistakes__"
MISTAKE_PREFIX = "~"


def _fixture(chapter: str, key: str) -> dict | None:
    path = FIXTURES / f"{chapter}.npz"
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        prefix = key + "|"
        found = {k[len(prefix):]: data[k] for k in data.files if k.startswith(prefix)}
    return found or None


class HiddenCase(LookupError):
    """A case instance whose expected outputs do not ship with the kit (a hidden test)."""

    def _render_traceback_(self) -> list[str]:
        from rnnkit.checks import wrap_message
        return wrap_message(f"{type(self).__name__}: {self}")


@functools.lru_cache(maxsize=None)
def instructor():
    """The instructor's side of ``check``, when it is installed (never in a learner's
    environment): the object registered under the entry point group
    ``rnnkit.instructor``, with ``reference_run(chapter, function, seed, shape)`` and
    ``judge_for(chapter, function)``. The kit never imports it by name."""
    from importlib.metadata import entry_points
    for point in entry_points(group="rnnkit.instructor"):
        return point.load()
    return None


def expected_case(chapter: str, function: str, seed: int,
                  shape: Mapping[str, object]) -> tuple[dict, set[str]]:
    """Reference outputs of one case instance and the inputs the reference changes in
    place: from the shipped fixture if there is one, else from the instructor's side."""
    case = _cases.get(chapter, function)
    found = _fixture(chapter, case_key(function, seed, {**case.defaults, **shape}))
    if found is not None and MUTATED_KEY in found:
        mutated = {str(m) for m in found.pop(MUTATED_KEY)}
        return {k: v for k, v in found.items()
                if k != MISTAKES_KEY and not k.startswith(MISTAKE_PREFIX)}, mutated
    side = instructor()
    if side is None:
        raise HiddenCase(
            f"{function}: the expected outputs of this case (seed={seed}, shape {shape}) "
            "are not shipped with the kit: it is one of the hidden tests, run when your "
            "notebook is graded. Your visible self-checks are the cells that call "
            f'check("{chapter}.{function}", globals()) without seeds.')
    return side.reference_run(chapter, function, seed, shape)


def mistake_outputs(chapter: str, function: str, seed: int,
                    shape: Mapping[str, object]) -> list[tuple[str, str, dict, str]]:
    """``(name, says, outputs, how)`` of every catalogued mistake of ``function`` on one case
    instance's inputs: from the shipped fixture for a visible case, else from the
    instructor's side (computed on the hidden inputs), else none."""
    case = _cases.get(chapter, function)
    found = _fixture(chapter, case_key(function, seed, {**case.defaults, **shape}))
    if found is not None and MISTAKES_KEY in found:
        out = []
        for entry in found[MISTAKES_KEY]:
            name, says, how = json.loads(str(entry))
            prefix = f"{MISTAKE_PREFIX}{name}|"
            out.append((name, says, {k[len(prefix):]: v for k, v in found.items()
                                     if k.startswith(prefix)}, how))
        return out
    side = instructor()
    runs = getattr(side, "mistake_runs", None) if side is not None else None
    return list(runs(chapter, function, seed, shape)) if runs is not None else []


def judge_override(chapter: str, function: str):
    """The instructor's judge for a case, where it has one (e.g. a training case whose
    trained parameters are evaluated with the reference code), else None."""
    side = instructor()
    return side.judge_for(chapter, function) if side is not None else None


# The rule on inputs changed in place, as the checks enforce it: every notebook states
# it in these words too (its generated rule cell, ``autograder/provide.py``).
IN_PLACE_RULE = ("Compute into new arrays (e.g. `x = x - m`, not `x -= m`): callers keep "
                 "using their inputs.")


def mutation_message(mutated: list[str]) -> str:
    """What a learner is told when their function changed one of its inputs in place."""
    func, _, param = str(mutated[0]).partition(":")
    return f"{func} changed its input `{param}` in place. {IN_PLACE_RULE}"


RECORD_ENV = "RNNCOURSE_RECORD_DIR"


def record_name(chapter: str, function: str, seed: int, shape: Mapping[str, object]) -> str:
    """File stem of one case instance's recording (``<stem>.json`` + ``<stem>.npz``)."""
    key = case_key(function, seed, shape)
    safe = "".join(ch if ch.isalnum() or ch in "._=-" else "_" for ch in key)
    return f"{chapter}__{safe}"


# ------------------------------------------------------------------ the record format
#
# A recording is ``<stem>.json`` (what happened, and under "kinds" one description per
# output) and ``<stem>.npz`` (plain arrays only, never object arrays: it loads without
# pickle). A description is a JSON tree from which the outside judge
# (``autograder/pipeline/recordings.py``, ``_rebuild``) makes the output again with the
# Python types and values the in-kernel comparison saw, so that ``Case.compare``
# accepts and rejects the same outputs there, with the same messages:
#
#   {"t": "none"}                                  None
#   {"t": "py", "type": "float", "v": "0x1.8p+1"}  a Python bool, int, float or complex,
#                                                  exactly (ints and floats in hex)
#   {"t": "str", "v": "..."}, {"t": "bytes", "v": "<hex>"}
#   {"t": "ndarray", "key": "0", "at": 12, "shape": [3, 4]}
#                                                  a plain array: entries 12 to 23 of npz
#                                                  member "0" (one flat member per dtype,
#                                                  so a recording has a few members)
#   {"t": "numpy", "key": "0", "at": 24, "shape": []}  a numpy scalar
#   {"t": "objarray", "shape": [2], "items": [..]} an object array, element by element
#                                                  (or "packed": its elements as a packed
#                                                  list, see below)
#   {"t": "subclass", "name": "matrix", "of": ..}  an ndarray subclass: its class name
#                                                  and its data
#   {"t": "list", "items": [..]}                   also "tuple", "set", "frozenset";
#   {"t": "dict", "items": [[key, value], ..]}     "name" and "repr" when the value is of
#                                                  a subclass (also of numbers, str, ...)
#   {"t": "packed", "levels": ["list", "tuple"], "leaf": "python", "key": .., ..}
#       a regular nest of lists and tuples whose leaves are Python numbers of one type,
#       numpy scalars of one type ("numpy") or arrays of one shape and dtype ("ndarray"):
#       one array whose leading axes are the nest (a list of 10 000 losses is one member)
#   {"t": "object", "name": "Tensor", "repr": "..", "key"?: .., ..}
#       anything else: its class name, its repr, and np.asarray of it where numpy makes
#       a plain array of it (a judge that calls np.asarray gets the same values)
#   {"t": "unrecordable", "why": ".."}             too large or too deeply nested
#
# Sizes are bounded: nodes and text per recording, depth, and the leaves of a packed nest.

MAX_NODES = 10_000        # descriptions per recording (a packed nest counts as one)
MAX_TEXT = 50_000         # characters of strings, bytes and big ints per recording
MAX_DEPTH = 32            # containers inside containers
MAX_PACKED = 1_000_000    # numbers in one packed nest of Python or numpy scalars
_NUMBERS = {bool: np.bool_, int: np.int64, float: np.float64, complex: np.complex128}


class Unrecordable(ValueError):
    """An output the record format cannot hold (see the limits above)."""


class OutputEncoder:
    """Describes outputs for the record (see the format above); ``arrays()`` gives
    the npz members the descriptions refer to."""

    def __init__(self):
        self._parts: list[tuple[np.dtype, list[np.ndarray]]] = []  # one per dtype
        self._sizes: list[int] = []                                 # entries of each
        self.nodes = self.text = 0

    def arrays(self) -> dict[str, np.ndarray]:
        return {str(i): np.concatenate(parts) if parts else np.empty(0, dtype)
                for i, (dtype, parts) in enumerate(self._parts)}

    def output(self, value) -> dict:
        """The description of one output; an output the format cannot hold becomes
        "unrecordable" (the judge says why) and leaves nothing behind."""
        stored = [len(parts) for _dtype, parts in self._parts]
        nodes, text = self.nodes, self.text
        try:
            return self.encode(value, 0)
        except Exception as exc:  # noqa: BLE001 -- Unrecordable, or a learner object's
            for i, ((_dtype, parts), n) in enumerate(zip(self._parts, stored)):
                del parts[n:]                                  # own method raised
                self._sizes[i] = sum(part.size for part in parts)
            self.nodes, self.text = nodes, text
            why = str(exc) if isinstance(exc, Unrecordable) else \
                f"describing it raised {type(exc).__name__}"
            return {"t": "unrecordable", "why": why}

    def _store(self, array: np.ndarray) -> dict:
        """Where ``array``'s entries go: appended to the flat member of its dtype."""
        for key, (dtype, parts) in enumerate(self._parts):
            if dtype == array.dtype:
                break
        else:
            key, (dtype, parts) = len(self._parts), (array.dtype, [])
            self._parts.append((dtype, parts))
            self._sizes.append(0)
        at = self._sizes[key]
        parts.append(np.array(array, copy=True).ravel())
        self._sizes[key] += array.size
        return {"key": str(key), "at": at, "shape": list(array.shape)}

    def _count_text(self, n: int) -> None:
        self.text += n
        if self.text > MAX_TEXT:
            raise Unrecordable(f"more than {MAX_TEXT} characters of text")

    def encode(self, value, depth: int) -> dict:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise Unrecordable(f"more than {MAX_NODES} separate values")
        if depth > MAX_DEPTH:
            raise Unrecordable(f"containers nested more than {MAX_DEPTH} deep")
        kind = type(value)  # type(), not isinstance: an object can fake its __class__
        if value is None:
            return {"t": "none"}
        named = {} if kind in (bool, int, float, complex, str, bytes, list, tuple, dict,
                               set, frozenset, np.ndarray) or issubclass(kind, np.generic) \
            else {"name": kind.__name__, "repr": self._repr(value)}  # a subclass
        if issubclass(kind, np.generic):
            if kind.__module__ == "numpy" and np.asarray(value).dtype != object:
                return {"t": "numpy", **self._store(np.asarray(value))}
            return self._object(value)
        if issubclass(kind, np.ndarray):
            plain = self._array(np.ndarray.view(value, np.ndarray), depth)
            return plain if kind is np.ndarray else {"t": "subclass", **named, "of": plain}
        if issubclass(kind, (int, float, complex)):  # bool too (it cannot be subclassed)
            return {**self._number(value), **named}
        if issubclass(kind, str):
            self._count_text(len(value))
            return {"t": "str", "v": str.__str__(value), **named}
        if issubclass(kind, bytes):
            self._count_text(2 * len(value))
            return {"t": "bytes", "v": bytes.hex(value), **named}
        for base in (list, tuple, set, frozenset):
            if issubclass(kind, base):
                packed = self._packed(value) if kind in (list, tuple) else None
                return packed or {"t": base.__name__, **named, "items": [
                    self.encode(item, depth + 1) for item in base.__iter__(value)]}
        if issubclass(kind, dict):
            return {"t": "dict", **named, "items": [
                [self.encode(k, depth + 1), self.encode(v, depth + 1)]
                for k, v in dict.items(value)]}
        return self._object(value)

    def _number(self, value) -> dict:
        if isinstance(value, bool):
            return {"t": "py", "type": "bool", "v": bool(value)}
        if isinstance(value, int):
            digits = format(int.__int__(value), "x")  # hex: no limit on long ints
            self._count_text(len(digits))
            return {"t": "py", "type": "int", "v": digits}
        if isinstance(value, float):
            return {"t": "py", "type": "float", "v": float.hex(float.__float__(value))}
        number = complex.__complex__(value)
        return {"t": "py", "type": "complex",
                "v": [float.hex(number.real), float.hex(number.imag)]}

    def _array(self, array: np.ndarray, depth: int) -> dict:
        if array.dtype == object:  # element by element, packed when they are numbers
            items = list(array.ravel())
            packed = self._packed(items) if items else None
            return {"t": "objarray", "shape": list(array.shape), **(
                {"packed": packed} if packed else
                {"items": [self.encode(item, depth + 1) for item in items]})}
        if array.dtype.hasobject:
            raise Unrecordable("a structured array with object fields")
        return {"t": "ndarray", **self._store(array)}

    def _packed(self, value) -> dict | None:
        """A regular nest of exact lists and tuples with leaves of one type, as one
        array (see the format above), or None if ``value`` is not one."""
        levels, sizes, items = [], [], [value]
        while type(items[0]) in (list, tuple):
            kind, size = type(items[0]), len(items[0])
            if size == 0 or len(levels) == MAX_DEPTH or len(items) * size > MAX_PACKED \
                    or any(type(n) is not kind or len(n) != size for n in items):
                return None
            levels.append(kind.__name__)
            sizes.append(size)
            items = [x for n in items for x in n]
        leaf = type(items[0])
        if any(type(x) is not leaf for x in items):
            return None
        if leaf in _NUMBERS:
            family, dtype = "python", _NUMBERS[leaf]
        elif issubclass(leaf, (np.number, np.bool_)) and leaf.__module__ == "numpy" \
                and not issubclass(leaf, np.timedelta64):
            family, dtype = "numpy", np.asarray(items[0]).dtype
        elif leaf is np.ndarray and items[0].dtype != object and all(
                x.shape == items[0].shape and x.dtype == items[0].dtype for x in items):
            return {"t": "packed", "levels": levels, "leaf": "ndarray",
                    **self._store(np.stack(items).reshape(sizes + list(items[0].shape)))}
        else:
            return None
        try:
            array = np.array(items, dtype=dtype).reshape(sizes)
        except (OverflowError, ValueError, TypeError):  # e.g. an int beyond int64
            return None
        return {"t": "packed", "levels": levels, "leaf": family, **self._store(array)}

    def _repr(self, value) -> str:
        try:
            text = repr(value)[:300]
        except Exception:  # noqa: BLE001 -- a learner's __repr__
            text = f"<{type(value).__name__} object>"
        self._count_text(len(text))
        return text

    def _object(self, value) -> dict:
        node = {"t": "object", "name": type(value).__name__, "repr": self._repr(value)}
        try:
            array = np.asarray(value)
        except Exception:  # noqa: BLE001 -- what np.asarray makes of it, if anything
            return node
        if array.dtype != object and not array.dtype.hasobject and array.size <= MAX_PACKED:
            node.update(self._store(array))
        return node


def _record(chapter: str, function: str, seed: int, shape: dict, got: dict | None,
            error: str | None = None, mutated: list | None = None) -> None:
    """Write one case instance's outputs (or the error it raised) for the outside judge."""
    out_dir = os.environ.get(RECORD_ENV)
    if not out_dir:
        return
    stem = str(Path(out_dir) / record_name(chapter, function, seed, shape))
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    encoder = OutputEncoder()
    kinds = {}
    if isinstance(got, dict):
        kinds = {str(name): encoder.output(value) for name, value in got.items()}
    elif error is None:
        error = f"the case returned {type(got).__name__}, not its outputs"
    np.savez(stem + ".npz", allow_pickle=False, **encoder.arrays())
    meta = {"chapter": chapter, "function": function, "seed": seed, "shape": shape,
            "status": "error" if error else "ok",
            "error": error[:MAX_TEXT] if error else error, "kinds": kinds,
            "mutated": sorted(set(mutated or []))}
    Path(stem + ".json").write_text(json.dumps(meta, default=str))


def _array_arguments(fn, args, kwargs) -> list[tuple[str, np.ndarray]]:
    """(parameter name, array) for every ndarray argument of a call."""
    import inspect
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    found = [(names[i] if i < len(names) else f"argument {i + 1}", a)
             for i, a in enumerate(args) if type(a) is np.ndarray]
    found += [(k, v) for k, v in kwargs.items() if type(v) is np.ndarray]
    return found


class RecordingImpl(_cases.Impl):
    """The learner's namespace, noting which input arrays each call changed in place.

    Only the calls the case makes are watched (not calls between learner functions).
    ``mutated`` lists ``"function:parameter"``; the judge compares it with what the
    reference does on the same inputs, so in-place updates by design stay allowed.
    """

    def __init__(self, namespace: Mapping[str, object], where: str = "your notebook",
                 chapter: str | None = None):
        super().__init__(namespace, where, chapter=chapter)
        self.mutated: list[str] = []
        # (name, function, value) of the last learner call that returned: when the kit
        # then fails on that value, the message says what it was (crash_message)
        self.last_return: tuple[str, object, object] | None = None
        # whether the case has looked anything up in the learner's namespace yet: a
        # case that fails before that failed on its own (a bug in the course)
        self.used = False

    def __getattr__(self, name: str):
        self.used = True
        fn = super().__getattr__(name)
        if not callable(fn):
            return fn

        def watched(*args, **kwargs):
            before = [(p, a, a.copy()) for p, a in _array_arguments(fn, args, kwargs)]
            try:
                value = fn(*args, **kwargs)
                self.last_return = (name, fn, value)
                return value
            finally:
                for param, array, copy in before:
                    if not _same(array, copy):
                        self.mutated.append(f"{name}:{param}")
        return watched


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    try:
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    except TypeError:
        return bool(np.array_equal(a, b))


def _check_recorded(chapter: str, function: str, case, namespace, seeds, shape) -> None:
    """Record mode: run every case instance, write what happened, judge nothing."""
    full = {**case.defaults, **shape}
    errors = 0
    for seed in seeds:
        impl = RecordingImpl(namespace)
        try:
            got = case(impl, seed, **shape)
        except BaseException as exc:  # noqa: BLE001 -- SystemExit, KeyboardInterrupt too
            errors += 1
            if isinstance(exc, CheckFailure):
                message = str(exc)
            elif isinstance(exc, NotImplementedError):
                message = str(not_implemented(function, exc))
            else:
                message = crash_message(function, exc, f"case seed={seed}",
                                        impl.last_return)
            _record(chapter, function, seed, full, None, error=message,
                    mutated=impl.mutated)
            continue
        _record(chapter, function, seed, full, got, mutated=impl.mutated)
    n = len(seeds)
    print(f"{function}: {n} case{'s' if n > 1 else ''} recorded for grading"
          + (f" ({errors} raised an error)" if errors else ""))


def _outside_libraries(filename: str) -> bool:
    """True for a frame of the learner's code (a notebook cell or a file of theirs)."""
    import sysconfig
    libraries = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib",
                                                     "platlib")}
    return not filename.startswith("<frozen") \
        and not any(filename.startswith(str(Path(lib))) for lib in libraries) \
        and not filename.startswith(str(Path(__file__).resolve().parent))


def describe_value(value, depth: int = 0) -> str:
    """A learner-readable account of a returned value: "a tuple of 2 (an array of shape
    (3, 5) float64, a list of 4)", "an array of shape (3, 5) float64", "None"."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {tuple(int(n) for n in value.shape)} {value.dtype}"
    if isinstance(value, (bool, int, float, np.generic)):
        return f"the number {value.item() if isinstance(value, np.generic) else value}"
    if isinstance(value, (tuple, list, dict)):
        kind = type(value).__name__
        text = f"a {kind} of {len(value)}"
        if depth == 0 and isinstance(value, (tuple, list)) and value:
            parts = [describe_value(v, 1) for v in list(value)[:4]]
            text += f" ({', '.join(parts)}{', ...' if len(value) > 4 else ''})"
        return text
    return f"a {type(value).__name__}"


def _returns_section(fn) -> str:
    """The "Returns" part of a function's docstring, on one line (or "")."""
    doc = getattr(fn, "__doc__", None) or ""
    lines = doc.splitlines()
    for k, line in enumerate(lines):
        if line.strip().lower().startswith("returns"):
            body = []
            for nxt in [line.strip()] + lines[k + 1:]:
                if not nxt.strip():
                    break
                body.append(nxt.strip())
            text = " ".join(body)
            return text if len(text) <= 240 else text[:237] + "..."
    return ""


def crash_message(function: str, exc: BaseException, context: str,
                  last_return: tuple[str, object, object] | None = None) -> str:
    """What a learner is told when a case crashed: where in their code, or, when the
    kit itself failed on what their function returned, what it returned and what its
    docstring promises (not "your code raised")."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    kit = str(Path(__file__).resolve().parent)
    if frames and frames[-1].filename.startswith(kit):
        if last_return is not None:
            name, fn, value = last_return
            promised = _returns_section(fn)
            return (f"{name} returned {describe_value(value)}, which the check could not "
                    f"use ({type(exc).__name__}: {exc}); your function itself did not "
                    "raise." + (f" Its docstring says: {promised}" if promised else
                                " Return what its docstring says, in that order.")
                    + f" ({context})")
        return (f"{function} returned something the check could not use "
                f"({type(exc).__name__}: {exc}). Return what its docstring says, in "
                f"that order ({context}).")
    mine = [f for f in frames if _outside_libraries(f.filename)]
    where = ""
    if mine:
        line = (mine[-1].line or "").strip()
        where = f" at line {mine[-1].lineno} of {mine[-1].name}" + (f": `{line}`" if line else "")
    return f"{function} raised {type(exc).__name__}: {exc}{where} ({context})."


def not_implemented(function: str, exc: NotImplementedError) -> NotImplementedYet:
    """The one-line message of a part whose stub still raises NotImplementedError."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    where = frames[-1].name if frames else function
    if where in ("<module>", function) or where.startswith("_"):
        return NotImplementedYet(f"{function} is not implemented yet: replace its stub.")
    # one line, so that every front end shows it whole (see checks.LINE_WIDTH)
    for message in (f"{function} calls {where}, which is not implemented yet: write that first.",
                    f"{function} calls {where}, which is not implemented yet.",
                    f"{function}: {where} is not implemented yet."):
        if len(message) <= LINE_WIDTH:
            break
    return NotImplementedYet(message)


def _run_learner(function: str, context: str, call, impl: RecordingImpl | None = None,
                 name: str | None = None):
    """``call()``, with the learner's crashes turned into the kit's messages: a stub
    that is not written yet, or where their code raised (or the kit could not use it).
    A case (``name``) that raises in the kit's own code before it looked anything up in
    the learner's namespace failed on its own: SelfCheckBroken."""
    try:
        return call()
    except CheckFailure:
        raise
    except NotImplementedError as exc:
        raise not_implemented(function, exc) from None
    except Exception as exc:  # learner code crashed: say where, keep the type
        if name is not None and impl is not None and not impl.used:
            raise self_check_broken(name, "the case's own code", exc, context) from None
        raise CheckFailure(crash_message(
            function, exc, context, impl.last_return if impl is not None else None)
        ) from None


def _gradient_table(chapter: str) -> dict:
    import importlib
    return getattr(importlib.import_module(f"rnnkit.cases.{chapter}"),
                   "_GRADIENT_CHECKS", {})


def _quietly(call) -> bool | None:
    """True if ``call()`` passes, False if it raises CheckFailure, None if it cannot
    tell (anything else went wrong); prints nothing."""
    import contextlib
    import io
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            call()
    except CheckFailure:
        return False
    except Exception:  # noqa: BLE001 -- the cross-check is advice only
        return None
    return True


def _backward_or_forward(chapter: str, function: str, namespace) -> str:
    """For a backward pass whose check failed: does it agree with finite differences of
    the learner's own forward pass? That says which of the two is wrong."""
    if function not in _gradient_table(chapter) or os.environ.get(RECORD_ENV):
        return ""
    agrees = _quietly(lambda: gradcheck(f"{chapter}.{function}", namespace,
                                        _cross_check=False))
    if agrees is True:
        return ("\nForward or backward? Your backward pass agrees with finite "
                "differences of your own forward pass (gradcheck passes), so the backward "
                "formulas are consistent: what differs is the forward pass or what it "
                "puts in the cache. Check the forward function first.")
    if agrees is False:
        return ("\nForward or backward? gradcheck fails too: the backward pass is not "
                "the derivative of your own forward pass, so the backward pass is wrong "
                "(whatever the forward pass does).")
    return ""


class SelfCheckBroken(CheckFailure):
    """The course's own code of a check (its case, fixture, reference, judge or catalogue
    of mistakes) raised: a bug in the course, not a failure of the learner's code."""


def _kit_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("rnnkit")
    except PackageNotFoundError:
        return "not installed as a package"


def self_check_broken(name: str, where: str, exc: BaseException,
                      context: str) -> SelfCheckBroken:
    """What a learner is told when the course's code of a check raised: that the
    self-check itself failed, not their code, and what to report."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    at = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return SelfCheckBroken(
        f"{name}: the self-check itself failed (a bug in the course, not in your code): "
        f"{where} raised {type(exc).__name__}: {str(exc)[:300]}{at}. Your function may "
        f"well be right. Please report this whole message to your instructor or on the "
        f"course's issue tracker, with the kit's version (rnnkit {_kit_version()}) and "
        f"the case ({context}).")


def output_mismatch(function: str, got, expected) -> str | None:
    """Why the outputs ``got`` are not of the form of the reference's ``expected`` (an
    output missing, another kind of value, another shape or length), in a sentence
    for the learner; None when they have the reference's form. A comparison that
    raises on outputs of the reference's form has a bug; on others, the outputs are
    the learner's failure."""
    if not isinstance(got, Mapping):
        return f"{function}: the check got {describe_value(got)} instead of its outputs."
    for name, want in expected.items():
        if name not in got:
            return f"{function}: {name} is missing from its outputs."
        problem = _form_mismatch(got[name], want)
        if problem is not None:
            return f"{function}: {name} is {problem}."
    return None


def _form_mismatch(got, want, depth: int = 0) -> str | None:
    """How ``got`` differs in form from ``want`` (kind of value, shape, length), or
    None; containers are compared element by element, a few levels deep."""
    numbers = (bool, int, float, complex, np.number, np.bool_)
    if isinstance(want, (np.ndarray, np.generic)) or isinstance(want, numbers):
        want_arr = np.asarray(want)
        if not isinstance(got, (np.ndarray, np.generic) + numbers):
            return f"{describe_value(got)} where the reference gives {describe_value(want)}"
        got_arr = np.asarray(got)
        if got_arr.shape != want_arr.shape or (got_arr.dtype.kind in "OSUV") != (
                want_arr.dtype.kind in "OSUV"):
            return f"{describe_value(got)} where the reference gives {describe_value(want)}"
        return None
    for kind in (list, tuple, dict):
        if isinstance(want, kind):
            same = isinstance(got, dict) if kind is dict else isinstance(got, (list, tuple))
            if not same or len(got) != len(want) or (kind is dict and set(got) != set(want)):
                return (f"{describe_value(got)} where the reference gives "
                        f"{describe_value(want)}")
            if depth >= 3:
                return None
            pairs = [(got[k], want[k]) for k in want] if kind is dict else zip(got, want)
            for item, wanted in pairs:
                problem = _form_mismatch(item, wanted, depth + 1)
                if problem is not None:
                    return problem
            return None
    if want is None or isinstance(want, (str, bytes)):
        return None if type(got) is type(want) else \
            f"{describe_value(got)} where the reference gives {describe_value(want)}"
    return None


def _expected_side(name: str, chapter: str, function: str, seed: int, shape,
                   context: str) -> tuple[dict, set, object]:
    """(expected outputs, inputs the reference changes in place, the instructor's judge
    or None); the course's fixture or reference raising is SelfCheckBroken."""
    try:
        expected, ref_mutated = expected_case(chapter, function, seed, shape)
        return expected, ref_mutated, judge_override(chapter, function)
    except HiddenCase:
        raise
    except Exception as exc:  # noqa: BLE001 -- the course's fixture, reference or judges
        raise self_check_broken(name, "loading the expected outputs", exc,
                                context) from None


def _compare(name: str, case, got: dict, expected: dict, judge, mistakes,
             context: str) -> dict:
    """``case.compare``, telling the learner's failures from the course's: outputs not
    of the reference's form are the learner's; the comparison (a judge) raising on
    outputs of that form, or the catalogue of mistakes raising, is the course's."""
    broken: list[BaseException] = []

    def guarded():
        try:
            return mistakes()
        except Exception as exc:  # noqa: BLE001 -- the catalogue, not the learner
            broken.append(exc)
            return []
    try:
        return case.compare(got, expected, judge, mistakes=guarded)
    except CheckFailure as failure:
        if broken:
            exc = broken[0]
            raise CheckFailure(
                f"{failure}\n(The course's catalogue of likely mistakes failed while "
                f"looking for the cause: {type(exc).__name__}: {str(exc)[:200]}. That is "
                "a bug in the course, not in your code; please report it.)") from None
        raise
    except Exception as exc:  # noqa: BLE001 -- the learner's outputs, or the course
        problem = output_mismatch(case.function, got, expected)
        if problem is not None:
            raise CheckFailure(f"{problem} Return what the docstring says, in that "
                               "order.") from None
        raise self_check_broken(name, "the comparison with the reference", exc,
                                context) from None


def check(name: str, namespace: Mapping[str, object], *, seeds=(0,),
          _cross_check: bool = True, **shape) -> None:
    """Run the case ``name`` ("chapter.function") for every seed; raise on failure.

    When a backward pass fails and the chapter has a gradient check for it, the message
    also says whether the backward pass agrees with finite differences of the learner's
    own forward pass (and so which of the two is wrong)."""
    chapter, function = name.split(".", 1)
    case = _cases.get(chapter, function)
    if os.environ.get(RECORD_ENV):
        return _check_recorded(chapter, function, case, namespace, seeds, shape)
    full = {**case.defaults, **shape}
    summaries = []
    for seed in seeds:
        context = f"case seed={seed}, shape {full}"
        impl = RecordingImpl(namespace, chapter=chapter)  # notes inputs changed in place
        got = _run_learner(function, context, lambda: case(impl, seed, **shape), impl,
                           name=name)
        expected, ref_mutated, judge = _expected_side(name, chapter, function, seed,
                                                      shape, context)
        mutated = [m for m in impl.mutated if m not in ref_mutated]
        try:
            if mutated:
                raise CheckFailure(mutation_message(mutated))
            judged = _compare(name, case, got, expected, judge,
                              lambda: mistake_outputs(chapter, function, seed, shape),
                              context)
        except SelfCheckBroken:
            raise
        except CheckFailure as failure:
            cross = _backward_or_forward(chapter, function, namespace) \
                if _cross_check else ""
            raise CheckFailure(f"{failure}\n(case seed={seed}, shape {full}){cross}"
                               ) from None
        if case.summary is not None:
            summaries.append(case.summary(judged))
    shown = ", ".join(f"{k}={v}" for k, v in full.items())
    print(f"{function}: passed ({len(seeds)} case{'s' if len(seeds) > 1 else ''}; {shown})"
          + "".join(f"\n  {line}." for line in summaries))


def gradcheck(name: str, namespace: Mapping[str, object], *, seed: int = 0,
              _cross_check: bool = True, **shape) -> None:
    """Check a learner's backward pass against centred finite differences of the
    learner's own forward pass (float64, random upstream gradients):
    ``gradcheck("ch02.rnn_backward", globals())``.

    The checks themselves live beside the chapter's cases, in the ``_GRADIENT_CHECKS``
    table of ``rnnkit/cases/chNN.py`` (function name -> ``check(impl, rng, **shape)``
    returning ``{gradient name: relative error}``). Raises :class:`CheckFailure` naming
    every gradient that disagrees; returns nothing, so a test cell ending with it shows
    no value.
    """
    import importlib
    chapter, function = name.split(".", 1)
    table = getattr(importlib.import_module(f"rnnkit.cases.{chapter}"),
                    "_GRADIENT_CHECKS", {})
    if function not in table:
        raise KeyError(f"No gradient check for {name}.")
    impl = _cases.Impl(namespace, chapter=chapter)
    try:
        errors = _run_learner(function, f"gradient check seed={seed}, shape {shape}",
                              lambda: table[function](impl, np.random.default_rng(seed),
                                                      **shape))
    except CheckFailure as failure:
        has_case = (chapter, function) in {(c.chapter, c.function)
                                           for c in _cases.all_cases(chapter)}
        if not (_cross_check and has_case) or os.environ.get(RECORD_ENV) \
                or isinstance(failure, NotImplementedYet):
            raise
        if _quietly(lambda: check(name, namespace, _cross_check=False)):
            raise CheckFailure(
                f"{failure}\nForward or backward? Your {function} matches the reference "
                "(its check passes), so the backward pass is right: finite differences "
                "of your forward pass disagree with it because the forward pass (or a "
                "value it caches) is wrong. Check the forward function.") from None
        raise
    worst = max(errors.values()) if errors else 0.0
    print(f"{function}: gradients agree with finite differences "
          f"(largest relative error {worst:.1e})")
