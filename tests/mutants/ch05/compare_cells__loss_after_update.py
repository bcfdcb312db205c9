# Wrong: records each batch's loss after the update instead of before it.
# Names: after its update; before calling adam_step
def compare_cells(cells, batches, test, hidden_size, lr, seed):
    x_test, y_test = test
    D = x_test.shape[2]
    results = {}
    for name, cell in cells.items():
        params = init_regressor(cell, D, hidden_size, seed)
        state = {}
        train = np.empty(len(batches))
        for step, (x, y) in enumerate(batches):
            _, grads = regressor_loss(cell, params, x, y)
            adam_step(params, grads, state, lr)
            train[step], _ = regressor_loss(cell, params, x, y)
        test_loss, _ = regressor_loss(cell, params, x_test, y_test)
        results[name] = {"train": train, "test": test_loss}
    return results
