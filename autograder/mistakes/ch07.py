"""Likely mistakes of chapter 7 (the encoder and the teacher-forced decoder, forward and
backward; greedy decoding; beam search; Adam with clipping; additive attention). See
``autograder/mistakes/__init__.py``.

The training case is judged by its held-out accuracy too: update mistakes that still
train to the bar are matched with the case's own judge; those that break training (the
learner's model then fails the bar on its own, before any comparison) are matched on the
exact update outputs only, how="exact:W,b,losses".
"""
from __future__ import annotations

import numpy as np

from autograder.mistakes import mistake

CH = "ch07"


# --- encoder_forward ----------------------------------------------------------------

def _encoder(ref, table="E_src", weights="enc", reverse_src=False, reverse_states=False,
             bias=True, Wh_t=False, restart=False, time_major_src=False):
    def encoder_forward(src, params, cell=None):
        N, Tx = src.shape
        tokens = src.reshape(Tx, N).T if time_major_src else src
        tokens = tokens[:, ::-1] if reverse_src else tokens
        x, _ = ref.embedding_forward(tokens, params[table])
        Wx, Wh, b = (params[f"{weights}_{name}"] for name in ("Wx", "Wh", "b"))
        Wh = Wh.T if Wh_t else Wh
        b = b if bias else np.zeros_like(b)
        h0 = np.zeros((N, Wh.shape[0]))
        if restart:
            h = np.stack([ref.rnn_step_forward(x[:, t], h0, Wx, Wh, b)[0]
                          for t in range(Tx)], axis=1)
        else:
            h, _ = ref.rnn_forward(x, h0, Wx, Wh, b)
        return (h[:, ::-1] if reverse_states else h), None
    return encoder_forward


ENCODER_MISTAKES = {
    "decoder_weights": (dict(weights="dec"),
                        "the encoder runs with the decoder's weights dec_Wx, dec_Wh, "
                        "dec_b: the encoder has its own, params['enc_Wx'], "
                        "params['enc_Wh'] and params['enc_b']."),
    "target_embedding": (dict(table="E_tgt"),
                         "you embed the source with the decoder's table E_tgt: source "
                         "tokens are embedded with params['E_src']."),
    "reversed_source": (dict(reverse_src=True),
                        "you read the source backwards (src[:, ::-1]); reversing the input "
                        "is a known trick, but here the encoder reads src in order, "
                        "t = 0, 1, ..., Tx - 1."),
    "states_reversed": (dict(reverse_states=True),
                        "h_enc holds the states last step first: h_enc[:, t] must be the "
                        "state after reading src[:, t], in time order (no [:, ::-1])."),
    "time_major_source": (dict(time_major_src=True),
                          "you reshape src as if it were time-major (Tx, N), which mixes "
                          "batch rows and steps: src is batch-first, (N, Tx); embed it as "
                          "it is."),
    "missing_bias": (dict(bias=False),
                     "the encoder's bias enc_b is never added: pass params['enc_b'] to "
                     "cell.forward."),
    "transposed_Wh": (dict(Wh_t=True),
                      "you pass enc_Wh transposed: the states are row vectors, so the cell "
                      "takes params['enc_Wh'] as it is."),
    "h0_every_step": (dict(restart=True),
                      "every step starts again from the zero state, so nothing is carried "
                      "through the source: run cell.forward over the whole sequence (each "
                      "step starts from the state the previous step returned)."),
}

for _name, (_kw, _says) in ENCODER_MISTAKES.items():
    mistake(CH, "encoder_forward", _name, _says)(
        lambda ref, kw=_kw: {"encoder_forward": _encoder(ref, **kw)})


@mistake(CH, "encoder_forward", "last_state_only",
         "h_enc has shape (N, H), one state per sequence (e.g. only the last state) "
         "instead of one per step: return the states of every step, shape (N, Tx, H) "
         "(seq2seq_loss takes h_enc[:, -1] for the decoder itself).",
         how="shape")
def _(ref):
    def encoder_forward(src, params, cell=None):
        h, cache = ref.encoder_forward(src, params)
        return h[:, -1], cache
    return {"encoder_forward": encoder_forward}


