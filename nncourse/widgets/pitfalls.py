"""Lesson 09: depth, activation and initialisation controls plotting per-layer gradient norms.

One batch of the "circle" toy set goes forward and backward through a deep MLP (the
reference numpy forward pass and backprop of lessons 03 and 05): every hidden layer has
``width`` units and the chosen activation, the output is one sigmoid unit, the loss is the
mean binary cross-entropy. The plot shows ``||dW||`` of each layer and the spread of each
layer's activations, on log scales, so vanishing and exploding gradients are visible at a
glance.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import ipywidgets as widgets
import numpy as np

from nncourse.live import ControlPanel, LiveFigure
from nncourse.reference.backprop import mlp_backward
from nncourse.reference.forward import mlp_forward
from nncourse.toy import make_toy

ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu")
INITS: tuple[str, ...] = ("normal(0, 0.01)", "xavier", "he", "normal(0, 1)")
MAX_DEPTH = 30
_FLOOR, _CEILING = 1e-20, 1e20  # the plot's vertical range; values beyond are pinned to it


def init_std(method: str, n_in: int, n_out: int) -> float:
    """The standard deviation of a layer's normal weights for an ``INITS`` method."""
    if method == "normal(0, 0.01)":
        return 0.01
    if method == "xavier":
        return float(np.sqrt(2.0 / (n_in + n_out)))
    if method == "he":
        return float(np.sqrt(2.0 / n_in))
    if method == "normal(0, 1)":
        return 1.0
    raise ValueError(f"init should be one of {INITS}, got {method!r}")


def deep_params(depth: int, width: int, init: str, n_in: int = 2,
                seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``depth`` hidden layers of ``width`` units and one output unit, biases zero."""
    if isinstance(depth, bool) or not isinstance(depth, int | np.integer) or depth < 1:
        raise ValueError(f"depth should be an integer >= 1, got {depth!r}")
    if isinstance(width, bool) or not isinstance(width, int | np.integer) or width < 1:
        raise ValueError(f"width should be an integer >= 1, got {width!r}")
    rng = np.random.default_rng(seed)
    sizes = [n_in] + [int(width)] * int(depth) + [1]
    return [(rng.normal(0.0, init_std(init, a, b), size=(a, b)), np.zeros(b))
            for a, b in zip(sizes[:-1], sizes[1:], strict=True)]


@lru_cache(maxsize=1)
def _batch() -> tuple[np.ndarray, np.ndarray]:
    return make_toy("circle", n=256, noise=0.1, seed=0)


def _verdict(norms: np.ndarray) -> str:
    """A one-line diagnosis of per-layer gradient norms (first layer first).

    Overflow, then *exploding* (some norm above 1e3), then *vanishing everywhere* (every
    norm below 1e-5); otherwise the ratio first / last: *growing* above 1e2, *vanishing*
    below 1e-2, *healthy* in between. Lesson 09's `widget-intro` cell states these rules.
    """
    if not np.all(np.isfinite(norms)):
        return "overflow: some gradients are not finite numbers"
    first, last, largest = norms[0], norms[-1], np.max(norms)
    ratio = first / last if last > 0 else np.inf
    if largest > 1e3:
        if ratio > 1e2:
            return "exploding: the first layers get huge updates"
        return "exploding: every layer gets huge updates"
    if largest < 1e-5:
        return "vanishing everywhere: every gradient is tiny"
    if ratio > 1e2:
        return "growing: the first layers get much larger updates than the last"
    if ratio < 1e-2:
        return "vanishing: the first layers hardly learn"
    return "healthy: similar gradient sizes in every layer"


def gradient_norm_state(depth: int, activation: str, init: str, width: int = 32,
                        seed: int = 0) -> dict[str, Any]:
    """Per-layer ``||dW||`` and activation spread of a deep MLP on one toy batch.

    Returns ``layers`` (1 .. depth + 1), ``grad_norms`` and ``act_std`` (the standard
    deviation of each layer's output, the last one being the sigmoid output), the
    ``ratio`` first / last gradient norm and a one-line ``verdict``.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation should be one of {ACTIVATIONS}, got {activation!r}")
    X, y = _batch()
    params = deep_params(depth, width, init, n_in=X.shape[1], seed=seed)
    with np.errstate(all="ignore"):
        _, cache = mlp_forward(X, params, hidden_activation=activation,
                               output_activation="sigmoid")
        grads = mlp_backward(y, cache, params)
        grad_norms = np.array([np.linalg.norm(dW) for dW, _ in grads])
        act_std = np.array([A.std() for A in cache["A"][1:]])
        last = grad_norms[-1]
        ratio = float(grad_norms[0] / last) if last > 0 else float("inf")
    return {"layers": np.arange(1, len(params) + 1), "grad_norms": grad_norms,
            "act_std": act_std, "ratio": ratio, "verdict": _verdict(grad_norms),
            "depth": int(depth), "activation": activation, "init": init}


def _pinned(values: np.ndarray) -> np.ndarray:
    """Values clipped into the plot's range (0 and NaN drawn at the floor)."""
    return np.clip(np.nan_to_num(values, nan=_FLOOR, posinf=_CEILING), _FLOOR, _CEILING)


def _draw(live: LiveFigure, state: dict[str, Any]) -> str:
    live.grad_line.set_data(state["layers"], _pinned(state["grad_norms"]))
    live.act_line.set_data(state["layers"], _pinned(state["act_std"]))
    norms = state["grad_norms"]
    return (
        f"<b>{state['activation']}</b>, init <b>{state['init']}</b>, {state['depth']} hidden "
        f"layers: ||dW|| of layer 1 = {norms[0]:.2e}, of the output layer = {norms[-1]:.2e} "
        f"(ratio {state['ratio']:.2e}). <b>{state['verdict']}</b>."
    )


def gradient_norm_explorer(depth: int = 10, activation: str = "sigmoid",
                           init: str = "xavier") -> ControlPanel:
    """Depth, activation and init controls redrawing per-layer gradient norms in place."""
    live = LiveFigure(1, 2, figsize=(8.0, 3.2))
    state = gradient_norm_state(depth, activation, init)
    grad_ax, act_ax = live.axes
    (live.grad_line,) = grad_ax.plot(state["layers"], _pinned(state["grad_norms"]), "o-",
                                     color="tab:red", ms=4)
    (live.act_line,) = act_ax.plot(state["layers"], _pinned(state["act_std"]), "o-",
                                   color="tab:blue", ms=4)
    for ax, title in ((grad_ax, "gradient norm ||dW|| per layer"),
                      (act_ax, "spread (std) of each layer's output")):
        ax.set(yscale="log", ylim=(_FLOOR, _CEILING), xlim=(0.5, MAX_DEPTH + 1.5),
               xlabel="layer (1 = first hidden, last = output)", title=title)
        ax.grid(alpha=0.3)
    live.animate(live.grad_line, live.act_line)
    style = {"description_width": "70px"}
    controls = {
        "depth": widgets.IntSlider(value=depth, min=1, max=MAX_DEPTH, description="depth",
                                   continuous_update=True, style=style,
                                   layout=widgets.Layout(width="260px")),
        "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                       description="activation", style=style,
                                       layout=widgets.Layout(width="190px")),
        "init": widgets.Dropdown(options=list(INITS), value=init, description="init",
                                 style=style, layout=widgets.Layout(width="230px")),
    }
    return ControlPanel(controls, gradient_norm_state, _draw, live,
                        title="Gradient norms through a deep network")
