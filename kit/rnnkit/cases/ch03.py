"""Cases for chapter 3: hidden-state gradient norms and their decay rate, clipping by
global norm and by value, a training step that refuses non-finite values, identity
initialisation for a ReLU RNN, and the adding-problem experiment.

Several cases run one function on a handful of scenarios (above/below a threshold, NaN,
Inf, ...) and name each output ``"<output> (<scenario>)"``, so that a failure message
says in which scenario the function went wrong, with a hint for that scenario.

The hidden states of ``hidden_grad_norms`` come from chapter 1's forward pass, which the
notebook's provided-code cell defines (``impl.rnn_forward``).
"""
from __future__ import annotations

import re

import numpy as np

from rnnkit.cases import case
from rnnkit.checks import CheckFailure, check_array, check_each
from rnnkit.i18n import _, N_
from rnnkit.questions import multiple_choice, numeric

_SCENARIO = re.compile(r"\(([^()]*)\)$")


def _check_scalar(function: str, name: str, got, expected, rtol: float = 1e-6) -> None:
    """Compare one number or flag and say both values (check_array is for arrays)."""
    expected = np.asarray(expected)
    if got is None or np.ndim(got) != 0:
        raise CheckFailure(_("{function}: {name} should be a single value like {like!r}, "
                             "got {got!r}.").format(function=function, name=name,
                                                    like=expected.item(), got=got))
    if expected.dtype.kind == "b":
        if bool(got) != bool(expected):
            raise CheckFailure(_("{function}: {name} should be {expected}, but is {got}."
                                 ).format(function=function, name=name,
                                          expected=bool(expected), got=bool(got)))
        return
    got_f, exp_f = float(got), float(expected)
    if np.isnan(exp_f) and np.isnan(got_f):
        return
    if not np.isclose(got_f, exp_f, rtol=rtol, atol=1e-12):
        raise CheckFailure(_("{function}: {name} is {got:.6g}, expected {expected:.6g} "
                             "(tolerance {rtol:.0e}).").format(function=function, name=name,
                                                              got=got_f, expected=exp_f,
                                                              rtol=rtol))


def _compare(function: str, got: dict, expected: dict, rtol: float = 1e-6) -> None:
    """check_array for arrays, _check_scalar for single values; all failures listed."""
    def check_one(name: str, exp) -> None:
        if np.ndim(exp) == 0:
            _check_scalar(function, name, got.get(name), exp, rtol)
        else:
            check_array(function, name, got.get(name), exp, rtol=rtol)

    # outputs are named "<output> (<scenario>)": "; " keeps the list readable
    check_each(expected, check_one, right=N_(" (Right: {names}.)"), join="; ")


def _scenario_judge(function: str, hints: dict[str, str], rtol: float = 1e-6):
    """Compare outputs scenario by scenario; each failing scenario gets its own hint."""
    def judge(got: dict, expected: dict) -> None:
        failures = []
        for scenario in dict.fromkeys(_SCENARIO.search(k).group(1) for k in expected):
            keys = [k for k in expected if _SCENARIO.search(k).group(1) == scenario]
            try:
                _compare(function, {k: got.get(k) for k in keys},
                         {k: expected[k] for k in keys}, rtol=rtol)
            except CheckFailure as failure:
                hint = _(hints.get(scenario, ""))
                failures.append(f"[{_(scenario)}] {failure}"
                                + ("\n  " + _("Hint: {hint}").format(hint=hint) if hint
                                   else ""))
        if failures:
            raise CheckFailure("\n".join(failures))
    return judge


def _unchanged(before, after) -> np.ndarray:
    return np.array(all(np.array_equal(b, a, equal_nan=True) for b, a in zip(before, after)))


