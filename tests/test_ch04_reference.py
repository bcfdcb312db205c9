"""Chapter 4's reference LSTM against independent formulations and against itself.

The reference lives in solutions/ch04/ch04.ipynb; these tests hold it to an LSTM written
gate by gate with separate weight matrices (in ``autograder.judges.ch04``: instructor-only,
it must not ship in the learner kit), to its own step functions chained over time, to
finite differences at every coordinate, and check that the variants reduce to the plain
LSTM where they should.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder import reference
from autograder.judges.ch04 import gatewise_lstm_forward, split_gates
from rnnkit.cases.ch04 import LSTM_GATES
from rnnkit.checks import numeric_gradient, rel_error


@pytest.fixture(scope="module")
def ref():
    return reference.load("ch04")


def _params(rng, D, H, blocks=4, scale=0.5):
    return (scale * rng.standard_normal((D, blocks * H)),
            scale * rng.standard_normal((H, blocks * H)),
            scale * rng.standard_normal(blocks * H))


@pytest.mark.parametrize("N,T,D,H", [(2, 5, 3, 4), (1, 1, 2, 1), (4, 9, 1, 6)])
def test_forward_matches_gate_by_gate_lstm(ref, N, T, D, H):
    rng = np.random.default_rng(N * 100 + T)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    Wx, Wh, b = _params(rng, D, H)
    h, _ = ref.lstm_forward(x, h0, Wx, Wh, b)
    h_gw, _c = gatewise_lstm_forward(x, h0, split_gates(Wx), split_gates(Wh), split_gates(b))
    np.testing.assert_allclose(h, h_gw, rtol=1e-12, atol=1e-14)


def test_sequence_equals_chained_steps_forward_and_backward(ref):
    rng = np.random.default_rng(7)
    N, T, D, H = 3, 6, 4, 5
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    Wx, Wh, b = _params(rng, D, H)
    h, cache = ref.lstm_forward(x, h0, Wx, Wh, b)
    prev_h, prev_c, caches = h0, np.zeros((N, H)), []
    for t in range(T):
        prev_h, prev_c, step_cache = ref.lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        caches.append(step_cache)
        np.testing.assert_allclose(h[:, t], prev_h, rtol=1e-12, atol=1e-14)
    dh = rng.standard_normal((N, T, H))
    dx, dh0, dWx, dWh, db = ref.lstm_backward(dh, cache)
    dnext_h, dnext_c = np.zeros((N, H)), np.zeros((N, H))
    sums = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    for t in reversed(range(T)):
        dxt, dnext_h, dnext_c, *dw = ref.lstm_step_backward(dh[:, t] + dnext_h, dnext_c,
                                                           caches[t])
        np.testing.assert_allclose(dx[:, t], dxt, rtol=1e-10, atol=1e-12)
        sums = [s + d for s, d in zip(sums, dw)]
    np.testing.assert_allclose(dh0, dnext_h, rtol=1e-10, atol=1e-12)
    for got, want in zip((dWx, dWh, db), sums):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_backward_matches_finite_differences_everywhere(ref):
    """Every coordinate (not a sample), with a random upstream gradient."""
    rng = np.random.default_rng(3)
    N, T, D, H = 2, 4, 3, 2
    inputs = {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H))}
    inputs.update(zip(("Wx", "Wh", "b"), _params(rng, D, H)))
    dh = rng.standard_normal((N, T, H))
    _, cache = ref.lstm_forward(**inputs)
    grads = dict(zip(("x", "h0", "Wx", "Wh", "b"), ref.lstm_backward(dh, cache)))

    def loss():
        return float(np.sum(ref.lstm_forward(**inputs)[0] * dh))

    for name, value in inputs.items():
        coords = list(np.ndindex(value.shape))
        num = numeric_gradient(loss, value, coords, eps=1e-5)
        assert rel_error(np.array([grads[name][c] for c in coords]), num) < 1e-6, name


def test_peephole_with_zero_peepholes_is_the_lstm(ref):
    rng = np.random.default_rng(11)
    N, D, H = 3, 4, 5
    x, prev_h, prev_c = (rng.standard_normal(s) for s in ((N, D), (N, H), (N, H)))
    Wx, Wh, b = _params(rng, D, H)
    h1, c1, cache1 = ref.lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    h2, c2, cache2 = ref.peephole_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b,
                                                    np.zeros((3, H)))
    np.testing.assert_allclose(h1, h2, rtol=1e-13)
    np.testing.assert_allclose(c1, c2, rtol=1e-13)
    dnext_h, dnext_c = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    g1 = ref.lstm_step_backward(dnext_h, dnext_c, cache1)
    g2 = ref.peephole_lstm_step_backward(dnext_h, dnext_c, cache2)
    for a, b_ in zip(g1, g2[:6]):
        np.testing.assert_allclose(a, b_, rtol=1e-12, atol=1e-14)


def test_coupled_is_the_lstm_with_forget_weights_minus_input_weights(ref):
    """sigmoid(-a) = 1 - sigmoid(a): an LSTM whose forget block is the negated input
    block has f = 1 - i, which is the coupled cell. Gradients agree after summing the
    LSTM's input and (negated) forget blocks."""
    rng = np.random.default_rng(5)
    N, D, H = 3, 4, 5
    x, prev_h, prev_c = (rng.standard_normal(s) for s in ((N, D), (N, H), (N, H)))
    Wx3, Wh3, b3 = _params(rng, D, H, blocks=3)

    def as_lstm(W):
        i, o, g = np.split(W, 3, axis=-1)
        return np.concatenate([i, -i, o, g], axis=-1)

    h1, c1, cache1 = ref.coupled_lstm_step_forward(x, prev_h, prev_c, Wx3, Wh3, b3)
    h2, c2, cache2 = ref.lstm_step_forward(x, prev_h, prev_c, as_lstm(Wx3), as_lstm(Wh3),
                                           as_lstm(b3))
    np.testing.assert_allclose(h1, h2, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c1, c2, rtol=1e-12, atol=1e-14)
    dnext_h, dnext_c = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    dx1, dph1, dpc1, dWx1, dWh1, db1 = ref.coupled_lstm_step_backward(dnext_h, dnext_c, cache1)
    dx2, dph2, dpc2, dWx2, dWh2, db2 = ref.lstm_step_backward(dnext_h, dnext_c, cache2)
    for a, b_ in ((dx1, dx2), (dph1, dph2), (dpc1, dpc2)):
        np.testing.assert_allclose(a, b_, rtol=1e-10, atol=1e-12)

    def fold(dW):
        i, f, o, g = np.split(dW, 4, axis=-1)
        return np.concatenate([i - f, o, g], axis=-1)

    for a, b_ in ((dWx1, dWx2), (dWh1, dWh2), (db1, db2)):
        np.testing.assert_allclose(a, fold(b_), rtol=1e-10, atol=1e-12)


def test_gate_order_is_i_f_o_g(ref):
    """Saturating one block at a time shows which gate it drives."""
    N, D, H = 1, 1, 1
    x, prev_h, prev_c = np.zeros((N, D)), np.zeros((N, H)), np.full((N, H), 0.5)
    zero = np.zeros((D, 4 * H)), np.zeros((H, 4 * H))
    big = 50.0
    b = np.array([-big, big, big, big])                     # i closed, f open, o open
    h, c, _ = ref.lstm_step_forward(x, prev_h, prev_c, *zero, b)
    assert np.isclose(c[0, 0], 0.5) and np.isclose(h[0, 0], np.tanh(0.5))
    b = np.array([big, -big, big, big])                     # only the candidate (1.0)
    h, c, _ = ref.lstm_step_forward(x, prev_h, prev_c, *zero, b)
    assert np.isclose(c[0, 0], 1.0)
    b = np.array([big, big, -big, big])                     # output gate closed
    h, c, _ = ref.lstm_step_forward(x, prev_h, prev_c, *zero, b)
    assert np.isclose(h[0, 0], 0.0) and np.isclose(c[0, 0], 1.5)
    assert LSTM_GATES == ("input", "forget", "output", "candidate")
