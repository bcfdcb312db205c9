"""Cases for chapter 6: stacked and bidirectional recurrent layers behind one cell
interface, reversal of padded sequences, B/I tags for word segmentation, a character
tagger trained on the course's segmentation corpus, and the word-level precision,
recall and F1 of a segmentation.

The layers are tested with the notebook's own cells (``impl.CELLS``, e.g. the vanilla
cell wrapping chapters 1 and 2) and with ``MOCK``, a leaky recurrent cell that exists
only here: its parameters have other names and its cache is a dict, so a layer that
bypasses ``cell.forward`` / ``cell.backward`` fails. ``gradcheck`` compares a learner's
backward pass with centred finite differences of the learner's forward pass. The
``tagger_training`` case trains both taggers with the learner's code and measures them
with the learner's ``evaluate_tagger``; the self-check judges those numbers. At grading
time the judge in ``autograder/judges/ch06.py`` scores the recorded parameters again
with the course's reference evaluation instead, so a graded verdict never rests on
numbers the learner's code computed.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Callable, Mapping

import numpy as np

from rnnkit.cases import case, flatten_params
from rnnkit.checks import (RIGHT_NEW_LINE, CheckFailure, check_array, check_each,
                           grad_check)
from rnnkit.i18n import _, N_
from rnnkit.questions import count, multiple_choice

# ------------------------------------------------------------------ a test-only cell

MockCell = namedtuple("MockCell", ["name", "init", "forward", "backward"])
_LEAK = 0.5


def _mock_init(D, H, rng):
    return {"U": rng.standard_normal((D, H)) / np.sqrt(D),   # (D, H)
            "R": rng.standard_normal((H, H)) / np.sqrt(H),   # (H, H)
            "c": np.zeros(H)}                                # (H,)


def _mock_forward(x, h0, params):
    """Leaky tanh layer: h_t = (1 - a) h_{t-1} + a tanh(x_t U + h_{t-1} R + c)."""
    N, T, _D = x.shape
    U, R, c = params["U"], params["R"], params["c"]
    h = np.empty((N, T, h0.shape[1]))
    g = np.empty_like(h)
    xu = x @ U + c  # (N, T, H)
    prev = h0
    for t in range(T):
        g[:, t] = np.tanh(xu[:, t] + prev @ R)
        prev = (1 - _LEAK) * prev + _LEAK * g[:, t]
        h[:, t] = prev
    return h, {"x": x, "h0": h0, "U": U, "R": R, "h": h, "g": g}


def _mock_backward(dh, cache):
    x, h0, U, R, h, g = (cache[k] for k in ("x", "h0", "U", "R", "h", "g"))
    N, T, H = h.shape
    da = np.empty_like(h)
    dR = np.zeros_like(R)
    dnext = np.zeros((N, H))
    for t in reversed(range(T)):
        prev = h[:, t - 1] if t > 0 else h0
        total = dh[:, t] + dnext
        da[:, t] = total * _LEAK * (1 - g[:, t] ** 2)
        dR += prev.T @ da[:, t]
        dnext = (1 - _LEAK) * total + da[:, t] @ R.T
    dx = da @ U.T
    dU = x.reshape(N * T, -1).T @ da.reshape(N * T, H)
    return dx, dnext, {"U": dU, "R": dR, "c": da.sum(axis=(0, 1))}


MOCK = MockCell("mock", _mock_init, _mock_forward, _mock_backward)


def _cell(impl, name: str):
    if name == "mock":
        return MOCK
    cells = impl.CELLS
    if name not in cells:
        raise CheckFailure(_("CELLS has no {name!r} cell; run the cell that defines CELLS."
                             ).format(name=name))
    return cells[name]


# ------------------------------------------------------------------ inputs

def _params(rng, cell, D: int, H: int) -> dict:
    """Random parameters with the keys and shapes of the cell's, biases non-zero."""
    like = cell.init(D, H, np.random.default_rng(0))
    return {k: 0.5 * rng.standard_normal(np.shape(v)) for k, v in like.items()}


def _mask(rng, N: int, T: int) -> np.ndarray:
    """Padding mask with different lengths: row 0 full, the last row of length 1."""
    lengths = rng.integers(1, T + 1, size=N)
    lengths[0] = T
    if N > 1:
        lengths[-1] = 1
    if N > 2 and T > 2:
        lengths[1] = rng.integers(2, T)   # a row that is neither full nor of length 1
    return np.arange(T)[None, :] < lengths[:, None]  # (N, T)


