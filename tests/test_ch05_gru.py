"""Chapter 5's reference GRU against an independent formulation, and the book's claims.

The independent GRU below is written gate by gate, one example at a time, with separate
weight matrices per gate (as the equations in Cho et al. 2014 and the PyTorch docs
state them), so it shares no code or layout trick with the reference in
solutions/ch05/ch05.ipynb.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.reference import load


def _sig(a):
    return 1.0 / (1.0 + np.exp(-a))


def independent_gru(x, h0, Wx, Wh, bx, bh, reset_after):
    """Per example, per step, per gate; blocks of the packed arrays are r, z, n."""
    N, T, _ = x.shape
    H = h0.shape[1]
    W_ir, W_iz, W_in = (Wx[:, k * H:(k + 1) * H] for k in range(3))
    W_hr, W_hz, W_hn = (Wh[:, k * H:(k + 1) * H] for k in range(3))
    b_ir, b_iz, b_in = (bx[k * H:(k + 1) * H] for k in range(3))
    b_hr, b_hz, b_hn = (bh[k * H:(k + 1) * H] for k in range(3))
    out = np.zeros((N, T, H))
    for n in range(N):
        h = h0[n].copy()
        for t in range(T):
            xt = x[n, t]
            r = _sig(xt @ W_ir + b_ir + h @ W_hr + b_hr)
            z = _sig(xt @ W_iz + b_iz + h @ W_hz + b_hz)
            if reset_after:
                cand = np.tanh(xt @ W_in + b_in + r * (h @ W_hn + b_hn))
            else:
                cand = np.tanh(xt @ W_in + b_in + (r * h) @ W_hn + b_hn)
            h = (1 - z) * cand + z * h
            out[n, t] = h
    return out


def _inputs(seed, N=3, T=6, D=4, H=5):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, T, D)), rng.standard_normal((N, H)),
            rng.standard_normal((D, 3 * H)), rng.standard_normal((H, 3 * H)),
            rng.standard_normal(3 * H), rng.standard_normal(3 * H))


@pytest.mark.parametrize("reset_after", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_reference_gru_matches_independent_formulation(reset_after, seed):
    ref = load("ch05")
    args = _inputs(seed)
    h, _ = ref.gru_forward(*args, reset_after=reset_after)
    np.testing.assert_allclose(h, independent_gru(*args, reset_after), rtol=1e-12,
                               atol=1e-12)


def test_the_two_conventions_are_different_models():
    ref = load("ch05")
    args = _inputs(2)
    before, _ = ref.gru_forward(*args, reset_after=False)
    after, _ = ref.gru_forward(*args, reset_after=True)
    assert np.abs(before - after).max() > 0.1


def test_flipping_the_update_gate_is_a_reparametrisation():
    """h = z h_prev + (1 - z) n with the update block negated equals h = (1 - z) h_prev + z n
    (the book's note on Chung et al.'s way of writing it)."""
    ref = load("ch05")
    x, h0, Wx, Wh, bx, bh = _inputs(3)
    H = h0.shape[1]
    flip = np.ones(3 * H)
    flip[H:2 * H] = -1.0                         # negate the update gate's pre-activation
    h_ours, _ = ref.gru_forward(x, h0, Wx * flip, Wh * flip, bx * flip, bh * flip)
    # Chung et al.'s form with the original weights, written independently:
    W_ir, W_iz, W_in = (Wx[:, k * H:(k + 1) * H] for k in range(3))
    W_hr, W_hz, W_hn = (Wh[:, k * H:(k + 1) * H] for k in range(3))
    h = h0
    for t in range(x.shape[1]):
        xt = x[:, t]
        r = _sig(xt @ W_ir + bx[:H] + h @ W_hr + bh[:H])
        z = _sig(xt @ W_iz + bx[H:2 * H] + h @ W_hz + bh[H:2 * H])
        n = np.tanh(xt @ W_in + bx[2 * H:] + r * (h @ W_hn + bh[2 * H:]))
        h = (1 - z) * h + z * n
        np.testing.assert_allclose(h_ours[:, t], h, rtol=1e-12, atol=1e-12)
