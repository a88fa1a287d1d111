"""Lesson 00 (welcome): what the machine cell, the scale explorer and the test cells show,
checked with the lesson's own cells and the explorer's own settings."""

from __future__ import annotations

import contextlib
import functools
import io
import re
import warnings

import numpy as np

from claims import ROOT, cell_text, claim, lesson_namespace, slider_values
from grader.notebooks import read
from nncourse.checks import CheckFailed
from nncourse.widgets.welcome import (
    SCALE_SLIDER,
    STANDARDIZED_LIMITS,
    raw_limits,
    readout,
    rescale_state,
    scale_explorer,
)

L = "00_welcome"



@functools.cache
def _explorer():
    """One scale explorer, built once (a build draws the whole figure)."""
    return scale_explorer()


def _panel():
    """The explorer, back at the lesson's default slider value."""
    panel = _explorer()
    panel.controls["log10_scale"].value = SCALE_SLIDER["value"]
    return panel


def _moved(values):
    """A few slider values the panel is moved to: the ends, the default and some between."""
    return sorted({SCALE_SLIDER["low"], SCALE_SLIDER["high"], SCALE_SLIDER["value"], *values})


def _run_test_cell(standardize_source: str | None = None):
    """Run the visible test cell after the lesson's setup (and the solution, or the given
    source typed as a learner's cell); return (printed text, CheckFailed or None)."""
    namespace = dict(lesson_namespace(L, upto="standardize"))
    if standardize_source is not None:
        exec(compile(standardize_source, "<learner-cell>", "exec"), namespace)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace["passed"]("reset")  # start the count of held checks from zero
    out = io.StringIO()
    failure = None
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(cell_text(L, "test_standardize"), "<test_standardize>", "exec"), namespace)
        except CheckFailed as exc:
            failure = exc
    return out.getvalue(), failure


NAIVE_WHERE = """
def standardize(X):
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    return np.where(std > 0, (X - mean) / std, 0.0)
"""

NAIVE_CONSTANT_WHERE = """
def standardize(X):
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    constant = X.max(axis=0) == X.min(axis=0)
    return np.where(constant, 0.0, (X - mean) / std)
"""

HINTED = """
def standardize(X):
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    constant = X.max(axis=0) == X.min(axis=0)
    safe = np.where(constant, 1.0, std)
    return np.where(constant, 0.0, (X - mean) / safe)
"""

STD_POSITIVE = """
def standardize(X):
    X = np.asarray(X, dtype=float)
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    safe = np.where(std > 0, std, 1.0)
    return np.where(std > 0, (X - mean) / safe, 0.0)
"""

SAMPLE_STD = """
def standardize(X):
    X = np.asarray(X, dtype=float)
    std = X.std(axis=0, ddof=1)
    return (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
"""


# ---------------------------------------------------------------- the machine cell

@claim(L, "machine-intro", "Lessons 00-06 use only numpy")
def numpy_lessons_import_no_deep_learning_framework():
    framework = re.compile(r"^\s*(import|from)\s+(tensorflow|keras|torch|jax)\b", re.MULTILINE)
    lessons = sorted(p for p in (ROOT / "solutions").iterdir()
                     if p.is_dir() and p.name[:2].isdigit() and int(p.name[:2]) <= 6)
    assert len(lessons) == 7
    for folder in lessons:
        for cell in read(folder / f"{folder.name}.ipynb").cells:
            if cell.cell_type == "code":
                assert not framework.search(cell.source), (folder.name, cell.get("id"))


@claim(L, "machine-intro", "The cell below prints the versions of Python and numpy, the "
       "operating system, the number of CPU cores, the memory and the GPUs it finds.")
