"""Reference code of ch06, generated from solutions/ch06/ch06.ipynb
by `make fixtures`. Do not edit: edit the notebook."""
import numpy as np
from collections import namedtuple
# Earlier chapters' reference code: chapter 1's forward pass; chapter 2's backward pass,
# embedding, output layer, loss and Adam; chapter 4's LSTM and chapter 5's GRU.
from autograder.provided.ch01 import rnn_forward
from autograder.provided.ch02 import (rnn_backward, embedding_forward, embedding_backward,
                                      temporal_affine_forward, temporal_affine_backward,
                                      temporal_softmax_loss)
from autograder.provided.ch02 import adam_step
from autograder.provided.ch04 import lstm_forward, lstm_backward
from autograder.provided.ch05 import gru_forward, gru_backward

Cell = namedtuple("Cell", ["name", "init", "forward", "backward"])


def _vanilla_init(D, H, rng):
    return {"Wx": rng.standard_normal((D, H)) / np.sqrt(D),         # (D, H)
            "Wh": 0.5 * rng.standard_normal((H, H)) / np.sqrt(H),   # (H, H)
            "b": np.zeros(H)}                                        # (H,)


def _vanilla_forward(x, h0, params):
    return rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])


def _vanilla_backward(dh, cache):
    dx, dh0, dWx, dWh, db = rnn_backward(dh, cache)
    return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db}


VANILLA = Cell("vanilla", _vanilla_init, _vanilla_forward, _vanilla_backward)


def _gru_init(D, H, rng):
    return {"Wx": rng.standard_normal((D, 3 * H)) / np.sqrt(D),     # (D, 3H): r, z, n
            "Wh": rng.standard_normal((H, 3 * H)) / np.sqrt(H),     # (H, 3H)
            "bx": np.zeros(3 * H), "bh": np.zeros(3 * H)}            # (3H,) each


def _gru_forward(x, h0, params):
    return gru_forward(x, h0, params["Wx"], params["Wh"], params["bx"], params["bh"])


def _gru_backward(dh, cache):
    dx, dh0, dWx, dWh, dbx, dbh = gru_backward(dh, cache)
    return dx, dh0, {"Wx": dWx, "Wh": dWh, "bx": dbx, "bh": dbh}


GRU = Cell("gru", _gru_init, _gru_forward, _gru_backward)


def _lstm_init(D, H, rng):
    b = np.zeros(4 * H)                                             # (4H,): i, f, o, g
    b[H:2 * H] = 1.0                                                # forget gate open
    return {"Wx": rng.standard_normal((D, 4 * H)) / np.sqrt(D),     # (D, 4H)
            "Wh": rng.standard_normal((H, 4 * H)) / np.sqrt(H),     # (H, 4H)
            "b": b}


def _lstm_forward(x, h0, params):  # the cell state starts at zero inside lstm_forward
    return lstm_forward(x, h0, params["Wx"], params["Wh"], params["b"])


def _lstm_backward(dh, cache):
    dx, dh0, dWx, dWh, db = lstm_backward(dh, cache)
    return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db}


LSTM = Cell("lstm", _lstm_init, _lstm_forward, _lstm_backward)
CELLS = {"vanilla": VANILLA, "lstm": LSTM, "gru": GRU}

def stacked_forward(x, h0s, layer_params, cell):
    """Forward pass of L stacked recurrent layers: layer l reads layer l-1's states.

    Inputs:
    - x: input sequence, shape (N, T, D)
    - h0s: list of L initial states; h0s[l] has shape (N, H_l)
    - layer_params: list of L parameter dicts; layer 0 maps inputs of size D to states
      of size H_0, layer l > 0 maps states of size H_{l-1} to states of size H_l
    - cell: a Cell; cell.forward(x, h0, params) -> (h, cache) runs one layer

    Returns a tuple of:
    - h: hidden states of the top layer, shape (N, T, H_{L-1})
    - cache: values needed by stacked_backward (include the cell)
    """
    layer_caches = []
    h = x  # (N, T, D): the input sequence of the bottom layer
    for h0, params in zip(h0s, layer_params):
        h, layer_cache = cell.forward(h, h0, params)  # (N, T, H_l)
        layer_caches.append(layer_cache)
    return h, (cell, layer_caches)

