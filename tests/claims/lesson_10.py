"""Claims of lesson 10 (architectures): what its kernels, networks and detectors show."""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from claims import cell_text, claim, lesson_namespace, run_source
from nncourse.selfcheck import question
from nncourse.widgets.convolution import (
    KERNEL_NAMES,
    PRESETS,
    kernel_explorer,
    kernel_state,
    output_size,
)

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


@claim(L, "title", "build a small convolutional network (CNN) in Keras that reads 8x8 digits: "
       "90% right is the bar, and the lesson's own model is right better than 95% of the time")
def cnn_above_95_percent_title():
    assert _ns()["test_accuracy"] > 0.95, _ns()["test_accuracy"]
    assert "expect(accuracy >= 0.9" in cell_text(L, "test_build_cnn_hidden")


@claim(L, "in-the-loop", "a loss that suits the task (mean squared error for the RNN's next "
       "value and the autoencoder, cross-entropy for the classifiers), its gradient by "
       "backpropagation, an update by the optimizer, whether `fit` runs the loop or "
       "`train_on_batch` takes one step at a time, as for the GAN (two such loops in turn)")
def every_model_trains_with_a_loss_that_suits_it():
    ns = _ns()
    assert ns["rnn"].loss == "mse" and ns["autoencoder"].loss == "mse"
    assert ns["cnn"].loss == "sparse_categorical_crossentropy"
    assert ns["discriminator"].loss == ns["gan"].loss == "binary_crossentropy"
    assert "binary_crossentropy" in cell_text(L, "long-memory")
    assert "crossentropy" in str(ns["text_model"].loss)
    gan = cell_text(L, "gan-train")
    assert "discriminator.train_on_batch(" in gan and "gan.train_on_batch(" in gan
    for cell in ("cnn-train", "rnn", "ae-train", "long-memory"):
        assert ".fit(" in cell_text(L, cell), cell


@claim(L, "title", "each training cell prints how long it took")
def every_training_cell_prints_its_time():
    ns = _ns()
    trained = [ns["cnn"], ns["rnn"], ns["autoencoder"]]
    assert all(model.optimizer is not None for model in trained)
    for cell in ("cnn-train", "rnn", "ae-train", "long-memory", "gan-train", "text"):
        source = cell_text(L, cell)
        assert ".fit(" in source or ".train_on_batch(" in source, cell
        assert "perf_counter() - start" in source, cell
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


@claim(L, "widget-intro", "the digit (an orange frame marks its 8x8 edge, which matters once "
       "padding comes in, below)")
def orange_frame_on_the_unpadded_digit():
    panel = _ns()["kernel_explorer"]()
    assert panel.controls["padding"].value == 0
    frame = panel.live.frame
    assert frame.get_visible() and frame in panel.live.axes[0].patches
    assert frame.get_edgecolor()[:3] == _orange()
    assert frame.get_xy() == (-0.5, -0.5) and (frame.get_width(), frame.get_height()) == (8, 8)
    # on the panel's edge, drawn over its spines
    assert all(frame.get_zorder() > spine.get_zorder()
               for spine in panel.live.axes[0].spines.values())
    assert np.asarray(panel.live.image_art.get_array()).shape == (8, 8)


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


@claim(L, "keras-check", "Keras' `Conv2D` computes exactly this. Below, a `Conv2D` layer with "
       "one 3x3 filter and no bias gets the explorer's vertical-edge (Sobel) kernel as its "
       "weights")
def keras_conv2d_agrees():
    ns = _ns()
    np.testing.assert_array_equal(ns["sobel"], PRESETS["vertical edges (Sobel)"])
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


@claim(L, "ex-build-cnn", "then `keras.layers.Flatten()`, which turns the last feature maps "
       "into one vector per image (the table above: `(3, 3, 16)` becomes `(144,)`), because "
       "`Dense` works on the last axis only")
