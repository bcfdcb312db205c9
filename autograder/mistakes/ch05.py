"""Likely mistakes of chapter 5 (the GRU step and sequence passes in both conventions,
the many-to-one regressor's loss and gradients, the RNN / LSTM / GRU comparison). See
``autograder/mistakes/__init__.py``.

The GRU cases run every function with reset_after=False and True; a mistake's outputs
are those of both runs, so a mistake that touches one convention only leaves the other
right, as the learner's would."""
from __future__ import annotations

import numpy as np

from autograder.mistakes import mistake, rebind

CH = "ch05"


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


# --- gru_step_forward ---------------------------------------------------------------

def _step(convention=None, order="rzn", gate=_sigmoid, cand=np.tanh, keep_old="z",
          bias=True, bias_n="inside", reset_on_output=False):
    """The reference step with one thing changed.

    convention: None follows reset_after; "before" / "after" ignore it; "inverted"
    swaps the two. order: "zrn" reads z from columns 0:H and r from H:2H (Keras).
    keep_old: "z" (the course) or "1-z" (z weighs the candidate). bias: False drops bh.
    bias_n (reset after): "inside" r * (prev_h @ Wh_n + bh_n), "outside" (bh_n added
    unreset), "twice" (both). reset_on_output: n = r * tanh(xproj_n + prev_h @ Wh_n + bh_n).
    """
    def gru_step_forward(xproj, prev_h, Wh, bh, reset_after=True):
        after = {None: reset_after, "before": False, "after": True,
                 "inverted": not reset_after}[convention]
        H = prev_h.shape[1]
        b = bh if bias else np.zeros_like(bh)
        pre = xproj[:, :2 * H] + prev_h @ Wh[:, :2 * H] + b[:2 * H]       # (N, 2H)
        first, second = gate(pre[:, :H]), gate(pre[:, H:])
        r, z = (second, first) if order == "zrn" else (first, second)
        xn, bn = xproj[:, 2 * H:], b[2 * H:]
        if reset_on_output:
            n = r * cand(xn + prev_h @ Wh[:, 2 * H:] + bn)
        elif after:
            inner = prev_h @ Wh[:, 2 * H:] + (bn if bias_n in ("inside", "twice") else 0.0)
            n = cand(xn + r * inner + (bn if bias_n in ("outside", "twice") else 0.0))
        else:
            n = cand(xn + (r * prev_h) @ Wh[:, 2 * H:] + bn)
        next_h = (1.0 - z) * n + z * prev_h if keep_old == "z" else z * n + (1.0 - z) * prev_h
        return next_h, {}
    return gru_step_forward


