"""Reference backpropagation and gradient checking (lesson 05), for lessons 06 onwards."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nncourse.reference._validate import as_float_array, check_params
from nncourse.reference.activations import activation_grad


def dense_backward(dZ, X, W) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dX, dW, db) = (dZ @ W.T, X.T @ dZ, dZ.sum(0)) for Z = X @ W + b."""
    dZ, X, W = as_float_array(dZ, "dZ", 2), as_float_array(X, "X", 2), as_float_array(W, "W", 2)
    if dZ.shape != (X.shape[0], W.shape[1]):
        raise ValueError(f"dZ should have shape {(X.shape[0], W.shape[1])} for X {X.shape} and "
                         f"W {W.shape}, got {dZ.shape}")
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


def relu_backward(dA, Z) -> np.ndarray:
    """dA * (Z > 0)."""
    dA, Z = as_float_array(dA, "dA"), as_float_array(Z, "Z")
    if dA.shape != Z.shape:
        raise ValueError(f"dA and Z should have the same shape, got {dA.shape} and {Z.shape}")
    return dA * (Z > 0)


def sigmoid_bce_backward(p, y) -> np.ndarray:
    """Gradient of the mean BCE with respect to the sigmoid's input: (p - y) / n, shaped like p."""
    p = as_float_array(p, "p", (1, 2))
    y = as_float_array(y, "y").reshape(p.shape) if np.size(y) == p.size else None
    if y is None:
        raise ValueError(f"y should have one label per prediction ({p.shape}), got {np.shape(y)}")
    return (p - y) / p.shape[0]


def softmax_ce_backward(P, Y) -> np.ndarray:
    """Gradient of the mean categorical cross-entropy w.r.t. the softmax's logits: (P - Y) / n."""
    P = as_float_array(P, "P", 2)
    Y = as_float_array(Y, "Y", 2)
    if Y.shape != P.shape:
        raise ValueError(f"Y should have P's shape {P.shape}, got {Y.shape}")
    return (P - Y) / P.shape[0]


def mlp_backward(y, cache: dict[str, Any], params) -> list[tuple[np.ndarray, np.ndarray]]:
    """Gradients of the mean BCE of a sigmoid-output MLP, one (dW, db) per layer."""
    params = check_params(params)
    if cache.get("output_activation", "sigmoid") != "sigmoid":
        raise ValueError("mlp_backward expects a sigmoid output layer, got "
                         f"{cache.get('output_activation')!r}")
    A, Z = cache["A"], cache["Z"]
    if len(Z) != len(params) or len(A) != len(params) + 1:
        raise ValueError(f"cache holds {len(Z)} layers but params has {len(params)}")
    dZ = sigmoid_bce_backward(A[-1], y)
    grads = []
    for layer in range(len(params) - 1, -1, -1):
        dA_prev, dW, db = dense_backward(dZ, A[layer], params[layer][0])
        grads.append((dW, db))
        if layer > 0:
            dZ = dA_prev * activation_grad(cache["hidden_activation"], Z[layer - 1])
    return grads[::-1]


def numerical_gradient(f: Callable[[np.ndarray], float], x, eps: float = 1e-5) -> np.ndarray:
    """Centered differences (f(x + eps) - f(x - eps)) / 2 eps per element; x is left as it was."""
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):  # in place, so views of any memory layout work
        old = x[index]
        x[index] = old + eps
        plus = f(x)
        x[index] = old - eps
        minus = f(x)
        x[index] = old
        grad[index] = (plus - minus) / (2.0 * eps)
    return grad


def relative_error(a, b) -> float:
    """norm(a - b) / max(norm(a) + norm(b), 1e-12)."""
    a, b = as_float_array(a, "a"), as_float_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b should have the same shape, got {a.shape} and {b.shape}")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))
