"""Live controls of lessons 02 and 03, without a browser: a control's change redraws in place."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pytest
from support.stacking import axes_edges, whole_figure

from nncourse.widgets.activations import (
    ACTIVATIONS,
    activation_and_slope,
    activation_explorer,
    activation_state,
)
from nncourse.widgets.forward import (
    BINS,
    MAX_DEPTH,
    forward_explorer,
    forward_state,
    init_std,
    layer_activations,
)

# ---------------------------------------------------------------- lesson 02: activations


def test_sigmoid_state_is_f_of_z_with_z_equal_w_x_plus_b_and_its_chain_rule_slope():
    state = activation_state("sigmoid", 4.0, 2.0, -1.0)
    x = state["x"]
    np.testing.assert_allclose(state["z"], 2.0 * x - 1.0)  # the pre-activation, as in lesson 02
    s = 1 / (1 + np.exp(-(2.0 * x - 1.0)))
    np.testing.assert_allclose(state["a"], s)
    np.testing.assert_allclose(state["slope"], 2.0 * s * (1 - s))
    assert x[0] == -4.0 and x[-1] == 4.0


def test_activation_panel_uses_the_lessons_notation():
    """The input is x, the pre-activation z = w x + b, the output a = f(z) (lesson 02's table)."""
    panel = activation_explorer()
    a_ax, slope_ax = panel.live.axes
    assert a_ax.get_title() == "a = f(z),  z = w·x + b" and a_ax.get_xlabel() == "input x"
    assert slope_ax.get_title() == "da/dx = w·f'(z)"
    assert "x_max" in panel.controls and "z_max" not in panel.controls
    assert "f'(z)" in panel.readout.value and "da/dx" in panel.readout.value


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_slopes_match_centred_differences(name):
    u = np.array([-3.0, -0.7, 0.4, 2.5])
    h = 1e-6
    f, fprime = activation_and_slope(name, u)
    numeric = (activation_and_slope(name, u + h)[0] - activation_and_slope(name, u - h)[0]) / (
        2 * h)
    np.testing.assert_allclose(fprime, numeric, rtol=1e-5, atol=1e-8)
    assert f.shape == u.shape


def test_extreme_inputs_do_not_overflow_or_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f, fprime = activation_and_slope("sigmoid", np.array([-1e4, 1e4]))
        state = activation_state("sigmoid", 20.0, 5.0, 5.0)
    np.testing.assert_allclose(f, [0.0, 1.0])
    np.testing.assert_allclose(fprime, [0.0, 0.0])
    assert np.isfinite(state["slope"]).all()


def test_saturation_share_follows_weight_and_bias():
    assert activation_state("sigmoid", 8.0, 5.0, 0.0)["flat_share"] > activation_state(
        "sigmoid", 8.0, 1.0, 0.0)["flat_share"]
    assert activation_state("relu", 8.0, 1.0, 0.0)["flat_share"] == pytest.approx(0.5, abs=0.01)
    assert activation_state("relu", 8.0, 1.0, -4.0)["flat_share"] == pytest.approx(0.75, abs=0.01)
    assert activation_state("leaky_relu", 8.0, 1.0, -4.0)["flat_share"] == 0.0
    assert activation_state("linear", 20.0, 3.0, 1.0)["flat_share"] == 0.0


def test_activation_state_rejects_bad_values():
    with pytest.raises(ValueError, match="activation should be one of"):
        activation_state("softplus")
    with pytest.raises(ValueError, match="x_max should be positive"):
        activation_state("tanh", 0.0)
    with pytest.raises(ValueError, match="w should be finite"):
        activation_state("tanh", 2.0, float("nan"))
    with pytest.raises(TypeError, match="b should be a number"):
        activation_state("tanh", 2.0, 1.0, "0")


def test_activation_dropdown_redraws_the_same_figure():
    panel = activation_explorer()
    live = panel.live
    figure, image, renders = live.figure, live.image.value, live.renders
    readout = panel.readout.value
    panel.controls["activation"].value = "relu"
    assert live.figure is figure
    assert live.renders == renders + 1
    assert live.image.value != image
    assert panel.readout.value != readout and "relu" in panel.readout.value
    np.testing.assert_allclose(live.a_line.get_ydata(), np.maximum(panel.state["x"], 0.0))
    np.testing.assert_allclose(live.slope_line.get_ydata(), (panel.state["x"] > 0).astype(float))


def test_weight_and_range_sliders_change_curves_and_limits():
    panel = activation_explorer()
    panel.controls["w"].value = 3.0
    s = 1 / (1 + np.exp(-3.0 * panel.state["x"]))
    np.testing.assert_allclose(panel.live.slope_line.get_ydata(), 3.0 * s * (1 - s))
    panel.controls["x_max"].value = 15.0
    a_ax, slope_ax = panel.live.axes
    assert a_ax.get_xlim() == pytest.approx((-15.0, 15.0))
    assert slope_ax.get_ylim()[1] >= 0.75  # peak slope 3 * 0.25 fits
    band = panel.live.flat_band.get_ydata()
    assert np.isnan(band).sum() == (~panel.state["flat"]).sum()


def test_activation_panel_survives_a_bad_value():
    panel = activation_explorer()
    panel.controls["w"].value = float("nan")
    assert "Could not draw: ValueError" in panel.readout.value
    panel.controls["w"].value = 1.0
    assert "Could not draw" not in panel.readout.value


def _png_pixels(png: bytes) -> np.ndarray:
    from io import BytesIO

    from PIL import Image

    return np.asarray(Image.open(BytesIO(png)))


def test_activation_panel_redraws_one_panel_to_the_same_pixels_as_a_full_redraw():
    """A change redraws only the panel whose limits moved (or blits a kept background); every
    frame equals the same figure drawn whole."""
    panel, whole = activation_explorer(), activation_explorer()
    rng = np.random.default_rng(0)
    for _ in range(60):
        name = rng.choice(["activation", "x_max", "w", "b"])
        value = {"activation": lambda: str(rng.choice(ACTIVATIONS)),
                 "x_max": lambda: float(rng.choice(np.arange(1.0, 20.5, 0.5))),
                 "w": lambda: float(np.round(rng.uniform(-5, 5), 1)),
                 "b": lambda: float(np.round(rng.uniform(-5, 5), 1))}[name]()
        panel.controls[name].value = value
        whole.live.invalidate()  # forget every background: draw the whole figure
        whole.controls[name].value = value
        np.testing.assert_array_equal(_png_pixels(panel.live.png), _png_pixels(whole.live.png),
                                      err_msg=str(panel.values))


@pytest.mark.parametrize("setting", [{"activation": "relu", "w": 5.0, "b": -5.0},
                                     {"activation": "sigmoid", "w": -3.0, "b": 2.0},
                                     {"activation": "leaky_relu", "w": -5.0, "b": -5.0}])
def test_input_range_redraws_the_panels_on_kept_y_axes_like_a_full_redraw(setting):
    """The x range moves both panels' x axes: each panel is redrawn in its region over a kept
    picture of its y axis, the gap between the panels put together from both (the whole
    figure only where two panels' labels touch), and every frame equals the same figure
    drawn whole."""
    panel, whole = activation_explorer(**setting), activation_explorer(**setting)
    full_draws = []
    draw = panel.live.canvas.draw
    panel.live.canvas.draw = lambda: (full_draws.append(1), draw())[1]
    stops = [float(v) for v in np.arange(1.0, 20.5, 0.5)]
    values = [v for v in [*stops, *stops[-2::-3]] if v]
    for value in values:
        if value == panel.controls["x_max"].value:
            continue
        panel.controls["x_max"].value = value
        whole.live.invalidate()
        whole.controls["x_max"].value = value
        np.testing.assert_array_equal(_png_pixels(panel.live.png), _png_pixels(whole.live.png),
                                      err_msg=str(panel.values))
    assert len(full_draws) <= 2  # tick labels crossing into the gap between panels are kept


def test_weight_redraws_like_a_full_redraw_where_labels_crowd_the_gap():
    """At a narrow input range the slope panel's y tick labels reach the left panel (a full
    draw then blends them): every frame still equals the same figure drawn whole."""
    setting = {"activation": "sigmoid", "x_max": 1.0, "b": -5.0}
    panel, whole = activation_explorer(**setting), activation_explorer(**setting)
    for value in [*np.round(np.arange(-5.0, 5.01, 0.3), 1), 1.0, -2.0, 0.5]:
        panel.controls["w"].value = float(value)
        whole.live.invalidate()
        whole.controls["w"].value = float(value)
        np.testing.assert_array_equal(_png_pixels(panel.live.png), _png_pixels(whole.live.png),
                                      err_msg=str(panel.values))


def test_activation_panel_keeps_backgrounds_of_limits_it_has_drawn():
    panel = activation_explorer(b=-5.0)
    live = panel.live
    full_draws = []
    draw = live.canvas.draw
    live.canvas.draw = lambda: (full_draws.append(1), draw())[1]
    for name in [*ACTIVATIONS[1:], ACTIVATIONS[0]]:  # every option once: drawn
        panel.controls["activation"].value = name
    first = len(full_draws)
    for name in [*ACTIVATIONS[1:], ACTIVATIONS[0]]:  # again: blits on kept backgrounds
        panel.controls["activation"].value = name
    assert len(full_draws) == first


# ---------------------------------------------------------------- lesson 03: forward pass


def test_init_std_formulas():
    assert init_std("zeros", 10, 20) == 0.0
    assert init_std("xavier", 10, 20) == pytest.approx(np.sqrt(2 / 30))
    assert init_std("he", 10, 20) == pytest.approx(np.sqrt(2 / 10))
    with pytest.raises(ValueError, match="method should be one of"):
        init_std("uniform", 3, 3)


def test_he_keeps_relu_activations_steady_and_xavier_lets_them_fade():
    he = forward_state(8, 256, "he", 1.0, "relu")["std"]
    xavier = forward_state(8, 256, "xavier", 1.0, "relu")["std"]
    assert 0.5 < he[-1] / he[0] < 2.0
    assert xavier[-1] < xavier[0] / 4


def test_tanh_scale_collapses_or_saturates():
    small = forward_state(8, 128, "xavier", 0.5, "tanh")
    plain = forward_state(8, 128, "xavier", 1.0, "tanh")
    large = forward_state(8, 128, "xavier", 3.0, "tanh")
    assert small["std"][-1] < 0.01
    assert plain["extreme"][-1] < 0.01
    assert large["extreme"][-1] > 0.25  # many units pinned at |a| > 0.99


def test_zeros_init_gives_identical_zero_units():
    state = forward_state(3, 32, "zeros", 1.0, "tanh")
    assert state["std"] == [0.0, 0.0, 0.0]
    middle = BINS // 2
    assert np.all(state["heights"][:, middle] == 1.0) or np.all(
        state["heights"][:, middle - 1] == 1.0)
    relu = forward_state(3, 32, "zeros", 1.0, "relu")
    assert relu["extreme"] == [1.0, 1.0, 1.0]  # every activation exactly 0
    assert not relu["heights"].any()


def test_state_shapes_and_scale_rescales_the_same_network():
    state = forward_state(4, 64, "he", 1.0, "relu")
    assert state["heights"].shape == (4, BINS)
    assert np.allclose(state["heights"].max(axis=1), 1.0)
    first = layer_activations(1, 64, "he", 1.0, "relu")[0]
    doubled = layer_activations(1, 64, "he", 2.0, "relu")[0]
    np.testing.assert_allclose(doubled, 2.0 * first)  # relu is positively homogeneous


def test_forward_state_rejects_bad_values():
    with pytest.raises(ValueError, match="depth should be between"):
        forward_state(depth=MAX_DEPTH + 1)
    with pytest.raises(TypeError, match="width should be an integer"):
        forward_state(width=12.5)
    with pytest.raises(ValueError, match="scale should be"):
        forward_state(scale=-1.0)
    with pytest.raises(ValueError, match="activation should be one of"):
        forward_state(activation="sigmoid")


def _shown_layers(panel) -> list[bool]:
    """Which plots show: a layer beyond ``depth`` has no bars and a blank cover over it."""
    live = panel.live
    return [stairs.get_visible() and not cover.get_visible()
            for stairs, cover in zip(live.stairs, live.covers, strict=True)]


def _pixels(panel) -> np.ndarray:
    """The panel's picture as it is now, RGB."""
    import io

    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(panel.live.render())).convert("RGB"))


