"""Cases for chapter 7: the encoder and the teacher-forced decoder (forward and backward),
greedy decoding, beam search (a beam that keeps every hypothesis must be exact),
training with Adam and clipping on the digit-reversal task, and (extension) additive
attention.

The encoder and decoder are called with the learner's default cell (``rnn_cell`` in the
notebook: chapter 1's forward and chapter 2's backward passes). Decoding cases build a
tiny random decoder with the notebook's given ``make_step_fn``, so the same step function
runs under the learner's and the reference's search.

Three cases have an instructor-side judge in ``autograder/judges/ch07.py`` that
replaces theirs at grading time: beam search, where the grader also searches every
decoder exhaustively (the brute-force oracle is not part of the kit: it could stand in
for a beam search), and the training cases, whose visible checks read the held-out
accuracy that the learner's own decoder measured, while the grader decodes the recorded
parameters with the reference.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from rnnkit.cases import case, flatten_params
from rnnkit.checks import RIGHT_NEW_LINE, CheckFailure, check_outputs, grad_check
from rnnkit.data import reversal_batches
from rnnkit.i18n import _, N_
from rnnkit.questions import count, multiple_choice

# ------------------------------------------------------------------ helpers

_PARAM_NAMES = ("E_src", "enc_Wx", "enc_Wh", "enc_b", "E_tgt", "dec_Wx", "dec_Wh",
                "dec_b", "Wy", "by")


def _params(rng, V, D, H, scale=0.5):
    """Random parameters of the plain encoder–decoder (every name, so a function that
    reads the wrong one gives wrong values rather than a KeyError)."""
    shapes = {"E_src": (V, D), "enc_Wx": (D, H), "enc_Wh": (H, H), "enc_b": (H,),
              "E_tgt": (V, D), "dec_Wx": (D, H), "dec_Wh": (H, H), "dec_b": (H,),
              "Wy": (H, V), "by": (V,)}
    return {name: scale * rng.standard_normal(shapes[name]) for name in _PARAM_NAMES}


def _tokens_with_repeats(rng, N, T, V):
    tokens = rng.integers(0, V, size=(N, T))
    tokens[0, 0] = V - 1                       # the last row of the embedding is used
    if N * T > 1:
        tokens.flat[-1] = tokens.flat[0]       # and one token repeats
    return tokens


def _named_judge(function: str, axes: Mapping[str, Sequence[str]],
                 hints: Mapping[str, str], all_wrong: str = "",
                 rtol: float = 1e-6, atol: float = 1e-9) -> Callable[[dict, dict], None]:
    """A judge that names every wrong output with a hint about it, and says which outputs
    are right (the pattern points at the mistake)."""
    def judge(got: dict, expected: dict) -> None:
        check_outputs(function, got, expected, rtol=rtol, atol=atol, axes=axes,
                      hints=hints, right=RIGHT_NEW_LINE, all_wrong=all_wrong)
    return judge


# ------------------------------------------------------------------ encoder

@case("ch07", axes={"h_enc": ("N", "Tx", "H")},
      hint=N_("Embed src with params['E_src'] (embedding_forward), then run cell.forward "
              "from a zero state with the encoder's weights enc_Wx, enc_Wh, enc_b; return "
              "the states of every step."))
def encoder_forward(impl, rng, N=3, Tx=4, V=6, D=3, H=5):
    src = _tokens_with_repeats(rng, N, Tx, V)
    params = _params(rng, V, D, H)
    h_enc, _cache = impl.encoder_forward(src, params)
    return {"h_enc": h_enc}


_ENCODER_GRADS = {"E_src": ("V", "D"), "enc_Wx": ("D", "H"), "enc_Wh": ("H", "H"),
                  "enc_b": ("H",)}


@case("ch07", judge=_named_judge(
    "encoder_backward", axes=_ENCODER_GRADS,
    hints={"E_src": N_("Every source position sends its dx back to the row of its token; "
                       "repeated tokens add up (embedding_backward does it)."),
           "enc_Wx": N_("dWx comes from cell.backward(dh_enc, cell_cache), fed the whole "
                        "dh_enc (every step), not only its last slice."),
           "enc_Wh": N_("dWh comes from cell.backward, as returned (shape (H, H), not "
                        "transposed)."),
           "enc_b": N_("db comes from cell.backward.")},
    all_wrong=N_("pass the whole dh_enc (N, Tx, H) through cell.backward, in time order, "
                 "then dx through embedding_backward.")))
def encoder_backward(impl, rng, N=3, Tx=4, V=5, D=3, H=4):
    src = _tokens_with_repeats(rng, N, Tx, V)
    params = _params(rng, V, D, H)
    _h, cache = impl.encoder_forward(src, params)
    dh_enc = rng.standard_normal((N, Tx, H))
    grads = impl.encoder_backward(dh_enc, cache)
    if not isinstance(grads, dict):
        raise CheckFailure(_("encoder_backward: return a dict of gradients, e.g. {'E_src': "
                             "..., 'enc_Wx': ..., 'enc_Wh': ..., 'enc_b': ...}."))
    return {name: grads.get(name) for name in _ENCODER_GRADS}


# ------------------------------------------------------------------ decoder

@case("ch07", axes={"scores": ("N", "Ty", "V")},
      hint=N_("Teacher forcing: embed tgt_in with E_tgt (the given inputs, never the "
              "decoder's own predictions), run cell.forward from h_init with dec_Wx, dec_Wh, "
              "dec_b, and apply the output layer Wy, by at every step."))
def decoder_forward(impl, rng, N=3, Ty=4, V=6, D=3, H=5):
    tgt_in = _tokens_with_repeats(rng, N, Ty, V)
    h_init = rng.standard_normal((N, H))
    params = _params(rng, V, D, H)
    scores, _cache = impl.decoder_forward(tgt_in, h_init, params)
    return {"scores": scores}


_DECODER_GRADS = {"E_tgt": ("V", "D"), "dec_Wx": ("D", "H"), "dec_Wh": ("H", "H"),
                  "dec_b": ("H",), "Wy": ("H", "V"), "by": ("V",)}


@case("ch07", judge=_named_judge(
    "decoder_backward", axes={"dh_init": ("N", "H"), **_DECODER_GRADS},
    hints={"dh_init": N_("dh_init is the dh0 that cell.backward returns: the gradient that "
                         "flows out of the first decoder step into its initial state."),
           "E_tgt": N_("dy from cell.backward goes through embedding_backward; repeated "
                       "tokens add up."),
           "dec_Wx": N_("From cell.backward of dh_dec = the output layer's dh."),
           "dec_Wh": N_("From cell.backward, as returned (not transposed)."),
           "dec_b": N_("From cell.backward."),
           "Wy": N_("From temporal_affine_backward: it sums over batch rows and steps."),
           "by": N_("From temporal_affine_backward: dscores summed over the batch and time "
                    "axes.")},
    all_wrong=N_("go back through temporal_affine_backward, then cell.backward, then "
                 "embedding_backward, in that order.")))
def decoder_backward(impl, rng, N=3, Ty=4, V=5, D=3, H=4):
    tgt_in = _tokens_with_repeats(rng, N, Ty, V)
    h_init = rng.standard_normal((N, H))
    params = _params(rng, V, D, H)
    _scores, cache = impl.decoder_forward(tgt_in, h_init, params)
    dscores = rng.standard_normal((N, Ty, V))
    dh_init, grads = impl.decoder_backward(dscores, cache)
    if not isinstance(grads, dict):
        raise CheckFailure(_("decoder_backward: return (dh_init, grads) with grads a dict "
                             "named like params."))
    return {"dh_init": dh_init, **{name: grads.get(name) for name in _DECODER_GRADS}}


# ------------------------------------------------------------------ decoding

def _tiny_decoder(impl, rng, V, H, end_bias, scale=0.6):
    """A random decoder small enough to search exhaustively: (step_fn, its parameters)."""
    params = _params(rng, V, 3, H, scale=scale)
    params["by"][V - 1] += end_bias            # token V-1 is the end token
    return impl.make_step_fn(params), params


@case("ch07", axes={"tokens": ("N", N_("step"))},
      hint=N_("Start every row from `start` and h_init; at each step take the argmax of the "
              "log-probabilities over the vocabulary (axis 1), store it, and feed it back as "
              "the next input with the new state. After a row's first `end`, its remaining "
              "entries are `end`."))
def greedy_decode(impl, rng, N=6, V=5, H=4, max_len=6, end_bias=0.0):
    step_fn, _decoder = _tiny_decoder(impl, rng, V, H, end_bias)
    h_init = rng.standard_normal((N, H))
    tokens = impl.greedy_decode(step_fn, h_init, V - 2, V - 1, max_len)
    return {"tokens": np.asarray(tokens)}


_BEAM_HINTS = {
    "1": N_("A beam of width 1 keeps only the best candidate at every step: it must give "
            "the greedy output."),
    "wide": N_("This beam is wide enough to keep every hypothesis, so it must return the "
               "exhaustive optimum: check that finished hypotheses (ending in `end`) stop "
               "growing, that scores add log-probabilities, and how the final choice is "
               "length-normalised (score / length ** alpha, length counting `end`)."),
    "narrow": N_("With a narrow beam the pruning matters: keep the beam_width best of all "
                 "B * V candidates by their raw summed log-probability (no length "
                 "normalisation while pruning), give each survivor its parent's state, and "
                 "move candidates that end in `end` out of the beam."),
}


def _judge_beam(got: dict, expected: dict) -> None:
    problems = []
    for key in (k for k in expected if k.startswith("tokens_p")):
        problem, width = key[len("tokens_p"):].split("_w")
        tokens, score = np.asarray(got[key]), float(got[key.replace("tokens", "score")])
        exp_tokens = expected[key]
        exp_score = float(expected[key.replace("tokens", "score")])
        same_tokens = tokens.shape == exp_tokens.shape and np.array_equal(tokens, exp_tokens)
        same_score = bool(np.isclose(score, exp_score, rtol=1e-8, atol=1e-10))
        if same_tokens and same_score:
            continue
        widest = max(int(k.split("_w")[1]) for k in expected
                     if k.startswith(f"tokens_p{problem}_w"))
        kind = "1" if width == "1" else ("wide" if int(width) == widest else "narrow")
        what = (_("the tokens and score differ") if not (same_tokens or same_score)
                else _("the tokens differ") if not same_tokens else _("the score differs"))
        problems.append(_(
            "beam_search: on decoder {problem}, beam width {width} returned tokens {tokens} "
            "with score {score:.6f}; expected {expected} with score {expected_score:.6f} "
            "({what}).").format(problem=problem, width=width, tokens=tokens.tolist(),
                                score=score, expected=exp_tokens.tolist(),
                                expected_score=exp_score, what=what)
            + f" {_(_BEAM_HINTS[kind])}")
    if problems:
        raise CheckFailure("\n".join(problems[:4]) + (
            "\n" + _("(and {n} more)").format(n=len(problems) - 4)
            if len(problems) > 4 else ""))


@case("ch07", judge=_judge_beam)
def beam_search(impl, rng, V=4, H=4, max_len=4, alpha=1.0, end_bias=0.0, decoders=6):
    """Several tiny random decoders; on each, beams of width 1, 2, 3 and V ** max_len
    (wide enough to keep every hypothesis, so it must find the best output of all).

    Each decoder's parameters and initial state are returned too (``_p<problem>.<name>``,
    context, not compared, like ``_max_len`` and ``_alpha``), so that the grader can
    search them exhaustively."""
    start, end = V - 2, V - 1
    out = {"_max_len": max_len, "_alpha": alpha}
    for problem in range(decoders):
        step_fn, decoder = _tiny_decoder(impl, rng, V, H, end_bias)
        h_init = rng.standard_normal((1, H))
        out.update({f"_p{problem}.{name}": value for name, value in decoder.items()})
        out[f"_p{problem}.h_init"] = h_init.copy()
        for width in (1, 2, 3, V ** max_len):
            tokens, score = impl.beam_search(step_fn, h_init.copy(), start, end, width,
                                             max_len, alpha)
            tokens = np.asarray(tokens)
            if tokens.ndim != 1 or (tokens.size and tokens.dtype.kind not in "iu"):
                raise CheckFailure(_("beam_search: return the tokens as a 1-D integer "
                                     "array, got shape {shape} and dtype {dtype}.").format(
                                         shape=tokens.shape, dtype=tokens.dtype))
            out[f"tokens_p{problem}_w{width}"] = tokens.astype(int)
            out[f"score_p{problem}_w{width}"] = float(score)
    return out


# ------------------------------------------------------------------ training

# Held-out evaluation of the trained models: lengths of the fresh digit strings, and how
# many of each length (drawn from the case's eval_seed).
TRAINING_LENGTHS, ATTENTION_LENGTHS, EVAL_STRINGS = (1, 2, 3, 4, 5), (6, 7, 8), 100
YOUR_DECODER = N_("your encoder_forward and greedy_decode (the given reversal_accuracy) on "
                  "your trained parameters")


def _held_out_accuracy(impl, model, eval_seed: int, lengths, attention=False) -> np.ndarray:
    """Exact-match accuracy per length of a model trained in a case, measured with the
    learner's own code (the grader measures the recorded parameters again itself)."""
    accuracy = impl.reversal_accuracy(model, list(lengths), np.random.default_rng(eval_seed),
                                      n=EVAL_STRINGS, attention=attention)
    return np.asarray(accuracy, dtype=float)


