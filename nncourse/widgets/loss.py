"""Lesson 04: how MSE and cross-entropy punish one prediction, and a loss curve over a weight.

``probability_explorer``: a slider for the predicted probability of one sample, comparing
the squared error with the binary cross-entropy and their slopes.
``loss_curve_explorer``: a weight slider walking the loss curve of a one-weight classifier,
next to its accuracy, which is flat almost everywhere (loss vs metric). Each loss's curves
are computed once and its y-axis has its own cached background, so switching the loss is a
blit like moving the weight.
``outlier_explorer``: a slider for two outliers among seven measurements; the constant
with the lowest MSE (the mean) follows them, the one with the lowest MAE (the median) does not.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import ipywidgets as widgets
import numpy as np

from nncourse.live import ControlPanel, KeyedBackgrounds, LiveFigure, slider

_P_GRID = np.linspace(0.001, 0.999, 400)
W_RANGE = (-3.0, 6.0)
_W_GRID = np.linspace(*W_RANGE, 361)
BIAS = 1.0  # the one-weight model is p = sigmoid(w * x + BIAS)
LOSSES = ("cross-entropy", "MSE")
_DROPDOWN = {"layout": widgets.Layout(width="190px"), "style": {"description_width": "60px"}}


def _label(y: Any) -> int:
    if y not in (0, 1):
        raise ValueError(f"the label y should be 0 or 1, got {y!r}")
    return int(y)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow


def probability_state(p: float, y: int = 1) -> dict[str, Any]:
    """Squared error and cross-entropy of predicting ``p`` for label ``y``, with slopes.

    ``d*_dp`` are the slopes with respect to p; ``d*_dz`` with respect to the logit z
    (``p = sigmoid(z)``), which is what a sigmoid output's training actually feels.
    """
    y = _label(y)
    p = float(p)
    if not 0.0 < p < 1.0:
        raise ValueError(f"p should be strictly between 0 and 1, got {p}")
    mse = (y - p) ** 2
    bce = -np.log(p) if y == 1 else -np.log(1.0 - p)
    dmse_dp = 2.0 * (p - y)
    dbce_dp = (p - y) / (p * (1.0 - p))
    return {
        "p": p, "y": y, "grid": _P_GRID,
        "mse_curve": (y - _P_GRID) ** 2,
        "bce_curve": -np.log(_P_GRID) if y == 1 else -np.log(1.0 - _P_GRID),
        "mse": float(mse), "bce": float(bce),
        "dmse_dp": float(dmse_dp), "dbce_dp": float(dbce_dp),
        "dmse_dz": float(dmse_dp * p * (1.0 - p)), "dbce_dz": float(p - y),
    }


def _draw_probability(live: LiveFigure, state: dict[str, Any]) -> str:
    live.mse_line.set_ydata(state["mse_curve"])
    live.bce_line.set_ydata(state["bce_curve"])
    live.mse_dot.set_data([state["p"]], [state["mse"]])
    live.bce_dot.set_data([state["p"]], [min(state["bce"], 7.0)])
    p, y = state["p"], state["y"]
    return (
        f"<p>True label y = {y}, predicted probability p = {p:.3f}.</p>"
        "<table><tr><th></th><th>loss</th><th>slope dL/dp</th><th>slope dL/dz (z = logit)</th>"
        "</tr>"
        f"<tr><td>MSE (y - p)<sup>2</sup></td><td>{state['mse']:.4f}</td>"
        f"<td>{state['dmse_dp']:+.4f}</td><td>{state['dmse_dz']:+.4f}</td></tr>"
        f"<tr><td>cross-entropy</td><td>{state['bce']:.4f}</td>"
        f"<td>{state['dbce_dp']:+.4f}</td><td>{state['dbce_dz']:+.4f}</td></tr></table>"
        "<p>Drag p towards the wrong answer: MSE never exceeds 1 and its slope in z shrinks "
        "to 0, cross-entropy grows without bound and its slope in z stays p - y.</p>"
    )


def probability_explorer(p: float = 0.7, y: int = 1) -> ControlPanel:
    """A predicted-probability slider and a label dropdown; MSE and cross-entropy side by side."""
    live = LiveFigure(figsize=(5.6, 3.4))
    state = probability_state(p, y)
    ax = live.ax
    (live.mse_line,) = ax.plot(_P_GRID, state["mse_curve"], color="tab:blue", label="MSE")
    (live.bce_line,) = ax.plot(_P_GRID, state["bce_curve"], color="tab:red",
                               label="cross-entropy")
    (live.mse_dot,) = ax.plot([p], [state["mse"]], "o", color="tab:blue", ms=8)
    (live.bce_dot,) = ax.plot([p], [state["bce"]], "o", color="tab:red", ms=8)
    ax.set(xlim=(0, 1), ylim=(0, 7), xlabel="predicted probability p of class 1",
           ylabel="loss of one sample", title="loss of one prediction")
    ax.legend(loc="upper center")
    live.animate(live.mse_line, live.bce_line, live.mse_dot, live.bce_dot)
    controls = {
        "p": slider("p", p, 0.01, 0.99, 0.01),
        "y": widgets.Dropdown(options=[("y = 1", 1), ("y = 0", 0)], value=y,
                              description="label", **_DROPDOWN),
    }
    return ControlPanel(controls, probability_state, _draw_probability, live,
                        title="MSE vs cross-entropy for one prediction")


def toy_data(n: int = 40, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """A 1-D, slightly overlapping two-class set: inputs ``x`` (n,) and 0/1 labels (n,)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, n)
    y = (x + rng.normal(0.0, 0.5, n) > -0.4).astype(int)
    return x, y


