"""Reference forward pass (lesson 03), for lessons 05 onwards.

``mlp_forward`` returns ``(A_out, cache)`` with ``cache = {"A": [X, A1, ..., AL],
"Z": [Z1, ..., ZL], "hidden_activation": name, "output_activation": name}``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse.reference._validate import as_float_array, check_params
from nncourse.reference.activations import activation

INIT_METHODS = ("zeros", "xavier", "he")


def dense_forward(X, W, b) -> np.ndarray:
    """Z = X @ W + b for X (n, d), W (d, k), b (k,)."""
    X = as_float_array(X, "X", 2)
    W = as_float_array(W, "W", 2)
    b = as_float_array(b, "b", 1)
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"X has {X.shape[1]} columns but W expects {W.shape[0]} inputs "
                         f"(X {X.shape}, W {W.shape})")
    if b.shape != (W.shape[1],):
        raise ValueError(f"b should have shape ({W.shape[1]},), got {b.shape}")
    return X @ W + b


def init_dense(n_in: int, n_out: int, method: str, rng: np.random.Generator):
    """(W, b) for a dense layer: zeros, Xavier (std sqrt(2/(n_in+n_out))) or He (sqrt(2/n_in))."""
    if method not in INIT_METHODS:
        raise ValueError(f"method should be one of {INIT_METHODS}, got {method!r}")
    if int(n_in) < 1 or int(n_out) < 1:
        raise ValueError(f"layer sizes should be positive, got n_in={n_in}, n_out={n_out}")
    if method == "zeros":
        W = np.zeros((n_in, n_out))
    else:
        std = np.sqrt(2.0 / (n_in + n_out)) if method == "xavier" else np.sqrt(2.0 / n_in)
        W = rng.normal(0.0, std, size=(n_in, n_out))
    return W, np.zeros(n_out)


def init_mlp(layer_sizes, method: str = "he", seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """One (W, b) per consecutive pair of ``layer_sizes``, randomness from ``seed``."""
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least an input and an output size, got {sizes}")
    rng = np.random.default_rng(seed)
    return [init_dense(n_in, n_out, method, rng) for n_in, n_out in zip(sizes[:-1], sizes[1:],
                                                                      strict=True)]


def mlp_forward(X, params, hidden_activation: str = "relu",
                output_activation: str = "sigmoid") -> tuple[np.ndarray, dict[str, Any]]:
    """The forward pass: (A_out (n, k), cache) with every layer's input and pre-activation."""
    params = check_params(params)
    A = as_float_array(X, "X", 2)
    cache: dict[str, Any] = {"A": [A], "Z": [], "hidden_activation": hidden_activation,
                             "output_activation": output_activation}
    for i, (W, b) in enumerate(params):
        Z = dense_forward(A, W, b)
        name = output_activation if i == len(params) - 1 else hidden_activation
        A = activation(name, Z)
        cache["Z"].append(Z)
        cache["A"].append(A)
    return A, cache
