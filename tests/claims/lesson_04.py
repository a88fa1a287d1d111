"""Claims of lesson 04 (loss functions): what its cells and controls show."""

from __future__ import annotations

import warnings

import numpy as np

from claims import cell_text, claim, lesson_namespace
from nncourse.widgets import loss as widget

LESSON = "04_loss"


@claim(LESSON, "mse-idea", "an error of 2 costs four times an error of 1")
def error_of_two_costs_four_times():
    mse = lesson_namespace(LESSON)["mse"]
    assert mse([2.0], [0.0]) == 4 * mse([1.0], [0.0])


@claim(LESSON, "bce-idea", r"A confident right answer costs almost nothing ($-\log 0.99 = 0.01$)")
def confident_right_answer_is_cheap():
    bce = lesson_namespace(LESSON)["binary_cross_entropy"]
    assert round(bce([1], [0.99]), 2) == 0.01


@claim(LESSON, "bce-idea", r"a coin flip costs $\log 2 = 0.693$")
def coin_flip_costs_log_two():
    bce = lesson_namespace(LESSON)["binary_cross_entropy"]
    assert round(bce([1, 0], [0.5, 0.5]), 3) == 0.693


@claim(LESSON, "bce-idea",
       r"a confident wrong answer costs a lot ($-\log 0.01 = 4.6$)")
def confident_wrong_answer_is_expensive():
    bce = lesson_namespace(LESSON)["binary_cross_entropy"]
    assert round(bce([1], [0.01]), 1) == 4.6


@claim(LESSON, "bce-idea",
       r"so BCE is $-\frac{1}{n}\log$ of the likelihood, and minimising BCE maximises the "
       r"likelihood")
def bce_is_minus_log_likelihood_over_n():
    bce = lesson_namespace(LESSON)["binary_cross_entropy"]
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 30), rng.uniform(0.05, 0.95, 30)
    likelihood = np.prod(np.where(y == 1, p, 1 - p))
    assert np.isclose(bce(y, p), -np.log(likelihood) / len(y), rtol=1e-12)
    # a better-fitting p has both the lower BCE and the higher likelihood
    q = np.where(y == 1, np.sqrt(p), p**2)  # nearer each label than p
    assert bce(y, q) < bce(y, p) and np.prod(np.where(y == 1, q, 1 - q)) > likelihood


@claim(LESSON, "bce-idea",
       r"numpy warns and returns `-inf`; then $0 \cdot (-\infty)$ gives `nan`")
def log_of_zero_warns_and_gives_nan():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log0 = np.log(0.0)
        product = 0.0 * log0
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)
    assert log0 == -np.inf and np.isnan(product)


@claim(LESSON, "bce-idea", r"which caps one sample's loss at $-\log 10^{-12} \approx 27.6$")
def clipping_caps_the_loss():
    bce = lesson_namespace(LESSON)["binary_cross_entropy"]
    assert round(bce([1], [0.0]), 1) == 27.6
    assert round(bce([0], [1.0]), 1) == 27.6


@claim(LESSON, "probability-intro",
       r"For $y = 1$, MSE is $(1 - p)^2$, at most 1 even for a hopeless answer; cross-entropy "
       r"$-\log p$ grows without bound.")
def mse_is_bounded_cross_entropy_is_not():
    state = widget.probability_state(0.7, 1)
    assert state["mse_curve"].max() <= 1.0
    assert np.all(np.diff(state["bce_curve"]) < 0)  # keeps growing as p falls
    assert widget.probability_state(1e-9, 1)["bce"] > 20


@claim(LESSON, "probability-intro",
       r"For cross-entropy it is simply $p - y$, for MSE it is $2(p - y)\,p(1 - p)$, which "
       r"vanishes as $p \to 0$")
def slopes_in_the_logit():
    for p in (0.01, 0.3, 0.9):
        state = widget.probability_state(p, 1)
        assert state["dbce_dz"] == p - 1
        assert np.isclose(state["dmse_dz"], 2 * (p - 1) * p * (1 - p))
    assert abs(widget.probability_state(1e-6, 1)["dmse_dz"]) < 1e-5


