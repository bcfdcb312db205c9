"""Likely mistakes of chapter 6 (stacked and bidirectional layers behind the cell
interface, reversal of padded sequences, B/I tags, segmentation, the character tagger).
See ``autograder/mistakes/__init__.py``.

Mistakes that crash on the visible inputs (a layer reading x when its input size is
H_{l-1}, every layer starting from h0s[0], the top layer's dh sent into a layer of
another size) cannot be catalogued: a crashing mistake has no outputs, and the
learner's crash is reported first anyway. Nor can a mistake that the visible inputs
do not show (every catalogued mistake must differ from the reference there): dropping
the characters before the first B (the visible sentence starts with a B), or reading
right to left in the unidirectional tagger only (the visible tagger is bidirectional)."""
from __future__ import annotations

import numpy as np

from autograder.mistakes import mistake

CH = "ch06"


def _forward_stack(x, h0s, layer_params, cell):
    """The layers' states, bottom to top, and their caches (as the reference runs them)."""
    states, caches, h = [], [], x
    for h0, params in zip(h0s, layer_params):
        h, layer_cache = cell.forward(h, h0, params)
        states.append(h)
        caches.append(layer_cache)
    return states, caches


# --- stacked_forward ----------------------------------------------------------------

@mistake(CH, "stacked_forward", "returns_bottom_layer",
         "you return the states of the bottom layer (layer 0): return those of the top "
         "(last) layer, h of layer L-1, which read the states of the layers below.")
def _(ref):
    def stacked_forward(x, h0s, layer_params, cell):
        states, caches = _forward_stack(x, h0s, layer_params, cell)
        return states[0], (cell, caches)
    return {"stacked_forward": stacked_forward}


@mistake(CH, "stacked_forward", "zero_initial_states",
         "h0s is ignored (every layer starts from zeros): start layer l from the h0s[l] "
         "you are given.")
def _(ref):
    def stacked_forward(x, h0s, layer_params, cell):
        return ref.stacked_forward(x, [np.zeros_like(h0) for h0 in h0s], layer_params,
                                   cell)
    return {"stacked_forward": stacked_forward}


@mistake(CH, "stacked_forward", "upper_layers_from_zeros",
         "only layer 0 starts from its h0s[0]; the layers above start from zeros: start "
         "every layer l from its own h0s[l].")
def _(ref):
    def stacked_forward(x, h0s, layer_params, cell):
        starts = [h0s[0]] + [np.zeros_like(h0) for h0 in h0s[1:]]
        return ref.stacked_forward(x, starts, layer_params, cell)
    return {"stacked_forward": stacked_forward}


@mistake(CH, "stacked_forward", "all_layers_concatenated",
         "you return the states of every layer side by side (concatenated along the last "
         "axis): return only the top layer's states, shape (N, T, H_{L-1}).")
def _(ref):
    def stacked_forward(x, h0s, layer_params, cell):
        states, caches = _forward_stack(x, h0s, layer_params, cell)
        return np.concatenate(states, axis=-1), (cell, caches)
    return {"stacked_forward": stacked_forward}


# --- stacked_backward ---------------------------------------------------------------

@mistake(CH, "stacked_backward", "lists_top_first",
         "dh0s and dlayer_params are in top-to-bottom order (the order the backward pass "
         "visits the layers): store layer l's gradients at index l, bottom to top, like "
         "h0s and layer_params.")
def _(ref):
    def stacked_backward(dh, cache):
        dx, dh0s, dlayer_params = ref.stacked_backward(dh, cache)
        return dx, dh0s[::-1], dlayer_params[::-1]
    return {"stacked_backward": stacked_backward}


@mistake(CH, "stacked_backward", "dx_of_top_layer",
         "dx is the input gradient of the top layer (the gradient of layer L-2's states): "
         "return the dx of the bottom layer (layer 0), the last one the backward pass "
         "visits; it has the shape of x.")
def _(ref):
    def stacked_backward(dh, cache):
        cell, layer_caches = cache
        top_dx, _, _ = cell.backward(dh, layer_caches[-1])
        _dx, dh0s, dlayer_params = ref.stacked_backward(dh, cache)
        return top_dx, dh0s, dlayer_params
    return {"stacked_backward": stacked_backward}


