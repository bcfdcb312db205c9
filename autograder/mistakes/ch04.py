"""Likely mistakes of chapter 4 (the LSTM step and sequence, forward and backward; the
peephole and coupled variants; the adding-problem regressor). See
``autograder/mistakes/__init__.py``.

Gate orders: this course stacks the column blocks as i, f, o, g. The libraries a learner
may have read use other orders: PyTorch (``nn.LSTM``), Keras and cuDNN use i, f, g, o;
TensorFlow's ``LSTMCell`` splits as i, j, f, o (j is the candidate); ONNX uses i, o, f, c;
Chainer a, i, f, o (a is the candidate). Each is catalogued under its library's name.

``train_adding`` has no catalogue: its case's own judge only asks whether the learner's
test error is below the target, so a failing learner can never match a mistake's run.
"""
from __future__ import annotations

import numpy as np

from autograder.mistakes import mistake

CH = "ch04"


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _identity(a):
    return a


COURSE = "ifog"
# (order as the learner reads the blocks, the library and how it names the order)
ORDERS = {
    "pytorch_order": ("ifgo", "PyTorch's (and Keras') order i, f, g, o"),
    "tensorflow_order": ("igfo", "TensorFlow's LSTMCell order i, j, f, o (j is the "
                                 "candidate)"),
    "onnx_order": ("iofg", "ONNX's order i, o, f, c (c is the candidate)"),
    "chainer_order": ("gifo", "Chainer's order a, i, f, o (a is the candidate)"),
}


def _order_says(library_order: str, what: str = "you read the gates") -> str:
    return (f"{what} in {library_order}; this course's order is i, f, o, g: columns "
            "0:H input, H:2H forget, 2H:3H output, 3H:4H candidate.")


def _blocks(a, H, order):
    return {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(order)}


# --- lstm_step_forward -----------------------------------------------------------------

def _step_forward(order=COURSE, bias=1, gate=_sigmoid, candidate=np.tanh,
                  squash=np.tanh, forget_on="prev_c", mix="standard", squash_of="next_c",
                  output_gate=True, swap_return=False):
    def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
        H = prev_h.shape[1]
        blk = _blocks(x @ Wx + prev_h @ Wh + bias * b, H, order)
        i, f, o = gate(blk["i"]), gate(blk["f"]), gate(blk["o"])
        g = candidate(blk["g"])
        kept = prev_h if forget_on == "prev_h" else prev_c
        next_c = {"standard": f * kept + i * g,
                  "if_swapped": i * kept + f * g,
                  "no_input_gate": f * kept + g,
                  "no_forget_gate": kept + i * g}[mix]
        shown = squash(prev_c if squash_of == "prev_c" else next_c)
        next_h = o * shown if output_gate else shown
        cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, np.tanh(next_c))
        return (next_c, next_h, cache) if swap_return else (next_h, next_c, cache)
    return lstm_step_forward


STEP_FORWARD = {
    **{name: (dict(order=order), _order_says(words)) for name, (order, words)
       in ORDERS.items()},
    "swapped_returns": (dict(swap_return=True),
                        "you return (next_c, next_h, cache); return next_h first: "
                        "(next_h, next_c, cache)."),
    "missing_bias": (dict(bias=0),
                     "the bias b is never added: a = x @ Wx + prev_h @ Wh + b."),
    "doubled_bias": (dict(bias=2),
                     "the bias b is added twice: a = x @ Wx + prev_h @ Wh + b, with b "
                     "once."),
    "input_forget_swapped": (dict(mix="if_swapped"),
                             "the input and forget gates are swapped in the cell update "
                             "(or read from each other's columns): the forget gate f "
                             "(columns H:2H) scales prev_c and the input gate i (columns "
                             "0:H) scales g: next_c = f * prev_c + i * g."),
    "forget_on_hidden": (dict(forget_on="prev_h"),
                         "the forget gate multiplies prev_h; it keeps the old cell state: "
                         "next_c = f * prev_c + i * g."),
    "no_input_gate": (dict(mix="no_input_gate"),
                      "the candidate is added without the input gate: next_c = f * "
                      "prev_c + i * g."),
    "no_forget_gate": (dict(mix="no_forget_gate"),
                       "prev_c is kept whole, without the forget gate: next_c = f * "
                       "prev_c + i * g."),
    "sigmoid_candidate": (dict(candidate=_sigmoid),
                          "the candidate g uses a sigmoid; it uses tanh (only the gates "
                          "i, f, o are sigmoids): g = tanh(a[:, 3H:4H])."),
    "tanh_gates": (dict(gate=np.tanh),
                   "the gates use tanh; the gates i, f, o are sigmoids (values in 0..1), "
                   "only the candidate g uses tanh."),
    "no_tanh_on_cell": (dict(squash=_identity),
                        "the tanh on the cell state is missing: next_h = o * "
                        "tanh(next_c), not o * next_c."),
    "sigmoid_on_cell": (dict(squash=_sigmoid),
                        "the cell state is squashed with a sigmoid; use tanh: next_h = "
                        "o * tanh(next_c)."),
    "output_from_old_cell": (dict(squash_of="prev_c"),
                             "next_h is computed from the old cell state prev_c; use the "
                             "new one: next_h = o * tanh(next_c)."),
    "no_output_gate": (dict(output_gate=False),
                       "the output gate is missing: next_h = o * tanh(next_c), not "
                       "tanh(next_c)."),
}