def _flat_grads(function: str, what: str, got, like: Mapping[str, object]) -> dict:
    """Name every array of a returned dict of gradients: what['key'] -> array."""
    if not isinstance(got, Mapping):
        raise CheckFailure(_("{function}: {what} should be a dict with the keys {keys}, got "
                             "{kind}.").format(function=function, what=what,
                                               keys=sorted(like), kind=type(got).__name__))
    missing = sorted(set(like) - set(got))
    if missing:
        raise CheckFailure(_("{function}: {what} has no entry for {missing} (it has {keys}); "
                             "it needs the keys of the parameter dict.").format(
                                 function=function, what=what, missing=missing,
                                 keys=sorted(got)))
    return {f"{what}[{k!r}]": got[k] for k in like}


def _list_of(function: str, what: str, got, n: int) -> list:
    if not isinstance(got, (list, tuple)) or len(got) != n:
        size = len(got) if isinstance(got, (list, tuple)) else type(got).__name__
        raise CheckFailure(_("{function}: {what} should be a list of {n} entries (one per "
                             "layer or direction), got {size}.").format(
                                 function=function, what=what, n=n, size=size))
    return list(got)


def _pattern_judge(function: str, axes: Callable[[str], tuple | None],
                   pattern: Callable[[list, list, dict, dict], str],
                   rtol: float = 1e-6, atol: float = 1e-9):
    """A judge that compares every output (names starting with _ are context, not
    compared), then adds a hint read from which outputs are wrong and which are right."""
    def judge(got: dict, expected: dict) -> None:
        def check_one(name: str, exp) -> None:
            check_array(function, name, got.get(name), exp, rtol=rtol, atol=atol,
                        axes=axes(name))

        def advice(wrong: list[str], right: list[str]) -> list[str]:
            hint = pattern(wrong, right, got, expected)
            return [_("Hint: {hint}").format(hint=_(hint))] if hint else []

        compared = {name: exp for name, exp in expected.items() if not name.startswith("_")}
        check_each(compared, check_one, right=RIGHT_NEW_LINE, advice=advice)
    return judge


def _close(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-9))


# ------------------------------------------------------------------ stacked layers

def _stack_inputs(impl, rng, N, T, D, H, cell):
    c = _cell(impl, cell)
    x = rng.standard_normal((N, T, D))
    h0s = [rng.standard_normal((N, size)) for size in H]
    sizes = (D,) + tuple(H)
    layer_params = [_params(rng, c, sizes[l], sizes[l + 1]) for l in range(len(H))]
    return c, x, h0s, layer_params


@case("ch06", axes={"h": ("N", "T", "H")},
      hint=N_("Layer 0 reads x and layer l > 0 reads the states of layer l-1; each layer "
              "starts from its own h0s[l] with its own layer_params[l], through "
              "cell.forward; return the states of the top (last) layer."))
def stacked_forward(impl, rng, N=2, T=4, D=3, H=(5, 4), cell="vanilla"):
    c, x, h0s, layer_params = _stack_inputs(impl, rng, N, T, D, H, cell)
    h, _cache = impl.stacked_forward(x, h0s, layer_params, c)
    return {"h": h}


def _stack_pattern(wrong, right, got, expected) -> str:
    layers = sorted({int(n.split("[")[1].split("]")[0]) for n in expected
                     if n.startswith(("dh0s[", "dlayer_params["))})
    top = layers[-1]
    bad = sorted({int(n.split("[")[1].split("]")[0]) for n in wrong if n != "dx"})
    if bad and top not in bad:
        return _("the top layer's gradients are right but layer(s) {bad} below are not: "
                 "the upstream gradient of layer l is the dx returned by the backward pass "
                 "of layer l+1 (pass the gradients down the stack, from the top layer to "
                 "layer 0).").format(bad=bad)
    if wrong == ["dx"]:
        return _("dx is the input gradient returned by the bottom layer (layer 0).")
    if all(n.startswith("dh0s[") for n in wrong):
        return (_("dh0s[l] is the dh0 returned by layer l's cell.backward; keep the list in "
                  "bottom-to-top order, like h0s."))
    return (_("walk the layers from the top down: cell.backward(upstream, cache of layer l) "
              "returns (dx, dh0, dparams) of layer l, and its dx is the upstream gradient "
              "of layer l-1. Return dh0s and dlayer_params in bottom-to-top order."))


def _stack_axes(name):
    if name == "dx":
        return ("N", "T", "D")
    if name.startswith("dh0s"):
        return ("N", "H")
    return None


