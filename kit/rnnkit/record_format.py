"""The record format: how record mode writes what a learner's code returned, so that
a clean process outside the learner's kernel (``autograder/pipeline/recordings.py``)
makes the same outputs again without unpickling anything (:class:`OutputEncoder`).
"""
from __future__ import annotations

import numpy as np

from rnnkit.i18n import _

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
                _("describing it raised {error}").format(error=type(exc).__name__)
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
            raise Unrecordable(_("more than {n} characters of text").format(n=MAX_TEXT))

    def encode(self, value, depth: int) -> dict:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise Unrecordable(_("more than {n} separate values").format(n=MAX_NODES))
        if depth > MAX_DEPTH:
            raise Unrecordable(_("containers nested more than {n} deep").format(n=MAX_DEPTH))
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
            raise Unrecordable(_("a structured array with object fields"))
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

