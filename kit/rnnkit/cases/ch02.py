"""Cases for chapter 2: backpropagation through time, embeddings, the output layer and
its loss over time, truncated BPTT and a character-level language model.

Backward cases build their caches with chapter 1's forward pass, which the notebook's
provided-code cell defines (``impl.rnn_forward``, ``impl.rnn_step_forward``); the
learner's backward functions consume that cache format. ``gradcheck`` compares a
learner's backward pass with centred finite differences of that forward pass.

The training case trains on the chunks of the learner's ``tbptt_chunks`` and measures
the trained model with the learner's ``char_rnn_loss`` and ``sample_chars``, for the
visible check. At grading time ``autograder/judges/ch02.py`` measures the recorded
parameters again with the reference instead (the kit holds no reference code).
"""
from __future__ import annotations

import re
from typing import Callable, Mapping, Sequence

import numpy as np

from rnnkit.cases import case, flatten_params
from rnnkit.checks import (RIGHT_NEW_LINE, CheckFailure, check_array, check_each,
                           grad_check)
from rnnkit.data import char_corpus
from rnnkit.i18n import _, N_
from rnnkit.questions import multiple_choice, numeric


def _rnn_params(rng, D, H):
    """Small random weights; D != H in every default shape so transposes show."""
    Wx = 0.5 * rng.standard_normal((D, H))  # (D, H)
    Wh = 0.5 * rng.standard_normal((H, H))  # (H, H)
    b = 0.5 * rng.standard_normal(H)        # (H,)
    return Wx, Wh, b


def _gradient_judge(function: str, axes: Mapping[str, Sequence[str]],
                    hints: Mapping[str, str], all_wrong: str = "",
                    rtol: float = 1e-6, atol: float = 1e-9) -> Callable[[dict, dict], None]:
    """A judge that names every wrong gradient, with a hint about that gradient, and
    says which gradients are right (a pattern that points at the mistake)."""
    def judge(got: dict, expected: dict) -> None:
        def check_one(name: str, exp) -> None:
            value = got.get(name)
            if np.ndim(exp) == 0 and isinstance(value, (float, int, np.number)):
                if not np.isclose(float(value), float(exp), rtol=rtol, atol=atol):
                    raise CheckFailure(_("{function}: {name} is {value:.6g}, expected "
                                         "{expected:.6g}.").format(
                                             function=function, name=name,
                                             value=float(value), expected=float(exp)))
            else:
                check_array(function, name, value, exp, rtol=rtol, atol=atol,
                            axes=axes.get(name))

        check_each(expected, check_one, hints=hints, right=RIGHT_NEW_LINE,
                   all_wrong=all_wrong)
    return judge


# ------------------------------------------------------------------ RNN backward

@case("ch02", judge=_gradient_judge(
    "rnn_step_backward",
    axes={"dx": ("N", "D"), "dprev_h": ("N", "H"), "dWx": ("D", "H"),
          "dWh": ("H", "H"), "db": ("H",)},
    hints={"dx": N_("dx = da @ Wx.T, where da = dnext_h * (1 - next_h**2)."),
           "dprev_h": N_("dprev_h = da @ Wh.T (Wh transposed: prev_h was multiplied by Wh "
                         "on the right)."),
           "dWx": N_("dWx = x.T @ da: it sums over the batch rows."),
           "dWh": N_("dWh = prev_h.T @ da (the previous state, not next_h)."),
           "db": N_("db = da summed over the batch axis (axis 0).")},
    all_wrong=N_("they all pass through da = dnext_h * (1 - next_h**2); check the tanh "
                 "derivative, taken at the step's output next_h from the cache.")))
def rnn_step_backward(impl, rng, N=3, D=4, H=5):
    x = rng.standard_normal((N, D))
    prev_h = rng.standard_normal((N, H))
    Wx, Wh, b = _rnn_params(rng, D, H)
    _next_h, cache = impl.rnn_step_forward(x, prev_h, Wx, Wh, b)
    dnext_h = rng.standard_normal((N, H))
    dx, dprev_h, dWx, dWh, db = impl.rnn_step_backward(dnext_h, cache)
    return {"dx": dx, "dprev_h": dprev_h, "dWx": dWx, "dWh": dWh, "db": db}


