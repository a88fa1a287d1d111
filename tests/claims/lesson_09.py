"""Claims of lesson 09 (training pitfalls): what its measurements and training runs show."""

from __future__ import annotations

import functools
import importlib.util
import inspect

import numpy as np

from claims import claim, lesson_namespace
from nncourse.widgets import pitfalls
from nncourse.widgets.pitfalls import INITS, gradient_norm_explorer, gradient_norm_state

L = "09_training_pitfalls"
LN2, LN10 = np.log(2.0), np.log(10.0)


def _ns() -> dict:
    return lesson_namespace(L)


def _default(name: str):
    """A default of the lesson's widget, read from its signature (never restated)."""
    return inspect.signature(gradient_norm_explorer).parameters[name].default


def _width() -> int:
    return inspect.signature(gradient_norm_state).parameters["width"].default


# ---- measuring gradient norms (cell `measure`) ------------------------------------------

@claim(L, "measure-read", "with sigmoid the first layer's gradient is tens of millions of "
       "times smaller than the last one's (vanishing)")
def sigmoid_first_layer_tens_of_millions_smaller():
    norms = _ns()["measured"]["sigmoid", "xavier"]
    assert 1e7 <= norms[-1] / norms[0] < 1e8, norms[-1] / norms[0]


@claim(L, "measure-read", "with tiny weights *every* gradient is tiny, because the "
       "activations themselves shrink to nothing on the way forward")
def tiny_weights_tiny_gradients_dead_activations():
    ns = _ns()
    norms = ns["measured"]["relu", "normal(0, 0.01)"]
    assert np.max(norms) < 1e-10, norms
    params = ns["deep_params"](depth=10, width=32, init="normal(0, 0.01)", n_in=2, seed=0)
    _, cache = ns["mlp_forward"](ns["X_toy"], params, hidden_activation="relu")
    spreads = [A.std() for A in cache["A"][1:-1]]
    assert all(b < a for a, b in zip(spreads, spreads[1:], strict=False)), spreads
    assert spreads[-1] < 1e-10 * spreads[0] * 1e3, spreads


@claim(L, "measure-read", "with $\\mathcal{N}(0, 1)$ weights and tanh the first layer's "
       "gradient is a hundred times the last one's")
def tanh_normal_first_layer_a_hundred_times_larger():
    norms = _ns()["measured"]["tanh", "normal(0, 1)"]
    assert 50 < norms[0] / norms[-1] < 200, norms[0] / norms[-1]


@claim(L, "measure-read", "(the explorer below calls this *growing*, and *exploding* at "
       "depth 20)")
def tanh_normal_growing_then_exploding_in_the_explorer():
    depth = len(_ns()["measured"]["tanh", "normal(0, 1)"]) - 1  # the measured depth (10)
    assert depth == _default("depth"), depth
    state = gradient_norm_state(depth, "tanh", "normal(0, 1)")
    assert state["verdict"].startswith("growing"), state["verdict"]
    assert 50 < state["ratio"] < 200, state["ratio"]  # the same setting as measured above
    assert gradient_norm_state(20, "tanh", "normal(0, 1)")["verdict"].startswith("exploding")


@claim(L, "measure-read", "ReLU with He initialisation keeps every layer within a small factor")
def relu_he_within_a_small_factor():
    norms = _ns()["measured"]["relu", "he"]
    assert np.max(norms) / np.min(norms) < 10, norms


# ---- the explorer's "things to try" (its defaults) --------------------------------------

@claim(L, "widget-intro", "`sigmoid` with any init, then raise the depth: the left end of "
       "the curve sinks")
def sigmoid_left_end_sinks_with_depth():
    depth = _default("depth")
    for init in INITS:
        firsts = [gradient_norm_state(d, "sigmoid", init)["grad_norms"][0]
                  for d in (depth, 2 * depth, pitfalls.MAX_DEPTH)]
        assert firsts[0] > firsts[1] > firsts[2], (init, firsts)


@claim(L, "widget-intro", "The line under the plots gives a verdict from the ratio of "
       "layer 1's $\\lVert dW \\rVert$ to the output layer's: *vanishing* below 1/100, "
       "*growing* above 100, *healthy* in between; but first it says *exploding* when some "
       "gradient is above 1,000, and *vanishing everywhere* when every gradient is below "
       "$10^{-5}$ (and *overflow* when one is not a finite number)")