# --- encoder_backward ---------------------------------------------------------------

def _overwriting_embedding_backward(dout, cache):
    indices, W = cache
    dW = np.zeros_like(W)
    dW[indices] = dout          # repeated tokens: the last write wins
    return dW


@mistake(CH, "encoder_backward", "embedding_overwrites_repeats",
         "dE_src[src] = dx keeps only one gradient per repeated token (the last write "
         "wins): repeated tokens must add up, np.add.at(dE, src, dx) (embedding_backward "
         "does it).")
def _(ref):
    def encoder_backward(dh_enc, cache, cell=None):
        grads = ref.encoder_backward(dh_enc, cache)
        dx = ref.rnn_backward(dh_enc, cache[1])[0]
        return {**grads, "E_src": _overwriting_embedding_backward(dx, cache[0])}
    return {"encoder_backward": encoder_backward}


@mistake(CH, "encoder_backward", "no_embedding_gradient",
         "E_src gets a zero gradient, as if the embedding were fixed: send dx from "
         "cell.backward through embedding_backward.")
def _(ref):
    def encoder_backward(dh_enc, cache, cell=None):
        grads = ref.encoder_backward(dh_enc, cache)
        return {**grads, "E_src": np.zeros_like(grads["E_src"])}
    return {"encoder_backward": encoder_backward}


@mistake(CH, "encoder_backward", "last_state_only",
         "only the last state's gradient dh_enc[:, -1] goes back through the encoder: "
         "every encoder state may feed the loss, so pass the whole dh_enc (N, Tx, H) to "
         "cell.backward.")
def _(ref):
    def encoder_backward(dh_enc, cache, cell=None):
        last = np.zeros_like(dh_enc)
        last[:, -1] = dh_enc[:, -1]
        return ref.encoder_backward(last, cache)
    return {"encoder_backward": encoder_backward}


@mistake(CH, "encoder_backward", "time_reversed_upstream",
         "you pass dh_enc reversed in time (dh_enc[:, ::-1]): dh_enc[:, t] belongs to "
         "step t; pass it to cell.backward in time order.")
def _(ref):
    def encoder_backward(dh_enc, cache, cell=None):
        return ref.encoder_backward(dh_enc[:, ::-1], cache)
    return {"encoder_backward": encoder_backward}


@mistake(CH, "encoder_backward", "transposed_Wh",
         "your enc_Wh gradient is transposed: return dWh as cell.backward gives it, "
         "(H, H) laid out like enc_Wh (prev_h.T @ da, not its transpose).")
def _(ref):
    def encoder_backward(dh_enc, cache, cell=None):
        grads = ref.encoder_backward(dh_enc, cache)
        return {**grads, "enc_Wh": grads["enc_Wh"].T}
    return {"encoder_backward": encoder_backward}


# --- decoder_forward ----------------------------------------------------------------

def _decoder(ref, table="E_tgt", weights="dec", zero_init=False, restart=False,
             out_bias=True, Wh_t=False, probabilities=False, own_predictions=False):
    def decoder_forward(tgt_in, h_init, params, cell=None):
        E = params[table]
        Wx, Wh, b = (params[f"{weights}_{name}"] for name in ("Wx", "Wh", "b"))
        Wh = Wh.T if Wh_t else Wh
        by = params["by"] if out_bias else np.zeros_like(params["by"])
        h = np.zeros_like(h_init) if zero_init else h_init
        tokens = tgt_in.copy()
        N, Ty = tgt_in.shape
        scores = []
        for t in range(Ty):
            h_t, _ = ref.rnn_step_forward(E[tokens[:, t]], h_init if restart else h, Wx,
                                          Wh, b)
            h = h_t
            s = h_t @ params["Wy"] + by                                    # (N, V)
            if own_predictions and t + 1 < Ty:
                tokens[:, t + 1] = s.argmax(axis=1)
            scores.append(s)
        scores = np.stack(scores, axis=1)
        return (ref.softmax(scores) if probabilities else scores), None
    return decoder_forward


