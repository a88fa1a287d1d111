"""Lesson 00's big picture: what a network is, the training loop, a first training run and
the universal-approximation intuition, as static figures computed when the cell runs.

Every figure is a :class:`Picture`: a matplotlib figure (Agg, no pyplot) shown as a PNG,
so it appears whatever the matplotlib backend and survives saving the notebook. The
pieces that compute numbers are pure and tested without a browser:

- :func:`draw_network` — circles and lines for a network with the given layer sizes;
- :data:`LOOP_STEPS`, :func:`draw_training_loop` — forward, loss, backward, update;
- :data:`DEMO`, :func:`demo_run`, :func:`draw_demo`, :func:`demo_playground` — a small
  network learning the circle set in a few hundred steps (lesson 06's playground model);
- :func:`staircase_params`, :func:`approximation_state`, :func:`draw_approximation` — a
  one-hidden-layer net of sigmoid "steps" whose sum follows a curve.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from nncourse.widgets.playground import EXTENT, Playground, PlaygroundModel, layer_sizes, playground


class Picture:
    """A static matplotlib figure shown as a PNG (``_repr_png_``)."""

    def __init__(self, figure: Figure, title: str = ""):
        self.figure = figure
        self.title = title
        FigureCanvasAgg(figure)

    def png(self) -> bytes:
        """The figure as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def __repr__(self) -> str:
        return f"Figure: {self.title}" if self.title else "Figure"


def _figure(width: float, height: float, ncols: int = 1, dpi: int = 80):
    figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    axes = figure.subplots(1, ncols, squeeze=False)[0]
    return figure, list(axes)


# ---------------------------------------------------------------- what a network is


def layer_names(sizes: tuple[int, ...] | list[int]) -> list[str]:
    """``["input layer", "hidden layer 1", ..., "output layer"]`` for ``sizes``."""
    hidden = len(sizes) - 2
    if hidden < 0:
        raise ValueError(f"a network needs an input and an output layer, got sizes {sizes}")
    names = [f"hidden layer {k}" if hidden > 1 else "hidden layer" for k in range(1, hidden + 1)]
    return ["input layer", *names, "output layer"]


_LAYER_GAP = 1.7  # horizontal distance between layers, in neuron spacings


def network_positions(sizes: tuple[int, ...] | list[int]) -> list[np.ndarray]:
    """``(n, 2)`` centres of each layer's circles: layer ``l`` at x = l, centred on y = 0."""
    return [np.column_stack([np.full(n, _LAYER_GAP * layer), np.arange(n) - (n - 1) / 2.0])
            for layer, n in enumerate(sizes)]


def draw_network(*networks: tuple[int, ...], titles: tuple[str, ...] = ()) -> Picture:
    """Each network (a tuple of layer sizes) drawn as circles (neurons) and lines (weights)."""
    figure, axes = _figure(3.6 * len(networks), 3.0, ncols=len(networks))
    colours = {"input layer": "#9ecae1", "output layer": "#fdae6b"}
    for index, (ax, sizes) in enumerate(zip(axes, networks, strict=True)):
        positions = network_positions(sizes)
        weights = [(a, b) for left, right in zip(positions[:-1], positions[1:], strict=True)
                   for a in left for b in right]
        ax.add_collection(LineCollection(weights, colors="0.6", linewidths=0.7, zorder=1))
        tallest = max(sizes)
        for name, points in zip(layer_names(sizes), positions, strict=True):
            for x, y in points:
                ax.add_patch(Circle((x, y), 0.18, facecolor=colours.get(name, "#a1d99b"),
                                    edgecolor="k", zorder=2))
            label = name.replace(" layer", "\nlayer")
            ax.text(points[0, 0], -(tallest - 1) / 2.0 - 0.6, label, ha="center", va="top",
                    fontsize=7)
        ax.set(xlim=(-0.8, _LAYER_GAP * (len(sizes) - 1) + 0.8),
               ylim=(-(tallest - 1) / 2.0 - 1.7, (tallest + 1) / 2.0), aspect="equal")
        ax.axis("off")
        if index < len(titles):
            ax.set_title(titles[index], fontsize=10)
    return Picture(figure, "networks")


# ---------------------------------------------------------------- the training loop

LOOP_STEPS: tuple[tuple[str, str, str], ...] = (
    ("forward", "inputs through the layers:\nthe network's predictions", "lessons 01-03"),
    ("loss", "one number: how wrong\nthe predictions are", "lesson 04"),
    ("backward", "each weight and bias: which way\nand how much it changes the loss",
     "lesson 05"),
    ("update", "move each weight and bias a\nsmall step that lowers the loss", "lesson 06"),
)
"""The four steps of one training step, in order: (name, what it does, where it is taught)."""

# box centres: forward top left, loss top right, backward bottom right, update bottom left
_LOOP_XY = ((0.0, 1.0), (2.6, 1.0), (2.6, 0.0), (0.0, 0.0))


