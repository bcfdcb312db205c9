# Wrong: sigmoid instead of tanh.
# Names: sigmoid
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = 1.0 / (1.0 + np.exp(-(x @ Wx + prev_h @ Wh + b)))
    return next_h, (x, prev_h, Wx, Wh, next_h)
