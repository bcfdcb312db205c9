# Wrong: reports decay as a positive number.
# Names: wrong sign
def fit_decay_rate(norms):
    """Least-squares slope of log(norms[k]) against the lag k = 0, 1, ..., K-1.

    Inputs:
    - norms: positive array of shape (K,), K >= 2 (for example from hidden_grad_norms)

    Returns:
    - rate: a float, the fitted slope in natural-log units per step
    """
    lags = np.arange(len(norms))                  # (K,)
    log_norms = np.log(norms)                     # (K,)
    lag_dev = lags - lags.mean()
    return -float(lag_dev @ (log_norms - log_norms.mean()) / (lag_dev @ lag_dev))