def stacked_backward(dh, cache):
    """Backward pass of stacked_forward.

    Inputs:
    - dh: upstream gradient of the top layer's hidden states, shape (N, T, H_{L-1})
    - cache: what stacked_forward returned

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, T, D)
    - dh0s: list of L arrays; dh0s[l] is the gradient with respect to h0s[l], (N, H_l)
    - dlayer_params: list of L dicts; dlayer_params[l] has the keys of layer_params[l]
      and holds their gradients (same shapes)
    """
    cell, layer_caches = cache
    L = len(layer_caches)
    dh0s, dlayer_params = [None] * L, [None] * L
    dout = dh  # (N, T, H_l): gradient of layer l's states, starting at the top
    for l in reversed(range(L)):
        dout, dh0s[l], dlayer_params[l] = cell.backward(dout, layer_caches[l])
    return dout, dh0s, dlayer_params

def reverse_padded(x, mask):
    """Reverse every sequence of a padded batch in time, within its own length.

    Inputs:
    - x: array of shape (N, T, ...), any number of trailing axes
    - mask: boolean array of shape (N, T); row n is True at its L_n real steps (the
      first L_n entries) and False at its padding

    Returns:
    - x_rev: new array of the shape of x with x_rev[n, t] = x[n, L_n - 1 - t] for the
      real steps t < L_n and x_rev[n, t] = x[n, t] at the padding t >= L_n
    """
    N, T = mask.shape
    lengths = mask.sum(axis=1)                      # (N,)
    steps = np.arange(T)[None, :]                   # (1, T)
    source = np.where(steps < lengths[:, None],     # (N, T): the step each entry comes from
                      lengths[:, None] - 1 - steps, steps)
    return x[np.arange(N)[:, None], source]

def bidirectional_forward(x, mask, h0s, params, cell):
    """Forward pass of a bidirectional recurrent layer over a padded batch.

    Inputs:
    - x: input sequences, shape (N, T, D); row n has its L_n real steps first
    - mask: boolean array of shape (N, T), True at the real steps
    - h0s: [h0_fwd, h0_bwd], the initial states of the two directions, each (N, H)
    - params: [params_fwd, params_bwd], the parameter dicts of the two directions
    - cell: a Cell; cell.forward(x, h0, params) -> (h, cache) runs one direction

    Returns a tuple of:
    - out: shape (N, T, 2H); out[n, t, :H] is the forward state and out[n, t, H:] the
      backward state at step t for the real steps, and out[n, t] = 0 at padded steps
    - cache: values needed by bidirectional_backward
    """
    h_fwd, cache_fwd = cell.forward(x, h0s[0], params[0])                # (N, T, H)
    h_rev, cache_bwd = cell.forward(reverse_padded(x, mask), h0s[1], params[1])
    h_bwd = reverse_padded(h_rev, mask)      # (N, T, H): back in the original order
    out = np.concatenate([h_fwd, h_bwd], axis=-1) * mask[:, :, None]     # (N, T, 2H)
    return out, (cell, mask, cache_fwd, cache_bwd)

def bidirectional_backward(dout, cache):
    """Backward pass of bidirectional_forward.

    Inputs:
    - dout: upstream gradient of out, shape (N, T, 2H)
    - cache: what bidirectional_forward returned

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, T, D)
    - dh0s: [dh0_fwd, dh0_bwd], gradients with respect to h0s, each (N, H)
    - dparams: [dparams_fwd, dparams_bwd], dicts with the keys of the two directions'
      parameter dicts, holding their gradients
    """
    cell, mask, cache_fwd, cache_bwd = cache
    H = dout.shape[-1] // 2
    dout = dout * mask[:, :, None]           # padded outputs were zeros: no gradient
    dx_fwd, dh0_fwd, dparams_fwd = cell.backward(dout[:, :, :H], cache_fwd)
    dx_rev, dh0_bwd, dparams_bwd = cell.backward(reverse_padded(dout[:, :, H:], mask),
                                                 cache_bwd)
    dx = dx_fwd + reverse_padded(dx_rev, mask)                           # (N, T, D)
    return dx, [dh0_fwd, dh0_bwd], [dparams_fwd, dparams_bwd]