def flatten_needed_before_dense():
    keras = _ns()["keras"]
    table = cell_text(L, "cnn-intro")
    assert "| (3, 3, 16) |" in table and "| `Flatten()` | (144,) |" in table
    x = np.zeros((2, 8, 8, 1), dtype="float32")
    layers = [keras.Input(shape=(8, 8, 1)), keras.layers.Conv2D(16, 3, activation="relu"),
              keras.layers.MaxPooling2D(2)]
    without = keras.Sequential([*layers, keras.layers.Dense(10, activation="softmax")])
    assert keras.ops.convert_to_numpy(without(x)).shape == (2, 3, 3, 10)
    flat = keras.Sequential([*layers[1:], keras.layers.Flatten()])
    assert keras.ops.convert_to_numpy(flat(x)).shape == (2, 144)


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


@claim(L, "ex-build-cnn", "This course's setup cell imports Keras through `nncourse.keras_env`, "
       "which hides Keras' warnings, so you would not see it; the test below checks for it.")
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


@claim(L, "ex-conv-output-size", "the tests check that a `ValueError` is raised, not its wording")
def conv_output_size_message_is_not_graded():
    ns = _ns()
    right = ns["conv_output_size"]

    def terse(n, k, stride=1, padding=0):
        if k > n + 2 * padding:
            raise ValueError("no")
        return right(n, k, stride, padding)

    namespace = dict(ns, conv_output_size=terse)
    for test in ("test_conv_output_size", "test_conv_output_size_hidden"):
        run_source(cell_text(L, test), namespace, f"{L}:{test}")


@claim(L, "ex-recon", "`predict` returns a numpy array, where calling the model directly, as "
       "the CNN section does, returns a Keras tensor")
def predict_gives_numpy_a_call_a_tensor():
    ns = _ns()
    X = ns["X_normal"][:3]
    assert isinstance(ns["autoencoder"].predict(X, verbose=0), np.ndarray)
    assert not isinstance(ns["autoencoder"](X), np.ndarray)


@claim(L, "cnn-intro", "16 kernels of 3x3x1, + 16 biases = 160")
def table_weight_counts():
    ns = _ns()
    cnn = ns["cnn"]
    counts = [layer.count_params() for layer in cnn.layers]
    assert counts[0] == 160 and counts[-1] == 1450, counts
    assert cnn.layers[-1].output.shape[1:] == (10,)


@claim(L, "cnn-train-intro", "As in lesson 09, the test accuracy comes from calling the trained "
       "model directly, `cnn(X_test, training=False)`")
def cnn_scored_by_a_direct_call():
    ns = _ns()
    assert "cnn(X_test, training=False)" in cell_text(L, "cnn-train")
    predicted = ns["cnn"].predict(ns["X_test"], verbose=0).argmax(axis=1)
    assert ns["test_accuracy"] == np.mean(predicted == ns["y_test"]), ns["test_accuracy"]


@claim(L, "cnn-train-intro", "The cell warns when your model reads fewer than 90% of the "
       "held-out digits (and says so when it reads fewer than the table's 95%): the hidden test "
       "trains it the same way, on another split, and expects at least 90%.")
def cnn_train_warns_below_the_hidden_tests_bar():
    ns = _ns()
    keras = ns["keras"]
    source = cell_text(L, "cnn-train")
    hidden = cell_text(L, "test_build_cnn_hidden")
    for same in ("epochs=5, batch_size=32", "Adam(learning_rate=0.01)", "test_size=0.25",
                 "stratify=labels", "/ 16.0", "set_random_seed(0)", "training=False"):
        assert same in source and same in hidden, same
    assert "random_state=0" in source and "random_state=1" in hidden
    assert "expect(accuracy >= 0.9" in hidden and "if test_accuracy < 0.9:" in source
    assert "elif test_accuracy < 0.95:" in source

    def run(build_cnn) -> str:
        return run_source(source, dict(ns, build_cnn=build_cnn), f"{L}:cnn-train")

    table = run(ns["build_cnn"])  # the table's model, above 95%: nothing to say
    assert "Warning" not in table and "below the 95%" not in table, table

    def pooled_everywhere(input_shape, n_classes):  # meets exercise 4; reads too little
        return keras.Sequential([
            keras.Input(shape=input_shape), keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(n_classes, activation="softmax")])

    printed = run(pooled_everywhere)
    accuracy = float(printed.split("test accuracy ")[1].split()[0])
    assert accuracy < 0.9 and "Warning: below 0.9" in printed, printed


