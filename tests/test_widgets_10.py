"""Lesson 10's kernel explorer with stride and padding, without a browser."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from support.stacking import whole_figure

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


def test_the_live_picture_stacks_the_artists_as_a_whole_figure_draw():
    """Images under the digit's frame under every panel's spines under the kernel's
    numbers, at every control change: cached pictures and layers keep matplotlib's order
    (with the spines left in the cached picture, the images covered their top and left;
    support/stacking.py)."""
    live, whole = (kernel_explorer(stride=2, padding=1) for _ in range(2))
    np.testing.assert_array_equal(_pixels(live), whole_figure(whole.live))
    for name, value in WALK:
        for panel in (live, whole):
            panel.controls[name].value = value
        np.testing.assert_array_equal(_pixels(live), whole_figure(whole.live),
                                      err_msg=f"{name}={value}")


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


# ---- fast artists: the same pixels as matplotlib's own ------------------------------


def _figure_pixels(build, redraws: int = 2) -> list[np.ndarray]:
    """``build(ax)`` on a fresh figure the explorer's size; its pixels after each full draw
    (``build`` may return a callback that changes the artists before each draw)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.0, 2.6), dpi=80)  # no layout engine: the same place each draw
    canvas = FigureCanvasAgg(figure)
    axes = figure.subplots(1, 4)
    for ax in axes:  # no ticks, as in the explorer (and a cheaper full draw)
        ax.set_xticks([])
        ax.set_yticks([])
    change = build(axes)
    pixels = []
    for step in range(redraws):
        if change is not None:
            change(step)
        canvas.draw()
        pixels.append(np.asarray(canvas.buffer_rgba()).copy())
    return pixels


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (4, 4), (10, 10), (12, 12), (5, 7)])
def test_block_image_draws_the_pixels_imshow_draws(shape):
    from nncourse.widgets.blocks import block_image

    rng = np.random.default_rng(sum(shape))
    frames = [rng.normal(size=shape) * 5 for _ in range(3)]

    def build(make):
        def run(axes):
            arts = [make(axes[0], frames[0], cmap="RdBu_r"),
                    make(axes[1], frames[0], cmap="gray_r", vmin=0, vmax=16),
                    make(axes[2], frames[0], cmap="viridis")]
            axes[2].set_xlim(-2.0, shape[1] * 0.6)  # partly outside the axes: clipped

            def change(step):
                for art in arts:
                    art.set_data(frames[step])
                arts[0].set_clim(-np.abs(frames[step]).max(), np.abs(frames[step]).max())
            return change
        return run

    kept = []
    mine = _figure_pixels(lambda axes: (build(block_image)(axes), kept.extend(axes[:3]))[0], 3)
    theirs = _figure_pixels(build(lambda ax, data, **kw: ax.imshow(data, **kw)), 3)
    for step, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        np.testing.assert_array_equal(a, b, err_msg=f"draw {step}")
    assert [len(ax.images[0]._maps) for ax in kept] == [1, 1, 1]  # one map, used 3 times


@pytest.mark.parametrize("shape", [(40, 40), (17, 30)])
def test_block_image_with_alpha_and_thousands_of_cells_draws_imshows_pixels(shape):
    """As lesson 01's surface (60 x 60 cells): more cells than a red byte can number, an
    alpha of 0.6, origin lower, an extent and aspect "auto"; each cell at least 3 pixels
    wide, where imshow's default interpolation is nearest-neighbour."""
    from nncourse.widgets.blocks import block_image

    rng = np.random.default_rng(shape[1])
    frames = [rng.random(shape) for _ in range(3)]
    options = {"origin": "lower", "extent": (-0.5, 1.5, -0.5, 1.5), "alpha": 0.6,
               "aspect": "auto"}

    def build(make):
        def run(axes):
            art = make(axes[0], frames[0], cmap="RdBu_r", vmin=0, vmax=1, **options)

            def change(step):
                art.set_data(frames[step])
            return change
        return run

    kept = []
    mine = _figure_pixels(lambda axes: (build(block_image)(axes), kept.append(axes[0]))[0], 3)
    theirs = _figure_pixels(build(lambda ax, data, **kw: ax.imshow(data, **kw)), 3)
    for step, (a, b) in enumerate(zip(mine, theirs, strict=True)):
        np.testing.assert_array_equal(a, b, err_msg=f"draw {step}")
    maps = list(kept[0].images[0]._maps.values())
    assert len(maps) == 1 and maps[0] is not False, "the cell map was not used"


def test_block_image_leaves_masked_cells_to_matplotlib():
    from nncourse.widgets.blocks import block_image

    data = np.arange(9.0).reshape(3, 3)
    data[1, 1] = np.nan
    mine = _figure_pixels(lambda axes: block_image(axes[0], data, cmap="RdBu_r") and None)
    theirs = _figure_pixels(lambda axes: axes[0].imshow(data, cmap="RdBu_r") and None)
    np.testing.assert_array_equal(mine[-1], theirs[-1])