DECODER_MISTAKES = {
    "encoder_weights": (dict(weights="enc"),
                        "the decoder runs with the encoder's weights enc_Wx, enc_Wh, "
                        "enc_b: the decoder has its own, params['dec_Wx'], "
                        "params['dec_Wh'] and params['dec_b']."),
    "source_embedding": (dict(table="E_src"),
                         "you embed tgt_in with the source table E_src: decoder inputs "
                         "are embedded with params['E_tgt']."),
    "zero_initial_state": (dict(zero_init=True),
                           "the decoder starts from zeros, so it never sees the encoder's "
                           "summary: start cell.forward from h_init."),
    "h_init_every_step": (dict(restart=True),
                          "every step starts again from h_init, so the decoder has no "
                          "memory of the steps before: run cell.forward over the whole "
                          "sequence from h_init (each step starts from the state the "
                          "previous step returned)."),
    "no_output_bias": (dict(out_bias=False),
                       "the output layer's bias by is never added: scores = h_dec @ Wy + "
                       "by (temporal_affine_forward(h_dec, params['Wy'], params['by']))."),
    "transposed_Wh": (dict(Wh_t=True),
                      "you pass dec_Wh transposed: the states are row vectors, so the cell "
                      "takes params['dec_Wh'] as it is."),
    "probabilities": (dict(probabilities=True),
                      "you return softmax probabilities: decoder_forward returns the "
                      "unnormalised scores h_dec @ Wy + by; the softmax is in the loss "
                      "(temporal_softmax_loss)."),
    "own_predictions": (dict(own_predictions=True),
                        "no teacher forcing: after the first step you feed the decoder's "
                        "own argmax predictions; while training, step t reads the given "
                        "tgt_in[:, t], whatever the decoder predicted."),
}

for _name, (_kw, _says) in DECODER_MISTAKES.items():
    mistake(CH, "decoder_forward", _name, _says)(
        lambda ref, kw=_kw: {"decoder_forward": _decoder(ref, **kw)})


# --- decoder_backward ---------------------------------------------------------------

def _decoder_backward(ref, **changes):
    """The reference decoder_backward, then ``changes(dscores, cache, dh_init, grads)``
    for the outputs it gets wrong."""
    def decoder_backward(dscores, cache, cell=None):
        dh_init, grads = ref.decoder_backward(dscores, cache)
        wrong = {name: fn(dscores, cache, dh_init, grads) for name, fn in changes.items()}
        return wrong.pop("dh_init", dh_init), {**grads, **wrong}
    return {"decoder_backward": decoder_backward}


@mistake(CH, "decoder_backward", "zero_dh_init",
         "dh_init is zero, so no gradient reaches the encoder (it never learns): return "
         "the dh0 that cell.backward gives, the gradient of the first step's input state.")
def _(ref):
    return _decoder_backward(ref, dh_init=lambda ds, c, dh, g: np.zeros_like(dh))


@mistake(CH, "decoder_backward", "dh_init_is_first_upstream",
         "dh_init is the output layer's gradient of the first state, dh_dec[:, 0], which "
         "skips the recurrence: dh_init is the dh0 that cell.backward(dh_dec, ...) "
         "returns.")
def _(ref):
    return _decoder_backward(
        ref, dh_init=lambda ds, c, dh, g: ref.temporal_affine_backward(ds, c[2])[0][:, 0])


@mistake(CH, "decoder_backward", "embedding_overwrites_repeats",
         "dE_tgt[tgt_in] = dy keeps only one gradient per repeated token (the last write "
         "wins): repeated tokens must add up, np.add.at(dE, tgt_in, dy) "
         "(embedding_backward does it).")
def _(ref):
    def E_tgt(ds, c, dh, g):
        dh_dec = ref.temporal_affine_backward(ds, c[2])[0]
        return _overwriting_embedding_backward(ref.rnn_backward(dh_dec, c[1])[0], c[0])
    return _decoder_backward(ref, E_tgt=E_tgt)


