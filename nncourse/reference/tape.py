"""Gradients recorded with TensorFlow's GradientTape, loadable without TensorFlow.

``tape_gradients.npz`` (next to this module) holds several random sigmoid-output MLPs
with their inputs, labels, mean binary cross-entropy and its gradients, computed in
float64 by ``tests/support/tape_fixtures.py``. Lesson 05's hidden tests compare a learner's
``mlp_backward`` with them; lessons 00-06 never import TensorFlow themselves.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

FIXTURE = Path(__file__).with_name("tape_gradients.npz")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no real timestamp: same bytes every run


def _flatten(cases: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {"count": np.array(len(cases))}
    for i, case in enumerate(cases):
        key = f"case{i:02d}"
        arrays[f"{key}/name"] = np.array(str(case["name"]))
        arrays[f"{key}/hidden_activation"] = np.array(str(case["hidden_activation"]))
        arrays[f"{key}/X"] = np.asarray(case["X"], dtype=np.float64)
        arrays[f"{key}/y"] = np.asarray(case["y"], dtype=np.float64)
        arrays[f"{key}/loss"] = np.array(float(case["loss"]))
        if len(case["params"]) != len(case["grads"]):
            raise ValueError(f"{case['name']}: {len(case['params'])} layers of params but "
                             f"{len(case['grads'])} of grads")
        for layer, ((W, b), (dW, db)) in enumerate(zip(case["params"], case["grads"],
                                                        strict=True)):
            for label, value in (("W", W), ("b", b), ("dW", dW), ("db", db)):
                arrays[f"{key}/{label}{layer}"] = np.asarray(value, dtype=np.float64)
    return arrays


def save_cases(cases: list[dict[str, Any]], path: Path | str = FIXTURE) -> Path:
    """Write ``cases`` (dicts as :func:`tape_cases` returns) to ``path``, byte for byte
    the same for the same numbers."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in sorted(_flatten(cases).items()):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.array(array, order="C"), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())
    return path


def tape_cases(path: Path | str = FIXTURE) -> list[dict[str, Any]]:
    """The recorded networks, each a dict with ``name``, ``hidden_activation``, ``X`` (n, d),
    ``y`` (n,), ``params`` and ``grads`` (lists of ``(W, b)`` / ``(dW, db)``) and ``loss``."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no tape fixture at {path}; "
                                "run `python tests/support/tape_fixtures.py`")
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    cases = []
    for i in range(int(arrays["count"])):
        key = f"case{i:02d}"
        layers = sum(1 for name in arrays if name.startswith(f"{key}/W"))
        cases.append({
            "name": str(arrays[f"{key}/name"]),
            "hidden_activation": str(arrays[f"{key}/hidden_activation"]),
            "X": arrays[f"{key}/X"],
            "y": arrays[f"{key}/y"],
            "loss": float(arrays[f"{key}/loss"]),
            "params": [(arrays[f"{key}/W{k}"], arrays[f"{key}/b{k}"]) for k in range(layers)],
            "grads": [(arrays[f"{key}/dW{k}"], arrays[f"{key}/db{k}"]) for k in range(layers)],
        })
    return cases
