"""Conceptual questions: autograded answers that are a letter or a number.

A question is a case like any graded function's (``rnnkit.cases``), registered by
:func:`multiple_choice`, :func:`numeric` (a value, right within a relative tolerance)
or :func:`count` (a whole number, right only when exact) in its chapter's case module.
Its answer cell sets one variable (``answer_<name> = "b"``) and its test cell is
``check("chNN.quiz_<name>", globals())``, so the grading pipeline records the answer in
the sandbox and its outside judge compares it with the key like every other graded
cell: nothing the learner's kernel prints or computes decides the score.

**The key is not here.** A question's case reads the learner's variable and returns it
unchanged; the key is the same variable in the chapter's solution notebook
(``solutions/chNN/chNN.ipynb``), which the instructor's side runs as the reference. Such
a case is ``key_hidden``: the kit's fixtures hold no expected output for it
(``autograder/fixtures.py``), so in a learner's kernel ``check`` can only say whether the
answer has the right form (:func:`form_message`), never whether it is right.

Bad input never crashes a check: a wrong type, several letters, a letter that is not a
choice, a number that is not finite, all give a message saying what to write. Case and
spaces do not matter (``" B "`` is ``"b"``), nor how a number is written
(``0.50``, ``1/2``, ``np.float64(0.5)``; a count may be written ``120.0``).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from rnnkit.cases import Case, _REGISTRY
from rnnkit.checks import CheckFailure, NotImplementedYet
from rnnkit.course import QUIZ_PREFIX
from rnnkit.i18n import _

OUTPUT = "answer"


def _answer_of(question: str, variable: str) -> Callable:
    """The case's run: the learner's variable, unchanged (judged outside the kernel)."""
    def run(impl, rng):
        try:
            value = getattr(impl, variable)
        except CheckFailure:
            raise NotImplementedYet(_("{question} is not answered yet: set {variable} "
                                      "above.").format(question=question,
                                                                variable=variable)) from None
        return {OUTPUT: value}
    return run


def _letter(question: str, variable: str, choices: str, value) -> str:
    """The chosen letter, lower case; CheckFailure saying what to write otherwise."""
    listed = ", ".join(f'"{c}"' for c in choices)
    if value is None or isinstance(value, NotImplementedError):
        raise NotImplementedYet(_("{question} is not answered yet: set {variable} "
                                  "above.").format(question=question, variable=variable))
    if type(value) is not str:
        raise CheckFailure(_("{question}: {variable} is {kind}; write one letter in quotes, "
                             "one of {choices} (e.g. {variable} = \"{first}\").").format(
                                 question=question, variable=variable,
                                 kind=type(value).__name__, choices=listed,
                                 first=choices[0]))
    letter = value.strip().lower().strip("()).")
    if len(letter) != 1 or letter not in choices:
        shown = value if len(value) <= 20 else value[:20] + "..."
        raise CheckFailure(_("{question}: {variable} = {value!r} is not one of the choices; "
                             "write exactly one letter, one of {choices}.").format(
                                 question=question, variable=variable, value=shown,
                                 choices=listed))
    return letter


def _number(question: str, variable: str, value) -> float:
    """The answer as a float; CheckFailure saying what to write otherwise."""
    if value is None or isinstance(value, NotImplementedError):
        raise NotImplementedYet(_("{question} is not answered yet: set {variable} "
                                  "above.").format(question=question, variable=variable))
    ok = (type(value) in (int, float)
          or (isinstance(value, (np.integer, np.floating)) and not isinstance(value, np.bool_))
          or (type(value) is np.ndarray and value.shape == () and value.dtype.kind in "iuf"))
    if not ok:
        raise CheckFailure(_("{question}: {variable} is {kind}; write a number without "
                             "quotes (e.g. {variable} = 0.25, or an expression such as "
                             "{variable} = 3 / 4).").format(
                                 question=question, variable=variable,
                                 kind=type(value).__name__))
    number = float(value)
    if not math.isfinite(number):
        raise CheckFailure(_("{question}: {variable} is {value}; write a finite number."
                             ).format(question=question, variable=variable, value=number))
    return number


def multiple_choice(chapter: str, name: str, choices: str = "abcd", hint: str = "") -> Case:
    """Register the question ``<chapter>.quiz_<name>``: the learner sets
    ``answer_<name>`` to one of the letters of ``choices``. ``hint`` (marked with
    ``N_``) says where in the book to look again; it must not give the answer away."""
    question, variable = QUIZ_PREFIX + name, f"answer_{name}"

    def judge(got: dict, expected: dict) -> None:
        mine = _letter(question, variable, choices, got.get(OUTPUT))
        if mine != _letter(question, variable, choices, expected.get(OUTPUT)):
            raise CheckFailure(_("{question}: \"{letter}\" is not the right choice.").format(
                question=question, letter=mine))

    def form(got: dict) -> str:
        return _("{question}: your answer \"{answer}\" is one of the choices; it is "
                 "marked when your notebook is graded.").format(
                     question=question,
                     answer=_letter(question, variable, choices, got.get(OUTPUT)))
    return _register(chapter, question, variable, judge, form, hint, "multiple choice")


def numeric(chapter: str, name: str, rtol: float, hint: str = "") -> Case:
    """Register the question ``<chapter>.quiz_<name>``: the learner sets
    ``answer_<name>`` to a number, right when within ``rtol`` of the key (relative; the
    notebook states the tolerance)."""
    question, variable = QUIZ_PREFIX + name, f"answer_{name}"

    def judge(got: dict, expected: dict) -> None:
        mine = _number(question, variable, got.get(OUTPUT))
        key = _number(question, variable, expected.get(OUTPUT))
        if not abs(mine - key) <= rtol * abs(key):
            raise CheckFailure(_("{question}: {value:.6g} is not within {tolerance:.0%} of "
                                 "the right value.").format(
                                     question=question, value=mine, tolerance=rtol))

    def form(got: dict) -> str:
        return _("{question}: your answer {answer:.6g} is a number; it is marked when your "
                 "notebook is graded.").format(
                     question=question, answer=_number(question, variable, got.get(OUTPUT)))
    return _register(chapter, question, variable, judge, form, hint, "numeric")


def _whole(question: str, variable: str, value) -> int:
    """The answer as an int (a whole number however written: 120, 120.0, 4 * 30,
    np.int64(120)); CheckFailure saying what to write otherwise."""
    number = _number(question, variable, value)
    if number != round(number):
        raise CheckFailure(_("{question}: {variable} is {value:.6g}; a count is a whole "
                             "number (e.g. {variable} = 120, or an expression such as "
                             "{variable} = 4 * 30).").format(
                                 question=question, variable=variable, value=number))
    return int(round(number))


def count(chapter: str, name: str, hint: str = "") -> Case:
    """Register the question ``<chapter>.quiz_<name>``: the learner sets
    ``answer_<name>`` to a whole number (a count of parameters, scores or steps), right
    only when it equals the key exactly (the notebook says so): an off-by-a-bias count
    is wrong, however close."""
    question, variable = QUIZ_PREFIX + name, f"answer_{name}"

    def judge(got: dict, expected: dict) -> None:
        mine = _whole(question, variable, got.get(OUTPUT))
        if mine != _whole(question, variable, expected.get(OUTPUT)):
            raise CheckFailure(_("{question}: {value} is not the right count.").format(
                question=question, value=mine))

    def form(got: dict) -> str:
        return _("{question}: your answer {answer} is a whole number; it is marked when "
                 "your notebook is graded.").format(
                     question=question, answer=_whole(question, variable, got.get(OUTPUT)))
    return _register(chapter, question, variable, judge, form, hint, "count")


# (chapter, question) -> "multiple choice", "numeric" or "count"
KINDS: dict[tuple[str, str], str] = {}


def _register(chapter, question, variable, judge, form, hint, kind) -> Case:
    case = Case(chapter, question, _answer_of(question, variable), {}, judge=judge,
                hint=hint, key_hidden=True, form=form)
    _REGISTRY[(chapter, question)] = case
    KINDS[(chapter, question)] = kind
    return case


def is_question(function: str) -> bool:
    return function.startswith(QUIZ_PREFIX)


__all__ = ["multiple_choice", "numeric", "count", "is_question", "KINDS", "OUTPUT"]
