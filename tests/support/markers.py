"""Why each slow test is slow: the one table that marks them, and how they share workers.

Every test that runs for more than a moment carries a marker naming the reason (the
reasons are registered in pyproject.toml's ``[tool.pytest.ini_options] markers``) and the
umbrella marker ``slow``. ``python3 course.py test --fast`` runs ``-m "not slow"``: the
checks, the reference code, the widgets' state, notebook format and the numpy lessons'
mutants. A module all of whose tests are slow is not even imported then (TensorFlow's
import alone costs seconds).

Under pytest-xdist (``--dist loadgroup``) the tests that share something expensive built
once per process (a module's graded course, a lesson's autograde, one JupyterLab and one
Chromium) run in one worker: :func:`group` names that group, and conftest's scheduler sends
each group to one worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

SLOW_REASONS = ("notebook", "keras", "grading", "kernel", "claims", "subprocess", "browser",
                "binder", "install", "pixels")

# module (file name without .py) -> the reasons every one of its tests is slow
BY_MODULE: dict[str, tuple[str, ...]] = {
    "test_any_course": ("grading",),
    "test_autograde": ("grading",),
    "test_autograde_hostile": ("grading",),
    "test_autograde_scale": ("grading",),
    "test_binder": (),  # only the tests that use the built environment (BY_FIXTURE)
    "test_canary": ("kernel",),
    "test_claims": ("claims",),
    "test_exchange": ("grading",),
    "test_grader_model": ("grading",),
    "test_grading_nbgrader": ("notebook", "grading"),
    "test_grading_nngrade": ("notebook", "grading"),
    "test_install": ("install",),
    "test_keras_lessons": ("keras",),
    "test_lesson_07": ("keras",),
    "test_lesson_08": ("keras",),
    "test_lesson_09": ("keras",),
    "test_lesson_10": ("keras",),
    "test_lms_export": ("grading",),
    "test_progress": ("kernel",),
    "test_provenance": ("kernel",),
    "test_provenance_grading": ("grading",),
    "test_release": ("grading",),
    "test_saved_figures": ("notebook", "grading"),
    "test_sandbox_limits": (),
    "test_tape_fixtures": ("keras",),
    "test_toolkit_feedback_export": ("grading",),
    "test_zip_collect": ("grading",),
}

# (module, test function) -> reasons, for single slow tests in otherwise fast modules
BY_TEST: dict[tuple[str, str], tuple[str, ...]] = {
    ("test_sandbox_limits", "test_the_worker_uses_the_limits_it_is_given"): ("kernel",),
    ("test_checks", "test_a_cell_that_stops_early_adds_nothing_to_the_next_cells_count"):
        ("kernel",),
    ("test_keras_lessons", "test_keras_lesson_runs_under_another_backend"): ("notebook",),
    ("test_widgets_10", "test_state_size_agrees_with_the_formula_and_with_keras_conv2d"):
        ("keras",),
    ("test_course_command", "test_the_view_wins_over_the_users_and_the_environments_config"):
        ("subprocess",),
    ("test_bigpicture", "test_importing_the_module_loads_no_deep_learning_framework"):
        ("subprocess",),
    ("test_data", "test_export_sklearn_reproduces_shipped_files"): ("subprocess",),
    ("test_widgets", "test_a_jupyter_server_with_the_extension_opens_kernel_sockets_without_nagle"):
        ("subprocess",),
    ("test_demonstrations", "test_autograde_leaves_out_unchanged_demonstrations_only"):
        ("grading",),
    ("test_demonstrations", "test_an_unsafe_mark_is_reported_and_ignored"): ("grading",),
    # they run the `alembic` program, and a fresh Python that imports the grader, to compare
    ("test_toolkit_units",
     "test_a_new_gradebook_is_stamped_as_nbgrader_stamps_it_without_running_alembic"):
        ("subprocess",),
    ("test_toolkit_units", "test_nngrade_forks_its_workers_and_a_threaded_caller_spawns_them"):
        ("subprocess",),
}

# module -> the tests that draw a figure afresh (or as matplotlib draws it without the
# course's shortcuts) to compare every pixel with what a live control's redraw left: each
# draws whole figures several times (0.5-11 s). The widgets' state, and that a control
# redraws only what it must, are checked by the module's other (fast) tests.
PIXELS: dict[str, tuple[str, ...]] = {
    "test_widgets_02_03": (
        "test_input_range_redraws_the_panels_on_kept_y_axes_like_a_full_redraw",
        "test_activation_panel_redraws_one_panel_to_the_same_pixels_as_a_full_redraw",
        "test_output_sliders_match_a_fresh_panel_at_each_value",
        "test_controls_redraw_no_whole_figure_and_match_a_fresh_panel",
        "test_covered_layers_look_like_hidden_plots",
        "test_weight_redraws_like_a_full_redraw_where_labels_crowd_the_gap",
        "test_probability_backgrounds_look_as_matplotlibs_images_of_the_grids",
        "test_hidden_explorer_stacks_its_artists_as_a_whole_figure_draw",
    ),
    "test_playground": (
        "test_control_changes_draw_what_a_fresh_playground_draws",
        "test_the_heaviest_playground_draws_what_a_fresh_one_draws",
        "test_the_playground_draws_what_the_course_reference_draws",
        "test_the_board_stacks_its_artists_as_a_whole_figure_draw",
    ),
    "test_glyphs": (
        "test_cached_glyphs_draw_and_measure_text_as_matplotlib_does",
        "test_composed_layouts_equal_matplotlibs",
        "test_without_the_private_hooks_the_neuron_graph_is_matplotlibs_drawing",
        "test_a_hook_that_fails_later_hands_the_renderer_back_to_matplotlib",
    ),
    "test_widgets_10": (
        "test_explorer_pixels_are_matplotlibs_own_drawing",
        "test_block_images_without_the_private_hook_are_matplotlibs_drawing",
        "test_each_control_redraws_from_cached_backgrounds_like_a_full_redraw",
        "test_block_image_draws_the_pixels_imshow_draws",
        "test_the_live_picture_stacks_the_artists_as_a_whole_figure_draw",
    ),
    "test_widgets_06": (
        "test_steps_surface_and_method_redraw_like_a_full_redraw_without_one",
        "test_the_steps_axis_keeps_the_label_where_matplotlib_puts_it",
    ),
    "test_widgets": ("test_neuron_explorer_stacks_its_artists_as_a_whole_figure_draw",),
    "test_widgets_04_05": (
        "test_neuron_graph_redraws_only_the_numbers_that_changed_like_a_full_redraw",
    ),
}
BY_TEST.update({(module, test): ("pixels",) for module, tests in PIXELS.items()
                for test in tests})


# a fixture a test uses -> reasons
BY_FIXTURE: dict[str, tuple[str, ...]] = {"binder_env": ("binder",),
                                           "graded_lesson": ("binder",)}  # kernels in Binder

# modules whose tests share a module- or session-scoped fixture: one xdist group each
SHARED_FIXTURE_MODULES = {
    "test_any_course", "test_autograde", "test_exchange", "test_grader_model",
    "test_lesson_08", "test_lms_export", "test_progress", "test_provenance",
    "test_provenance_grading", "test_toolkit_feedback_export", "test_zip_collect",
    "test_binder",
}
# browser modules with servers of their own (module-scoped fixtures): one group each; the
# other browser tests share a worker's JupyterLab server, lessons 07-10's run-all apart
BROWSER_SERVER_MODULES = {"test_main_command", "test_formgrader"}
# modules parametrized by lesson that cache per lesson: one xdist group per lesson
PER_LESSON_MODULES = {"test_mutants", "test_grading_nbgrader", "test_claims"}
# modules that read one lesson's autograde (conftest's ``graded_lesson``): one group per lesson
AUTOGRADE_MODULES = {"test_grading_nbgrader", "test_grading_nngrade", "test_saved_figures"}


# Expected seconds of the costly work units (setup + call + teardown summed per unit, as
# ``.venv/bin/python tests/support/suite_groups.py`` prints them from a ``CI=true python3
# course.py test --durations=0`` run): conftest's scheduler starts the costliest unit first,
# so that no long group starts last while the other worker runs out of work. Only the order
# depends on them: stale figures cost time, never a check. Keys: a group of :func:`group`;
# (TEST_SECONDS) a module whose tests run alone, per test; (LONE_TEST_SECONDS) one test that
# runs alone, by node id. Measured 2026-12-01 (issue 12, fifth pass) on a 2-core AMD EPYC
# about 1.75 times slower than the machine before (units of 17 s or more; 2153 tests, 47.6
# core-minutes of test wall time, 24 min 24 s on 2 workers).
GROUP_SECONDS: dict[str, float] = {
    "browser-keras-lessons": 274.0, "browser": 244.0, "autograde-10": 112.0,
    "autograde-09": 105.0, "browser-test_main_command": 104.0, "test_claims-07": 102.0,
    "autograde-08": 90.0, "autograde-07": 89.0, "test_claims-09": 78.0,
    "test_any_course": 73.0, "test_autograde_hostile-multi": 68.0, "test_zip_collect": 65.0,
    "test_autograde": 65.0, "browser-test_formgrader": 61.0, "test_provenance": 60.0,
    "test_claims-08": 58.0, "test_exchange": 54.0, "test_mutants-07": 54.0,
    "test_autograde_hostile-sqlite": 53.0, "test_claims-10": 41.0,
    "test_provenance_grading": 30.0, "test_lms_export": 29.0, "test_claims-06": 26.0,
    "autograde-06": 26.0, "test_toolkit_feedback_export": 23.0, "test_progress": 20.0,
    "autograde-00": 20.0, "autograde-02": 20.0, "autograde-03": 19.0, "autograde-05": 19.0,
    "autograde-04": 17.0, "autograde-01": 15.0,
    # builds the Binder environment where no cached one fits (a fresh clone, CI): 2-4 min
    "test_binder": 200.0,
}
TEST_SECONDS: dict[str, float] = {"test_autograde_scale": 30.0}
LONE_TEST_SECONDS: dict[str, float] = {
    "tests/test_autograde_scale.py::"
    "test_100_submissions_two_at_a_time_without_infrastructure_failures": 130.0,
    "tests/test_keras_lessons.py::test_keras_lesson_runs_under_another_backend[08_generalization]":
        86.0,
    "tests/test_keras_lessons.py::test_keras_lesson_runs_under_another_backend[07_keras]": 50.0,
    "tests/test_autograde_scale.py::test_dask_cluster_of_real_worker_processes": 41.0,
    "tests/test_install.py::"
    "test_installed_nngrade_grades_a_multi_notebook_course_as_nbgrader_does": 26.0,
    "tests/test_install.py::test_nngrade_grades_a_course_outside_the_repository": 17.0,
}
# a unit that the tables do not name: per test, by whether the test is slow
SLOW_TEST_SECONDS, FAST_TEST_SECONDS = 3.0, 0.05


def expected_seconds(unit: str, nodeids: Sequence[str]) -> float:
    """The expected cost of a work unit (a :func:`group`, or a test alone) of ``nodeids``."""
    if unit in GROUP_SECONDS:
        return GROUP_SECONDS[unit]
    if unit in LONE_TEST_SECONDS:
        return LONE_TEST_SECONDS[unit]
    module = Path(nodeids[0].partition("::")[0]).stem if nodeids else ""
    per_test = TEST_SECONDS.get(module)
    if per_test is None:
        slow = bool(BY_MODULE.get(module)) or "browser" in Path(nodeids[0]).parts[:-1]
        per_test = SLOW_TEST_SECONDS if slow else FAST_TEST_SECONDS
    return per_test * len(nodeids)


def costliest_first(units: dict[str, Sequence[str]]) -> list[str]:
    """The units' names, costliest first (ties keep their order)."""
    return sorted(units, key=lambda unit: -expected_seconds(unit, list(units[unit])))


