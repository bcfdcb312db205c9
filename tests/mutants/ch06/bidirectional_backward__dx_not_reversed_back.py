# Wrong: adds the backward direction's dx without reversing it back.
# Names: dx is added in reversed order
def bidirectional_backward(dout, cache):
    cell, mask, cache_fwd, cache_bwd = cache
    H = dout.shape[-1] // 2
    dout = dout * mask[:, :, None]
    dx_fwd, dh0_fwd, dparams_fwd = cell.backward(dout[:, :, :H], cache_fwd)
    dx_rev, dh0_bwd, dparams_bwd = cell.backward(reverse_padded(dout[:, :, H:], mask),
                                                 cache_bwd)
    return dx_fwd + dx_rev, [dh0_fwd, dh0_bwd], [dparams_fwd, dparams_bwd]
