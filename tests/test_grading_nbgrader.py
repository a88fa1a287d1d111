"""Gates 1 and 3, judged by nbgrader's own autograde in a scratch course directory.

Per lesson, one autograde run grades two submissions: the solution notebook (it must run
top to bottom without an error and score full marks on every test cell) and the untouched
release (every test cell must score zero). Lessons 00-06 must not import TensorFlow.

The kernels run in the Binder environment (tests/support/binder_env.py), so the solution's
run is also Binder's check: every lesson works in the environment students get there (the
solution notebook holds every cell of the solved student notebook, plus the hidden tests;
gate 2 keeps lessons/ what solutions/ builds).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import LESSON_IDS, NUMPY_LESSONS


@pytest.fixture
def graded(graded_lesson):
    """One autograde per lesson and process (conftest.py), shared with test_saved_figures."""
    return graded_lesson


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_solution_runs_top_to_bottom_without_error(graded, lesson):
    perfect = graded(lesson)["perfect"]
    assert perfect.errors == [], f"{lesson}: cells with an error output: {perfect.errors}"
    assert perfect.seconds is not None


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_perfect_submission_scores_full_marks(graded, lesson):
    cells = graded(lesson)["perfect"].cells
    auto = {k: v for k, v in cells.items() if v.auto}
    assert auto, f"{lesson}: no autograded cells"
    short = {k: f"{v.score}/{v.max_score}" for k, v in auto.items() if v.score != v.max_score}
    assert not short, f"{lesson}: the solution loses points on {short}"
    assert not any(v.needs_manual_grade for v in auto.values())


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_every_test_cell_fails_on_the_stub(graded, lesson):
    cells = graded(lesson)["stub"].cells
    auto = {k: v for k, v in cells.items() if v.auto}
    scoring = {k: v.score for k, v in auto.items() if v.score != 0}
    assert not scoring, f"{lesson}: test cells that pass on the untouched release: {scoring}"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_free_responses_wait_for_the_instructor(graded, lesson):
    manual = [v for v in graded(lesson)["perfect"].cells.values() if not v.auto]
    assert manual and all(v.needs_manual_grade for v in manual)


@pytest.mark.parametrize("lesson", NUMPY_LESSONS)
def test_numpy_lessons_never_import_tensorflow(graded, lesson):
    assert graded(lesson)["perfect"].tensorflow_imported is False


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_the_lessons_ran_in_the_binder_env(graded, lesson):
    binder = graded.binder
    if binder is None:
        pytest.skip("NNCOURSE_SKIP_BINDER is set: the kernels ran in this environment")
    prefix = graded(lesson)["perfect"].kernel_prefix
    assert prefix and Path(prefix).resolve() == Path(binder["env"]).resolve(), (
        f"{lesson} ran in {prefix}, not in the Binder environment {binder['env']}")
