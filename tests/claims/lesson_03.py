"""Lesson 03 (forward pass): what the worked cells and the layer-by-layer control show,
checked with the lesson's own code and the control's own defaults."""

from __future__ import annotations

import contextlib
import inspect
import io

import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch

from claims import cell_text, claim, lesson_namespace
from nncourse.diagrams import MAX_UNITS, count_parameters, layout
from nncourse.selfcheck import question
from nncourse.widgets import hidden
from nncourse.widgets.forward import (
    MAX_DEPTH,
    MAX_WIDTH,
    METHODS,
    N_SAMPLES,
    Y_TOP,
    forward_explorer,
    forward_state,
    init_std,
    layer_activations,
)

L = "03_forward_pass"
DEFAULTS = {name: p.default for name, p in inspect.signature(forward_state).parameters.items()}


def _std(**changes):
    return forward_state(**{**DEFAULTS, **changes})["std"]


def _r(value, digits):
    return round(value, digits)


# ---------------------------------------------------------------- worked shapes

@claim(L, "worked-intro", "The last line counts the network's **parameters**: its weights and "
       "biases together")
def last_line_counts_weights_and_biases():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(cell_text(L, "worked-shapes"), "<worked-shapes>", "exec"),
             dict(lesson_namespace(L, "setup")))
    last = out.getvalue().strip().splitlines()[-1]
    ns = lesson_namespace(L, "worked-shapes")
    total = sum(ns[name].size for name in ("W1", "b1", "W2", "b2"))
    assert last == f"parameters: {total}"


@claim(L, "worked-intro", r"Here that is $3 \cdot 4 + 4 + 4 \cdot 2 + 2 = 26$.")
def the_3_4_2_network_has_26_parameters():
    ns = lesson_namespace(L, "worked-shapes")
    shapes = [ns[name].shape for name in ("W1", "b1", "W2", "b2")]
    assert shapes == [(3, 4), (4,), (4, 2), (2,)]
    assert 3 * 4 + 4 + 4 * 2 + 2 == 26 == sum(ns[n].size for n in ("W1", "b1", "W2", "b2"))


# ---------------------------------------------------------------- symmetry

@claim(L, "worked-symmetry", "five identical columns: five copies of one unit")
def constant_weights_give_identical_columns():
    A = lesson_namespace(L, "worked-symmetry")["A"]
    assert A.shape[1] == 5 and np.ptp(A, axis=1).max() == 0.0 and np.ptp(A) > 0.1


@claim(L, "init-idea", "Every unit of a layer then computes the same function of the same inputs")
def constant_init_units_compute_the_same_function():
    ns = lesson_namespace(L, "worked-symmetry")
    assert np.all(ns["A"] == ns["A"][:, :1])
    for activation in ("tanh", "relu"):
        for A in layer_activations(3, 16, "zeros", 1.0, activation):
            assert np.all(A == A[:, :1])


# ---------------------------------------------------------------- how large the weights

@claim(L, "init-variance", r"$\sigma(z) \approx 0.5 + z/4$")
def sigmoid_is_a_half_plus_a_quarter_z_near_zero():
    z = np.linspace(-0.2, 0.2, 41)
    assert np.abs(1 / (1 + np.exp(-z)) - (0.5 + z / 4)).max() < 1e-3
    assert np.abs(np.tanh(z) - z).max() < 3e-3  # tanh is close to the identity there


@claim(L, "init-variance", "it halves the second moment")
def relu_halves_the_second_moment():
    # layer 1 of the control with Xavier and n_in = n_out: Var(z) = 1 for a standard normal X
    A = layer_activations(1, MAX_WIDTH, "xavier", 1.0, "relu")[0]
    assert abs(np.mean(A**2) - 0.5) < 0.03


@claim(L, "init-variance", r"after 10 layers a factor of 1.5 per layer is already "
       r"$1.5^{10} \approx 58$")
def one_point_five_to_the_tenth():
    assert round(1.5**10) == 58


@claim(L, "init-variance", r"which is exactly $\mathrm{Var}(w) = 1/n_{in}$ when $n_{in} = n_{out}$")
def xavier_is_one_over_n_in_for_square_layers():
    for n in (8, 128, 256):
        assert np.isclose(init_std("xavier", n, n) ** 2, 1 / n)
        assert np.isclose(init_std("he", n, n) ** 2 * n, 2.0)


