"""Likely mistakes of chapter 8 (the linear recurrence by a loop and by a parallel scan,
its backward pass, minGRU in three forms and its backward pass). See
``autograder/mistakes/__init__.py``.

The mistakes of the sequential loop are catalogued for the parallel scan too (a scan can
get the recurrence wrong in the same ways), with the scan's own: too few rounds when T
is not a power of two, the two pairs combined in the wrong order, the multipliers not
composed, the initial state added instead of multiplied in.

``train_to_threshold`` has no catalogue: its case's judge reads the learner's own
losses (the stopping rule, steps) and the trained regressor's test error, and its
messages name the cause themselves.
"""
from __future__ import annotations

import numpy as np

from autograder.mistakes import mistake

CH = "ch08"


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _softplus(a):
    return np.logaddexp(0.0, a)


# --- the sequential loop --------------------------------------------------------------

def _loop(variant: str):
    """A wrong loop over time for h_t = a_t * h_{t-1} + b_t."""
    def scan(a, b, h0):
        N, T, H = a.shape
        h = np.empty((N, T, H))
        prev = np.zeros_like(h0) if variant == "h0_ignored" else h0
        order = reversed(range(T)) if variant == "reversed_time" else range(T)
        for t in order:
            if variant == "a_after_b":
                new = a[:, t] * (prev + b[:, t])
            elif variant == "multiplier_on_input":
                new = prev + a[:, t] * b[:, t]
            elif variant == "h0_every_step":
                new = a[:, t] * h0 + b[:, t]
            else:
                new = a[:, t] * prev + b[:, t]
            h[:, t] = prev if variant == "exclusive" else new
            prev = new
        return h
    return scan


LOOP_MISTAKES = {
    "exclusive": (
        "h[:, t] holds the state before step t (h[:, 0] = h0): the scan is exclusive. "
        "It must be inclusive: h[:, t] is the state after step t, h[:, 0] = a[:, 0] * h0 "
        "+ b[:, 0]."),
    "h0_ignored": (
        "h0 is ignored (the recurrence starts from zeros): h[:, 0] = a[:, 0] * h0 + "
        "b[:, 0]."),
    "a_after_b": (
        "a multiplies the input too, h_t = a_t * (h_{t-1} + b_t): a multiplies the "
        "previous state only, h_t = a_t * h_{t-1} + b_t."),
    "multiplier_on_input": (
        "a multiplies the input b instead of the previous state: h_t = a_t * h_{t-1} + "
        "b_t."),
    "reversed_time": (
        "the recurrence runs in reversed time, from the last step to the first: step t "
        "reads the state of step t - 1, for t = 0, 1, ..., T - 1 in order."),
    "h0_every_step": (
        "every step starts from h0 instead of the previous state (the state is never "
        "carried forward): h_t = a_t * h_{t-1} + b_t."),
}


def _register_loop(function: str, target: str) -> None:
    for name, says in LOOP_MISTAKES.items():
        mistake(CH, function, name, says)(lambda ref, name=name: {target: _loop(name)})


_register_loop("linear_scan_sequential", "linear_scan_sequential")


# --- the parallel scan ----------------------------------------------------------------

def _scan(variant: str):
    """A Hillis-Steele scan with one thing changed."""
    def scan(a, b, h0):
        T = a.shape[1]
        first = b[:, :1] + h0[:, None] if variant == "h0_added" \
            else a[:, :1] * h0[:, None] + b[:, :1]
        B = np.concatenate([first, b[:, 1:]], axis=1)
        A = a
        d = 1
        while (2 * d <= T if variant == "power_of_two_only" else d < T):
            new_A = np.concatenate([A[:, :d], A[:, d:] * A[:, :-d]], axis=1)
            if variant == "multipliers_composed_first":
                A = new_A
            if variant == "combine_order_swapped":
                tail = A[:, :-d] * B[:, d:] + B[:, :-d]
            else:
                tail = A[:, d:] * B[:, :-d] + B[:, d:]
            B = np.concatenate([B[:, :d], tail], axis=1)
            if variant not in ("multipliers_not_composed", "multipliers_composed_first"):
                A = new_A
            d *= 2
        return B
    return scan


