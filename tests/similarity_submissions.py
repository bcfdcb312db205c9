"""Chapter 1 answered independently five ways, for tests/test_similarity.py: each
learner's answers are correct (the test checks them against the reference) but their
own: loops or vectorised, helpers or none, other names, docstrings kept or deleted.
``COPIED`` is learner B's work passed off by another: names changed, helpers renamed,
reordered and moved, comments and spacing changed. ``{doc}`` marks where the release's
docstring stays (``test_similarity.cell`` puts it back).
"""

LOOPS = {  # learner A: explicit loops, np.dot, stacking
    "one_hot": '''def one_hot(indices, vocab_size):
{doc}
    n_rows, n_steps = indices.shape
    out = np.zeros((n_rows, n_steps, vocab_size))
    for i in range(n_rows):
        for j in range(n_steps):
            out[i, j, indices[i, j]] = 1
    return out''',
    "rnn_step_forward": '''def rnn_step_forward(x, prev_h, Wx, Wh, b):
{doc}
    a = np.dot(x, Wx) + np.dot(prev_h, Wh)
    a += b
    next_h = np.tanh(a)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache''',
    "rnn_forward": '''def rnn_forward(x, h0, Wx, Wh, b):
{doc}
    N, T, D = x.shape
    hs = []
    caches = []
    h_t = h0
    for t in range(T):
        h_t, c = rnn_step_forward(x[:, t, :], h_t, Wx, Wh, b)
        hs.append(h_t)
        caches.append(c)
    h = np.stack(hs, axis=1)
    return h, caches''',
    "softmax": '''def softmax(scores):
{doc}
    m = np.max(scores, axis=-1, keepdims=True)
    exps = np.exp(scores - m)
    total = np.sum(exps, axis=-1, keepdims=True)
    return exps / total''',
    "sequence_cross_entropy": '''def sequence_cross_entropy(scores, targets, mask):
{doc}
    N, T, V = scores.shape
    total = 0.0
    for n in range(N):
        for t in range(T):
            if mask[n, t]:
                p = softmax(scores[n, t])
                total -= np.log(p[targets[n, t]])
    return total / N''',
    "sample_token": '''def sample_token(scores, temperature, rng):
{doc}
    N = scores.shape[0]
    if temperature == 0:
        return np.argmax(scores, axis=1)
    p = softmax(scores / temperature)
    tokens = np.zeros(N, dtype=int)
    for i in range(N):
        tokens[i] = rng.choice(p.shape[1], p=p[i])
    return tokens''',
}

HELPERS = {  # learner B: small helpers, log-space softmax, take_along_axis
    "one_hot": '''def one_hot(indices, vocab_size):
{doc}
    return np.eye(vocab_size)[indices]  # row k of the identity is token k''',
    "rnn_step_forward": '''def _affine(inputs, weights):
    """inputs @ weights: (N, A) @ (A, H) -> (N, H)."""
    return inputs @ weights


def rnn_step_forward(x, prev_h, Wx, Wh, b):
{doc}
    pre = _affine(x, Wx) + _affine(prev_h, Wh) + b   # (N, H)
    next_h = np.tanh(pre)
    return next_h, (x, prev_h, Wx, Wh, next_h)''',
    "rnn_forward": '''def rnn_forward(x, h0, Wx, Wh, b):
{doc}
    batch, steps, _ = x.shape
    hidden = np.zeros((batch, steps, h0.shape[-1]))
    cache = []
    current = h0
    for step in range(steps):
        current, step_cache = rnn_step_forward(x[:, step, :], current, Wx, Wh, b)
        hidden[:, step, :] = current
        cache.append(step_cache)
    return hidden, cache''',
    "softmax": '''def _logsumexp(z):
    """log(sum(exp(z))) over the last axis, keeping it, without overflow."""
    zmax = z.max(axis=-1, keepdims=True)
    return zmax + np.log(np.exp(z - zmax).sum(axis=-1, keepdims=True))


def _log_softmax(z):
    return z - _logsumexp(z)


def softmax(scores):
{doc}
    return np.exp(_log_softmax(scores))''',
    "sequence_cross_entropy": '''def sequence_cross_entropy(scores, targets, mask):
{doc}
    logp = _log_softmax(scores)                                    # (N, T, V)
    picked = np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    return float(-np.sum(picked[mask]) / scores.shape[0])''',
    "sample_token": '''def sample_token(scores, temperature, rng):
{doc}
    if temperature == 0:
        return np.argmax(scores, axis=-1)
    probs = softmax(scores / temperature)
    return np.array([rng.choice(len(row), p=row) for row in probs])''',
}

