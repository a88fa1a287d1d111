"""The order a live figure stacks its artists in, against matplotlib's whole-figure draw.

A live figure draws its cached picture, then its layers and animated artists over it. Where
an animated artist (an image filling the axes, say) lies under a static one in matplotlib's
order (zorder, then the order the artists were added), the static one must be drawn again
over it, or the picture differs from the figure matplotlib draws: the images covered the
axes' frames and veiled points drawn over them.
"""

from __future__ import annotations

import numpy as np


def whole_figure(live) -> np.ndarray:
    """The live figure drawn whole by matplotlib (no artist left out as animated), its RGBA
    pixels; the live figure draws everything again at its next render."""
    artists = [*live._animated, *(artist for layer in getattr(live, "_layers", ())
                                  for artist in layer)]
    for artist in artists:
        artist.set_animated(False)
    live.canvas.draw()
    pixels = np.asarray(live.canvas.buffer_rgba()).copy()
    for artist in artists:
        artist.set_animated(True)
    live.invalidate()
    return pixels


def axes_edges(figure, width: int = 1) -> np.ndarray:
    """A mask of the pixels within ``width`` of an axes' edge (its frame's line)."""
    height = int(round(figure.bbox.height))
    mask = np.zeros((height, int(round(figure.bbox.width))), dtype=bool)
    for ax in figure.axes:
        x0, y0, x1, y1 = ax.bbox.extents
        top, bottom = height - y1, height - y0
        for x in (x0, x1):
            column = int(round(x))
            mask[max(int(top) - width, 0):int(bottom) + width + 1,
                 max(column - width, 0):column + width + 1] = True
        for y in (top, bottom):
            row = int(round(y))
            mask[max(row - width, 0):row + width + 1,
                 max(int(x0) - width, 0):int(x1) + width + 1] = True
    return mask
