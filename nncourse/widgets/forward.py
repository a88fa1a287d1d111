"""Lesson 03: depth, width, init method and init-scale controls showing each layer's activations.

A random batch ``X`` of shape ``(N_SAMPLES, width)`` with standard normal entries goes
through ``depth`` dense layers of ``width`` units (biases zero), weights drawn with the
chosen method's standard deviation times ``scale``. One small histogram per layer shows
where that layer's activations lie (heights scaled to a peak of 1, just below the top of
its plot, ``Y_TOP``); the readout gives each layer's standard deviation.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import ipywidgets as widgets
import numpy as np

from nncourse.live import ControlPanel, LiveFigure, slider

METHODS = ("zeros", "xavier", "he")
ACTIVATIONS = ("tanh", "relu")
MAX_DEPTH = 10
MAX_WIDTH = 256
N_SAMPLES = 200
BINS = 24
RANGES = {"tanh": (-1.0, 1.0), "relu": (0.0, 4.0)}
_COLS = 5
Y_TOP = 1.05  # the plots' y-axis runs to 1.05: the tallest bar (height 1) nearly reaches the top


def init_std(method: str, n_in: int, n_out: int) -> float:
    """Weight std: 0 (zeros), Xavier ``sqrt(2/(n_in+n_out))`` or He ``sqrt(2/n_in)``."""
    if method not in METHODS:
        raise ValueError(f"method should be one of {list(METHODS)}, got {method!r}")
    if method == "zeros":
        return 0.0
    if method == "xavier":
        return math.sqrt(2.0 / (n_in + n_out))
    return math.sqrt(2.0 / n_in)


def _count(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} should be an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise ValueError(f"{name} should be between {low} and {high}, got {value}")
    return int(value)


def layer_activations(depth: int, width: int, method: str, scale: float, activation: str,
                      seed: int = 0) -> list[np.ndarray]:
    """Each layer's output ``A_l`` of shape ``(N_SAMPLES, width)`` for a standard normal input."""
    depth = _count(depth, "depth", 1, MAX_DEPTH)
    width = _count(width, "width", 1, MAX_WIDTH)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation should be one of {list(ACTIVATIONS)}, got {activation!r}")
    if not (isinstance(scale, (int, float, np.integer, np.floating)) and math.isfinite(scale)
            and scale >= 0):
        raise ValueError(f"scale should be a finite number >= 0, got {scale!r}")
    std = float(scale) * init_std(method, width, width)
    A, normals = _standard_draws(width, seed)
    outputs = []
    for layer in range(depth):
        Z = (A @ normals[layer]) * std  # = A @ W with W = std * normals
        A = np.tanh(Z) if activation == "tanh" else np.maximum(Z, 0.0)
        outputs.append(A)
    return outputs


@lru_cache(maxsize=4)
def _standard_draws(width: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The input batch and every layer's standard normal weights, drawn once per width.

    Sliders then only rescale them: moving ``scale`` changes the spread of the same
    network rather than drawing a new one, and a redraw costs only the matrix products.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N_SAMPLES, width))
    normals = rng.standard_normal((MAX_DEPTH, width, width))
    X.flags.writeable = False
    normals.flags.writeable = False
    return X, normals


def forward_state(depth: int = 5, width: int = 128, method: str = "xavier", scale: float = 1.0,
                  activation: str = "tanh") -> dict[str, Any]:
    """Per-layer histograms (heights scaled to a peak of 1), standard deviations and shares.

    For tanh, ``extreme`` is the share of activations with ``|a| > 0.99`` (saturated); for
    ReLU it is the share of exact zeros, which the histogram leaves out.
    """
    layers = layer_activations(depth, width, method, scale, activation)
    low, high = RANGES[activation]
    edges = np.linspace(low, high, BINS + 1)
    heights = np.zeros((len(layers), BINS))
    stds, extreme = [], []
    for i, A in enumerate(layers):
        values = A.ravel()
        if activation == "relu":
            extreme.append(float((values == 0).mean()))
            values = values[values > 0]
        else:
            extreme.append(float((np.abs(values) > 0.99).mean()))
        # values beyond the range land in the first or last bin
        counts, _ = np.histogram(np.clip(values, low, high), bins=edges)
        heights[i] = counts / max(counts.max(), 1)
        stds.append(float(A.std()))
    return {"depth": len(layers), "width": width, "method": method, "scale": float(scale),
            "activation": activation, "edges": edges, "heights": heights, "std": stds,
            "extreme": extreme, "weight_std": float(scale) * init_std(method, width, width)}


