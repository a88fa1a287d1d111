"""Live figures: a matplotlib figure drawn with Agg and shown as an ``ipywidgets.Image``.

The course uses one plotting backend, Agg: static plots appear inline, live ones are
redrawn in place by updating artists (``set_data``) and re-encoding the same figure,
never by creating a new one. A lesson's control panel is built from two pure pieces:
``compute(**values) -> state`` and ``draw(live, state)``, so both can be tested without
a browser.

Runs in the kernel. A frame travels as a lossless PNG (:func:`png_bytes`) inside a
``data:`` URL: the browser decodes it in the page, where a blob URL (the ``Image``
widget's ``png`` format) costs a round trip through the browser process per frame.

Redrawing only what changed: :class:`LiveFigure` blits animated artists on one cached
background; :class:`KeyedBackgrounds` keeps one background per discrete option (a menu, a
small slider that changes the static part) with layers of artists over it; :class:`Patches`
redraws each changed artist on its own patch of the picture.
"""

from __future__ import annotations

import base64
import contextlib
import math
import struct
import zlib
from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
from isal.isal_zlib import compress as deflate  # zlib's format, 8 times sooner at level 1
from matplotlib.artist import Artist
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

PNG_URL_PREFIX = b"data:image/png;base64,"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(pixels: np.ndarray) -> bytes:
    """A lossless PNG of ``pixels``, ``(height, width, 4)`` ``uint8`` RGBA, stored as RGB
    when every pixel is opaque: rows unfiltered, deflated at level 1.

    Pillow offers no choice of row filter and tries several on every row; on the course's
    figures that made encoding two to three times slower and the file larger. The deflate
    is ISA-L's (``isal``): a 640 x 272 figure took 0.2 ms against zlib's 1.6 ms, for a
    file 1 % larger.
    """
    height, width, _ = pixels.shape
    opaque = bool(pixels[..., 3].min() == 255)
    channels = 3 if opaque else 4
    rows = np.zeros((height, 1 + width * channels), np.uint8)  # each row: filter 0, pixels
    if opaque:  # Pillow drops the alpha bytes 8 times sooner than numpy's pixels[..., :3]
        rgb = Image.frombuffer("RGBA", (width, height), np.ascontiguousarray(pixels), "raw",
                               "RGBA", 0, 1).tobytes("raw", "RGB")
        rows[:, 1:] = np.frombuffer(rgb, np.uint8).reshape(height, -1)
    else:
        rows[:, 1:] = pixels.reshape(height, -1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)
    return b"".join([b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header),
                     _chunk(b"IDAT", deflate(rows.data, 1)), _chunk(b"IEND", b"")])


def png_url(png: bytes) -> bytes:
    """``png`` as a ``data:`` URL, the value of an ``Image(format="url")``."""
    return PNG_URL_PREFIX + base64.b64encode(png)


class LiveFigure:
    """One figure, created once, re-rendered to PNG bytes after each change.

    Artists registered with :meth:`animate` are redrawn on a cached background (blitting),
    so a change costs a few artists, not the axes, ticks and colour bars. Call
    :meth:`invalidate` after changing anything else (limits, labels). ``png`` holds the
    PNG bytes of the frame last shown.
    """

    def __init__(self, nrows: int = 1, ncols: int = 1, figsize=(6.0, 3.6), dpi: int = 80):
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        axes = self.figure.subplots(nrows, ncols, squeeze=False)
        self.axes = [ax for row in axes for ax in row]
        width = int(round(figsize[0] * dpi))
        # shown at its own pixel size: a stretched PNG looks blurred
        self.image = widgets.Image(format="url",
                                   layout=widgets.Layout(width=f"{width}px", height="auto"))
        self.png = b""
        self.renders = 0
        self._animated: list[Artist] = []
        # the picture under the animated artists (an Agg region); None: the next render
        # draws everything. Subclasses that cache pictures of their own (per option, per
        # layer, per patch) set it before calling ``LiveFigure.render``.
        self.background: Any = None

    @property
    def ax(self):
        """The first (often only) axes."""
        return self.axes[0]

    def animate(self, *artists: Artist) -> None:
        """Mark artists that change on every update; the rest is drawn once."""
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)
        self.invalidate()

    def invalidate(self) -> None:
        """Forget the cached background: the next render draws everything."""
        self.background = None

    def render(self) -> bytes:
        """Draw the figure and return it as PNG bytes."""
        if self.background is None:
            self.canvas.draw()
            # the layout is fixed after the first full draw, so later draws are cheap
            self.figure.set_layout_engine("none")
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self.background)
        renderer = self.canvas.get_renderer()
        for artist in self._animated:
            if artist.get_visible():
                artist.draw(renderer)
        self.renders += 1
        return png_bytes(np.asarray(self.canvas.buffer_rgba()))

    def refresh(self) -> None:
        """Render the figure and show it in the image widget."""
        self.png = self.render()
        self.image.value = png_url(self.png)


