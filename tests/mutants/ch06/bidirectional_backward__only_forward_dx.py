# Wrong: returns only the forward direction's dx, forgetting that x feeds both directions.
# Names: dx is only the forward direction's
def bidirectional_backward(dout, cache):
    cell, mask, cache_fwd, cache_bwd = cache
    H = dout.shape[-1] // 2
    dout = dout * mask[:, :, None]
    dx_fwd, dh0_fwd, dparams_fwd = cell.backward(dout[:, :, :H], cache_fwd)
    _dx_rev, dh0_bwd, dparams_bwd = cell.backward(reverse_padded(dout[:, :, H:], mask),
                                                  cache_bwd)
    return dx_fwd, [dh0_fwd, dh0_bwd], [dparams_fwd, dparams_bwd]