@case("ch02", judge=_gradient_judge(
    "rnn_backward",
    axes={"dx": ("N", "T", "D"), "dh0": ("N", "H"), "dWx": ("D", "H"),
          "dWh": ("H", "H"), "db": ("H",)},
    hints={"dx": N_("If only early time steps differ, the gradient arriving from the next "
                    "step (dprev_h) is not added to dh[:, t]; if only late ones differ, look "
                    "at the order of the loop (t = T-1 down to 0)."),
           "dh0": N_("dh0 is the dprev_h that the backward step of t = 0 returns."),
           "dWx": N_("dWx sums the per-step gradients over all T steps (the weights are "
                     "shared); do not keep only the last step's."),
           "dWh": N_("dWh sums the per-step gradients over all T steps."),
           "db": N_("db sums the per-step gradients over all T steps.")},
    all_wrong=N_("the gradient fed into each step should be dh[:, t] + the dprev_h from "
                 "step t+1, and step t must use cache[t].")))
def rnn_backward(impl, rng, N=2, T=4, D=3, H=5):
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh, b = _rnn_params(rng, D, H)
    _h, cache = impl.rnn_forward(x, h0, Wx, Wh, b)
    dh = rng.standard_normal((N, T, H))
    dx, dh0, dWx, dWh, db = impl.rnn_backward(dh, cache)
    return {"dx": dx, "dh0": dh0, "dWx": dWx, "dWh": dWh, "db": db}


# ------------------------------------------------------------------ embeddings

def _indices_with_repeats(rng, N, T, V):
    indices = rng.integers(0, V, size=(N, T))
    indices[0, 0] = V - 1             # the last row of W is used
    if N * T > 1:
        indices.flat[-1] = indices.flat[0]  # and one token repeats
    return indices


@case("ch02", axes={"out": ("N", "T", "D")},
      hint=N_("out[n, t] is row indices[n, t] of W: W[indices] does it in one step."))
def embedding_forward(impl, rng, N=2, T=4, V=6, D=3):
    indices = _indices_with_repeats(rng, N, T, V)
    W = rng.standard_normal((V, D))
    out, _cache = impl.embedding_forward(indices, W)
    return {"out": out}


@case("ch02", axes={"dW": ("V", "D")},
      hint=N_("Each row dW[i] is the sum of dout[n, t] over every (n, t) where token i was "
              "used; tokens used twice must add both (np.add.at(dW, indices, dout)); rows "
              "of unused tokens stay zero."))
def embedding_backward(impl, rng, N=3, T=4, V=5, D=2):
    indices = _indices_with_repeats(rng, N, T, V)
    W = rng.standard_normal((V, D))
    _out, cache = impl.embedding_forward(indices, W)
    dout = rng.standard_normal((N, T, D))
    return {"dW": impl.embedding_backward(dout, cache)}


# ------------------------------------------------------------------ output layer

@case("ch02", judge=_gradient_judge(
    "temporal_affine_backward",
    axes={"dh": ("N", "T", "H"), "dW": ("H", "V"), "db": ("V",)},
    hints={"dh": N_("dh = dout @ W.T, at every step."),
           "dW": N_("dW = h.T @ dout with h and dout flattened to (N*T, H) and (N*T, V): it "
                    "sums over batch rows and time steps."),
           "db": N_("db sums dout over the batch and time axes (0 and 1).")}))
def temporal_affine_backward(impl, rng, N=2, T=3, H=4, V=5):
    h = rng.standard_normal((N, T, H))
    W = rng.standard_normal((H, V))
    b = rng.standard_normal(V)
    _out, cache = impl.temporal_affine_forward(h, W, b)
    dout = rng.standard_normal((N, T, V))
    dh, dW, db = impl.temporal_affine_backward(dout, cache)
    return {"dh": dh, "dW": dW, "db": db}


def _loss_inputs(rng, N, T, V, big):
    scores = rng.standard_normal((N, T, V))
    scores[0, 0] += big                     # a large score: exp() must not overflow
    targets = rng.integers(0, V, size=(N, T))
    mask = rng.random((N, T)) < 0.7
    mask[:, 0] = True                       # every sequence has at least one token
    if T > 1:
        mask[-1, -1] = False                # and at least one padded step exists
    return scores, targets, mask