SCAN_MISTAKES = {
    "power_of_two_only": (
        "the scan stops one round short when T is not a power of two (the rounds go on "
        "while 2 * d <= T, or log2(T) is rounded down): run rounds d = 1, 2, 4, ... while "
        "d < T, ceil(log2 T) of them, or pad to a power of two."),
    "combine_order_swapped": (
        "the two pairs are combined in the wrong order, B[t] = A[t-d] * B[t] + B[t-d]: "
        "the earlier pair comes first, (A, B)[t-d] then (A, B)[t] gives B[t] = A[t] * "
        "B[t-d] + B[t]."),
    "multipliers_not_composed": (
        "the multipliers are not composed across rounds (A stays a): every round must "
        "also update A[t] = A[t] * A[t-d], so that A[t] is the product of all the "
        "multipliers its pair spans."),
    "multipliers_composed_first": (
        "A is updated before B in the same round, so B uses the new A: compute both "
        "from the previous round's values, B[t] = A[t] * B[t-d] + B[t] with the old A."),
    "h0_added": (
        "h0 is added to the first input instead of multiplied in: fold it in as "
        "b[:, 0] + a[:, 0] * h0."),
}


def _register_scan(function: str) -> None:
    for name, says in LOOP_MISTAKES.items():
        mistake(CH, function, name, says)(
            lambda ref, name=name: {"linear_scan_parallel": _loop(name)})
    for name, says in SCAN_MISTAKES.items():
        mistake(CH, function, name, says)(
            lambda ref, name=name: {"linear_scan_parallel": _scan(name)})


_register_scan("linear_scan_parallel")
_register_scan("linear_scan_matches_matrix")


# --- the backward scan ----------------------------------------------------------------

def _backward(variant: str):
    """A reverse scan for the gradients of h_t = a_t * h_{t-1} + b_t, with one thing
    changed, written as a loop (what it computes is all that matters)."""
    def linear_scan_backward(dh, a, h0, h):
        N, T, H = dh.shape
        g = np.empty((N, T, H))
        if variant == "forward_in_time":
            carry = np.zeros((N, H))
            for t in range(T):
                carry = dh[:, t] + (a[:, t] * carry)
                g[:, t] = carry
        else:
            carry = np.zeros((N, H))
            for t in reversed(range(T)):
                if variant == "no_carry":
                    g[:, t] = dh[:, t]
                elif variant == "carry_unshifted":
                    g[:, t] = dh[:, t] + a[:, t] * carry
                else:
                    g[:, t] = dh[:, t] + (a[:, t + 1] * carry if t + 1 < T else 0.0)
                carry = g[:, t]
        if variant == "da_uses_h_t":
            h_prev = h
        elif variant == "h_prev_wraps":
            h_prev = np.roll(h, 1, axis=1)
        else:
            h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
        da = g * h_prev
        db = dh if variant == "db_upstream_only" else g
        if variant == "dh0_without_a":
            dh0 = g[:, 0]
        elif variant == "dh0_zeros":
            dh0 = np.zeros_like(h0)
        else:
            dh0 = a[:, 0] * g[:, 0]
        return da, db, dh0
    return linear_scan_backward


BACKWARD_MISTAKES = {
    "no_carry": (
        "the gradient from later steps is not carried back (g_t = dh_t): h_t also feeds "
        "h_{t+1} = a_{t+1} * h_t + b_{t+1}, so g_t = dh_t + a_{t+1} * g_{t+1}, from the "
        "last step backwards."),
    "carry_unshifted": (
        "the carry uses the multiplier of step t, g_t = dh_t + a_t * g_{t+1}: the "
        "multiplier that links h_t to h_{t+1} is a_{t+1}, g_t = dh_t + a_{t+1} * g_{t+1}."),
    "forward_in_time": (
        "the reverse scan runs forwards in time: g_t = dh_t + a_{t+1} * g_{t+1} starts "
        "at the last step (g at the last step is dh there) and runs backwards."),
    "da_uses_h_t": (
        "da uses the state after the step, g_t * h_t: a_t multiplies the state before "
        "it, so da_t = g_t * h_{t-1} (h0 at the first step)."),
    "h_prev_wraps": (
        "the previous state of the first step wraps around to the last state (np.roll): "
        "at the first step it is h0, so da[:, 0] = g_0 * h0."),
    "db_upstream_only": (
        "db is the upstream gradient dh alone: b_t reaches the loss through h_t and "
        "every later state, so db_t = g_t, the total gradient of h_t."),
    "dh0_without_a": (
        "dh0 misses the multiplier of the first step: h0 enters as a[:, 0] * h0, so "
        "dh0 = a[:, 0] * g_0."),
    "dh0_zeros": (
        "dh0 is zero: h0 enters the first step as a[:, 0] * h0, so dh0 = a[:, 0] * g_0."),
}

