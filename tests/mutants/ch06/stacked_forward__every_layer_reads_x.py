# Wrong: every layer reads the input x instead of the states of the layer below.
# Localised: stacked_forward
def stacked_forward(x, h0s, layer_params, cell):
    layer_caches = []
    h = x
    for h0, params in zip(h0s, layer_params):
        h, layer_cache = cell.forward(x, h0, params)
        layer_caches.append(layer_cache)
    return h, (cell, layer_caches)