def _module(item: pytest.Item) -> str:
    return Path(str(item.path)).stem


def lesson_of(item: pytest.Item) -> str | None:
    """The lesson a parametrized test is about (a lesson id or an object with ``.lesson``)."""
    callspec = getattr(item, "callspec", None)
    for value in (callspec.params.values() if callspec else ()):
        lesson = getattr(value, "lesson", value)
        if isinstance(lesson, str) and lesson[:2].isdigit() and "_" in lesson:
            return lesson
    return None


def reasons(item: pytest.Item, browser_dir: Path) -> set[str]:
    """Why ``item`` is slow (empty: it belongs in the fast loop)."""
    module = _module(item)
    found = set(BY_MODULE.get(module, ()))
    found |= set(BY_TEST.get((module, getattr(item, "originalname", item.name)), ()))
    for fixture, why in BY_FIXTURE.items():
        if fixture in getattr(item, "fixturenames", ()):
            found |= set(why)
    if browser_dir in Path(str(item.path)).parents:
        found.add("browser")
    lesson = lesson_of(item) if module in PER_LESSON_MODULES else None
    if lesson is not None and int(lesson[:2]) >= 7:  # lessons 07-10 run Keras
        found.add("keras")
    return found


def group(nodeid: str) -> str | None:
    """The worker group of the test ``nodeid``, if it must share a worker with others.

    Read from the node id alone, because the controller (conftest's
    ``pytest_xdist_make_scheduler``) sees only node ids: pytest-xdist 3.8's own
    ``xdist_group`` marker works by rewriting ``item._nodeid``, which pytest 9.2 no longer
    reads, so it groups nothing."""
    path, _, name = nodeid.partition("::")
    module = Path(path).stem
    params = name.partition("[")[2].rstrip("]")
    keras_lesson = params[:2].isdigit() and int(params[:2]) >= 7
    if "browser" in Path(path).parts[:-1]:  # one JupyterLab server and one Chromium a worker
        if module in BROWSER_SERVER_MODULES:
            return f"browser-{module}"
        return "browser-keras-lessons" if keras_lesson else "browser"
    if module == "test_autograde_hostile":  # one graded course per variant
        variant = params.split("-")[0]
        return f"{module}-{'sqlite' if variant == 'sqlite' else 'multi'}"
    lesson = params[:2] if params[:2].isdigit() else None
    if module in AUTOGRADE_MODULES and lesson:  # conftest's graded_lesson
        return f"autograde-{lesson}"
    if module in PER_LESSON_MODULES and lesson:
        return f"{module}-{lesson}"
    if module in SHARED_FIXTURE_MODULES:
        return module
    return None


def wholly_slow(path: Path) -> bool:
    """A test module all of whose tests are slow (skipped, not imported, by ``not slow``)."""
    return bool(BY_MODULE.get(path.stem))
