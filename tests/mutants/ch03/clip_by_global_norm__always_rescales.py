# Wrong: always rescales to max_norm, also scaling small gradients up.
# Localised: ZeroDivisionError
def clip_by_global_norm(grads, max_norm):
    """Scale all gradients by one common factor so that their joint norm is <= max_norm.

    Inputs:
    - grads: dict name -> gradient array (any shapes), or a list of arrays
    - max_norm: a positive float

    Returns a tuple of:
    - clipped: the same kind of container with new arrays of the same shapes
    - total_norm: a float, the joint norm of the gradients before clipping (NaN or Inf
      when any entry is; the gradients are then returned unchanged)
    """
    arrays = list(grads.values()) if isinstance(grads, dict) else list(grads)
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in arrays)))
    scale = max_norm / total_norm
    clipped = [g * scale for g in arrays]         # new arrays, same shapes
    if isinstance(grads, dict):
        return dict(zip(grads.keys(), clipped)), total_norm
    return clipped, total_norm