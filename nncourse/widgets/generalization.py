"""Lesson 08: capacity, L2 and dropout sliders redrawing train and validation curves.

Training a Keras model for every slider position takes seconds, too slow for a live
control. Each position instead trains a small numpy network, the maths of lessons 03-06
plus L2 and inverted dropout: one ReLU hidden layer, a sigmoid output, mean binary
cross-entropy plus ``l2 * sum(W**2)`` over both weight matrices (biases excluded, as in
Keras), inverted dropout on the hidden layer while training, full-batch Adam. It learns
from only 200 spam messages (so that overfitting shows within a few dozen epochs) and is
validated on 500 others. The curves are the loss on each set measured without dropout,
after every epoch.

Training one position takes about 0.1 s, too long for a slider that should redraw in a
few milliseconds. The curves of all 343 slider positions were therefore computed in advance
by :func:`train_curves` itself (seeded, so every run gives the same curves), with
``tests/support/generalization_curves.py``, and ship as ``generalization_curves.npz`` next
to this module: losses as float32, accuracies as counts of right answers. A slider move
only looks them up. ``tests/test_keras_lessons.py`` retrains a sample of positions and
compares. Any other position (or a missing or outdated file) is trained on the spot.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np

from nncourse.live import ControlPanel, LiveFigure

HIDDEN_UNITS = (1, 2, 4, 8, 16, 32, 64)
L2_VALUES = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
DROPOUT_RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
EPOCHS = 150
LEARNING_RATE = 0.02
N_TRAIN, N_VAL = 200, 500
X_MARGIN = 5  # epochs of blank space right of the last one
SEED = 0
CURVES_FILE = Path(__file__).with_name("generalization_curves.npz")
_EPS = 1e-7


@lru_cache(maxsize=1)
def _spam_subset(seed: int = 0) -> tuple[np.ndarray, ...]:
    """200 training and 500 validation messages, standardized with the training set."""
    from nncourse.data import load

    spam = load("spam")
    order = np.random.default_rng(seed).permutation(len(spam.y))
    train, val = order[:N_TRAIN], order[N_TRAIN:N_TRAIN + N_VAL]
    mean, spread = spam.X[train].mean(axis=0), spam.X[train].std(axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    X = (spam.X - mean) / spread
    return X[train], spam.y[train].astype(float), X[val], spam.y[val].astype(float)


def _bce(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, _EPS, 1 - _EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _predict(X: np.ndarray, params: list[np.ndarray]) -> np.ndarray:
    W1, b1, W2, b2 = params
    Z = np.maximum(X @ W1 + b1, 0.0) @ W2 + b2
    return 1.0 / (1.0 + np.exp(-np.clip(Z[:, 0], -500, 500)))


def train_curves(hidden_units: int, l2: float, dropout: float, epochs: int = EPOCHS,
                 seed: int = 0, data: tuple[np.ndarray, ...] | None = None
                 ) -> dict[str, np.ndarray]:
    """Train the numpy network described in the module docstring; per-epoch curves.

    Returns ``loss``, ``val_loss``, ``accuracy``, ``val_accuracy`` (arrays of length
    ``epochs``; losses are the cross-entropy without the L2 term, measured without
    dropout). ``data`` is ``(X_train, y_train, X_val, y_val)``, default the spam subset.
    """
    if isinstance(hidden_units, bool) or not isinstance(hidden_units, int | np.integer) \
            or hidden_units < 1:
        raise ValueError(f"hidden_units should be an integer >= 1, got {hidden_units!r}")
    if not 0.0 <= l2 < np.inf:
        raise ValueError(f"l2 should be a number >= 0, got {l2!r}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout should be in [0, 1), got {dropout!r}")
    X, y, X_val, y_val = _spam_subset() if data is None else data
    rng = np.random.default_rng(seed)
    n, d = X.shape
    params = [rng.normal(0.0, np.sqrt(2.0 / d), (d, hidden_units)), np.zeros(hidden_units),
              rng.normal(0.0, np.sqrt(2.0 / hidden_units), (hidden_units, 1)), np.zeros(1)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    curves = {name: np.empty(epochs) for name in ("loss", "val_loss", "accuracy",
                                                   "val_accuracy")}
    for t in range(1, epochs + 1):
        W1, b1, W2, b2 = params
        Z1 = X @ W1 + b1
        A1 = np.maximum(Z1, 0.0)
        mask = (rng.random(A1.shape) >= dropout) / (1.0 - dropout) if dropout else 1.0
        p = 1.0 / (1.0 + np.exp(-np.clip((A1 * mask) @ W2 + b2, -500, 500)))
        dZ2 = (p - y[:, None]) / n
        dZ1 = (dZ2 @ W2.T) * mask * (Z1 > 0)
        grads = [X.T @ dZ1 + 2 * l2 * W1, dZ1.sum(0), (A1 * mask).T @ dZ2 + 2 * l2 * W2,
                 dZ2.sum(0)]
        for i, g in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            m_hat, v_hat = m[i] / (1 - 0.9**t), v[i] / (1 - 0.999**t)
            params[i] = params[i] - LEARNING_RATE * m_hat / (np.sqrt(v_hat) + 1e-8)
        for prefix, features, labels in (("", X, y), ("val_", X_val, y_val)):
            probs = _predict(features, params)
            curves[prefix + "loss"][t - 1] = _bce(probs, labels)
            curves[prefix + "accuracy"][t - 1] = np.mean((probs >= 0.5) == labels)
    return curves


def train_position(hidden_units: int, l2: float, dropout: float) -> dict[str, np.ndarray]:
    """:func:`train_curves` of one slider position, on one thread (tiny matrices: threads
    only add overhead), as the shipped table was made."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return train_curves(hidden_units, l2, dropout, seed=SEED)


