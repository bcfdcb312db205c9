# Wrong: uses only the first and last norm instead of a least-squares fit.
# Names: only the first and last norm
def fit_decay_rate(norms):
    """Least-squares slope of log(norms[k]) against the lag k = 0, 1, ..., K-1.

    Inputs:
    - norms: positive array of shape (K,), K >= 2 (for example from hidden_grad_norms)

    Returns:
    - rate: a float, the fitted slope in natural-log units per step
    """
    return float(np.log(norms[-1] / norms[0]) / (len(norms) - 1))
