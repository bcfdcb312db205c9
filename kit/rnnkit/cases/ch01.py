"""Cases for chapter 1: one-hot vectors, the Elman RNN forward pass, softmax,
cross-entropy over time with a padding mask, and temperature sampling."""
from __future__ import annotations

import numpy as np

from rnnkit.cases import case
from rnnkit.checks import CheckFailure, check_array
from rnnkit.i18n import _, N_
from rnnkit.questions import count, numeric


def _rnn_params(rng, D, H):
    """Small random weights; D != H in every default shape so transposes show."""
    Wx = 0.5 * rng.standard_normal((D, H))  # (D, H)
    Wh = 0.5 * rng.standard_normal((H, H))  # (H, H)
    b = 0.5 * rng.standard_normal(H)        # (H,)
    return Wx, Wh, b


@case("ch01", axes={"x": ("N", "T", "V")}, dtypes={"x": "f"},
      hint=N_("Row n, step t of the result should be all zeros except a 1 at column "
              "indices[n, t]."))
def one_hot(impl, rng, N=2, T=3, V=5):
    indices = rng.integers(0, V, size=(N, T))
    indices[0, 0] = V - 1  # the last word of the vocabulary always appears
    return {"x": impl.one_hot(indices, V)}


@case("ch01", axes={"next_h": ("N", "H")},
      hint=N_("next_h = tanh(x @ Wx + prev_h @ Wh + b)."))
def rnn_step_forward(impl, rng, N=3, D=4, H=5):
    x = rng.standard_normal((N, D))
    prev_h = rng.standard_normal((N, H))
    Wx, Wh, b = _rnn_params(rng, D, H)
    next_h, _cache = impl.rnn_step_forward(x, prev_h, Wx, Wh, b)
    return {"next_h": next_h}


@case("ch01", axes={"h": ("N", "T", "H")},
      hint=N_("h[:, t] is the state after reading x[:, t]; step 0 starts from h0."))
def rnn_forward(impl, rng, N=2, T=4, D=3, H=5):
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh, b = _rnn_params(rng, D, H)
    h, _cache = impl.rnn_forward(x, h0, Wx, Wh, b)
    return {"h": h}


@case("ch01", axes={"probs": (N_("row"), N_("class")),
                    "probs_3d": (N_("batch"), N_("row"), N_("class"))},
      hint=N_("Subtract each row's maximum before exponentiating; normalise along the "
              "last axis."))
def softmax(impl, rng, N=3, V=6, big=1000.0):
    scores = rng.standard_normal((N, V))
    scores[0] += big  # a large logit: a naive exp() overflows here
    # the docstring promises (..., V): a 3-D input, where axis=1 is not the last axis
    scores_3d = rng.standard_normal((2, N, V))
    return {"probs": impl.softmax(scores), "probs_3d": impl.softmax(scores_3d)}


@case("ch01", hint=N_("Sum -log p(target) over the unmasked steps, then divide by the "
                      "batch size N (not by the number of tokens). Use a stable "
                      "log-softmax."))
def sequence_cross_entropy(impl, rng, N=3, T=5, V=6, big=800.0):
    scores = rng.standard_normal((N, T, V))
    scores[0, 0] += big
    targets = rng.integers(0, V, size=(N, T))
    mask = rng.random((N, T)) < 0.7
    mask[:, 0] = True                       # every sequence has at least one token
    if T > 1:
        mask[-1, -1] = False                # and at least one padded step exists
    if N > 1:  # a dominant score that is not the target: log(softmax) gives log(0) here
        scores[-1, 0, (targets[-1, 0] + 1) % V] += big
    loss = impl.sequence_cross_entropy(scores, targets, mask)
    return {"loss": loss}


