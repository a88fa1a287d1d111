"""Lesson 07's claims: what its cells and its live trainer show, with the lesson's settings."""

from __future__ import annotations

import functools
import inspect

import numpy as np

from claims import ROOT, claim, lesson_namespace
from nncourse.widgets import keras_train

LESSON = "07_keras"


def ns() -> dict:
    return lesson_namespace(LESSON)


def ns_evaluated() -> dict:
    """The names right after the evaluate cell (later test cells reuse `model`, `history`)."""
    return lesson_namespace(LESSON, upto="evaluate")


@functools.cache
def trainer_run(**settings) -> tuple[dict, int]:
    """The live trainer with its defaults except ``settings``: (history, updates made)."""
    names = ns()
    trainer = keras_train.keras_trainer(names["X_train"], names["y_train"], names["X_val"],
                                        names["y_val"])
    for name, value in settings.items():
        trainer.controls[name].value = value
    history = trainer.train()
    return history, int(trainer.model.optimizer.iterations)


def default(name: str):
    return inspect.signature(keras_train.KerasTrainer).parameters[name].default


@claim(LESSON, "data-intro", "a table of 4000 messages described by 14 numbers")
def spam_table_shape():
    assert ns()["spam"].X.shape == (4000, 14)


@claim(LESSON, "data-intro", "keep 3000 messages for **training**")
def split_sizes():
    names = ns()
    assert (len(names["y_train"]), len(names["y_val"]), len(names["y_test"])) == (3000, 500, 500)
    assert abs(names["X_train"].mean(axis=0)).max() < 1e-4  # standardized with training stats
    assert names["X_train"].dtype == np.float32


@claim(LESSON, "params-note", "counts $14 \\cdot 16 + 16 = 240$ parameters in the first layer")
def parameter_counts():
    model = ns_evaluated()["model"]
    assert [layer.count_params() for layer in model.layers] == [240, 17]


@claim(LESSON, "history-intro", "one value per epoch for the training loss and metrics, and the "
       "same with a `val_` prefix for the validation set")
def history_keys():
    history = ns_evaluated()["history"].history
    assert sorted(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(values) == 10 for values in history.values())


@claim(LESSON, "evaluate-intro", "here the probability of spam, shape `(n, 1)`")
def predict_shape():
    p = ns_evaluated()["p"]
    assert p.shape == (5, 1) and ((p >= 0) & (p <= 1)).all()


@claim(LESSON, "devices-note", "`full_float32_matmul()` turns it off")
def tf32_off():
    ns()
    from nncourse.keras_env import backend_name

    if backend_name() == "tensorflow":
        import tensorflow as tf

        assert not tf.config.experimental.tensor_float_32_execution_enabled()


@claim(LESSON, "mixed-intro", "`precision_for_device()` switches it on only where a GPU is "
       "present, for the models built inside the `with` block, and switches it back afterwards")
def mixed_precision_only_on_a_gpu():
    from nncourse.devices import FULL, MIXED, current_precision, has_gpu

    names = ns()
    assert names["policy"] == (MIXED if has_gpu() else FULL)
    assert names["timed"].layers[0].dtype_policy.name == names["policy"]
    assert current_precision() == FULL


@claim(LESSON, "fr-first-epoch-q", "In the timing cell the first epoch took longer than the "
       "others.")
def first_epoch_is_slowest():
    seconds = ns()["seconds"]
    assert len(seconds) == 4 and seconds[0] > max(seconds[1:])


@claim(LESSON, "seed-note", "Seed 0 gives the same accuracy twice; seeds 1 and 2 land within "
       "0.03 of it.")
def same_seed_same_accuracy():
    runs = ns()["runs"]
    assert [seed for seed, _ in runs] == [0, 0, 1, 2]
    assert runs[0][1] == runs[1][1]
    assert all(abs(accuracy - runs[0][1]) < 0.03 for _, accuracy in runs[2:])


@claim(LESSON, "seed-intro", "a different seed gives slightly different ones")
def other_seed_slightly_different():
    runs = ns()["runs"]
    assert any(0 < abs(accuracy - runs[0][1]) < 0.03 for _, accuracy in runs[2:])


@claim(LESSON, "widget-intro", "Every press builds a fresh model with the same seed, so only "
       "your settings change")
def presses_repeat():
    names = ns()
    trainer = keras_train.keras_trainer(names["X_train"][:300], names["y_train"][:300],
                                        names["X_val"], names["y_val"], epochs=2)
    assert trainer.train() == trainer.train()


def trainer_state(**settings) -> dict:
    """The trainer's own readout state after a press with its defaults except ``settings``."""
    history, _ = trainer_run(**settings)
    return keras_train.history_state(history, default("epochs"))


