# Wrong: updates a loop variable (p = p - lr * g), so the parameters never change.
# Names: parameters never change
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
    bad = [name for name, g in grads.items() if not np.isfinite(g).all()]
    if bad:
        return False, "step skipped: non-finite gradient entries for " + ", ".join(bad)
    for name, p in params.items():
        p = p - lr * grads[name]
    return True, ""