def verdict_rules():
    def verdict(*norms):
        return pitfalls._verdict(np.array(norms, dtype=float)).split(":")[0]

    assert verdict(0.009, 1.0) == verdict(1e-4, 0.0101) == "vanishing"
    assert verdict(101.0, 1.0) == verdict(1.0, 0.0099) == "growing"
    assert verdict(0.011, 1.0) == verdict(99.0, 1.0) == verdict(1.0, 1.0) == "healthy"
    # exploding before the ratio, whatever it is
    for norms in ((1001.0, 1.0), (1001.0, 1000.0, 2000.0), (1.0, 1001.0), (2.0, 1e-4, 1001.0)):
        assert verdict(*norms) == "exploding", norms
    assert verdict(999.0, 998.0) == "healthy"
    # vanishing everywhere before the ratio, whatever it is
    for norms in ((9e-6, 9e-6), (9e-6, 1e-9), (1e-12, 9e-6), (9e-6, 0.0)):
        assert verdict(*norms) == "vanishing everywhere", norms
    assert verdict(1.1e-5, 1.1e-5) == "healthy"
    for norms in ((np.inf, 1.0), (1.0, np.nan), (1e-9, np.nan), (np.nan, 1e4)):
        assert verdict(*norms) == "overflow", norms


def _sigmoid_verdicts(depths) -> dict:
    """The explorer's verdict word for sigmoid with every init, at each of ``depths``."""
    return {(init, d): gradient_norm_state(d, "sigmoid", init)["verdict"].split(":")[0]
            for init in INITS for d in depths}


@claim(L, "widget-intro", "With `normal(0, 1)` the verdict at depth 10 still reads *healthy* "
       "(layer 1's gradient is about 45 times smaller than the output layer's, within the "
       "factor of 100), but from depth 20 on every init reads *vanishing*")
def sigmoid_normal_one_healthy_at_10_all_vanishing_from_20():
    assert _default("depth") == 10 and pitfalls.MAX_DEPTH >= 20
    state = gradient_norm_state(10, "sigmoid", "normal(0, 1)")
    assert state["verdict"].startswith("healthy"), state["verdict"]
    assert 40 <= round(1 / state["ratio"]) <= 50, 1 / state["ratio"]
    late = _sigmoid_verdicts(range(20, pitfalls.MAX_DEPTH + 1))
    assert all(v == "vanishing" for v in late.values()), late


@claim(L, "widget-intro", "`relu` with `normal(0, 0.01)`: the activations die on the way "
       "forward, so every gradient is tiny")
def relu_tiny_init_kills_activations():
    state = gradient_norm_state(_default("depth"), "relu", "normal(0, 0.01)")
    spreads = state["act_std"][:-1]
    assert np.all(np.diff(spreads) < 0) and spreads[-1] < 1e-12, spreads
    assert state["verdict"].startswith("vanishing everywhere"), state["verdict"]


@claim(L, "widget-intro", "`tanh` or `relu` with `normal(0, 1)` and depth 20: exploding")
def normal_one_explodes_at_depth_20():
    for activation in ("tanh", "relu"):
        state = gradient_norm_state(20, activation, "normal(0, 1)")
        assert state["verdict"].startswith("exploding"), (activation, state["verdict"])


@claim(L, "widget-intro", "`relu` + `he` and `tanh` + `xavier`: flat, even at depth 30")
def he_and_xavier_flat_at_depth_30():
    for activation, init in (("relu", "he"), ("tanh", "xavier")):
        for depth in (_default("depth"), 30):
            state = gradient_norm_state(depth, activation, init)
            assert state["verdict"].startswith("healthy"), (activation, depth, state["verdict"])


@claim(L, "widget-intro", "`relu` + `xavier` at depth 30: the spread of the outputs (right) "
       "sinks layer after layer, and every gradient with it")
def relu_xavier_sinks_at_depth_30():
    state = gradient_norm_state(30, "relu", "xavier")
    assert np.all(np.diff(state["act_std"][:-1]) < 0), state["act_std"]
    assert state["verdict"].startswith("vanishing everywhere"), state["verdict"]


