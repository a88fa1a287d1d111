"""Build ``nncourse/reference/tape_gradients.npz``: MLP gradients from TensorFlow's tape.

Each case is a random sigmoid-output MLP (numpy-seeded weights, inputs and labels). Its
forward pass is written directly in TensorFlow ops in float64 and the gradients of the
mean binary cross-entropy come from ``tf.GradientTape``, independently of the course's
numpy code. Lesson 05's hidden tests compare a learner's ``mlp_backward`` with them.

Run ``python tests/support/tape_fixtures.py`` (or ``--out PATH``) after changing ``CASES``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import numpy as np

from nncourse.reference.tape import FIXTURE, save_cases

# name, layer sizes, hidden activation, samples, seed, extras
CASES: list[dict[str, Any]] = [
    {"name": "logistic", "sizes": [3, 1], "hidden": "relu", "n": 12, "seed": 501},
    {"name": "relu-1", "sizes": [4, 8, 1], "hidden": "relu", "n": 20, "seed": 502},
    {"name": "relu-zero-row", "sizes": [3, 6, 1], "hidden": "relu", "n": 16, "seed": 503,
     "zero_row": True},
    {"name": "tanh-2", "sizes": [4, 6, 5, 1], "hidden": "tanh", "n": 24, "seed": 504},
    {"name": "sigmoid-3", "sizes": [2, 7, 7, 7, 1], "hidden": "sigmoid", "n": 18, "seed": 505},
    {"name": "linear-1", "sizes": [5, 3, 1], "hidden": "linear", "n": 15, "seed": 506},
    {"name": "relu-deep", "sizes": [3, 16, 8, 4, 1], "hidden": "relu", "n": 32, "seed": 507},
    {"name": "tanh-wide", "sizes": [6, 32, 1], "hidden": "tanh", "n": 9, "seed": 508},
]


def make_case(spec: dict[str, Any]) -> dict[str, Any]:
    """Weights, inputs and labels of one case, from numpy's generator seeded by ``seed``."""
    rng = np.random.default_rng(spec["seed"])
    sizes, n = spec["sizes"], spec["n"]
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
        b = rng.normal(0.0, 0.3, size=n_out)
        params.append((W, b))
    X = rng.normal(size=(n, sizes[0]))
    y = rng.integers(0, 2, size=n).astype(np.float64)
    if spec.get("zero_row"):
        # an all-zero input row with a zero first bias: pre-activations exactly 0, where
        # ReLU's derivative is taken as 0 (TensorFlow's convention, and Z > 0)
        X[0] = 0.0
        params[0] = (params[0][0], np.zeros_like(params[0][1]))
    return {"name": spec["name"], "hidden_activation": spec["hidden"], "X": X, "y": y,
            "params": params}


def tape_gradients(case: dict[str, Any]) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
    """Mean BCE of the case's sigmoid-output MLP and its gradients, by ``tf.GradientTape``."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import tensorflow as tf

    hidden = {"relu": tf.nn.relu, "tanh": tf.math.tanh, "sigmoid": tf.math.sigmoid,
              "linear": tf.identity}[case["hidden_activation"]]
    variables = [(tf.Variable(W, dtype=tf.float64), tf.Variable(b, dtype=tf.float64))
                 for W, b in case["params"]]
    X = tf.constant(case["X"], dtype=tf.float64)
    y = tf.constant(case["y"].reshape(-1, 1), dtype=tf.float64)
    with tf.GradientTape() as tape:
        A = X
        for i, (W, b) in enumerate(variables):
            Z = tf.matmul(A, W) + b
            A = hidden(Z) if i < len(variables) - 1 else Z  # the last Z is the logit
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=A))
    flat = [v for pair in variables for v in pair]
    grads = tape.gradient(loss, flat)
    arrays = [g.numpy() for g in grads]
    return float(loss.numpy()), [(arrays[2 * i], arrays[2 * i + 1])
                                 for i in range(len(variables))]


def build_cases() -> list[dict[str, Any]]:
    """Every case of ``CASES`` with its loss and tape gradients."""
    cases = []
    for spec in CASES:
        case = make_case(spec)
        case["loss"], case["grads"] = tape_gradients(case)
        cases.append(case)
    return cases


def build(out: Path | str = FIXTURE) -> Path:
    """Compute every case and write the fixture to ``out``."""
    return save_cases(build_cases(), out)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python tests/support/tape_fixtures.py [--out PATH]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIXTURE, help="where to write the .npz")
    args = parser.parse_args(argv)
    path = build(args.out)
    print(f"wrote {path} ({path.stat().st_size} bytes, {len(CASES)} cases)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