@claim(L, "init-variance", "`rng.normal(0.0, sigma, size)` draws such values")
def rng_normal_draws_mean_zero_std_sigma():
    for sigma in (0.1, 2.0):
        draws = np.random.default_rng(0).normal(0.0, sigma, 200_000)
        assert abs(draws.mean()) < 0.01 * sigma and abs(draws.std() / sigma - 1) < 0.01
        assert abs(np.mean(np.abs(draws) < sigma) - 0.683) < 0.01  # bell-shaped: most near 0


# ---------------------------------------------------------------- the control

@claim(L, "widget-intro", "A batch of 200 random inputs (standard normal, `width` features)")
def the_batch_has_200_standard_normal_inputs():
    assert N_SAMPLES == 200
    # the lesson shows forward_explorer() with its defaults, the same as forward_state's
    assert cell_text(L, "forward-widget").strip() == "forward_explorer()"
    shown = {n: p.default for n, p in inspect.signature(forward_explorer).parameters.items()}
    assert shown == DEFAULTS
    assert (DEFAULTS["depth"], DEFAULTS["width"]) == (5, 128)  # "at depth 5 and width 128"


@claim(L, "widget-intro", "heights scaled so that in every plot the tallest bar reaches nearly "
       "the top")
def tallest_bar_nearly_reaches_the_top():
    panel = forward_explorer()
    assert all(ax.get_ylim() == (0.0, Y_TOP) for ax in panel.live.axes)
    assert 0.9 < 1 / Y_TOP < 1  # nearly, not exactly, the top
    for activation in ("tanh", "relu"):
        for method in ("xavier", "he"):
            for scale in (0.5, 1.0, 3.0):
                heights = forward_state(MAX_DEPTH, DEFAULTS["width"], method, scale,
                                        activation)["heights"]
                assert np.all(heights.max(axis=1) == 1.0), (activation, method, scale)


@claim(L, "widget-intro", "The **activation** dropdown picks tanh or relu for every layer, the "
       "**init** dropdown the initialisation method (zeros, xavier or he)")
def dropdowns_are_labelled_activation_and_init():
    controls = forward_explorer().controls
    assert controls["activation"].description == "activation"
    assert list(controls["activation"].options) == ["tanh", "relu"]
    assert controls["method"].description == "init"
    assert list(controls["method"].options) == list(METHODS) == ["zeros", "xavier", "he"]


@claim(L, "widget-intro", "tanh with xavier (the starting setting): the spread falls from 0.63 "
       "in layer 1 to 0.32 in layer 5, and to 0.23 at depth 10.")
def tanh_xavier_spread_falls_slowly():
    assert (DEFAULTS["activation"], DEFAULTS["method"], DEFAULTS["scale"]) == ("tanh", "xavier",
                                                                               1.0)
    std = _std()
    assert (_r(std[0], 2), _r(std[4], 2)) == (0.63, 0.32) and len(std) == 5
    assert _r(_std(depth=10)[-1], 2) == 0.23


@claim(L, "widget-intro", "the spread decays slowly and does not vanish.")
def tanh_xavier_decay_slows_down():
    std = np.array(_std(depth=MAX_DEPTH))
    ratios = std[1:] / std[:-1]
    assert np.all(ratios < 1.0) and np.all(ratios > 0.75)
    assert np.all(np.diff(ratios) > -0.02)  # each layer loses less than the one before
    assert std[-1] > 0.2


@claim(L, "widget-intro", "each layer about halves the spread, from 0.42 in layer 1 to 0.024 in "
       "layer 5: the signal dies out.")
def tanh_small_scale_dies_out():
    std = np.array(_std(scale=0.5))
    assert (_r(std[0], 2), _r(std[4], 3)) == (0.42, 0.024)
    assert np.all(np.abs(std[1:] / std[:-1] - 0.5) < 0.05)
    assert np.isclose(init_std("xavier", 128, 128) ** 2 * 0.5**2 * 128, 0.25)  # n_in Var(w)


