"""Plain text drawn by Agg from cached layouts and glyph bitmaps (runs in the kernel).

Matplotlib's Agg renderer lays out every string twice per draw (``FT2Font.set_text`` to
measure it, ``FT2Font._layout`` to draw it) and renders every glyph with FreeType; in a
live figure that redraws numbers or tick labels, text is most of a frame's cost.
:func:`cache_glyphs` makes a canvas's renderers keep each string's layout (measured from
it, once) and each glyph's bitmap (per font, size, glyph and position within a pixel: a
whole-pixel shift moves a bitmap unchanged), then make the same ``draw_text_image`` calls
Agg makes: the pixels are the same (tests/test_glyphs.py compares them). A new
string's layout is put together from the layouts of its pairs of characters where that
gives matplotlib's layout exactly (no ligature, no fractional kerning), else laid out whole.

Private matplotlib API used (checked with matplotlib 3.11.2): ``RendererAgg._prepare_font``,
``RendererAgg._renderer.draw_text_image``, ``FT2Font._layout``, ``FT2Font._set_transform``,
``FT2Font._render_glyph``, ``ft2font.RenderMode``, the ``_get_font_height_metrics`` hook of
``Text._get_layout``. Before a canvas is cached, probe strings are drawn both ways, once per
process: where a hook is missing or draws other pixels (another matplotlib), canvases keep
matplotlib's own drawing; a hook that fails later hands that renderer back to matplotlib. A
font whose measure of a probe string from its layout differs from ``set_text``'s (checked
once per font) is measured by matplotlib; rotated, mathtext and non-antialiased text, and
text with font features or a language set, is drawn by matplotlib.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.font_manager import FontProperties, fontManager, get_font

try:  # an enum of recent matplotlib (3.11 has it)
    from matplotlib.ft2font import RenderMode
except ImportError:  # pragma: no cover - older matplotlib: text is drawn by matplotlib
    RenderMode = None

_IDENTITY = np.array([[0x10000, 0], [0, 0x10000]])
LAYOUTS = 4096  # strings whose layouts a renderer keeps
BITMAPS = 8192  # glyph bitmaps a renderer keeps
_PROBE = "(∂L/∂w = -0.5) Tay, fi"  # a string that checks the measure of a font


def cache_glyphs(canvas: FigureCanvasAgg) -> None:
    """Every renderer ``canvas`` uses from now on draws plain text from cached glyphs."""
    if getattr(canvas, "_glyph_cache", False) or not agrees_with_matplotlib():
        return
    get_renderer = canvas.get_renderer

    def cached_renderer() -> RendererAgg:
        renderer = get_renderer()
        if not isinstance(getattr(renderer, "draw_text", None), _Cache):
            cache = _Cache(renderer)
            renderer.draw_text = cache
            renderer.get_text_width_height_descent = cache.measure
            if not hasattr(renderer, "_get_font_height_metrics"):  # as in matplotlib 3.11
                renderer._get_font_height_metrics = cache.font_height
        return renderer

    canvas.get_renderer = cached_renderer
    canvas._glyph_cache = True


class _Cache:
    """``draw_text`` and text measures for one renderer, from cached layouts and glyphs."""

    def __init__(self, renderer: RendererAgg):
        self.renderer = renderer
        self.draw_text = renderer.draw_text
        self.get_text_width_height_descent = renderer.get_text_width_height_descent
        # (string, font, features, language) -> (size, glyphs (font, index, x, y), measure)
        self.layouts: OrderedDict[tuple, tuple[float, list[tuple], tuple | None]] = \
            OrderedDict()
        self.bitmaps: dict[tuple, tuple[np.ndarray, int, int]] = {}
        self.boxes: dict[tuple, tuple[tuple[int, int, int, int], int]] = {}
        self.heights: dict[tuple, tuple] = {}
        self.trusted: dict[int, bool] = {}  # per font: its measures from layouts are right
        self.failed = False  # a private hook failed: matplotlib draws and measures

    def __call__(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
                 ismath: Any = False, mtext: Any = None) -> None:
        """``RendererAgg.draw_text``: glyphs from the cache where it can."""
        calls = None
        if not (self.failed or ismath or angle or not gc.get_antialiased()):
            try:  # text with font features or a language set is matplotlib's
                if mtext is None or not (mtext.get_fontfeatures() or mtext.get_language()):
                    calls = self._calls(x, y, s, prop)
            except Exception:  # a private hook changed: matplotlib draws from now on
                self.failed = True
        if calls is None:
            return self.draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        draw = self.renderer._renderer.draw_text_image
        for buffer, left, top in calls:
            draw(buffer, left, top, 0, gc)
        return None

    def _calls(self, x: float, y: float, s: str, prop: Any) -> list[tuple]:
        """The ``draw_text_image`` calls (bitmap, left, top) that Agg makes for ``s``."""
        size, glyphs, _ = self._layout(s, prop, None, None)
        renderer, flags = self.renderer, get_hinting_flag()
        height, dpi = renderer.height, renderer.dpi
        calls = []
        for font, glyph, dx, dy in glyphs:  # as RendererAgg._draw_text_glyphs_and_boxes
            px, py = round(0x40 * (x + dx)), round(0x40 * (height - y + dy))
            key = (font, size, dpi, flags, glyph, px & 63, py & 63)
            cached = self.bitmaps.get(key)
            if cached is None:
                font.set_size(size, dpi)
                font._set_transform(_IDENTITY, [px, py])
                bitmap = font._render_glyph(glyph, flags, RenderMode.NORMAL)
                cached = (np.array(bitmap.buffer), bitmap.left - (px >> 6),
                          bitmap.top - (py >> 6))
                if len(self.bitmaps) >= BITMAPS:
                    self.bitmaps.clear()
                self.bitmaps[key] = cached
            buffer, left, top = cached
            calls.append((buffer, left + (px >> 6),
                          int(height) - top - (py >> 6) + buffer.shape[0]))
        return calls

    def measure(self, s: str, prop: Any, ismath: Any) -> tuple[float, float, float]:
        """``RendererAgg.get_text_width_height_descent``, from the string's layout."""
        if not ismath and s and not self.failed:
            try:
                measure = self._layout(s, prop, None, None)[2] if self._trust(prop) else None
            except Exception:  # a private hook changed: matplotlib measures from now on
                self.failed, measure = True, None
            if measure is not None:
                return measure
        return self.get_text_width_height_descent(s, prop, ismath)

    def font_height(self, prop: Any) -> tuple:
        """The font's ascent, descent and line gap, as ``Text._get_layout`` reads them."""
        key = (hash(prop), self.renderer.dpi)
        if key not in self.heights:
            try:
                self.heights[key] = _font_height(prop, self.renderer.dpi)
            except Exception:  # Text._get_layout reads the font itself
                self.heights[key] = (None, None, None)
        return self.heights[key]

    def _layout(self, s: str, prop: Any, features: Any, language: Any
                ) -> tuple[float, list[tuple], tuple | None]:
        key = (s, hash(prop), features, language)
        layout = self.layouts.get(key)
        if layout is None:
            size = prop.get_size_in_points()
            glyphs = self._composed(s, prop, features, language) if len(s) > 2 else None
            if glyphs is None:
                glyphs = self._shaped(s, prop, features, language)
            layout = (size, glyphs, self._measure(glyphs, size))
            self.layouts[key] = layout
            if len(self.layouts) > LAYOUTS:
                self.layouts.popitem(last=False)
        return layout

    def _shaped(self, s: str, prop: Any, features: Any, language: Any) -> list[tuple]:
        """The glyphs of ``s`` and their places, as FreeType and raqm lay them out."""
        font = self.renderer._prepare_font(prop)
        return [(item.ft_object, item.glyph_index, item.x, item.y) for item in
                font._layout(s, flags=get_hinting_flag(), features=features,
                             language=language)]

    def _composed(self, s: str, prop: Any, features: Any, language: Any
                  ) -> list[tuple] | None:
        """The layout of ``s`` from the cached layouts of its pairs of characters, where
        every pair is two glyphs, the same in every pair, a whole number of pixels apart
        (no ligature, no substitution, no fractional kerning, whose rounding depends on
        the place in the string); ``None`` where one is not."""
        glyphs = []
        x = y = 0.0
        for i in range(len(s) - 1):
            pair = self._layout(s[i:i + 2], prop, features, language)[1]
            if len(pair) != 2 or pair[0][2] or pair[0][3] or pair[1][3] or \
                    pair[1][2] % 1 or (glyphs and pair[0][:2] != glyphs[-1][:2]):
                return None
            if not glyphs:
                glyphs.append(pair[0])
            x, y = x + pair[1][2], y + pair[1][3]
            glyphs.append((*pair[1][:2], x, y))
        return glyphs

    def _measure(self, glyphs: list[tuple], size: float) -> tuple[float, float, float] | None:
        """Width (to the last glyph's advance), height and descent, as ``set_text`` finds
        them: the union of the glyphs' boxes, in 26.6 units, over 64."""
        if not glyphs:
            return None
        low, high = 1 << 30, -(1 << 30)
        for font, glyph, _, dy in glyphs:
            (_, y0, _, y1), _ = self._box(font, glyph, size)
            low, high = min(low, y0 + round(64 * dy)), max(high, y1 + round(64 * dy))
        font, glyph, dx, _ = glyphs[-1]
        advance = self._box(font, glyph, size)[1]
        return (round(64 * dx) + advance) / 64.0, (high - low) / 64.0, -low / 64.0

    def _box(self, font: Any, glyph: int, size: float
             ) -> tuple[tuple[int, int, int, int], int]:
        key = (font, size, self.renderer.dpi, get_hinting_flag(), glyph)
        box = self.boxes.get(key)
        if box is None:
            font.set_size(size, self.renderer.dpi)
            loaded = font.load_glyph(glyph, get_hinting_flag())
            box = self.boxes[key] = (tuple(loaded.bbox), loaded.horiAdvance)
        return box

    def _trust(self, prop: Any) -> bool:
        """Whether measures from layouts equal ``set_text``'s for this font (one probe)."""
        key = hash(prop)
        if key not in self.trusted:
            mine = self._layout(_PROBE, prop, None, None)[2]
            self.layouts.pop((_PROBE, key, None, None), None)
            self.trusted[key] = mine == self.get_text_width_height_descent(_PROBE, prop, False)
        return self.trusted[key]


