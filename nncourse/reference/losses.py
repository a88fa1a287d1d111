"""Reference losses and accuracy (lesson 04), for lessons 05 onwards."""

from __future__ import annotations

import numpy as np

from nncourse.reference._validate import as_float_array

EPS = 1e-12


def _same_shape(a: np.ndarray, b: np.ndarray, names: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{names} should have the same shape, got {a.shape} and {b.shape}")


def mse(y, y_hat) -> float:
    """Mean squared error over all elements."""
    y, y_hat = as_float_array(y, "y"), as_float_array(y_hat, "y_hat")
    _same_shape(y, y_hat, "y and y_hat")
    return float(np.mean((y - y_hat) ** 2))


def binary_cross_entropy(y, p) -> float:
    """Mean over samples of -[y log p + (1 - y) log(1 - p)], finite for p of 0 or 1."""
    y, p = as_float_array(y, "y"), as_float_array(p, "p")
    if p.ndim == 2 and p.shape[1] == 1 and y.ndim == 1:
        p = p[:, 0]
    _same_shape(y, p, "y and p")
    p = np.clip(p, EPS, 1.0 - EPS)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def categorical_cross_entropy(Y, P) -> float:
    """Mean over samples of -sum_c Y log P, finite where P is 0."""
    Y, P = as_float_array(Y, "Y", 2), as_float_array(P, "P", 2)
    _same_shape(Y, P, "Y and P")
    return float(-np.mean(np.sum(Y * np.log(np.clip(P, EPS, 1.0)), axis=1)))


def accuracy(y_true, y_pred) -> float:
    """The fraction of equal labels, in [0, 1]."""
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    _same_shape(y_true, y_pred, "y_true and y_pred")
    if y_true.size == 0:
        raise ValueError("accuracy of no samples is undefined")
    return float(np.mean(y_true == y_pred))