@claim(L, "init", "each ReLU layer halves the signal's variance, so its spread shrinks by a "
       "factor of about $1/\\sqrt{2} \\approx 0.7$ per layer: the sink you saw at depth 30")
def relu_xavier_spread_shrinks_by_about_07():
    state = gradient_norm_state(30, "relu", "xavier", width=_width())
    spreads = state["act_std"][1:-1]  # layers 2..30: n_in = n_out = width
    factor = (spreads[-1] / spreads[0]) ** (1 / (len(spreads) - 1))
    assert 0.6 < factor < 0.8, factor


@claim(L, "init", "In the explorer the large `normal(0, 1)` weights partly make up for the "
       "1/4 (at depth 10 the verdict still reads *healthy*), but from depth 20 on every init "
       "reads *vanishing*")
def sigmoid_in_the_explorer_init_cell():
    width = _width()
    stds = {init: pitfalls.init_std(init, width, width) for init in INITS}
    assert max(stds, key=stds.get) == "normal(0, 1)", stds  # the large weights
    # partly: better than every other init at depth 10, yet still sinking with depth
    ratios = {init: gradient_norm_state(10, "sigmoid", init)["ratio"] for init in INITS}
    assert max(ratios, key=ratios.get) == "normal(0, 1)", ratios
    sigmoid_normal_one_healthy_at_10_all_vanishing_from_20()


# ---- clipping -----------------------------------------------------------------------------

@claim(L, "clip-intro", "This is `tf.clip_by_global_norm`")
def clip_matches_tensorflow():
    import tensorflow as tf

    rng = np.random.default_rng(0)
    grads = [(rng.normal(size=(3, 4)) * 5, rng.normal(size=4)), (rng.normal(size=(4, 1)),
                                                                 rng.normal(size=1))]
    mine, norm = _ns()["clip_by_global_norm"](grads, 1.0)
    theirs, tf_norm = tf.clip_by_global_norm([tf.constant(a) for p in grads for a in p], 1.0)
    assert np.isclose(norm, float(tf_norm))
    for a, b in zip([a for p in mine for a in p], theirs, strict=True):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-6)


@claim(L, "clip-demo-read", "Clipping touched only a few steps")
def clipping_touched_few_steps():
    ns = _ns()
    touched = np.sum(ns["clip_norm"] > 2.0)
    assert 1 <= touched <= 0.05 * len(ns["clip_norm"]), touched


@claim(L, "clip-demo-read", "without it the loss spends a long stretch stuck near "
       "$\\ln 2 \\approx 0.69$ (the network predicts the same probability everywhere) after an "
       "oversized step, and only slowly finds its way back")
def no_clipping_stuck_near_ln2():
    ns = _ns()
    plain, clipped = ns["plain_loss"], ns["clip_loss"]

    def stretches(losses):
        """(length, start) of every run of consecutive steps within 0.01 of ln 2."""
        near = np.append(np.abs(losses - LN2) < 0.01, False)
        found, start = [], None
        for step, flag in enumerate(near):
            if flag and start is None:
                start = step
            elif not flag and start is not None:
                found.append((step - start, start))
                start = None
        return found or [(0, 0)]

    length, start = max(stretches(plain))
    assert length >= 50, length  # a long stretch ...
    assert ns["plain_norm"][max(0, start - 15):start + 1].max() > 2.0  # after an oversized step
    assert max(stretches(clipped))[0] < 10  # the clipped run never gets stuck
    back = np.argmax(plain[start + length:] < 0.4)
    assert back >= 20, back  # and only slowly finds its way back


# ---- batch normalization --------------------------------------------------------------------

@claim(L, "bn-intro", "the exercise below uses $10^{-5}$ (PyTorch's default), while Keras' "
       "`BatchNormalization` layer defaults to `epsilon=1e-3`")
def batchnorm_epsilons():
    ns = _ns()
    assert inspect.signature(ns["batchnorm_forward"]).parameters["eps"].default == 1e-5
    assert ns["keras"].layers.BatchNormalization().epsilon == 1e-3
    if importlib.util.find_spec("torch") is not None:
        import torch

        assert torch.nn.BatchNorm1d(3).eps == 1e-5