def _as_arrays(function: str, result, grads, scenario: str) -> list:
    """The arrays of a returned container, in the order of the input container."""
    if isinstance(grads, dict):
        if not isinstance(result, dict) or set(result) != set(grads):
            raise CheckFailure((_(
                "{function}: given a dict of gradients with keys {keys} ({scenario}), "
                "return a dict with the same keys; got {kind} with keys {got}.")
                if isinstance(result, dict) else _(
                "{function}: given a dict of gradients with keys {keys} ({scenario}), "
                "return a dict with the same keys; got {kind}.")).format(
                    function=function, keys=sorted(grads), scenario=_(scenario),
                    kind=type(result).__name__,
                    got=sorted(result) if isinstance(result, dict) else None))
        return [result[k] for k in grads]
    if not isinstance(result, (list, tuple)) or len(result) != len(grads):
        raise CheckFailure(_("{function}: given a list of {n} gradient arrays ({scenario}), "
                             "return a list of {n} arrays; got {kind}.").format(
                                 function=function, n=len(grads), scenario=_(scenario),
                                 kind=type(result).__name__))
    return list(result)


def _grads(rng, D, H, scale=1.0):
    """Gradients shaped like a vanilla RNN's parameters; D != H so shapes differ."""
    return {"Wx": scale * rng.standard_normal((D, H)),
            "Wh": scale * rng.standard_normal((H, H)),
            "b": scale * rng.standard_normal(H)}


def _norm(grads) -> float:
    values = grads.values() if isinstance(grads, dict) else grads
    return float(np.sqrt(sum(np.sum(g ** 2) for g in values)))


# ----------------------------------------------------------------- Part 1

def _judge_grad_norms(got: dict, expected: dict) -> None:
    norms = got.get("norms")
    exp = np.asarray(expected["norms"])
    if norms is not None and np.shape(norms) == exp.shape and exp.size > 1:
        norms = np.asarray(norms, dtype=np.float64)
        ratios = norms[1:] / np.maximum(norms[:-1], 1e-300)
        bound = float(expected["step_bound"])
        worst = int(np.argmax(ratios)) + 1
        if np.all(np.isfinite(ratios)) and ratios[worst - 1] > bound * (1 + 1e-9):
            raise CheckFailure(_(
                "hidden_grad_norms: norms[{k}] / norms[{before}] = {ratio:.3g}, but one step "
                "back can multiply the gradient's norm by at most sigma_max(Wh) * max(1 - "
                "h**2) = {bound:.3g} (the bound of the book). Check that you multiply by "
                "the tanh derivative (1 - h**2) of the later state and then by Wh.T, and "
                "that norms[k] runs backwards in time (norms[0] belongs to the last step)."
            ).format(k=worst, before=worst - 1, ratio=ratios[worst - 1], bound=bound))
    check_array("hidden_grad_norms", "norms", norms, exp, rtol=1e-6, axes=(N_("lag"),),
                hint=N_("norms[k] is the norm of dL/dh at time T-1-k: start with ||dh_last|| "
                        "and go back one step at a time with dh = (dh * (1 - h[:, t]**2)) @ "
                        "Wh.T, where h[:, t] is the later state of the step you go back "
                        "through. Use np.linalg.norm of the whole (N, H) array."))


@case("ch03", judge=_judge_grad_norms)
def hidden_grad_norms(impl, rng, N=3, T=6, D=2, H=4, scale=1.0):
    x = rng.standard_normal((N, T, D))
    h0 = 0.5 * rng.standard_normal((N, H))
    Wx = 0.5 * rng.standard_normal((D, H))
    Wh = scale * rng.standard_normal((H, H)) / np.sqrt(H)
    b = 0.1 * rng.standard_normal(H)
    h, _cache = impl.rnn_forward(x, h0, Wx, Wh, b)  # (N, T, H)
    dh_last = rng.standard_normal((N, H))
    norms = impl.hidden_grad_norms(h.copy(), Wh.copy(), dh_last.copy())
    step_bound = np.linalg.norm(Wh, 2) * (1 - h[:, 1:] ** 2).max() if T > 1 else 1.0
    return {"norms": norms, "step_bound": np.array(step_bound)}


