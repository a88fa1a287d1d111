"""Lesson 02: an activation dropdown with input-range and weight sliders showing f and f'.

The panel plots one neuron with one input ``x``: the pre-activation ``z = w x + b``, the
output ``a = f(z)`` and its slope ``da/dx = w f'(z)`` over ``x`` in ``[-x_max, x_max]``
(the lesson's notation: ``z`` is always the pre-activation). A red band under the slope
marks where ``f'(z)`` has fallen below 1% of its peak: there the activation lets almost no
gradient through (saturated, or "dead" for ReLU).

Runs in the kernel. Most changes move an axes' limits (the y range follows the curves, the
x range is the input range), so :class:`PanelFigure` redraws only the panel whose limits
changed, in its own column of pixels, and keeps the titles and axis labels where the first
draw put them; every frame is the same, pixel for pixel, as a full redraw.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import ipywidgets as widgets
import numpy as np

from nncourse.live import ControlPanel, LiveFigure, slider
from nncourse.live import finite_number as _finite

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
LEAKY_ALPHA = 0.1  # larger than the usual 0.01 so that the leak is visible
FLAT = 0.01  # f' below this share of its peak counts as "gradient barely passes"
_POINTS = 401
_PEAK_SLOPE = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0, "linear": 1.0}
_FORMULAS = {
    "sigmoid": "f(z) = 1 / (1 + e<sup>-z</sup>), f'(z) = f(z)(1 - f(z)) &le; 0.25",
    "tanh": "f(z) = tanh(z), f'(z) = 1 - tanh(z)<sup>2</sup> &le; 1",
    "relu": "f(z) = max(0, z), f'(z) = 1 if z &gt; 0 else 0",
    "leaky_relu": f"f(z) = z if z &gt; 0 else {LEAKY_ALPHA}z, f'(z) = 1 or {LEAKY_ALPHA}",
    "linear": "f(z) = z, f'(z) = 1",
}


def activation_and_slope(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``f(z)`` and ``f'(z)`` for one of :data:`ACTIVATIONS`, without overflow."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation should be one of {list(ACTIVATIONS)}, got {name!r}")
    z = np.asarray(z, dtype=float)
    if name == "sigmoid":
        e = np.exp(-np.abs(z))
        s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return s, s * (1.0 - s)
    if name == "tanh":
        t = np.tanh(z)
        return t, 1.0 - t**2
    if name == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(float)
    if name == "leaky_relu":
        return np.where(z > 0, z, LEAKY_ALPHA * z), np.where(z > 0, 1.0, LEAKY_ALPHA)
    return z.copy(), np.ones_like(z)


def activation_state(activation: str = "sigmoid", x_max: float = 8.0, w: float = 1.0,
                     b: float = 0.0) -> dict[str, Any]:
    """``z = w x + b``, ``a = f(z)`` and ``da/dx = w f'(z)`` on a grid of ``x`` in
    ``[-x_max, x_max]``; ``flat`` marks where ``f'(z)`` is below 1% of its peak."""
    x_max, w, b = _finite(x_max, "x_max"), _finite(w, "w"), _finite(b, "b")
    if x_max <= 0:
        raise ValueError(f"x_max should be positive, got {x_max}")
    x = np.linspace(-x_max, x_max, _POINTS)
    z = w * x + b
    a, fprime = activation_and_slope(activation, z)
    slope = w * fprime
    flat = fprime < FLAT * _PEAK_SLOPE[activation]
    return {"activation": activation, "x": x, "z": z, "a": a, "fprime": fprime,
            "slope": slope, "flat": flat, "flat_share": float(flat.mean()),
            "a_limits": _limits(a), "slope_limits": _limits(slope), "x_limits": (-x_max, x_max)}


def _nice(x: float) -> float:
    """The smallest of 1, 2, 5 times a power of ten that is at least ``x`` (> 0)."""
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= x * (1 - 1e-9))


def _limits(values: np.ndarray) -> tuple[float, float]:
    """Axis limits that include 0 and snap to round numbers, so they rarely change."""
    top, bottom = max(float(values.max()), 0.0), min(float(values.min()), 0.0)
    high = _nice(top) if top > 1e-12 else 0.0
    low = -_nice(-bottom) if bottom < -1e-12 else 0.0
    if high == low:
        high = 1.0
    pad = 0.05 * (high - low)
    return (low - pad, high + pad)


