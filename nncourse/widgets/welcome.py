"""Lesson 00: a slider that rescales one feature (foot length) before and after standardizing.

The raw plot keeps fixed axes (the vertical one logarithmic, spanning every value the
slider allows), so dragging visibly lifts or lowers the raw cloud; the standardized plot
does not move. :func:`raw_limits` gives those fixed limits, :data:`SCALE_SLIDER` the
slider's range and default. Runs in the kernel; a slider change redraws only the two
clouds (``Line2D`` markers, cheaper to draw than a scatter and identical in pixels) on the
cached background.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from nncourse.live import ControlPanel, LiveFigure, slider

# the slider: log10 of the factor that multiplies feature 2 (default, low, high, step)
SCALE_SLIDER = {"value": 0.0, "low": -3.0, "high": 3.0, "step": 0.1}
STANDARDIZED_LIMITS = (-3.5, 3.5)
_MARKER = {"marker": "o", "linestyle": "none", "markersize": math.sqrt(12.0),
           "markeredgewidth": 1.0}  # what scatter(s=12) draws: a dot edged in its colour


@functools.cache
def _sample(n: int = 60, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    height = rng.normal(170.0, 9.0, n)
    foot = 0.15 * height + rng.normal(0.0, 1.2, n)  # foot length (cm), about 15% of height
    sample = np.column_stack([height, foot])
    sample.flags.writeable = False  # cached: shared by every call
    return sample


def rescale_state(log10_scale: float, X: np.ndarray | None = None) -> dict[str, Any]:
    """Feature 2 multiplied by ``10**log10_scale``: raw and standardized versions."""
    X = _sample() if X is None else np.asarray(X, dtype=float)
    raw = X * np.array([1.0, 10.0**log10_scale])
    spread = raw.std(axis=0)
    scaled = (raw - raw.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    return {"raw": raw, "scaled": scaled, "std": spread, "scale": 10.0**log10_scale}


def raw_limits() -> tuple[tuple[float, float], tuple[float, float]]:
    """Fixed (x, y) limits of the raw plot: they hold the cloud at every slider value."""
    low = rescale_state(SCALE_SLIDER["low"])["raw"]
    high = rescale_state(SCALE_SLIDER["high"])["raw"]
    x_pad = 0.05 * np.ptp(low[:, 0])
    return ((float(low[:, 0].min() - x_pad), float(low[:, 0].max() + x_pad)),
            (float(low[:, 1].min() / 2), float(high[:, 1].max() * 2)))


def readout(state: dict[str, Any]) -> str:
    """The text under the plots: the factor and both columns' spreads."""
    s1, s2 = state["std"]
    return (
        f"Feature 2 is multiplied by {state['scale']:.3g}. Raw spreads (standard deviations): "
        f"height {s1:.3g}, foot length {s2:.3g} (foot length / height = {s2 / s1:.3g}). "
        "Standardized, both have spread 1 and the right-hand plot does not move."
    )


def _draw(live: LiveFigure, state: dict[str, Any]) -> str:
    live.raw_points.set_data(*state["raw"].T)
    live.scaled_points.set_data(*state["scaled"].T)
    return readout(state)


def scale_explorer() -> ControlPanel:
    """A log-scale slider that rescales feature 2; the standardized plot stays put."""
    live = LiveFigure(1, 2, figsize=(7.0, 3.0))
    state = rescale_state(SCALE_SLIDER["value"])
    raw_ax, scaled_ax = live.axes
    (live.raw_points,) = raw_ax.plot(*state["raw"].T, color="tab:blue", **_MARKER)
    (live.scaled_points,) = scaled_ax.plot(*state["scaled"].T, color="tab:orange", **_MARKER)
    xlim, ylim = raw_limits()
    raw_ax.set(title="raw", xlabel="height (cm)", ylabel="foot length (cm) x scale", yscale="log",
               xlim=xlim, ylim=ylim)
    # one labelled tick per power of ten, written plainly (1000, not 10^3); no minor ticks
    raw_ax.yaxis.set_major_locator(LogLocator(base=10.0, numticks=12))
    raw_ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: f"{y:g}"))
    raw_ax.yaxis.set_minor_locator(NullLocator())
    scaled_ax.set(title="standardized", xlabel="height (z)", ylabel="foot length (z)",
                  xlim=STANDARDIZED_LIMITS, ylim=STANDARDIZED_LIMITS)
    live.animate(live.raw_points, live.scaled_points)
    controls = {"log10_scale": slider("log10", SCALE_SLIDER["value"], SCALE_SLIDER["low"],
                                      SCALE_SLIDER["high"], SCALE_SLIDER["step"])}
    return ControlPanel(controls, rescale_state, _draw, live, title="Rescale feature 2")