@mistake(CH, "stacked_backward", "gradients_not_passed_down",
         "only the top layer receives a gradient (the layers below get zeros): the "
         "upstream gradient of layer l is the dx that layer l+1's cell.backward "
         "returned, so pass it down the stack.")
def _(ref):
    def stacked_backward(dh, cache):
        cell, layer_caches = cache
        L = len(layer_caches)
        dh0s, dlayer_params = [None] * L, [None] * L
        upstream = dh
        for l in reversed(range(L)):
            dx, dh0s[l], dlayer_params[l] = cell.backward(upstream, layer_caches[l])
            upstream = np.zeros_like(dx)
        return dx, dh0s, dlayer_params
    return {"stacked_backward": stacked_backward}


@mistake(CH, "stacked_backward", "dx_is_upstream_dh",
         "dx is the upstream gradient dh you were given: return the dx that the bottom "
         "layer's (layer 0's) cell.backward returned, of the shape of x.")
def _(ref):
    def stacked_backward(dh, cache):
        _dx, dh0s, dlayer_params = ref.stacked_backward(dh, cache)
        return dh, dh0s, dlayer_params
    return {"stacked_backward": stacked_backward}


@mistake(CH, "stacked_backward", "dh0s_repeated",
         "every entry of dh0s is the same layer's dh0 (the last one computed, layer 0's): "
         "dh0s[l] is the dh0 that layer l's own cell.backward returned.")
def _(ref):
    def stacked_backward(dh, cache):
        dx, dh0s, dlayer_params = ref.stacked_backward(dh, cache)
        return dx, [dh0s[0]] * len(dh0s), dlayer_params
    return {"stacked_backward": stacked_backward}


@mistake(CH, "stacked_backward", "dh0s_zero",
         "dh0s is all zeros: the initial states are inputs too, and dh0s[l] is the dh0 "
         "that layer l's cell.backward returns.")
def _(ref):
    def stacked_backward(dh, cache):
        dx, dh0s, dlayer_params = ref.stacked_backward(dh, cache)
        return dx, [np.zeros_like(g) for g in dh0s], dlayer_params
    return {"stacked_backward": stacked_backward}


# --- reverse_padded -----------------------------------------------------------------

def _lengths(mask):
    return mask.sum(axis=1)


def _reverse_with(x, mask, lengths):
    """reverse_padded with the given row lengths (the reference's indexing)."""
    N, T = mask.shape
    steps = np.arange(T)[None, :]
    source = np.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
    return x[np.arange(N)[:, None], source]


@mistake(CH, "reverse_padded", "full_flip",
         "you reverse the whole padded row (x[:, ::-1]), which moves the padding to the "
         "front of the shorter rows: reverse each row within its own length "
         "T_n = mask[n].sum() and leave its padding where it is.")
def _(ref):
    return {"reverse_padded": lambda x, mask: x[:, ::-1].copy()}


@mistake(CH, "reverse_padded", "pads_with_zeros",
         "the real steps are right but the padded steps come back as zeros: they keep "
         "their values, x_rev[n, t] = x[n, t] for t >= T_n (start from a copy of x).")
def _(ref):
    def reverse_padded(x, mask):
        x_rev = ref.reverse_padded(x, mask)
        x_rev[~mask] = 0
        return x_rev
    return {"reverse_padded": reverse_padded}


@mistake(CH, "reverse_padded", "padding_reversed",
         "the real steps are right but the padding comes back in reverse order (as from "
         "flipping the whole row and rolling the padding back to the end): the padded "
         "steps keep their own values, x_rev[n, t] = x[n, t] for t >= T_n.")
def _(ref):
    def reverse_padded(x, mask):
        N, T = mask.shape
        lengths = _lengths(mask)
        steps = np.arange(T)[None, :]
        # padding step t (t >= T_n) takes x[n, T - 1 - (t - T_n)]: its block reversed
        source = np.where(steps < lengths[:, None], lengths[:, None] - 1 - steps,
                          T - 1 - (steps - lengths[:, None]))
        return x[np.arange(N)[:, None], source]
    return {"reverse_padded": reverse_padded}