@claim(L, "gan", "The samples shown before and after training come from calling `generator` "
       "directly")
def gan_samples_from_direct_calls():
    source = cell_text(L, "gan-train")
    assert source.count("generator(z_show, training=False)") == 2, source


@claim(L, "cnn-read", "The table's model reads above 95% with about 1,600 weights (yours "
       "prints its own figures); an MLP with a single hidden layer of 64 units on the same 64 "
       "pixels already has 4,810")
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


@claim(L, "anomaly-read", "Flipped digits are harder: a 0, 1 or 8 flipped top to bottom is "
       "still the same digit, a 3 nearly so, and the autoencoder rebuilds them well")
def flipped_is_harder():
    ns = _ns()
    np.testing.assert_array_equal(ns["flipped"].reshape(-1, 8, 8)[:, 0],
                                  ns["X_new"].reshape(-1, 8, 8)[:, -1])  # the rows reversed
    overall = _flag_rate(ns["flipped"])
    assert overall < _flag_rate(ns["noisy"])
    rates = {digit: np.mean(ns["flagged"][ns["y_new"] == digit]) for digit in range(10)}
    for digit in (0, 1, 8):
        assert rates[digit] < 0.1 and rates[digit] < overall / 2, (digit, rates, overall)
    assert rates[3] < overall and rates[3] == sorted(rates.values())[3], rates  # next best


@claim(L, "summary", "reads 8x8 digits above 95% with about 1,600 weights")
def summary_cnn():
    cnn_accuracy_and_weights()


# ---- issue 10: stride and padding, learned kernels, RNNs, LSTM, GAN, text ----------------


@claim(L, "self-check-conv-size", 'self_check("10.conv-size")')
def conv_size_self_check():
    ns = _ns()
    answer = question("10.conv-size").answer
    assert answer == ns["conv_output_size"](8, 3, stride=2, padding=1) == 4
    panel = ns["kernel_explorer"](stride=2, padding=1)
    assert panel.state["feature_map"].shape == (answer, answer)


@claim(L, "stride-padding", "Keras' `padding=\"same\"` picks the padding that, at stride 1, "
       "keeps the output as large as the input: $p = 1$ for a 3x3 kernel")
def same_padding_is_one_for_three_by_three():
    keras = _ns()["keras"]
    layer = keras.layers.Conv2D(1, 3, padding="same")
    out = layer(np.zeros((1, 8, 8, 1), dtype="float32"))
    assert tuple(out.shape) == (1, 8, 8, 1) and output_size(8, 3, 1, 1) == 8
    valid = keras.layers.Conv2D(1, 3)(np.zeros((1, 8, 8, 1), dtype="float32"))
    assert tuple(valid.shape)[1] == output_size(8, 3, 1, 0)


@claim(L, "stride-padding", "Stride 2 computes every second window, so the map comes out "
       "about half as wide")
def stride_two_halves():
    ns = _ns()
    for n in (8, 28, 32, 224):
        assert abs(ns["conv_output_size"](n, 3, 2, 1) - n / 2) <= 1
    fmap = ns["conv2d"](np.pad(ns["images"][0], 1), ns["sobel"])
    state = ns["kernel_explorer"]("vertical edges (Sobel)", stride=2, padding=1).state
    np.testing.assert_allclose(state["feature_map"], fmap[::2, ::2])


@claim(L, "stride-padding", "With $p = 0$ and $s = 1$ this is the $n - k + 1$ of the valid "
       "convolution above")
