"""Lesson 10's kernel explorer with stride and padding, without a browser."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nncourse.widgets.convolution import (
    CUSTOM,
    KERNEL_NAMES,
    PADDINGS,
    PRESETS,
    STRIDES,
    cross_correlate,
    kernel_explorer,
    kernel_state,
    output_size,
)


def _entries(preset: str) -> dict[str, float]:
    return dict(zip(KERNEL_NAMES, PRESETS[preset].ravel().tolist(), strict=True))


def test_output_size_is_the_formula_and_refuses_a_kernel_that_does_not_fit():
    for n, k, stride, padding in itertools.product(range(1, 12), range(1, 6), (1, 2, 3, 4),
                                                   (0, 1, 2)):
        if k > n + 2 * padding:
            with pytest.raises(ValueError, match="does not fit"):
                output_size(n, k, stride, padding)
        else:
            assert output_size(n, k, stride, padding) == (n + 2 * padding - k) // stride + 1
    assert output_size(8, 3) == 6 and isinstance(output_size(8, 3), int)
    for bad in ({"stride": 0}, {"padding": -1}, {"stride": 1.5}):
        with pytest.raises(ValueError, match="integer"):
            output_size(8, 3, **bad)


def test_strided_padded_correlation_is_every_stride_th_window_of_the_padded_image():
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(7, 8)), rng.normal(size=(3, 2))
    for stride, padding in itertools.product((1, 2, 3), (0, 1, 2)):
        padded = np.pad(image, padding)
        rows = range(0, padded.shape[0] - 3 + 1, stride)
        cols = range(0, padded.shape[1] - 2 + 1, stride)
        expected = [[(padded[i:i + 3, j:j + 2] * kernel).sum() for j in cols] for i in rows]
        np.testing.assert_allclose(cross_correlate(image, kernel, stride, padding), expected)
    np.testing.assert_allclose(cross_correlate(image, kernel), cross_correlate(image, kernel, 1, 0))


@pytest.mark.parametrize("stride,padding", list(itertools.product(STRIDES, PADDINGS)))
def test_state_size_agrees_with_the_formula_and_with_keras_conv2d(stride, padding):
    from nncourse.keras_env import keras

    state = kernel_state(5, "sharpen", stride, padding, **_entries("sharpen"))
    size = (8 + 2 * padding - 3) // stride + 1
    assert state["size"] == size == output_size(8, 3, stride, padding)
    assert state["feature_map"].shape == (size, size)
    assert state["padded"].shape == (8 + 2 * padding,) * 2
    conv = keras.layers.Conv2D(1, 3, strides=stride, use_bias=False)
    model = keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.ZeroPadding2D(padding),
                              conv])
    conv.set_weights([state["kernel"].reshape(3, 3, 1, 1)])
    theirs = keras.ops.convert_to_numpy(model(state["image"][None, :, :, None].astype("float32")))
    assert theirs.shape == (1, size, size, 1)
    np.testing.assert_allclose(theirs[0, :, :, 0], state["feature_map"], rtol=1e-5, atol=1e-4)


def test_stride_and_padding_sliders_resize_the_panels_and_the_readout_states_the_size():
    panel = kernel_explorer("vertical edges (Sobel)")
    assert panel.state["size"] == 6 and "= <b>6</b>" in panel.readout.value
    renders = panel.live.renders
    panel.controls["stride"].value = 2
    assert panel.live.renders == renders + 1
    assert panel.controls["preset"].value == "vertical edges (Sobel)"  # not a kernel change
    assert panel.state["feature_map"].shape == (3, 3)
    assert "(8 + 2*0 - 3) // 2 + 1 = <b>3</b>" in panel.readout.value
    assert panel.live.axes[2].get_title() == "feature map (3x3)"
    panel.controls["padding"].value = 1
    assert panel.state["size"] == 4 and "= <b>4</b>" in panel.readout.value
    assert panel.live.map_art.get_array().shape == (4, 4)
    assert panel.live.image_art.get_array().shape == (10, 10)
    assert panel.live.axes[0].get_title() == "digit + padding 1 (10x10)"
    assert panel.live.axes[2].get_xlim() == pytest.approx((-0.5, 3.5))
    panel.controls["k00"].value = 0.5
    assert panel.controls["preset"].value == CUSTOM and panel.state["size"] == 4


def test_explorer_starts_at_the_stride_and_padding_asked_for():
    panel = kernel_explorer("identity", stride=3, padding=2)
    assert panel.state["size"] == (8 + 4 - 3) // 3 + 1 == 4
    np.testing.assert_allclose(panel.state["feature_map"],
                               np.pad(panel.state["image"], 2)[1:-1:3, 1:-1:3][:4, :4])
    with pytest.raises(ValueError, match="stride should be one of"):
        kernel_explorer(stride=5)


@pytest.mark.parametrize("padding", PADDINGS)
def test_a_frame_outlines_the_original_digit_inside_the_padding(padding):
    panel = kernel_explorer("sharpen", stride=1, padding=padding)
    state = panel.state
    left, top, width, height = state["frame"]
    assert (left, top, width, height) == (padding - 0.5, padding - 0.5, 8.0, 8.0)
    frame = panel.live.frame
    assert frame.get_xy() == (left, top) and (frame.get_width(), frame.get_height()) == (8, 8)
    assert not frame.get_fill() and frame in panel.live.axes[0].patches
    padded = state["padded"]
    inside = np.zeros(padded.shape, dtype=bool)
    inside[padding:padding + 8, padding:padding + 8] = True
    np.testing.assert_array_equal(padded[inside].reshape(8, 8), state["image"])
    assert not np.any(padded[~inside])  # everything outside the frame is a padding zero
    assert ("orange frame" in panel.readout.value) == (padding > 0)


def test_the_frame_follows_the_padding_slider():
    panel = kernel_explorer("identity")
    assert panel.live.frame.get_xy() == (-0.5, -0.5)
    panel.controls["padding"].value = 2
    assert panel.live.frame.get_xy() == (1.5, 1.5)
    assert "the white border outside it, 2 pixels wide, is the zero padding" in (
        panel.readout.value)


def test_pooled_panel_shares_the_feature_maps_symmetric_colour_scale():
    panel = kernel_explorer("vertical edges (Sobel)", stride=3, padding=0)
    fmap, pooled = panel.state["feature_map"], panel.state["pooled"]
    limit = np.abs(fmap).max()
    assert panel.live.map_art.get_clim() == panel.live.pool_art.get_clim() == (-limit, limit)
    assert panel.live.pool_art.get_cmap().name == panel.live.map_art.get_cmap().name
    # a lone weak response (3 against a map reaching -46) is drawn pale, not darkest
    assert pooled.shape == (1, 1) and 0 < pooled[0, 0] < 0.1 * limit
    rgba = panel.live.pool_art.to_rgba(panel.live.pool_art.norm(pooled))[0, 0]
    assert min(rgba[:3]) > 0.8, rgba
    for stride, padding in itertools.product(STRIDES, PADDINGS):
        panel.controls["stride"].value, panel.controls["padding"].value = stride, padding
        low, high = panel.live.map_art.get_clim()
        assert panel.live.pool_art.get_clim() == (low, high) and low == -high
        assert high == pytest.approx(np.abs(panel.state["feature_map"]).max())


def _pixels(panel) -> np.ndarray:
    return np.asarray(panel.live.canvas.buffer_rgba()).copy()


WALK = [("stride", 1), ("padding", 2), ("stride", 2), ("padding", 1), ("stride", 1),
        ("padding", 2), ("digit", 7), ("k11", -3.0), ("preset", "blur (box)"), ("digit", 3),
        ("stride", 2), ("padding", 1)]


def test_each_control_redraws_from_cached_backgrounds_like_a_full_redraw():
    cached, full = (kernel_explorer("sharpen", stride=2, padding=1) for _ in range(2))
    full_draws = []
    draw = cached.live.canvas.draw
    cached.live.canvas.draw = lambda: (full_draws.append(1), draw())
    for name, value in WALK:
        full.live.invalidate()  # this one draws everything, every time
        for panel in (cached, full):
            panel.controls[name].value = value
        np.testing.assert_array_equal(_pixels(cached), _pixels(full),
                                      err_msg=f"{name}={value}")
    # a panel size's background is drawn on its first visit only; the rest is blitted
    assert len(full_draws) == 3  # (1, 1), (1, 2) and (2, 2) were new; (2, 1) was the start


def test_the_kernel_panel_is_not_redrawn_when_only_the_digit_changes():
    panel = kernel_explorer()
    drawn = []
    for text in panel.live.kernel_text:
        original = text.draw
        text.draw = lambda renderer, original=original: (drawn.append(1), original(renderer))
    panel.controls["digit"].value = 5
    assert drawn == []
    panel.controls["k00"].value = 2.0
    assert len(drawn) == 9
