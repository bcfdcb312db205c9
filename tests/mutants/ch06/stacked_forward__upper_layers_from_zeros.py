# Wrong: only the bottom layer starts from its h0; the layers above start from zeros.
# Names: layers above start from zeros
def stacked_forward(x, h0s, layer_params, cell):
    layer_caches = []
    h = x
    for l, params in enumerate(layer_params):
        h0 = h0s[0] if l == 0 else np.zeros_like(h0s[l])
        h, layer_cache = cell.forward(h, h0, params)
        layer_caches.append(layer_cache)
    return h, (cell, layer_caches)
