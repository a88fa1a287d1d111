"""An image of a few large cells (a kernel, a feature map) redrawn fast, same pixels (kernel).

Matplotlib draws an ``AxesImage`` by resampling its data to the screen's pixels, building
a coverage mask, normalizing and colour-mapping every pixel, on every draw: about 2 ms for
a 12x12 array shown 150 pixels wide. With nearest-neighbour upsampling, each screen pixel
shows one data cell, so :class:`BlockImage` asks matplotlib once per geometry (array shape,
extent, place on the canvas) which cell each pixel shows and how much of the pixel the
image covers: it draws a probe image whose colours number the cells, through matplotlib's
own ``_make_image``. Each later draw colour-maps the cells only and indexes them into
that map: the same colours and coverage (times the image's alpha, if it has one) on the
same pixels, drawn by the same ``draw_image`` call. Anything the map cannot stand for
(masked or translucent cells, an alpha per cell, another interpolation, more than 65,536
cells) is drawn by matplotlib as before. Lesson 01's surface (60 x 60 cells, alpha 0.6):
3.3 ms a redraw through matplotlib, 0.6 ms through the map.

Private matplotlib API used (checked with matplotlib 3.11.2): ``AxesImage._make_image``, its
arguments and what it returns. Each new cell map is checked once against matplotlib's own
``_make_image`` of the data shown; where they differ, the hook is called with other
arguments, or the map cannot be made, matplotlib draws the image (where the hook is gone,
matplotlib never calls this one): never other pixels than matplotlib's.
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.image import AxesImage

_MAX_CELLS = 256 * 256  # a cell's number is coded in the probe's red and green bytes
_GEOMETRIES = 32  # cell maps an image keeps (one per panel size it has been drawn at)


class _Call:
    """The arguments of matplotlib 3.11's ``AxesImage._make_image``, by name."""

    def __init__(self, A: Any, in_bbox: Any, out_bbox: Any, clip_bbox: Any,
                 magnification: float = 1.0, unsampled: bool = False,
                 round_to_pixel_border: bool = True):
        self.A, self.in_bbox, self.out_bbox, self.clip_bbox = A, in_bbox, out_bbox, clip_bbox
        self.magnification, self.unsampled = magnification, unsampled
        self.round_to_pixel_border = round_to_pixel_border