@contextlib.contextmanager
def unmeasured_ticklabels(axis: Axis) -> Iterator[None]:
    """``axis`` drawn for a while without measuring its tick labels, which only place its
    offset text when there is one (and its label, where matplotlib places it: see
    :class:`SteadyAxis`). Private matplotlib API: ``Axis._get_ticklabel_bboxes``; where it
    is missing, the axis measures as matplotlib does."""
    measure = getattr(axis, "_get_ticklabel_bboxes", None)
    if measure is None:
        yield
        return

    def boxes(ticks: list, renderer: Any) -> tuple[list, list]:
        return measure(ticks, renderer) if axis.major.formatter.get_offset() else ([], [])

    axis._get_ticklabel_bboxes = boxes
    try:
        yield
    finally:
        del axis._get_ticklabel_bboxes


class SteadyAxis(Artist):
    """An axis whose ticks change (a :class:`KeyedBackgrounds` layer) while its label stays
    where its first draw put it: matplotlib places an axis label from the boxes of every
    tick label on every draw; with labels of one height (numbers) the place is the same, so
    later draws keep it and measure no tick label (:func:`unmeasured_ticklabels`). The same
    pixels as matplotlib's own draw, for such an axis (``tests/test_widgets_06.py``)."""

    def __init__(self, axis: Axis):
        super().__init__()
        self.axis = axis
        self.placed = False  # whether the label's place is fixed
        axis.set_animated(True)  # drawn by this artist only, never into a background

    def get_visible(self) -> bool:
        return self.axis.get_visible()

    def draw(self, renderer: Any) -> None:
        if not self.placed:  # the first draw places the label, matplotlib's way
            self.axis.draw(renderer)
            label = self.axis.label
            self.axis.set_label_coords(*label.get_position(), transform=label.get_transform())
            self.placed = True
            return
        with unmeasured_ticklabels(self.axis):
            self.axis.draw(renderer)