COPIED = {  # B's work, renamed, reordered, recommented, respaced
    "one_hot": '''def one_hot(indices, vocab_size):
{doc}
    return np.eye( vocab_size )[ indices ]''',
    "rnn_step_forward": '''def rnn_step_forward(x, prev_h, Wx, Wh, b):
{doc}
    # pre-activation
    s = _lin(x,Wx) + _lin(prev_h,Wh) + b
    hn = np.tanh(s)

    return hn, (x, prev_h, Wx, Wh, hn)


def _lin(a, W):
    # matrix product
    return a @ W''',
    "rnn_forward": '''def rnn_forward(x, h0, Wx, Wh, b):
{doc}
    n, T, _ = x.shape
    states = np.zeros((n, T, h0.shape[-1]))
    memo = []
    hcur = h0
    for k in range(T):
        hcur, c_k = rnn_step_forward(x[:, k, :], hcur, Wx, Wh, b)
        states[:, k, :] = hcur
        memo.append(c_k)

    return states, memo''',
    "softmax": '''def softmax(scores):
{doc}
    return np.exp(_logsm(scores))


def _logsm(v):
    return v - _lse(v)


def _lse(v):
    # stable log-sum-exp
    top = v.max(axis=-1, keepdims=True)
    return top + np.log(np.exp(v - top).sum(axis=-1, keepdims=True))''',
    "sequence_cross_entropy": '''def sequence_cross_entropy(scores, targets, mask):
{doc}
    lp = _logsm(scores)
    chosen = np.take_along_axis(lp, targets[..., None], axis=-1)[..., 0]
    return float(-np.sum(chosen[mask]) / scores.shape[0])''',
    "sample_token": '''def sample_token(scores, temperature, rng):
{doc}
    if temperature == 0:
        return np.argmax(scores, axis=-1)
    pr = softmax(scores / temperature)
    return np.array([rng.choice(len(r), p=r) for r in pr])''',
}

FUNCTIONAL = {  # learner C: einsum, moveaxis, dict cache, one_hot reused
    "one_hot": '''def one_hot(indices, vocab_size):
{doc}
    flat = indices.reshape(-1)
    encoded = np.zeros((flat.size, vocab_size))
    encoded[np.arange(flat.size), flat] = 1.0
    return encoded.reshape(*indices.shape, vocab_size)''',
    "rnn_step_forward": '''def rnn_step_forward(x, prev_h, Wx, Wh, b):
{doc}
    z = np.einsum("nd,dh->nh", x, Wx) + np.einsum("nh,hk->nk", prev_h, Wh) + b[None, :]
    next_h = np.tanh(z)
    cache = {"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "next_h": next_h}
    return next_h, cache''',
    "rnn_forward": '''def rnn_forward(x, h0, Wx, Wh, b):
{doc}
    hs = [h0]
    caches = []
    for x_t in np.moveaxis(x, 1, 0):  # (N, D) at each time step
        h_next, cache_t = rnn_step_forward(x_t, hs[-1], Wx, Wh, b)
        hs.append(h_next)
        caches.append(cache_t)
    return np.stack(hs[1:], axis=1), caches''',
    "softmax": '''def softmax(scores):
{doc}
    z = np.asarray(scores, dtype=float)
    z = z - np.amax(z, axis=-1)[..., np.newaxis]
    ez = np.exp(z)
    return ez / np.sum(ez, axis=-1)[..., np.newaxis]''',
    "sequence_cross_entropy": '''def sequence_cross_entropy(scores, targets, mask):
{doc}
    probs = softmax(scores)
    p_correct = (probs * one_hot(targets, scores.shape[-1])).sum(-1)
    losses = -np.log(p_correct) * mask
    return losses.sum() / scores.shape[0]''',
    "sample_token": '''def sample_token(scores, temperature, rng):
{doc}
    if temperature <= 0:
        return scores.argmax(-1)
    p = softmax(scores / temperature)
    u = rng.random(p.shape[0])
    idx = (p.cumsum(-1) < u[:, None]).sum(-1)
    return np.clip(idx, 0, p.shape[1] - 1)''',
}

