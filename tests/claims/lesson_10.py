"""Claims of lesson 10 (architectures): what its kernels, networks and detectors show."""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from claims import cell_text, claim, lesson_namespace
from nncourse.widgets.convolution import KERNEL_NAMES, PRESETS, kernel_explorer, kernel_state

L = "10_architectures"


def _ns() -> dict:
    return lesson_namespace(L)


def _state(preset: str, digit: int | None = None) -> dict:
    """The explorer's state for a preset, on its default digit unless one is given."""
    if digit is None:
        digit = inspect.signature(kernel_explorer).parameters["digit"].default
    entries = dict(zip(KERNEL_NAMES, PRESETS[preset].ravel().tolist(), strict=True))
    return kernel_state(digit, preset, **entries)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


@claim(L, "title", "build a small convolutional network (CNN) in Keras that reads 8x8 digits "
       "better than 95% of the time")
def cnn_above_95_percent_title():
    assert _ns()["test_accuracy"] > 0.95, _ns()["test_accuracy"]


@claim(L, "title", "each training cell prints how long it took")
def every_training_cell_prints_its_time():
    ns = _ns()
    trained = [ns["cnn"], ns["rnn"], ns["autoencoder"]]
    assert all(model.optimizer is not None for model in trained)
    for cell in ("cnn-train", "rnn", "ae-train"):
        source = cell_text(L, cell)
        assert ".fit(" in source and "perf_counter() - start" in source, cell
        assert 'print(f"' in source and "trained in" in source, cell


@claim(L, "idea", "a 3x3 kernel turns an 8x8 digit into a 6x6 **feature map**")
def three_by_three_gives_six_by_six():
    ns = _ns()
    assert ns["conv2d"](ns["images"][0], np.ones((3, 3))).shape == (6, 6)


@claim(L, "widget-intro", "`load_digits_images()` returns them with shape `(1797, 8, 8)`, "
       "pixel values 0 to 16, and their labels 0-9")
def digits_images():
    images, labels = _ns()["images"], _ns()["labels"]
    assert images.shape == (1797, 8, 8) and images.min() == 0 and images.max() == 16
    assert list(np.unique(labels)) == list(range(10))


@claim(L, "widget-intro", "the **vertical-edge** kernel lights up the left and right edges of "
       "a stroke with opposite signs; the horizontal one the top and bottom")
def sobel_kernels_find_edges_with_opposite_signs():
    for digit in range(10):  # "change the digit: the same kernel finds the same kind of edge"
        vertical = _state("vertical edges (Sobel)", digit)
        image, fmap = vertical["image"], vertical["feature_map"]
        left_to_right = image[1:-1, 2:] - image[1:-1, :-2]  # > 0 at a left edge of ink
        assert fmap.min() < 0 < fmap.max()
        assert _correlation(fmap, left_to_right) < -0.8, digit
        horizontal = _state("horizontal edges (Sobel)", digit)
        top_to_bottom = image[2:, 1:-1] - image[:-2, 1:-1]  # > 0 at a top edge of ink
        hmap = horizontal["feature_map"]
        assert hmap.min() < 0 < hmap.max()
        assert _correlation(hmap, top_to_bottom) < -0.8, digit


@claim(L, "widget-intro", "change the digit: the same kernel finds the same kind of edge "
       "everywhere")
def same_kernel_same_edges_on_every_digit():
    sobel_kernels_find_edges_with_opposite_signs()


@claim(L, "widget-intro", "**blur** averages, **sharpen** exaggerates differences, "
       "**identity** copies the centre 6x6 of the digit")
def blur_sharpen_identity():
    blur = _state("blur (box)")
    image = blur["image"]
    windows = np.lib.stride_tricks.sliding_window_view(image, (3, 3)).mean(axis=(2, 3))
    np.testing.assert_allclose(blur["feature_map"], windows)
    sharpen = _state("sharpen")
    centre = image[1:-1, 1:-1]
    assert np.ptp(sharpen["feature_map"]) > np.ptp(centre)
    assert np.std(np.diff(sharpen["feature_map"], axis=1)) > np.std(np.diff(centre, axis=1))
    np.testing.assert_allclose(_state("identity")["feature_map"], centre)


