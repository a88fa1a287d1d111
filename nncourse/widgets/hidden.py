"""Lesson 03: hidden layers you can see (runs in the learner's kernel).

``hidden_explorer`` is a 2-2-1 network on XOR data: two sigmoid hidden units and a
sigmoid output unit, nine sliders for their weights and biases. The left plot is the input
space: each hidden unit's line ``w1 x1 + w2 x2 + b = 0`` (where its output crosses 0.5),
the network's probability as a background and its decision boundary ``p = 0.5``, which
bends. The right plot is hidden-unit space: every point drawn at ``(h1, h2)``, the hidden
units' outputs, with the output unit's line ``w1 h1 + w2 h2 + b = 0``, which is straight
there. ``hidden_state`` is the pure part. The hidden-space probability depends on the
output's three sliders only: it is cached with the background and redrawn when they move.
The two probability backgrounds are not images resampled by matplotlib (most of a frame's
cost): :class:`_Probability` writes each pixel's colour, the probability at its centre in
float32, straight into the figure's pixels; they look as the images of the 101 x 101 grids
did (a few levels of 255 apart where the probability changes fastest).

``width_sweep`` trains one-hidden-layer networks of several widths on a toy set with the
numpy reference code (``nncourse.reference.optim.train_mlp``, mini-batch gradient descent
as lesson 06 builds it); ``show_width_sweep`` draws each width's decision boundary.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import contourpy
import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection

from nncourse.live import ControlPanel, KeyedBackgrounds, slider
from nncourse.live import finite_number as _finite
from nncourse.reference.activations import sigmoid
from nncourse.reference.forward import mlp_forward
from nncourse.toy import make_toy

CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR = np.array([0, 1, 1, 0])
PER_CORNER = 40
SPREAD = 0.12  # std of the points around each corner
LOW, HIGH = -0.5, 1.5  # the input plot's range on both axes
GRID = 101
WEIGHT_RANGE = 20.0
WEIGHT_STEP = 0.5
SLIDERS = ("h1_w1", "h1_w2", "h1_b", "h2_w1", "h2_w2", "h2_b", "out_w1", "out_w2", "out_b")
# the starting setting solves XOR: unit 1 is OR (x1 + x2 > 0.5), unit 2 is AND
# (x1 + x2 > 1.5), the output says "unit 1 and not unit 2"
DEFAULTS = {"h1_w1": 5.0, "h1_w2": 5.0, "h1_b": -2.5,
            "h2_w1": 5.0, "h2_w2": 5.0, "h2_b": -7.5,
            "out_w1": 10.0, "out_w2": -10.0, "out_b": -5.0}


@lru_cache(maxsize=1)
def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """``PER_CORNER`` points around each corner of the unit square, labelled by XOR."""
    rng = np.random.default_rng(3)
    X = np.repeat(CORNERS, PER_CORNER, axis=0) + rng.normal(0.0, SPREAD, (4 * PER_CORNER, 2))
    y = np.repeat(XOR, PER_CORNER)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


def line_segment(w1: float, w2: float, b: float, half: float = 10.0) -> np.ndarray:
    """Two far-apart points of the line ``w1 u + w2 v + b = 0`` (nan if ``w1 = w2 = 0``)."""
    norm = math.hypot(w1, w2)
    if norm == 0.0:
        return np.full((2, 2), np.nan)
    closest = -b / norm**2 * np.array([w1, w2])  # the line's point nearest the origin
    along = np.array([-w2, w1]) / norm
    return np.array([closest - half * along, closest + half * along])


def _boundary(values: np.ndarray, low: float, high: float) -> list[np.ndarray]:
    """The polylines where a grid of probabilities crosses 0.5."""
    axis = np.linspace(low, high, values.shape[0])
    lines = contourpy.contour_generator(axis, axis, values).lines(0.5)
    return [np.asarray(line) for line in lines if len(line) > 1]


def network(values: dict[str, float]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The slider values as params ``[(W1 (2, 2), b1 (2,)), (W2 (2, 1), b2 (1,))]``."""
    v = values
    W1 = np.array([[v["h1_w1"], v["h2_w1"]], [v["h1_w2"], v["h2_w2"]]])  # column j: unit j
    b1 = np.array([v["h1_b"], v["h2_b"]])
    W2 = np.array([[v["out_w1"]], [v["out_w2"]]])
    b2 = np.array([v["out_b"]])
    return [(W1, b1), (W2, b2)]


