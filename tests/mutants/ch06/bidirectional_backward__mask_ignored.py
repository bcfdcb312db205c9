# Wrong: lets gradient flow from the padded outputs (dout is not masked).
# Names: padded steps is not ignored; mask
def bidirectional_backward(dout, cache):
    cell, mask, cache_fwd, cache_bwd = cache
    H = dout.shape[-1] // 2
    dx_fwd, dh0_fwd, dparams_fwd = cell.backward(dout[:, :, :H], cache_fwd)
    dx_rev, dh0_bwd, dparams_bwd = cell.backward(reverse_padded(dout[:, :, H:], mask),
                                                 cache_bwd)
    return (dx_fwd + reverse_padded(dx_rev, mask), [dh0_fwd, dh0_bwd],
            [dparams_fwd, dparams_bwd])
