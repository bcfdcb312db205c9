"""``check`` and ``gradcheck``: the calls that visible self-checks and hidden tests make.

``check("ch01.rnn_forward", globals(), seeds=[3], N=1, T=5)`` runs the case on the
learner's functions and on the reference with the same inputs and raises a
:class:`~rnnkit.checks.CheckFailure` that says what is wrong.

Expected outputs come from the shipped fixtures when the case is a visible one (so a
learner without the solutions can self-check) and from the reference implementation in
the instructor's side otherwise (hidden tests, at grading time; see
:mod:`rnnkit.expected`).

When ``RNNCOURSE_RECORD_DIR`` is set (record mode: the sandboxed grading pipeline in
``autograder/pipeline/``), ``check`` compares nothing and never raises: for every case
instance it writes what the learner's code produced (outputs, or the exception it
raised, and which input arrays it changed in place) to that folder, and a clean process
outside the learner's kernel compares them with the reference and decides the grade
(:mod:`rnnkit.recording`, in the format of :mod:`rnnkit.record_format`). The sandbox
has no ``solutions/``, and nothing computed inside the learner's process is trusted
there anyway.

What a learner is told when their code crashes or returns what the check cannot use,
and when the course's own code of a check fails, is in :mod:`rnnkit.attribution`.
"""
from __future__ import annotations

import os
from typing import Mapping

import numpy as np

from rnnkit import cases as _cases
from rnnkit.attribution import (SelfCheckBroken, malformed_outputs, run_learner,
                                self_check_broken)
from rnnkit.checks import CheckFailure, NotImplementedYet
from rnnkit import expected as _expected
from rnnkit.expected import HiddenCase, expected_case, judge_override, mistake_outputs
from rnnkit.i18n import _, N_
from rnnkit.recording import RECORD_ENV, RecordingImpl, check_recorded, mutation_message


def _gradient_table(chapter: str) -> dict:
    """The chapter's gradient checks, by function name (``_GRADIENT_CHECKS`` of
    ``rnnkit/cases/chNN.py``; empty for a chapter without backward passes)."""
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
        return "\n" + _("Forward or backward? Your backward pass agrees with finite "
                        "differences of your own forward pass (gradcheck passes), so the "
                        "backward formulas are consistent: what differs is the forward "
                        "pass or what it puts in the cache. Check the forward function "
                        "first.")
    if agrees is False:
        return "\n" + _("Forward or backward? gradcheck fails too: the backward pass is "
                        "not the derivative of your own forward pass, so the backward pass "
                        "is wrong (whatever the forward pass does).")
    return ""


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
        raise self_check_broken(name, N_("loading the expected outputs"), exc,
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
                f"{failure}\n" + _("(The course's catalogue of likely mistakes failed while "
                                   "looking for the cause: {error}: {detail}. That is a bug "
                                   "in the course, not in your code; please report it.)"
                                   ).format(error=type(exc).__name__, detail=str(exc)[:200])
            ) from None
        raise
    except Exception as exc:  # noqa: BLE001 -- the learner's outputs, or the course
        problem = malformed_outputs(case.function, got, expected)
        if problem is not None:
            raise CheckFailure(problem) from None
        raise self_check_broken(name, N_("the comparison with the reference"), exc,
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
        return check_recorded(chapter, function, case, namespace, seeds, shape)
    full = {**case.defaults, **shape}
    summaries = []
    for seed in seeds:
        context = _("case seed={seed}, shape {shape}").format(seed=seed, shape=full)
        impl = RecordingImpl(namespace, chapter=chapter)  # notes inputs changed in place
        got = run_learner(function, context, lambda: case(impl, seed, **shape), impl,
                          name=name)
        if case.key_hidden and _expected.instructor() is None:
            # a conceptual question in a learner's kernel: the key is not here, so only
            # the answer's form is checked; the outside judge marks it
            summaries = None
            print(case.form(got))
            continue
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
            if case.key_hidden:  # a question: no inputs, no case to name
                raise
            cross = _backward_or_forward(chapter, function, namespace) \
                if _cross_check else ""
            raise CheckFailure(f"{failure}\n({context}){cross}") from None
        if case.summary is not None:
            summaries.append(case.summary(judged))
    if summaries is None:
        return
    if case.key_hidden:
        print(_("{function}: passed").format(function=function))
        return
    shown = ", ".join(f"{k}={v}" for k, v in full.items())
    passed = _("{function}: passed ({n} cases; {shape})") if len(seeds) > 1 else \
        _("{function}: passed ({n} case; {shape})")
    print(passed.format(function=function, n=len(seeds), shape=shown)
          + "".join("\n  " + _("{summary}.").format(summary=line) for line in summaries))


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
    chapter, function = name.split(".", 1)
    table = _gradient_table(chapter)
    if function not in table:
        raise KeyError(_("No gradient check for {name}.").format(name=name))
    impl = _cases.Impl(namespace, chapter=chapter)
    try:
        errors = run_learner(function, _("gradient check seed={seed}, shape {shape}").format(
                                 seed=seed, shape=shape),
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
                f"{failure}\n" + _("Forward or backward? Your {function} matches the "
                                   "reference (its check passes), so the backward pass is "
                                   "right: finite differences of your forward pass disagree "
                                   "with it because the forward pass (or a value it caches) "
                                   "is wrong. Check the forward function.").format(
                                       function=function)) from None
        raise
    worst = max(errors.values()) if errors else 0.0
    print(_("{function}: gradients agree with finite differences (largest relative "
            "error {worst:.1e})").format(function=function, worst=worst))
