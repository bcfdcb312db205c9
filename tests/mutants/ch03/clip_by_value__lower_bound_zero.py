# Wrong: clips into [0, clip_value], zeroing every negative entry.
# Names: lower limit is 0
def clip_by_value(grads, clip_value):
    """Clip every gradient entry into [-clip_value, clip_value].

    Inputs:
    - grads: dict name -> gradient array, or a list of arrays
    - clip_value: a positive float

    Returns:
    - clipped: the same kind of container with new arrays of the same shapes
    """
    if isinstance(grads, dict):
        return {name: np.clip(g, 0, clip_value) for name, g in grads.items()}
    return [np.clip(g, 0, clip_value) for g in grads]