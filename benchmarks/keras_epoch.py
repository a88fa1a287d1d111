"""Time one training epoch of lesson 07's model, on whatever device Keras uses here.

    .venv/bin/python benchmarks/keras_epoch.py [--epochs 6] [--batch-size 64]
    KERAS_BACKEND=torch .venv/bin/python benchmarks/keras_epoch.py

The model and data are lesson 07's: 14 spam features -> Dense(16, relu) -> Dense(1,
sigmoid), Adam(0.01), binary cross-entropy, 3000 training messages in batches of 64. The
first epoch also traces and compiles the training step, so the result is the median of the
epochs after it. Mixed precision is switched on only where a GPU is present (the output
layer stays float32), exactly as in the lesson, so the same command runs unchanged on a
CPU-only machine and on a GPU machine. Prints the backend, the devices, the precision
policy, each epoch's seconds and the median.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from nncourse.data import load  # noqa: E402
from nncourse.devices import (  # noqa: E402
    describe_devices,
    has_gpu,
    precision_for_device,
    time_epochs,
    typical_epoch_seconds,
)
from nncourse.keras_env import backend_name, keras  # noqa: E402


def lesson_data(n_train: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Lesson 07's training set: the spam table shuffled with ``seed``, standardized."""
    spam = load("spam")
    train = np.random.default_rng(seed).permutation(len(spam.y))[:n_train]
    X = spam.X[train]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X.astype("float32"), spam.y[train]


def lesson_model(n_features: int) -> keras.Model:
    """Lesson 07's network, compiled; built under the current precision policy."""
    model = keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid", dtype="float32"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6, help="epochs to run (>= 2)")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs should be at least 2: the first epoch is not counted")
    X, y = lesson_data()
    keras.utils.set_random_seed(0)
    with precision_for_device() as policy:
        model = lesson_model(X.shape[1])
        seconds = time_epochs(model, X, y, epochs=args.epochs, batch_size=args.batch_size)
    print(describe_devices())
    print(f"device: {'GPU' if has_gpu() else 'CPU'}; backend: {backend_name()}; "
          f"precision policy: {policy}")
    print(f"data: {X.shape[0]} samples x {X.shape[1]} features, batch size {args.batch_size} "
          f"({-(-X.shape[0] // args.batch_size)} steps per epoch)")
    print("epoch seconds: " + ", ".join(f"{s:.3f}" for s in seconds))
    print(f"median epoch after the first: {typical_epoch_seconds(seconds):.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
