"""Say which gradient of a learner's backward pass is wrong first, and why (lesson 05).

Runs in the learner's kernel, called by lesson 05's ``mlp_backward`` test cells. A wrong
backward pass is usually wrong from one layer on: walking back from the output layer, the
first wrong gradient points at the line that broke it. :func:`check_gradients` names that
gradient, shows every layer's relative error, and recognises the usual mistakes two ways:

- by value: :func:`usual_mistakes` recomputes the gradients as a learner who made each
  mistake would get them (the answer is named when it matches one);
- by signature: every gradient scaled by the same factor (a missing ``1/n`` makes every
  gradient ``n`` times too large, so every layer shows the relative error
  ``(n - 1) / (n + 1)``; a sign error gives 1), or a ``dW`` that is the transpose of the
  right one.

Two helpers run the learner's code with messages that name the usual slip:
:func:`backward_call` calls ``mlp_backward`` without dumping the cache into a failure
message, and when it raises, says whether a ``y`` of shape ``(n, 1)`` would have worked (a
``y`` that was not reshaped) or lists the shapes that the layer indices must fit;
:func:`expect_tuple_order` recognises ``dense_backward``'s results returned in another order;
:func:`expect_inputs_unchanged` names the entry of ``y``, the cache or ``params`` that
``mlp_backward`` changed in place (e.g. ``cache['A'][2]`` after ``A[L] -= y``).

Expected gradients come from the caller (a numerical gradient, :func:`mlp_numerical_gradients`,
or recorded TensorFlow gradients), never from a reference backward pass.
"""

from __future__ import annotations

import contextlib
import copy
import io
import linecache
import re
import traceback
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from nncourse.checks import CheckFailed, call, expect, show
from nncourse.reference.activations import sigmoid
from nncourse.reference.forward import mlp_forward
from nncourse.reference.losses import binary_cross_entropy

Grads = Sequence[tuple[Any, Any]]
TOLERANCE = 1e-6  # a correct backward pass against centered differences: about 1e-9
CORRECT = 1e-8  # the lesson's rule: a correct gradient gives about this or less
_SAME = 1e-5  # two analytic gradients closer than this (relative error) are the same
_NAMES = ("dW", "db")

_DERIVATIVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda Z: (Z > 0).astype(float),
    "tanh": lambda Z: 1.0 - np.tanh(Z) ** 2,
    "sigmoid": lambda Z: sigmoid(Z) * (1.0 - sigmoid(Z)),
    "linear": np.ones_like,
}