def table_settings() -> dict[str, np.ndarray]:
    """What the shipped table was computed for: the grid and the training settings."""
    return {"hidden_units": np.array(HIDDEN_UNITS), "l2": np.array(L2_VALUES),
            "dropout": np.array(DROPOUT_RATES),
            "training": np.array([EPOCHS, LEARNING_RATE, N_TRAIN, N_VAL, SEED])}


@lru_cache(maxsize=1)
def _table() -> dict[str, np.ndarray] | None:
    """The shipped curves, or None when the file is missing or made for other settings."""
    try:
        with np.load(CURVES_FILE) as stored:
            table = {name: stored[name] for name in stored.files}
    except (OSError, ValueError):
        return None
    settings = table_settings()
    if any(name not in table or not np.array_equal(table[name], value)
           for name, value in settings.items()):
        return None
    return table


def _looked_up(hidden_units: int, l2: float, dropout: float) -> dict[str, np.ndarray] | None:
    table = _table()
    if table is None or hidden_units not in HIDDEN_UNITS or l2 not in L2_VALUES \
            or dropout not in DROPOUT_RATES:
        return None
    at = (HIDDEN_UNITS.index(hidden_units), L2_VALUES.index(l2), DROPOUT_RATES.index(dropout))
    return {"loss": table["loss"][at].astype(float),
            "val_loss": table["val_loss"][at].astype(float),
            "accuracy": table["correct"][at] / N_TRAIN,
            "val_accuracy": table["val_correct"][at] / N_VAL}


@lru_cache(maxsize=512)
def _cached_curves(hidden_units: int, l2: float, dropout: float) -> dict[str, np.ndarray]:
    curves = _looked_up(hidden_units, l2, dropout) or train_position(hidden_units, l2, dropout)
    for values in curves.values():
        values.setflags(write=False)
    return curves


