"""Lesson 09 (training pitfalls): self-checks, the think-exercise and the closing cell."""

from __future__ import annotations

import re

import pytest
from conftest import release_notebook, solution_notebook

from grader.notebooks import read
from nncourse.selfcheck import Choice, judge, questions, self_check

LESSON = "09_training_pitfalls"


def _cells(path=None):
    return read(path or solution_notebook(LESSON)).cells


def test_self_checks_are_one_line_ungraded_cells_with_known_keys():
    cells = _cells()
    checks = [c for c in cells if c.id.startswith("self-check-")]
    assert len(checks) >= 2
    keys = questions("09")
    for cell in checks:
        assert cell.cell_type == "code" and not cell.metadata, cell.id
        match = re.fullmatch(r'self_check\("(09\.[a-z0-9-]+)"\)', cell.source.strip())
        assert match and match.group(1) in keys, cell.source
        assert cell.id == "self-check-" + match.group(1)[3:], cell.id
    setup = next(c for c in cells if c.id == "setup")
    assert "from nncourse.selfcheck import self_check" in setup.source


@pytest.mark.parametrize(("check", "reveals"), [("self-check-bn-dead", "bn-widget"),
                                               ("self-check-adagrad", "adaptive-demo"),
                                               ("self-check-shuffled", "overfit-demo")])
def test_each_self_check_comes_right_before_the_cell_that_answers_it(check, reveals):
    ids = [c.id for c in _cells()]
    assert ids.index(reveals) == ids.index(check) + 1
    release_ids = [c.id for c in _cells(release_notebook(LESSON))]
    assert release_ids.index(reveals) == release_ids.index(check) + 1


def test_self_check_answers_are_judged_right_and_wrong_answers_explained():
    for q in questions("09").values():
        assert isinstance(q, Choice) and 0 <= q.answer < len(q.options)
        assert judge(q, q.answer).correct
        wrong = next(i for i in range(len(q.options)) if i != q.answer)
        verdict = judge(q, wrong)
        assert not verdict.correct and "The answer is" in verdict.html
        widget = self_check(q.key)
        widget.answer_box.value = q.answer
        assert widget.check().correct


def test_clipping_is_the_think_exercise_no_factor_to_copy():
    """The text explains what clipping must achieve; the factor is left to the learner."""
    cells = {c.id: c.source for c in _cells()}
    for cell in ("clip-intro", "ex-clip"):
        assert "max(" not in cells[cell] and "\\max" not in cells[cell], cell
        assert "\\texttt{max\\_norm} / \\lVert g" not in cells[cell], cell
    assert "exactly `max_norm`" in cells["clip-intro"]


def test_the_lesson_ends_with_what_to_remember_and_its_place_in_the_loop():
    last = _cells()[-1]
    assert last.id == "summary" and last.source.startswith("## What you should remember")
    bullets = [line for line in last.source.splitlines() if line.startswith("- ")]
    assert 3 <= len(bullets) <= 5, bullets
    assert "In the loop of lesson 00" in last.source
