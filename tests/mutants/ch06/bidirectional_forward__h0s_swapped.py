# Wrong: the forward direction starts from h0s[1] and the backward one from h0s[0].
# Names: initial states are swapped
def bidirectional_forward(x, mask, h0s, params, cell):
    h0_bwd, h0_fwd = h0s
    h_fwd, cache_fwd = cell.forward(x, h0_fwd, params[0])
    h_rev, cache_bwd = cell.forward(reverse_padded(x, mask), h0_bwd, params[1])
    out = np.concatenate([h_fwd, reverse_padded(h_rev, mask)], axis=-1) * mask[:, :, None]
    return out, (cell, mask, cache_fwd, cache_bwd)
