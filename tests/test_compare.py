"""The one comparison helper (``rnnkit.checks.check_each``) and the chapter judges built
on it: every wrong output is named with its hint, the right ones are listed, and each
judge's own ending (gate blocks, scenarios, pattern hints) is kept. Fast tier: no
notebook runs; the chapters' expected outputs come from the kit's fixtures."""
from __future__ import annotations

import numpy as np
import pytest

from rnnkit import cases
from rnnkit.checks import (RIGHT_NEW_LINE, RIGHT_SAME_LINE, CheckFailure, check_array,
                           check_each, check_outputs)
from rnnkit.expected import expected_case


def _failure(call) -> str:
    with pytest.raises(CheckFailure) as info:
        call()
    return str(info.value)


def _by_value(got: dict):
    """check_one for plain numbers: wrong when got differs from expected."""
    def check_one(name, exp):
        if got[name] != exp:
            raise CheckFailure(f"f: {name} is {got[name]}, expected {exp}.")
    return check_one


EXPECTED = {"a": 1, "b": 2, "c": 3}


def test_nothing_is_raised_when_every_output_is_right():
    seen = []
    check_each(EXPECTED, lambda name, exp: seen.append((name, exp)))
    assert seen == list(EXPECTED.items())


def test_every_wrong_output_is_named_in_order_then_the_right_ones():
    got = {"a": 0, "b": 2, "c": 0}
    message = _failure(lambda: check_each(EXPECTED, _by_value(got)))
    assert message == "f: a is 0, expected 1.\nf: c is 0, expected 3. (b is right.)"
    got = {"a": 1, "b": 2, "c": 0}
    message = _failure(lambda: check_each(EXPECTED, _by_value(got), right=RIGHT_NEW_LINE))
    assert message == "f: c is 0, expected 3.\n(a, b are right.)"


def test_the_list_of_right_outputs_takes_its_template_and_separator():
    got = {"a": 1, "b": 2, "c": 0}
    message = _failure(lambda: check_each(EXPECTED, _by_value(got),
                                          right=" (Right: {names}.)", join="; "))
    assert message.endswith("expected 3. (Right: a; b.)")


def test_every_output_wrong_says_so_with_the_explanation_only_then():
    explain = "they all come from one shared value."
    message = _failure(lambda: check_each(EXPECTED, _by_value({"a": 0, "b": 0, "c": 0}),
                                          all_wrong=explain))
    assert message.splitlines()[-1] == f"Every output is wrong: {explain}"
    assert "right" not in message
    message = _failure(lambda: check_each(EXPECTED, _by_value({"a": 0, "b": 2, "c": 0}),
                                          all_wrong=explain))
    assert "Every output is wrong" not in message and "(b is right.)" in message


def test_hints_follow_a_rewritten_message_of_wrong_outputs_only():
    got = {"a": 0, "b": 2, "c": 3}
    message = _failure(lambda: check_each(
        EXPECTED, _by_value(got), describe=lambda name, text: text.upper(),
        hints={"a": "Look at a.", "b": "Never shown: b is right."}))
    assert message == "F: A IS 0, EXPECTED 1. Look at a. (b, c are right.)"
    assert "Never shown" not in message


def test_advice_reads_the_pattern_of_wrong_and_right_outputs_and_comes_last():
    calls = []

    def advice(wrong, right):
        calls.append((wrong, right))
        return [f"Hint: {len(wrong)} wrong.", "Second line."]

    message = _failure(lambda: check_each(EXPECTED, _by_value({"a": 0, "b": 2, "c": 0}),
                                          right=RIGHT_NEW_LINE, advice=advice))
    assert calls == [(["a", "c"], ["b"])]
    assert message.splitlines()[-3:] == ["(b is right.)", "Hint: 2 wrong.", "Second line."]
    check_each(EXPECTED, _by_value(dict(EXPECTED)), advice=advice)
    assert len(calls) == 1, "advice is asked only when something is wrong"


def test_an_error_in_a_check_is_not_taken_for_a_wrong_output():
    def broken(name, exp):
        raise KeyError(name)   # a bug in a judge, not the learner's mistake

    with pytest.raises(KeyError):
        check_each(EXPECTED, broken)


def test_check_outputs_names_a_missing_output_and_where_a_wrong_one_differs():
    h = np.arange(24, dtype=float).reshape(2, 3, 4)
    wrong = h.copy()
    wrong[:, 2] += 1.0
    expected = {"h": h, "c": h}
    message = _failure(lambda: check_outputs("f", {"h": wrong}, expected,
                                             axes={"h": ("N", "T", "H")},
                                             hints={"c": "Return c as well."}))
    first, second = message.splitlines()
    assert first.startswith("f: h is wrong") and "only T = 2 (of 3)" in first
    assert second.startswith("f: c is None") and second.endswith("Return c as well.")
    message = _failure(lambda: check_outputs("f", {"h": wrong, "c": h}, expected,
                                             right=RIGHT_SAME_LINE))
    assert message.endswith(" (c is right.)") and len(message.splitlines()) == 1


