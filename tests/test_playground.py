"""The lesson-06 training playground, driven from Python: stepping, fallback, play/pause,
controls; and the reference optimisers it (and lesson 07) rely on."""

from __future__ import annotations

import html
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
    penalty_gradients,
    playground,
    toy_split,
    unit_mosaic,
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
    heatmap = pg.live.heatmap
    np.testing.assert_array_equal(heatmap.get_array(), heatmap.to_rgba(pg.model.boundary,
                                                                       bytes=True))
    assert "step 5" in pg.readout.value


def test_the_heatmap_shows_the_pixels_of_the_probabilities():
    pg = small(units=16, n_train=400)
    pg.step(40)
    live = pg.live
    copier = live._animated[0]
    assert copier.image is live.heatmap and copier._map is not None, "pixels are copied"
    coloured = np.asarray(live.canvas.buffer_rgba()).copy()  # coloured in the kernel
    colours = live.heatmap.get_array()
    live.heatmap.set_data(pg.model.boundary)  # matplotlib colours and draws the image
    live.render()
    np.testing.assert_array_equal(np.asarray(live.canvas.buffer_rgba()), coloured)
    live.heatmap.set_data(colours)
    pg.reset()  # a full redraw keeps the copy
    assert copier._map is not None and pg.live._animated[0] is copier


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


def _params_only(params, grads, state, lr):
    return optim.sgd_update(params, grads, lr)


def _nan_velocity(params, grads, velocity, lr):
    new_params, new_velocity = optim.momentum_update(params, grads, velocity, lr)
    return new_params, [(vW * np.nan, vb) for vW, vb in new_velocity]


def _adam_no_t(params, grads, state, lr):
    new_params, new_state = optim.adam_update(params, grads, state, lr)
    return new_params, {"m": new_state["m"], "v": new_state["v"]}


def _adam_t_stuck(params, grads, state, lr):
    new_params, new_state = optim.adam_update(params, grads, state, lr)
    return new_params, {**new_state, "t": 0}


SMALL_LR = DEFAULTS["lr"]


@pytest.mark.parametrize("name, fn, words", [
    ("init_mlp", _raises, "raised RuntimeError: boom"),
    ("mlp_forward", _raises, "raised RuntimeError: boom"),
    ("mlp_backward", _raises, "raised RuntimeError: boom"),
    ("sgd_update", _raises, "raised RuntimeError: boom"),
    ("mlp_forward", _nan_forward, "NaN"),
    ("mlp_backward", _nan_backward, "NaN"),
    ("sgd_update", _inf_update, "NaN or infinity"),
    ("init_mlp", _wrong_init, "should have shape (2, 4), got (4, 2)"),
    ("mlp_forward", _flat_forward, "A_out should have shape ("),
    ("mlp_forward", _bad_cache_forward, "cache"),
    ("sgd_update", _transposed_update, "should have shape (2, 4), got (4, 2)"),
    ("momentum_update", _raises, "raised RuntimeError: boom"),
    ("momentum_update", _params_only, "should return (new_params, new_velocity)"),
    ("momentum_update", _nan_velocity, "new velocity[0] W contains NaN"),
    ("adam_update", _raises, "raised RuntimeError: boom"),
    ("adam_update", _params_only, "should return (new_params, new_state)"),
    ("adam_update", _adam_no_t, 'keys "t", "m" and "v"'),
    ("adam_update", _adam_t_stuck, 'state["t"] should count the steps taken'),
])
def test_a_failing_learner_function_falls_back_with_a_note(name, fn, words):
    optimizer = {"momentum_update": "momentum", "adam_update": "Adam"}.get(name, "SGD")
    pg = small(**{name: fn}, optimizer=optimizer,
               lr=0.01 if optimizer == "Adam" else SMALL_LR)
    pg.step(3)
    assert pg.model.functions.source(name) == "reference (fallback)"
    assert pg.model.steps == 3 and not pg.model.problem, "training goes on"
    assert f"<code>{name}</code> failed" in pg.notes.value
    assert words in html.unescape(pg.notes.value)
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
               mlp_backward=mlp_backward, sgd_update=optim.sgd_update,
               momentum_update=optim.momentum_update, adam_update=optim.adam_update)
    pg.step(10)
    pg.controls["optimizer"].value = "momentum"
    pg.step(10)
    pg.controls["optimizer"].value = "Adam"
    pg.step(10)
    sources = {n: pg.model.functions.source(n) for n in pg.model.functions.active}
    assert set(sources.values()) == {"yours"}
    assert pg.notes.value == ""
    assert "<code>adam_update</code>: yours" in pg.readout.value
    assert "<code>sgd_update</code>" not in pg.readout.value, "the status names the rule in use"


def test_update_is_the_older_name_of_sgd_update():
    pg = small(update=optim.sgd_update)
    assert pg.model.functions.source("sgd_update") == "yours"
    with pytest.raises(ValueError, match="not both"):
        small(update=optim.sgd_update, sgd_update=_raises)


def test_a_learner_update_that_changes_params_in_place_cannot_corrupt_the_model():
    def in_place(params, grads, lr):
        for (W, _b), (dW, _db) in zip(params, grads, strict=True):
            W -= lr * dW
        return [(W * np.nan, b) for W, b in params]

    pg = small(update=in_place)
    before = [W.copy() for W, _ in pg.model.params]
    pg.step()
    reference_step = pg.model.params
    assert pg.model.functions.source("sgd_update") == "reference (fallback)"
    assert all(np.all(np.isfinite(W)) for W, _ in reference_step)
    assert not any(np.array_equal(a, W) for a, (W, _) in zip(before, reference_step, strict=True))


