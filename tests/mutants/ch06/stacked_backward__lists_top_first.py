# Wrong: returns dh0s and dlayer_params in top-to-bottom order.
# Names: top-to-bottom order
def stacked_backward(dh, cache):
    cell, layer_caches = cache
    dh0s, dlayer_params = [], []
    dout = dh
    for layer_cache in reversed(layer_caches):
        dout, dh0, dparams = cell.backward(dout, layer_cache)
        dh0s.append(dh0)
        dlayer_params.append(dparams)
    return dout, dh0s, dlayer_params
