# Wrong: replaces non-finite values by numbers and applies the step anyway.
# Names: apply the step anyway
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
    for name in params:
        params[name] -= lr * np.nan_to_num(grads[name])
    return True, ""