@lru_cache(maxsize=1)
def _toy() -> tuple[np.ndarray, np.ndarray]:
    """:func:`toy_data` with its defaults, drawn once (read-only)."""
    x, y = toy_data()
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


@lru_cache(maxsize=len(LOSSES))
def _curves(loss: str) -> tuple[np.ndarray, np.ndarray]:
    """The loss and accuracy curves over the weight grid, computed once per loss (read-only)."""
    x, y = _toy()
    curve, _, acc_curve = _losses(_W_GRID, x, y, loss)
    curve.flags.writeable = False
    acc_curve.flags.writeable = False
    return curve, acc_curve


def _losses(w: np.ndarray, x: np.ndarray, y: np.ndarray, loss: str):
    """Loss, slope dL/dw and accuracy of p = sigmoid(w x + BIAS), for each w in ``w``."""
    z = np.multiply.outer(w, x) + BIAS
    p = _sigmoid(z)
    if loss == "cross-entropy":
        q = np.clip(np.where(y == 1, p, 1.0 - p), 1e-12, 1.0)
        value = -np.log(q).mean(axis=-1)
        slope = ((p - y) * x).mean(axis=-1)
    else:
        value = ((p - y) ** 2).mean(axis=-1)
        slope = (2.0 * (p - y) * p * (1.0 - p) * x).mean(axis=-1)
    acc = ((p >= 0.5).astype(int) == y).mean(axis=-1)
    return value, slope, acc


def loss_curve_state(w: float, loss: str = "cross-entropy") -> dict[str, Any]:
    """The loss and accuracy of ``p = sigmoid(w x + 1)`` on :func:`toy_data` at weight ``w``."""
    if loss not in LOSSES:
        raise ValueError(f"loss should be one of {LOSSES}, got {loss!r}")
    w = float(w)
    if not np.isfinite(w):
        raise ValueError(f"w should be a finite number, got {w}")
    x, y = _toy()
    curve, acc_curve = _curves(loss)
    value, slope, acc = (float(v[0]) for v in _losses(np.array([w]), x, y, loss))
    # a segment of the tangent through (w, value), 1.6 long, slid to stay inside the plot
    length = 1.6
    start = min(max(w - length / 2, W_RANGE[0]), W_RANGE[1] - length)
    ends = np.array([start, start + length])
    tangent = (ends, value + slope * (ends - w))
    best = int(np.argmin(curve))
    return {"w": w, "loss": loss, "grid": _W_GRID, "curve": curve, "acc_curve": acc_curve,
            "value": value, "slope": slope, "accuracy": acc, "tangent": tangent,
            "best_w": float(_W_GRID[best]), "best_value": float(curve[best])}