def test_depth_slider_shows_one_axes_per_layer():
    panel = forward_explorer(depth=5)
    assert _shown_layers(panel) == [True] * 5 + [False] * (MAX_DEPTH - 5)
    image = panel.live.image.value
    panel.controls["depth"].value = 2
    assert _shown_layers(panel) == [True] * 2 + [False] * (MAX_DEPTH - 2)
    assert panel.live.image.value != image
    assert panel.readout.value.count("<td>") == 3 * 2


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_covered_layers_look_like_hidden_plots(activation):
    """A cover leaves the same pixels as hiding the plot and drawing the whole figure."""
    panel = forward_explorer(depth=3, activation=activation)
    covered = _pixels(panel)
    live = panel.live
    for ax, cover in zip(live.axes[3:], live.covers[3:], strict=True):
        ax.set_visible(False)
        cover.set_visible(False)
    live.invalidate()
    np.testing.assert_array_equal(covered, _pixels(panel))


def test_controls_redraw_no_whole_figure_and_match_a_fresh_panel():
    """After the panel is built, no control redraws the whole figure (depth and activation
    switch cached backgrounds), and the picture is the one a fresh panel draws."""
    panel = forward_explorer()
    draws = []
    original = panel.live.canvas.draw
    panel.live.canvas.draw = lambda *a, **k: (draws.append(1), original(*a, **k))
    for name, value in [("depth", 10), ("activation", "relu"), ("depth", 2), ("width", 64),
                        ("scale", 2.0), ("method", "he"), ("activation", "tanh"),
                        ("depth", 7), ("method", "zeros"), ("method", "xavier")]:
        panel.controls[name].value = value
    assert draws == []
    cached = _pixels(panel)
    fresh = forward_explorer(**panel.values)
    np.testing.assert_array_equal(cached, _pixels(fresh))
    assert panel.readout.value == fresh.readout.value
    panel.live.invalidate()  # a whole redraw of the same figure
    np.testing.assert_array_equal(cached, _pixels(panel))


