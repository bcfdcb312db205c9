# Wrong: reverses with x[:, ::-1], so padding is reversed into the front of short rows.
# Names: x[:, ::-1]; reverse_padded(x, mask)
def bidirectional_forward(x, mask, h0s, params, cell):
    h_fwd, cache_fwd = cell.forward(x, h0s[0], params[0])
    h_rev, cache_bwd = cell.forward(x[:, ::-1], h0s[1], params[1])
    out = np.concatenate([h_fwd, h_rev[:, ::-1]], axis=-1) * mask[:, :, None]
    return out, (cell, mask, cache_fwd, cache_bwd)