def test_divergence_stops_training_without_blaming_the_learner():
    pg = small(update=optim.sgd_update, activation="relu")
    pg.play()
    pg.model.params = [(W * 1e200, b) for W, b in pg.model.params]
    pg.step()
    assert pg.model.problem
    assert pg.model.functions.source("sgd_update") == "yours"
    assert "Training stopped" in pg.notes.value
    assert not pg.playing, "a problem pauses the timer"
    assert pg.step() == 0
    pg.reset()
    assert not pg.model.problem and pg.step() == 1


def test_bad_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="update should be a function"):
        playground(update=42)
    with pytest.raises(TypeError, match="adam_update should be a function"):
        playground(adam_update=42)
    with pytest.raises(ValueError, match="optimizer should be one of"):
        PlaygroundModel(optimizer="RMSprop")
    with pytest.raises(ValueError, match="regularization should be one of"):
        PlaygroundModel(regularization="L3")
    with pytest.raises(ValueError, match="unknown settings"):
        playground(colour="red")
    with pytest.raises(ValueError, match="dataset should be one of"):
        PlaygroundModel(dataset="moon")


def test_bad_settings_are_named_with_their_range():
    cases = [({"n_train": 1}, ValueError, "n_train should be from 2 to 2000, got 1"),
             ({"n_test": 2001}, ValueError, "n_test should be from 2 to 2000, got 2001"),
             ({"n_train": 2.5}, TypeError, "n_train should be a whole number, got 2.5"),
             ({"units": 33}, ValueError, "units should be from 1 to 32, got 33"),
             ({"hidden_layers": 5}, ValueError, "hidden_layers should be from 0 to 4"),
             ({"hidden_layers": True}, TypeError, "hidden_layers should be a whole number"),
             ({"batch_size": 0}, ValueError, "batch_size should be at least 1, got 0"),
             ({"noise": 0.6}, ValueError, "noise should be from 0 to 0.5, got 0.6"),
             ({"lr": 0.0}, ValueError, "lr should be above 0, got 0.0"),
             ({"lr": float("nan")}, ValueError, "lr should be above 0, got nan"),
             ({"strength": "a lot"}, TypeError, "strength should be a number"),
             ({"activation": "gelu"}, ValueError, "activation should be one of")]
    for settings, error, words in cases:
        with pytest.raises(error, match=words.replace("(", r"\(").replace(".", r"\.")):
            playground(**settings)
    model = PlaygroundModel(**SMALL)
    with pytest.raises(ValueError, match="units should be from 1 to 32"):
        model.configure(units=64)
    assert model.settings["units"] == SMALL["units"], "a bad change is not applied"


def test_the_largest_network_on_a_thousand_points():
    pg = playground(hidden_layers=2, units=32, n_train=1000, n_test=1000, optimizer="Adam",
                    lr=0.01)
    assert pg.controls["units"].max == 32 and pg.controls["hidden_layers"].max == 4
    assert 1000 in pg.controls["batch_size"].options, "full batch can be picked"
    pg.units_view.value = "layer 1"
    assert pg.step(2) == 2 and pg.model.steps == 2 and not pg.model.problem
    assert pg.model.sizes == [2, 32, 32, 1] and len(pg.model.X_train) == 1000
    assert pg.units_live.mosaic.shape == (4 * (25 + 9), 8 * (25 + 3) - 3), "four rows of 8"
    pg.controls["batch_size"].value = 1000
    pg.step(2)  # the rest of this epoch's shuffled order, then a whole epoch
    assert pg.model.last_batch_size == 1000


def test_training_runs_numpy_on_one_blas_thread_and_restores_it():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads() -> int:  # numpy's own BLAS (scipy, loaded by other tests, has its own)
        return max([i["num_threads"] for i in threadpoolctl.threadpool_info()
                    if i["user_api"] == "blas" and "numpy" in i["filepath"]], default=1)

    seen = []

    def counting_forward(X, params, hidden_activation="relu", output_activation="sigmoid"):
        seen.append(blas_threads())
        return forward.mlp_forward(X, params, hidden_activation, output_activation)

    before = blas_threads()
    model = PlaygroundModel(GuardedFunctions(mlp_forward=counting_forward), **SMALL)
    model.step(2)
    assert seen and set(seen) == {1}
    assert blas_threads() == before


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
    np.testing.assert_allclose(pg.model.boundary.ravel(), grid_p[:, 0], rtol=0, atol=1e-6)
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
    pg.controls["strength"].value = 0.1
    pg.controls["regularization"].value = "L2"
    lr = pg.model.settings["lr"]
    before = [(W.copy(), b.copy()) for W, b in pg.model.params]
    pg.step()
    for (W, b), (W0, b0) in zip(pg.model.params, before, strict=True):
        np.testing.assert_allclose(W, W0 * (1 - 2 * lr * 0.1))
        np.testing.assert_allclose(b, b0)
    pg.controls["regularization"].value = "none"
    before = [W.copy() for W, _ in pg.model.params]
    pg.step()
    for (W, _), W0 in zip(pg.model.params, before, strict=True):
        np.testing.assert_allclose(W, W0)
    assert "L2 penalty" not in pg.readout.value


def test_l1_moves_every_weight_by_lr_lambda_towards_zero():
    def zero_grads(y, cache, params):
        return [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]

    pg = small(mlp_backward=zero_grads, regularization="L1", strength=0.01)
    lr = pg.model.settings["lr"]
    before = [(W.copy(), b.copy()) for W, b in pg.model.params]
    pg.step()
    for (W, b), (W0, b0) in zip(pg.model.params, before, strict=True):
        np.testing.assert_allclose(W, W0 - lr * 0.01 * np.sign(W0))
        np.testing.assert_allclose(b, b0)
    assert "L1 penalty (lambda 0.01)" in pg.readout.value


