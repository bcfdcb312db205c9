"""Instructor-only judges of chapter 6: the trained taggers, scored with the reference.

The kit's ``tagger_training`` case trains both taggers with the learner's code and
returns the trained parameters, with the held-out scores that the learner's own
``evaluate_tagger`` (through the learner's ``tagger_forward``, ``bi_tags`` and
``segment``) measured. Its visible judge reads those numbers. At grading time this
judge replaces it: it evaluates the recorded parameters with the reference forward pass,
tags and segmentation from ``solutions/ch06``, and ignores whatever the learner's
process reported. That evaluation is the chapter's reference code, so it lives here and
never in the learner kit.
"""
from __future__ import annotations

from typing import Mapping

from rnnkit.cases import score_trained, unflatten_params
from rnnkit.cases.ch06 import training_verdict
from rnnkit.data import word_segmentation
from rnnkit.i18n import N_


def held_out_scores(outputs: Mapping[str, object]) -> dict:
    """Held-out tag accuracy and exact segmentations of the trained parameters recorded
    in ``outputs`` (``"uni params.*"``, ``"bi params.*"``), by the reference evaluation."""
    from autograder import reference
    ref = reference.load("ch06")
    train, test = word_segmentation("train"), word_segmentation("test")
    vocab = ref.char_vocabulary(train)
    scores = {}
    for name in ("uni", "bi"):
        params = unflatten_params(outputs, f"{name} params.")
        scores[f"{name} accuracy"], scores[f"{name} exact"] = score_trained(
            f"tagger training ({name}directional)", "init_tagger",
            lambda: ref.evaluate_tagger(params, test, vocab, ref.VANILLA))
    return scores


def judge_tagger_training(got: dict, expected: dict) -> dict:
    """The kit's bar, applied to the course's own scores of the learner's parameters."""
    scored = {**got, **held_out_scores(got)}
    training_verdict(scored, lambda: held_out_scores(expected),
                     N_("measured by the course's evaluation of your trained parameters"))
    return scored


JUDGES = {"tagger_training": judge_tagger_training}
