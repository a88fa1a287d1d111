"""Reference activations and their derivatives (lesson 02), for lessons 03 onwards."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nncourse.reference._halves import in_halves
from nncourse.reference._validate import as_float_array


def sigmoid(z) -> np.ndarray:
    """1 / (1 + exp(-z)), computed without overflow for any z."""
    z = as_float_array(z, "z")
    # the same two formulas without boolean masks (6 times sooner, bit for bit the same):
    # e = exp(-|z|) is exp(-z) where z >= 0 and exp(z) elsewhere, and max(sign(z), e) is
    # 1 where z >= 0 (e <= 1) and e elsewhere (e >= 0 > sign): 1 / (1 + exp(-z)) there,
    # exp(z) / (1 + exp(z)) here
    e = np.copysign(z, -1.0, out=np.empty_like(z))
    np.exp(e, out=e)
    out = np.sign(z, out=np.empty_like(z))
    np.maximum(out, e, out=out)
    e += 1.0
    out /= e
    return out


def relu(z) -> np.ndarray:
    """max(z, 0) element-wise."""
    return np.maximum(as_float_array(z, "z"), 0.0)


def leaky_relu(z, alpha: float = 0.01) -> np.ndarray:
    """z where z > 0, else alpha * z."""
    z = as_float_array(z, "z")
    return np.where(z > 0, z, alpha * z)


def tanh(z) -> np.ndarray:
    """The hyperbolic tangent."""
    return np.tanh(as_float_array(z, "z"))


def linear(z) -> np.ndarray:
    """The identity."""
    return as_float_array(z, "z").copy()


def softmax(Z) -> np.ndarray:
    """Row-wise softmax of a 2-D array (a 1-D array is one row), stable for large logits."""
    Z = as_float_array(Z, "Z", (1, 2))
    shifted = Z - Z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid_grad(z) -> np.ndarray:
    """d sigmoid / dz = s (1 - s)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def relu_grad(z) -> np.ndarray:
    """1 where z > 0, else 0 (0 at z = 0)."""
    return (as_float_array(z, "z") > 0).astype(float)


def leaky_relu_grad(z, alpha: float = 0.01) -> np.ndarray:
    """1 where z > 0, else alpha."""
    return np.where(as_float_array(z, "z") > 0, 1.0, alpha)


def tanh_grad(z) -> np.ndarray:
    """1 - tanh(z)^2."""
    return 1.0 - np.tanh(as_float_array(z, "z")) ** 2


def linear_grad(z) -> np.ndarray:
    """Ones shaped like z."""
    return np.ones_like(as_float_array(z, "z"))


ACTIVATIONS: dict[str, Callable] = {
    "relu": relu, "tanh": tanh, "sigmoid": sigmoid, "linear": linear,
    "leaky_relu": leaky_relu, "softmax": softmax,
}
GRADIENTS: dict[str, Callable] = {
    "relu": relu_grad, "tanh": tanh_grad, "sigmoid": sigmoid_grad, "linear": linear_grad,
    "leaky_relu": leaky_relu_grad,
}


_COSTLY = {"tanh", "sigmoid"}  # 8-15 ns an element: a big array's halves on two cores


def _sigmoid_float32(z: np.ndarray) -> np.ndarray:
    """sigmoid's two stable formulas (see :func:`sigmoid`) in float32: within 1e-7 of the
    float64 sigmoid, without overflow."""
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)  # exp(-|z|) <= 1
    out = np.sign(z)
    np.maximum(out, e, out=out)  # 1 where z >= 0, exp(z) elsewhere
    e += np.float32(1.0)
    out /= e
    return out


_FLOAT32: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda z: np.maximum(z, np.float32(0.0)), "tanh": np.tanh,
    "sigmoid": _sigmoid_float32,
}


def activation(name: str, Z) -> np.ndarray:
    """Apply the activation called ``name`` ("relu", "tanh", "sigmoid", "linear", ...).

    tanh and sigmoid of a big array (a playground's grid through a wide layer) are
    computed in halves on two threads: the same numbers (``_halves.in_halves``). A float32
    ``Z`` gives a float32 result for relu, tanh and sigmoid, as numpy's own functions do
    (the playgrounds draw their pictures from a float32 pass: tanh 5 times sooner);
    anything else is computed in float64."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation should be one of {sorted(ACTIVATIONS)}, got {name!r}")
    if name in _FLOAT32 and isinstance(Z, np.ndarray) and Z.dtype == np.float32:
        return in_halves(_FLOAT32[name], Z) if name in _COSTLY else _FLOAT32[name](Z)
    if name in _COSTLY:
        return in_halves(ACTIVATIONS[name], as_float_array(Z, "z"))
    return ACTIVATIONS[name](Z)


def activation_grad(name: str, Z) -> np.ndarray:
    """The element-wise derivative of the activation ``name`` at ``Z``."""
    if name not in GRADIENTS:
        raise ValueError(f"activation derivative should be one of {sorted(GRADIENTS)}, "
                         f"got {name!r}")
    return GRADIENTS[name](Z)
