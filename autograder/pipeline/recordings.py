"""Recordings: what the sandboxed notebook recorded for one case instance, read back
without pickles and within size limits, and rebuilt into the values the in-kernel
comparison saw (the record format is described in ``rnnkit.record_format``).

Everything here reads files the learner's process wrote: whatever is malformed raises
``CheckFailure`` with a learner-facing reason, never anything else.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from rnnkit.checks import CheckFailure
from rnnkit.i18n import _

MAX_RECORD_BYTES = 64 << 20     # one recorded file, and one array in it
MAX_CELL_ARRAYS = 256 << 20     # all arrays of one graded cell, decompressed


class ArrayAllowance:
    """What the arrays of one graded cell may still decompress to, in bytes."""

    def __init__(self, limit: int = MAX_CELL_ARRAYS):
        self.left = limit

    def take(self, size: int) -> bool:
        if size > self.left:
            return False
        self.left -= size
        return True


def load_npz(path: Path, allowance: ArrayAllowance) -> dict[str, np.ndarray]:
    """Load a recorded .npz without pickles. Sizes are checked before anything is
    decompressed: each member's declared size (which ``zipfile`` enforces while
    reading) and its array header against the per-array cap, and their sum against
    what the graded cell may still decompress (``allowance``), so a small archive
    cannot expand into gigabytes in the judge."""
    if path.stat().st_size > MAX_RECORD_BYTES:
        raise CheckFailure(_("the recorded outputs are larger than the grader accepts "
                             "({mb} MB).").format(mb=path.stat().st_size >> 20))
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        declared = sum(info.file_size for info in members)
        if len(members) > 256 or not allowance.take(declared):
            raise CheckFailure(_("the recorded outputs are larger than the grader accepts "
                                 "({mb} MB decompressed).").format(mb=declared >> 20))
        for info in members:
            if info.file_size > MAX_RECORD_BYTES or not info.filename.endswith(".npy"):
                raise CheckFailure(_("the recorded outputs are malformed."))
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _order, dtype = np.lib.format.read_array_header_1_0(member)
                else:
                    shape, _order, dtype = np.lib.format.read_array_header_2_0(member)
                if dtype.hasobject or int(np.prod(shape)) * dtype.itemsize > info.file_size:
                    raise CheckFailure(_("the recorded outputs are malformed."))
            with archive.open(info) as member:
                arrays[info.filename[:-4]] = np.lib.format.read_array(member, allow_pickle=False)
    return arrays


_REBUILD_DEPTH = 40          # a little above the recorder's MAX_DEPTH
_PACKED_VALUES = 1_000_000   # Python or numpy scalars that one packed nest may become
_NUMBER_TYPES = {"bool": bool, "int": int, "float": float, "complex": complex}
_CONTAINERS = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}


def _malformed() -> CheckFailure:
    return CheckFailure(_("the recorded outputs are malformed."))


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
    """A packed nest of lists and tuples (see rnnkit.record_format's record format)."""
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
    ``rnnkit.record_format``) as the in-kernel comparison saw it: the same Python types
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
            raise CheckFailure(_(
                "{function}: {name} could not be recorded for grading ({why}). Return what "
                "the docstring says: numpy arrays and numbers.").format(
                    function=function, name=name, why=str(node.get('why'))[:200]))
        try:
            got[str(name)] = _rebuild(node, arrays)
        except CheckFailure:
            raise
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError,
                IndexError):
            raise _malformed() from None
    return got