@claim(L, "keras-check", "Keras' `Conv2D` computes exactly this")
def keras_conv2d_agrees():
    ns = _ns()
    assert ns["keras_map"].shape == (6, 6)
    assert np.max(np.abs(ns["keras_map"] - ns["conv2d"](ns["images"][0], ns["sobel"]))) < 1e-5


@claim(L, "pool-intro", "a 7x7 map also becomes 3x3, because the leftover row and column that "
       "do not fill a whole window are dropped (Keras' `MaxPooling2D` with its default "
       "`padding=\"valid\"` does the same)")
def seven_by_seven_pools_to_three_by_three():
    ns = _ns()
    keras = ns["keras"]
    X = np.random.default_rng(0).normal(size=(7, 7))
    ours = ns["max_pool2d"](X, 2)
    theirs = keras.ops.convert_to_numpy(
        keras.layers.MaxPooling2D(2)(X[np.newaxis, :, :, np.newaxis].astype("float32")))
    assert ours.shape == (3, 3) and ns["max_pool2d"](X[:6, :6], 2).shape == (3, 3)
    np.testing.assert_allclose(theirs[0, :, :, 0], ours, rtol=1e-6)


@claim(L, "pool-intro", "the map shrinks by a **factor** of `size` in each direction")
def pooling_divides_the_size():
    pool = _ns()["max_pool2d"]
    X = np.random.default_rng(0).normal(size=(6, 12))
    assert pool(X, 2).shape == (3, 6) and pool(X, 3).shape == (2, 4) and pool(X, 6).shape == (1, 2)


@claim(L, "pool-intro", "A 6x6 map pooled with size 2 becomes 3x3")
def six_by_six_pools_to_three_by_three():
    assert _ns()["max_pool2d"](np.ones((6, 6)), 2).shape == (3, 3)


@claim(L, "ex-pool", "entry `[i, a, j, b]` of the result is `X[i*size + a, j*size + b]`, so "
       "axes 1 and 3 (`a`, `b`) run inside a window and axes 0 and 2 (`i`, `j`) pick the "
       "window. Take the maximum over `axis=(1, 3)`; over axes 2 and 3 each entry would be "
       "the maximum of a whole row instead.")
def pooling_reshape_axes():
    ns = _ns()
    size, rows, cols = 2, 3, 4
    X = np.random.default_rng(0).normal(size=(rows * size, cols * size))
    blocks = X.reshape(rows, size, cols, size)
    for i, a, j, b in np.ndindex(blocks.shape):
        assert blocks[i, a, j, b] == X[i * size + a, j * size + b]
    np.testing.assert_array_equal(blocks.max(axis=(1, 3)), ns["max_pool2d"](X, size))
    wrong = blocks.max(axis=(2, 3))
    np.testing.assert_array_equal(wrong.ravel(), X.max(axis=1))


