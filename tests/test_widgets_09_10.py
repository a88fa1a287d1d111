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