B, I = 0, 1  # tag numbers: a character Begins a word, or is Inside one

def bi_tags(words):
    """B/I tags of the characters of a segmented sentence.

    Inputs:
    - words: list of words (non-empty strings), e.g. ["今天", "我", "来", "上", "nlp"]

    Returns:
    - tags: integer array of shape (C,), C = the total number of characters;
      tags[i] = B (0) if character i begins a word and I (1) if it continues one
    """
    tags = []
    for word in words:
        tags += [B] + [I] * (len(word) - 1)
    return np.array(tags, dtype=np.int64)

def segment(chars, tags):
    """Split a string into words at its B tags.

    Inputs:
    - chars: a string of C characters, e.g. "今天我来上nlp"
    - tags: integer array of shape (C,), B (0) or I (1) for every character

    Returns:
    - words: list of strings whose concatenation is chars; a word starts at every
      character tagged B and also at character 0, whatever its tag
    """
    words = []
    for i, (char, tag) in enumerate(zip(chars, tags)):
        if i == 0 or tag == B:
            words.append(char)   # a new word begins here
        else:
            words[-1] += char    # the character continues the current word
    return words

def tagger_forward(params, chars, mask, cell):
    """Scores of the tags at every character: embedding, recurrent layer, output layer.

    Inputs:
    - params: dict with
        "E": embedding matrix, shape (V, D)
        "fwd": parameter dict of the (forward) recurrent layer, states of size H
        "bwd": only in bidirectional taggers, parameter dict of the backward direction
        "Wy": output weights, shape (2H, K) if bidirectional, else (H, K)
        "by": output bias, shape (K,)
    - chars: character indices, integer array of shape (N, T), entries in [0, V)
    - mask: boolean array of shape (N, T), True at the real characters
    - cell: the Cell of the recurrent layer; its initial states are zeros

    Returns a tuple of:
    - scores: tag scores, shape (N, T, K)
    - cache: values needed by tagger_loss for the backward pass
    """
    N = chars.shape[0]
    bidirectional = "bwd" in params
    H = params["Wy"].shape[0] // (2 if bidirectional else 1)
    x, emb_cache = embedding_forward(chars, params["E"])                  # (N, T, D)
    if bidirectional:
        h0s = [np.zeros((N, H)), np.zeros((N, H))]
        h, rnn_cache = bidirectional_forward(x, mask, h0s, [params["fwd"], params["bwd"]],
                                             cell)                        # (N, T, 2H)
    else:
        h, rnn_cache = stacked_forward(x, [np.zeros((N, H))], [params["fwd"]], cell)
    scores, out_cache = temporal_affine_forward(h, params["Wy"], params["by"])
    return scores, (bidirectional, emb_cache, rnn_cache, out_cache)

def tagger_loss(params, chars, tags, mask, cell):
    """Masked cross-entropy of a tagger and its gradients with respect to all parameters.

    Inputs:
    - params, chars, mask, cell: as for tagger_forward
    - tags: correct tags, integer array of shape (N, T), entries in [0, K)

    Returns a tuple of:
    - loss: a float, summed over the real characters and divided by N
    - grads: dict with the keys of params ("fwd" and "bwd" are dicts with the keys of
      params["fwd"] and params["bwd"]), each gradient of its parameter's shape
    """
    scores, cache = tagger_forward(params, chars, mask, cell)             # (N, T, K)
    bidirectional, emb_cache, rnn_cache, out_cache = cache
    loss, dscores = temporal_softmax_loss(scores, tags, mask)             # (N, T, K)
    grads = {}
    dh, grads["Wy"], grads["by"] = temporal_affine_backward(dscores, out_cache)
    if bidirectional:
        dx, _, (grads["fwd"], grads["bwd"]) = bidirectional_backward(dh, rnn_cache)
    else:
        dx, _, (grads["fwd"],) = stacked_backward(dh, rnn_cache)
    grads["E"] = embedding_backward(dx, emb_cache)                       # (V, D)
    return loss, grads

