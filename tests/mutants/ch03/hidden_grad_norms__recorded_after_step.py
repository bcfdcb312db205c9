# Wrong: records each norm after going back a step, so every norm is one step too far back.
# Names: already one step back
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
    dh = dh_last
    for k in range(T):
        t = T - 1 - k
        dh = (dh * (1 - h[:, t] ** 2)) @ Wh.T
        norms[k] = np.linalg.norm(dh)
    return norms
