# Wrong: applies tanh to the input term only and adds the previous state linearly.
# Names: tanh covers only the input term
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + b) + prev_h @ Wh
    return next_h, (x, prev_h, Wx, Wh, next_h)
