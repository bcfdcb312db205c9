# Wrong: always scales by max_norm / norm (a numpy norm, so zeros become NaN, not an error).
# Names: small gradients are scaled up
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
    total_norm = np.sqrt(sum(np.sum(g ** 2) for g in arrays))
    with np.errstate(divide="ignore", invalid="ignore"):
        clipped = [g * (max_norm / total_norm) for g in arrays]
    if isinstance(grads, dict):
        return dict(zip(grads, clipped)), float(total_norm)
    return clipped, float(total_norm)
