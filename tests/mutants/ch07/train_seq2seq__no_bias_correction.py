# Wrong: leaves out Adam's bias correction.
# Names: bias correction is missing; (1 - beta1 ** t)
def train_seq2seq(loss_fn, params, batches, lr, clip, beta1=0.9, beta2=0.999, eps=1e-8):
    moment1 = {name: np.zeros_like(value) for name, value in params.items()}
    moment2 = {name: np.zeros_like(value) for name, value in params.items()}
    losses = []
    for t, batch in enumerate(batches, start=1):
        loss, grads = loss_fn(params, *batch)
        norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
        scale = clip / norm if norm > clip else 1.0
        for name in params:
            g = scale * grads[name]
            moment1[name] = beta1 * moment1[name] + (1 - beta1) * g
            moment2[name] = beta2 * moment2[name] + (1 - beta2) * g * g
            m_hat = moment1[name]
            v_hat = moment2[name]
            params[name] -= lr * m_hat / (np.sqrt(v_hat) + eps)
        losses.append(loss)
    return np.array(losses)