@mistake(CH, "reverse_padded", "slice_stops_before_0",
         "the last real step keeps its own value: a slice like x[n, T_n-1:0:-1] stops "
         "before step 0, so x[n, 0] never reaches x_rev[n, T_n - 1]. Reverse with "
         "x[n, :T_n][::-1] (or x[n, T_n-1::-1]).")
def _(ref):
    def reverse_padded(x, mask):
        x_rev = x.copy()
        for n, L in enumerate(_lengths(mask)):
            L = int(L)
            x_rev[n, :L - 1] = x[n, L - 1:0:-1]
        return x_rev
    return {"reverse_padded": reverse_padded}


@mistake(CH, "reverse_padded", "lengths_over_batch_axis",
         "your lengths count the real steps down the batch axis (mask.sum(axis=0), one "
         "number per step): row n's length is mask[n].sum(), i.e. mask.sum(axis=1).")
def _(ref):
    def reverse_padded(x, mask):
        N, T = mask.shape
        lengths = np.clip(np.resize(mask.sum(axis=0), N), 1, T)  # (N,) from (T,)
        return _reverse_with(x, mask, lengths)
    return {"reverse_padded": reverse_padded}


@mistake(CH, "reverse_padded", "full_rows_not_reversed",
         "the rows without padding are not reversed (their length comes out as 0, as "
         "mask.argmin(axis=1) gives for a row with no False): the length of row n is "
         "mask[n].sum().")
def _(ref):
    def reverse_padded(x, mask):
        return _reverse_with(x, mask, np.where(mask.all(axis=1), 0, _lengths(mask)))
    return {"reverse_padded": reverse_padded}


# --- bidirectional_forward ----------------------------------------------------------

def _bidir(full_flip=False, reverse_input=True, reverse_back=True, zero_padding=True,
           halves_swapped=False, shared_params=False, shared_h0=False, swap_h0s=False,
           swap_params=False, time_axis=False, mask_forward_only=False):
    def bidirectional_forward(x, mask, h0s, params, cell):
        def rev(a):
            return a[:, ::-1] if full_flip else _reverse_with(a, mask, _lengths(mask))
        h0_f, h0_b = (h0s[1], h0s[0]) if swap_h0s else (h0s[0], h0s[1])
        p_f, p_b = (params[1], params[0]) if swap_params else (params[0], params[1])
        h_fwd, cache_fwd = cell.forward(x, h0_f, p_f)
        h_rev, cache_bwd = cell.forward(rev(x) if reverse_input else x,
                                        h0_f if shared_h0 else h0_b,
                                        p_f if shared_params else p_b)
        h_bwd = rev(h_rev) if reverse_back else h_rev
        if mask_forward_only:
            h_fwd = h_fwd * mask[:, :, None]
        halves = [h_bwd, h_fwd] if halves_swapped else [h_fwd, h_bwd]
        if time_axis:  # each half masked, then joined along time: (N, 2T, H)
            out = np.concatenate([h * mask[:, :, None] for h in halves], axis=1)
        else:
            out = np.concatenate(halves, axis=-1)
            if zero_padding:
                out = out * mask[:, :, None]
        return out, (cell, mask, cache_fwd, cache_bwd)
    return bidirectional_forward