def relative_error(a: Any, b: Any) -> float:
    """``norm(a - b) / max(norm(a) + norm(b), 1e-12)`` over all elements."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


def mlp_numerical_gradients(X: np.ndarray, y: np.ndarray, params: Grads, hidden_activation: str,
                        eps: float = 1e-5) -> list[tuple[np.ndarray, np.ndarray]]:
    """Centered differences of the mean BCE of ``mlp_forward(X, params)``: a (dW, db) per layer."""
    grads = []
    for layer in range(len(params)):
        pair = []
        for which in (0, 1):
            value = np.asarray(params[layer][which], dtype=float)
            numeric = np.zeros_like(value)
            for idx in np.ndindex(value.shape):
                for sign in (1.0, -1.0):
                    nudged = [[np.array(W, dtype=float), np.array(b, dtype=float)]
                              for W, b in params]
                    nudged[layer][which][idx] += sign * eps
                    out, _ = mlp_forward(X, nudged, hidden_activation=hidden_activation)
                    numeric[idx] += sign * binary_cross_entropy(y, out) / (2 * eps)
            pair.append(numeric)
        grads.append((pair[0], pair[1]))
    return grads


def _backward(y: Any, cache: Mapping[str, Any], params: Grads, *, output: str = "mean",
              derivative: str = "Z", input_of: int = 1,
              scale: float = 1.0) -> list[tuple[np.ndarray, np.ndarray]]:
    """The backward pass, right or with one usual mistake.

    ``output``: "mean" (right), "sum" (no 1/n), "flipped" (y - p), "extra" (times p (1 - p)).
    ``derivative``: "Z" (right), "A" (f' at the layer's output), "none" (left out), "relu"
    (ReLU's whatever the activation), "s*s" (the sigmoid's written as s * s), "1-tanh"
    (tanh's written as 1 - tanh(Z)).
    ``input_of``: 1 (right: the layer's input A[l - 1]), 0 (its output A[l]).
    ``scale``: multiplies every stored (dW, db) (1/n: divided by n a second time).
    """
    A, Z = cache["A"], cache["Z"]
    f_prime = _DERIVATIVES[cache["hidden_activation"]]
    L = len(params)
    p = np.asarray(A[L], dtype=float)
    target = np.reshape(np.asarray(y, dtype=float), p.shape)
    dZ = {"mean": (p - target) / p.shape[0], "sum": p - target,
          "flipped": (target - p) / p.shape[0],
          "extra": (p - target) * p * (1.0 - p) / p.shape[0]}[output]
    grads: list[tuple[np.ndarray, np.ndarray]] = [(np.empty(0), np.empty(0))] * L
    for layer in range(L, 0, -1):
        W = np.asarray(params[layer - 1][0], dtype=float)
        layer_input = np.asarray(A[layer - input_of], dtype=float)
        grads[layer - 1] = (scale * (layer_input.T @ dZ), scale * dZ.sum(axis=0))
        if layer > 1:
            dA = dZ @ W.T
            Z_below = np.asarray(Z[layer - 2], dtype=float)
            if derivative == "none":
                dZ = dA
            elif derivative == "relu":
                dZ = dA * (Z_below > 0)
            elif derivative == "s*s":
                dZ = dA * sigmoid(Z_below) ** 2
            elif derivative == "1-tanh":
                dZ = dA * (1.0 - np.tanh(Z_below))
            else:
                at = Z_below if derivative == "Z" else np.asarray(A[layer - 1], dtype=float)
                dZ = dA * f_prime(at)
    return grads


def usual_mistakes(y: Any, cache: Mapping[str, Any],
                   params: Grads) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """What ``mlp_backward`` returns after each usual mistake, by label (a noun phrase)."""
    n = np.shape(cache["A"][-1])[0]
    variants = {
        f"forgetting the 1/n of the mean at the output: every gradient is n = {n} times too "
        f"large, which gives the same relative error (n - 1)/(n + 1) = {(n - 1) / (n + 1):.3f} "
        "in every layer": {"output": "sum"},
        "a sign error at the output (y - p instead of p - y)": {"output": "flipped"},
        "multiplying by the sigmoid's derivative p (1 - p) again at the output "
        "(sigmoid_bce_backward already includes it)": {"output": "extra"},
        "leaving out the hidden activation's derivative (dZ = dA)": {"derivative": "none"},
        "evaluating the activation's derivative at the layer's output A instead of its "
        "pre-activation Z": {"derivative": "A"},
        "using the layer's output A[l] instead of its input A[l - 1] in dW": {"input_of": 0},
        "using ReLU's derivative whatever the hidden activation": {"derivative": "relu"},
        "dividing dW and db by n again (the 1/n is already in dZ, from "
        "sigmoid_bce_backward): every gradient is n times too small": {"scale": 1.0 / n},
    }
    if cache["hidden_activation"] == "tanh":
        variants["writing tanh's derivative as 1 - tanh(Z) instead of 1 - tanh(Z) ** 2"] = {
            "derivative": "1-tanh"}
    if cache["hidden_activation"] == "sigmoid":
        variants["writing the sigmoid's derivative as s * s instead of s (1 - s)"] = {
            "derivative": "s*s"}
    right = _backward(y, cache, params)
    found = {}
    for label, options in variants.items():
        try:
            wrong = _backward(y, cache, params, **options)
        except (ValueError, IndexError):  # shapes that do not fit: the shape check tells
            continue
        error = _max_error(wrong, right)
        if _SAME < error < np.inf:  # neither harmless here (f' at A for ReLU) nor misshapen
            found[label] = wrong
    return found


def _max_error(a: Grads, b: Grads) -> float:
    worst = 0.0
    for pair_a, pair_b in zip(a, b, strict=True):
        for x, z in zip(pair_a, pair_b, strict=True):
            if np.shape(x) != np.shape(z):
                return np.inf
            worst = max(worst, relative_error(x, z))
    return worst


def _as_pairs(got: Any, expected: Grads, what: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """``got`` as float arrays in (dW, db) pairs, or a message about its structure."""
    L = len(expected)
    if not isinstance(got, (list, tuple)) or len(got) != L:
        length = f" of length {len(got)}" if hasattr(got, "__len__") else ""
        raise CheckFailed(f"{what} should return a list of {L} (dW, db) pairs, one per layer, "
                          f"first layer first; got {type(got).__name__}{length}: {show(got)}")
    pairs = []
    for layer, pair in enumerate(got, start=1):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise CheckFailed(f"{what}: layer {layer}'s entry should be a (dW, db) pair, got "
                              f"{show(pair)}")
        try:
            pairs.append((np.asarray(pair[0], dtype=float), np.asarray(pair[1], dtype=float)))
        except (TypeError, ValueError):
            raise CheckFailed(f"{what}: layer {layer}'s (dW, db) should hold arrays of "
                              f"numbers, got {show(pair)}") from None
    shapes = [tuple(np.shape(a) for a in pair) for pair in pairs]
    wanted = [tuple(np.shape(a) for a in pair) for pair in expected]
    if shapes != wanted and shapes == wanted[::-1]:
        raise CheckFailed(f"{what}: the (dW, db) pairs are in backward order (last layer "
                          f"first); store layer l's pair at index l - 1 so that the first "
                          f"layer comes first.")
    for layer in range(L, 0, -1):  # from the output layer down, like the backward pass
        for name, got_a, want in zip(_NAMES, pairs[layer - 1], expected[layer - 1],
                                     strict=True):
            want_shape = np.shape(want)
            if got_a.shape == want_shape:
                continue
            cure = ""
            if name == "dW" and got_a.shape == want_shape[::-1]:
                cure = (" It is transposed: dW = A_prev.T @ dZ, (inputs, n)(n, units), "
                        "has W's shape.")
            elif name == "dW" and got_a.shape == (want_shape[1],) * 2:
                cure = (" It looks like A[l].T @ dZ, the layer's output: dW uses the layer's "
                        "input A[l - 1].")
            elif name == "db" and got_a.shape == (1, *want_shape):
                cure = " Sum over the samples without keepdims: dZ.sum(axis=0)."
            elif name == "db":
                cure = " db sums dZ over the samples (axis=0), one number per unit."
            raise CheckFailed(f"{what}: {name} of layer {layer} should have shape "
                              f"{want_shape} (like the parameter), got {got_a.shape}.{cure}")
    return pairs


def _signature(got: Grads, expected: Grads, n: int | None) -> str:
    """A usual mistake recognised from how every gradient relates to the right one."""
    flat_got = np.concatenate([np.ravel(a) for pair in got for a in pair])
    flat_want = np.concatenate([np.ravel(a) for pair in expected for a in pair])
    norm = float(flat_want @ flat_want)
    if norm > 0:
        scale = float(flat_got @ flat_want) / norm
        if abs(scale - 1.0) > 1e-3 and relative_error(flat_got, scale * flat_want) < _SAME:
            if n is not None and abs(scale - n) < 1e-3 * n:
                return (f" This matches a usual mistake: forgetting the 1/n of the mean: "
                        f"every gradient is n = {n} times too large, which gives the same "
                        f"relative error (n - 1)/(n + 1) = {(n - 1) / (n + 1):.3f} in every "
                        f"layer.")
            if n is not None and abs(scale * n - 1.0) < 1e-3:
                return (f" This matches a usual mistake: dividing by n twice: every gradient "
                        f"is n = {n} times too small (the 1/n belongs in dZ at the output "
                        f"only, not again in dW and db).")
            if abs(scale + 1.0) < 1e-3:
                return (" This matches a usual mistake: a sign error: every gradient has "
                        "the right size and the opposite sign (relative error 1).")
            return (f" Every gradient is {scale:.4g} times the right one: a constant "
                    f"factor, e.g. a wrong 1/n, at the output.")
    for layer, (pair, want) in enumerate(zip(got, expected, strict=True), start=1):
        dW, right = pair[0], np.asarray(want[0], dtype=float)
        if (dW.ndim == 2 and dW.shape[0] == dW.shape[1] and relative_error(dW, right) > _SAME
                and relative_error(dW.T, right) < _SAME):
            return (f" This matches a usual mistake: a transposed product: dW of layer "
                    f"{layer} is the transpose of the right one (dZ.T @ A_prev instead of "
                    f"A_prev.T @ dZ).")
    return ""


def check_gradients(got: Any, expected: Grads, *, what: str, against: str = "a numerical "
                    "gradient", mistakes: Mapping[str, Grads] | None = None,
                    n: int | None = None, tol: float = TOLERANCE) -> None:
    """Fail with a per-layer message unless every (dW, db) of ``got`` matches ``expected``.

    ``what`` names the call (e.g. ``"mlp_backward on a relu network [3, 4, 1]"``),
    ``against`` where ``expected`` comes from. ``mistakes`` maps a usual mistake's label to
    the gradients it gives (:func:`usual_mistakes`); ``n`` is the number of samples, used
    to recognise a missing 1/n. Walking back from the output layer, the first gradient
    whose relative error exceeds ``tol`` is named.
    """
    __tracebackhide__ = True
    pairs = _as_pairs(got, expected, what)
    errors = [[relative_error(a, w) for a, w in zip(pair, want, strict=True)]
              for pair, want in zip(pairs, expected, strict=True)]
    wrong = [(layer, name) for layer in range(len(pairs), 0, -1)
             for name, error in zip(_NAMES, errors[layer - 1], strict=True) if not error < tol]
    if not wrong:
        expect(True, "")
        return
    layer, name = wrong[0]
    error = errors[layer - 1][_NAMES.index(name)]
    table = "; ".join(
        f"layer {i}: " + ", ".join(f"{nm} {'ok' if e < tol else f'{e:.1e}'}"
                                   for nm, e in zip(_NAMES, errors[i - 1], strict=True))
        for i in range(len(pairs), 0, -1))
    above = ("" if layer == len(pairs) else
             f" The layers above it are right, so look at the step from layer {layer + 1} "
             f"down to layer {layer}.")
    diagnosis = ""
    for label, variant in (mistakes or {}).items():
        if _max_error(pairs, variant) < _SAME:
            diagnosis = f" This matches a usual mistake: {label}."
            break
    else:
        diagnosis = _signature(pairs, expected, n)
    raise CheckFailed(
        f"{what}: walking back from the output layer, the first wrong gradient is {name} of "
        f"layer {layer}: relative error {error:.1e} against {against} (a correct backward "
        f"pass gives about {CORRECT:.0e} or less; this check accepts up to {tol:.0e})."
        f"{above} Relative errors: {table}.{diagnosis}")


def backward_call(func: Callable[..., Any], y: Any, cache: Mapping[str, Any], params: Grads,
                  *, shown: str = "mlp_backward(y, cache, params)", hint: str = "") -> Any:
    """``func(y, cache, params)`` through :func:`nncourse.checks.call`, shown as ``shown``.

    When it raises, the message says what usually causes it: a ``y`` of shape ``(n,)`` that
    was not reshaped (when the same call with ``y`` as a column runs), otherwise an index
    off by one, with the shapes of this network's ``A``, ``Z`` and weights. ``hint`` ends a
    message about an exception or a warning (e.g. where an overflow-safe function is).
    """
    __tracebackhide__ = True
    try:
        return call(func, y, cache, params, shown=shown, hint=hint)
    except CheckFailed as exc:
        message = str(exc)
        if " raised " not in message or "not written yet" in message:
            raise
        raise CheckFailed(message + _raised_hint(func, y, cache, params)) from None


def _raised_hint(func: Callable[..., Any], y: Any, cache: Mapping[str, Any],
                 params: Grads) -> str:
    y_array = np.asarray(y)
    if y_array.ndim == 1:
        column = y_array.reshape(-1, 1)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                func(column, copy.deepcopy(cache), copy.deepcopy(params))
        except Exception:  # noqa: BLE001 - any failure: not the y-shape slip
            pass
        else:
            n = len(y_array)
            return (f" It runs when y is a column ({n}, 1): the output A[L] has shape "
                    f"({n}, 1), and A[L] - y with y of shape ({n},) broadcasts to a "
                    f"({n}, {n}) table. Reshape y to A[L]'s shape, or start with your "
                    f"sigmoid_bce_backward(A[L], y), which does.")
    shapes = ", ".join(str(np.shape(a)) for a in cache["A"])
    z_shapes = ", ".join(str(np.shape(z)) for z in cache["Z"])
    w_shapes = ", ".join(str(np.shape(W)) for W, _ in params)
    L = len(params)
    return (f" Shapes that do not fit usually mean an index off by one. For layer l = {L}, "
            f"..., 1 the input is A[l - 1], the weights params[l - 1], and the pre-activation "
            f"of the layer below is Z[l - 2]. Here A[0], ..., A[{L}] have shapes {shapes}; "
            f"Z[0], ..., Z[{L - 1}] {z_shapes}; the weights W of params[0], ..., "
            f"params[{L - 1}] {w_shapes}.")


def expect_tuple_order(out: Any, shapes: Mapping[str, tuple[int, ...]], *, what: str) -> None:
    """Fail unless ``out`` is a tuple of ``len(shapes)`` results; name a wrong order.

    ``shapes`` maps each result's name to its shape, in the order asked for (e.g.
    ``{"dX": (4, 2), "dW": (2, 3), "db": (3,)}``); when the shapes are all different and
    ``out`` holds them in another order, the message names the order returned.
    """
    __tracebackhide__ = True
    names = list(shapes)
    order = ", ".join(names)
    expect(isinstance(out, (tuple, list)) and len(out) == len(names),
           f"{what} should return a tuple ({order}), got {type(out).__name__}"
           + (f" of length {len(out)}" if hasattr(out, "__len__") else "") + ".")
    got = [tuple(np.shape(a)) for a in out]
    want = [tuple(s) for s in shapes.values()]
    if got != want and len(set(want)) == len(want) and sorted(got) == sorted(want):
        returned = ", ".join(names[want.index(s)] for s in got)
        raise CheckFailed(f"{what} returned ({returned}), judging by their shapes "
                          f"{', '.join(map(str, got))}: return them in the order ({order}).")


def _dense_reason(name: str, dZ: np.ndarray, X: np.ndarray, W: np.ndarray) -> str:
    """Why ``dense_backward``'s result ``name`` has its shape: the index its sum runs over."""
    n, d = X.shape
    k = W.shape[1]
    if name == "dX":
        return (f"dX should have the shape of X, {(n, d)}: each dX[i, j] sums dZ[i, k] * "
                f"W[j, k] over the {k} units k, so k must be the shared inner index of the "
                f"matrix product (the columns of the left array, the rows of the right one); "
                f"dZ is {dZ.shape} and W is {W.shape}.")
    if name == "dW":
        return (f"dW should have the shape of W, {(d, k)}: each dW[j, k] sums X[i, j] * "
                f"dZ[i, k] over the {n} samples i, so i must be the shared inner index of "
                f"the matrix product (the columns of the left array, the rows of the right "
                f"one); X is {X.shape} and dZ is {dZ.shape}.")
    return (f"db should have the shape of b, {(k,)}: each db[k] sums dZ[i, k] over the {n} "
            f"samples i, the rows of dZ {dZ.shape}.")


def _dense_line(func: Callable[..., Any], exc: BaseException) -> str:
    """The source line of ``func`` that raised ``exc`` ("" if unknown)."""
    lineno = None
    for frame, number in traceback.walk_tb(exc.__traceback__):
        if frame.f_code is getattr(func, "__code__", None):
            lineno = number
    if lineno is None:
        return ""
    return linecache.getline(func.__code__.co_filename, lineno).strip()


def _dense_culprit(line: str) -> str | None:
    """Which of dX, dW, db a line of ``dense_backward`` computes, judging by its names."""
    target = re.match(r"\s*([A-Za-z_]\w*)\s*=[^=]", line)
    if target and target.group(1) in ("dX", "dW", "db"):
        return target.group(1)
    names = set(re.findall(r"[A-Za-z_]\w*", line.split("=", 1)[-1] if target else line))
    if "W" in names and "X" not in names:
        return "dX"
    if "X" in names and "W" not in names:
        return "dW"
    return None


def dense_backward_call(func: Callable[..., Any], dZ: Any, X: Any, W: Any, *,
                        what: str = "dense_backward") -> tuple[Any, Any, Any]:
    """``func(dZ, X, W)`` through :func:`nncourse.checks.call`; the tuple ``(dX, dW, db)``.

    When the call raises (a matrix product whose shapes do not fit, e.g. ``dZ @ W`` without
    the transpose), the message names the gradient computed on the line that raised and
    the index its sum runs over. Results returned in another order, or of the wrong shape,
    get a message that names the gradient and the shape it should have, and why.
    """
    __tracebackhide__ = True
    dZ_a, X_a, W_a = (np.asarray(a, dtype=float) for a in (dZ, X, W))
    hint = ""
    try:
        with (warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()),
              contextlib.redirect_stderr(io.StringIO())):
            warnings.simplefilter("ignore")
            func(copy.deepcopy(dZ), copy.deepcopy(X), copy.deepcopy(W))
    except NotImplementedError:
        pass
    except Exception as exc:  # noqa: BLE001 - the learner's bug: say which gradient
        culprit = _dense_culprit(_dense_line(func, exc))
        names = [culprit] if culprit else ["dX", "dW"]
        hint = " ".join(_dense_reason(name, dZ_a, X_a, W_a) for name in names)
    out = call(func, dZ, X, W, shown=f"{what}(dZ {dZ_a.shape}, X {X_a.shape}, W {W_a.shape})",
               hint=hint)
    shapes = {"dX": X_a.shape, "dW": W_a.shape, "db": (W_a.shape[1],)}
    expect_tuple_order(out, shapes, what=what)
    for name, got in zip(shapes, out, strict=True):
        shape = tuple(np.shape(got))
        if shape != shapes[name]:
            flipped = (" (its transpose's shape: the two arrays of the product are the "
                       "wrong way round)" if shape == shapes[name][::-1] else "")
            raise CheckFailed(f"{what} returned {name} of shape {shape}{flipped}. "
                              f"{_dense_reason(name, dZ_a, X_a, W_a)}")
    return out