for _name, (_kw, _says) in STEP_FORWARD.items():
    mistake(CH, "lstm_step_forward", _name, _says)(
        lambda ref, kw=_kw: {"lstm_step_forward": _step_forward(**kw)})


# --- lstm_step_backward ----------------------------------------------------------------

def _step_backward(order=COURSE, hidden_path=True, tanh_derivative=True,
                   candidate_derivative="tanh", tanh_like=(), df_cell="prev_c",
                   dprev_c_f=True):
    """A wrong lstm_step_backward over the reference cache."""
    def gate_derivative(name, z):
        return 1 - z ** 2 if name in tanh_like else z * (1 - z)

    def lstm_step_backward(dnext_h, dnext_c, cache):
        x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
        through_h = dnext_h * o * ((1 - tanh_c ** 2) if tanh_derivative else 1.0)
        dc = dnext_c + through_h if hidden_path else dnext_c
        cell = prev_c if df_cell == "prev_c" else f * prev_c + i * g
        grads = {"i": dc * g * gate_derivative("i", i),
                 "f": dc * cell * gate_derivative("f", f),
                 "o": dnext_h * tanh_c * gate_derivative("o", o),
                 "g": dc * i * ((1 - g ** 2) if candidate_derivative == "tanh"
                                else g * (1 - g))}
        da = np.concatenate([grads[name] for name in order], axis=1)
        dprev_c = dc * f if dprev_c_f else dc
        return (da @ Wx.T, da @ Wh.T, dprev_c, x.T @ da, prev_h.T @ da, da.sum(axis=0))
    return lstm_step_backward


STEP_BACKWARD = {
    **{name: (dict(order=order), _order_says(words, "you stack the gate gradients in da"))
       for name, (order, words) in ORDERS.items()},
    "dc_ignores_hidden_path": (dict(hidden_path=False),
                               "dc takes only dnext_c; next_h depends on next_c too, so "
                               "add that path: dc = dnext_c + dnext_h * o * (1 - "
                               "tanh(next_c)**2)."),
    "tanh_derivative_missing": (dict(tanh_derivative=False),
                                "the path from next_h into dc skips the tanh's derivative: "
                                "dc = dnext_c + dnext_h * o * (1 - tanh(next_c)**2)."),
    "candidate_sigmoid_derivative": (dict(candidate_derivative="sigmoid"),
                                     "the candidate's derivative is the sigmoid's, g * "
                                     "(1 - g); g is a tanh, so use 1 - g**2."),
    "forget_tanh_derivative": (dict(tanh_like=("f",)),
                               "the forget gate's derivative is the tanh's, 1 - f**2; f is "
                               "a sigmoid, so use f * (1 - f)."),
    "input_tanh_derivative": (dict(tanh_like=("i",)),
                              "the input gate's derivative is the tanh's, 1 - i**2; i is a "
                              "sigmoid, so use i * (1 - i)."),
    "output_tanh_derivative": (dict(tanh_like=("o",)),
                               "the output gate's derivative is the tanh's, 1 - o**2; o is "
                               "a sigmoid, so use o * (1 - o)."),
    "gates_tanh_derivative": (dict(tanh_like=("i", "f", "o")),
                              "the gates' derivatives are the tanh's, 1 - z**2; the gates "
                              "are sigmoids, so use z * (1 - z) for i, f and o."),
    "df_uses_new_cell": (dict(df_cell="next_c"),
                         "df uses the new cell state; the forget gate multiplied the old "
                         "one, so df = dc * prev_c."),
    "dprev_c_without_forget": (dict(dprev_c_f=False),
                               "dprev_c is dc itself; the old cell reached next_c through "
                               "the forget gate, so dprev_c = dc * f."),
}

for _name, (_kw, _says) in STEP_BACKWARD.items():
    mistake(CH, "lstm_step_backward", _name, _says)(
        lambda ref, kw=_kw: {"lstm_step_backward": _step_backward(**kw)})


@mistake(CH, "lstm_step_backward", "db_not_summed",
         "db keeps one row per example, shape (N, 4H): sum da over the batch, "
         "db = da.sum(axis=0), shape (4H,).", how="shape")