# ----------------------------------------------------------------- Part 2

def _judge_decay_rate(got: dict, expected: dict) -> None:
    try:
        _check_scalar("fit_decay_rate", "rate", got.get("rate"), expected["rate"])
    except CheckFailure as failure:
        raise CheckFailure(f"{failure} " + _("Fit a straight line to log(norms) (natural "
                                            "log) against the lags 0, 1, ..., K-1 by least "
                                            "squares and return its slope.")) from None
    bound = float(expected["bound"])
    if float(got["rate"]) > bound + 1e-9:
        raise CheckFailure(_("fit_decay_rate: rate {rate:.4f} exceeds the bound log(rho) = "
                             "{bound:.4f}.").format(rate=float(got['rate']), bound=bound))


@case("ch03", judge=_judge_decay_rate)
def fit_decay_rate(impl, rng, K=10, rho=0.8):
    # Every step multiplies the norm by a factor in [rho / 3, rho]: the bound is log(rho).
    factors = rho * rng.uniform(1 / 3, 1.0, size=K - 1)
    norms = 2.0 * np.concatenate([[1.0], np.cumprod(factors)])  # (K,)
    rate = impl.fit_decay_rate(norms.copy())
    return {"rate": rate, "bound": np.array(np.log(rho))}


# ----------------------------------------------------------------- Part 3

_GLOBAL_HINTS = {
    "norm above max_norm": N_("Compute ONE norm over all arrays together (sqrt of the sum of "
                              "every squared entry), then multiply every array by max_norm / "
                              "norm. Return the norm from before clipping."),
    "norm below max_norm": N_("When the joint norm is at most max_norm, return the gradients "
                              "unchanged (never scale them up)."),
    "all-zero gradients": N_("A zero norm is below max_norm: return zeros and norm 0, without "
                             "dividing by the norm."),
    "norm exactly max_norm": N_("At the threshold nothing needs clipping: scale by 1."),
    "a NaN in Wh's gradient": N_("A NaN makes the norm NaN. Return the norm as it is (NaN) and "
                                 "the gradients unchanged; do not replace the NaN."),
    "an Inf in b's gradient": N_("An Inf makes the norm Inf. Only clip when the norm is finite; "
                                 "otherwise return the gradients unchanged."),
    "a list of gradients": N_("Given a list, return a list of clipped arrays in the same order."),
}


@case("ch03", judge=_scenario_judge("clip_by_global_norm", _GLOBAL_HINTS))
def clip_by_global_norm(impl, rng, D=3, H=4, ratio=0.3):
    out = {}

    def run(scenario, grads, max_norm):
        arrays = list(grads.values()) if isinstance(grads, dict) else list(grads)
        before = [g.copy() for g in arrays]
        result = impl.clip_by_global_norm(grads, max_norm)
        if not isinstance(result, tuple) or len(result) != 2:
            raise CheckFailure(_("clip_by_global_norm: return a tuple (clipped, "
                                 "total_norm)."))
        clipped, total_norm = result
        names = list(grads) if isinstance(grads, dict) else range(len(grads))
        for name, g in zip(names, _as_arrays("clip_by_global_norm", clipped, grads,
                                             scenario)):
            out[f"clipped[{name}] ({scenario})"] = g
        out[f"total_norm ({scenario})"] = total_norm
        out[f"the caller's arrays left unchanged ({scenario})"] = _unchanged(before, arrays)

    grads = _grads(rng, D, H)
    run(N_("norm above max_norm"), grads, ratio * _norm(grads))
    grads = _grads(rng, D, H)
    run(N_("norm below max_norm"), grads, _norm(grads) / ratio)
    run(N_("all-zero gradients"), {k: np.zeros_like(v) for k, v in grads.items()}, 1.0)
    exact = {k: np.zeros_like(v) for k, v in _grads(rng, D, H).items()}
    exact["Wx"].flat[0], exact["b"].flat[-1] = 3.0, -4.0   # joint norm exactly 5
    run(N_("norm exactly max_norm"), exact, 5.0)
    grads = _grads(rng, D, H)
    grads["Wh"].flat[rng.integers(H * H)] = np.nan
    run(N_("a NaN in Wh's gradient"), grads, ratio)
    grads = _grads(rng, D, H)
    grads["b"].flat[rng.integers(H)] = np.inf
    run(N_("an Inf in b's gradient"), grads, ratio)
    grads = list(_grads(rng, D, H).values())
    run(N_("a list of gradients"), grads, ratio * _norm(grads))
    return out