@mistake(CH, "decoder_backward", "transposed_Wh",
         "your dec_Wh gradient is transposed: return dWh as cell.backward gives it, "
         "(H, H) laid out like dec_Wh.")
def _(ref):
    return _decoder_backward(ref, dec_Wh=lambda ds, c, dh, g: g["dec_Wh"].T)


@mistake(CH, "decoder_backward", "bias_last_step_only",
         "the by gradient uses only the last step, dscores[:, -1]: by is shared by every "
         "step, so sum dscores over the batch and time axes, axis=(0, 1).")
def _(ref):
    return _decoder_backward(ref, by=lambda ds, c, dh, g: ds[:, -1].sum(axis=0))


@mistake(CH, "decoder_backward", "bias_batch_sum_only",
         "your by gradient sums dscores over the batch axis only (shape (Ty, V)): by is "
         "shared by every step too, so sum over the batch and time axes, axis=(0, 1).")
def _(ref):
    return _decoder_backward(ref, by=lambda ds, c, dh, g: ds.sum(axis=0))


# --- greedy_decode ------------------------------------------------------------------

def _greedy(feed_start=False, keep_state=True, fill=True, stop_any=False):
    def greedy_decode(step_fn, h_init, start, end, max_len):
        N = h_init.shape[0]
        tokens = np.full((N, max_len), end)
        previous = np.full(N, start)
        finished = np.zeros(N, dtype=bool)
        state = h_init
        for t in range(max_len):
            log_probs, new_state = step_fn(np.full(N, start) if feed_start else previous,
                                           state)
            state = new_state if keep_state else h_init
            previous = log_probs.argmax(axis=1)
            tokens[:, t] = np.where(finished, end, previous) if fill else previous
            finished |= previous == end
            if stop_any and finished.any():
                break
            if fill and finished.all():
                break
        return tokens
    return greedy_decode


GREEDY_MISTAKES = {
    "always_feeds_start": (dict(feed_start=True),
                           "you feed `start` at every step: after the first step, feed "
                           "back the token just predicted (the argmax), with the new "
                           "state."),
    "state_not_updated": (dict(keep_state=False),
                          "the new state is thrown away, so every step starts again from "
                          "h_init: keep the state step_fn returns and pass it to the next "
                          "step."),
    "no_fill_after_end": (dict(fill=False),
                          "after a row's first `end` you keep writing what the model "
                          "predicts: once a row has produced `end`, its remaining entries "
                          "are `end` (np.where(finished, end, predicted))."),
    "stops_when_any_row_ends": (dict(stop_any=True),
                                "you stop the whole batch as soon as one row has produced "
                                "`end`: the other rows go on; stop only when every row "
                                "has finished (or at max_len)."),
}

for _name, (_kw, _says) in GREEDY_MISTAKES.items():
    mistake(CH, "greedy_decode", _name, _says)(
        lambda ref, kw=_kw: {"greedy_decode": _greedy(**kw)})


@mistake(CH, "greedy_decode", "includes_start_token",
         "your output begins with the start token, so everything is shifted right by one "
         "step: tokens[:, 0] is the first predicted token; `start` is only fed in, never "
         "written out.")
def _(ref):
    def greedy_decode(step_fn, h_init, start, end, max_len):
        rest = ref.greedy_decode(step_fn, h_init, start, end, max_len - 1)
        return np.concatenate([np.full((h_init.shape[0], 1), start), rest], axis=1)
    return {"greedy_decode": greedy_decode}


# --- beam_search --------------------------------------------------------------------

