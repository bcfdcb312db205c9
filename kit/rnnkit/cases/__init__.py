"""Test cases of the graded functions, one module per chapter (``ch01.py``, ...).

A case is a function ``case(impl, rng, **shape) -> {output name: array}``. It draws its
inputs from ``rng``, calls the implementation under test through ``impl`` (the
learner's notebook namespace, or the reference module), and returns named outputs.
The same case run on the reference gives the expected outputs, so inputs, calls and
expected values can never drift apart. A case may carry its own ``judge`` when exact
comparison is not the right test (sampling, training).
"""
from __future__ import annotations

import dataclasses
import importlib
from typing import Callable, Mapping, Sequence

import numpy as np

from rnnkit.checks import CheckFailure, check_outputs
from rnnkit.i18n import _, N_


@dataclasses.dataclass
class Case:
    chapter: str
    function: str
    run: Callable[..., dict]
    defaults: dict
    rtol: float = 1e-6
    atol: float = 1e-9
    axes: Mapping[str, Sequence[str]] | None = None
    # judge(got, expected) raises CheckFailure; it may return got with outputs it
    # derived (e.g. the scores of trained parameters), which compare() passes on.
    judge: Callable[[dict, dict], dict | None] | None = None
    hint: str = ""
    # What a passing self-check prints after "passed" (e.g. a training run's accuracy),
    # from the outputs the judge returned.
    summary: Callable[[dict], str] | None = None
    # Outputs whose dtype the docstring states: {"x": "f"} (numpy dtype kinds: "f" float,
    # "i" integer, "b" bool). Checked before the values.
    dtypes: Mapping[str, str] | None = None
    # A conceptual question (rnnkit.questions): its expected output is the answer key,
    # which never ships (no fixture), and form(got) says whether the learner's answer
    # has the right form, which is all a learner's kernel can check.
    key_hidden: bool = False
    form: Callable[[dict], str] | None = None

    def __call__(self, impl, seed: int = 0, **shape) -> dict:
        params = {**self.defaults, **shape}
        return self.run(impl, np.random.default_rng(seed), **params)

    def compare(self, got: dict, expected: dict, judge=None,
                mistakes: Callable[[], Sequence[tuple[str, str, dict, str]]] | None = None
                ) -> dict:
        """Raise CheckFailure with a learner-facing message unless got is acceptable;
        return the outputs as judged (with anything the judge derived from them).

        ``judge`` replaces the case's own judge: the instructor's side passes its judge
        where it has one (see ``rnnkit.expected.judge_override``).

        ``mistakes``, called only when the outputs are wrong, gives the outputs of the
        catalogued mistakes on the same inputs, as ``(name, says, outputs, how)``; the
        first one the learner's outputs match is named in the message (``Likely cause:
        ...``), in place of the general hint. ``how`` says how they match (see
        :meth:`matches`)."""
        if not isinstance(got, dict):
            raise CheckFailure(_("{function}: the check could not collect outputs.").format(
                function=self.function))
        judge = judge or self.judge
        try:
            self._check_dtypes(got)
            if judge is not None:
                judged = judge(got, expected)
                return judged if isinstance(judged, dict) else got
            else:
                check_outputs(self.function, got, expected, rtol=self.rtol,
                              atol=self.atol, axes=self.axes)
        except CheckFailure as failure:
            found = self.likely_mistake(got, mistakes() if mistakes else ())
            if found:
                named = CheckFailure(f"{failure}\n" + _("Likely cause: {cause}").format(
                    cause=_(found[1])))
                named.mistake = found[0]  # the catalogue's name, for the instructor's report
                raise named from None
            if self.hint:
                raise CheckFailure(f"{failure}\n" + _("Hint: {hint}").format(
                    hint=_(self.hint))) from None
            raise
        return got

    def _check_dtypes(self, got: dict) -> None:
        kinds = {"f": (N_("a float array"), N_("np.zeros(shape) makes one; or .astype(float)")),
                 "i": (N_("an integer array"), N_("e.g. .astype(int)")),
                 "b": (N_("a boolean array"), N_("e.g. a comparison such as x > 0"))}
        for name, kind in (self.dtypes or {}).items():
            value = got.get(name)
            if value is None or not isinstance(value, (np.ndarray, np.generic)):
                continue  # missing or not an array: the comparison says so
            have = np.asarray(value).dtype
            if have.kind != kind:
                what, how = kinds.get(kind, (f"dtype kind {kind!r}", ""))
                raise CheckFailure(_("{function}: {name} has dtype {dtype}; the docstring "
                                     "says {what} ({how}).").format(
                                         function=self.function, name=name, dtype=have,
                                         what=_(what), how=_(how)))

    def matches(self, got: dict, outputs: dict, how: str = "values") -> bool:
        """True when ``got`` matches ``outputs`` (the outputs of a catalogued mistake):

        - "values": ``got`` passes this case's own comparison (its judge, if it has one)
          against ``outputs``, at the case's tolerances;
        - "exact": every output agrees at the case's tolerances, compared directly, not
          through the judge (whose checks of ``got`` alone, such as a quality bar, would
          reject the learner before any comparison); "exact:a,b" compares only the
          outputs a and b;
        - "shape": every output has the shape of the mistake's."""
        if how == "shape":
            try:
                return all(np.shape(got[name]) == np.shape(value)
                           for name, value in outputs.items())
            except Exception:  # noqa: BLE001 -- a missing or ragged output: no match
                return False
        if how.startswith("exact"):
            names = how.partition(":")[2]
            wanted = {k: v for k, v in outputs.items()
                      if not names or k in names.split(",")}
            try:
                check_outputs(self.function, got, wanted, rtol=self.rtol, atol=self.atol)
            except Exception:  # noqa: BLE001 -- any failure to compare is "no match"
                return False
            return bool(wanted)
        try:
            if self.judge is not None:
                self.judge(got, outputs)
            else:
                check_outputs(self.function, got, outputs, rtol=self.rtol,
                              atol=self.atol, axes=self.axes)
        except Exception:  # noqa: BLE001 -- any failure to compare is "no match"
            return False
        return True

    def likely_mistake(self, got: dict, mistakes: Sequence[tuple[str, str, dict, str]]
                       ) -> tuple[str, str] | None:
        """``(name, says)`` of the first matching catalogued mistake, or None."""
        for name, says, outputs, how in mistakes:
            if outputs and self.matches(got, outputs, how):
                return name, says
        return None

    def likely_cause(self, got: dict, mistakes: Sequence[tuple[str, str, dict, str]]
                     ) -> str | None:
        """What the first matching catalogued mistake says, or None."""
        found = self.likely_mistake(got, mistakes)
        return found[1] if found else None


