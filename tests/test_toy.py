"""The seeded 2-D toy sets and the toy sequence task."""

from __future__ import annotations

import numpy as np
import pytest

from nncourse.toy import TOY_NAMES, make_sequences, make_toy


def test_names() -> None:
    assert TOY_NAMES == ("circle", "xor", "gauss", "spiral", "moons")


@pytest.mark.parametrize("name", TOY_NAMES)
@pytest.mark.parametrize("n", [2, 7, 400])
def test_shapes_dtypes_balance(name: str, n: int) -> None:
    X, y = make_toy(name, n=n)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert set(np.unique(y).tolist()) == {0, 1}
    assert (y == 0).sum() == n // 2 and (y == 1).sum() == n - n // 2


@pytest.mark.parametrize("name", TOY_NAMES)
def test_deterministic_per_seed(name: str) -> None:
    X1, y1 = make_toy(name, n=200, noise=0.2, seed=3)
    X2, y2 = make_toy(name, n=200, noise=0.2, seed=3)
    X3, _ = make_toy(name, n=200, noise=0.2, seed=4)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("name", TOY_NAMES)
def test_range_and_shuffled(name: str) -> None:
    X, y = make_toy(name, n=1000, noise=0.1)
    assert np.abs(X).max() < 2.0
    assert np.isfinite(X).all()
    assert 0 < y[:500].sum() < 500  # rows are shuffled, not sorted by class


@pytest.mark.parametrize("name", TOY_NAMES)
def test_noise_scales_the_jitter(name: str) -> None:
    X0, y0 = make_toy(name, n=300, noise=0.0, seed=5)
    X1, y1 = make_toy(name, n=300, noise=0.3, seed=5)
    assert np.array_equal(y0, y1)
    shift = np.linalg.norm(X1 - X0, axis=1).mean()
    assert 0.25 < shift < 0.5  # mean norm of 2-D N(0, 0.3^2) jitter is about 0.376


def _nearest_neighbour_accuracy(name: str, noise: float) -> float:
    X, y = make_toy(name, n=400, noise=noise, seed=0)
    Xt, yt = make_toy(name, n=400, noise=noise, seed=1)
    d = ((Xt[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    return float((y[d.argmin(1)] == yt).mean())


@pytest.mark.parametrize("name", TOY_NAMES)
def test_clean_shapes_are_learnable(name: str) -> None:
    assert _nearest_neighbour_accuracy(name, 0.0) > 0.95


def test_clean_geometry() -> None:
    X, y = make_toy("circle", n=500, noise=0.0)
    r = np.linalg.norm(X, axis=1)
    assert r[y == 1].max() <= 0.5 and r[y == 0].min() >= 0.7 and r.max() <= 1.0
    X, y = make_toy("xor", n=500, noise=0.0)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(np.int64))
    X, y = make_toy("gauss", n=500, noise=0.0)
    assert X[y == 1].mean() > 0.3 and X[y == 0].mean() < -0.3


def test_xor_is_not_linearly_separable() -> None:
    X, y = make_toy("xor", n=400, noise=0.0)
    # the class means coincide, so a linear boundary cannot separate the classes
    assert np.allclose(X[y == 0].mean(0), X[y == 1].mean(0), atol=0.15)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "swiss_roll"}, "circle, xor, gauss, spiral, moons"),
        ({"name": "circle", "n": 1}, "n must be"),
        ({"name": "circle", "n": -5}, "n must be"),
        ({"name": "circle", "n": 10.5}, "n must be"),
        ({"name": "circle", "noise": -0.1}, "noise must be"),
        ({"name": "circle", "noise": float("nan")}, "noise must be"),
    ],
)
def test_bad_input(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make_toy(**kwargs)


def test_sequences_shapes_and_determinism() -> None:
    X, y = make_sequences(50, 20, seed=1)
    assert X.shape == (50, 20, 1) and X.dtype == np.float64
    assert y.shape == (50,) and y.dtype == np.float64
    X2, y2 = make_sequences(50, 20, seed=1)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.allclose(X, make_sequences(50, 20, seed=2)[0])
    assert np.abs(y).max() <= 1.0


def test_sequences_are_learnable() -> None:
    X, y = make_sequences(500, 30, seed=0)
    Xt, yt = make_sequences(500, 30, seed=1)
    naive = np.mean((Xt[:, -1, 0] - yt) ** 2)
    # a linear autoregression on the window already beats "repeat the last value"
    A = np.c_[X[:, :, 0], np.ones(len(X))]
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    linear = np.mean((np.c_[Xt[:, :, 0], np.ones(len(Xt))] @ coef - yt) ** 2)
    assert linear < naive / 3


def test_sequences_noise_free() -> None:
    X, y = make_sequences(5, 10, seed=0, noise=0.0)
    # a pure sine satisfies s[t+1] + s[t-1] = 2 cos(w) s[t] with one w per series
    s = np.concatenate([X[:, :, 0], y[:, None]], axis=1)
    for row in s:
        c = np.linalg.lstsq(row[1:-1, None], row[2:] + row[:-2], rcond=None)[0]
        assert np.allclose(c[0] * row[1:-1], row[2:] + row[:-2], atol=1e-9)
        assert 2 * np.cos(0.6) - 1e-9 <= c[0] <= 2 * np.cos(0.2) + 1e-9


@pytest.mark.parametrize(
    "kwargs", [{"n": 0, "length": 5}, {"n": 3, "length": 1}, {"n": 3, "length": 5, "noise": -1}]
)
def test_sequences_bad_input(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        make_sequences(**kwargs)
