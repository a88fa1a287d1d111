"""Live controls, without a browser: moving a control changes what is drawn, in place."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import move_control

from nncourse.live import ControlPanel, LiveFigure, slider
from nncourse.widgets.neuron import neuron_explorer, neuron_state
from nncourse.widgets.welcome import rescale_state, scale_explorer


def test_neuron_state_is_the_sigmoid_of_the_weighted_sum():
    state = neuron_state(2.0, -1.0, 0.5, "AND")
    points = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_allclose(state["p"], 1 / (1 + np.exp(-(points @ [2.0, -1.0] + 0.5))))
    assert state["correct"] == int(((state["p"] >= 0.5) == [0, 0, 0, 1]).sum())


def test_and_weights_solve_and_but_not_xor():
    assert neuron_state(1.0, 1.0, -1.5, "AND")["correct"] == 4
    assert neuron_state(1.0, 1.0, -0.5, "OR")["correct"] == 4
    assert max(neuron_state(w1, w2, b, "XOR")["correct"]
               for w1 in (-2, 1, 2) for w2 in (-2, 1, 2) for b in (-3, -1, 0, 1)) == 3


def test_unknown_gate_is_a_clear_error():
    with pytest.raises(ValueError, match="gate should be one of"):
        neuron_state(1, 1, 0, "NAND")


def test_moving_w1_redraws_the_same_figure():
    panel = neuron_explorer()
    move_control(panel, "w1", -3.0)
    np.testing.assert_allclose(panel.state["p"], neuron_state(-3.0, 1.0, -1.5)["p"])
    x_line, y_line = panel.live.boundary.get_data()
    np.testing.assert_allclose(y_line, -(-3.0 * np.asarray(x_line) - 1.5) / 1.0)


def test_gate_dropdown_changes_targets():
    panel = neuron_explorer()
    panel.controls["gate"].value = "XOR"
    assert list(panel.state["target"]) == [0, 1, 1, 0]
    assert "XOR" in panel.readout.value


def test_scale_slider_moves_raw_but_not_standardized():
    panel = scale_explorer()
    before = panel.state["scaled"].copy()
    raw_before = panel.state["raw"].copy()
    panel.controls["log10_scale"].value = 2.0
    np.testing.assert_allclose(panel.state["scaled"], before, atol=1e-9)
    np.testing.assert_allclose(panel.state["raw"][:, 1], raw_before[:, 1] * 100.0)
    assert rescale_state(2.0)["scale"] == pytest.approx(100.0)


def test_a_failing_compute_shows_an_error_instead_of_dying():
    live = LiveFigure()
    (line,) = live.ax.plot([0, 1], [0, 1])
    live.animate(line)

    def compute(k):
        if k > 1:
            raise ValueError("k too large")
        return {"y": [0, k]}

    def draw(live, state):
        line.set_ydata(state["y"])
        return "ok"

    panel = ControlPanel({"k": slider("k", 0.5, 0.0, 2.0)}, compute, draw, live)
    assert panel.readout.value == "ok"
    panel.controls["k"].value = 2.0
    assert "Could not draw: ValueError: k too large" in panel.readout.value
    panel.controls["k"].value = 1.0
    assert panel.readout.value == "ok"