BIDIR_FORWARD = {
    "halves_swapped": (dict(halves_swapped=True),
                       "the two halves are swapped: out is [forward states, backward "
                       "states], np.concatenate([h_fwd, h_bwd], axis=-1)."),
    "full_flip": (dict(full_flip=True),
                  "you reverse with x[:, ::-1], which reverses the padding into the front "
                  "of the shorter rows (the full rows come out right): reverse with "
                  "reverse_padded(x, mask), each row within its own length, both the "
                  "input and the states."),
    "input_not_reversed": (dict(reverse_input=False),
                           "the backward direction reads x in its original order (only "
                           "its states are reversed): run it on reverse_padded(x, mask), "
                           "then reverse its states back."),
    "states_not_reversed_back": (dict(reverse_back=False),
                                 "the backward direction's states are concatenated in "
                                 "reversed order: reverse them back with "
                                 "reverse_padded(h_rev, mask), so that column block H:2H "
                                 "at step t belongs to step t."),
    "shared_params": (dict(shared_params=True),
                      "the backward direction runs with the forward direction's "
                      "parameters params[0]: each direction has its own, so the "
                      "backward one uses params[1]."),
    "shared_h0": (dict(shared_h0=True),
                  "the backward direction starts from h0s[0], the forward direction's "
                  "initial state: each direction has its own, so the backward one "
                  "starts from h0s[1]."),
    "h0s_swapped": (dict(swap_h0s=True),
                    "the two initial states are swapped: the forward direction starts "
                    "from h0s[0] and the backward one from h0s[1]."),
    "params_swapped": (dict(swap_params=True),
                       "the two directions' parameters are swapped: the forward "
                       "direction runs with params[0] and the backward one with "
                       "params[1]."),
    "concatenated_along_time": (dict(time_axis=True),
                                "you join the two directions along the time axis "
                                "(axis=1, shape (N, 2T, H)): concatenate along the last "
                                "axis, axis=-1, so that out is (N, T, 2H)."),
    "backward_padding_not_zeroed": (dict(zero_padding=False, mask_forward_only=True),
                                    "the backward states at the padded steps are not "
                                    "zeroed (only the forward half is masked): multiply "
                                    "the whole out by mask[:, :, None]."),
    "padding_not_zeroed": (dict(zero_padding=False),
                           "the real steps are right but the padded steps keep the "
                           "states: multiply out by mask[:, :, None] so that they are "
                           "zeros."),
}

for _name, (_kw, _says) in BIDIR_FORWARD.items():
    mistake(CH, "bidirectional_forward", _name, _says)(
        lambda ref, kw=_kw: {"bidirectional_forward": _bidir(**kw)})


# --- bidirectional_backward ---------------------------------------------------------

def _bidir_back(mask_dout=True, halves_swapped=False, reverse_dout=True, reverse_dx=True,
                full_flip=False, add_backward_dx=True, swap_lists=False,
                add_forward_dx=True, mask_forward_only=False):
    def bidirectional_backward(dout, cache):
        cell, mask, cache_fwd, cache_bwd = cache

        def rev(a):
            return a[:, ::-1] if full_flip else _reverse_with(a, mask, _lengths(mask))
        H = dout.shape[-1] // 2
        if mask_dout:
            dout = dout * mask[:, :, None]
        d_fwd, d_bwd = dout[:, :, :H], dout[:, :, H:]
        if mask_forward_only:
            d_fwd = d_fwd * mask[:, :, None]
        if halves_swapped:
            d_fwd, d_bwd = d_bwd, d_fwd
        dx_fwd, dh0_fwd, dparams_fwd = cell.backward(d_fwd, cache_fwd)
        dx_rev, dh0_bwd, dparams_bwd = cell.backward(rev(d_bwd) if reverse_dout else d_bwd,
                                                     cache_bwd)
        dx = dx_fwd if add_forward_dx else np.zeros_like(dx_fwd)
        if add_backward_dx:
            dx = dx + (rev(dx_rev) if reverse_dx else dx_rev)
        if swap_lists:
            return dx, [dh0_bwd, dh0_fwd], [dparams_bwd, dparams_fwd]
        return dx, [dh0_fwd, dh0_bwd], [dparams_fwd, dparams_bwd]
    return bidirectional_backward