STEP_MISTAKES = {
    "flag_ignored_always_before": (
        dict(convention="before"),
        "you ignore reset_after and always apply the reset before the product (Cho et "
        "al.): with reset_after=True use n = tanh(xproj_n + r * (prev_h @ Wh_n + bh_n)). "
        "(With H = 1 the two conventions differ only in where bh_n goes, so adding bh_n "
        "outside r * (...) gives the same numbers: keep bh_n inside.)"),
    "flag_ignored_always_after": (
        dict(convention="after"),
        "you ignore reset_after and always apply the reset after the product (PyTorch): "
        "with reset_after=False use n = tanh(xproj_n + (r * prev_h) @ Wh_n + bh_n)."),
    "flag_inverted": (
        dict(convention="inverted"),
        "your two conventions are swapped: reset_after=True applies r after the product, "
        "r * (prev_h @ Wh_n + bh_n); reset_after=False applies it before, "
        "(r * prev_h) @ Wh_n."),
    "keras_gate_order": (
        dict(order="zrn"),
        "you read the update gate z from columns 0:H and the reset gate r from H:2H "
        "(Keras' order z, r, h); this course's order is r, z, n, as in PyTorch: r from "
        "columns 0:H, z from H:2H, the candidate from 2H:3H."),
    "interpolation_reversed": (
        dict(keep_old="1-z"),
        "z and 1 - z are swapped (the convention of some texts, h = (1 - z) * prev_h + "
        "z * n): in this course z keeps the old state, next_h = (1 - z) * n + z * prev_h."),
    "bias_n_outside_reset": (
        dict(bias_n="outside"),
        "with the reset after the product, bh_n is added outside the reset: it belongs "
        "inside, n = tanh(xproj_n + r * (prev_h @ Wh_n + bh_n)), as in PyTorch."),
    "bias_n_twice": (
        dict(bias_n="twice"),
        "with the reset after the product, bh_n is added twice (inside r * (...) and "
        "again outside): add it once, inside, n = tanh(xproj_n + r * (prev_h @ Wh_n + "
        "bh_n))."),
    "reset_on_candidate_output": (
        dict(reset_on_output=True),
        "the reset gate multiplies the candidate's output, r * tanh(...); it acts on the "
        "recurrent part inside the tanh: r * (prev_h @ Wh_n + bh_n) with the reset after "
        "the product, (r * prev_h) @ Wh_n with the reset before."),
    "sigmoid_candidate": (
        dict(cand=_sigmoid),
        "the candidate goes through a sigmoid; it uses tanh, n = tanh(...), so that it "
        "can be negative. Only the gates r and z use the sigmoid."),
    "linear_candidate": (
        dict(cand=lambda a: a),
        "the tanh of the candidate is missing: n = tanh(xproj_n + ...), not the raw "
        "pre-activation."),
    "tanh_gates": (
        dict(gate=np.tanh),
        "the gates r and z go through tanh; gates use the sigmoid, r = sigmoid(xproj_r + "
        "prev_h @ Wh_r + bh_r), so that they lie between 0 and 1."),
    "recurrent_bias_missing": (
        dict(bias=False),
        "the recurrent bias bh is never added: r = sigmoid(xproj_r + prev_h @ Wh_r + "
        "bh_r), z likewise, and bh_n goes into the candidate."),
}

for _name, (_kw, _says) in STEP_MISTAKES.items():
    mistake(CH, "gru_step_forward", _name, _says)(
        lambda ref, kw=_kw: {"gru_step_forward": _step(**kw)})


# --- gru_step_backward --------------------------------------------------------------

def _step_backward(direct=True, dz_sign=1.0, tanh_d="1-n**2", dr_zero=False,
                   after_dhn_r=True, before_dWh="rh", before_du_r=True,
                   gate_path=True, after_dbh="dhproj"):
    """The reference step backward with one term changed (see the mistakes below)."""
    def gru_step_backward(dnext_h, cache):
        prev_h, Wh, r, z, n = (cache[k] for k in ("prev_h", "Wh", "r", "z", "n"))
        H = prev_h.shape[1]
        dn = dnext_h * (1.0 - z)
        dz = dz_sign * dnext_h * (prev_h - n)
        dprev_h = dnext_h * z if direct else np.zeros_like(prev_h)
        da_n = dn * ((1.0 - n ** 2) if tanh_d == "1-n**2" else (1.0 - n))
        if cache["reset_after"]:
            dr = da_n * cache["hn"]
            dhn = da_n * r if after_dhn_r else da_n
        else:
            du = da_n @ Wh[:, 2 * H:].T
            dr = du * prev_h
            if before_du_r:
                dprev_h = dprev_h + du * r
        if dr_zero:
            dr = np.zeros_like(r)
        da_rz = np.concatenate([dr * r * (1.0 - r), dz * z * (1.0 - z)], axis=1)
        dxproj = np.concatenate([da_rz, da_n], axis=1)
        if cache["reset_after"]:
            dhproj = np.concatenate([da_rz, dhn], axis=1)
            dWh = prev_h.T @ dhproj
            dbh = (dhproj if after_dbh == "dhproj" else dxproj).sum(axis=0)
            back = dhproj @ Wh.T if gate_path else dhn @ Wh[:, 2 * H:].T
        else:
            state = cache["rh"] if before_dWh == "rh" else prev_h
            dWh = np.concatenate([prev_h.T @ da_rz, state.T @ da_n], axis=1)
            dbh = dxproj.sum(axis=0)
            back = da_rz @ Wh[:, :2 * H].T if gate_path else 0.0
        return dxproj, dprev_h + back, dWh, dbh
    return gru_step_backward