@claim(LESSON, "probability-intro",
       r"for $y = 1$ it is $-2(1 - p)$ for MSE, never steeper than $-2$, and $-1/p$ for "
       r"cross-entropy, steeper and steeper as $p \to 0$")
def slopes_in_p():
    for p in (0.01, 0.3, 0.7, 0.99):
        state = widget.probability_state(p, 1)
        assert np.isclose(state["dmse_dp"], -2 * (1 - p)) and state["dmse_dp"] >= -2
        assert np.isclose(state["dbce_dp"], -1 / p)
    ps = np.linspace(0.01, 0.99, 99)  # the slider's range
    dbce = [widget.probability_state(p, 1)["dbce_dp"] for p in ps]
    assert np.all(np.diff(dbce) > 0)  # steeper (more negative) as p falls
    assert dbce[0] < -2 * 40


@claim(LESSON, "probability-intro",
       "it is $dL/dp$ times the sigmoid's slope $p(1 - p)$ from lesson 02")
def slope_in_z_is_slope_in_p_times_sigmoid_slope():
    for y in (0, 1):
        for p in (0.01, 0.3, 0.7, 0.99):
            state = widget.probability_state(p, y)
            for loss in ("mse", "bce"):
                assert np.isclose(state[f"d{loss}_dz"], state[f"d{loss}_dp"] * p * (1 - p))


@claim(LESSON, "probability-intro",
       "a confidently wrong network trained with MSE barely moves")
def mse_slope_is_tiny_at_a_confident_mistake():
    low = widget.probability_state(0.01, 1)  # the slider's lowest p
    assert abs(low["dmse_dz"]) < abs(low["dbce_dz"]) / 40


@claim(LESSON, "cce-idea", "With $c = 2$ this is exactly the binary cross-entropy.")
def two_class_cce_is_bce():
    ns = lesson_namespace(LESSON)
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 20), rng.uniform(0.01, 0.99, 20)
    cce = ns["categorical_cross_entropy"](np.column_stack([1 - y, y]),
                                          np.column_stack([1 - p, p]))
    assert np.isclose(cce, ns["binary_cross_entropy"](y, p), rtol=1e-12)


@claim(LESSON, "metric-idea",
       "below, two models have the same accuracy but very different losses")
def same_accuracy_different_losses():
    ns = lesson_namespace(LESSON)
    y, results = ns["y"], []
    for p in (ns["confident"], ns["hesitant"]):
        results.append((ns["accuracy"](y, (p >= 0.5).astype(int)),
                        ns["binary_cross_entropy"](y, p)))
    (acc_a, loss_a), (acc_b, loss_b) = results
    assert acc_a == acc_b
    assert max(loss_a, loss_b) > 2 * min(loss_a, loss_b)


@claim(LESSON, "curve-intro",
       r"A model with a single weight, $p = \sigma(w x + 1)$, on 40 one-dimensional points.")
def the_model_and_its_data():
    x, y = widget.toy_data()
    assert widget.BIAS == 1.0 and x.shape == (40,) and y.shape == (40,)


@claim(LESSON, "curve-intro", r"the dashed line is its slope $dL/dw$ at $w$")
def tangent_has_the_slope():
    state = widget.loss_curve_state(-1.0)  # the explorer's default w
    (w0, w1), (v0, v1) = state["tangent"]
    assert np.isclose((v1 - v0) / (w1 - w0), state["slope"])
    h = 1e-5
    numeric = (widget.loss_curve_state(-1.0 + h)["value"]
               - widget.loss_curve_state(-1.0 - h)["value"]) / (2 * h)
    assert np.isclose(state["slope"], numeric, rtol=1e-6)


@claim(LESSON, "curve-intro",
       "The right plot shows the accuracy at the same $w$: a staircase.")
def accuracy_is_a_staircase():
    acc = widget.loss_curve_state(-1.0)["acc_curve"]
    steps = np.diff(acc)
    assert (steps == 0).mean() > 0.8 and np.count_nonzero(steps) > 5


@claim(LESSON, "curve-intro", "Switch the loss to MSE: its minimum lies at a smaller $w$.")
def mse_minimum_lies_left():
    ce = widget.loss_curve_state(widget.W_RANGE[0], "cross-entropy")
    mse = widget.loss_curve_state(widget.W_RANGE[0], "MSE")
    assert mse["best_w"] < ce["best_w"]