def machine_cell_prints_versions_cores_memory_gpus():
    namespace = dict(lesson_namespace(L, upto="setup"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(cell_text(L, "machine"), "<machine>", "exec"), namespace)
    printed = dict(line.split(":", 1) for line in out.getvalue().splitlines())
    printed = {key.strip(): value.strip() for key, value in printed.items()}
    assert set(printed) == {"python", "numpy", "system", "cpu cores", "memory", "gpu"}, printed
    assert printed["numpy"] == np.__version__
    assert printed["cpu cores"].isdigit()


# ---------------------------------------------------------------- the scale explorer

@claim(L, "scale-intro", "60 people are described by two")
def sixty_people_two_features():
    assert rescale_state(SCALE_SLIDER["value"])["raw"].shape == (60, 2)
    assert _panel().state["raw"].shape == (60, 2)


@claim(L, "scale-intro", "at 2 the factor is 100, at -1 it is 0.1")
def slider_value_is_a_power_of_ten():
    values = slider_values(SCALE_SLIDER)
    assert 2.0 in values and -1.0 in values
    assert np.isclose(rescale_state(2.0)["scale"], 100.0)
    assert np.isclose(rescale_state(-1.0)["scale"], 0.1)


@claim(L, "scale-intro", "Its axes stay fixed, and the vertical one is logarithmic")
def raw_axes_are_fixed_and_log():
    panel = _panel()
    raw_ax = panel.live.axes[0]
    assert raw_ax.get_yscale() == "log"
    limits = (raw_ax.get_xlim(), raw_ax.get_ylim())
    assert limits == raw_limits()
    for value in _moved([-1.3, 0.7, 2.2]):
        panel.controls["log10_scale"].value = value
        assert (raw_ax.get_xlim(), raw_ax.get_ylim()) == limits, value
    (x0, x1), (y0, y1) = limits
    for value in slider_values(SCALE_SLIDER):  # the cloud stays inside the fixed axes
        xy = rescale_state(value)["raw"]
        assert (xy[:, 0] > x0).all() and (xy[:, 0] < x1).all(), value
        assert (xy[:, 1] > y0).all() and (xy[:, 1] < y1).all(), value


@claim(L, "scale-intro", "each labelled step is ten times the one below, so multiplying foot "
       "length by 10 lifts the cloud by one step")
def one_slider_unit_is_one_decade():
    panel = _panel()
    raw_ax = panel.live.axes[0]
    panel.live.render()
    ticks = raw_ax.get_yticks()
    assert np.allclose(ticks[1:] / ticks[:-1], 10.0)
    heights = []
    for value in (-1.0, 0.0, 1.0, 2.0):
        panel.controls["log10_scale"].value = value
        heights.append(np.log10(panel.live.raw_points.get_offsets()[:, 1]))
    for lower, upper in zip(heights, heights[1:], strict=False):
        assert np.allclose(upper - lower, 1.0)


@claim(L, "scale-intro", "The line under the plots gives each column's spread (its standard "
       "deviation $\\sigma_j$).")
def readout_gives_both_spreads():
    panel = _panel()
    for value in (SCALE_SLIDER["value"], 1.5, -2.0):
        panel.controls["log10_scale"].value = value
        state = panel.state
        assert panel.readout.value == readout(state)
        std = state["raw"].std(axis=0)
        assert f"height {std[0]:.3g}" in panel.readout.value
        assert f"foot length {std[1]:.3g}" in panel.readout.value


@claim(L, "scale-intro", "the raw cloud climbs or sinks and the foot-length spread changes by "
       "the same factor, while the standardized plot does not move at all.")
def raw_moves_standardized_stays():
    panel = _panel()
    start_raw = panel.live.raw_points.get_offsets().copy()
    start_scaled = panel.live.scaled_points.get_offsets().copy()
    start_std = panel.state["std"].copy()
    for value in slider_values(SCALE_SLIDER):
        state = rescale_state(value)
        assert np.allclose(state["scaled"], start_scaled, atol=1e-9), value
        assert np.allclose(state["std"], start_std * [1.0, 10.0**value]), value
    for value in _moved([-2.0, -0.5, 1.0, 2.5]):
        panel.controls["log10_scale"].value = value
        factor = 10.0**value
        raw = panel.live.raw_points.get_offsets()
        assert np.allclose(raw[:, 1], start_raw[:, 1] * factor)
        assert np.allclose(raw[:, 0], start_raw[:, 0])
        assert np.allclose(panel.state["std"], start_std * [1.0, factor])
        assert np.allclose(panel.live.scaled_points.get_offsets(), start_scaled, atol=1e-9)


# ---------------------------------------------------------------- what test cells print

@claim(L, "test-messages", "✓ `standardize`: 3 checks passed; more run at grading.")
def passing_cell_prints_the_tick_line():
    printed, failure = _run_test_cell()
    assert failure is None
    assert printed.strip() == "✓ `standardize`: 3 checks passed; more run at grading."


@claim(L, "test-messages", "An error box that ends in a red `CheckFailed:` and a sentence naming "
       "the call that went wrong, what it should return and what came back; often it also names "
       "the usual mistake your answer matches.")
def failing_cell_names_call_expected_got_and_mistake():
    printed, failure = _run_test_cell(SAMPLE_STD)
    assert failure is not None and "✓" not in printed
    assert failure._render_traceback_()[-1].startswith("\x1b[0;31mCheckFailed\x1b[0m: ")
    message = str(failure)
    assert message.startswith("standardize([[1, 10], [2, 20], [3, 30]])")
    assert "expected -1.225, got -1 " in message
    assert "This matches a usual mistake: the sample standard deviation (ddof=1)" in message


@claim(L, "test-messages", "So the test cells here catch the warning and fail with a "
       "`CheckFailed` box that quotes it and says which line of your cell warned")
def warning_fails_the_cell_and_names_the_line():
    printed, failure = _run_test_cell(NAIVE_WHERE)
    assert failure is not None and "✓" not in printed
    assert failure._render_traceback_()[-1].startswith("\x1b[0;31mCheckFailed\x1b[0m: ")
    message = str(failure)
    assert "printed a warning at line 6 of your cell" in message
    assert "RuntimeWarning: invalid value encountered in divide" in message
    assert "scores 0, even when the answer is right" in message


# ---------------------------------------------------------------- the hint

@claim(L, "exercise-intro", "`safe = np.where(constant, 1.0, std)`, divide by it, and then put "
       "zeros in those columns with `np.where(constant, 0.0, ...)`.")
def hinted_answer_passes_without_warning():
    printed, failure = _run_test_cell(HINTED)
    assert failure is None, failure
    assert printed.startswith("✓ `standardize`")


@claim(L, "exercise-intro", "so this still divides by zero, numpy warns, and the test cell fails.")
def naive_where_warns_and_fails():
    for source in (NAIVE_WHERE, NAIVE_CONSTANT_WHERE):
        _printed, failure = _run_test_cell(source)
        assert failure is not None and "RuntimeWarning" in str(failure)


@claim(L, "test-messages", "When you run code yourself, a warning does not stop it: the code runs "
       "on and the warning appears as text in a pink box, because it is written on **stderr**")
def a_warning_outside_the_tests_does_not_stop_the_code():
    namespace = dict(lesson_namespace(L, upto="setup"))
    exec(compile(NAIVE_WHERE, "<learner-cell>", "exec"), namespace)
    err = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        warnings.showwarning = (  # what Python does outside pytest: print on stderr
            lambda message, category, filename, lineno, file=None, line=None:
            err.write(warnings.formatwarning(message, category, filename, lineno, line)))
        Z = namespace["standardize"](np.array([[5.0, 1.0], [5.0, 3.0]]))
    assert np.array_equal(Z, [[0.0, -1.0], [0.0, 1.0]])  # it ran on and returned
    assert "RuntimeWarning: invalid value encountered in divide" in err.getvalue()


# ---------------------------------------------------------------- constant columns

@claim(L, "exercise-intro", "For the column $(0.1, 0.1, 0.1)$ numpy's mean is 0.10000000000000002 "
       "and its standard deviation about 1.4e-17, so dividing by it turns the column into "
       "$(-1, -1, -1)$ instead of zeros.")
def a_constant_column_of_tenths_has_a_tiny_nonzero_std():
    column = np.full(3, 0.1)
    assert repr(float(column.mean())) == "0.10000000000000002"
    std = column.std()
    assert std > 0 and f"{std:.1e}" == "1.4e-17"
    assert np.array_equal((column - column.mean()) / std, [-1.0, -1.0, -1.0])
    assert (column.max() == column.min()) is np.True_


@claim(L, "exercise-intro", "Do not test `std > 0`: floating-point rounding can leave a constant "
       "column with a tiny standard deviation that is not 0.")
def the_std_positive_test_fails_the_visible_cell_and_is_named():
    printed, failure = _run_test_cell(STD_POSITIVE)
    assert failure is not None and "✓" not in printed
    message = str(failure)
    assert message.startswith("standardize([[0.1, 1], [0.1, 2], [0.1, 3]])")
    assert "This matches a usual mistake: testing `std > 0`" in message
    # the lesson's own solution finds that column exactly
    Z = lesson_namespace(L, upto="standardize")["standardize"](
        np.array([[0.1, 1.0], [0.1, 2.0], [0.1, 3.0]]))
    assert np.array_equal(Z[:, 0], np.zeros(3))


# ---------------------------------------------------------------- the flat-looking raw cloud

@claim(L, "scale-intro", "Its vertical axis spans more than six powers of ten, so that the cloud "
       "fits at every slider position, while the foot lengths (about 21 to 29 cm at the start) "
       "fill less than a sixth of one step.")
def raw_cloud_is_a_sliver_of_a_tall_log_axis():
    panel = _panel()
    y0, y1 = panel.live.axes[0].get_ylim()
    assert 6.0 < np.log10(y1 / y0) < 7.0
    foot = panel.live.raw_points.get_offsets()[:, 1]
    assert round(float(foot.min())) == 21 and round(float(foot.max())) == 29
    assert np.log10(foot.max() / foot.min()) < 1 / 6


@claim(L, "scale-intro", "The standardized plot gives each column the same spread, 1, and there "
       "the link between the two features shows: taller people tend to have longer feet.")
def standardized_cloud_shows_the_correlation():
    panel = _panel()
    scaled = panel.live.scaled_points.get_offsets()
    assert np.allclose(scaled.std(axis=0), 1.0)
    assert np.corrcoef(scaled.T)[0, 1] > 0.5
    assert (STANDARDIZED_LIMITS[0] < scaled).all() and (scaled < STANDARDIZED_LIMITS[1]).all()


# ---------------------------------------------------------------- training statistics

@claim(L, "train-test", "it keeps the training statistics `mu` and `sigma` and applies them to a "
       "test set of two tall people.")
def worked_cell_applies_training_statistics_to_tall_people():
    ns = lesson_namespace(L, upto="train-test-worked")
    train, test = ns["train"], ns["test"]
    assert np.array_equal(ns["mu"], train.mean(axis=0))
    assert np.array_equal(ns["sigma"], train.std(axis=0))
    assert test.shape[0] == 2 and (test[:, 0] > train[:, 0].mean() + 2 * train[:, 0].std()).all()


@claim(L, "train-test", "Your `standardize(X)` takes its statistics from `X` itself, so it is "
       "right for the training data only.")
def standardize_uses_its_own_statistics():
    ns = lesson_namespace(L, upto="train-test-worked")
    own = ns["standardize"](ns["test"])
    assert np.allclose(own.mean(axis=0), 0.0)  # the tall people would look average
    assert not np.allclose(own, (ns["test"] - ns["mu"]) / ns["sigma"])


@claim(L, "train-test-read", "Both test people come out about 2 standard deviations above the "
       "training mean in height and in foot length")
def tall_people_are_about_two_sigmas_up():
    ns = lesson_namespace(L, upto="train-test-worked")
    z = (ns["test"] - ns["mu"]) / ns["sigma"]
    assert (np.abs(z - 2.0) < 0.25).all(), z