class PanelFigure(LiveFigure):
    """A :class:`LiveFigure` of side-by-side panels that redraws one panel at a time.

    :meth:`set_limits` changes some panels' limits; the next render wipes each such
    panel's column of pixels (between the midpoints of the gaps to its neighbours, as the
    first draw placed them) back to the empty figure, draws the axes there and keeps the
    result as the new background. When every panel changed, or a panel's tick labels
    leave its column, the whole figure is redrawn instead. After the first full draw the
    titles and axis labels keep their places (matplotlib would re-measure every tick label
    to place them on every draw). The backgrounds of the last :attr:`SAVED` sets of limits
    are kept: going back to one is a blit.
    """

    SAVED = 24  # backgrounds kept (about 0.5 MB each for the lesson's figure)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._changed: set[int] = set()
        self._blank: np.ndarray | None = None
        self._columns: list[tuple[int, int]] = []
        # whether each panel's tick labels, as drawn now, stay in its column (None: not
        # measured yet; measured only when a redraw of one panel needs it)
        self._fits: list[bool | None] = [None] * len(self.axes)
        self._saved: OrderedDict[tuple, tuple[Any, list[bool | None]]] = OrderedDict()

    def set_limits(self, limits: dict[Any, tuple[tuple[float, float], tuple[float, float]]]
                   ) -> None:
        """Give each axes in ``limits`` its ``(xlim, ylim)``; only those that differ change
        and are redrawn at the next render."""
        changed = {self.axes.index(ax): (xlim, ylim) for ax, (xlim, ylim) in limits.items()
                   if not (np.allclose(ax.get_xlim(), xlim) and np.allclose(ax.get_ylim(), ylim))}
        if self._background is not None and len(self._changed | set(changed)) < len(self.axes):
            for i in changed:  # as drawn now: must its old labels be wiped beyond its column?
                self._measure(i)
        for i, (xlim, ylim) in changed.items():
            self.axes[i].set(xlim=xlim, ylim=ylim)
        self._changed.update(changed)

    def invalidate(self) -> None:
        self._changed.clear()
        self._saved.clear()
        super().invalidate()

    def render(self) -> bytes:
        key = tuple(limit for ax in self.axes for limit in (*ax.get_xlim(), *ax.get_ylim()))
        if self._changed and key in self._saved:
            background, fits = self._saved[key]
            self._background, self._fits = background, list(fits)
            self._saved.move_to_end(key)
        elif self._changed and self._background is not None:
            self._redraw_panels()
        self._changed.clear()
        if self._background is None:
            self._fits = [None] * len(self.axes)
        png = super().render()
        if self._blank is None:
            self._freeze()
        self._saved[key] = (self._background, list(self._fits))
        while len(self._saved) > self.SAVED:
            self._saved.popitem(last=False)
        return png

    def _freeze(self) -> None:
        """After the first full draw: fix label places, keep the empty figure's pixels and
        each panel's column."""
        for ax in self.axes:
            ax.set_title(ax.get_title(), y=ax.title.get_position()[1])
            for axis in (ax.xaxis, ax.yaxis):
                axis.set_label_coords(*axis.label.get_position(),
                                      transform=axis.label.get_transform())
        hidden = [ax for ax in self.axes if ax.get_visible()]
        for ax in hidden:
            ax.set_visible(False)
        self.canvas.draw()
        self._blank = np.array(self.canvas.buffer_rgba())
        for ax in hidden:
            ax.set_visible(True)
        width = self._blank.shape[1]
        renderer = self.canvas.get_renderer()
        tight = [ax.get_tightbbox(renderer) for ax in self.axes]
        boxes = sorted((box.x0, box.x1, i) for i, box in enumerate(tight))
        edges = [0] + [int(round((left[1] + right[0]) / 2))
                       for left, right in zip(boxes, boxes[1:], strict=False)] + [width]
        self._columns = [(0, 0)] * len(self.axes)
        for (_, _, i), x0, x1 in zip(boxes, edges[:-1], edges[1:], strict=True):
            self._columns[i] = (x0, x1)

    def _measure(self, i: int) -> bool:
        """Whether axes ``i``'s tick labels stay in its column (the figure's edges clip
        the outer columns; the titles and axis labels are centred and fixed)."""
        if self._fits[i] is None:
            renderer = self.canvas.get_renderer()
            ax = self.axes[i]
            boxes = [label.get_window_extent(renderer)
                     for label in (*ax.get_xticklabels(), *ax.get_yticklabels())]
            x0, x1 = self._columns[i]
            width = self._blank.shape[1]
            self._fits[i] = (x0 == 0 or all(x0 <= box.x0 for box in boxes)) and \
                (x1 == width or all(box.x1 <= x1 for box in boxes))
        return bool(self._fits[i])

    def _redraw_panels(self) -> None:
        if len(self._changed) == len(self.axes) or not all(
                self._measure(i) for i in range(len(self.axes))):
            self._background = None  # every panel, or one spills: one full draw
            return
        self.canvas.restore_region(self._background)
        pixels = np.asarray(self.canvas.buffer_rgba())
        renderer = self.canvas.get_renderer()
        for i in sorted(self._changed):
            x0, x1 = self._columns[i]
            pixels[:, x0:x1] = self._blank[:, x0:x1]
            self.axes[i].draw(renderer)
            self._fits[i] = None
        if all(self._measure(i) for i in self._changed):
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self._background = None  # a panel spills out of its column: draw everything


