"""The shipped datasets: shapes, checksums, restore messages, reproducible files."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nncourse import data

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets"

EXPECTED = {
    # name: (n, d, number of classes)
    "digits": (1797, 64, 10),
    "breast_cancer": (569, 30, 2),
    "spam": (4000, 14, 2),
}


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped CSV files that ``NNCOURSE_DATA`` points at."""
    for name in data.CHECKSUMS:
        shutil.copy(DATASETS / name, tmp_path / name)
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))
    return tmp_path


def test_every_dataset_is_registered() -> None:
    assert set(data.DATASETS) == set(EXPECTED)
    assert set(data.CHECKSUMS) == {f"{name}.csv" for name in EXPECTED}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_load_shapes_and_dtypes(name: str) -> None:
    n, d, n_classes = EXPECTED[name]
    ds = data.load(name)
    assert isinstance(ds, data.Dataset)
    assert ds.X.shape == (n, d) and ds.X.dtype == np.float64
    assert ds.y.shape == (n,) and ds.y.dtype == np.int64
    assert np.isfinite(ds.X).all()
    assert len(ds.feature_names) == d and all(isinstance(f, str) for f in ds.feature_names)
    assert len(ds.target_names) == n_classes
    assert set(np.unique(ds.y).tolist()) == set(range(n_classes))
    assert ds.description
    assert name in repr(ds)


def test_dataset_is_frozen() -> None:
    ds = data.load("breast_cancer")
    with pytest.raises(AttributeError):
        ds.X = np.zeros((1, 1))  # type: ignore[misc]


def test_digits_content() -> None:
    ds = data.load("digits")
    assert ds.feature_names == tuple(f"p{i}" for i in range(64))
    assert ds.X.min() == 0 and ds.X.max() == 16
    assert np.array_equal(ds.X, np.round(ds.X))
    assert np.bincount(ds.y).min() >= 170
    images, labels = data.load_digits_images()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float64
    assert np.array_equal(images.reshape(1797, 64), ds.X)
    assert np.array_equal(labels, ds.y)


def test_breast_cancer_matches_sklearn_conventions() -> None:
    ds = data.load("breast_cancer")
    assert ds.target_names == ("malignant", "benign")
    assert ds.feature_names[0] == "mean radius"
    assert ds.feature_names[-1] == "worst fractal dimension"
    assert np.bincount(ds.y).tolist() == [212, 357]


def test_breast_cancer_equals_sklearn_copy() -> None:
    datasets = pytest.importorskip("sklearn.datasets")
    bunch = datasets.load_breast_cancer()
    ds = data.load("breast_cancer")
    assert np.array_equal(ds.X, bunch.data)
    assert np.array_equal(ds.y, bunch.target)
    assert ds.feature_names == tuple(bunch.feature_names)


def test_spam_is_imbalanced_and_labelled_synthetic() -> None:
    ds = data.load("spam")
    assert ds.target_names == ("ham", "spam")
    spam_fraction = ds.y.mean()
    assert 0.15 < spam_fraction < 0.35
    assert "synthetic" in ds.description.lower()
    contacts = ds.X[:, ds.feature_names.index("sender_in_contacts")]
    assert set(np.unique(contacts).tolist()) == {0.0, 1.0}
    hours = ds.X[:, ds.feature_names.index("hour_sent")]
    assert hours.min() >= 0 and hours.max() <= 23


def test_spam_logistic_regression_baseline() -> None:
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    ds = data.load("spam")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    accuracy = cross_val_score(model, ds.X, ds.y, cv=5).mean()
    assert 0.85 <= accuracy <= 0.93, accuracy
    assert accuracy > 1 - ds.y.mean() + 0.1  # clearly better than always saying "ham"


def test_unknown_name() -> None:
    with pytest.raises(ValueError, match="digits, breast_cancer, spam"):
        data.load("mnist")


def test_checksums_match_files_and_readme() -> None:
    readme = (DATASETS / "README.md").read_text()
    for name, digest in data.CHECKSUMS.items():
        assert hashlib.sha256((DATASETS / name).read_bytes()).hexdigest() == digest
        assert digest in readme


def test_data_dir_default_and_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    assert data.data_dir() == DATASETS
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))
    assert data.data_dir() == tmp_path


def test_load_from_copy(data_copy: Path) -> None:
    assert data.load("spam").X.shape == (4000, 14)
    data.verify()


def test_crlf_copy_still_loads(data_copy: Path) -> None:
    path = data_copy / "breast_cancer.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert data.load("breast_cancer").X.shape == (569, 30)


@pytest.mark.parametrize(
    ("name", "file", "script"),
    [
        ("spam", "spam.csv", "make_spam.py"),
        ("digits", "digits.csv", "export_sklearn.py"),
        ("breast_cancer", "breast_cancer.csv", "export_sklearn.py"),
    ],
)
def test_missing_file(data_copy: Path, name: str, file: str, script: str) -> None:
    (data_copy / file).unlink()
    with pytest.raises(FileNotFoundError) as info:
        data.load(name)
    message = str(info.value)
    assert str(data_copy / file) in message
    assert f"git checkout -- datasets/{file}" in message
    assert f"python datasets/{script}" in message


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corrupt_file(data_copy: Path, name: str) -> None:
    path = data_copy / f"{name}.csv"
    raw = bytearray(path.read_bytes())
    raw[-3] = ord("7") if raw[-3] != ord("7") else ord("8")  # one changed digit
    path.write_bytes(bytes(raw))
    with pytest.raises(data.DataFileError) as info:
        data.load(name)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert str(path) in message
    assert f"git checkout -- datasets/{name}.csv" in message
    with pytest.raises(data.DataFileError):
        data.verify(name)


def test_truncated_file(data_copy: Path) -> None:
    path = data_copy / "spam.csv"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(data.DataFileError, match="spam.csv"):
        data.load("spam")


def _run(script: str, *args: Path) -> None:
    subprocess.run(
        [sys.executable, str(DATASETS / script), *map(str, args)],
        check=True, capture_output=True, cwd=ROOT,
    )


def test_make_spam_is_deterministic(tmp_path: Path) -> None:
    out = tmp_path / "spam.csv"
    _run("make_spam.py", out)
    assert out.read_bytes() == (DATASETS / "spam.csv").read_bytes()


def test_export_sklearn_reproduces_shipped_files(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    _run("export_sklearn.py", tmp_path)
    for name in ("digits.csv", "breast_cancer.csv"):
        assert (tmp_path / name).read_bytes() == (DATASETS / name).read_bytes(), name


def test_datasets_folder_is_small() -> None:
    total = sum(p.stat().st_size for p in DATASETS.iterdir() if p.is_file())
    assert total < 2_000_000


def test_data_module_imports_only_numpy() -> None:
    code = (
        "import sys; import nncourse.data, nncourse.toy; "
        "bad = [m for m in ('sklearn', 'tensorflow', 'keras', 'pandas') if m in sys.modules]; "
        "sys.exit(bool(bad))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
