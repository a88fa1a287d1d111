"""Lesson 02 (activations): what the worked cells, the overflow demo and the activation
explorer show, checked with the lesson's own code and the explorer's own defaults."""

from __future__ import annotations

import contextlib
import inspect
import io
import warnings

import numpy as np

from claims import cell_text, claim, lesson_namespace
from nncourse.selfcheck import question
from nncourse.widgets.activations import (
    FLAT,
    activation_and_slope,
    activation_explorer,
    activation_state,
)

L = "02_activations"
DEFAULTS = {name: p.default for name, p in inspect.signature(activation_state).parameters.items()}


def _state(**changes):
    return activation_state(**{**DEFAULTS, **changes})


def _warnings_of(compute):
    """The values and the warnings numpy prints for ``compute()`` (default error settings)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(
            over="warn", invalid="warn", divide="warn", under="ignore"):
        warnings.simplefilter("always")
        value = compute()
    return value, [f"{w.category.__name__}: {w.message}" for w in caught]


def _printed(upto, function, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        lesson_namespace(L, upto)[function](*args)
    return out.getvalue()


# ---------------------------------------------------------------- the table of derivatives

@claim(L, "idea", r"$\sigma(z)\,(1 - \sigma(z)) \le 0.25$")
def sigmoid_slope_is_at_most_a_quarter():
    z = np.linspace(-20.0, 20.0, 40001)
    _, slope = activation_and_slope("sigmoid", z)
    assert slope.max() <= 0.25 and np.isclose(slope.max(), 0.25)
    grad = lesson_namespace(L)["sigmoid_grad"]
    assert grad(0.0) == 0.25 and grad(z).max() <= 0.25


@claim(L, "idea", r"$1 - \tanh^2(z) \le 1$")
def tanh_slope_is_at_most_one():
    _, slope = activation_and_slope("tanh", np.linspace(-20.0, 20.0, 40001))
    assert slope.max() <= 1.0 and np.isclose(slope.max(), 1.0)


@claim(L, "idea", r"we use $f'(0) = 0$ there")
def relu_grad_at_zero_is_zero():
    assert lesson_namespace(L)["relu_grad"](np.array([0.0])).tolist() == [0.0]
    assert activation_and_slope("relu", np.array([0.0]))[1].tolist() == [0.0]


@claim(L, "idea", r"for large $|z|$ they are flat, $f'(z) \approx 0$")
def sigmoid_and_tanh_are_flat_for_large_z():
    z = np.array([-10.0, 10.0])
    for name in ("sigmoid", "tanh"):
        assert np.all(activation_and_slope(name, z)[1] < 1e-4), name


# ---------------------------------------------------------------- worked example: tanh

@claim(L, "worked-intro", r"The two agree to better than $10^{-9}$ at every $z$ below.")
def tanh_formula_matches_the_centred_difference():
    ns = lesson_namespace(L, "worked-tanh")
    assert np.abs(ns["slope"] - ns["numeric"]).max() < 1e-9


# ---------------------------------------------------------------- the activation explorer

@claim(L, "widget-intro", "The red band marks inputs where $f'(z)$ is below 1% of its peak")
def red_band_is_one_percent_of_the_peak_slope():
    assert FLAT == 0.01
    # the lesson shows activation_explorer() with its defaults, the same as activation_state's
    assert cell_text(L, "activation-widget").strip() == "activation_explorer()"
    shown = {n: p.default for n, p in inspect.signature(activation_explorer).parameters.items()}
    assert shown == DEFAULTS
    for name, peak in [("sigmoid", 0.25), ("tanh", 1.0), ("relu", 1.0)]:
        state = _state(activation=name)
        np.testing.assert_array_equal(state["flat"], state["fprime"] < 0.01 * peak)


@claim(L, "widget-intro", "sigmoid with $w = 5$: the steep part gets narrow and most of the "
       "range is red")
def sigmoid_with_w5_is_mostly_saturated():
    plain, steep = _state(activation="sigmoid"), _state(activation="sigmoid", w=5.0)
    assert steep["flat_share"] > 0.5 > plain["flat_share"]

    def steep_width(state):  # the share of inputs where the slope is above half its peak
        return np.mean(np.abs(state["slope"]) > 0.5 * np.abs(state["slope"]).max())

    assert steep_width(steep) < steep_width(plain) / 4


@claim(L, "widget-intro", "ReLU with $b = -3$: most inputs are dead.")
def relu_with_negative_bias_is_mostly_dead():
    state = _state(activation="relu", b=-3.0)
    assert state["flat_share"] > 0.5
    assert np.all(state["fprime"][state["flat"]] == 0.0)  # dead: slope exactly 0


@claim(L, "widget-intro", "Linear (no activation): the slope is the same everywhere.")
def linear_slope_is_constant():
    for w in (DEFAULTS["w"], -2.5, 4.0):
        slope = _state(activation="linear", w=w)["slope"]
        assert np.ptp(slope) == 0.0 and slope[0] == w


# ---------------------------------------------------------------- overflow, underflow, nan

@claim(L, "overflow", r"so $e^{z}$ overflows for $z > 709.78$")
def exp_overflows_above_709_78():
    with np.errstate(over="ignore"):
        assert np.isfinite(np.exp(709.78)) and np.isinf(np.exp(709.79))
    assert "no warning" in _printed("worked-overflow", "what_numpy_does", "e",
                                    lambda: np.exp(709.78))


@claim(L, "overflow", "`np.exp(-1000)` silently becomes `0.0`. No warning")
def underflow_is_silent():
    value, caught = _warnings_of(lambda: np.exp(-1000.0))
    assert value == 0.0 and caught == []
    assert _printed("worked-overflow", "what_numpy_does", "e", lambda: np.exp(-1000.0)).split(
        "->")[1].split() == ["0.0", "no", "warning"]


@claim(L, "overflow", "`np.exp(1000)` becomes `inf` and numpy prints "
       "`RuntimeWarning: overflow encountered in exp`")
def overflow_warns():
    value, caught = _warnings_of(lambda: np.exp(1000.0))
    assert np.isinf(value) and caught == ["RuntimeWarning: overflow encountered in exp"]
    assert "RuntimeWarning: overflow encountered in exp" in _printed(
        "worked-overflow", "what_numpy_does", "e", lambda: np.exp(1000.0))


@claim(L, "overflow", r"the result is `nan` (not a number) and numpy prints `RuntimeWarning: "
       "invalid value encountered in ...`; every result computed from a `nan` is `nan` too.")
def invalid_values_give_nan_and_warn():
    for compute in (lambda: np.float64(0.0) / 0.0, lambda: np.float64(np.inf) - np.inf):
        value, caught = _warnings_of(compute)
        assert np.isnan(value) and len(caught) == 1
        assert caught[0].startswith("RuntimeWarning: invalid value encountered in")
    nan = np.float64("nan")
    assert all(np.isnan(v) for v in (nan + 1.0, nan * 0.0, np.exp(nan), max(nan, 0.0)))


@claim(L, "overflow", "once with warnings silenced to show the value, once with "
       "`np.errstate(..., \"raise\")`, which turns numpy's warning into an error whose message it "
       "can print")
def overflow_cell_shows_value_and_warning():
    out = _printed("worked-overflow", "what_numpy_does", "np.exp(1000)", lambda: np.exp(1000.0))
    value, warning = out.split("->")[1].split(None, 1)
    assert value == "inf" and warning.strip() == "RuntimeWarning: overflow encountered in exp"


@claim(L, "overflow", "each value is printed next to its warning")
def overflow_cell_prints_every_value_with_its_warning():
    ns = lesson_namespace(L)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(cell_text(L, "worked-overflow"), dict(ns))
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == cell_text(L, "worked-overflow").count("what_numpy_does(\"")
    for line in lines:
        value, warning = line.split("->")[1].split(None, 1)
        assert value in {"0.0", "inf", "nan"} or np.isfinite(float(value)), line
        assert warning.strip() == "no warning" or warning.startswith("RuntimeWarning: "), line
    assert sum("RuntimeWarning" in line for line in lines) == 4  # overflow x2, invalid x2


@claim(L, "overflow", r"computes $e^{1000}$ for $z = -1000$: it overflows and warns, although "
       r"$1 / (1 + \infty) = 0$ happens to be the right answer")
def textbook_sigmoid_warns_but_is_right():
    value, caught = _warnings_of(lambda: 1.0 / (1.0 + np.exp(-np.float64(-1000.0))))
    assert value == 0.0 and caught == ["RuntimeWarning: overflow encountered in exp"]
    assert lesson_namespace(L)["sigmoid"](-1000.0) == 0.0


@claim(L, "ex-sigmoid", "Each form overflows for one sign of $z$ and is safe for the other")
def each_sigmoid_form_is_safe_for_one_sign():
    z = np.array([-1000.0, 1000.0])
    first = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    second = lambda v: np.exp(v) / (1.0 + np.exp(v))  # noqa: E731
    overflow = "RuntimeWarning: overflow encountered in exp"
    assert _warnings_of(lambda: first(z[:1]))[1] == [overflow]
    assert _warnings_of(lambda: first(z[1:]))[1] == []
    assert overflow in _warnings_of(lambda: second(z[1:]))[1]
    assert _warnings_of(lambda: second(z[:1]))[1] == []
    sigmoid = lesson_namespace(L)["sigmoid"]
    value, caught = _warnings_of(lambda: sigmoid(np.array([-1000.0, 1000.0, -1e4, 1e4])))
    assert caught == [] and value.tolist() == [0.0, 1.0, 0.0, 1.0]


@claim(L, "ex-sigmoid", "(Underflow to 0.0, as in `np.exp(-1000)`, is harmless.)")
def underflow_in_the_sigmoid_is_harmless():
    value, caught = _warnings_of(lambda: np.exp(-1000.0))
    assert value == 0.0 and caught == []
    e = np.exp(-1000.0)
    assert e / (1 + e) == 0.0 == lesson_namespace(L)["sigmoid"](-1000.0)


@claim(L, "ex-sigmoid", "so `np.where(z >= 0, 1 / (1 + np.exp(-z)), ...)` still overflows.")
def where_evaluates_both_branches():
    z = np.array([-1000.0, 1000.0])
    _, caught = _warnings_of(lambda: np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / 2))
    assert "RuntimeWarning: overflow encountered in exp" in caught


# ---------------------------------------------------------------- collapse, and what ReLU adds

@claim(L, "after-collapse", "ten random linear layers (each with 3 inputs and 3 units) collapse "
       "into one, to rounding error")
def ten_linear_layers_collapse():
    ns = lesson_namespace(L, "worked-deep-linear")
    assert ns["X"].shape[1] == 3 and ns["Wl"].shape == (3, 3) and ns["W"].shape == (3, 3)
    assert np.abs(ns["A"] - (ns["X"] @ ns["W"] + ns["b"])).max() < 1e-12
    assert np.abs(ns["A"]).max() > 0.1  # not trivially zero
    assert "range(10)" in cell_text(L, "worked-deep-linear")


@claim(L, "after-collapse", "of two units with pre-activations $x$ and $-x$, and an output unit "
       r"that adds their ReLUs: it computes $\mathrm{relu}(x) + \mathrm{relu}(-x) = |x|$")
def relu_network_computes_the_absolute_value():
    ns = lesson_namespace(L, "worked-deep-linear")
    x = ns["x"]
    assert x.shape[1] == 1 and ns["W1"].shape == (1, 2) and ns["W2"].shape == (2, 1)
    np.testing.assert_array_equal(x @ ns["W1"] + ns["b1"], np.hstack([x, -x]))
    np.testing.assert_array_equal(ns["relu_net"], np.abs(x))
    assert x.min() < 0 < x.max()


@claim(L, "after-collapse", "the best one (by least squares: the line with the smallest sum of "
       "squared errors over the nine inputs below, found by `np.linalg.lstsq`) is off by more "
       "than 1 at $x = 0$.")
def best_line_misses_the_absolute_value():
    ns = lesson_namespace(L, "worked-deep-linear")
    x, best = ns["x"].ravel(), ns["best_line"].ravel()
    assert x.size == 9 and "np.linalg.lstsq" in cell_text(L, "worked-deep-linear")
    assert abs(best[x == 0.0][0] - 0.0) > 1.0
    # it is the best: no other line x w + b has a smaller sum of squared errors on these points
    design = np.stack([x, np.ones_like(x)], axis=1)
    w, b = np.linalg.lstsq(design, np.abs(x), rcond=None)[0]
    np.testing.assert_allclose(best, w * x + b, atol=1e-12)
    sse = np.sum((best - np.abs(x)) ** 2)
    for dw, db in [(0.01, 0.0), (-0.01, 0.0), (0.0, 0.01), (0.0, -0.01), (0.3, -0.2)]:
        assert np.sum(((w + dw) * x + b + db - np.abs(x)) ** 2) > sse


@claim(L, "after-collapse", "Without the ReLU the same weights compute $x - x = 0$.")
def without_relu_the_network_is_zero():
    ns = lesson_namespace(L, "worked-deep-linear")
    assert not ns["no_relu"].any() and ns["no_relu"].shape == ns["x"].shape


# ---------------------------------------------------------------- the chain rule

@claim(L, "idea", r"one factor $w\,f'(z)$ for every layer the slope passes back through")
def chain_of_layers_multiplies_the_slopes():
    ns = lesson_namespace(L)
    sigmoid, sigmoid_grad = ns["sigmoid"], ns["sigmoid_grad"]
    x, w, b = 0.7, np.array([1.5, -2.0, 0.8]), np.array([0.2, 0.1, -0.3])

    def a3(w1):
        a = x
        for wl, bl in zip([w1, *w[1:]], b, strict=True):
            a = sigmoid(wl * a + bl)
        return float(a)

    z, a = [], x
    for wl, bl in zip(w, b, strict=True):
        z.append(wl * a + bl)
        a = sigmoid(z[-1])
    formula = (w[2] * sigmoid_grad(z[2])) * (w[1] * sigmoid_grad(z[1])) * sigmoid_grad(z[0]) * x
    h = 1e-6
    numeric = (a3(w[0] + h) - a3(w[0] - h)) / (2 * h)
    assert abs(formula - numeric) < 1e-8 and abs(formula) > 1e-3


# ---------------------------------------------------------------- broadcasting (softmax hint)

@claim(L, "ex-softmax", "`Z.max(axis=1, keepdims=True)` has shape $(n, 1)$")
def row_maximum_with_keepdims_is_a_column():
    Z = np.arange(12.0).reshape(4, 3)
    assert Z.max(axis=1, keepdims=True).shape == (4, 1)


@claim(L, "ex-softmax", "numpy repeats its one column $c$ times, so each row's maximum is "
       "subtracted from every entry of that row")
def broadcasting_subtracts_each_rows_maximum():
    Z = np.array([[1.0, 5.0, 2.0], [-3.0, -1.0, -2.0]])
    np.testing.assert_array_equal(Z - Z.max(axis=1, keepdims=True),
                                  [[-4.0, 0.0, -3.0], [-2.0, 0.0, -1.0]])


@claim(L, "ex-softmax", "The row sums need the same `keepdims=True`.")
def row_sums_need_keepdims():
    E = np.exp(np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 0.0], [2.0, 1.0, 0.0]]))
    right, wrong = E / E.sum(axis=1, keepdims=True), E / E.sum(axis=1)
    np.testing.assert_allclose(right.sum(axis=1), 1.0)
    assert not np.allclose(wrong, right)


# ---------------------------------------------------------------- self-checks

@claim(L, "self-check-dead-relu", 'self_check("02.dead-relu")')
def dead_relu_share_at_bias_minus_three():
    q = question("02.dead-relu")
    assert (DEFAULTS["w"], DEFAULTS["x_max"]) == (1.0, 8.0)  # "keep w = 1 and x max = 8"
    state = _state(activation="relu", b=-3.0)
    assert abs(state["flat_share"] - q.answer) <= q.tolerance
    assert np.all(state["fprime"][state["x"] <= 3.0] == 0.0)
    assert np.all(state["fprime"][state["x"] > 3.0] == 1.0)
    assert q.answer == (3.0 + 8.0) / 16.0


@claim(L, "self-check-softmax-shift", 'self_check("02.softmax-shift")')
def shifted_logits_give_the_same_softmax():
    q = question("02.softmax-shift")
    assert q.options[q.answer] == "They are equal."
    softmax = lesson_namespace(L)["softmax"]
    np.testing.assert_allclose(softmax(np.array([[1000.0, 1001.0, 1002.0]])),
                               softmax(np.array([[0.0, 1.0, 2.0]])), rtol=1e-12)
