"""Lesson 06's loss-surface control: learning rate (log scale) and steps draw a descent path."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import move_control

from nncourse.reference import optim
from nncourse.widgets.descent import (
    METHODS,
    REFERENCE,
    RULES,
    SURFACES,
    descent_explorer,
    descent_path,
    descent_state,
)
from nncourse.widgets.playground import Guard


def test_gradient_descent_on_a_quadratic_follows_the_closed_form():
    state = descent_state(0.05, 20, "gradient descent", "narrow valley")
    k = np.arange(21)[:, None]
    expected = np.array([-2.5, 1.5]) * (1 - 0.05 * np.array([1.0, 10.0])) ** k
    np.testing.assert_allclose(state["path"], expected)
    assert not state["diverged"]
    assert np.all(np.diff(state["losses"]) < 0)


@pytest.mark.parametrize("method", METHODS)
def test_the_unchecked_reference_walks_the_checked_references_path(method, monkeypatch):
    """The explorer runs the course's rules unchecked (it checks every point itself), on
    two floats (``_CourseRule``): the same points, bit for bit, diverging at the same step,
    as the reference's arrays with every result checked, across the lr slider's range."""
    diverged = 0
    stops = [float(10.0 ** e) for e in np.arange(-3.0, 0.5 + 1e-9, 0.25)]  # its every 5th
    for surface, spec in SURFACES.items():
        for lr in (0.001, 0.05, 0.19, 0.21, 0.9, 1.1, 3.0, *stops):
            checked = descent_path(spec.grad, spec.start, lr, 200, method,
                                   Guard(REFERENCE, {}, check_reference=True))
            unchecked = descent_path(spec.grad, spec.start, lr, 200, method)
            np.testing.assert_array_equal(unchecked[0], checked[0],
                                          err_msg=f"{method} on the {surface}, lr {lr}")
            assert unchecked[1] == checked[1]
            diverged += checked[1]
    # Adam's steps are about lr long: it wanders but never diverges at these rates
    assert diverged >= 3 or method == "adam", "the cases should include diverging paths"

    def not_run(*args, **kwargs):
        raise AssertionError("the explorer ran the reference's arrays, not the two floats")

    monkeypatch.setitem(REFERENCE, RULES[method], not_run)
    spec = SURFACES["two valleys"]
    assert len(descent_path(spec.grad, spec.start, 0.05, 200, method)[0]) == 201


def test_too_large_a_learning_rate_diverges():
    assert descent_state(0.19, 50, surface="narrow valley")["losses"][-1] < 1.0
    grows = descent_state(0.21, 50, surface="narrow valley")
    assert grows["losses"][-1] > grows["losses"][0]
    blown = descent_state(1.0, 200, surface="narrow valley")
    assert blown["diverged"] and len(blown["path"]) < 201


def test_momentum_and_adam_match_their_update_rules():
    grad = SURFACES["narrow valley"].grad
    path, _ = descent_path(grad, (-2.5, 1.5), 0.1, 2, "momentum")
    g0 = grad(np.array([-2.5, 1.5]))
    np.testing.assert_allclose(path[1], [-2.5, 1.5] - 0.1 * g0)
    g1 = grad(path[1])
    np.testing.assert_allclose(path[2], path[1] - 0.1 * (0.9 * g0 + g1))
    path, _ = descent_path(grad, (-2.5, 1.5), 0.1, 1, "adam")
    np.testing.assert_allclose(path[1], [-2.4, 1.4], rtol=1e-6)  # first step: lr * sign(g)


def test_momentum_crosses_into_the_deeper_valley():
    plain = descent_state(0.05, 200, "gradient descent", "two valleys")
    rolling = descent_state(0.05, 200, "momentum", "two valleys")
    assert plain["path"][-1, 0] > 0 > rolling["path"][-1, 0]
    assert rolling["gap"][-1] < 1e-3


def test_bad_values_are_clear_errors():
    with pytest.raises(ValueError, match="method should be one of"):
        descent_state(0.1, 5, "newton")
    with pytest.raises(ValueError, match="lr should be a positive number"):
        descent_state(0.0, 5)
    with pytest.raises(ValueError, match="surface should be one of"):
        descent_state(0.1, 5, surface="saddle")


def test_learning_rate_slider_redraws_the_path_in_place_by_blitting():
    panel = descent_explorer()
    invalidations = []
    original = panel.live.invalidate
    panel.live.invalidate = lambda: (invalidations.append(1), original())
    move_control(panel, "lr", 0.15, readout_changes=False)
    assert invalidations == [], "an lr change redraws only the animated artists"
    x, y = panel.live.path.get_data()
    np.testing.assert_allclose(np.column_stack([x, y]),
                               descent_state(0.15, 30, surface="narrow valley")["path"])
    assert "lr = 0.15" in panel.readout.value


def test_steps_slider_lengthens_the_path_and_rescales_the_loss_axis():
    panel = descent_explorer()
    panel.controls["steps"].value = 80
    assert len(panel.live.path.get_data()[0]) == 81
    assert panel.live.axes[1].get_xlim() == (0, 80)
    assert len(panel.live.loss_line.get_data()[0]) == 81


def test_surface_and_method_dropdowns():
    panel = descent_explorer()
    contour = panel.live.contour
    panel.controls["surface"].value = "two valleys"
    assert panel.live.contour is not contour and panel.state["surface"] == "two valleys"
    assert "two valleys" in panel.readout.value
    panel.controls["method"].value = "adam"
    assert panel.state["method"] == "adam" and "adam" in panel.readout.value


def test_a_diverging_path_is_reported_not_a_crash():
    panel = descent_explorer()
    panel.controls["lr"].value = 3.0
    assert "diverged" in panel.readout.value
    assert np.all(np.abs(np.column_stack(panel.live.path.get_data())) <= 10.0)


# ------------------------------------------------------------------ the learner's update rules

LEARNER = {"gradient descent": ("sgd_update", optim.sgd_update),
           "momentum": ("momentum_update", optim.momentum_update),
           "adam": ("adam_update", optim.adam_update)}


def _copy(fn):
    """A correct learner function that is not the reference object itself."""
    return lambda *args, **kwargs: fn(*args, **kwargs)


@pytest.mark.parametrize("method", list(LEARNER))
def test_a_correct_learner_function_runs_and_is_called_yours(method):
    name, reference = LEARNER[method]
    mine = descent_state(0.05, 20, method, "narrow valley", {name: _copy(reference)})
    ref = descent_state(0.05, 20, method, "narrow valley")
    assert mine["source"] == "yours" and ref["source"] == "reference"
    assert mine["notes"] == []
    np.testing.assert_allclose(mine["path"], ref["path"])


def test_the_learner_function_is_what_runs():
    def ascent(params, grads, lr):
        return [(W + lr * dW, b + lr * db) for (W, b), (dW, db) in zip(params, grads, strict=True)]

    state = descent_state(0.05, 10, "gradient descent", "narrow valley", {"sgd_update": ascent})
    assert state["source"] == "yours"
    assert state["losses"][-1] > state["losses"][0], "a wrong rule shows its wrong path"


def _stub(*_args, **_kwargs):
    raise NotImplementedError()


def _nan_rule(params, grads, *rest, **kwargs):
    return [(W * np.nan, b) for W, b in params]


def _flat_momentum(params, grads, velocity, lr, beta=0.9):
    return [(W.ravel(), b) for W, b in params], velocity


@pytest.mark.parametrize("method, fn, words", [
    ("gradient descent", _stub, "not written yet"),
    ("momentum", _stub, "not written yet"),
    ("adam", _stub, "not written yet"),
    ("gradient descent", _nan_rule, "NaN"),
    ("momentum", _flat_momentum, "should have shape (1, 1)"),
    ("adam", lambda params, grads, state, lr, **kw: (params, None), "new_state a dict"),
    ("adam", lambda params, grads, state, lr, **kw: (params, {"t": 0, "m": [], "v": []}),
     "should count the steps taken"),
])
def test_an_unusable_learner_function_falls_back_with_a_note(method, fn, words):
    name, _ = LEARNER[method]
    state = descent_state(0.05, 20, method, "narrow valley", {name: fn})
    assert state["source"] == "reference (fallback)"
    assert len(state["notes"]) == 1 and f"<code>{name}</code> failed" in state["notes"][0]
    assert words in state["notes"][0]
    assert "The explorer switched to the course's reference" in state["notes"][0]
    np.testing.assert_allclose(state["path"], descent_state(0.05, 20, method)["path"])


def test_the_explorer_passes_the_learner_functions_and_shows_notes():
    panel = descent_explorer(sgd_update=_stub, momentum_update=_copy(optim.momentum_update))
    assert "reference (fallback)" in panel.readout.value
    assert "not written yet" in panel.readout.value
    panel.controls["method"].value = "momentum"
    assert panel.state["source"] == "yours" and "fallback" not in panel.readout.value
    panel.controls["method"].value = "adam"
    assert panel.state["source"] == "reference"


def test_divergence_with_the_learner_function_is_not_blamed_on_it():
    state = descent_state(3.0, 200, "gradient descent", "narrow valley",
                          {"sgd_update": _copy(optim.sgd_update)})
    assert state["diverged"] and state["source"] == "yours" and state["notes"] == []


# ------------------------------------------------------------------ redraws and cached runs


def _pixels(panel) -> np.ndarray:
    return np.asarray(panel.live.canvas.buffer_rgba()).copy()


def test_steps_surface_and_method_redraw_like_a_full_redraw_without_one():
    cached, full = descent_explorer(), descent_explorer()
    full_draws = []
    draw = cached.live.canvas.draw
    cached.live.canvas.draw = lambda: (full_draws.append(1), draw())
    walk = [("steps", 200), ("lr", 0.15), ("surface", "two valleys"), ("steps", 7),
            ("method", "adam"), ("surface", "narrow valley"), ("steps", 120), ("lr", 3.0),
            ("surface", "two valleys"), ("steps", 0)]
    for name, value in walk:
        full.live.invalidate()  # this one draws everything, every time
        for panel in (cached, full):
            panel.controls[name].value = value
        np.testing.assert_array_equal(_pixels(cached), _pixels(full), err_msg=f"{name}={value}")
        assert cached.readout.value == full.readout.value
    assert len(full_draws) == 1, "only the first visit of the two valleys draws a background"


def test_the_steps_axis_keeps_the_label_where_matplotlib_puts_it(monkeypatch):
    """The loss plot's x axis keeps its label where its first draw put it and measures no
    tick label after that (SteadyAxis): the same pixels as the axis drawn matplotlib's way
    at every change, at step ranges whose tick labels differ."""
    from nncourse.widgets import descent

    steady = descent_explorer()
    monkeypatch.setattr(descent, "SteadyAxis", lambda axis: axis)  # the plain axis as layer
    plain = descent_explorer()
    for steps in (0, 1, 7, 60, 200, 3):
        for panel in (steady, plain):
            panel.controls["steps"].value = steps
        np.testing.assert_array_equal(_pixels(steady), _pixels(plain), err_msg=f"steps={steps}")


def _tired(params, grads, lr):
    """A correct sgd_update that raises once w1 is past -1 (after some steps, the same in
    every run)."""
    if params[0][0][0, 0] > -1.0:
        raise RuntimeError("tired")
    return optim.sgd_update(params, grads, lr)


def test_the_explorer_shows_what_a_fresh_run_of_its_settings_shows():
    panel = descent_explorer(steps=200, sgd_update=_tired)
    assert panel.state["source"] == "reference (fallback)" and "tired" in panel.readout.value
    for steps in (0, 10, 17, 18, 19, 120, 200):
        panel.controls["steps"].value = steps
        fresh = descent_state(0.05, steps, functions={"sgd_update": _tired})
        for key in ("source", "notes", "diverged"):
            assert panel.state[key] == fresh[key], (steps, key)
        np.testing.assert_array_equal(panel.state["path"], fresh["path"])
    panel.controls["lr"].value = 1.0  # diverges after a few steps
    for steps in (1, 2, 5, 200):
        panel.controls["steps"].value = steps
        fresh = descent_state(1.0, steps, functions={"sgd_update": _tired})
        assert (panel.state["diverged"], panel.state["source"]) == (fresh["diverged"],
                                                                    fresh["source"])
        np.testing.assert_array_equal(panel.state["path"], fresh["path"])


@pytest.mark.parametrize("out", [
    [(np.ones((1, 1)), np.ones(1))],
    ([(np.ones((1, 1)), np.ones(1))], [(np.zeros((1, 1)), np.zeros(1))]),
    ([(np.ones((1, 1)), np.ones(1))], {"t": 3, "m": [(np.ones((1, 1)), np.ones(1))],
                                       "v": [(np.ones((1, 1), int), np.ones(1))]}),
    [(np.ones((1, 1)), np.full(1, np.inf))],
    [(np.ones(1), np.ones(1))],
    [(np.ones((1, 1), bool), np.ones(1))],
    ([(np.ones((1, 1)), np.ones(1))], {"t": True, "m": [], "v": []}),
    ([(np.ones((1, 1)), np.ones(1))], {"t": 1, "m": [(np.ones((1, 1)), np.ones(1))]}),
    None,
])
def test_the_quick_checks_agree_with_the_playgrounds(out):
    from nncourse.widgets import descent, playground

    shapes = [((1, 1), (1,))]
    for quick, full in ((descent._check_sgd, lambda o: playground.check_pairs(o, shapes,
                                                                              "new params")),
                        (descent._check_momentum, lambda o: playground.check_momentum(o, shapes)),
                        (descent._check_adam, lambda o: playground.check_adam(o, shapes))):
        try:
            expected = repr(full(out))
        except playground.BadOutput as exc:
            with pytest.raises(playground.BadOutput, match=re.escape(str(exc))):
                quick(out)
        else:
            assert repr(quick(out)) == expected
