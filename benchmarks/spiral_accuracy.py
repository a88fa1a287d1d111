"""Test accuracy of the lesson-06 training loop on the spiral set, with the lesson's defaults.

    .venv/bin/python benchmarks/spiral_accuracy.py [--notebook PATH]

Runs, in this process, the solution notebook's setup cell, its exercise solutions (so
``train_mlp`` is the lesson's own, calling its ``iterate_minibatches`` and ``sgd_update``)
and then the notebook's worked cell ``spiral-demo`` itself, which reads every setting from
``nncourse.widgets.playground.DEFAULTS``. Prints the test accuracy and the training time;
exits 1 below 97 %.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from grader.assignment import exercises, setup_cells  # noqa: E402
from grader.notebooks import read  # noqa: E402
from nncourse.widgets.playground import DEFAULTS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "solutions" / "06_gradient_descent" / "06_gradient_descent.ipynb"
TARGET = 0.97


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notebook", type=Path, default=NOTEBOOK)
    args = parser.parse_args()
    nb = read(args.notebook)
    namespace: dict = {"__name__": "__main__"}
    for cell in setup_cells(nb):
        exec(compile(cell.source, f"<{cell.id}>", "exec"), namespace)
    for name, exercise in exercises(nb).items():
        exec(compile(exercise.solution.source, f"<{name}>", "exec"), namespace)
    demo = next(c for c in nb.cells if c.get("id") == "spiral-demo")
    output = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(output):
        exec(compile(demo.source, "<spiral-demo>", "exec"), namespace)
    seconds = time.perf_counter() - start
    print(output.getvalue().rstrip())
    accuracy = namespace.get("test_accuracy")
    if accuracy is None:
        print("the spiral-demo cell did not compute test_accuracy")
        return 1
    print(f"settings: {DEFAULTS}")
    print(f"spiral test accuracy {100 * accuracy:.2f}% (target >= {100 * TARGET:.0f}%), "
          f"cell ran in {seconds:.1f} s")
    return 0 if accuracy >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
