"""Build ``nncourse/widgets/generalization_curves.npz``: lesson 08's slider positions, trained.

Every position of the capacity, L2 and dropout sliders (7 x 7 x 7 = 343) is trained by
``generalization.train_position``, the same seeded numpy code the widget would run, and
its four curves are stored: losses as float32, accuracies as counts of right answers
(exact). ``table_settings()`` (the grid, epochs, learning rate, sizes, seed) is stored too;
the widget ignores a table made for other settings.

Run ``python tests/support/generalization_curves.py`` (or ``--out PATH``) after changing
the network, its training or the sliders' values; ``tests/test_keras_lessons.py`` retrains
a sample of positions and compares.
"""

from __future__ import annotations

import argparse
import itertools
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from nncourse.widgets import generalization as g


def _position(key: tuple[int, float, float]) -> dict[str, np.ndarray]:
    return g.train_position(*key)


def build(out: Path = g.CURVES_FILE, jobs: int = 1) -> Path:
    """Train every position and write the table to ``out``."""
    shape = (len(g.HIDDEN_UNITS), len(g.L2_VALUES), len(g.DROPOUT_RATES), g.EPOCHS)
    table = {"loss": np.empty(shape, np.float32), "val_loss": np.empty(shape, np.float32),
             "correct": np.empty(shape, np.uint16), "val_correct": np.empty(shape, np.uint16)}
    keys = list(itertools.product(g.HIDDEN_UNITS, g.L2_VALUES, g.DROPOUT_RATES))
    indices = list(itertools.product(*(range(n) for n in shape[:3])))
    with ProcessPoolExecutor(jobs) as pool:
        for at, curves in zip(indices, pool.map(_position, keys, chunksize=8), strict=True):
            table["loss"][at] = curves["loss"]
            table["val_loss"][at] = curves["val_loss"]
            table["correct"][at] = np.rint(curves["accuracy"] * g.N_TRAIN)
            table["val_correct"][at] = np.rint(curves["val_accuracy"] * g.N_VAL)
    np.savez_compressed(out, **table, **g.table_settings())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=g.CURVES_FILE)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    start = time.perf_counter()
    path = build(args.out, args.jobs)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB) "
          f"in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
