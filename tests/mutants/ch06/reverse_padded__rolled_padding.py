# Wrong: flips the whole row and rolls the padding back to the end, reversing its order.
# Names: padding comes back in reverse order
def reverse_padded(x, mask):
    x_rev = np.empty_like(x)
    T = mask.shape[1]
    for n in range(x.shape[0]):
        L = int(mask[n].sum())
        x_rev[n] = np.roll(x[n, ::-1], -(T - L), axis=0)
    return x_rev
