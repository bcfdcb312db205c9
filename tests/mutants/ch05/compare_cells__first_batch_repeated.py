# Wrong: trains on the first batch over and over instead of on each batch in turn.
# Names: first batch over and over
def compare_cells(cells, batches, test, hidden_size, lr, seed):
    x_test, y_test = test
    D = x_test.shape[2]
    results = {}
    for name, cell in cells.items():
        params = init_regressor(cell, D, hidden_size, seed)
        state = {}
        train = np.empty(len(batches))
        for step, (x, y) in enumerate(batches):
            train[step], grads = regressor_loss(cell, params, *batches[0])
            adam_step(params, grads, state, lr)
        test_loss, _ = regressor_loss(cell, params, x_test, y_test)
        results[name] = {"train": train, "test": test_loss}
    return results