@claim(L, "widget-intro", "in every layer, 29% to 38% of the activations are saturated")
def tanh_large_scale_saturates():
    shares = [round(100 * e) for e in forward_state(**{**DEFAULTS, "scale": 3.0})["extreme"]]
    assert min(shares) == 29 and max(shares) == 38


@claim(L, "widget-intro", r"relu with xavier: the spread shrinks by about $1/\sqrt{2}$ per layer "
       "(0.59 in layer 1, 0.13 in layer 5); with he it stays between 0.65 and 0.9, at depth 5 "
       "and at depth 10 alike.")
def relu_xavier_fades_and_he_holds():
    xavier = np.array(_std(activation="relu"))
    assert (_r(xavier[0], 2), _r(xavier[4], 2)) == (0.59, 0.13)
    assert np.all(np.abs(xavier[1:] / xavier[:-1] - 2**-0.5) < 0.06)
    for depth in (5, 10):
        he = np.array(_std(activation="relu", method="he", depth=depth))
        assert len(he) == depth and np.all((he > 0.65) & (he < 0.9))


@claim(L, "widget-intro", "With relu, about half of every layer's activations are exactly 0")
def relu_zeroes_about_half():
    for method in ("xavier", "he"):
        for width in (DEFAULTS["width"], MAX_WIDTH):
            for scale in (0.5, 1.0, 3.0):
                shares = forward_state(MAX_DEPTH, width, method, scale, "relu")["extreme"]
                assert all(0.4 < share < 0.6 for share in shares), (method, width, scale)


@claim(L, "widget-intro", "the histograms leave these zeros out, so that the rest stays visible, "
       "and the last row gives their share.")
def relu_histograms_leave_zeros_out():
    state = forward_state(**{**DEFAULTS, "activation": "relu"})
    for A, heights, share in zip(layer_activations(DEFAULTS["depth"], DEFAULTS["width"],
                                                   DEFAULTS["method"], DEFAULTS["scale"], "relu"),
                                 state["heights"], state["extreme"], strict=True):
        assert share == np.mean(A == 0)
        positive = A[A > 0]
        counts, _ = np.histogram(np.clip(positive, *state["edges"][[0, -1]]),
                                 bins=state["edges"])
        np.testing.assert_allclose(heights, counts / counts.max())


@claim(L, "widget-intro", "With relu every histogram is then empty (all the activations are "
       "zeros, which are not drawn).")
def zeros_and_relu_draw_nothing():
    state = forward_state(**{**DEFAULTS, "method": "zeros", "activation": "relu"})
    assert not state["heights"].any() and all(share == 1.0 for share in state["extreme"])


@claim(L, "widget-intro", "zeros: every activation of every layer is exactly 0.")
def zeros_init_gives_zero_activations():
    for activation in ("tanh", "relu"):
        layers = layer_activations(MAX_DEPTH, DEFAULTS["width"], "zeros", DEFAULTS["scale"],
                                   activation)
        assert all(not A.any() for A in layers)


# ---------------------------------------------------------------- worked XOR

@claim(L, "xor-intro", 'make hidden unit 1 fire for "at least one input on" and hidden unit 2 '
       'for "both on"')
def xor_hidden_units():
    hidden = lesson_namespace(L, "worked-xor")["xor_cache"]["A"][1]
    assert (hidden[:, 0] > 0).tolist() == [False, True, True, True]
    assert (hidden[:, 1] > 0).tolist() == [False, False, False, True]


@claim(L, "xor-intro", "Two layers do.")
def two_layers_compute_xor():
    p = lesson_namespace(L, "worked-xor")["p"]
    assert (p.ravel() >= 0.5).astype(int).tolist() == [0, 1, 1, 0]


# ---------------------------------------------------------------- question 2

@claim(L, "fr2-intro", "set the live control to relu, xavier, depth 10, width 256, and the "
       "spread falls from 0.59 in layer 1 to 0.026 in layer 10.")
