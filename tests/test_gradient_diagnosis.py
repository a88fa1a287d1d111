"""nncourse.gradient_diagnosis: the first wrong gradient is named, usual mistakes recognised."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from nncourse.checks import CheckFailed
from nncourse.gradient_diagnosis import (
    backward_call,
    check_gradients,
    expect_inputs_unchanged,
    expect_tuple_order,
    mlp_numerical_gradients,
    relative_error,
    usual_mistakes,
)
from nncourse.reference.backprop import mlp_backward
from nncourse.reference.forward import init_mlp, mlp_forward
from nncourse.reference.tape import tape_cases


def network(hidden: str, sizes=(3, 5, 4, 1), n: int = 6, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0]))
    y = (rng.uniform(size=n) < 0.5).astype(float)
    params = init_mlp(list(sizes), seed=5)
    _, cache = mlp_forward(X, params, hidden_activation=hidden)
    return X, y, params, cache


def failure(got, expected, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        check_gradients(got, expected, what="mlp_backward", **kwargs)
    return str(info.value)


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "linear"])
def test_a_correct_backward_pass_passes(hidden):
    X, y, params, cache = network(hidden)
    expected = mlp_numerical_gradients(X, y, params, hidden)
    check_gradients(mlp_backward(y, cache, params), expected, what="mlp_backward")


def test_recorded_tensorflow_gradients_pass():
    for case in tape_cases():
        _, cache = mlp_forward(case["X"], case["params"],
                               hidden_activation=case["hidden_activation"])
        check_gradients(mlp_backward(case["y"], cache, case["params"]), case["grads"],
                        what=case["name"], against="TensorFlow's gradients")


@pytest.mark.parametrize("n", [2, 6, 20])
def test_missing_one_over_n_gives_n_minus_1_over_n_plus_1_in_every_layer(n):
    X, y, params, cache = network("tanh", n=n)
    expected = mlp_numerical_gradients(X, y, params, "tanh")
    too_big = [(n * dW, n * db) for dW, db in mlp_backward(y, cache, params)]
    for pair, want in zip(too_big, expected, strict=True):
        for got, right in zip(pair, want, strict=True):
            assert relative_error(got, right) == pytest.approx((n - 1) / (n + 1), abs=1e-8)
    message = failure(too_big, expected, n=n)  # recognised by its signature alone
    assert f"n = {n} times too large" in message
    assert f"(n - 1)/(n + 1) = {(n - 1) / (n + 1):.3f}" in message
    message = failure(too_big, expected, mistakes=usual_mistakes(y, cache, params), n=n)
    assert "This matches a usual mistake: forgetting the 1/n of the mean at the output" in message


def test_the_first_wrong_gradient_walking_back_is_named():
    X, y, params, cache = network("sigmoid")
    expected = mlp_numerical_gradients(X, y, params, "sigmoid")
    mistakes = usual_mistakes(y, cache, params)
    [no_derivative] = [g for label, g in mistakes.items() if "leaving out" in label]
    message = failure(no_derivative, expected, mistakes=mistakes)
    assert "the first wrong gradient is dW of layer 2" in message
    assert "layer 3: dW ok, db ok" in message
    assert "look at the step from layer 3 down to layer 2" in message
    assert "leaving out the hidden activation's derivative" in message


@pytest.mark.parametrize("label_part, hidden", [
    ("a sign error", "relu"), ("again at the output", "tanh"),
    ("output A instead of its pre-activation", "tanh"), ("ReLU's derivative", "sigmoid"),
    ("s * s", "sigmoid"), ("1 - tanh(Z) instead", "tanh"), ("by n again", "relu")])
def test_each_usual_mistake_is_named(label_part, hidden):
    X, y, params, cache = network(hidden)
    expected = mlp_numerical_gradients(X, y, params, hidden)
    mistakes = usual_mistakes(y, cache, params)
    [(label, wrong)] = [(k, g) for k, g in mistakes.items() if label_part in k]
    assert f"This matches a usual mistake: {label}." in failure(wrong, expected,
                                                                 mistakes=mistakes)


def test_harmless_or_misshapen_variants_are_left_out():
    _, y, params, cache = network("relu")  # f' at A equals f' at Z for ReLU
    labels = " ".join(usual_mistakes(y, cache, params))
    assert "output A instead" not in labels and "A[l] instead" not in labels
    assert "s * s" not in labels


def test_a_sign_error_and_a_transposed_square_dw_are_recognised_by_signature():
    X, y, params, cache = network("tanh", sizes=(4, 4, 1))
    expected = mlp_numerical_gradients(X, y, params, "tanh")
    right = mlp_backward(y, cache, params)
    assert "a sign error" in failure([(-dW, -db) for dW, db in right], expected)
    transposed = [(right[0][0].T, right[0][1]), right[1]]
    message = failure(transposed, expected)
    assert "first wrong gradient is dW of layer 1" in message
    assert "a transposed product: dW of layer 1" in message


def test_structure_and_shape_mistakes_get_their_own_messages():
    X, y, params, cache = network("relu")
    expected = mlp_numerical_gradients(X, y, params, "relu")
    right = mlp_backward(y, cache, params)
    assert "should return a list of 3 (dW, db) pairs" in failure(right[:2], expected)
    assert "should return a list of 3" in failure(None, expected)
    assert "backward order" in failure(right[::-1], expected)
    assert "should be a (dW, db) pair" in failure([right[0], right[1][0], right[2]], expected)
    transposed = [right[0], (right[1][0].T, right[1][1]), right[2]]
    assert "dW of layer 2 should have shape (5, 4)" in failure(transposed, expected)
    assert "It is transposed" in failure(transposed, expected)
    kept = [right[0], right[1], (right[2][0], right[2][1][None, :])]
    assert "without keepdims" in failure(kept, expected)


def test_nan_gradients_fail():
    X, y, params, cache = network("tanh")
    expected = mlp_numerical_gradients(X, y, params, "tanh")
    right = mlp_backward(y, cache, params)
    broken = [right[0], right[1], (right[2][0] * np.nan, right[2][1])]
    assert "dW of layer 3" in failure(broken, expected)


def test_the_message_states_the_lessons_scale_and_the_tolerance():
    X, y, params, cache = network("tanh")
    expected = mlp_numerical_gradients(X, y, params, "tanh")
    right = mlp_backward(y, cache, params)
    message = failure([right[0], right[1], (1.5 * right[2][0], right[2][1])], expected)
    assert "a correct backward pass gives about 1e-08 or less; this check accepts up to 1e-06" \
        in message


def test_dividing_by_n_twice_is_recognised_by_signature():
    X, y, params, cache = network("relu")
    expected = mlp_numerical_gradients(X, y, params, "relu")
    too_small = [(dW / 6, db / 6) for dW, db in mlp_backward(y, cache, params)]
    assert "dividing by n twice" in failure(too_small, expected, n=6)


def _raised(func, y, cache, params) -> str:
    with pytest.raises(CheckFailed) as info:
        backward_call(func, y, cache, params, shown="mlp_backward(y, cache, params)")
    return str(info.value)


def test_backward_call_names_an_unreshaped_y_and_index_slips():
    _, y, params, cache = network("relu")

    def no_reshape(y, cache, params):
        p = cache["A"][-1]
        return mlp_backward(y, cache, params) if np.ndim(y) == 2 else (p - y) @ params[-1][0]

    message = _raised(no_reshape, y, cache, params)
    assert "raised ValueError" in message and "It runs when y is a column (6, 1)" in message
    assert "<array" not in message  # the cache is not dumped

    def off_by_one(y, cache, params):
        return cache["A"][0] @ params[1][0]

    message = _raised(off_by_one, y, cache, params)
    assert "an index off by one" in message and "It runs when" not in message
    assert "A[0], ..., A[3] have shapes (6, 3), (6, 5), (6, 4), (6, 1)" in message
    assert backward_call(mlp_backward, y, cache, params) is not None


def test_expect_tuple_order_names_the_order_returned():
    shapes = {"dX": (4, 2), "dW": (2, 3), "db": (3,)}
    right = (np.zeros((4, 2)), np.zeros((2, 3)), np.zeros(3))
    expect_tuple_order(right, shapes, what="dense_backward")
    with pytest.raises(CheckFailed, match=r"returned \(dW, dX, db\).*order \(dX, dW, db\)"):
        expect_tuple_order((right[1], right[0], right[2]), shapes, what="dense_backward")
    with pytest.raises(CheckFailed, match=r"should return a tuple \(dX, dW, db\), got ndarray"):
        expect_tuple_order(right[0], shapes, what="dense_backward")
    wrong_shape = (right[0], right[1].T, right[2])  # left to the shape checks
    expect_tuple_order(wrong_shape, shapes, what="dense_backward")


def test_expect_inputs_unchanged_names_the_entry_changed_in_place():
    _, y, params, cache = network("tanh")
    before = copy.deepcopy((y, cache, params))
    mlp_backward(y, cache, params)
    expect_inputs_unchanged(before, y, cache, params, what="mlp_backward")  # a right one

    def subtracts_in_place(y, cache, params):
        A = cache["A"]
        A[-1] -= np.reshape(y, A[-1].shape)
        return mlp_backward(y, cache, params)

    subtracts_in_place(y, cache, params)
    with pytest.raises(CheckFailed, match=r"mlp_backward changed cache\['A'\]\[3\] in place; "
                                          r"work on copies"):
        expect_inputs_unchanged(before, y, cache, params, what="mlp_backward")
    for changed, name in [(lambda y, c, p: np.clip(c["Z"][0], -0.1, 0.1, out=c["Z"][0]),
                           "cache['Z'][0]"),
                          (lambda y, c, p: p[1][0].__imul__(2.0), "params[1][0]"),
                          (lambda y, c, p: y.__isub__(1.0), "y"),
                          (lambda y, c, p: c.update(hidden_activation="relu"),
                           "cache['hidden_activation']")]:
        y2, cache2, params2 = copy.deepcopy(before)
        changed(y2, cache2, params2)
        with pytest.raises(CheckFailed) as info:
            expect_inputs_unchanged(before, y2, cache2, params2, what="mlp_backward")
        assert str(info.value).startswith(f"mlp_backward changed {name} in place")


def _dense_right(dZ, X, W):
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)


def _dense_no_transpose(dZ, X, W):
    dW = X.T @ dZ
    dX = dZ @ W
    return dX, dW, dZ.sum(axis=0)


def _dense_swapped(dZ, X, W):
    return X.T @ dZ, dZ @ W.T, dZ.sum(axis=0)


def _dense_keepdims(dZ, X, W):
    return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0, keepdims=True)


def test_dense_backward_call_names_the_gradient_whose_product_does_not_fit():
    from nncourse.gradient_diagnosis import dense_backward_call

    rng = np.random.default_rng(0)
    dZ, X, W = rng.normal(size=(4, 3)), rng.normal(size=(4, 2)), rng.normal(size=(2, 3))
    dX, dW, db = dense_backward_call(_dense_right, dZ, X, W)
    assert np.allclose(dX, dZ @ W.T) and np.allclose(dW, X.T @ dZ) and db.shape == (3,)
    with pytest.raises(CheckFailed) as failed:
        dense_backward_call(_dense_no_transpose, dZ, X, W)
    message = str(failed.value)
    assert "dX = dZ @ W" in message and "dX should have the shape of X, (4, 2)" in message
    for wrong, name in [(_dense_swapped, "dX"), (_dense_keepdims, "db")]:
        with pytest.raises(CheckFailed, match=name):
            dense_backward_call(wrong, dZ, X, W)
