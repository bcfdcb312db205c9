"""Reference code of ch07, generated from solutions/ch07/ch07.ipynb
by `make fixtures`. Do not edit: edit the notebook."""
import numpy as np
from types import SimpleNamespace

# Earlier chapters' reference code, and this chapter's data (all given).
from autograder.provided.ch01 import rnn_step_forward, rnn_forward
from autograder.provided.ch02 import (rnn_step_backward, rnn_backward, embedding_forward,
                                      embedding_backward, temporal_affine_forward,
                                      temporal_affine_backward, temporal_softmax_loss)
from autograder.data import (digit_reversal, reversal_batches, reversal_text,
                             REVERSAL_TOKENS, REVERSAL_START, REVERSAL_END)

rnn_cell = SimpleNamespace(forward=rnn_forward, backward=rnn_backward,
                           step_forward=rnn_step_forward, step_backward=rnn_step_backward)


def log_softmax(scores):
    """Stable log-softmax along the last axis: scores of shape (..., V) -> same shape."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def init_seq2seq(rng, vocab_size, D, H, attention_size=None):
    """Random parameters of the encoder–decoder: weights drawn from N(0, 1/fan_in), biases
    zero. With attention_size=A, also the additive attention's Wq (H, A), Wk (H, A) and
    v (A,), and the decoder reads [embedding, context] and its output layer [state,
    context], so dec_Wx is (D + H, H) and Wy is (2H, V) (the extension)."""
    def weight(fan_in, *shape):
        return rng.standard_normal((fan_in,) + shape) / np.sqrt(fan_in)
    C = 0 if attention_size is None else H  # size of the context vector, if any
    params = {
        "E_src": weight(vocab_size, D), "E_tgt": weight(vocab_size, D),
        "enc_Wx": weight(D, H), "enc_Wh": weight(H, H), "enc_b": np.zeros(H),
        "dec_Wx": weight(D + C, H), "dec_Wh": weight(H, H), "dec_b": np.zeros(H),
        "Wy": weight(H + C, vocab_size), "by": np.zeros(vocab_size),
    }
    if attention_size is not None:
        params.update(Wq=weight(H, attention_size), Wk=weight(H, attention_size),
                      v=weight(attention_size))
    return params

def encoder_forward(src, params, cell=rnn_cell):
    """Encode a batch of source sequences.

    Inputs:
    - src: source tokens, integers of shape (N, Tx)
    - params: dict with "E_src" (V, D), "enc_Wx" (D, H), "enc_Wh" (H, H), "enc_b" (H,)
    - cell: the recurrent cell (see above); rnn_cell by default

    Returns a tuple of:
    - h_enc: encoder states at every source step, shape (N, Tx, H)
    - cache: values needed by encoder_backward
    """
    x, embed_cache = embedding_forward(src, params["E_src"])  # (N, Tx, D)
    h0 = np.zeros((src.shape[0], params["enc_Wh"].shape[0]))  # (N, H): a blank start
    h_enc, cell_cache = cell.forward(x, h0, params["enc_Wx"], params["enc_Wh"],
                                     params["enc_b"])  # (N, Tx, H)
    return h_enc, (embed_cache, cell_cache)

def encoder_backward(dh_enc, cache, cell=rnn_cell):
    """Backward pass of encoder_forward.

    Inputs:
    - dh_enc: upstream gradient of all encoder states, shape (N, Tx, H)
    - cache: what encoder_forward returned
    - cell: the same cell as in the forward pass

    Returns:
    - grads: dict with "E_src" (V, D), "enc_Wx" (D, H), "enc_Wh" (H, H), "enc_b" (H,)
    """
    embed_cache, cell_cache = cache
    dx, _dh0, dWx, dWh, db = cell.backward(dh_enc, cell_cache)  # dx: (N, Tx, D)
    return {"E_src": embedding_backward(dx, embed_cache),
            "enc_Wx": dWx, "enc_Wh": dWh, "enc_b": db}

def decoder_forward(tgt_in, h_init, params, cell=rnn_cell):
    """Teacher-forced decoder: scores for every target step.

    Inputs:
    - tgt_in: decoder input tokens (<s> then the target shifted right), shape (N, Ty)
    - h_init: initial decoder state (the encoder's last state), shape (N, H)
    - params: dict with "E_tgt" (V, D), "dec_Wx" (D, H), "dec_Wh" (H, H), "dec_b" (H,),
      "Wy" (H, V), "by" (V,)
    - cell: the recurrent cell; rnn_cell by default

    Returns a tuple of:
    - scores: unnormalised scores of the next token at every step, shape (N, Ty, V)
    - cache: values needed by decoder_backward
    """
    y, embed_cache = embedding_forward(tgt_in, params["E_tgt"])  # (N, Ty, D)
    h_dec, cell_cache = cell.forward(y, h_init, params["dec_Wx"], params["dec_Wh"],
                                     params["dec_b"])  # (N, Ty, H)
    scores, affine_cache = temporal_affine_forward(h_dec, params["Wy"], params["by"])
    return scores, (embed_cache, cell_cache, affine_cache)

def decoder_backward(dscores, cache, cell=rnn_cell):
    """Backward pass of decoder_forward.

    Inputs:
    - dscores: upstream gradient of the scores, shape (N, Ty, V)
    - cache: what decoder_forward returned
    - cell: the same cell as in the forward pass

    Returns a tuple of:
    - dh_init: gradient with respect to h_init, shape (N, H)
    - grads: dict with "E_tgt" (V, D), "dec_Wx" (D, H), "dec_Wh" (H, H), "dec_b" (H,),
      "Wy" (H, V), "by" (V,)
    """
    embed_cache, cell_cache, affine_cache = cache
    dh_dec, dWy, dby = temporal_affine_backward(dscores, affine_cache)  # (N, Ty, H)
    dy, dh_init, dWx, dWh, db = cell.backward(dh_dec, cell_cache)      # dy: (N, Ty, D)
    grads = {"E_tgt": embedding_backward(dy, embed_cache), "dec_Wx": dWx,
             "dec_Wh": dWh, "dec_b": db, "Wy": dWy, "by": dby}
    return dh_init, grads

def seq2seq_loss(params, src, tgt_in, tgt_out, cell=rnn_cell):
    """Loss of the plain encoder–decoder on one batch and its gradients (a dict like params).

    src: (N, Tx); tgt_in, tgt_out: (N, Ty) integer tokens."""
    h_enc, enc_cache = encoder_forward(src, params, cell)            # (N, Tx, H)
    scores, dec_cache = decoder_forward(tgt_in, h_enc[:, -1], params, cell)
    loss, dscores = temporal_softmax_loss(scores, tgt_out, np.ones(tgt_out.shape, bool))
    dh_init, grads = decoder_backward(dscores, dec_cache, cell)
    dh_enc = np.zeros_like(h_enc)
    dh_enc[:, -1] = dh_init            # the decoder read only the last encoder state
    grads.update(encoder_backward(dh_enc, enc_cache, cell))
    return loss, grads

def make_step_fn(params, cell=rnn_cell):
    """The plain decoder, one step at a time: step(tokens (B,), h (B, H)) returns
    (log-probabilities of the next token (B, V), next state (B, H))."""
    def step(tokens, h):
        next_h, _ = cell.step_forward(params["E_tgt"][tokens], h, params["dec_Wx"],
                                      params["dec_Wh"], params["dec_b"])
        return log_softmax(next_h @ params["Wy"] + params["by"]), next_h
    return step

def greedy_decode(step_fn, h_init, start, end, max_len):
    """Greedy decoding: the most likely token at every step, fed back as the next input.

    Inputs:
    - step_fn: step_fn(tokens (B,), state (B, H)) -> (log_probs (B, V), next_state (B, H))
    - h_init: initial decoder states, shape (N, H)
    - start, end: the start and end token indices
    - max_len: number of tokens to produce at most

    Returns:
    - tokens: integers of shape (N, max_len); after a row's first `end`, only `end`
    """
    N = h_init.shape[0]
    tokens = np.full((N, max_len), end)
    previous = np.full(N, start)
    finished = np.zeros(N, dtype=bool)
    state = h_init
    for t in range(max_len):
        log_probs, state = step_fn(previous, state)  # (N, V), (N, H)
        previous = log_probs.argmax(axis=1)           # (N,): fed back at the next step
        tokens[:, t] = np.where(finished, end, previous)
        finished |= previous == end
        if finished.all():
            break
    return tokens

def beam_search(step_fn, h_init, start, end, beam_width, max_len, alpha=0.0):
    """Beam search for one input.

    Inputs:
    - step_fn: step_fn(tokens (B,), state (B, H)) -> (log_probs (B, V), next_state (B, H))
    - h_init: initial decoder state, shape (1, H)
    - start, end: the start and end token indices
    - beam_width: number of hypotheses kept at each step (>= 1)
    - max_len: number of tokens to produce at most
    - alpha: length-normalisation exponent; finished hypotheses are ranked by
      score / length ** alpha

    Returns a tuple of:
    - tokens: integer array of shape (k,), the best hypothesis (with `end` if finished)
    - score: float, its length-normalised sum of log-probabilities
    """
    live_tokens = [[]]       # tokens of the live hypotheses
    live_scores = np.zeros(1)  # (B,): their sums of log-probabilities
    states = h_init            # (B, H)
    finished = []              # (tokens, score) of the finished hypotheses
    for _ in range(max_len):
        last = np.array([seq[-1] if seq else start for seq in live_tokens])  # (B,)
        log_probs, next_states = step_fn(last, states)       # (B, V), (B, H)
        V = log_probs.shape[1]
        candidates = (live_scores[:, None] + log_probs).ravel()  # (B * V,): add logs
        best = np.argsort(-candidates, kind="stable")[:beam_width]
        kept_tokens, kept_scores, parents = [], [], []
        for flat in best:
            parent, word = divmod(int(flat), V)
            seq = live_tokens[parent] + [word]
            if word == end:
                finished.append((seq, candidates[flat]))  # done: never extended again
            else:
                kept_tokens.append(seq)
                kept_scores.append(candidates[flat])
                parents.append(parent)
        live_tokens, live_scores = kept_tokens, np.array(kept_scores)
        states = next_states[parents]                          # each keeps its parent's state
        if not live_tokens:
            break
    finished.extend(zip(live_tokens, live_scores))            # cut off at max_len
    normalised = [score / len(seq) ** alpha for seq, score in finished]
    best = int(np.argmax(normalised))
    return np.array(finished[best][0], dtype=int), float(normalised[best])

def reversal_accuracy(params, lengths, rng, n=200, attention=False):
    """Exact-match accuracy of greedy decoding on n fresh strings of each length
    (an array with one fraction per length; attention=True for the extension's model)."""
    accuracy = []
    for length in lengths:
        src, _tgt_in, tgt_out = digit_reversal(n, length, rng)
        h_enc, _ = encoder_forward(src, params)                       # (n, Tx, H)
        step = (make_attention_step_fn(params, h_enc) if attention
                else make_step_fn(params))
        output = greedy_decode(step, h_enc[:, -1], REVERSAL_START, REVERSAL_END, length + 1)
        accuracy.append(np.mean(np.all(output == tgt_out, axis=1)))
    return np.array(accuracy)

def train_seq2seq(loss_fn, params, batches, lr, clip, beta1=0.9, beta2=0.999, eps=1e-8):
    """Train with Adam and global-norm gradient clipping, one update per batch.

    Inputs:
    - loss_fn: loss_fn(params, *batch) -> (loss, grads), grads a dict like params
    - params: dict of parameter arrays, updated in place
    - batches: list of batches (tuples of arrays), used in order
    - lr: learning rate; clip: largest allowed global gradient norm
    - beta1, beta2, eps: Adam's constants

    Returns:
    - losses: array of shape (len(batches),), the loss of every batch before its update
    """
    moment1 = {name: np.zeros_like(value) for name, value in params.items()}
    moment2 = {name: np.zeros_like(value) for name, value in params.items()}
    losses = []
    for t, batch in enumerate(batches, start=1):
        loss, grads = loss_fn(params, *batch)
        norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
        scale = clip / norm if norm > clip else 1.0  # one factor for all: keeps direction
        for name in params:
            g = scale * grads[name]
            moment1[name] = beta1 * moment1[name] + (1 - beta1) * g
            moment2[name] = beta2 * moment2[name] + (1 - beta2) * g * g
            m_hat = moment1[name] / (1 - beta1 ** t)  # bias correction: moments start at 0
            v_hat = moment2[name] / (1 - beta2 ** t)
            params[name] -= lr * m_hat / (np.sqrt(v_hat) + eps)
        losses.append(loss)
    return np.array(losses)

def additive_attention_forward(query, keys, Wq, Wk, v):
    """Additive (Bahdanau) attention of one query per example over Tx keys.

    Inputs:
    - query: shape (N, Hq), e.g. the decoder's previous state
    - keys: shape (N, Tx, Hk), e.g. the encoder states
    - Wq: query projection, shape (Hq, A)
    - Wk: key projection, shape (Hk, A)
    - v: scoring vector, shape (A,)

    Returns a tuple of:
    - context: attention-weighted sum of the keys, shape (N, Hk)
    - weights: attention weights, shape (N, Tx); each row sums to 1
    - cache: values needed by additive_attention_backward
    """
    hidden = np.tanh((query @ Wq)[:, None, :] + keys @ Wk)  # (N, Tx, A)
    scores = hidden @ v                                      # (N, Tx)
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = shifted / shifted.sum(axis=1, keepdims=True)   # (N, Tx): softmax over Tx
    context = (weights[:, None, :] @ keys)[:, 0]             # (N, Hk)
    return context, weights, (query, keys, Wq, Wk, v, hidden, weights)

def additive_attention_backward(dcontext, cache):
    """Backward pass of additive_attention_forward (the weights are not differentiated
    separately: they only reach the loss through the context).

    Inputs:
    - dcontext: upstream gradient of the context, shape (N, Hk)
    - cache: what additive_attention_forward returned

    Returns a tuple of:
    - dquery: shape (N, Hq)
    - dkeys: shape (N, Tx, Hk)
    - dWq: shape (Hq, A)
    - dWk: shape (Hk, A)
    - dv: shape (A,)
    """
    query, keys, Wq, Wk, v, hidden, weights = cache
    N, Tx, A = hidden.shape
    dweights = (keys @ dcontext[:, :, None])[:, :, 0]              # (N, Tx)
    dkeys = weights[:, :, None] * dcontext[:, None, :]             # (N, Tx, Hk): direct path
    dscores = weights * (dweights - (weights * dweights).sum(axis=1, keepdims=True))
    dv = hidden.reshape(N * Tx, A).T @ dscores.reshape(N * Tx)        # (A,)
    dpre = dscores[:, :, None] * v * (1.0 - hidden ** 2)          # (N, Tx, A)
    dWk = keys.reshape(N * Tx, -1).T @ dpre.reshape(N * Tx, A)       # (Hk, A)
    dkeys += dpre @ Wk.T                                           # path through the score
    dquery_proj = dpre.sum(axis=1)                                 # (N, A): shared by all Tx
    return dquery_proj @ Wq.T, dkeys, query.T @ dquery_proj, dWk, dv

def attention_decoder_forward(tgt_in, h_enc, params, cell=rnn_cell):
    """Teacher-forced decoder with additive attention (given).

    Inputs: tgt_in (N, Ty) tokens; h_enc (N, Tx, H) encoder states; params as made by
    init_seq2seq(..., attention_size=A).
    Returns scores (N, Ty, V), the attention weights (N, Ty, Tx), and a cache."""
    N, Ty = tgt_in.shape
    embedded, embed_cache = embedding_forward(tgt_in, params["E_tgt"])  # (N, Ty, D)
    state = h_enc[:, -1]                                           # (N, H)
    outputs, weights, step_caches = [], [], []
    for t in range(Ty):
        context, alpha, attn_cache = additive_attention_forward(
            state, h_enc, params["Wq"], params["Wk"], params["v"])  # (N, H), (N, Tx)
        state, cell_cache = cell.step_forward(np.concatenate([embedded[:, t], context], axis=1),
                                              state, params["dec_Wx"], params["dec_Wh"],
                                              params["dec_b"])
        outputs.append(np.concatenate([state, context], axis=1))   # (N, 2H)
        weights.append(alpha)
        step_caches.append((attn_cache, cell_cache))
    scores, affine_cache = temporal_affine_forward(np.stack(outputs, axis=1),
                                                   params["Wy"], params["by"])
    return scores, np.stack(weights, axis=1), (embed_cache, step_caches, affine_cache)


def attention_decoder_backward(dscores, cache, cell=rnn_cell):
    """Backward pass of attention_decoder_forward (given): returns dh_enc (N, Tx, H), the
    gradient of every encoder state, and the decoder's gradients as a dict."""
    embed_cache, step_caches, affine_cache = cache
    doutputs, dWy, dby = temporal_affine_backward(dscores, affine_cache)  # (N, Ty, 2H)
    H = doutputs.shape[2] // 2
    D = embed_cache[1].shape[1]
    grads = {"dec_Wx": 0.0, "dec_Wh": 0.0, "dec_b": 0.0, "Wq": 0.0, "Wk": 0.0, "v": 0.0}
    dy = np.empty(doutputs.shape[:2] + (D,))                 # (N, Ty, D)
    dh_enc, dstate = 0.0, np.zeros_like(doutputs[:, 0, :H])  # from the step after t
    for t in reversed(range(len(step_caches))):
        attn_cache, cell_cache = step_caches[t]
        dx, dstate, dWx, dWh, db = cell.step_backward(doutputs[:, t, :H] + dstate, cell_cache)
        dy[:, t] = dx[:, :D]
        dcontext = dx[:, D:] + doutputs[:, t, H:]   # the context fed the cell and the output
        dquery, dkeys, dWq, dWk, dv = additive_attention_backward(dcontext, attn_cache)
        dstate = dstate + dquery                     # the previous state was also the query
        dh_enc = dh_enc + dkeys
        for name, g in zip(("dec_Wx", "dec_Wh", "dec_b", "Wq", "Wk", "v"),
                           (dWx, dWh, db, dWq, dWk, dv)):
            grads[name] = grads[name] + g
    dh_enc = dh_enc.copy()
    dh_enc[:, -1] += dstate                          # the first state was h_enc[:, -1]
    grads.update(E_tgt=embedding_backward(dy, embed_cache), Wy=dWy, by=dby)
    return dh_enc, grads


def attention_seq2seq_loss(params, src, tgt_in, tgt_out, cell=rnn_cell):
    """Loss and gradients of the encoder–decoder with attention on one batch (given)."""
    h_enc, enc_cache = encoder_forward(src, params, cell)
    scores, _weights, dec_cache = attention_decoder_forward(tgt_in, h_enc, params, cell)
    loss, dscores = temporal_softmax_loss(scores, tgt_out, np.ones(tgt_out.shape, bool))
    dh_enc, grads = attention_decoder_backward(dscores, dec_cache, cell)
    grads.update(encoder_backward(dh_enc, enc_cache, cell))
    return loss, grads


def make_attention_step_fn(params, h_enc, cell=rnn_cell):
    """The attention decoder one step at a time, for greedy_decode and beam_search.
    h_enc: (N, Tx, H) for N inputs, or (1, Tx, H) shared by all B rows (beam search)."""
    def step(tokens, state):
        keys = h_enc if h_enc.shape[0] == len(tokens) else np.repeat(h_enc, len(tokens), 0)
        context, _, _ = additive_attention_forward(state, keys, params["Wq"],
                                                   params["Wk"], params["v"])
        x = np.concatenate([params["E_tgt"][tokens], context], axis=1)
        next_state, _ = cell.step_forward(x, state, params["dec_Wx"], params["dec_Wh"],
                                          params["dec_b"])
        scores = np.concatenate([next_state, context], axis=1) @ params["Wy"] + params["by"]
        return log_softmax(scores), next_state
    return step
