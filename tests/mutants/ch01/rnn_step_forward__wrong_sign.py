# Wrong: subtracts the recurrent term.
# Names: subtracted
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx - prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)
