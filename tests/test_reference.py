"""The reference implementations later lessons rely on: right numbers, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from nncourse.reference import activations as act
from nncourse.reference.backprop import (
    dense_backward,
    mlp_backward,
    numerical_gradient,
    relative_error,
    relu_backward,
    sigmoid_bce_backward,
    softmax_ce_backward,
)
from nncourse.reference.forward import dense_forward, init_dense, init_mlp, mlp_forward
from nncourse.reference.losses import (
    accuracy,
    binary_cross_entropy,
    categorical_cross_entropy,
    mse,
)


def test_sigmoid_is_stable_and_correct():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = act.sigmoid(np.array([-1e4, -1.0, 0.0, 1.0, 1e4]))
    np.testing.assert_allclose(s, [0.0, 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-1)), 1.0])


def test_softmax_rows_sum_to_one_for_large_logits():
    P = act.softmax(np.array([[1000.0, 1001.0], [0.0, 0.0]]))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P[1], [0.5, 0.5])


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "linear", "leaky_relu"])
def test_activation_gradients_match_finite_differences(name):
    z = np.array([-1.3, -0.2, 0.4, 2.0])
    numeric = (act.activation(name, z + 1e-6) - act.activation(name, z - 1e-6)) / 2e-6
    np.testing.assert_allclose(act.activation_grad(name, z), numeric, atol=1e-6)


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid"])
def test_activation_keeps_float32_for_the_playgrounds_pictures(name):
    """A float32 Z (the playground's grid pass) gives float32, within 1e-6 of float64,
    big arrays (two threads) and extreme inputs (no overflow) included; float64 stays the
    reference's own numbers, bit for bit."""
    z = np.concatenate([np.linspace(-120.0, 120.0, 4001), [-1e30, 0.0, 1e30]])
    for Z in (z.reshape(-1, 1), np.tile(z, (40, 1))):  # 160,000 entries: two threads
        got = act.activation(name, Z.astype(np.float32))
        assert got.dtype == np.float32 and got.shape == Z.shape
        want = act.ACTIVATIONS[name](Z.astype(np.float32).astype(float))
        np.testing.assert_allclose(got, want, rtol=1e-6 if name == "relu" else 0,
                                   atol=0 if name == "relu" else 1e-6)
        assert np.array_equal(act.activation(name, Z), act.ACTIVATIONS[name](Z))
    assert act.activation("linear", z.astype(np.float32)).dtype == np.float64


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match="activation should be one of"):
        act.activation("swish", np.zeros(2))


def test_dense_forward_shape_errors_say_expected_and_received():
    with pytest.raises(ValueError, match=r"X has 3 columns but W expects 2 inputs"):
        dense_forward(np.zeros((4, 3)), np.zeros((2, 5)), np.zeros(5))
    with pytest.raises(ValueError, match=r"b should have shape \(5,\), got \(4,\)"):
        dense_forward(np.zeros((4, 2)), np.zeros((2, 5)), np.zeros(4))


def test_init_statistics_and_determinism():
    rng = np.random.default_rng(0)
    W, b = init_dense(400, 300, "he", rng)
    assert W.shape == (400, 300) and not b.any()
    assert abs(W.std() - np.sqrt(2 / 400)) < 0.003
    W, _ = init_dense(400, 300, "xavier", np.random.default_rng(0))
    assert abs(W.std() - np.sqrt(2 / 700)) < 0.003
    a, b2 = init_mlp([2, 8, 1], seed=3), init_mlp([2, 8, 1], seed=3)
    assert all(np.array_equal(x[0], y[0]) for x, y in zip(a, b2, strict=True))
    assert [w.shape for w, _ in a] == [(2, 8), (8, 1)]