def _accuracy_of(function: str, outputs: Mapping[str, object], lengths) -> np.ndarray:
    accuracy = outputs.get("accuracy")
    if accuracy is None or np.shape(accuracy) != (len(lengths),):
        raise CheckFailure(_("{function}: the case did not measure the trained model's "
                             "accuracy on the {n} held-out lengths.").format(
                                 function=function, n=len(lengths)))
    return np.asarray(accuracy, dtype=float)


ACCURACY_BAR = 0.75


def _accuracy_bar(function: str, got: Mapping[str, object], expected: Mapping[str, object],
                  lengths, reference: Callable[[], np.ndarray] | None, shortfall: str,
                  advice: str) -> None:
    """Fail unless the mean held-out accuracy in ``got`` reaches the bar. The message
    says ``shortfall`` (with ``{mean}`` and ``{per_length}`` filled in), the bar, the
    reference's accuracy (``reference()``, only on failure; by default
    ``expected["accuracy"]``) and ``advice``."""
    accuracy = _accuracy_of(function, got, lengths)
    if np.mean(accuracy) >= ACCURACY_BAR:
        return
    theirs = (reference() if reference is not None else
              _accuracy_of(function, expected, lengths))
    said = _(shortfall).format(mean=f"{np.mean(accuracy):.0%}",
                               per_length=np.round(accuracy, 2).tolist())
    raise CheckFailure(_("{function}: {said}; at least {bar:.0%} is needed (the reference "
                         "gets {reference:.0%}).").format(function=function, said=said,
                                                         bar=ACCURACY_BAR,
                                                         reference=np.mean(theirs))
                       + f" {advice}")


