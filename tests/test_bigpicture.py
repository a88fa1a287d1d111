"""Lesson 00's big-picture figures and demo (nncourse.bigpicture), without a browser."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from nncourse import bigpicture as bp

PNG = b"\x89PNG\r\n\x1a\n"


def _patches(ax, kind: str) -> list:
    return [p for p in ax.patches if type(p).__name__ == kind]


def test_importing_the_module_loads_no_deep_learning_framework():
    code = ("import sys, nncourse.bigpicture; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'torch', 'jax') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_picture_shows_as_png_and_names_itself():
    picture = bp.draw_training_loop()
    assert picture._repr_png_().startswith(PNG)
    assert repr(picture) == "Figure: the training loop"


def test_layer_names_and_positions():
    assert bp.layer_names((2, 6, 1)) == ["input layer", "hidden layer", "output layer"]
    assert bp.layer_names((2, 3, 3, 1)) == ["input layer", "hidden layer 1", "hidden layer 2",
                                            "output layer"]
    assert bp.layer_names((3, 1)) == ["input layer", "output layer"]
    with pytest.raises(ValueError, match="input and an output"):
        bp.layer_names((4,))
    positions = bp.network_positions((2, 3, 1))
    assert [len(p) for p in positions] == [2, 3, 1]
    for layer in positions:  # each layer centred on y = 0, one x per layer
        assert np.isclose(layer[:, 1].mean(), 0.0) and len(set(layer[:, 0])) == 1
    assert positions[0][0, 0] < positions[1][0, 0] < positions[2][0, 0]


def test_draw_network_draws_one_circle_per_neuron_and_one_line_per_weight():
    figure = bp.draw_network((2, 6, 1), (2, 6, 6, 6, 1), titles=("a", "b")).figure
    left, right = figure.axes
    assert len(_patches(left, "Circle")) == 9 and len(_patches(right, "Circle")) == 21
    assert len(left.collections[0].get_segments()) == 2 * 6 + 6 * 1
    assert len(right.collections[0].get_segments()) == 2 * 6 + 6 * 6 + 6 * 6 + 6 * 1
    assert (left.get_title(), right.get_title()) == ("a", "b")


def test_training_loop_has_four_steps_in_order_and_can_highlight_one():
    assert [name for name, _what, _where in bp.LOOP_STEPS] == [
        "forward", "loss", "backward", "update"]
    steps = {name: what for name, what, _where in bp.LOOP_STEPS}
    assert "weight and bias" in steps["backward"] and "weight and bias" in steps["update"]
    figure = bp.draw_training_loop().figure
    ax = figure.axes[0]
    assert figure.loop_names == ["forward", "loss", "backward", "update"]
    assert len(_patches(ax, "FancyBboxPatch")) == 4 and len(_patches(ax, "FancyArrowPatch")) == 4
    plain = {p.get_facecolor() for p in _patches(ax, "FancyBboxPatch")}
    assert len(plain) == 1
    highlighted = bp.draw_training_loop(highlight="loss").figure.axes[0]
    colours = [p.get_facecolor() for p in _patches(highlighted, "FancyBboxPatch")]
    assert colours[1] != colours[0] and colours[0] == colours[2] == colours[3]
    with pytest.raises(ValueError, match="highlight should be one of"):
        bp.draw_training_loop(highlight="predict")


def test_demo_learns_the_circle_quickly_and_deterministically():
    run = bp.demo_run()
    h = run["history"]
    assert run["steps"] == bp.DEMO_STEPS
    assert h["step"] == list(range(0, bp.DEMO_STEPS + 1, bp.DEMO_EVERY))
    assert 0.4 <= h["test_accuracy"][0] <= 0.6 and h["test_accuracy"][-1] >= 0.98
    assert h["train_loss"][-1] < 0.2 * h["train_loss"][0]
    again = bp.demo_run()
    np.testing.assert_array_equal(again["after"], run["after"])
    assert run["before"].shape == run["after"].shape
    assert bp.demo_sizes() == tuple(run["sizes"]) == (2, 6, 1)


def test_demo_run_stops_with_a_clear_error_when_training_hits_a_problem(monkeypatch):
    class Stuck(bp.PlaygroundModel):
        def step(self, n=1):
            self.problem = "update: diverged"
            return 0

    monkeypatch.setattr(bp, "PlaygroundModel", Stuck)
    with pytest.raises(RuntimeError, match="the demo stopped: update: diverged"):
        bp.demo_run(steps=50)


def test_draw_demo_titles_say_the_measured_accuracy():
    run = bp.demo_run(steps=20)
    figure = bp.draw_demo(run).figure
    before, after, losses = figure.axes
    assert f"{100 * run['history']['test_accuracy'][0]:.0f}%" in before.get_title()
    assert after.get_title() == (
        f"after 20 steps: {100 * run['history']['test_accuracy'][-1]:.0f}% of test points right")
    for ax in (before, after):  # the dots drawn are the training points
        dots = np.concatenate([np.column_stack(line.get_data()) for line in ax.lines])
        assert len(dots) == len(run["X"]) and np.isin(dots, run["X"]).all()
    assert [line.get_label() for line in losses.lines] == ["training points", "test points"]
    np.testing.assert_array_equal(losses.lines[0].get_xdata(), run["history"]["step"])


def test_demo_playground_uses_the_demo_settings_and_saves_a_picture():
    board = bp.demo_playground()
    assert board.speed.value == bp.DEMO_SPEED
    assert all(board.model.settings[k] == v for k, v in bp.DEMO.items())
    assert board.step() == bp.DEMO_SPEED
    bundle = board._repr_mimebundle_()
    assert "image/png" in bundle


def test_staircase_network_has_one_hidden_layer_of_steps():
    W1, b1, W2, b2 = bp.staircase_params(5)
    assert W1.shape == (1, 5) and b1.shape == (5,) and W2.shape == (5, 1) and b2.shape == (1,)
    x = np.linspace(0.0, 1.0, 11)
    output, hidden = bp.one_hidden_layer(x, (W1, b1, W2, b2))
    manual = 1.0 / (1.0 + np.exp(-(x[:, None] @ W1 + b1))) @ W2 + b2
    np.testing.assert_allclose(output, manual[:, 0])
    assert hidden.shape == (11, 5) and ((hidden > 0) & (hidden < 1)).all()
    with pytest.raises(ValueError, match="at least one hidden unit"):
        bp.staircase_params(0)


def test_more_units_give_a_closer_copy():
    gaps = [bp.approximation_state(n)["max_error"] for n in (2, 4, 8, 16, 32, 64)]
    assert all(a > b for a, b in zip(gaps, gaps[1:], strict=False)), gaps
    state = bp.approximation_state(12)
    np.testing.assert_allclose(state["parts"].sum(axis=1) + bp.target_curve(0.0),
                               state["output"])


def test_bump_is_the_difference_of_two_steps_and_never_overflows():
    x = np.linspace(-100.0, 100.0, 2001)
    with np.errstate(all="raise"):
        up, down, hump = bp.bump(x, steepness=1e4)
    np.testing.assert_allclose(hump, up - down)
    assert up[0] == 0.0 and up[-1] == 1.0


def test_draw_approximation_has_a_bump_panel_and_one_panel_per_width():
    figure = bp.draw_approximation().figure
    assert len(figure.axes) == 1 + len(bp.APPROX_UNITS)
    for ax, n in zip(figure.axes[1:], bp.APPROX_UNITS, strict=True):
        gap = bp.approximation_state(n)["max_error"]
        assert ax.get_title() == f"{n} hidden units: largest gap {gap:.2f}"