def test_scale_slider_updates_bar_heights_in_place():
    panel = forward_explorer()
    live = panel.live
    figure, stairs, renders = live.figure, list(live.stairs), live.renders
    readout = panel.readout.value
    panel.controls["scale"].value = 0.3
    assert live.figure is figure and live.stairs == stairs
    assert live.renders == renders + 1
    assert panel.readout.value != readout
    np.testing.assert_allclose(live.stairs[0].get_data().values, panel.state["heights"][0])
    expected = forward_state(5, 128, "xavier", 0.3, "tanh")
    np.testing.assert_allclose(panel.state["std"], expected["std"])


def test_activation_and_method_dropdowns():
    panel = forward_explorer()
    panel.controls["activation"].value = "relu"
    assert panel.live.axes[0].get_xlim() == pytest.approx((0.0, 4.0))
    assert "exactly 0" in panel.readout.value
    panel.controls["method"].value = "he"
    assert "he init" in panel.readout.value
    assert panel.state["weight_std"] == pytest.approx(np.sqrt(2 / 128))


def test_depth_slider_reaches_the_ten_layers_of_question_2():
    """Lesson 03's question 2 asks about 10 layers of width 256: the control can show them."""
    panel = forward_explorer()
    assert panel.controls["depth"].max == MAX_DEPTH == 10
    assert panel.controls["width"].max >= 256
    panel.controls["width"].value = 256
    panel.controls["activation"].value = "relu"
    panel.controls["depth"].value = 10
    assert "Could not draw" not in panel.readout.value
    assert _shown_layers(panel) == [True] * 10
    assert panel.readout.value.count("<td>") == 3 * 10
    std = panel.state["std"]
    assert len(std) == 10 and np.all(np.diff(std) < 0)  # xavier + relu fades


