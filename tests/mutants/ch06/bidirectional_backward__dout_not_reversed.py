# Wrong: feeds dout[..., H:] to the backward direction in the original order.
# Names: original order; reverse_padded(dout[..., H:], mask)
def bidirectional_backward(dout, cache):
    cell, mask, cache_fwd, cache_bwd = cache
    H = dout.shape[-1] // 2
    dout = dout * mask[:, :, None]
    dx_fwd, dh0_fwd, dparams_fwd = cell.backward(dout[:, :, :H], cache_fwd)
    dx_rev, dh0_bwd, dparams_bwd = cell.backward(dout[:, :, H:], cache_bwd)
    return dx_fwd + reverse_padded(dx_rev, mask), [dh0_fwd, dh0_bwd], [dparams_fwd, dparams_bwd]
