"""Lesson 09: depth, activation, initialisation and batch-norm controls plotting per-layer
gradient norms and dead ReLU units.

One batch of the "circle" toy set goes forward and backward through a deep MLP (the
numpy forward pass and backprop of lessons 03 and 05, the numbers of the reference
``mlp_forward`` and ``mlp_backward``; the hidden layers' forward pass is computed once and
shared by every depth, and tests compare with the reference): every hidden layer has
``width`` units and the chosen activation, the output is one sigmoid unit, the loss is the
mean binary cross-entropy. With ``batch_norm`` on, every hidden layer's pre-activation is
standardized over the batch before its activation (lesson 09's formula in training mode,
``gamma = 1``, ``beta = 0``, ``eps = BN_EPS``), forward and backward. The plots show
``||dW||`` of each layer and the spread of each layer's activations, on log scales, so
vanishing and exploding gradients are visible at a glance, and the number of **dead** ReLU
units of each hidden layer: units whose pre-activation is <= 0 for every sample of the
batch, so that they output 0 and pass no gradient back.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import ipywidgets as widgets
import numpy as np

from nncourse.live import ControlPanel, LiveFigure
from nncourse.reference.activations import activation as activation_fn
from nncourse.reference.activations import activation_grad
from nncourse.toy import make_toy

ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu")
INITS: tuple[str, ...] = ("normal(0, 0.01)", "xavier", "he", "normal(0, 1)")
MAX_DEPTH = 30
BN_EPS = 1e-5  # the epsilon of lesson 09's batchnorm_forward
_FLOOR, _CEILING = 1e-20, 1e20  # the plot's vertical range; values beyond are pinned to it


def init_std(method: str, n_in: int, n_out: int) -> float:
    """The standard deviation of a layer's normal weights for an ``INITS`` method."""
    if method == "normal(0, 0.01)":
        return 0.01
    if method == "xavier":
        return float(np.sqrt(2.0 / (n_in + n_out)))
    if method == "he":
        return float(np.sqrt(2.0 / n_in))
    if method == "normal(0, 1)":
        return 1.0
    raise ValueError(f"init should be one of {INITS}, got {method!r}")