def judge_training(got: dict, expected: dict, measured_by: str = YOUR_DECODER,
                   reference: Callable[[], np.ndarray] | None = None) -> None:
    """The exact updates, then (after real training) the held-out accuracy in
    ``got["accuracy"]`` against the bar, quoting the reference's (``reference()``, only
    on failure; by default ``expected["accuracy"]``). The grader's judge passes
    accuracies it measured itself."""
    hints = {"W": N_("Check the Adam update: moments per parameter kept across steps, "
                     "bias correction with the step count t = 1, 2, ..., and clipping by "
                     "the global norm of all gradients together (only when it exceeds "
                     "clip)."),
             "b": N_("Same update as W: every parameter gets its own moments."),
             "losses": N_("Return the loss of every batch, computed before its update.")}
    _named_judge("train_seq2seq", {}, hints)(
        got, {k: v for k, v in expected.items() if k in hints})
    if "eval_seed" in expected:
        _accuracy_bar(
            "train_seq2seq", got, expected, TRAINING_LENGTHS, reference,
            N_("after training, the encoder–decoder reverses only {mean} of held-out "
               "digit strings exactly (per length 1-5: {per_length})"),
            _("The update rule passed the exact check, so look at what the training "
              "minimises: seq2seq_loss and the backward passes it uses (parts 1-5). The "
              "accuracy is measured with {measured_by}.").format(measured_by=_(measured_by)))


