# Wrong: keeps only the last dh0 computed and repeats it for every layer.
# Names: every entry of dh0s is the same layer's dh0
def stacked_backward(dh, cache):
    cell, layer_caches = cache
    L = len(layer_caches)
    dlayer_params = [None] * L
    dout = dh
    for l in reversed(range(L)):
        dout, dh0, dlayer_params[l] = cell.backward(dout, layer_caches[l])
    return dout, [dh0] * L, dlayer_params
