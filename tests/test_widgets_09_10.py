"""Live controls of lessons 09 and 10, without a browser: controls change what is drawn."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import move_control

from nncourse.widgets.convolution import (
    CUSTOM,
    KERNEL_NAMES,
    PRESETS,
    cross_correlate,
    kernel_explorer,
    kernel_state,
    max_pool,
)
from nncourse.widgets.pitfalls import (
    BN_EPS,
    INITS,
    batchnorm_mlp,
    dead_summary,
    dead_units,
    deep_params,
    gradient_norm_explorer,
    gradient_norm_state,
    init_std,
)

# ---- lesson 09: gradient norms -------------------------------------------------------


def test_init_std_follows_xavier_and_he():
    assert init_std("xavier", 32, 32) == pytest.approx(np.sqrt(2 / 64))
    assert init_std("he", 50, 10) == pytest.approx(np.sqrt(2 / 50))
    assert init_std("normal(0, 0.01)", 5, 5) == 0.01
    with pytest.raises(ValueError, match="init should be one of"):
        init_std("zeros", 3, 3)


def test_deep_params_shapes_and_checks():
    params = deep_params(3, 8, "he", n_in=2)
    assert [W.shape for W, _ in params] == [(2, 8), (8, 8), (8, 8), (8, 1)]
    assert all(np.all(b == 0) for _, b in params)
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="depth"):
            deep_params(bad, 8, "he")


def test_sigmoid_vanishes_relu_he_is_healthy_large_init_explodes():
    sigmoid = gradient_norm_state(10, "sigmoid", "xavier")
    assert sigmoid["grad_norms"].shape == (11,)
    assert sigmoid["ratio"] < 1e-4 and sigmoid["verdict"].startswith("vanishing")
    healthy = gradient_norm_state(10, "relu", "he")
    assert healthy["verdict"].startswith("healthy")
    assert 0.01 < healthy["ratio"] < 100
    exploding = gradient_norm_state(10, "relu", "normal(0, 1)")
    assert exploding["verdict"].startswith("exploding")
    tiny = gradient_norm_state(10, "relu", "normal(0, 0.01)")
    assert tiny["verdict"].startswith("vanishing everywhere")


def test_gradient_norms_match_a_finite_difference():
    """The plotted ||dW|| of the output layer is the true gradient (checked on one weight)."""
    from nncourse.reference.backprop import mlp_backward
    from nncourse.reference.forward import mlp_forward
    from nncourse.reference.losses import binary_cross_entropy
    from nncourse.toy import make_toy

    X, y = make_toy("circle", n=256, noise=0.1, seed=0)
    params = deep_params(2, 4, "he", n_in=2, seed=0)
    _, cache = mlp_forward(X, params, "tanh", "sigmoid")
    grads = mlp_backward(y, cache, params)
    W = params[-1][0]
    eps = 1e-6

    def loss(value):
        shifted = [(w.copy(), b) for w, b in params]
        shifted[-1][0][0, 0] = value
        return binary_cross_entropy(y, mlp_forward(X, shifted, "tanh", "sigmoid")[0][:, 0])

    numeric = (loss(W[0, 0] + eps) - loss(W[0, 0] - eps)) / (2 * eps)
    assert grads[-1][0][0, 0] == pytest.approx(numeric, rel=1e-4)
    state = gradient_norm_state(2, "tanh", "he", width=4)
    assert state["grad_norms"][-1] == pytest.approx(np.linalg.norm(grads[-1][0]))


def test_unknown_activation_is_a_clear_error():
    with pytest.raises(ValueError, match="activation should be one of"):
        gradient_norm_state(3, "softplus", "he")


def test_depth_and_activation_controls_redraw_in_place():
    panel = gradient_norm_explorer()
    move_control(panel, "depth", 20)
    assert len(panel.live.grad_line.get_xdata()) == 21
    panel.controls["activation"].value = "relu"
    panel.controls["init"].value = "he"
    assert "healthy" in panel.readout.value
    np.testing.assert_allclose(panel.live.grad_line.get_ydata(),
                               gradient_norm_state(20, "relu", "he")["grad_norms"])
    panel.controls["init"].value = "normal(0, 1)"
    assert "exploding" in panel.readout.value
    assert np.all(np.asarray(panel.live.grad_line.get_ydata()) <= 1e20)


def test_batchnorm_mlp_normalizes_every_hidden_layer_and_matches_finite_differences():
    from nncourse.reference.losses import binary_cross_entropy
    from nncourse.toy import make_toy

    X, y = make_toy("circle", n=64, noise=0.1, seed=1)
    params = deep_params(3, 5, "xavier", n_in=2, seed=2)
    params = [(W, b + 0.3) for W, b in params]  # non-zero biases: batch norm removes them
    for activation in ("relu", "tanh", "sigmoid"):
        grads, cache = batchnorm_mlp(X, y, params, activation)
        A = X
        for layer, (W, b) in enumerate(params[:-1]):
            Z = A @ W + b
            expected = (Z - Z.mean(axis=0)) / np.sqrt(Z.var(axis=0) + BN_EPS)
            np.testing.assert_allclose(cache["Z"][layer], expected, atol=1e-12)
            A = cache["A"][layer + 1]
        np.testing.assert_allclose(grads[0][1], 0.0, atol=1e-12)  # a bias before BN: no effect

        def loss(flat_index, delta, layer, activation=activation):
            shifted = [(W.copy(), b.copy()) for W, b in params]
            shifted[layer][0].flat[flat_index] += delta
            p = batchnorm_mlp(X, y, shifted, activation)[1]["A"][-1][:, 0]
            return binary_cross_entropy(y, p)

        for layer in range(len(params)):
            for index in (0, params[layer][0].size - 1):
                numeric = (loss(index, 1e-6, layer) - loss(index, -1e-6, layer)) / 2e-6
                assert grads[layer][0].flat[index] == pytest.approx(numeric, rel=1e-4, abs=1e-9)


def test_dead_units_count_units_negative_on_the_whole_batch():
    cache = {"Z": [np.array([[-1.0, 2.0, 0.0], [-3.0, -1.0, 0.0]]), np.array([[1.0], [2.0]])]}
    np.testing.assert_array_equal(dead_units(cache), [2])  # z <= 0 everywhere; output not counted
    state = gradient_norm_state(10, "relu", "he")
    assert state["dead"].shape == (10,) and state["dead"][0] == 0 and state["dead"].sum() > 0
    assert gradient_norm_state(10, "tanh", "he")["dead"] is None


def test_batch_norm_leaves_no_dead_relu_and_the_default_is_off():
    for init in INITS:
        assert gradient_norm_state(30, "relu", init, batch_norm=True)["dead"].sum() == 0
    off = gradient_norm_state(10, "relu", "he")
    assert off["batch_norm"] is False
    np.testing.assert_allclose(off["grad_norms"],
                               gradient_norm_state(10, "relu", "he", False)["grad_norms"])


@pytest.mark.parametrize("batch_norm", [False, True])
def test_explorer_numbers_are_the_reference_passes_on_deep_params(batch_norm):
    """The forward pass shared by every depth gives what mlp_forward and mlp_backward
    (batchnorm_mlp with batch norm) give on deep_params of that depth (bit for bit here)."""
    from nncourse.reference.backprop import mlp_backward
    from nncourse.reference.forward import mlp_forward
    from nncourse.widgets import pitfalls

    X, y = pitfalls._batch()
    for activation in pitfalls.ACTIVATIONS:
        for init in INITS:
            for depth in (1, 2, 11, pitfalls.MAX_DEPTH):
                params = deep_params(depth, 32, init, n_in=2, seed=0)
                with np.errstate(all="ignore"):
                    if batch_norm:
                        grads, cache = batchnorm_mlp(X, y, params, activation)
                    else:
                        _, cache = mlp_forward(X, params, activation, "sigmoid")
                        grads = mlp_backward(y, cache, params)
                    norms = [np.linalg.norm(dW) for dW, _ in grads]
                    spreads = [A.std() for A in cache["A"][1:]]
                state = gradient_norm_state(depth, activation, init, batch_norm)
                where = f"{activation}, {init}, depth {depth}"
                for got, expected in ((state["grad_norms"], norms), (state["act_std"], spreads)):
                    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0, err_msg=where)
                if activation == "relu":
                    np.testing.assert_array_equal(state["dead"], dead_units(cache))


def test_explorer_shortcuts_equal_what_they_replace():
    from nncourse.reference.activations import sigmoid
    from nncourse.widgets import pitfalls

    z = np.random.default_rng(0).normal(0, 30, (64, 8))
    z.flat[:4] = [np.inf, -np.inf, 0.0, -0.0]
    np.testing.assert_array_equal(pitfalls._sigmoid(z), sigmoid(z))
    hidden, outputs = pitfalls._network(6, 5, "xavier", n_in=2, seed=3)
    for depth in range(1, 7):
        params = deep_params(depth, 5, "xavier", n_in=2, seed=3)
        for (W, _), W_shared in zip(params, [*hidden[:depth], outputs[depth - 1]], strict=True):
            np.testing.assert_array_equal(W, W_shared)


def test_states_are_cached_and_read_only():
    first = gradient_norm_state(12, "tanh", "he", True)
    again = gradient_norm_state(12, "tanh", "he", True)
    assert again["grad_norms"] is first["grad_norms"] and not first["act_std"].flags.writeable
    again["verdict"] = "changed by a caller"
    assert gradient_norm_state(12, "tanh", "he", True)["verdict"] != "changed by a caller"
    with pytest.raises(ValueError, match="init should be one of"):
        gradient_norm_state(3, "relu", "zeros")
    with pytest.raises(ValueError, match="depth"):
        gradient_norm_state(0, "relu", "he")


def test_batch_norm_toggle_redraws_and_the_dead_count_reads_out():
    panel = gradient_norm_explorer(activation="relu", init="he")
    assert "Dead ReLU units: 37 of 320" in panel.readout.value
    np.testing.assert_array_equal(panel.live.dead_line.get_ydata(), panel.state["dead"])
    move_control(panel, "batch_norm", True)
    assert "+ batch norm" in panel.readout.value and "Dead ReLU units: none" in panel.readout.value
    np.testing.assert_array_equal(panel.live.dead_line.get_ydata(), np.zeros(10))
    panel.controls["activation"].value = "sigmoid"
    assert not panel.live.dead_line.get_visible() and "none possible" in panel.readout.value
    assert "image/png" in panel._repr_mimebundle_()


def test_dead_readout_names_every_layer_tied_for_the_most():
    def summary(dead):
        dead = np.array(dead)
        return dead_summary({"dead": dead, "width": 8, "depth": len(dead), "activation": "relu"})

    assert summary([0, 3, 1]) == "Dead ReLU units: 4 of 24 (most in layer 2: 3 of 8)."
    assert summary([2, 0, 2]) == "Dead ReLU units: 4 of 24 (most in layers 1 and 3: 2 of 8 each)."
    assert summary([1, 1, 0, 1]).endswith("(most in layers 1, 2 and 4: 1 of 8 each).")
    assert summary([0, 0]) == "Dead ReLU units: none (every unit is active for some sample)."
    deep = gradient_norm_state(30, "relu", "he")
    tied = np.flatnonzero(deep["dead"] == deep["dead"].max()) + 1
    assert list(tied) == [21, 27]  # the readout once said "layer 21" and hid layer 27
    assert "most in layers 21 and 27: 16 of 32 each" in dead_summary(deep)
    panel = gradient_norm_explorer(depth=30, activation="relu", init="he")
    assert "most in layers 21 and 27" in panel.readout.value


# ---- lesson 10: a kernel on a digit ----------------------------------------------------


def test_cross_correlation_does_not_flip_the_kernel():
    image = np.arange(9.0).reshape(3, 3)
    kernel = np.array([[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(cross_correlate(image, kernel), [[0.0, 1.0], [3.0, 4.0]])
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(6, 7)), rng.normal(size=(2, 3))
    expected = [[(image[i:i + 2, j:j + 3] * kernel).sum() for j in range(5)] for i in range(5)]
    np.testing.assert_allclose(cross_correlate(image, kernel), expected)
    with pytest.raises(ValueError, match="larger than the image"):
        cross_correlate(np.ones((2, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="2-D"):
        cross_correlate(np.ones(4), np.ones((1, 1)))


def test_max_pool_drops_leftovers_and_checks_size():
    np.testing.assert_allclose(max_pool(np.arange(25.0).reshape(5, 5), 2), [[6, 8], [16, 18]])
    with pytest.raises(ValueError, match="size"):
        max_pool(np.ones((4, 4)), 0)
    with pytest.raises(ValueError, match="does not fit"):
        max_pool(np.ones((2, 2)), 3)


def test_kernel_state_shapes_and_checks():
    entries = dict(zip(KERNEL_NAMES, PRESETS["identity"].ravel(), strict=True))
    state = kernel_state(3, "identity", **entries)
    assert state["feature_map"].shape == (6, 6) and state["pooled"].shape == (3, 3)
    np.testing.assert_allclose(state["feature_map"], state["image"][1:-1, 1:-1])
    with pytest.raises(TypeError, match="kernel entries"):
        kernel_state(0, **{k: 0.0 for k in KERNEL_NAMES[:-1]})
    with pytest.raises(ValueError, match="digit should be an index"):
        kernel_state(5000, **entries)


def test_preset_menu_sets_all_sliders_with_one_redraw():
    panel = kernel_explorer()
    renders = panel.live.renders
    image = panel.live.image.value
    panel.controls["preset"].value = "blur (box)"
    assert panel.live.renders == renders + 1
    assert [panel.controls[k].value for k in KERNEL_NAMES] == pytest.approx([1 / 9] * 9)
    np.testing.assert_allclose(panel.state["kernel"], PRESETS["blur (box)"])
    np.testing.assert_allclose(panel.live.map_art.get_array(), panel.state["feature_map"])
    assert panel.live.image.value != image
    assert "blur" in panel.readout.value


def test_moving_a_kernel_slider_switches_to_custom_and_redraws():
    panel = kernel_explorer("identity")
    renders = panel.live.renders
    panel.controls["k00"].value = 2.0
    assert panel.controls["preset"].value == CUSTOM
    assert panel.live.renders == renders + 1
    assert panel.state["kernel"][0, 0] == 2.0
    assert panel.live.kernel_text[0].get_text() == "2"
    panel.controls["preset"].value = "identity"
    np.testing.assert_allclose(panel.state["kernel"], PRESETS["identity"])


def test_digit_slider_changes_the_image_but_not_the_preset():
    panel = kernel_explorer("sharpen", digit=0)
    before = panel.state["image"].copy()
    panel.controls["digit"].value = 7
    assert panel.controls["preset"].value == "sharpen"
    assert not np.array_equal(panel.state["image"], before)
    np.testing.assert_allclose(panel.live.image_art.get_array(), panel.state["image"])


def test_unknown_preset_is_a_clear_error():
    with pytest.raises(ValueError, match="preset should be one of"):
        kernel_explorer("emboss")