def hidden_state(h1_w1: float = DEFAULTS["h1_w1"], h1_w2: float = DEFAULTS["h1_w2"],
                 h1_b: float = DEFAULTS["h1_b"], h2_w1: float = DEFAULTS["h2_w1"],
                 h2_w2: float = DEFAULTS["h2_w2"], h2_b: float = DEFAULTS["h2_b"],
                 out_w1: float = DEFAULTS["out_w1"], out_w2: float = DEFAULTS["out_w2"],
                 out_b: float = DEFAULTS["out_b"]) -> dict[str, Any]:
    """Hidden outputs ``H`` (n, 2), probabilities ``p``, accuracy, lines and boundaries."""
    values = {name: _finite(value, name) for name, value in zip(SLIDERS, (
        h1_w1, h1_w2, h1_b, h2_w1, h2_w2, h2_b, out_w1, out_w2, out_b), strict=True)}
    params = network(values)
    X, y = xor_data()
    p, cache = mlp_forward(X, params, "sigmoid", "sigmoid")
    H = cache["A"][1]
    axis = np.linspace(LOW, HIGH, GRID)
    u, v = np.meshgrid(axis, axis)  # rows: x2, columns: x1
    P_input = mlp_forward(np.column_stack([u.ravel(), v.ravel()]), params, "sigmoid",
                          "sigmoid")[0].reshape(GRID, GRID)
    P_hidden = _hidden_probability(values["out_w1"], values["out_w2"], values["out_b"])
    predictions = (p[:, 0] >= 0.5).astype(int)
    centres = mlp_forward(CORNERS, params, "sigmoid", "sigmoid")[1]["A"][1]
    return {"values": values, "params": params, "X": X, "y": y, "H": H, "p": p[:, 0],
            "predictions": predictions, "accuracy": float(np.mean(predictions == y)),
            "corner_hidden": centres, "P_input": P_input, "P_hidden": P_hidden,
            "unit_lines": [line_segment(values["h1_w1"], values["h1_w2"], values["h1_b"]),
                           line_segment(values["h2_w1"], values["h2_w2"], values["h2_b"])],
            "output_line": line_segment(values["out_w1"], values["out_w2"], values["out_b"]),
            "boundary": _boundary(P_input, LOW, HIGH)}


@lru_cache(maxsize=4)
def _hidden_probability(w1: float, w2: float, b: float) -> np.ndarray:
    """The output unit's probability over hidden-unit space, a ``GRID`` x ``GRID`` grid."""
    h_axis = np.linspace(0.0, 1.0, GRID)
    hu, hv = np.meshgrid(h_axis, h_axis)
    P = sigmoid(w1 * hu + w2 * hv + b)
    P.flags.writeable = False
    return P


_CLASS_COLORS = np.array([[0.13, 0.4, 0.67, 1.0], [0.8, 0.2, 0.15, 1.0]])  # XOR 0 blue, 1 red
_UNIT_COLORS = ("tab:orange", "tab:purple")
_PROBABILITY_CMAP = "RdBu_r"  # p = 0 blue, p = 1 red
_COLOUR_TABLE = matplotlib.colormaps[_PROBABILITY_CMAP](  # RGBA, one row per colour
    np.arange(matplotlib.colormaps[_PROBABILITY_CMAP].N), bytes=True).astype(np.float32)


