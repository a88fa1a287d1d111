"""Lesson 03: depth, width, init method and init-scale controls showing each layer's activations.

A random batch ``X`` of shape ``(N_SAMPLES, width)`` with standard normal entries goes
through ``depth`` dense layers of ``width`` units (biases zero), weights drawn with the
chosen method's standard deviation times ``scale``. One small histogram per layer shows
where that layer's activations lie (heights scaled to a peak of 1, just below the top of
its plot, ``Y_TOP``); the readout gives each layer's standard deviation.

Speed (every change is a blit, no whole redraw): each setting's layers are computed once
and cached (``depth`` only shows more or fewer of them); the layers beyond ``depth`` are
hidden by blank covers rather than by hiding their plots; each activation's x-axes have
their own cached background (:class:`~nncourse.live.KeyedBackgrounds`).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox, IdentityTransform

from nncourse.live import ControlPanel, KeyedBackgrounds, slider

METHODS = ("zeros", "xavier", "he")
ACTIVATIONS = ("tanh", "relu")
MAX_DEPTH = 10
MAX_WIDTH = 256
N_SAMPLES = 200
BINS = 24
RANGES = {"tanh": (-1.0, 1.0), "relu": (0.0, 4.0)}
_COLS = 5
Y_TOP = 1.05  # the plots' y-axis runs to 1.05: the tallest bar (height 1) nearly reaches the top
_PAD = 2  # pixels of blank around each plot's cover (the plots are about 6 pixels apart)


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


def _checked(depth: int, width: int, scale: float, activation: str) -> tuple[int, int, float]:
    depth = _count(depth, "depth", 1, MAX_DEPTH)
    width = _count(width, "width", 1, MAX_WIDTH)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation should be one of {list(ACTIVATIONS)}, got {activation!r}")
    if not (isinstance(scale, (int, float, np.integer, np.floating)) and math.isfinite(scale)
            and scale >= 0):
        raise ValueError(f"scale should be a finite number >= 0, got {scale!r}")
    return depth, width, float(scale)


def layer_activations(depth: int, width: int, method: str, scale: float, activation: str,
                      seed: int = 0) -> list[np.ndarray]:
    """Each layer's output ``A_l`` of shape ``(N_SAMPLES, width)`` for a standard normal input."""
    depth, width, scale = _checked(depth, width, scale, activation)
    std = scale * init_std(method, width, width)
    A, outputs = _standard_draws(width, seed)[0], []
    for layer in range(depth):
        A = _next_layer(A, width, std, activation, layer, seed)
        outputs.append(A)
    return outputs


