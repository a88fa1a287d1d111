"""Network diagrams drawn by code: one circle per unit, arrows between layers, layer labels.

Runs in the learner's kernel (static matplotlib figures, shown inline). ``draw_network``
draws an MLP from its layer sizes, first size the input, last the output, as lesson 03's
``init_mlp(layer_sizes)`` takes them; a layer wider than ``max_units`` is drawn truncated:
its first units, an ellipsis, its last unit. ``layout`` is the pure part (which units are
drawn where), tested without drawing.

The nets the lessons use are in :data:`NETWORKS`, so every lesson draws them the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch

NETWORKS: dict[str, tuple[int, ...]] = {
    "03 worked shapes (3-4-2, softmax output)": (3, 4, 2),
    "03 XOR explorer (2-2-1)": (2, 2, 1),
    "03 init_mlp example": (4, 8, 3, 1),
    "06 playground (default)": (2, 16, 16, 1),
    "07 Keras classifier": (14, 16, 1),
}
MAX_UNITS = 7  # a wider layer is drawn as its first MAX_UNITS - 1 units, an ellipsis, its last
RADIUS = 0.18
SPACING = 2.2  # between layers, in units of the distance between two units of a layer
COLORS = {"input": "#d9e8f5", "hidden": "#fde3c8", "output": "#d5efd5"}


@dataclass(frozen=True)
class LayerLayout:
    """Where one layer's drawn units sit (``x``, and one ``y`` per drawn unit)."""

    size: int  # how many units the layer has
    role: str  # "input", "hidden" or "output"
    x: float
    units: tuple[int, ...]  # 0-based indices of the units drawn
    ys: tuple[float, ...]  # their heights, top first
    ellipsis_y: float | None  # where the ellipsis sits (None: every unit is drawn)


def _sizes(layer_sizes: Sequence[int]) -> list[int]:
    sizes = list(layer_sizes)
    if len(sizes) < 2:
        raise ValueError(f"a network needs at least an input and an output layer, got {sizes}")
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"layer sizes should be integers >= 1, got {sizes}")
    return [int(s) for s in sizes]


def layout(layer_sizes: Sequence[int], max_units: int = MAX_UNITS) -> list[LayerLayout]:
    """Which units of each layer are drawn, and where (layers SPACING apart, units 1 apart)."""
    sizes = _sizes(layer_sizes)
    if max_units < 3:
        raise ValueError(f"max_units should be at least 3, got {max_units}")
    layers = []
    for i, size in enumerate(sizes):
        role = "input" if i == 0 else "output" if i == len(sizes) - 1 else "hidden"
        if size <= max_units:
            units = tuple(range(size))
            slots = size
            ellipsis_slot = None
        else:  # first max_units - 1 units, an ellipsis in the next slot, then the last unit
            units = (*range(max_units - 1), size - 1)
            slots = max_units + 1
            ellipsis_slot = max_units - 1
        top = (slots - 1) / 2
        slot_of = [k if k < max_units - 1 or ellipsis_slot is None else k + 1
                   for k in range(len(units))]
        ys = tuple(float(top - s) for s in slot_of)
        ellipsis_y = None if ellipsis_slot is None else float(top - ellipsis_slot)
        layers.append(LayerLayout(size, role, SPACING * i, units, ys, ellipsis_y))
    return layers


def _label(layer: LayerLayout, index: int, n_layers: int) -> str:
    if layer.role == "hidden":
        name = "hidden" if n_layers == 3 else f"hidden {index}"
    else:
        name = layer.role
    unit = "unit" if layer.size == 1 else "units"
    if layer.role == "input":
        unit = "input" if layer.size == 1 else "inputs"
    return f"{name}\n{layer.size} {unit}"


def draw_network(layer_sizes: Sequence[int], ax=None, labels: Sequence[str] | None = None,
                 title: str | None = None, max_units: int = MAX_UNITS):
    """Draw an MLP with ``layer_sizes`` (input first) as circles and arrows; return the axes.

    ``labels`` replaces the text under each layer (default: "input / hidden / output" and
    the layer's size). Layers wider than ``max_units`` are truncated with an ellipsis.
    Without ``ax`` a new pyplot figure is made (shown inline at the end of the cell).
    """
    layers = layout(layer_sizes, max_units)
    if labels is not None and len(labels) != len(layers):
        raise ValueError(f"give one label per layer ({len(layers)}), got {len(labels)}")
    if ax is None:
        import matplotlib.pyplot as plt

        height = max(len(layer.ys) + (layer.ellipsis_y is not None) for layer in layers)
        _, ax = plt.subplots(figsize=(0.9 * SPACING * len(layers), 0.4 * height + 1.0),
                             layout="constrained")
    for left, right in zip(layers[:-1], layers[1:], strict=True):
        for y0 in left.ys:
            for y1 in right.ys:
                # from circle edge to circle edge (the axes have an equal aspect)
                step = np.array([right.x - left.x, y1 - y0])
                step *= RADIUS / np.hypot(*step)
                ax.add_patch(FancyArrowPatch(
                    (left.x + step[0], y0 + step[1]), (right.x - step[0], y1 - step[1]),
                    arrowstyle="-|>", mutation_scale=7, shrinkA=0, shrinkB=0, color="0.55",
                    lw=0.6, zorder=1))
    low = min(min(layer.ys) for layer in layers)
    high = max(max(layer.ys) for layer in layers)
    for index, layer in enumerate(layers):
        for unit_y in layer.ys:
            ax.add_patch(Circle((layer.x, unit_y), RADIUS, facecolor=COLORS[layer.role],
                                edgecolor="0.2", lw=1.0, zorder=2))
        if layer.ellipsis_y is not None:
            ax.text(layer.x, layer.ellipsis_y, "⋮", ha="center", va="center", fontsize=14,
                    zorder=3)
        text = labels[index] if labels is not None else _label(layer, index, len(layers))
        ax.text(layer.x, low - 0.55, text, ha="center", va="top", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    ax.set_xlim(-0.5 * SPACING, layers[-1].x + 0.5 * SPACING)
    ax.set_ylim(low - 1.5, high + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def count_parameters(layer_sizes: Sequence[int]) -> int:
    """Weights and biases of a dense MLP with these layer sizes."""
    sizes = _sizes(layer_sizes)
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