# ----------------------------------------------------------------- Part 4

_VALUE_HINTS = {
    "entries beyond the limit": N_("Clip each entry on its own into [-clip_value, "
                                   "clip_value] (np.clip), both signs; entries inside stay."),
    "entries exactly at the limit": N_("Entries equal to +/-clip_value stay as they are."),
    "a NaN in Wx's gradient": N_("np.clip leaves a NaN as NaN; do not replace it."),
    "a list of gradients": N_("Given a list, return a list of clipped arrays in the same order."),
}


@case("ch03", judge=_scenario_judge("clip_by_value", _VALUE_HINTS))
def clip_by_value(impl, rng, D=3, H=4, clip_value=0.5):
    out = {}

    def run(scenario, grads):
        arrays = list(grads.values()) if isinstance(grads, dict) else list(grads)
        before = [g.copy() for g in arrays]
        clipped = impl.clip_by_value(grads, clip_value)
        names = list(grads) if isinstance(grads, dict) else range(len(grads))
        for name, g in zip(names, _as_arrays("clip_by_value", clipped, grads, scenario)):
            out[f"clipped[{name}] ({scenario})"] = g
        out[f"the caller's arrays left unchanged ({scenario})"] = _unchanged(before, arrays)

    scale = 2 * clip_value  # about a third of the entries lie beyond the limit
    run(N_("entries beyond the limit"), _grads(rng, D, H, scale))
    grads = _grads(rng, D, H, scale)
    grads["Wh"].flat[0], grads["b"].flat[-1] = clip_value, -clip_value
    run(N_("entries exactly at the limit"), grads)
    grads = _grads(rng, D, H, scale)
    grads["Wx"].flat[rng.integers(D * H)] = np.nan
    run(N_("a NaN in Wx's gradient"), grads)
    run(N_("a list of gradients"), list(_grads(rng, D, H, scale).values()))
    return out


# ----------------------------------------------------------------- Part 5

_GUARD_HINTS = {
    "finite loss and gradients": N_("Apply params[name] -= lr * grads[name] to every "
                                    "parameter, in place, and return (True, '')."),
    "NaN in Wy's gradient": N_("Check every gradient BEFORE updating anything: when one is "
                               "not finite, return (False, reason) with all parameters "
                               "untouched, and name that parameter in the reason."),
    "Inf in Wh's gradient": N_("Inf is not finite either: use np.isfinite, not np.isnan."),
    "NaN loss, finite gradients": N_("Check the loss too: a NaN loss means the batch went "
                                     "wrong even if the gradients look finite."),
    "Inf loss, finite gradients": N_("An infinite loss must also stop the step (np.isfinite)."),
    "NaN in Wx's and b's gradients": N_("Name every parameter whose gradient is not finite, "
                                        "and no other parameter."),
}


def _mentions(reason: str, name: str) -> bool:
    """True if ``name`` (optionally written as dname) appears as a word in ``reason``."""
    return re.search(rf"(?<![A-Za-z0-9_])d?{re.escape(name)}(?![A-Za-z0-9_])",
                     reason) is not None


