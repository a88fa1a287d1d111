"""Live controls of lessons 04 (loss) and 05 (backprop): pure state, and redraws in place."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import move_control

from nncourse.widgets.backprop import neuron_graph_explorer, neuron_graph_state
from nncourse.widgets.loss import (
    OUTLIER_RANGE,
    TYPICAL,
    W_RANGE,
    loss_curve_explorer,
    loss_curve_state,
    outlier_data,
    outlier_explorer,
    outlier_state,
    probability_explorer,
    probability_state,
    toy_data,
)


def test_probability_state_matches_the_formulas():
    s = probability_state(0.2, 1)
    assert s["mse"] == pytest.approx(0.64)
    assert s["bce"] == pytest.approx(-np.log(0.2))
    assert s["dbce_dz"] == pytest.approx(0.2 - 1)
    assert s["dmse_dz"] == pytest.approx(2 * (0.2 - 1) * 0.2 * 0.8)
    s0 = probability_state(0.2, 0)
    assert s0["bce"] == pytest.approx(-np.log(0.8))
    np.testing.assert_allclose(s0["bce_curve"], -np.log(1 - s0["grid"]))


def test_cross_entropy_slope_in_z_does_not_vanish_for_confident_mistakes():
    s = probability_state(0.001, 1)
    assert abs(s["dbce_dz"]) > 0.99
    assert abs(s["dmse_dz"]) < 0.01


@pytest.mark.parametrize("p, y", [(0.0, 1), (1.0, 0), (0.5, 2), (float("nan"), 1)])
def test_probability_state_rejects_bad_values(p, y):
    with pytest.raises(ValueError):
        probability_state(p, y)


def test_probability_slider_redraws_the_same_figure():
    panel = probability_explorer()
    move_control(panel, "p", 0.05)
    assert panel.state["bce"] == pytest.approx(-np.log(0.05))
    x, y = panel.live.bce_dot.get_data()
    assert x[0] == pytest.approx(0.05) and y[0] == pytest.approx(-np.log(0.05))


def test_label_dropdown_mirrors_the_curves():
    panel = probability_explorer()
    panel.controls["y"].value = 0
    np.testing.assert_allclose(panel.live.mse_line.get_ydata(), panel.state["grid"] ** 2)
    assert "y = 0" in panel.readout.value


def test_loss_curve_state_slope_is_the_derivative_of_the_curve():
    for loss in ("cross-entropy", "MSE"):
        h = 1e-5
        slope = loss_curve_state(1.3, loss)["slope"]
        numeric = (loss_curve_state(1.3 + h, loss)["value"]
                   - loss_curve_state(1.3 - h, loss)["value"]) / (2 * h)
        assert slope == pytest.approx(numeric, rel=1e-6)


def test_loss_curve_tangent_stays_inside_the_plot_and_touches_the_dot():
    for loss in ("cross-entropy", "MSE"):
        for w in (W_RANGE[0], -1.0, W_RANGE[1]):
            state = loss_curve_state(w, loss)
            (w0, w1), (v0, v1) = state["tangent"]
            assert W_RANGE[0] <= w0 <= w <= w1 <= W_RANGE[1]
            assert w1 - w0 == pytest.approx(1.6)
            assert v0 + state["slope"] * (w - w0) == pytest.approx(state["value"])


def test_loss_curve_accuracy_is_a_staircase_and_matches_predictions():
    x, y = toy_data()
    state = loss_curve_state(2.0)
    p = 1 / (1 + np.exp(-(2.0 * x + 1.0)))
    assert state["accuracy"] == pytest.approx(np.mean((p >= 0.5) == y))
    steps = np.diff(state["acc_curve"])
    assert (steps == 0).mean() > 0.8  # flat almost everywhere
    assert state["value"] == pytest.approx(
        -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def test_loss_curve_rejects_unknown_loss_and_bad_weight():
    with pytest.raises(ValueError, match="loss should be one of"):
        loss_curve_state(1.0, "hinge")
    with pytest.raises(ValueError):
        loss_curve_state(float("inf"))


def test_weight_slider_walks_the_curve_and_loss_dropdown_rescales():
    panel = loss_curve_explorer()
    image, renders = panel.live.image.value, panel.live.renders
    panel.controls["w"].value = 2.5
    assert panel.live.renders == renders + 1 and panel.live.image.value != image
    x, y = panel.live.loss_dot.get_data()
    assert x[0] == pytest.approx(2.5) and y[0] == pytest.approx(panel.state["value"])
    top_before = panel.live.axes[0].get_ylim()[1]
    panel.controls["loss"].value = "MSE"
    assert panel.live.axes[0].get_ylim()[1] != top_before
    assert "MSE" in panel.readout.value
    np.testing.assert_allclose(panel.live.curve.get_ydata(), panel.state["curve"])


def test_neuron_graph_gradients_follow_the_chain_rule():
    s = neuron_graph_state(1.5, -0.8, 0.3, 1)
    value, grad = s["value"], s["grad"]
    p = 1 / (1 + np.exp(-(-0.8 * 1.5 + 0.3)))
    assert value["p"] == pytest.approx(p) and value["L"] == pytest.approx(-np.log(p))
    assert grad["z"] == pytest.approx(p - 1)
    assert grad["z"] == pytest.approx(grad["p"] * s["local"]["dp/dz"])
    assert grad["w"] == pytest.approx((p - 1) * 1.5)
    assert grad["x"] == pytest.approx((p - 1) * -0.8)
    assert grad["b"] == pytest.approx(grad["z"])


def test_neuron_graph_gradient_of_w_matches_a_numerical_slope():
    h = 1e-6
    for y in (0, 1):
        s = neuron_graph_state(-0.7, 1.2, -0.4, y)
        numeric = (neuron_graph_state(-0.7, 1.2 + h, -0.4, y)["value"]["L"]
                   - neuron_graph_state(-0.7, 1.2 - h, -0.4, y)["value"]["L"]) / (2 * h)
        assert s["grad"]["w"] == pytest.approx(numeric, rel=1e-6)


def test_neuron_graph_rejects_bad_inputs():
    with pytest.raises(ValueError, match="label y"):
        neuron_graph_state(1, 1, 1, 3)
    with pytest.raises(TypeError, match="x should be a number"):
        neuron_graph_state("a", 1, 1)


def test_moving_w_updates_graph_text_in_place():
    panel = neuron_graph_explorer()
    text_artist = panel.live.grads["w"]
    before = text_artist.get_text()
    move_control(panel, "w", 2.0, readout_changes=False)
    assert panel.live.grads["w"] is text_artist and text_artist.get_text() != before
    assert panel.live.values["w"].get_text() == "2.000"
    assert f"{panel.state['grad']['w']:+.3f}" in text_artist.get_text()


def test_x_zero_gives_no_gradient_to_w_and_label_flips_signs():
    panel = neuron_graph_explorer()
    panel.controls["x"].value = 0.0
    assert panel.state["grad"]["w"] == 0.0
    z_grad = panel.state["grad"]["z"]
    panel.controls["y"].value = 0
    assert np.sign(panel.state["grad"]["z"]) == -np.sign(z_grad)
    assert "y = 0" in panel.live.label_text.get_text()


def test_neuron_graph_never_shows_a_negative_zero():
    panel = neuron_graph_explorer()
    panel.controls["x"].value = 0.0  # u = 0 * w = -0.0 and dL/dw = dL/du * 0 = -0.0 for w < 0
    texts = [a.get_text() for a in (*panel.live.values.values(), *panel.live.grads.values())]
    assert "-0.000" not in " ".join(texts) and "-0.000" not in panel.readout.value
    assert panel.live.values["u"].get_text() == "0.000"
    assert panel.live.grads["w"].get_text() == "∂L/∂w = 0.000"


def test_neuron_graph_redraws_only_the_numbers_that_changed_like_a_full_redraw():
    cached, full = neuron_graph_explorer(), neuron_graph_explorer()
    drawn = []
    for text in cached.live.values.values():
        original = text.draw
        text.draw = lambda renderer, t=text, original=original: (drawn.append(t),
                                                                 original(renderer))
    for name, value in [("x", -2.0), ("w", 2.95), ("b", -3.0), ("y", 0), ("x", 0.0),
                        ("w", -0.05), ("y", 1), ("b", 3.0)]:
        full.live.invalidate()  # this one draws everything, every time
        drawn.clear()
        for panel in (cached, full):
            panel.controls[name].value = value
        pixels = [np.asarray(p.live.canvas.buffer_rgba()) for p in (cached, full)]
        np.testing.assert_array_equal(*pixels, err_msg=f"{name}={value}")
        if name == "x":  # w's and b's values stay as they were, and are not drawn again
            assert cached.live.values["w"] not in drawn and cached.live.values["b"] not in drawn
            assert cached.live.values["x"] in drawn


def test_neuron_graph_numbers_are_the_pixels_matplotlib_draws(monkeypatch):
    """The numbers come from cached glyphs (nncourse.widgets.glyphs): after a walk of the
    sliders the picture equals a panel whose text matplotlib draws itself."""
    from nncourse.widgets import backprop

    cached = neuron_graph_explorer()
    for name, value in [("x", -2.35), ("w", 2.95), ("b", -0.05), ("y", 0), ("x", 0.0),
                        ("w", -1.7), ("b", 2.4)]:
        cached.controls[name].value = value
    monkeypatch.setattr(backprop, "cache_glyphs", lambda canvas: None)
    plain = neuron_graph_explorer(**cached.values)
    np.testing.assert_array_equal(np.asarray(cached.live.canvas.buffer_rgba()),
                                  np.asarray(plain.live.canvas.buffer_rgba()))


# ---------------------------------------------------------------- MSE vs MAE with outliers
@pytest.mark.parametrize("outlier", [OUTLIER_RANGE[0], 3.4, 12.5, 20.0, OUTLIER_RANGE[1]])
def test_outlier_state_best_constants_are_mean_and_median(outlier):
    s = outlier_state(outlier)
    y = outlier_data(outlier)
    np.testing.assert_array_equal(s["y"], y)
    assert s["best_mse"] == pytest.approx(y.mean(), abs=0.005)
    assert s["best_mae"] == pytest.approx(np.median(y), abs=1e-9)
    assert s["mse_curve"].min() == pytest.approx(np.mean((y - y.mean()) ** 2), abs=1e-4)
    # MAE's pulls all have size 1/n (0 for a point at the constant); MSE's sum to 1 in size
    assert set(np.round(np.abs(s["pull_mae"]) * y.size, 12)) <= {0.0, 1.0}
    assert np.abs(s["pull_mse"]).sum() == pytest.approx(1.0)


def test_loss_dropdown_switches_cached_backgrounds_and_matches_a_fresh_panel():
    """Each loss's y-axis is drawn once when the panel is built: switching the loss redraws
    no whole figure, and the picture is the one a whole redraw gives."""
    import io

    from PIL import Image

    def pixels(panel):
        return np.asarray(Image.open(io.BytesIO(panel.live.render())).convert("RGB"))

    panel = loss_curve_explorer()
    draws = []
    original = panel.live.canvas.draw
    panel.live.canvas.draw = lambda *a, **k: (draws.append(1), original(*a, **k))
    for name, value in [("loss", "MSE"), ("w", 4.0), ("loss", "cross-entropy"),
                        ("w", -2.5), ("loss", "MSE")]:
        panel.controls[name].value = value
    assert draws == []
    assert panel.live.axes[0].get_ylabel() == "MSE loss"
    cached = pixels(panel)
    panel.live.invalidate()
    np.testing.assert_array_equal(cached, pixels(panel))


def test_outlier_data_keeps_the_seven_and_rejects_bad_values():
    y = outlier_data(7.0)
    assert y[:7].tolist() == TYPICAL.tolist() and y[7:].tolist() == [7.0, 7.0]
    with pytest.raises(ValueError):
        outlier_state(float("nan"))


def test_outlier_slider_moves_the_mse_line_only():
    panel = outlier_explorer()
    mae_before = panel.live.mae_line.get_ydata()[0]
    move_control(panel, "outlier", 28.0)
    assert panel.live.mse_line.get_ydata()[0] == pytest.approx(outlier_data(28.0).mean(), abs=0.005)
    assert panel.live.mae_line.get_ydata()[0] == mae_before == 3.3
    assert panel.live.points.get_data()[1][-1] == 28.0
    assert "the mean" in panel.readout.value and "the median" in panel.readout.value
