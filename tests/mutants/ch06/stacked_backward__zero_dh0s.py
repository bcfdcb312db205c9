# Wrong: treats the initial states as constants and returns zeros for dh0s.
# Names: dh0s is all zeros
def stacked_backward(dh, cache):
    cell, layer_caches = cache
    L = len(layer_caches)
    dh0s, dlayer_params = [None] * L, [None] * L
    dout = dh
    for l in reversed(range(L)):
        dout, dh0, dlayer_params[l] = cell.backward(dout, layer_caches[l])
        dh0s[l] = np.zeros_like(dh0)
    return dout, dh0s, dlayer_params
