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


# ---------------------------------------------------------------- MAE vs MSE, outliers
def _printed(cell_id: str) -> str:
    """What a worked cell prints, run in a copy of the lesson's own namespace."""
    import contextlib
    import io

    namespace = dict(lesson_namespace(LESSON))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(cell_text(LESSON, cell_id), f"<{LESSON}:{cell_id}>", "exec"), namespace)
    return out.getvalue()


def _outlier_run() -> dict:
    """The mae-worked cell's names (its y, best constants, mae), run after the lesson."""
    namespace = dict(lesson_namespace(LESSON))
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(cell_text(LESSON, "mae-worked"), "<mae-worked>", "exec"), namespace)
    return namespace


@claim(LESSON, "mae-idea", "to seven measurements between 2.6 and 3.6 and two outliers at 20")
def the_outlier_data():
    y = _outlier_run()["y"]
    assert y.shape == (9,) and y[:7].min() == 2.6 and y[:7].max() == 3.6
    assert y[7:].tolist() == [20.0, 20.0]
    np.testing.assert_array_equal(y, widget.outlier_data())  # the explorer starts from it


@claim(LESSON, "mae-why", "In MSE's slope each point pulls $c$ towards itself **in proportion "
       "to its error**: a point 17 away pulls as hard as 17 points 1 away.")
@claim(LESSON, "mae-why", "In MAE's slope every point pulls with the **same size**, $1/m$, "
       "however far it is: each point's term in the gradient of MAE has constant size")
def slopes_of_mse_and_mae_in_c():
    ns = _outlier_run()
    mse, mae, y = ns["mse"], ns["mae"], ns["y"]
    m, h = len(y), 1e-6
    for c in (0.5, 3.25, 6.0, 19.0):
        numeric_mse = (mse(y, np.full(m, c + h)) - mse(y, np.full(m, c - h))) / (2 * h)
        numeric_mae = (mae(y, np.full(m, c + h)) - mae(y, np.full(m, c - h))) / (2 * h)
        assert np.isclose(numeric_mse, -2 / m * np.sum(y - c), rtol=1e-5)
        assert np.isclose(numeric_mae, -np.sum(np.sign(y - c)) / m, rtol=1e-5)
        for j in range(m):  # one point's term of MAE's slope has size 1/m
            others = np.delete(y, j)
            def term(c_, others=others):
                return mae(y, np.full(m, c_)) - np.mean(np.abs(others - c_)) * (m - 1) / m
            slope = (term(c + h) - term(c - h)) / (2 * h)
            assert np.isclose(abs(slope), 1 / m, rtol=1e-5)
    # 17 away vs 1 away: the squared error's pull is proportional to the error
    assert round(20 - ns["best_mae"]) == 17
    assert np.isclose(2 * 17 / m, 17 * (2 * 1 / m))


@claim(LESSON, "mae-why", "So MSE's best $c$ is where the errors balance, the **mean**, "
       "dragged towards the outliers; MAE's best $c$ is where as many points lie above it as "
       "below, the **median**")
def best_constants_are_mean_and_median():
    ns = _outlier_run()
    y, best_mse, best_mae = ns["y"], ns["best_mse"], ns["best_mae"]
    assert abs(best_mse - y.mean()) <= 0.005 and best_mse > y[:7].max()  # dragged up
    assert best_mae == np.median(y) == 3.3
    assert np.sum(y > best_mae) == np.sum(y < best_mae)


@claim(LESSON, "self-check-outlier-pull", 'self_check("04.outlier-pull")')
def outlier_self_check_is_right():
    from nncourse.selfcheck import question

    q = question("04.outlier-pull")
    ns = _outlier_run()
    assert q.options[q.answer].startswith(f"about {ns['best_mse']:.1f}")
    assert q.options[0].startswith(f"{ns['best_mae']:.1f}, the median")
    assert f"the mean, {ns['y'].mean():.2f} (the seven sum to 21.9, the outliers to 40)" in q.why
    assert np.isclose(ns["y"][:7].sum(), 21.9)


@claim(LESSON, "outlier-intro", "The solid line, MSE's best constant, follows them; the dashed "
       "line, MAE's best constant, stays at 3.3 as long as the outliers lie above the seven "
       "other measurements.")
