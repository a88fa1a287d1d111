"""Lesson 03 (forward pass): what the worked cells and the layer-by-layer control show,
checked with the lesson's own code and the control's own defaults."""

from __future__ import annotations

import contextlib
import inspect
import io

import numpy as np

from claims import cell_text, claim, lesson_namespace
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
