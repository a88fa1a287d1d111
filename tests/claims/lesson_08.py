"""Lesson 08's claims: what its cells and its capacity/L2/dropout control show."""

from __future__ import annotations

import inspect
import time

import numpy as np

from claims import claim, lesson_namespace
from nncourse.widgets import generalization

LESSON = "08_generalization"


def ns() -> dict:
    return lesson_namespace(LESSON)


def default(name: str):
    return inspect.signature(generalization.regularization_explorer).parameters[name].default


def position(hidden_units=None, l2=None, dropout=None) -> dict:
    """The control's state at its defaults, except what is given."""
    return generalization.generalization_state(
        default("hidden_units") if hidden_units is None else hidden_units,
        default("l2") if l2 is None else l2,
        default("dropout") if dropout is None else dropout)


def gap(state) -> float:
    return float(state["val_loss"][-1] - state["loss"][-1])


@claim(LESSON, "data-intro", "4000 messages, 14 features, 25% spam")
def data_shape():
    spam = ns()["spam"]
    assert spam.X.shape == (4000, 14) and abs(spam.y.mean() - 0.25) < 0.005


@claim(LESSON, "metrics-intro", "With 25% spam it is right 75% of the time")
def always_ham_accuracy():
    names = ns()
    y_val = names["y_val"]
    assert abs(np.mean(y_val == 0) - 0.75) < 0.005
    # ...and catches no spam at all: recall 0
    assert names["precision_recall_f1"](y_val, np.zeros_like(y_val))[1] == 0.0


@claim(LESSON, "split-intro", "Split the spam table 60/20/20")
def split_is_stratified():
    names = ns()
    sizes = [len(names[k]) for k in ("y_train", "y_val", "y_test")]
    assert sizes == [2400, 800, 800]
    assert all(abs(names[k].mean() - 0.25) < 0.002 for k in ("y_train", "y_val", "y_test"))


@claim(LESSON, "baseline-note", "Logistic regression catches about three quarters of the spam "
       "(recall 0.76), and about one in six messages it flags is ham (precision 0.84)")
def baseline_precision_recall():
    names = ns()
    precision, recall, _ = names["precision_recall_f1"](
        names["y_val"], names["baseline"].predict(names["X_val"]))
    assert round(recall, 2) == 0.76 or abs(recall - 0.76) < 0.006
    assert round(precision, 2) == 0.84
    assert 1 / 7 < 1 - precision < 1 / 5.5  # about one in six flagged messages is ham


@claim(LESSON, "fitting-intro", "adds exactly `lam * sum(W**2)` of its kernel")
def keras_l2_is_lam_sum_w2():
    from nncourse.keras_env import keras

    W = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    value = float(keras.ops.convert_to_numpy(keras.regularizers.L2(0.01)(W)))
    assert np.isclose(value, 0.01 * float((W.astype(float) ** 2).sum()), rtol=1e-5)


@claim(LESSON, "widget-intro", "A position takes a second or less the first time and is cached "
       "after that.")
def a_position_is_quick_and_cached():
    start = time.perf_counter()
    first = generalization.generalization_state(32, 3e-4, 0.1)
    seconds = time.perf_counter() - start
    assert seconds < 1.5, seconds  # a second or less, with room for a busy machine
    assert generalization.generalization_state(32, 3e-4, 0.1)["val_loss"] is first["val_loss"]


@claim(LESSON, "widget-intro", "the green line and dot mark the epoch with the lowest "
       "validation loss")
def green_line_and_dot_are_the_best_epoch():
    panel = generalization.regularization_explorer()
    best = int(np.argmin(panel.state["val_loss"]))
    assert panel.live.best_loss.get_xdata()[0] == best
    x, y = panel.live.best_loss_dot.get_data()
    assert list(x) == [best] and np.isclose(y[0], panel.state["val_loss"][best])


@claim(LESSON, "widget-intro", "64 units, no regularization (the starting position): the training "
       "loss goes to 0, the validation loss turns up after about a dozen epochs: overfitting")
def wide_network_overfits():
    assert (default("hidden_units"), default("l2"), default("dropout")) == (64, 0.0, 0.0)
    state = position()
    assert state["loss"][-1] < 0.01
    assert 8 <= state["best"] <= 18
    assert state["val_loss"][-1] > state["val_loss"][state["best"]] + 0.2


@claim(LESSON, "widget-intro", "1 or 2 hidden units: too little capacity to memorise: the "
       "training loss stays above 0.2, close to the validation loss. Yet the validation loss "
       "ends within 0.02 of the best that 64 units reach")
def tiny_networks_cannot_memorise_but_validate_as_well():
    wide = position()
    for units in (1, 2):
        state = position(hidden_units=units)
        assert state["loss"].min() > 0.2
        assert gap(state) < 0.15 and gap(state) < gap(wide) / 5
        assert abs(state["val_loss"][-1] - wide["val_loss"].min()) < 0.02


@claim(LESSON, "widget-intro", "With 1 unit the run looks unfinished: the network says \"ham\" "
       "to every message (training accuracy 0.74) until epoch 88, and both losses are still "
       "falling at epoch 149, its best epoch. With so little capacity it learns slowly, but more "
       "epochs would not let it memorise: trained for 1000 epochs, its training loss levels off "
       "at 0.24")