def test_mlp_forward_cache_layout():
    params = init_mlp([3, 4, 2, 1], seed=1)
    X = np.random.default_rng(2).normal(size=(5, 3))
    out, cache = mlp_forward(X, params, hidden_activation="tanh")
    assert out.shape == (5, 1) and np.all((out > 0) & (out < 1))
    assert len(cache["A"]) == 4 and len(cache["Z"]) == 3 and cache["A"][0] is not None
    np.testing.assert_allclose(cache["A"][1], np.tanh(cache["Z"][0]))
    assert cache["hidden_activation"] == "tanh" and cache["output_activation"] == "sigmoid"


def test_params_with_mismatched_layers_are_rejected():
    params = init_mlp([3, 4, 1])
    params[1] = (np.zeros((5, 1)), np.zeros(1))
    with pytest.raises(ValueError, match="W has 5 rows but layer 0 has 4 units"):
        mlp_forward(np.zeros((2, 3)), params)


def test_losses():
    assert mse(np.array([1.0, 2.0]), np.array([1.0, 4.0])) == 2.0
    assert np.isfinite(binary_cross_entropy(np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    assert binary_cross_entropy(np.array([1.0]), np.array([0.5])) == pytest.approx(np.log(2))
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert categorical_cross_entropy(Y, np.array([[0.5, 0.5], [1.0, 0.0]])) == pytest.approx(
        np.log(2) / 2)
    assert accuracy([1, 0, 1, 1], [1, 1, 1, 0]) == 0.5
    with pytest.raises(ValueError, match="same shape"):
        mse(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid", "linear"])
def test_mlp_backward_passes_a_gradient_check(hidden):
    rng = np.random.default_rng(4)
    params = init_mlp([3, 5, 4, 1], method="xavier", seed=5)
    X, y = rng.normal(size=(7, 3)), rng.integers(0, 2, 7).astype(float)
    _, cache = mlp_forward(X, params, hidden_activation=hidden)
    grads = mlp_backward(y, cache, params)

    for layer, (W, _b) in enumerate(params):
        def loss_of(Wl, layer=layer):
            trial = [(Wl if i == layer else w, b) for i, (w, b) in enumerate(params)]
            return binary_cross_entropy(y, mlp_forward(X, trial, hidden_activation=hidden)[0])
        assert relative_error(grads[layer][0], numerical_gradient(loss_of, W.copy())) < 1e-6


def test_backward_pieces():
    dX, dW, db = dense_backward(np.ones((2, 3)), np.ones((2, 4)), np.ones((4, 3)))
    assert dX.shape == (2, 4) and dW.shape == (4, 3) and db.tolist() == [2.0, 2.0, 2.0]
    assert relu_backward(np.ones(3), np.array([-1.0, 0.0, 2.0])).tolist() == [0.0, 0.0, 1.0]
    np.testing.assert_allclose(sigmoid_bce_backward(np.array([0.2, 0.9]), np.array([0, 1])),
                               [0.1, -0.05])
    x = np.array([1.0, 2.0])
    g = numerical_gradient(lambda v: float((v**2).sum()), x)
    np.testing.assert_allclose(g, [2.0, 4.0], atol=1e-6)
    assert x.tolist() == [1.0, 2.0]
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    transposed = np.arange(6.0).reshape(2, 3).T  # not contiguous
    np.testing.assert_allclose(numerical_gradient(lambda v: float((v**2).sum()), transposed),
                               2 * transposed, atol=1e-6)


def test_softmax_ce_backward_is_the_gradient_of_the_mean_cce_in_the_logits():
    rng = np.random.default_rng(6)
    Z = rng.normal(size=(5, 4))
    Y = np.eye(4)[[0, 3, 1, 1, 2]]
    grad = softmax_ce_backward(act.softmax(Z), Y)
    numeric = numerical_gradient(lambda v: categorical_cross_entropy(Y, act.softmax(v)), Z)
    assert grad.shape == (5, 4) and relative_error(grad, numeric) < 1e-8
    np.testing.assert_allclose(softmax_ce_backward([[0.5, 0.5]], [[1.0, 0.0]]), [[-0.5, 0.5]])
    with pytest.raises(ValueError, match="Y should have P's shape"):
        softmax_ce_backward(np.ones((2, 3)) / 3, np.eye(3))
