"""A :class:`~nncourse.live.LiveFigure` with one cached background per discrete option, and
layers of artists that are redrawn only when they change.

A menu or a small slider that changes the static part of a figure (a contour surface, the
panels' sizes and titles) would otherwise force a full redraw on every change: here each
option's background (its "base") is drawn once and reused. Layers sit between the base and
the animated artists: artists that some controls change and others do not (an axis whose
limits follow one slider, a panel that only one slider changes). The picture after each
layer is cached, so a change redraws its own layer and those above it, then the animated
artists. Meant to move into ``nncourse/live.py``: it relies on ``LiveFigure.render``
blitting on ``_background`` when that is set.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

import numpy as np
from matplotlib.artist import Artist

from nncourse.live import LiveFigure


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
        self._background = None

    def invalidate(self) -> None:
        """Forget every cached picture: something static changed for all options."""
        self._bases.clear()
        self._levels.clear()
        super().invalidate()

    def render(self) -> bytes:
        """Draw the figure: a base once per option, the layers that changed, then blit."""
        if self._background is None:
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
            self._background = self._levels[-1]
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
        if self._background is None or self._clean is None or renderer is not self._renderer:
            self.canvas.draw()  # also after a savefig at another size made a new renderer
            self.figure.set_layout_engine("none")  # as LiveFigure: layout fixed once
            self._clean = self._pixels().copy()
            self._extents = {a: self._extent(a, renderer) for a in self._patches}
            redraw = list(self._patches)
            self._renderer = renderer
        else:
            self.canvas.restore_region(self._background)  # the last frame, whatever came since
            redraw = self._restore_changed(renderer)
        for artist in redraw:  # in the order they were registered, as a full draw would
            if artist.get_visible():
                artist.draw(renderer)
        self._dirty.clear()
        if redraw or self._background is None:
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
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