def _show_loss(live: KeyedBackgrounds, loss: str) -> None:
    """The loss plot's y-axis for ``loss`` (its own limits and label), with its cached
    background."""
    if live.key != loss:
        loss_ax, _ = live.axes
        loss_ax.set_ylim(0.0, 1.05 * float(_curves(loss)[0].max()))
        loss_ax.set_ylabel(f"{loss} loss")
        live.use(loss)


def _draw_curve(live: KeyedBackgrounds, state: dict[str, Any]) -> str:
    _show_loss(live, state["loss"])
    live.curve.set_ydata(state["curve"])
    live.loss_dot.set_data([state["w"]], [state["value"]])
    live.tangent.set_data(*state["tangent"])
    live.acc_dot.set_data([state["w"]], [state["accuracy"]])
    direction = "decrease w" if state["slope"] > 0 else "increase w"
    return (
        f"<p>w = {state['w']:.2f}: {state['loss']} loss {state['value']:.4f}, "
        f"slope dL/dw {state['slope']:+.4f} (to lower the loss: {direction}); "
        f"accuracy {state['accuracy']:.3f}.</p>"
        f"<p>Lowest loss on this grid: {state['best_value']:.4f} at w = {state['best_w']:.2f}. "
        "The accuracy only jumps when a point crosses p = 0.5 and is flat in between: its slope "
        "is 0 almost everywhere, so it cannot tell a training step which way to go. The loss "
        "can.</p>"
    )


def loss_curve_explorer(w: float = -1.0, loss: str = "cross-entropy") -> ControlPanel:
    """A weight slider walking the loss curve of ``sigmoid(w x + 1)``, beside its accuracy."""
    live = KeyedBackgrounds(1, 2, figsize=(7.6, 3.2))
    state = loss_curve_state(w, loss)
    loss_ax, acc_ax = live.axes
    (live.curve,) = loss_ax.plot(_W_GRID, state["curve"], color="tab:red")
    (live.tangent,) = loss_ax.plot(*state["tangent"], color="k", lw=1.5, ls="--")
    (live.loss_dot,) = loss_ax.plot([w], [state["value"]], "o", color="k", ms=8)
    loss_ax.set(xlim=W_RANGE, xlabel="weight w", title="loss (smooth: has a slope)")
    acc_ax.step(_W_GRID, state["acc_curve"], where="mid", color="tab:green")
    (live.acc_dot,) = acc_ax.plot([w], [state["accuracy"]], "o", color="k", ms=8)
    acc_ax.set(xlim=W_RANGE, ylim=(0.0, 1.02), xlabel="weight w", ylabel="accuracy",
               title="accuracy (a metric: steps)")
    live.animate(live.curve, live.tangent, live.loss_dot, live.acc_dot)
    # every loss's background drawn now (the first one fixes the layout), so that no
    # change of a control redraws the whole figure
    for shown in (loss, *[other for other in LOSSES if other != loss]):
        _show_loss(live, shown)
        live.render()
    _show_loss(live, loss)
    controls = {
        "w": slider("w", w, W_RANGE[0], W_RANGE[1], 0.05),
        "loss": widgets.Dropdown(options=list(LOSSES), value=loss, description="loss",
                                 **_DROPDOWN),
    }
    return ControlPanel(controls, loss_curve_state, _draw_curve, live,
                        title="Walking a loss curve with one weight")


# seven ordinary measurements and two outliers (their value is the explorer's slider)
TYPICAL = np.array([2.6, 2.9, 3.0, 3.1, 3.3, 3.4, 3.6])
OUTLIER = 20.0  # the outliers' default value
OUTLIER_RANGE = (3.0, 30.0)
_C_GRID = np.round(np.linspace(0.0, OUTLIER_RANGE[1], 3001), 2)  # constants, step 0.01