ROWWISE = {  # learner D: one row at a time, while loops, ndenumerate
    "one_hot": '''def one_hot(indices, vocab_size):
{doc}
    result = np.zeros(indices.shape + (vocab_size,), dtype=np.float64)
    for pos, token in np.ndenumerate(indices):
        result[pos + (token,)] = 1.0
    return result''',
    "rnn_step_forward": '''def rnn_step_forward(x, prev_h, Wx, Wh, b):
{doc}
    N, H = prev_h.shape
    next_h = np.empty((N, H))
    for n in range(N):
        next_h[n] = np.tanh(x[n].dot(Wx) + prev_h[n].dot(Wh) + b)
    cache = x, prev_h, Wx, Wh, next_h
    return next_h, cache''',
    "rnn_forward": '''def rnn_forward(x, h0, Wx, Wh, b):
{doc}
    T = x.shape[1]
    states = np.zeros(x.shape[:2] + h0.shape[1:])
    h = h0
    caches = [None] * T
    t = 0
    while t < T:
        h, caches[t] = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        states[:, t] = h
        t += 1
    return states, caches''',
    "softmax": '''def softmax(scores):
{doc}
    shape = scores.shape
    rows = scores.reshape(-1, shape[-1])
    out = np.empty(rows.shape)
    for i, row in enumerate(rows):
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out.reshape(shape)''',
    "sequence_cross_entropy": '''def sequence_cross_entropy(scores, targets, mask):
{doc}
    N, T, V = scores.shape
    loss = 0.0
    for n in range(N):
        for t in range(T):
            if not mask[n, t]:
                continue
            row = scores[n, t]
            m = row.max()
            lse = m + np.log(np.sum(np.exp(row - m)))
            loss += lse - row[targets[n, t]]
    return loss / N''',
    "sample_token": '''def sample_token(scores, temperature, rng):
{doc}
    if temperature == 0:
        return np.array([int(np.argmax(row)) for row in scores])
    tokens = []
    for row in scores:
        p = softmax(row / temperature)
        tokens.append(rng.choice(len(p), p=p))
    return np.array(tokens)''',
}

TERSE = {  # learner E: docstrings deleted, one-liners, Gumbel-max sampling
    "one_hot": '''def one_hot(indices, vocab_size):
    return (indices[..., None] == np.arange(vocab_size)).astype(float)''',
    "rnn_step_forward": '''def rnn_step_forward(x, prev_h, Wx, Wh, b):
    h = np.tanh(np.concatenate([x, prev_h], axis=1) @ np.vstack([Wx, Wh]) + b)
    return h, (x, prev_h, Wx, Wh, h)''',
    "rnn_forward": '''def rnn_forward(x, h0, Wx, Wh, b):
    out, caches, h = [], [], h0
    for t in range(x.shape[1]):
        h, c = rnn_step_forward(x[:, t], h, Wx, Wh, b); out.append(h); caches.append(c)
    return np.stack(out, 1), caches''',
    "softmax": '''def softmax(scores):
    e = np.exp(scores - scores.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)''',
    "sequence_cross_entropy": '''def sequence_cross_entropy(scores, targets, mask):
    lp = scores - scores.max(-1, keepdims=True)
    lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    picked = np.take_along_axis(lp, targets[..., None], -1)[..., 0]
    return float(-np.where(mask, picked, 0.0).sum() / len(scores))''',
    "sample_token": '''def sample_token(scores, temperature, rng):
    if not temperature:
        return scores.argmax(1)
    return (scores / temperature + rng.gumbel(size=scores.shape)).argmax(1)''',
}

HONEST = {"ann": LOOPS, "bea": HELPERS, "cy": FUNCTIONAL, "dee": ROWWISE, "eve": TERSE}
