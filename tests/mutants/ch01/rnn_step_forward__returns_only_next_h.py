# Wrong: returns only next_h; the docstring asks for the tuple (next_h, cache).
# Names: returned an array of shape; did not raise; returns a tuple of
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a vanilla (Elman) RNN with a tanh activation.

    Returns a tuple of:
    - next_h: next hidden state, shape (N, H)
    - cache: values needed by the backward pass
    """
    return np.tanh(x @ Wx + prev_h @ Wh + b)