def _(ref):
    def lstm_step_backward(dnext_h, dnext_c, cache):
        dx, dprev_h, dprev_c, dWx, dWh, db = ref.lstm_step_backward(dnext_h, dnext_c, cache)
        return dx, dprev_h, dprev_c, dWx, dWh, np.zeros((dx.shape[0],) + db.shape)
    return {"lstm_step_backward": lstm_step_backward}


@mistake(CH, "lstm_step_backward", "db_wrong_axis",
         "db sums da over the wrong axis (the gates', axis=1), so it has shape (N,): sum "
         "over the batch, db = da.sum(axis=0), shape (4H,).", how="shape")
def _(ref):
    def lstm_step_backward(dnext_h, dnext_c, cache):
        dx, dprev_h, dprev_c, dWx, dWh, db = ref.lstm_step_backward(dnext_h, dnext_c, cache)
        return dx, dprev_h, dprev_c, dWx, dWh, np.zeros(dx.shape[0])
    return {"lstm_step_backward": lstm_step_backward}


# --- lstm_forward (and the gate-by-gate comparison of the hidden tests) ----------------

def _sequence(step, h0_every_step=False, c0="zeros", carry_c=True, read="forward",
              store="after", returns="h", bias_twice=False, zero_h0=False):
    """A wrong lstm_forward: a loop over a step function, with the mistake's options."""
    def lstm_forward(x, h0, Wx, Wh, b):
        T = x.shape[1]
        start_h = np.zeros_like(h0) if zero_h0 else h0
        prev_h = start_h
        prev_c = h0 if c0 == "h0" else np.zeros_like(h0)
        hs, cs, befores = [], [], []
        for t in range(T):
            t_in = T - 1 - t if read == "backward" else t
            befores.append(prev_h)
            next_h, next_c, _ = step(x[:, t_in], prev_h, prev_c, Wx, Wh,
                                     2 * b if bias_twice else b)
            hs.append(next_h)
            cs.append(next_c)
            prev_h = start_h if h0_every_step else next_h
            prev_c = next_c if carry_c else np.zeros_like(h0)
        if store == "before":
            hs = befores
        return np.stack(cs if returns == "c" else hs, axis=1), None
    return lstm_forward


def _reversed_stored_at_own_step(ref):
    def lstm_forward(x, h0, Wx, Wh, b):
        h, cache = ref.lstm_forward(x[:, ::-1], h0, Wx, Wh, b)
        return h[:, ::-1], cache
    return lstm_forward


SEQUENCE = {
    "h0_every_step": (dict(h0_every_step=True),
                      "every step starts again from h0, so the hidden state is not "
                      "carried through time: feed each step the next_h the previous "
                      "step returned."),
    "cell_reset_every_step": (dict(carry_c=False),
                              "the cell state restarts from zeros at every step: carry "
                              "next_c from step to step, like h."),
    "cell_starts_at_h0": (dict(c0="h0"),
                          "the cell state starts at h0; it starts at zeros "
                          "(np.zeros_like(h0)), only the hidden state starts at h0."),
    "zero_initial_state": (dict(zero_h0=True),
                           "h0 is ignored (the first step starts from zeros): start the "
                           "hidden state from the h0 you are given."),
    "returns_cell_states": (dict(returns="c"),
                            "you return the cell states c; return the hidden states h, "
                            "h[:, t] = o * tanh(c[:, t])."),
    "state_before_step": (dict(store="before"),
                          "h[:, t] holds the state before step t (h[:, 0] is h0), one step "
                          "late: store the state after reading x[:, t]."),
    "reversed_time": (dict(read="backward"),
                      "you read the inputs from the last step to the first: step t reads "
                      "x[:, t], for t = 0, 1, ..., T - 1."),
    "bias_twice": (dict(bias_twice=True),
                   "the bias b is added twice (e.g. once in x @ Wx + b for all steps and "
                   "again inside the loop): add it once."),
}

SEQUENCE_STEP_SKIP = ("doubled_bias",)  # the same outputs as bias_twice above


def _register_sequence(function: str) -> None:
    for name, (kw, says) in SEQUENCE.items():
        mistake(CH, function, name, says)(
            lambda ref, kw=kw: {"lstm_forward": _sequence(_step_forward(), **kw)})
    mistake(CH, function, "reversed_time_stored_reversed",
            "you run the sequence from its last step to its first: step t = 0, 1, ..., "
            "T - 1 in order, and store h[:, t] at its own t.")(
        lambda ref: {"lstm_forward": _reversed_stored_at_own_step(ref)})
    for name, (kw, says) in STEP_FORWARD.items():
        if name in SEQUENCE_STEP_SKIP or name == "swapped_returns":
            continue
        mistake(CH, function, f"step_{name}",
                f"at every step, {says} (If lstm_forward calls your lstm_step_forward, "
                "fix that first: its own self-check says so too.)")(
            lambda ref, kw=kw: {"lstm_forward": _sequence(_step_forward(**kw))})


_register_sequence("lstm_forward")
_register_sequence("lstm_matches_gatewise")


