# Wrong: returns the states of the bottom layer instead of the top one.
# Names: states of the bottom layer
def stacked_forward(x, h0s, layer_params, cell):
    layer_caches, outputs = [], []
    h = x
    for h0, params in zip(h0s, layer_params):
        h, layer_cache = cell.forward(h, h0, params)
        layer_caches.append(layer_cache)
        outputs.append(h)
    return outputs[0], (cell, layer_caches)
