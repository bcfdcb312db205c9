# Wrong: creates a fresh Adam state at every step, so its running averages never build up.
# Names: fresh Adam state
def train_char_rnn(params, inputs, targets, num_steps, learning_rate, max_norm=5.0):
    K, N, T = inputs.shape
    H = params["Wh"].shape[0]
    losses = np.empty(num_steps)
    for step in range(num_steps):
        k = step % K
        if k == 0:
            h = np.zeros((N, H))
        loss, grads, h = char_rnn_loss(params, inputs[k], targets[k], h)
        clip_gradients(grads, max_norm)
        adam_step(params, grads, {}, learning_rate)
        losses[step] = loss / T
    return losses
