# Wrong: initialises all weights to zero, so no gradient ever reaches them.
# Localised: mean squared error; below 0.02
def train_adding(T, rng, hidden_size=16, num_steps=300, batch_size=32,
                 learning_rate=0.02, max_norm=1.0):
    D, H = 2, hidden_size
    params = {"Wx": np.zeros((D, 4 * H)),   # (D, 4H)
              "Wh": np.zeros((H, 4 * H)),   # (H, 4H)
              "b": np.zeros(4 * H),                                 # (4H,)
              "Wy": np.zeros((H, 1)),       # (H, 1)
              "by": np.ones(1)}                                     # the mean target
    params["b"][H:2 * H] = 1.0         # forget-gate bias 1: remember by default
    state, losses = {}, []
    for _ in range(num_steps):
        x, y = adding_problem(batch_size, T, rng)    # a fresh batch every step
        loss, grads = adding_loss(params, x, y)
        clip_gradients(grads, max_norm)
        adam_step(params, grads, state, learning_rate)
        losses.append(loss)
    return params, losses
