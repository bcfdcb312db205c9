# Wrong: leaves the states at padded steps in the output instead of zeros.
# Names: padded steps keep the states
def bidirectional_forward(x, mask, h0s, params, cell):
    h_fwd, cache_fwd = cell.forward(x, h0s[0], params[0])
    h_rev, cache_bwd = cell.forward(reverse_padded(x, mask), h0s[1], params[1])
    out = np.concatenate([h_fwd, reverse_padded(h_rev, mask)], axis=-1)
    return out, (cell, mask, cache_fwd, cache_bwd)