@claim(L, "bn-demo-intro", "1,797 small greyscale scans of handwritten digits")
def digits_count():
    assert len(_ns()["digits"].y) == 1797


@claim(L, "bn-demo-intro", "so **10 classes**, 0 to 9")
def digits_classes():
    assert list(np.unique(_ns()["digits"].y)) == list(range(10))


@claim(L, "bn-demo-intro", "`digits.X` stores it as one row of **64 features**")
def digits_features():
    assert _ns()["digits"].X.shape[1] == 64


@claim(L, "bn-demo-intro", "every pixel is an integer from **0 (blank) to 16 (full ink)**")
def digits_pixel_range():
    X = _ns()["digits"].X
    assert X.min() == 0 and X.max() == 16 and np.all(X == np.round(X))


@claim(L, "labels-intro", "`\"sparse_categorical_crossentropy\"`: the same loss, "
       "$-\\frac{1}{n}\\sum_i \\ln p_{i, y_i}$ (minus the log of the probability given to the "
       "true class), with a different label format")
def sparse_equals_one_hot():
    ns = _ns()
    to_np = ns["keras"].ops.convert_to_numpy
    by_hand = -np.log(ns["P3"][np.arange(3), ns["y3"]])
    np.testing.assert_allclose(to_np(ns["sparse_loss"]), by_hand, rtol=1e-6)
    np.testing.assert_allclose(to_np(ns["onehot_loss"]), by_hand, rtol=1e-6)
    np.testing.assert_allclose(to_np(ns["logits_loss"]), by_hand, rtol=1e-5)


@claim(L, "bn-demo-read", "The plain sigmoid stack does not learn at all in 5 epochs: its "
       "loss stays at $\\ln 10 \\approx 2.30$")
def sigmoid_stack_stays_at_ln10():
    losses, accuracy = _ns()["bn_runs"]["sigmoid"]
    assert len(losses) == 5 and np.all(np.abs(np.array(losses) - LN10) < 0.05), losses
    assert accuracy <= 0.15, accuracy


@claim(L, "bn-demo-read", "The same stack with batch normalization learns quickly")
def batchnorm_learns_quickly():
    losses, accuracy = _ns()["bn_runs"]["sigmoid + batch norm"]
    assert losses[-1] < 1.0 and accuracy > 0.8, (losses, accuracy)


@claim(L, "bn-demo-read", "ReLU with He initialisation learns too, more slowly at this "
       "learning rate")
def relu_he_learns_more_slowly():
    runs = _ns()["bn_runs"]
    relu = runs["relu + He init"][0][-1]
    assert runs["sigmoid + batch norm"][0][-1] < relu < LN10 - 0.3, relu


@functools.lru_cache(maxsize=1)
def _relu_batchnorm_run() -> dict:
    """The ReLU stack with batch normalization, trained exactly like the `bn-demo` runs."""
    ns = _ns()
    keras = ns["keras"]
    keras.utils.set_random_seed(0)
    model = ns["deep_digit_net"]("relu", True)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(ns["X_train"], ns["y_train"], epochs=5, batch_size=32, verbose=0)

    def training_mode_accuracy(X, y):
        scores = keras.ops.convert_to_numpy(model(X, training=True))
        return float(np.mean(scores.argmax(axis=1) == y))

    return {"losses": history.history["loss"],
            "test": model.evaluate(ns["X_test"], ns["y_test"], verbose=0)[1],
            "train": model.evaluate(ns["X_train"], ns["y_train"], verbose=0)[1],
            "test_training_mode": training_mode_accuracy(ns["X_test"], ns["y_test"])}


@claim(L, "bn-demo-read", "After 5 epochs its training loss is lower than that of any of the "
       "three above, yet "
       "`evaluate` gives it a test accuracy below 0.2, worse than the ReLU stack without batch "
       "normalization, and about as low on its own training data")
