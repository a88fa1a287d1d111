"""Lesson 10: nine sliders for a 3x3 kernel (or a preset) and the convolved 8x8 digit.

Four panels: the digit (with its zero padding, and a frame around the original 8x8 digit),
the kernel, the feature map (cross-correlation with the chosen stride and padding; 6x6 at
stride 1 without padding; red positive and blue negative) and that map after ReLU and 2x2
max pooling, which is what one filter of the lesson's small CNN hands to the next layer. The
pooled panel uses the feature map's colour scale, so a weak response stays pale even when
it is the only value left. The readout states the feature map's size,
``(n + 2 * padding - k) // stride + 1`` (:func:`output_size`).

A change redraws little: each panel size (stride and padding) has its background drawn once,
and the kernel panel is redrawn only when the kernel changes. The four images colour their
cells into a pixel map matplotlib drew once (:class:`~nncourse.widgets.blocks.BlockImage`)
and text comes from cached glyphs (:func:`~nncourse.widgets.glyphs.cache_glyphs`): the same
pixels as matplotlib's own drawing, in about half the time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from nncourse.data import load_digits_images
from nncourse.live import ControlPanel, KeyedBackgrounds, slider
from nncourse.widgets.blocks import block_image
from nncourse.widgets.glyphs import cache_glyphs

CUSTOM = "custom"
PRESETS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "blur (box)": np.full((3, 3), 1.0 / 9.0),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "vertical edges (Sobel)": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float),
    "horizontal edges (Sobel)": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=float),
    "outline (Laplacian)": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float),
}
KERNEL_NAMES: tuple[str, ...] = tuple(f"k{r}{c}" for r in range(3) for c in range(3))
_LIMIT = 8.0  # slider range for kernel entries
STRIDES: tuple[int, ...] = (1, 2, 3)
PADDINGS: tuple[int, ...] = (0, 1, 2)


def _count(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} should be an integer >= {low}, got {value!r}")
    return int(value)


def output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """Positions of a ``k``-wide kernel along ``n`` inputs: ``(n + 2p - k) // stride + 1``."""
    n, k = _count(n, "n", 1), _count(k, "k", 1)
    stride, padding = _count(stride, "stride", 1), _count(padding, "padding", 0)
    if k > n + 2 * padding:
        raise ValueError(f"a kernel of size {k} does not fit in {n} inputs with padding "
                         f"{padding} ({n + 2 * padding} positions)")
    return (n + 2 * padding - k) // stride + 1


