# Wrong: divides np.cov (ddof=1) by np.var (ddof=0), so the slope is K / (K - 1) too steep.
# Names: ddof; too steep
def fit_decay_rate(norms):
    """Least-squares slope of log(norms[k]) against the lag k = 0, 1, ..., K-1.

    Inputs:
    - norms: positive array of shape (K,), K >= 2 (for example from hidden_grad_norms)

    Returns:
    - rate: a float, the fitted slope in natural-log units per step
    """
    lags = np.arange(len(norms))
    log_norms = np.log(norms)
    return float(np.cov(lags, log_norms)[0, 1] / np.var(lags))