# --- lstm_backward ---------------------------------------------------------------------

def _bptt(carry_h=True, carry_c="f", wrap_prev_c=False, output_dh="dh_t",
          dWh_with_h=False, dh0="carry", order="backward", accumulate=True):
    """A wrong lstm_backward over the reference cache, written like the reference."""
    def lstm_backward(dh, cache):
        x, h0, Wx, Wh, gates, c, tanh_c, h = cache
        N, T, H = dh.shape
        da = np.zeros((N, T, 4 * H))
        dnext_h, dnext_c = np.zeros((N, H)), np.zeros((N, H))
        steps = list(reversed(range(T))) if order == "backward" else list(range(T))
        for t in steps:
            i, f, o, g = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
            prev_c = c[:, t - 1] if (t > 0 or wrap_prev_c) else np.zeros((N, H))
            dh_t = dh[:, t] + dnext_h if carry_h else dh[:, t]
            dc = dnext_c + dh_t * o * (1 - tanh_c[:, t] ** 2)
            dh_o = dh_t if output_dh == "dh_t" else dh[:, t]
            da[:, t, :H] = dc * g * i * (1 - i)
            da[:, t, H:2 * H] = dc * prev_c * f * (1 - f)
            da[:, t, 2 * H:3 * H] = dh_o * tanh_c[:, t] * o * (1 - o)
            da[:, t, 3 * H:] = dc * i * (1 - g ** 2)
            dnext_c = {"f": dc * f, "whole": dc, "none": np.zeros((N, H))}[carry_c]
            dnext_h = da[:, t] @ Wh.T
        prev_h = h if dWh_with_h else np.concatenate([h0[:, None], h[:, :-1]], axis=1)
        if not accumulate:  # only the loop's last step (t = 0) is kept
            dWx, dWh, db = (x[:, 0].T @ da[:, 0], prev_h[:, 0].T @ da[:, 0],
                            da[:, 0].sum(axis=0))
        else:
            flat = da.reshape(N * T, 4 * H)
            dWx = x.reshape(N * T, -1).T @ flat
            dWh = prev_h.reshape(N * T, H).T @ flat
            db = flat.sum(axis=0)
        dh0_out = {"carry": dnext_h, "dh": dh[:, 0], "zeros": np.zeros((N, H))}[dh0]
        return da @ Wx.T, dh0_out, dWx, dWh, db
    return lstm_backward


BPTT = {
    "recurrent_dh_ignored": (dict(carry_h=False),
                             "the gradient from step t + 1 is not added to dh[:, t]: "
                             "step t's hidden state also fed step t + 1, so use dh_t = "
                             "dh[:, t] + dnext_h, with dnext_h = da[:, t + 1] @ Wh.T."),
    "output_gate_dh_only": (dict(output_dh="dh_only"),
                            "the output gate's gradient uses only dh[:, t]; it needs the "
                            "whole dh_t = dh[:, t] + dnext_h (from step t + 1), like dc."),
    "dc_not_carried": (dict(carry_c="none"),
                       "the cell-state gradient is not carried back: dc at step t must "
                       "add dnext_c = dc * f from step t + 1."),
    "dc_carried_without_forget": (dict(carry_c="whole"),
                                  "dc is carried back to step t - 1 without the forget "
                                  "gate's factor: dnext_c = dc * f, not dc."),
    "wraps_to_last_cell": (dict(wrap_prev_c=True),
                           "at t = 0 the previous cell state is c[:, -1] (the last step's, "
                           "by wrap-around): it is zeros, the cell state before the first "
                           "step."),
    "dWh_with_current_h": (dict(dWh_with_h=True),
                           "dWh multiplies da by h[:, t]; Wh multiplied the previous state, "
                           "so use h[:, t - 1] (h0 at t = 0)."),
    "dh0_is_upstream": (dict(dh0="dh"),
                        "dh0 is dh[:, 0], the upstream gradient of the first step; dh0 is "
                        "what step 0 sends back through Wh: da[:, 0] @ Wh.T."),
    "dh0_zeros": (dict(dh0="zeros"),
                  "dh0 is zeros; it is what step 0 sends back through Wh: da[:, 0] @ Wh.T."),
    "forward_time_order": (dict(order="forward"),
                           "the backward loop runs forward in time: go from t = T - 1 "
                           "down to 0 (reversed(range(T))), so that step t + 1's gradients "
                           "exist when step t needs them."),
    "weights_not_accumulated": (dict(accumulate=False),
                                "dWx, dWh and db hold only step 0's contribution: the "
                                "weights are shared by every step, so add up (+=) the "
                                "gradients of all T steps."),
}

for _name, (_kw, _says) in BPTT.items():
    mistake(CH, "lstm_backward", _name, _says)(
        lambda ref, kw=_kw: {"lstm_backward": _bptt(**kw)})