def cross_correlate(image: np.ndarray, kernel: np.ndarray, stride: int = 1,
                    padding: int = 0) -> np.ndarray:
    """Cross-correlation of a 2-D image with a 2-D kernel (no flip), as CNNs compute.

    ``padding`` rows and columns of zeros go around the image first; the kernel then moves
    ``stride`` pixels at a time. The defaults give the valid cross-correlation.
    """
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"image and kernel should be 2-D, got shapes {image.shape} and "
                         f"{kernel.shape}")
    stride, padding = _count(stride, "stride", 1), _count(padding, "padding", 0)
    image = np.pad(image, padding)
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError(f"kernel {kernel.shape} is larger than the image {image.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("ijkl,kl->ij", windows[::stride, ::stride], kernel)


def max_pool(X: np.ndarray, size: int) -> np.ndarray:
    """Non-overlapping ``size`` x ``size`` max pooling of a 2-D array, leftovers dropped."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X should be 2-D, got shape {X.shape}")
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
        raise ValueError(f"size should be an integer >= 1, got {size!r}")
    rows, cols = X.shape[0] // size, X.shape[1] // size
    if rows == 0 or cols == 0:
        raise ValueError(f"a {size}x{size} window does not fit in an array of shape {X.shape}")
    trimmed = X[: rows * size, : cols * size]
    return trimmed.reshape(rows, size, cols, size).max(axis=(1, 3))


@lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    return load_digits_images()


def kernel_state(digit: int = 0, preset: str = CUSTOM, stride: int = 1, padding: int = 0,
                 **entries: float) -> dict[str, Any]:
    """The digit ``digit`` of the shipped set convolved with the kernel ``k00 .. k22``.

    ``preset`` only names the kernel; the entries are what counts. Returns ``image`` (8x8),
    ``padded`` (the image with ``padding`` zeros around it), ``kernel`` (3x3),
    ``feature_map`` (``size`` x ``size``: 6x6 at stride 1 without padding), ``pooled`` (ReLU
    then 2x2 max pool), ``size``, ``stride``, ``padding``, the digit's ``label`` and
    ``frame``: ``(left, top, width, height)`` of the original digit inside ``padded``, in
    pixel coordinates (pixel centres at integers), the rectangle the digit panel outlines.
    """
    missing = [name for name in KERNEL_NAMES if name not in entries]
    unknown = sorted(set(entries) - set(KERNEL_NAMES))
    if missing or unknown:
        raise TypeError(f"kernel entries should be exactly {KERNEL_NAMES}; missing {missing}, "
                        f"unexpected {unknown}")
    images, labels = _digits()
    if isinstance(digit, bool) or not isinstance(digit, int | np.integer):
        raise TypeError(f"digit should be an integer index, got {type(digit).__name__}")
    if not 0 <= digit < len(images):
        raise ValueError(f"digit should be an index from 0 to {len(images) - 1}, got {digit}")
    kernel = np.array([float(entries[name]) for name in KERNEL_NAMES]).reshape(3, 3)
    image = images[digit]
    size = output_size(image.shape[0], kernel.shape[0], stride, padding)
    feature_map = cross_correlate(image, kernel, stride, padding)
    pooled = max_pool(np.maximum(feature_map, 0.0), 2)
    return {"image": image, "padded": np.pad(image.astype(float), padding), "kernel": kernel,
            "feature_map": feature_map, "pooled": pooled, "size": size,
            "stride": int(stride), "padding": int(padding),
            "label": int(labels[digit]), "digit": int(digit), "preset": preset,
            "frame": (padding - 0.5, padding - 0.5, float(image.shape[1]),
                      float(image.shape[0]))}


def _symmetric_limit(values: np.ndarray) -> float:
    return max(float(np.max(np.abs(values))), 1e-9)


def colour_limits(state: dict[str, Any]) -> tuple[float, float]:
    """The colour range of the feature map and of the pooled panel, shared by both.

    Symmetric around 0 from the feature map's largest magnitude, so white is 0 and the
    strongest response (positive or negative) is the darkest colour. Pooling after ReLU
    keeps only values >= 0 from the same map, so they are drawn on the same scale: a lone
    weak value stays pale instead of being stretched to the darkest colour.
    """
    limit = _symmetric_limit(state["feature_map"])
    return -limit, limit


def _titles(state: dict[str, Any]) -> tuple[str, ...]:
    n, pad, size = len(state["image"]), state["padding"], state["size"]
    side = n + 2 * pad
    digit = f"digit ({n}x{n})" if pad == 0 else f"digit + padding {pad} ({side}x{side})"
    pooled = len(state["pooled"])
    return (digit, "kernel (3x3)", f"feature map ({size}x{size})",
            f"ReLU + 2x2 max pool ({pooled}x{pooled})")


def _fit(ax: Any, art: Any, data: np.ndarray) -> None:
    rows, cols = data.shape
    art.set_extent((-0.5, cols - 0.5, rows - 0.5, -0.5))
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)


def _draw(live: KeyedBackgrounds, state: dict[str, Any]) -> str:
    titles = _titles(state)
    if titles != live.titles:  # the panels change size: their axes and titles change too
        for ax, title, old in zip(live.axes, titles, live.titles, strict=True):
            if title != old:
                ax.title.set_text(title)  # its font and place were set by set_title
        live.titles = titles
        for ax, art, key in ((live.axes[0], live.image_art, "padded"),
                             (live.axes[2], live.map_art, "feature_map"),
                             (live.axes[3], live.pool_art, "pooled")):
            if art.get_array().shape != state[key].shape:
                _fit(ax, art, state[key])
        live.use(titles)  # one background per panel size, drawn once
    kernel = state["kernel"]
    if live.kernel_shown is None or not np.array_equal(kernel, live.kernel_shown):
        live.kernel_shown = kernel
        live.kernel_art.set_data(kernel)
        limit = _symmetric_limit(kernel)
        live.kernel_art.set_clim(-limit, limit)
        for text, value in zip(live.kernel_text, kernel.ravel(), strict=True):
            text.set_text(f"{value:.2g}")
            text.set_color("white" if abs(value) > 0.6 * limit else "black")
        live.redraw_layers(live.kernel_layer)
    live.image_art.set_data(state["padded"])
    left, top, width, height = state["frame"]
    live.frame.set_xy((left, top))
    live.frame.set_width(width)
    live.frame.set_height(height)
    fmap = state["feature_map"]
    live.map_art.set_data(fmap)
    low, high = colour_limits(state)
    live.map_art.set_clim(low, high)
    pooled = state["pooled"]
    live.pool_art.set_data(pooled)
    live.pool_art.set_clim(low, high)
    n, pad, stride = len(state["image"]), state["padding"], state["stride"]
    zeros = "" if pad == 0 else (
        f" The orange frame marks the {n}x{n} digit; the white border outside it, {pad} "
        f"pixel{'s' if pad > 1 else ''} wide, is the zero padding.")
    return (
        f"Digit #{state['digit']} (a {state['label']}), kernel <b>{state['preset']}</b>.{zeros} "
        f"Output size (n + 2*padding - k) // stride + 1 = ({n} + 2*{pad} - 3) // {stride} + 1 "
        f"= <b>{state['size']}</b>: a {state['size']}x{state['size']} feature map, "
        f"from {fmap.min():.3g} to {fmap.max():.3g}; after ReLU and 2x2 max "
        f"pooling the largest response is {pooled.max():.3g}."
    )


class KernelPanel(ControlPanel):
    """A control panel whose preset menu sets the nine kernel sliders in one redraw."""

    _quiet = False

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        top = widgets.HBox([self.controls["preset"], self.controls["digit"]])
        steps = widgets.HBox([self.controls["stride"], self.controls["padding"]])
        grid = widgets.GridBox([self.controls[name] for name in KERNEL_NAMES],
                               layout=widgets.Layout(grid_template_columns="repeat(3, 230px)"))
        self.children = (*self.children[:-3], top, steps, grid, self.live.image, self.readout)

    def load_preset(self, name: str) -> None:
        """Set the kernel sliders to the preset ``name`` and redraw once."""
        if name == CUSTOM:
            return
        if name not in PRESETS:
            raise ValueError(f"preset should be one of {list(PRESETS)}, got {name!r}")
        self._quiet = True
        try:
            for key, value in zip(KERNEL_NAMES, PRESETS[name].ravel(), strict=True):
                self.controls[key].value = float(value)
            self.controls["preset"].value = name
        finally:
            self._quiet = False
        self.update()

    def _on_change(self, change: Any) -> None:
        if self._quiet:
            return
        owner = change["owner"]
        if owner is self.controls["preset"]:
            self.load_preset(change["new"])
            return
        moved_kernel = owner not in (self.controls["digit"], self.controls["stride"],
                                     self.controls["padding"])
        if moved_kernel and self.controls["preset"].value != CUSTOM:
            self._quiet = True
            try:
                self.controls["preset"].value = CUSTOM
            finally:
                self._quiet = False
        self.update()


def kernel_explorer(preset: str = "vertical edges (Sobel)", digit: int = 0, stride: int = 1,
                    padding: int = 0) -> KernelPanel:
    """A preset menu, digit, stride and padding sliders and nine kernel sliders showing the
    convolved digit."""
    if preset not in PRESETS:
        raise ValueError(f"preset should be one of {list(PRESETS)}, got {preset!r}")
    if stride not in STRIDES or padding not in PADDINGS:
        raise ValueError(f"stride should be one of {STRIDES} and padding one of {PADDINGS}, "
                         f"got {stride!r} and {padding!r}")
    entries = dict(zip(KERNEL_NAMES, PRESETS[preset].ravel().tolist(), strict=True))
    state = kernel_state(digit, preset, stride, padding, **entries)
    live = KeyedBackgrounds(1, 4, figsize=(9.0, 2.6))
    cache_glyphs(live.canvas)  # the kernel's numbers and the titles: each glyph rendered once
    image_ax, kernel_ax, map_ax, pool_ax = live.axes
    live.image_art = block_image(image_ax, state["padded"], cmap="gray_r", vmin=0, vmax=16)
    left, top, width, height = state["frame"]
    # over the panel's spines (zorder 3 > 2.5): at padding 0 the frame lies on them
    live.frame = image_ax.add_patch(Rectangle((left, top), width, height, fill=False,
                                              edgecolor="tab:orange", linewidth=2, zorder=3))
    live.kernel_art = block_image(kernel_ax, state["kernel"], cmap="RdBu_r")
    live.kernel_text = [kernel_ax.text(c, r, "", ha="center", va="center", fontsize=9)
                        for r in range(3) for c in range(3)]
    live.map_art = block_image(map_ax, state["feature_map"], cmap="RdBu_r")
    live.pool_art = block_image(pool_ax, state["pooled"], cmap="RdBu_r")
    live.titles = _titles(state)
    live.use(live.titles)
    for ax, title in zip(live.axes, live.titles, strict=True):
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    # Each panel's frame (its spines) is drawn over its image, as matplotlib orders them
    # (images 0, spines 2.5, the digit's orange frame and the kernel's numbers 3): left in
    # the cached picture under the images, the images would cover their top and left edges.
    def spines(ax):
        return tuple(ax.spines.values())

    # the kernel panel (nine numbers) is redrawn only when the kernel changes
    live.kernel_layer = live.layer(live.kernel_art, *spines(kernel_ax), *live.kernel_text)
    live.kernel_shown = None
    live.animate(live.image_art, live.map_art, live.pool_art,
                 *spines(image_ax), *spines(map_ax), *spines(pool_ax), live.frame)
    controls: dict[str, widgets.ValueWidget] = {
        "preset": widgets.Dropdown(options=[*PRESETS, CUSTOM], value=preset,
                                   description="preset", style={"description_width": "50px"},
                                   layout=widgets.Layout(width="300px")),
        "digit": widgets.IntSlider(value=digit, min=0, max=len(_digits()[0]) - 1,
                                   description="digit #", continuous_update=True,
                                   style={"description_width": "50px"},
                                   layout=widgets.Layout(width="300px")),
        "stride": widgets.IntSlider(value=stride, min=STRIDES[0], max=STRIDES[-1],
                                    description="stride", continuous_update=True,
                                    style={"description_width": "50px"},
                                    layout=widgets.Layout(width="300px")),
        "padding": widgets.IntSlider(value=padding, min=PADDINGS[0], max=PADDINGS[-1],
                                     description="padding", continuous_update=True,
                                     style={"description_width": "50px"},
                                     layout=widgets.Layout(width="300px")),
    }
    for name, value in entries.items():
        control = slider(name, value, -_LIMIT, _LIMIT, 0.05)
        control.layout.width = "225px"
        controls[name] = control
    return KernelPanel(controls, kernel_state, _draw, live, title="A 3x3 kernel on a digit")