def generalization_state(hidden_units: int, l2: float, dropout: float) -> dict[str, Any]:
    """Curves for one slider position (cached), the best epoch and the readout text."""
    curves = _cached_curves(int(hidden_units), float(l2), float(dropout))
    best = int(np.argmin(curves["val_loss"]))
    last = len(curves["loss"]) - 1
    gap = curves["val_loss"][last] - curves["loss"][last]
    text = (
        f"{hidden_units} hidden units, L2 {l2:g}, dropout {dropout:g}: "
        f"after {last + 1} epochs train loss {curves['loss'][last]:.3f}, "
        f"validation loss {curves['val_loss'][last]:.3f} (gap {gap:+.3f}).<br>"
        f"Best epoch (lowest validation loss): {best}, validation loss "
        f"{curves['val_loss'][best]:.3f}, validation accuracy "
        f"{curves['val_accuracy'][best]:.3f}."
    )
    return {**curves, "best": best, "gap": float(gap), "text": text,
            "hidden_units": hidden_units, "l2": l2, "dropout": dropout}


def _draw(live: LiveFigure, state: dict[str, Any]) -> str:
    x = np.arange(len(state["loss"]))
    for name in ("loss", "val_loss", "accuracy", "val_accuracy"):
        live.lines[name].set_data(x, state[name])
    best = state["best"]
    live.best_loss.set_xdata([best] * 2)
    live.best_acc.set_xdata([best] * 2)
    live.best_loss_dot.set_data([best], [state["val_loss"][best]])
    live.best_acc_dot.set_data([best], [state["val_accuracy"][best]])
    return state["text"]


def regularization_explorer(hidden_units: int = 64, l2: float = 0.0,
                            dropout: float = 0.0) -> ControlPanel:
    """Capacity, L2 and dropout sliders over numpy training curves computed in advance."""
    live = LiveFigure(1, 2, figsize=(7.5, 3.0))
    loss_ax, acc_ax = live.axes
    live.lines = {}
    for ax, name, label in ((loss_ax, "loss", "train"), (loss_ax, "val_loss", "validation"),
                            (acc_ax, "accuracy", "train"), (acc_ax, "val_accuracy",
                                                            "validation")):
        style, color = ("-", "tab:orange") if name.startswith("val") else ("--", "tab:blue")
        (live.lines[name],) = ax.plot([], [], style, color=color, label=label)
    # the best epoch: a green line, and a dot on the validation curve
    live.best_loss = loss_ax.axvline(0, color="tab:green", lw=1.5, label="best epoch")
    live.best_acc = acc_ax.axvline(0, color="tab:green", lw=1.5)
    (live.best_loss_dot,) = loss_ax.plot([], [], "o", color="tab:green", ms=5, clip_on=False)
    (live.best_acc_dot,) = acc_ax.plot([], [], "o", color="tab:green", ms=5, clip_on=False)
    # a margin right of the last epoch, so that a best epoch there is not hidden by the frame
    xlim = (0, EPOCHS - 1 + X_MARGIN)
    loss_ax.set(xlim=xlim, ylim=(0.0, 1.0), xlabel="epoch", title="loss (cross-entropy)")
    acc_ax.set(xlim=xlim, ylim=(0.6, 1.0), xlabel="epoch", title="accuracy")
    loss_ax.legend(loc="upper left", fontsize=8)
    live.animate(*live.lines.values(), live.best_loss, live.best_acc, live.best_loss_dot,
                 live.best_acc_dot)
    style = {"description_width": "80px"}
    layout = widgets.Layout(width="270px")
    controls = {
        "hidden_units": widgets.SelectionSlider(options=list(HIDDEN_UNITS), value=hidden_units,
                                                description="hidden units", style=style,
                                                layout=layout),
        "l2": widgets.SelectionSlider(options=[(f"{v:g}", v) for v in L2_VALUES], value=l2,
                                      description="L2", style=style, layout=layout),
        "dropout": widgets.SelectionSlider(options=[(f"{v:g}", v) for v in DROPOUT_RATES],
                                           value=dropout, description="dropout", style=style,
                                           layout=layout),
    }
    return ControlPanel(controls, generalization_state, _draw, live,
                        title="Capacity, L2 and dropout (numpy network, 200 training messages)")
