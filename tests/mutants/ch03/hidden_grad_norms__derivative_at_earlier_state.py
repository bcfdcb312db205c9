# Wrong: takes the tanh derivative at h[:, t-1], the earlier state of the step.
# Names: earlier state h[:, t-1]
def hidden_grad_norms(h, Wh, dh_last):
    """Norm of the gradient of a last-step loss with respect to every hidden state.

    Inputs:
    - h: hidden states from rnn_forward, shape (N, T, H); h[:, t] is the state after step t
    - Wh: hidden-to-hidden weights, shape (H, H)
    - dh_last: gradient of the loss with respect to h[:, T-1], shape (N, H)

    Returns:
    - norms: array of shape (T,); norms[k] is the norm (over the whole batch) of the
      gradient of the loss with respect to h[:, T-1-k], so norms[0] = ||dh_last||
    """
    T = h.shape[1]
    norms = np.empty(T)
    dh = dh_last                                  # (N, H): gradient w.r.t. h[:, T-1]
    norms[0] = np.linalg.norm(dh)
    for k in range(1, T):
        t = T - k                                 # dh is the gradient w.r.t. h[:, t]
        dh = (dh * (1 - h[:, t - 1] ** 2)) @ Wh.T     # (N, H): now w.r.t. h[:, t-1]
        norms[k] = np.linalg.norm(dh)
    return norms