def _beam(expand_finished=False, multiply=False, reorder=True, keep_truncated=True,
          normalise=True, length_counts_end=True):
    def beam_search(step_fn, h_init, start, end, beam_width, max_len, alpha=0.0):
        live_tokens = [[]]
        live_scores = np.ones(1) if multiply else np.zeros(1)
        states, finished = h_init, []
        for _ in range(max_len):
            last = np.array([seq[-1] if seq else start for seq in live_tokens])
            log_probs, next_states = step_fn(last, states)
            V = log_probs.shape[1]
            candidates = ((live_scores[:, None] * log_probs) if multiply
                          else (live_scores[:, None] + log_probs)).ravel()
            kept_tokens, kept_scores, parents = [], [], []
            for flat in np.argsort(-candidates, kind="stable")[:beam_width]:
                parent, word = divmod(int(flat), V)
                seq = live_tokens[parent] + [word]
                if word == end:
                    finished.append((seq, candidates[flat]))
                    if not expand_finished:
                        continue
                kept_tokens.append(seq)
                kept_scores.append(candidates[flat])
                parents.append(parent)
            rows = (parents if reorder
                    else np.arange(len(kept_tokens)) % next_states.shape[0])
            live_tokens, live_scores = kept_tokens, np.array(kept_scores)
            states = next_states[rows]
            if not live_tokens:
                break
        if keep_truncated:
            finished.extend((seq, s) for seq, s in zip(live_tokens, live_scores)
                            if not (expand_finished and seq[-1] == end))
        elif not finished:
            return np.array([], dtype=int), 0.0
        if not normalise:
            best = int(np.argmax([s for _, s in finished]))
            return np.array(finished[best][0], dtype=int), float(finished[best][1])

        def length(seq):
            return len(seq) if length_counts_end else max(len(seq) - (seq[-1] == end), 1)
        normalised = [s / length(seq) ** alpha for seq, s in finished]
        best = int(np.argmax(normalised))
        return np.array(finished[best][0], dtype=int), float(normalised[best])
    return beam_search


BEAM_MISTAKES = {
    "finished_kept_expanding": (dict(expand_finished=True),
                                "a hypothesis that produced `end` stays in the beam and "
                                "keeps being extended (and keeps taking a place in it): "
                                "move it to the finished list and out of the beam."),
    "scores_multiplied": (dict(multiply=True),
                          "you multiply log-probabilities (scores starting at 1), as if "
                          "they were probabilities: a hypothesis's score is the sum of its "
                          "log-probabilities, starting at 0."),
    "states_not_reordered": (dict(reorder=False),
                             "the survivors take the first rows of the new states instead "
                             "of their parents' states: states = next_states[parents], "
                             "with parent = flat index // V."),
    "truncated_hypotheses_dropped": (dict(keep_truncated=False),
                                     "hypotheses that reach max_len without `end` are "
                                     "dropped: they count as finished (cut off at "
                                     "max_len), so add the live ones to the finished list "
                                     "before choosing."),
    "no_length_normalisation": (dict(normalise=False),
                                "you rank the finished hypotheses by their raw score and "
                                "ignore alpha: choose and return score / length ** alpha."),
    "length_excludes_end": (dict(length_counts_end=False),
                            "the length in the normalisation does not count the end token: "
                            "length is len(tokens), `end` included."),
}

for _name, (_kw, _says) in BEAM_MISTAKES.items():
    mistake(CH, "beam_search", _name, _says)(
        lambda ref, kw=_kw: {"beam_search": _beam(**kw)})


# --- train_seq2seq ------------------------------------------------------------------

def _trainer(clip_each=False, eps_inside=False, clip_always=False, ascent=False,
             reset_moments=False, bias_correction=True):
    def train_seq2seq(loss_fn, params, batches, lr, clip, beta1=0.9, beta2=0.999,
                      eps=1e-8):
        moment1 = {name: np.zeros_like(value) for name, value in params.items()}
        moment2 = {name: np.zeros_like(value) for name, value in params.items()}
        losses = []
        for t, batch in enumerate(batches, start=1):
            if reset_moments:
                moment1 = {name: np.zeros_like(value) for name, value in params.items()}
                moment2 = {name: np.zeros_like(value) for name, value in params.items()}
            loss, grads = loss_fn(params, *batch)
            norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
            scale = clip / norm if (norm > clip or clip_always) else 1.0
            for name in params:
                if clip_each:
                    own = np.sqrt(np.sum(grads[name] * grads[name]))
                    g = grads[name] * clip / own if own > clip else grads[name]
                else:
                    g = scale * grads[name]
                moment1[name] = beta1 * moment1[name] + (1 - beta1) * g
                moment2[name] = beta2 * moment2[name] + (1 - beta2) * g * g
                m_hat, v_hat = moment1[name], moment2[name]
                if bias_correction:
                    m_hat, v_hat = m_hat / (1 - beta1 ** t), v_hat / (1 - beta2 ** t)
                denominator = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
                params[name] += (1 if ascent else -1) * lr * m_hat / denominator
            losses.append(loss)
        return np.array(losses)
    return train_seq2seq