@case("ch07", judge=judge_training)
def train_seq2seq(impl, rng, train_steps=400, clip=1.0):
    # Exact updates on weighted least squares: the first batch's gradient is large (it
    # is clipped when clip is small), the later ones are small (never clipped).
    X = rng.standard_normal((5, 3))
    params = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}
    batches = [(rng.standard_normal((5, 4)), weight) for weight in (10.0, 0.01, 0.01, 0.01)]

    def loss_fn(p, Y, weight):
        residual = X @ p["W"] + p["b"] - Y                             # (5, 4)
        return (0.5 * weight * float(np.sum(residual ** 2)),
                {"W": weight * X.T @ residual, "b": weight * residual.sum(axis=0)})

    losses = impl.train_seq2seq(loss_fn, params, batches, lr=0.1, clip=clip)
    out = {"W": params["W"], "b": params["b"], "losses": np.asarray(losses, dtype=float)}
    if train_steps:
        model = impl.init_seq2seq(rng, 12, 16, 48)
        impl.train_seq2seq(impl.seq2seq_loss, model,
                           reversal_batches(train_steps, 64, 1, 5, rng), lr=0.01, clip=5.0)
        out.update({f"model.{k}": v for k, v in flatten_params(model).items()})
        out["eval_seed"] = int(rng.integers(2 ** 31))  # held-out strings for the judge
        out["accuracy"] = _held_out_accuracy(impl, model, out["eval_seed"],
                                             TRAINING_LENGTHS)
    return out


