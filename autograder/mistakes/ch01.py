"""Likely mistakes of chapter 1 (one-hot, the Elman step and sequence, softmax,
masked cross-entropy, temperature sampling). See ``autograder/mistakes/__init__.py``."""
from __future__ import annotations

import numpy as np

from autograder.mistakes import mistake, rebind

CH = "ch01"


# --- one_hot ----------------------------------------------------------------------

@mistake(CH, "one_hot", "time_major",
         "you return the vectors time-major, (T, N, V); this course is batch-first: "
         "x[n, t] is the one-hot vector of indices[n, t], shape (N, T, V).")
def _(ref):
    return {"one_hot": lambda indices, V: ref.one_hot(indices, V).transpose(1, 0, 2)}


@mistake(CH, "one_hot", "shifted_index",
         "the 1 sits one column to the right of indices[n, t] (an index shifted by one, "
         "as if words were numbered from 1): put it at column indices[n, t] itself.")
def _(ref):
    return {"one_hot": lambda indices, V: ref.one_hot((indices + 1) % V, V)}


@mistake(CH, "one_hot", "counts_over_time",
         "each step holds the counts of the words so far (a running bag of words); a "
         "one-hot vector has a single 1, at the word of its own step.")
def _(ref):
    return {"one_hot": lambda indices, V: np.cumsum(ref.one_hot(indices, V), axis=1)}


@mistake(CH, "one_hot", "bag_of_words",
         "every step holds the counts of the whole sequence (a bag of words); a one-hot "
         "vector has a single 1, at the word of its own step.")
def _(ref):
    def one_hot(indices, V):
        x = ref.one_hot(indices, V)
        return np.broadcast_to(x.sum(axis=1, keepdims=True), x.shape).copy()
    return {"one_hot": one_hot}


@mistake(CH, "one_hot", "first_step_only",
         "every step repeats the first step's word: use indices[n, t] for step t, not "
         "indices[n, 0].")
def _(ref):
    def one_hot(indices, V):
        return ref.one_hot(np.repeat(indices[:, :1], indices.shape[1], axis=1), V)
    return {"one_hot": one_hot}


@mistake(CH, "one_hot", "vocab_minus_one",
         "your vectors have V - 1 columns, as if indices started at 1: the vocabulary "
         "indices run from 0 to V - 1, so allocate V columns.", how="shape")
def _(ref):
    return {"one_hot": lambda indices, V: np.zeros(indices.shape + (V - 1,))}


# --- rnn_step_forward ---------------------------------------------------------------

def _step(activation=np.tanh, bias=True, Wh_t=False, sign=1.0, inside=True):
    def rnn_step_forward(x, prev_h, Wx, Wh, b):
        Wr = Wh.T if Wh_t else Wh
        if inside:
            next_h = activation(x @ Wx + sign * (prev_h @ Wr) + (b if bias else 0.0))
        else:
            next_h = activation(x @ Wx + (b if bias else 0.0)) + sign * (prev_h @ Wr)
        return next_h, (x, prev_h, Wx, Wh, next_h)
    return rnn_step_forward


STEP_MISTAKES = {
    "missing_bias": (dict(bias=False),
                     "the bias b is never added: next_h = tanh(x @ Wx + prev_h @ Wh + b)."),
    "transposed_Wh": (dict(Wh_t=True),
                      "you multiply by Wh transposed: the state is a row vector here, so "
                      "the recurrent term is prev_h @ Wh (Wh maps row to column)."),
    "no_tanh": (dict(activation=lambda z: z),
                "the tanh is missing: next_h = tanh(x @ Wx + prev_h @ Wh + b), not the "
                "raw pre-activation."),
    "sigmoid": (dict(activation=lambda z: 1.0 / (1.0 + np.exp(-z))),
                "you use a sigmoid; the Elman step uses tanh: next_h = tanh(x @ Wx + "
                "prev_h @ Wh + b)."),
    "minus_recurrent": (dict(sign=-1.0),
                        "the recurrent term is subtracted: add prev_h @ Wh."),
    "tanh_outside_recurrence": (dict(inside=False),
                                "the tanh covers only the input term and prev_h @ Wh is "
                                "added after it: apply tanh to the whole sum x @ Wx + "
                                "prev_h @ Wh + b."),
}

for _name, (_kw, _says) in STEP_MISTAKES.items():
    mistake(CH, "rnn_step_forward", _name, _says)(
        lambda ref, kw=_kw: {"rnn_step_forward": _step(**kw)})


# --- rnn_forward --------------------------------------------------------------------

@mistake(CH, "rnn_forward", "h0_every_step",
         "every step starts again from h0, so nothing is carried through time: feed "
         "each step the state the previous step returned.")
def _(ref):
    def rnn_forward(x, h0, Wx, Wh, b):
        h = np.stack([ref.rnn_step_forward(x[:, t], h0, Wx, Wh, b)[0]
                      for t in range(x.shape[1])], axis=1)
        return h, []
    return {"rnn_forward": rnn_forward}


