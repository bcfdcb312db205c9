# Wrong: unpacks params as (backward, forward).
# Names: parameters are swapped
def bidirectional_forward(x, mask, h0s, params, cell):
    params_bwd, params_fwd = params
    h_fwd, cache_fwd = cell.forward(x, h0s[0], params_fwd)
    h_rev, cache_bwd = cell.forward(reverse_padded(x, mask), h0s[1], params_bwd)
    out = np.concatenate([h_fwd, reverse_padded(h_rev, mask)], axis=-1) * mask[:, :, None]
    return out, (cell, mask, cache_fwd, cache_bwd)
