# Wrong: trains on the first chunk over and over instead of moving through the text.
# Localised: differ from step 1
def train_char_rnn(params, inputs, targets, num_steps, learning_rate, max_norm=5.0):
    K, N, T = inputs.shape
    H = params["Wh"].shape[0]
    state = {}
    losses = np.empty(num_steps)
    h = np.zeros((N, H))
    for step in range(num_steps):
        loss, grads, h = char_rnn_loss(params, inputs[0], targets[0], h)
        clip_gradients(grads, max_norm)
        adam_step(params, grads, state, learning_rate)
        losses[step] = loss / T
    return losses
