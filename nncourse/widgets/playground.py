"""Lesson 06: a training playground in the spirit of TensorFlow Playground, in numpy.

The learner's own ``init_mlp``, ``mlp_forward``, ``mlp_backward`` and update rules
(``sgd_update``, ``momentum_update``, ``adam_update``: the optimizer control picks one)
train a small MLP live on the circle, xor, gauss or spiral toy set, with an optional L1 or
L2 penalty on the weights. Every call's result is checked (type, shape, finite values); a
function that raises, returns NaN or the wrong shape is replaced by the course's
reference, with a visible note naming the function and the problem, so training goes on
instead of freezing. Momentum's velocity and Adam's state are carried from step to step
and start afresh on Reset (and when the optimizer changes).

Pieces, each testable without a browser:

- :data:`DEFAULTS` — the lesson's default settings, the one place the notebook, the
  widget and ``benchmarks/spiral_accuracy.py`` read them from; :func:`check_settings` —
  every setting checked against its control's range (up to :data:`MAX_POINTS` points,
  :data:`MAX_LAYERS` hidden layers of :data:`MAX_UNITS` units), with an error naming it;
- :class:`Guard` — learner functions with checks and the reference as fallback (the
  descent explorer uses it too); :class:`GuardedFunctions` — the playground's six;
- :func:`penalty_gradients` — the L1 or L2 penalty's gradient added to the weights';
- :class:`PlaygroundModel` — data, parameters, optimizer state, mini-batches, penalty,
  loss history, and the hidden units' activations over the plane;
- :class:`Playground` — controls, a ``Play`` timer (one tick = one mini-batch step and
  one redraw), Step and Reset buttons, and a :class:`~nncourse.live.LiveFigure` whose
  decision-boundary heatmap and loss curves are blitted; a "hidden units" view adds one
  small low-resolution heatmap per unit of a hidden layer (drawn only while it is on),
  all on one colour scale, constant units hatched grey.

Speed (``benchmarks/playground_fps.py``, ``benchmarks/control_latency.py``): training and
evaluation run numpy's BLAS on one thread (:func:`one_blas_thread`: the matrices are small,
and a second thread only waits, most of all on a busy machine), and freed arrays stay in
the heap (:mod:`~nncourse.widgets.playground_heap`); the heatmap is coloured here and its
pixels copied into the Agg buffer (:class:`PixelCopy`, the same pixels matplotlib draws),
with the points and curves blitted on a cached background, one per limits of the loss
axes (a control that starts training over comes back to the fresh limits: no axes are
drawn); the grid's forward pass runs in float32 (:data:`GRID_DTYPE`: the learner's
functions too) and is reused while the network is the same (new data from
the data or noise control, Reset), and a fresh network's pass is kept a while (a layers,
units or activation control moved back starts the same network again, see
:data:`FRESH_GRID_BYTES`); the course's ``mlp_forward`` runs as
:func:`~nncourse.widgets.playground_fast.mlp_forward` (the same numbers, bit for bit, its
sigmoid 6 times sooner); the probe of a new network runs only for the learner's functions;
the thumbnails are one palette PNG in one ``Image`` widget, no matplotlib, their labels
drawn once per number of units.
"""

from __future__ import annotations

import functools
import html
import io
import json
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.artist import Artist
from matplotlib.image import AxesImage
from PIL import Image, ImageDraw, ImageFont
from threadpoolctl import ThreadpoolController

from grader import assignment  # the one reading of nbgrader cells, shared with the grader
from nncourse.live import LiveFigure, StaticPicture
from nncourse.reference import activations as _activations
from nncourse.reference import backprop as _backprop
from nncourse.reference import forward as _forward
from nncourse.reference import optim as _optim
from nncourse.toy import make_toy
from nncourse.widgets import playground_fast
from nncourse.widgets.playground_heap import keep_freed_memory

Params = list[tuple[np.ndarray, np.ndarray]]

DEFAULTS: dict[str, Any] = {
    "dataset": "spiral",
    "noise": 0.0,
    "n_train": 400,
    "n_test": 400,
    "hidden_layers": 2,
    "units": 16,
    "activation": "relu",
    "lr": 0.2,
    "batch_size": 16,
    "optimizer": "SGD",
    "regularization": "none",
    "strength": 0.001,
    "epochs": 300,
    "seed": 0,
}
"""The lesson's settings: 2-16-16-1 ReLU network (He initialisation), plain SGD, lr 0.2,
batches of 16, no penalty, 300 epochs on 400 clean spiral points (test set: 400 more
points from seed + 1). ``strength`` is the penalty's lambda, used once ``regularization``
is ``"L1"`` or ``"L2"``."""

DATASETS: tuple[str, ...] = ("circle", "xor", "gauss", "spiral")
ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid")
INIT_METHODS: dict[str, str] = _optim.INIT_METHODS  # He for ReLU, Xavier otherwise
"""The initialisation the playground uses for each hidden activation: He for ReLU,
Xavier for the S-shaped ones (the pairing lesson 09 measures)."""
LEARNING_RATES: tuple[float, ...] = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 3.0, 10.0)
"""The learning-rate slider's stops: log-spaced, as in TensorFlow Playground."""
BATCH_SIZES: tuple[int, ...] = (1, 4, 8, 16, 32, 64, 128, 400)
OPTIMIZERS: dict[str, str] = {"SGD": "sgd_update", "momentum": "momentum_update",
                              "Adam": "adam_update"}
"""The optimizer control's choices and the update rule each runs."""
REGULARIZATIONS: tuple[str, ...] = ("none", "L1", "L2")
STRENGTHS: tuple[float, ...] = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1)
"""The penalty strength control's stops (lambda)."""
GRID = 100
GRID_DTYPE = np.float32
"""The grid's forward pass, which only makes the pictures (heatmap and hidden units), runs
in float32: the grid's points and a float32 copy of the parameters go to ``mlp_forward``
(tanh 5 times sooner than in float64; the probabilities within 1e-6 of float64's, where
one colour step of the heatmap is 0.0086 and of the thumbnails 0.0079). Training, losses
and accuracy stay in float64."""
UNIT_STRIDE = 4
"""The hidden-unit thumbnails use every 4th grid point: 25 x 25 pixels each."""
UNIT_COLUMNS = 8
"""Thumbnails per row."""
_TILE = GRID // UNIT_STRIDE
_GAP, _BAND, _ZOOM = 3, 9, 2  # pixels between tiles, above each (label), magnification
EXTENT = 1.6  # the boundary is drawn on [-EXTENT, EXTENT]^2
_CMAP = matplotlib.colormaps["RdBu_r"]
# palette: 253 colours of the map, grey (constant units' hatching), black, white
_LEVELS, _GREY, _BLACK, _WHITE = 253, 253, 254, 255
PALETTE: bytes = bytes(np.concatenate([
    np.round(_CMAP(np.linspace(0.0, 1.0, _LEVELS))[:, :3] * 255).astype(np.uint8).ravel(),
    np.array([128, 128, 128, 0, 0, 0, 255, 255, 255], dtype=np.uint8)]))
"""The thumbnails' palette: index ``i < 253`` is the heatmap's colour for
``2 i / 252 - 1`` in [-1, 1] (126 is 0: white); 253 is grey (the hatching of constant
units), 254 black (labels), 255 white (background)."""
CONSTANT_SPREAD = 0.01
"""A hidden unit whose output varies over the plane by at most this fraction of its
layer's colour scale (1 %: about one colour step) is shown as *constant*: hatched grey."""
BOUNDED_SCALES: dict[str, float] = {"tanh": 1.0, "sigmoid": 1.0}
"""The thumbnails' fixed colour scale for bounded activations (tanh: blue at -1 to red
at 1; sigmoid: white at 0 to red at 1); ReLU layers use their largest output instead."""
MAX_POINTS = 2000
"""The most training (and test) points a playground takes: each frame evaluates them all."""
MAX_LAYERS, MAX_UNITS = 4, 32
"""The layers and units sliders' ranges end here (0 to 4 hidden layers of 1 to 32 units)."""
MAX_NOISE = 0.5
"""The noise slider's end."""
LOSS_AXIS_TOPS: tuple[float, ...] = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
"""The loss axes' tops (times a power of ten) once a loss leaves them: see
:func:`loss_axis_top`."""
_FRESH_LIMITS = ((0.0, 1.0), (0.0, 1.0))  # the loss axes after a reset
FRESH_GRID_BYTES = 16 << 20
"""What the grid passes of fresh networks show (boundary and hidden units' maps), kept
for a control moved back (see :meth:`PlaygroundModel._keep_fresh_grid`), holds at most
this many bytes (a 2-32-32-32-32-1 network's: 0.7 MB; the whole pass would be 21 MB)."""
_KEPT_FRESH_GRIDS = 16  # and at most this many networks
_KEPT_BACKGROUNDS = 6  # static pictures kept for other limits (750 KB each)
_RESET_KEYS = frozenset({"dataset", "noise", "n_train", "n_test", "hidden_layers", "units",
                         "activation", "seed"})
