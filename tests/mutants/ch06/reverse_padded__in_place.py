# Wrong: reverses x in place, so the caller's array changes too.
# Localised: reverse_padded changed its input `x` in place
def reverse_padded(x, mask):
    for n in range(x.shape[0]):
        L = int(mask[n].sum())
        x[n, :L] = x[n, :L][::-1].copy()
    return x