def ten_relu_layers_with_xavier_fade():
    assert MAX_DEPTH >= 10 and MAX_WIDTH >= 256  # the control can be set so
    std = np.array(forward_state(10, 256, "xavier", 1.0, "relu")["std"])
    assert (_r(std[0], 2), _r(std[-1], 3)) == (0.59, 0.026)
    assert np.all(np.diff(std) < 0)  # shrinks layer by layer
    assert abs(std[0] / std[-1] / 2**4.5 - 1) < 0.1  # 2^(9/2), about 23, as the model answer says


# ---------------------------------------------------------------- network diagrams


def _patches(ax, kind):
    return [p for p in ax.patches if isinstance(p, kind)]


@claim(L, "diagram-intro", r"(3 inputs, a hidden layer of 4 units, 2 output units: "
       r"$3 \cdot 4 + 4 \cdot 2 = 20$ arrows)")
def the_3_4_2_diagram_has_20_arrows():
    ns = lesson_namespace(L, "diagram-networks")
    ax = ns["shapes_net"]
    assert len(_patches(ax, FancyArrowPatch)) == 3 * 4 + 4 * 2 == 20
    assert len(_patches(ax, Circle)) == 3 + 4 + 2
    assert "draw_network([3, 4, 2]" in cell_text(L, "diagram-networks")
    assert count_parameters([3, 4, 2]) == 26  # 20 weights, 6 biases (not drawn)


@claim(L, "diagram-intro", "A layer wider than 7 units is drawn with its first 6 units, an "
       "ellipsis (⋮) and its last unit.")
def wide_layers_are_truncated():
    assert MAX_UNITS == 7
    layers = layout([4, 8, 3, 1])
    assert layers[1].units == (0, 1, 2, 3, 4, 5, 7) and layers[1].ellipsis_y is not None
    assert all(layer.ellipsis_y is None for i, layer in enumerate(layers) if i != 1)
    ax = lesson_namespace(L, "diagram-networks")["mlp_net"]
    assert any(t.get_text() == "⋮" for t in ax.texts)
    assert len(_patches(ax, Circle)) == 4 + 7 + 3 + 1


# ---------------------------------------------------------------- the 2-2-1 explorer

H_DEFAULTS = {n: p.default for n, p in inspect.signature(hidden.hidden_state).parameters.items()}


def _h(**changes):
    return hidden.hidden_state(**{**H_DEFAULTS, **changes})


def _straightness(line):
    """The largest distance of a polyline's points from its best straight line."""
    centred = line - line.mean(axis=0)
    normal = np.linalg.svd(centred, full_matrices=False)[2][1]
    return float(np.abs(centred @ normal).max())


def _corner_index(corner):
    return [tuple(c) for c in hidden.CORNERS.tolist()].index(corner)


@claim(L, "hidden-intro", "40 points scattered around each corner of the unit square, red where "
       "XOR is 1, blue where it is 0")
def xor_data_has_40_points_per_corner():
    X, y = hidden.xor_data()
    assert hidden.PER_CORNER == 40 and len(X) == 160
    for corner, label in zip(hidden.CORNERS, hidden.XOR, strict=True):
        near = np.linalg.norm(X - corner, axis=1) < 0.5
        assert near.sum() == 40 and np.all(y[near] == label)
    assert tuple(hidden._CLASS_COLORS[1][:3]) > (0.7, 0.0, 0.0)  # class 1 red, class 0 blue
    assert hidden._CLASS_COLORS[0][2] > hidden._CLASS_COLORS[0][0]
    assert cell_text(L, "hidden-widget").strip() == "hidden_explorer()"
    shown = {n: p.default for n, p in inspect.signature(hidden.hidden_explorer).parameters.items()}
    assert shown == H_DEFAULTS
    assert len(hidden.SLIDERS) == 9  # one slider per parameter


@claim(L, "hidden-intro", "unit 1 is a soft OR (its output is above 0.5 where $x_1 + x_2 > 0.5$), "
       r"unit 2 a soft AND (where $x_1 + x_2 > 1.5$)")
def units_are_or_and_and():
    d = H_DEFAULTS
    for w1, w2, b, threshold in [(d["h1_w1"], d["h1_w2"], d["h1_b"], 0.5),
                                 (d["h2_w1"], d["h2_w2"], d["h2_b"], 1.5)]:
        assert w1 == w2 > 0 and np.isclose(-b / w1, threshold)
    state = _h()
    h = state["corner_hidden"]
    assert ((h[:, 0] > 0.5).tolist(), (h[:, 1] > 0.5).tolist()) == (
        [False, True, True, True], [False, False, False, True])


