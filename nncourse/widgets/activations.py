"""Lesson 02: an activation dropdown with input-range and weight sliders showing f and f'.

The panel plots one neuron with one input, ``a = f(w z + b)``, and its slope
``da/dz = w f'(w z + b)`` over ``z`` in ``[-z_max, z_max]``. A red band under the slope
marks where ``f'`` has fallen below 1% of its peak: there the activation lets almost no
gradient through (saturated, or "dead" for ReLU).
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
import numpy as np

from nncourse.live import ControlPanel, LiveFigure, slider

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
LEAKY_ALPHA = 0.1  # larger than the usual 0.01 so that the leak is visible
FLAT = 0.01  # f' below this share of its peak counts as "gradient barely passes"
_POINTS = 401
_PEAK_SLOPE = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0, "linear": 1.0}
_FORMULAS = {
    "sigmoid": "f(u) = 1 / (1 + e<sup>-u</sup>), f'(u) = f(u)(1 - f(u)) &le; 0.25",
    "tanh": "f(u) = tanh(u), f'(u) = 1 - tanh(u)<sup>2</sup> &le; 1",
    "relu": "f(u) = max(0, u), f'(u) = 1 if u &gt; 0 else 0",
    "leaky_relu": f"f(u) = u if u &gt; 0 else {LEAKY_ALPHA}u, f'(u) = 1 or {LEAKY_ALPHA}",
    "linear": "f(u) = u, f'(u) = 1",
}


def activation_and_slope(name: str, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``f(u)`` and ``f'(u)`` for one of :data:`ACTIVATIONS`, without overflow."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation should be one of {list(ACTIVATIONS)}, got {name!r}")
    u = np.asarray(u, dtype=float)
    if name == "sigmoid":
        e = np.exp(-np.abs(u))
        s = np.where(u >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return s, s * (1.0 - s)
    if name == "tanh":
        t = np.tanh(u)
        return t, 1.0 - t**2
    if name == "relu":
        return np.maximum(u, 0.0), (u > 0).astype(float)
    if name == "leaky_relu":
        return np.where(u > 0, u, LEAKY_ALPHA * u), np.where(u > 0, 1.0, LEAKY_ALPHA)
    return u.copy(), np.ones_like(u)


def _finite(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} should be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} should be finite, got {value}")
    return float(value)


def activation_state(activation: str = "sigmoid", z_max: float = 8.0, w: float = 1.0,
                     b: float = 0.0) -> dict[str, Any]:
    """``a = f(w z + b)`` and ``da/dz`` on a grid of ``z`` in ``[-z_max, z_max]``."""
    z_max, w, b = _finite(z_max, "z_max"), _finite(w, "w"), _finite(b, "b")
    if z_max <= 0:
        raise ValueError(f"z_max should be positive, got {z_max}")
    z = np.linspace(-z_max, z_max, _POINTS)
    u = w * z + b
    a, fprime = activation_and_slope(activation, u)
    slope = w * fprime
    flat = fprime < FLAT * _PEAK_SLOPE[activation]
    return {"activation": activation, "z": z, "u": u, "a": a, "fprime": fprime,
            "slope": slope, "flat": flat, "flat_share": float(flat.mean()),
            "a_limits": _limits(a), "slope_limits": _limits(slope), "z_limits": (-z_max, z_max)}


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
    z = state["z"]
    live.a_line.set_data(z, state["a"])
    live.slope_line.set_data(z, state["slope"])
    _set_limits(live, a_ax, state["z_limits"], state["a_limits"])
    _set_limits(live, slope_ax, state["z_limits"], state["slope_limits"])
    low, high = state["slope_limits"]
    band = low + 0.03 * (high - low)
    live.flat_band.set_data(z, np.where(state["flat"], band, np.nan))
    name = state["activation"]
    share = 100.0 * state["flat_share"]
    what = "dead (f' = 0)" if name == "relu" else "saturated"
    flat = (f"On {share:.0f}% of this input range f' is below {FLAT:.0%} of its peak (red "
            f"band): the unit is {what} there and almost no gradient passes."
            if share > 0 else f"f' stays above {FLAT:.0%} of its peak on this whole range.")
    return (
        f"<p><b>{name}</b>: {_FORMULAS[name]}</p>"
        f"<p>{flat} Steepest slope da/dz: {np.abs(state['slope']).max():.3g}.</p>"
    )


def activation_explorer(activation: str = "sigmoid", z_max: float = 8.0, w: float = 1.0,
                        b: float = 0.0) -> ControlPanel:
    """Pick an activation; slide the input range, weight and bias; see f and f'."""
    live = LiveFigure(1, 2, figsize=(7.2, 2.9))
    state = activation_state(activation, z_max, w, b)
    a_ax, slope_ax = live.axes
    (live.a_line,) = a_ax.plot(state["z"], state["a"], color="tab:blue", lw=2)
    (live.slope_line,) = slope_ax.plot(state["z"], state["slope"], color="tab:orange", lw=2)
    (live.flat_band,) = slope_ax.plot(state["z"], state["z"] * np.nan, color="red", lw=5,
                                      solid_capstyle="butt")
    a_ax.set(title="a = f(w·z + b)", xlabel="z")
    slope_ax.set(title="da/dz = w·f'(w·z + b)", xlabel="z")
    for ax in live.axes:
        ax.axhline(0.0, color="0.7", lw=0.8)
        ax.axvline(0.0, color="0.7", lw=0.8)
        ax.grid(alpha=0.3)
    live.animate(live.a_line, live.slope_line, live.flat_band)
    controls = {
        "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                       description="f", layout=widgets.Layout(width="160px"),
                                       style={"description_width": "20px"}),
        "z_max": slider("range", z_max, 1.0, 20.0, 0.5),
        "w": slider("w", w, -5.0, 5.0),
        "b": slider("b", b, -5.0, 5.0),
    }
    return ControlPanel(controls, activation_state, _draw, live, title="Activation explorer")