def _draw(live: PanelFigure, state: dict[str, Any]) -> str:
    a_ax, slope_ax = live.axes
    x = state["x"]
    live.a_line.set_data(x, state["a"])
    live.slope_line.set_data(x, state["slope"])
    live.set_limits({a_ax: (state["x_limits"], state["a_limits"]),
                     slope_ax: (state["x_limits"], state["slope_limits"])})
    low, high = state["slope_limits"]
    band = low + 0.03 * (high - low)
    live.flat_band.set_data(x, np.where(state["flat"], band, np.nan))
    name = state["activation"]
    share = 100.0 * state["flat_share"]
    what = "dead (f'(z) = 0)" if name == "relu" else "saturated"
    flat = (f"On {share:.0f}% of this input range f'(z) is below {FLAT:.0%} of its peak (red "
            f"band): the unit is {what} there and almost no gradient passes."
            if share > 0 else f"f' stays above {FLAT:.0%} of its peak on this whole range.")
    return (
        f"<p><b>{name}</b>: {_FORMULAS[name]}</p>"
        f"<p>{flat} Steepest slope da/dx: {np.abs(state['slope']).max():.3g}.</p>"
    )


def activation_explorer(activation: str = "sigmoid", x_max: float = 8.0, w: float = 1.0,
                        b: float = 0.0) -> ControlPanel:
    """Pick an activation; slide the input range, weight and bias; see f and f'."""
    live = PanelFigure(1, 2, figsize=(7.2, 2.9))
    state = activation_state(activation, x_max, w, b)
    a_ax, slope_ax = live.axes
    (live.a_line,) = a_ax.plot(state["x"], state["a"], color="tab:blue", lw=2)
    (live.slope_line,) = slope_ax.plot(state["x"], state["slope"], color="tab:orange", lw=2)
    (live.flat_band,) = slope_ax.plot(state["x"], state["x"] * np.nan, color="red", lw=5,
                                      solid_capstyle="butt")
    a_ax.set(title="a = f(z),  z = w·x + b", xlabel="input x")
    slope_ax.set(title="da/dx = w·f'(z)", xlabel="input x")
    for ax in live.axes:
        ax.axhline(0.0, color="0.7", lw=0.8)
        ax.axvline(0.0, color="0.7", lw=0.8)
        ax.grid(alpha=0.3)
    live.animate(live.a_line, live.slope_line, live.flat_band)
    controls = {
        "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                       description="f", layout=widgets.Layout(width="160px"),
                                       style={"description_width": "20px"}),
        "x_max": slider("x max", x_max, 1.0, 20.0, 0.5),
        "w": slider("w", w, -5.0, 5.0),
        "b": slider("b", b, -5.0, 5.0),
    }
    return ControlPanel(controls, activation_state, _draw, live, title="Activation explorer")