@claim(LESSON, "curve-intro",
       "at the left end, $w = -3$, MSE's slope is less than a tenth of cross-entropy's in size")
def mse_is_flat_at_the_far_end():
    ce = widget.loss_curve_state(widget.W_RANGE[0], "cross-entropy")
    mse = widget.loss_curve_state(widget.W_RANGE[0], "MSE")
    assert widget.W_RANGE[0] == -3.0
    assert abs(mse["slope"]) * 10 < abs(ce["slope"])


@claim(LESSON, "curve-intro",
       'Each loss gets its own y-axis, so compare slopes by the number "slope dL/dw" in the '
       "text under the plot, not by how steep the dashed line looks")
def each_loss_has_its_own_axis_and_the_readout_gives_the_slope():
    panel = widget.loss_curve_explorer(widget.W_RANGE[0])  # the cell's own call, at w = -3
    loss_ax = panel.live.axes[0]
    ce_top, ce_readout = loss_ax.get_ylim()[1], panel.readout.value
    panel.controls["loss"].value = "MSE"
    mse_top, mse_readout = loss_ax.get_ylim()[1], panel.readout.value
    assert ce_top > 3 * mse_top  # rescaled: the same drawn steepness means different slopes
    # the readout, below the image, prints each slope as "slope dL/dw <number>"
    assert panel.children[-1] is panel.readout and panel.children[-2] is panel.live.image
    for readout, loss in ((ce_readout, "cross-entropy"), (mse_readout, "MSE")):
        slope = widget.loss_curve_state(widget.W_RANGE[0], loss)["slope"]
        assert f"slope dL/dw {slope:+.4f}" in readout
    # drawn steepness (data slope / axis height) is alike, the numbers are not
    ce_slope = widget.loss_curve_state(widget.W_RANGE[0], "cross-entropy")["slope"]
    mse_slope = widget.loss_curve_state(widget.W_RANGE[0], "MSE")["slope"]
    drawn_ratio = (abs(ce_slope) / ce_top) / (abs(mse_slope) / mse_top)
    assert drawn_ratio < 4 < abs(ce_slope) / abs(mse_slope)



@claim(LESSON, "ex-bce", "a warning in a graded cell scores it 0 even when the answer is right")
def unclipped_bce_fails_its_test_cell_saying_it_scores_zero():
    from nncourse.checks import CheckFailed

    def binary_cross_entropy(y, p):  # right formula, no clipping: log(0) warns
        y, p = np.ravel(np.asarray(y, dtype=float)), np.ravel(np.asarray(p, dtype=float))
        return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))

    namespace = {}
    exec(cell_text(LESSON, "setup"), namespace)
    namespace["binary_cross_entropy"] = binary_cross_entropy
    try:
        exec(cell_text(LESSON, "test_binary_cross_entropy"), namespace)
    except CheckFailed as failure:
        assert "printed a warning" in str(failure)
        assert "scores 0, even when the answer is right" in str(failure)
    else:
        raise AssertionError("the visible test cell passed an unclipped binary_cross_entropy")


@claim(LESSON, "ex-cce", "for a list, `Y == 1` is just `False`, not an array of booleans")
def list_compared_with_a_number_is_false():
    Y = [[0, 1]]
    assert (Y == 1) is False
    assert np.asarray(Y, dtype=float).__eq__(1).dtype == bool


@claim(LESSON, "ex-bce", "`1 - y` of a list raises TypeError")
def one_minus_a_list_raises():
    import operator

    import pytest

    with pytest.raises(TypeError):
        operator.sub(1, [1.0, 0.0])
    assert isinstance(np.ravel([1.0, 0.0]), np.ndarray)


@claim(LESSON, "ex-accuracy", "two lists compare as a whole: `[1, 1] == [1, 1]` is just `True`")
def two_lists_compare_as_a_whole():
    assert ([1, 1] == [1, 1]) is True and ([1, 0] == [1, 1]) is False
    assert isinstance(np.ravel([1, 1]), np.ndarray)