_LIVE_KEYS = frozenset({"lr", "batch_size", "optimizer", "regularization", "strength",
                        "epochs"})

REFERENCE: dict[str, Callable[..., Any]] = {
    "init_mlp": _forward.init_mlp,
    "mlp_forward": playground_fast.mlp_forward,  # the course's, bit for bit, sooner
    "mlp_backward": _backprop.mlp_backward,
    "sgd_update": _optim.sgd_update,
    "momentum_update": _optim.momentum_update,
    "adam_update": _optim.adam_update,
}
FUNCTION_NAMES: tuple[str, ...] = tuple(REFERENCE)


def layer_sizes(hidden_layers: int, units: int, n_in: int = 2) -> list[int]:
    """``[n_in, units, ..., units, 1]`` with ``hidden_layers`` hidden layers."""
    if int(hidden_layers) < 0 or int(units) < 1:
        raise ValueError(f"need hidden_layers >= 0 and units >= 1, got {hidden_layers}, {units}")
    return [n_in, *([int(units)] * int(hidden_layers)), 1]


def toy_split(dataset: str, noise: float, n_train: int, n_test: int,
              seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_test, y_test)``: the toy set from ``seed``, a fresh test set
    of the same shape from ``seed + 1``."""
    X_train, y_train = make_toy(dataset, int(n_train), float(noise), seed)
    X_test, y_test = make_toy(dataset, int(n_test), float(noise), seed + 1)
    return X_train, y_train, X_test, y_test


def layer_scale(maps: np.ndarray, scale: float | None = None) -> float:
    """The colour scale shared by all thumbnails of a layer: ``scale`` if given (see
    :data:`BOUNDED_SCALES`), else the layer's largest absolute output (1 if all are 0)."""
    if scale is not None:
        return float(scale)
    top = float(np.abs(maps).max()) if maps.size else 0.0
    return top if top > 0 and np.isfinite(top) else 1.0


def constant_units(maps: np.ndarray, scale: float | None = None) -> np.ndarray:
    """Which units are constant over the plane: their output varies by at most
    :data:`CONSTANT_SPREAD` of the layer's colour scale (a dead ReLU unit, 0 everywhere,
    or a unit whose input weights are 0, so that only its bias is left)."""
    spread = maps.max(axis=(1, 2)) - maps.min(axis=(1, 2))
    return spread <= CONSTANT_SPREAD * layer_scale(maps, scale)