def test_penalty_gradients_follow_the_formulas():
    params = [(np.array([[2.0, -3.0], [0.0, 0.5]]), np.array([1.0, -1.0]))]
    grads = [(np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([0.5, 0.6]))]
    (dW, db), = penalty_gradients(params, grads, "L1", 0.1)
    np.testing.assert_allclose(dW, [[0.2, 0.1], [0.3, 0.5]])
    np.testing.assert_array_equal(db, grads[0][1])
    (dW, db), = penalty_gradients(params, grads, "L2", 0.1)
    np.testing.assert_allclose(dW, [[0.5, -0.4], [0.3, 0.5]])
    assert penalty_gradients(params, grads, "none", 0.1) is grads
    assert penalty_gradients(params, grads, "L1", 0.0) is grads
    with pytest.raises(ValueError, match="regularization"):
        penalty_gradients(params, grads, "l1", 0.1)


def test_the_older_l2_setting_still_works():
    model = PlaygroundModel(l2=0.01, **SMALL)
    assert (model.settings["regularization"], model.settings["strength"]) == ("L2", 0.01)
    assert PlaygroundModel(l2=0.0, **SMALL).settings["regularization"] == "none"


def test_toy_split_and_layer_sizes():
    X_train, y_train, X_test, y_test = toy_split("circle", 0.1, 50, 30, seed=4)
    assert X_train.shape == (50, 2) and X_test.shape == (30, 2)
    assert not np.array_equal(X_train[:30], X_test)
    assert layer_sizes(2, 8) == [2, 8, 8, 1] and layer_sizes(0, 3) == [2, 1]
    with pytest.raises(ValueError):
        layer_sizes(1, 0)


def test_guarded_functions_report_their_source():
    guarded = GuardedFunctions(update=optim.sgd_update)
    assert guarded.source("sgd_update") == "yours (not tried yet)"
    assert guarded.source("mlp_forward") == "reference"
    guarded.update([(np.ones((2, 1)), np.zeros(1))], [(np.ones((2, 1)), np.ones(1))], 0.1, [2, 1])
    assert guarded.source("sgd_update") == "yours"


def test_the_status_line_says_what_will_run_before_the_first_step():
    def stub(*_args, **_kwargs):
        raise NotImplementedError()

    pg = small(mlp_backward=stub, update=optim.sgd_update)
    assert pg.model.steps == 0
    assert "<code>mlp_backward</code>: reference (fallback)" in pg.readout.value
    assert "<code>sgd_update</code>: yours" in pg.readout.value
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


# ------------------------------------------------------------------ optimizers: state across steps

SOLUTION = "solutions/06_gradient_descent/06_gradient_descent.ipynb"
RULES = {"SGD": "sgd_update", "momentum": "momentum_update", "Adam": "adam_update"}
LRS = {"SGD": 0.2, "momentum": 0.05, "Adam": 0.01}


def _lesson_rules():
    """The lesson's own sgd_update, momentum_update and adam_update (its solution cells)."""
    found = own_functions(SOLUTION, *RULES.values())
    assert set(found) == set(RULES.values())
    return found


def _trajectory(optimizer, steps=30, **functions):
    pg = small(optimizer=optimizer, lr=LRS[optimizer], **functions)
    params = []
    for _ in range(steps):
        pg.step(1)
        params.append([(W.copy(), b.copy()) for W, b in pg.model.params])
    return pg, params


@pytest.mark.parametrize("optimizer", list(RULES))
def test_the_learner_rules_give_the_reference_trajectory(optimizer):
    mine, reference = _lesson_rules(), {}
    pg, ours = _trajectory(optimizer, **mine)
    assert pg.model.functions.source(RULES[optimizer]) == "yours" and not pg.notes.value
    ref_pg, theirs = _trajectory(optimizer, **reference)
    assert ref_pg.model.functions.source(RULES[optimizer]) == "reference"
    for step, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        for (W, bias), (W_ref, b_ref) in zip(a, b, strict=True):
            np.testing.assert_allclose(W, W_ref, rtol=1e-12, atol=1e-15, err_msg=f"step {step}")
            np.testing.assert_allclose(bias, b_ref, rtol=1e-12, atol=1e-15)
    assert pg.model.history["train_loss"] == pytest.approx(ref_pg.model.history["train_loss"],
                                                           rel=1e-12)


@pytest.mark.parametrize("optimizer", ["momentum", "Adam"])
def test_the_three_optimizers_take_different_paths(optimizer):
    _, sgd = _trajectory("SGD", steps=5)
    pg, other = _trajectory(optimizer, steps=5)
    assert not np.allclose(sgd[-1][0][0], other[-1][0][0])
    assert pg.model.opt_state is not None


def _recording(rule):
    """``rule`` (the reference) that also records the state it was given: Adam's ``t``, or
    whether momentum's velocity was the one the previous call returned (``"carried"``) or
    zeros (``"zero"``)."""
    seen, last = [], {}

    def recorded(params, grads, state, lr):
        if rule == "adam_update":
            seen.append(state.get("t", 0))
            return optim.adam_update(params, grads, state, lr)
        if all(not np.any(v) for pair in state for v in pair):
            seen.append("zero")
        else:
            seen.append("carried" if last and all(
                np.array_equal(v, w) for p, q in zip(state, last["v"], strict=True)
                for v, w in zip(p, q, strict=True)) else "other")
        new_params, velocity = optim.momentum_update(params, grads, state, lr)
        last["v"] = velocity
        return new_params, velocity

    return recorded, seen


