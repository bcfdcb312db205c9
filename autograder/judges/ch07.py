"""Instructor-only judges of chapter 7: exhaustive search for beam search, and the
trained encoder–decoders decoded with the reference.

- ``exhaustive_search`` scores every possible output of a tiny decoder. It is the oracle
  that a beam wide enough to keep every hypothesis must agree with, and, being a
  complete decoder, it could stand in for a learner's ``beam_search``: it must not ship
  in the learner kit. The beam-search judge rebuilds each decoder of the case from the
  parameters the reference run recorded (``_p<problem>.*`` in ``expected``, never the
  learner's copy) with the reference ``make_step_fn``, searches it exhaustively, and
  then applies the kit's comparison with the reference's beams.
- The training cases record the trained parameters. Their visible judges read the
  held-out accuracy the learner's own decoder measured; these judges decode the
  recorded parameters with the reference encoder and greedy decoding from
  ``solutions/ch07`` and ignore whatever the learner's process reported.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from rnnkit.cases import score_trained, unflatten_params
from rnnkit.cases import ch07 as kit
from rnnkit.checks import CheckFailure
from rnnkit.i18n import _, N_


def _reference():
    from autograder import reference
    return reference.load("ch07")


def exhaustive_search(step_fn, h_init, start, end, max_len, alpha=0.0):
    """The best output by brute force (the oracle for beam search).

    Scores every sequence that ends with ``end`` within ``max_len`` tokens, and every
    sequence of ``max_len`` tokens without it, by its sum of log-probabilities divided by
    its length ** alpha. Returns (tokens, normalised score). Calls ``step_fn`` once per
    prefix, so only for tiny vocabularies.
    """
    best_tokens, best_score = None, -np.inf

    def visit(tokens, score, last, state):
        nonlocal best_tokens, best_score
        log_probs, next_state = step_fn(np.array([last]), state)
        for word, log_p in enumerate(log_probs[0]):
            seq, total = tokens + [word], score + log_p
            if word == end or len(seq) == max_len:
                normalised = total / len(seq) ** alpha
                if normalised > best_score:
                    best_tokens, best_score = seq, normalised
            else:
                visit(seq, total, word, next_state)

    visit([], 0.0, start, h_init)
    return np.array(best_tokens, dtype=int), float(best_score)


def _beam_problems(expected: Mapping[str, object]) -> dict[str, int]:
    """Every decoder of a beam-search case: problem number -> its widest beam."""
    problems = {}
    for key in expected:
        if key.startswith("tokens_p"):
            problem, width = key[len("tokens_p"):].split("_w")
            problems[problem] = max(problems.get(problem, 0), int(width))
    return problems


def judge_beam_search(got: dict, expected: dict) -> None:
    """A beam that keeps every hypothesis must find the exhaustive optimum; then every
    width must agree with the reference's beam (the kit's comparison)."""
    ref = _reference()
    for problem, widest in sorted(_beam_problems(expected).items(), key=lambda p: int(p[0])):
        prefix = f"_p{problem}."
        decoder = {k[len(prefix):]: np.asarray(v, dtype=np.float64)
                   for k, v in expected.items() if k.startswith(prefix)}
        h_init = decoder.pop("h_init")
        V = decoder["by"].shape[0]                # start V-2, end V-1, as in the case
        best, best_score = exhaustive_search(ref.make_step_fn(decoder), h_init, V - 2,
                                             V - 1, int(expected["_max_len"]),
                                             float(expected["_alpha"]))
        tokens = np.asarray(got.get(f"tokens_p{problem}_w{widest}"))
        score = float(got.get(f"score_p{problem}_w{widest}", np.nan))
        if not (tokens.shape == best.shape and np.array_equal(tokens, best)
                and np.isclose(score, best_score)):
            raise CheckFailure(_(
                "beam_search: on decoder {problem}, a beam of width {width} keeps every "
                "hypothesis but returned {tokens} (score {score:.6f}); exhaustive search "
                "finds {best} (score {best_score:.6f}).").format(
                    problem=problem, width=widest, tokens=tokens.tolist(), score=score,
                    best=best.tolist(), best_score=best_score)
                + " " + _(kit._BEAM_HINTS["wide"]))
    kit._judge_beam(got, expected)


def trained_accuracy(function: str, outputs: Mapping[str, object], eval_seed: int,
                     lengths: Sequence[int], attention: bool = False) -> np.ndarray:
    """Exact-match accuracy of the trained parameters recorded in ``outputs``, measured
    with the course's own encoder and greedy decoding on fresh strings drawn from
    ``eval_seed`` (the judge never uses an accuracy the learner's process computed)."""
    ref = _reference()
    params = unflatten_params(outputs, "model.")
    return score_trained(function, "init_seq2seq", lambda: np.asarray(ref.reversal_accuracy(
        params, list(lengths), np.random.default_rng(eval_seed), n=kit.EVAL_STRINGS,
        attention=attention), dtype=float))


COURSE_DECODER = N_("the course's decoder on your trained parameters")


def judge_train_seq2seq(got: dict, expected: dict) -> dict:
    """The kit's exact update check, then its bar on the accuracy that the course's
    decoder measures on the recorded parameters."""
    updates_only = {k: v for k, v in expected.items() if k != "eval_seed"}
    kit.judge_training(got, updates_only)    # first: a wrong update rule is named as such
    if "eval_seed" not in expected:          # train_steps=0: nothing was trained
        return got
    seed, lengths = int(expected["eval_seed"]), kit.TRAINING_LENGTHS
    scored = {**got, "accuracy": trained_accuracy("train_seq2seq", got, seed, lengths)}
    kit.judge_training(scored, expected, COURSE_DECODER, reference=lambda: trained_accuracy(
        "train_seq2seq", expected, seed, lengths))
    return scored


def judge_attention_training(got: dict, expected: dict) -> dict:
    """The kit's bar on the accuracy on long strings that the course's attention decoder
    measures on the recorded parameters."""
    seed, lengths = int(expected["eval_seed"]), kit.ATTENTION_LENGTHS
    scored = {**got, "accuracy": trained_accuracy("attention_training", got, seed, lengths,
                                                  attention=True)}
    kit.judge_attention_training(scored, expected, COURSE_DECODER, reference=lambda:
                                 trained_accuracy("attention_training", expected, seed,
                                                  lengths, attention=True))
    return scored


JUDGES = {
    "beam_search": judge_beam_search,
    "train_seq2seq": judge_train_seq2seq,
    "attention_training": judge_attention_training,
}