@case("ch02", judge=_gradient_judge(
    "temporal_softmax_loss",
    axes={"dscores": ("N", "T", "V")},
    hints={"loss": N_("The loss is chapter 1's sequence_cross_entropy: sum of -log p(target) "
                      "over unmasked steps, divided by N."),
           "dscores": N_("dscores = (softmax(scores) - one_hot(targets)) * mask / N: zero at "
                         "padded steps, divided by the batch size N (not the token count).")}))
def temporal_softmax_loss(impl, rng, N=3, T=5, V=6, big=800.0):
    scores, targets, mask = _loss_inputs(rng, N, T, V, big)
    loss, dscores = impl.temporal_softmax_loss(scores, targets, mask)
    return {"loss": loss, "dscores": dscores}


# ------------------------------------------------------------------ truncated BPTT

@case("ch02", axes={"inputs": (N_("chunk k"), N_("row n"), N_("step t")),
                    "targets": (N_("chunk k"), N_("row n"), N_("step t"))},
      hint=N_("Row n is one contiguous stream starting at token n*K*T, so that row n of "
              "chunk k+1 continues row n of chunk k: reshape tokens[:N*K*T] to (N, K, T) "
              "and move the chunk axis first. targets are the same slice shifted by one "
              "token. K = ((L - 1) // N) // T."))
def tbptt_chunks(impl, rng, L=47, N=2, T=4):
    tokens = rng.integers(0, 30, size=L)
    inputs, targets = impl.tbptt_chunks(tokens, N, T)
    return {"inputs": inputs, "targets": targets}


def _char_rnn_params(rng, V, D, H):
    return {"W_embed": rng.standard_normal((V, D)), "Wx": 0.5 * rng.standard_normal((D, H)),
            "Wh": 0.5 * rng.standard_normal((H, H)), "b": 0.5 * rng.standard_normal(H),
            "Wy": rng.standard_normal((H, V)), "by": rng.standard_normal(V)}


def _char_rnn_batch(rng, N, T, V, H):
    inputs = _indices_with_repeats(rng, N, T, V)
    targets = rng.integers(0, V, size=(N, T))
    h0 = rng.standard_normal((N, H))
    return inputs, targets, h0


_PARAM_AXES = {"W_embed": ("V", "D"), "Wx": ("D", "H"), "Wh": ("H", "H"), "b": ("H",),
               "Wy": ("H", "V"), "by": ("V",)}


@case("ch02", judge=_gradient_judge(
    "char_rnn_loss",
    axes={"h_last": ("N", "H"), **{f"grads[{k}]": v for k, v in _PARAM_AXES.items()}},
    hints={"loss": N_("Chain embedding_forward, rnn_forward (from h0), temporal_affine_forward "
                      "and temporal_softmax_loss with an all-True mask; return that loss as it "
                      "is (summed over time, averaged over the batch)."),
           "h_last": N_("h_last is the state after the last step, h[:, -1]."),
           "grads[W_embed]": N_("embedding_backward(dx, ...) with the dx that rnn_backward "
                                "returns."),
           "grads[Wx]": N_("From rnn_backward(dh, ...), with dh from temporal_affine_backward; "
                           "mind the order of rnn_backward's outputs (dx, dh0, dWx, dWh, db)."),
           "grads[Wh]": N_("From rnn_backward(dh, ...); mind the order of its outputs."),
           "grads[b]": N_("From rnn_backward(dh, ...)."),
           "grads[Wy]": N_("From temporal_affine_backward(dscores, ...)."),
           "grads[by]": N_("From temporal_affine_backward(dscores, ...).")},
    all_wrong=N_("every gradient flows from the loss: does the forward pass start from h0 "
                 "(not zeros), and is the mask all True?")))
def char_rnn_loss(impl, rng, N=2, T=4, V=7, D=3, H=5):
    params = _char_rnn_params(rng, V, D, H)
    inputs, targets, h0 = _char_rnn_batch(rng, N, T, V, H)
    loss, grads, h_last = impl.char_rnn_loss(params, inputs, targets, h0)
    if not isinstance(grads, dict):
        raise CheckFailure(_("char_rnn_loss: grads should be a dict with the keys of "
                             "params."))
    return {"loss": loss, "h_last": h_last, **{f"grads[{k}]": grads.get(k) for k in params}}


# ------------------------------------------------------------------ sampling

