# Wrong: checks each gradient just before applying it, so earlier parameters are already updated.
# Names: already updated
def guarded_sgd_step(params, grads, loss, lr):
    """One gradient-descent step, applied only when the loss and all gradients are finite.

    Inputs:
    - params: dict name -> parameter array, updated in place
    - grads: dict with the same names -> gradient arrays of the same shapes
    - loss: the loss (a float) of the batch the gradients were computed on
    - lr: learning rate, a positive float

    Returns a tuple of:
    - applied: True if the update was applied, False if it was refused
    - reason: "" when applied; otherwise a sentence naming what was not finite ("loss"
      and/or the names of the parameters whose gradients have NaN or Inf entries)
    """
    if not np.isfinite(loss):
        return False, f"step skipped: the loss is {loss}"
    for name in params:
        if not np.isfinite(grads[name]).all():
            return False, f"step skipped: non-finite gradient entries for {name}"
        params[name] -= lr * grads[name]
    return True, ""
