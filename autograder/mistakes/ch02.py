"""Likely mistakes of chapter 2 (the RNN's backward step and BPTT, embeddings, the
output layer and its loss over time, truncated-BPTT chunks, the character-level model,
its sampling and its training). See ``autograder/mistakes/__init__.py``.

The backward cases build their caches with chapter 1's (provided) forward pass, so a
mistake replaces only the backward function. ``rnn_backward`` calls the learner's own
``rnn_step_backward``: a wrong step shows in ``rnn_backward`` too, and is named there
(after the loop's own mistakes) with a pointer to the step.

The sampling case judges frequencies against distributions that it computes from the
namespace's ``rnn_forward``, ``rnn_step_forward`` and ``softmax``; a sampling mistake
therefore also replaces the one of those that makes the distributions its own (e.g.
"always greedy" replaces softmax by a one-hot argmax), so that its outputs describe
what the mistaken sampler draws from.
"""
from __future__ import annotations

import numpy as np

from autograder.mistakes import mistake, rebind

CH = "ch02"


# --- rnn_step_backward --------------------------------------------------------------

def _step_backward(local=lambda dnext_h, prev_h, next_h: dnext_h * (1.0 - next_h ** 2),
                   dprev=lambda da, Wh: da @ Wh.T,
                   dWh=lambda prev_h, next_h, da: prev_h.T @ da,
                   dWx=lambda x, da: x.T @ da,
                   db=lambda da: da.sum(axis=0), order=(0, 1, 2, 3, 4)):
    def rnn_step_backward(dnext_h, cache):
        x, prev_h, Wx, Wh, next_h = cache
        da = local(dnext_h, prev_h, next_h)
        grads = (da @ Wx.T, dprev(da, Wh), dWx(x, da), dWh(prev_h, next_h, da), db(da))
        return tuple(grads[i] for i in order)
    return rnn_step_backward


STEP_BACKWARD_MISTAKES = {
    "no_tanh_derivative": (
        dict(local=lambda dnext_h, prev_h, next_h: dnext_h),
        "the gradient skips the tanh: pass it back through tanh first, da = dnext_h * "
        "(1 - next_h**2), and use da for dx, dprev_h, dWx, dWh and db."),
    "tanh_of_output": (
        dict(local=lambda dnext_h, prev_h, next_h: dnext_h * (1.0 - np.tanh(next_h) ** 2)),
        "you apply tanh again to next_h, which is already tanh's output: the derivative "
        "is 1 - next_h**2, not 1 - tanh(next_h)**2."),
    "derivative_not_squared": (
        dict(local=lambda dnext_h, prev_h, next_h: dnext_h * (1.0 - next_h)),
        "the tanh derivative is 1 - next_h**2 (squared); you use 1 - next_h."),
    "sigmoid_derivative": (
        dict(local=lambda dnext_h, prev_h, next_h: dnext_h * next_h * (1.0 - next_h)),
        "you use the sigmoid's derivative h * (1 - h); tanh's is 1 - next_h**2."),
    "derivative_at_prev_h": (
        dict(local=lambda dnext_h, prev_h, next_h: dnext_h * (1.0 - prev_h ** 2)),
        "you take the tanh derivative at prev_h; take it at this step's output: "
        "da = dnext_h * (1 - next_h**2)."),
    "Wh_not_transposed": (
        dict(dprev=lambda da, Wh: da @ Wh),
        "dprev_h multiplies by Wh, not Wh transposed: prev_h was multiplied by Wh on the "
        "right, so dprev_h = da @ Wh.T."),
    "dWh_uses_next_h": (
        dict(dWh=lambda prev_h, next_h, da: next_h.T @ da),
        "dWh uses the step's output next_h; it should use the step's input prev_h, the "
        "state that Wh multiplied: dWh = prev_h.T @ da."),
    "dWh_transposed": (
        dict(dWh=lambda prev_h, next_h, da: da.T @ prev_h),
        "dWh is transposed (da.T @ prev_h): dWh = prev_h.T @ da, so that dWh[i, j] "
        "pairs prev_h's unit i with da's unit j, as Wh[i, j] does."),
    "dWx_transposed": (
        dict(dWx=lambda x, da: da.T @ x),
        "dWx is transposed, (H, D): dWx = x.T @ da has Wx's shape (D, H)."),
    "db_mean_over_batch": (
        dict(db=lambda da: da.mean(axis=0)),
        "db is averaged over the batch; sum it: db = da.sum(axis=0). Every row of the "
        "batch adds its own gradient."),
    "db_wrong_axis": (
        dict(db=lambda da: da.sum(axis=1)),
        "db sums over the hidden units (axis 1), giving shape (N,): sum over the batch "
        "axis, db = da.sum(axis=0), shape (H,)."),
    "dx_dprev_h_swapped": (
        dict(order=(1, 0, 2, 3, 4)),
        "dx and dprev_h are swapped: the order is dx, dprev_h, dWx, dWh, db."),
    "dWx_dWh_swapped": (
        dict(order=(0, 1, 3, 2, 4)),
        "dWx and dWh are swapped: the order is dx, dprev_h, dWx, dWh, db."),
}

