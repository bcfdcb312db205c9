# Wrong: reverses gradients with [:, ::-1], moving padding into the front.
# Names: [:, ::-1]; padding into the front
def bidirectional_backward(dout, cache):
    cell, mask, cache_fwd, cache_bwd = cache
    H = dout.shape[-1] // 2
    dout = dout * mask[:, :, None]
    dx_fwd, dh0_fwd, dparams_fwd = cell.backward(dout[:, :, :H], cache_fwd)
    dx_rev, dh0_bwd, dparams_bwd = cell.backward(dout[:, ::-1, H:], cache_bwd)
    return dx_fwd + dx_rev[:, ::-1], [dh0_fwd, dh0_bwd], [dparams_fwd, dparams_bwd]