def one_unit_learns_slowly_but_cannot_memorise():
    state = position(hidden_units=1)
    X, y, X_val, y_val = generalization._spam_subset()
    acc, val_acc = state["accuracy"], state["val_accuracy"]
    # all "ham": the accuracy on both sets is exactly the share of ham, for epochs 0-87
    assert np.all(acc[:88] == 1 - y.mean()) and round(float(acc[0]), 2) == 0.74
    assert np.all(val_acc[:88] == 1 - y_val.mean())
    assert acc[88] != acc[87]
    last = generalization.EPOCHS - 1
    assert last == 149 and state["best"] == last
    for name in ("loss", "val_loss"):  # still falling, and not slowly
        assert state[name][last] < state[name][last - 1]
        assert state[name][last - 10] - state[name][last] > 0.015
    longer = generalization.train_curves(1, default("l2"), default("dropout"), epochs=1000)
    assert longer["loss"].min() > 0.2 and round(float(longer["loss"][-1]), 2) == 0.24
    assert np.ptp(longer["loss"][500:]) < 0.005  # levelled off
    assert np.allclose(longer["loss"][:150], state["loss"])  # the same run, continued


@claim(LESSON, "widget-intro", "64 units with L2 0.003, or dropout 0.5: the gap shrinks and the "
       "best epoch comes later.")
def l2_and_dropout_shrink_the_gap():
    wide = position()
    last = len(wide["loss"]) - 1
    for state in (position(l2=0.003), position(dropout=0.5)):
        assert gap(state) < gap(wide)
        assert wide["best"] < state["best"] < last  # later, and inside the plot


@claim(LESSON, "widget-intro", "With L2 0.01 the validation loss flattens out near 0.33 after "
       "about 15 epochs and then only drifts: 0.331 at epoch 15, 0.327 at epoch 149, the last. "
       "So the best epoch is the last one, at the plot's right edge, but every epoch from 15 on "
       "is within 0.01 of it: here the exact best epoch hardly matters.")
def strong_l2_flattens_and_its_best_epoch_is_the_last():
    state = position(l2=0.01)
    val = state["val_loss"]
    assert len(val) == generalization.EPOCHS == 150
    assert val[0] - val[15] > 0.2 and np.ptp(val[15:]) < 0.01  # falls, then flattens out
    assert np.all(np.abs(val[15:] - 0.33) < 0.005)  # near 0.33
    assert round(val[15], 3) == 0.331 and round(val[149], 3) == 0.327
    assert state["best"] == 149  # the last epoch
    assert np.all(val[15:] - val[149] < 0.01)
    # at the right edge, yet inside the axes (tests/test_keras_lessons.py checks the pixels)
    xmax = generalization.regularization_explorer(l2=0.01).live.axes[0].get_xlim()[1]
    assert 149 < xmax <= 149 + 0.05 * 150


@claim(LESSON, "ex-build", "Keras switches dropout on in `fit` and off in `predict` and "
       "`evaluate`.")
def dropout_off_in_predict():
    names = ns()
    model = names["build_regularized_classifier"](14, 16, 0.0, 0.5)
    X = names["X_val"][:50]
    assert np.allclose(model.predict(X, verbose=0), model.predict(X, verbose=0))
    from nncourse.keras_env import keras

    training = keras.ops.convert_to_numpy(model(X, training=True))
    assert not np.allclose(training, model.predict(X, verbose=0))


@claim(LESSON, "network-intro", "trains for at most 15 epochs (few, to keep this notebook "
       "quick), stops after 3 epochs without a better validation loss, and keeps the best "
       "epoch")
def early_stopping_keeps_the_best_epoch():
    names = ns()
    history, best = names["small_history"], names["best"]
    epochs = len(history["loss"])
    assert epochs <= 15 and (epochs == 15 or best == epochs - 1 - 3)
    restored = names["validation_scores"](names["small"])["val cross-entropy"]
    assert abs(restored - history["val_loss"][best]) < 1e-3  # l2=0: val_loss is the cross-entropy


@claim(LESSON, "one-change-intro", "A change is adopted only if it lowers the mean by more than "
       "the spread of both settings")
def winner_only_beyond_the_spread():
    names = ns()
    ce = names["cross_entropies"]
    assert all(len(v) == 3 for v in ce.values())
    for name, values in ce.items():
        if name == "16 units":
            continue
        margin = ce["16 units"].mean() - values.mean()
        assert (name in names["better"]) == (margin > max(np.ptp(values), np.ptp(ce["16 units"])))
    assert names["chosen"] in (names["better"] or ["16 units"])


@claim(LESSON, "one-change-note", "Here no change is clearly better: 64 units does worse on "
       "average, and dropout 0.2 lowers the mean by less than the spread between seeds. So we "
       "keep 16 units, the simplest.")
def no_clear_winner():
    names = ns()
    ce = names["cross_entropies"]
    base = ce["16 units"]
    assert ce["64 units"].mean() > base.mean()
    dropout = ce["16 units + dropout 0.2"]
    assert 0 < base.mean() - dropout.mean() < max(np.ptp(base), np.ptp(dropout))
    assert names["better"] == [] and names["chosen"] == "16 units"


@claim(LESSON, "test-note", "The network beats the baseline")
def network_beats_baseline_on_test():
    names = ns()
    y_test = names["y_test"]
    net = (names["final"].predict(names["X_test"], verbose=0)[:, 0] >= 0.5).astype(int)
    base = names["baseline"].predict(names["X_test"])
    f = names["precision_recall_f1"]
    assert np.mean(net == y_test) > np.mean(base == y_test)
    assert f(y_test, net)[2] > f(y_test, base)[2]
