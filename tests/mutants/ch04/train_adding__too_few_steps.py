# Wrong: stops after a tenth of the steps.
# Localised: mean squared error; below 0.02
def train_adding(T, rng, hidden_size=16, num_steps=300, batch_size=32,
                 learning_rate=0.02, max_norm=1.0):
    D, H = 2, hidden_size
    params = {"Wx": rng.standard_normal((D, 4 * H)) / np.sqrt(D),   # (D, 4H)
              "Wh": rng.standard_normal((H, 4 * H)) / np.sqrt(H),   # (H, 4H)
              "b": np.zeros(4 * H),                                 # (4H,)
              "Wy": rng.standard_normal((H, 1)) / np.sqrt(H),       # (H, 1)
              "by": np.ones(1)}                                     # the mean target
    params["b"][H:2 * H] = 1.0         # forget-gate bias 1: remember by default
    state, losses = {}, []
    for _ in range(num_steps // 10):
        x, y = adding_problem(batch_size, T, rng)    # a fresh batch every step
        loss, grads = adding_loss(params, x, y)
        clip_gradients(grads, max_norm)
        adam_step(params, grads, state, learning_rate)
        losses.append(loss)
    return params, losses
