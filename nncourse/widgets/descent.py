"""Lesson 06: learning-rate (log scale) and steps sliders draw a descent path on a loss contour.

``descent_state(lr, steps, method, surface, functions)`` runs plain gradient descent,
momentum or Adam on a two-parameter loss surface and returns the path;
``descent_explorer()`` wires it to sliders. The update rules that run are the learner's
``sgd_update``, ``momentum_update`` and ``adam_update`` where given (the two weights are
one layer's ``W`` of shape ``(1, 1)`` and ``b`` of shape ``(1,)``), checked at every step
by the playground's :class:`~nncourse.widgets.playground.Guard`: one that is unwritten,
raises, returns NaN or the wrong shape is replaced by the course's reference, with a
note. The surfaces are small closed-form functions, so every redraw is instant.

A change redraws little (issue 12: at most 16 ms): the explorer keeps each setting's run and
lengthens it as the steps slider asks (a shorter path is a prefix), each surface's contour
background is drawn once, and the steps slider redraws the loss plot's x-axis only. Where
the course's rule runs (no function of the learner's), it steps on the two numbers as
Python floats (:class:`_CourseRule`): the same bits as the reference's one-element arrays,
in an eighth of the time.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ipywidgets as widgets
import numpy as np

from nncourse.live import ControlPanel, KeyedBackgrounds, SteadyAxis
from nncourse.reference import optim as _optim
from nncourse.widgets.glyphs import cache_glyphs
from nncourse.widgets.playground import (
    Guard,
    TrainingProblem,
    check_adam,
    check_momentum,
    check_pairs,
)

METHODS: tuple[str, ...] = ("gradient descent", "momentum", "adam")
RULES: dict[str, str] = {"gradient descent": "sgd_update", "momentum": "momentum_update",
                         "adam": "adam_update"}
"""The exercise function each method runs."""
REFERENCE: dict[str, Callable[..., Any]] = {"sgd_update": _optim.sgd_update,
                                            "momentum_update": _optim.momentum_update,
                                            "adam_update": _optim.adam_update}
_MOMENTUM_BETA: float = inspect.signature(_optim.momentum_update).parameters["beta"].default
_ADAM_CONSTANTS: tuple[float, float, float] = tuple(
    inspect.signature(_optim.adam_update).parameters[name].default
    for name in ("beta1", "beta2", "eps"))
_LIMIT = 1e6  # a path this far out has diverged
_FLOOR = 1e-8  # the loss plot's log axis starts here
_EXTENT = (-3.0, 3.0, -2.0, 2.0)


@dataclass(frozen=True)
class Surface:
    """A loss ``f(w1, w2)``, its gradient, where descent starts, a description, and the
    lowest loss anywhere."""

    loss: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray], np.ndarray]
    start: tuple[float, float]
    about: str
    minimum: float = 0.0


SURFACES: dict[str, Surface] = {
    "round bowl": Surface(
        loss=lambda a, b: 0.5 * (a**2 + 2.0 * b**2),
        grad=lambda p: np.array([p[0], 2.0 * p[1]]),
        start=(-2.5, 1.5),
        about="0.5 (w1² + 2 w2²): plain descent diverges above lr = 1",
    ),
    "narrow valley": Surface(
        loss=lambda a, b: 0.5 * (a**2 + 10.0 * b**2),
        grad=lambda p: np.array([p[0], 10.0 * p[1]]),
        start=(-2.5, 1.5),
        about="0.5 (w1² + 10 w2²): steep across, flat along; diverges above lr = 0.2",
    ),
    "two valleys": Surface(
        loss=lambda a, b: 0.25 * a**4 - a**2 + 0.3 * a + b**2,
        grad=lambda p: np.array([p[0] ** 3 - 2.0 * p[0] + 0.3, 2.0 * p[1]]),
        start=(2.2, 1.5),
        about="w1⁴/4 − w1² + 0.3 w1 + w2²: the left valley is deeper",
        minimum=float(min(0.25 * r**4 - r**2 + 0.3 * r
                          for r in np.roots([1.0, 0.0, -2.0, 0.3]).real)),
    ),
}


_SHAPES = [((1, 1), (1,))]


def _as_params(p: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The point ``(w1, w2)`` as one layer's ``[(W, b)]``: ``W = [[w1]]``, ``b = [w2]``."""
    return [(np.array([[p[0]]]), np.array([p[1]]))]