def test_raising_depth_keeps_the_layout_of_a_panel_opened_at_full_depth():
    """Opened at depth 5 and raised to 10, the second row of histograms sits where it does in a
    panel opened at depth 10: room for its titles and tick labels was kept from the start."""
    def positions(panel):
        return [tuple(np.round(ax.get_position().bounds, 6)) for ax in panel.live.axes]

    grown = forward_explorer(depth=5)
    before = positions(grown)
    grown.controls["depth"].value = MAX_DEPTH
    full = forward_explorer(depth=MAX_DEPTH)
    assert positions(grown) == before == positions(full)
    renderer = full.live.canvas.get_renderer()
    first_row_bottom = min(ax.get_tightbbox(renderer).y0 for ax in full.live.axes[:5])
    second_row_top = max(ax.get_tightbbox(renderer).y1 for ax in full.live.axes[5:])
    assert second_row_top <= first_row_bottom  # titles clear of the row above's tick labels


# ---------------------------------------------------------------- lesson 03: the 2-2-1 explorer

from nncourse.widgets import hidden  # noqa: E402


def test_hidden_state_is_the_2_2_1_forward_pass():
    values = dict(zip(hidden.SLIDERS, [1.0, -2.0, 0.5, 3.0, 1.0, -1.0, 2.0, -1.5, 0.25],
                      strict=True))
    state = hidden.hidden_state(**values)
    X = state["X"]
    sig = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
    h1 = sig(1.0 * X[:, 0] - 2.0 * X[:, 1] + 0.5)
    h2 = sig(3.0 * X[:, 0] + 1.0 * X[:, 1] - 1.0)
    np.testing.assert_allclose(state["H"], np.column_stack([h1, h2]))
    np.testing.assert_allclose(state["p"], sig(2.0 * h1 - 1.5 * h2 + 0.25))
    assert state["accuracy"] == np.mean((state["p"] >= 0.5) == state["y"])


