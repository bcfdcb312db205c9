# Wrong: zeroes the padded steps instead of keeping their values.
# Names: padded steps come back as zeros
def reverse_padded(x, mask):
    x_rev = np.zeros_like(x)
    for n in range(x.shape[0]):
        L = int(mask[n].sum())
        x_rev[n, :L] = x[n, :L][::-1]
    return x_rev
