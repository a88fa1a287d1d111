"""Lesson 00: a slider that rescales one feature, before and after standardizing."""

from __future__ import annotations

from typing import Any

import numpy as np

from nncourse.live import ControlPanel, LiveFigure, slider


def _sample(n: int = 60, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    height = rng.normal(170.0, 9.0, n)
    shoe = 0.15 * height + rng.normal(0.0, 1.2, n)
    return np.column_stack([height, shoe])


def rescale_state(log10_scale: float, X: np.ndarray | None = None) -> dict[str, Any]:
    """Feature 2 multiplied by ``10**log10_scale``: raw and standardized versions."""
    X = _sample() if X is None else np.asarray(X, dtype=float)
    raw = X * np.array([1.0, 10.0**log10_scale])
    spread = raw.std(axis=0)
    scaled = (raw - raw.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    return {"raw": raw, "scaled": scaled, "std": spread, "scale": 10.0**log10_scale}


def _draw(live: LiveFigure, state: dict[str, Any]) -> str:
    raw_ax, scaled_ax = live.axes
    live.raw_points.set_offsets(state["raw"])
    live.scaled_points.set_offsets(state["scaled"])
    low, high = state["raw"].min(axis=0), state["raw"].max(axis=0)
    pad = 0.05 * (high - low) + 1e-9
    raw_ax.set_xlim(low[0] - pad[0], high[0] + pad[0])
    raw_ax.set_ylim(low[1] - pad[1], high[1] + pad[1])
    live.invalidate()  # the raw axes' limits changed: redraw ticks too
    s1, s2 = state["std"]
    return (
        f"Feature 2 is multiplied by {state['scale']:.3g}. Raw spreads: {s1:.3g} and {s2:.3g} "
        f"(ratio {max(s1, s2) / min(s1, s2):.3g}:1). Standardized, both have spread 1 and the "
        "right-hand plot does not move."
    )


def scale_explorer() -> ControlPanel:
    """A log-scale slider that rescales feature 2; the standardized plot stays put."""
    live = LiveFigure(1, 2, figsize=(7.0, 3.0))
    state = rescale_state(0.0)
    raw_ax, scaled_ax = live.axes
    live.raw_points = raw_ax.scatter(*state["raw"].T, s=12, color="tab:blue")
    live.scaled_points = scaled_ax.scatter(*state["scaled"].T, s=12, color="tab:orange")
    raw_ax.set(title="raw", xlabel="height (cm)", ylabel="shoe size x scale")
    scaled_ax.set(title="standardized", xlabel="height (z)", ylabel="shoe size (z)",
                  xlim=(-3.5, 3.5), ylim=(-3.5, 3.5))
    live.animate(live.raw_points, live.scaled_points)
    controls = {"log10_scale": slider("log10", 0.0, -3.0, 3.0, 0.1)}
    return ControlPanel(controls, rescale_state, _draw, live, title="Rescale feature 2")