def draw_training_loop(highlight: str | None = None) -> Picture:
    """The loop forward -> loss -> backward -> update -> forward, drawn as four boxes.

    ``highlight`` (a step's name) colours that box, for a lesson that places its piece.
    """
    names = [name for name, _what, _where in LOOP_STEPS]
    if highlight is not None and highlight not in names:
        raise ValueError(f"highlight should be one of {names}, got {highlight!r}")
    figure, (ax,) = _figure(7.6, 3.4)
    width, height = 1.95, 0.66
    for (name, what, where), (x, y) in zip(LOOP_STEPS, _LOOP_XY, strict=True):
        colour = "#fdd49e" if name == highlight else "#deebf7"
        ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                    boxstyle="round,pad=0.04", facecolor=colour,
                                    edgecolor="k", lw=1.5 if name == highlight else 1.0))
        ax.text(x, y + 0.17, name, ha="center", va="center", fontsize=12, weight="bold")
        ax.text(x, y - 0.06, what, ha="center", va="center", fontsize=8)
        ax.text(x, y - 0.26, where, ha="center", va="center", fontsize=7, color="0.35")
    # arrows between consecutive boxes, the last one closing the loop
    ends = [((1.02, 1.0), (1.58, 1.0)), ((2.6, 0.63), (2.6, 0.37)),
            ((1.58, 0.0), (1.02, 0.0)), ((0.0, 0.37), (0.0, 0.63))]
    for start, end in ends:
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, lw=1.5,
                                     color="k"))
    ax.text(1.3, 0.5, "repeat,\nmany times", ha="center", va="center", fontsize=9,
            style="italic")
    ax.annotate("inputs X", xy=(-1.02, 1.0), xytext=(-1.6, 1.0), ha="center", va="center",
                fontsize=9, arrowprops={"arrowstyle": "-|>", "color": "0.3"})
    ax.annotate("targets y", xy=(3.62, 1.0), xytext=(4.2, 1.0), ha="center", va="center",
                fontsize=9, arrowprops={"arrowstyle": "-|>", "color": "0.3"})
    ax.set(xlim=(-2.0, 4.6), ylim=(-0.45, 1.45), aspect="equal")
    ax.axis("off")
    ax.set_title("one training step, repeated", fontsize=10)
    figure.loop_names = names  # for tests: the boxes in the order they are drawn
    return Picture(figure, "the training loop")


# ---------------------------------------------------------------- a first training run

DEMO: dict[str, Any] = {
    "dataset": "circle",
    "hidden_layers": 1,
    "units": 6,
    "activation": "relu",
    "lr": 1.0,
    "batch_size": 32,
    "seed": 0,
}
"""Lesson 00's demo: a 2-6-1 network on the circle set (400 training points, 400 test
points), settings of lesson 06's playground that learn in a few hundred steps."""
DEMO_STEPS = 200
"""Training steps of the static demo figure (each step uses 32 training points)."""
DEMO_EVERY = 10
"""The losses of the static figure are measured every this many steps."""
DEMO_SPEED = 5
"""Steps per tick of the live demo's Play button (a tick is about 50 ms)."""


def demo_sizes() -> tuple[int, ...]:
    """The demo network's layer sizes: inputs, hidden units, output."""
    return tuple(layer_sizes(DEMO["hidden_layers"], DEMO["units"]))


def demo_run(steps: int = DEMO_STEPS, every: int = DEMO_EVERY, **settings: Any) -> dict[str, Any]:
    """Train the demo network ``steps`` steps; the picture before and after, and the losses.

    Returns ``before`` / ``after`` (the predicted probability of class 1 on the plane),
    ``history`` (the model's history: step, train and test loss, test accuracy, measured at
    step 0 and every ``every`` steps), ``X``, ``y`` (the training points), ``steps``.
    """
    model = PlaygroundModel(**{**DEMO, **settings})
    before = model.boundary.copy()
    done = 0
    while done < steps:
        done += model.step(min(every, steps - done))
        if model.problem:
            raise RuntimeError(f"the demo stopped: {model.problem}")
    history = {key: list(values) for key, values in model.history.items()}
    return {"before": before, "after": model.boundary.copy(), "history": history,
            "X": model.X_train, "y": model.y_train, "steps": done, "sizes": model.sizes}


def draw_demo(run: dict[str, Any]) -> Picture:
    """Three panels: the network's answer before training, after it, and the losses.

    The dots are the training points; the titles' percentages count the test points.
    """
    figure, axes = _figure(9.6, 3.1, ncols=3)
    h = run["history"]
    accuracy = h["test_accuracy"]
    titles = (f"before training: {100 * accuracy[0]:.0f}% of test points right",
              f"after {run['steps']} steps: {100 * accuracy[-1]:.0f}% of test points right")
    for ax, key, title in zip(axes[:2], ("before", "after"), titles, strict=True):
        ax.imshow(run[key], origin="lower", cmap="RdBu_r", vmin=-0.6, vmax=1.6,
                  extent=(-EXTENT, EXTENT, -EXTENT, EXTENT), interpolation="nearest")
        for label, colour in ((0, "#2166ac"), (1, "#b2182b")):
            points = run["X"][run["y"] == label]
            ax.plot(*points.T, "o", ms=2.5, mfc=colour, mec="white", mew=0.3)
        ax.set(xticks=[], yticks=[])
        ax.set_title(title, fontsize=9)
    axes[2].plot(h["step"], h["train_loss"], label="training points")
    axes[2].plot(h["step"], h["test_loss"], label="test points")
    axes[2].set(xlabel="training step", ylabel="loss", ylim=(0, None), title="loss")
    axes[2].legend()
    return Picture(figure, "the demo network before and after training")


