# Wrong: only the top layer receives a gradient; the layers below get zeros.
# Names: only the top layer receives a gradient
def stacked_backward(dh, cache):
    cell, layer_caches = cache
    L = len(layer_caches)
    dh0s, dlayer_params = [None] * L, [None] * L
    dout = dh
    for l in reversed(range(L)):
        dx, dh0s[l], dlayer_params[l] = cell.backward(dout, layer_caches[l])
        dout = np.zeros_like(dx)
    return dx, dh0s, dlayer_params