def _draw(live: LiveFigure, state: dict[str, Any]) -> str:
    depth, edges = state["depth"], state["edges"]
    layout_changed = False
    for i, (ax, stairs) in enumerate(zip(live.axes, live.stairs, strict=True)):
        shown = i < depth
        if ax.get_visible() != shown:
            ax.set_visible(shown)
            layout_changed = True
        stairs.set_visible(shown)
        if not np.allclose(ax.get_xlim(), (edges[0], edges[-1])):
            ax.set_xlim(edges[0], edges[-1])
            layout_changed = True
        if shown:
            stairs.set_data(state["heights"][i], edges)
    if layout_changed:
        live.invalidate()
    word = "saturated (|a| > 0.99)" if state["activation"] == "tanh" else "exactly 0 (not drawn)"
    cells = ["".join(f"<td>{v}</td>" for v in values) for values in (
        range(1, depth + 1),
        (f"{s:.3g}" for s in state["std"]),
        (f"{100 * e:.0f}%" for e in state["extreme"]),
    )]
    return (
        f"<p>{state['method']} init, weight std {state['weight_std']:.3g} "
        f"({state['width']} x {state['width']} weights per layer), {state['activation']}.</p>"
        f"<table><tr><th>layer</th>{cells[0]}</tr><tr><th>std of activations</th>{cells[1]}"
        f"</tr><tr><th>{word}</th>{cells[2]}</tr></table>"
    )


def forward_explorer(depth: int = 5, width: int = 128, method: str = "xavier",
                     scale: float = 1.0, activation: str = "tanh") -> ControlPanel:
    """Sliders for depth, width and init scale; per-layer activation histograms."""
    rows = math.ceil(MAX_DEPTH / _COLS)
    live = LiveFigure(rows, _COLS, figsize=(7.6, 3.6))
    state = forward_state(depth, width, method, scale, activation)
    live.stairs = []
    for i, ax in enumerate(live.axes):
        live.stairs.append(ax.stairs(np.zeros(BINS), state["edges"], fill=True,
                                     color="tab:blue", alpha=0.8))
        ax.set(ylim=(0.0, Y_TOP), yticks=[])
        ax.set_title(f"layer {i + 1}", fontsize=8, pad=2)
        ax.tick_params(labelsize=7)
    live.animate(*live.stairs)
    # lay out all MAX_DEPTH axes once, with every title and tick label, before any is
    # hidden: the layout is fixed after the first draw, and depth may grow later
    for ax in live.axes:
        ax.set_xlim(state["edges"][0], state["edges"][-1])
    live.figure.get_layout_engine().execute(live.figure)
    live.figure.set_layout_engine("none")
    controls = {
        "depth": widgets.IntSlider(value=depth, min=1, max=MAX_DEPTH, description="depth",
                                   continuous_update=True, layout=widgets.Layout(width="220px"),
                                   style={"description_width": "45px"}),
        "width": widgets.IntSlider(value=width, min=8, max=MAX_WIDTH, step=8,
                                   description="width", continuous_update=True,
                                   layout=widgets.Layout(width="240px"),
                                   style={"description_width": "45px"}),
        "scale": slider("scale", scale, 0.1, 4.0, 0.05),
        "method": widgets.Dropdown(options=list(METHODS), value=method, description="init",
                                   layout=widgets.Layout(width="150px"),
                                   style={"description_width": "35px"}),
        "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                       description="activation",
                                       layout=widgets.Layout(width="170px"),
                                       style={"description_width": "65px"}),
    }
    return ControlPanel(controls, forward_state, _draw, live,
                        title="Activations layer by layer")