for _name, (_kw, _says) in STEP_BACKWARD_MISTAKES.items():
    mistake(CH, "rnn_step_backward", _name, _says)(
        lambda ref, kw=_kw: {"rnn_step_backward": _step_backward(**kw)})


# --- rnn_backward -------------------------------------------------------------------

def _bptt(step_input=lambda dh, t, dprev_h: dh[:, t] + dprev_h,
          start=lambda dh: np.zeros_like(dh[:, 0]), order="backward",
          cache_index=lambda t, T: t, dx_index=lambda t, T: t,
          accumulate="sum", dh0="carry"):
    """BPTT with one thing changed; ``step`` is the (reference) step backward."""
    def rnn_backward(dh, cache, step=None):
        N, T, H = dh.shape
        D = cache[0][0].shape[1]
        dx = np.empty((N, T, D))
        dWx = dWh = db = 0.0
        dprev_h = start(dh)
        steps = reversed(range(T)) if order == "backward" else range(T)
        for t in steps:
            dx_t, dprev_h, dWx_t, dWh_t, db_t = step(step_input(dh, t, dprev_h),
                                                      cache[cache_index(t, T)])
            dx[:, dx_index(t, T)] = dx_t
            if accumulate == "sum":
                dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
            elif accumulate == "last_iteration":
                dWx, dWh, db = dWx_t, dWh_t, db_t
            elif accumulate == "first_iteration" and t == T - 1:
                dWx, dWh, db = dWx_t, dWh_t, db_t
            elif accumulate == "mean":
                dWx, dWh, db = dWx + dWx_t / T, dWh + dWh_t / T, db + db_t / T
        return dx, (np.zeros_like(dprev_h) if dh0 == "zeros" else dprev_h), dWx, dWh, db
    return rnn_backward


BPTT_MISTAKES = {
    "no_carry": (
        dict(step_input=lambda dh, t, dprev_h: dh[:, t]),
        "the gradient from step t+1 is not added: h[:, t] feeds both the output and the "
        "next step, so feed dh[:, t] + dprev_h (the dprev_h that step t+1's backward "
        "returned) into step t."),
    "only_last_upstream": (
        dict(step_input=lambda dh, t, dprev_h: dprev_h, start=lambda dh: dh[:, -1]),
        "only the last step's upstream gradient dh[:, -1] is fed in, as if the loss read "
        "only the final state: every step has its own, so feed dh[:, t] + dprev_h into "
        "step t."),
    "forward_time_order": (
        dict(order="forward"),
        "the loop runs t = 0, 1, ..., T-1: backpropagation through time runs backwards, "
        "for t in reversed(range(T)), so that step t+1's dprev_h is ready when step t "
        "needs it."),
    "cache_reversed": (
        dict(cache_index=lambda t, T: T - 1 - t),
        "step t uses cache[T-1-t]: the backward step of t needs its own forward values, "
        "cache[t]."),
    "dx_reversed": (
        dict(dx_index=lambda t, T: T - 1 - t),
        "dx is stored in reverse time order: the gradient computed at step t goes to "
        "dx[:, t], not dx[:, T-1-t]."),
    "dh0_zero": (
        dict(dh0="zeros"),
        "dh0 is zeros: return the dprev_h that the backward step of t = 0 gives (the "
        "gradient flowing into the initial state)."),
    "weights_overwritten": (
        dict(accumulate="last_iteration"),
        "dWx, dWh and db are overwritten at every step, so only step 0's are kept: the "
        "weights are shared by all steps, so add up the per-step gradients "
        "(dWx += dWx_t, ...)."),
    "weights_last_step_only": (
        dict(accumulate="first_iteration"),
        "dWx, dWh and db hold only the last step's (t = T-1) gradients: the weights are "
        "shared by all steps, so add up the per-step gradients (dWx += dWx_t, ...)."),
    "weights_mean_over_time": (
        dict(accumulate="mean"),
        "dWx, dWh and db are averaged over time; the weights are shared, so the loss's "
        "gradient is the sum of the per-step gradients (no division by T)."),
}

