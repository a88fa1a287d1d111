"""Reference solutions of lesson 06 (gradient descent), for later lessons.

Parameters and gradients are lists of ``(W, b)`` tuples, first layer first. Update rules
return new structures and never modify their inputs.

``train_mlp`` is fixed step by step so that runs are reproducible (lesson 06 asks learners
for exactly this loop)::

    method = "he" if hidden_activation == "relu" else "xavier"   # INIT_METHODS
    params = init_mlp(layer_sizes, method=method, seed=seed)
    rng = np.random.default_rng(seed)
    for each epoch:
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            p, cache = mlp_forward(X_batch, params, hidden_activation, "sigmoid")
            grads = mlp_backward(y_batch, cache, params)
            params = sgd_update(params, grads, lr)
        p, _ = mlp_forward(X, params, hidden_activation, "sigmoid")   # whole set
        history["loss"].append(binary_cross_entropy(y, p[:, 0]))
        history["accuracy"].append(accuracy(y, (p[:, 0] >= 0.5).astype(int)))
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from nncourse.reference.backprop import mlp_backward
from nncourse.reference.forward import init_mlp, mlp_forward
from nncourse.reference.losses import accuracy, binary_cross_entropy

Params = list[tuple[np.ndarray, np.ndarray]]

INIT_METHODS: dict[str, str] = {"relu": "he", "tanh": "xavier", "sigmoid": "xavier"}
"""The initialisation for each hidden activation (lesson 03): He for ReLU, Xavier otherwise."""


def _shape(value: Any) -> tuple[int, ...]:
    return value.shape if isinstance(value, np.ndarray) else np.shape(value)


def _is_pair(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and len(value) == 2


def _check_pairs(params: Any, grads: Any, names: tuple[str, str] = ("params", "grads")) -> None:
    """Both are lists of (W, b) pairs of matching shapes. One pass, no inner loops: it runs
    at every step of every update rule, on arrays as small as one number."""
    if not (isinstance(params, (list, tuple)) and isinstance(grads, (list, tuple))):
        name, value = (names[0], params) if not isinstance(params, (list, tuple)) else \
            (names[1], grads)
        raise TypeError(f"{name} should be a list of (W, b) tuples, got {type(value).__name__}")
    if len(params) != len(grads):
        raise ValueError(
            f"{names[0]} has {len(params)} layers but {names[1]} has {len(grads)}"
        )
    for layer, (pair, other) in enumerate(zip(params, grads, strict=True)):
        if not (_is_pair(pair) and _is_pair(other)):
            name, value = (names[0], pair) if not _is_pair(pair) else (names[1], other)
            got = (f"{len(value)} items" if isinstance(value, (list, tuple))
                   else type(value).__name__)
            raise TypeError(f"{name}[{layer}] should be a (W, b) tuple, got {got}")
        (W, b), (dW, db) = pair, other
        if _shape(W) != _shape(dW) or _shape(b) != _shape(db):
            raise ValueError(
                f"layer {layer}: {names[0]} shapes {np.shape(W)}, {np.shape(b)} but "
                f"{names[1]} shapes {np.shape(dW)}, {np.shape(db)}"
            )


def zeros_like_params(params: Sequence[tuple[np.ndarray, np.ndarray]]) -> Params:
    """A list of ``(zeros_like(W), zeros_like(b))``: a fresh velocity or Adam moment."""
    return [(np.zeros_like(W, dtype=float), np.zeros_like(b, dtype=float)) for W, b in params]


def sgd_update(params: Sequence[tuple[np.ndarray, np.ndarray]],
               grads: Sequence[tuple[np.ndarray, np.ndarray]], lr: float) -> Params:
    """One gradient-descent step: new ``(W - lr * dW, b - lr * db)`` for every layer."""
    _check_pairs(params, grads)
    return [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, grads, strict=True)]


def iterate_minibatches(X: np.ndarray, y: np.ndarray, batch_size: int,
                        rng: np.random.Generator) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)``: one shuffled pass (``rng.permutation``), every sample
    exactly once, the last batch possibly smaller."""
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim < 1 or y.ndim < 1 or len(X) != len(y):
        raise ValueError(
            f"X and y should have the same number of rows, got {X.shape} and {y.shape}"
        )
    if (isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer)
            or batch_size < 1):
        raise ValueError(f"batch_size should be an integer >= 1, got {batch_size!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng should be a numpy Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")
    order = rng.permutation(len(X))
    for start in range(0, len(X), int(batch_size)):
        index = order[start:start + int(batch_size)]
        yield X[index], y[index]