def test_adam_state_is_carried_across_steps_and_reset_on_reset():
    rule, seen = _recording("adam_update")
    pg = small(optimizer="Adam", lr=0.01, adam_update=rule)
    assert seen == [0], "before the first step the playground tries the rule once, from {}"
    pg.step(3)
    pg.step()
    assert seen == [0, 0, 1, 2, 3], "each step gets the state the previous step returned"
    assert pg.model.opt_state["t"] == 4
    pg.reset_button.click()
    assert pg.model.opt_state is None and pg.model.steps == 0
    pg.step(2)
    assert seen[5:] == [0, 0, 1], "Reset starts Adam again from an empty state"
    assert pg.model.functions.source("adam_update") == "yours"


def test_momentum_velocity_is_carried_across_steps_and_reset_on_reset():
    rule, seen = _recording("momentum_update")
    pg = small(optimizer="momentum", lr=0.05, momentum_update=rule)
    pg.step(3)
    assert seen == ["zero", "zero", "carried", "carried"]
    velocity = pg.model.opt_state
    assert len(velocity) == len(pg.model.params) and np.any(velocity[0][0])
    pg.reset()
    assert pg.model.opt_state is None
    pg.step(2)
    assert seen[4:] == ["zero", "zero", "carried"]


def test_a_new_optimizer_keeps_the_weights_and_starts_its_state_afresh():
    rule, seen = _recording("adam_update")
    pg = small(optimizer="Adam", lr=0.01, adam_update=rule)
    pg.step(3)
    pg.controls["optimizer"].value = "momentum"
    assert pg.model.opt_state is None and pg.model.steps == 3, "no restart: same weights"
    pg.step(2)
    assert len(pg.model.opt_state) == len(pg.model.params)
    pg.controls["optimizer"].value = "Adam"
    pg.step(1)
    assert seen[-2:] == [0, 0], "the probe, then the first Adam step, both from {}"
    assert pg.model.opt_state["t"] == 1
    assert "Adam; training with" in pg.readout.value


def test_a_learner_adam_that_restarts_its_state_every_step_is_not_the_reference():
    def forgetful(params, grads, state, lr):
        return optim.adam_update(params, grads, {}, lr)

    pg, forgetting = _trajectory("Adam", steps=5, adam_update=forgetful)
    _, carried = _trajectory("Adam", steps=5)
    assert pg.model.functions.source("adam_update") == "yours", "valid output: it runs"
    assert not np.allclose(forgetting[-1][0][0], carried[-1][0][0])


# ------------------------------------------------------------------ what the hidden units compute


def test_hidden_maps_are_the_units_activations_over_the_plane():
    from nncourse.widgets.playground import GRID, UNIT_STRIDE, boundary_grid

    model = PlaygroundModel(**{**SMALL, "hidden_layers": 2})
    model.step(5)
    grid = boundary_grid()
    (W1, b1), (W2, b2), _ = model.params
    H1 = np.maximum(grid @ W1 + b1, 0.0)
    H2 = np.maximum(H1 @ W2 + b2, 0.0)
    size = GRID // UNIT_STRIDE
    for layer, H in ((1, H1), (2, H2)):
        maps = model.hidden_maps(layer)
        assert maps.shape == (SMALL["units"], size, size)
        expected = H.reshape(GRID, GRID, -1)[::UNIT_STRIDE, ::UNIT_STRIDE].transpose(2, 0, 1)
        np.testing.assert_allclose(maps, expected, rtol=0, atol=1e-6)  # the pass: float32
    with pytest.raises(ValueError, match="hidden layer"):
        model.hidden_maps(3)


def test_hidden_maps_without_a_usable_cache_a_use_the_activation_of_z():
    def no_a_forward(X, params, hidden_activation="relu", output_activation="sigmoid"):
        A, cache = forward.mlp_forward(X, params, hidden_activation, output_activation)
        return A, {**cache, "A": []}

    plain = PlaygroundModel(**SMALL, activation="tanh")
    odd = PlaygroundModel(GuardedFunctions(mlp_forward=no_a_forward), **SMALL, activation="tanh")
    np.testing.assert_allclose(odd.hidden_maps(1), plain.hidden_maps(1), atol=1e-12)


def test_the_hidden_units_view_draws_only_while_it_is_on():
    pg = small()
    assert list(pg.units_view.options) == ["off", "layer 1"] and pg.units_view.value == "off"
    pg.step(3)
    assert pg.units_live is None and pg.units_box.children == ()
    pg.units_view.value = "layer 1"
    live = pg.units_live
    assert live is not None and pg.units_box.children[-1] is live.image
    assert live.units == SMALL["units"]
    renders, image = live.renders, live.image.value
    pg.step(2)
    assert live.renders == renders + 1, "one thumbnail render per frame while on"
    assert live.image.value != image
    np.testing.assert_array_equal(live.mosaic, unit_mosaic(pg.model.hidden_maps(1), 4))
    assert "hidden layer 1" in pg.units_header.value
    pg.units_view.value = "off"
    assert pg.units_box.children == ()
    pg.step(2)
    assert live.renders == renders + 1, "no thumbnails drawn while off"


def test_the_hidden_units_view_follows_the_architecture():
    pg = small(hidden_layers=2)
    pg.units_view.value = "layer 2"
    assert pg.units_live.units == SMALL["units"]
    pg.controls["units"].value = 12
    assert pg.units_live.units == 12 and pg.units_box.children[-1] is pg.units_live.image
    assert pg.units_live.mosaic.shape == (2 * (25 + 9), 8 * (25 + 3) - 3), "two rows of 8"
    pg.controls["hidden_layers"].value = 1
    assert list(pg.units_view.options) == ["off", "layer 1"] and pg.units_view.value == "off"
    assert pg.units_box.children == ()
    pg.controls["hidden_layers"].value = 0
    assert list(pg.units_view.options) == ["off"]