STEP_BACKWARD_MISTAKES = {
    "direct_path_missing": (
        dict(direct=False),
        "dprev_h misses the direct path: next_h = (1 - z) * n + z * prev_h gives prev_h "
        "the term z * dnext_h, before anything that flows back through the gates and "
        "the candidate."),
    "update_gate_sign": (
        dict(dz_sign=-1.0),
        "the sign of dz is flipped: from next_h = (1 - z) * n + z * prev_h, dz = dnext_h "
        "* (prev_h - n), not (n - prev_h)."),
    "tanh_derivative": (
        dict(tanh_d="1-n"),
        "the tanh derivative is wrong: through n = tanh(a_n), da_n = dn * (1 - n ** 2), "
        "with n squared."),
    "no_gradient_through_reset_gate": (
        dict(dr_zero=True),
        "no gradient reaches the reset gate (dr = 0, as if r were a constant): with the "
        "reset after the product dr = da_n * (prev_h @ Wh_n + bh_n); with it before, dr "
        "= (da_n @ Wh_n.T) * prev_h."),
    "reset_after_candidate_without_r": (
        dict(after_dhn_r=False),
        "with the reset after the product, the candidate blocks of dWh and dbh and what "
        "goes back to prev_h miss the factor r: the gradient of prev_h @ Wh_n + bh_n is "
        "da_n * r (dxproj's candidate block stays da_n)."),
    "reset_after_dbh_without_r": (
        dict(after_dbh="dxproj"),
        "with the reset after the product, dbh's candidate block misses the factor r: bh_n "
        "sits inside r * (prev_h @ Wh_n + bh_n), so its gradient is da_n * r summed over "
        "the batch, not dxproj's."),
    "reset_before_dWh_with_prev_h": (
        dict(before_dWh="prev_h"),
        "with the reset before the product, the candidate block of dWh uses prev_h; the "
        "product is (r * prev_h) @ Wh_n, so that block is (r * prev_h).T @ da_n."),
    "reset_before_no_path_through_reset_state": (
        dict(before_du_r=False),
        "with the reset before the product, dprev_h misses the path through the reset "
        "state r * prev_h: add (da_n @ Wh_n.T) * r."),
    "gate_path_missing": (
        dict(gate_path=False),
        "dprev_h misses what flows back through the gates' recurrent product: add "
        "da_rz @ Wh[:, :2H].T (the r and z blocks of Wh)."),
}

for _name, (_kw, _says) in STEP_BACKWARD_MISTAKES.items():
    mistake(CH, "gru_step_backward", _name, _says)(
        lambda ref, kw=_kw: {"gru_step_backward": _step_backward(**kw)})


# --- gru_forward --------------------------------------------------------------------

def _forward(ref, proj="x @ Wx + bx", start="h0", every_step_h0=False, order="forward",
             store="after", pass_flag=True, step=None):
    step = step or ref.gru_step_forward

    def gru_forward(x, h0, Wx, Wh, bx, bh, reset_after=True):
        N, T, _ = x.shape
        H = h0.shape[1]
        xproj = {"x @ Wx + bx": lambda: x @ Wx + bx, "x @ Wx": lambda: x @ Wx,
                 "x @ Wx + bx + bh": lambda: x @ Wx + bx + bh}[proj]()
        h = np.empty((N, T, H))
        prev_h = h0 if start == "h0" else np.zeros_like(h0)
        steps = range(T) if order == "forward" else reversed(range(T))
        for k, t in enumerate(steps):
            s = t if order != "reversed_stored_forward" else k
            args = (xproj[:, t], h0 if every_step_h0 else prev_h, Wh, bh)
            before = prev_h
            prev_h, _ = step(*args, reset_after) if pass_flag else step(*args)
            h[:, s] = before if store == "before" else prev_h
        return h, None
    return gru_forward