def _sampling_params(rng, V, D, H):
    """Weights large enough that the next-token distributions are far from uniform and
    depend on the previous token, so that mistakes change the frequencies."""
    return {"W_embed": 2.0 * rng.standard_normal((V, D)), "Wx": rng.standard_normal((D, H)),
            "Wh": rng.standard_normal((H, H)), "b": 0.5 * rng.standard_normal(H),
            "Wy": 2.0 * rng.standard_normal((H, V)), "by": 0.5 * rng.standard_normal(V)}


def _next_probs(impl, params, h, temperature):
    return impl.softmax((h @ params["Wy"] + params["by"]) / temperature)  # (N, V)


def _judge_sampling(got: dict, expected: dict) -> None:
    check_array("sample_chars", N_("the greedy samples (temperature 0)"), got["greedy"],
                expected["greedy"], axes=(N_("row"), N_("generated step")),
                hint=N_("After reading the prefix from a zero state, take the argmax of the "
                        "scores, feed that token back in as the next input, step the RNN, "
                        "and repeat."))
    for which in ("1", "2"):
        freq, probs = np.asarray(got["freq" + which]), np.asarray(expected["p" + which])
        tv = 0.5 * np.abs(freq - probs).sum()  # total variation distance
        if not tv < 0.03:
            raise CheckFailure((_(
                "sample_chars: the first generated character does not follow the model's "
                "distribution (observed frequencies {observed}, expected about "
                "{expected}). Sample with sample_token(scores, temperature, rng) from the "
                "state after the whole prefix.") if which == "1" else _(
                "sample_chars: the second generated character does not follow the "
                "model's distribution (observed frequencies {observed}, expected about "
                "{expected}). The second character must come from the state after feeding "
                "the first sampled character back in (not the prefix's last character).")
            ).format(observed=np.round(freq, 3).tolist(),
                     expected=np.round(probs, 3).tolist()))


@case("ch02", judge=_judge_sampling)
def sample_chars(impl, rng, V=5, D=3, H=4, P=4, temperature=0.7, reps=20000):
    params = _sampling_params(rng, V, D, H)
    prefix = rng.integers(0, V, size=(3, P))
    greedy = np.asarray(impl.sample_chars(params, prefix, 6, 0.0, rng))
    many = np.repeat(prefix[:1], reps, axis=0)  # (reps, P): the same prefix in every row
    draws = np.asarray(impl.sample_chars(params, many, 2, temperature, rng))
    if draws.shape != (reps, 2) or draws.dtype.kind not in "iu":
        raise CheckFailure(_("sample_chars: returned {dtype} of shape {shape} for {reps} "
                             "prefixes and length 2; expected integers of shape {expected} "
                             "(the generated tokens only, without the prefix).").format(
                                 dtype=draws.dtype, shape=draws.shape, reps=reps,
                                 expected=(reps, 2)))
    # The model's exact distributions of the first and second generated token, with
    # chapter 1's forward pass (the judge reads the reference's, from the fixture).
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    h, _cache = impl.rnn_forward(params["W_embed"][prefix[:1]], np.zeros((1, H)), Wx, Wh, b)
    p1 = _next_probs(impl, params, h[:, -1], temperature)[0]                # (V,)
    h2, _cache = impl.rnn_step_forward(params["W_embed"], np.repeat(h[:, -1], V, 0),
                                  Wx, Wh, b)                                # (V, H)
    p2 = p1 @ _next_probs(impl, params, h2, temperature)                    # (V,)
    return {"greedy": greedy, "p1": p1, "p2": p2,
            "freq1": np.bincount(draws[:, 0], minlength=V)[:V] / reps,
            "freq2": np.bincount(draws[:, 1], minlength=V)[:V] / reps}


# ------------------------------------------------------------------ training

TEXT_LOSS_THRESHOLD = 1.8  # nats per character on the whole corpus (uniform: log 31)
MIN_WORD_RATE = 0.6        # of the words sampled at temperature 0.5


def _whole_text(tokens, N):
    """The text as N rows of consecutive characters, with each one's next character as
    its target: one long chunk per row, to measure the loss on (nearly) all of it."""
    S = (len(tokens) - 1) // N                                           # steps per row
    return tokens[:N * S].reshape(N, S), tokens[1:N * S + 1].reshape(N, S)  # (N, S)


def text_loss(impl, params, tokens, N=32) -> float:
    """Loss per character of the whole text, by ``impl.char_rnn_loss`` from zero states."""
    inputs, targets = _whole_text(tokens, N)
    h0 = np.zeros((N, np.shape(params["Wh"])[0]))
    loss, _grads, _h_last = impl.char_rnn_loss(params, inputs, targets, h0)
    return float(loss) / inputs.shape[1]