for _name, (_kw, _says) in BPTT_MISTAKES.items():
    mistake(CH, "rnn_backward", _name, _says)(
        lambda ref, kw=_kw: {"rnn_backward": lambda dh, cache, f=_bptt(**kw):
                             f(dh, cache, step=ref.rnn_step_backward)})

# (swapped dx / dprev_h cannot run through the loop: their shapes differ)
for _name, (_kw, _says) in STEP_BACKWARD_MISTAKES.items():
    if _name == "dx_dprev_h_swapped":
        continue
    mistake(CH, "rnn_backward", f"step_{_name}",
            f"rnn_step_backward is wrong, and rnn_backward repeats it at every step: "
            f"{_says} Fix rnn_step_backward first (its own self-check says so too).")(
        lambda ref, kw=_kw: {"rnn_backward": rebind(
            ref.rnn_backward, rnn_step_backward=_step_backward(**kw))})


# --- embedding_forward --------------------------------------------------------------

EMBED_FORWARD_MISTAKES = {
    "time_major": (
        lambda indices, W: W[indices.T],
        "you return the vectors time-major, (T, N, D); this course is batch-first: "
        "out[n, t] = W[indices[n, t]], shape (N, T, D), which is W[indices]."),
    "flattened": (
        lambda indices, W: W[indices.ravel()],
        "out is flattened to (N*T, D): keep the batch and time axes, out = W[indices], "
        "shape (N, T, D)."),
    "shifted_index": (
        lambda indices, W: W[indices - 1],
        "you look up row indices - 1, as if tokens were numbered from 1: token i's "
        "vector is row i itself, out = W[indices]."),
    "first_step_only": (
        lambda indices, W: np.repeat(W[indices[:, :1]], indices.shape[1], axis=1),
        "every step repeats the first token's vector: step t looks up indices[:, t], "
        "not indices[:, 0]."),
    "running_sum": (
        lambda indices, W: np.cumsum(W[indices], axis=1),
        "each step holds the sum of the vectors so far (a running bag of words); out[n, "
        "t] is the vector of its own token only, W[indices[n, t]]."),
}

for _name, (_fn, _says) in EMBED_FORWARD_MISTAKES.items():
    mistake(CH, "embedding_forward", _name, _says)(
        lambda ref, fn=_fn: {"embedding_forward": lambda indices, W: (fn(indices, W),
                                                                       (indices, W))})


# --- embedding_backward -------------------------------------------------------------

def _last_write_wins(indices, W, dout):
    dW = np.zeros_like(W)
    for (n, t), i in np.ndenumerate(indices):
        dW[i] = dout[n, t]
    return dW


def _averaged(indices, W, dout):
    dW = np.zeros_like(W)
    np.add.at(dW, indices, dout)
    return dW / np.maximum(np.bincount(indices.ravel(), minlength=W.shape[0]), 1)[:, None]


def _from_W(indices, W, dout):
    dW = W.copy()
    np.add.at(dW, indices, dout)
    return dW


def _indices_transposed(indices, W, dout):
    dW = np.zeros_like(W)
    np.add.at(dW, indices.T.reshape(indices.shape), dout)
    return dW


EMBED_BACKWARD_MISTAKES = {
    "repeats_overwrite": (
        _last_write_wins,
        "a token used more than once keeps only its last gradient: dW[indices] += dout "
        "(or dW[i] = dout[n, t] in a loop) overwrites repeats instead of adding them; "
        "accumulate with np.add.at(dW, indices, dout)."),
    "repeats_averaged": (
        _averaged,
        "the gradients of a repeated token are averaged; they add up: np.add.at(dW, "
        "indices, dout), with no division by the count."),
    "starts_from_W": (
        _from_W,
        "dW starts from a copy of W: it starts from zeros, dW = np.zeros_like(W), and "
        "gets only the gradients dout adds."),
    "indices_transposed": (
        _indices_transposed,
        "dout[n, t] is added to the wrong token: the indices are transposed (time-major) "
        "before being paired with dout; dout[n, t] belongs to token indices[n, t]."),
}

for _name, (_fn, _says) in EMBED_BACKWARD_MISTAKES.items():
    mistake(CH, "embedding_backward", _name, _says)(
        lambda ref, fn=_fn: {"embedding_backward": lambda dout, cache: fn(*cache, dout)})


# --- temporal_affine_backward -------------------------------------------------------

