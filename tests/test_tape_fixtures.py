"""The shipped GradientTape fixture: reproducible with TensorFlow, loadable without it."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from nncourse.reference.backprop import mlp_backward, relative_error
from nncourse.reference.forward import mlp_forward
from nncourse.reference.losses import binary_cross_entropy
from nncourse.reference.tape import FIXTURE, save_cases, tape_cases

MAX_BYTES = 200_000


def test_fixture_is_small_and_covers_depths_and_activations():
    assert FIXTURE.stat().st_size < MAX_BYTES
    cases = tape_cases()
    assert len(cases) >= 6
    assert {c["hidden_activation"] for c in cases} >= {"relu", "tanh", "sigmoid", "linear"}
    assert {len(c["params"]) for c in cases} >= {1, 2, 3, 4}
    for case in cases:
        n = case["X"].shape[0]
        assert case["y"].shape == (n,) and set(np.unique(case["y"])) <= {0.0, 1.0}
        for (W, b), (dW, db) in zip(case["params"], case["grads"], strict=True):
            assert W.shape == dW.shape and b.shape == db.shape
            assert W.dtype == dW.dtype == np.float64
        assert case["params"][-1][0].shape[1] == 1


def test_loading_does_not_import_tensorflow():
    code = ("import sys; from nncourse.reference.tape import tape_cases; tape_cases(); "
            "print('tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_numpy_reference_backprop_matches_the_tape():
    for case in tape_cases():
        out, cache = mlp_forward(case["X"], case["params"],
                                 hidden_activation=case["hidden_activation"])
        assert binary_cross_entropy(case["y"], out) == pytest.approx(case["loss"], abs=1e-12)
        grads = mlp_backward(case["y"], cache, case["params"])
        for (dW, db), (tW, tb) in zip(grads, case["grads"], strict=True):
            assert relative_error(dW, tW) < 1e-10, case["name"]
            assert relative_error(db, tb) < 1e-10, case["name"]


def test_relu_kink_case_has_exact_zero_pre_activations():
    case = next(c for c in tape_cases() if c["name"] == "relu-zero-row")
    _, cache = mlp_forward(case["X"], case["params"], hidden_activation="relu")
    assert (cache["Z"][0][0] == 0.0).all()


def test_save_and_load_round_trip_byte_for_byte(tmp_path):
    cases = tape_cases()
    first = save_cases(cases, tmp_path / "a.npz")
    second = save_cases(tape_cases(first), tmp_path / "b.npz")
    assert first.read_bytes() == second.read_bytes() == FIXTURE.read_bytes()


def test_regenerated_with_tensorflow_matches_the_shipped_file(tmp_path):
    pytest.importorskip("tensorflow")
    from support.tape_fixtures import build

    fresh = tape_cases(build(tmp_path / "tape_gradients.npz"))
    shipped = tape_cases()
    assert [c["name"] for c in fresh] == [c["name"] for c in shipped]
    for new, old in zip(fresh, shipped, strict=True):
        assert new["hidden_activation"] == old["hidden_activation"]
        assert new["loss"] == pytest.approx(old["loss"], abs=1e-12)
        for key in ("X", "y"):
            np.testing.assert_allclose(new[key], old[key], rtol=0, atol=1e-12)
        for group in ("params", "grads"):
            for new_pair, old_pair in zip(new[group], old[group], strict=True):
                for a, b in zip(new_pair, old_pair, strict=True):
                    assert a.shape == b.shape
                    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