def _plain_pair(value: Any) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """``[(W, b)]`` when ``value`` plainly is one finite real ``(1, 1)``, ``(1,)`` pair, as
    the playground's checks return it; else ``None``, and the full check says what is wrong.
    A shortcut for the one-point path: every step is checked, and most steps are fine."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        pair = value[0]
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            W, b = pair
            if (isinstance(W, np.ndarray) and isinstance(b, np.ndarray)
                    and W.shape == (1, 1) and b.shape == (1,)
                    and W.dtype.kind in "fiu" and b.dtype.kind in "fiu"
                    and math.isfinite(W[0, 0]) and math.isfinite(b[0])):
                return [(W, b)]
    return None


def _check_sgd(out: Any) -> list:
    return _plain_pair(out) or check_pairs(out, _SHAPES, "new params")


def _check_momentum(out: Any) -> tuple[list, list]:
    if isinstance(out, tuple) and len(out) == 2:
        params, velocity = _plain_pair(out[0]), _plain_pair(out[1])
        if params and velocity:
            return params, velocity
    return check_momentum(out, _SHAPES)


def _check_adam(out: Any) -> tuple[list, dict]:
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], dict):
        state = out[1]
        t = state.get("t")
        if (isinstance(t, int | np.integer) and not isinstance(t, bool) and t >= 1
                and "m" in state and "v" in state):
            params, m, v = (_plain_pair(x) for x in (out[0], state["m"], state["v"]))
            if params and m and v:
                return params, {"t": int(t), "m": m, "v": v}
    return check_adam(out, _SHAPES)


class _CourseRule:
    """The course's reference rule (:data:`REFERENCE`, its default constants) on the two
    weights as Python floats: each operation of its one-element arrays, in the same order,
    so the same bits (``tests/test_widgets_06.py``). A path of 200 Adam steps took 14.5-14.9
    ms through the reference, its arrays and its checks of their pairs; 1.5-1.9 ms this
    way."""

    def __init__(self, rule: str, lr: float):
        self.rule, self.lr = rule, float(lr)
        self.velocity = [0.0, 0.0]  # momentum's v
        self.t, self.m, self.v = 0, [0.0, 0.0], [0.0, 0.0]  # Adam's state

    def __call__(self, w: list[float], g: list[float]) -> list[float]:
        """The weights after one step from ``w`` with the gradient ``g``."""
        lr = self.lr
        if self.rule == "sgd_update":  # p - lr g
            return [w[i] - lr * g[i] for i in (0, 1)]
        if self.rule == "momentum_update":  # v = beta v + g, p - lr v
            self.velocity = [_MOMENTUM_BETA * self.velocity[i] + g[i] for i in (0, 1)]
            return [w[i] - lr * self.velocity[i] for i in (0, 1)]
        beta1, beta2, eps = _ADAM_CONSTANTS
        self.t += 1
        correct_m, correct_v = 1 - beta1**self.t, 1 - beta2**self.t
        out = []
        for i in (0, 1):
            self.m[i] = beta1 * self.m[i] + (1 - beta1) * g[i]
            self.v[i] = beta2 * self.v[i] + (1 - beta2) * g[i] * g[i]
            m_hat, v_hat = self.m[i] / correct_m, self.v[i] / correct_v
            out.append(w[i] - lr * m_hat / (math.sqrt(v_hat) + eps))
        return out


class _Walker:
    """Updates from ``start`` one step at a time with ``method``'s rule, as ``guard`` runs
    it. Call :meth:`step` inside ``np.errstate(over="ignore", invalid="ignore")`` (one
    context for many steps: entering it costs more than a step's arithmetic)."""

    def __init__(self, grad: Callable[[np.ndarray], np.ndarray], start: np.ndarray, lr: float,
                 method: str, guard: Guard):
        self.grad, self.lr, self.guard = grad, lr, guard
        self.rule = RULES[method]
        self.p = start
        self.params = _as_params(start)
        self.velocity = _optim.zeros_like_params(self.params)
        self.state: dict[str, Any] = {}
        # the course's rule, run as the guard would run it (unchecked): on two floats
        course = (self.rule not in guard.own and not guard.check_reference
                  and guard.active[self.rule] is REFERENCE[self.rule])
        self.course = _CourseRule(self.rule, lr) if course else None

    def step(self) -> np.ndarray | None:
        """The point after one more update; ``None`` when it diverged (not finite or beyond
        1e6), and every later call too."""
        if self.p is None:
            return None
        if self.course is not None:
            g = self.grad(self.p)
            w1, w2 = self.course([float(self.p[0]), float(self.p[1])],
                                 [float(g[0]), float(g[1])])
            if not (abs(w1) <= _LIMIT and abs(w2) <= _LIMIT):  # also NaN
                self.p = None
                return None
            self.p = np.array([w1, w2])
            return self.p
        guard, rule, params = self.guard, self.rule, self.params
        grads = _as_params(self.grad(self.p))
        try:
            if rule == "sgd_update":
                params = guard.run(rule, _check_sgd, params, grads, self.lr)
            elif rule == "momentum_update":
                params, self.velocity = guard.run(rule, _check_momentum, params, grads,
                                                  self.velocity, self.lr)
            else:
                params, self.state = guard.run(rule, _check_adam, params, grads, self.state,
                                               self.lr)
        except TrainingProblem:  # the reference overflows too: the path diverged
            self.p = None
            return None
        w1, w2 = float(params[0][0][0, 0]), float(params[0][1][0])
        if not (abs(w1) <= _LIMIT and abs(w2) <= _LIMIT):  # also NaN
            self.p = None
            return None
        self.params, self.p = params, np.array([w1, w2])
        return self.p


def _guard(functions: Mapping[str, Callable | None]) -> Guard:
    """The explorer's guard: the learner's rules checked at every step; the reference's
    results taken as they are (a diverging path shows in its points, checked at every
    step, before its velocity or Adam moments could overflow)."""
    return Guard(REFERENCE, dict(functions), who="The explorer", check_reference=False)


def _check_method(lr: float, method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method should be one of {METHODS}, got {method!r}")
    if not np.isfinite(lr) or lr <= 0:
        raise ValueError(f"lr should be a positive number, got {lr!r}")


def _check_steps(steps: Any) -> None:
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"steps should be an integer >= 0, got {steps!r}")


def descent_path(grad: Callable[[np.ndarray], np.ndarray], start: tuple[float, float],
                 lr: float, steps: int, method: str = "gradient descent",
                 guard: Guard | None = None) -> tuple[np.ndarray, bool]:
    """Points visited by ``steps`` updates from ``start``, shape ``(k, 2)``; and whether
    the path diverged (then it stops early, at the first point beyond 1e6). The update
    rule is ``guard``'s (default: the course's reference), with its defaults for beta,
    beta1, beta2 and eps."""
    _check_method(lr, method)
    _check_steps(steps)
    p = np.array(start, dtype=float)
    if p.shape != (2,):
        raise ValueError(f"start should be two numbers, got {start!r}")
    walker = _Walker(grad, p, lr, method, guard or _guard({}))
    path = [p]
    with np.errstate(over="ignore", invalid="ignore"):
        while len(path) <= steps and (point := walker.step()) is not None:
            path.append(point)
    return np.array(path), len(path) <= steps


class _Run:
    """One descent (surface, lr, method) run step by step, as far as asked so far; any
    shorter path is its prefix, with the notes and source it had at that step."""

    def __init__(self, surface: str, lr: float, method: str,
                 functions: Mapping[str, Callable | None]):
        _check_method(lr, method)
        spec = SURFACES[surface]
        self.rule = RULES[method]
        self.guard = _guard(functions)
        start = np.array(spec.start, dtype=float)
        self.walker = _Walker(spec.grad, start, lr, method, self.guard)
        self.points = [start]
        self.after = [self._notes_and_source()]  # after each step
        self.diverged = False

    def _notes_and_source(self) -> tuple[int, str]:
        return len(self.guard.notes), self.guard.source(self.rule)

    def upto(self, steps: int) -> tuple[np.ndarray, bool, list[str], str]:
        """The path of ``steps`` updates, whether it diverged, the notes, the source."""
        with np.errstate(over="ignore", invalid="ignore"):
            while len(self.points) <= steps and not self.diverged:
                point = self.walker.step()
                if point is None:
                    self.diverged = True
                    self.end = self._notes_and_source()
                else:
                    self.points.append(point)
                    self.after.append(self._notes_and_source())
        diverged = len(self.points) <= steps
        notes, source = self.end if diverged else self.after[steps]
        return np.array(self.points[:steps + 1]), diverged, self.guard.notes[:notes], source


def descent_state(lr: float, steps: int, method: str = "gradient descent",
                  surface: str = "narrow valley",
                  functions: Mapping[str, Callable | None] | None = None,
                  run: _Run | None = None) -> dict[str, Any]:
    """The path of ``method`` with learning rate ``lr`` on ``surface``, and its losses.

    ``functions`` maps ``"sgd_update"``, ``"momentum_update"``, ``"adam_update"`` to the
    learner's functions (missing or ``None``: the reference). ``state["source"]`` says
    whose rule ran (``"yours"``, ``"reference"``, ``"reference (fallback)"``, or
    ``"yours (not tried yet)"`` for 0 steps) and ``state["notes"]`` why one fell back.
    ``run`` (the explorer's) continues an earlier run of the same settings.
    """
    if surface not in SURFACES:
        raise ValueError(f"surface should be one of {sorted(SURFACES)}, got {surface!r}")
    _check_steps(steps)
    spec = SURFACES[surface]
    run = run or _Run(surface, float(lr), method, functions or {})
    path, diverged, notes, source = run.upto(int(steps))
    losses = spec.loss(path[:, 0], path[:, 1])
    return {"path": path, "losses": losses, "gap": np.maximum(losses - spec.minimum, _FLOOR),
            "diverged": diverged, "lr": float(lr),
            "steps": int(steps), "method": method, "surface": surface, "about": spec.about,
            "rule": RULES[method], "source": source, "notes": notes}


def _show_surface(live: KeyedBackgrounds, surface: str) -> None:
    """Show the static contour of ``surface`` on the left axes (each drawn once, then
    shown or hidden), with its own cached background."""
    if surface not in live.contours:
        a = np.linspace(_EXTENT[0], _EXTENT[1], 121)
        b = np.linspace(_EXTENT[2], _EXTENT[3], 81)
        A, B = np.meshgrid(a, b)
        Z = SURFACES[surface].loss(A, B)
        levels = np.quantile(Z, np.linspace(0.0, 1.0, 16) ** 2)
        live.contours[surface] = live.axes[0].contourf(A, B, Z, levels=np.unique(levels),
                                                       cmap="viridis", alpha=0.8)
    for name, contour in live.contours.items():
        contour.set_visible(name == surface)
    live.contour = live.contours[surface]
    live.use(surface)


def _draw(live: KeyedBackgrounds, state: dict[str, Any]) -> str:
    if state["surface"] != live.key:
        _show_surface(live, state["surface"])
    path = np.clip(state["path"], -10.0, 10.0)  # far-out points still show their direction
    live.path.set_data(path[:, 0], path[:, 1])
    live.end.set_data(path[-1:, 0], path[-1:, 1])
    steps = np.arange(len(state["losses"]))
    live.loss_line.set_data(steps, state["gap"])
    if live.axes[1].get_xlim()[1] != max(state["steps"], 1):
        live.axes[1].set_xlim(0, max(state["steps"], 1))
        live.redraw_layers()  # only the loss plot's x-axis: lr moves are blitted
    losses = state["losses"]
    if state["diverged"]:
        verdict = (f"<b style='color:#b00'>diverged after {len(steps) - 1} steps</b>: the "
                   "learning rate is too large, every step overshoots further.")
    elif losses[-1] > losses[0]:
        verdict = (f"<b style='color:#b00'>the loss grew</b> from {losses[0]:.4g} to "
                   f"{losses[-1]:.4g}: the learning rate is too large.")
    else:
        verdict = f"loss after {state['steps']} steps: <b>{losses[-1]:.4g}</b>"
    notes = "".join(f"<div style='background:#fff3cd;padding:4px;margin:2px'>&#9888; {note}"
                    "</div>" for note in state["notes"])
    return (f"{state['method']} (<code>{state['rule']}</code>: {state['source']}), "
            f"lr = {state['lr']:.3g} on the {state['surface']} ({state['about']}). {verdict}"
            f"{notes}")


def descent_explorer(lr: float = 0.05, steps: int = 30, method: str = "gradient descent",
                     surface: str = "narrow valley", sgd_update: Callable | None = None,
                     momentum_update: Callable | None = None,
                     adam_update: Callable | None = None) -> ControlPanel:
    """Sliders for the learning rate (log scale) and the number of steps, a method and a
    surface; the path is drawn on the loss contour, the loss per step beside it. The
    update rules are yours where given (see :func:`descent_state`)."""
    functions = {"sgd_update": sgd_update, "momentum_update": momentum_update,
                 "adam_update": adam_update}
    live = KeyedBackgrounds(1, 2, figsize=(8.0, 3.4))
    cache_glyphs(live.canvas)  # the x-axis' tick labels: each string laid out once
    live.contours = {}
    contour_ax, loss_ax = live.axes
    (live.path,) = contour_ax.plot([], [], "o-", color="white", ms=3, lw=1.2, mec="k", mew=0.5)
    (live.end,) = contour_ax.plot([], [], "*", color="tab:red", ms=12, mec="k")
    contour_ax.set(xlim=_EXTENT[:2], ylim=_EXTENT[2:], xlabel="w1", ylabel="w2",
                   title="loss contour and the path taken")
    (live.loss_line,) = loss_ax.plot([], [], color="tab:blue")
    loss_ax.set(xlabel="step", ylabel="loss − lowest loss", title="loss per step (log scale)",
                yscale="log", ylim=(_FLOOR, 1e4))
    live.animate(live.path, live.end, live.loss_line)
    live.layer(SteadyAxis(loss_ax.xaxis))  # the steps slider redraws this x axis only
    style = {"description_width": "60px"}
    controls = {
        "lr": widgets.FloatLogSlider(value=lr, base=10, min=-3, max=0.5, step=0.05,
                                     description="lr", readout_format=".3g", style=style,
                                     continuous_update=True),
        "steps": widgets.IntSlider(value=steps, min=0, max=200, description="steps",
                                   style=style, continuous_update=True),
        "method": widgets.Dropdown(options=list(METHODS), value=method, description="method",
                                   style=style, layout=widgets.Layout(width="230px")),
        "surface": widgets.Dropdown(options=list(SURFACES), value=surface,
                                    description="surface", style=style,
                                    layout=widgets.Layout(width="230px")),
    }

    @lru_cache(maxsize=64)  # a run per setting, lengthened as the steps slider asks
    def run(surface: str, lr: float, method: str) -> _Run:
        return _Run(surface, lr, method, functions)

    def compute(lr: float, steps: int, method: str, surface: str) -> dict[str, Any]:
        if surface not in SURFACES:
            raise ValueError(f"surface should be one of {sorted(SURFACES)}, got {surface!r}")
        return descent_state(lr, steps, method, surface, run=run(surface, float(lr), method))

    return ControlPanel(controls, compute, _draw, live, title="Gradient descent on a "
                        "loss surface")