for _name, _says in BACKWARD_MISTAKES.items():
    mistake(CH, "linear_scan_backward", _name, _says)(
        lambda ref, name=_name: {"linear_scan_backward": _backward(name)})


# --- minGRU forward -------------------------------------------------------------------

def _mingru(ref, variant: str):
    """mingru_forward with one thing changed; the cache is the reference's layout."""
    def mingru_forward(x, h0, params, mode="scan"):
        biases = variant != "biases_missing"
        k_z = x @ params["Wz"] + (params["bz"] if biases else 0.0)
        k_h = x @ params["Wh"] + (params["bh"] if biases else 0.0)
        z = _sigmoid(k_z)
        if variant == "no_g" and mode != "log":
            h_tilde = k_h
        elif variant == "tanh_candidate" and mode != "log":
            h_tilde = np.tanh(k_h)
        elif variant == "g_sigmoid_everywhere":
            h_tilde = _sigmoid(k_h)
        else:
            h_tilde = np.where(k_h >= 0, k_h + 0.5, _sigmoid(k_h))
        keep, take = (z, 1.0 - z) if variant == "z_swapped" else (1.0 - z, z)
        if mode != "log":
            scan = ref.linear_scan_sequential if mode == "sequential" \
                else ref.linear_scan_parallel
            h = scan(keep, take * h_tilde, h0)
        else:
            log_keep, log_take = -_softplus(k_z), -_softplus(-k_z)
            if variant == "z_swapped":
                log_keep, log_take = log_take, log_keep
            if variant == "log_a_is_log_z":
                log_keep = -_softplus(-k_z)
            if variant in ("log_g_sigmoid", "g_sigmoid_everywhere"):
                log_g = -_softplus(-k_h)
            else:
                log_g = np.where(k_h >= 0, np.log(np.maximum(k_h, 0.0) + 0.5),
                                 -_softplus(-k_h))
            a_star = np.cumsum(log_keep, axis=1)
            first = np.full_like(h0, -np.inf) if variant == "log_h0_missing" \
                else np.log(h0)
            terms = np.concatenate([first[:, None], log_take + log_g - a_star], axis=1)
            h = np.exp(a_star + np.logaddexp.accumulate(terms, axis=1)[:, 1:])
        cache = {"x": x, "h0": h0, "Wz": params["Wz"], "Wh": params["Wh"], "z": z,
                 "h_tilde": h_tilde, "k_h": k_h, "h": h}
        return h, cache
    return mingru_forward


MINGRU_MISTAKES = {
    "z_swapped": (
        "z and 1 - z are swapped (z keeps the old state, as in chapter 5's GRU): in "
        "minGRU z weighs the new candidate, h_t = (1 - z_t) * h_{t-1} + z_t * h_tilde_t, "
        "so a = 1 - z and b = z * h_tilde."),
    "no_g": (
        "in the sequential and scan modes the candidate is the raw pre-activation "
        "x @ Wh + bh: it goes through g, h_tilde = g(x @ Wh + bh) with g(k) = k + 0.5 "
        "for k >= 0 and sigmoid(k) otherwise (the log mode has it right)."),
    "tanh_candidate": (
        "the candidate goes through tanh, as in chapter 5's GRU: minGRU's candidate is "
        "g(x @ Wh + bh), g(k) = k + 0.5 for k >= 0 and sigmoid(k) otherwise, which is "
        "always positive."),
    "g_sigmoid_everywhere": (
        "g is the sigmoid for every k: g(k) = k + 0.5 for k >= 0 (and log g(k) = "
        "log(k + 0.5) there); only negative k go through the sigmoid."),
    "log_g_sigmoid": (
        "in log space, log g is -softplus(-k) (the log of the sigmoid) for every k: for "
        "k >= 0 it is log(k + 0.5)."),
    "log_a_is_log_z": (
        "in log space, log a is log z = -softplus(-k_z): the multiplier is 1 - z, whose "
        "log is -softplus(k_z)."),
    "log_h0_missing": (
        "in log space, the initial state is left out of the running logsumexp: its "
        "first term is log h0, then log b_1 - a*_1, ..., log b_t - a*_t."),
    "biases_missing": (
        "the biases are left out: z = sigmoid(x @ Wz + bz) and h_tilde = g(x @ Wh + bh)."),
}

