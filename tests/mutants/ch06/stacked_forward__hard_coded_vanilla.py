# Wrong: bypasses the cell interface and always runs the vanilla RNN.
# Localised: stacked_forward raised
def stacked_forward(x, h0s, layer_params, cell):
    layer_caches = []
    h = x
    for h0, params in zip(h0s, layer_params):
        h, layer_cache = rnn_forward(h, h0, params["Wx"], params["Wh"], params["b"])
        layer_caches.append(layer_cache)
    return h, (cell, layer_caches)