def rises(curve) -> int:
    """How many epochs the curve went up from the epoch before."""
    return int(np.sum(np.diff(curve) > 0))


@functools.cache
def lr_slider_values() -> dict[str, float]:
    """Every value the trainer's lr slider can take, keyed by the readout it shows."""
    names = ns()
    slider = keras_train.keras_trainer(names["X_train"], names["y_train"], names["X_val"],
                                       names["y_val"]).controls["lr"]
    steps = round((slider.max - slider.min) / slider.step)
    values = [slider.base ** (slider.min + k * slider.step) for k in range(steps + 1)]
    return {format(value, slider.readout_format): value for value in values}


def slider_lr(shown: str) -> float:
    """The exact lr the slider trains with when its readout shows ``shown``."""
    values = lr_slider_values()
    assert shown in values, f"the lr slider cannot show {shown}; it shows {sorted(values)}"
    return values[shown]


@claim(LESSON, "widget-intro", "a learning rate of 0.0001, then 0.32 (the slider shows 0.3162)")
def named_learning_rates_are_on_the_slider():
    assert abs(slider_lr("0.3162") - 0.32) < 0.005  # "0.32" rounds what the slider shows
    assert abs(slider_lr("0.0001") - 1e-4) < 1e-12
    assert abs(slider_lr(format(default("lr"), ".4f")) - 0.01) < 1e-12  # the default, 0.01


@claim(LESSON, "widget-intro", "at 0.0001 the loss falls too slowly")
def learning_rate_too_small():
    slow, good = trainer_state(lr=slider_lr("0.0001")), trainer_state()
    assert slow["done"] == default("epochs") and rises(slow["loss"]) == 0  # it does fall...
    # ...too slowly: after all the epochs it is still far above what the default lr reaches
    assert slow["val_loss"][-1] > 2 * np.min(good["val_loss"])
    assert slow["loss"][-1] > 0.5 and slow["val_accuracy"][-1] < 0.8


@claim(LESSON, "widget-intro", "at 0.32 it jumps up and down from epoch to epoch instead of "
       "falling steadily, though it still ends with about the same validation accuracy as 0.01")
def learning_rate_too_large():
    wild, good = trainer_state(lr=slider_lr("0.3162")), trainer_state()
    assert default("lr") == 0.01 and wild["done"] == good["done"] == default("epochs")
    assert rises(good["loss"]) == 0  # the default lr's loss falls every epoch
    assert rises(wild["loss"]) >= 5  # 0.3162's goes up again in several epochs (8 of 19)
    # it does not diverge: it ends below where it started and near the default run
    assert wild["loss"][-1] < wild["loss"][0]
    assert abs(wild["val_accuracy"][-1] - good["val_accuracy"][-1]) <= 0.01  # 0.924 vs 0.932
    assert wild["val_loss"][-1] < good["val_loss"][-1] + 0.1  # 0.205 vs 0.160


@claim(LESSON, "widget-intro", "batch size 8 vs 256 at the same number of epochs: more updates "
       "per epoch vs fewer")
def batch_size_sets_updates_per_epoch():
    names = ns()
    n = len(names["y_train"])
    for batch in (8, 256):
        trainer = keras_train.keras_trainer(names["X_train"], names["y_train"],
                                            names["X_val"], names["y_val"], epochs=2,
                                            batch_size=batch)
        trainer.train()
        assert int(trainer.model.optimizer.iterations) == 2 * -(-n // batch)


@claim(LESSON, "widget-intro", "100 epochs: where does the validation loss stop falling while "
       "the training loss goes on?")
def validation_loss_stops_falling_first():
    history, _ = trainer_run(epochs=100)
    val, train = np.array(history["val_loss"]), np.array(history["loss"])
    best = int(np.argmin(val))
    assert best < 50  # the validation loss bottoms out early...
    assert train[-1] < train[best] - 0.02  # ...while the training loss goes on falling
    assert val[-1] > val[best]


@claim(LESSON, "timing-note", "The course repository's `benchmarks/keras_epoch.py` times this "
       "model on any machine")
def benchmark_is_in_the_repository():
    script = ROOT / "benchmarks" / "keras_epoch.py"
    assert script.is_file() and "lesson 07's model" in script.read_text()


@claim(LESSON, "halves-note", "The difference is below $10^{-5}$")
def numpy_and_keras_agree():
    names = ns()
    assert np.max(np.abs(names["numpy_p"] - names["keras_p"])) < 1e-5


@claim(LESSON, "summary", "differences smaller than the seed-to-seed spread mean nothing")
def spread_is_measured():
    names = ns()
    assert names["seed_spread"] > 0