# ------------------------------------------------------------------ the chapters' judges

def _expected(chapter: str, function: str) -> dict:
    expected, _mutated = expected_case(chapter, function, 0, {})
    return {name: np.asarray(value) for name, value in expected.items()}


def _judged(chapter: str, function: str, got: dict, expected: dict) -> str:
    case = cases.get(chapter, function)
    return _failure(lambda: case.judge(got, expected))


def test_ch02_names_the_wrong_gradient_with_its_hint_or_the_shared_cause():
    expected = _expected("ch02", "rnn_step_backward")
    got = {**expected, "db": 2 * expected["db"]}
    message = _judged("ch02", "rnn_step_backward", got, expected)
    assert message.splitlines()[0].startswith("rnn_step_backward: db is wrong")
    assert "db = da summed over the batch axis" in message
    assert message.splitlines()[-1] == "(dx, dprev_h, dWx, dWh are right.)"
    everything_wrong = {name: 2 * value for name, value in expected.items()}
    message = _judged("ch02", "rnn_step_backward", everything_wrong, expected)
    assert message.splitlines()[-1].startswith("Every output is wrong: they all pass "
                                               "through da")


def test_ch03_lists_the_right_outputs_of_a_failing_scenario():
    expected = _expected("ch03", "clip_by_global_norm")
    name = "total_norm (norm above max_norm)"
    got = {**expected, name: 2 * expected[name]}
    message = _judged("ch03", "clip_by_global_norm", got, expected)
    assert message.startswith("[norm above max_norm] clip_by_global_norm: total_norm")
    assert "(Right: clipped[Wx] (norm above max_norm); clipped[Wh]" in message
    assert "Hint:" in message


def test_ch04_names_the_one_wrong_gate_block():
    expected = _expected("ch04", "lstm_step_backward")
    dWx = expected["dWx"].copy()
    H = dWx.shape[1] // 4
    dWx[:, H:2 * H] *= -1.0                       # only the forget gate's columns
    message = _judged("ch04", "lstm_step_backward", {**expected, "dWx": dWx}, expected)
    first = message.splitlines()[0]
    assert "Only the forget gate's block (columns H:2H) differs" in first
    assert "Forget gate: df = dc * prev_c" in first
    assert message.splitlines()[-1].startswith("(next_h, next_c, dx, dprev_h")


def test_ch05_gives_the_hint_of_the_convention_that_fails():
    expected = _expected("ch05", "gru_step_forward")
    name = "next_h (reset_after=True)"
    got = {**expected, name: expected[name] + 0.5}
    message = _judged("ch05", "gru_step_forward", got, expected)
    assert "(next_h (reset_after=False) is right.)" in message
    assert "Hint (reset after):" in message and "Hint (reset before)" not in message


def test_ch06_reads_a_hint_from_which_gradients_are_wrong():
    expected = _expected("ch06", "stacked_backward")
    got = {**expected, "dx": 2 * expected["dx"]}
    message = _judged("ch06", "stacked_backward", got, expected)
    assert message.splitlines()[-1] == ("Hint: dx is the input gradient returned by the "
                                        "bottom layer (layer 0).")
    assert "dh0s[0], dh0s[1]" in message and "are right.)" in message


def test_ch07_names_every_wrong_gradient_with_its_hint():
    expected = _expected("ch07", "encoder_backward")
    got = {**expected, "enc_b": None}
    message = _judged("ch07", "encoder_backward", got, expected)
    assert message.splitlines()[0].startswith("encoder_backward: enc_b is None")
    assert message.splitlines()[-1] == "(E_src, enc_Wx, enc_Wh are right.)"


def test_the_cases_without_a_judge_use_the_same_comparison():
    expected = _expected("ch01", "rnn_forward")
    h = expected["h"].copy()
    h[:, -1] = 0.0
    case = cases.get("ch01", "rnn_forward")
    message = _failure(lambda: case.compare({"h": h}, expected))
    reference = _failure(lambda: check_array("rnn_forward", "h", h, expected["h"],
                                             rtol=case.rtol, atol=case.atol,
                                             axes=case.axes["h"]))
    assert message.startswith(reference)


def test_ch04_leaves_outputs_that_are_not_numbers_to_check_array():
    expected = _expected("ch04", "lstm_step_backward")
    db = expected["db"].astype(object)             # the right values, as Python objects
    message = _judged("ch04", "lstm_step_backward", {**expected, "db": db}, expected)
    assert message.splitlines()[0].startswith("lstm_step_backward: db has dtype object")
    ragged = [[1.0, 2.0], [3.0]]
    message = _judged("ch04", "lstm_step_backward", {**expected, "dWx": ragged}, expected)
    assert message.splitlines()[0].startswith("lstm_step_backward: dWx should be a numpy "
                                              "array or number")