def outlier_data(outlier: float = OUTLIER) -> np.ndarray:
    """The seven typical measurements followed by two outliers of value ``outlier``."""
    outlier = float(outlier)
    if not np.isfinite(outlier):
        raise ValueError(f"the outliers' value should be a finite number, got {outlier}")
    return np.concatenate([TYPICAL, [outlier, outlier]])


def outlier_state(outlier: float = OUTLIER) -> dict[str, Any]:
    """MSE and MAE of every constant prediction ``c`` on :func:`outlier_data`, and the best c.

    At the MAE's best constant, ``pull_mse`` is each point's share of MSE's slope in ``c``
    (in proportion to its error) and ``pull_mae`` each point's term of MAE's slope,
    ``sign(error) / n``: the same size for every point, 0 for a point exactly at ``c``.
    """
    y = outlier_data(outlier)
    errors = y[None, :] - _C_GRID[:, None]
    mse_curve = (errors**2).mean(axis=1)
    mae_curve = np.abs(errors).mean(axis=1)
    best_mse = float(_C_GRID[np.argmin(mse_curve)])
    best_mae = float(_C_GRID[np.argmin(mae_curve)])
    at = y - best_mae  # each point's error at the MAE's constant
    return {"y": y, "outlier": float(outlier), "grid": _C_GRID, "mse_curve": mse_curve,
            "mae_curve": mae_curve, "best_mse": best_mse, "best_mae": best_mae,
            "mean": float(y.mean()), "median": float(np.median(y)),
            "pull_mse": at / np.abs(at).sum(), "pull_mae": np.sign(at) / y.size}


def _draw_outliers(live: LiveFigure, state: dict[str, Any]) -> str:
    y = state["y"]
    live.points.set_data(np.arange(1, y.size + 1), y)
    live.mse_line.set_ydata([state["best_mse"]] * 2)
    live.mae_line.set_ydata([state["best_mae"]] * 2)
    outliers_share = float(np.abs(state["pull_mse"][-2:]).sum())
    return (
        f"<p>Outliers at {state['outlier']:.1f}. Best constant for MSE: "
        f"<b>{state['best_mse']:.2f}</b> (the mean); for MAE: <b>{state['best_mae']:.2f}</b> "
        f"(the median).</p><p>At c = {state['best_mae']:.2f} the two outliers make "
        f"{100 * outliers_share:.0f}% of the pull in MSE's slope; in MAE's slope every point "
        f"pulls with the same size, 1/{state['y'].size}, however far it is.</p>"
    )


def outlier_explorer(outlier: float = OUTLIER) -> ControlPanel:
    """A slider for the value of two outliers; the best MSE and MAE constants, drawn."""
    live = LiveFigure(figsize=(5.6, 3.2))
    state = outlier_state(outlier)
    ax = live.ax
    n = state["y"].size
    (live.points,) = ax.plot(np.arange(1, n + 1), state["y"], "o", color="k", ms=6,
                             label="measurements")
    (live.mse_line,) = ax.plot([0.5, n + 0.5], [state["best_mse"]] * 2, color="tab:blue",
                               lw=2, label="best constant for MSE")
    (live.mae_line,) = ax.plot([0.5, n + 0.5], [state["best_mae"]] * 2, color="tab:orange",
                               lw=2, ls="--", label="best constant for MAE")
    ax.set(xlim=(0.5, n + 0.5), ylim=(0.0, OUTLIER_RANGE[1] + 1), xlabel="measurement",
           ylabel="value", title="fitting one constant")
    ax.legend(loc="upper left", fontsize=8)
    live.animate(live.points, live.mse_line, live.mae_line)
    controls = {"outlier": slider("outliers", outlier, OUTLIER_RANGE[0], OUTLIER_RANGE[1], 0.5)}
    return ControlPanel(controls, outlier_state, _draw_outliers, live,
                        title="MSE vs MAE with two outliers")
