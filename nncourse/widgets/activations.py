"""Lesson 02: an activation dropdown with input-range and weight sliders showing f and f'.

The panel plots one neuron with one input ``x``: the pre-activation ``z = w x + b``, the
output ``a = f(z)`` and its slope ``da/dx = w f'(z)`` over ``x`` in ``[-x_max, x_max]``
(the lesson's notation: ``z`` is always the pre-activation). A red band under the slope
marks where ``f'(z)`` has fallen below 1% of its peak: there the activation lets almost no
gradient through (saturated, or "dead" for ReLU).
"""

from __future__ import annotations

import math
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


def _set_limits(live: LiveFigure, ax, xlim: tuple[float, float],
                ylim: tuple[float, float]) -> None:
    """Change an axes' limits only when they differ: a change redraws the background."""
    if not (np.allclose(ax.get_xlim(), xlim) and np.allclose(ax.get_ylim(), ylim)):
        ax.set(xlim=xlim, ylim=ylim)
        live.invalidate()


def _draw(live: LiveFigure, state: dict[str, Any]) -> str:
    a_ax, slope_ax = live.axes
    x = state["x"]
    live.a_line.set_data(x, state["a"])
    live.slope_line.set_data(x, state["slope"])
    _set_limits(live, a_ax, state["x_limits"], state["a_limits"])
    _set_limits(live, slope_ax, state["x_limits"], state["slope_limits"])
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
    live = LiveFigure(1, 2, figsize=(7.2, 2.9))
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