class KeyedBackgrounds(LiveFigure):
    """``use(key)`` names the option the static artists show; ``layer(*artists)`` adds a
    layer over the earlier ones, redrawn after ``redraw_layers(from_layer)``;
    :meth:`invalidate` forgets every cached picture."""

    def __init__(self, *args: Any, **kwargs: Any):
        self._bases: dict[Hashable, Any] = {}
        self._layers: list[list[Artist]] = []
        self._levels: list[Any] = []  # the base, then the picture after each layer
        self.key: Hashable = None
        super().__init__(*args, **kwargs)

    def use(self, key: Hashable) -> None:
        """The static artists now show option ``key`` (its base is drawn once, cached)."""
        if key != self.key:
            self.key = key
            self._redraw_from(0)

    def layer(self, *artists: Artist) -> int:
        """Add a layer of artists drawn over the base and earlier layers; its index."""
        for artist in artists:
            artist.set_animated(True)  # left out of the base
        self._layers.append(list(artists))
        self.invalidate()
        return len(self._layers) - 1

    def redraw_layers(self, from_layer: int = 0) -> None:
        """Layer ``from_layer`` changed: the next render redraws it and those above it."""
        self._redraw_from(from_layer + 1)

    def _redraw_from(self, level: int) -> None:
        del self._levels[level:]
        self.background = None

    def invalidate(self) -> None:
        """Forget every cached picture: something static changed for all options."""
        self._bases.clear()
        self._levels.clear()
        super().invalidate()

    def render(self) -> bytes:
        """Draw the figure: a base once per option, the layers that changed, then blit."""
        if self.background is None:
            if not self._levels:
                base = self._bases.get(self.key)
                if base is None:
                    self.canvas.draw()
                    self.figure.set_layout_engine("none")  # as LiveFigure: layout fixed once
                    base = self.canvas.copy_from_bbox(self.figure.bbox)
                    self._bases[self.key] = base
                else:
                    self.canvas.restore_region(base)
                self._levels.append(base)
            else:
                self.canvas.restore_region(self._levels[-1])
            renderer = self.canvas.get_renderer()
            for artists in self._layers[len(self._levels) - 1:]:
                for artist in artists:
                    if artist.get_visible():
                        artist.draw(renderer)
                self._levels.append(self.canvas.copy_from_bbox(self.figure.bbox))
            self.background = self._levels[-1]
        return super().render()


class Patches(LiveFigure):
    """Artists registered with ``patch(*artists)`` are redrawn only after ``changed(artist)``,
    each on its own patch of the background (where it was and where it now is), not on the
    whole figure: a panel of many numbers, of which a change alters some, redraws those.

    An unchanged artist that overlaps a redrawn patch is redrawn too, on its own patch, so
    every pixel is the same as after a full redraw.
    """

    PAD = 2  # pixels around an artist's extent: antialiasing reaches a little beyond it

    def __init__(self, *args: Any, **kwargs: Any):
        self._patches: list[Artist] = []
        self._extents: dict[Artist, tuple[int, int, int, int]] = {}
        self._dirty: set[Artist] = set()
        self._clean: np.ndarray | None = None  # the figure without the patch artists
        self._renderer: Any = None
        super().__init__(*args, **kwargs)

    def patch(self, *artists: Artist) -> None:
        """Artists that change often, drawn over the background, each only where it changed."""
        for artist in artists:
            artist.set_animated(True)  # left out of the background
            self._patches.append(artist)
        self.invalidate()

    def changed(self, *artists: Artist) -> None:
        """These patch artists changed: the next render redraws them."""
        self._dirty.update(artists)

    def _extent(self, artist: Artist, renderer: Any) -> tuple[int, int, int, int]:
        """Where ``artist`` draws, in whole pixels from the top left: (left, top, right, bottom)."""
        x0, y0, x1, y1 = artist.get_window_extent(renderer).extents
        (width, height), pad = self.canvas.get_width_height(), self.PAD
        return (max(math.floor(x0) - pad, 0), max(height - math.ceil(y1) - pad, 0),
                min(math.ceil(x1) + pad, width), min(height - math.floor(y0) + pad, height))

    def render(self) -> bytes:
        """Draw the figure: the background once, then the changed patch artists only."""
        renderer = self.canvas.get_renderer()
        if self.background is None or self._clean is None or renderer is not self._renderer:
            self.canvas.draw()  # also after a savefig at another size made a new renderer
            self.figure.set_layout_engine("none")  # as LiveFigure: layout fixed once
            self._clean = self._pixels().copy()
            self._extents = {a: self._extent(a, renderer) for a in self._patches}
            redraw = list(self._patches)
            self._renderer = renderer
        else:
            self.canvas.restore_region(self.background)  # the last frame, whatever came since
            redraw = self._restore_changed(renderer)
        for artist in redraw:  # in the order they were registered, as a full draw would
            if artist.get_visible():
                artist.draw(renderer)
        self._dirty.clear()
        if redraw or self.background is None:
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
        return super().render()

    def _pixels(self) -> np.ndarray:
        """The canvas's RGBA pixels, rows from the top, as a writable view."""
        return np.asarray(self.canvas.buffer_rgba())

    def _restore_changed(self, renderer: Any) -> list[Artist]:
        """Put the background back where a changed artist was or now is, and where any
        artist that overlaps those places is; return the artists to draw again."""
        regions = {}
        for artist in self._dirty:
            new = self._extent(artist, renderer)
            regions[artist] = _union(self._extents.get(artist, new), new)
            self._extents[artist] = new
        grew = True
        while grew:  # an artist that overlaps a restored region is redrawn, whole
            grew = False
            for artist in self._patches:
                if artist not in regions and any(
                        _overlap(self._extents[artist], box) for box in regions.values()):
                    regions[artist] = self._extents[artist]
                    grew = True
        pixels = self._pixels()
        for left, top, right, bottom in regions.values():
            pixels[top:bottom, left:right] = self._clean[top:bottom, left:right]
        return [a for a in self._patches if a in regions]

    def invalidate(self) -> None:
        """Forget the background: the next render draws everything."""
        self._clean = None
        super().invalidate()


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _union(a: tuple[int, int, int, int], b: tuple[int, int, int, int]
           ) -> tuple[int, int, int, int]:
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