FORWARD_MISTAKES = {
    "flag_not_passed_on": (
        dict(pass_flag=False),
        "with reset_after=False your h is what reset after the product gives: pass "
        "reset_after on to every gru_step_forward call (the step's default is True), and "
        "check that gru_step_forward itself honours it."),
    "h0_every_step": (
        dict(every_step_h0=True),
        "every step starts again from h0, so nothing is carried through time: feed each "
        "step the state the previous step returned."),
    "state_before_step": (
        dict(store="before"),
        "h[:, t] holds the state before step t (h[:, 0] is h0): store the state after "
        "reading x[:, t], so h[:, 0] already depends on x[:, 0]."),
    "reversed_time": (
        dict(order="reversed"),
        "you run the sequence from its last step to its first: step t = 0, 1, ..., "
        "T - 1 in order, and store h[:, t] at its own t."),
    "reversed_time_stored_forward": (
        dict(order="reversed_stored_forward"),
        "you read the inputs from the last step to the first: step t reads x[:, t], for "
        "t = 0, 1, ..., T - 1."),
    "zero_initial_state": (
        dict(start="zeros"),
        "h0 is ignored (the first step starts from zeros): start from the h0 you are "
        "given."),
    "input_bias_missing": (
        dict(proj="x @ Wx"),
        "the input bias bx is never added: the input projections are x @ Wx + bx."),
    "recurrent_bias_in_input_projection": (
        dict(proj="x @ Wx + bx + bh"),
        "bh is counted twice: you add it to the input projections (x @ Wx + bx + bh) and "
        "the step adds it again. The input projections are x @ Wx + bx only; the step "
        "adds bh itself."),
}

for _name, (_kw, _says) in FORWARD_MISTAKES.items():
    mistake(CH, "gru_forward", _name, _says)(
        lambda ref, kw=_kw: {"gru_forward": _forward(ref, **kw)})

# A wrong step repeated at every step of the learner's gru_forward (the case runs it
# over the learner's own gru_step_forward). Not the step mistakes that ignore the flag
# in favour of reset after: gru_forward's flag_not_passed_on names those.
for _name, (_kw, _says) in STEP_MISTAKES.items():
    if _name in ("flag_ignored_always_after",):
        continue
    mistake(CH, "gru_forward", f"step_{_name}",
            f"gru_step_forward is wrong, and gru_forward repeats it at every step: {_says} "
            "Fix gru_step_forward first (its own self-check says so too).")(
        lambda ref, kw=_kw: {"gru_forward": _forward(ref, step=_step(**kw))})


# --- gru_backward -------------------------------------------------------------------

def _backward(ref, carry=True, upstream=True, order="backward", dWh_sum=True,
              dh0="carry", dWx="all", dbx="all", step=None):
    step = step or ref.gru_step_backward

    def gru_backward(dh, cache):
        x, Wx, step_caches = cache
        N, T, H = dh.shape
        D = x.shape[2]
        dxproj = np.empty((N, T, 3 * H))
        dWh = np.zeros((H, 3 * H))
        dbh = np.zeros(3 * H)
        dprev_h = np.zeros((N, H))
        steps = reversed(range(T)) if order == "backward" else range(T)
        for t in steps:
            into = (dh[:, t] if upstream else 0.0) + (dprev_h if carry else 0.0)
            dxproj[:, t], dprev_h, dWh_t, dbh_t = step(into + np.zeros((N, H)),
                                                       step_caches[t])
            dWh, dbh = (dWh + dWh_t, dbh + dbh_t) if dWh_sum else (dWh_t, dbh_t)
        dx = dxproj @ Wx.T
        if dWx == "all":
            dWx_ = x.reshape(N * T, D).T @ dxproj.reshape(N * T, 3 * H)
        else:
            dWx_ = x[:, -1].T @ dxproj[:, -1]
        dbx_ = dxproj.sum(axis=(0, 1)) if dbx == "all" else dxproj.sum(axis=1)[0]
        dh0_ = {"carry": dprev_h, "upstream": dh[:, 0], "zeros": np.zeros((N, H))}[dh0]
        return dx, dh0_, dWx_, dWh, dbx_, dbh
    return gru_backward


