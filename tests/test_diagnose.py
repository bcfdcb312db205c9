"""Forward or backward (issue 17): when a backward pass's check fails, or its gradient
check fails, the message says which of the forward and backward passes is wrong. Runs
the kit's check and gradcheck on chapter 2's reference with one function replaced, as a
learner's notebook would; fast tier."""
from __future__ import annotations

import pytest

from autograder import reference
from rnnkit import grading
from rnnkit.checks import CheckFailure
from rnnkit.recording import RECORD_ENV


def _notebook(extra: str) -> dict:
    ns: dict = {}
    exec(compile(reference.reference_source("ch02"), "<reference ch02>", "exec"), ns)
    exec(compile(extra, "<learner>", "exec"), ns)
    return ns


def _failure(call) -> str:
    with pytest.raises(CheckFailure) as info:
        call()
    return str(info.value)


WRONG_BACKWARD = '''
_right_backward = rnn_step_backward
def rnn_step_backward(dnext_h, cache):
    dx, dprev_h, dWx, dWh, db = _right_backward(dnext_h, cache)
    return dx, dprev_h, dWx, dWh, 2 * db          # db doubled
'''

CONSISTENT_WRONG_FORWARD = '''
def rnn_step_forward(x, prev_h, Wx, Wh, b):       # sigmoid in place of tanh ...
    next_h = 1 / (1 + np.exp(-(x @ Wx + prev_h @ Wh + b)))
    return next_h, (x, prev_h, Wx, Wh, next_h)

def rnn_step_backward(dnext_h, cache):             # ... and its exact derivative
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * next_h * (1 - next_h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
'''

FORWARD_RETURNS_WRONG_VALUE = '''
_right_forward = rnn_step_forward
def rnn_step_forward(x, prev_h, Wx, Wh, b):       # caches the right state, returns 2x
    next_h, cache = _right_forward(x, prev_h, Wx, Wh, b)
    return 2 * next_h, cache
'''


def test_a_wrong_backward_pass_is_called_wrong():
    message = _failure(lambda: grading.check("ch02.rnn_step_backward",
                                             _notebook(WRONG_BACKWARD)))
    assert "db" in message
    assert "gradcheck fails too" in message and "the backward pass is wrong" in message


def test_a_backward_pass_true_to_a_wrong_forward_points_at_the_forward():
    message = _failure(lambda: grading.check("ch02.rnn_step_backward",
                                             _notebook(CONSISTENT_WRONG_FORWARD)))
    assert "agrees with finite differences of your own forward pass" in message
    assert "Check the forward function first" in message


def test_a_gradient_check_failing_on_a_right_backward_blames_the_forward():
    ns = _notebook(FORWARD_RETURNS_WRONG_VALUE)
    grading.check("ch02.rnn_step_backward", ns)   # the backward pass is right
    message = _failure(lambda: grading.gradcheck("ch02.rnn_step_backward", ns))
    assert "matches the reference" in message and "forward pass" in message


def test_the_reference_passes_both_and_says_nothing_more(capsys):
    ns = _notebook("")
    grading.check("ch02.rnn_step_backward", ns)
    grading.gradcheck("ch02.rnn_step_backward", ns)
    out = capsys.readouterr().out
    assert "passed" in out and "Forward or backward" not in out


def test_record_mode_never_cross_checks(tmp_path, monkeypatch):
    """In the sandbox nothing is compared in the kernel: no gradcheck is run from check
    (it would run learner code the recording does not ask for)."""
    monkeypatch.setenv(RECORD_ENV, str(tmp_path))
    calls = []
    monkeypatch.setattr(grading, "gradcheck", lambda *a, **k: calls.append(a))
    grading.check("ch02.rnn_step_backward", _notebook(WRONG_BACKWARD))
    assert calls == [] and list(tmp_path.glob("*.json"))
