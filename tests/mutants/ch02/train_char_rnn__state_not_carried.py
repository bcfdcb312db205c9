# Wrong: starts every chunk from a zero state, so nothing is carried across chunks.
# Names: nothing is carried across chunks
def train_char_rnn(params, inputs, targets, num_steps, learning_rate, max_norm=5.0):
    K, N, T = inputs.shape
    H = params["Wh"].shape[0]
    state = {}
    losses = np.empty(num_steps)
    for step in range(num_steps):
        k = step % K
        loss, grads, _h = char_rnn_loss(params, inputs[k], targets[k], np.zeros((N, H)))
        clip_gradients(grads, max_norm)
        adam_step(params, grads, state, learning_rate)
        losses[step] = loss / T
    return losses
