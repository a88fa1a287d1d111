"""The messages a learner reads when a check fails, exactly."""

from __future__ import annotations

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from nncourse.checks import CheckFailed, call, check_call, describe_call, expect, expect_close


def message(fn, *args, **kwargs) -> str:
    with pytest.raises(CheckFailed) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_wrong_value_names_the_call_and_both_values():
    def neuron_output(x, w, b):
        return 0.5

    text = message(check_call, neuron_output, ([0.5, 0.9, 0.2], [0.4, 0.7, 0.1], -0.3),
                   expected=0.6341, atol=1e-3)
    assert text == ("neuron_output([0.5, 0.9, 0.2], [0.4, 0.7, 0.1], -0.3) should be about "
                    "0.6341, got 0.5.")


def test_wrong_shape():
    def standardize(X):
        return X.mean(axis=0)

    text = message(check_call, standardize, (np.ones((4, 3)),), expected=np.zeros((4, 3)),
                   shown="standardize(X)")
    assert text == "standardize(X) should have shape (4, 3), got shape (3,)."


def test_wrong_dtype_integer_expected():
    def predict(X):
        return np.array([0.0, 1.0])

    text = message(check_call, predict, (np.zeros(2),), expected=np.array([0, 1]), dtype="int",
                   shown="predict(X)")
    assert text == "predict(X) should hold integers, got dtype float64."


def test_wrong_dtype_float_expected():
    def halve(x):
        return x // 2

    text = message(check_call, halve, (np.array([3, 4]),), expected=np.array([1.5, 2.0]))
    assert text == ("halve([3, 4]) should hold floats, got dtype int64 (an integer input kept "
                    "as integers, or `//` where `/` was meant?).")


def test_list_instead_of_array():
    text = message(expect_close, [1.0, 2.0], np.array([1.0, 2.0]), what="f(x)")
    assert text == "f(x) should return a numpy array of shape (2,), got list [1, 2]."


def test_number_expected_but_array_returned():
    text = message(expect_close, np.array([0.5, 0.5]), 0.5, what="sigmoid(0)")
    assert text == "sigmoid(0) should return a single number, got an array of shape (2,)."


def test_missing_return():
    text = message(expect_close, None, 0.5, what="sigmoid(0)")
    assert text == "sigmoid(0) should return a single number, got None (did you forget `return`?)."


def test_value_difference_reports_first_index_and_count():
    got = np.array([[1.0, 2.0], [3.0, 5.0]])
    text = message(expect_close, got, np.array([[1.0, 2.0], [3.0, 4.0]]), what="f(X)")
    assert text == "f(X) is wrong at index (1, 1): expected 4, got 5 (1 of 4 entries differ)."


def test_nan_is_reported():
    text = message(expect_close, np.array([np.nan, 1.0]), np.array([0.0, 1.0]), what="f(X)")
    assert text == "f(X) contains NaN at index 0 (1 of 2 entries)."


def test_hint_is_appended():
    text = message(expect_close, 1.0, 2.0, what="f()", hint="Check the sign.")
    assert text == "f() should be about 2, got 1. Check the sign."


def test_not_implemented_points_at_the_exercise():
    def sigmoid(z):
        raise NotImplementedError()

    text = message(call, sigmoid, 0.0)
    assert text == ("`sigmoid` is not written yet: replace `raise NotImplementedError()` in "
                    "the exercise `sigmoid` with your code, run that cell, then this one.")


def test_learner_exception_names_exercise_not_internals():
    def weighted_sum(x, w, b):
        return x @ w + b

    text = message(check_call, weighted_sum, ([1.0, 2.0], [3.0, 4.0], 0.0), expected=11.0)
    assert text.startswith("weighted_sum([1, 2], [3, 4], 0) raised TypeError:")
    assert text.endswith("Look at the exercise `weighted_sum`.")
    assert "checks.py" not in text


