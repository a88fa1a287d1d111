"""Lesson 02: an activation dropdown with input-range and weight sliders showing f and f'.

The panel plots one neuron with one input ``x``: the pre-activation ``z = w x + b``, the
output ``a = f(z)`` and its slope ``da/dx = w f'(z)`` over ``x`` in ``[-x_max, x_max]``
(the lesson's notation: ``z`` is always the pre-activation). A red band under the slope
marks where ``f'(z)`` has fallen below 1% of its peak: there the activation lets almost no
gradient through (saturated, or "dead" for ReLU).

Runs in the kernel. Most changes move an axes' limits (the y range follows the curves, the
x range is the input range), so :class:`PanelFigure` redraws only the panels whose limits
changed, each in its own region of pixels, on a cached picture of its y axis, and keeps
the titles and axis labels where the first draw put them; every frame is the same, pixel
for pixel, as a full redraw. Text comes from cached glyphs (:mod:`nncourse.widgets.glyphs`).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import numpy as np

from nncourse.live import ControlPanel, LiveFigure, slider, unmeasured_ticklabels
from nncourse.live import finite_number as _finite
from nncourse.widgets.glyphs import cache_glyphs

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

    Each panel owns a region of pixel columns: from the right edge of the axes on its left
    to the left edge of the axes on its right, so neighbouring regions share a seam (the
    gap between two axes, where both put tick labels). :meth:`set_limits` changes some
    panels' limits; the next render wipes each such panel's region back to the empty
    figure, draws the axes there alone and keeps its seams as drawn (its ink); each seam is
    then put together from the two neighbours' inks, each pixel from the one that drew
    there. A panel that draws outside its region, or two that draw on the same pixel of a
    seam, get the whole figure redrawn instead. Each axes draws its y axis before its x
    axis (a figure-wide order, so a full draw agrees): the region with the axes' background,
    y axis, title and x label alone (the last two touch nothing else) is kept per y range
    (:attr:`UNDERS` of them), and a change of the x range draws only the x axis's ticks
    and what lies over them, without measuring its tick labels
    (:func:`~nncourse.live.unmeasured_ticklabels`). After the first full draw the titles
    and axis labels keep their places (matplotlib would re-measure every tick label to
    place them on every draw). The backgrounds of the last :attr:`SAVED` sets of limits
    are kept: going back to one is a blit.
    """

    SAVED = 24  # backgrounds kept (about 0.5 MB each for the lesson's figure, plus inks)
    UNDERS = 32  # regions with a y axis kept (about 0.3 MB each)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._changed: set[int] = set()
        self._blank: np.ndarray | None = None
        self._regions: list[tuple[int, int]] = []  # per panel: its columns, seams included
        self._seams: list[tuple[int, int, int, int]] = []  # (left, right panel, x0, x1)
        # per panel: its seams as drawn alone on the empty figure, by seam (None: not known)
        self._inks: list[dict[tuple[int, int], np.ndarray] | None] = [None] * len(self.axes)
        self._saved: OrderedDict[tuple, tuple[Any, list]] = OrderedDict()
        self._unders: OrderedDict[tuple, np.ndarray] = OrderedDict()
        for ax in self.axes:  # the y axis first: its picture can then be kept under the x axis
            ax.yaxis.set_zorder(ax.xaxis.get_zorder() - 0.01)

    def set_limits(self, limits: dict[Any, tuple[tuple[float, float], tuple[float, float]]]
                   ) -> None:
        """Give each axes in ``limits`` its ``(xlim, ylim)``; only those that differ change
        and are redrawn at the next render."""
        for ax, (xlim, ylim) in limits.items():
            for now, new, set_lim in ((ax.get_xlim(), xlim, ax.set_xlim),
                                      (ax.get_ylim(), ylim, ax.set_ylim)):
                if not np.allclose(now, new):
                    set_lim(new)
                    self._changed.add(self.axes.index(ax))

    def invalidate(self) -> None:
        self._changed.clear()
        self._saved.clear()
        self._unders.clear()
        self._inks = [None] * len(self.axes)
        super().invalidate()

    def render(self) -> bytes:
        key = tuple(limit for ax in self.axes for limit in (*ax.get_xlim(), *ax.get_ylim()))
        if self._changed and key in self._saved:
            self.background, inks = self._saved[key]
            self._inks = list(inks)
            self._saved.move_to_end(key)
        elif self._changed and self.background is not None:
            self._redraw_panels()
        self._changed.clear()
        png = super().render()
        if self._blank is None:
            self._freeze()
        self._saved[key] = (self.background, list(self._inks))
        while len(self._saved) > self.SAVED:
            self._saved.popitem(last=False)
        return png

    def _freeze(self) -> None:
        """After the first full draw: fix label places, keep the empty figure's pixels and
        each panel's region."""
        for ax in self.axes:
            ax.set_title(ax.get_title(), y=ax.title.get_position()[1])
            for axis in (ax.xaxis, ax.yaxis):
                axis.set_label_coords(*axis.label.get_position(),
                                      transform=axis.label.get_transform())
        visible = [ax for ax in self.axes if ax.get_visible()]
        for ax in visible:
            ax.set_visible(False)
        self.canvas.draw()
        self._blank = np.array(self.canvas.buffer_rgba())
        for ax in visible:
            ax.set_visible(True)
        # a seam ends before the right axes' background (drawn over whatever lies under it)
        boxes = sorted((ax.bbox.x0, ax.bbox.x1, i) for i, ax in enumerate(self.axes))
        cuts = [(math.floor(left[1]), max(math.floor(right[0]), math.floor(left[1])))
                for left, right in zip(boxes, boxes[1:], strict=False)]
        starts = [0] + [x0 for x0, _ in cuts]
        ends = [x1 for _, x1 in cuts] + [self._blank.shape[1]]
        self._regions = [(0, 0)] * len(self.axes)
        for (_, _, i), x0, x1 in zip(boxes, starts, ends, strict=True):
            self._regions[i] = (x0, x1)
        self._seams = [(left[2], right[2], x0, x1)
                       for left, right, (x0, x1) in zip(boxes, boxes[1:], cuts, strict=False)]

    def _redraw_panels(self) -> None:
        self.canvas.restore_region(self.background)
        pixels = np.asarray(self.canvas.buffer_rgba())
        renderer = self.canvas.get_renderer()
        # a panel whose ink is not known may have left old pixels anywhere: redraw them all
        unknown = any(ink is None for ink in self._inks)
        panels = range(len(self.axes)) if unknown else sorted(self._changed)
        for i in panels:
            self._inks[i] = None  # until drawn at its new limits
        if all(self._draw_panel(i, pixels, renderer) for i in panels) and self._join(pixels):
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.background = None  # a panel leaves its region: draw everything

    def _draw_panel(self, i: int, pixels: np.ndarray, renderer: Any) -> bool:
        """Draw axes ``i`` alone in its region: its background and y axis from the picture
        kept for its y range (drawn and kept if none is), then the rest over them; keep
        the result as its ink. Whether it stayed in its region (no pixel outside changed)."""
        ax = self.axes[i]
        x0, x1 = self._regions[i]
        outside = pixels[:, :x0].copy(), pixels[:, x1:].copy()
        under = (ax.patch, ax.yaxis, ax.title)  # the title and x label touch nothing else
        key = (i, *ax.get_ylim())
        picture = self._unders.get(key)
        if picture is not None:
            pixels[:, x0:x1] = picture
            self._unders.move_to_end(key)
        else:
            pixels[:, x0:x1] = self._blank[:, x0:x1]
            with _only(ax, under):
                ax.draw(renderer)
            ax.xaxis.label.draw(renderer)
            picture = pixels[:, x0:x1].copy()
        with _hidden((*under, ax.xaxis.label)), unmeasured_ticklabels(ax.xaxis):
            ax.draw(renderer)
        if not (np.array_equal(outside[0], pixels[:, :x0])
                and np.array_equal(outside[1], pixels[:, x1:])):
            return False
        self._inks[i] = {(s0, s1): pixels[:, s0:s1].copy() for *panels, s0, s1 in self._seams
                         if i in panels}
        if key not in self._unders:
            self._unders[key] = picture
            while len(self._unders) > self.UNDERS:
                self._unders.popitem(last=False)
        return True

    def _join(self, pixels: np.ndarray) -> bool:
        """Put each seam together from its two panels' inks; whether no pixel has both
        (a full draw would then blend them)."""
        for left, right, x0, x1 in self._seams:
            inks = [self._inks[i][(x0, x1)] for i in (left, right)]
            blank = self._blank[:, x0:x1]
            drawn = [(ink != blank).any(axis=2) for ink in inks]
            if (drawn[0] & drawn[1]).any():
                return False
            pixels[:, x0:x1] = np.where(drawn[1][..., None], inks[1], inks[0])
        return True


@contextmanager
def _hidden(artists: Iterable[Any]) -> Iterator[None]:
    """The visible ones of ``artists`` hidden for a while."""
    shown = [artist for artist in artists if artist.get_visible()]
    for artist in shown:
        artist.set_visible(False)
    try:
        yield
    finally:
        for artist in shown:
            artist.set_visible(True)


def _only(ax: Any, artists: Iterable[Any]) -> Any:
    """Every child of ``ax`` but ``artists`` (and the axes' background) hidden for a while."""
    keep = set(artists)
    return _hidden([a for a in ax.get_children() if a not in keep and a is not ax.patch])


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
    cache_glyphs(live.canvas)  # tick labels: each string laid out and rendered once
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
