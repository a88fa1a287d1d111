"""Export ``digits.csv`` and ``breast_cancer.csv`` from the copies bundled in scikit-learn.

``sklearn.datasets.load_digits`` and ``load_breast_cancer`` read files shipped inside
the scikit-learn package, so this downloads nothing. Sources and licences are in
``datasets/README.md``. The output is deterministic (``\\n`` line endings, shortest
round-trip decimals, integer-valued numbers without ``.0``). Usage::

    python datasets/export_sklearn.py [OUTPUT_DIR]   # default: the folder of this script
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits


def _number(value: float) -> str:
    """Shortest decimal that reads back to ``value``; ``1001.0`` is written ``1001``."""
    text = repr(float(value))
    if "e" in text or "n" in text:  # exponent, nan or inf: not expected in these tables
        raise ValueError(f"cannot write {value!r} as a plain decimal")
    return text[:-2] if text.endswith(".0") else text


def _csv(header: Sequence[str], rows: Iterable[Iterable[str]]) -> bytes:
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("ascii")


def digits_csv() -> bytes:
    """1797 rows: ``p0..p63`` (ints 0-16, row-major 8x8 image), then ``label`` (0-9)."""
    bunch = load_digits()
    data = bunch.data.astype(np.int64)
    if not np.array_equal(data, bunch.data):
        raise ValueError("digits pixels are not integers")
    header = [f"p{i}" for i in range(data.shape[1])] + ["label"]
    rows = (
        [str(v) for v in row] + [str(label)]
        for row, label in zip(data.tolist(), bunch.target.tolist(), strict=True)
    )
    return _csv(header, rows)


def breast_cancer_csv() -> bytes:
    """569 rows: the 30 features under scikit-learn's names, then ``target``
    (0 = malignant, 1 = benign, as in scikit-learn)."""
    bunch = load_breast_cancer()
    if list(bunch.target_names) != ["malignant", "benign"]:
        raise ValueError(f"unexpected target names {list(bunch.target_names)}")
    header = [str(name) for name in bunch.feature_names] + ["target"]
    rows = (
        [_number(v) for v in row] + [str(label)]
        for row, label in zip(bunch.data.tolist(), bunch.target.tolist(), strict=True)
    )
    return _csv(header, rows)


EXPORTS = {"digits.csv": digits_csv, "breast_cancer.csv": breast_cancer_csv}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Export the scikit-learn bundled datasets.")
    parser.add_argument("output_dir", nargs="?", type=Path,
                        default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    args.output_dir.mkdir(parents=True, exist_ok=True)
    for filename, build in EXPORTS.items():
        path = args.output_dir / filename
        path.write_bytes(build())
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