def test_input_modified_in_place_is_reported():
    def standardize(X):
        X -= X.mean(axis=0)
        return X

    text = message(check_call, standardize, (np.array([[1.0], [3.0]]),),
                   expected=np.array([[-1.0], [1.0]]), shown="standardize(X)")
    assert text.startswith("standardize(X) changed its input in place")


def test_not_callable():
    text = message(call, 3.0, name="sigmoid")
    assert text == "`sigmoid` should be a function, got float."


def test_expect_and_passing_checks_are_silent():
    expect(True, "never shown")
    assert check_call(lambda x: x * 2.0, (np.array([1.0]),), expected=np.array([2.0])) is None
    assert message(expect, False, "sigmoid(0) should be 0.5") == "sigmoid(0) should be 0.5"


def test_describe_call_shortens_big_arrays():
    assert describe_call("f", (np.zeros((10, 3)), 2), {"lr": 0.1}) == (
        "f(<array of shape (10, 3)>, 2, lr=0.1)")


def test_ipython_rendering_hides_package_frames():
    def sigmoid(z):
        return 0.0

    try:
        check_call(sigmoid, (0.0,), expected=0.5)
    except CheckFailed as exc:
        lines = exc._render_traceback_()
    assert lines[-1] == "\x1b[0;31mCheckFailed\x1b[0m: sigmoid(0) should be about 0.5, got 0."
    assert not any("nncourse" in line for line in lines)
    assert any("check_call(sigmoid" in line for line in lines)


def test_a_warning_fails_the_check_and_says_why_np_where_still_divides():
    def standardize(X):
        mean, std = X.mean(axis=0), X.std(axis=0)
        return np.where(std > 0, (X - mean) / std, 0.0)

    text = message(check_call, standardize, (np.array([[5.0, 1.0], [5.0, 3.0]]),),
                   expected=np.array([[0.0, -1.0], [0.0, 1.0]]), shown="standardize(X)")
    assert text.startswith("standardize(X) printed a warning at line ")
    assert "RuntimeWarning: invalid value encountered in divide." in text
    assert ("When your work is graded, a test cell that prints a warning or anything else on "
            "stderr scores 0, even when the answer is right.") in text
    assert "`np.where(cond, a / b, 0.0)` still computes `a / b` everywhere" in text


def test_an_overflow_warning_names_exp():
    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    text = message(check_call, sigmoid, (np.array([-1000.0]),), expected=np.array([0.0]))
    assert "RuntimeWarning: overflow encountered in exp." in text
    assert "only ever takes `exp` of numbers that are at most 0" in text


def test_stderr_output_fails_the_check():
    import sys

    def noisy(x):
        print("debug", file=sys.stderr)
        return x

    text = message(check_call, noisy, (1.0,), expected=1.0)
    assert text.startswith("noisy(1) wrote to stderr: 'debug'. When your work is graded")


def test_an_unwritten_helper_is_named():
    def weighted_sum(x, w, b):
        raise NotImplementedError()

    def neuron_output(x, w, b):
        return 1.0 / (1.0 + np.exp(-weighted_sum(x, w, b)))

    text = message(call, neuron_output, [1.0], [1.0], 0.0)
    assert text == ("`neuron_output` calls `weighted_sum`, which is not written yet: finish the "
                    "exercise `weighted_sum` first, run its cell, then run `neuron_output`'s "
                    "cell and this one.")


def test_an_undefined_helper_is_named():
    def neuron_output(x, w, b):
        return undefined_helper(x, w, b)  # noqa: F821

    text = message(call, neuron_output, [1.0], [1.0], 0.0)
    assert text.startswith("`neuron_output` uses `undefined_helper`, which is not defined: if "
                           "it is an earlier exercise, run that exercise's cell first")


