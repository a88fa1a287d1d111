"""Frames per second of the lesson-06 training playground, without a browser.

    .venv/bin/python benchmarks/playground_fps.py [--frames 150] [--warmup 10]
        [--optimizer SGD|momentum|Adam] [--hidden-units]

One frame is what one tick of the ``Play`` timer does: one mini-batch SGD step of a
2-8-8-1 network on 400 training points (batch size from the lesson's defaults), one
evaluation (train and test loss on 400 + 400 points and the 100 x 100 boundary grid in
one forward pass), and one redraw of the Agg figure (heatmap, points and loss curves
blitted on a cached background) encoded as the PNG the ``Image`` widget sends. The
course's reference functions are used, as for a learner who passes none. With
``--hidden-units`` the "hidden units" view is on (layer 1: eight 25 x 25 thumbnails drawn
and encoded every frame as well); ``--optimizer`` picks the update rule (default: the
lesson's, SGD). Exits 1 below 15 frames per second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import matplotlib

matplotlib.use("Agg")

from nncourse.widgets.playground import DEFAULTS, GRID, OPTIMIZERS, playground  # noqa: E402

TARGET_FPS = 15.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--optimizer", choices=list(OPTIMIZERS), default=DEFAULTS["optimizer"])
    parser.add_argument("--hidden-units", action="store_true",
                        help="time frames with the hidden-units view on (layer 1)")
    args = parser.parse_args()
    lr = 0.01 if args.optimizer == "Adam" else DEFAULTS["lr"]
    pg = playground(hidden_layers=2, units=8, n_train=400, optimizer=args.optimizer, lr=lr)
    if args.hidden_units:
        pg.units_view.value = "layer 1"
    sizes = [W.shape for W, _ in pg.model.params]
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
    print(f"network {[s[0] for s in sizes] + [1]}, {len(pg.model.X_train)} training + "
          f"{len(pg.model.X_test)} test points, {GRID}x{GRID} grid, batch size "
          f"{DEFAULTS['batch_size']}, {args.optimizer} (lr {lr:g}), hidden-units view "
          f"{pg.units_view.value}, {args.frames} frames after {args.warmup} warm-up")
    print(f"median frame {1000 * median:.1f} ms, 90th percentile {1000 * p90:.1f} ms, "
          f"{fps:.1f} frames per second (target >= {TARGET_FPS:.0f})")
    print(f"full redraws (axes rescaled) during the timed frames: {full_redraws[0]}; "
          f"training loss after {pg.model.steps} steps {pg.model.history['train_loss'][-1]:.3f}")
    return 0 if fps >= TARGET_FPS else 1


if __name__ == "__main__":
    sys.exit(main())
