# Wrong: returns the index of the largest learned T instead of T itself.
# Localised: largest_T should be
def adding_experiment(T_values, rng, steps=200, batch_size=64, hidden_size=16, lr=0.2,
                      max_norm=1.0, threshold=1 / 12, test_size=1000):
    """Train a fresh tanh RNN on the adding problem for every T; find the largest T learned.

    For each T: start from init_adding_rnn(hidden_size, rng); then `steps` times: draw a
    batch with adding_problem(batch_size, T, rng), compute adding_loss_and_grads, clip the
    gradients with clip_by_global_norm (max_norm), and apply guarded_sgd_step with
    learning rate lr. Finally draw adding_problem(test_size, T, rng) and measure adding_mse.

    Inputs:
    - T_values: sequence lengths to try, increasing (e.g. (2, 4, 8, 16))
    - rng: a numpy random Generator, used as described above
    - steps, batch_size, hidden_size, lr, max_norm, test_size: training settings
    - threshold: a test error below this counts as "learned"

    Returns a tuple of:
    - largest_T: the largest T in T_values whose test error is below threshold (0 if none)
    - test_mse: array of shape (len(T_values),), the test error for each T
    """
    test_mse = np.empty(len(T_values))
    for i, T in enumerate(T_values):
        params = init_adding_rnn(hidden_size, rng)
        for _ in range(steps):
            x, y = adding_problem(batch_size, T, rng)
            loss, grads = adding_loss_and_grads(params, x, y)
            grads, _ = clip_by_global_norm(grads, max_norm)
            guarded_sgd_step(params, grads, loss, lr=lr)
        x_test, y_test = adding_problem(test_size, T, rng)
        test_mse[i] = adding_mse(params, x_test, y_test)
    learned = [i for i, mse in enumerate(test_mse) if mse < threshold]
    return (max(learned) if learned else 0), test_mse