@case("ch06", judge=_pattern_judge("stacked_backward", _stack_axes, _stack_pattern))
def stacked_backward(impl, rng, N=2, T=4, D=3, H=(5, 4), cell="vanilla"):
    c, x, h0s, layer_params = _stack_inputs(impl, rng, N, T, D, H, cell)
    _h, cache = impl.stacked_forward(x, h0s, layer_params, c)  # its own cache format
    dh = rng.standard_normal((N, T, H[-1]))
    dx, dh0s, dlayer_params = impl.stacked_backward(dh, cache)
    L = len(H)
    out = {"dx": dx}
    for l, g in enumerate(_list_of("stacked_backward", "dh0s", dh0s, L)):
        out[f"dh0s[{l}]"] = g
    for l, g in enumerate(_list_of("stacked_backward", "dlayer_params", dlayer_params, L)):
        out.update(_flat_grads("stacked_backward", f"dlayer_params[{l}]", g,
                               layer_params[l]))
    return out


# ------------------------------------------------------------------ reversal

def _reverse_pattern(wrong, right, got, expected) -> str:
    if "x after the call" in wrong:
        return (_("reverse_padded changed its input x: build a new array (fancy indexing "
                  "does) instead of writing into x."))
    x, mask = np.asarray(got["_x"]), np.asarray(got["_mask"])
    x_rev = np.asarray(got.get("x_rev"))
    if x_rev.shape == x.shape and _close(x_rev, x[:, ::-1]):
        return (_("that is x[:, ::-1], which reverses the padding into the front of the "
                  "shorter rows. Reverse each row within its own length T_n = mask[n].sum()."))
    exp = np.asarray(expected["x_rev"])
    if x_rev.shape == exp.shape:
        real = np.isclose(x_rev, exp).reshape(*mask.shape, -1).all(axis=-1)
        if real[mask].all():
            return (_("the real steps are right; the padded steps t >= T_n must keep "
                      "their values x[n, t]."))
    return (_("x_rev[n, t] = x[n, T_n - 1 - t] for t < T_n (so x_rev[n, 0] is the last "
              "real step x[n, T_n - 1]), where T_n = mask[n].sum()."))


@case("ch06", judge=_pattern_judge(
    "reverse_padded", lambda name: ("N", "T", "D"),
    _reverse_pattern))
def reverse_padded(impl, rng, N=4, T=5, D=2):
    mask = _mask(rng, N, T)
    x = rng.standard_normal((N, T, D) if D else (N, T))
    given = x.copy()
    x_rev = impl.reverse_padded(given, mask.copy())
    return {"x_rev": x_rev, "x after the call": given, "_x": x, "_mask": mask}


# ------------------------------------------------------------------ bidirectional

def _bidir_inputs(impl, rng, N, T, D, H, cell):
    c = _cell(impl, cell)
    mask = _mask(rng, N, T)
    x = rng.standard_normal((N, T, D))
    h0s = [rng.standard_normal((N, H)) for _ in range(2)]
    params = [_params(rng, c, D, H) for _ in range(2)]
    return c, mask, x, h0s, params


def _bidir_forward_pattern(wrong, right, got, expected) -> str:
    out, exp, mask = np.asarray(got.get("out")), expected["out"], np.asarray(got["_mask"])
    if out.shape != exp.shape:
        return _("out has 2H columns: the forward states, then the backward states.")
    H = exp.shape[-1] // 2
    if _close(out[..., :H], exp[..., H:]) and _close(out[..., H:], exp[..., :H]):
        return _("the two halves are swapped: concatenate [forward; backward] in that order.")
    good = np.isclose(out, exp)
    fwd_ok = good[..., :H].all(axis=-1)
    bwd_ok = good[..., H:].all(axis=-1)
    if not fwd_ok[mask].all():
        return (_("out[..., :H] is the forward direction: cell.forward(x, h0s[0], params[0]) "
                  "on x as it is."))
    if bwd_ok[mask].all():
        return _("the real steps are right; the output at padded steps must be zeros.")
    full = mask.all(axis=1)
    if full.any() and bwd_ok[full].all():
        return (_("the rows of full length are right but the shorter ones are not: the "
                  "padding was reversed into the front. Reverse with reverse_padded(x, mask) "
                  "(each row within its own length), not x[:, ::-1]."))
    return (_("the backward direction is cell.forward(reverse_padded(x, mask), h0s[1], "
              "params[1]); reverse its states back with reverse_padded before "
              "concatenating, so that column block H:2H at step t belongs to step t."))