def _draw(live: KeyedBackgrounds, state: dict[str, Any]) -> str:
    live.p_image.probability = _network_probability(state["params"])
    if live.shown_hidden is not state["P_hidden"]:  # only the output's sliders change it
        live.shown_hidden = state["P_hidden"]
        v = state["values"]
        live.h_image.probability = _output_probability(v["out_w1"], v["out_w2"], v["out_b"])
        live.redraw_layers()
    for line, segment in zip(live.unit_lines, state["unit_lines"], strict=True):
        line.set_data(segment[:, 0], segment[:, 1])
    live.boundary.set_segments(state["boundary"])
    live.hidden_points.set_offsets(state["H"])
    live.output_line.set_data(state["output_line"][:, 0], state["output_line"][:, 1])
    n = len(state["y"])
    right = int(np.sum(state["predictions"] == state["y"]))
    rows = "".join(
        f"<tr><td>({int(x1)}, {int(x2)})</td><td>{XOR[i]}</td>"
        f"<td>({h[0]:.2f}, {h[1]:.2f})</td></tr>"
        for i, ((x1, x2), h) in enumerate(zip(CORNERS, state["corner_hidden"], strict=True)))
    return (f"<p><b>{right} of {n} points right ({100 * state['accuracy']:.0f}%).</b> "
            f"The corners in hidden space:</p><table><tr><th>input</th><th>XOR</th>"
            f"<th>(h1, h2)</th></tr>{rows}</table>")


class _Probability(Artist):
    """A probability over an ``extent`` of an axes, written straight into Agg's pixels:
    each pixel shows ``probability(x, y)`` at its centre (``x`` a row, ``y`` a column of
    data coordinates) in the colormap's colours, laid over what is under it with alpha
    ``ALPHA`` (on an Agg renderer, the only one a live figure uses). No grid is resampled
    (matplotlib's bilinear resampling of an image was most of a frame's cost); it looks as
    the image of a 101 x 101 grid did, a little sharper where the probability changes
    fastest."""

    ALPHA = 0.35

    def __init__(self, ax: Any, extent: tuple[float, float, float, float],
                 probability: Callable[[np.ndarray, np.ndarray], np.ndarray]):
        super().__init__()
        self.axes = ax
        ax.add_artist(self)
        self.extent = extent
        self.probability = probability

    def draw(self, renderer: Any) -> None:
        if not self.get_visible() or not hasattr(renderer, "buffer_rgba"):
            return
        pixels = np.asarray(renderer.buffer_rgba())
        height = pixels.shape[0]
        left, right, bottom, top = self.extent
        (x0, y0), (x1, y1) = self.axes.transData.transform([(left, bottom), (right, top)])
        c0, c1 = math.ceil(x0 - 0.5), math.ceil(x1 - 0.5)  # pixels whose centres are inside
        r0, r1 = math.ceil(height - y1 - 0.5), math.ceil(height - y0 - 0.5)  # rows from top
        x = left + (np.arange(c0, c1) + 0.5 - x0) / (x1 - x0) * (right - left)
        y = bottom + (height - 0.5 - np.arange(r0, r1) - y0) / (y1 - y0) * (top - bottom)
        P = self.probability(x[None, :].astype(np.float32), y[:, None].astype(np.float32))
        # the colormap's entry for each p, as Colormap.__call__ picks it: int(p N), N - 1 at 1
        index = np.minimum((P * _COLOUR_TABLE.shape[0]).astype(np.intp),
                           _COLOUR_TABLE.shape[0] - 1)
        under = pixels[r0:r1, c0:c1]  # RGBA: whole rows of pixels are faster to work on
        if under.min() == 255:  # all white (hidden space): each colour laid over white
            under[...] = _OVER_WHITE[index]
        else:  # below (1 - alpha) + colour alpha, rounded
            under[...] = under * np.float32(1.0 - self.ALPHA) + _SHARE[index]


# each colour's share of a pixel, plus a half to round; the same sum over white, once
_SHARE = _COLOUR_TABLE * np.float32(_Probability.ALPHA) + np.float32(0.5)
_OVER_WHITE = (np.float32(255) * np.float32(1.0 - _Probability.ALPHA) + _SHARE).astype(np.uint8)


