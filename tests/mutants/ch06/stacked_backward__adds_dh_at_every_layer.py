# Wrong: adds dh to the upstream gradient of every layer, as if every layer's states
# reached the loss directly.
# Localised: stacked_backward
def stacked_backward(dh, cache):
    cell, layer_caches = cache
    L = len(layer_caches)
    dh0s, dlayer_params = [None] * L, [None] * L
    dout = np.zeros_like(dh)
    for l in reversed(range(L)):
        dout, dh0s[l], dlayer_params[l] = cell.backward(dout + dh, layer_caches[l])
    return dout, dh0s, dlayer_params