@lru_cache(maxsize=1)
def agrees_with_matplotlib() -> bool:
    """Whether this matplotlib's private text hooks are there and give, through the cache,
    the pixels and measures of its own ``RendererAgg`` for a few probe strings (checked once
    per process; ``agrees_with_matplotlib.cache_clear()`` checks again)."""
    if RenderMode is None:
        return False
    try:
        plain, cached = RendererAgg(160, 60, 72), RendererAgg(160, 60, 72)
        cache = _Cache(cached)
        for renderer, draw, measure in (
                (plain, plain.draw_text, plain.get_text_width_height_descent),
                (cached, cache, cache.measure)):
            gc = renderer.new_gc()
            gc.set_foreground("black")
            for s, x, y, size in ((_PROBE, 2.3, 40.6, 9), ("-0.35", 5.0, 10.2, 9),
                                  ("-0.35", 60.7, 10.2, 9), ("-0.35", 45.0, 30.2, 9),
                                  ("-0.35", 100.0, 22.0, 10.5)):
                prop = FontProperties(size=size)
                draw(gc, x, y, s, prop, 0)
                if measure(s, prop, False) != plain.get_text_width_height_descent(
                        s, prop, False):
                    return False
            gc.restore()
        return not cache.failed and np.array_equal(np.asarray(plain.buffer_rgba()),
                                                   np.asarray(cached.buffer_rgba()))
    except Exception:
        return False


def _font_height(prop: Any, dpi: float) -> tuple:
    """(min ascent, min descent, line gap) of ``prop`` at ``dpi`` as matplotlib 3.11's
    ``Text._get_layout`` reads them from the font's tables; Nones where it has none."""
    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, gap, ascent, descent in (
            ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
            ("hhea", "lineGap", "ascent", "descent")):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() \
            * dpi / 72
        return table[ascent] * scale, -table[descent] * scale, table[gap] * scale
    return None, None, None