def momentum_update(params: Sequence[tuple[np.ndarray, np.ndarray]],
                    grads: Sequence[tuple[np.ndarray, np.ndarray]],
                    velocity: Sequence[tuple[np.ndarray, np.ndarray]],
                    lr: float, beta: float = 0.9) -> tuple[Params, Params]:
    """Momentum: ``v = beta * v + g``, ``p = p - lr * v``; returns ``(params, velocity)``.

    ``velocity`` is shaped like ``params`` (start with :func:`zeros_like_params`).
    """
    _check_pairs(params, grads)
    _check_pairs(params, velocity, ("params", "velocity"))
    new_params: Params = []
    new_velocity: Params = []
    for (W, b), (dW, db), (vW, vb) in zip(params, grads, velocity, strict=True):
        vW = beta * vW + dW
        vb = beta * vb + db
        new_velocity.append((vW, vb))
        new_params.append((W - lr * vW, b - lr * vb))
    return new_params, new_velocity


def adam_update(params: Sequence[tuple[np.ndarray, np.ndarray]],
                grads: Sequence[tuple[np.ndarray, np.ndarray]], state: dict[str, Any],
                lr: float, beta1: float = 0.9, beta2: float = 0.999,
                eps: float = 1e-8) -> tuple[Params, dict[str, Any]]:
    """One Adam step; ``state`` is ``{"t", "m", "v"}`` (an empty dict starts it).

    ``m = beta1 m + (1 - beta1) g``, ``v = beta2 v + (1 - beta2) g**2``, bias-corrected
    ``m_hat = m / (1 - beta1**t)``, ``v_hat = v / (1 - beta2**t)``, and
    ``p = p - lr * m_hat / (sqrt(v_hat) + eps)``. Returns ``(params, new_state)``.
    """
    _check_pairs(params, grads)
    if not isinstance(state, dict):
        raise TypeError(f"state should be a dict (empty to start), got {type(state).__name__}")
    t = int(state.get("t", 0)) + 1
    m = state.get("m") or zeros_like_params(params)
    v = state.get("v") or zeros_like_params(params)
    _check_pairs(params, m, ("params", "state['m']"))
    _check_pairs(params, v, ("params", "state['v']"))
    new_params: Params = []
    new_m: Params = []
    new_v: Params = []
    correct_m, correct_v = 1 - beta1**t, 1 - beta2**t  # the bias corrections
    for (W, b), (dW, db), (mW, mb), (vW, vb) in zip(params, grads, m, v, strict=True):
        layer_p, layer_m, layer_v = [], [], []
        for p, g, m_i, v_i in ((W, dW, mW, vW), (b, db, mb, vb)):
            m_i = beta1 * m_i + (1 - beta1) * g
            v_i = beta2 * v_i + (1 - beta2) * g * g
            m_hat = m_i / correct_m
            v_hat = v_i / correct_v
            layer_p.append(p - lr * m_hat / (np.sqrt(v_hat) + eps))
            layer_m.append(m_i)
            layer_v.append(v_i)
        new_params.append(tuple(layer_p))
        new_m.append(tuple(layer_m))
        new_v.append(tuple(layer_v))
    return new_params, {"t": t, "m": new_m, "v": new_v}


def train_mlp(X: np.ndarray, y: np.ndarray, layer_sizes: Sequence[int], lr: float,
              epochs: int, batch_size: int, seed: int = 0,
              hidden_activation: str = "relu") -> tuple[Params, dict[str, list[float]]]:
    """Mini-batch SGD on a sigmoid-output MLP with mean BCE (see the module docstring).

    Weights start from He initialisation for ReLU hidden units and Xavier for any other
    (tanh, sigmoid: :data:`INIT_METHODS`), as in lesson 06's exercise and its playground.

    Returns ``(params, history)``; ``history["loss"]`` and ``history["accuracy"]`` hold one
    value per epoch, measured on the whole ``(X, y)`` after that epoch.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y).reshape(-1)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(f"X should be (n, d) and y (n,), got {X.shape} and {y.shape}")
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 0:
        raise ValueError(f"epochs should be an integer >= 0, got {epochs!r}")
    method = "he" if hidden_activation == "relu" else "xavier"  # as INIT_METHODS
    params = init_mlp(list(layer_sizes), method=method, seed=seed)
    rng = np.random.default_rng(seed)
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    for _ in range(int(epochs)):
        for X_batch, y_batch in iterate_minibatches(X, y, batch_size, rng):
            _, cache = mlp_forward(X_batch, params, hidden_activation, "sigmoid")
            grads = mlp_backward(y_batch, cache, params)
            params = sgd_update(params, grads, lr)
        p, _ = mlp_forward(X, params, hidden_activation, "sigmoid")
        p = p[:, 0]
        history["loss"].append(float(binary_cross_entropy(y, p)))
        history["accuracy"].append(float(accuracy(y, (p >= 0.5).astype(int))))
    return params, history