def _sigmoid32(z: np.ndarray) -> np.ndarray:
    """The logistic function in float32, without overflow."""
    return np.float32(0.5) + np.float32(0.5) * np.tanh(np.float32(0.5) * z)


def _output_probability(w1: float, w2: float, b: float) -> Callable:
    """``(h1, h2) -> sigmoid(w1 h1 + w2 h2 + b)``, the output unit over hidden-unit space."""
    w1, w2, b = np.float32(w1), np.float32(w2), np.float32(b)
    return lambda h1, h2: _sigmoid32(w2 * h2 + (w1 * h1 + b))


def _network_probability(params: list[tuple[np.ndarray, np.ndarray]]) -> Callable:
    """``(x1, x2) -> p``, the 2-2-1 network's probability over input space."""
    (W1, b1), (W2, b2) = [(W.astype(np.float32), b.astype(np.float32)) for W, b in params]

    def probability(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
        h = [_sigmoid32(W1[1, j] * x2 + (W1[0, j] * x1 + b1[j])) for j in range(2)]
        return _sigmoid32(W2[1, 0] * h[1] + (W2[0, 0] * h[0] + b2[0]))

    return probability


def hidden_explorer(h1_w1: float = DEFAULTS["h1_w1"], h1_w2: float = DEFAULTS["h1_w2"],
                    h1_b: float = DEFAULTS["h1_b"], h2_w1: float = DEFAULTS["h2_w1"],
                    h2_w2: float = DEFAULTS["h2_w2"], h2_b: float = DEFAULTS["h2_b"],
                    out_w1: float = DEFAULTS["out_w1"], out_w2: float = DEFAULTS["out_w2"],
                    out_b: float = DEFAULTS["out_b"]) -> ControlPanel:
    """Nine sliders (unit 1, unit 2, output), the input space and the hidden-unit space."""
    start = dict(zip(SLIDERS, (h1_w1, h1_w2, h1_b, h2_w1, h2_w2, h2_b, out_w1, out_w2, out_b),
                     strict=True))
    state = hidden_state(**start)
    live = KeyedBackgrounds(1, 2, figsize=(8.4, 4.4))
    ax_in, ax_h = live.axes
    X, y = state["X"], state["y"]
    live.p_image = _Probability(ax_in, (LOW, HIGH, LOW, HIGH),
                                _network_probability(state["params"]))
    live.input_points = ax_in.scatter(X[:, 0], X[:, 1], s=9, c=_CLASS_COLORS[y],
                                      edgecolors="none", zorder=3)
    live.unit_lines = [ax_in.plot([], [], color=color, lw=2.0,
                                  label=f"unit {i + 1}: w·x + b = 0")[0]
                       for i, color in enumerate(_UNIT_COLORS)]
    live.boundary = LineCollection([], colors="black", linewidths=2.0, linestyles="--",
                                   label="output: p = 0.5")
    ax_in.add_collection(live.boundary)
    ax_in.set(xlim=(LOW, HIGH), ylim=(LOW, HIGH), xlabel="x1", ylabel="x2", aspect="equal",
              title="input space")
    ax_in.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=7)
    v = state["values"]
    live.h_image = _Probability(ax_h, (0.0, 1.0, 0.0, 1.0),
                                _output_probability(v["out_w1"], v["out_w2"], v["out_b"]))
    live.hidden_points = ax_h.scatter(state["H"][:, 0], state["H"][:, 1], s=9,
                                      c=_CLASS_COLORS[y], edgecolors="none", zorder=3)
    live.output_line = ax_h.plot([], [], color="black", lw=2.0, ls="--",
                                 label="output: w·h + b = 0")[0]
    pad = 0.05
    ax_h.set(xlim=(-pad, 1 + pad), ylim=(-pad, 1 + pad), aspect="equal",
             title="hidden-unit space")
    ax_h.set_xlabel("h1 (output of unit 1)", color=_UNIT_COLORS[0])
    ax_h.set_ylabel("h2 (output of unit 2)", color=_UNIT_COLORS[1])
    ax_h.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=7)
    # in matplotlib's order within each axes (images 0, lines 2 in the order they were added,
    # the axes' frame 2.5, points 3): the probability images would otherwise cover the
    # frames' top and left and veil the input points. The hidden space's frame is cached
    # with its image (only where the output line meets it does the order differ)
    live.animate(live.p_image, *live.unit_lines, live.boundary, *ax_in.spines.values(),
                 live.input_points, live.output_line, live.hidden_points)
    # cached with the background: redrawn when the output's change
    live.layer(live.h_image, *ax_h.spines.values())
    live.shown_hidden = state["P_hidden"]
    controls = {name: slider(name.replace("_", " "), value, -WEIGHT_RANGE, WEIGHT_RANGE,
                             WEIGHT_STEP) for name, value in start.items()}
    for control in controls.values():
        control.style.description_width = "50px"
        control.layout.width = "270px"
    panel = ControlPanel(controls, hidden_state, _draw, live,
                         title="A 2-2-1 network on XOR: input space and hidden-unit space")
    # three sliders a row: unit 1, unit 2, output
    row = panel.children[1]
    row.layout = widgets.Layout(flex_flow="row wrap", width="840px")
    return panel


