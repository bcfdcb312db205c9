# Wrong: clips every gradient array by its own norm instead of by the global norm.
# Names: its own norm; global norm
def train_seq2seq(loss_fn, params, batches, lr, clip, beta1=0.9, beta2=0.999, eps=1e-8):
    moment1 = {name: np.zeros_like(value) for name, value in params.items()}
    moment2 = {name: np.zeros_like(value) for name, value in params.items()}
    losses = []
    for t, batch in enumerate(batches, start=1):
        loss, grads = loss_fn(params, *batch)
        for name in params:
            g = grads[name]
            norm = np.sqrt(np.sum(g * g))
            g = g * clip / norm if norm > clip else g
            moment1[name] = beta1 * moment1[name] + (1 - beta1) * g
            moment2[name] = beta2 * moment2[name] + (1 - beta2) * g * g
            m_hat = moment1[name] / (1 - beta1 ** t)
            v_hat = moment2[name] / (1 - beta2 ** t)
            params[name] -= lr * m_hat / (np.sqrt(v_hat) + eps)
        losses.append(loss)
    return np.array(losses)