def _affine_backward(dh=None, dW=None, db=None):
    def temporal_affine_backward(dout, cache):
        h, W = cache
        N, T, H = h.shape
        V = W.shape[1]
        ref_dh = dout @ W.T
        ref_dW = h.reshape(N * T, H).T @ dout.reshape(N * T, V)
        ref_db = dout.sum(axis=(0, 1))
        return (dh(dout, h, W) if dh else ref_dh, dW(dout, h, W) if dW else ref_dW,
                db(dout) if db else ref_db)
    return temporal_affine_backward


def _flat(a):
    return a.reshape(-1, a.shape[-1])


AFFINE_MISTAKES = {
    "dh_W_reshaped": (
        dict(dh=lambda dout, h, W: (_flat(dout) @ W.reshape(W.shape[1], W.shape[0])
                                    ).reshape(h.shape)),
        "you reshape W to (V, H) instead of transposing it: a reshape keeps the order "
        "of the entries and scrambles them; dh = dout @ W.T."),
    "dW_reshaped_from_transpose": (
        dict(dW=lambda dout, h, W: (_flat(dout).T @ _flat(h)).reshape(W.shape)),
        "dout.T @ h has shape (V, H), and reshaping it to (H, V) scrambles it: dW = "
        "h.T @ dout, with h and dout flattened to (N*T, H) and (N*T, V)."),
    "dW_transposed": (
        dict(dW=lambda dout, h, W: _flat(dout).T @ _flat(h)),
        "dW is transposed, (V, H): dW = h.T @ dout (flattened over batch and time) has "
        "W's shape (H, V)."),
    "dW_last_step_only": (
        dict(dW=lambda dout, h, W: h[:, -1].T @ dout[:, -1]),
        "dW uses the last time step only: W is shared by every step, so sum over batch "
        "rows and time steps, h.reshape(N*T, H).T @ dout.reshape(N*T, V)."),
    "db_last_step_only": (
        dict(db=lambda dout: dout.sum(axis=0)[-1]),
        "db keeps only the last step's sum over the batch: sum dout over the batch and "
        "time axes, dout.sum(axis=(0, 1))."),
    "db_batch_only": (
        dict(db=lambda dout: dout.sum(axis=0)),
        "db sums over the batch only, giving (T, V): sum over the batch and time axes, "
        "dout.sum(axis=(0, 1)), shape (V,)."),
    "mean_over_time": (
        dict(dW=lambda dout, h, W: _flat(h).T @ _flat(dout) / h.shape[1],
             db=lambda dout: dout.sum(axis=(0, 1)) / dout.shape[1]),
        "dW and db are averaged over time: W and b are shared by every step, so their "
        "gradients are sums over the steps (no division by T)."),
}

for _name, (_kw, _says) in AFFINE_MISTAKES.items():
    mistake(CH, "temporal_affine_backward", _name, _says)(
        lambda ref, kw=_kw: {"temporal_affine_backward": _affine_backward(**kw)})


# --- temporal_softmax_loss ----------------------------------------------------------

def _probs_minus_one(ref, scores, targets):
    N, T, _ = scores.shape
    d = ref.softmax(scores)
    d[np.arange(N)[:, None], np.arange(T)[None, :], targets] -= 1.0
    return d


def _naive_probs(scores):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(scores)
        return e / e.sum(axis=-1, keepdims=True)


def _naive_dscores(scores, targets, mask):
    N, T, _ = scores.shape
    d = _naive_probs(scores)
    d[np.arange(N)[:, None], np.arange(T)[None, :], targets] -= 1.0
    with np.errstate(invalid="ignore"):
        return d * mask[:, :, None] / N


