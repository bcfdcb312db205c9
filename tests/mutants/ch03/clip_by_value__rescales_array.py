# Wrong: rescales each array so its largest entry is clip_value (keeps direction, is not value clipping).
# Names: rescale each whole array
def clip_by_value(grads, clip_value):
    """Clip every gradient entry into [-clip_value, clip_value].

    Inputs:
    - grads: dict name -> gradient array, or a list of arrays
    - clip_value: a positive float

    Returns:
    - clipped: the same kind of container with new arrays of the same shapes
    """
    if isinstance(grads, dict):
        return {name: (g * min(1.0, clip_value / np.abs(g).max())) for name, g in grads.items()}
    return [(g * min(1.0, clip_value / np.abs(g).max())) for g in grads]