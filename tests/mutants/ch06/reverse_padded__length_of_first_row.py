# Wrong: uses the length of row 0 (a full row) for every row.
# Names: whole padded row; own length
def reverse_padded(x, mask):
    L = int(mask[0].sum())
    x_rev = x.copy()
    x_rev[:, :L] = x[:, :L][:, ::-1]
    return x_rev
