# Wrong: every layer starts from the bottom layer's initial state h0s[0].
# Localised: stacked_forward
def stacked_forward(x, h0s, layer_params, cell):
    layer_caches = []
    h = x
    for params in layer_params:
        h, layer_cache = cell.forward(h, h0s[0], params)
        layer_caches.append(layer_cache)
    return h, (cell, layer_caches)