def relu_batchnorm_low_loss_low_accuracy():
    runs, run = _ns()["bn_runs"], _relu_batchnorm_run()
    assert len(run["losses"]) == 5
    for label, (others, _) in runs.items():
        assert run["losses"][-1] < others[-1], (label, run["losses"], others)
    assert run["test"] < 0.2 < runs["relu + He init"][1], (run["test"], runs["relu + He init"])
    assert run["train"] < 0.25 and abs(run["train"] - run["test"]) < 0.05, run


@claim(L, "bn-demo-read", "called with `training=True` (each batch normalized by its own "
       "statistics), the same model classifies about half of the test set correctly")
def relu_batchnorm_training_mode_about_half():
    run = _relu_batchnorm_run()
    assert 0.4 < run["test_training_mode"] < 0.65, run["test_training_mode"]
    assert run["test_training_mode"] > 2 * run["test"], run


# ---- schedules, one batch, tables ----------------------------------------------------------

@claim(L, "schedule-use", "Keras computes in float32, hence differences of the order of "
       "$10^{-9}$")
def keras_schedule_differences():
    ns = _ns()
    largest = np.max(np.abs(ns["ours"] - ns["keras_values"]))
    assert 1e-10 < largest < 1e-8, largest


@claim(L, "overfit-batch", "the loss should fall close to 0 and the batch accuracy reach 100%")
def correct_model_memorises_the_batch():
    loss, accuracy, _ = _ns()["overfit"]["correct: softmax output"]
    assert loss < 0.05 and accuracy == 1.0, (loss, accuracy)


@claim(L, "overfit-read", "The buggy model runs without an error or a warning, and its loss "
       "settles at $\\ln 10 \\approx 2.30$")
def buggy_model_at_ln10():
    loss, accuracy, _ = _ns()["overfit"]["bug: forgot the softmax"]
    assert abs(loss - LN10) < 0.01 and accuracy < 0.5, (loss, accuracy)


@claim(L, "overfit-read", "On the TensorFlow backend (the default), "
       "`sparse_categorical_crossentropy` clips every output into $[10^{-7}, 1 - 10^{-7}]$, "
       "then divides each row by its sum; `categorical_crossentropy` divides by the sum "
       "first, then clips")
def keras_crossentropy_on_non_probabilities():
    keras = _ns()["keras"]
    assert keras.backend.backend() == "tensorflow"
    eps = keras.config.epsilon()
    assert eps == 1e-7
    z = np.array([[2.0, -1.0, 0.5], [-0.3, -0.2, -0.5], [3.0, 1.0, 0.0], [0.2, 0.3, 0.1]],
                 dtype="float32")
    y = np.array([0, 1, 2, 1])
    rows = np.arange(len(y))
    clipped = np.clip(z, eps, 1 - eps)
    sparse = -np.log((clipped / clipped.sum(axis=1, keepdims=True))[rows, y])
    normalized = np.clip(z / z.sum(axis=1, keepdims=True), eps, 1 - eps)
    categorical = -np.log(normalized[rows, y])
    got_sparse = keras.ops.convert_to_numpy(keras.losses.sparse_categorical_crossentropy(y, z))
    got_cat = keras.ops.convert_to_numpy(
        keras.losses.categorical_crossentropy(np.eye(3, dtype="float32")[y], z))
    np.testing.assert_allclose(got_sparse, sparse, rtol=1e-4)
    np.testing.assert_allclose(got_cat, categorical, rtol=1e-4)
    assert not np.allclose(sparse, categorical)  # the order matters


@claim(L, "overfit-read", "a clipped output passes no gradient back")
def clipped_outputs_pass_no_gradient():
    import tensorflow as tf

    keras = _ns()["keras"]
    z = tf.Variable([[-1.0, 0.5, -2.0]])
    with tf.GradientTape() as tape:
        loss = keras.losses.sparse_categorical_crossentropy(np.array([1]), z)
    grad = tape.gradient(loss, z).numpy()
    assert grad[0, 0] == 0 and grad[0, 2] == 0 and grad[0, 1] != 0, grad


@claim(L, "overfit-read", "After 100 steps every output of the buggy model is negative for "
       "every sample of the batch")
def buggy_outputs_all_negative():
    ns = _ns()
    model = ns["overfit"]["bug: forgot the softmax"][2]
    outputs = model.predict(ns["X_batch"], verbose=0)
    assert np.all(outputs < 0), outputs.max()