def test_units_that_output_zero_everywhere_are_named():
    def dead_init(layer_sizes, method="he", seed=0):
        params = forward.init_mlp(layer_sizes, method=method, seed=seed)
        (W, b), *rest = params
        b = b.copy()
        b[0] = -100.0  # unit 1: ReLU of a large negative number everywhere on the plane
        return [(W, b), *rest]

    pg = small(init_mlp=dead_init)
    pg.units_view.value = "layer 1"
    assert "Unit 1 outputs 0 everywhere on the plane" in pg.units_header.value


def test_the_mosaic_shares_one_scale_and_puts_up_on_top():
    from nncourse.widgets.playground import PALETTE

    maps = np.zeros((3, 25, 25))
    maps[0, 0, :] = 5.0  # unit 1: bottom row of the plane at 5, the layer's largest
    maps[1, :, :12] = -2.5  # unit 2: -2.5 on the left half, 0 on the right
    mosaic = unit_mosaic(maps, cols=2)
    assert mosaic.shape == (2 * (25 + 9), 2 * (25 + 3) - 3)
    palette = np.frombuffer(PALETTE, dtype=np.uint8).reshape(-1, 3)
    tile1 = mosaic[9:34, 0:25]
    assert tile1[-1, 0] == 252 and tile1[0, 0] == 126, "the layer's largest is red, at the bottom"
    tile2 = mosaic[9:34, 28:53]
    assert np.all(tile2[:, :12] == 63) and np.all(tile2[:, 12:] == 126), "-2.5 of 5: half blue"
    tile3 = mosaic[43:68, 0:25]
    assert set(np.unique(tile3)) == {126, 253}, "unit 3 is constant (0): white, hatched grey"
    assert np.all(mosaic[:9] == 255) and np.all(mosaic[9:34, 25:28] == 255), "white gaps"
    assert tuple(palette[0]) != tuple(palette[252]) and tuple(palette[255]) == (255, 255, 255)
    assert min(palette[126]) > 240, "0 is (nearly) white"


def test_a_weak_unit_looks_pale_and_a_constant_one_is_hatched():
    from nncourse.widgets.playground import PALETTE, constant_units

    maps = np.zeros((3, 25, 25))
    maps[0] = np.linspace(0.0, 8.0, 25)[None, :]  # a strong ramp, up to 8
    maps[1] = np.linspace(0.0, 0.4, 25)[None, :]  # a weak ramp: pale on the shared scale
    maps[2] = 3.0 + 0.01 * np.linspace(0, 1, 25)[None, :]  # a bias-only unit: constant 3
    assert constant_units(maps).tolist() == [False, False, True]
    mosaic = unit_mosaic(maps, cols=3)
    grey = np.frombuffer(PALETTE, dtype=np.uint8).reshape(-1, 3)[253]
    assert tuple(grey) == (128, 128, 128)
    strong, weak, constant = (mosaic[9:34, 28 * k:28 * k + 25] for k in range(3))
    assert strong.max() == 252 and weak.max() <= 126 + 7, "the weak ramp stays pale"
    assert np.sum(constant == 253) > 100 and np.sum(strong == 253) == 0 == np.sum(weak == 253)
    not_grey = constant[constant != 253]
    assert np.all(not_grey == not_grey[0]) and 126 < not_grey[0] < 252, "3 of 8: light red"
    own = unit_mosaic(maps[2:], cols=1)  # alone, scale 3: its own maximum, but still hatched
    assert np.sum(own == 253) > 100


def test_bounded_activations_use_a_fixed_scale():
    from nncourse.widgets.playground import BOUNDED_SCALES, layer_scale

    maps = np.full((2, 25, 25), 0.25)
    maps[0, :, :5] = -0.5
    maps[1, :, :5] = 0.0
    assert layer_scale(maps) == 0.5 and layer_scale(maps, BOUNDED_SCALES["tanh"]) == 1.0
    assert unit_mosaic(maps, 2, scale=1.0)[9 + 12, 28 + 20] == round(1.25 * 252 / 2)
    assert unit_mosaic(maps, 2)[9 + 12, 28 + 20] == round(1.5 * 252 / 2)
    for activation in ("tanh", "sigmoid"):
        pg = small(activation=activation)
        pg.units_view.value = "layer 1"
        assert "red at 1" in pg.units_header.value
        np.testing.assert_array_equal(pg.units_live.mosaic,
                                      unit_mosaic(pg.model.hidden_maps(1), 4, scale=1.0))


def test_constant_units_are_named_in_the_header():
    def bias_only_init(layer_sizes, method="he", seed=0):
        params = forward.init_mlp(layer_sizes, method=method, seed=seed)
        (W, b), *rest = params
        W, b = W.copy(), b.copy()
        W[:, 1] = 0.0  # unit 2: only its bias, 0.5, gets through
        b[1] = 0.5
        b[0] = -100.0  # unit 1: dead
        return [(W, b), *rest]

    pg = small(init_mlp=bias_only_init)
    pg.units_view.value = "layer 1"
    header = pg.units_header.value
    assert "Unit 1 outputs 0 everywhere on the plane" in header
    assert "Unit 2 outputs the same value everywhere" in header
    assert "Constant units are hatched grey" in header and "one colour scale" in header
    assert np.sum(pg.units_live.mosaic[9:34, 28:53] == 253) > 100


# ------------------------------------------------------------------ control changes are cheap