def formula_reduces_to_valid():
    ns = _ns()
    for n in range(3, 12):
        for k in range(1, n + 1):
            assert ns["conv_output_size"](n, k) == n - k + 1
            assert ns["conv2d"](np.ones((n, n)), np.ones((k, k))).shape[0] == n - k + 1


@claim(L, "stride-widget-intro", "In the digit panel an orange frame outlines the original 8x8 "
       "digit; the white border outside the frame is the padding: zeros, white like the "
       "digit's background because both are 0. The readout under the picture (in a running "
       "notebook) states the output size and the formula that gives it.")
def stride_widget_shows_padding_and_size():
    source = cell_text(L, "stride-widget")
    assert source.strip() == "kernel_explorer(stride=2, padding=1)"
    panel = _ns()["kernel_explorer"](stride=2, padding=1)
    image = np.asarray(panel.live.image_art.get_array())
    frame = panel.live.frame
    assert frame in panel.live.axes[0].patches and not frame.get_fill()
    assert frame.get_edgecolor()[:3] == _orange()
    # the frame's edges run between pixels 0|1 and 8|9 of the 10x10 padded digit
    assert frame.get_xy() == (0.5, 0.5) and (frame.get_width(), frame.get_height()) == (8, 8)
    inside = np.zeros(image.shape, dtype=bool)
    inside[1:9, 1:9] = True
    assert image.shape == (10, 10) and not np.any(image[~inside])
    np.testing.assert_array_equal(image[inside].reshape(8, 8), panel.state["image"])
    assert panel.state["image"].min() == 0  # the background is 0 too: drawn white alike
    cmap, norm = panel.live.image_art.get_cmap(), panel.live.image_art.norm
    assert cmap(norm(0.0)) == cmap(norm(image[0, 0]))
    assert min(cmap(norm(0.0))[:3]) > 0.95  # white
    assert "(8 + 2*1 - 3) // 2 + 1 = <b>4</b>" in panel.readout.value
    assert panel.children[-2:] == (panel.live.image, panel.readout)  # under the picture


def _orange() -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb("tab:orange")


@claim(L, "widget-intro", "what a CNN passes on: the feature map after ReLU and 2x2 max "
       "pooling, drawn on the feature map's colour scale (ReLU leaves no blue)")
def pooled_panel_on_the_maps_colour_scale():
    panel = kernel_explorer()
    for stride, padding in ((1, 0), (2, 1), (3, 0), (3, 2)):
        panel.controls["stride"].value, panel.controls["padding"].value = stride, padding
        state = panel.state
        fmap, pooled = state["feature_map"], state["pooled"]
        expected = np.maximum(fmap, 0)[:len(pooled) * 2, :len(pooled) * 2]
        expected = expected.reshape(len(pooled), 2, len(pooled), 2).max(axis=(1, 3))
        np.testing.assert_allclose(pooled, expected)
        assert panel.live.pool_art.get_clim() == panel.live.map_art.get_clim()
        assert panel.live.pool_art.get_cmap().name == panel.live.map_art.get_cmap().name
        low, _high = panel.live.map_art.get_clim()
        assert pooled.min() >= 0 > low  # nothing in the blue half of the scale


@claim(L, "cnn-kernels-intro", "The first `Conv2D` layer holds one kernel per filter on its one "
       "input channel: 16 kernels of 3x3 weights in the table's model")