@case("ch03", judge=_scenario_judge("guarded_sgd_step", _GUARD_HINTS))
def guarded_sgd_step(impl, rng, D=3, H=4, lr=0.1):
    out = {}

    def run(scenario, loss, bad):
        params = {"Wx": rng.standard_normal((D, H)), "Wh": rng.standard_normal((H, H)),
                  "b": rng.standard_normal(H), "Wy": rng.standard_normal((H, 2))}
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        for name, value in bad.items():
            grads[name].flat[rng.integers(grads[name].size)] = value
        result = impl.guarded_sgd_step(params, grads, loss, lr)
        if not isinstance(result, tuple) or len(result) != 2:
            raise CheckFailure(_("guarded_sgd_step: return a tuple (applied, reason)."))
        applied, reason = result
        out[f"applied ({scenario})"] = np.array(bool(applied))
        for name, value in params.items():
            out[f"params[{name}] after the call ({scenario})"] = value
        reason = "" if reason is None else str(reason)
        refuse = bool(bad) or not np.isfinite(loss)
        if refuse:
            ok = all(_mentions(reason, n) == (n in bad) for n in params)
            ok = ok and (np.isfinite(loss) or "loss" in reason.lower())
        else:
            ok = reason == ""
        out[f"reason names exactly what was not finite ({scenario})"] = np.array(ok)

    run(N_("finite loss and gradients"), 1.5, {})
    run(N_("NaN in Wy's gradient"), 1.5, {"Wy": np.nan})
    run(N_("Inf in Wh's gradient"), 1.5, {"Wh": -np.inf})
    run(N_("NaN loss, finite gradients"), np.nan, {})
    run(N_("Inf loss, finite gradients"), np.inf, {})
    run(N_("NaN in Wx's and b's gradients"), 1.5, {"Wx": np.nan, "b": np.nan})
    return out


# ----------------------------------------------------------------- Part 6

def _judge_identity_init(got: dict, expected: dict) -> None:
    for name in ("Wx", "Wh", "b"):
        g, e = got.get(name), np.asarray(expected[name])
        if g is None:
            raise CheckFailure(_('identity_init: the returned dict has no "{name}".').format(
                name=name))
        if np.shape(g) != e.shape:
            raise CheckFailure(_("identity_init: {name} has shape {shape}, expected "
                                 "{expected} (D = input size, H = hidden size).").format(
                                     name=name, shape=np.shape(g), expected=e.shape))
    check_array("identity_init", "Wh", got["Wh"], expected["Wh"], rtol=0, atol=0,
                hint=N_("Wh starts as the identity matrix np.eye(H)."))
    check_array("identity_init", "b", got["b"], expected["b"], rtol=0, atol=0,
                hint=N_("The bias starts at zero."))
    Wx, std = np.asarray(got["Wx"], dtype=np.float64), float(expected["input_std"])
    if not np.isfinite(Wx).all() or np.all(Wx == Wx.flat[0]):
        raise CheckFailure(_("identity_init: Wx must be random (drawn with rng), not "
                             "constant."))
    spread = float(np.sqrt(np.mean(Wx ** 2)))
    n = Wx.size
    low, high = (0.8, 1.2) if n >= 400 else (0.2, 3.0)
    if not low * std <= spread <= high * std:
        raise CheckFailure(_(
            "identity_init: the entries of Wx have a root-mean-square of {spread:.3g}, "
            "but they should be normal with standard deviation input_std = {std:g}. "
            "Multiply standard normal draws by input_std (the standard deviation, not the "
            "variance).").format(spread=spread, std=std))
    if n >= 400 and abs(Wx.mean()) > 5 * std / np.sqrt(n):
        raise CheckFailure(_("identity_init: the entries of Wx have mean {mean:.3g}; they "
                             "should have mean 0.").format(mean=Wx.mean()))