# ------------------------------------------------------------------ attention

@case("ch07", judge=_named_judge(
    "additive_attention_forward",
    axes={"context": ("N", "Hk"), "weights": ("N", "Tx")},
    hints={"weights": N_("e = tanh(query @ Wq [broadcast over Tx] + keys @ Wk) @ v has shape "
                         "(N, Tx); the softmax normalises over the source axis Tx (axis 1), "
                         "so each row sums to 1."),
           "context": N_("context[n] = sum_j weights[n, j] * keys[n, j]: the original keys, "
                         "not their projections.")}))
def additive_attention_forward(impl, rng, N=3, Tx=4, Hq=5, Hk=6, A=2):
    query = rng.standard_normal((N, Hq))
    keys = rng.standard_normal((N, Tx, Hk))
    Wq, Wk = rng.standard_normal((Hq, A)), rng.standard_normal((Hk, A))
    v = 2.0 * rng.standard_normal(A)
    context, weights, _cache = impl.additive_attention_forward(query, keys, Wq, Wk, v)
    return {"context": context, "weights": weights}


_ATTENTION_GRADS = {"dquery": ("N", "Hq"), "dkeys": ("N", "Tx", "Hk"), "dWq": ("Hq", "A"),
                    "dWk": ("Hk", "A"), "dv": ("A",)}


@case("ch07", judge=_named_judge(
    "additive_attention_backward", axes=_ATTENTION_GRADS,
    hints={"dquery": N_("The query feeds all Tx positions: sum dL/da over j, then multiply "
                        "by Wq.T."),
           "dkeys": N_("Each key has two paths: weights[:, j] * dcontext (the weighted sum) "
                       "plus dL/da_j @ Wk.T (its score)."),
           "dWq": N_("dWq = query.T @ (dL/da summed over the source axis)."),
           "dWk": N_("dWk sums keys_j.T @ dL/da_j over the batch and the source positions."),
           "dv": N_("dv sums dL/de_j * u_j over the batch and positions, with u = tanh(...), "
                    "the hidden layer's output (not its input).")},
    all_wrong=N_("start from dL/dweights_j = dcontext . keys_j and the softmax's backward "
                 "pass: dL/de = weights * (dL/dweights - sum_i weights_i dL/dweights_i).")))
def additive_attention_backward(impl, rng, N=3, Tx=4, Hq=5, Hk=6, A=2):
    query = rng.standard_normal((N, Hq))
    keys = rng.standard_normal((N, Tx, Hk))
    Wq, Wk = rng.standard_normal((Hq, A)), rng.standard_normal((Hk, A))
    v = 2.0 * rng.standard_normal(A)
    _c, _w, cache = impl.additive_attention_forward(query, keys, Wq, Wk, v)
    dcontext = rng.standard_normal((N, Hk))
    grads = impl.additive_attention_backward(dcontext, cache)
    return dict(zip(_ATTENTION_GRADS, grads))