class StaticPicture:
    """Mixin for a widget that has a ``live`` :class:`LiveFigure`: its output also carries
    the current picture as ``image/png``.

    While a kernel runs, JupyterLab shows the live widget; a saved notebook viewed without
    one (GitHub, nbviewer, an HTML or PDF export) shows the picture instead of
    ``ControlPanel(children=(...``.
    """

    live: LiveFigure
    title: str = ""

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        png = self.live.png or self.live.render()
        name = self.title or type(self).__name__
        return {**bundle, "image/png": base64.b64encode(png).decode("ascii"),
                "text/plain": f"{name} (live controls while a kernel runs; "
                              "the picture shows their last state)"}


class ControlPanel(StaticPicture, widgets.VBox):
    """Controls, a live figure and a text readout, wired to ``compute`` and ``draw``.

    ``compute(**values)`` turns the controls' values into a state (numbers, arrays,
    text); ``draw(live, state)`` updates the figure's artists from that state and returns
    the readout text. Changing any control recomputes and redraws in place.
    """

    def __init__(
        self,
        controls: Mapping[str, widgets.ValueWidget],
        compute: Callable[..., Mapping[str, Any]],
        draw: Callable[[LiveFigure, Mapping[str, Any]], str],
        live: LiveFigure,
        title: str = "",
    ):
        self.controls = dict(controls)
        self.compute = compute
        self.draw = draw
        self.live = live
        self.readout = widgets.HTML()
        self.title = title
        self.state: Mapping[str, Any] = {}
        header = [widgets.HTML(f"<b>{title}</b>")] if title else []
        super().__init__(
            [*header, widgets.HBox(list(self.controls.values())), live.image, self.readout]
        )
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.update()

    @property
    def values(self) -> dict[str, Any]:
        """The controls' current values by name."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> None:
        """Recompute the state and redraw the figure, then the readout."""
        try:
            self.state = self.compute(**self.values)
            text = self.draw(self.live, self.state)
        except Exception as exc:  # a control panel never dies on one bad value
            text = f"<span style='color:#b00'>Could not draw: {type(exc).__name__}: {exc}</span>"
        try:
            self.live.refresh()  # the picture first: it is what a student waits for
        finally:
            self.readout.value = text

    def _on_change(self, _change: Any) -> None:
        self.update()


def finite_number(value: Any, name: str) -> float:
    """``value`` as a float; a clear error for a non-number or a non-finite one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} should be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} should be finite, got {value}")
    return float(value)


def slider(description: str, value: float, low: float, high: float, step: float = 0.1,
           **kwargs: Any) -> widgets.FloatSlider:
    """A float slider with the course's layout and no lag on drag."""
    return widgets.FloatSlider(
        value=value, min=low, max=high, step=step, description=description,
        continuous_update=True, readout_format=".2f",
        layout=widgets.Layout(width="260px"), style={"description_width": "40px"}, **kwargs,
    )