def demo_playground(**settings: Any) -> Playground:
    """Lesson 06's playground on the demo's settings, stepping :data:`DEMO_SPEED` per tick."""
    board = playground(**{**DEMO, **settings})
    if DEMO_SPEED not in board.speed.options:
        board.speed.options = sorted({*board.speed.options, DEMO_SPEED})
    board.speed.value = DEMO_SPEED
    return board


# ---------------------------------------------------------------- universal approximation

APPROX_RANGE = (0.0, 1.0)
"""The bounded region: x from 0 to 1."""
APPROX_UNITS = (4, 12, 40)
"""Hidden units of the three approximations drawn."""


def target_curve(x: np.ndarray) -> np.ndarray:
    """The curve to approximate: a smooth wave that rises overall."""
    x = np.asarray(x, dtype=float)
    return np.sin(2.0 * np.pi * x) + 1.5 * x


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the sigmoid, without overflow


def staircase_params(n_units: int, steepness: float | None = None):
    """A one-hidden-layer network ``(W1, b1, W2, b2)`` with ``n_units`` sigmoid units whose
    output follows :func:`target_curve` on :data:`APPROX_RANGE`.

    Unit ``k`` is a step up at the middle of the ``k``-th of ``n_units`` equal pieces,
    as tall as the curve rises (or falls) over that piece; the output bias is the curve's
    value at the left end. ``steepness`` (default ``4 * n_units`` per unit of x) sets how
    sharp each step is.
    """
    if int(n_units) < 1:
        raise ValueError(f"need at least one hidden unit, got {n_units}")
    low, high = APPROX_RANGE
    knots = np.linspace(low, high, int(n_units) + 1)
    middles = (knots[:-1] + knots[1:]) / 2.0
    s = 4.0 * n_units / (high - low) if steepness is None else float(steepness)
    W1 = np.full((1, int(n_units)), s)
    b1 = -s * middles
    W2 = np.diff(target_curve(knots)).reshape(-1, 1)
    b2 = np.array([float(target_curve(knots[0]))])
    return W1, b1, W2, b2


def one_hidden_layer(x: np.ndarray, params) -> tuple[np.ndarray, np.ndarray]:
    """``(output (n,), hidden (n, units))`` of the network ``params`` at inputs ``x``."""
    W1, b1, W2, b2 = params
    hidden = _sigmoid(np.asarray(x, dtype=float).reshape(-1, 1) @ W1 + b1)
    return (hidden @ W2 + b2)[:, 0], hidden


def approximation_state(n_units: int, points: int = 401) -> dict[str, Any]:
    """The curve, the network's output, each unit's contribution and the largest gap."""
    x = np.linspace(*APPROX_RANGE, points)
    params = staircase_params(n_units)
    output, hidden = one_hidden_layer(x, params)
    target = target_curve(x)
    return {"x": x, "target": target, "output": output, "parts": hidden * params[2][:, 0],
            "max_error": float(np.max(np.abs(output - target))), "units": int(n_units)}


def bump(x: np.ndarray, left: float = 0.3, right: float = 0.6, steepness: float = 40.0):
    """``(up, down, bump)``: a step up at ``left``, a step up at ``right``, and their
    difference, which is a bump: two hidden units, output weights +1 and -1."""
    x = np.asarray(x, dtype=float)
    up = _sigmoid(steepness * (x - left))
    down = _sigmoid(steepness * (x - right))
    return up, down, up - down


def draw_approximation(units: tuple[int, ...] = APPROX_UNITS) -> Picture:
    """A bump from two steps, then the curve and the network's output for each width."""
    figure, axes = _figure(3.0 * (len(units) + 1), 2.8, ncols=len(units) + 1)
    x = np.linspace(*APPROX_RANGE, 401)
    up, down, hump = bump(x)
    axes[0].plot(x, up, "--", color="0.5", label="step up at 0.3")
    axes[0].plot(x, down, ":", color="0.5", label="step up at 0.6")
    axes[0].plot(x, hump, color="tab:red", lw=2, label="first minus second")
    axes[0].set(title="two units make a bump", xlabel="x", ylim=(-0.1, 1.75))
    axes[0].legend(fontsize=7, loc="upper left")
    for ax, n in zip(axes[1:], units, strict=True):
        state = approximation_state(n)
        ax.plot(state["x"], state["target"], color="k", lw=1, label="curve")
        ax.plot(state["x"], state["output"], color="tab:red", lw=1.5, label="network")
        ax.set(title=f"{n} hidden units: largest gap {state['max_error']:.2f}", xlabel="x")
        ax.title.set_fontsize(9)
        ax.legend(fontsize=7, loc="upper left")
    return Picture(figure, "sums of steps approximating a curve")