@case("ch06", judge=_pattern_judge(
    "bidirectional_forward", lambda name: ("N", "T", "2H") if name == "out" else None,
    _bidir_forward_pattern))
def bidirectional_forward(impl, rng, N=3, T=5, D=3, H=4, cell="vanilla"):
    c, mask, x, h0s, params = _bidir_inputs(impl, rng, N, T, D, H, cell)
    out, _cache = impl.bidirectional_forward(x, mask, h0s, params, c)
    return {"out": out, "_mask": mask}


def _bidir_backward_pattern(wrong, right, got, expected) -> str:
    fwd = [n for n in wrong if n.startswith(("dh0s[0]", "dparams[0]"))]
    bwd = [n for n in wrong if n.startswith(("dh0s[1]", "dparams[1]"))]
    if not fwd and not bwd:
        return (_("only dx is wrong: it is the forward direction's dx plus the backward "
                  "direction's dx reversed back to the original order with reverse_padded."))
    if not fwd:
        return (_("the forward direction is right, the backward one is not: reverse "
                  "dout[..., H:] with reverse_padded before its cell.backward (its cache is "
                  "for the reversed sequence), each row within its own length."))
    if fwd and bwd and any(_close(got.get(n.replace("[0]", "[1]", 1)), expected[n])
                           for n in fwd if n.replace("[0]", "[1]", 1) in got):
        return (_("the two directions' gradients are swapped: dh0s and dparams are "
                  "[forward, backward], and dout[..., :H] belongs to the forward direction."))
    return (_("zero dout at the padded steps first (multiply by the mask: those outputs were "
              "set to zero), then split it at H: dout[..., :H] goes to the forward "
              "direction's cell.backward as it is."))


def _bidir_axes(name):
    if name == "dx":
        return ("N", "T", "D")
    if name.startswith("dh0s"):
        return ("N", "H")
    return None


@case("ch06", judge=_pattern_judge("bidirectional_backward", _bidir_axes,
                                   _bidir_backward_pattern))
def bidirectional_backward(impl, rng, N=3, T=5, D=3, H=4, cell="vanilla"):
    c, mask, x, h0s, params = _bidir_inputs(impl, rng, N, T, D, H, cell)
    _out, cache = impl.bidirectional_forward(x, mask, h0s, params, c)
    dout = rng.standard_normal((N, T, 2 * H))   # padded steps too: they must be ignored
    dx, dh0s, dparams = impl.bidirectional_backward(dout, cache)
    out = {"dx": dx}
    for d, g in enumerate(_list_of("bidirectional_backward", "dh0s", dh0s, 2)):
        out[f"dh0s[{d}]"] = g
    for d, g in enumerate(_list_of("bidirectional_backward", "dparams", dparams, 2)):
        out.update(_flat_grads("bidirectional_backward", f"dparams[{d}]", g, params[d]))
    return out


# ------------------------------------------------------------------ B/I tags

_CHARS = "今天我来上课大学生活研究命花长白鹅和平时一样nlprs"


def _encode_words(words) -> np.ndarray:
    """Words as one integer array (code points, -1 between words): fixtures hold no text."""
    codes = []
    for i, word in enumerate(words):
        codes += ([-1] if i else []) + [ord(char) for char in word]
    return np.array(codes, dtype=np.int64)


def _decode_words(codes) -> list[str]:
    text = "".join(" " if c < 0 else chr(c) for c in np.asarray(codes).tolist())
    return text.split(" ") if text else []


def _judge_bi_tags(got: dict, expected: dict) -> None:
    words = _decode_words(expected["_words"])
    tags, want = got.get("tags"), np.asarray(expected["tags"])
    if isinstance(tags, np.ndarray) and tags.ndim == 1 and tags.shape != want.shape:
        raise CheckFailure(_(
            "bi_tags: {n} tags for the {chars} characters of {words}; return one tag per "
            "character (not per word).").format(n=tags.shape[0], chars=want.shape[0],
                                                words=words))
    check_array("bi_tags", "tags", tags, want, axes=(N_("character"),),
                hint=_("For the words {words} the tags are {tags}: B (0) for the first "
                       "character of each word and I (1) for each of its others.").format(
                           words=words, tags=want.tolist()))


@case("ch06", judge=_judge_bi_tags)
def bi_tags(impl, rng, W=6, max_len=4):
    lengths = rng.integers(1, max_len + 1, size=W)
    lengths[0] = max(1, min(max_len, 2))
    words = ["".join(rng.choice(list(_CHARS), size=n)) for n in lengths]
    return {"tags": impl.bi_tags(list(words)), "_words": _encode_words(words)}