def test_a_catalogued_mistake_is_named():
    X = np.array([[0.0], [4.0]])
    text = message(expect_close, np.array([[-0.5], [0.5]]), np.array([[-1.0], [1.0]]),
                   what="standardize(X)",
                   mistakes={"dividing by the variance instead of the standard deviation":
                             (X - 2.0) / 4.0})
    assert text == ("standardize(X) is wrong at index (0, 0): expected -1, got -0.5 (2 of 2 "
                    "entries differ). This matches a usual mistake: dividing by the variance "
                    "instead of the standard deviation.")


def test_passed_counts_the_checks_that_held(capsys):
    from nncourse.checks import passed

    check_call(lambda x: x, (1.0,), expected=1.0)
    expect(True, "never shown")
    assert passed("sigmoid") is None
    assert capsys.readouterr().out == (
        "\N{CHECK MARK} `sigmoid`: 2 checks passed; more run at grading.\n")
    with pytest.raises(CheckFailed):
        expect_close(1.0, 2.0, what="f()")
    check_call(lambda x: x, (1.0,), expected=1.0)
    passed("relu", hidden=False)
    assert capsys.readouterr().out == "\N{CHECK MARK} `relu`: 1 check passed.\n"


def test_a_cell_that_stops_early_adds_nothing_to_the_next_cells_count():
    """In a kernel each cell counts its own checks: a cell stopped by an error (not a failed
    check) after one check held must not make the next cell's ``passed`` say 2."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "from nncourse.checks import expect, passed",
        "expect(True, 'holds')\nraise ValueError('the learner function crashed')",
        "expect(True, 'holds')\npassed('relu', hidden=False)",
    )])
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute()
    assert nb.cells[1].outputs[0]["ename"] == "ValueError"
    assert nb.cells[2].outputs[0]["text"] == "\N{CHECK MARK} `relu`: 1 check passed.\n"


def test_a_division_warning_without_np_where_points_at_the_input():
    def softmax(Z):
        E = np.exp(Z - Z.max())
        return E / E.sum(axis=1, keepdims=True)

    text = message(check_call, softmax, (np.array([[0.0, 1000.0], [-1000.0, -999.0]]),),
                   expected=np.array([[0.0, 1.0], [0.2689, 0.7311]]), atol=1e-4,
                   shown="softmax(Z)")
    assert "RuntimeWarning: invalid value encountered in divide." in text
    assert "np.where" not in text
    assert "Some input makes this line divide by zero or compute 0/0" in text


def test_an_error_inside_a_helper_names_the_helper_and_the_calling_line():
    def dense_backward(dZ, X, W):
        return dZ @ W.T

    def mlp_backward(dZ, X, W):
        return dense_backward(dZ, X, W.T)

    text = message(call, mlp_backward, np.ones((2, 3)), np.ones((2, 4)), np.ones((4, 3)))
    assert "(in `dense_backward`, line " in text
    assert ": `return dZ @ W.T`, called from `mlp_backward`, line " in text
    assert text.endswith(": `return dense_backward(dZ, X, W.T)`). Look at the exercise "
                         "`mlp_backward`.")


def test_numbers_that_look_equal_get_more_digits():
    text = message(expect_close, np.array([0.1192]), np.array([0.11920292]), what="f(X)",
                   atol=1e-8)
    assert text == ("f(X) is wrong at index 0: expected 0.119203, got 0.1192 (1 of 1 entries "
                    "differ).")
    assert message(expect_close, 2.0000001, 2.0, what="g()", atol=1e-9, rtol=0) == (
        "g() should be about 2, got 2.0000001.")


def test_a_mistake_that_gives_the_right_answer_here_is_not_named():
    got = [[1.5, 3.5]]
    text = message(expect_close, got, np.array([[1.5, 3.5]]), what="dense_forward(X, W, b)",
                   mistakes={"ReLU applied inside the layer": np.array([[1.5, 3.5]])})
    assert text == ("dense_forward(X, W, b) should return a numpy array of shape (1, 2), got "
                    "list [[1.5, 3.5]].")