TRAINING_MISTAKES = {
    "clip_each_array_separately": (dict(clip_each=True),
                                   "you clip every gradient array by its own norm: clip by "
                                   "the global norm of all gradients together, one factor "
                                   "clip / norm for every array (only when norm > clip)."),
    "eps_inside_sqrt": (dict(eps_inside=True),
                        "eps is inside the square root: Adam divides by "
                        "sqrt(v_hat) + eps."),
}

for _name, (_kw, _says) in TRAINING_MISTAKES.items():
    mistake(CH, "train_seq2seq", _name, _says)(
        lambda ref, kw=_kw: {"train_seq2seq": _trainer(**kw)})

# These break the training, so the learner's model fails the held-out accuracy bar on its
# own and the judge would reject it before any comparison: they match on the exact
# update outputs alone (the weighted least squares W, b and the losses).
UPDATE_MISTAKES = {
    "clip_always_rescales": (dict(clip_always=True),
                             "you rescale the gradients to norm clip at every step, even "
                             "when their global norm is already below clip: multiply by "
                             "clip / norm only when norm > clip, otherwise leave them as "
                             "they are."),
    "gradient_ascent": (dict(ascent=True),
                        "the update is added to the parameters, so training climbs the "
                        "loss: Adam subtracts it, params[name] -= lr * m_hat / "
                        "(sqrt(v_hat) + eps)."),
    "moments_reset_each_step": (dict(reset_moments=True),
                                "the moments start again from zero at every step, so "
                                "Adam forgets them: create moment1 and moment2 once, "
                                "before the loop over the batches, and keep updating them "
                                "across steps."),
    "no_bias_correction": (dict(bias_correction=False),
                           "Adam's bias correction is missing: divide the moments by "
                           "(1 - beta1 ** t) and (1 - beta2 ** t), with the step count "
                           "t = 1, 2, ..., before the update."),
}

for _name, (_kw, _says) in UPDATE_MISTAKES.items():
    mistake(CH, "train_seq2seq", _name, _says, how="exact:W,b,losses")(
        lambda ref, kw=_kw: {"train_seq2seq": _trainer(**kw)})


# --- additive_attention_forward -----------------------------------------------------

def _attention(tanh=True, use_v=True, softmax_axis=1, normalise=True, project_context=False,
               swapped=False):
    def additive_attention_forward(query, keys, Wq, Wk, v):
        pre = (query @ Wq)[:, None, :] + keys @ Wk                   # (N, Tx, A)
        hidden = np.tanh(pre) if tanh else pre
        scores = hidden @ v if use_v else hidden.sum(axis=-1)        # (N, Tx)
        if normalise:
            e = np.exp(scores - scores.max(axis=softmax_axis, keepdims=True))
            weights = e / e.sum(axis=softmax_axis, keepdims=True)
        else:
            weights = np.exp(scores)
        values = keys @ Wk if project_context else keys
        context = (weights[:, None, :] @ values)[:, 0]
        cache = (query, keys, Wq, Wk, v, hidden, weights)
        return (weights, context, cache) if swapped else (context, weights, cache)
    return additive_attention_forward


