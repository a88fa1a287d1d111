"""Live figures: a matplotlib figure drawn with Agg and shown as an ``ipywidgets.Image``.

The course uses one plotting backend, Agg: static plots appear inline, live ones are
redrawn in place by updating artists (``set_data``) and re-encoding the same figure,
never by creating a new one. A lesson's control panel is built from two pure pieces:
``compute(**values) -> state`` and ``draw(live, state)``, so both can be tested without
a browser.

Runs in the kernel. A frame travels as a lossless PNG (:func:`png_bytes`) inside a
``data:`` URL: the browser decodes it in the page, where a blob URL (the ``Image``
widget's ``png`` format) costs a round trip through the browser process per frame.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

PNG_URL_PREFIX = b"data:image/png;base64,"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(pixels: np.ndarray) -> bytes:
    """A lossless PNG of ``pixels``, ``(height, width, 4)`` ``uint8`` RGBA, stored as RGB
    when every pixel is opaque: rows unfiltered, zlib level 1.

    Pillow offers no choice of row filter and tries several on every row; on the course's
    figures that made encoding two to three times slower and the file larger.
    """
    height, width, _ = pixels.shape
    opaque = bool(pixels[..., 3].min() == 255)
    channels = 3 if opaque else 4
    rows = np.zeros((height, 1 + width * channels), np.uint8)  # each row: filter 0, pixels
    rows[:, 1:] = (pixels[..., :3] if opaque else pixels).reshape(height, -1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)
    return b"".join([b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header),
                     _chunk(b"IDAT", zlib.compress(rows.data, 1)), _chunk(b"IEND", b"")])


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
        self._background = None

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
        self._background = None

    def render(self) -> bytes:
        """Draw the figure and return it as PNG bytes."""
        if self._background is None:
            self.canvas.draw()
            # the layout is fixed after the first full draw, so later draws are cheap
            self.figure.set_layout_engine("none")
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        else:
            self.canvas.restore_region(self._background)
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