def _bptt_over(step_backward):
    """lstm_backward as a loop over a (wrong) lstm_step_backward, on the reference cache."""
    def lstm_backward(dh, cache):
        x, h0, Wx, Wh, gates, c, tanh_c, h = cache
        N, T, H = dh.shape
        dx = np.zeros(x.shape)
        dWx, dWh, db = np.zeros(Wx.shape), np.zeros(Wh.shape), np.zeros(4 * H)
        dnext_h, dnext_c = np.zeros((N, H)), np.zeros((N, H))
        for t in reversed(range(T)):
            i, f, o, g = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
            prev_h = h[:, t - 1] if t > 0 else h0
            prev_c = c[:, t - 1] if t > 0 else np.zeros((N, H))
            step_cache = (x[:, t], prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c[:, t])
            dx[:, t], dnext_h, dnext_c, dWx_t, dWh_t, db_t = step_backward(
                dh[:, t] + dnext_h, dnext_c, step_cache)
            dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
        return dx, dnext_h, dWx, dWh, db
    return lstm_backward


for _name, (_kw, _says) in STEP_BACKWARD.items():
    if _name == "dprev_c_without_forget":  # the same outputs as dc_carried_without_forget
        continue
    mistake(CH, "lstm_backward", f"step_{_name}",
            f"at every step, {_says} (If lstm_backward calls your lstm_step_backward, fix "
            "that first: its own self-check says so too.)")(
        lambda ref, kw=_kw: {"lstm_backward": _bptt_over(_step_backward(**kw))})


# --- peephole_lstm_step_forward --------------------------------------------------------

def _peephole_forward(order=COURSE, bias=1, output_peephole="next_c", after_sigmoid=(),
                      forget_peeks="prev_c", rows=(0, 1, 2), peepholes=True,
                      squash=np.tanh):
    def peephole_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b, P):
        H = prev_h.shape[1]
        blk = _blocks(x @ Wx + prev_h @ Wh + bias * b, H, order)
        Pi, Pf, Po = (P[r] * (1.0 if peepholes else 0.0) for r in rows)

        def gate(name, a, peek):
            return (_sigmoid(a) + peek) if name in after_sigmoid else _sigmoid(a + peek)
        i = gate("i", blk["i"], Pi * prev_c)
        f = gate("f", blk["f"], Pf * (prev_h if forget_peeks == "prev_h" else prev_c))
        g = np.tanh(blk["g"])
        next_c = f * prev_c + i * g
        seen = {"next_c": next_c, "prev_c": prev_c, None: 0.0}[output_peephole]
        o = gate("o", blk["o"], Po * seen)
        next_h = o * squash(next_c)
        cache = (x, prev_h, prev_c, next_c, Wx, Wh, P, i, f, o, g, np.tanh(next_c))
        return next_h, next_c, cache
    return peephole_lstm_step_forward


PEEPHOLE_FORWARD = {
    "pytorch_order": (dict(order="ifgo"), _order_says(ORDERS["pytorch_order"][1])),
    "missing_bias": (dict(bias=0), "the bias b is never added: a = x @ Wx + prev_h @ Wh + "
                                   "b, then the peepholes inside the sigmoids."),
    "no_peepholes": (dict(peepholes=False),
                     "P is never used, so this is a plain LSTM: add P[0] * prev_c and "
                     "P[1] * prev_c inside the input and forget gates' sigmoids and P[2] "
                     "* next_c inside the output gate's."),
    "no_output_peephole": (dict(output_peephole=None),
                           "the output gate has no peephole: o = sigmoid(a_o + P[2] * "
                           "next_c)."),
    "output_peephole_on_old_cell": (dict(output_peephole="prev_c"),
                                    "the output gate's peephole looks at prev_c; it looks "
                                    "at the new cell state: o = sigmoid(a_o + P[2] * "
                                    "next_c), computed after next_c."),
    "input_peephole_after_sigmoid": (dict(after_sigmoid=("i",)),
                                     "the input gate's peephole is added after the "
                                     "sigmoid; put it inside: i = sigmoid(a_i + P[0] * "
                                     "prev_c)."),
    "forget_peephole_after_sigmoid": (dict(after_sigmoid=("f",)),
                                      "the forget gate's peephole is added after the "
                                      "sigmoid; put it inside: f = sigmoid(a_f + P[1] * "
                                      "prev_c)."),
    "output_peephole_after_sigmoid": (dict(after_sigmoid=("o",)),
                                      "the output gate's peephole is added after the "
                                      "sigmoid; put it inside: o = sigmoid(a_o + P[2] * "
                                      "next_c)."),
    "peepholes_after_sigmoid": (dict(after_sigmoid=("i", "f", "o")),
                                "the peepholes are added after the sigmoids; put each "
                                "inside its gate's sigmoid, e.g. i = sigmoid(a_i + P[0] * "
                                "prev_c)."),
    "forget_peephole_on_hidden": (dict(forget_peeks="prev_h"),
                                  "the forget gate's peephole looks at prev_h; a peephole "
                                  "looks at the cell state: f = sigmoid(a_f + P[1] * "
                                  "prev_c)."),
    "peephole_rows_swapped": (dict(rows=(1, 0, 2)),
                              "the input and forget gates use each other's peephole rows: "
                              "P[0] is the input gate's, P[1] the forget gate's, P[2] the "
                              "output gate's."),
    "no_tanh_on_cell": (dict(squash=_identity),
                        "the tanh on the cell state is missing: next_h = o * "
                        "tanh(next_c), not o * next_c."),
}