BACKWARD_MISTAKES = {
    "forward_in_time": (
        dict(order="forward"),
        "you walk forwards in time, so the gradient from step t+1 arrives too late: go "
        "backwards, t = T - 1, ..., 0, so that step t gets dh[:, t] plus the dprev_h "
        "that step t+1 sent back."),
    "next_step_gradient_dropped": (
        dict(carry=False),
        "the dh from step t+1 is not added: feed step t dh[:, t] + dprev_h, the upstream "
        "gradient plus what step t+1 sent back."),
    "upstream_gradient_dropped": (
        dict(upstream=False),
        "dh[:, t] is not added (only the carry flows back): feed step t dh[:, t] + "
        "dprev_h."),
    "weights_overwritten": (
        dict(dWh_sum=False),
        "dWh and dbh are overwritten at each step, so only step 0's gradient is left: "
        "sum them over time (dWh += dWh_t); the weights are shared by every step."),
    "dh0_is_first_upstream": (
        dict(dh0="upstream"),
        "dh0 is dh[:, 0], the upstream gradient of the first state: dh0 is the dprev_h "
        "that step 0 sends back, after the loop."),
    "dh0_zeros": (
        dict(dh0="zeros"),
        "dh0 is all zeros: return the dprev_h that step 0 sends back, after the loop."),
    "dWx_from_last_step_only": (
        dict(dWx="last"),
        "dWx comes from the last time step only: sum over every step and sequence, "
        "x.reshape(N * T, D).T @ dxproj.reshape(N * T, 3H)."),
    "dbx_first_sequence_only": (
        dict(dbx="first"),
        "dbx is summed over time for the first sequence only: sum dxproj over the batch "
        "and over time, axis=(0, 1)."),
}

for _name, (_kw, _says) in BACKWARD_MISTAKES.items():
    mistake(CH, "gru_backward", _name, _says)(
        lambda ref, kw=_kw: {"gru_backward": _backward(ref, **kw)})

for _name, (_kw, _says) in STEP_BACKWARD_MISTAKES.items():
    mistake(CH, "gru_backward", f"step_{_name}",
            f"gru_step_backward is wrong, and gru_backward repeats it at every step: "
            f"{_says} Fix gru_step_backward first (its own self-check says so too).")(
        lambda ref, kw=_kw: {"gru_backward": _backward(ref, step=_step_backward(**kw))})


# --- regressor_loss -----------------------------------------------------------------

def _regressor(read=-1, scale=2.0, mean=True, every_step=False, dWy_sign=1.0, dby=True,
               loss_broadcast=False, shape=""):
    def regressor_loss(cell, params, x, y):
        N = x.shape[0]
        H = params["Wy"].shape[0]
        h, cache = cell.forward(x, np.zeros((N, H)), params)
        last = h[:, read]
        pred = last @ params["Wy"] + params["by"]
        err = pred[:, 0] - y
        if loss_broadcast:
            loss = float(np.mean((pred - y) ** 2))      # (N, 1) - (N,) is (N, N)
        else:
            loss = float(np.mean(err ** 2)) if mean else float(np.sum(err ** 2))
        dpred = (scale / (N if mean else 1)) * err[:, None]
        dh = np.zeros_like(h)
        if every_step:
            dh[:] = (dpred @ params["Wy"].T)[:, None, :]
        else:
            dh[:, read] = dpred @ params["Wy"].T
        _dx, _dh0, grads = cell.backward(dh, cache)
        grads["Wy"] = dWy_sign * (last.T @ dpred)
        if shape == "dWy_transposed":
            grads["Wy"] = grads["Wy"].T
        if not dby:   # missing: the case reads None, of shape (); so is a scalar
            grads["by"] = np.float64(0.0)
        else:
            grads["by"] = dpred if shape == "dby_not_summed" else dpred.sum(axis=0)
        return loss, grads
    return regressor_loss