def deep_params(depth: int, width: int, init: str, n_in: int = 2,
                seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``depth`` hidden layers of ``width`` units and one output unit, biases zero."""
    if isinstance(depth, bool) or not isinstance(depth, int | np.integer) or depth < 1:
        raise ValueError(f"depth should be an integer >= 1, got {depth!r}")
    if isinstance(width, bool) or not isinstance(width, int | np.integer) or width < 1:
        raise ValueError(f"width should be an integer >= 1, got {width!r}")
    rng = np.random.default_rng(seed)
    sizes = [n_in] + [int(width)] * int(depth) + [1]
    return [(rng.normal(0.0, init_std(init, a, b), size=(a, b)), np.zeros(b))
            for a, b in zip(sizes[:-1], sizes[1:], strict=True)]


@lru_cache(maxsize=1)
def _batch() -> tuple[np.ndarray, np.ndarray]:
    return make_toy("circle", n=256, noise=0.1, seed=0)


def _verdict(norms: np.ndarray) -> str:
    """A one-line diagnosis of per-layer gradient norms (first layer first).

    Overflow, then *exploding* (some norm above 1e3), then *vanishing everywhere* (every
    norm below 1e-5); otherwise the ratio first / last: *growing* above 1e2, *vanishing*
    below 1e-2, *healthy* in between. Lesson 09's `widget-intro` cell states these rules.
    """
    if not np.all(np.isfinite(norms)):
        return "overflow: some gradients are not finite numbers"
    first, last, largest = norms[0], norms[-1], np.max(norms)
    ratio = first / last if last > 0 else np.inf
    if largest > 1e3:
        if ratio > 1e2:
            return "exploding: the first layers get huge updates"
        return "exploding: every layer gets huge updates"
    if largest < 1e-5:
        return "vanishing everywhere: every gradient is tiny"
    if ratio > 1e2:
        return "growing: the first layers get much larger updates than the last"
    if ratio < 1e-2:
        return "vanishing: the first layers hardly learn"
    return "healthy: similar gradient sizes in every layer"


def batchnorm_mlp(X, y, params, activation: str) -> tuple[list, dict[str, Any]]:
    """Forward and backward through an MLP with batch norm before every hidden activation.

    Hidden layer l: ``Z = A @ W + b``, ``Z_hat = (Z - mean) / sqrt(var + BN_EPS)`` over the
    batch (``gamma = 1``, ``beta = 0``: the normalization alone), ``A = f(Z_hat)``; the output
    layer is a sigmoid unit without batch norm; loss: mean binary cross-entropy. Returns
    ``(grads, cache)`` like ``mlp_backward`` and ``mlp_forward``; ``cache["Z"]`` holds what
    each activation receives (``Z_hat`` for hidden layers).
    """
    A = np.asarray(X, dtype=float)
    cache: dict[str, Any] = {"A": [A], "Z": [], "inv_std": []}
    for layer, (W, b) in enumerate(params):
        Z = A @ W + b
        if layer < len(params) - 1:
            inv_std = 1.0 / np.sqrt(Z.var(axis=0) + BN_EPS)
            Z = (Z - Z.mean(axis=0)) * inv_std
            cache["inv_std"].append(inv_std)
            A = activation_fn(activation, Z)
        else:
            A = activation_fn("sigmoid", Z)
        cache["Z"].append(Z)
        cache["A"].append(A)
    p = cache["A"][-1]
    dZ = (p - np.reshape(y, p.shape)) / len(p)
    grads = []
    for layer in range(len(params) - 1, -1, -1):
        grads.append((cache["A"][layer].T @ dZ, dZ.sum(axis=0)))
        if layer > 0:
            dZ_hat = (dZ @ params[layer][0].T) * activation_grad(activation, cache["Z"][layer - 1])
            Z_hat = cache["Z"][layer - 1]
            dZ = (dZ_hat - dZ_hat.mean(axis=0)
                  - Z_hat * (dZ_hat * Z_hat).mean(axis=0)) * cache["inv_std"][layer - 1]
    return grads[::-1], cache


def dead_units(cache: dict[str, Any]) -> np.ndarray:
    """Dead ReLU units per hidden layer: pre-activation <= 0 for every sample of the batch."""
    return np.array([int(np.sum(np.all(Z <= 0, axis=0))) for Z in cache["Z"][:-1]])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """The reference ``sigmoid``, bit for bit, in a few whole-array operations."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def _activation_and_grad(activation: str, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``activation(Z)`` and ``activation_grad(Z)`` as the reference computes them, the
    derivative from the activation's output where it can be (``s (1 - s)``, ``1 - t**2``)."""
    if activation == "sigmoid":
        A = _sigmoid(Z)
        return A, A * (1.0 - A)
    if activation == "tanh":
        A = np.tanh(Z)
        return A, 1.0 - A**2
    return activation_fn(activation, Z), activation_grad(activation, Z)


def _network(depth_max: int, width: int, init: str, n_in: int, seed: int
             ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The hidden weights of :func:`deep_params` at ``depth_max`` and, for every depth ``d``
    up to it, the output layer that ``deep_params(d, ...)`` draws.

    ``deep_params`` draws the layers in order from one seeded generator, so the network of
    depth ``d`` is the first ``d`` hidden layers of the deepest one plus the output layer
    drawn right after them (biases are zero, so they are left out).
    """
    rng = np.random.default_rng(seed)
    hidden, outputs, n = [], [], n_in
    for _ in range(depth_max):
        hidden.append(rng.normal(0.0, init_std(init, n, width), size=(n, width)))
        n = width
        before = rng.bit_generator.state
        outputs.append(rng.normal(0.0, init_std(init, width, 1), size=(width, 1)))
        rng.bit_generator.state = before  # the next hidden layer draws from here
    return hidden, outputs


@lru_cache(maxsize=8)  # about 6 MB each
def _trunk(activation: str, init: str, batch_norm: bool, width: int, seed: int,
           depth_max: int) -> dict[str, Any]:
    """The forward pass through the hidden layers of the deepest network, shared by every
    depth: each hidden layer's output ``A``, its activation's derivative, its spread and
    dead units and, with batch norm, ``Z_hat`` and ``1 / std`` for the backward pass."""
    X, _ = _batch()
    hidden, outputs = _network(depth_max, width, init, X.shape[1], seed)
    A = X
    trunk: dict[str, Any] = {"W": hidden, "W_out": outputs, "A": [A], "Z": [], "grad": [],
                             "inv_std": [], "dead": []}
    with np.errstate(all="ignore"):
        for W in hidden:
            Z = A @ W
            if batch_norm:  # as batchnorm_mlp: (Z - mean) / sqrt(var + eps)
                centred = Z - Z.mean(axis=0)
                inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=0) + BN_EPS)
                Z = centred * inv_std
                trunk["inv_std"].append(inv_std)
            A, grad = _activation_and_grad(activation, Z)
            trunk["A"].append(A)
            trunk["grad"].append(grad)
            if activation == "relu":  # no other activation is flat at 0
                trunk["dead"].append(int(np.sum(np.all(Z <= 0, axis=0))))
            if batch_norm:  # its backward pass needs Z_hat
                trunk["Z"].append(Z)
        trunk["act_std"] = np.array([A.std() for A in trunk["A"][1:]])
        trunk["dead"] = np.array(trunk["dead"])
    return trunk


def _gradient_norms(trunk: dict[str, Any], depth: int, y: np.ndarray,
                    batch_norm: bool) -> tuple[np.ndarray, np.ndarray]:
    """``||dW||`` of every layer of the network of ``depth`` hidden layers, and its output.

    The backward pass of ``mlp_backward`` (or ``batchnorm_mlp``) on the shared forward pass.
    """
    A = trunk["A"]
    p = _sigmoid(A[depth] @ trunk["W_out"][depth - 1])
    dZ = (p - np.reshape(y, p.shape)) / len(p)
    norms = [np.linalg.norm(A[depth].T @ dZ)]
    W = trunk["W_out"][depth - 1]
    for layer in range(depth - 1, -1, -1):
        dZ = (dZ @ W.T) * trunk["grad"][layer]
        if batch_norm:
            Z_hat = trunk["Z"][layer]
            dZ = (dZ - dZ.mean(axis=0) - Z_hat * (dZ * Z_hat).mean(axis=0)) \
                * trunk["inv_std"][layer]
        norms.append(np.linalg.norm(A[layer].T @ dZ))
        W = trunk["W"][layer]
    return np.array(norms[::-1]), p


@lru_cache(maxsize=1024)
def _state(depth: int, activation: str, init: str, batch_norm: bool, width: int,
           seed: int) -> dict[str, Any]:
    _, y = _batch()
    trunk = _trunk(activation, init, batch_norm, width, seed, max(depth, MAX_DEPTH))
    with np.errstate(all="ignore"):
        grad_norms, p = _gradient_norms(trunk, depth, y, batch_norm)
        act_std = np.append(trunk["act_std"][:depth], p.std())
        last = grad_norms[-1]
        ratio = float(grad_norms[0] / last) if last > 0 else float("inf")
    state = {"layers": np.arange(1, depth + 2), "grad_norms": grad_norms,
             "act_std": act_std, "ratio": ratio, "verdict": _verdict(grad_norms),
             "dead": trunk["dead"][:depth].copy() if activation == "relu" else None,
             "width": width, "batch_norm": batch_norm,
             "depth": depth, "activation": activation, "init": init}
    for value in state.values():
        if isinstance(value, np.ndarray):
            value.setflags(write=False)
    return state


def gradient_norm_state(depth: int, activation: str, init: str, batch_norm: bool = False,
                        width: int = 32, seed: int = 0) -> dict[str, Any]:
    """Per-layer ``||dW||``, activation spread and dead ReLU units of a deep MLP on one batch.

    Returns ``layers`` (1 .. depth + 1), ``grad_norms`` and ``act_std`` (the standard
    deviation of each layer's output, the last one being the sigmoid output), the
    ``ratio`` first / last gradient norm, a one-line ``verdict``, and ``dead``: the number
    of dead units of each hidden layer (ReLU only; ``None`` for other activations, whose
    units always pass some gradient) out of ``width``.

    The numbers are those of ``mlp_forward`` and ``mlp_backward`` (or :func:`batchnorm_mlp`)
    on ``deep_params(depth, width, init, seed=seed)``; the hidden layers' forward pass is
    shared by every depth and each state is cached, so moving a control recomputes only
    what changed. Arrays in the state are read-only.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation should be one of {ACTIVATIONS}, got {activation!r}")
    for name, value in (("depth", depth), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} should be an integer >= 1, got {value!r}")
    init_std(init, 1, 1)  # a clear error for an unknown init
    return dict(_state(int(depth), activation, init, bool(batch_norm), int(width), int(seed)))


def _pinned(values: np.ndarray) -> np.ndarray:
    """Values clipped into the plot's range (0 and NaN drawn at the floor)."""
    return np.clip(np.nan_to_num(values, nan=_FLOOR, posinf=_CEILING), _FLOOR, _CEILING)


def dead_summary(state: dict[str, Any]) -> str:
    """The readout's sentence about dead ReLU units."""
    dead = state["dead"]
    if dead is None:
        return f"Dead units: none possible ({state['activation']} is never flat at 0)."
    total = int(dead.sum())
    if total == 0:
        return "Dead ReLU units: none (every unit is active for some sample)."
    most = int(dead.max())
    tied = [str(layer) for layer in np.flatnonzero(dead == most) + 1]
    where = (f"layer {tied[0]}" if len(tied) == 1
             else f"layers {', '.join(tied[:-1])} and {tied[-1]}")
    each = " each" if len(tied) > 1 else ""
    return (f"Dead ReLU units: {total} of {state['width'] * state['depth']} "
            f"(most in {where}: {most} of {state['width']}{each}).")


def _draw(live: LiveFigure, state: dict[str, Any]) -> str:
    live.grad_line.set_data(state["layers"], _pinned(state["grad_norms"]))
    live.act_line.set_data(state["layers"], _pinned(state["act_std"]))
    dead = state["dead"]
    hidden = state["layers"][:-1]
    live.dead_line.set_data(hidden, dead if dead is not None else np.zeros(len(hidden)))
    live.dead_line.set_visible(dead is not None)
    norms = state["grad_norms"]
    bn = " + batch norm" if state["batch_norm"] else ""
    return (
        f"<b>{state['activation']}{bn}</b>, init <b>{state['init']}</b>, {state['depth']} hidden "
        f"layers: ||dW|| of layer 1 = {norms[0]:.2e}, of the output layer = {norms[-1]:.2e} "
        f"(ratio {state['ratio']:.2e}). <b>{state['verdict']}</b>. {dead_summary(state)}"
    )


def gradient_norm_explorer(depth: int = 10, activation: str = "sigmoid",
                           init: str = "xavier", batch_norm: bool = False) -> ControlPanel:
    """Depth, activation, init and batch-norm controls redrawing gradient norms in place."""
    live = LiveFigure(1, 3, figsize=(11.0, 3.2))
    state = gradient_norm_state(depth, activation, init, batch_norm)
    width = state["width"]
    grad_ax, act_ax, dead_ax = live.axes
    (live.grad_line,) = grad_ax.plot(state["layers"], _pinned(state["grad_norms"]), "o-",
                                     color="tab:red", ms=4)
    (live.act_line,) = act_ax.plot(state["layers"], _pinned(state["act_std"]), "o-",
                                   color="tab:blue", ms=4)
    for ax, title in ((grad_ax, "gradient norm ||dW|| per layer"),
                      (act_ax, "spread (std) of each layer's output")):
        ax.set(yscale="log", ylim=(_FLOOR, _CEILING), xlim=(0.5, MAX_DEPTH + 1.5),
               xlabel="layer (1 = first hidden, last = output)", title=title)
        ax.grid(alpha=0.3)
    (live.dead_line,) = dead_ax.plot([], [], "s-", color="tab:gray", ms=4)
    dead_ax.set(ylim=(-0.5, width + 0.5), xlim=(0.5, MAX_DEPTH + 0.5),
                xlabel="hidden layer", title=f"dead ReLU units (of {width})")
    dead_ax.grid(alpha=0.3)
    live.animate(live.grad_line, live.act_line, live.dead_line)
    style = {"description_width": "70px"}
    controls = {
        "depth": widgets.IntSlider(value=depth, min=1, max=MAX_DEPTH, description="depth",
                                   continuous_update=True, style=style,
                                   layout=widgets.Layout(width="260px")),
        "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                       description="activation", style=style,
                                       layout=widgets.Layout(width="190px")),
        "init": widgets.Dropdown(options=list(INITS), value=init, description="init",
                                 style=style, layout=widgets.Layout(width="230px")),
        "batch_norm": widgets.ToggleButton(value=batch_norm, description="batch norm",
                                           tooltip="normalize every hidden layer's "
                                                   "pre-activation over the batch",
                                           layout=widgets.Layout(width="110px")),
    }
    return ControlPanel(controls, gradient_norm_state, _draw, live,
                        title="Gradient norms through a deep network")