def word_rate(impl, params, vocab, tokens, rng, length=300, temperature=0.5) -> float:
    """Fraction of the words in a sample (``impl.sample_chars`` after the prefix "the ")
    that are words of the corpus."""
    words = set(re.findall(r"[a-z]+", "".join(vocab[i] for i in tokens)))
    prefix = np.array([[vocab.index(ch) for ch in "the "]])             # (1, 4)
    sample = np.asarray(impl.sample_chars(params, prefix, length, temperature, rng))
    sampled = re.findall(r"[a-z]+", "".join(vocab[int(i)] for i in sample.ravel()))
    return float(np.mean([w in words for w in sampled])) if sampled else 0.0


def trained_scores(impl, params, sample_seed: int) -> dict:
    """``text_loss`` and ``word_rate`` of trained parameters, measured with ``impl``'s
    char_rnn_loss and sample_chars: the learner's in the visible check, the reference's
    at grading time (``autograder/judges/ch02.py``)."""
    tokens, vocab = char_corpus()
    return {"text_loss": text_loss(impl, params, tokens),
            "word_rate": word_rate(impl, params, vocab, tokens,
                                   np.random.default_rng(sample_seed))}


def check_chunks(got: dict, expected: dict) -> None:
    """The case trains on the chunks of the learner's tbptt_chunks: they come first."""
    for name in ("chunk inputs", "chunk targets"):
        check_array("train_char_rnn",
                    _("the {name} (made by your tbptt_chunks)").format(name=name),
                    got.get(name), expected[name], axes=(N_("chunk k"), N_("row n"), N_("step t")),
                    hint=N_("This check trains on the chunks of your tbptt_chunks: make its "
                            "own check pass first."))


def check_losses(got: dict, expected: dict) -> None:
    """The first ten recorded losses against the reference's, on the same chunks."""
    losses, ref = np.asarray(got["losses"], dtype=float), np.asarray(expected["losses"])
    if losses.shape != ref.shape:
        raise CheckFailure(_("train_char_rnn: returned losses of shape {shape}, expected "
                             "{expected}: one loss per training step.").format(
                                 shape=losses.shape, expected=ref.shape))
    n = min(10, len(ref))
    close = np.isclose(losses[:n], ref[:n], rtol=1e-5, atol=1e-8)
    if close.all():
        return
    s, K = int(np.argmin(close)), int(expected["K"])
    why = (_("Record loss / T (per character); clip the gradients before adam_step; "
             "start the first chunk from a zero state.") if s == 0 else
           _("At k = 0 (a new pass over the text) the state must restart from zeros.")
           if s % K == 0 else
           _("Check that each chunk starts from the h_last of the chunk before it, that "
             "step s uses chunk s % K, that the gradients are clipped with "
             "clip_gradients before every adam_step, and that one Adam state dict is "
             "used for the whole run."))
    steps = _("step 0") if s == 1 else _("steps 0 to {last}").format(last=s - 1)
    raise CheckFailure(
        _("train_char_rnn: the recorded losses match the reference for {steps} and differ "
          "from step {s} on (step {s}: {got:.6f}, expected {expected:.6f}; K = {K} "
          "chunks).").format(steps=steps, s=s, got=losses[s], expected=ref[s], K=K)
        + f" {why}" if s else
        _("train_char_rnn: the loss of step 0 is {got:.6f}, expected {expected:.6f}."
          ).format(got=losses[0], expected=ref[0]) + f" {why}")


def training_verdict(scores: Mapping[str, object], reference: Mapping[str, object],
                     measured_by: str) -> None:
    """Raise CheckFailure unless the trained model's ``scores`` clear the bar;
    ``reference`` holds the reference's, quoted when they do not."""
    loss, rate = float(scores["text_loss"]), float(scores["word_rate"])
    if not loss <= TEXT_LOSS_THRESHOLD:
        raise CheckFailure(_(
            "train_char_rnn: after training, the model's loss on the text is {loss:.3f} "
            "nats per character ({measured_by}); it should be below {threshold} (the "
            "reference reaches {reference:.3f}). Check that every step uses "
            "clip_gradients, then adam_step on the same params dict and state.").format(
                loss=loss, measured_by=_(measured_by), threshold=TEXT_LOSS_THRESHOLD,
                reference=float(reference['text_loss'])))
    if not rate >= MIN_WORD_RATE:
        raise CheckFailure(_(
            "train_char_rnn: only {rate:.0%} of the words sampled from the trained model "
            "are words of the corpus ({measured_by}); at least {needed:.0%} are needed "
            "(the reference: {reference:.0%}).").format(
                rate=rate, measured_by=_(measured_by), needed=MIN_WORD_RATE,
                reference=float(reference['word_rate'])))