def judge_attention_training(got: dict, expected: dict, measured_by: str = YOUR_DECODER,
                             reference: Callable[[], np.ndarray] | None = None) -> None:
    """The held-out accuracy on long strings in ``got["accuracy"]`` against the bar,
    quoting the reference's (as in ``judge_training``); the grader's judge passes
    accuracies it measured itself."""
    _accuracy_bar(
        "attention_training", got, expected, ATTENTION_LENGTHS, reference,
        N_("the encoder–decoder with attention reverses only {mean} of held-out strings "
           "of lengths 6-8 exactly (per length: {per_length})"),
        _("The model is trained with your additive_attention_forward/backward, encoder and "
          "train_seq2seq: make sure their tests pass. The accuracy is measured with "
          "{measured_by}.").format(measured_by=_(measured_by)))


@case("ch07", judge=judge_attention_training)
def attention_training(impl, rng, train_steps=400):
    model = impl.init_seq2seq(rng, 12, 16, 32, attention_size=32)
    impl.train_seq2seq(impl.attention_seq2seq_loss, model,
                       reversal_batches(train_steps, 64, 1, 8, rng), lr=0.01, clip=5.0)
    out = {f"model.{k}": v for k, v in flatten_params(model).items()}
    out["eval_seed"] = int(rng.integers(2 ** 31))
    out["accuracy"] = _held_out_accuracy(impl, model, out["eval_seed"], ATTENTION_LENGTHS,
                                         attention=True)
    return out


# ------------------------------------------------------------------ gradient checks

def _gc_encoder_backward(impl, rng, N=3, Tx=4, V=5, D=3, H=4):
    src = _tokens_with_repeats(rng, N, Tx, V)
    all_params = _params(rng, V, D, H)
    inputs = {name: all_params[name] for name in _ENCODER_GRADS}
    _h, cache = impl.encoder_forward(src, inputs)
    return grad_check("encoder_backward",
                      lambda **p: impl.encoder_forward(src, p)[0], inputs,
                      lambda dh_enc: impl.encoder_backward(dh_enc, cache))


def _gc_decoder_backward(impl, rng, N=3, Ty=4, V=5, D=3, H=4):
    tgt_in = _tokens_with_repeats(rng, N, Ty, V)
    all_params = _params(rng, V, D, H)
    inputs = {"h_init": rng.standard_normal((N, H)),
              **{name: all_params[name] for name in _DECODER_GRADS}}
    h_init = inputs["h_init"]
    _s, cache = impl.decoder_forward(tgt_in, h_init, {k: inputs[k] for k in _DECODER_GRADS})

    def analytic(dscores):
        dh_init, grads = impl.decoder_backward(dscores, cache)
        return {"h_init": dh_init, **grads}

    return grad_check("decoder_backward",
                      lambda h_init, **p: impl.decoder_forward(tgt_in, h_init, p)[0],
                      inputs, analytic)


def _gc_additive_attention_backward(impl, rng, N=3, Tx=4, Hq=5, Hk=6, A=2):
    inputs = {"query": rng.standard_normal((N, Hq)), "keys": rng.standard_normal((N, Tx, Hk)),
              "Wq": rng.standard_normal((Hq, A)), "Wk": rng.standard_normal((Hk, A)),
              "v": 2.0 * rng.standard_normal(A)}
    _c, _w, cache = impl.additive_attention_forward(**inputs)
    return grad_check(
        "additive_attention_backward",
        lambda **x: impl.additive_attention_forward(**x)[0], inputs,
        lambda dcontext: dict(zip(("query", "keys", "Wq", "Wk", "v"),
                                  impl.additive_attention_backward(dcontext, cache))))


_GRADIENT_CHECKS = {
    "encoder_backward": _gc_encoder_backward,
    "decoder_backward": _gc_decoder_backward,
    "additive_attention_backward": _gc_additive_attention_backward,
}


# The notebook imports gradcheck from here; the one implementation is in grading.py.
from rnnkit.grading import gradcheck  # noqa: E402,F401


# Conceptual questions (rnnkit.questions): their keys are in the solution notebook only.
multiple_choice("ch07", "length_norm", "abcd",
                hint=N_("Reread chapter 7, *Decoding: greedy search and beam search*, the "
                        "paragraph on length normalisation: compute both hypotheses' "
                        "ranking scores for each alpha, with |y| counting </s>."))
count("ch07", "attention_scores",
        hint=N_("Reread chapter 7, *Training: teacher forcing* (how many steps the "
                "decoder runs for this target) and *Additive attention* (how many source "
                "positions each of its steps scores)."))