REGRESSOR_MISTAKES = {
    "loss_broadcast": (
        dict(loss_broadcast=True), "values",
        "the loss is wrong but the gradients are right: pred is (N, 1) and y is (N,), so "
        "pred - y broadcasts to an (N, N) table of every prediction minus every target. "
        "Use pred[:, 0] - y (shape (N,)) in the loss too."),
    "sum_not_mean": (
        dict(mean=False), "values",
        "you sum the squared errors over the batch: the loss is their mean, so divide "
        "the loss by N, and the gradients too (dpred = (2 / N) * (pred - y))."),
    "factor_two_missing": (
        dict(scale=1.0), "values",
        "the factor 2 of the square's derivative is missing: dpred = (2 / N) * (pred - "
        "y); every gradient is half what it should be."),
    "first_state_read": (
        dict(read=0), "values",
        "you predict from the first hidden state h[:, 0]: the regressor reads the last "
        "one, h[:, -1], after the whole sequence (and only dh[:, -1] is non-zero)."),
    "gradient_at_every_step": (
        dict(every_step=True), "values",
        "the output gradient goes into every time step: only the last state is read, so "
        "dh is zero except at the last step, dh[:, -1] = dpred @ Wy.T."),
    "readout_gradient_sign": (
        dict(dWy_sign=-1.0), "values",
        "the sign of dWy is flipped (as if the error were y - pred): dWy = h[:, -1].T @ "
        "dpred with dpred = (2 / N) * (pred - y)."),
    "readout_bias_gradient_missing": (
        dict(dby=False), "shape",
        "grads['by'], the gradient of the read-out bias by, is missing (or a scalar): add "
        "grads['by'] = dpred summed over the batch (axis=0), shape (1,) like by."),
    "dWy_transposed": (
        dict(shape="dWy_transposed"), "shape",
        "your dWy has shape (1, H), transposed: it is h[:, -1].T @ dpred, shape (H, 1), "
        "like Wy."),
    "dby_not_summed": (
        dict(shape="dby_not_summed"), "shape",
        "your dby has one row per sequence, shape (N, 1): sum dpred over the batch "
        "(axis=0), so that it has the shape (1,) of by."),
}

for _name, (_kw, _how, _says) in REGRESSOR_MISTAKES.items():
    mistake(CH, "regressor_loss", _name, _says, how=_how)(
        lambda ref, kw=_kw: {"regressor_loss": _regressor(**kw)})


# --- compare_cells ------------------------------------------------------------------

def _comparison(ref, seed_per_cell=False, first_batch_only=False, loss_after=False,
                test_on_last_batch=False, lr_fixed=None):
    def compare_cells(cells, batches, test, hidden_size, lr, seed):
        x_test, y_test = test
        D = x_test.shape[2]
        results = {}
        for k, (name, cell) in enumerate(cells.items()):
            params = ref.init_regressor(cell, D, hidden_size,
                                        seed + k if seed_per_cell else seed)
            state = {}
            train = np.empty(len(batches))
            for step, (x, y) in enumerate(batches):
                if first_batch_only:
                    x, y = batches[0]
                train[step], grads = ref.regressor_loss(cell, params, x, y)
                ref.adam_step(params, grads, state, lr if lr_fixed is None else lr_fixed)
                if loss_after:
                    train[step], _ = ref.regressor_loss(cell, params, x, y)
            last = (x, y) if test_on_last_batch else (x_test, y_test)
            test_loss, _ = ref.regressor_loss(cell, params, *last)
            results[name] = {"train": train, "test": test_loss}
        return results
    return compare_cells


COMPARISON_MISTAKES = {
    "seed_per_cell": (
        dict(seed_per_cell=True),
        "the cells do not start from the same seed: call init_regressor(cell, D, "
        "hidden_size, seed) with the seed you are given for every cell, so that the "
        "comparison is fair."),
    "loss_after_update": (
        dict(loss_after=True),
        "you record each batch's loss after its update: record the loss regressor_loss "
        "returns before calling adam_step on that batch."),
    "first_batch_repeated": (
        dict(first_batch_only=True),
        "you train on the first batch over and over: take one Adam step on each batch "
        "in turn, batches[0], batches[1], ..."),
    "test_on_last_batch": (
        dict(test_on_last_batch=True),
        "your test loss is the loss on the last training batch: compute it on test = "
        "(x_test, y_test), after the last update."),
}

for _name, (_kw, _says) in COMPARISON_MISTAKES.items():
    mistake(CH, "compare_cells", _name, _says)(
        lambda ref, kw=_kw: {"compare_cells": _comparison(ref, **kw)})