def _judge_sampling(got: dict, expected: dict) -> None:
    check_array("sample_token", N_("the choice at temperature 0"), got["greedy"],
                expected["greedy"],
                hint=N_("Temperature 0 means always taking the highest-scoring token."))
    check_array("sample_token", N_("the choice at temperature 1e-4"), got["cold"],
                expected["cold"],
                hint=N_("A tiny temperature must behave like argmax without overflowing."))
    if not bool(np.asarray(got["global_untouched"])):
        raise CheckFailure(_(
            "sample_token: it used numpy's global random state (np.random.*). Draw from "
            "the rng argument instead (rng.random, rng.choice)."))
    if not bool(np.asarray(got["repeatable"])):
        raise CheckFailure(_(
            "sample_token: two calls with generators in the same state drew different "
            "tokens. Draw only from the rng argument (rng.random, rng.choice), so that "
            "a run can be repeated from its seed."))
    freq, ref = np.asarray(got["freq"]), np.asarray(expected["freq"])
    tv = 0.5 * np.abs(freq - ref).sum(axis=1)  # total variation distance per row
    if not np.all(tv < 0.04):
        row = int(np.argmax(tv))
        raise CheckFailure(_(
            "sample_token: the sampled tokens do not follow softmax(scores / temperature) "
            "(row {row}: observed frequencies {observed}, expected about {expected}). "
            "Divide the scores by the temperature before the softmax, then draw from "
            "those probabilities.").format(row=row, observed=np.round(freq[row], 3).tolist(),
                                           expected=np.round(ref[row], 3).tolist()))


@case("ch01", judge=_judge_sampling)
def sample_token(impl, rng, temperature=0.5, reps=10000):
    base = np.array([[2.0, 1.0, 0.5, 0.0, -1.0],
                     [-1.0, 0.0, 3.0, 0.5, 1.0],
                     [0.3, 0.2, 0.1, 0.0, 0.4]])  # (3, 5), distinct maxima
    N, V = base.shape
    scores = np.tile(base, (reps, 1))  # (reps * 3, 5): many independent draws per row
    picks = np.asarray(impl.sample_token(scores, temperature, rng))
    if picks.shape != (N * reps,):
        raise CheckFailure(_("sample_token: returned shape {shape}, expected {expected}: "
                             "one token index per row of scores.").format(
                                 shape=picks.shape, expected=(N * reps,)))
    if picks.dtype.kind not in "iu" or picks.min() < 0 or picks.max() >= V:
        raise CheckFailure(_("sample_token: return integer token indices in [0, V)."))
    freq = np.stack([np.bincount(picks[r::N], minlength=V) / reps for r in range(N)])
    greedy = np.asarray(impl.sample_token(base.copy(), 0.0, rng))
    cold = np.asarray(impl.sample_token(base.copy(), 1e-4, rng))
    # the same generator state gives the same draw, and np.random is left alone
    state = np.random.get_state()
    seed = int(rng.integers(1 << 30))
    first = np.asarray(impl.sample_token(base.copy(), 1.0, np.random.default_rng(seed)))
    again = np.asarray(impl.sample_token(base.copy(), 1.0, np.random.default_rng(seed)))
    after = np.random.get_state()
    untouched = after[0] == state[0] and np.array_equal(after[1], state[1]) \
        and after[2:] == state[2:]
    np.random.set_state(state)
    repeatable = first.shape == again.shape and bool(np.all(first == again))
    return {"freq": freq, "greedy": greedy, "cold": cold,
            "repeatable": np.bool_(repeatable), "global_untouched": np.bool_(untouched)}


# Conceptual questions (rnnkit.questions): their keys are in the solution notebook only.
count("ch01", "lm_parameters",
        hint=N_("Reread chapter 1, *From words to vectors* and *The Elman network*: the "
                "shape of every matrix and bias the model learns, the output layer's "
                "included."))
numeric("ch01", "perplexity_bound", rtol=0.01,
        hint=N_("Reread chapter 1, *Cross-entropy summed over time*: which side of "
                "Jensen's inequality bounds the loss from above, how that bound grows with "
                "the spread of the scores, and how a loss per token becomes a perplexity."))
