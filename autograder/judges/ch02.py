"""Instructor-only judge of chapter 2: the trained language model, measured with the
reference.

The kit's ``train_char_rnn`` case trains the model with the learner's code on the
chunks of the learner's ``tbptt_chunks`` and returns the trained parameters, with the
loss on the text and the rate of real words in a sample that the learner's own
``char_rnn_loss`` and ``sample_chars`` measured. Its visible judge reads those numbers.
At grading time this judge replaces it: it measures the recorded parameters with the
reference ``char_rnn_loss`` and ``sample_chars`` from ``solutions/ch02`` and ignores
whatever the learner's process reported. That evaluation runs the chapter's reference
code, so it lives here and never in the learner kit.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from rnnkit.cases import score_trained, unflatten_params
from rnnkit.cases import ch02 as kit
from rnnkit.i18n import N_


def _reference():
    from autograder import reference
    return reference.load("ch02")


def text_loss(params: Mapping[str, np.ndarray], tokens: np.ndarray) -> float:
    """Loss per character of the whole text under the reference model code."""
    return kit.text_loss(_reference(), params, tokens)


def word_rate(params: Mapping[str, np.ndarray], vocab: list[str], tokens: np.ndarray,
              rng: np.random.Generator) -> float:
    """Fraction of real corpus words in a reference sample from the trained model."""
    return kit.word_rate(_reference(), params, vocab, tokens, rng)


def reference_scores(outputs: Mapping[str, object], sample_seed: int) -> dict:
    """``text_loss`` and ``word_rate`` of the parameters recorded in ``outputs``
    (``"params.*"``), measured with the reference."""
    params = unflatten_params(outputs, "params.")
    return score_trained("train_char_rnn", "init_char_rnn",
                         lambda: kit.trained_scores(_reference(), params, sample_seed))


def judge_train_char_rnn(got: dict, expected: dict) -> dict:
    """The kit's checks of the chunks and losses, then its bar for the trained model,
    applied to the course's own measurement of the learner's parameters."""
    kit.check_chunks(got, expected)
    kit.check_losses(got, expected)
    if not bool(expected["evaluate"]):
        return got
    scored = {**got, **reference_scores(got, int(expected["sample_seed"]))}
    kit.training_verdict(scored, expected,
                         N_("measured by the course's evaluation of your trained "
                            "parameters"))
    return scored


JUDGES = {"train_char_rnn": judge_train_char_rnn}