def _recorded_words(codes) -> list[str]:
    """The words the case encoded; anything else (which only a tampered recording can
    hold) is the learner's failure, said plainly, never a crash of the judge."""
    array = np.asarray(codes) if isinstance(codes, (np.ndarray, list, tuple)) else None
    if (array is None or array.ndim != 1 or not np.issubdtype(array.dtype, np.integer)
            or (array.size and (array.min() < -1 or array.max() >= 0x110000))):
        raise CheckFailure(_("segment: the recorded words are not the code points the "
                             "check encodes them as; return a list of strings and leave the "
                             "check's own recording alone."))
    return _decode_words(array)


def _judge_segment(got: dict, expected: dict) -> None:
    words, want = _recorded_words(got["words"]), _decode_words(expected["words"])
    chars = "".join(want)
    tags = np.asarray(expected["_tags"]).tolist()
    if words == want:
        return
    problem = ""
    if "".join(words) != chars:
        problem = _(" They do not join back into the input: every character must end up "
                    "in exactly one word, in order.")
    elif "" in words:
        problem = _(" There is an empty word: start a word only at a character.")
    raise CheckFailure(
        _("segment({chars!r}, tags={tags}) returned {words}, expected {want}.").format(
            chars=chars, tags=tags, words=words, want=want) + problem + " "
        + _("A word starts at every character tagged B (0), and at character 0 even if it "
            "is tagged I (1); every I joins the word before it."))


@case("ch06", judge=_judge_segment)
def segment(impl, rng, C=9, first="B"):
    chars = "".join(rng.choice(list(_CHARS), size=C))
    tags = (rng.random(C) < 0.45).astype(np.int64)   # I (1) about 45% of the time
    tags[0] = 0 if first == "B" else 1
    if C > 2:
        tags[-1] = 1                                  # the last word has two characters
    words = impl.segment(chars, tags.copy())
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise CheckFailure(_("segment should return a list of strings, got {kind}: "
                             "{words!r:.80}").format(kind=type(words).__name__, words=words))
    return {"words": _encode_words(words), "_tags": tags}


# ------------------------------------------------------------------ word-level scores

def _random_sentences(rng, S: int, W: int, alphabet: int, min_words: int = 1) -> list:
    """S sentences of 1..W words (min_words..W) of one to three characters drawn from
    the first ``alphabet`` characters of _CHARS: a small alphabet repeats words, so the
    same string turns up at other places of a sentence."""
    chars = list(_CHARS[:alphabet])
    return [["".join(rng.choice(chars, size=n)) for n in
             rng.integers(1, 4, size=rng.integers(min_words, max(W, min_words) + 1))]
            for _ in range(S)]


def _moved_boundaries(rng, words: list, flip: float) -> list:
    """The sentence's characters segmented again with some word starts added or removed
    (each tag but the first flips with probability ``flip``)."""
    text = "".join(words)
    starts = np.zeros(len(text), dtype=bool)
    starts[np.cumsum([0] + [len(w) for w in words[:-1]])] = True
    starts[1:] ^= rng.random(len(text) - 1) < flip
    cuts = np.flatnonzero(starts).tolist() + [len(text)]
    return [text[a:b] for a, b in zip(cuts[:-1], cuts[1:])]


def _prf_pattern(wrong, right, got, expected) -> str:
    return (_("number the characters of each sentence from 0 and give every word its span "
              "(start, end); a predicted word is correct when a gold word of the same "
              "sentence has the same span. Sum the correct, predicted and gold words over "
              "all sentences, then P = correct / predicted, R = correct / gold, F1 = 2PR / "
              "(P + R), and 0 where a denominator is 0."))


@case("ch06", judge=_pattern_judge("segmentation_prf", lambda name: None, _prf_pattern))
def segmentation_prf(impl, rng, S=6, W=6, alphabet=4, flip=0.3, mode="moved"):
    """mode: "moved" (some boundaries moved), "exact" (the gold segmentation itself) or
    "one_word" (every sentence one word, against gold sentences of two or more words:
    nothing is correct)."""
    gold = _random_sentences(rng, S, W, alphabet, min_words=2 if mode == "one_word" else 1)
    if mode == "moved":
        predicted = [_moved_boundaries(rng, words, flip) for words in gold]
    elif mode == "exact":
        predicted = [list(words) for words in gold]
    else:
        predicted = [["".join(words)] for words in gold]
    result = impl.segmentation_prf([list(w) for w in predicted], [list(w) for w in gold])
    if not isinstance(result, (tuple, list)) or len(result) != 3:
        raise CheckFailure(_("segmentation_prf should return a tuple (precision, recall, "
                             "f1), got {kind}: {result!r:.80}").format(
                                 kind=type(result).__name__, result=result))
    return dict(zip(("precision", "recall", "F1"), result))


