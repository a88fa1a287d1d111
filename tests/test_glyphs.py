"""The glyph cache (nncourse.widgets.glyphs): matplotlib's pixels and measures, and
matplotlib's own drawing where its private text hooks are missing or behave differently."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
from matplotlib.ft2font import FT2Font

from nncourse.widgets import glyphs


def _text_figure(cached: bool, seed: int):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4), dpi=80)
    canvas = FigureCanvasAgg(figure)
    if cached:
        glyphs.cache_glyphs(canvas)
    ax = figure.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set(title="Title (fi, AV, Ty)", xlabel="input x", ylabel="∂L/∂w")
    rng = np.random.default_rng(seed)
    for _ in range(60):
        ax.text(rng.uniform(0, 1), rng.uniform(0, 1),
                f"∂L/∂w = {rng.normal() * 10.0 ** rng.integers(-2, 4):+.3f} σ·x fi AVA",
                fontsize=float(rng.choice([7, 8, 9, 11.3])), alpha=rng.choice([None, 0.5]),
                color=str(rng.choice(["red", "k", "#1a7f37"])),
                ha=str(rng.choice(["left", "center", "right"])),
                va=str(rng.choice(["top", "center", "baseline"])),
                fontweight=str(rng.choice(["normal", "bold"])))
    return figure, canvas


@pytest.mark.parametrize("seed", [0, 1])
def test_cached_glyphs_draw_and_measure_text_as_matplotlib_does(seed):
    """Pixels and text extents equal matplotlib's own, drawn once and again from the cache."""
    (plain, plain_canvas), (cached, cached_canvas) = (_text_figure(False, seed),
                                                      _text_figure(True, seed))
    plain_canvas.draw()
    for _ in range(2):  # the second draw takes every layout and glyph from the cache
        cached_canvas.draw()
        np.testing.assert_array_equal(np.asarray(plain_canvas.buffer_rgba()),
                                      np.asarray(cached_canvas.buffer_rgba()))
    extents = [[text.get_window_extent(canvas.get_renderer()).bounds
                for text in figure.axes[0].texts]
               for figure, canvas in ((plain, plain_canvas), (cached, cached_canvas))]
    assert extents[0] == extents[1]
    cache = cached_canvas.get_renderer().draw_text
    assert cache.bitmaps and cache.layouts and all(cache.trusted.values())


def test_composed_layouts_equal_matplotlibs():
    """A string laid out from its pairs has matplotlib's glyphs and places; a pair that
    kerns by a fraction of a pixel or forms a ligature is laid out whole instead."""
    from matplotlib.font_manager import FontProperties

    cache = glyphs._Cache(RendererAgg(100, 100, 80))
    rng = np.random.default_rng(0)
    numbers = list("0123456789.+-−= ∂Lwxubzp/")
    tricky = numbers + list("ATVafilyσ·,'")
    composed = 0
    for size, weight in [(8, "normal"), (9, "bold"), (10, "normal")]:
        prop = FontProperties(size=size, weight=weight)
        for alphabet in (numbers, tricky):
            for _ in range(150):
                s = "".join(rng.choice(alphabet, rng.integers(3, 16)))
                laid = cache._composed(s, prop, None, None)
                if laid is not None:
                    composed += 1
                    assert laid == cache._shaped(s, prop, None, None), s
    assert composed > 450  # the numbers' strings are composed
    assert cache._composed("fin", FontProperties(size=8), None, None) is None  # ligature


def _draw_text_as_matplotlib_3_8(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
    """``RendererAgg.draw_text`` as matplotlib 3.8 wrote it (no ``_layout``/``_render_glyph``)."""
    if ismath:
        return self.draw_mathtext(gc, x, y, s, prop, angle)
    font = self._prepare_font(prop)
    font.set_text(s, 0, flags=get_hinting_flag())
    font.draw_glyphs_to_bitmap(antialiased=gc.get_antialiased())
    d = font.get_descent() / 64.0
    xo, yo = (v / 64.0 for v in font.get_bitmap_offset())
    x = round(x + xo + d * math.sin(math.radians(angle)))
    y = round(y + yo + d * math.cos(math.radians(angle)))
    self._renderer.draw_text_image(np.asarray(font.get_image()), x, y + 1, angle, gc)
    return None


def _shifted(original):
    def draw_text(self, gc, x, y, *args, **kwargs):  # a matplotlib that places text elsewhere
        return original(self, gc, x + 0.5, y, *args, **kwargs)
    return draw_text


@pytest.fixture
def fresh_check():
    """The once-per-process check of matplotlib's hooks runs again in this test."""
    glyphs.agrees_with_matplotlib.cache_clear()
    yield
    glyphs.agrees_with_matplotlib.cache_clear()


@pytest.mark.parametrize("breakage", ["hooks missing", "draws elsewhere", "measures otherwise"])
def test_without_the_private_hooks_the_neuron_graph_is_matplotlibs_drawing(
        breakage, monkeypatch, fresh_check):
    """Where matplotlib's private text hooks are gone (as before 3.10) or give other pixels
    or measures, lesson 05's neuron graph still draws, and draws matplotlib's picture."""
    from nncourse.widgets import backprop

    if breakage == "hooks missing":
        for name in ("_layout", "_render_glyph"):
            monkeypatch.delattr(FT2Font, name)
        monkeypatch.setattr(RendererAgg, "draw_text", _draw_text_as_matplotlib_3_8)
    elif breakage == "draws elsewhere":
        monkeypatch.setattr(RendererAgg, "draw_text", _shifted(RendererAgg.draw_text))
    else:
        original = RendererAgg.get_text_width_height_descent
        monkeypatch.setattr(RendererAgg, "get_text_width_height_descent",
                            lambda self, *a, **k: tuple(v + 1 for v in original(self, *a, **k)))
    walk = [("x", -2.35), ("w", 2.95), ("b", -0.05), ("y", 0), ("x", 0.0)]
    cached = backprop.neuron_graph_explorer()
    for name, value in walk:
        cached.controls[name].value = value
    monkeypatch.setattr(backprop, "cache_glyphs", lambda canvas: None)
    plain = backprop.neuron_graph_explorer(**cached.values)
    np.testing.assert_array_equal(np.asarray(cached.live.canvas.buffer_rgba()),
                                  np.asarray(plain.live.canvas.buffer_rgba()))
    if breakage == "measures otherwise":  # drawn from the cache, measured by matplotlib
        assert not any(cached.live.canvas.get_renderer().draw_text.trusted.values())
    else:  # drawn by matplotlib
        assert glyphs.agrees_with_matplotlib() is False


def test_a_hook_that_fails_later_hands_the_renderer_back_to_matplotlib(monkeypatch):
    """A glyph hook that raises after the check: that text, and all later, is matplotlib's."""
    plain_canvas, cached_canvas = _text_figure(False, 0)[1], _text_figure(True, 0)[1]
    plain_canvas.draw()

    def broken(*args, **kwargs):
        raise RuntimeError("changed")

    monkeypatch.setattr(glyphs._Cache, "_calls", broken)
    cached_canvas.draw()
    np.testing.assert_array_equal(np.asarray(plain_canvas.buffer_rgba()),
                                  np.asarray(cached_canvas.buffer_rgba()))
    assert cached_canvas.get_renderer().draw_text.failed