@lru_cache(maxsize=4)
def _standard_draws(width: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The input batch and every layer's standard normal weights, drawn once per width.

    Sliders then only rescale them: moving ``scale`` changes the spread of the same
    network rather than drawing a new one, and a redraw costs only the matrix products.
    """
    rng = np.random.default_rng(seed)
    # drawn in float64 (the same draws at any precision), computed in float32: half the
    # time per layer, and no readout (3 digits) differs
    X = rng.standard_normal((N_SAMPLES, width)).astype(np.float32)
    normals = rng.standard_normal((MAX_DEPTH, width, width)).astype(np.float32)
    X.flags.writeable = False
    normals.flags.writeable = False
    return X, normals


def _next_layer(A: np.ndarray, width: int, std: float, activation: str, layer: int,
                seed: int) -> np.ndarray:
    """Layer ``layer``'s output from the one before, ``A``, with weights ``std * normals``."""
    if std == 0.0:  # zeros: every activation is 0, as A @ (0 * normals) gives
        return np.zeros_like(A)
    Z = A @ _standard_draws(width, seed)[1][layer]
    Z *= np.float32(std)  # = A @ W with W = std * normals
    return np.tanh(Z, out=Z) if activation == "tanh" else np.maximum(Z, 0.0, out=Z)


class _Network:
    """What the control shows of each layer of one network, computed once, as deep as asked.

    Cached per setting (width, weight std, activation): moving ``depth`` shows more or
    fewer of the same layers, and a deeper setting computes only the layers it adds.
    """

    def __init__(self, width: int, std: float, activation: str, seed: int):
        self.key = (width, std, activation)
        self.seed = seed
        self._last = _standard_draws(width, seed)[0]  # the input, then the deepest output
        self.heights: list[np.ndarray] = []
        self.std: list[float] = []
        self.extreme: list[float] = []

    def grow(self, depth: int) -> _Network:
        """Compute the layers up to ``depth`` that are not computed yet."""
        width, std, activation = self.key
        low, high = RANGES[activation]
        while len(self.std) < depth:
            A = _next_layer(self._last, width, std, activation, len(self.std), self.seed)
            self._last = A
            values = A.ravel()
            if activation == "relu":
                self.extreme.append(np.count_nonzero(values == 0) / values.size)
                values = values[values > 0]
            else:
                self.extreme.append(np.count_nonzero(np.abs(values) > 0.99) / values.size)
            # np.histogram's equal bins in one pass; values beyond the range land in the
            # first or last bin
            bins = ((values - np.float64(low)) * (BINS / (high - low))).astype(np.intp)
            counts = np.bincount(np.clip(bins, 0, BINS - 1, out=bins), minlength=BINS)
            self.heights.append(counts / max(counts.max(), 1))
            self.std.append(float(A.std(dtype=np.float64)))
        return self


@lru_cache(maxsize=16)
def _network(width: int, std: float, activation: str, seed: int) -> _Network:
    return _Network(width, std, activation, seed)


def forward_state(depth: int = 5, width: int = 128, method: str = "xavier", scale: float = 1.0,
                  activation: str = "tanh") -> dict[str, Any]:
    """Per-layer histograms (heights scaled to a peak of 1), standard deviations and shares.

    For tanh, ``extreme`` is the share of activations with ``|a| > 0.99`` (saturated); for
    ReLU it is the share of exact zeros, which the histogram leaves out.
    """
    depth, width, scale = _checked(depth, width, scale, activation)
    weight_std = scale * init_std(method, width, width)
    network = _network(width, weight_std, activation, 0).grow(depth)
    return {"depth": depth, "width": width, "method": method, "scale": scale,
            "activation": activation, "edges": _edges(*RANGES[activation]),
            "heights": np.array(network.heights[:depth]), "std": network.std[:depth],
            "extreme": network.extreme[:depth], "weight_std": weight_std}


@lru_cache(maxsize=len(RANGES))
def _edges(low: float, high: float) -> np.ndarray:
    edges = np.linspace(low, high, BINS + 1)
    edges.flags.writeable = False
    return edges


def _draw(live: KeyedBackgrounds, state: dict[str, Any]) -> str:
    depth, edges = state["depth"], state["edges"]
    _show_range(live, state["activation"])
    for i, (stairs, cover) in enumerate(zip(live.stairs, live.covers, strict=True)):
        shown = i < depth
        stairs.set_visible(shown)
        cover.set_visible(not shown)
        if shown:
            stairs.set_data(state["heights"][i], edges)
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


def _show_range(live: KeyedBackgrounds, activation: str) -> None:
    """Every plot's x-axis over ``activation``'s range, with that range's cached background."""
    if live.key != activation:
        for ax in live.axes:
            ax.set_xlim(*RANGES[activation])
        live.use(activation)


def _covers(live: KeyedBackgrounds) -> list[Rectangle]:
    """A blank rectangle over each plot, its title and tick labels (for every activation's
    ticks), in the figure's colour: shown over the layers beyond ``depth``, it leaves the
    same pixels as hiding that plot, without redrawing the figure."""
    renderer = live.canvas.get_renderer()
    boxes = [[] for _ in live.axes]
    for activation in ACTIVATIONS:
        for ax, found in zip(live.axes, boxes, strict=True):
            ax.set_xlim(*RANGES[activation])
            found.append(ax.get_tightbbox(renderer))
    covers = []
    for found in boxes:
        x0, y0, x1, y1 = Bbox.union(found).extents
        x0, y0 = math.floor(x0) - _PAD, math.floor(y0) - _PAD
        x1, y1 = math.ceil(x1) + _PAD, math.ceil(y1) + _PAD
        cover = Rectangle((x0, y0), x1 - x0, y1 - y0, transform=IdentityTransform(),
                          facecolor=live.figure.get_facecolor(), edgecolor="none",
                          linewidth=0, antialiased=False, visible=False)
        live.figure.add_artist(cover)
        covers.append(cover)
    return covers


def forward_explorer(depth: int = 5, width: int = 128, method: str = "xavier",
                     scale: float = 1.0, activation: str = "tanh") -> ControlPanel:
    """Sliders for depth, width and init scale; per-layer activation histograms."""
    rows = math.ceil(MAX_DEPTH / _COLS)
    live = KeyedBackgrounds(rows, _COLS, figsize=(7.6, 3.6))
    state = forward_state(depth, width, method, scale, activation)
    live.stairs = []
    for i, ax in enumerate(live.axes):
        live.stairs.append(ax.stairs(np.zeros(BINS), state["edges"], fill=True,
                                     color="tab:blue", alpha=0.8))
        ax.set(ylim=(0.0, Y_TOP), yticks=[])
        ax.set_title(f"layer {i + 1}", fontsize=8, pad=2)
        ax.tick_params(labelsize=7)
    # lay out all MAX_DEPTH plots once, with every title and tick label: the layout is
    # fixed from then on, and depth may grow later. tanh's tick labels are the wider ones,
    # so that relu's fit too and no plot's labels reach into its neighbour's
    for ax in live.axes:
        ax.set_xlim(*RANGES["tanh"])
    live.figure.get_layout_engine().execute(live.figure)
    live.figure.set_layout_engine("none")
    live.covers = _covers(live)
    live.animate(*live.stairs, *live.covers)
    # both activations' backgrounds drawn now, so that no change of a control redraws
    # the whole figure
    for other in (*[a for a in ACTIVATIONS if a != activation], activation):
        _show_range(live, other)
        live.render()
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
