# Wrong: takes each row's length as the index of its first False (mask.argmin), which is 0
# for a row without padding, so full rows are left as they are.
# Names: rows without padding are not reversed
def reverse_padded(x, mask):
    lengths = mask.argmin(axis=1)
    x_rev = x.copy()
    for n in range(x.shape[0]):
        L = int(lengths[n])
        x_rev[n, :L] = x[n, :L][::-1]
    return x_rev
