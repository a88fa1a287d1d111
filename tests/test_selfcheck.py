"""Self-checks: ungraded "predict, then check" questions, at least two per lesson.

They live in ``nncourse/self_checks/lesson_NN.py``; a lesson asks one with a code cell that
holds a single ``self_check("NN.slug")`` call and no nbgrader metadata, so the gradebook
never sees it and skipping it changes nothing else. Whether each answer is true for the
lesson's settings is checked in ``tests/claims/``.
"""

from __future__ import annotations

import ast
import re

import pytest
from conftest import LESSON_IDS, release_notebook, solution_notebook

from grader.notebooks import read
from nncourse.selfcheck import Choice, Number, SelfCheck, judge, question, questions, self_check

MIN_PER_LESSON = 2


def _self_check_cells(lesson: str, path=None):
    nb = read(path or solution_notebook(lesson))
    return [c for c in nb.cells if c.cell_type == "code" and "self_check(" in c.source]


def _key(source: str) -> str:
    call = ast.parse(source).body
    assert len(call) == 1 and isinstance(call[0], ast.Expr), (
        f"a self-check cell holds exactly one call, got {source!r}")
    node = call[0].value
    assert (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "self_check"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant)), source
    return node.args[0].value


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_every_lesson_asks_at_least_two_self_checks(lesson):
    number = lesson[:2]
    cells = _self_check_cells(lesson)
    keys = [_key(c.source) for c in cells]
    assert len(keys) >= MIN_PER_LESSON, f"{lesson}: {len(keys)} self-checks, want >= 2"
    assert len(set(keys)) == len(keys), f"{lesson}: a self-check is asked twice: {keys}"
    assert set(keys) == set(questions(number)), (
        f"{lesson}: questions defined but not asked, or asked but not defined: "
        f"{sorted(set(keys) ^ set(questions(number)))}")
    for cell, key in zip(cells, keys, strict=True):
        assert key.startswith(f"{number}."), f"{lesson}: {key} belongs to another lesson"
        assert cell.id == f"self-check-{key.split('.', 1)[1]}", (
            f"{lesson}: the cell asking {key} should have id self-check-{key.split('.', 1)[1]}")
        assert "nbgrader" not in cell.metadata, f"{lesson}: {cell.id} must not be graded"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_release_asks_the_same_self_checks(lesson):
    source = [(c.id, c.source) for c in _self_check_cells(lesson)]
    release = [(c.id, c.source) for c in _self_check_cells(lesson, release_notebook(lesson))]
    assert release == source


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_questions_are_well_formed(lesson):
    for key, q in questions(lesson[:2]).items():
        assert q.prompt.strip() and q.why.strip(), key
        if isinstance(q, Choice):
            assert len(q.options) >= 2 and len(set(q.options)) == len(q.options), key
            assert 0 <= q.answer < len(q.options), key
            assert all(0 <= i < len(q.options) and i != q.answer for i in q.notes), key
            assert judge(q, q.answer).correct
            assert not any(judge(q, i).correct for i in range(len(q.options)) if i != q.answer)
        else:
            assert isinstance(q, Number) and q.tolerance >= 0, key
            assert judge(q, str(q.answer)).correct
            assert not judge(q, q.answer + 10 * q.tolerance + 1).correct


def test_choice_feedback_says_right_or_names_the_answer_and_why():
    q = Choice("00.demo", "Which is larger?", ("1", "2"), 1, "2 > 1.", {0: "1 is smaller."})
    assert judge(q, 1).correct and "Right" in judge(q, 1).html and "2 &gt; 1." in judge(q, 1).html
    wrong = judge(q, 0)
    assert not wrong.correct and "1 is smaller." in wrong.html and "<i>2</i>" in wrong.html
    assert not judge(q, None).correct and "Pick an option" in judge(q, None).html


def test_number_feedback_accepts_a_typed_number_within_tolerance():
    q = Number("04.demo", "ln 2?", 0.693, 0.01, "ln 2 = 0.693.")
    assert judge(q, "0.69").correct and judge(q, "0,69").correct and judge(q, 0.7).correct
    assert not judge(q, "0.8").correct and "you said 0.8" in judge(q, "0.8").html
    for bad in ("", "abc", "nan", None, "about 0.7"):
        assert not judge(q, bad).correct and "Type a number" in judge(q, bad).html
    assert judge(q, "0.69 nats").correct and not judge(q, "4x4").correct  # a leading number
    assert "you said 4" in judge(q, "4 rows").html
    examples = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", judge(q, None).html)]
    every = [asked for lesson in range(11) for asked in questions(f"{lesson:02d}").values()]
    for asked in every:  # the format's examples give no question's answer away
        if isinstance(asked, Number):
            assert all(abs(x - asked.answer) > asked.tolerance for x in examples), asked.key


def test_widget_checks_the_chosen_option_and_saves_as_static_html():
    q = Choice("00.demo", "Pick b", ("a", "b"), 1, "b it is.")
    widget = SelfCheck(q)
    assert widget.check().html == "Pick an option first."
    widget.answer_box.value = 1
    widget.button.click()
    assert "Right" in widget.feedback.value
    bundle = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Pick b" in bundle["text/html"] and "<li>b</li>" in bundle["text/html"]
    assert "b it is." not in bundle["text/html"], "a saved notebook must not give the answer"


def test_unknown_or_malformed_keys_are_clear_errors():
    with pytest.raises(ValueError, match="looks like"):
        question("xor")
    with pytest.raises(KeyError, match="no self-check"):
        self_check("99.nothing")
