"""Input checks shared by the reference implementations: clear errors for wrong shapes."""

from __future__ import annotations

from typing import Any

import numpy as np


def as_float_array(value: Any, name: str, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """``value`` as a float array, with ``ndim`` (one or several allowed) checked."""
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        got = type(value).__name__
        raise TypeError(f"{name} should be an array of numbers, got {got}") from exc
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if allowed is not None and array.ndim not in allowed:
        wanted = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"{name} should be {wanted}, got shape {array.shape}")
    return array


def check_params(params: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """An MLP's ``[(W, b), ...]`` with consecutive layer sizes that fit together."""
    if not isinstance(params, (list, tuple)) or not params:
        got = type(params).__name__
        raise TypeError(f"params should be a non-empty list of (W, b) tuples, got {got}")
    checked = []
    for i, layer in enumerate(params):
        if not isinstance(layer, (list, tuple)) or len(layer) != 2:
            raise TypeError(f"params[{i}] should be a (W, b) tuple, got {type(layer).__name__}")
        W = as_float_array(layer[0], f"params[{i}] W", 2)
        b = as_float_array(layer[1], f"params[{i}] b", 1)
        if b.shape != (W.shape[1],):
            raise ValueError(f"params[{i}]: b should have shape ({W.shape[1]},) to match W "
                             f"{W.shape}, got {b.shape}")
        if checked and checked[-1][0].shape[1] != W.shape[0]:
            raise ValueError(f"params[{i}]: W has {W.shape[0]} rows but layer {i - 1} has "
                             f"{checked[-1][0].shape[1]} units")
        checked.append((W, b))
    return checked