def _judge_training(got: dict, expected: dict) -> None:
    check_chunks(got, expected)
    check_losses(got, expected)
    if not bool(expected["evaluate"]):
        return
    # The self-check reads what the learner's own functions measured in the run; the
    # grader measures the recorded parameters itself (autograder/judges/ch02.py).
    if "measuring error" in got:
        raise CheckFailure(_(
            "train_char_rnn: measuring the trained model with your char_rnn_loss and "
            "sample_chars failed ({error}). Make their checks pass first, and update the "
            "arrays of params in place (do not replace or rename them).").format(
                error=str(got['measuring error']).rstrip('.')))
    if "text_loss" not in got or "word_rate" not in got:
        raise CheckFailure(_("train_char_rnn: the check could not measure the trained "
                             "model."))
    training_verdict(got, expected, N_("measured with your char_rnn_loss and sample_chars, "
                                       "whose own checks must pass"))


def _own_scores(impl, params, sample_seed: int) -> dict:
    """The learner's functions' scores of the trained model, or the error they raised
    (kept as an output: the grader, which measures the parameters itself, ignores it)."""
    try:
        return trained_scores(impl, params, sample_seed)
    except Exception as exc:  # noqa: BLE001 -- the learner's code, or a replaced params
        what = (str(exc) if isinstance(exc, CheckFailure) else
                f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        return {"measuring error": np.array(what)}


@case("ch02", judge=_judge_training)
def train_char_rnn(impl, rng, N=16, T=25, H=64, D=16, num_steps=120, learning_rate=0.01,
                   max_norm=5.0, corpus_chars=0, evaluate=True):
    tokens, vocab = char_corpus()
    if corpus_chars:
        tokens = tokens[:corpus_chars]
    params = impl.init_char_rnn(len(vocab), D, H, rng)
    chunks = impl.tbptt_chunks(tokens, N, T)  # as in the notebook; judged first
    inputs, targets = (np.asarray(a) for a in chunks)
    if inputs.ndim != 3 or targets.shape != inputs.shape or inputs.dtype.kind not in "iu":
        raise CheckFailure(_(
            "train_char_rnn: this check trains on the chunks of your tbptt_chunks, which "
            "returned arrays of shapes {inputs} and {targets} ({dtype}); expected two "
            "integer arrays of one shape (K, N, T). Make the check of tbptt_chunks pass "
            "first.").format(inputs=inputs.shape, targets=targets.shape, dtype=inputs.dtype))
    out = {"chunk inputs": inputs.copy(), "chunk targets": targets.copy()}
    losses = impl.train_char_rnn(params, inputs, targets, num_steps, learning_rate,
                                 max_norm)
    out.update({"losses": losses, "K": inputs.shape[0], "evaluate": evaluate})
    if evaluate:  # the trained parameters, for the grader, and the learner's own scores
        out.update({f"params.{k}": v for k, v in flatten_params(params).items()})
        out["sample_seed"] = int(rng.integers(2 ** 31))
        out.update(_own_scores(impl, params, out["sample_seed"]))
    return out


# ------------------------------------------------------------------ held-out perplexity

@case("ch02", hint=N_("Cut the stream into N rows of S = (L - 1) // N consecutive tokens "
                      "(tokens[:N*S].reshape(N, S)), targets the same slice shifted by one "
                      "token, start every row from zeros, and return exp(loss / S): "
                      "char_rnn_loss already averages over the rows and sums over the steps."))
def validation_perplexity(impl, rng, L=41, N=3, V=7, D=3, H=5):
    params = _char_rnn_params(rng, V, D, H)
    tokens = rng.integers(0, V, size=L)
    return {"perplexity": impl.validation_perplexity(params, tokens, N)}


# ------------------------------------------------------------------ gradient checks

def _gc_rnn_step_backward(impl, rng, N=3, D=4, H=5):
    inputs = dict(x=rng.standard_normal((N, D)), prev_h=rng.standard_normal((N, H)))
    inputs.update(zip(("Wx", "Wh", "b"), _rnn_params(rng, D, H)))
    _h, cache = impl.rnn_step_forward(**inputs)
    return grad_check("rnn_step_backward", impl.rnn_step_forward, inputs,
                      lambda dnext_h: dict(zip(("x", "prev_h", "Wx", "Wh", "b"),
                                               impl.rnn_step_backward(dnext_h, cache))))


def _gc_rnn_backward(impl, rng, N=2, T=4, D=3, H=5):
    inputs = dict(x=rng.standard_normal((N, T, D)), h0=rng.standard_normal((N, H)))
    inputs.update(zip(("Wx", "Wh", "b"), _rnn_params(rng, D, H)))
    _h, cache = impl.rnn_forward(**inputs)
    return grad_check("rnn_backward", impl.rnn_forward, inputs, lambda dh: dict(
        zip(("x", "h0", "Wx", "Wh", "b"), impl.rnn_backward(dh, cache))))


def _gc_embedding_backward(impl, rng, N=3, T=4, V=5, D=2):
    indices = _indices_with_repeats(rng, N, T, V)
    W = rng.standard_normal((V, D))
    _out, cache = impl.embedding_forward(indices, W)
    return grad_check("embedding_backward", impl.embedding_forward,
                      dict(indices=indices, W=W),
                      lambda dout: {"W": impl.embedding_backward(dout, cache)})


def _gc_temporal_affine_backward(impl, rng, N=2, T=3, H=4, V=5):
    inputs = dict(h=rng.standard_normal((N, T, H)), W=rng.standard_normal((H, V)),
                  b=rng.standard_normal(V))
    _out, cache = impl.temporal_affine_forward(**inputs)
    return grad_check("temporal_affine_backward", impl.temporal_affine_forward, inputs,
                      lambda dout: dict(zip(("h", "W", "b"),
                                            impl.temporal_affine_backward(dout, cache))))


def _gc_temporal_softmax_loss(impl, rng, N=3, T=5, V=6):
    scores, targets, mask = _loss_inputs(rng, N, T, V, big=0.0)
    _loss, dscores = impl.temporal_softmax_loss(scores, targets, mask)
    return grad_check(
        "temporal_softmax_loss",
        lambda scores: float(impl.temporal_softmax_loss(scores, targets, mask)[0]),
        dict(scores=scores), lambda dloss: {"scores": dloss * dscores})


def _gc_char_rnn_loss(impl, rng, N=2, T=4, V=7, D=3, H=5):
    params = _char_rnn_params(rng, V, D, H)
    inputs, targets, h0 = _char_rnn_batch(rng, N, T, V, H)
    _loss, grads, _h_last = impl.char_rnn_loss(params, inputs, targets, h0)
    return grad_check(
        "char_rnn_loss",
        lambda **p: float(impl.char_rnn_loss(p, inputs, targets, h0)[0]),
        params, lambda dloss: {k: dloss * g for k, g in grads.items()}, max_coords=20,
        tol=1e-5)


_GRADIENT_CHECKS = {
    "rnn_step_backward": _gc_rnn_step_backward,
    "rnn_backward": _gc_rnn_backward,
    "embedding_backward": _gc_embedding_backward,
    "temporal_affine_backward": _gc_temporal_affine_backward,
    "temporal_softmax_loss": _gc_temporal_softmax_loss,
    "char_rnn_loss": _gc_char_rnn_loss,
}


# The notebook imports gradcheck from here; the one implementation is in grading.py.
from rnnkit.grading import gradcheck  # noqa: E402,F401


# Conceptual questions (rnnkit.questions): their keys are in the solution notebook only.
multiple_choice("ch02", "many_to_one", "abcd",
                hint=N_("Reread chapter 2, *Shared weights: gradients are sums over time* and "
                        "*The hidden state: a recursion backwards in time*: where W_h is "
                        "used, and what the gradient delta^h_t of each state is made of."))
numeric("ch02", "backward_steps", rtol=0.01,
        hint=N_("Reread chapter 2, *Truncated backpropagation through time*: how many "
                "updates one pass over the stream makes, and how many steps each update "
                "backpropagates through."))
