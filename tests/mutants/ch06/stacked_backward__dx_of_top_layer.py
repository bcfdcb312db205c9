# Wrong: returns the input gradient of the top layer instead of the bottom layer's.
# Names: input gradient of the top layer; bottom layer
def stacked_backward(dh, cache):
    cell, layer_caches = cache
    L = len(layer_caches)
    dh0s, dlayer_params = [None] * L, [None] * L
    dout = dh
    for l in reversed(range(L)):
        dout, dh0s[l], dlayer_params[l] = cell.backward(dout, layer_caches[l])
        if l == L - 1:
            dx = dout
    return dx, dh0s, dlayer_params
