# Wrong: returns the upstream gradient dh (wrong variable) where dx belongs.
# Names: dx is the upstream gradient dh
def stacked_backward(dh, cache):
    cell, layer_caches = cache
    L = len(layer_caches)
    dh0s, dlayer_params = [None] * L, [None] * L
    dout = dh
    for l in reversed(range(L)):
        dout, dh0s[l], dlayer_params[l] = cell.backward(dout, layer_caches[l])
    return dh, dh0s, dlayer_params