for _name, (_kw, _says) in PEEPHOLE_FORWARD.items():
    mistake(CH, "peephole_lstm_step_forward", _name, _says)(
        lambda ref, kw=_kw: {"peephole_lstm_step_forward": _peephole_forward(**kw)})


# --- peephole_lstm_step_backward -------------------------------------------------------

def _peephole_backward(order=COURSE, output_peephole_in_dc=True, dprev_c="three",
                       dP_output_cell="next_c", dP_reduce="sum", dP_rows=(0, 1, 2),
                       hidden_path=True, tanh_derivative=True):
    def peephole_lstm_step_backward(dnext_h, dnext_c, cache):
        x, prev_h, prev_c, next_c, Wx, Wh, P, i, f, o, g, tanh_c = cache
        da_o = dnext_h * tanh_c * o * (1 - o)
        through_h = dnext_h * o * ((1 - tanh_c ** 2) if tanh_derivative else 1.0)
        dc = dnext_c + (through_h if hidden_path else 0.0)
        if output_peephole_in_dc:
            dc = dc + da_o * P[2]
        da_i = dc * g * i * (1 - i)
        da_f = dc * prev_c * f * (1 - f)
        da_g = dc * i * (1 - g ** 2)
        dprev = {"three": dc * f + da_i * P[0] + da_f * P[1],
                 "f_only": dc * f,
                 "four": dc * f + da_i * P[0] + da_f * P[1] + da_o * P[2]}[dprev_c]
        grads = {"i": da_i, "f": da_f, "o": da_o, "g": da_g}
        da = np.concatenate([grads[name] for name in order], axis=1)
        reduce = np.mean if dP_reduce == "mean" else np.sum
        seen = next_c if dP_output_cell == "next_c" else prev_c
        parts = [reduce(da_i * prev_c, axis=0), reduce(da_f * prev_c, axis=0),
                 reduce(da_o * seen, axis=0)]
        dP = np.stack([parts[r] for r in dP_rows])
        return (da @ Wx.T, da @ Wh.T, dprev, x.T @ da, prev_h.T @ da, da.sum(axis=0), dP)
    return peephole_lstm_step_backward


PEEPHOLE_BACKWARD = {
    "pytorch_order": (dict(order="ifgo"),
                      _order_says(ORDERS["pytorch_order"][1],
                                  "you stack the gate gradients in da")),
    "dc_misses_output_peephole": (dict(output_peephole_in_dc=False),
                                  "dc leaves out the output peephole's path: o looked at "
                                  "next_c, so dc also gets da_o * P[2]."),
    "dprev_c_misses_peepholes": (dict(dprev_c="f_only"),
                                 "dprev_c follows only f * prev_c; the input and forget "
                                 "gates' peepholes looked at prev_c too: dprev_c = dc * f "
                                 "+ da_i * P[0] + da_f * P[1]."),
    "dprev_c_adds_output_peephole": (dict(dprev_c="four"),
                                     "dprev_c also adds the output peephole's term da_o * "
                                     "P[2]; that peephole looked at next_c, not prev_c "
                                     "(its path is already in dc): dprev_c = dc * f + "
                                     "da_i * P[0] + da_f * P[1]."),
    "output_peephole_grad_old_cell": (dict(dP_output_cell="prev_c"),
                                      "dP[2] multiplies da_o by prev_c; the output "
                                      "peephole looked at the new cell state: dP[2] = "
                                      "sum over the batch of da_o * next_c."),
    "peephole_grad_averaged": (dict(dP_reduce="mean"),
                               "dP averages over the batch; sum it, like db: dP[0] = "
                               "(da_i * prev_c).sum(axis=0)."),
    "peephole_grad_rows_swapped": (dict(dP_rows=(1, 0, 2)),
                                   "dP's first two rows are swapped: row 0 is the input "
                                   "gate's (da_i * prev_c), row 1 the forget gate's (da_f "
                                   "* prev_c)."),
    "dc_ignores_hidden_path": (dict(hidden_path=False),
                               "dc leaves out the path through next_h: dc = dnext_c + "
                               "dnext_h * o * (1 - tanh(next_c)**2) + da_o * P[2]."),
    "tanh_derivative_missing": (dict(tanh_derivative=False),
                                "the path from next_h into dc skips the tanh's derivative: "
                                "dnext_h * o * (1 - tanh(next_c)**2)."),
}

