"""Lesson 01: sliders w1, w2, b move a single neuron's decision boundary over logic gates."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np

from nncourse.live import ControlPanel, LiveFigure, slider
from nncourse.widgets.blocks import block_image

GATES = {
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "XOR": np.array([0, 1, 1, 0]),
}
POINTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_GRID = np.linspace(-0.5, 1.5, 60)
_LIMITS = (-0.5, 1.5)
# where the explorer opens: a boundary that computes neither AND nor OR (2 of 4 each)
DEFAULTS = {"w1": 1.0, "w2": -1.0, "b": -0.5, "gate": "AND"}
# the ring around a wrongly predicted dot: yellow, edged in black (RGB), and its marker size
RING_INNER = (1.0, 0.85, 0.0)
RING_OUTER = (0.0, 0.0, 0.0)
RING_SIZE = 420
# every slider (w1, w2, b): low, high, step
SLIDER_RANGE = {"low": -5.0, "high": 5.0, "step": 0.1}


def neuron_state(w1: float, w2: float, b: float, gate: str = "AND") -> dict[str, Any]:
    """Outputs of ``sigmoid(w1*x1 + w2*x2 + b)`` on the gate's four points, and its boundary."""
    if gate not in GATES:
        raise ValueError(f"gate should be one of {sorted(GATES)}, got {gate!r}")
    w = np.array([w1, w2], dtype=float)
    # the sliders move in steps of 0.1, so z is a multiple of 0.1: rounding to 9 decimals
    # only removes float noise (0.33 - 0.3 - 0.03 is not 0), so that a z shown as 0.00 is
    # exactly 0, its output exactly 0.5 and its prediction 1; "+ 0.0" turns -0.0 into 0.0
    z = np.round(POINTS @ w + b, 9) + 0.0
    p = 1.0 / (1.0 + np.exp(-z))
    gx, gy = np.meshgrid(_GRID, _GRID)
    surface = 1.0 / (1.0 + np.exp(-(w1 * gx + w2 * gy + b)))
    xs = np.array(_LIMITS)
    if abs(w2) > 1e-9:
        line = (xs, -(w1 * xs + b) / w2)
    elif abs(w1) > 1e-9:
        line = (np.full(2, -b / w1), xs)
    else:
        line = (np.array([np.nan, np.nan]), np.array([np.nan, np.nan]))
    target = GATES[gate]
    predicted = (p >= 0.5).astype(int)
    return {"z": z, "p": p, "target": target, "predicted": predicted, "surface": surface,
            "line": line, "correct": int((predicted == target).sum()), "gate": gate}


def _table(state: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{x1:.0f}</td><td>{x2:.0f}</td><td>{z:+.2f}</td><td>{p:.3f}</td>"
        f"<td>{pred}</td><td>{t}</td></tr>"
        for (x1, x2), z, p, pred, t in zip(
            POINTS, state["z"], state["p"], state["predicted"], state["target"], strict=True)
    )
    return (
        "<table><tr><th>x1</th><th>x2</th><th>z</th><th>output</th><th>predicted</th>"
        f"<th>{state['gate']}</th></tr>{rows}</table>"
        f"<p>{state['correct']}/4 correct</p>"
    )


def _draw(live: LiveFigure, state: dict[str, Any]) -> str:
    live.surface.set_data(state["surface"])
    live.boundary.set_data(*state["line"])
    live.points.set_array(state["target"].astype(float))
    shown = _ring_alpha(state)
    live.ring_outer.set_edgecolors([(*RING_OUTER, a) for a in shown])
    live.ring_inner.set_edgecolors([(*RING_INNER, a) for a in shown])
    return _table(state)


def _ring_alpha(state: dict[str, Any]) -> np.ndarray:
    """1 where the prediction is wrong (the ring shows), 0 where it is right."""
    return (state["predicted"] != state["target"]).astype(float)


def neuron_explorer(w1: float = DEFAULTS["w1"], w2: float = DEFAULTS["w2"],
                    b: float = DEFAULTS["b"], gate: str = DEFAULTS["gate"]) -> ControlPanel:
    """Sliders for one neuron's weights and bias over the AND, OR and XOR points."""
    live = LiveFigure(figsize=(4.2, 3.6))
    state = neuron_state(w1, w2, b, gate)
    ax = live.ax
    live.surface = block_image(ax, state["surface"], cmap="RdBu_r", vmin=0, vmax=1,
                               origin="lower", extent=(*_LIMITS, *_LIMITS), alpha=0.6,
                               aspect="auto")
    (live.boundary,) = ax.plot(*state["line"], color="k", lw=2)
    live.points = ax.scatter(*POINTS.T, c=state["target"], cmap="RdBu_r", vmin=0, vmax=1,
                             s=120, linewidths=1.5, edgecolors="k", zorder=3)
    # a wrong prediction: a yellow ring edged in black around the dot, visible on red and
    # blue dots and on any background; on a right prediction the ring is transparent
    shown = _ring_alpha(state)
    live.ring_outer = ax.scatter(*POINTS.T, s=RING_SIZE, facecolors="none", linewidths=6,
                                 edgecolors=[(*RING_OUTER, a) for a in shown], zorder=4)
    live.ring_inner = ax.scatter(*POINTS.T, s=RING_SIZE, facecolors="none", linewidths=3,
                                 edgecolors=[(*RING_INNER, a) for a in shown], zorder=5)
    ax.set(xlim=_LIMITS, ylim=_LIMITS, xlabel="x1", ylabel="x2",
           title="output (colour) and boundary output = 0.5")
    live.figure.colorbar(live.surface, ax=ax, shrink=0.8)
    # in matplotlib's order (surface 0, boundary 2, the axes' frame 2.5, dots 3, rings 4 and
    # 5): the frame is redrawn over the surface, which would otherwise cover its top and left
    live.animate(live.surface, live.boundary, *ax.spines.values(), live.points,
                 live.ring_outer, live.ring_inner)
    controls = {
        name: slider(name, value, SLIDER_RANGE["low"], SLIDER_RANGE["high"],
                     SLIDER_RANGE["step"])
        for name, value in (("w1", w1), ("w2", w2), ("b", b))
    } | {
        "gate": widgets.Dropdown(options=list(GATES), value=gate, description="gate",
                                 layout=widgets.Layout(width="150px"),
                                 style={"description_width": "40px"}),
    }
    return ControlPanel(controls, neuron_state, _draw, live, title="One neuron")
