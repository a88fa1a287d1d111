"""Live figures: a matplotlib figure drawn with Agg and shown as an ``ipywidgets.Image``.

The course uses one plotting backend, Agg: static plots appear inline, live ones are
redrawn in place by updating artists (``set_data``) and re-encoding the same figure,
never by creating a new one. A lesson's control panel is built from two pure pieces:
``compute(**values) -> state`` and ``draw(live, state)``, so both can be tested without
a browser.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image


class LiveFigure:
    """One figure, created once, re-rendered to PNG bytes after each change.

    Artists registered with :meth:`animate` are redrawn on a cached background (blitting),
    so a change costs a few artists, not the axes, ticks and colour bars. Call
    :meth:`invalidate` after changing anything else (limits, labels).
    """

    def __init__(self, nrows: int = 1, ncols: int = 1, figsize=(6.0, 3.6), dpi: int = 80):
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        axes = self.figure.subplots(nrows, ncols, squeeze=False)
        self.axes = [ax for row in axes for ax in row]
        width = int(round(figsize[0] * dpi))
        # shown at its own pixel size: a stretched PNG looks blurred
        self.image = widgets.Image(format="png",
                                   layout=widgets.Layout(width=f"{width}px", height="auto"))
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
        width, height = self.canvas.get_width_height()
        rgba = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        buffer = io.BytesIO()
        rgba.save(buffer, format="png", compress_level=1)
        self.renders += 1
        return buffer.getvalue()

    def refresh(self) -> None:
        """Push the current figure to the image widget."""
        self.image.value = self.render()


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
        png = self.live.image.value or self.live.render()
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
        """Recompute the state and redraw the figure and readout."""
        try:
            self.state = self.compute(**self.values)
            text = self.draw(self.live, self.state)
        except Exception as exc:  # a control panel never dies on one bad value
            text = f"<span style='color:#b00'>Could not draw: {type(exc).__name__}: {exc}</span>"
        self.readout.value = text
        self.live.refresh()

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