for _name, (_kw, _says) in PEEPHOLE_BACKWARD.items():
    mistake(CH, "peephole_lstm_step_backward", _name, _says)(
        lambda ref, kw=_kw: {"peephole_lstm_step_backward": _peephole_backward(**kw)})


# --- coupled_lstm_step_forward ---------------------------------------------------------

def _coupled_forward(order="iog", bias=1, keep="1-i", write="i", candidate=np.tanh,
                     squash=np.tanh, swap_return=False):
    def coupled_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
        H = prev_h.shape[1]
        blk = _blocks(x @ Wx + prev_h @ Wh + bias * b, H, order)
        i, o, g = _sigmoid(blk["i"]), _sigmoid(blk["o"]), candidate(blk["g"])
        factors = {"1-i": 1 - i, "i": i, "1-o": 1 - o, "1": 1.0}
        next_c = factors[keep] * prev_c + factors[write] * g
        next_h = o * squash(next_c)
        cache = (x, prev_h, prev_c, Wx, Wh, i, o, g, np.tanh(next_c))
        return (next_c, next_h, cache) if swap_return else (next_h, next_c, cache)
    return coupled_lstm_step_forward


COUPLED_FORWARD = {
    "blocks_i_g_o": (dict(order="igo"),
                     "you read the blocks as i, g, o; the coupled step's order is i, o, g: "
                     "columns 0:H input, H:2H output, 2H:3H candidate."),
    "swapped_returns": (dict(swap_return=True),
                        "you return (next_c, next_h, cache); return next_h first: "
                        "(next_h, next_c, cache)."),
    "missing_bias": (dict(bias=0),
                     "the bias b is never added: a = x @ Wx + prev_h @ Wh + b."),
    "coupling_reversed": (dict(keep="i", write="1-i"),
                          "the coupling is reversed: i writes the candidate and 1 - i "
                          "keeps the old cell, next_c = (1 - i) * prev_c + i * g."),
    "forget_equals_input": (dict(keep="i"),
                            "the old cell is kept with weight i; the coupled forget gate "
                            "is 1 - i: next_c = (1 - i) * prev_c + i * g."),
    "forget_coupled_to_output": (dict(keep="1-o"),
                                 "the forget gate is coupled to the output gate (1 - o); "
                                 "it is coupled to the input gate: next_c = (1 - i) * "
                                 "prev_c + i * g."),
    "not_coupled": (dict(keep="1"),
                    "prev_c is kept whole; the coupled forget gate is 1 - i: next_c = "
                    "(1 - i) * prev_c + i * g."),
    "sigmoid_candidate": (dict(candidate=_sigmoid),
                          "the candidate g uses a sigmoid; it uses tanh: g = "
                          "tanh(a[:, 2H:3H])."),
    "no_tanh_on_cell": (dict(squash=_identity),
                        "the tanh on the cell state is missing: next_h = o * "
                        "tanh(next_c), not o * next_c."),
}

for _name, (_kw, _says) in COUPLED_FORWARD.items():
    mistake(CH, "coupled_lstm_step_forward", _name, _says)(
        lambda ref, kw=_kw: {"coupled_lstm_step_forward": _coupled_forward(**kw)})


# --- coupled_lstm_step_backward --------------------------------------------------------

def _coupled_backward(order="iog", di="g-prev_c", dprev_c="1-i", hidden_path=True,
                      tanh_derivative=True):
    def coupled_lstm_step_backward(dnext_h, dnext_c, cache):
        x, prev_h, prev_c, Wx, Wh, i, o, g, tanh_c = cache
        through_h = dnext_h * o * ((1 - tanh_c ** 2) if tanh_derivative else 1.0)
        dc = dnext_c + (through_h if hidden_path else 0.0)
        d_i = dc * {"g-prev_c": g - prev_c, "g": g, "prev_c-g": prev_c - g}[di]
        grads = {"i": d_i * i * (1 - i), "o": dnext_h * tanh_c * o * (1 - o),
                 "g": dc * i * (1 - g ** 2)}
        da = np.concatenate([grads[name] for name in order], axis=1)
        dprev = dc * {"1-i": 1 - i, "i": i, "1": 1.0}[dprev_c]
        return (da @ Wx.T, da @ Wh.T, dprev, x.T @ da, prev_h.T @ da, da.sum(axis=0))
    return coupled_lstm_step_backward