@claim(L, "self-check-params-221", 'self_check("03.params-221")')
def a_2_2_1_network_has_nine_parameters():
    assert question("03.params-221").answer == count_parameters([2, 2, 1]) == 9
    assert len(hidden.SLIDERS) == 9
    assert sum(W.size + b.size for W, b in _h()["params"]) == 9


@claim(L, "self-check-xor-space", 'self_check("03.xor-space")')
def off_diagonal_corners_meet_near_1_0():
    q = question("03.xor-space")
    assert q.answer == 0 and q.options[0].startswith("Both near (1, 0)")
    h = _h()["corner_hidden"]
    np.testing.assert_allclose(h[_corner_index((0.0, 1.0))], h[_corner_index((1.0, 0.0))])
    assert np.abs(h[_corner_index((0.0, 1.0))] - [1.0, 0.0]).max() < 0.1
    assert np.abs(h[_corner_index((0.0, 0.0))] - [0.0, 0.0]).max() < 0.1
    assert np.abs(h[_corner_index((1.0, 1.0))] - [1.0, 1.0]).max() < 0.1


@claim(L, "hidden-try", "At the start, all 160 points are on the right side of the boundary. In "
       "hidden space the points from (0, 1) and (1, 0) land together near (0.92, 0.08), those "
       "from (0, 0) near (0.08, 0) and those from (1, 1) near (1, 0.92)")
def start_solves_xor_and_hidden_space_separates():
    state = _h()
    assert state["accuracy"] == 1.0 and len(state["y"]) == 160
    h = np.round(state["corner_hidden"], 2)
    assert h[_corner_index((0.0, 1.0))].tolist() == h[_corner_index((1.0, 0.0))].tolist() == [
        0.92, 0.08]
    assert h[_corner_index((0.0, 0.0))].tolist() == [0.08, 0.0]
    assert h[_corner_index((1.0, 1.0))].tolist() == [1.0, 0.92]


@claim(L, "hidden-try", "XOR's checkerboard has become two groups that one straight line, the "
       "output unit's, separates.")
def output_line_separates_hidden_space():
    state = _h()
    d = state["values"]
    side = d["out_w1"] * state["H"][:, 0] + d["out_w2"] * state["H"][:, 1] + d["out_b"] > 0
    assert np.array_equal(side.astype(int), state["y"])


@claim(L, "hidden-try", "In input space the boundary is two straight pieces, parallel to the "
       "hidden units' lines")
def default_boundary_is_two_parallel_lines():
    state = _h()
    assert len(state["boundary"]) == 2
    for line in state["boundary"]:
        assert _straightness(line) < 0.01
        direction = line[-1] - line[0]
        assert abs(direction @ np.array([1.0, 1.0])) < 0.01 * np.linalg.norm(direction)


@claim(L, "hidden-try", "Move `h2 w1` from 5 to 10: unit 2's line swings round, the points "
       "from (1, 0) cross it, and in hidden space they jump to near (0.92, 0.92), on the wrong "
       "side of the output's line. In input space the boundary bends into one curve around a "
       "wedge; only 116 of the 160 points are right.")
def tilting_unit_two_bends_the_boundary():
    assert H_DEFAULTS["h2_w1"] == 5.0
    state = _h(h2_w1=10.0)
    i = _corner_index((1.0, 0.0))
    assert np.round(state["corner_hidden"][i], 2).tolist() == [0.92, 0.92]
    d = state["values"]
    h = state["corner_hidden"][i]
    assert d["out_w1"] * h[0] + d["out_w2"] * h[1] + d["out_b"] < 0  # class 1 called 0
    before = _h()["H"][:, 1] > 0.5
    after = state["H"][:, 1] > 0.5
    near = np.linalg.norm(state["X"] - [1.0, 0.0], axis=1) < 0.5
    assert not before[near].any() and after[near].mean() > 0.9  # they crossed unit 2's line
    assert len(state["boundary"]) == 1 and _straightness(state["boundary"][0]) > 0.3
    assert int(round(state["accuracy"] * 160)) == 116


