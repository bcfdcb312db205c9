"""Chapter 3's claims, checked on the reference: the hidden-state gradient recursion
agrees with finite differences, every backward step obeys the spectral bound, the
fitted decay rate never exceeds it, and clipping by global norm keeps the direction."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.reference import load

rnn_forward = load("ch01").rnn_forward  # chapter 1's forward pass (the provided code)


@pytest.fixture(scope="module")
def ref():
    return load("ch03")


def _rnn(rng, N, T, D, H, scale):
    x = rng.standard_normal((N, T, D))
    Wx = 0.5 * rng.standard_normal((D, H))
    Wh = scale * rng.standard_normal((H, H)) / np.sqrt(H)
    b = 0.1 * rng.standard_normal(H)
    h, _ = rnn_forward(x, np.zeros((N, H)), Wx, Wh, b)
    return x, Wx, Wh, b, h


@pytest.mark.parametrize("seed", range(20))
def test_steps_and_fitted_rate_respect_the_spectral_bound(ref, seed):
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.2, 3.0)
    _, _, Wh, _, h = _rnn(rng, 4, 15, 3, 6, scale)
    norms = ref.hidden_grad_norms(h, Wh, rng.standard_normal((4, 6)))
    step_bound = np.linalg.norm(Wh, 2) * (1 - h[:, 1:] ** 2).max()
    assert np.all(norms[1:] <= norms[:-1] * step_bound * (1 + 1e-12))
    assert ref.fit_decay_rate(norms) <= np.log(step_bound) + 1e-12


def test_recursion_matches_finite_differences(ref):
    rng = np.random.default_rng(7)
    N, T, D, H = 2, 8, 3, 4
    x, Wx, Wh, b, h = _rnn(rng, N, T, D, H, 1.5)
    dh_last = rng.standard_normal((N, H))
    norms = ref.hidden_grad_norms(h, Wh, dh_last)
    for k in range(1, T):
        s = T - 1 - k
        numeric = np.zeros((N, H))
        for i in np.ndindex(N, H):
            plus, minus = h[:, s].copy(), h[:, s].copy()
            plus[i] += 1e-6
            minus[i] -= 1e-6
            f_plus = np.sum(dh_last * rnn_forward(x[:, s + 1:], plus, Wx, Wh, b)[0][:, -1])
            f_minus = np.sum(dh_last * rnn_forward(x[:, s + 1:], minus, Wx, Wh, b)[0][:, -1])
            numeric[i] = (f_plus - f_minus) / 2e-6
        assert np.isclose(norms[k], np.linalg.norm(numeric), rtol=1e-5), k


def test_global_norm_clipping_keeps_direction_and_caps_norm(ref):
    rng = np.random.default_rng(3)
    grads = {"Wx": rng.standard_normal((3, 4)), "Wh": 50 * rng.standard_normal((4, 4))}
    clipped, norm = ref.clip_by_global_norm(grads, 2.0)
    flat = np.concatenate([g.ravel() for g in grads.values()])
    flat_clipped = np.concatenate([g.ravel() for g in clipped.values()])
    assert np.isclose(np.linalg.norm(flat_clipped), 2.0)
    assert np.isclose(norm, np.linalg.norm(flat))
    cosine = flat @ flat_clipped / (np.linalg.norm(flat) * np.linalg.norm(flat_clipped))
    assert np.isclose(cosine, 1.0)