def test_the_explorers_numbers_come_from_the_glyph_cache():
    panel = kernel_explorer("identity")
    for value in (2.0, 0.0, 2.0, 0.0, 2.0):
        panel.controls["k00"].value = value
    cache = panel.live.canvas.get_renderer().draw_text
    assert {"0", "1", "2"} <= {key[0] for key in cache.layouts} and cache.bitmaps
    assert not cache.failed


def _drawn_by_matplotlib(monkeypatch, *args, **kwargs):
    """An explorer whose images and text matplotlib's own AxesImage and RendererAgg draw."""
    from functools import partial

    from matplotlib.image import AxesImage

    from nncourse.widgets import convolution

    with monkeypatch.context() as patch:
        patch.setattr(convolution, "cache_glyphs", lambda canvas: None)
        panel = kernel_explorer(*args, **kwargs)
    live = panel.live
    for art in (live.image_art, live.kernel_art, live.map_art, live.pool_art):
        if hasattr(AxesImage, "_make_image"):
            art._make_image = partial(AxesImage._make_image, art)
    return panel


def test_explorer_pixels_are_matplotlibs_own_drawing(monkeypatch):
    """Cached backgrounds, block images and cached glyphs give the pixels of a fresh
    explorer (laid out at the same start) drawn whole by matplotlib's AxesImage and text."""
    cached = kernel_explorer("sharpen", stride=2, padding=1)
    plain = _drawn_by_matplotlib(monkeypatch, "sharpen", stride=2, padding=1)
    walk = [*WALK, ("k00", 8.0), ("k11", -0.35), ("k00", 0.5), ("k11", -3.0),
            ("preset", "outline (Laplacian)"), ("preset", "sharpen"), ("padding", 0)]
    for name, value in walk:
        plain.live.invalidate()  # everything drawn again, every time
        for panel in (cached, plain):
            panel.controls[name].value = value
        np.testing.assert_array_equal(_pixels(cached), _pixels(plain), err_msg=f"{name}={value}")


def _patch_make_image(monkeypatch, hook: str, **extra):
    """A matplotlib whose ``AxesImage.make_image`` calls ``hook`` with ``extra`` keywords."""
    from matplotlib.image import AxesImage
    from matplotlib.transforms import Bbox, TransformedBbox

    def make_image(self, renderer, magnification=1.0, unsampled=False):
        x1, x2, y1, y2 = self.get_extent()
        bbox = Bbox(np.array([[x1, y1], [x2, y2]]))
        clip = ((self.get_clip_box() or self.axes.bbox) if self.get_clip_on()
                else self.get_figure(root=True).bbox)
        return getattr(self, hook)(self._A, bbox, TransformedBbox(bbox, self.get_transform()),
                                   clip, magnification, unsampled=unsampled, **extra)

    monkeypatch.setattr(AxesImage, "make_image", make_image)


@pytest.mark.parametrize("breakage", ["recolours", "new argument", "renamed"])
def test_block_images_without_the_private_hook_are_matplotlibs_drawing(breakage, monkeypatch):
    """Where ``AxesImage._make_image`` is gone, called with another argument, or gives other
    pixels than the cell maps, the explorer still draws, and draws matplotlib's picture."""
    from matplotlib.image import _ImageBase

    original = _ImageBase._make_image
    if breakage == "recolours":  # colour bytes rounded to even: the cell codes mislead
        def recoloured(self, *args, **kwargs):
            output, x, y, trans = original(self, *args, **kwargs)
            if output is not None:
                output = output.copy()
                output[..., :3] &= 0xFE
            return output, x, y, trans
        monkeypatch.setattr(_ImageBase, "_make_image", recoloured)
    elif breakage == "new argument":
        monkeypatch.setattr(_ImageBase, "_make_image",
                            lambda self, *args, smooth=False, **kwargs:
                            original(self, *args, **kwargs))
        _patch_make_image(monkeypatch, "_make_image", smooth=True)
    else:
        monkeypatch.setattr(_ImageBase, "_resample_image", original, raising=False)
        monkeypatch.delattr(_ImageBase, "_make_image")
        _patch_make_image(monkeypatch, "_resample_image")
    cached = kernel_explorer("sharpen", stride=2, padding=1)
    plain = _drawn_by_matplotlib(monkeypatch, "sharpen", stride=2, padding=1)
    for name, value in [("k00", 8.0), ("padding", 2), ("preset", "outline (Laplacian)")]:
        plain.live.invalidate()
        for panel in (cached, plain):
            panel.controls[name].value = value
        np.testing.assert_array_equal(_pixels(cached), _pixels(plain), err_msg=f"{name}={value}")
