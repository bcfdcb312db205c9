# Wrong: updates a copy of the parameters, so the caller's model is never trained.
# Localised: loss on the text
def train_char_rnn(params, inputs, targets, num_steps, learning_rate, max_norm=5.0):
    K, N, T = inputs.shape
    H = params["Wh"].shape[0]
    params = {k: v.copy() for k, v in params.items()}
    state = {}
    losses = np.empty(num_steps)
    for step in range(num_steps):
        k = step % K
        if k == 0:
            h = np.zeros((N, H))
        loss, grads, h = char_rnn_loss(params, inputs[k], targets[k], h)
        clip_gradients(grads, max_norm)
        adam_step(params, grads, state, learning_rate)
        losses[step] = loss / T
    return losses
