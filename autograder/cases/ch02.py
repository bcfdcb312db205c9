"""Cases for chapter 2: backpropagation through time, embeddings, the output layer and
its loss over time, truncated BPTT and a character-level language model.

Backward cases build their caches with chapter 1's forward pass (``autograder.provided
.ch01``), whose cache format the learner's backward functions consume. ``gradcheck``
compares a learner's backward pass with centred finite differences of the forward pass.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from autograder.cases import Impl, case
from autograder.checks import CheckFailure, check_array, grad_check
from autograder.provided.ch01 import rnn_forward, rnn_step_forward


def _rnn_params(rng, D, H):
    """Small random weights; D != H in every default shape so transposes show."""
    Wx = 0.5 * rng.standard_normal((D, H))  # (D, H)
    Wh = 0.5 * rng.standard_normal((H, H))  # (H, H)
    b = 0.5 * rng.standard_normal(H)        # (H,)
    return Wx, Wh, b


def _gradient_judge(function: str, axes: Mapping[str, Sequence[str]],
                    hints: Mapping[str, str], all_wrong: str = "",
                    rtol: float = 1e-6, atol: float = 1e-9) -> Callable[[dict, dict], None]:
    """A judge that names every wrong gradient, with a hint about that gradient, and
    says which gradients are right (a pattern that points at the mistake)."""
    def judge(got: dict, expected: dict) -> None:
        failures, right = [], []
        for name, exp in expected.items():
            try:
                check_array(function, name, got.get(name), exp, rtol=rtol, atol=atol,
                            axes=axes.get(name))
                right.append(name)
            except CheckFailure as failure:
                failures.append(f"{failure} {hints.get(name, '')}".rstrip())
        if not failures:
            return
        message = "\n".join(failures)
        if right:
            message += f"\n({', '.join(right)} {'is' if len(right) == 1 else 'are'} right.)"
        elif all_wrong:
            message += f"\nEvery output is wrong: {all_wrong}"
        raise CheckFailure(message)
    return judge


# ------------------------------------------------------------------ RNN backward

@case("ch02", judge=_gradient_judge(
    "rnn_step_backward",
    axes={"dx": ("N", "D"), "dprev_h": ("N", "H"), "dWx": ("D", "H"),
          "dWh": ("H", "H"), "db": ("H",)},
    hints={"dx": "dx = da @ Wx.T, where da = dnext_h * (1 - next_h**2).",
           "dprev_h": "dprev_h = da @ Wh.T (Wh transposed: prev_h was multiplied by Wh "
                      "on the right).",
           "dWx": "dWx = x.T @ da: it sums over the batch rows.",
           "dWh": "dWh = prev_h.T @ da (the previous state, not next_h).",
           "db": "db = da summed over the batch axis (axis 0)."},
    all_wrong="they all pass through da = dnext_h * (1 - next_h**2); check the tanh "
              "derivative, taken at the step's output next_h from the cache."))
def rnn_step_backward(impl, rng, N=3, D=4, H=5):
    x = rng.standard_normal((N, D))
    prev_h = rng.standard_normal((N, H))
    Wx, Wh, b = _rnn_params(rng, D, H)
    _next_h, cache = rnn_step_forward(x, prev_h, Wx, Wh, b)
    dnext_h = rng.standard_normal((N, H))
    dx, dprev_h, dWx, dWh, db = impl.rnn_step_backward(dnext_h, cache)
    return {"dx": dx, "dprev_h": dprev_h, "dWx": dWx, "dWh": dWh, "db": db}


@case("ch02", judge=_gradient_judge(
    "rnn_backward",
    axes={"dx": ("N", "T", "D"), "dh0": ("N", "H"), "dWx": ("D", "H"),
          "dWh": ("H", "H"), "db": ("H",)},
    hints={"dx": "If only early time steps differ, the gradient arriving from the next "
                 "step (dprev_h) is not added to dh[:, t]; if only late ones differ, look "
                 "at the order of the loop (t = T-1 down to 0).",
           "dh0": "dh0 is the dprev_h that the backward step of t = 0 returns.",
           "dWx": "dWx sums the per-step gradients over all T steps (the weights are "
                  "shared); do not keep only the last step's.",
           "dWh": "dWh sums the per-step gradients over all T steps.",
           "db": "db sums the per-step gradients over all T steps."},
    all_wrong="the gradient fed into each step should be dh[:, t] + the dprev_h from "
              "step t+1, and step t must use cache[t]."))
def rnn_backward(impl, rng, N=2, T=4, D=3, H=5):
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    Wx, Wh, b = _rnn_params(rng, D, H)
    _h, cache = rnn_forward(x, h0, Wx, Wh, b)
    dh = rng.standard_normal((N, T, H))
    dx, dh0, dWx, dWh, db = impl.rnn_backward(dh, cache)
    return {"dx": dx, "dh0": dh0, "dWx": dWx, "dWh": dWh, "db": db}


# ------------------------------------------------------------------ embeddings

def _indices_with_repeats(rng, N, T, V):
    indices = rng.integers(0, V, size=(N, T))
    indices[0, 0] = V - 1             # the last row of W is used
    if N * T > 1:
        indices.flat[-1] = indices.flat[0]  # and one token repeats
    return indices


@case("ch02", axes={"out": ("N", "T", "D")},
      hint="out[n, t] is row indices[n, t] of W: W[indices] does it in one step.")
def embedding_forward(impl, rng, N=2, T=4, V=6, D=3):
    indices = _indices_with_repeats(rng, N, T, V)
    W = rng.standard_normal((V, D))
    out, _cache = impl.embedding_forward(indices, W)
    return {"out": out}


@case("ch02", axes={"dW": ("V", "D")},
      hint="Each row dW[i] is the sum of dout[n, t] over every (n, t) where token i was "
           "used; tokens used twice must add both (np.add.at(dW, indices, dout)); rows "
           "of unused tokens stay zero.")
def embedding_backward(impl, rng, N=3, T=4, V=5, D=2):
    indices = _indices_with_repeats(rng, N, T, V)
    W = rng.standard_normal((V, D))
    _out, cache = impl.embedding_forward(indices, W)
    dout = rng.standard_normal((N, T, D))
    return {"dW": impl.embedding_backward(dout, cache)}


# ------------------------------------------------------------------ output layer

@case("ch02", judge=_gradient_judge(
    "temporal_affine_backward",
    axes={"dh": ("N", "T", "H"), "dW": ("H", "V"), "db": ("V",)},
    hints={"dh": "dh = dout @ W.T, at every step.",
           "dW": "dW = h.T @ dout with h and dout flattened to (N*T, H) and (N*T, V): it "
                 "sums over batch rows and time steps.",
           "db": "db sums dout over the batch and time axes (0 and 1)."}))
def temporal_affine_backward(impl, rng, N=2, T=3, H=4, V=5):
    h = rng.standard_normal((N, T, H))
    W = rng.standard_normal((H, V))
    b = rng.standard_normal(V)
    _out, cache = impl.temporal_affine_forward(h, W, b)
    dout = rng.standard_normal((N, T, V))
    dh, dW, db = impl.temporal_affine_backward(dout, cache)
    return {"dh": dh, "dW": dW, "db": db}


def _loss_inputs(rng, N, T, V, big):
    scores = rng.standard_normal((N, T, V))
    scores[0, 0] += big                     # a large score: exp() must not overflow
    targets = rng.integers(0, V, size=(N, T))
    mask = rng.random((N, T)) < 0.7
    mask[:, 0] = True                       # every sequence has at least one token
    if T > 1:
        mask[-1, -1] = False                # and at least one padded step exists
    return scores, targets, mask


@case("ch02", judge=_gradient_judge(
    "temporal_softmax_loss",
    axes={"dscores": ("N", "T", "V")},
    hints={"loss": "The loss is chapter 1's sequence_cross_entropy: sum of -log p(target) "
                   "over unmasked steps, divided by N.",
           "dscores": "dscores = (softmax(scores) - one_hot(targets)) * mask / N: zero at "
                      "padded steps, divided by the batch size N (not the token count)."}))
def temporal_softmax_loss(impl, rng, N=3, T=5, V=6, big=800.0):
    scores, targets, mask = _loss_inputs(rng, N, T, V, big)
    loss, dscores = impl.temporal_softmax_loss(scores, targets, mask)
    return {"loss": loss, "dscores": dscores}


# ------------------------------------------------------------------ gradient checks

def _gc_rnn_step_backward(impl, rng, N=3, D=4, H=5):
    inputs = dict(x=rng.standard_normal((N, D)), prev_h=rng.standard_normal((N, H)))
    inputs.update(zip(("Wx", "Wh", "b"), _rnn_params(rng, D, H)))
    _h, cache = rnn_step_forward(**inputs)
    return grad_check("rnn_step_backward", rnn_step_forward, inputs, lambda dnext_h: dict(
        zip(("x", "prev_h", "Wx", "Wh", "b"), impl.rnn_step_backward(dnext_h, cache))))


def _gc_rnn_backward(impl, rng, N=2, T=4, D=3, H=5):
    inputs = dict(x=rng.standard_normal((N, T, D)), h0=rng.standard_normal((N, H)))
    inputs.update(zip(("Wx", "Wh", "b"), _rnn_params(rng, D, H)))
    _h, cache = rnn_forward(**inputs)
    return grad_check("rnn_backward", rnn_forward, inputs, lambda dh: dict(
        zip(("x", "h0", "Wx", "Wh", "b"), impl.rnn_backward(dh, cache))))


def _gc_embedding_backward(impl, rng, N=3, T=4, V=5, D=2):
    indices = _indices_with_repeats(rng, N, T, V)
    W = rng.standard_normal((V, D))
    _out, cache = impl.embedding_forward(indices, W)
    return grad_check("embedding_backward", impl.embedding_forward,
                      dict(indices=indices, W=W),
                      lambda dout: {"W": impl.embedding_backward(dout, cache)})


def _gc_temporal_affine_backward(impl, rng, N=2, T=3, H=4, V=5):
    inputs = dict(h=rng.standard_normal((N, T, H)), W=rng.standard_normal((H, V)),
                  b=rng.standard_normal(V))
    _out, cache = impl.temporal_affine_forward(**inputs)
    return grad_check("temporal_affine_backward", impl.temporal_affine_forward, inputs,
                      lambda dout: dict(zip(("h", "W", "b"),
                                            impl.temporal_affine_backward(dout, cache))))


def _gc_temporal_softmax_loss(impl, rng, N=3, T=5, V=6):
    scores, targets, mask = _loss_inputs(rng, N, T, V, big=0.0)
    _loss, dscores = impl.temporal_softmax_loss(scores, targets, mask)
    return grad_check(
        "temporal_softmax_loss",
        lambda scores: float(impl.temporal_softmax_loss(scores, targets, mask)[0]),
        dict(scores=scores), lambda dloss: {"scores": dloss * dscores})


_GRADIENT_CHECKS = {
    "rnn_step_backward": _gc_rnn_step_backward,
    "rnn_backward": _gc_rnn_backward,
    "embedding_backward": _gc_embedding_backward,
    "temporal_affine_backward": _gc_temporal_affine_backward,
    "temporal_softmax_loss": _gc_temporal_softmax_loss,
}


def gradcheck(name: str, namespace: Mapping[str, object], *, seed: int = 0,
              **shape) -> dict:
    """Check a learner's backward pass against centred finite differences of the forward
    pass, in float64 with a random upstream gradient: ``gradcheck("ch02.rnn_backward",
    globals())``. Raises :class:`CheckFailure` naming every gradient that disagrees."""
    chapter, function = name.split(".", 1)
    if chapter != "ch02" or function not in _GRADIENT_CHECKS:
        raise KeyError(f"No gradient check for {name}.")
    impl = Impl(namespace)
    try:
        errors = _GRADIENT_CHECKS[function](impl, np.random.default_rng(seed), **shape)
    except (CheckFailure, NotImplementedError):
        raise
    except Exception as exc:  # learner code crashed: say where, keep the type
        raise CheckFailure(f"{function} raised {type(exc).__name__}: {exc} "
                           f"(gradient check seed={seed}, shape {shape}).") from exc
    worst = max(errors.values()) if errors else 0.0
    print(f"{function}: gradients agree with finite differences "
          f"(largest relative error {worst:.1e})")
    return errors