ATTENTION_MISTAKES = {
    "no_tanh": (dict(tanh=False),
                "the tanh is missing, so the scores are linear in query and keys: "
                "e = tanh(query @ Wq + keys @ Wk) @ v."),
    "scores_summed_without_v": (dict(use_v=False),
                                "you sum the hidden layer instead of scoring it with v: "
                                "e = tanh(...) @ v."),
    "softmax_over_batch": (dict(softmax_axis=0),
                           "the softmax normalises over the batch axis (axis 0): the "
                           "weights of one example sum to 1 over its source positions, "
                           "axis=1."),
    "unnormalised_weights": (dict(normalise=False),
                             "the weights are exp(e), never divided by their sum: softmax "
                             "over the source axis, so each row sums to 1."),
    "context_from_projected_keys": (dict(project_context=True),
                                    "the context averages the projected keys keys @ Wk: it "
                                    "is the weighted sum of the keys themselves, "
                                    "context[n] = sum_j weights[n, j] * keys[n, j]."),
    "swapped_returns": (dict(swapped=True),
                        "you return (weights, context, cache): the order is context "
                        "(N, Hk) first, then weights (N, Tx), then the cache."),
}

for _name, (_kw, _says) in ATTENTION_MISTAKES.items():
    mistake(CH, "additive_attention_forward", _name, _says)(
        lambda ref, kw=_kw: {"additive_attention_forward": _attention(**kw)})


# --- additive_attention_backward ----------------------------------------------------

def _attention_backward(direct_key_path=True, jacobian="full", tanh_again=False,
                        query_first_only=False):
    def additive_attention_backward(dcontext, cache):
        query, keys, Wq, Wk, v, hidden, weights = cache
        N, Tx, A = hidden.shape
        dweights = (keys @ dcontext[:, :, None])[:, :, 0]                 # (N, Tx)
        dkeys = (weights[:, :, None] * dcontext[:, None, :] if direct_key_path
                 else np.zeros_like(keys))
        weighted = (weights * dweights).sum(axis=1, keepdims=True)
        dscores = {"full": weights * (dweights - weighted),
                   "plus": weights * (dweights + weighted),
                   "elementwise": weights * dweights}[jacobian]
        dv = hidden.reshape(N * Tx, A).T @ dscores.reshape(N * Tx)
        slope = 1.0 - (np.tanh(hidden) if tanh_again else hidden) ** 2
        dpre = dscores[:, :, None] * v * slope                            # (N, Tx, A)
        dWk = keys.reshape(N * Tx, -1).T @ dpre.reshape(N * Tx, A)
        dkeys = dkeys + dpre @ Wk.T
        dquery_proj = dpre[:, 0] if query_first_only else dpre.sum(axis=1)
        return dquery_proj @ Wq.T, dkeys, query.T @ dquery_proj, dWk, dv
    return additive_attention_backward


ATTENTION_BACKWARD_MISTAKES = {
    "no_direct_key_path": (dict(direct_key_path=False),
                           "dkeys misses the direct path: each key also enters the context "
                           "itself, so dkeys[:, j] gets weights[:, j] * dcontext besides "
                           "the path through its score, dL/da_j @ Wk.T."),
    "softmax_jacobian_missing": (dict(jacobian="elementwise"),
                                 "you treat the softmax as elementwise (dL/de = weights * "
                                 "dL/dweights): subtract the weighted sum, dL/de = weights "
                                 "* (dL/dweights - sum_i weights_i dL/dweights_i)."),
    "softmax_jacobian_sign": (dict(jacobian="plus"),
                              "in the softmax's backward pass the weighted sum is added: "
                              "subtract it, dL/de = weights * (dL/dweights - sum_i "
                              "weights_i dL/dweights_i)."),
    "tanh_applied_twice": (dict(tanh_again=True),
                           "the tanh derivative is taken as 1 - tanh(hidden)**2, applying "
                           "tanh to its own output again: the cache holds u = tanh(...) "
                           "already, so the slope is 1 - hidden**2."),
    "query_gradient_first_position_only": (dict(query_first_only=True),
                                           "the query's gradients use only the first "
                                           "source position: the query feeds every "
                                           "position, so sum dL/da over the source axis "
                                           "(axis 1) before dquery and dWq."),
}

for _name, (_kw, _says) in ATTENTION_BACKWARD_MISTAKES.items():
    mistake(CH, "additive_attention_backward", _name, _says)(
        lambda ref, kw=_kw: {"additive_attention_backward": _attention_backward(**kw)})
