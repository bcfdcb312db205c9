# Wrong: regresses the lag on log norm (axes swapped).
# Names: axes are swapped
def fit_decay_rate(norms):
    """Least-squares slope of log(norms[k]) against the lag k = 0, 1, ..., K-1.

    Inputs:
    - norms: positive array of shape (K,), K >= 2 (for example from hidden_grad_norms)

    Returns:
    - rate: a float, the fitted slope in natural-log units per step
    """
    lags = np.arange(len(norms))
    return float(np.polyfit(np.log(norms), lags, 1)[0])
