"""Instructor-only judges of chapter 4 (the LSTM).

Two of the chapter's cases need code that computes an LSTM, which must not ship in the
learner kit (a learner could call it instead of writing their own):

- ``lstm_matches_gatewise``: an independent LSTM written gate by gate, with one weight
  matrix per gate and no code shared with the course's implementation, holds both the
  learner's ``lstm_forward`` and the reference's to the same answer. The kit's visible
  judge compares with the reference only.
- ``train_adding``: the recorded trained weights are measured on the fixed test set with
  the reference's ``adding_loss``; the number the learner's own notebook measured (what
  the visible judge uses) is ignored.

``tests/test_ch04_reference.py`` also holds the reference to ``gatewise_lstm_forward``.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from rnnkit.cases.ch04 import (GATEWISE_INPUTS, LSTM_GATES, SEQ_AXES, STACKING_HINT,
                               adding_test_set, judge_test_mse, trained_params)
from autograder.judges import agree_with_independent
from rnnkit.checks import check_array
from rnnkit.i18n import N_


def _logistic(a: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-a)) as exp(-log(1 + exp(-a))): no overflow warning for large |a|
    (in plain nbgrader this judge runs in the learner's kernel, where a warning fails
    the test cell)."""
    return np.exp(-np.logaddexp(0.0, -a))


def split_gates(W: np.ndarray, gates: Sequence[str] = LSTM_GATES) -> dict:
    """{gate: its block of columns} of a stacked weight matrix or bias."""
    return dict(zip(gates, np.split(W, len(gates), axis=-1)))


def gatewise_lstm_forward(x, h0, W: Mapping, U: Mapping, bias: Mapping, c0=None):
    """An LSTM written gate by gate, with one weight matrix per gate (W[g]: (D, H),
    U[g]: (H, H), bias[g]: (H,)) and no shared code with the course's implementation.
    Returns the hidden states (N, T, H) and the cell states (N, T, H)."""
    N, T, _ = x.shape
    h, c = h0, np.zeros_like(h0) if c0 is None else c0
    hs, cs = [], []
    for t in range(T):
        xt = x[:, t]
        i = _logistic(xt @ W["input"] + h @ U["input"] + bias["input"])
        f = _logistic(xt @ W["forget"] + h @ U["forget"] + bias["forget"])
        o = _logistic(xt @ W["output"] + h @ U["output"] + bias["output"])
        g = np.tanh(xt @ W["candidate"] + h @ U["candidate"] + bias["candidate"])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
        cs.append(c)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)


def judge_gatewise(got: dict, expected: dict) -> None:
    """The learner's h against the gate-by-gate LSTM run on the case's inputs (taken
    from the reference's run of the same case, never from the learner's recording)."""
    x, h0, Wx, Wh, b = (np.asarray(expected[f"input {k}"], dtype=np.float64)
                        for k in GATEWISE_INPUTS)
    h_gatewise, _c = gatewise_lstm_forward(x, h0, split_gates(Wx), split_gates(Wh),
                                           split_gates(b))
    agree_with_independent("lstm_forward", "h", expected["h"], h_gatewise,
                           "the gate-by-gate LSTM", rtol=1e-9, atol=1e-12)
    check_array("lstm_forward", N_("h (compared with an LSTM written gate by gate, with "
                   "separate weight matrices)"), got.get("h"), h_gatewise,
                axes=SEQ_AXES["h"], hint=STACKING_HINT)


def judge_training(got: dict, expected: dict) -> None:
    """Test error of the recorded trained weights, measured with the reference."""
    from autograder import reference
    params = trained_params(got)
    T = int(expected["T"])
    x_test, y_test = adding_test_set(T)
    mse, _grads = reference.load("ch04").adding_loss(params, x_test, y_test)
    judge_test_mse(T, float(mse), float(expected["test_mse"]),
                   N_("measured with the course's reference code"))


JUDGES = {"lstm_matches_gatewise": judge_gatewise, "train_adding": judge_training}