COUPLED_BACKWARD = {
    "blocks_i_g_o": (dict(order="igo"),
                     "you stack the gate gradients in da as i, g, o; the coupled step's "
                     "order is i, o, g (columns 0:H, H:2H, 2H:3H)."),
    "di_misses_forget_path": (dict(di="g"),
                              "di = dc * g forgets that i also sets the forget gate f = 1 "
                              "- i: di = dc * (g - prev_c)."),
    "di_sign_flipped": (dict(di="prev_c-g"),
                        "di has the wrong sign: next_c = (1 - i) * prev_c + i * g, so di "
                        "= dc * (g - prev_c), not dc * (prev_c - g)."),
    "dprev_c_scaled_by_i": (dict(dprev_c="i"),
                            "dprev_c is dc * i; the old cell was kept with weight 1 - i, "
                            "so dprev_c = dc * (1 - i)."),
    "dprev_c_unscaled": (dict(dprev_c="1"),
                         "dprev_c is dc itself; the old cell was kept with weight 1 - i, "
                         "so dprev_c = dc * (1 - i)."),
    "dc_ignores_hidden_path": (dict(hidden_path=False),
                               "dc takes only dnext_c; add the path through next_h: dc = "
                               "dnext_c + dnext_h * o * (1 - tanh(next_c)**2)."),
    "tanh_derivative_missing": (dict(tanh_derivative=False),
                                "the path from next_h into dc skips the tanh's derivative: "
                                "dc = dnext_c + dnext_h * o * (1 - tanh(next_c)**2)."),
}

for _name, (_kw, _says) in COUPLED_BACKWARD.items():
    mistake(CH, "coupled_lstm_step_backward", _name, _says)(
        lambda ref, kw=_kw: {"coupled_lstm_step_backward": _coupled_backward(**kw)})


# --- adding_loss -----------------------------------------------------------------------

def _adding_loss(ref, step=-1, loss_reduce="mean", scale=2.0, per_n=True, sign=1.0,
                 dh_every_step=False, dby="sum", broadcast_loss=False):
    """A wrong adding_loss, written like the reference with the mistake's options."""
    def adding_loss(params, x, y):
        N = x.shape[0]
        H = params["Wh"].shape[0]
        h, cache = ref.lstm_forward(x, np.zeros((N, H)), params["Wx"], params["Wh"],
                                    params["b"])
        h_used = h[:, step]
        pred = h_used @ params["Wy"] + params["by"]          # (N, 1)
        err = pred[:, 0] - y
        squares = (pred - y) ** 2 if broadcast_loss else err ** 2  # (N, N) if broadcast
        loss = float(np.sum(squares) if loss_reduce == "sum" else np.mean(squares))
        dpred = sign * (scale / (N if per_n else 1)) * err[:, None]
        dh = np.zeros_like(h)
        if dh_every_step:
            dh[:] = (dpred @ params["Wy"].T)[:, None]
        else:
            dh[:, step] = dpred @ params["Wy"].T
        _dx, _dh0, dWx, dWh, db = ref.lstm_backward(dh, cache)
        grads = {"Wx": dWx, "Wh": dWh, "b": db, "Wy": h_used.T @ dpred,
                 "by": dpred.mean(axis=0) if dby == "mean" else dpred.sum(axis=0)}
        return loss, grads
    return adding_loss


ADDING = {
    "loss_broadcast": (dict(broadcast_loss=True),
                       "the loss broadcasts (N, 1) against (N,), so (pred - y) is an "
                       "(N, N) table of every prediction against every target: use "
                       "pred[:, 0] - y (shape (N,)) before squaring."),
    "summed_loss_and_gradient": (dict(loss_reduce="sum", per_n=False),
                                 "you sum the squared errors over the batch (and the "
                                 "gradient too); the loss is their mean, so divide both by "
                                 "N."),
    "summed_loss": (dict(loss_reduce="sum"),
                    "the loss sums the squared errors; it is their mean over the batch, "
                    "np.mean(err ** 2)."),
    "first_hidden_state": (dict(step=0),
                           "you predict from the first hidden state h[:, 0]; the model "
                           "predicts from the last one, h[:, -1], after reading the whole "
                           "sequence."),
    "dh_at_every_step": (dict(dh_every_step=True),
                         "the output's gradient is sent into every time step; only the "
                         "last hidden state meets the loss: dh is zeros except dh[:, -1] "
                         "= dpred @ Wy.T."),
    "gradient_sign_flipped": (dict(sign=-1.0),
                              "every gradient has the wrong sign (you differentiate with "
                              "y - pred): dpred = 2 * (pred - y) / N."),
    "gradient_not_averaged": (dict(per_n=False),
                              "the gradient misses the mean's 1 / N: dpred = 2 * (pred - "
                              "y) / N."),
    "missing_factor_two": (dict(scale=1.0),
                           "the gradient misses the factor 2 of the square: dpred = 2 * "
                           "(pred - y) / N."),
    "dby_averaged": (dict(dby="mean"),
                     "dby averages dpred over the batch; sum it (dpred already holds the "
                     "1 / N): dby = dpred.sum(axis=0)."),
}

for _name, (_kw, _says) in ADDING.items():
    mistake(CH, "adding_loss", _name, _says)(
        lambda ref, kw=_kw: {"adding_loss": _adding_loss(ref, **kw)})