@mistake(CH, "rnn_forward", "state_before_step",
         "h[:, t] holds the state before step t (h[:, 0] is h0): store the state after "
         "reading x[:, t], so h[:, 0] already depends on x[:, 0].")
def _(ref):
    def rnn_forward(x, h0, Wx, Wh, b):
        h, cache = ref.rnn_forward(x, h0, Wx, Wh, b)
        return np.concatenate([h0[:, None], h[:, :-1]], axis=1), cache
    return {"rnn_forward": rnn_forward}


@mistake(CH, "rnn_forward", "reversed_time",
         "you run the sequence from its last step to its first: step t = 0, 1, ..., "
         "T - 1 in order, and store h[:, t] at its own t.")
def _(ref):
    def rnn_forward(x, h0, Wx, Wh, b):
        h, cache = ref.rnn_forward(x[:, ::-1], h0, Wx, Wh, b)
        return h[:, ::-1], cache
    return {"rnn_forward": rnn_forward}


@mistake(CH, "rnn_forward", "reversed_time_stored_forward",
         "you read the inputs from the last step to the first: step t reads x[:, t], "
         "for t = 0, 1, ..., T - 1.")
def _(ref):
    def rnn_forward(x, h0, Wx, Wh, b):
        return ref.rnn_forward(x[:, ::-1], h0, Wx, Wh, b)
    return {"rnn_forward": rnn_forward}


@mistake(CH, "rnn_forward", "zero_initial_state",
         "h0 is ignored (the first step starts from zeros): start from the h0 you are "
         "given.")
def _(ref):
    def rnn_forward(x, h0, Wx, Wh, b):
        return ref.rnn_forward(x, np.zeros_like(h0), Wx, Wh, b)
    return {"rnn_forward": rnn_forward}


for _name, (_kw, _says) in STEP_MISTAKES.items():
    mistake(CH, "rnn_forward", f"step_{_name}",
            f"rnn_step_forward is wrong, and rnn_forward repeats it at every step: {_says} "
            "Fix rnn_step_forward first (its own self-check says so too).")(
        lambda ref, kw=_kw: {"rnn_forward": rebind(ref.rnn_forward,
                                                   rnn_step_forward=_step(**kw))})


# --- softmax ------------------------------------------------------------------------

@mistake(CH, "softmax", "wrong_axis",
         "you normalise over the first axis (down each column): softmax works along "
         "the last axis, axis=-1, so that each row sums to 1.")
