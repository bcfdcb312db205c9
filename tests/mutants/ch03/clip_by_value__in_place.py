# Wrong: clips the caller's arrays in place.
# Names: caller's arrays in place
def clip_by_value(grads, clip_value):
    """Clip every gradient entry into [-clip_value, clip_value].

    Inputs:
    - grads: dict name -> gradient array, or a list of arrays
    - clip_value: a positive float

    Returns:
    - clipped: the same kind of container with new arrays of the same shapes
    """
    if isinstance(grads, dict):
        return {name: np.clip(g, -clip_value, clip_value, out=g) for name, g in grads.items()}
    return [np.clip(g, -clip_value, clip_value, out=g) for g in grads]