@claim(L, "hidden-try", "Set unit 2 equal to unit 1 (`h2 b` to −2.5, the other sliders at "
       "their start): every point lands on the diagonal $h_1 = h_2$, and no setting of the "
       "three output sliders gets more than 3 of the 4 corners right.")
def identical_units_cannot_solve_xor():
    assert H_DEFAULTS["h1_b"] == -2.5
    state = _h(h2_b=-2.5)
    assert np.array_equal(state["H"][:, 0], state["H"][:, 1])
    h = state["corner_hidden"][:, 0]  # h1 = h2 at each corner
    values = hidden.WEIGHT_STEP * np.arange(-40, 41)
    v1, v2, c = np.meshgrid(values, values, values, indexing="ij")
    z = (v1 + v2)[..., None] * h + c[..., None]
    right = ((z >= 0).astype(int) == hidden.XOR).sum(axis=-1)
    assert right.max() == 3


@claim(L, "hidden-try", "Set `out w2` to 0: the output ignores unit 2 and computes OR, the "
       "points from (1, 1) are called 1, and 120 of the 160 points are right.")
def output_without_unit_two_is_or():
    state = _h(out_w2=0.0)
    near = np.linalg.norm(state["X"] - [1.0, 1.0], axis=1) < 0.5
    assert np.all(state["predictions"][near] == 1)
    corners = (hidden.hidden_state(**{**H_DEFAULTS, "out_w2": 0.0})["corner_hidden"][:, 0]
               * H_DEFAULTS["out_w1"] + H_DEFAULTS["out_b"] > 0)
    assert corners.astype(int).tolist() == [0, 1, 1, 1]  # OR
    assert int(round(state["accuracy"] * 160)) == 120


# ---------------------------------------------------------------- the width sweep

def _sweep():
    return {r["width"]: r for r in lesson_namespace(L, "width-sweep")["sweep"]}


def _boundaries(result):
    import contourpy

    axis = result["axis"]
    return [np.asarray(line) for line in
            contourpy.contour_generator(axis, axis, result["P"]).lines(0.5)]


@claim(L, "width-intro", "trains networks with one hidden layer of 1, 2, 4 and 16 tanh units on "
       "the circle set (200 points")
def sweep_widths_and_data():
    sweep = _sweep()
    assert sorted(sweep) == [1, 2, 4, 16]
    assert hidden.SWEEP["dataset"] == "circle" and len(sweep[1]["y"]) == 200
    assert hidden.SWEEP["epochs"] == 150  # "150 passes over the data"
    for width, result in sweep.items():
        assert result["params"][0][0].shape == (2, width)


@claim(L, "self-check-width-one", 'self_check("03.width-one")')
def one_unit_draws_a_straight_line():
    assert question("03.width-one").answer == 0
    lines = _boundaries(_sweep()[1])
    assert len(lines) == 1 and _straightness(lines[0]) < 0.01


@claim(L, "width-after", "One unit draws a single straight line, and no line encloses a disc: "
       "it gets under 70% of the points right.")
def width_one_is_a_line_under_70():
    result = _sweep()[1]
    lines = _boundaries(result)
    assert len(lines) == 1 and _straightness(lines[0]) < 0.01
    assert result["accuracy"] < 0.70


@claim(L, "width-after", "Two units bend the boundary once, into a wedge, still under 80%.")
def width_two_is_a_wedge_under_80():
    result = _sweep()[2]
    lines = _boundaries(result)
    assert len(lines) == 1 and _straightness(lines[0]) > 0.1
    assert not np.allclose(lines[0][0], lines[0][-1])  # open: it does not enclose the disc
    assert result["accuracy"] < 0.80


@claim(L, "width-after", "Four units already close a curve around the disc, over 95% right, and "
       "sixteen gain less than 3 points more.")
def four_units_close_the_curve():
    sweep = _sweep()
    lines = _boundaries(sweep[4])
    assert len(lines) == 1 and np.allclose(lines[0][0], lines[0][-1])  # closed
    assert sweep[4]["accuracy"] > 0.95
    assert 0 <= sweep[16]["accuracy"] - sweep[4]["accuracy"] < 0.03
