"""Correct-but-different chapter 8 scans keep full marks: a Blelloch (up-sweep,
down-sweep) scan padded to a power of two, and the Hillis-Steele scan written over the
pair composition with h0 kept as a separate first element, pass the visible check and
every hidden instance of ``linear_scan_parallel`` (computed here from the reference, as
on the instructor's machine); a Hillis-Steele scan that stops one round early does not."""
from __future__ import annotations

import numpy as np
import pytest

from autograder import reference
from rnnkit.checks import CheckFailure
from rnnkit.grading import check

HIDDEN = [dict(seeds=[201], N=1, T=1, H=1), dict(seeds=[202], N=2, T=2, H=3),
          dict(seeds=[203], N=3, T=3, H=1), dict(seeds=[204], N=1, T=5, H=4),
          dict(seeds=[205, 206], N=4, T=17, H=2), dict(seeds=[207], N=2, T=100, H=3)]


def blelloch(a, b, h0):
    """Work-efficient scan of the pairs (a_t, b_t), h0 folded into the first pair,
    padded with identity pairs (1, 0) to a power of two."""
    N, T, H = b.shape
    size = 1 << max(T - 1, 0).bit_length()
    A = np.ones((N, size, H))
    B = np.zeros((N, size, H))
    A[:, :T], B[:, :T] = a, b
    B[:, 0] = a[:, 0] * h0 + b[:, 0]
    A0, B0 = A.copy(), B.copy()
    d = 1
    while d < size:                       # up-sweep: each right child holds its block
        right = np.arange(2 * d - 1, size, 2 * d)
        left = right - d
        B[:, right] = A[:, right] * B[:, left] + B[:, right]
        A[:, right] = A[:, right] * A[:, left]
        d *= 2
    A[:, -1], B[:, -1] = 1.0, 0.0         # down-sweep: exclusive prefixes
    d = size // 2
    while d >= 1:
        right = np.arange(2 * d - 1, size, 2 * d)
        left = right - d
        Al, Bl = A[:, left].copy(), B[:, left].copy()
        A[:, left], B[:, left] = A[:, right], B[:, right]
        B[:, right] = Al * B[:, right] + Bl
        A[:, right] = Al * A[:, right]
        d //= 2
    inclusive = A0 * B + B0               # apply each step to its exclusive prefix
    return inclusive[:, :T]


def one_round_short(a, b, h0):
    """Hillis-Steele that stops while 2d < T instead of d < T: the last round is lost."""
    B = b.copy()
    A = a.copy()
    B[:, 0] = a[:, 0] * h0 + b[:, 0]
    T = b.shape[1]
    d = 1
    while 2 * d < T:
        B[:, d:] = A[:, d:] * B[:, :-d] + B[:, d:]
        A[:, d:] = A[:, d:] * A[:, :-d]
        d *= 2
    return B


def _namespace(fn):
    return {**vars(reference.load("ch08")), "linear_scan_parallel": fn}


@pytest.mark.parametrize("shape", [{}] + HIDDEN, ids=["visible"] + [
    f"T={s['T']}" for s in HIDDEN])
def test_a_blelloch_scan_keeps_full_marks(shape):
    check("ch08.linear_scan_parallel", _namespace(blelloch), **shape)


@pytest.mark.parametrize("shape", [{}, dict(seeds=[205, 206], N=4, T=17, H=2),
                                   dict(seeds=[207], N=2, T=100, H=3)],
                         ids=["visible", "T=17", "T=100"])
def test_a_scan_one_round_short_fails(shape):
    check("ch08.linear_scan_parallel", _namespace(one_round_short), seeds=[201], N=1,
          T=1, H=1)  # T = 1 needs no round: still right
    with pytest.raises(CheckFailure, match="linear_scan_parallel"):
        check("ch08.linear_scan_parallel", _namespace(one_round_short), **shape)