def test_unit_lines_lie_on_w_dot_x_plus_b_equal_zero():
    state = hidden.hidden_state()
    for (w1, w2, b), segment in zip([(5.0, 5.0, -2.5), (5.0, 5.0, -7.5)], state["unit_lines"],
                                    strict=True):
        np.testing.assert_allclose(segment @ np.array([w1, w2]) + b, 0.0, atol=1e-9)
    assert np.isnan(hidden.line_segment(0.0, 0.0, 1.0)).all()
    vertical = hidden.line_segment(2.0, 0.0, -1.0)
    np.testing.assert_allclose(vertical[:, 0], 0.5)


def test_output_boundary_is_where_p_is_one_half():
    state = hidden.hidden_state(h2_w1=10.0)
    axis = np.linspace(hidden.LOW, hidden.HIGH, hidden.GRID)
    params = state["params"]
    from nncourse.reference.forward import mlp_forward
    for line in state["boundary"]:
        p = mlp_forward(line, params, "sigmoid", "sigmoid")[0][:, 0]
        assert np.abs(p - 0.5).max() < 0.05
    assert state["P_input"].shape == (axis.size, axis.size)
    # the output line in hidden space: w1 h1 + w2 h2 + b = 0
    seg = state["output_line"]
    np.testing.assert_allclose(seg @ np.array([10.0, -10.0]) - 5.0, 0.0, atol=1e-9)


def test_hidden_state_rejects_bad_values():
    with pytest.raises(ValueError, match="h1_w1 should be finite"):
        hidden.hidden_state(h1_w1=float("nan"))
    with pytest.raises(TypeError, match="out_b should be a number"):
        hidden.hidden_state(out_b="1")


def test_hidden_explorer_stacks_its_artists_as_a_whole_figure_draw():
    """In each space: the probability image under the lines under the axes' frame under the
    points, as matplotlib draws the figure whole (support/stacking.py): the images veiled
    the points and covered the frames' top and left. Only where the y axes' tick marks,
    drawn once under the images, meet the frame may a pixel differ."""
    live, whole = hidden.hidden_explorer(), hidden.hidden_explorer()
    edges = axes_edges(live.live.figure)
    for name, value in [(None, None), ("h1_w1", 3.0), ("out_b", -4.0), ("h2_b", 1.5),
                        ("out_w1", -6.0)]:
        if name is not None:
            for panel in (live, whole):
                panel.controls[name].value = value
        differ = (_pixels(live) != whole_figure(whole.live)[..., :3]).any(axis=2)
        assert not (differ & ~edges).any(), (name, np.argwhere(differ & ~edges)[:5])
        assert differ.sum() <= 24, (name, differ.sum())


def test_hidden_explorer_has_nine_sliders_and_redraws_in_place():
    panel = hidden.hidden_explorer()
    assert list(panel.controls) == list(hidden.SLIDERS)
    assert all(c.min == -hidden.WEIGHT_RANGE and c.max == hidden.WEIGHT_RANGE
               for c in panel.controls.values())
    assert "160 of 160 points right" in panel.readout.value
    live = panel.live
    figure, image, renders = live.figure, live.image.value, live.renders
    panel.controls["h2_w1"].value = 10.0
    assert live.figure is figure and live.renders == renders + 1 and live.image.value != image
    assert "116 of 160 points right" in panel.readout.value
    np.testing.assert_allclose(live.hidden_points.get_offsets(), panel.state["H"])
    np.testing.assert_allclose(np.column_stack(live.unit_lines[1].get_data()),
                               panel.state["unit_lines"][1])
    assert len(live.boundary.get_segments()) == len(panel.state["boundary"]) == 1
    panel.controls["h1_w1"].value = 0.0
    panel.controls["h1_w2"].value = 0.0  # unit 1 has no line: nothing drawn, no error
    assert "Could not draw" not in panel.readout.value