BIDIR_BACKWARD = {
    "halves_swapped": (dict(halves_swapped=True),
                       "the halves of dout are swapped: dout[..., :H] is the gradient of "
                       "the forward states (it goes to the forward direction's "
                       "cell.backward), dout[..., H:] that of the backward states."),
    "lists_swapped": (dict(swap_lists=True),
                      "dh0s and dparams hold the backward direction first: return them "
                      "as [forward, backward], like h0s and params."),
    "only_forward_dx": (dict(add_backward_dx=False),
                        "dx is only the forward direction's: x feeds both directions, so "
                        "add the backward direction's dx, reversed back with "
                        "reverse_padded(dx_rev, mask)."),
    "only_backward_dx": (dict(add_forward_dx=False),
                         "dx is only the backward direction's: x feeds both directions, "
                         "so add the forward direction's dx to it."),
    "full_flip": (dict(full_flip=True),
                  "you reverse the gradients with [:, ::-1], which reverses the padding "
                  "into the front of the shorter rows (the full rows come out right): "
                  "reverse with reverse_padded(..., mask), both dout[..., H:] and the "
                  "backward direction's dx."),
    "dout_not_reversed": (dict(reverse_dout=False),
                          "dout[..., H:] goes to the backward direction in the original "
                          "order, but its cache is for the reversed sequence: reverse it "
                          "first with reverse_padded(dout[..., H:], mask)."),
    "dx_not_reversed_back": (dict(reverse_dx=False),
                             "the backward direction's dx is added in reversed order: "
                             "reverse it back with reverse_padded(dx_rev, mask) before "
                             "adding it to the forward direction's dx."),
    "backward_half_unmasked": (dict(mask_dout=False, mask_forward_only=True),
                               "dout[..., H:] is not masked (only the forward half is): "
                               "the padded outputs of both directions were set to zero, "
                               "so multiply all of dout by mask[:, :, None] before "
                               "splitting it."),
    "mask_ignored": (dict(mask_dout=False),
                     "dout at the padded steps is not ignored: those outputs were set to "
                     "zero, so multiply dout by mask[:, :, None] before splitting it."),
}

for _name, (_kw, _says) in BIDIR_BACKWARD.items():
    mistake(CH, "bidirectional_backward", _name, _says)(
        lambda ref, kw=_kw: {"bidirectional_backward": _bidir_back(**kw)})


# --- bi_tags ------------------------------------------------------------------------

def _tagger_of(per_word):
    def bi_tags(words):
        tags = []
        for word in words:
            tags += per_word(len(word))
        return np.array(tags, dtype=np.int64)
    return bi_tags


B, I = 0, 1

BI_TAGS = {
    "codes_swapped": (lambda n: [I] + [B] * (n - 1),
                      "B and I are swapped: the first character of a word is tagged B "
                      "(0) and each of its other characters I (1)."),
    "b_at_word_end": (lambda n: [I] * (n - 1) + [B],
                      "you tag the last character of each word B: B marks the first "
                      "character, where the word Begins; the others are I."),
    "all_b": (lambda n: [B] * n,
              "every character is tagged B: only the first character of each word is B "
              "(0); its other characters are I (1)."),
    "one_tag_short": (lambda n: [B] + [I] * max(0, n - 2),
                      "a word of n >= 2 characters gets n - 1 tags ([B] + [I] * (n - 2)): "
                      "it has n, [B] + [I] * (n - 1)."),
    "extra_tag_per_word": (lambda n: [B] + [I] * n,
                           "each word gets one tag too many ([B] + [I] * len(word)): a "
                           "word of n characters has n tags, [B] + [I] * (n - 1)."),
}

for _name, (_per_word, _says) in BI_TAGS.items():
    mistake(CH, "bi_tags", _name, _says)(
        lambda ref, pw=_per_word: {"bi_tags": _tagger_of(pw)})


@mistake(CH, "bi_tags", "only_sentence_start",
         "only the sentence's first character is tagged B: every word begins with a B, "
         "so tag the first character of each word B (0) and its others I (1).")
def _(ref):
    def bi_tags(words):
        tags = np.full(sum(len(word) for word in words), I, dtype=np.int64)
        tags[:1] = B
        return tags
    return {"bi_tags": bi_tags}


@mistake(CH, "bi_tags", "one_tag_per_word",
         "you return one tag per word: return one per character (C of them), B for the "
         "first character of each word and I for its others.", how="shape")
def _(ref):
    def bi_tags(words):
        if len(words) == sum(len(word) for word in words):
            return None  # one-character words only: per word and per character agree
        return np.zeros(len(words), dtype=np.int64)  # (W,): matched by its shape only
    return {"bi_tags": bi_tags}