# ------------------------------------------------------------------ the tagger

def _tagger_inputs(impl, rng, N, T, V, D, H, K, bidirectional, cell):
    c = _cell(impl, cell)
    params = {"E": rng.standard_normal((V, D)), "fwd": _params(rng, c, D, H)}
    if bidirectional:
        params["bwd"] = _params(rng, c, D, H)
    params["Wy"] = rng.standard_normal(((2 if bidirectional else 1) * H, K))
    params["by"] = rng.standard_normal(K)
    chars = rng.integers(0, V, size=(N, T))
    chars[0, 0] = V - 1
    if N * T > 1:
        chars.flat[-1] = chars.flat[0]          # a repeated character
    mask = _mask(rng, N, T)
    tags = rng.integers(0, K, size=(N, T))
    return c, params, chars, mask, tags


@case("ch06", axes={"scores at the real steps": (N_("real step"), "K")},
      hint=N_("Embed the characters (embedding_forward with params['E']), run your "
              "bidirectional_forward (if params has 'bwd') or your stacked_forward with one "
              "layer, both from zero states of size H = rows of Wy (halved if bidirectional), "
              "then temporal_affine_forward with Wy and by."))
def tagger_forward(impl, rng, N=3, T=5, V=7, D=3, H=4, K=2, bidirectional=True,
                   cell="vanilla"):
    c, params, chars, mask, _tags = _tagger_inputs(impl, rng, N, T, V, D, H, K,
                                                   bidirectional, cell)
    scores, _cache = impl.tagger_forward(params, chars, mask, c)
    scores = np.asarray(scores)
    if scores.shape != (N, T, K):
        raise CheckFailure(_("tagger_forward: scores has shape {shape}, expected "
                             "{expected}.").format(shape=scores.shape, expected=(N, T, K)))
    return {"scores at the real steps": scores[mask]}


def _tagger_loss_pattern(wrong, right, got, expected) -> str:
    if "loss" in wrong:
        return (_("the loss is temporal_softmax_loss(scores, tags, mask) of the scores from "
                  "your tagger_forward."))
    if wrong == ["dE"]:
        return (_("dE is embedding_backward(dx, cache) with the dx of the recurrent layer's "
                  "backward pass; repeated characters must add up (np.add.at), not overwrite."))
    if set(wrong) <= {"dWy", "dby"}:
        return _("dWy and dby come from temporal_affine_backward(dscores, cache).")
    return (_("run the backward pass through the stages in reverse: "
              "temporal_affine_backward, then bidirectional_backward (or stacked_backward), "
              "then embedding_backward with the dx that the recurrent layer returned."))


@case("ch06", judge=_pattern_judge("tagger_loss", lambda name: None, _tagger_loss_pattern))
def tagger_loss(impl, rng, N=3, T=5, V=7, D=3, H=4, K=2, bidirectional=True,
                cell="vanilla"):
    c, params, chars, mask, tags = _tagger_inputs(impl, rng, N, T, V, D, H, K,
                                                  bidirectional, cell)
    loss, grads = impl.tagger_loss(params, chars, tags, mask, c)
    out = {"loss": loss}
    if not isinstance(grads, Mapping):
        raise CheckFailure(_("tagger_loss: grads should be a dict like params, got "
                             "{kind}.").format(kind=type(grads).__name__))
    for key, value in params.items():
        if isinstance(value, dict):
            flat = _flat_grads("tagger_loss", f"grads[{key!r}]", grads.get(key), value)
            out.update({f"d{key}[{k!r}]": g for k, g in zip(value, flat.values())})
        else:
            out[f"d{key}"] = grads.get(key)
    return out


def _training_report(results: dict) -> str:
    return _("held-out tag accuracy {uni:.1%} (unidirectional) and {bi:.1%} "
             "(bidirectional); the bidirectional tagger segments {exact:.1%} of the "
             "held-out sentences exactly").format(uni=float(results['uni accuracy']),
                                                  bi=float(results['bi accuracy']),
                                                  exact=float(results['bi exact']))


