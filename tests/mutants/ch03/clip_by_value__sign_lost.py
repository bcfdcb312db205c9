# Wrong: clips the absolute value, losing the sign.
# Names: lose the sign
def clip_by_value(grads, clip_value):
    """Clip every gradient entry into [-clip_value, clip_value].

    Inputs:
    - grads: dict name -> gradient array, or a list of arrays
    - clip_value: a positive float

    Returns:
    - clipped: the same kind of container with new arrays of the same shapes
    """
    if isinstance(grads, dict):
        return {name: np.minimum(np.abs(g), clip_value) for name, g in grads.items()}
    return [np.minimum(np.abs(g), clip_value) for g in grads]