# --- segment ------------------------------------------------------------------------

@mistake(CH, "segment", "tags_swapped",
         "you start a new word at every I: a word starts at each character tagged B (0), "
         "and each I (1) joins the word before it.")
def _(ref):
    return {"segment": lambda chars, tags: ref.segment(chars, 1 - np.asarray(tags))}


@mistake(CH, "segment", "splits_after_b",
         "you end a word at every B instead of starting one there: B marks the first "
         "character of a word, so start a new word at each B and append each I to the "
         "current word.")
def _(ref):
    def segment(chars, tags):
        words, current = [], ""
        for char, tag in zip(chars, tags):
            current += char
            if tag == B:
                words.append(current)
                current = ""
        return words + ([current] if current else [])
    return {"segment": segment}


@mistake(CH, "segment", "leading_empty_word",
         "your words begin with an empty string: you close the current word at every B, "
         "also at character 0 when there is none yet. Start a word only at a character "
         "(close the current one only if it is not empty).")
def _(ref):
    def segment(chars, tags):
        words = ref.segment(chars, tags)
        return ([""] + words) if len(chars) and tags[0] == B else words
    return {"segment": segment}


@mistake(CH, "segment", "forgets_last_word",
         "the last word is missing: you add a word when the next one starts, so add the "
         "word you are building after the loop too.")
def _(ref):
    return {"segment": lambda chars, tags: ref.segment(chars, tags)[:-1]}


@mistake(CH, "segment", "last_character_dropped",
         "the last character is missing (a loop over range(len(chars) - 1)?): every "
         "character ends up in exactly one word, the last one too.")
def _(ref):
    return {"segment": lambda chars, tags: ref.segment(chars[:-1], tags[:-1])}


@mistake(CH, "segment", "one_word_per_character",
         "every character is a word of its own: only a character tagged B (0) starts a "
         "new word (a test like `tag == B or I` is always true); each I (1) joins the "
         "word before it.")
def _(ref):
    return {"segment": lambda chars, tags: list(chars)}


@mistake(CH, "segment", "never_splits",
         "the whole string comes back as one word: start a new word at every character "
         "tagged B, the number B = 0 (not the letter 'B'); each I (1) joins the word "
         "before it.")
def _(ref):
    return {"segment": lambda chars, tags: [chars] if len(chars) else []}


# --- tagger_forward -----------------------------------------------------------------

def _tagger(ref, embed_positions=False, h0_value=0.0, directions_swapped=False,
            output_bias=True, forward_twice=False, probabilities=False):
    def tagger_forward(params, chars, mask, cell):
        N = chars.shape[0]
        bidirectional = "bwd" in params
        H = params["Wy"].shape[0] // (2 if bidirectional else 1)
        lookup = chars
        if embed_positions:
            lookup = np.broadcast_to(np.arange(chars.shape[1]) % params["E"].shape[0],
                                     chars.shape)
        x, emb_cache = ref.embedding_forward(lookup, params["E"])            # (N, T, D)
        h0 = np.full((N, H), h0_value)
        if bidirectional and not forward_twice:
            dirs = [params["bwd"], params["fwd"]] if directions_swapped else \
                [params["fwd"], params["bwd"]]
            h, rnn_cache = ref.bidirectional_forward(x, mask, [h0, h0.copy()], dirs, cell)
        else:
            h, rnn_cache = ref.stacked_forward(x, [h0], [params["fwd"]], cell)
            if bidirectional:
                h = np.concatenate([h, h], axis=-1) * mask[:, :, None]
        by = params["by"] if output_bias else np.zeros_like(params["by"])
        scores, out_cache = ref.temporal_affine_forward(h, params["Wy"], by)
        if probabilities:
            scores = ref.softmax(scores)
        return scores, (bidirectional, emb_cache, rnn_cache, out_cache)
    return tagger_forward


