# Wrong: carries the state from the end of the text into its start on the next pass.
# Localised: k = 0; restart from zeros
def train_char_rnn(params, inputs, targets, num_steps, learning_rate, max_norm=5.0):
    K, N, T = inputs.shape
    H = params["Wh"].shape[0]
    state = {}
    losses = np.empty(num_steps)
    h = np.zeros((N, H))
    for step in range(num_steps):
        k = step % K
        loss, grads, h = char_rnn_loss(params, inputs[k], targets[k], h)
        clip_gradients(grads, max_norm)
        adam_step(params, grads, state, learning_rate)
        losses[step] = loss / T
    return losses