def _same_picture(pg, **settings):
    """``pg`` shows, pixel for pixel, what a fresh playground at its settings shows
    (``settings``: more arguments of the fresh one, e.g. the same functions)."""
    fresh = playground(**{**pg.model.settings, **settings})
    fresh.units_view.value = pg.units_view.value
    assert pg.live.image.value == fresh.live.image.value, "the figure differs from a fresh one"
    assert pg.readout.value == fresh.readout.value
    if pg.units_view.value != "off":
        assert pg.units_live.image.value == fresh.units_live.image.value
        assert pg.units_header.value == fresh.units_header.value
    return fresh


@pytest.mark.parametrize("changes", [
    [("dataset", "xor"), ("noise", 0.3), ("dataset", "gauss")],
    [("units", 7), ("hidden_layers", 2), ("activation", "tanh")],
    [("activation", "sigmoid"), ("dataset", "circle"), ("hidden_layers", 1), ("units", 5)],
])
def test_control_changes_draw_what_a_fresh_playground_draws(changes):
    pg = small(n_train=200, hidden_layers=2, units=6, dataset="spiral")
    pg.units_view.value = "layer 1"
    pg.step(60)  # the loss axes grew: their picture is not the fresh one
    for name, value in changes:
        pg.controls[name].value = value
        if pg.units_view.value == "off" and "layer 1" in pg.units_view.options:
            pg.units_view.value = "layer 1"
        _same_picture(pg)
    pg.step(5)
    pg.reset_button.click()
    _same_picture(pg)


def test_the_board_stacks_its_artists_as_a_whole_figure_draw():
    """Heatmap under the dots under the board's frame, as matplotlib draws the figure whole
    with its own image (support/stacking.py): the heatmap covered the frame."""
    from support.stacking import whole_figure

    live, whole = small(), small()
    for pg in (live, whole):
        pg.step(5)
    heatmap = whole.live.heatmap
    heatmap.set_animated(False)  # matplotlib's AxesImage instead of PixelCopy
    try:
        drawn = whole_figure(whole.live)
    finally:
        heatmap.set_animated(True)
    differ = (np.asarray(live.live.canvas.buffer_rgba()) != drawn).any(axis=2)
    x0, y0, x1, y1 = live.live.axes[0].bbox.extents  # the board, its frame included
    height = differ.shape[0]
    board = differ[int(height - y1) - 2:int(height - y0) + 3, int(x0) - 2:int(x1) + 3]
    assert not board.any(), (board.sum(), np.argwhere(board)[:5])


def test_the_heaviest_playground_draws_what_a_fresh_one_draws():
    pg = playground(hidden_layers=4, units=32, n_train=2000, n_test=2000, activation="sigmoid")
    pg.units_view.value = "layer 4"
    pg.step(3)
    for name, value in (("noise", 0.5), ("dataset", "xor"), ("units", 31), ("units", 32)):
        pg.controls[name].value = value
        _same_picture(pg)


def test_new_data_for_the_same_network_reuses_the_grid_pass():
    calls = []

    def counting_forward(X, params, hidden_activation="relu", output_activation="sigmoid"):
        calls.append(len(X))
        return forward.mlp_forward(X, params, hidden_activation, output_activation)

    pg = small(mlp_forward=counting_forward)
    pg.units_view.value = "layer 1"
    grid = pg.model.grid_cache
    calls.clear()
    pg.controls["dataset"].value = "xor"
    pg.controls["noise"].value = 0.2
    pg.reset_button.click()
    assert len(pg.model.grid) not in calls, "the grid was evaluated again"
    assert pg.model.grid_cache is grid
    pg.controls["units"].value = 5
    assert len(pg.model.grid) in calls, "a new network needs a new grid pass"
    pg.step()
    assert calls.count(len(pg.model.grid)) == 2, "every step evaluates the grid"


def test_control_changes_reuse_the_fresh_axes_picture():
    pg = small()
    pg.step(80)  # the loss axes grow
    draws = []
    draw = pg.live.canvas.draw
    pg.live.canvas.draw = lambda: (draws.append(1), draw())
    for name, value in (("dataset", "xor"), ("noise", 0.1), ("units", 3), ("hidden_layers", 2),
                        ("activation", "tanh")):
        pg.controls[name].value = value
    pg.reset_button.click()
    assert draws == [], "the axes were drawn again"


def test_thumbnails_are_kept_per_number_of_units():
    pg = small(hidden_layers=2)
    pg.units_view.value = "layer 1"
    four = pg.units_live
    pg.controls["units"].value = 7
    assert pg.units_live is not four and pg.units_live.units == 7
    pg.controls["units"].value = 4
    assert pg.units_live is four
    renders = four.renders
    pg.controls["dataset"].value = "xor"  # the same network: the same thumbnails
    assert four.renders == renders and pg.units_box.children[-1] is four.image


def test_freed_memory_stays_in_the_heap_on_glibc():
    import platform

    from nncourse.widgets.playground_heap import is_glibc, keep_freed_memory

    assert is_glibc() is (platform.libc_ver()[0] == "glibc")
    assert keep_freed_memory() is is_glibc()
    assert keep_freed_memory() is keep_freed_memory(), "set once"


def test_the_loss_axes_grow_to_a_few_tops():
    from nncourse.widgets.playground import LOSS_AXIS_TOPS, loss_axis_top

    assert [loss_axis_top(v) for v in (0.84, 1.0, 1.05, 1.3, 2.0, 4.1, 9.0, 50.0)] == [
        1.2, 1.2, 1.5, 2.0, 2.5, 5.0, 12.0, 60.0]
    for loss in np.linspace(0.1, 100.0, 997):
        top = loss_axis_top(loss)
        assert top >= 1.2 * loss * (1 - 1e-9), "20 % headroom at least"
        assert round(top / 10.0 ** np.floor(np.log10(top)), 6) in (*LOSS_AXIS_TOPS, 10.0)