@case("ch03", judge=_judge_identity_init)
def identity_init(impl, rng, D=20, H=30, input_std=0.001):
    params = impl.identity_init(D, H, rng, input_std)
    if not isinstance(params, dict):
        raise CheckFailure(_('identity_init: return a dict with keys "Wx", "Wh" and "b".'))
    return {**{k: params.get(k) for k in ("Wx", "Wh", "b")},
            "input_std": np.array(input_std)}


# ----------------------------------------------------------------- Part 7

def _judge_experiment(got: dict, expected: dict) -> None:
    T_values = [int(t) for t in expected["T_values"]]
    threshold = float(expected["threshold"])
    mse = got.get("test_mse")
    if mse is None or np.shape(mse) != (len(T_values),):
        raise CheckFailure(_("adding_experiment: test_mse should have shape ({n},), one "
                             "error per T; got {shape}.").format(n=len(T_values),
                                                                 shape=np.shape(mse)))
    mse = np.asarray(mse, dtype=np.float64)
    if not np.isfinite(mse).all():
        raise CheckFailure(_("adding_experiment: test_mse contains NaN or Inf. Did the "
                             "updates use your clipped gradients and the guarded step?"))
    largest = int(np.asarray(got["largest_T"]))
    learned = [T for T, m in zip(T_values, mse) if m < threshold]
    own = max(learned) if learned else 0
    if largest != own:
        raise CheckFailure(_(
            "adding_experiment: your test errors {errors} fall below threshold "
            "{threshold:.4f} for T in {learned}, so largest_T should be {own}, but you "
            "returned {largest}. Return the largest T (not its index) whose error is below "
            "the threshold, or 0 if there is none.").format(
                errors=np.round(mse, 4).tolist(), threshold=threshold, learned=learned,
                own=own, largest=largest))
    ref_mse = np.asarray(expected["test_mse"], dtype=np.float64)
    far = np.abs(mse - ref_mse) > 0.07
    if far.any():
        i = int(np.argmax(far))
        raise CheckFailure(_(
            "adding_experiment: at T = {T} your test error is {mse:.4f} but the reference's "
            "is {ref:.4f} (errors per T: yours {errors}, reference {ref_errors}). Train a "
            "fresh model for every T for `steps` steps with batches of batch_size, clip "
            "with max_norm, step with learning rate lr, and measure the error on "
            "test_size fresh examples.").format(
                T=T_values[i], mse=mse[i], ref=ref_mse[i], errors=np.round(mse, 3).tolist(),
                ref_errors=np.round(ref_mse, 3).tolist()))
    position = {T: i for i, T in enumerate(T_values)}
    ref_largest = int(expected["largest_T"])
    if abs(position.get(largest, -1) - position.get(ref_largest, -1)) > 1:
        raise CheckFailure(_(
            "adding_experiment: you found largest_T = {largest}, the reference {ref}; they "
            "should be at most one grid step apart.").format(largest=largest, ref=ref_largest))


@case("ch03", judge=_judge_experiment)
def adding_experiment(impl, rng, T_values=(2, 4, 8, 16), steps=200):
    threshold = 1 / 12
    largest_T, test_mse = impl.adding_experiment(tuple(T_values), rng, steps=steps,
                                                 threshold=threshold)
    return {"largest_T": np.array(largest_T), "test_mse": test_mse,
            "T_values": np.array(T_values), "threshold": np.array(threshold)}


# Conceptual questions (rnnkit.questions): their keys are in the solution notebook only.
numeric("ch03", "sigmoid_bound", rtol=0.01,
        hint=N_("Reread chapter 3, *A bound from the spectrum of W_h*: which slope bound "
                "gamma belongs to the logistic sigmoid, and how the bound depends on k."))
multiple_choice("ch03", "orthogonal_start", "abcd",
                hint=N_("Reread chapter 3, *The gradient through many steps* and *Orthogonal "
                        "initialisation*: which factors the gradient is multiplied by at "
                        "every step, and what an orthogonal W_h does to a row's norm."))