def test_only_the_output_sliders_redraw_hidden_space_background():
    """The hidden-space probability depends on the output's sliders only: the hidden units'
    sliders blit on the cached background, and the picture matches a fresh panel's."""
    panel = hidden.hidden_explorer()
    layer_draws = []
    original = panel.live.h_image.draw
    panel.live.h_image.draw = lambda *a, **k: (layer_draws.append(1), original(*a, **k))
    for name in ("h1_w1", "h1_b", "h2_w2"):
        panel.controls[name].value = 3.0
    assert layer_draws == []
    panel.controls["out_b"].value = -4.0
    assert layer_draws == [1]
    fresh = hidden.hidden_explorer(**panel.values)
    np.testing.assert_array_equal(_pixels(panel), _pixels(fresh))


def test_output_sliders_match_a_fresh_panel_at_each_value():
    panel = hidden.hidden_explorer(h1_w1=3.0, h2_b=-4.0)
    for name, value in [("out_w1", -20.0), ("out_w2", 7.5), ("out_b", 19.5), ("h1_b", 1.0),
                        ("out_w1", 0.0)]:
        panel.controls[name].value = value
        fresh = hidden.hidden_explorer(**panel.values)
        np.testing.assert_array_equal(_pixels(panel), _pixels(fresh), err_msg=f"{name}={value}")


@pytest.mark.parametrize("values", [{}, {"out_w1": 20.0, "out_w2": -3.0, "out_b": -8.0},
                                    {"h1_w1": -12.5, "h2_b": 3.0, "out_b": 0.5}])
def test_probability_backgrounds_look_as_matplotlibs_images_of_the_grids(values):
    """The backgrounds, written pixel by pixel, look as the images of the 101 x 101 grids
    that matplotlib resampled before (same order of drawing, same colours and alpha): the
    same picture, a little sharper where the probability changes fastest."""
    panel = hidden.hidden_explorer(**values)
    ours = _pixels(panel).astype(int)
    live = panel.live
    for artist, key, extent, over in ((live.p_image, "P_input", (-0.5, 1.5, -0.5, 1.5), False),
                                      (live.h_image, "P_hidden", (0.0, 1.0, 0.0, 1.0), True)):
        artist.set_visible(False)
        image = artist.axes.imshow(panel.state[key], origin="lower", extent=extent,
                                   cmap="RdBu_r", vmin=0.0, vmax=1.0, alpha=0.35,
                                   interpolation="bilinear")
        if over:
            live.layer(image)
        else:
            image.set_animated(True)
            live._animated.insert(0, image)  # drawn first over the background, as before
    assert live.axes[1].get_xlim() == pytest.approx((-0.05, 1.05))
    live.invalidate()
    difference = np.abs(ours - _pixels(panel)).max(axis=2)
    # the grid's bilinear image blurs the steepest edges a little: a few pixels differ there
    assert difference.max() <= 24 and difference.mean() < 1.0
    assert np.mean(difference <= 2) > 0.95


def test_hidden_space_pixels_show_the_probability_at_their_centres():
    panel = hidden.hidden_explorer(out_w1=7.5, out_w2=-4.0, out_b=-1.0)
    pixels = _pixels(panel)
    ax = panel.live.axes[1]
    height = pixels.shape[0]
    for h1, h2 in [(0.3, 0.5), (0.42, 0.9), (0.55, 0.1)]:
        x, y = ax.transData.transform((h1, h2))
        column, row = int(x), int(height - y)
        centre = ax.transData.inverted().transform((column + 0.5, height - row - 0.5))
        p = 1 / (1 + np.exp(-(7.5 * centre[0] - 4.0 * centre[1] - 1.0)))
        colour = np.asarray(matplotlib.colormaps["RdBu_r"](p, bytes=True)[:3], float)
        expected = 255 + (colour - 255) * 0.35
        assert np.abs(pixels[row, column] - expected).max() <= 1.0, (h1, h2)


def test_hidden_explorer_leaves_a_picture_when_saved():
    bundle = hidden.hidden_explorer()._repr_mimebundle_()
    assert "image/png" in bundle and "application/vnd.jupyter.widget-view+json" in bundle


def test_width_sweep_is_deterministic_and_numpy_only():
    first = hidden.width_sweep(widths=(1, 3), epochs=5)
    again = hidden.width_sweep(widths=(1, 3), epochs=5)
    assert [r["width"] for r in first] == [1, 3]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a["P"], b["P"])
        assert a["params"][0][0].shape == (2, a["width"])
        assert 0.0 <= a["accuracy"] <= 1.0
    import matplotlib.pyplot as plt
    fig = hidden.show_width_sweep(first)
    try:
        assert [ax.get_title().split(":")[0] for ax in fig.axes] == ["1 hidden unit",
                                                                     "3 hidden units"]
    finally:
        plt.close(fig)
