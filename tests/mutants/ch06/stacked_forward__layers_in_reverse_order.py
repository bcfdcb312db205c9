# Wrong: applies the layers from the last parameter set to the first.
# Localised: stacked_forward
def stacked_forward(x, h0s, layer_params, cell):
    layer_caches = []
    h = x
    for h0, params in zip(h0s[::-1], layer_params[::-1]):
        h, layer_cache = cell.forward(h, h0, params)
        layer_caches.append(layer_cache)
    return h, (cell, layer_caches)
