# Wrong: returns the states of every layer concatenated, not only the top layer's.
# Names: every layer side by side
def stacked_forward(x, h0s, layer_params, cell):
    layer_caches, states = [], []
    h = x
    for h0, params in zip(h0s, layer_params):
        h, layer_cache = cell.forward(h, h0, params)
        layer_caches.append(layer_cache)
        states.append(h)
    return np.concatenate(states, axis=-1), (cell, layer_caches)