LOSS_MISTAKES = {
    "gradient_over_tokens": (
        lambda ref, s, y, m: (ref.sequence_cross_entropy(s, y, m),
                              _probs_minus_one(ref, s, y) * m[:, :, None] / m.sum()),
        "dscores is divided by the number of real tokens; the loss is divided by the "
        "batch size N, so its gradient is too: (softmax - one_hot) * mask / N."),
    "loss_over_tokens": (
        lambda ref, s, y, m: (ref.sequence_cross_entropy(s, y, m) * s.shape[0] / m.sum(),
                              _probs_minus_one(ref, s, y) * m[:, :, None] / s.shape[0]),
        "your loss is the mean over the real tokens; chapter 1's convention is the sum "
        "over time divided by the batch size N: sequence_cross_entropy(scores, targets, "
        "mask)."),
    "gradient_not_divided": (
        lambda ref, s, y, m: (ref.sequence_cross_entropy(s, y, m),
                              _probs_minus_one(ref, s, y) * m[:, :, None]),
        "dscores is not divided by N: the loss is averaged over the batch, so its "
        "gradient is (softmax - one_hot) * mask / N."),
    "mask_ignored_in_gradient": (
        lambda ref, s, y, m: (ref.sequence_cross_entropy(s, y, m),
                              _probs_minus_one(ref, s, y) / s.shape[0]),
        "padded steps still get a gradient: multiply dscores by mask[:, :, None] too, "
        "as the loss ignores those steps."),
    "mask_ignored": (
        lambda ref, s, y, m: (ref.sequence_cross_entropy(s, y, np.ones_like(m)),
                              _probs_minus_one(ref, s, y) / s.shape[0]),
        "padded steps are counted, in the loss and in dscores: apply the mask to both "
        "(the loss at padded steps is 0, and so is their gradient)."),
    "no_minus_one": (
        lambda ref, s, y, m: (ref.sequence_cross_entropy(s, y, m),
                              ref.softmax(s) * m[:, :, None] / s.shape[0]),
        "dscores is softmax(scores) alone: subtract 1 at each target, (softmax - "
        "one_hot(targets)) * mask / N."),
    "gradient_sign_flipped": (
        lambda ref, s, y, m: (ref.sequence_cross_entropy(s, y, m),
                              -_probs_minus_one(ref, s, y) * m[:, :, None] / s.shape[0]),
        "dscores has the wrong sign (one_hot - softmax, the ascent direction): it is "
        "(softmax(scores) - one_hot(targets)) * mask / N."),
    "unstable_gradient": (
        lambda ref, s, y, m: (ref.sequence_cross_entropy(s, y, m), _naive_dscores(s, y, m)),
        "the probabilities for dscores come from exp() of the raw scores, which "
        "overflows for a large score (inf / inf = NaN): use chapter 1's stable "
        "softmax(scores)."),
}

for _name, (_fn, _says) in LOSS_MISTAKES.items():
    mistake(CH, "temporal_softmax_loss", _name, _says)(
        lambda ref, fn=_fn: {"temporal_softmax_loss": lambda scores, targets, mask:
                             fn(ref, scores, targets, mask)})


# --- tbptt_chunks -------------------------------------------------------------------

def _streams(tokens, N, K, T, offset=0):
    """Rows of N contiguous streams of K*T tokens, from ``offset``: (N, K, T)."""
    return tokens[offset:offset + N * K * T].reshape(N, K, T)


def _K(tokens, N, T):
    return (len(tokens) - 1) // N // T


CHUNK_MISTAKES = {
    "inputs_targets_swapped": (
        lambda tokens, N, T, K: (_streams(tokens, N, K, T, 1).transpose(1, 0, 2),
                                 _streams(tokens, N, K, T).transpose(1, 0, 2)),
        "inputs and targets are swapped: return (inputs, targets), with targets the "
        "inputs shifted by one token."),
    "side_by_side": (
        lambda tokens, N, T, K: (tokens[:N * K * T].reshape(K, N, T),
                                 tokens[1:N * K * T + 1].reshape(K, N, T)),
        "you deal consecutive pieces of T tokens out across the rows, so row n of chunk "
        "k+1 does not continue row n of chunk k: reshape to (N, K, T), one contiguous "
        "stream per row, then move the chunk axis first (transpose(1, 0, 2))."),
    "chunk_axis_not_first": (
        lambda tokens, N, T, K: (_streams(tokens, N, K, T), _streams(tokens, N, K, T, 1)),
        "the chunk axis is not first: you return (N, K, T); move the chunk axis first "
        "with .transpose(1, 0, 2), giving (K, N, T)."),
    "one_chunk_short": (
        lambda tokens, N, T, K: (_streams(tokens, N, K - 1, T).transpose(1, 0, 2),
                                 _streams(tokens, N, K - 1, T, 1).transpose(1, 0, 2)),
        "you make one chunk too few: K = ((L - 1) // N) // T chunks fit (the - 1 leaves "
        "room for the last target), with none dropped."),
    "overlapping": (
        lambda tokens, N, T, K: tuple(
            np.stack([np.stack([tokens[n * K * T + k + o: n * K * T + k + o + T]
                                for n in range(N)]) for k in range(K)]) for o in (0, 1)),
        "chunk k starts k tokens into each stream (a sliding window of stride 1): it "
        "starts k*T tokens in, so that the chunks follow each other without overlap."),
    "targets_not_shifted": (
        lambda tokens, N, T, K: (_streams(tokens, N, K, T).transpose(1, 0, 2),) * 2,
        "the targets are the inputs themselves: the target of each input is the next "
        "token, the same slice shifted by one (tokens[1:N*K*T + 1])."),
    "targets_shifted_back": (
        lambda tokens, N, T, K: (
            _streams(tokens, N, K, T).transpose(1, 0, 2),
            np.roll(tokens[:N * K * T], 1).reshape(N, K, T).transpose(1, 0, 2)),
        "the targets are shifted the wrong way (each input's previous token): the target "
        "of tokens[i] is the next token, tokens[i + 1]."),
}

