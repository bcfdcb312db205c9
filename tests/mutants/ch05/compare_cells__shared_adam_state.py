# Wrong: one Adam state for all cells, so each cell inherits the moments and step count of the one before.
# Localised: adam_step
def compare_cells(cells, batches, test, hidden_size, lr, seed):
    x_test, y_test = test
    D = x_test.shape[2]
    results = {}
    state = {}
    for name, cell in cells.items():
        params = init_regressor(cell, D, hidden_size, seed)
        train = np.empty(len(batches))
        for step, (x, y) in enumerate(batches):
            train[step], grads = regressor_loss(cell, params, x, y)
            adam_step(params, grads, state, lr)
        test_loss, _ = regressor_loss(cell, params, x_test, y_test)
        results[name] = {"train": train, "test": test_loss}
    return results