# ---------------------------------------------------------------- the hidden-width sweep

SWEEP = {"dataset": "circle", "n": 200, "noise": 0.1, "widths": (1, 2, 4, 16), "lr": 1.0,
         "epochs": 150, "batch_size": 50, "seed": 0}


def width_sweep(widths=SWEEP["widths"], dataset: str = SWEEP["dataset"], n: int = SWEEP["n"],
                noise: float = SWEEP["noise"], lr: float = SWEEP["lr"],
                epochs: int = SWEEP["epochs"], batch_size: int = SWEEP["batch_size"],
                seed: int = SWEEP["seed"]) -> list[dict[str, Any]]:
    """Train a 2-width-1 tanh network per width; its accuracy and decision grid."""
    from nncourse.reference.optim import train_mlp  # lesson 06's reference, numpy only

    X, y = make_toy(dataset, n=n, noise=noise, seed=seed)
    axis = np.linspace(-1.5, 1.5, 61)
    u, v = np.meshgrid(axis, axis)
    grid = np.column_stack([u.ravel(), v.ravel()])
    results = []
    for width in widths:
        params, history = train_mlp(X, y, [2, int(width), 1], lr=lr, epochs=epochs,
                                    batch_size=batch_size, seed=seed, hidden_activation="tanh")
        P = mlp_forward(grid, params, "tanh", "sigmoid")[0].reshape(u.shape)
        results.append({"width": int(width), "params": params, "accuracy":
                        history["accuracy"][-1], "loss": history["loss"][-1], "P": P,
                        "axis": axis, "X": X, "y": y})
    return results


def show_width_sweep(results: list[dict[str, Any]]):
    """A row of small plots: each width's probability, decision boundary and the data."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(2.3 * len(results), 2.6),
                             layout="constrained")
    for ax, result in zip(np.atleast_1d(axes), results, strict=True):
        axis, X, y = result["axis"], result["X"], result["y"]
        extent = (axis[0], axis[-1], axis[0], axis[-1])
        ax.imshow(result["P"], origin="lower", extent=extent, cmap="RdBu_r", vmin=0, vmax=1,
                  alpha=0.35, interpolation="bilinear")
        ax.contour(axis, axis, result["P"], levels=[0.5], colors="black", linewidths=1.5)
        ax.scatter(X[:, 0], X[:, 1], s=6, c=_CLASS_COLORS[y], edgecolors="none")
        unit = "unit" if result["width"] == 1 else "units"
        ax.set_title(f"{result['width']} hidden {unit}: {100 * result['accuracy']:.1f}% right",
                     fontsize=9)
        ax.set(xticks=[], yticks=[], aspect="equal")
    return fig
