# Wrong: refuses correctly but does not say which parameters.
# Names: does not name the parameters
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
    problems = []
    if not np.isfinite(loss):
        problems.append(f"the loss is {loss}")
    bad = [name for name, g in grads.items() if not np.isfinite(g).all()]
    if bad:
        problems.append("non-finite gradient entries")
    if problems:                                  # decide before touching anything
        return False, "step skipped: " + "; ".join(problems)
    for name in params:
        params[name] -= lr * grads[name]          # in place: callers see the update
    return True, ""