# Wrong: gives every cell a different initial seed, so the cells do not start from the same draw.
# Names: same seed
def compare_cells(cells, batches, test, hidden_size, lr, seed):
    x_test, y_test = test
    D = x_test.shape[2]
    results = {}
    for k, (name, cell) in enumerate(cells.items()):
        params = init_regressor(cell, D, hidden_size, seed + k)
        state = {}
        train = np.empty(len(batches))
        for step, (x, y) in enumerate(batches):
            train[step], grads = regressor_loss(cell, params, x, y)
            adam_step(params, grads, state, lr)
        test_loss, _ = regressor_loss(cell, params, x_test, y_test)
        results[name] = {"train": train, "test": test_loss}
    return results
