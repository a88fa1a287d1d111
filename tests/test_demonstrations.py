"""Demonstration cells (grader/demonstrations.py): what a course may mark, which cells of a
submission are left out, and that ``nngrade autograde`` leaves them out only when the
student did not edit them."""

from __future__ import annotations

import nbformat
import pytest
from conftest import LESSON_IDS, solution_notebook
from fixtures.submissions.course import make_course, nngrade, own_source
from nbformat.v4 import new_code_cell, new_notebook

from grader.demonstrations import NOT_RUN, marked, not_run, problems
from grader.notebooks import read

DEMO = {"nngrade": {"demonstration": True}}


def _solution(source: str, name: str) -> nbformat.NotebookNode:
    return new_code_cell(source, id=name, metadata={"nbgrader": {
        "solution": True, "grade": False, "grade_id": name, "locked": False}})


def _test(source: str, name: str) -> nbformat.NotebookNode:
    return new_code_cell(source, id=name, metadata={"nbgrader": {
        "solution": False, "grade": True, "grade_id": name, "points": 1, "locked": True}})


def _demo(source: str, name: str = "demo") -> nbformat.NotebookNode:
    return new_code_cell(source, id=name, metadata=DEMO)


def _notebook(*cells) -> nbformat.NotebookNode:
    return new_notebook(cells=list(cells))


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_every_lessons_marks_are_safe(lesson):
    found = problems(read(solution_notebook(lesson)))
    assert found == [], f"{lesson}: {found}"


def test_lesson_07_leaves_its_training_demonstrations_out():
    ids = set(marked(read(solution_notebook("07_keras"))))
    assert {"fit", "timing", "big", "seed", "mixed", "halves"} <= ids  # halves: after the tests
    assert not ids & {"setup", "data"}


def test_a_demonstration_may_read_shared_data_but_no_student_code():
    nb = _notebook(new_code_cell("X = [1, 2]", id="data"), _solution("def f(x):\n    return x",
                   "f"), _demo("print(len(X))\nprint(f(1))"), _test("assert f(X) == X", "test_f"))
    assert problems(nb) == ["demo: uses f, which a solution cell defines"]
    nb.cells.append(_demo("print(f(X))", "after-the-tests"))  # nothing it does reaches a grade
    assert problems(nb) == ["demo: uses f, which a solution cell defines"]


def test_a_demonstration_may_not_define_what_a_later_cell_reads():
    nb = _notebook(_demo("model = 3\nfor step in range(2):\n    pass"),
                   _test("assert model == 3", "test_model"))
    assert problems(nb) == ["demo: defines model, which test_model read"]


def test_names_rebound_before_they_are_read_are_not_shared():
    nb = _notebook(_demo("p = 1\ndef g():\n    return q\nq = 2"),
                   _test("p = 2\nassert p == 2\nx = [p for p in range(3)]", "test_p"),
                   _demo("print(g())", "later-demo"))
    assert problems(nb) == []
    nb.cells[1].source = "p += 1"  # reads the demonstration's p
    assert problems(nb) == ["demo: defines p, which test_p read"]


def test_solution_test_and_setup_cells_cannot_be_marked():
    setup = new_code_cell("import numpy as np", id="setup", metadata={**DEMO, "nbgrader": {
        "solution": False, "grade": False, "grade_id": "setup", "locked": True}})
    solution, test = _solution("x = 1", "x"), _test("assert x == 1", "test_x")
    solution.metadata.update(DEMO)
    test.metadata.update(DEMO)
    found = problems(_notebook(setup, solution, test))
    assert [line.split(":")[0] for line in found] == ["setup", "x", "test_x"]


def test_only_unchanged_marked_cells_are_left_out():
    source = _notebook(new_code_cell("import time", id="setup"), _demo("time.sleep(1)\n"),
                       _demo("print('hi')", "edited"), _solution("x = 1", "x"))
    marks = marked(source)
    submitted = nbformat.from_dict(source)
    submitted.cells[1].source = "  time.sleep(1)  "  # whitespace aside, unchanged
    submitted.cells[2].source = "print('hi'); x = 2"  # edited: runs, as nbgrader runs it
    submitted.cells[3].metadata.update(DEMO)  # a submission cannot mark its own cells
    submitted.cells[0].metadata.update(DEMO)
    assert not_run(submitted, marks) == [1]
    submitted.cells[1].metadata["nbgrader"] = {"solution": True, "grade": False,
                                               "grade_id": "demo", "locked": False}
    assert not_run(submitted, marks) == [], "a cell turned into a solution cell runs"


def test_autograde_leaves_out_unchanged_demonstrations_only(tmp_path):
    """Lesson 01 with a marked cell that would print: left out for one student, run for
    the student who edited it, and nobody's scores change."""
    course = make_course(tmp_path / "course")
    folder = own_source(course, "01_neuron")
    path = folder / "01_neuron.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.insert(2, _demo("print('the demonstration ran')", "zz-demo"))
    assert problems(nb) == []
    nbformat.write(nb, str(path))
    for student, text in (("ada", "print('the demonstration ran')"),
                          ("bob", "print('the demonstration ran', 'edited')")):
        mine = nbformat.from_dict(nb)
        mine.cells[2].source = text
        target = course / "submitted" / student / "01_neuron" / "01_neuron.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(mine, str(target))
        (target.parent / "timestamp.txt").write_text("2026-11-30 12:00:00.000000 UTC")
    nngrade(course, "autograde", "01_neuron", "--jobs", "2")
    outputs = {}
    for student in ("ada", "bob"):
        graded = nbformat.read(str(course / "autograded" / student / "01_neuron" /
                                   "01_neuron.ipynb"), as_version=4)
        outputs[student] = "".join(o.get("text", "") for o in graded.cells[2].outputs)
    assert outputs == {"ada": NOT_RUN, "bob": "the demonstration ran edited\n"}
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        scores = {s: (gb.find_submission("01_neuron", s).code_score,
                      gb.find_submission("01_neuron", s).max_code_score) for s in ("ada", "bob")}
    assert all(score == top > 0 for score, top in scores.values()), scores


def test_an_unsafe_mark_is_reported_and_ignored(tmp_path):
    from grader.course import Course
    from grader.release import differences

    course = make_course(tmp_path / "course")
    path = own_source(course, "01_neuron") / "01_neuron.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    safe = next(c for c in nb.cells if c.cell_type == "code" and not c.metadata.get("nbgrader"))
    safe.metadata.update(DEMO)
    nbformat.write(nb, str(path))
    opened = Course.open(course)
    assert opened.assignment("01_neuron", from_source=True).notebooks[0].demonstrations
    solution = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
    solution.metadata.update(DEMO)
    nbformat.write(nb, str(path))
    assert opened.assignment("01_neuron", from_source=True).notebooks[0].demonstrations == {}
    found = [line for line in differences(opened, ["01_neuron"]) if "demonstration" in line]
    assert len(found) == 1 and "only plain code cells" in found[0], found