def _(ref):
    def softmax(scores):
        e = np.exp(scores - scores.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    return {"softmax": softmax}


@mistake(CH, "softmax", "axis_one",
         "you normalise along axis 1, which is the last axis only for 2-D scores: for "
         "scores of shape (..., V) use axis=-1 (with keepdims=True).")
def _(ref):
    def softmax(scores):
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return {"softmax": softmax}


@mistake(CH, "softmax", "global_sum",
         "you divide by the sum over the whole array: divide each row by its own sum "
         "(axis=-1, keepdims=True).")
def _(ref):
    def softmax(scores):
        e = np.exp(scores - scores.max(axis=-1, keepdims=True))
        return e / e.sum()
    return {"softmax": softmax}


@mistake(CH, "softmax", "not_normalised",
         "the exponentials are never divided by their sum: each row must sum to 1.")
def _(ref):
    return {"softmax": lambda scores: np.exp(scores - scores.max(axis=-1, keepdims=True))}


@mistake(CH, "softmax", "unstable",
         "exp() of the raw scores overflows for a large score (inf / inf = NaN): "
         "subtract each row's maximum first; the result is the same in exact arithmetic.")
def _(ref):
    def softmax(scores):
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(scores)
            return e / e.sum(axis=-1, keepdims=True)
    return {"softmax": softmax}


@mistake(CH, "softmax", "global_max",
         "you subtract one maximum of the whole array, so the rows far below it "
         "underflow to 0 / 0: subtract each row's own maximum (axis=-1, keepdims=True).")
def _(ref):
    def softmax(scores):
        with np.errstate(invalid="ignore", divide="ignore"):
            e = np.exp(scores - scores.max())
            return e / e.sum(axis=-1, keepdims=True)
    return {"softmax": softmax}


# --- sequence_cross_entropy ---------------------------------------------------------

def _log_softmax(scores):
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _picked(scores, targets):
    N, T, _ = scores.shape
    return _log_softmax(scores)[np.arange(N)[:, None], np.arange(T)[None, :], targets]


@mistake(CH, "sequence_cross_entropy", "mask_ignored",
         "padded steps are counted: multiply each step's loss by the mask (or drop the "
         "steps where mask is False) before summing.")
def _(ref):
    def sequence_cross_entropy(scores, targets, mask):
        return float(-_picked(scores, targets).sum() / scores.shape[0])
    return {"sequence_cross_entropy": sequence_cross_entropy}


@mistake(CH, "sequence_cross_entropy", "mean_over_tokens",
         "you average over the unmasked tokens; the course's loss sums over time and "
         "divides by the batch size N only.")
def _(ref):
    def sequence_cross_entropy(scores, targets, mask):
        return float(-(_picked(scores, targets) * mask).sum() / mask.sum())
    return {"sequence_cross_entropy": sequence_cross_entropy}


@mistake(CH, "sequence_cross_entropy", "mean_over_all_steps",
         "you divide by N * T (every step, padded or not); the course's loss sums over "
         "time and divides by the batch size N only.")
def _(ref):
    def sequence_cross_entropy(scores, targets, mask):
        return float(-(_picked(scores, targets) * mask).sum() / mask.size)
    return {"sequence_cross_entropy": sequence_cross_entropy}


@mistake(CH, "sequence_cross_entropy", "positive_sign",
         "the sign is flipped: the loss is the negative log-likelihood, -sum log p.")
def _(ref):
    def sequence_cross_entropy(scores, targets, mask):
        return -ref.sequence_cross_entropy(scores, targets, mask)
    return {"sequence_cross_entropy": sequence_cross_entropy}


@mistake(CH, "sequence_cross_entropy", "targets_shifted",
         "each step is scored against the next step's target: the target of step t is "
         "targets[:, t] (the inputs were already shifted when the data was made).")
def _(ref):
    def sequence_cross_entropy(scores, targets, mask):
        return ref.sequence_cross_entropy(scores, np.roll(targets, -1, axis=1), mask)
    return {"sequence_cross_entropy": sequence_cross_entropy}


@mistake(CH, "sequence_cross_entropy", "log_of_softmax",
         "you take the log of a softmax, which is log(0) = -inf wherever another token's "
         "score dominates the target's: use the log-softmax directly, shifted - "
         "log(sum(exp(shifted))) with shifted = scores - max.")
def _(ref):
    def sequence_cross_entropy(scores, targets, mask):
        N, T, _ = scores.shape
        with np.errstate(divide="ignore", invalid="ignore"):
            p = ref.softmax(scores)
            picked = np.log(p[np.arange(N)[:, None], np.arange(T)[None, :], targets])
            return float(-(picked * mask).sum() / N)
    return {"sequence_cross_entropy": sequence_cross_entropy}


@mistake(CH, "sequence_cross_entropy", "unstable_log",
         "log(softmax(scores)) overflows for a large score: use the stable log-softmax, "
         "shifted - log(sum(exp(shifted))) with shifted = scores - max.")
def _(ref):
    def sequence_cross_entropy(scores, targets, mask):
        N, T, _ = scores.shape
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            e = np.exp(scores)
            p = e / e.sum(axis=-1, keepdims=True)
            picked = np.log(p[np.arange(N)[:, None], np.arange(T)[None, :], targets])
            return float(-(picked * mask).sum() / N)
    return {"sequence_cross_entropy": sequence_cross_entropy}


# --- sample_token -------------------------------------------------------------------

def _sampler(transform, greedy="argmax"):
    def sample_token(scores, temperature, rng):
        if temperature == 0:
            return scores.argmax(axis=-1) if greedy == "argmax" else scores.argmin(axis=-1)
        probs = transform(scores, temperature)
        cumulative = probs.cumsum(axis=-1)
        u = rng.random((scores.shape[0], 1)) * cumulative[:, -1:]
        return np.minimum((cumulative < u).sum(axis=-1), scores.shape[1] - 1)
    return sample_token


def _soft(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


SAMPLERS = {
    "temperature_ignored": (lambda s, t: _soft(s), "argmax",
                            "you sample from softmax(scores) whatever the temperature: "
                            "divide the scores by the temperature before the softmax."),
    "temperature_multiplied": (lambda s, t: _soft(s * t), "argmax",
                               "you multiply the scores by the temperature; divide them "
                               "by it: softmax(scores / temperature)."),
    "uniform": (lambda s, t: np.ones_like(s) / s.shape[1], "argmax",
                "your draws ignore the scores (uniform over the vocabulary): draw from "
                "softmax(scores / temperature)."),
    "argmin_when_greedy": (lambda s, t: _soft(s / t), "argmin",
                           "at temperature 0 you take the lowest score: greedy decoding "
                           "takes the highest, scores.argmax(axis=-1)."),
}

for _name, (_transform, _greedy, _says) in SAMPLERS.items():
    mistake(CH, "sample_token", _name, _says)(
        lambda ref, tr=_transform, gr=_greedy: {"sample_token": _sampler(tr, gr)})


@mistake(CH, "sample_token", "always_greedy",
         "you always return the argmax, whatever the temperature: only temperature 0 "
         "is greedy; otherwise draw from softmax(scores / temperature) with rng.")
def _(ref):
    return {"sample_token": lambda scores, temperature, rng: scores.argmax(axis=-1)}