for _name, _says in MINGRU_MISTAKES.items():
    mistake(CH, "mingru_forward", _name, _says)(
        lambda ref, name=_name: {"mingru_forward": _mingru(ref, name)})


# --- minGRU backward ------------------------------------------------------------------

def _mingru_backward(ref, variant: str):
    """mingru_backward over the reference cache, with one thing changed."""
    def mingru_backward(dh, cache):
        x, h0, z, h_tilde, k_h, h = (cache[k] for k in
                                     ("x", "h0", "z", "h_tilde", "k_h", "h"))
        N, T, D = x.shape
        H = h0.shape[1]
        da, db, dh0 = ref.linear_scan_backward(dh, 1.0 - z, h0, h)
        dz = db * h_tilde + (da if variant == "dz_sign" else -da)
        dk_z = dz if variant == "no_gate_derivative" else dz * z * (1.0 - z)
        s = _sigmoid(k_h)
        if variant == "g_prime_one":
            g_prime = np.ones_like(k_h)
        elif variant == "g_prime_sigmoid":
            g_prime = s * (1.0 - s)
        else:
            g_prime = np.where(k_h >= 0, 1.0, s * (1.0 - s))
        dk_h = db * g_prime if variant == "candidate_without_z" else db * z * g_prime
        dx = dk_h @ cache["Wh"].T if variant == "dx_gate_path_missing" \
            else dk_z @ cache["Wz"].T + dk_h @ cache["Wh"].T
        if variant == "dh0_zeros":
            dh0 = np.zeros_like(h0)
        flat = x.reshape(N * T, D)
        bias_axes = 0 if variant == "biases_summed_over_batch_only" else (0, 1)
        grads = {"Wz": flat.T @ dk_z.reshape(N * T, H), "bz": dk_z.sum(axis=bias_axes),
                 "Wh": flat.T @ dk_h.reshape(N * T, H), "bh": dk_h.sum(axis=bias_axes)}
        return dx, dh0, grads
    return mingru_backward


MINGRU_BACKWARD_MISTAKES = {
    "dz_sign": (
        "the multiplier's gradient enters dz with the wrong sign: a = 1 - z, so dz = "
        "db * h_tilde - da."),
    "no_gate_derivative": (
        "the sigmoid's derivative is missing from the gate's gradient: dk_z = dz * z * "
        "(1 - z)."),
    "g_prime_one": (
        "g' is 1 everywhere: for k < 0, g(k) = sigmoid(k), so g'(k) = sigmoid(k) * (1 - "
        "sigmoid(k)); only for k >= 0 is it 1."),
    "g_prime_sigmoid": (
        "g' is the sigmoid's derivative everywhere: for k >= 0, g(k) = k + 0.5, so "
        "g'(k) = 1 there."),
    "candidate_without_z": (
        "the candidate's gradient misses the factor z: b = z * h_tilde, so "
        "dh_tilde = db * z, then dk_h = dh_tilde * g'(k_h)."),
    "dx_gate_path_missing": (
        "dx misses the gate's path: x reaches the loss through z and h_tilde, so dx = "
        "dk_z @ Wz.T + dk_h @ Wh.T."),
    "dh0_zeros": (
        "dh0 is zero: it is the dh0 that linear_scan_backward returns for a = 1 - z."),
    "biases_summed_over_batch_only": (
        "the bias gradients are summed over the batch only: the biases are shared by all "
        "steps too, so sum over the batch and time, dbz = dk_z.sum(axis=(0, 1))."),
}

for _name, _says in MINGRU_BACKWARD_MISTAKES.items():
    mistake(CH, "mingru_backward", _name, _says)(
        lambda ref, name=_name: {"mingru_backward": _mingru_backward(ref, name)})
