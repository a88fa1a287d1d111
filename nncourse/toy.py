"""Seeded 2-D toy datasets (TensorFlow Playground style) and a toy sequence task.

``make_toy(name, n, noise, seed)`` returns ``X`` ``(n, 2)`` float64 and ``y`` ``(n,)``
int64 of 0/1, with ``n // 2`` samples of class 0, the rest class 1, rows shuffled:

- ``"circle"``: class 1 is a disc of radius 0.5, class 0 a ring from 0.7 to 1.0.
- ``"xor"``: class 1 in the (+, +) and (-, -) quadrants, class 0 in the other two,
  points uniform in [-1, 1]^2 kept 0.05 away from the axes.
- ``"gauss"``: class 1 a Gaussian blob at (0.5, 0.5), class 0 at (-0.5, -0.5), std 0.3.
- ``"spiral"``: two interleaved spirals (radius up to 1, 1.75 turns); class 1 the first.
- ``"moons"``: two interleaving half-moons, centred; class 0 the upper one.

``noise`` is the standard deviation of Gaussian jitter added to both coordinates, in
data units (the clean points lie roughly within [-1.5, 1.5]); ``noise=0`` gives the
clean shapes. The same arguments always give the same arrays.

``make_sequences(n, length, seed)`` makes noisy sine waves for a small recurrent network.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TOY_NAMES: tuple[str, ...] = ("circle", "xor", "gauss", "spiral", "moons")


def _circle(rng: np.random.Generator, n0: int, n1: int) -> tuple[np.ndarray, np.ndarray]:
    def ring(m: int, r_min: float, r_max: float) -> np.ndarray:
        # sqrt makes the points uniform over the area, not crowded at the centre
        r = np.sqrt(rng.uniform(r_min**2, r_max**2, m))
        angle = rng.uniform(0.0, 2 * np.pi, m)
        return np.column_stack([r * np.cos(angle), r * np.sin(angle)])

    return ring(n0, 0.7, 1.0), ring(n1, 0.0, 0.5)


def _xor(rng: np.random.Generator, n0: int, n1: int) -> tuple[np.ndarray, np.ndarray]:
    pad = 0.05

    def quadrants(m: int, same_sign: bool) -> np.ndarray:
        pts = rng.uniform(pad, 1.0, (m, 2))
        signs = rng.choice([-1.0, 1.0], m)
        pts[:, 0] *= signs
        pts[:, 1] *= signs if same_sign else -signs
        return pts

    return quadrants(n0, same_sign=False), quadrants(n1, same_sign=True)


def _gauss(rng: np.random.Generator, n0: int, n1: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(-0.5, 0.3, (n0, 2)), rng.normal(0.5, 0.3, (n1, 2))


def _spiral(rng: np.random.Generator, n0: int, n1: int) -> tuple[np.ndarray, np.ndarray]:
    def arm(m: int, delta: float) -> np.ndarray:
        u = rng.uniform(0.0, 1.0, m)
        t = 1.75 * 2 * np.pi * u + delta
        return np.column_stack([u * np.sin(t), u * np.cos(t)])

    return arm(n0, np.pi), arm(n1, 0.0)


def _moons(rng: np.random.Generator, n0: int, n1: int) -> tuple[np.ndarray, np.ndarray]:
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    shift = np.array([-0.5, -0.25])  # centre the pair on the origin
    return upper + shift, lower + shift


_MAKERS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "circle": _circle,
    "xor": _xor,
    "gauss": _gauss,
    "spiral": _spiral,
    "moons": _moons,
}


def make_toy(
    name: str, n: int = 400, noise: float = 0.1, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A 2-D binary toy set: ``X`` ``(n, 2)`` float64, ``y`` ``(n,)`` int64 of 0/1.

    ``name`` is one of :data:`TOY_NAMES`; ``noise`` (>= 0) is the std of the Gaussian
    jitter on each coordinate; classes are balanced (``n // 2`` zeros) and shuffled.
    """
    if name not in _MAKERS:
        raise ValueError(f"unknown toy dataset {name!r}; choose one of {', '.join(TOY_NAMES)}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    n0 = int(n) // 2
    n1 = int(n) - n0
    X0, X1 = _MAKERS[name](rng, n0, n1)
    X = np.concatenate([X0, X1]).astype(np.float64)
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    X = X + rng.normal(0.0, 1.0, X.shape) * noise
    order = rng.permutation(len(y))
    return X[order], y[order]


def make_sequences(
    n: int, length: int, seed: int | None = 0, noise: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy sine waves; the task is to predict the next clean value.

    Each series is ``a * sin(w * t + phi)`` for ``t = 0 .. length``, with amplitude ``a``
    in [0.5, 1], angular frequency ``w`` in [0.2, 0.6] rad per step (a period of about
    10 to 31 steps) and phase ``phi`` in [0, 2 pi), all drawn per series. ``X`` holds
    the first ``length`` values plus Gaussian noise of std ``noise``, shaped
    ``(n, length, 1)`` (samples, time steps, features) as Keras' recurrent layers expect;
    ``y`` ``(n,)`` is the noise-free value at step ``length``. Both are float64.
    A network that predicts ``y`` as the last input value gets a mean squared error of
    about 0.06; a small RNN or LSTM trained for a few seconds gets well below 0.01.
    """
    for label, value, least in (("n", n, 1), ("length", length, 2)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            raise ValueError(f"{label} must be an integer >= {least}, got {value!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    amplitude = rng.uniform(0.5, 1.0, (n, 1))
    omega = rng.uniform(0.2, 0.6, (n, 1))
    phase = rng.uniform(0.0, 2 * np.pi, (n, 1))
    t = np.arange(length + 1, dtype=np.float64)
    clean = amplitude * np.sin(omega * t + phase)
    X = clean[:, :length] + rng.normal(0.0, noise, (n, length))
    return X[:, :, np.newaxis], clean[:, length].copy()