def test_new_data_above_a_loss_of_one_reuses_the_axes_picture():
    def loud_init(layer_sizes, method="he", seed=0):
        *hidden, (W, b) = forward.init_mlp(layer_sizes, method=method, seed=seed)
        return [*hidden, (20.0 * W, b)]  # confident from the start: losses well above 1

    pg = small(init_mlp=loud_init, dataset="xor")
    assert pg.model.history["train_loss"][0] > 1.0
    draws = []
    draw = pg.live.canvas.draw
    pg.live.canvas.draw = lambda: (draws.append(1), draw())
    tops = set()
    for noise in (0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3, 0.4):
        pg.controls["noise"].value = noise
        tops.add(pg.live.axes[1].get_ylim()[1])
    assert len(draws) <= len(tops), "each top's axes drawn once"
    _same_picture(pg, init_mlp=loud_init)


@pytest.mark.parametrize("units", [1, 5, 8, 13, 32])
def test_thumbnail_labels_are_the_pixels_pillow_draws_in_place(units):
    from PIL import Image, ImageDraw, ImageFont

    from nncourse.widgets import playground as pgmod

    thumbnails = pgmod.UnitThumbnails(units)
    tile, zoom = pgmod._TILE, pgmod._ZOOM
    height, width = (n * zoom for n in unit_mosaic(np.zeros((units, tile, tile)),
                                                   thumbnails.cols).shape)
    labels = Image.new("P", (width, height), pgmod._WHITE)
    draw, font = ImageDraw.Draw(labels), ImageFont.load_default(size=10)
    for k in range(units):  # every label drawn where it goes, as the widget once did
        row, col = divmod(k, thumbnails.cols)
        draw.text((zoom * (col * (tile + pgmod._GAP) + tile / 2),
                   zoom * (row * (tile + pgmod._BAND) + pgmod._BAND) - 1),
                  f"unit {k + 1}", fill=pgmod._BLACK, font=font, anchor="mb")
    np.testing.assert_array_equal(np.where(thumbnails._ink, pgmod._BLACK, pgmod._WHITE),
                                  np.asarray(labels))


# ------------------------------------------------------------------ the fast reference forward


def _masked_sigmoid(z):
    """The stable sigmoid as the reference computed it before issue 12: split by sign."""
    z = np.asarray(z, dtype=float)
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    ez = np.exp(z[~positive])
    out[~positive] = ez / (1.0 + ez)
    return out


def test_the_reference_sigmoid_without_masks_is_the_masked_formula_bit_for_bit():
    from nncourse.reference.activations import sigmoid

    reference_sigmoid = _masked_sigmoid

    rng = np.random.default_rng(0)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-300, -1e-300,
                        36.0, -36.0, 709.0, -709.0, 745.0, -745.0, 800.0, -800.0, 1e308])
    for z in [special, np.float64(-3.0), np.array(2.0), [1, -2], np.arange(-3, 4),
              *(rng.normal(0.0, scale, (500, 7)) for scale in (1e-3, 1, 10, 300))]:
        with np.errstate(all="ignore"):
            got, want = sigmoid(z), reference_sigmoid(z)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want, equal_nan=True)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_the_fast_forward_is_the_reference_bit_for_bit(activation):
    from nncourse.widgets.playground import boundary_grid
    from nncourse.widgets.playground_fast import mlp_forward

    rng = np.random.default_rng(1)
    for trial in range(12):
        sizes = [2, *rng.integers(1, 33, rng.integers(0, 5)).tolist(), 1]
        params = [(W * 10.0 ** rng.uniform(-2, 2), b * 3.0)
                  for W, b in forward.init_mlp(sizes, "xavier", trial)]
        X = boundary_grid() if trial % 2 else rng.normal(0.0, 2.0, (300, 2))
        got, got_cache = mlp_forward(X, params, activation)
        want, want_cache = forward.mlp_forward(X, params, activation)
        assert np.array_equal(got, want)
        assert set(got_cache) == set(want_cache)
        for key in ("A", "Z"):
            assert len(got_cache[key]) == len(want_cache[key])
            for a, b in zip(got_cache[key], want_cache[key], strict=True):
                assert a.shape == b.shape and np.array_equal(a, b)
    with pytest.raises(ValueError, match="columns"):  # the reference's checks and errors
        mlp_forward(np.zeros((3, 3)), forward.init_mlp([2, 4, 1]))


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_the_grid_pass_runs_in_float32_and_training_in_float64(activation):
    """The pictures come from a float32 pass (GRID_DTYPE), for the course's functions and
    the learner's alike, within 1e-6 of float64's; training and the losses stay float64."""
    from nncourse.widgets.playground import GRID_DTYPE, boundary_grid
    from nncourse.widgets.playground_fast import mlp_forward

    seen = []

    def learners(X, params, hidden_activation="relu", output_activation="sigmoid"):
        seen.append((X.dtype, {a.dtype for pair in params for a in pair}))
        return forward.mlp_forward(X, params, hidden_activation, output_activation)

    net = {"hidden_layers": 2, "units": 8, "activation": activation}  # 80,000 entries a layer
    for pg in (small(**net), small(**net, mlp_forward=learners)):  # (two threads for tanh)
        pg.step(3)
        assert pg.model.grid.dtype == GRID_DTYPE == np.float32
        assert pg.model.boundary.dtype == np.float64
        assert all(a.dtype == np.float64 for pair in pg.model.params for a in pair)
        want, want_cache = forward.mlp_forward(boundary_grid(), pg.model.params, activation)
        np.testing.assert_allclose(pg.model.boundary.ravel(), want[:, 0], rtol=0, atol=1e-6)
        for layer in (1, 2):
            np.testing.assert_allclose(
                pg.model.hidden_maps(layer, stride=1).transpose(1, 2, 0).reshape(-1, 8),
                want_cache["A"][layer], rtol=0, atol=2e-6 if activation == "relu" else 1e-6)
    grid = (len(boundary_grid()), 2)
    assert (np.dtype(np.float32), {np.dtype(np.float32)}) in seen  # the learner's grid pass
    assert (np.dtype(np.float64), {np.dtype(np.float64)}) in seen  # their training steps
    X = boundary_grid().astype(np.float32)
    params = [(W.astype(np.float32), b.astype(np.float32))
              for W, b in forward.init_mlp([2, 32, 32, 1], "xavier", 3)]
    got, cache = mlp_forward(X, params, activation)
    assert got.dtype == np.float32 and got.shape == (grid[0], 1)
    assert all(a.dtype == np.float32 for a in cache["A"] + cache["Z"])
    with pytest.raises(ValueError, match="columns"):  # the reference's checks and errors
        mlp_forward(np.zeros((3, 3), np.float32), params)
    with pytest.raises(ValueError, match="2-D"):
        mlp_forward(np.zeros(3, np.float32), params)


