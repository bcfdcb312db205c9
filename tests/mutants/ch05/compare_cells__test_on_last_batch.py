# Wrong: reports the loss on the last training batch as the test loss.
# Names: last training batch; x_test
def compare_cells(cells, batches, test, hidden_size, lr, seed):
    x_test, y_test = test
    D = x_test.shape[2]
    results = {}
    for name, cell in cells.items():
        params = init_regressor(cell, D, hidden_size, seed)
        state = {}
        train = np.empty(len(batches))
        for step, (x, y) in enumerate(batches):
            train[step], grads = regressor_loss(cell, params, x, y)
            adam_step(params, grads, state, lr)
        test_loss, _ = regressor_loss(cell, params, x, y)
        results[name] = {"train": train, "test": test_loss}
    return results
