"""Lesson 07: learning rate, epochs, batch size and hidden units, a Train button and a live
history plot.

Pressing Train fits a model with the chosen number of hidden units, from the same seeded
starting weights every time (so only the controls change), with Adam at the chosen
learning rate; a Keras callback redraws the loss and accuracy curves after every epoch, in
place.

The first press for a number of hidden units builds and compiles the model, and its first
epoch waits while Keras traces the training and validation steps into graphs, several
times as long as one epoch of this small network. Later presses with the default builder
reuse that model and its traced steps: its weights go back to the seeded starting values,
the optimizer's state to zero, and the run is the same as a fresh model's (a test checks
it), without the wait. A learner's own builder gets a fresh model every press.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np

from nncourse.keras_env import keras
from nncourse.live import LiveFigure, StaticPicture

CURVES = ("loss", "val_loss", "accuracy", "val_accuracy")
BATCH_SIZES = (8, 16, 32, 64, 128, 256)
HIDDEN_UNITS = (1, 2, 4, 16, 64, 256)


def history_state(history: Mapping[str, Sequence[float]], epochs: int) -> dict[str, Any]:
    """Curves of a (possibly unfinished) Keras history, on an x-axis of ``epochs`` epochs.

    Returns each curve of :data:`CURVES` as an array (NaN where an epoch has not run yet),
    ``done`` (epochs finished), ``best`` (0-based epoch of the lowest validation loss, or
    None) and the readout ``text``.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
        raise ValueError(f"epochs should be an integer >= 1, got {epochs!r}")
    if not isinstance(history, Mapping):
        raise TypeError(f"history should be a dict of lists, got {type(history).__name__}")
    done = len(history.get("loss", []))
    if done > epochs:
        raise ValueError(f"history has {done} epochs, more than the {epochs} on the axis")
    curves = {}
    for name in CURVES:
        values = np.full(epochs, np.nan)
        found = np.asarray(history.get(name, []), dtype=float)[:epochs]
        values[: len(found)] = found
        curves[name] = values
    val = curves["val_loss"][:done]
    best = int(np.nanargmin(val)) if done and not np.isnan(val).all() else None
    if not done:
        text = "Press <b>Train</b> to fit a fresh model with these settings."
    else:
        last = done - 1
        text = (
            f"epoch {done}/{epochs}: loss {curves['loss'][last]:.3f}, "
            f"val_loss {curves['val_loss'][last]:.3f}, "
            f"accuracy {curves['accuracy'][last]:.3f}, "
            f"val_accuracy {curves['val_accuracy'][last]:.3f}"
        )
        if best is not None:
            text += (f"<br>lowest val_loss {curves['val_loss'][best]:.3f} at epoch {best} "
                     "(0-based)")
    return {**curves, "epochs": epochs, "done": done, "best": best, "text": text}


def _draw(live: LiveFigure, state: Mapping[str, Any]) -> str:
    x = np.arange(state["epochs"])
    for name in CURVES:
        live.lines[name].set_data(x, state[name])
    best = state["best"]
    live.best.set_xdata([best, best] if best is not None else [np.nan, np.nan])
    return state["text"]


def _set_epoch_axis(live: LiveFigure, epochs: int) -> None:
    xlim = (-0.5, max(epochs - 0.5, 1.5))
    if tuple(live.ax.get_xlim()) == xlim:
        return  # the same axis: keep the cached background, no full redraw
    for ax in live.axes:
        ax.set_xlim(*xlim)
    live.invalidate()


