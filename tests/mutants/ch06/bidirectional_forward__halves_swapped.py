# Wrong: concatenates [backward; forward].
# Names: two halves are swapped
def bidirectional_forward(x, mask, h0s, params, cell):
    h_fwd, cache_fwd = cell.forward(x, h0s[0], params[0])
    h_rev, cache_bwd = cell.forward(reverse_padded(x, mask), h0s[1], params[1])
    out = np.concatenate([reverse_padded(h_rev, mask), h_fwd], axis=-1) * mask[:, :, None]
    return out, (cell, mask, cache_fwd, cache_bwd)