for _name, (_fn, _says) in CHUNK_MISTAKES.items():
    mistake(CH, "tbptt_chunks", _name, _says)(
        lambda ref, fn=_fn: {"tbptt_chunks": lambda tokens, N, T:
                             fn(tokens, N, T, _K(tokens, N, T))})


# --- char_rnn_loss ------------------------------------------------------------------

def _char_rnn_loss(ref, h0_zero=False, score_inputs=False, per_char=False,
                   per_char_grads=True, rnn_order=(2, 3), embed_zero=False,
                   last=lambda h: h[:, -1]):
    def char_rnn_loss(params, inputs, targets, h0):
        T = inputs.shape[1]
        x, embed_cache = ref.embedding_forward(inputs, params["W_embed"])
        h, rnn_cache = ref.rnn_forward(x, np.zeros_like(h0) if h0_zero else h0,
                                       params["Wx"], params["Wh"], params["b"])
        scores, out_cache = ref.temporal_affine_forward(h, params["Wy"], params["by"])
        loss, dscores = ref.temporal_softmax_loss(
            scores, inputs if score_inputs else targets, np.ones(inputs.shape, bool))
        if per_char:
            loss = loss / T
            if per_char_grads:
                dscores = dscores / T
        grads = {}
        dh, grads["Wy"], grads["by"] = ref.temporal_affine_backward(dscores, out_cache)
        back = ref.rnn_backward(dh, rnn_cache)
        dx, grads["Wx"], grads["Wh"], grads["b"] = back[0], back[rnn_order[0]], \
            back[rnn_order[1]], back[4]
        grads["W_embed"] = (np.zeros_like(params["W_embed"]) if embed_zero else
                            ref.embedding_backward(dx, embed_cache))
        return loss, grads, last(h)
    return char_rnn_loss


CHAR_RNN_MISTAKES = {
    "zero_initial_state": (
        dict(h0_zero=True),
        "the forward pass starts from zeros and ignores h0: start rnn_forward from h0, "
        "the state carried over from the previous chunk."),
    "targets_are_inputs": (
        dict(score_inputs=True),
        "the loss scores the inputs themselves: score each step against targets (the "
        "next characters), temporal_softmax_loss(scores, targets, mask)."),
    "loss_per_character": (
        dict(per_char=True),
        "you divide the loss (and so the gradients) by T: return the loss summed over "
        "time and averaged over the batch, as temporal_softmax_loss gives it "
        "(train_char_rnn divides by T when it records the loss)."),
    "loss_only_per_character": (
        dict(per_char=True, per_char_grads=False),
        "the loss is divided by T (per character) but the gradients are not: return the "
        "loss summed over time and averaged over the batch, as temporal_softmax_loss "
        "gives it."),
    "rnn_outputs_misordered": (
        dict(rnn_order=(3, 2)),
        "you unpack rnn_backward's outputs as (dx, dh0, dWh, dWx, db), so grads['Wx'] and "
        "grads['Wh'] are swapped: the order is dx, dh0, dWx, dWh, db."),
    "embedding_not_trained": (
        dict(embed_zero=True),
        "grads['W_embed'] is zeros: compute it with embedding_backward(dx, embed_cache), "
        "with the dx that rnn_backward returns."),
    "h_last_first_step": (
        dict(last=lambda h: h[:, 0]),
        "h_last is the state after the first step, h[:, 0]: return the state after the "
        "last step, h[:, -1], which the next chunk starts from."),
    "h_last_all_states": (
        dict(last=lambda h: h),
        "h_last is every state, shape (N, T, H): return only the state after the last "
        "step, h[:, -1], shape (N, H)."),
}

for _name, (_kw, _says) in CHAR_RNN_MISTAKES.items():
    mistake(CH, "char_rnn_loss", _name, _says)(
        lambda ref, kw=_kw: {"char_rnn_loss": _char_rnn_loss(ref, **kw)})


# --- sample_chars -------------------------------------------------------------------
# The visible case's distributions are nearly deterministic at its temperature, so
# "always greedy" and "temperature ignored except at 0" cannot be told from the
# reference there and are not catalogued (the hidden instances fail them, localised).
# Each mistake is a whole sampler; the namespace's softmax / rnn_forward /
# rnn_step_forward are replaced as well where the case computes its distributions with
# them, so that the case's p1 and p2 are the mistaken sampler's own distributions.