def flatten_params(tree: Mapping, prefix: str = "") -> dict:
    """``{"fwd.Wx": array, ...}``: the arrays of a nested parameter dict, so that a case
    can return trained parameters as named outputs (recorded for the outside judge)."""
    flat = {}
    for key, value in tree.items():
        if isinstance(value, Mapping):
            flat.update(flatten_params(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def unflatten_params(outputs: Mapping[str, object], prefix: str) -> dict:
    """The nested parameter dict recorded by ``flatten_params`` under ``prefix``, as
    float64 arrays (the judge evaluates it with the course's reference code)."""
    tree: dict = {}
    for name, value in outputs.items():
        if not name.startswith(prefix):
            continue
        *path, leaf = name[len(prefix):].split(".")
        node = tree
        for key in path:
            node = node.setdefault(key, {})
        node[leaf] = np.asarray(value, dtype=np.float64)
    return tree


def score_trained(function: str, init: str, score: Callable[[], object]):
    """``score()``, which evaluates trained parameters recorded by a case (see
    ``unflatten_params``) with the course's reference code; a crash there means the
    parameters are not laid out as ``init`` makes them, and the learner is told so."""
    try:
        return score()
    except CheckFailure:
        raise
    except Exception as exc:  # missing keys or wrong shapes in the trained parameters
        raise CheckFailure(_(
            "{function}: the trained parameters do not have the layout {init} makes "
            "({error}: {detail}). Update the params dict in place; do not replace or "
            "rename its arrays.").format(function=function, init=init,
                                         error=type(exc).__name__, detail=exc)) from None


_REGISTRY: dict[tuple[str, str], Case] = {}


def case(chapter: str, function: str | None = None, **options):
    """Decorator registering a case; keyword defaults of the function are its shape."""
    def wrap(fn):
        import inspect
        defaults = {k: p.default for k, p in inspect.signature(fn).parameters.items()
                    if p.default is not inspect.Parameter.empty}
        name = function or fn.__name__
        _REGISTRY[(chapter, name)] = Case(chapter, name, fn, defaults, **options)
        return fn
    return wrap


def get(chapter: str, function: str) -> Case:
    importlib.import_module(f"rnnkit.cases.{chapter}")
    try:
        return _REGISTRY[(chapter, function)]
    except KeyError:
        raise KeyError(_("No test case for {chapter}.{function}.").format(
            chapter=chapter, function=function)) from None


def all_cases(chapter: str) -> list[Case]:
    importlib.import_module(f"rnnkit.cases.{chapter}")
    return [c for (ch, _), c in _REGISTRY.items() if ch == chapter]


class Impl:
    """Attribute access to a notebook namespace, with a clear error for missing names."""

    def __init__(self, namespace: Mapping[str, object], where: str = N_("your notebook"),
                 chapter: str | None = None):
        self._ns = namespace
        self._where = where
        self._chapter = chapter

    def __getattr__(self, name: str):
        try:
            value = self._ns[name]
        except KeyError:
            raise CheckFailure(_("{name} is not defined in {where}. Run the cell that "
                                 "defines it (and do not rename the function).").format(
                                     name=name, where=_(self._where))) from None
        return value
