"""Chapter 7: properties of the reference decoders that the graded cases rely on.

The beam-search case compares learners with the reference at a few widths; these tests
check, over many random decoders, the facts that make that comparison meaningful: a
width-1 beam is greedy decoding, a beam that keeps every hypothesis is exhaustive search,
and the data generator and the given attention decoder are what the notebook says.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.judges.ch07 import JUDGES, exhaustive_search
from rnnkit.checks import grad_check
from rnnkit.data import REVERSAL_END, REVERSAL_START, digit_reversal, reversal_batches
from autograder.reference import load


@pytest.fixture(scope="module")
def ref():
    return load("ch07")


def _random_decoder(ref, rng, V, H, scale=0.6):
    params = {k: scale * v for k, v in ref.init_seq2seq(rng, V, 3, H).items()}
    params["by"] = scale * rng.standard_normal(V)
    return ref.make_step_fn(params), rng.standard_normal((1, H))


@pytest.mark.parametrize("alpha", [0.0, 0.6, 1.0])
def test_wide_beam_is_exhaustive_and_width_one_is_greedy(ref, alpha):
    rng = np.random.default_rng(7)
    for _ in range(60):
        V, max_len = int(rng.integers(2, 5)), int(rng.integers(1, 5))
        step, h0 = _random_decoder(ref, rng, V, 3)
        start, end = V - 2 if V > 2 else 0, V - 1
        tokens, score = ref.beam_search(step, h0, start, end, V ** max_len, max_len, alpha)
        best, best_score = exhaustive_search(step, h0, start, end, max_len, alpha)
        assert tokens.tolist() == best.tolist() and np.isclose(score, best_score)
        greedy = ref.greedy_decode(step, h0, start, end, max_len)[0]
        beam1, _ = ref.beam_search(step, h0, start, end, 1, max_len, alpha)
        cut = list(greedy).index(end) + 1 if end in greedy else max_len
        assert beam1.tolist() == greedy[:cut].tolist()


def test_digit_reversal_shapes_and_tokens():
    src, tgt_in, tgt_out = digit_reversal(5, 4, np.random.default_rng(0))
    assert src.shape == (5, 4) and tgt_in.shape == tgt_out.shape == (5, 5)
    assert (tgt_in[:, 0] == REVERSAL_START).all() and (tgt_out[:, -1] == REVERSAL_END).all()
    assert (tgt_out[:, :-1] == src[:, ::-1]).all() and (tgt_in[:, 1:] == tgt_out[:, :-1]).all()
    batches = reversal_batches(6, 3, 2, 4, np.random.default_rng(1))
    assert all(2 <= b[0].shape[1] <= 4 and b[0].shape[0] == 3 for b in batches)


def test_attention_seq2seq_gradients(ref):
    """The given attention decoder's backward pass (with the reference attention)."""
    rng = np.random.default_rng(3)
    V, D, H, A = 6, 3, 4, 5
    params = ref.init_seq2seq(rng, V, D, H, attention_size=A)
    src, tgt_in, tgt_out = digit_reversal(2, 3, rng)
    src, tgt_in, tgt_out = src % V, tgt_in % V, tgt_out % V
    _, grads = ref.attention_seq2seq_loss(params, src, tgt_in, tgt_out)
    grad_check("attention_seq2seq_loss",
               lambda **p: ref.attention_seq2seq_loss(p, src, tgt_in, tgt_out)[0],
               params, lambda dloss: {k: dloss * g for k, g in grads.items()},
               max_coords=8, tol=1e-5)


def test_plain_seq2seq_gradients(ref):
    rng = np.random.default_rng(4)
    params = ref.init_seq2seq(rng, 6, 3, 4)
    src, tgt_in, tgt_out = (a % 6 for a in digit_reversal(3, 4, rng))
    _, grads = ref.seq2seq_loss(params, src, tgt_in, tgt_out)
    grad_check("seq2seq_loss", lambda **p: ref.seq2seq_loss(p, src, tgt_in, tgt_out)[0],
               params, lambda dloss: {k: dloss * g for k, g in grads.items()},
               max_coords=8, tol=1e-5)


def test_training_verdicts_rest_on_the_course_decoder_and_trained_parameters(ref):
    """The grader's judges decode the recorded parameters themselves: an untrained model
    fails whatever accuracy the learner's code reported, a trained one passes whatever it
    reported, and parameters in the wrong layout get a clear message. The visible judges
    read the accuracy the learner's own decoder measured."""
    from rnnkit.cases import Impl, get
    from rnnkit.checks import CheckFailure
    for function in ("train_seq2seq", "attention_training"):
        case, judge = get("ch07", function), JUDGES[function]
        got = case(Impl(vars(ref)), 7)
        assert "model.Wy" in got and np.shape(got["accuracy"]) in ((5,), (3,))
        case.compare(got, dict(got))
        case.compare(got, dict(got), judge)
        untrained = {**got, "model.Wy": np.zeros_like(got["model.Wy"]),
                     "accuracy": np.ones_like(got["accuracy"])}
        with pytest.raises(CheckFailure, match="at least 75% is needed"):
            case.compare(untrained, dict(got), judge)
        case.compare({**got, "accuracy": np.zeros_like(got["accuracy"])}, dict(got), judge)
        with pytest.raises(CheckFailure, match="at least 75% is needed.*your encoder"):
            case.compare({**got, "accuracy": np.zeros_like(got["accuracy"])}, dict(got))
        broken = {k: v for k, v in got.items() if k != "model.enc_Wh"}
        with pytest.raises(CheckFailure, match="layout init_seq2seq makes"):
            case.compare(broken, dict(got), judge)


def test_beam_verdict_searches_the_reference_decoders_exhaustively(ref):
    """The grader's beam judge rebuilds every decoder from the reference run's recorded
    parameters and searches it exhaustively: a wide beam that misses the optimum fails
    with the oracle's answer, even if the expected outputs agreed with it."""
    from rnnkit.cases import Impl, get
    from rnnkit.checks import CheckFailure
    case, judge = get("ch07", "beam_search"), JUDGES["beam_search"]
    got = case(Impl(vars(ref)), 3)
    case.compare(got, dict(got), judge)
    wide = f"tokens_p0_w{4 ** 4}"
    wrong = {**got, wide: got[wide][:-1] if got[wide].size > 1 else got[wide] + 1}
    with pytest.raises(CheckFailure, match="exhaustive search finds"):
        case.compare(wrong, dict(wrong), judge)
    with pytest.raises(CheckFailure, match="beam width 256"):
        case.compare(wrong, dict(got))