def _sampler(ref, seen, start="prefix", feed="sampled", carry=True, temperature=None):
    def sample_chars(params, prefix, length, temp, rng):
        seen.update(params=params, prefix=prefix, temperature=temp)
        N, P = prefix.shape
        Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
        zeros = np.zeros((N, Wh.shape[0]))
        x, _ = ref.embedding_forward(prefix, params["W_embed"])
        if start == "last_char":
            prev_h = ref.rnn_step_forward(x[:, -1], zeros, Wx, Wh, b)[0]
        elif start == "before_last_char":
            prev_h = ref.rnn_forward(x, zeros, Wx, Wh, b)[0][:, -2] if P > 1 else zeros
        else:
            prev_h = ref.rnn_forward(x, zeros, Wx, Wh, b)[0][:, -1]
        out = np.empty((N, length), dtype=np.int64)
        for i in range(length):
            scores = prev_h @ params["Wy"] + params["by"]
            out[:, i] = ref.sample_token(scores, temp if temperature is None
                                         else temperature, rng)
            token = prefix[:, -1] if feed == "prefix_last" else out[:, i]
            prev_h, _ = ref.rnn_step_forward(params["W_embed"][token],
                                             prev_h if carry else zeros, Wx, Wh, b)
        return out
    return sample_chars


def _sampling_temperature_ignored(ref):
    seen: dict = {}
    # the case's distributions are softmax(scores / temperature): undo the division
    return {"sample_chars": _sampler(ref, seen, temperature=1.0),
            "softmax": lambda z: ref.softmax(z * seen["temperature"])}


def _sampling_start(ref, start):
    def rnn_forward(x, h0, Wx, Wh, b):  # the state the mistaken sampler starts from
        if start == "last_char":
            return ref.rnn_forward(x[:, -1:], h0, Wx, Wh, b)
        if x.shape[1] > 1:
            return ref.rnn_forward(x[:, :-1], h0, Wx, Wh, b)
        return h0[:, None], []
    return {"sample_chars": _sampler(ref, {}, start=start), "rnn_forward": rnn_forward}


def _sampling_prefix_fed_back(ref):
    seen: dict = {}

    def rnn_step_forward(x, prev_h, Wx, Wh, b):  # the second step reads the prefix's end
        last = seen["params"]["W_embed"][seen["prefix"][0, -1]]
        return ref.rnn_step_forward(np.broadcast_to(last, x.shape), prev_h, Wx, Wh, b)
    return {"sample_chars": _sampler(ref, seen, feed="prefix_last"),
            "rnn_step_forward": rnn_step_forward}


def _sampling_state_reset(ref):
    def rnn_step_forward(x, prev_h, Wx, Wh, b):  # every generated step starts from zeros
        return ref.rnn_step_forward(x, np.zeros_like(prev_h), Wx, Wh, b)
    return {"sample_chars": _sampler(ref, {}, carry=False),
            "rnn_step_forward": rnn_step_forward}


SAMPLING_MISTAKES = {
    "temperature_ignored": (
        _sampling_temperature_ignored,
        "you sample at temperature 1 whatever the temperature argument (even at 0, "
        "which must be greedy): pass temperature on, sample_token(scores, temperature, "
        "rng)."),
    "only_last_prefix_char": (
        lambda ref: _sampling_start(ref, "last_char"),
        "the model reads only the prefix's last character: run rnn_forward over the "
        "whole prefix from a zero state and sample from the state after it, h[:, -1]."),
    "state_before_last_prefix_char": (
        lambda ref: _sampling_start(ref, "before_last_char"),
        "the first character is sampled from the state before the prefix's last "
        "character (h[:, -2]): sample from the state after the whole prefix, h[:, -1]."),
    "prefix_fed_back": (
        _sampling_prefix_fed_back,
        "each step feeds the prefix's last character back in instead of the character "
        "just sampled: the next input is the token you sampled, W_embed[out[:, i]]."),
    "state_reset_each_step": (
        _sampling_state_reset,
        "every generated step starts the RNN from a zero state, so the model forgets "
        "what it read: carry prev_h from one step to the next."),
}

for _name, (_make, _says) in SAMPLING_MISTAKES.items():
    mistake(CH, "sample_chars", _name, _says)(_make)


# --- train_char_rnn -----------------------------------------------------------------
# The case's judge compares the first ten recorded losses and then the trained model's
# scores; only mistakes whose trained model still clears the bar can match it (a
# learner's model that fails the bar is told so by the judge itself). Not catalogued,
# so only localised: training on the first chunk only (its model fails the bar),
# updating a copy of params (likewise), and never resetting the state at k = 0 (the
# visible check compares ten losses, fewer than K; the hidden judge localises it).

