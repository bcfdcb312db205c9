# Wrong: ignores h0s and starts every layer from zeros.
# Names: h0s is ignored
def stacked_forward(x, h0s, layer_params, cell):
    layer_caches = []
    h = x
    for h0, params in zip(h0s, layer_params):
        h, layer_cache = cell.forward(h, np.zeros_like(h0), params)
        layer_caches.append(layer_cache)
    return h, (cell, layer_caches)
