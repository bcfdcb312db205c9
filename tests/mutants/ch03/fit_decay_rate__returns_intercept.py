# Wrong: returns the intercept of the fitted line, not its slope.
# Names: intercept of the fitted line
def fit_decay_rate(norms):
    """Least-squares slope of log(norms[k]) against the lag k = 0, 1, ..., K-1.

    Inputs:
    - norms: positive array of shape (K,), K >= 2 (for example from hidden_grad_norms)

    Returns:
    - rate: a float, the fitted slope in natural-log units per step
    """
    lags = np.arange(len(norms))
    slope, intercept = np.polyfit(lags, np.log(norms), 1)
    return float(intercept)