def _trainer(ref, per_char=True, carry=True, clip=True, one_state=True):
    def train_char_rnn(params, inputs, targets, num_steps, learning_rate, max_norm=5.0):
        K, N, T = inputs.shape
        H = params["Wh"].shape[0]
        state, losses = {}, np.empty(num_steps)
        h = np.zeros((N, H))
        for step in range(num_steps):
            k = step % K
            if k == 0 or not carry:
                h = np.zeros((N, H))
            loss, grads, h = ref.char_rnn_loss(params, inputs[k], targets[k], h)
            if clip:
                ref.clip_gradients(grads, max_norm)
            ref.adam_step(params, grads, state if one_state else {}, learning_rate)
            losses[step] = loss / T if per_char else loss
        return losses
    return train_char_rnn


TRAINING_MISTAKES = {
    "loss_per_chunk": (
        dict(per_char=False),
        "you record the loss as char_rnn_loss returns it (summed over the T steps of the "
        "chunk): record loss / T, the loss per character."),
    "state_not_carried": (
        dict(carry=False),
        "every chunk starts from a zero state, so nothing is carried across chunks: pass "
        "the h_last of the previous chunk as the next chunk's h0 (restart from zeros only "
        "at k = 0)."),
    "no_clipping": (
        dict(clip=False),
        "the gradients are not clipped: call clip_gradients(grads, max_norm) before "
        "every adam_step."),
    "new_adam_state_each_step": (
        dict(one_state=False),
        "a fresh Adam state is made at every step, so its running averages never build "
        "up: create state = {} once, before the loop, and pass it to every adam_step."),
}

for _name, (_kw, _says) in TRAINING_MISTAKES.items():
    mistake(CH, "train_char_rnn", _name, _says)(
        lambda ref, kw=_kw: {"train_char_rnn": _trainer(ref, **kw)})


# --- validation_perplexity ----------------------------------------------------------

def _perplexity(ref, rows="contiguous", shift=1, per="step", base=np.e):
    """Perplexity with one thing changed; ``ref.char_rnn_loss`` measures the loss."""
    def validation_perplexity(params, tokens, N):
        S = (len(tokens) - 1) // N
        if rows == "contiguous":
            inputs = tokens[:N * S].reshape(N, S)
            targets = tokens[shift:N * S + shift].reshape(N, S)
        else:  # dealt out across the rows: row n reads tokens n, n + N, n + 2N, ...
            inputs = tokens[:N * S].reshape(S, N).T
            targets = tokens[1:N * S + 1].reshape(S, N).T
        loss, _grads, _h = ref.char_rnn_loss(params, inputs, targets,
                                             np.zeros((N, params["Wh"].shape[0])))
        mean = loss / {"step": S, "row": 1, "token": N * S}[per]
        return float(mean) if base is None else float(base ** mean)
    return validation_perplexity


PERPLEXITY_MISTAKES = {
    "no_exp": (
        dict(base=None),
        "you return the mean loss per character (the cross-entropy, in nats); the "
        "perplexity is its exponential, exp(loss / S)."),
    "base_two": (
        dict(base=2.0),
        "you raise 2 to the mean loss: the loss is in nats (natural logarithms), so the "
        "perplexity is exp(loss / S), not 2 ** (loss / S)."),
    "loss_of_whole_row": (
        dict(per="row"),
        "you exponentiate the loss of a whole row: char_rnn_loss sums over the S steps, "
        "so divide by S first, exp(loss / S), the perplexity per character."),
    "divided_by_rows_too": (
        dict(per="token"),
        "you divide the loss by N * S: char_rnn_loss already averages over the N rows, "
        "so the mean loss per character is loss / S."),
    "targets_not_shifted": (
        dict(shift=0),
        "the targets are the inputs themselves: each token predicts the next one, so the "
        "targets are the same slice shifted by one token, tokens[1:N*S + 1]."),
    "rows_interleaved": (
        dict(rows="interleaved"),
        "your rows interleave the stream (row n reads tokens n, n + N, ...): row n must "
        "read S consecutive tokens, tokens[n*S:(n+1)*S], i.e. tokens[:N*S].reshape(N, "
        "S)."),
}

for _name, (_kw, _says) in PERPLEXITY_MISTAKES.items():
    mistake(CH, "validation_perplexity", _name, _says)(
        lambda ref, kw=_kw: {"validation_perplexity": _perplexity(ref, **kw)})
