"""Lesson 05: one neuron's computational graph, forward values and backward gradients.

The graph is ``u = w * x``, ``z = u + b``, ``p = sigmoid(z)``, ``L = BCE(y, p)``. Sliders
move ``x``, ``w`` and ``b``; every node shows its forward value (green) and the gradient
of the loss with respect to it (red), computed by the chain rule from right to left.
A change redraws only the numbers it changed, each on its own patch of the figure.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text

from nncourse.live import ControlPanel, Patches, slider
from nncourse.widgets.glyphs import cache_glyphs

FORWARD_COLOUR = "#1a7f37"
BACKWARD_COLOUR = "#c0392b"
# node: (x, y, label) on a 0..10 by 0..6 canvas
NODES: dict[str, tuple[float, float, str]] = {
    "x": (0.8, 4.7, "x"),
    "w": (0.8, 2.3, "w"),
    "u": (3.3, 3.5, "u = w·x"),
    "b": (3.3, 1.1, "b"),
    "z": (5.6, 3.5, "z = u + b"),
    "p": (7.6, 3.5, "p = σ(z)"),
    "L": (9.3, 3.5, "L = BCE"),
}
EDGES = [("x", "u"), ("w", "u"), ("u", "z"), ("b", "z"), ("z", "p"), ("p", "L")]
_NAMES = ("x", "w", "b", "u", "z", "p", "L")


def _number(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} should be a number, got {type(value).__name__}") from exc
    if not np.isfinite(number):
        raise ValueError(f"{name} should be finite, got {number}")
    return number


def neuron_graph_state(x: float, w: float, b: float, y: int = 1) -> dict[str, Any]:
    """Forward values and gradients dL/d(node) for ``L = BCE(y, sigmoid(w x + b))``.

    ``value`` and ``grad`` map each node name (x, w, b, u, z, p, L) to a float; ``local``
    holds the local derivatives that the chain rule multiplies.
    """
    x, w, b = _number(x, "x"), _number(w, "w"), _number(b, "b")
    if y not in (0, 1):
        raise ValueError(f"the label y should be 0 or 1, got {y!r}")
    u = w * x
    z = u + b
    p = 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid without overflow
    eps = 1e-12
    q = min(max(p, eps), 1.0 - eps)
    loss = -np.log(q) if y == 1 else -np.log(1.0 - q)
    dL_dp = (q - y) / (q * (1.0 - q))
    dL_dz = p - y  # = dL/dp * p (1 - p), simplified
    local = {"dp/dz": p * (1.0 - p), "dz/du": 1.0, "dz/db": 1.0, "du/dw": x, "du/dx": w}
    grad = {"L": 1.0, "p": dL_dp, "z": dL_dz, "u": dL_dz * local["dz/du"],
            "b": dL_dz * local["dz/db"]}
    grad["w"] = grad["u"] * local["du/dw"]
    grad["x"] = grad["u"] * local["du/dx"]
    value = {"x": x, "w": w, "b": b, "u": u, "z": z, "p": float(p), "L": float(loss)}
    return {"y": int(y), "value": value, "grad": {k: float(v) for k, v in grad.items()},
            "local": {k: float(v) for k, v in local.items()}}


def fmt(value: float, spec: str) -> str:
    """``format(value, spec)`` without a negative zero: a value that rounds to 0 shows as 0.

    ``0.0 * -0.8`` is ``-0.0`` in floating point, and ``-0.0001`` rounds to ``-0.000``;
    both read as "0.000" (no sign), also with a ``+`` in ``spec``.
    """
    text = format(value, spec)
    if float(text) == 0.0:
        text = format(0.0, spec.replace("+", ""))
    return text


def _show(live: Patches, text: Text, string: str) -> None:
    """Set ``text`` to ``string``; it is redrawn only if that changed what it shows."""
    if text.get_text() != string:
        text.set_text(string)
        live.changed(text)


def _draw(live: Patches, state: dict[str, Any]) -> str:
    value, grad, local = state["value"], state["grad"], state["local"]
    for name in _NAMES:
        _show(live, live.values[name], fmt(value[name], ".3f"))
        _show(live, live.grads[name], f"∂L/∂{name} = {fmt(grad[name], '+.3f')}")
    _show(live, live.label_text, f"y = {state['y']}")
    return (
        "<p><b>Forward</b> (left to right): "
        f"u = w·x = {fmt(value['w'], '.2f')}·{fmt(value['x'], '.2f')} = "
        f"{fmt(value['u'], '.3f')}, "
        f"z = u + b = {fmt(value['z'], '.3f')}, p = σ(z) = {fmt(value['p'], '.3f')}, "
        f"L = {fmt(value['L'], '.4f')}.</p>"
        "<p><b>Backward</b> (right to left), each gradient = the one to its right × a local "
        f"derivative: ∂L/∂z = p − y = {fmt(grad['z'], '+.4f')}; "
        f"∂L/∂b = ∂L/∂z · 1 = {fmt(grad['b'], '+.4f')}; "
        f"∂L/∂w = ∂L/∂u · x = {fmt(grad['u'], '+.4f')} · {fmt(local['du/dw'], '.2f')} = "
        f"{fmt(grad['w'], '+.4f')}; "
        f"∂L/∂x = ∂L/∂u · w = {fmt(grad['u'], '+.4f')} · {fmt(local['du/dx'], '.2f')} = "
        f"{fmt(grad['x'], '+.4f')}.</p>"
    )


def _draw_graph(live: Patches) -> None:
    ax = live.ax
    ax.set(xlim=(0, 10), ylim=(0, 6))
    ax.axis("off")
    for start, end in EDGES:
        (x0, y0, _), (x1, y1, _) = NODES[start], NODES[end]
        ax.annotate("", xy=(x1 - 0.55, y1), xytext=(x0 + 0.55, y0),
                    arrowprops={"arrowstyle": "->", "color": "0.45", "lw": 1.3})
    live.values, live.grads = {}, {}
    for name, (cx, cy, label) in NODES.items():
        ax.add_patch(FancyBboxPatch((cx - 0.55, cy - 0.45), 1.1, 0.9,
                                    boxstyle="round,pad=0.05", fc="#f4f4f4", ec="0.3"))
        ax.text(cx, cy + 0.18, label, ha="center", va="center", fontsize=8)
        live.values[name] = ax.text(cx, cy - 0.2, "", ha="center", va="center", fontsize=9,
                                    color=FORWARD_COLOUR, fontweight="bold")
        live.grads[name] = ax.text(cx, cy - 0.75, "", ha="center", va="top", fontsize=8,
                                   color=BACKWARD_COLOUR)
    live.label_text = ax.text(9.3, 2.1, "", ha="center", fontsize=9)
    ax.text(0.1, 5.75, "green: forward value", color=FORWARD_COLOUR, fontsize=8)
    ax.text(0.1, 5.4, "red: gradient ∂L/∂(node), backward", color=BACKWARD_COLOUR,
            fontsize=8)
    # each number is redrawn only when it changes, on its own patch of the figure
    live.patch(*live.values.values(), *live.grads.values(), live.label_text)


def neuron_graph_explorer(x: float = 1.5, w: float = -0.8, b: float = 0.3,
                          y: int = 1) -> ControlPanel:
    """Sliders x, w, b (and the label y) on one sigmoid neuron's graph with a BCE loss."""
    live = Patches(figsize=(8.0, 3.4))
    cache_glyphs(live.canvas)
    _draw_graph(live)
    controls = {
        "x": slider("x", x, -3.0, 3.0, 0.05),
        "w": slider("w", w, -3.0, 3.0, 0.05),
        "b": slider("b", b, -3.0, 3.0, 0.05),
        "y": widgets.Dropdown(options=[("y = 1", 1), ("y = 0", 0)], value=y,
                              description="label", layout=widgets.Layout(width="150px"),
                              style={"description_width": "40px"}),
    }
    return ControlPanel(controls, neuron_graph_state, _draw, live,
                        title="One neuron: forward values and backward gradients")
