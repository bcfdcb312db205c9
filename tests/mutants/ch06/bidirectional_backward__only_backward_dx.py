# Wrong: overwrites dx with the backward direction's dx instead of adding it.
# Names: dx is only the backward direction's
def bidirectional_backward(dout, cache):
    cell, mask, cache_fwd, cache_bwd = cache
    H = dout.shape[-1] // 2
    dout = dout * mask[:, :, None]
    dx, dh0_fwd, dparams_fwd = cell.backward(dout[:, :, :H], cache_fwd)
    dx_rev, dh0_bwd, dparams_bwd = cell.backward(reverse_padded(dout[:, :, H:], mask),
                                                 cache_bwd)
    dx = reverse_padded(dx_rev, mask)
    return dx, [dh0_fwd, dh0_bwd], [dparams_fwd, dparams_bwd]