@claim(L, "overfit-read", "compiled with `from_logits=True`: it memorises the batch like "
       "the first")
def from_logits_memorises():
    loss, accuracy, _ = _ns()["overfit"]["fix: from_logits=True"]
    assert loss < 0.05 and accuracy == 1.0, (loss, accuracy)


@claim(L, "tables-read", "one test sample of breast cancer is 0.7 percentage points, one of "
       "spam 0.1")
def one_test_sample_in_points():
    runs = _ns()["table_runs"]
    assert round(100 / runs["breast_cancer"]["n_test"], 1) == 0.7
    assert round(100 / runs["spam"]["n_test"], 1) == 0.1


@claim(L, "tables-read", "Here the network, given standardized inputs, is a few test samples "
       "ahead on the small breast-cancer table")
def network_ahead_on_breast_cancer():
    run = _ns()["table_runs"]["breast_cancer"]
    ahead = round((run["net"] - run["boost"]) * run["n_test"])
    assert 1 <= ahead <= 6, ahead


@claim(L, "tables-read", "on the larger spam table the trees are ahead")
def trees_ahead_on_spam():
    runs = _ns()["table_runs"]
    assert runs["spam"]["n_test"] > runs["breast_cancer"]["n_test"]
    assert runs["spam"]["boost"] > runs["spam"]["net"], runs["spam"]


@claim(L, "tables-read", "trained in a fraction of the time")
def trees_train_faster():
    for name, run in _ns()["table_runs"].items():
        assert run["boost_seconds"] < run["net_seconds"] / 3, (name, run)


@claim(L, "tables", "569 breast tumours, each described by 30 measurements of its cell "
       "nuclei")
def breast_cancer_size():
    table = _ns()["load"]("breast_cancer")
    assert table.X.shape == (569, 30), table.X.shape


@claim(L, "tables", "labelled 0 = malignant (212 tumours) or 1 = benign (357)")
def breast_cancer_labels():
    table = _ns()["load"]("breast_cancer")
    assert tuple(table.target_names) == ("malignant", "benign"), table.target_names
    assert np.sum(table.y == 0) == 212 and np.sum(table.y == 1) == 357


@claim(L, "tables", "the course's synthetic spam table of lessons 07 and 08, `load(\"spam\")`: "
       "4000 messages, 14 features, 1 = spam")
def spam_table_facts():
    table = _ns()["load"]("spam")
    assert table.X.shape == (4000, 14) and tuple(table.target_names) == ("ham", "spam")


@claim(L, "tables-read", "30 smooth measurements, on which even logistic regression does well")
def logistic_regression_does_well_on_breast_cancer():
    from sklearn.linear_model import LogisticRegression

    ns = _ns()
    table = ns["load"]("breast_cancer")
    Xa, Xb, ya, yb = ns["train_test_split"](table.X, table.y, test_size=0.25,
                                            stratify=table.y, random_state=0)
    mean, std = Xa.mean(axis=0), Xa.std(axis=0)
    score = LogisticRegression().fit((Xa - mean) / std, ya).score((Xb - mean) / std, yb)
    assert score >= 0.95, score


@claim(L, "tables", "it first sorts each feature's values into at most 255 bins")
def hist_gradient_boosting_bins():
    boosted = _ns()["HistGradientBoostingClassifier"]()
    assert boosted.max_bins == 255, boosted.max_bins


@claim(L, "schedules", "$\\eta(t) = \\eta_0 \\cdot \\tfrac{1}{2}\\big(1 + \\cos(\\pi t / T)\\big)$")
def cosine_decay_formula():
    cosine = _ns()["cosine"]
    lr0, total = float(cosine.initial_learning_rate), int(cosine.decay_steps)
    steps = np.arange(0, 2 * total + 1, total // 30)
    expected = lr0 * 0.5 * (1 + np.cos(np.pi * np.minimum(steps, total) / total))
    got = np.array([float(cosine(s)) for s in steps])
    np.testing.assert_allclose(got, expected, atol=1e-8)
    assert np.isclose(got[0], lr0) and np.all(got[steps >= total] < 1e-12)  # to 0, then stays