def _layer_input_shape_cnn(keras):
    return keras.Sequential([
        keras.layers.Conv2D(16, 3, activation="relu", input_shape=(8, 8, 1)),
        keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax")])


@claim(L, "ex-build-cnn", "Keras 3 still builds the model, but warns against it (\"Do not pass "
       "an `input_shape`/`input_dim` argument to a layer\")")
def layer_input_shape_builds_but_warns():
    keras = _ns()["keras"]
    assert int(keras.__version__.split(".")[0]) >= 3, keras.__version__
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = _layer_input_shape_cnn(keras)
    texts = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert any("Do not pass an `input_shape`/`input_dim` argument to a layer" in t
               for t in texts), texts
    out = keras.ops.convert_to_numpy(model(np.zeros((2, 8, 8, 1), dtype="float32")))
    assert out.shape == (2, 10)


@claim(L, "ex-build-cnn", "This course's setup cell hides Keras' warnings, so you would not "
       "see it; the test below checks for it.")
def setup_hides_the_warning_and_the_test_catches_it():
    from nncourse.keras_env import quiet

    ns = _ns()
    keras = ns["keras"]
    assert "from nncourse.keras_env import keras" in cell_text(L, "setup")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet()  # what importing nncourse.keras_env does in the setup cell
        _layer_input_shape_cnn(keras)
    assert not caught, [str(w.message) for w in caught]
    test = cell_text(L, "test_build_cnn")
    assert 'warnings.simplefilter("always")' in test and '"input_shape" in str' in test
    namespace = dict(ns, build_cnn=lambda shape, n: _layer_input_shape_cnn(keras))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            quiet()  # the notebook's filters: the learner's call itself shows no warning
            exec(compile(test, "<test_build_cnn>", "exec"), namespace)
    except AssertionError as exc:
        assert "build_cnn passes input_shape= to a layer, the Keras 2 style" in str(exc), exc
    else:
        raise AssertionError("test_build_cnn passed a model built with input_shape=")


@claim(L, "cnn-intro", "16 kernels of 3x3x1, + 16 biases = 160")
def table_weight_counts():
    ns = _ns()
    cnn = ns["cnn"]
    counts = [layer.count_params() for layer in cnn.layers]
    assert counts[0] == 160 and counts[-1] == 1450, counts
    assert cnn.layers[-1].output.shape[1:] == (10,)


@claim(L, "cnn-read", "Above 95% with about 1,600 weights; an MLP with a single hidden layer "
       "of 64 units on the same 64 pixels already has 4,810")
def cnn_accuracy_and_weights():
    ns = _ns()
    keras = ns["keras"]
    assert ns["test_accuracy"] > 0.95, ns["test_accuracy"]
    assert 1550 <= ns["cnn"].count_params() <= 1650, ns["cnn"].count_params()
    mlp = keras.Sequential([keras.Input(shape=(64,)), keras.layers.Dense(64),
                            keras.layers.Dense(10)])
    assert mlp.count_params() == 4810


@claim(L, "rnn-read", "The small RNN's error is about a tenth of the baseline's")
def rnn_a_tenth_of_the_baseline():
    ns = _ns()
    mse = np.mean((ns["predicted"] - ns["y_seq_test"]) ** 2)
    assert 0.05 < mse / ns["baseline"] < 0.15, mse / ns["baseline"]


@claim(L, "ex-recon", "`np.mean(..., axis=tuple(range(1, X.ndim)))` (for images that is "
       "`axis=(1, 2)`), or flatten each sample first, `(...).reshape(len(X), -1)`, then "
       "average over `axis=1`")
def two_ways_to_average_per_sample():
    squared = np.random.default_rng(0).normal(size=(5, 8, 8)) ** 2
    assert tuple(range(1, squared.ndim)) == (1, 2)
    by_axes = np.mean(squared, axis=tuple(range(1, squared.ndim)))
    flat = squared.reshape(len(squared), -1).mean(axis=1)
    np.testing.assert_allclose(by_axes, flat)
    assert by_axes.shape == (5,)


def _flag_rate(batch) -> float:
    ns = _ns()
    return float(np.mean(ns["reconstruction_errors"](ns["autoencoder"], batch) > ns["threshold"]))


@claim(L, "anomaly-intro", "by construction about 1% of normal inputs are flagged (false "
       "alarms)")
def about_one_percent_false_alarms():
    ns = _ns()
    assert 0.005 <= _flag_rate(ns["X_normal"]) <= 0.015
    assert _flag_rate(ns["X_new"]) <= 0.03, _flag_rate(ns["X_new"])


@claim(L, "anomaly-read", "Most noisy scans are caught")
def most_noisy_scans_caught():
    assert _flag_rate(_ns()["noisy"]) > 0.5, _flag_rate(_ns()["noisy"])


@claim(L, "anomaly-read", "Upside-down digits are harder: a 0, 1 or 8 turned over is still a "
       "plausible digit, and the autoencoder rebuilds it well")
def upside_down_is_harder():
    ns = _ns()
    overall = _flag_rate(ns["upside_down"])
    assert overall < _flag_rate(ns["noisy"])
    for digit in (0, 1, 8):
        rate = np.mean(ns["flagged"][ns["y_new"] == digit])
        assert rate < 0.1 and rate < overall / 2, (digit, rate, overall)


@claim(L, "summary", "reads 8x8 digits above 95% with about 1,600 weights")
def summary_cnn():
    cnn_accuracy_and_weights()