class BlockImage(AxesImage):
    """An ``AxesImage`` shown with nearest-neighbour pixels whose redraw colours only its
    cells (see the module docstring); made like ``ax.imshow``: :func:`block_image`."""

    def __init__(self, ax: Any, **kwargs: Any):
        super().__init__(ax, interpolation="nearest", **kwargs)
        self._maps: dict[tuple, tuple | bool | None] = {}  # False: matplotlib's

    def _make_image(self, *args: Any, **kwargs: Any) -> tuple:
        try:
            call = _Call(*args, **kwargs)
            output = self._from_map(call) if self._mappable(call) else None
        except Exception:  # a private hook changed: matplotlib draws
            output = None
        return super()._make_image(*args, **kwargs) if output is None else output

    def _mappable(self, call: _Call) -> bool:
        A = call.A
        alpha = self.get_alpha()
        return not (call.unsampled or A.ndim != 2 or A.size > _MAX_CELLS
                    or (alpha is not None and np.ndim(alpha) != 0)
                    or self.get_interpolation() != "nearest" or np.ma.getmaskarray(A).any())

    def _from_map(self, call: _Call) -> tuple | None:
        """``_make_image``'s answer from the geometry's cell map; ``None``: ask matplotlib."""
        colours = self.to_rgba(call.A, bytes=True)
        if colours[..., 3].min() != 255:
            return None
        key = (call.A.shape, tuple(call.in_bbox.bounds), tuple(call.out_bbox.bounds),
               tuple(call.clip_bbox.bounds), call.magnification, call.round_to_pixel_border,
               self.origin, self.get_interpolation_stage(), self.get_alpha())
        if key not in self._maps:
            if len(self._maps) >= _GEOMETRIES:
                self._maps.clear()
            self._maps[key] = self._checked_map(call, colours)
        found = self._maps[key]
        if found is False:  # the map and matplotlib disagree: matplotlib draws
            return None
        if found is None:  # nothing of the image is on the canvas
            return None, 0, 0, None
        return _paint(found, colours)

    def _checked_map(self, call: _Call, colours: np.ndarray) -> tuple | bool | None:
        """The geometry's cell map if it gives matplotlib's own image of ``call.A``, else
        ``False``."""
        found = self._cell_map(call.A.shape, call.in_bbox, call.out_bbox, call.clip_bbox,
                               call.magnification, call.round_to_pixel_border)
        theirs = super()._make_image(call.A, call.in_bbox, call.out_bbox, call.clip_bbox,
                                     call.magnification, call.unsampled,
                                     call.round_to_pixel_border)
        if found is None:
            return None if theirs[0] is None else False
        mine, theirs = _paint(found, colours), tuple(theirs)
        same = (len(theirs) == 4 and theirs[0] is not None and mine[1:3] == theirs[1:3]
                and np.array_equal(mine[0], theirs[0])
                and np.array_equal(mine[3].get_matrix(), theirs[3].get_matrix()))
        return found if same else False

    def _cell_map(self, shape, in_bbox, out_bbox, clip_bbox, magnification,
                  round_to_pixel_border) -> tuple | None:
        """Which cell each output pixel shows, and its alpha byte (the coverage times the
        image's alpha), drawn by matplotlib."""
        cells = shape[0] * shape[1]
        probe = AxesImage(self.axes, cmap=_codes(cells), norm=Normalize(-0.5, cells - 0.5),
                          interpolation="nearest", origin=self.origin, alpha=self.get_alpha(),
                          interpolation_stage=self.get_interpolation_stage(),
                          resample=self.get_resample(), filternorm=self.get_filternorm(),
                          filterrad=self.get_filterrad())
        probe.set_transform(self.get_transform())
        codes = np.ma.asarray(np.arange(shape[0] * shape[1], dtype=float).reshape(shape))
        output, x, y, trans = AxesImage._make_image(
            probe, codes, in_bbox, out_bbox, clip_bbox, magnification, False,
            round_to_pixel_border)
        if output is None:
            return None
        coverage = output[..., 3].copy()
        codes = output[..., 0].astype(np.intp) | (output[..., 1].astype(np.intp) << 8)
        return codes, None if coverage.min() == 255 else coverage, x, y, trans.frozen()


def _codes(cells: int) -> ListedColormap:
    """Colour k of ``cells``: k's low byte in red, its high byte in green (``(b + 0.5) / 255``,
    at most 1, is byte b once matplotlib turns colours into bytes)."""
    k = np.arange(cells)
    low, high = np.minimum((k % 256 + 0.5) / 255, 1.0), np.minimum((k // 256 + 0.5) / 255, 1.0)
    return ListedColormap(np.column_stack([low, high, np.zeros(cells), np.ones(cells)]))


def _paint(found: tuple, colours: np.ndarray) -> tuple:
    """``_make_image``'s answer: each pixel the colour of its cell, alpha its coverage."""
    cells, coverage, x, y, trans = found
    # one 4-byte word per pixel: a gather of words, then the coverage as alpha bytes
    output = np.ascontiguousarray(colours).view(np.uint32).ravel().take(cells)
    output = output.view(np.uint8).reshape(*cells.shape, 4)
    if coverage is not None:
        output[..., 3] = coverage
    return output, x, y, trans


def block_image(ax: Any, data: np.ndarray, cmap: Any = None, vmin: float | None = None,
                vmax: float | None = None, *, origin: str | None = None,
                extent: tuple[float, float, float, float] | None = None,
                alpha: float | None = None, aspect: str | float | None = None) -> BlockImage:
    """``ax.imshow(data, cmap=cmap, vmin=vmin, vmax=vmax, origin=origin, extent=extent,
    alpha=alpha, aspect=aspect)``, drawn as a :class:`BlockImage`."""
    image = BlockImage(ax, cmap=cmap, origin=origin, extent=extent)
    ax.set_aspect(mpl.rcParams["image.aspect"] if aspect is None else aspect)
    image.set_data(data)
    image.set_alpha(alpha)
    image.set_clip_path(ax.patch)
    if vmin is not None or vmax is not None:
        image.set_clim(vmin, vmax)
    image.autoscale_None()
    image.set_extent(image.get_extent())  # the axes' limits fit the image, as imshow's do
    ax.add_image(image)
    return image
