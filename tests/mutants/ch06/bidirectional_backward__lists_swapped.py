# Wrong: returns dh0s and dparams as [backward, forward].
# Names: backward direction first; [forward, backward]
def bidirectional_backward(dout, cache):
    cell, mask, cache_fwd, cache_bwd = cache
    H = dout.shape[-1] // 2
    dout = dout * mask[:, :, None]
    dx_fwd, dh0_fwd, dparams_fwd = cell.backward(dout[:, :, :H], cache_fwd)
    dx_rev, dh0_bwd, dparams_bwd = cell.backward(reverse_padded(dout[:, :, H:], mask),
                                                 cache_bwd)
    dx = dx_fwd + reverse_padded(dx_rev, mask)
    return dx, [dh0_bwd, dh0_fwd], [dparams_bwd, dparams_fwd]