def mse_follows_outliers_mae_stays():
    from claims import slider_values

    panel = widget.outlier_explorer()
    assert panel.live.mse_line.get_linestyle() == "-"
    assert panel.live.mae_line.get_linestyle() == "--"
    control = panel.controls["outlier"]
    values = slider_values({"low": control.min, "high": control.max, "step": control.step})
    states = [widget.outlier_state(v) for v in values]
    best_mse = [s["best_mse"] for s in states]
    assert np.all(np.diff(best_mse) > 0)
    for v, s in zip(values, states, strict=True):
        if v > widget.TYPICAL.max():
            assert s["best_mae"] == 3.3, v


@claim(LESSON, "outlier-intro", "Bring the outliers down to 3 and the two lines nearly meet")
def lines_nearly_meet_without_outliers():
    low = widget.outlier_state(3.0)
    default = widget.outlier_state(widget.OUTLIER)
    assert widget.OUTLIER_RANGE[0] == 3.0
    gap = abs(low["best_mse"] - low["best_mae"])
    assert gap <= 0.1 + 1e-9 and gap * 30 < abs(default["best_mse"] - default["best_mae"])


# ---------------------------------------------------------------- the loss at initialisation
def _init_table() -> dict[float, tuple[float, float]]:
    import re

    rows = re.findall(r"^\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$", _printed("init-loss-worked"),
                      re.M)
    return {float(s): (float(b), float(c)) for s, b, c in rows}


@claim(LESSON, "init-loss-after", r"With the small last layer both losses sit at $\ln 2$ and "
       r"$\ln 10$ to three decimals.")
def small_last_layer_gives_ln2_and_ln10():
    table = _init_table()
    assert sorted(table) == [0.01, 1.0, 10.0]
    assert table[0.01] == (round(np.log(2), 3), round(np.log(10), 3))


@claim(LESSON, "init-loss-after", "He's scale already gives more (0.765 and 2.917), and weights "
       "ten times larger give 3.338 and 15.675")
def larger_scales_give_larger_losses():
    table = _init_table()
    assert table[1.0] == (0.765, 2.917) and table[10.0] == (3.338, 15.675)


@claim(LESSON, "init-loss-why", r"outputs $p \approx 0.5$ for every sample")
def small_weights_give_one_half():
    ns = dict(lesson_namespace(LESSON))
    two = ns["init_mlp"]([20, 32, 1], seed=0)
    two[-1] = (0.01 * two[-1][0], two[-1][1])
    p, _ = ns["mlp_forward"](ns["X"], two)
    assert np.all(np.abs(p - 0.5) < 0.01)
    assert "scale * two[-1][0]" in cell_text(LESSON, "init-loss-worked")


def _small_softmax(ns: dict) -> np.ndarray:
    ten = ns["init_mlp"]([20, 32, 10], seed=0)
    ten[-1] = (0.01 * ten[-1][0], ten[-1][1])
    P, _ = ns["mlp_forward"](ns["X"], ten, output_activation="softmax")
    return P


@claim(LESSON, "init-loss-after", r"a sum over the samples instead of the mean gives $n$ times "
       r"$\ln c$ (about 460 for these 200 samples and ten classes)")
@claim(LESSON, "init-loss-after", r"dividing by $n c$ instead of $n$, for instance, gives "
       r"$\ln 10 / 10 = 0.230$.")
def buggy_losses_at_init():
    ns = lesson_namespace(LESSON)
    Y = np.eye(10)[np.repeat(np.arange(10), 20)]
    P = _small_softmax(ns)
    summed = -np.sum(Y * np.log(P))
    assert len(P) == 200 and round(summed, -1) == 460
    assert round(-np.mean(Y * np.log(P)), 3) == round(np.log(10) / 10, 3) == 0.230


@claim(LESSON, "self-check-loss-at-init", 'self_check("04.loss-at-init")')
def loss_at_init_self_check_is_right():
    from nncourse.selfcheck import question

    q = question("04.loss-at-init")
    assert q.answer == round(np.log(10), 3)
    assert abs(_init_table()[0.01][1] - q.answer) <= q.tolerance