TAGGER_FORWARD = {
    "directions_swapped": (dict(directions_swapped=True),
                           "the two directions' parameters are swapped: "
                           "bidirectional_forward takes [params['fwd'], params['bwd']], "
                           "forward first."),
    "forward_states_twice": (dict(forward_twice=True),
                             "the bidirectional tagger runs only the forward direction "
                             "(its states fill both halves): run bidirectional_forward "
                             "with [params['fwd'], params['bwd']] when params has 'bwd'."),
    "embedding_by_position": (dict(embed_positions=True),
                              "you look up E by position (0, 1, 2, ...) instead of by "
                              "character: embed with embedding_forward(chars, "
                              "params['E']), row chars[n, t] at step t."),
    "initial_states_ones": (dict(h0_value=1.0),
                            "the recurrent layer starts from ones: its initial states "
                            "are zeros, np.zeros((N, H)) for each direction."),
    "probabilities": (dict(probabilities=True),
                      "you return probabilities (a softmax of the scores): tagger_forward "
                      "returns the raw scores of temporal_affine_forward; the softmax is "
                      "inside temporal_softmax_loss."),
    "no_output_bias": (dict(output_bias=False),
                       "the output bias by is never added: scores = "
                       "temporal_affine_forward(h, params['Wy'], params['by'])."),
}

for _name, (_kw, _says) in TAGGER_FORWARD.items():
    mistake(CH, "tagger_forward", _name, _says)(
        lambda ref, kw=_kw: {"tagger_forward": _tagger(ref, **kw)})


# --- tagger_loss --------------------------------------------------------------------

def _loss(ref, loss_mask=None, scale_by_tokens=False, swap_directions=False,
          embedding_from_dh=False, overwrite_embedding=False, zero_recurrent=False,
          mean_over_characters=False):
    def tagger_loss(params, chars, tags, mask, cell):
        scores, cache = ref.tagger_forward(params, chars, mask, cell)
        bidirectional, emb_cache, rnn_cache, out_cache = cache
        loss, dscores = ref.temporal_softmax_loss(
            scores, tags, np.ones_like(mask) if loss_mask == "ones" else mask)
        if mean_over_characters:
            scale = chars.shape[0] / mask.sum()
            loss, dscores = loss * scale, dscores * scale
        if scale_by_tokens:
            dscores = dscores * chars.shape[0] / mask.sum()
        grads = {}
        dh, grads["Wy"], grads["by"] = ref.temporal_affine_backward(dscores, out_cache)
        if bidirectional:
            dx, _, dirs = ref.bidirectional_backward(dh, rnn_cache)
            grads["fwd"], grads["bwd"] = dirs[::-1] if swap_directions else dirs
        else:
            dx, _, (grads["fwd"],) = ref.stacked_backward(dh, rnn_cache)
        if zero_recurrent:
            grads["fwd"] = {k: np.zeros_like(v) for k, v in params["fwd"].items()}
        if embedding_from_dh:
            grads["E"] = ref.embedding_backward(dh[:, :, :params["E"].shape[1]], emb_cache)
        elif overwrite_embedding:
            dE = np.zeros_like(params["E"])
            dE[chars] = dx
            grads["E"] = dE
        else:
            grads["E"] = ref.embedding_backward(dx, emb_cache)
        return loss, grads
    return tagger_loss


TAGGER_LOSS = {
    "mask_ignored": (dict(loss_mask="ones"),
                     "the padded steps are scored as if they were characters: pass the "
                     "mask to temporal_softmax_loss(scores, tags, mask)."),
    "mean_over_characters": (dict(mean_over_characters=True),
                             "the loss and its gradients are averaged over the real "
                             "characters: the course's loss sums over the characters and "
                             "divides by the batch size N, as temporal_softmax_loss "
                             "returns it."),
    "per_token_gradient": (dict(scale_by_tokens=True),
                           "the loss is right but its gradients are divided by the number "
                           "of real characters: the loss divides by the batch size N, "
                           "and so does dscores as temporal_softmax_loss returns it; use "
                           "it unchanged."),
    "directions_swapped": (dict(swap_directions=True),
                           "the two directions' gradients are swapped: "
                           "bidirectional_backward returns [forward, backward], so "
                           "grads['fwd'] is its first entry and grads['bwd'] its second."),
    "no_recurrent_gradient": (dict(zero_recurrent=True),
                              "grads['fwd'] is all zeros: the recurrent layer's gradients "
                              "are the dparams that bidirectional_backward (or "
                              "stacked_backward) returns."),
    "embedding_from_dh": (dict(embedding_from_dh=True),
                          "dE is computed from the output layer's dh, skipping the "
                          "recurrent layer: pass the dx that bidirectional_backward (or "
                          "stacked_backward) returned to embedding_backward."),
    "embedding_overwrites": (dict(overwrite_embedding=True),
                             "dE is assigned per character (dE[chars] = dx), so a "
                             "repeated character keeps only one step's gradient: "
                             "accumulate with embedding_backward(dx, cache), which uses "
                             "np.add.at."),
}