def test_the_playground_draws_what_the_course_reference_draws():
    """The playground's reference forward pass (playground_fast) is the course's: the same
    pictures as a playground given the course's own ``mlp_forward``. (Over the grid,
    playground_fast computes in float32 and the course's ``mlp_forward`` converts to
    float64: the probabilities agree within 1e-6, and not one pixel differs here.)"""
    settings = {"hidden_layers": 4, "units": 32, "activation": "sigmoid", "n_train": 300}
    fast, course = playground(**settings), playground(mlp_forward=forward.mlp_forward,
                                                       **settings)
    for pg in (fast, course):
        pg.units_view.value = "layer 2"
    for name, value in (("units", 9), ("activation", "tanh"), ("hidden_layers", 3),
                        ("activation", "relu"), ("units", 32)):
        for pg in (fast, course):
            pg.controls[name].value = value
            pg.step(3)
        assert fast.live.image.value == course.live.image.value
        assert fast.units_live.image.value == course.units_live.image.value
        np.testing.assert_allclose(fast.model.boundary, course.model.boundary, rtol=0,
                                   atol=1e-6)
        assert fast.model.history == course.model.history


def test_the_probe_runs_only_for_the_learners_functions():
    probes = []
    plain = small()
    plain.model.probe = lambda: probes.append("plain")
    plain.controls["units"].value = 5
    plain.controls["optimizer"].value = "Adam"
    assert probes == [] and not plain.model.probing
    own = small(mlp_backward=mlp_backward)
    assert own.model.probing
    own.model.probe = lambda: probes.append("own")
    own.controls["units"].value = 5
    own.controls["optimizer"].value = "Adam"
    assert probes == ["own", "own"]


def test_a_control_moved_back_reuses_the_fresh_networks_grid_pass():
    from nncourse.widgets import playground as pgmod

    calls = []

    def counting_forward(X, params, hidden_activation="relu", output_activation="sigmoid"):
        calls.append(len(X))
        return forward.mlp_forward(X, params, hidden_activation, output_activation)

    pg = small(mlp_forward=counting_forward, hidden_layers=2)
    pg.units_view.value = "layer 2"
    grid = len(pg.model.grid)
    for name, value in (("units", 5), ("activation", "tanh"), ("hidden_layers", 3)):
        before = pg.controls[name].value
        pg.controls[name].value = value
        calls.clear()
        pg.controls[name].value = before
        assert grid not in calls, f"{name} moved back: the grid was evaluated again"
        _same_picture(pg, mlp_forward=counting_forward)
    pg.step()  # a trained network's pass is not kept: Reset starts the fresh one again
    assert len(pg.model._fresh_grids) <= 6
    calls.clear()
    pg.reset_button.click()
    assert grid not in calls
    _same_picture(pg, mlp_forward=counting_forward)
    big = playground(hidden_layers=4, units=32)
    for activation in ("tanh", "sigmoid", "relu", "tanh"):
        big.controls["activation"].value = activation
    kept = sum(pgmod._tree_bytes(record[2:]) for record in big.model._fresh_grids)
    assert kept <= pgmod.FRESH_GRID_BYTES and len(big.model._fresh_grids) == 3
    for layer in (1, 4):  # what is kept is what the whole pass shows
        np.testing.assert_array_equal(big.model.hidden_maps(layer),
                                      playground(hidden_layers=4, units=32, activation="tanh")
                                      .model.hidden_maps(layer))
    assert big.model.hidden_maps(1, stride=2).shape == (32, 50, 50)


def test_the_guard_copies_every_array_it_hands_a_learner_function():
    from collections import OrderedDict, namedtuple

    from nncourse.widgets.playground import _copy_tree

    Pair = namedtuple("Pair", "W b")
    W, b, m = np.ones((2, 2)), np.zeros(2), np.ma.masked_array([1.0, 2.0])
    tree = ([(W, b)], {"t": 3, "m": [Pair(W, b)], "v": OrderedDict(x=m)}, 0.5, None, "relu")
    copied = _copy_tree(tree)
    assert type(copied) is tuple and copied[2:] == (0.5, None, "relu")
    arrays = [copied[0][0][0], copied[0][0][1], copied[1]["m"][0][0], copied[1]["v"]["x"]]
    for new, old in zip(arrays, (W, b, W, m), strict=True):
        assert isinstance(new, np.ndarray) and new is not old and np.array_equal(new, old)
        new += 1.0  # a learner's in-place update changes its copy only
    assert W.sum() == 4.0 and b.sum() == 0.0 and m.sum() == 3.0
    assert copied[1]["t"] == 3
