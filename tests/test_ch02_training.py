"""Chapter 2 specifics: the corpus loader, the training threshold (how long training
takes is measured by ``benchmarks/bench.py grade``, not asserted here), and the cache
contract that later chapters rely on (chapter 2's reference backward passes consume
chapter 1's caches)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from autograder import reference
from autograder.judges import ch02 as judges
from rnnkit.cases import ch02 as cases
from rnnkit.data import char_corpus


def test_corpus_is_small_lower_case_and_deterministic():
    tokens, vocab = char_corpus()
    assert 10_000 < len(tokens) < 100_000
    assert vocab == sorted(vocab) and len(vocab) == len(set(vocab)) < 40
    text = "".join(vocab[i] for i in tokens)
    assert text == text.lower() and "  " not in text
    again, _ = char_corpus()
    assert np.array_equal(tokens, again)


def test_reference_training_meets_the_graded_bar_with_margin():
    ref = reference.load("ch02")
    tokens, vocab = char_corpus()
    params = ref.init_char_rnn(len(vocab), 16, 64, np.random.default_rng(0))
    inputs, targets = ref.tbptt_chunks(tokens, 16, 25)
    losses = ref.train_char_rnn(params, inputs, targets, 120, 0.01)
    assert losses[0] > 3.0 and losses[-10:].mean() < 2.0
    text_loss = judges.text_loss(params, tokens)
    assert text_loss < cases.TEXT_LOSS_THRESHOLD - 0.1, text_loss  # a margin for learners
    rate = judges.word_rate(params, vocab, tokens, np.random.default_rng(5))
    assert rate > cases.MIN_WORD_RATE + 0.1, rate


def test_an_untrained_model_fails_the_bar():
    ref = reference.load("ch02")
    tokens, vocab = char_corpus()
    params = ref.init_char_rnn(len(vocab), 16, 64, np.random.default_rng(0))
    assert judges.text_loss(params, tokens) > cases.TEXT_LOSS_THRESHOLD + 1.0
    assert judges.word_rate(params, vocab, tokens, np.random.default_rng(5)) < 0.3


def test_provided_backward_consumes_chapter_1_caches():
    ch01, ch02 = reference.load("ch01"), reference.load("ch02")
    rng = np.random.default_rng(0)
    N, T, D, H = 2, 3, 4, 5
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    Wx, Wh, b = rng.standard_normal((D, H)), rng.standard_normal((H, H)), np.zeros(H)
    h, cache = ch01.rnn_forward(x, h0, Wx, Wh, b)
    dx, dh0, dWx, dWh, db = ch02.rnn_backward(np.ones_like(h), cache)
    assert dx.shape == x.shape and dh0.shape == h0.shape
    assert dWx.shape == Wx.shape and dWh.shape == Wh.shape and db.shape == b.shape
    dx1, dprev, *_ = ch02.rnn_step_backward(np.ones((N, H)), cache[0])
    assert dx1.shape == (N, D) and dprev.shape == (N, H)


def test_book_page_checks_its_formulas_with_assert():
    page = (reference.REPO / "book" / "ch02_bptt.md").read_text()
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", page, re.S)
    assert any("assert err < 1e-6" in c and "remove" not in c.split("\n")[0] for c in cells)


def test_training_verdict_rests_on_the_recorded_parameters():
    """The grader's judge evaluates the recorded parameters itself: forged text_loss /
    word_rate entries are ignored, an untrained model fails, a missing array is
    explained. The visible judge reads the learner's own measurement instead."""
    from rnnkit.cases import Impl, get
    from rnnkit.checks import CheckFailure
    case = get("ch02", "train_char_rnn")
    judge = judges.JUDGES["train_char_rnn"]
    ref = reference.load("ch02")
    got = case(Impl(vars(ref)), 0)
    assert "params.Wy" in got and {"text_loss", "word_rate"} <= set(got)
    forged = {**got, "text_loss": 99.0, "word_rate": 0.0}
    case.compare(forged, dict(got), judge)
    with pytest.raises(CheckFailure, match="measured with your char_rnn_loss"):
        case.compare(forged, dict(got))  # the self-check believes the learner's numbers
    untrained = {**got, "params.Wy": np.zeros_like(got["params.Wy"]),
                 "text_loss": 0.0, "word_rate": 1.0}
    with pytest.raises(CheckFailure, match="loss on the text"):
        case.compare(untrained, dict(got), judge)
    broken = {k: v for k, v in got.items() if k != "params.Wh"}
    with pytest.raises(CheckFailure, match="layout init_char_rnn makes"):
        case.compare(broken, dict(got), judge)


def test_training_trains_on_the_learners_chunks():
    """The case trains on the learner's tbptt_chunks; wrong chunks are named as such
    (not as a wrong training loop), by both judges."""
    from rnnkit.cases import Impl, get
    from rnnkit.checks import CheckFailure
    case = get("ch02", "train_char_rnn")
    ref = reference.load("ch02")
    shape = dict(N=4, T=6, H=8, D=4, num_steps=11, corpus_chars=200, evaluate=False)
    expected = case(Impl(vars(ref)), 0, **shape)

    def shifted_back(tokens, N, T):
        inputs, targets = ref.tbptt_chunks(tokens, N, T)
        return inputs, np.roll(targets, 1, axis=-1)

    got = case(Impl({**vars(ref), "tbptt_chunks": shifted_back}), 0, **shape)
    for judge in (None, judges.JUDGES["train_char_rnn"]):
        with pytest.raises(CheckFailure, match="made by your tbptt_chunks"):
            case.compare(got, dict(expected), judge)
