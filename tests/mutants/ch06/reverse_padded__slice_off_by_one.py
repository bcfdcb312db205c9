# Wrong: the slice x[n, L-1:0:-1] stops before step 0, so the last real step keeps its value.
# Names: stops before step 0
def reverse_padded(x, mask):
    x_rev = x.copy()
    for n in range(x.shape[0]):
        L = int(mask[n].sum())
        x_rev[n, :L - 1] = x[n, L - 1:0:-1]
    return x_rev
