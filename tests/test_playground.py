"""The lesson-06 training playground, driven from Python: stepping, fallback, play/pause,
controls; and the reference optimisers it (and lesson 07) rely on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nncourse.reference import forward, optim
from nncourse.reference.backprop import mlp_backward
from nncourse.widgets.playground import (
    DEFAULTS,
    INIT_METHODS,
    GuardedFunctions,
    PlaygroundModel,
    layer_sizes,
    own_functions,
    playground,
    toy_split,
)

SMALL = {"n_train": 60, "n_test": 40, "units": 4, "hidden_layers": 1, "dataset": "gauss"}


def small(**kwargs):
    return playground(**{**SMALL, **kwargs})


# ------------------------------------------------------------------ stepping and drawing


def test_stepping_changes_boundary_losses_and_image():
    pg = small()
    boundary = pg.model.boundary.copy()
    image, renders = pg.live.image.value, pg.live.renders
    assert pg.model.history["step"] == [0]
    done = pg.step(5)
    assert done == 5 and pg.model.steps == 5
    assert not np.allclose(pg.model.boundary, boundary)
    assert len(pg.model.history["train_loss"]) == 2
    assert pg.model.history["train_loss"][1] != pg.model.history["train_loss"][0]
    assert pg.model.history["test_loss"][1] != pg.model.history["test_loss"][0]
    assert pg.live.renders == renders + 1
    assert pg.live.image.value != image
    x, y = pg.live.train_line.get_data()
    assert list(x) == pg.model.history["epoch"] and list(y) == pg.model.history["train_loss"]
    np.testing.assert_array_equal(pg.live.heatmap.get_array(), pg.model.boundary)
    assert "step 5" in pg.readout.value


def test_training_lowers_the_loss_on_blobs():
    pg = small()
    pg.step(60)
    h = pg.model.history
    assert h["train_loss"][-1] < 0.6 * h["train_loss"][0]
    assert h["test_accuracy"][-1] >= 0.9


def test_redraws_are_blitted_not_full():
    pg = small()
    calls = []
    original = pg.live.invalidate
    pg.live.invalidate = lambda: (calls.append(1), original())
    for _ in range(40):
        pg.step()
    assert len(calls) <= 4, f"{len(calls)} full redraws in 40 frames"


def test_step_and_reset_buttons():
    pg = small()
    pg.step_button.click()
    pg.step_button.click()
    assert pg.model.steps == 2
    pg.reset_button.click()
    assert pg.model.steps == 0 and pg.model.history["step"] == [0]


def test_speed_control_sets_steps_per_tick():
    pg = small()
    pg.speed.value = 5
    pg.step()
    assert pg.model.steps == 5


# ------------------------------------------------------------------ play and pause


def test_play_ticks_step_and_pause_stops_them():
    pg = small()
    pg.drop_late_ticks = False  # ticks here come back to back, not from a timer
    pg.play()
    assert pg.playing
    pg.player.value += 1
    pg.player.value += 1
    assert pg.model.steps == 2
    pg.pause()
    assert not pg.playing
    pg.player.value += 1
    pg.player.value += 1
    assert pg.model.steps == 2
    pg.play()
    pg.player.value = 0  # the Play widget's stop button rewinds: not a step
    assert pg.model.steps == 2
    pg.player.value = 1
    assert pg.model.steps == 3


def test_ticks_queued_behind_a_slow_frame_are_dropped():
    pg = small()
    pg.play()
    pg.player.value += 1  # a frame, then a tick that arrived while it was drawn
    pg.player.value += 1
    assert pg.model.steps == 1
    pg._frame_end -= 1.0  # the next tick comes a timer interval later
    pg.player.value += 1
    assert pg.model.steps == 2


# ------------------------------------------------------------------ learner functions


def _raises(*_args, **_kwargs):
    raise RuntimeError("boom")


def _nan_backward(y, cache, params):
    return [(np.full_like(W, np.nan), np.zeros_like(b)) for W, b in params]


def _nan_forward(X, params, hidden_activation="relu", output_activation="sigmoid"):
    A, cache = forward.mlp_forward(X, params, hidden_activation, output_activation)
    return np.full_like(A, np.nan), cache


def _flat_forward(X, params, hidden_activation="relu", output_activation="sigmoid"):
    A, cache = forward.mlp_forward(X, params, hidden_activation, output_activation)
    return A[:, 0], cache


def _transposed_update(params, grads, lr):
    return [((W - lr * dW).T, b - lr * db) for (W, b), (dW, db) in zip(params, grads, strict=True)]


def _inf_update(params, grads, lr):
    return [(W - np.inf * dW, b) for (W, b), (dW, _db) in zip(params, grads, strict=True)]


def _wrong_init(layer_sizes, method="he", seed=0):
    return [(np.ones((b, a)), np.zeros(b)) for a, b in zip(layer_sizes[:-1], layer_sizes[1:],
                                                          strict=True)]


def _bad_cache_forward(X, params, hidden_activation="relu", output_activation="sigmoid"):
    A, _ = forward.mlp_forward(X, params, hidden_activation, output_activation)
    return A, {}


@pytest.mark.parametrize("name, fn, words", [
    ("init_mlp", _raises, "raised RuntimeError: boom"),
    ("mlp_forward", _raises, "raised RuntimeError: boom"),
    ("mlp_backward", _raises, "raised RuntimeError: boom"),
    ("update", _raises, "raised RuntimeError: boom"),
    ("mlp_forward", _nan_forward, "NaN"),
    ("mlp_backward", _nan_backward, "NaN"),
    ("update", _inf_update, "NaN or infinity"),
    ("init_mlp", _wrong_init, "should have shape (2, 4), got (4, 2)"),
    ("mlp_forward", _flat_forward, "A_out should have shape ("),
    ("mlp_forward", _bad_cache_forward, "cache"),
    ("update", _transposed_update, "should have shape (2, 4), got (4, 2)"),
])
def test_a_failing_learner_function_falls_back_with_a_note(name, fn, words):
    pg = small(**{name: fn})
    pg.step(3)
    assert pg.model.functions.source(name) == "reference (fallback)"
    assert pg.model.steps == 3 and not pg.model.problem, "training goes on"
    assert f"<code>{name}</code> failed" in pg.notes.value
    assert words in pg.notes.value.replace("&#x27;", "'")
    assert "reference (fallback)" in pg.readout.value
    assert np.all(np.isfinite(pg.model.boundary))
    pg.step(40)
    assert pg.model.history["train_loss"][-1] < pg.model.history["train_loss"][0]


def test_not_written_yet_is_said_plainly():
    def stub(*_args, **_kwargs):
        raise NotImplementedError()

    pg = small(update=stub)
    pg.step()
    assert "not written yet" in pg.notes.value


def test_correct_learner_functions_are_kept():
    pg = small(init_mlp=forward.init_mlp, mlp_forward=forward.mlp_forward,
               mlp_backward=mlp_backward, update=optim.sgd_update)
    pg.step(10)
    sources = {n: pg.model.functions.source(n) for n in pg.model.functions.active}
    assert set(sources.values()) == {"yours"}
    assert pg.notes.value == ""
    assert "yours" in pg.readout.value


def test_a_learner_update_that_changes_params_in_place_cannot_corrupt_the_model():
    def in_place(params, grads, lr):
        for (W, _b), (dW, _db) in zip(params, grads, strict=True):
            W -= lr * dW
        return [(W * np.nan, b) for W, b in params]

    pg = small(update=in_place)
    before = [W.copy() for W, _ in pg.model.params]
    pg.step()
    reference_step = pg.model.params
    assert pg.model.functions.source("update") == "reference (fallback)"
    assert all(np.all(np.isfinite(W)) for W, _ in reference_step)
    assert not any(np.array_equal(a, W) for a, (W, _) in zip(before, reference_step, strict=True))


def test_divergence_stops_training_without_blaming_the_learner():
    pg = small(update=optim.sgd_update, activation="relu")
    pg.play()
    pg.model.params = [(W * 1e200, b) for W, b in pg.model.params]
    pg.step()
    assert pg.model.problem
    assert pg.model.functions.source("update") == "yours"
    assert "Training stopped" in pg.notes.value
    assert not pg.playing, "a problem pauses the timer"
    assert pg.step() == 0
    pg.reset()
    assert not pg.model.problem and pg.step() == 1


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="update should be a function"):
        playground(update=42)
    with pytest.raises(ValueError, match="unknown settings"):
        playground(colour="red")
    with pytest.raises(ValueError, match="dataset should be one of"):
        PlaygroundModel(dataset="moon")


# ------------------------------------------------------------------ controls


def test_dataset_and_noise_restart_training_on_new_data():
    pg = small()
    pg.step(3)
    X_before = pg.model.X_train.copy()
    pg.controls["dataset"].value = "xor"
    assert pg.model.steps == 0 and pg.model.history["step"] == [0]
    assert not np.array_equal(pg.model.X_train, X_before)
    for label, points in enumerate(pg.live.points):
        np.testing.assert_array_equal(np.column_stack(points.get_data()),
                                      pg.model.X_train[pg.model.y_train == label])
    X_xor = pg.model.X_train.copy()
    pg.step(2)
    pg.controls["noise"].value = 0.3
    assert pg.model.steps == 0
    assert not np.array_equal(pg.model.X_train, X_xor)


def test_units_and_layers_change_the_network():
    pg = small()
    pg.controls["units"].value = 7
    assert [W.shape for W, _ in pg.model.params] == [(2, 7), (7, 1)]
    pg.controls["hidden_layers"].value = 3
    assert [W.shape for W, _ in pg.model.params] == [(2, 7), (7, 7), (7, 7), (7, 1)]
    pg.step(2)
    assert pg.model.steps == 2


def test_activation_restarts_and_is_used():
    pg = small()
    assert pg.model.settings["activation"] == "relu"
    pg.step(3)
    boundary_relu = pg.model.boundary.copy()
    pg.controls["activation"].value = "tanh"
    assert pg.model.steps == 0
    params = pg.model.params
    grid_p, _ = forward.mlp_forward(pg.model.grid, params, "tanh")
    np.testing.assert_allclose(pg.model.boundary.ravel(), grid_p[:, 0])
    assert not np.allclose(pg.model.boundary, boundary_relu)


def test_learning_rate_applies_from_the_next_step_without_restart():
    pg = small()
    pg.step(2)
    pg.controls["lr"].value = 1e-3
    assert pg.model.steps == 2
    before = [W.copy() for W, _ in pg.model.params]
    pg.step()
    small_move = sum(np.abs(W - b).sum() for (W, _), b in zip(pg.model.params, before,
                                                              strict=True))
    pg.controls["lr"].value = 1.0
    before = [W.copy() for W, _ in pg.model.params]
    pg.step()
    big_move = sum(np.abs(W - b).sum() for (W, _), b in zip(pg.model.params, before,
                                                            strict=True))
    assert big_move > 100 * small_move


def test_batch_size_sets_the_samples_per_step():
    pg = small()
    pg.controls["batch_size"].value = 32
    pg.step()
    assert pg.model.last_batch_size == 32 and pg.model.samples_seen == 32
    pg.step()
    assert pg.model.last_batch_size == 28, "the last batch of the epoch is smaller (60 = 32 + 28)"
    assert pg.model.epoch == pytest.approx(1.0)
    pg.controls["batch_size"].value = 4
    pg.step()
    assert pg.model.last_batch_size == 4 and pg.model.steps == 3


def test_l2_shrinks_weights_by_two_lr_lambda():
    def zero_grads(y, cache, params):
        return [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]

    pg = small(mlp_backward=zero_grads)
    pg.controls["l2"].value = 0.1
    lr = pg.model.settings["lr"]
    before = [(W.copy(), b.copy()) for W, b in pg.model.params]
    pg.step()
    for (W, b), (W0, b0) in zip(pg.model.params, before, strict=True):
        np.testing.assert_allclose(W, W0 * (1 - 2 * lr * 0.1))
        np.testing.assert_allclose(b, b0)
    pg.controls["l2"].value = 0.0
    before = [W.copy() for W, _ in pg.model.params]
    pg.step()
    for (W, _), W0 in zip(pg.model.params, before, strict=True):
        np.testing.assert_allclose(W, W0)


def test_toy_split_and_layer_sizes():
    X_train, y_train, X_test, y_test = toy_split("circle", 0.1, 50, 30, seed=4)
    assert X_train.shape == (50, 2) and X_test.shape == (30, 2)
    assert not np.array_equal(X_train[:30], X_test)
    assert layer_sizes(2, 8) == [2, 8, 8, 1] and layer_sizes(0, 3) == [2, 1]
    with pytest.raises(ValueError):
        layer_sizes(1, 0)


def test_guarded_functions_report_their_source():
    guarded = GuardedFunctions(update=optim.sgd_update)
    assert guarded.source("update") == "yours (not tried yet)"
    assert guarded.source("mlp_forward") == "reference"
    guarded.update([(np.ones((2, 1)), np.zeros(1))], [(np.ones((2, 1)), np.ones(1))], 0.1, [2, 1])
    assert guarded.source("update") == "yours"


def test_the_status_line_says_what_will_run_before_the_first_step():
    def stub(*_args, **_kwargs):
        raise NotImplementedError()

    pg = small(mlp_backward=stub, update=optim.sgd_update)
    assert pg.model.steps == 0
    assert "<code>mlp_backward</code>: reference (fallback)" in pg.readout.value
    assert "<code>update</code>: yours" in pg.readout.value
    assert "not written yet" in pg.notes.value


def test_initialisation_follows_the_activation():
    for activation, method in (("relu", "he"), ("tanh", "xavier"), ("sigmoid", "xavier")):
        pg = small(activation=activation)
        expected = forward.init_mlp(pg.model.sizes, method=method, seed=pg.model.settings["seed"])
        for (W, _), (W_expected, _) in zip(pg.model.params, expected, strict=True):
            np.testing.assert_array_equal(W, W_expected)


# ------------------------------------------------------------------ own_functions


def _notebook(cells):
    def cell(source, **meta):
        return {"cell_type": "code", "source": source, "metadata": {"nbgrader": meta},
                "outputs": [], "execution_count": None}
    return {"cells": [cell(*c[:1], **c[1]) for c in cells], "metadata": {}, "nbformat": 4,
            "nbformat_minor": 5}


def test_own_functions_loads_exercise_cells_only(tmp_path, capsys):
    path = tmp_path / "03_x.ipynb"
    path.write_text(json.dumps(_notebook([
        ("import numpy as np", {"grade_id": "setup", "grade": False, "solution": False}),
        ("def init_mlp(sizes, method='he', seed=0):\n    return 'mine'",
         {"grade_id": "init_mlp", "grade": False, "solution": True}),
        ("raise AssertionError('a test cell')", {"grade_id": "test_init_mlp", "grade": True,
                                                 "solution": False}),
        ("def mlp_forward(X, params):\n    return np.zeros(1)",
         {"grade_id": "mlp_forward", "grade": False, "solution": True}),
    ])))
    found = own_functions(path, "init_mlp", "mlp_forward", "mlp_backward")
    assert sorted(found) == ["init_mlp", "mlp_forward"]
    assert found["init_mlp"]([2, 1]) == "mine"
    assert "does not define mlp_backward" in capsys.readouterr().out
    assert own_functions(tmp_path / "missing.ipynb", "init_mlp") == {}
    assert "using the course's reference init_mlp" in capsys.readouterr().out


# ------------------------------------------------------------------ reference optimisers


def _params(seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(3, 4)), rng.normal(size=4)), (rng.normal(size=(4, 1)),
                                                           rng.normal(size=1))]


def test_reference_updates_leave_inputs_alone_and_follow_the_formulas():
    params, grads = _params(0), _params(1)
    snapshot = [(W.copy(), b.copy()) for W, b in params]
    new = optim.sgd_update(params, grads, 0.1)
    np.testing.assert_allclose(new[0][0], params[0][0] - 0.1 * grads[0][0])
    velocity = optim.zeros_like_params(params)
    p1, v1 = optim.momentum_update(params, grads, velocity, 0.1, beta=0.5)
    p2, v2 = optim.momentum_update(p1, grads, v1, 0.1, beta=0.5)
    np.testing.assert_allclose(v2[1][0], 1.5 * grads[1][0])
    np.testing.assert_allclose(p2[1][0], params[1][0] - 0.1 * 2.5 * grads[1][0])
    a1, state = optim.adam_update(params, grads, {}, 0.01)
    np.testing.assert_allclose(a1[0][0], params[0][0] - 0.01 * np.sign(grads[0][0]), rtol=1e-6)
    a2, state2 = optim.adam_update(a1, grads, state, 0.01)
    assert state["t"] == 1 and state2["t"] == 2
    np.testing.assert_allclose(a2[0][0], params[0][0] - 0.02 * np.sign(grads[0][0]), rtol=1e-6)
    for (W, b), (W0, b0) in zip(params, snapshot, strict=True):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    with pytest.raises(ValueError, match="layer 0"):
        optim.sgd_update(params, [(np.zeros((4, 3)), np.zeros(4)), grads[1]], 0.1)


def test_reference_minibatches_cover_every_sample_once():
    X, y = np.arange(22.0).reshape(11, 2), np.arange(11)
    batches = list(optim.iterate_minibatches(X, y, 4, np.random.default_rng(0)))
    assert [len(b) for _, b in batches] == [4, 4, 3]
    assert sorted(np.concatenate([b for _, b in batches]).tolist()) == list(range(11))
    with pytest.raises(TypeError, match="Generator"):
        list(optim.iterate_minibatches(X, y, 4, 0))


def test_reference_train_mlp_reaches_97_percent_on_the_default_spiral():
    d = DEFAULTS
    X_train, y_train, X_test, y_test = toy_split(d["dataset"], d["noise"], d["n_train"],
                                                 d["n_test"], d["seed"])
    params, history = optim.train_mlp(X_train, y_train, layer_sizes(d["hidden_layers"],
                                                                     d["units"]),
                                      d["lr"], d["epochs"], d["batch_size"], d["seed"],
                                      hidden_activation=d["activation"])
    assert len(history["loss"]) == d["epochs"] == len(history["accuracy"])
    p = forward.mlp_forward(X_test, params, d["activation"])[0][:, 0]
    assert np.mean((p >= 0.5) == y_test) >= 0.97


def test_reference_train_mlp_starts_like_the_playground():
    """He for ReLU, Xavier for tanh and sigmoid: the reference loop and the playground agree."""
    for activation in ("relu", "tanh", "sigmoid"):
        model = PlaygroundModel(activation=activation, hidden_layers=1, units=4)
        params, _ = optim.train_mlp(model.X_train, model.y_train, model.sizes, 0.1, 0, 16,
                                    model.settings["seed"], hidden_activation=activation)
        expected = forward.init_mlp(model.sizes, method=INIT_METHODS[activation],
                                    seed=model.settings["seed"])
        for (W, b), (W_model, b_model), (W_init, _) in zip(params, model.params, expected,
                                                          strict=True):
            np.testing.assert_array_equal(W, W_model)
            np.testing.assert_array_equal(b, b_model)
            np.testing.assert_array_equal(W, W_init)