def default_builder(n_features: int, hidden_units: int = 16) -> Any:
    """The lesson's network: ``n_features`` -> ``hidden_units`` ReLU -> 1 sigmoid."""
    if isinstance(hidden_units, bool) or not isinstance(hidden_units, int | np.integer) \
            or hidden_units < 1:
        raise ValueError(f"hidden_units should be an integer >= 1, got {hidden_units!r}")
    return keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(int(hidden_units), activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


def steps_per_execution() -> int:
    """Training steps per call into the backend: 32 (the same updates in the same order, a
    third less time per epoch for this small network, where each step's Python overhead
    outweighs its arithmetic), or 1 under PyTorch, whose Keras backend runs one at a time."""
    return 1 if keras.backend.backend() == "torch" else 32


def takes_hidden_units(build: Callable[..., Any]) -> bool:
    """Whether a model builder accepts a second argument, the number of hidden units.

    A builder of one argument (``n_features``) fixes its own architecture: the trainer
    then disables its hidden-units control.
    """
    try:
        parameters = list(inspect.signature(build).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature: call it plainly
        return False
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return True
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2


def build_for(build: Callable[..., Any], n_features: int, hidden_units: int) -> Any:
    """The model one press of Train fits: ``build(n_features, hidden_units)``, or
    ``build(n_features)`` for a builder that fixes its own hidden layers."""
    if takes_hidden_units(build):
        return build(n_features, hidden_units)
    return build(n_features)


def model_text(model: Any) -> str:
    """One readout line: the layers' sizes and the number of weights."""
    sizes = [str(model.input_shape[-1])] + [
        f"{layer.units} {layer.activation.__name__}" for layer in model.layers
        if isinstance(layer, keras.layers.Dense)]
    return f"model: {' → '.join(sizes)}, {model.count_params()} weights"


class LiveHistory(keras.callbacks.Callback):
    """A callback that collects the logs and calls ``on_update(history)`` after each epoch."""

    def __init__(self, on_update: Callable[[dict[str, list[float]]], None]) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.on_update = on_update

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for name, value in (logs or {}).items():
            self.history.setdefault(name, []).append(float(value))
        self.on_update(self.history)


class KerasTrainer(StaticPicture, widgets.VBox):
    """Controls, a Train button, a live loss/accuracy figure and a readout."""

    title = "Keras trainer"

    def __init__(self, X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray,
                 y_val: np.ndarray, build: Callable[[int], Any] | None = None,
                 lr: float = 0.01, epochs: int = 20, batch_size: int = 64, seed: int = 0,
                 hidden_units: int = 16):
        self.data = _check_data(X_train, y_train, X_val, y_val)
        self.build = build or default_builder
        self.seed = seed
        self._models: dict[int, tuple[Any, list[np.ndarray]]] = {}
        self.controls = {
            "lr": widgets.FloatLogSlider(value=lr, base=10, min=-4, max=0, step=0.25,
                                         description="lr", readout_format=".4f",
                                         continuous_update=False),
            "epochs": widgets.IntSlider(value=epochs, min=2, max=100, description="epochs",
                                        continuous_update=False),
            "batch_size": widgets.Dropdown(options=list(BATCH_SIZES), value=batch_size,
                                           description="batch",
                                           layout=widgets.Layout(width="150px")),
            "hidden_units": widgets.Dropdown(options=list(HIDDEN_UNITS), value=hidden_units,
                                             description="hidden",
                                             disabled=not takes_hidden_units(self.build),
                                             layout=widgets.Layout(width="150px")),
        }
        self.button = widgets.Button(description="Train", button_style="primary",
                                     icon="play")
        self.button.on_click(lambda _button: self.train())
        self.live = self._figure(epochs)
        self.readout = widgets.HTML()
        self.history: dict[str, list[float]] = {}
        self.model_line = ""
        self.state = history_state({}, epochs)
        self.readout.value = _draw(self.live, self.state)
        self.live.refresh()
        super().__init__([widgets.HTML("<b>Train a Keras model</b>"),
                          widgets.HBox([*self.controls.values(), self.button]),
                          self.live.image, self.readout])

    @staticmethod
    def _figure(epochs: int) -> LiveFigure:
        live = LiveFigure(1, 2, figsize=(7.5, 3.0))
        loss_ax, acc_ax = live.axes
        live.lines = {}
        for ax, name, label in ((loss_ax, "loss", "train"), (loss_ax, "val_loss", "validation"),
                                (acc_ax, "accuracy", "train"),
                                (acc_ax, "val_accuracy", "validation")):
            style = "-" if name.startswith("val") else "--"
            color = "tab:orange" if name.startswith("val") else "tab:blue"
            (live.lines[name],) = ax.plot([], [], style, color=color, label=label)
        live.best = loss_ax.axvline(np.nan, color="tab:green", lw=1, label="lowest val_loss")
        loss_ax.set(ylim=(0.0, 0.8), xlabel="epoch", title="loss (binary cross-entropy)")
        acc_ax.set(ylim=(0.5, 1.0), xlabel="epoch", title="accuracy")
        loss_ax.legend(loc="upper right", fontsize=8)
        _set_epoch_axis(live, epochs)
        live.animate(*live.lines.values(), live.best)
        return live

    @property
    def values(self) -> dict[str, Any]:
        """The controls' current values by name."""
        return {name: control.value for name, control in self.controls.items()}

    def _show(self, history: dict[str, list[float]]) -> None:
        self.history = {name: list(values) for name, values in history.items()}
        self.state = history_state(self.history, self.values["epochs"])
        text = _draw(self.live, self.state)
        self.readout.value = f"{text}<br>{self.model_line}" if self.model_line else text
        self.live.refresh()

    def _model(self, values: Mapping[str, Any]) -> Any:
        """A compiled model at its seeded starting weights, Adam's state zero, ready to fit.

        With the default builder the model of each number of hidden units is built once and
        reset on later presses, so that Keras' traced steps are reused.
        """
        n_features = self.data[0].shape[1]
        reusable = self.build is default_builder
        key = values["hidden_units"]
        if not reusable or key not in self._models:
            keras.utils.set_random_seed(self.seed)
            model = build_for(self.build, n_features, values["hidden_units"])
            model.compile(optimizer=keras.optimizers.Adam(learning_rate=values["lr"]),
                          loss="binary_crossentropy", metrics=["accuracy"],
                          steps_per_execution=steps_per_execution())
            if not reusable:
                return model
            self._models[key] = (model, model.get_weights())
        model, start = self._models[key]
        model.set_weights(start)
        optimizer = model.optimizer
        if optimizer.built:
            optimizer.set_weights([np.zeros(v.shape, v.dtype) for v in optimizer.variables])
        optimizer.learning_rate = values["lr"]
        keras.utils.set_random_seed(self.seed)  # the same shuffles as a fresh model's
        return model

    def train(self) -> dict[str, list[float]]:
        """Fit the model with the controls' settings from its seeded starting weights;
        returns its history."""
        values = self.values
        X_train, y_train, X_val, y_val = self.data
        self.button.disabled = True
        try:
            _set_epoch_axis(self.live, values["epochs"])
            self.model_line = ""
            self._show({})
            model = self._model(values)
            self.model_line = model_text(model)
            model.fit(X_train, y_train, validation_data=(X_val, y_val),
                      epochs=values["epochs"], batch_size=values["batch_size"], verbose=0,
                      callbacks=[LiveHistory(self._show)])
            self.model = model
        except Exception as exc:  # a live control never dies on one bad setting
            self.readout.value = (f"<span style='color:#b00'>Could not train: "
                                  f"{type(exc).__name__}: {exc}</span>")
        finally:
            self.button.disabled = False
        return self.history


def _check_data(X_train: Any, y_train: Any, X_val: Any, y_val: Any) -> tuple[np.ndarray, ...]:
    arrays = []
    for name, X, y in (("train", X_train, y_train), ("val", X_val, y_val)):
        X = np.asarray(X, dtype="float32")
        y = np.asarray(y, dtype="float32").reshape(-1)
        if X.ndim != 2 or len(X) != len(y) or not len(X):
            raise ValueError(f"X_{name} should be (n, d) with n > 0 and y_{name} (n,), got "
                             f"{X.shape} and {y.shape}")
        arrays += [X, y]
    if arrays[0].shape[1] != arrays[2].shape[1]:
        raise ValueError(f"X_train and X_val should have as many columns, got "
                         f"{arrays[0].shape[1]} and {arrays[2].shape[1]}")
    return tuple(arrays)


def keras_trainer(X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray,
                  y_val: np.ndarray, **kwargs: Any) -> KerasTrainer:
    """Learning-rate, epochs, batch-size and hidden-units controls with a Train button
    (binary labels)."""
    return KerasTrainer(X_train, y_train, X_val, y_val, **kwargs)