def kernel_picture_draws_the_learners_own_first_conv2d():
    """The table's model has 16 kernels of 3x3; another model that meets exercise 4 (a
    layer before its first Conv2D, 7 filters of 5x5) draws its own, without an error."""
    ns = _ns()
    assert ns["learned"].shape == (3, 3, 16)
    keras = ns["keras"]
    other = dict(ns, cnn=keras.Sequential([
        keras.Input(shape=(8, 8, 1)), keras.layers.Rescaling(1.0),
        keras.layers.Conv2D(7, 5, activation="relu"), keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax")]))
    run_source(cell_text(L, "cnn-kernels"), other, f"{L}:cnn-kernels, another model")
    assert other["learned"].shape == (5, 5, 7)
    fig = other["fig"]
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == 7 and len(fig.axes) == 9, fig.axes  # 8 places and the colour bar
    fig.canvas.draw()  # the figure's title clear of the kernels' titles, on one row too
    renderer = fig.canvas.get_renderer()
    title = fig._suptitle.get_window_extent(renderer)
    assert all(ax.title.get_window_extent(renderer).y1 <= title.y0 for ax in drawn)
    other["plt"].close(fig)


@claim(L, "cnn-kernels-read", "Look for kernels like the horizontal-edge preset or its negative: "
       "a row of positive weights above a row of negative ones. The table's model, trained "
       "with this seed, has a few; many others show no clean pattern.")
def learned_kernels_few_edges_many_noisy():
    learned = _ns()["learned"]
    assert learned.shape == (3, 3, 16)
    presets = [p for p in PRESETS.values() if np.std(p) > 0]
    horizontal = PRESETS["horizontal edges (Sobel)"]
    edges = [f for f in range(16) if abs(_correlation(learned[:, :, f], horizontal)) > 0.8]
    noisy = [f for f in range(16)
             if max(abs(_correlation(learned[:, :, f], p)) for p in presets) < 0.6]
    assert 2 <= len(edges) <= 8, edges
    for f in edges:  # one row against the opposite row
        rows = learned[:, :, f].sum(axis=1) * np.sign(_correlation(learned[:, :, f], horizontal))
        assert rows[0] > 0 > rows[2], (f, rows)
    assert len(noisy) >= 4, noisy


@claim(L, "keras-rnn-check", "Keras computes in float32 (lesson 07) and your `rnn_forward` in "
       "float64, so expect a largest difference below 1e-6, not 0. (Keras' `Conv2D` above agreed "
       "exactly: the digits and the Sobel weights are small integers, and every product and sum "
       "of them is exact in float32 too.)")
def float32_rnn_close_integer_conv_exact():
    ns = _ns()
    difference = np.max(np.abs(ns["keras_states"] - ns["our_states"]))
    assert 0 < difference < 1e-6, difference
    assert ns["keras_states"].dtype == np.float32 and ns["our_states"].dtype == np.float64
    assert np.max(np.abs(ns["keras_map"] - ns["conv2d"](ns["images"][0], ns["sobel"]))) == 0
    assert np.array_equal(ns["sobel"], ns["sobel"].astype(int))
    assert np.array_equal(ns["images"], ns["images"].astype(int))


@claim(L, "keras-rnn-check", "Keras' `SimpleRNN` computes the same recurrence, from $h_0 = 0$")
def simple_rnn_agrees():
    ns = _ns()
    assert ns["keras_states"].shape == ns["our_states"].shape == (4, 6, 5)
    assert np.max(np.abs(ns["keras_states"] - ns["our_states"])) < 1e-5
    assert "np.zeros((4, 5))" in cell_text(L, "keras-rnn")


@claim(L, "self-check-long-memory", 'self_check("10.long-memory")')
def long_memory_self_check():
    accuracy = _ns()["long_accuracy"]
    q = question("10.long-memory")
    assert q.options[q.answer].startswith("the SimpleRNN near chance (0.5), the LSTM close")
    assert abs(np.mean(_ns()["y_long_test"]) - 0.5) < 0.05  # chance is 0.5
    assert abs(accuracy["SimpleRNN"] - 0.5) < 0.05, accuracy
    assert accuracy["LSTM"] > 0.97, accuracy  # "right almost every time" in the explanation
    assert "8 units" in q.prompt and "8 epochs" in q.prompt and "seed 0" in q.prompt
    assert "set_random_seed(0)" in cell_text(L, "long-memory")
    assert "sometimes learns the task too" in q.why  # simple_rnn_learns_with_another_seed
    source = cell_text(L, "long-memory")
    assert "recurrent(8)" in source and "epochs=8" in source


@claim(L, "long-memory-read", "With this seed the `SimpleRNN` stays near chance (50 %), while "
       "the `LSTM` is right almost every time")
def simple_rnn_at_chance_lstm_learns():
    accuracy = _ns()["long_accuracy"]
    assert abs(accuracy["SimpleRNN"] - 0.5) < 0.06 and accuracy["LSTM"] > 0.97, accuracy


@claim(L, "long-memory-read", "with `keras.utils.set_random_seed(2)` in place of 0, the "
       "`SimpleRNN` learns the task too")
def simple_rnn_learns_with_another_seed():
    """The lesson's cell with seed 2, as a student would edit it (the SimpleRNN alone)."""
    cell = cell_text(L, "long-memory")
    edited = cell.replace("keras.utils.set_random_seed(0)", "keras.utils.set_random_seed(2)"
                          ).replace(', ("LSTM", keras.layers.LSTM)', "")
    assert edited.count("set_random_seed(2)") == 1 and "LSTM" not in edited.split("for ")[1]
    ns = dict(_ns())
    run_source(edited, ns, f"{L}:long-memory, seed 2")
    assert ns["long_accuracy"] == {"SimpleRNN": ns["long_accuracy"]["SimpleRNN"]}
    assert ns["long_accuracy"]["SimpleRNN"] > 0.9, ns["long_accuracy"]


@claim(L, "long-memory-intro", "The 19 steps after it are loud noise (standard deviation 2) "
       "that says nothing about the label")
def long_task_data():
    ns = _ns()
    X, y = ns["X_long"], ns["y_long"]
    assert X.shape == (1000, 20, 1) and ns["X_long_test"].shape == (500, 20, 1)
    np.testing.assert_array_equal(X[:, 0, 0], 2 * y - 1)
    assert 1.9 < X[:, 1:].std() < 2.1
    assert abs(np.corrcoef(X[:, 1:, 0].mean(axis=1), y)[0, 1]) < 0.1


@claim(L, "gan-read", "Before training, the generator's outputs are far from the data, with a "
       "mean of about -0.5, wherever its random weights put them. After 200 steps their mean "
       "is within 0.1 of 3")
def gan_mean_moves_to_three():
    ns = _ns()
    assert abs(ns["before"].mean() + 0.5) < 0.1, ns["before"].mean()
    assert abs(ns["after"].mean() - 3.0) < 0.1, ns["after"].mean()
    assert "range(200)" in cell_text(L, "gan-train")


@claim(L, "gan-read", "Their spread, though, went the wrong way: from about 0.53 before "
       "training to about 0.67 after, further from the real 0.5. After 200 steps the "
       "generator has the centre of the data right, not yet its width.")
def gan_spread_grew():
    before, after = _ns()["before"].std(), _ns()["after"].std()
    assert abs(before - 0.53) < 0.015 and abs(after - 0.67) < 0.015, (before, after)
    assert abs(after - 0.5) > abs(before - 0.5) + 0.1, (before, after)
    assert abs(_ns()["after"].mean() - 3.0) < 0.1


@claim(L, "gan", "`predict_on_batch` returns the model's outputs for it, and "
       "`train_on_batch` takes one training step on it")
def on_batch_methods():
    ns = _ns()
    generator, gan = ns["generator"], ns["gan"]
    z = np.random.default_rng(6).normal(size=(8, 4))
    np.testing.assert_allclose(generator.predict_on_batch(z), generator.predict(z, verbose=0),
                               rtol=1e-5, atol=1e-6)
    saved = [w.copy() for w in generator.get_weights()]
    iterations = int(gan.optimizer.iterations)
    gan.train_on_batch(z, np.ones((8, 1)))
    assert int(gan.optimizer.iterations) == iterations + 1
    for w, value in zip(generator.weights, saved, strict=True):  # restore the lesson's state
        w.assign(value)
    assert "predict_on_batch(" in cell_text(L, "gan-train")


@claim(L, "gan", "`discriminator.trainable = False` during the generator's step keeps $D$'s "
       "weights fixed while the gradient flows through it")
def gan_step_leaves_the_discriminator_alone():
    ns = _ns()
    gan, generator, discriminator = ns["gan"], ns["generator"], ns["discriminator"]
    d_before = [w.copy() for w in discriminator.get_weights()]
    g_before = [w.copy() for w in generator.get_weights()]
    discriminator.trainable = False
    gan.train_on_batch(np.random.default_rng(5).normal(size=(16, 4)), np.ones((16, 1)))
    d_after, g_after = discriminator.get_weights(), generator.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(d_before, d_after, strict=True))
    assert any(not np.array_equal(a, b) for a, b in zip(g_before, g_after, strict=True))
    for w, saved in zip(generator.weights, g_before, strict=True):  # restore the lesson's state
        w.assign(saved)


@claim(L, "text-read", "The model is right on all twelve training sentences, and it calls "
       "the new sentence \"what a wonderful film\" pleased and \"a boring and terrible plot\" "
       "unhappy")
def text_model_predictions():
    ns = _ns()
    model, encode = ns["text_model"], ns["encode"]
    assert len(ns["sentences"]) == 12
    train = model.predict(encode(ns["sentences"]), verbose=0)[:, 0]
    np.testing.assert_array_equal(train > 0.5, ns["text_labels"] == 1)
    assert ns["new_sentences"] == ["what a wonderful film", "a boring and terrible plot"]
    new = model.predict(encode(ns["new_sentences"]), verbose=0)[:, 0]
    assert new[0] > 0.5 > new[1], new


@claim(L, "text-read", "Twelve sentences teach it nothing about a word it has never seen "
       "(`encode` drops it), and an average ignores word order: \"a great film but a boring "
       "story\" and \"a boring film but a great story\" get the same prediction")
def text_unknown_words_and_order():
    ns = _ns()
    model, encode, vocabulary = ns["text_model"], ns["encode"], ns["vocabulary"]
    assert "zzz" not in vocabulary and "but" not in vocabulary
    np.testing.assert_array_equal(encode(["i love this film zzz"]), encode(["i love this film"]))
    a, b = model.predict(encode(["a great film but a boring story",
                                "a boring film but a great story"]), verbose=0)[:, 0]
    assert abs(a - b) < 1e-6, (a, b)
    swapped = model.predict(encode(["film this love i", "i love this film"]), verbose=0)[:, 0]
    assert abs(swapped[0] - swapped[1]) < 1e-6


@claim(L, "title", "train a tiny generative adversarial network (GAN) and a tiny text "
       "classifier")
def title_gan_and_text_trained():
    for cell in ("gan-train", "text"):
        source = cell_text(L, cell)
        assert "train_on_batch(" in source or ".fit(" in source, cell
        assert "trained in" in source and "perf_counter() - start" in source, cell


@claim(L, "ex-rnn-forward", "the input of step `t` (counting from 0) is `X[:, t]`, of shape "
       "`(n, d)`, one row per sequence")
def step_t_reads_a_column_of_x():
    ns = _ns()
    X = np.arange(24.0).reshape(2, 4, 3)  # n = 2, T = 4, d = 3
    assert X[:, 1].shape == (2, 3)
    np.testing.assert_array_equal(X[:, 1], [X[0, 1], X[1, 1]])
    Wx, Wh, b = np.full((3, 2), 0.01), np.eye(2) * 0.5, np.zeros(2)
    states = ns["rnn_forward"](X, np.zeros((2, 2)), Wx, Wh, b)
    np.testing.assert_allclose(states[:, 0], ns["rnn_step"](X[:, 0], np.zeros((2, 2)), Wx, Wh, b))


@claim(L, "summary", "an **LSTM**'s gates let it carry information over many steps, where a "
       "`SimpleRNN` may lose it")
def summary_lstm():
    simple_rnn_at_chance_lstm_learns()