def char_vocabulary(sentences):
    """Index of every character in the sentences; index 0 is left for unseen characters."""
    chars = sorted({char for words in sentences for word in words for char in word})
    return {char: i + 1 for i, char in enumerate(chars)}


def encode_texts(texts, vocab):
    """Character indices (N, T) and mask (N, T) of a batch of unsegmented strings."""
    T = max(len(text) for text in texts)
    chars = np.zeros((len(texts), T), dtype=np.int64)
    mask = np.zeros((len(texts), T), dtype=bool)
    for n, text in enumerate(texts):
        chars[n, :len(text)] = [vocab.get(char, 0) for char in text]
        mask[n, :len(text)] = True
    return chars, mask


def encode(sentences, vocab):
    """Characters, B/I tags (your bi_tags) and mask of segmented sentences, all (N, T)."""
    chars, mask = encode_texts(["".join(words) for words in sentences], vocab)
    tags = np.zeros(chars.shape, dtype=np.int64)
    for n, words in enumerate(sentences):
        tags[n, :mask[n].sum()] = bi_tags(words)
    return chars, tags, mask


def init_tagger(V, D, H, K, cell, bidirectional, rng):
    """Random initial parameters of a tagger (the layout tagger_forward expects)."""
    params = {"E": 0.3 * rng.standard_normal((V, D)), "fwd": cell.init(D, H, rng)}
    if bidirectional:
        params["bwd"] = cell.init(D, H, rng)
    params["Wy"] = 0.1 * rng.standard_normal(((2 if bidirectional else 1) * H, K))
    params["by"] = np.zeros(K)
    return params


def flat_view(tree, prefix=""):
    """{"fwd.Wx": array, ...}: the arrays of a nested dict (the same objects, not copies)."""
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flat_view(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


def train_tagger(sentences, cell, bidirectional, *, D=16, H=24, epochs=8, batch_size=32,
                 lr=0.03, seed=0):
    """Train a B/I tagger with your tagger_loss and chapter 2's Adam on shuffled minibatches.

    Returns (params, vocab, losses): the trained parameters, the character vocabulary
    and the loss of every minibatch.
    """
    rng = np.random.default_rng(seed)
    vocab = char_vocabulary(sentences)
    params = init_tagger(len(vocab) + 1, D, H, 2, cell, bidirectional, rng)
    state, losses = {}, []
    for _epoch in range(epochs):
        order = rng.permutation(len(sentences))
        for start in range(0, len(order), batch_size):
            batch = [sentences[i] for i in order[start:start + batch_size]]
            chars, tags, mask = encode(batch, vocab)
            loss, grads = tagger_loss(params, chars, tags, mask, cell)
            adam_step(flat_view(params), flat_view(grads), state, lr)  # in place
            losses.append(loss)
    return params, vocab, losses


def predict_tags(params, texts, vocab, cell):
    """Predicted tags of unsegmented strings: a list of one (len(text),) array each."""
    chars, mask = encode_texts(texts, vocab)
    scores, _cache = tagger_forward(params, chars, mask, cell)
    return [scores[n, :len(text)].argmax(axis=-1) for n, text in enumerate(texts)]


def evaluate_tagger(params, sentences, vocab, cell):
    """Held-out tag accuracy and the fraction of sentences segmented exactly (your segment)."""
    texts = ["".join(words) for words in sentences]
    predicted = predict_tags(params, texts, vocab, cell)
    right = sum(int((p == bi_tags(words)).sum()) for p, words in zip(predicted, sentences))
    exact = [segment(text, p) == list(words)
             for text, p, words in zip(texts, predicted, sentences)]
    return right / sum(len(text) for text in texts), float(np.mean(exact))