SCORES = ("uni accuracy", "uni exact", "bi accuracy", "bi exact")


def training_verdict(scores: Mapping[str, object],
                     reference: Callable[[], Mapping[str, object]],
                     measured_by: str) -> None:
    """Raise CheckFailure unless the held-out ``scores`` of the trained taggers clear the
    bar; ``reference()`` gives the reference's scores, quoted (and computed) only when
    they do not.

    The visible check passes the scores that the learner's own ``evaluate_tagger``
    measured in ``tagger_training``; the grader (``autograder/judges/ch06.py``) scores
    the recorded parameters again itself and passes those instead."""
    uni, bi = float(scores["uni accuracy"]), float(scores["bi accuracy"])
    problems = []
    if bi < 0.98:
        problems.append(_("the bidirectional tagger tags fewer than 98% of the held-out "
                          "characters right"))
    if float(scores["bi exact"]) < 0.90:
        problems.append(_("it segments fewer than 90% of the held-out sentences exactly"))
    if not bi >= uni + 0.005:
        problems.append(_("it does not beat the unidirectional tagger by at least half a "
                          "point of accuracy"))
    if uni < 0.90:
        problems.append(_("the unidirectional tagger tags fewer than 90% right, so "
                          "training itself is not working"))
    if problems:
        raise CheckFailure(_(
            "tagger training: {problems}. (Yours: {yours}, {measured_by}. The reference: "
            "{reference}.) If the loss and gradient checks above pass, look at bi_tags and "
            "segment (they make the training data and read the segmentation back) and at "
            "how the masks are used.").format(
                problems=_("; ").join(problems), yours=_training_report(scores),
                measured_by=_(measured_by), reference=_training_report(reference())))


def _judge_training(got: dict, expected: dict) -> dict:
    # The self-check reads the scores the learner's evaluate_tagger measured in the run
    # (expected holds the reference's, measured the same way); the grader's judge
    # rescores the recorded parameters with the reference instead.
    for name in SCORES:
        if name not in got:
            raise CheckFailure(_("tagger training: the case did not measure {name!r}."
                                 ).format(name=name))
    training_verdict(got, lambda: expected, N_("measured by evaluate_tagger with your "
                                               "tagger_forward, bi_tags and segment"))
    return got


@case("ch06", judge=_judge_training, summary=_training_report)
def tagger_training(impl, rng, epochs=8):
    """Train a unidirectional and a bidirectional tagger with the learner's code and
    return the trained parameters, with their held-out scores measured by the learner's
    code (the self-check reads those; the grader rescores the parameters itself)."""
    from rnnkit.data import word_segmentation
    train, test = word_segmentation("train"), word_segmentation("test")
    seed = int(rng.integers(1000))   # the training run's seed (initialisation, shuffling)
    out = {}
    for name, bidirectional in (("uni", False), ("bi", True)):
        params, _vocab, _losses = impl.train_tagger(train, impl.VANILLA, bidirectional,
                                                    epochs=epochs, seed=seed)
        if not isinstance(params, Mapping):
            raise CheckFailure(_("tagger training: train_tagger returned parameters of "
                                 "type {kind}, not the dict init_tagger makes.").format(
                                     kind=type(params).__name__))
        out.update({f"{name} params.{k}": v for k, v in flatten_params(params).items()})
        accuracy, exact = impl.evaluate_tagger(params, test, impl.char_vocabulary(train),
                                               impl.VANILLA)
        out[f"{name} accuracy"], out[f"{name} exact"] = float(accuracy), float(exact)
    return out


# ------------------------------------------------------------------ gradient checks

def _gc_stacked_backward(impl, rng, N=2, T=3, D=3, H=(4, 3), cell="vanilla"):
    c, x, h0s, layer_params = _stack_inputs(impl, rng, N, T, D, H, cell)
    L = len(H)
    inputs = {"x": x, **{f"h0s[{l}]": h0s[l] for l in range(L)}}
    keys = [(l, k) for l in range(L) for k in layer_params[l]]
    inputs.update({f"layer_params[{l}][{k!r}]": layer_params[l][k] for l, k in keys})

    def forward(**a):
        return impl.stacked_forward(
            a["x"], [a[f"h0s[{l}]"] for l in range(L)],
            [{k: a[f"layer_params[{l}][{k!r}]"] for k in layer_params[l]}
             for l in range(L)], c)[0]

    def analytic(dh):
        _h, cache = impl.stacked_forward(x, h0s, layer_params, c)
        dx, dh0s, dlayer = impl.stacked_backward(dh, cache)
        dh0s = _list_of("stacked_backward", "dh0s", dh0s, L)
        dlayer = _list_of("stacked_backward", "dlayer_params", dlayer, L)
        grads = {"x": dx, **{f"h0s[{l}]": dh0s[l] for l in range(L)}}
        for l in range(L):
            flat = _flat_grads("stacked_backward", f"layer_params[{l}]", dlayer[l],
                               layer_params[l])
            grads.update(flat)
        return grads

    return grad_check("stacked_backward", forward, inputs, analytic, max_coords=12,
                      tol=1e-5)


