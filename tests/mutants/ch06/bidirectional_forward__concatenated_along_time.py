# Wrong: masks each direction, then concatenates along the time axis (axis=1).
# Names: along the time axis; axis=-1
def bidirectional_forward(x, mask, h0s, params, cell):
    h_fwd, cache_fwd = cell.forward(x, h0s[0], params[0])
    h_rev, cache_bwd = cell.forward(reverse_padded(x, mask), h0s[1], params[1])
    h_bwd = reverse_padded(h_rev, mask)
    out = np.concatenate([h_fwd * mask[:, :, None], h_bwd * mask[:, :, None]], axis=1)
    return out, (cell, mask, cache_fwd, cache_bwd)
