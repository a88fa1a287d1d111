"""Frames per second of the lesson-06 training playground, without a browser.

    .venv/bin/python benchmarks/playground_fps.py [--hidden 8,8] [--points 400]
        [--test-points N] [--optimizer SGD|momentum|Adam] [--hidden-units [LAYER]]
        [--frames 150] [--warmup 10] [--target FPS]

The issue's two sizes, each with every view on (hidden units of layer 1, Adam):

    .venv/bin/python benchmarks/playground_fps.py --hidden 8,8 --points 400 \\
        --optimizer Adam --hidden-units --target 60
    .venv/bin/python benchmarks/playground_fps.py --hidden 32,32 --points 1000 \\
        --optimizer Adam --hidden-units --target 30

One frame is what one tick of the ``Play`` timer does: one mini-batch step (batch size
from the lesson's defaults) of a 2-H1-...-1 network on ``--points`` training points, one
evaluation (train and test loss on the training and ``--test-points`` test points, default
as many, in one forward pass, and the 100 x 100 boundary grid,
:data:`~nncourse.widgets.playground.GRID`, in another), and one redraw of the Agg figure
(heatmap, points and loss curves blitted on a cached background) encoded as the PNG
the ``Image`` widget sends. The course's reference functions are used, as for a learner
who passes none. ``--hidden`` sets the hidden layers (equal widths, as the playground's
layers and units controls make them);
``--points`` and ``--test-points`` are the playground's ``n_train`` and ``n_test``
settings, checked by it. ``--hidden-units`` turns the "hidden units" view on (layer 1
unless a layer is given): one thumbnail per unit, drawn and encoded every frame as well.
Prints the median frame and frames per second; exits 1 below ``--target`` (default 30).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")

from nncourse.widgets.playground import DEFAULTS, GRID, OPTIMIZERS, playground  # noqa: E402


def hidden_widths(text: str) -> tuple[int, int]:
    """``"32,32"`` as ``(hidden_layers, units)``: the playground's layers all have one width."""
    try:
        widths = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--hidden should be widths like 8,8, got {text!r}") from None
    if len(set(widths)) > 1:
        raise argparse.ArgumentTypeError(
            f"the playground's hidden layers all have the same width, got {text!r}")
    return len(widths), widths[0] if widths else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", type=hidden_widths, default=(2, 8), metavar="H1,H2,...",
                        help="hidden layer widths (default 8,8; '' for none)")
    parser.add_argument("--points", type=int, default=DEFAULTS["n_train"],
                        help="training points (default %(default)s)")
    parser.add_argument("--test-points", type=int, default=None,
                        help="test points (default: as many as --points)")
    parser.add_argument("--optimizer", choices=list(OPTIMIZERS), default=DEFAULTS["optimizer"])
    parser.add_argument("--hidden-units", nargs="?", type=int, const=1, default=0,
                        metavar="LAYER", help="time frames with the hidden-units view on")
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--target", type=float, default=30.0,
                        help="exit 1 below this many frames per second (default 30)")
    args = parser.parse_args()
    hidden_layers, units = args.hidden
    test_points = args.points if args.test_points is None else args.test_points
    lr = 0.01 if args.optimizer == "Adam" else DEFAULTS["lr"]
    try:
        pg = playground(hidden_layers=hidden_layers, units=units, n_train=args.points,
                        n_test=test_points, optimizer=args.optimizer, lr=lr)
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))
    if args.hidden_units:
        view = f"layer {args.hidden_units}"
        if view not in pg.units_view.options:
            parser.error(f"--hidden-units: the network has no hidden layer {args.hidden_units}")
        pg.units_view.value = view
    for _ in range(args.warmup):
        pg.step(1)
    full_redraws = [0]
    invalidate = pg.live.invalidate

    def counted() -> None:
        full_redraws[0] += 1
        invalidate()

    pg.live.invalidate = counted
    times = []
    for _ in range(args.frames):
        start = time.perf_counter()
        pg.step(1)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    p90 = sorted(times)[int(0.9 * len(times)) - 1]
    fps = 1.0 / median
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"network {pg.model.sizes}, {len(pg.model.X_train)} training + "
          f"{len(pg.model.X_test)} test points, {GRID}x{GRID} grid, batch size "
          f"{pg.model.settings['batch_size']}, {args.optimizer} (lr {lr:g}), hidden-units "
          f"view {pg.units_view.value}, {args.frames} frames after {args.warmup} warm-up "
          f"(load average {load})")
    print(f"median frame {1000 * median:.1f} ms, 90th percentile {1000 * p90:.1f} ms, "
          f"{fps:.1f} frames per second (target >= {args.target:g})")
    print(f"full redraws (axes rescaled) during the timed frames: {full_redraws[0]}; "
          f"training loss after {pg.model.steps} steps {pg.model.history['train_loss'][-1]:.3f}")
    return 0 if fps >= args.target else 1


if __name__ == "__main__":
    sys.exit(main())