def _gc_bidirectional_backward(impl, rng, N=3, T=4, D=3, H=4, cell="vanilla"):
    c, mask, x, h0s, params = _bidir_inputs(impl, rng, N, T, D, H, cell)
    inputs = {"x": x, "h0s[0]": h0s[0], "h0s[1]": h0s[1]}
    inputs.update({f"params[{d}][{k!r}]": params[d][k] for d in range(2) for k in params[d]})

    def forward(**a):
        return impl.bidirectional_forward(
            a["x"], mask, [a["h0s[0]"], a["h0s[1]"]],
            [{k: a[f"params[{d}][{k!r}]"] for k in params[d]} for d in range(2)], c)[0]

    def analytic(dout):
        _out, cache = impl.bidirectional_forward(x, mask, h0s, params, c)
        dx, dh0s, dparams = impl.bidirectional_backward(dout, cache)
        dh0s = _list_of("bidirectional_backward", "dh0s", dh0s, 2)
        dparams = _list_of("bidirectional_backward", "dparams", dparams, 2)
        grads = {"x": dx, "h0s[0]": dh0s[0], "h0s[1]": dh0s[1]}
        for d in range(2):
            grads.update(_flat_grads("bidirectional_backward", f"params[{d}]", dparams[d],
                                     params[d]))
        return grads

    return grad_check("bidirectional_backward", forward, inputs, analytic, max_coords=12,
                      tol=1e-5)


def _gc_tagger_loss(impl, rng, N=3, T=4, V=6, D=3, H=3, K=2, bidirectional=True,
                    cell="vanilla"):
    c, params, chars, mask, tags = _tagger_inputs(impl, rng, N, T, V, D, H, K,
                                                  bidirectional, cell)
    names = {}
    for key, value in params.items():
        if isinstance(value, dict):
            names.update({f"{key}[{k!r}]": (key, k) for k in value})
        else:
            names[key] = (key, None)
    inputs = {n: (params[a][b] if b is not None else params[a]) for n, (a, b) in
              names.items()}

    def rebuild(a):
        p = {}
        for n, (key, k) in names.items():
            if k is None:
                p[key] = a[n]
            else:
                p.setdefault(key, {})[k] = a[n]
        return p

    def forward(**a):
        return float(impl.tagger_loss(rebuild(a), chars, tags, mask, c)[0])

    def analytic(dloss):
        _loss, grads = impl.tagger_loss(params, chars, tags, mask, c)
        if not isinstance(grads, Mapping):
            raise CheckFailure(_("tagger_loss: grads should be a dict like params."))
        out = {}
        for n, (key, k) in names.items():
            g = grads.get(key)
            if k is not None:
                g = _flat_grads("tagger_loss", f"grads[{key!r}]", g, params[key])[
                    f"grads[{key!r}][{k!r}]"]
            out[n] = None if g is None else dloss * np.asarray(g)
        return out

    return grad_check("tagger_loss", forward, inputs, analytic, max_coords=10,
                      tol=1e-5)


_GRADIENT_CHECKS = {
    "stacked_backward": _gc_stacked_backward,
    "bidirectional_backward": _gc_bidirectional_backward,
    "tagger_loss": _gc_tagger_loss,
}


# The notebook imports gradcheck from here; the one implementation is in grading.py.
from rnnkit.grading import gradcheck  # noqa: E402,F401


# Conceptual questions (rnnkit.questions): their keys are in the solution notebook only.
count("ch06", "bistack_params",
        hint=N_("Reread chapter 6, *Bidirectional RNNs*: which weights each direction has "
                "of its own, and how wide the input of a layer stacked on a bidirectional "
                "layer is."))
multiple_choice("ch06", "final_states", "abcd",
                hint=N_("Reread chapter 6, *Bidirectional RNNs* and *Many-to-one: encoding "
                        "a sentence for classification*: which inputs each direction's "
                        "state at step t has read, and where a padded row's real steps "
                        "end."))
