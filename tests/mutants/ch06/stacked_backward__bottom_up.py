# Wrong: walks the layers from the bottom up, feeding dh to layer 0 first.
# Localised: operands could not be broadcast
def stacked_backward(dh, cache):
    cell, layer_caches = cache
    L = len(layer_caches)
    dh0s, dlayer_params = [], []
    dout = dh
    for l in range(L):
        dout, dh0, dparams = cell.backward(dout, layer_caches[l])
        dh0s.append(dh0)
        dlayer_params.append(dparams)
    return dout, dh0s, dlayer_params