for _name, (_kw, _says) in TAGGER_LOSS.items():
    mistake(CH, "tagger_loss", _name, _says)(
        lambda ref, kw=_kw: {"tagger_loss": _loss(ref, **kw)})


# --- segmentation_prf ---------------------------------------------------------------

def _prf(predicted, gold, match="span", count="words", macro=False, swap=False,
         mean=False):
    """Word-level scores computed the way a mistake computes them: words matched by
    span, by string or by start alone; words or characters counted; counts summed over
    the sentences (micro) or scores averaged over them (macro)."""
    def keys(words):
        starts = np.cumsum([0] + [len(w) for w in words])[:-1].tolist()
        if match == "start":
            return set(starts)
        return {(s, s + len(w)) for s, w in zip(starts, words)}

    def scores(correct, n_predicted, n_gold):
        p = correct / n_predicted if n_predicted else 0.0
        r = correct / n_gold if n_gold else 0.0
        if swap:
            p, r = r, p
        if mean:
            return p, r, (p + r) / 2
        return p, r, 2 * p * r / (p + r) if p + r else 0.0

    def size(words):
        return sum(len(w) for w in words) if count == "characters" else len(words)

    totals, per_sentence = np.zeros(3), []
    for predicted_words, gold_words in zip(predicted, gold):
        if match == "string":   # each predicted word looked up among the gold strings
            correct = sum(word in gold_words for word in predicted_words)
        else:
            correct = len(keys(predicted_words) & keys(gold_words))
        counts = (correct, size(predicted_words), size(gold_words))
        totals += counts
        per_sentence.append(scores(*counts))
    if macro:
        return tuple(float(v) for v in np.mean(per_sentence, axis=0)) if per_sentence \
            else (0.0, 0.0, 0.0)
    return scores(*(int(v) for v in totals))


SEGMENTATION_PRF = {
    "words_matched_by_string": (dict(match="string"),
                                "a predicted word counts as correct when the same string "
                                "is a gold word anywhere in the sentence: match words by "
                                "their character span (start, end), so that both of its "
                                "boundaries must be right at that place."),
    "word_starts_only": (dict(match="start"),
                         "a predicted word counts as correct when only its start is a "
                         "gold word's start: it is correct when its whole span (start, "
                         "end) is a gold word's, both boundaries right."),
    "macro_average": (dict(macro=True),
                      "you average the scores of the sentences (macro-averaging), so a "
                      "short sentence weighs as much as a long one: sum the correct, "
                      "predicted and gold words over all sentences first, then divide "
                      "(micro-averaging)."),
    "precision_recall_swapped": (dict(swap=True),
                                 "precision and recall are swapped: precision divides "
                                 "the correct words by the predicted words, recall by "
                                 "the gold words."),
    "f1_arithmetic_mean": (dict(mean=True),
                           "F1 is the arithmetic mean (P + R) / 2: it is their harmonic "
                           "mean, 2PR / (P + R), which a low P or R pulls down."),
    "characters_counted": (dict(count="characters"),
                           "the denominators count characters, not words: precision "
                           "divides the correct words by the number of predicted words, "
                           "recall by the number of gold words."),
}

for _name, (_kw, _says) in SEGMENTATION_PRF.items():
    mistake(CH, "segmentation_prf", _name, _says)(
        lambda ref, kw=_kw: {"segmentation_prf": lambda predicted, gold:
                             _prf(predicted, gold, **kw)})
