# Wrong: reverses the whole padded row, putting the padding in front.
# Names: whole padded row; own length
def reverse_padded(x, mask):
    return x[:, ::-1].copy()
