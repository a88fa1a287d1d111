"""Lesson 00 (welcome): what the machine cell, the scale explorer and the test cells show,
checked with the lesson's own cells and the explorer's own settings."""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import re
import warnings

import numpy as np

from claims import ROOT, cell_text, claim, lesson_namespace, slider_values
from grader.notebooks import read
from nncourse import bigpicture
from nncourse.checks import CheckFailed
from nncourse.selfcheck import question
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
        heights.append(np.log10(panel.live.raw_points.get_xydata()[:, 1]))
    for lower, upper in zip(heights, heights[1:], strict=False):
        assert np.allclose(upper - lower, 1.0)


@claim(L, "scale-read", "The line under the plots gives each column's spread (its standard "
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
        # the ratio names its order: foot length over height, not the larger over the smaller
        assert f"(foot length / height = {std[1] / std[0]:.3g})" in panel.readout.value


@claim(L, "scale-read", "the raw cloud climbs or sinks and the foot-length spread changes by "
       "the same factor, while the standardized plot does not move at all.")
def raw_moves_standardized_stays():
    panel = _panel()
    start_raw = panel.live.raw_points.get_xydata().copy()
    start_scaled = panel.live.scaled_points.get_xydata().copy()
    start_std = panel.state["std"].copy()
    for value in slider_values(SCALE_SLIDER):
        state = rescale_state(value)
        assert np.allclose(state["scaled"], start_scaled, atol=1e-9), value
        assert np.allclose(state["std"], start_std * [1.0, 10.0**value]), value
    for value in _moved([-2.0, -0.5, 1.0, 2.5]):
        panel.controls["log10_scale"].value = value
        factor = 10.0**value
        raw = panel.live.raw_points.get_xydata()
        assert np.allclose(raw[:, 1], start_raw[:, 1] * factor)
        assert np.allclose(raw[:, 0], start_raw[:, 0])
        assert np.allclose(panel.state["std"], start_std * [1.0, factor])
        assert np.allclose(panel.live.scaled_points.get_xydata(), start_scaled, atol=1e-9)


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


# ---------------------------------------------------------------- no division by zero

@claim(L, "exercise-intro", "No division by zero may happen at all, not even in numbers you "
       "throw away afterwards: numpy warns, and the test cell fails.")
def any_division_by_zero_fails_and_a_safe_denominator_passes():
    for source in (NAIVE_WHERE, NAIVE_CONSTANT_WHERE):
        _printed, failure = _run_test_cell(source)
        assert failure is not None and "RuntimeWarning" in str(failure)
    printed, failure = _run_test_cell(HINTED)  # one way that never divides by zero
    assert failure is None, failure
    assert printed.startswith("✓ `standardize`")


@claim(L, "exercise-intro", "so `np.where(constant, 0.0, (X - mean) / std)` still divides by "
       "zero.")
def where_around_the_division_still_divides_by_zero():
    _printed, failure = _run_test_cell(NAIVE_CONSTANT_WHERE)
    assert failure is not None and "invalid value encountered in divide" in str(failure)
    assert "np.where(constant, 0.0, (X - mean) / std)" in NAIVE_CONSTANT_WHERE


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

@claim(L, "scale-read", "Its vertical axis spans more than six powers of ten, so that the cloud "
       "fits at every slider position, while the foot lengths (about 21 to 29 cm at the start) "
       "fill less than a sixth of one step.")
def raw_cloud_is_a_sliver_of_a_tall_log_axis():
    panel = _panel()
    y0, y1 = panel.live.axes[0].get_ylim()
    assert 6.0 < np.log10(y1 / y0) < 7.0
    foot = panel.live.raw_points.get_xydata()[:, 1]
    assert round(float(foot.min())) == 21 and round(float(foot.max())) == 29
    assert np.log10(foot.max() / foot.min()) < 1 / 6


@claim(L, "scale-read", "The standardized plot gives each column the same spread, 1, and there "
       "the link between the two features shows: taller people tend to have longer feet.")
def standardized_cloud_shows_the_correlation():
    panel = _panel()
    scaled = panel.live.scaled_points.get_xydata()
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


# ---------------------------------------------------------------- the big picture

def _picture(cell_id: str):
    """The Picture the lesson's figure cell shows: the value of its last line."""
    namespace = dict(lesson_namespace(L))
    tree = ast.parse(cell_text(L, cell_id))
    *body, last = tree.body
    assert isinstance(last, ast.Expr), f"{cell_id} should end in the figure"
    exec(compile(ast.Module(body=body, type_ignores=[]), f"<{cell_id}>", "exec"), namespace)
    return eval(compile(ast.Expression(last.value), f"<{cell_id}>", "eval"), namespace)


def _circles(ax) -> int:
    return sum(1 for patch in ax.patches if type(patch).__name__ == "Circle")


@functools.cache
def _demo():
    """The lesson's own demo run (the `run` its cell computed)."""
    return lesson_namespace(L)["run"]


@claim(L, "network-idea", "The left one has 2 inputs, one hidden layer of 6 neurons and 1 "
       "output: it is the network the demo below trains.")
def left_network_is_the_demo_network():
    assert bigpicture.demo_sizes() == (2, 6, 1)
    assert bigpicture.PlaygroundModel(**bigpicture.DEMO).sizes == [2, 6, 1]
    assert list(_demo()["sizes"]) == [2, 6, 1]
    left = _picture("network-figure").figure.axes[0]
    assert _circles(left) == 2 + 6 + 1
    labels = [t.get_text() for t in left.texts]
    assert labels == ["input\nlayer", "hidden\nlayer", "output\nlayer"], labels


@claim(L, "network-idea", "The right one has three hidden layers: a deeper network.")
def right_network_has_three_hidden_layers():
    right = _picture("network-figure").figure.axes[1]
    labels = [t.get_text() for t in right.texts]
    assert labels == ["input\nlayer", "hidden\nlayer 1", "hidden\nlayer 2", "hidden\nlayer 3",
                      "output\nlayer"], labels


@claim(L, "loop-idea", "Each step has four parts, drawn below")
def loop_figure_draws_the_four_steps_in_order():
    figure = _picture("loop-figure").figure
    assert figure.loop_names == ["forward", "loss", "backward", "update"]
    texts = [t.get_text() for t in figure.axes[0].texts]
    for name in figure.loop_names:
        assert name in texts, (name, texts)
    boxes = [p for p in figure.axes[0].patches if type(p).__name__ == "FancyBboxPatch"]
    arrows = [p for p in figure.axes[0].patches if type(p).__name__ == "FancyArrowPatch"]
    assert len(boxes) == 4 and len(arrows) == 4  # four boxes, four arrows closing the loop


@claim(L, "demo-idea", "class 1 (red) inside a circle, class 0 (blue) in a ring around it")
def demo_data_is_a_red_disc_inside_a_blue_ring():
    run = _demo()
    radius = np.hypot(*run["X"].T)
    inner, outer = radius[run["y"] == 1], radius[run["y"] == 0]
    assert inner.max() < outer.min()  # a disc, then a ring around it
    board = _picture("demo-static").figure.axes[0]
    colours = {line.get_markerfacecolor() for line in board.lines}
    assert colours == {"#2166ac", "#b2182b"}  # blue for class 0, red for class 1
    blue, red = board.lines
    assert np.array_equal(np.column_stack(blue.get_data()), run["X"][run["y"] == 0])
    assert np.array_equal(np.column_stack(red.get_data()), run["X"][run["y"] == 1])


@claim(L, "demo-idea", "The network learns from 400 **training points** and is judged on 400 "
       "other points drawn the same way, the **test points**")
def four_hundred_training_and_test_points():
    model = bigpicture.PlaygroundModel(**bigpicture.DEMO)
    assert len(model.X_train) == 400 and len(model.X_test) == 400
    assert not np.isin(model.X_test, model.X_train).all(axis=1).any()


@claim(L, "demo-idea", "One training step uses up to 32 of the training points.")
def one_step_uses_up_to_32_points():
    model = bigpicture.PlaygroundModel(**bigpicture.DEMO)
    sizes = []
    for _ in range(bigpicture.DEMO_STEPS):
        model.step(1)
        sizes.append(model.last_batch_size)
    assert max(sizes) == 32 and sizes[0] == 32 and min(sizes) > 0


@claim(L, "demo-idea", "red where it says class 1, blue where it says class 0, pale where it "
       "is unsure")
def background_red_for_class_1_blue_for_class_0():
    image = _picture("demo-static").figure.axes[1].images[0]
    red, _green, blue, _alpha = image.cmap(image.norm(1.0))
    assert red > blue
    red, _green, blue, _alpha = image.cmap(image.norm(0.0))
    assert blue > red
    pale = image.cmap(image.norm(0.5))
    assert min(pale[:3]) > 0.85  # near white


@claim(L, "self-check-untrained", 'self_check("00.untrained")')
def untrained_network_is_right_about_half_the_time():
    q = question("00.untrained")
    assert q.options[q.answer] == "about half of them"
    assert not any("guess" in option for option in q.options)  # the options give nothing away
    model = bigpicture.PlaygroundModel(**bigpicture.DEMO)  # "two classes of the same size"
    assert (model.y_test == 1).sum() == (model.y_test == 0).sum()
    assert 0.4 <= _demo()["history"]["test_accuracy"][0] <= 0.6


@claim(L, "demo-read", "Before training, the network says class 0 everywhere: its probability "
       "of class 1 is below 0.5 at every place in the plane, so the left panel has no red in "
       "it. That is why it puts exactly 50% of the test points in the right class, the blue "
       "half, no better than guessing.")
def class_0_everywhere_so_fifty_percent_before_training():
    run = _demo()
    assert run["history"]["step"][0] == 0
    assert (run["before"] < 0.5).all()  # the whole plane drawn
    model = bigpicture.PlaygroundModel(**bigpicture.DEMO)
    p, _cache = model.functions.mlp_forward(model.X_test, model.params, model.sizes,
                                            model.settings["activation"])
    assert (p < 0.5).all()  # class 0 for every test point
    right = (p[:, 0] >= 0.5) == (model.y_test == 1)
    assert np.array_equal(right, model.y_test == 0)  # exactly the blue half is right
    assert run["history"]["test_accuracy"][0] == 0.5
    assert _picture("demo-static").figure.axes[0].get_title().startswith(
        "before training: 50% of test points right")
    image = _picture("demo-static").figure.axes[0].images[0]
    colours = image.cmap(image.norm(run["before"].ravel()))
    assert (colours[:, 0] <= colours[:, 2]).all()  # no red anywhere in the left panel


@claim(L, "demo-read", "After 200 training steps it gets every test point right, and its "
       "boundary is a closed curve around the red points.")
def every_test_point_right_after_200_steps_inside_a_closed_boundary():
    run = _demo()
    assert run["steps"] == 200 == run["history"]["step"][-1]
    assert run["history"]["test_accuracy"][-1] == 1.0
    after = run["after"]
    edge = np.concatenate([after[0], after[-1], after[:, 0], after[:, -1]])
    assert (edge < 0.5).all()  # class 1 nowhere on the border: the red region is enclosed
    assert (after >= 0.5).any()


@claim(L, "demo-read", "The loss falls from about 0.63 to about 0.05, and the loss on the test "
       "points follows the loss on the training points closely.")
def loss_falls_and_test_follows_train():
    h = _demo()["history"]
    assert round(h["train_loss"][0], 2) == 0.63 and round(h["train_loss"][-1], 2) == 0.05
    gap = np.abs(np.subtract(h["test_loss"], h["train_loss"]))
    assert gap.max() < 0.03, gap.max()


@claim(L, "demo-read", "each tick runs 5 training steps and redraws; after 200 steps you reach "
       "the picture above, since the run starts from the same random numbers.")
def live_demo_replays_the_static_run():
    board = bigpicture.demo_playground()
    assert board.speed.value == 5
    assert all(board.model.settings[k] == v for k, v in bigpicture.DEMO.items())
    renders = board.live.renders
    while board.model.steps < 200:
        assert board.step() == 5
    assert board.live.renders == renders + 40  # one redraw per tick
    np.testing.assert_allclose(board.model.boundary, _demo()["after"], atol=1e-12)
    np.testing.assert_allclose(board.model.history["test_accuracy"][-1],
                               _demo()["history"]["test_accuracy"][-1])


@claim(L, "self-check-bump-units", 'self_check("00.bump-units")')
def a_bump_takes_two_units():
    assert question("00.bump-units").answer == 2
    x = np.linspace(0.0, 1.0, 401)
    up, down, hump = bigpicture.bump(x)
    assert np.allclose(hump, up - down)
    assert hump.max() > 0.95 and hump[0] < 0.01 and hump[-1] < 0.01


@claim(L, "approx-read", "a step up at 0.3 minus a step up at 0.6 makes a bump: two hidden "
       "neurons.")
def the_bump_panel_is_two_steps():
    ax = _picture("approx-figure").figure.axes[0]
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["step up at 0.3", "step up at 0.6", "first minus second"]
    x = np.linspace(0.0, 1.0, 401)
    up, down, _hump = bigpicture.bump(x)
    assert abs(x[np.argmin(np.abs(up - 0.5))] - 0.3) < 0.01
    assert abs(x[np.argmin(np.abs(down - 0.5))] - 0.6) < 0.01


@claim(L, "approx-read", "The other panels add one step for each of 4, 12 and 40 equal pieces "
       "of $[0, 1]$, each as tall as the curve rises or falls over its piece.")
def one_step_per_piece_as_tall_as_the_curve_moves():
    assert bigpicture.APPROX_UNITS == (4, 12, 40)
    assert bigpicture.APPROX_RANGE == (0.0, 1.0)
    axes = _picture("approx-figure").figure.axes
    for ax, n in zip(axes[1:], bigpicture.APPROX_UNITS, strict=True):
        assert ax.get_title().startswith(f"{n} hidden units")
        W1, b1, W2, _b2 = bigpicture.staircase_params(n)
        assert W1.shape == (1, n)
        knots = np.linspace(0.0, 1.0, n + 1)
        np.testing.assert_allclose(-b1 / W1[0], (knots[:-1] + knots[1:]) / 2)
        np.testing.assert_allclose(W2[:, 0], np.diff(bigpicture.target_curve(knots)))


@claim(L, "approx-read", "With 4 hidden neurons the network's curve is a rough copy (the largest "
       "gap is about 0.26); with 12 the gap is about 0.08, and with 40 about 0.02: more "
       "neurons, a closer copy.")
def gaps_shrink_with_width():
    gaps = [bigpicture.approximation_state(n)["max_error"] for n in bigpicture.APPROX_UNITS]
    assert [round(g, 2) for g in gaps] == [0.26, 0.08, 0.02], gaps
    assert gaps[0] > gaps[1] > gaps[2]


@claim(L, "self-check-slider-standardized", 'self_check("00.slider-standardized")')
def slider_leaves_the_standardized_foot_lengths_unchanged():
    q = question("00.slider-standardized")
    assert q.options[q.answer] == "they do not change at all"
    assert SCALE_SLIDER["value"] == 0.0 and 2.0 in slider_values(SCALE_SLIDER)
    start, moved = rescale_state(0.0), rescale_state(2.0)
    np.testing.assert_allclose(moved["raw"][:, 1], 100.0 * start["raw"][:, 1])
    np.testing.assert_allclose(moved["scaled"], start["scaled"], atol=1e-9)
    assert np.ptp(start["scaled"][:, 1]) > 1.0  # not all 0
    standardize = lesson_namespace(L, upto="standardize")["standardize"]
    np.testing.assert_allclose(standardize(moved["raw"]), standardize(start["raw"]), atol=1e-9)



@claim(L, "demo-read", "the right plot draws the loss against the **epoch**, one pass through "
       "the 400 training points: 12 steps of 32 and a last one of 16.")
def an_epoch_is_twelve_steps_of_32_and_one_of_16():
    board = bigpicture.demo_playground()
    assert len(board.model.X_train) == 400 and board.model.settings["batch_size"] == 32
    sizes = []
    for _ in range(26):
        board.step(1)
        sizes.append(board.model.last_batch_size)
    assert sizes == ([32] * 12 + [16]) * 2
    assert board.model.epoch == 2.0  # 26 steps: two passes over the 400 points
    assert board.live.axes[1].get_xlabel() == "epoch"
    assert board.live.axes[1].get_ylabel().startswith("loss")
    assert board.live.axes[0].get_title().startswith("P(class 1)")
    h = board.model.history
    assert h["epoch"][-1] == 2.0 and h["step"][-1] == 26 and h["epoch"][13] == 1.0


@claim(L, "approx-idea", "with a positive weight, close to 0 on its left and close to 1 on its "
       "right; the weight sets how steep the step is and, with the bias, where it stands.")
def a_sigmoid_unit_is_a_step_placed_by_weight_and_bias():
    W1, b1, _W2, _b2 = bigpicture.staircase_params(4)
    x = np.linspace(0.0, 1.0, 401)
    _out, hidden = bigpicture.one_hidden_layer(x, bigpicture.staircase_params(4))
    assert (W1 > 0).all()
    for unit in range(4):
        middle = -b1[unit] / W1[0, unit]  # where the step stands: from weight and bias
        left, right = hidden[x < middle - 0.2, unit], hidden[x > middle + 0.2, unit]
        assert (left < 0.2).all() and (right > 0.8).all()
        assert abs(x[np.argmin(np.abs(hidden[:, unit] - 0.5))] - middle) < 0.01
    steep, shallow = bigpicture.bump(x, steepness=80.0)[0], bigpicture.bump(x, steepness=10.0)[0]
    assert np.abs(np.diff(steep)).max() > np.abs(np.diff(shallow)).max()


@claim(L, "demo-read", "The small print under the plots names the functions doing the work, "
       "here the course's own (*reference*) versions; in lessons 03 to 06 you write them "
       "yourself.")
def live_demo_trains_with_reference_functions_of_lessons_03_to_06():
    from support.syllabus import CONTRACT

    readout = bigpicture.demo_playground().readout.value
    named = re.findall(r"<code>(\w+)</code>: ([\w ()]+)", readout)
    assert named, readout
    exercises = {name for lesson, names in CONTRACT.items() if "03" <= lesson[:2] <= "06"
                 for name in names}
    for name, source in named:
        assert source == "reference", (name, source)
        assert name in exercises, name


# ---------------------------------------------------------------- issue 10 review fixes

@claim(L, "network-idea", "In the pictures below, each circle of the hidden and output layers is "
       "a neuron, and the lines that come into it are its weights (its bias is not drawn); the "
       "circles of the input layer are not neurons, each just holds one input number.")
def input_circles_hold_numbers_the_others_are_neurons_with_incoming_weights():
    sizes = bigpicture.demo_sizes()
    left = _picture("network-figure").figure.axes[0]
    circles = [p for p in left.patches if type(p).__name__ == "Circle"]
    inputs, neurons = circles[:sizes[0]], circles[sizes[0]:]
    assert len(inputs) == sizes[0] == 2  # one circle per input number
    input_colour = {tuple(c.get_facecolor()) for c in inputs}
    assert len(input_colour) == 1 and not input_colour & {tuple(c.get_facecolor())
                                                            for c in neurons}
    lines = left.collections[0].get_segments()
    starts = {tuple(np.round(seg[1], 6)) for seg in lines}  # where each line ends (comes in)
    for circle in inputs:  # no line comes into an input circle
        assert tuple(np.round(circle.center, 6)) not in starts
    positions = bigpicture.network_positions(sizes)
    for layer in range(1, len(sizes)):  # into each neuron: one line per number of the layer before
        for centre in positions[layer]:
            into = [seg for seg in lines if np.allclose(seg[1], centre)]
            assert len(into) == sizes[layer - 1]
    # nothing else: one line per weight, one circle per number, no mark for a bias
    assert len(lines) == sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    assert len(circles) == sum(sizes) and len(left.collections) == 1
    assert {type(p).__name__ for p in left.patches} == {"Circle"}


@claim(L, "network-idea", "the **neuron** (also called a **unit**)")
def the_figures_call_neurons_units():
    ax = _picture("approx-figure").figure.axes
    assert ax[0].get_title() == "two units make a bump"
    assert "hidden unit" in question("00.bump-units").prompt


@claim(L, "loop-idea", "3. **Backward**: for every parameter (each weight and each bias)")
def loop_figure_backward_and_update_name_weights_and_biases():
    texts = [t.get_text() for t in _picture("loop-figure").figure.axes[0].texts]
    steps = dict((name, what) for name, what, _where in bigpicture.LOOP_STEPS)
    for name in ("backward", "update"):
        assert "weight and bias" in steps[name] and steps[name] in texts, name


@claim(L, "loop-idea", "The figure writes the inputs of the examples as **X** and their targets "
       "as **y**: X goes into the forward step, and y into the loss step, which compares the "
       "predictions with it.")
def inputs_x_into_forward_targets_y_into_loss():
    ax = _picture("loop-figure").figure.axes[0]
    labels = {t.get_text(): t for t in ax.texts if type(t).__name__ == "Annotation"}
    assert set(labels) == {"inputs X", "targets y"}
    boxes = [p for p in ax.patches if type(p).__name__ == "FancyBboxPatch"]
    names = _picture("loop-figure").figure.loop_names

    def nearest_box(xy):
        centres = [(b.get_x() + b.get_width() / 2, b.get_y() + b.get_height() / 2) for b in boxes]
        return names[int(np.argmin([np.hypot(xy[0] - cx, xy[1] - cy) for cx, cy in centres]))]

    assert nearest_box(labels["inputs X"].xy) == "forward"
    assert nearest_box(labels["targets y"].xy) == "loss"


@claim(L, "demo-idea", "The two classes are the same size: half of the points are red, half are "
       "blue.")
def demo_classes_are_the_same_size():
    model = bigpicture.PlaygroundModel(**bigpicture.DEMO)
    for y in (model.y_train, model.y_test, _demo()["y"]):
        assert (y == 1).sum() == (y == 0).sum() == len(y) // 2


@claim(L, "demo-idea", "its hidden neurons use an activation function called the **ReLU**, "
       "$\\max(0, z)$, where $z$ is the neuron's total (its weighted sum plus its bias): the "
       "total itself when it is positive, 0 otherwise")
def demo_hidden_neurons_use_relu():
    assert bigpicture.DEMO["activation"] == "relu"
    model = bigpicture.PlaygroundModel(**bigpicture.DEMO)
    _p, cache = model.functions.mlp_forward(model.X_train, model.params, model.sizes,
                                            model.settings["activation"])
    Z, A = cache["Z"][0], cache["A"][1]  # the hidden layer's totals and outputs
    assert Z.shape == (400, 6) and (Z < 0).any() and (Z > 0).any()
    W, b = model.params[0]  # the total: weighted sum plus bias
    np.testing.assert_allclose(Z, model.X_train @ W + b)
    np.testing.assert_array_equal(A, np.maximum(0.0, Z))


@claim(L, "demo-read", "The loss here is the mean **binary cross-entropy** (BCE), which lesson 04 "
       "teaches; for now, read it as a score of how wrong the predictions are: lower is better.")
def demo_loss_is_the_mean_bce():
    from support.syllabus import CONTRACT

    assert "binary_cross_entropy" in CONTRACT["04_loss"]
    model = bigpicture.PlaygroundModel(**bigpicture.DEMO)
    p, _cache = model.functions.mlp_forward(model.X_train, model.params, model.sizes,
                                            model.settings["activation"])
    p, y = p[:, 0], model.y_train
    bce = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert np.isclose(model.history["train_loss"][0], bce)
    assert np.isclose(_demo()["history"]["train_loss"][0], bce)
    board = bigpicture.demo_playground()
    assert board.live.axes[1].get_ylabel() == "loss (mean BCE)"
    h = _demo()["history"]  # lower is better: the loss falls as accuracy rises
    assert h["train_loss"][-1] < h["train_loss"][0]
    assert h["test_accuracy"][-1] > h["test_accuracy"][0]


@claim(L, "approx-read", "The steps are sigmoids, so they are soft: each climbs over a stretch of "
       "$x$ instead of jumping straight up, and that is why the network's curve is smooth rather "
       "than a staircase.")
def soft_steps_make_a_smooth_curve():
    x = np.linspace(*bigpicture.APPROX_RANGE, 401)
    for n in bigpicture.APPROX_UNITS:
        params = bigpicture.staircase_params(n)
        output, hidden = bigpicture.one_hidden_layer(x, params)
        np.testing.assert_allclose(hidden, bigpicture._sigmoid(x[:, None] @ params[0] + params[1]))
        climbing = ((hidden > 0.1) & (hidden < 0.9)).sum(axis=0)
        assert (climbing >= 5).all(), (n, climbing)  # each step climbs over several points
        tallest = np.abs(params[2]).max()
        assert np.abs(np.diff(output)).max() < tallest / 2, n  # no jump the size of a step


@claim(L, "approx-read", "on a **bounded region** (a limited range of inputs, such as $x$ from 0 "
       "to 1 here)")
def the_bounded_region_is_zero_to_one():
    assert bigpicture.APPROX_RANGE == (0.0, 1.0)
    for ax in _picture("approx-figure").figure.axes:
        xs = np.concatenate([line.get_xdata() for line in ax.lines])
        assert xs.min() == 0.0 and xs.max() == 1.0


# ---------------------------------------------------------------- second blind read fixes

SAFE_NOT_ZEROED = """
def standardize(X):
    X = np.asarray(X, dtype=float)
    constant = X.max(axis=0) == X.min(axis=0)
    return (X - X.mean(axis=0)) / np.where(constant, 1.0, X.std(axis=0))
"""


@claim(L, "exercise-intro", "a **constant** column (all its values equal) carries no information: "
       "return it as all zeros instead of dividing by zero.")
def constant_columns_must_be_exact_zeros_in_the_visible_cell():
    tenths = np.array([[0.1, 1.0], [0.1, 2.0], [0.1, 3.0]])
    namespace = dict(lesson_namespace(L, upto="setup"))
    exec(compile(SAFE_NOT_ZEROED, "<learner-cell>", "exec"), namespace)
    column = namespace["standardize"](tenths)[:, 0]
    assert (column != 0).all() and np.abs(column).max() < 1e-16  # tiny, but not zeros
    printed, failure = _run_test_cell(SAFE_NOT_ZEROED)
    assert failure is not None and "✓" not in printed
    message = str(failure)
    assert message.startswith("standardize([[0.1, 1], [0.1, 2], [0.1, 3]])")
    assert "This matches a usual mistake: dividing the constant column by a safe 1.0 without " \
           "setting it to zero" in message
    solution = lesson_namespace(L, upto="standardize")["standardize"](tenths)
    assert (solution[:, 0] == 0.0).all()


@claim(L, "exercise-intro", "Test \"constant\" exactly: a column is constant when its largest "
       "value equals its smallest")
def the_warning_message_points_to_max_equals_min():
    for source in (NAIVE_WHERE, NAIVE_CONSTANT_WHERE):
        _printed, failure = _run_test_cell(source)
        message = str(failure)
        assert "RuntimeWarning" in message
        assert message.endswith(
            "In this exercise, do not compare the standard deviation with 0: find the "
            "constant columns exactly, where the largest value equals the smallest "
            "(max == min), and divide by a safe denominator built from "
            "that: 1.0 in the constant columns, the standard deviation elsewhere; then make "
            "the constant columns zeros."), message


@claim(L, "approx-idea", "The output neuron adds the steps up, each multiplied by its own weight "
       "(which can be negative), plus its bias, and here it has no curve: it is a **linear** "
       "output, an exception to the rule that a neuron passes its total through a curve, so "
       "that its answer can climb above 1 (the curve drawn below ends at 1.5).")
def approximation_output_is_linear_and_climbs_above_one():
    x = np.linspace(*bigpicture.APPROX_RANGE, 401)
    assert np.isclose(bigpicture.target_curve(bigpicture.APPROX_RANGE[1]), 1.5)
    for n in bigpicture.APPROX_UNITS:
        params = bigpicture.staircase_params(n)
        output, hidden = bigpicture.one_hidden_layer(x, params)
        np.testing.assert_allclose(output, hidden @ params[2][:, 0] + params[3][0])  # no curve
        assert (params[2] < 0).any()  # some steps count negative
        assert output.max() > 1.0, n
    state = bigpicture.approximation_state(max(bigpicture.APPROX_UNITS))
    assert round(float(state["output"][-1]), 1) == 1.5


@claim(L, "approx-idea", "The demo's output neuron does use a curve, the sigmoid: it turns the "
       "neuron's total into P(class 1), a number between 0 and 1.")
def demo_output_neuron_uses_the_sigmoid():
    model = bigpicture.PlaygroundModel(**bigpicture.DEMO)
    p, cache = model.functions.mlp_forward(model.X_train, model.params, model.sizes,
                                           model.settings["activation"])
    total = cache["Z"][-1]
    np.testing.assert_allclose(p, bigpicture._sigmoid(total), atol=1e-12)
    for picture in (_demo()["before"], _demo()["after"]):
        assert ((picture > 0) & (picture < 1)).all()
    assert bigpicture.demo_playground().live.axes[0].get_title().startswith("P(class 1)")


@claim(L, "demo-idea", "The dots are the 400 training points; the percentage in each panel's "
       "title counts the test points, which are not drawn.")
def dots_are_training_points_titles_count_test_points():
    run = _demo()
    axes = _picture("demo-static").figure.axes
    accuracy = run["history"]["test_accuracy"]
    model = bigpicture.PlaygroundModel(**bigpicture.DEMO)
    for ax, share in zip(axes[:2], (accuracy[0], accuracy[-1]), strict=True):
        dots = np.concatenate([np.column_stack(line.get_data()) for line in ax.lines])
        assert len(dots) == 400
        assert np.isin(dots, model.X_train).all(axis=1).all()
        assert not np.isin(dots, model.X_test).all(axis=1).any()
        assert f"{100 * share:.0f}% of test points right" in ax.get_title(), ax.get_title()