def _first_change(before: Any, after: Any, path: str) -> str | None:
    """The path of the first entry of ``after`` that differs from ``before``, or None."""
    if isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
        same = (isinstance(before, np.ndarray) and isinstance(after, np.ndarray)
                and before.shape == after.shape and before.dtype == after.dtype
                and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
        return None if same else path
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        if type(before) is not type(after) or len(before) != len(after):
            return path
        for i, (old, new) in enumerate(zip(before, after, strict=True)):
            found = _first_change(old, new, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(before, dict) and isinstance(after, dict):
        if before.keys() != after.keys():
            return path
        for key in before:
            found = _first_change(before[key], after[key], f"{path}[{key!r}]")
            if found:
                return found
        return None
    try:
        return None if bool(before == after) else path
    except (TypeError, ValueError):
        return path


def expect_inputs_unchanged(before: tuple[Any, Any, Any], y: Any, cache: Mapping[str, Any],
                            params: Grads, *, what: str) -> None:
    """Fail, naming the entry, when ``mlp_backward`` changed ``y``, ``cache`` or ``params``.

    ``before`` is ``copy.deepcopy((y, cache, params))`` taken before the call.
    """
    __tracebackhide__ = True
    changed = _first_change(before, (y, cache, params), "")
    if changed:
        index, rest = changed[1:].split("]", 1)
        name = ("y", "cache", "params")[int(index)] + rest
        raise CheckFailed(
            f"{what} changed {name} in place; work on copies: `dZ = A[L] - y` makes a new "
            f"array, while `A[L] -= y`, `out=` or assigning into an array overwrites the one "
            f"you were given. mlp_backward should only read y, the cache and params: the "
            f"caller uses them again.")
    expect(True, "")