def unit_mosaic(maps: np.ndarray, cols: int = UNIT_COLUMNS,
                scale: float | None = None) -> np.ndarray:
    """The thumbnails as one palette image (``uint8`` indices into :data:`PALETTE`): unit
    ``k`` in row ``k // cols``, column ``k % cols``, all on ONE colour scale (see
    :func:`layer_scale`: a weak unit looks pale) and coloured like the heatmap (-scale
    blue, 0 white, scale red), with ``_BAND`` white rows above each tile for its label and
    ``_GAP`` white columns between tiles. Constant units (:func:`constant_units`) are
    hatched: every 4th diagonal of their tile is grey. Tiles are flipped so that up is up
    (``maps`` rows start at the bottom, as :meth:`PlaygroundModel.hidden_maps` gives
    them)."""
    units, size, _ = maps.shape
    rows = -(-units // cols)
    out = np.full((rows * (size + _BAND), cols * (size + _GAP) - _GAP), _WHITE, np.uint8)
    top = layer_scale(maps, scale)
    with np.errstate(invalid="ignore"):
        scaled = np.nan_to_num(maps / top)
    levels = np.clip(np.rint((scaled + 1.0) * (_LEVELS - 1) / 2), 0, _LEVELS - 1)
    levels = levels.astype(np.uint8)
    hatch = np.add.outer(np.arange(size), np.arange(size)) % 4 == 0
    constant = constant_units(maps, top)
    for k in range(units):
        row, col = divmod(k, cols)
        y0, x0 = row * (size + _BAND) + _BAND, col * (size + _GAP)
        tile = out[y0:y0 + size, x0:x0 + size]
        tile[:] = levels[k, ::-1]
        if constant[k]:
            tile[hatch] = _GREY
    return out


@functools.cache
def _label_ink(number: int) -> tuple[np.ndarray, int, int]:
    """The pixels of the label ``"unit <number>"`` (Pillow's default font, size 10, black
    on white, anchored at its middle bottom), and where its box starts from the anchor."""
    font, text = ImageFont.load_default(size=10), f"unit {number}"
    left, top, right, bottom = font.getbbox(text, anchor="mb")
    label = Image.new("P", (right - left, bottom - top), _WHITE)
    ImageDraw.Draw(label).text((-left, -top), text, fill=_BLACK, font=font, anchor="mb")
    return np.asarray(label) != _WHITE, left, top


def _paste(ink: np.ndarray, label: tuple[np.ndarray, int, int], x: int, y: int) -> None:
    """Add a label's pixels (:func:`_label_ink`) to ``ink`` with its anchor at ``(x, y)``,
    cut at the edges."""
    pixels, left, top = label
    x0, y0 = x + left, y + top
    height, width = pixels.shape
    cut_y, cut_x = max(0, -y0), max(0, -x0)
    y1, x1 = min(ink.shape[0], y0 + height), min(ink.shape[1], x0 + width)
    if y1 > y0 + cut_y and x1 > x0 + cut_x:
        ink[y0 + cut_y:y1, x0 + cut_x:x1] |= pixels[cut_y:y1 - y0, cut_x:x1 - x0]


class UnitThumbnails:
    """The hidden-unit thumbnails of one layer as an ``ipywidgets.Image``, encoded straight
    from :func:`unit_mosaic` (a palette PNG, magnified ``_ZOOM`` times, labels drawn once):
    no matplotlib in a frame, so the view costs a few milliseconds even for 32 units."""

    def __init__(self, units: int, cols: int = UNIT_COLUMNS,
                 image: widgets.Image | None = None):
        self.units, self.cols = int(units), min(int(units), cols)
        rows = -(-self.units // self.cols)
        blank = np.full((rows * (_TILE + _BAND), self.cols * (_TILE + _GAP) - _GAP), _WHITE,
                        np.uint8)  # unit_mosaic's shape; no picture yet
        self._ink = np.zeros((blank.shape[0] * _ZOOM, blank.shape[1] * _ZOOM), bool)
        for k in range(self.units):  # each label's ink drawn once per process
            row, col = divmod(k, self.cols)
            _paste(self._ink, _label_ink(k + 1),
                   _ZOOM * (col * (_TILE + _GAP)) + _ZOOM * _TILE // 2,
                   _ZOOM * (row * (_TILE + _BAND) + _BAND) - 1)
        self._ink_at = np.flatnonzero(self._ink)  # the labels' pixels, as flat indices
        self.width = f"{self._ink.shape[1]}px"
        # one Image widget may serve thumbnails of several sizes (``image``): a new widget
        # per number of units cost more than drawing its thumbnails
        self.image = image if image is not None else widgets.Image(
            format="png", layout=widgets.Layout(width=self.width, height="auto"))
        self.renders = 0
        self.mosaic = blank

    def render(self, maps: np.ndarray, scale: float | None = None) -> bytes:
        """The PNG of ``maps`` (``(units, _TILE, _TILE)``) on one colour scale (see
        :func:`unit_mosaic`), labels included."""
        self.mosaic = unit_mosaic(maps, self.cols, scale)
        big = np.repeat(np.repeat(self.mosaic, _ZOOM, axis=0), _ZOOM, axis=1)
        big.reshape(-1)[self._ink_at] = _BLACK
        picture = Image.fromarray(big, mode="P")
        picture.putpalette(PALETTE)
        buffer = io.BytesIO()
        picture.save(buffer, format="png", compress_level=1)
        self.renders += 1
        return buffer.getvalue()

    def refresh(self, maps: np.ndarray, scale: float | None = None) -> None:
        """Show ``maps`` (and give the image this mosaic's width)."""
        value = self.render(maps, scale)
        if self.image.layout.width != self.width:
            self.image.layout.width = self.width
        self.image.value = value


class PixelCopy(Artist):
    """Draws an :class:`~matplotlib.image.AxesImage` of RGBA ``uint8`` colours shown with
    nearest-neighbour pixels by copying the colours straight into the Agg buffer.

    Which data cell each pixel shows is read back once from matplotlib's own drawing of
    the image (two probe images whose colours number their rows and columns), so the
    copy puts the same colours on the same pixels; while no such map can be read (scalar
    data, another renderer, a map that is not a grid) matplotlib draws the image.
    """

    def __init__(self, image: AxesImage):
        super().__init__()
        self.image = image
        self._key: tuple | None = None
        self._map: tuple[slice, slice, np.ndarray] | None = None

    def draw(self, renderer: Any) -> None:
        colours = self.image.get_array()
        if (not hasattr(renderer, "buffer_rgba") or colours.dtype != np.uint8
                or colours.ndim != 3 or colours.shape[2] != 4 or max(colours.shape[:2]) > 256):
            self.image.draw(renderer)
            return
        key = (tuple(self.image.axes.bbox.bounds), colours.shape, id(renderer))
        if key != self._key:
            self._map, self._key = self._read_map(renderer, colours), key
        if self._map is None:
            self.image.draw(renderer)
            return
        rows, cols, cells = self._map
        # one 32-bit pixel per cell, taken by a flat index: the same bytes, 8 times sooner
        pixels = np.ascontiguousarray(colours).view(np.uint32).reshape(-1)
        np.asarray(renderer.buffer_rgba()).view(np.uint32)[rows, cols, 0] = pixels.take(cells)

    def _read_map(self, renderer: Any, colours: np.ndarray
                  ) -> tuple[slice, slice, np.ndarray] | None:
        """The pixels the image covers (rows, columns) and, for each, the flat index of the
        data cell it shows; ``None`` when that cannot be read."""
        height, width = colours.shape[:2]
        probes = []
        for mark in (17, 201):
            probe = np.zeros((height, width, 4), np.uint8)
            probe[..., 0] = np.arange(width)[None, :]
            probe[..., 1] = np.arange(height)[:, None]
            probe[..., 2], probe[..., 3] = mark, 255
            self.image.set_data(probe)
            self.image.draw(renderer)
            probes.append(np.asarray(renderer.buffer_rgba()).copy())
        self.image.set_data(colours)
        covered = probes[0][..., 2] != probes[1][..., 2]
        ys, xs = np.nonzero(covered)
        if not len(ys):
            return None
        rows, cols = slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1)
        block = probes[0][rows, cols]
        col_of, row_of = block[0, :, 0].astype(np.intp), block[:, 0, 1].astype(np.intp)
        if (not covered[rows, cols].all() or np.any(block[..., 2] != 17)
                or np.any(block[..., 0] != col_of[None, :])
                or np.any(block[..., 1] != row_of[:, None])
                or col_of.max() >= width or row_of.max() >= height):
            return None
        return rows, cols, row_of[:, None] * width + col_of[None, :]


def boundary_grid(size: int = GRID, extent: float = EXTENT) -> np.ndarray:
    """The ``(size * size, 2)`` points whose predictions make the heatmap, row by row."""
    axis = np.linspace(-extent, extent, size)
    g1, g2 = np.meshgrid(axis, axis)
    return np.column_stack([g1.ravel(), g2.ravel()])


# ---------------------------------------------------------------- checks and fallback


class BadOutput(Exception):
    """A function returned something training cannot use."""


class TrainingProblem(Exception):
    """Training cannot go on even with the reference functions (e.g. it diverged)."""


_LEAVES = frozenset({float, int, bool, str, type(None)})


def _copy_tree(value: Any) -> Any:
    """Arrays inside lists, tuples and dicts copied, so a function cannot change ours."""
    kind = type(value)  # the exact types first: the explorers copy 21 objects a step
    if kind is np.ndarray:
        return value.copy()
    if kind in _LEAVES:
        return value
    if kind is list or (kind is not tuple and kind is not dict and isinstance(value, list)):
        return [_copy_tree(v) for v in value]
    if kind is tuple or (kind is not dict and isinstance(value, tuple)):
        return tuple([_copy_tree(v) for v in value])
    if isinstance(value, dict):
        return {k: _copy_tree(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def _shape(value: Any) -> str:
    return str(value.shape) if isinstance(value, np.ndarray) else type(value).__name__


def _all_finite(value: np.ndarray) -> bool:
    """No NaN or infinity in ``value``: a finite sum proves it without a temporary array;
    only a non-finite sum (a NaN, an infinity, or an overflow) looks at every entry."""
    with np.errstate(all="ignore"):
        return bool(np.isfinite(value.sum())) or bool(np.all(np.isfinite(value)))


def _array(value: Any, what: str, shape: tuple[int, ...]) -> np.ndarray:
    if not isinstance(value, np.ndarray) or not np.issubdtype(value.dtype, np.number):
        raise BadOutput(f"{what} should be a numpy array of shape {shape}, got "
                        f"{type(value).__name__}")
    if value.shape != shape:
        raise BadOutput(f"{what} should have shape {shape}, got {value.shape}")
    if not _all_finite(value):
        raise BadOutput(f"{what} contains NaN or infinity "
                        f"({int(np.sum(~np.isfinite(value)))} of {value.size} entries)")
    return value


def check_pairs(value: Any, shapes: list[tuple[tuple[int, ...], tuple[int, ...]]],
                what: str) -> Params:
    """``value`` is a list of ``(W, b)`` with the given shapes and finite entries."""
    if not isinstance(value, (list, tuple)):
        raise BadOutput(f"{what} should be a list of (W, b) tuples, got {type(value).__name__}")
    if len(value) != len(shapes):
        raise BadOutput(f"{what} should have {len(shapes)} layers, got {len(value)}")
    checked = []
    for layer, (pair, (w_shape, b_shape)) in enumerate(zip(value, shapes, strict=True)):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise BadOutput(f"{what}[{layer}] should be a (W, b) tuple, got "
                            f"{type(pair).__name__}")
        checked.append((_array(pair[0], f"{what}[{layer}] W", w_shape),
                        _array(pair[1], f"{what}[{layer}] b", b_shape)))
    return checked


def param_shapes(sizes: list[int]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """``[((n_in, n_out), (n_out,)), ...]`` for consecutive ``sizes``."""
    return [((a, b), (b,)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]


def check_momentum(out: Any, shapes: list[tuple[tuple[int, ...], tuple[int, ...]]]
                   ) -> tuple[Params, Params]:
    """``out`` is ``(new_params, new_velocity)``, both shaped like ``shapes``."""
    if not isinstance(out, tuple) or len(out) != 2:
        raise BadOutput(f"momentum_update should return (new_params, new_velocity), got "
                        f"{type(out).__name__}")
    return (check_pairs(out[0], shapes, "new params"),
            check_pairs(out[1], shapes, "new velocity"))


def check_adam(out: Any, shapes: list[tuple[tuple[int, ...], tuple[int, ...]]]
               ) -> tuple[Params, dict[str, Any]]:
    """``out`` is ``(new_params, {"t": int >= 1, "m": ..., "v": ...})``, ``m`` and ``v``
    shaped like ``shapes``."""
    if not isinstance(out, tuple) or len(out) != 2 or not isinstance(out[1], dict):
        raise BadOutput("adam_update should return (new_params, new_state) with new_state a "
                        f"dict, got {type(out).__name__}")
    state = out[1]
    if not {"t", "m", "v"} <= set(state):
        raise BadOutput(f'the new state should have the keys "t", "m" and "v", got '
                        f"{sorted(state)}")
    t = state["t"]
    if isinstance(t, bool) or not isinstance(t, int | np.integer) or t < 1:
        raise BadOutput(f'state["t"] should count the steps taken (an int >= 1), got {t!r}')
    return (check_pairs(out[0], shapes, "new params"),
            {"t": int(t), "m": check_pairs(state["m"], shapes, 'state["m"]'),
             "v": check_pairs(state["v"], shapes, 'state["v"]')})


def _check_forward(out: Any, n: int, sizes: list[int]) -> tuple[np.ndarray, dict]:
    if not isinstance(out, tuple) or len(out) != 2:
        raise BadOutput(f"mlp_forward should return (A_out, cache), got {type(out).__name__}")
    A_out, cache = out
    _array(A_out, "A_out", (n, 1))
    if A_out.size and (A_out.min() < 0 or A_out.max() > 1):
        raise BadOutput("A_out should hold sigmoid probabilities in [0, 1], got values from "
                        f"{A_out.min():.3g} to {A_out.max():.3g}")
    if not isinstance(cache, dict) or not {"A", "Z"} <= set(cache):
        raise BadOutput('the cache should be a dict with "A" and "Z" lists')
    layers = len(sizes) - 1
    if len(cache["A"]) != layers + 1 or len(cache["Z"]) != layers:
        raise BadOutput(f'cache["A"] should hold {layers + 1} arrays and cache["Z"] {layers}, '
                        f'got {len(cache["A"])} and {len(cache["Z"])}')
    for layer, width in enumerate(sizes[1:]):
        _array(cache["Z"][layer], f'cache["Z"][{layer}]', (n, width))
    return A_out, cache


def _describe_failure(exc: Exception) -> str:
    """What went wrong, in words a learner can act on."""
    if isinstance(exc, BadOutput):
        return str(exc)
    if isinstance(exc, NotImplementedError):
        return "it is not written yet (it raises NotImplementedError)"
    detail = f": {exc}" if str(exc) else ""
    return f"it raised {type(exc).__name__}{detail}"


class Guard:
    """Learner functions by name, each call checked, with the course's reference as fallback.

    ``reference`` maps every name to the course's function; ``given`` maps some names to the
    learner's (``None``: not given). :meth:`run` calls the active function on copies of its
    arguments and passes the result to a check. A learner's function that raises or returns
    something unusable is replaced, for the rest of this object's life, by the reference,
    and a note says which and why. When the reference fails on the same inputs too, the
    inputs are the problem (training diverged): :class:`TrainingProblem` is raised and
    nothing is replaced. Shared by the playground and the descent explorer.

    ``check_reference=False`` takes the reference's results as they are, unchecked, and
    runs it in the caller's ``np.errstate``: for a caller that detects divergence itself
    (the descent explorer, whose points are checked at every step).
    """

    def __init__(self, reference: Mapping[str, Callable], given: Mapping[str, Callable | None],
                 who: str = "The playground", check_reference: bool = True):
        for name, fn in given.items():
            if name not in reference:
                raise ValueError(f"unknown function {name!r}; known: {sorted(reference)}")
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} should be a function, got {type(fn).__name__}")
        self.reference = dict(reference)
        self.own = {name: fn for name, fn in given.items() if fn is not None}
        self.active: dict[str, Callable] = {n: self.own.get(n, ref)
                                            for n, ref in self.reference.items()}
        self.tried: set[str] = set()
        self.notes: list[str] = []
        self.who = who
        self.check_reference = check_reference

    def source(self, name: str) -> str:
        """``"yours"`` (it ran and passed its checks), ``"yours (not tried yet)"``,
        ``"reference"`` (none given) or ``"reference (fallback)"``."""
        if name not in self.own:
            return "reference"
        if self.active[name] is not self.own[name]:
            return "reference (fallback)"
        return "yours" if name in self.tried else "yours (not tried yet)"

    def run(self, name: str, check: Callable[[Any], Any], *args: Any, **kwargs: Any) -> Any:
        """``check(active_function(*args, **kwargs))``, falling back to the reference."""
        fn, reference = self.active[name], self.reference[name]
        if fn is not self.own.get(name):  # none given, or it fell back already
            if not self.check_reference:
                return fn(*args, **kwargs)
            try:
                with np.errstate(all="ignore"):
                    return check(fn(*args, **kwargs))
            except (BadOutput, ArithmeticError, ValueError) as exc:
                raise TrainingProblem(f"{name}: {exc}") from exc
        try:
            with np.errstate(all="ignore"):
                result = check(fn(*_copy_tree(args), **_copy_tree(kwargs)))
        except Exception as exc:  # the learner's function failed: does the reference?
            problem = _describe_failure(exc)
            try:
                with np.errstate(all="ignore"):
                    result = check(reference(*args, **kwargs))
            except Exception as ref_exc:
                raise TrainingProblem(f"{name}: {problem} (the reference fails here too: "
                                      f"{ref_exc})") from ref_exc
            self.active[name] = reference
            self.notes.append(f"Your <code>{name}</code> failed: {html.escape(problem)}. "
                              f"{self.who} switched to the course's reference "
                              f"<code>{name}</code>; fix yours and run the cell again.")
            return result
        self.tried.add(name)
        return result


class GuardedFunctions(Guard):
    """``init_mlp``, ``mlp_forward``, ``mlp_backward`` and the three update rules, each call
    checked (see :class:`Guard`). ``update`` is the older name of ``sgd_update``."""

    def __init__(self, init_mlp: Callable | None = None, mlp_forward: Callable | None = None,
                 mlp_backward: Callable | None = None, update: Callable | None = None, *,
                 sgd_update: Callable | None = None, momentum_update: Callable | None = None,
                 adam_update: Callable | None = None):
        if update is not None and sgd_update is not None and update is not sgd_update:
            raise ValueError("give update or sgd_update (the same rule), not both")
        super().__init__(REFERENCE, {"init_mlp": init_mlp, "mlp_forward": mlp_forward,
                                     "mlp_backward": mlp_backward,
                                     "sgd_update": sgd_update if sgd_update is not None
                                     else update,
                                     "momentum_update": momentum_update,
                                     "adam_update": adam_update})

    def init_mlp(self, sizes: list[int], seed: int, method: str = "he") -> Params:
        """Checked ``init_mlp(sizes, method=method, seed=seed)``."""
        shapes = param_shapes(sizes)
        return self.run("init_mlp", lambda out: check_pairs(out, shapes, "params"),
                        sizes, method=method, seed=seed)

    def mlp_forward(self, X: np.ndarray, params: Params, sizes: list[int],
                    activation: str) -> tuple[np.ndarray, dict]:
        """Checked ``mlp_forward(X, params, activation, "sigmoid")``."""
        return self.run("mlp_forward", lambda out: _check_forward(out, len(X), sizes),
                        X, params, activation, "sigmoid")

    def mlp_backward(self, y: np.ndarray, cache: dict, params: Params,
                     sizes: list[int]) -> Params:
        """Checked ``mlp_backward(y, cache, params)``."""
        shapes = param_shapes(sizes)
        return self.run("mlp_backward", lambda out: check_pairs(out, shapes, "grads"),
                        y, cache, params)

    def update(self, params: Params, grads: Params, lr: float, sizes: list[int]) -> Params:
        """Checked ``sgd_update(params, grads, lr)``."""
        shapes = param_shapes(sizes)
        return self.run("sgd_update", lambda out: check_pairs(out, shapes, "new params"),
                        params, grads, lr)

    def optimize(self, optimizer: str, params: Params, grads: Params, state: Any, lr: float,
                 sizes: list[int]) -> tuple[Params, Any]:
        """One step of ``optimizer`` (a key of :data:`OPTIMIZERS`): ``(new_params,
        new_state)``. ``state`` is what the previous step returned, ``None`` to start:
        momentum's velocity (zeros to start) or Adam's state dict (``{}`` to start);
        plain SGD has none."""
        shapes = param_shapes(sizes)
        if optimizer == "SGD":
            return self.update(params, grads, lr, sizes), None
        if optimizer == "momentum":
            velocity = _optim.zeros_like_params(params) if state is None else state
            return self.run("momentum_update", lambda out: check_momentum(out, shapes),
                            params, grads, velocity, lr)
        if optimizer == "Adam":
            return self.run("adam_update", lambda out: check_adam(out, shapes),
                            params, grads, {} if state is None else state, lr)
        raise ValueError(f"optimizer should be one of {tuple(OPTIMIZERS)}, got {optimizer!r}")


# ---------------------------------------------------------------- training state


@functools.cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def one_blas_thread() -> Any:
    """A context in which numpy's BLAS runs on one thread. The playground's matrices are
    small: a second thread mostly waits for the first, and on a busy two-core machine a
    12000 x 32 by 32 x 32 product took 32 ms with two threads against 1 ms with one."""
    return _blas().limit(limits=1, user_api="blas")


def loss_axis_top(loss: float) -> float:
    """The loss axes' top when a loss of ``loss`` leaves them: the first of
    :data:`LOSS_AXIS_TOPS` times a power of ten at or above ``1.2 * loss`` (20 % headroom;
    at least 0.12). A few tops only, so that each one's axes are drawn once and cached:
    new data or a new network often starts above a loss of 1, each a little differently."""
    wanted = 1.2 * max(float(loss), 0.1)
    scale = 10.0 ** np.floor(np.log10(wanted))
    return next(float(f"{top * scale:.6g}") for top in (*LOSS_AXIS_TOPS, 10.0)
                if top * scale >= wanted * (1 - 1e-9))


def _grid_params(params: Params) -> Params:
    """The parameters as :data:`GRID_DTYPE` arrays, for the grid's pass."""
    return [(W.astype(GRID_DTYPE), b.astype(GRID_DTYPE)) for W, b in params]


def _same_params(a: Params, b: Params) -> bool:
    """The same weights and biases (the same object, or equal arrays of equal shapes)."""
    return a is b or (len(a) == len(b) and all(
        x.shape == y.shape and np.array_equal(x, y)
        for pa, pb in zip(a, b, strict=True) for x, y in zip(pa, pb, strict=True)))


class _KeptMaps(dict):
    """What a fresh network's grid pass shows of its hidden units, as kept by
    :meth:`PlaygroundModel._keep_fresh_grid`: hidden layer -> its units' maps (every
    :data:`UNIT_STRIDE`-th grid point)."""


def _maps_from(cache: Mapping[str, Any], layer: int, width: int, activation: str,
               stride: int) -> np.ndarray:
    """Hidden layer ``layer``'s maps from a grid pass's cache: its ``A``, or where that is
    not usable, the activation of its ``Z``."""
    try:
        A = _array(cache["A"][layer], "A", (GRID * GRID, width))
    except (BadOutput, IndexError, KeyError, TypeError):
        with np.errstate(all="ignore"):
            A = _activations.activation(activation, cache["Z"][layer - 1])
    return A.reshape(GRID, GRID, width)[::stride, ::stride].transpose(2, 0, 1)


def _tree_bytes(value: Any) -> int:
    """The bytes of the arrays inside lists, tuples and dicts."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (list, tuple)):
        return sum(_tree_bytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_tree_bytes(v) for v in value.values())
    return 0


def _bce(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def penalty_gradients(params: Params, grads: Params, regularization: str,
                      strength: float) -> Params:
    """``grads`` plus the gradient of the penalty on the weights (biases are not
    penalised, as in Keras): L2, ``strength * sum(W**2)``, adds ``2 * strength * W``;
    L1, ``strength * sum(|W|)``, adds ``strength * sign(W)``; ``"none"`` adds nothing."""
    if regularization not in REGULARIZATIONS:
        raise ValueError(f"regularization should be one of {REGULARIZATIONS}, "
                         f"got {regularization!r}")
    lam = float(strength)
    if regularization == "none" or lam == 0.0:
        return grads
    if regularization == "L2":
        return [(dW + 2.0 * lam * W, db) for (W, _b), (dW, db) in zip(params, grads, strict=True)]
    return [(dW + lam * np.sign(W), db) for (W, _b), (dW, db) in zip(params, grads, strict=True)]


def _whole(settings: Mapping[str, Any], name: str, low: int, high: int | None = None) -> None:
    value = settings[name]
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} should be a whole number, got {value!r}")
    if value < low or (high is not None and value > high):
        limits = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} should be {limits}, got {value}")


def _real(settings: Mapping[str, Any], name: str, low: float, high: float | None = None,
          positive: bool = False) -> None:
    value = settings[name]
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} should be a number, got {value!r}")
    if (not np.isfinite(value) or value < low or (positive and value == 0)
            or (high is not None and value > high)):
        limits = (f"from {low:g} to {high:g}" if high is not None
                  else f"above {low:g}" if positive else f"at least {low:g}")
        raise ValueError(f"{name} should be {limits}, got {value}")


def check_settings(settings: Mapping[str, Any]) -> None:
    """Raise a ``ValueError`` (a ``TypeError`` for a value of the wrong type) that names the
    first setting the playground cannot use: an unknown name, a choice that is not
    offered, or a number outside its control's range (at most :data:`MAX_POINTS` points,
    :data:`MAX_LAYERS` hidden layers of :data:`MAX_UNITS` units)."""
    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    s = {**DEFAULTS, **settings}
    for name, choices in (("dataset", DATASETS), ("activation", ACTIVATIONS),
                          ("optimizer", tuple(OPTIMIZERS)),
                          ("regularization", REGULARIZATIONS)):
        if s[name] not in choices:
            raise ValueError(f"{name} should be one of {choices}, got {s[name]!r}")
    _whole(s, "n_train", 2, MAX_POINTS)
    _whole(s, "n_test", 2, MAX_POINTS)
    _whole(s, "hidden_layers", 0, MAX_LAYERS)
    _whole(s, "units", 1, MAX_UNITS)
    _whole(s, "batch_size", 1)
    _whole(s, "epochs", 1)
    _whole(s, "seed", 0)
    _real(s, "noise", 0.0, MAX_NOISE)
    _real(s, "lr", 0.0, positive=True)
    _real(s, "strength", 0.0)


def _legacy(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings with the older ``l2=lam`` spelled as ``regularization="L2", strength=lam``
    (``l2=0``: no penalty)."""
    settings = dict(settings)
    if "l2" in settings:
        lam = float(settings.pop("l2"))
        settings.setdefault("regularization", "L2" if lam > 0 else "none")
        if lam > 0:
            settings.setdefault("strength", lam)
    return settings


class PlaygroundModel:
    """Data, parameters and history of one training run; no widgets.

    ``settings`` are :data:`DEFAULTS` overridden by keyword. :meth:`configure` changes
    them: data, architecture or seed start training over; ``lr``, ``batch_size`` and ``l2``
    apply from the next step. Weights start from :data:`INIT_METHODS` for the
    activation. L2 adds ``2 * l2 * W`` to each weight gradient (biases are not
    penalised); losses shown are the plain mean BCE.
    """

    def __init__(self, functions: GuardedFunctions | None = None, **settings: Any):
        keep_freed_memory()  # a frame's arrays reuse the heap, not fresh pages
        self.functions = functions or GuardedFunctions()
        settings = _legacy(settings)
        check_settings(settings)
        self.settings: dict[str, Any] = {**DEFAULTS, **settings}
        self.grid = boundary_grid().astype(GRID_DTYPE)  # the picture's points
        self._last_grid: tuple | None = None  # see _grid_pass
        self._fresh_grids: list[tuple] = []  # grid passes of fresh networks (_grid_pass)
        self._fresh_bytes: list[int] = []  # and the bytes of each one's arrays
        self._data_key: tuple | None = None  # the settings that made the data (see reset)
        self.reset()

    @property
    def sizes(self) -> list[int]:
        """The layer sizes from the settings."""
        return layer_sizes(self.settings["hidden_layers"], self.settings["units"])

    @property
    def epoch(self) -> float:
        """Passes over the training set so far (fractional)."""
        return self.samples_seen / len(self.X_train)

    def configure(self, **changes: Any) -> bool:
        """Apply new settings; returns True when training started over. A new optimizer
        keeps the parameters and starts its own state afresh (zero velocity, Adam at
        ``t = 0``)."""
        changes = _legacy(changes)
        check_settings({**self.settings, **changes})
        changed = {k for k, v in changes.items() if self.settings[k] != v}
        self.settings.update(changes)
        if changed & _RESET_KEYS:
            self.reset()
            return True
        if "optimizer" in changed:
            self.opt_state = None
            if not self.problem and self.probing:
                try:
                    self.probe()
                except TrainingProblem as exc:
                    self.problem = str(exc)
        return False

    def reset(self) -> None:
        """New data and fresh parameters from the settings; history cleared."""
        s = self.settings
        check_settings(s)
        data_key = (s["dataset"], s["noise"], s["n_train"], s["n_test"], s["seed"])
        if data_key != self._data_key:  # a new network on the same data keeps its arrays
            self.X_train, self.y_train, self.X_test, self.y_test = toy_split(*data_key)
            self._data_key = data_key
        self.rng = np.random.default_rng(s["seed"])
        self.order = np.arange(0)
        self.position = 0
        self.steps = 0
        self.samples_seen = 0
        self.last_batch_size = 0
        self.problem = ""
        self.opt_state: Any = None  # momentum's velocity or Adam's state; None: none yet
        self._grid_cache: dict | None = None
        self.history: dict[str, list[float]] = {
            "step": [], "epoch": [], "train_loss": [], "test_loss": [], "test_accuracy": []}
        self.boundary = np.full((GRID, GRID), 0.5)
        try:
            with one_blas_thread():
                self.params = self.functions.init_mlp(self.sizes, s["seed"],
                                                      INIT_METHODS[s["activation"]])
                self.evaluate()
                if self.probing:
                    self.probe()
        except TrainingProblem as exc:
            self.problem = str(exc)

    @property
    def rule(self) -> str:
        """The update rule the optimizer setting runs, e.g. ``"adam_update"``."""
        return OPTIMIZERS[self.settings["optimizer"]]

    @property
    def probing(self) -> bool:
        """Whether :meth:`probe` has something to find out: one of the functions it runs
        is the learner's own (the course's reference functions do not fail on a fresh
        network, so with none of the learner's the probe is skipped)."""
        fns = self.functions
        return any(name in fns.own and fns.active[name] is fns.own[name]
                   for name in ("mlp_forward", "mlp_backward", self.rule))

    def probe(self) -> None:
        """Run ``mlp_backward`` and the optimizer's update rule once on the first training
        points (from a fresh optimizer state) and throw the result away, so that before the
        first step the status line already says whose function will run (a stub falls back
        now, with its note)."""
        sizes, fns = self.sizes, self.functions
        index = np.arange(min(len(self.X_train), max(1, int(self.settings["batch_size"]))))
        _, cache = fns.mlp_forward(self.X_train[index], self.params, sizes,
                                   self.settings["activation"])
        grads = fns.mlp_backward(self.y_train[index], cache, self.params, sizes)
        fns.optimize(self.settings["optimizer"], self.params, grads, None,
                     float(self.settings["lr"]), sizes)

    def _next_batch(self) -> np.ndarray:
        if self.position >= len(self.order):
            self.order = self.rng.permutation(len(self.X_train))
            self.position = 0
        size = max(1, int(self.settings["batch_size"]))
        index = self.order[self.position:self.position + size]
        self.position += len(index)
        return index

    def step(self, n: int = 1) -> int:
        """Up to ``n`` mini-batch updates, then one evaluation; returns the steps taken
        (fewer when training hits a problem, none while one is pending)."""
        with one_blas_thread():
            return self._step(n)

    def _step(self, n: int) -> int:
        done = 0
        if self.problem:
            return 0
        sizes, fns, s = self.sizes, self.functions, self.settings
        lr, optimizer = float(s["lr"]), s["optimizer"]
        regularization, strength = s["regularization"], float(s["strength"])
        act = s["activation"]
        try:
            for _ in range(int(n)):
                index = self._next_batch()
                X, y = self.X_train[index], self.y_train[index]
                _, cache = fns.mlp_forward(X, self.params, sizes, act)
                grads = fns.mlp_backward(y, cache, self.params, sizes)
                grads = penalty_gradients(self.params, grads, regularization, strength)
                self.params, self.opt_state = fns.optimize(optimizer, self.params, grads,
                                                           self.opt_state, lr, sizes)
                self.steps += 1
                self.samples_seen += len(index)
                self.last_batch_size = len(index)
                done += 1
            self.evaluate()
        except TrainingProblem as exc:
            self.problem = str(exc)
        return done

    def evaluate(self) -> None:
        """Train and test loss, test accuracy and the boundary heatmap: one forward pass
        over the training and test points, one over the grid (:meth:`_grid_pass`)."""
        n_train = len(self.X_train)
        p, _ = self.functions.mlp_forward(np.concatenate([self.X_train, self.X_test]),
                                          self.params, self.sizes, self.settings["activation"])
        p_train, p_test = p[:n_train, 0], p[n_train:, 0]
        self.boundary, self._grid_cache = self._grid_pass()
        h = self.history
        h["step"].append(self.steps)
        h["epoch"].append(self.epoch)
        h["train_loss"].append(_bce(self.y_train, p_train))
        h["test_loss"].append(_bce(self.y_test, p_test))
        h["test_accuracy"].append(float(np.mean((p_test >= 0.5) == self.y_test)))

    @property
    def grid_cache(self) -> dict | None:
        """The forward pass's cache over the grid at the last evaluation (``None``: none;
        a :class:`_KeptMaps` where a fresh network's kept picture was reused)."""
        return self._grid_cache

    def _grid_pass(self) -> tuple[np.ndarray, dict]:
        """The boundary and the forward pass's cache over the grid. The grid does not
        depend on the data: when the parameters, the activation and the forward function
        are those of the last grid pass (new data for the same network: the data or noise
        control, Reset), that pass is reused."""
        key = (self.settings["activation"], self.functions.active["mlp_forward"])
        for record in (self._last_grid, *reversed(self._fresh_grids)):
            if record is not None and record[0] == key and _same_params(record[1], self.params):
                self._last_grid = record
                return record[2], record[3]
        p, cache = self.functions.mlp_forward(self.grid, _grid_params(self.params),
                                              self.sizes, key[0])
        boundary = p[:, 0].reshape(GRID, GRID).astype(float)
        self._last_grid = (key, self.params, boundary, cache)
        if self.steps == 0:
            self._keep_fresh_grid(self._last_grid)
        return boundary, cache

    def _keep_fresh_grid(self, record: tuple) -> None:
        """Keep what a fresh network's grid pass shows a while (the boundary and the hidden
        units' maps, :class:`_KeptMaps`, not the whole pass: up to
        :data:`FRESH_GRID_BYTES`): a layers, units or activation control moved back starts
        the same network from the seed again, whose picture is then reused."""
        key, params, boundary, cache = record
        try:
            kept = _KeptMaps({layer: np.ascontiguousarray(_maps_from(
                cache, layer, self.sizes[layer], key[0], UNIT_STRIDE))
                for layer in range(1, len(self.sizes) - 1)})
        except Exception:  # a cache the maps cannot be read from: nothing is kept
            return
        record = (key, params, boundary.copy(), kept)
        self._fresh_grids.append(record)
        self._fresh_bytes.append(_tree_bytes(record[2:]))
        while len(self._fresh_grids) > 1 and (sum(self._fresh_bytes) > FRESH_GRID_BYTES
                                              or len(self._fresh_grids) > _KEPT_FRESH_GRIDS):
            del self._fresh_grids[0], self._fresh_bytes[0]

    def hidden_maps(self, layer: int = 1, stride: int = UNIT_STRIDE) -> np.ndarray:
        """What each unit of hidden layer ``layer`` (1 = first) computes over the plane at
        the last evaluation: ``(units, GRID // stride, GRID // stride)``, rows as in
        :attr:`boundary`. Read from that evaluation's forward pass (no extra pass); where
        its cache holds no usable ``A`` for the layer, the activation of its ``Z``."""
        if not 1 <= int(layer) <= len(self.sizes) - 2:
            raise ValueError(f"layer should be a hidden layer, 1 to {len(self.sizes) - 2}, "
                             f"got {layer!r}")
        layer, width = int(layer), self.sizes[int(layer)]
        cache, activation = self._grid_cache, self.settings["activation"]
        if cache is None:
            return np.zeros((width, GRID // stride, GRID // stride))
        if isinstance(cache, _KeptMaps):
            if stride == UNIT_STRIDE:
                return cache[layer]
            with one_blas_thread():  # other strides: the whole pass again
                _, cache = self.functions.mlp_forward(self.grid, _grid_params(self.params),
                                                      self.sizes, activation)
        return _maps_from(cache, layer, width, activation, stride)


# ---------------------------------------------------------------- the widget


def _units(numbers: list[int]) -> str:
    """``"Unit 3"`` or ``"Units 3, 5"``."""
    return f"Unit{'s' if len(numbers) > 1 else ''} {', '.join(map(str, numbers))}"


def _scale_words(activation: str, scale: float) -> str:
    """The thumbnails' colour scale in words."""
    if activation == "tanh":
        return "blue at -1, white at 0, red at 1"
    if activation == "sigmoid":
        return "white at 0, red at 1"
    return f"white at 0, dark red at {scale:.3g} (the layer's largest output)"


def _constant_words(maps: np.ndarray, scale: float) -> str:
    """The sentence naming the constant units (hatched grey), dead ones apart."""
    constant = constant_units(maps, scale)
    dead = [k + 1 for k, values in enumerate(maps) if constant[k] and not np.any(values)]
    steady = [k + 1 for k in np.flatnonzero(constant) if k + 1 not in dead]
    words = ""
    if dead:
        words += (f" {_units(dead)} output{'' if len(dead) > 1 else 's'} 0 everywhere on "
                  "the plane.")
    if steady:
        words += (f" {_units(steady)} output{'' if len(steady) > 1 else 's'} the same "
                  "value everywhere: nothing that depends on the point reaches "
                  f"{'them' if len(steady) > 1 else 'it'}.")
    if dead or steady:
        words += " Constant units are hatched grey."
    return words


def _dropdown(options: Iterable[Any], value: Any, description: str,
              width: str = "170px") -> widgets.Dropdown:
    return widgets.Dropdown(options=list(options), value=value, description=description,
                            layout=widgets.Layout(width=width),
                            style={"description_width": "70px"})


class Playground(StaticPicture, widgets.VBox):
    """Controls, a Play/Pause timer, Step and Reset, the live figure and notes.

    Drive it from Python with :meth:`step`, :meth:`play`, :meth:`pause`, :meth:`reset`;
    in a browser the ``Play`` widget's timer calls :meth:`step` once per tick.
    """

    title = "Playground"

    #: a tick that arrives this soon after the previous frame finished waited in the queue
    #: while that frame was drawn: it is dropped, so a slow machine never builds a backlog
    #: (and Pause acts at once)
    LATE_TICK_S = 0.004

    def __init__(self, model: PlaygroundModel, interval_ms: int = 50):
        self.model = model
        self.drop_late_ticks = True
        self._frame_end = 0.0
        s = model.settings
        self.controls: dict[str, widgets.ValueWidget] = {
            "dataset": _dropdown(DATASETS, s["dataset"], "data"),
            "noise": widgets.FloatSlider(value=s["noise"], min=0.0, max=MAX_NOISE, step=0.01,
                                         description="noise", continuous_update=False,
                                         style={"description_width": "70px"}),
            "hidden_layers": widgets.IntSlider(value=s["hidden_layers"], min=0, max=MAX_LAYERS,
                                               description="layers", continuous_update=False,
                                               style={"description_width": "70px"}),
            "units": widgets.IntSlider(value=s["units"], min=1, max=MAX_UNITS,
                                       description="units", continuous_update=False,
                                       style={"description_width": "70px"}),
            "activation": _dropdown(ACTIVATIONS, s["activation"], "activation"),
            "lr": widgets.SelectionSlider(options=sorted({*LEARNING_RATES, s["lr"]}),
                                          value=s["lr"], description="learning rate",
                                          style={"description_width": "90px"}),
            "batch_size": _dropdown(sorted({*BATCH_SIZES, s["batch_size"], s["n_train"]}),
                                    s["batch_size"],
                                    "batch size"),
            "optimizer": _dropdown(OPTIMIZERS, s["optimizer"], "optimizer"),
            "regularization": _dropdown(REGULARIZATIONS, s["regularization"], "penalty"),
            "strength": _dropdown(sorted({*STRENGTHS, s["strength"]}), s["strength"],
                                  "lambda"),
        }
        self.units_view = _dropdown(self._units_view_options(), "off", "hidden units")
        self.units_header = widgets.HTML()
        self.units_live: UnitThumbnails | None = None
        self._units_key: tuple[int, int] | None = None
        self._thumbnails: dict[int, UnitThumbnails] = {}  # by number of units
        self._units_image = widgets.Image(format="png", layout=widgets.Layout(height="auto"))
        self._units_shown: tuple | None = None  # (layer, activation, grid pass) drawn last
        self.units_box = widgets.VBox([])
        self.speed = _dropdown((1, 5, 25), 1, "steps/tick")
        self.player = widgets.Play(value=0, min=0, max=10**9, step=1, interval=interval_ms,
                                   show_repeat=False, description="play")
        self.step_button = widgets.Button(description="Step", icon="step-forward",
                                          layout=widgets.Layout(width="80px"))
        self.reset_button = widgets.Button(description="Reset", icon="refresh",
                                           layout=widgets.Layout(width="80px"))
        self.readout = widgets.HTML()
        self.notes = widgets.HTML()
        self.live = LiveFigure(1, 2, figsize=(8.4, 3.5), dpi=80)
        self._backgrounds: dict[tuple, Any] = {}  # static pictures by the loss axes' limits
        self._background_key: tuple | None = None
        self._points_of: np.ndarray | None = None  # the training points the dots show
        self._build_figure()
        buttons = widgets.HBox([self.player, self.step_button, self.reset_button, self.speed])
        c = self.controls
        rows = [widgets.HBox([c[k] for k in ("dataset", "noise", "activation")]),
                widgets.HBox([c["hidden_layers"], c["units"], self.units_view]),
                widgets.HBox([c[k] for k in ("lr", "batch_size", "optimizer")]),
                widgets.HBox([c[k] for k in ("regularization", "strength")])]
        super().__init__([widgets.HTML("<b>Training playground</b>"), *rows, buttons,
                          self.live.image, self.units_box, self.readout, self.notes])
        for name, control in self.controls.items():
            control.observe(self._on_control(name), names="value")
        self._syncing = False
        self.units_view.observe(self._on_units_view, names="value")
        self.player.observe(self._on_tick, names="value")
        self.step_button.on_click(lambda _b: self.step())
        self.reset_button.on_click(lambda _b: self.reset())
        self.redraw(full=True)

    # -- figure
    def _build_figure(self) -> None:
        live, m = self.live, self.model
        board, curves = live.axes
        # nearest-neighbour pixels and marker lines (not a scatter) keep a frame cheap
        # vmin/vmax beyond [0, 1] keep the background lighter than the dots
        live.heatmap = board.imshow(m.boundary, origin="lower", cmap=_CMAP, vmin=-0.6, vmax=1.6,
                                    extent=(-EXTENT, EXTENT, -EXTENT, EXTENT),
                                    interpolation="nearest", aspect="equal")
        live.points = [board.plot([], [], "o", ms=3.2, mfc=_CMAP(value), mec="white",
                                  mew=0.5, label=f"class {label}")[0]
                       for label, value in ((0, 0.02), (1, 0.98))]
        board.set(xlim=(-EXTENT, EXTENT), ylim=(-EXTENT, EXTENT), xticks=[], yticks=[],
                  title="P(class 1) on the plane; dots: training data")
        (live.train_line,) = curves.plot([], [], color="tab:blue", label="train")
        (live.test_line,) = curves.plot([], [], color="tab:orange", label="test")
        curves.set(xlabel="epoch", ylabel="loss (mean BCE)", title="loss")
        curves.legend(loc="upper right")
        live.heatmap.set_animated(True)  # drawn by PixelCopy, never into the background
        # in matplotlib's order: the heatmap 0, the dots 2, the board's frame 2.5 (the
        # heatmap covers the frame's pixels: left in the background, the frame was lost)
        live.animate(PixelCopy(live.heatmap), *live.points, *board.spines.values(),
                     live.train_line, live.test_line)

    def _fit_axes(self) -> bool:
        """Grow the loss axes when the curves leave them; True when limits changed."""
        h, curves = self.model.history, self.live.axes[1]
        epochs = h["epoch"][-1] if h["epoch"] else 0.0
        finite = [v for v in h["train_loss"] + h["test_loss"] if np.isfinite(v)]
        top = max(finite) if finite else 1.0
        (x0, x1), (y0, y1) = curves.get_xlim(), curves.get_ylim()
        new_x1 = x1 if x0 == 0 and epochs <= x1 else max(1.0, 2.0 * epochs)
        new_y1 = y1 if y0 == 0 and top <= y1 else loss_axis_top(top)
        if (new_x1, new_y1) == (x1, y1):
            return False
        curves.set_xlim(0, new_x1)
        curves.set_ylim(0, new_y1)
        return True

    def _use_background(self) -> tuple:
        """The static picture for the loss axes' limits now: the cached one, else the next
        render draws it (axes, ticks, labels, legend; everything but the animated artists).
        Its key: the limits."""
        curves = self.live.axes[1]
        key = (curves.get_xlim(), curves.get_ylim())
        if key != self._background_key:
            cached = self._backgrounds.get(key)
            if cached is None:
                self.live.invalidate()
            else:
                self.live.background = cached
            self._background_key = key
        return key

    def _keep_background(self, key: tuple) -> None:
        """Cache the static picture just drawn for ``key``: the fresh limits' one for good
        (every Reset and architecture or data change comes back to them), a few others."""
        if self.live.background is None or self._backgrounds.get(key) is self.live.background:
            return
        self._backgrounds[key] = self.live.background
        others = [k for k in self._backgrounds if k != _FRESH_LIMITS]
        for old in others[:-_KEPT_BACKGROUNDS]:
            del self._backgrounds[old]

    def redraw(self, full: bool = False) -> None:
        """Update the heatmap, the loss curves, the readout and the notes."""
        m, live = self.model, self.live
        h = m.history
        # coloured here (the image's own norm and colour map), so Agg only copies pixels:
        # the same picture as colouring scalar data, a millisecond sooner
        live.heatmap.set_data(live.heatmap.to_rgba(m.boundary, bytes=True))
        live.train_line.set_data(h["epoch"], h["train_loss"])
        live.test_line.set_data(h["epoch"], h["test_loss"])
        if full:
            if self._points_of is not m.X_train:  # a new network on the same data: kept
                for label, points in enumerate(live.points):
                    points.set_data(m.X_train[m.y_train == label].T)
                self._points_of = m.X_train
            curves = live.axes[1]
            if (curves.get_xlim(), curves.get_ylim()) != _FRESH_LIMITS:
                curves.set_xlim(*_FRESH_LIMITS[0])
                curves.set_ylim(*_FRESH_LIMITS[1])
        self._fit_axes()
        key = self._use_background()
        live.refresh()
        self._keep_background(key)
        if full:
            self._sync_units_view()
        self._draw_units()
        self.readout.value = self._readout()
        self.notes.value = self._notes()

    # -- hidden units
    def _units_view_options(self) -> list[str]:
        return ["off", *(f"layer {k}" for k in range(1, len(self.model.sizes) - 1))]

    @property
    def units_layer(self) -> int:
        """The hidden layer whose units are shown (1 = first), 0 when the view is off."""
        value = self.units_view.value
        return 0 if value == "off" else int(value.split()[1])

    def _sync_units_view(self) -> None:
        """The view's choices follow the number of hidden layers (the choice is kept when
        the layer still exists, else the view goes off)."""
        options = self._units_view_options()
        if list(self.units_view.options) != options:
            keep = self.units_view.value if self.units_view.value in options else "off"
            self._syncing = True
            try:
                self.units_view.options = options
                self.units_view.value = keep
            finally:
                self._syncing = False

    def _on_units_view(self, _change: Mapping[str, Any]) -> None:
        if not self._syncing:
            self._draw_units()

    def _draw_units(self) -> None:
        """Draw the hidden units' thumbnails (only while the view is on)."""
        layer = self.units_layer
        if not layer or layer > len(self.model.sizes) - 2:
            if self.units_box.children:
                self.units_box.children = []
            return
        units = self.model.sizes[layer]
        if self._units_key != (layer, units) or self.units_live is None:
            if units not in self._thumbnails:  # labels drawn once per number of units
                self._thumbnails[units] = UnitThumbnails(units, image=self._units_image)
            self.units_live = self._thumbnails[units]
            self._units_key = (layer, units)
            self._units_shown = None
        shown = (layer, self.model.settings["activation"], self.model.grid_cache)
        last = self._units_shown
        if last is not None and last[:2] == shown[:2] and last[2] is shown[2]:
            if not self.units_box.children:  # the same grid pass: the picture is up to date
                self.units_box.children = [self.units_header, self.units_live.image]
            return
        self._units_shown = shown
        maps = self.model.hidden_maps(layer)
        activation = self.model.settings["activation"]
        scale = layer_scale(maps, BOUNDED_SCALES.get(activation))
        self.units_live.refresh(maps, scale)
        self.units_header.value = (
            f"<small>What each unit of hidden layer {layer} computes at every point of the "
            "plane (the square of the heatmap above), all units on one colour scale: "
            f"{_scale_words(activation, scale)}.{_constant_words(maps, scale)}</small>")
        if not self.units_box.children:
            self.units_box.children = [self.units_header, self.units_live.image]

    def _readout(self) -> str:
        m, h = self.model, self.model.history
        if h["step"]:
            numbers = (f"epoch {m.epoch:.2f} · step {m.steps} · train loss "
                       f"{h['train_loss'][-1]:.3f} · test loss {h['test_loss'][-1]:.3f} · "
                       f"test accuracy {100 * h['test_accuracy'][-1]:.1f}%")
        else:
            numbers = "not evaluated yet"
        names = ("init_mlp", "mlp_forward", "mlp_backward", m.rule)
        sources = ", ".join(f"<code>{n}</code>: {m.functions.source(n)}" for n in names)
        s = m.settings
        penalty = ("" if s["regularization"] == "none" else
                   f" + {s['regularization']} penalty (lambda {s['strength']:g}) on the weights")
        return (f"{numbers}<br><small>{s['optimizer']}{penalty}; training with "
                f"{sources}</small>")

    def _notes(self) -> str:
        parts = [f"<div style='background:#fff3cd;padding:4px;margin:2px'>&#9888; {note}</div>"
                 for note in self.model.functions.notes]
        if self.model.problem:
            parts.append("<div style='background:#f8d7da;padding:4px;margin:2px'>&#9940; "
                         f"Training stopped: {html.escape(self.model.problem)}. Lower the "
                         "learning rate and press Reset.</div>")
        return "".join(parts)

    # -- actions
    @property
    def playing(self) -> bool:
        """Whether the timer is running."""
        return bool(self.player.playing)

    def play(self) -> None:
        """Start the timer (in a browser each tick steps once)."""
        self.player.playing = True

    def pause(self) -> None:
        """Stop the timer; ticks still in flight are ignored."""
        self.player.playing = False

    def step(self, n: int | None = None) -> int:
        """``n`` mini-batch steps (default: the steps/tick control), then one redraw."""
        done = self.model.step(self.speed.value if n is None else n)
        if self.model.problem:
            self.pause()
        self.redraw()
        return done

    def reset(self) -> None:
        """Fresh parameters and data from the controls; history cleared."""
        self.model.reset()
        self.redraw(full=True)

    def _on_tick(self, change: Mapping[str, Any]) -> None:
        if not self.playing or change["new"] <= change["old"]:
            return
        if self.drop_late_ticks and time.perf_counter() - self._frame_end < self.LATE_TICK_S:
            return
        self.step()
        self._frame_end = time.perf_counter()

    def _on_control(self, name: str) -> Callable[[Mapping[str, Any]], None]:
        def handler(change: Mapping[str, Any]) -> None:
            try:
                restarted = self.model.configure(**{name: change["new"]})
            except (ValueError, TypeError) as exc:
                self.model.problem = str(exc)
                restarted = False
            self.redraw(full=restarted)
        return handler


def playground(init_mlp: Callable | None = None, mlp_forward: Callable | None = None,
               mlp_backward: Callable | None = None, update: Callable | None = None, *,
               sgd_update: Callable | None = None, momentum_update: Callable | None = None,
               adam_update: Callable | None = None, **settings: Any) -> Playground:
    """A training playground using your functions where given, the reference elsewhere.

    ``sgd_update``, ``momentum_update`` and ``adam_update`` are lesson 06's update rules
    (``update`` is the older name of ``sgd_update``); the optimizer control picks which
    one runs. ``settings`` override :data:`DEFAULTS` (e.g. ``dataset="xor"``, ``units=8``,
    ``optimizer="Adam"``, ``regularization="L1"``).
    """
    functions = GuardedFunctions(init_mlp, mlp_forward, mlp_backward, update,
                                 sgd_update=sgd_update, momentum_update=momentum_update,
                                 adam_update=adam_update)
    return Playground(PlaygroundModel(functions, **settings))


def own_functions(notebook: str | Path, *names: str) -> dict[str, Callable]:
    """Your functions ``names`` from an earlier lesson's notebook (its setup and exercise
    cells are run in a fresh namespace). Missing notebooks or names are skipped, with a
    printed note, so the playground falls back to the reference for them."""
    path = Path(notebook)
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except FileNotFoundError:
        print(f"No {path} here: using the course's reference {', '.join(names)}.")
        return {}
    except (OSError, ValueError, KeyError) as exc:
        print(f"Could not read {path} ({exc}): using the course's reference {', '.join(names)}.")
        return {}
    namespace: dict[str, Any] = {"__name__": "__own_functions__"}
    for cell in cells:
        is_exercise = (cell.get("cell_type") == "code"
                       and assignment.kind(cell) == assignment.SOLUTION)
        if assignment.is_setup(cell) or is_exercise:
            name = assignment.grade_id(cell)
            try:
                exec(compile(assignment.source_text(cell), f"<{path.name}:{name}>", "exec"),
                     namespace)
            except Exception as exc:  # a broken cell: its functions are simply missing
                print(f"{path.name}, cell {name}: {type(exc).__name__}: {exc}")
    found = {name: namespace[name] for name in names if callable(namespace.get(name))}
    missing = [name for name in names if name not in found]
    if missing:
        print(f"{path.name} does not define {', '.join(missing)}; using the reference.")
    return found
