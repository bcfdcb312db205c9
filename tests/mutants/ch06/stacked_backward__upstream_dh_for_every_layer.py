# Wrong: sends the top layer's upstream gradient dh into every layer's backward pass.
# Localised: stacked_backward
def stacked_backward(dh, cache):
    cell, layer_caches = cache
    L = len(layer_caches)
    dh0s, dlayer_params = [None] * L, [None] * L
    for l in reversed(range(L)):
        dx, dh0s[l], dlayer_params[l] = cell.backward(dh, layer_caches[l])
    return dx, dh0s, dlayer_params
