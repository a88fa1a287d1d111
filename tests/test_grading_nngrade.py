"""``nngrade autograde`` scores a lesson whose source marks demonstration cells exactly as
``nbgrader autograde`` (gate 1, which runs every cell) scores it, leaving those cells out.

The submissions are gate 1's: the solution (full marks) and the untouched release (zero).
"""

from __future__ import annotations

from datetime import datetime

import nbformat
import pytest
from conftest import LESSON_IDS, solution_notebook
from fixtures.submissions.course import make_course, nngrade
from nbgrader.api import Gradebook
from support import LESSONS, SOLUTIONS

from grader.demonstrations import NOT_RUN, marked
from grader.notebooks import lesson_notebook, read

MARKED = [lesson for lesson in LESSON_IDS if marked(read(solution_notebook(lesson)))]


@pytest.mark.parametrize("lesson", MARKED)
def test_nngrade_scores_as_nbgrader_with_demonstrations_left_out(graded_lesson, lesson,
                                                                   tmp_path):
    theirs = graded_lesson(lesson)
    course = make_course(tmp_path / "course", timeout=120)
    for student, folder in (("perfect", SOLUTIONS), ("stub", LESSONS)):
        target = course / "submitted" / student / lesson / f"{lesson}.ipynb"
        target.parent.mkdir(parents=True)
        target.write_bytes(lesson_notebook(folder / lesson).read_bytes())
        (target.parent / "timestamp.txt").write_text(str(datetime.now()))
    nngrade(course, "autograde", lesson, "--jobs", "1")  # one worker: one TensorFlow import
    demonstrations = marked(read(solution_notebook(lesson)))
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        for student in ("perfect", "stub"):
            ours = {g.name: g.score for g in
                    gb.find_submission_notebook(lesson, lesson, student).grades}
            expected = {name: cell.score for name, cell in theirs[student].cells.items()}
            assert ours == expected, f"{lesson}, {student}: nngrade {ours}, nbgrader {expected}"
            graded = nbformat.read(str(course / "autograded" / student / lesson /
                                       f"{lesson}.ipynb"), as_version=4)
            left_out = {c.id for c in graded.cells if c.cell_type == "code"
                        and [o.get("text") for o in c.outputs] == [NOT_RUN]}
            assert left_out == set(demonstrations), f"{student}: left out {sorted(left_out)}"
