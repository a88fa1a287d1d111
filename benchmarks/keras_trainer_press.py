"""Lesson 07's Keras trainer: one press of Train with its defaults, on the lesson's data.

``.venv/bin/python benchmarks/keras_trainer_press.py [--epochs 20] [--repeats 3]`` prints the
median wall time of a press (the traced step reused, as on every press after the first for
a number of hidden units) with the trainer's steps per call into the backend
(:func:`nncourse.widgets.keras_train.steps_per_execution`) and with one step per call.
"""

from __future__ import annotations

import argparse
import statistics
import time

from nncourse.widgets import keras_train


def lesson_data():
    """Lesson 07's split of the spam table, standardized with the training statistics."""
    import numpy as np

    from nncourse.data import load

    spam = load("spam")
    order = np.random.default_rng(0).permutation(len(spam.y))
    train, val = order[:3000], order[3000:3500]
    mean, spread = spam.X[train].mean(axis=0), spam.X[train].std(axis=0)
    X = ((spam.X - mean) / spread).astype("float32")
    return X[train], spam.y[train], X[val], spam.y[val]


def press_seconds(data, epochs: int, repeats: int) -> float:
    trainer = keras_train.keras_trainer(*data, epochs=epochs)
    trainer.train()  # the first press traces the step
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        trainer.train()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = lesson_data()
    steps = keras_train.steps_per_execution()
    ours = press_seconds(data, args.epochs, args.repeats)
    keras_train.steps_per_execution = lambda: 1
    one = press_seconds(data, args.epochs, args.repeats)
    print(f"Train, {args.epochs} epochs, defaults: {ours:.2f} s with {steps} steps per call, "
          f"{one:.2f} s with 1 (median of {args.repeats} presses)")


if __name__ == "__main__":
    main()
