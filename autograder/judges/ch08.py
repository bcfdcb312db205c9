"""Instructor-only judges of chapter 8 (linear recurrences, the parallel scan, minGRU).

Two of the chapter's cases need code that computes a recurrence, which must not ship in
the learner kit (a learner could call it instead of writing their own):

- ``linear_scan_matches_matrix``: the recurrence h_t = a_t * h_{t-1} + b_t written as
  one dense lower-triangular matrix per sequence and unit, h = L @ c, with
  L[t, s] = a_{s+1} * ... * a_t (the empty product 1 on the diagonal) and c the inputs
  with a_1 * h0 folded into the first. It shares no code with the course's scans, and
  holds both the learner's ``linear_scan_parallel`` and the reference's to the same
  answer.
- ``train_to_threshold``: the recorded trained weights are measured on the fixed test
  set with the reference's cells (the minGRU of chapter 8's notebook, and chapter 5's
  LSTM cell and ``regressor_loss`` from its provided code); the number the learner's own
  notebook measured is ignored.
"""
from __future__ import annotations

import numpy as np

from rnnkit.cases import score_trained, unflatten_params
from rnnkit.cases.ch08 import (CELLS, MATRIX_INPUTS, SCAN_ATOL, SCAN_AXES, SCAN_RTOL,
                               adding_test_set, judge_run, judge_test_mse)
from autograder.judges import agree_with_independent
from rnnkit.checks import check_array
from rnnkit.i18n import N_


def transition_matrix(a_column: np.ndarray) -> np.ndarray:
    """L (T, T) of one sequence and unit: L[t, s] = prod(a[s+1 .. t]) for s <= t, else 0."""
    T = a_column.shape[0]
    L = np.zeros((T, T))
    for t in range(T):
        for s in range(t + 1):
            L[t, s] = np.prod(a_column[s + 1:t + 1])   # the empty product is 1
    return L


def scan_as_matrix(a: np.ndarray, b: np.ndarray, h0: np.ndarray) -> np.ndarray:
    """All states (N, T, H) as matrix products h[n, :, k] = L(a[n, :, k]) @ c[n, :, k]."""
    N, T, H = a.shape
    c = b.copy()
    c[:, 0] += a[:, 0] * h0                              # h0 enters through the first step
    h = np.empty((N, T, H))
    for n in range(N):
        for k in range(H):
            h[n, :, k] = transition_matrix(a[n, :, k]) @ c[n, :, k]
    return h


def judge_matrix(got: dict, expected: dict) -> None:
    """The learner's h against the matrix form run on the case's inputs (taken from the
    reference's run of the same case, never from the learner's recording)."""
    a, b, h0 = (np.asarray(expected[f"input {k}"], dtype=np.float64) for k in MATRIX_INPUTS)
    h_matrix = scan_as_matrix(a, b, h0)
    agree_with_independent("linear_scan_parallel", "h", expected["h"], h_matrix,
                           "the recurrence written as a matrix product",
                           rtol=SCAN_RTOL, atol=SCAN_ATOL)
    check_array("linear_scan_parallel", N_("h (compared with the recurrence written as a "
                   "lower-triangular matrix product, h = L @ c, where c is b "
                   "with a[:, 0] * h0 added to its first step)"), got.get("h"), h_matrix,
                rtol=SCAN_RTOL, atol=SCAN_ATOL, axes=SCAN_AXES,
                hint=N_("h[:, t] must combine every step up to and including t, with h0 "
                        "entering through a[:, 0] * h0."))


def judge_training(got: dict, expected: dict) -> None:
    """Every run's own consistency, then the test error of the recorded trained weights,
    measured with the reference: chapter 8's notebook holds its minGRU and, in its
    provided code, chapter 5's LSTM cell and regressor_loss (a grading course may hold
    this chapter's solutions only)."""
    from autograder import reference
    ref = reference.load("ch08")
    x_test, y_test = adding_test_set(int(expected["T"]))
    for name, _H in CELLS:
        judge_run(name, got, expected)
        cell = getattr(ref, f"{name}_cell")()
        mse = score_trained("train_to_threshold", "init_regressor", lambda name=name: float(
            ref.regressor_loss(cell, unflatten_params(got, f"{name} params."), x_test,
                               y_test)[0]))
        judge_test_mse(name, mse, float(expected[f"{name} test_mse"]),
                       N_("measured with the course's reference code"))


JUDGES = {"linear_scan_matches_matrix": judge_matrix, "train_to_threshold": judge_training}
