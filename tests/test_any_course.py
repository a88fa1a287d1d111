"""``nngrade`` grades an nbgrader course it was not written for (tests/fixtures/any_course.py:
several notebooks per assignment with unrelated names, a data file and an image the
notebooks open, plain-assert tests with hidden ones, manual answers and a task, a late
policy of the course's own) exactly as nbgrader's serial ``autograde`` does, cell by cell;
and status, export, feedback, resume and containment work per notebook."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess

import nbformat
import pytest
from fixtures import any_course as ac
from fixtures.submissions.course import env, nngrade
from support import NBGRADER

NORMAL = ["ann", "ben", "cat", "dan", "eve"]
HOSTILE = ["kim", "lee", "max", "ned"]
HIDDEN = ["assert abs(mean(points) - 2.5) < 1e-9", "assert square(-2) == 4",
          "assert not is_even(-7)", "assert add(-1, 1) == 0"]


def _insert_after(nb, grade_id, source, new_id):
    at = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.cells]
    nb.cells.insert(at.index(grade_id) + 1, nbformat.v4.new_code_cell(source, id=new_id))
    return nb


def _submissions(master, course, hostile: bool) -> None:
    part_a = lambda: ac.release(master, "ps1", "Part A")  # noqa: E731
    quiz = lambda: ac.release(master, "ps1", "quiz")  # noqa: E731
    homework = lambda: ac.release(master, "ps2", "homework")  # noqa: E731
    right_a, right_quiz = ac.answer(part_a(), ac.RIGHT), ac.answer(quiz(), ac.RIGHT)
    ac.submit(course, "ann", "ps1", {"Part A": right_a, "quiz": right_quiz})
    ac.submit(course, "ben", "ps1", {"Part A": ac.answer(part_a(), {}),
                                     "quiz": ac.answer(quiz(), {})})
    partial = {**ac.RIGHT, "spread-answer": ac.WRONG["spread-answer"],
               "is_even": ac.WRONG["is_even"]}
    partial.pop("explain-mean")
    ac.submit(course, "cat", "ps1", {"Part A": ac.answer(part_a(), partial),
                                     "quiz": ac.answer(quiz(), partial)}, timestamp=ac.LATE)
    ac.submit(course, "dan", "ps1", {"Part A": right_a}, extra={"notes.txt": b"no quiz"})
    ac.submit(course, "eve", "ps1", {"Part A": right_a, "quiz": right_quiz}, timestamp=ac.LATE,
              extra={"data/points.csv": b"value\n100\n"})  # the source's copy wins
    ac.submit(course, "ann", "ps2", {"homework": ac.answer(homework(), ac.RIGHT)})
    ac.submit(course, "ben", "ps2", {"homework": ac.answer(homework(), {})})
    ac.submit(course, "cat", "ps2", {"homework": ac.answer(homework(), ac.WRONG)},
              timestamp=None)
    ac.submit(course, "eve", "ps2", {"homework": ac.answer(homework(), ac.RIGHT)})
    if not hostile:
        return
    killer = _insert_after(part_a(), "mean-tests", "import os\nos._exit(1)", "kill")
    ac.submit(course, "kim", "ps1", {"Part A": ac.answer(killer, ac.RIGHT), "quiz": right_quiz})
    target = course / "submitted" / "ann" / "ps1" / "Part A.ipynb"
    reader = _insert_after(part_a(), "load-data",
                           f"try:\n    print('LEAKED', open({str(target)!r}).read()[:80])\n"
                           "except OSError as exc:\n    print('blocked', type(exc).__name__)",
                           "read-ann")
    ac.submit(course, "lee", "ps1", {"Part A": ac.answer(reader, ac.RIGHT), "quiz": right_quiz})
    ac.submit(course, "max", "ps1", {"Part A": right_a, "quiz": right_quiz[:300]})
    tamper = _insert_after(quiz(), "square", "get_ipython().input_transformers_cleanup.append("
                           "\n    lambda lines: ['pass\\n'] if any('assert' in l or 'raise' in l"
                           " for l in lines) else lines)", "neuter")
    ac.submit(course, "ned", "ps1", {"Part A": right_a, "quiz": ac.answer(tamper, ac.WRONG)})


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    """The same course and submissions graded by nbgrader (serially) and by nngrade."""
    base = tmp_path_factory.mktemp("any-course")
    master = ac.make_master(base / "master")
    courses = {kind: ac.copy_course(master, base / kind, registered=kind == "nbgrader")
               for kind in ("nbgrader", "nngrade")}
    for kind, course in courses.items():
        _submissions(master, course, hostile=kind == "nngrade")
    subprocess.run([*NBGRADER, "autograde", "ps*"],
                   cwd=courses["nbgrader"], env=env(), check=True, capture_output=True)
    runs = {a: nngrade(courses["nngrade"], "autograde", a, "--jobs", "2", "--quiet")
            for a in ac.ASSIGNMENTS}
    yield courses, runs
    shutil.rmtree(base, ignore_errors=True)


def _gradebook(course, assignment, students) -> dict:
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        for sub in gb.find_assignment(assignment).submissions:
            if sub.student_id not in students:
                continue
            key = sub.student_id
            out[(key, "timestamp")] = str(sub.timestamp)
            out[(key, "score")] = (sub.score, sub.max_score, sub.late_submission_penalty)
            for nb in sub.notebooks:
                out[(key, nb.name, "late")] = nb.late_submission_penalty
                for g in nb.grades:
                    out[(key, nb.name, g.name)] = (g.auto_score, g.score, g.needs_manual_grade)
                for c in nb.comments:
                    out[(key, nb.name, "comment:" + c.name)] = c.auto_comment
    return out


@pytest.mark.parametrize("assignment", list(ac.ASSIGNMENTS))
def test_gradebook_matches_nbgraders_cell_by_cell(twins, assignment):
    courses, _ = twins
    theirs = _gradebook(courses["nbgrader"], assignment, NORMAL)
    ours = _gradebook(courses["nngrade"], assignment, NORMAL)
    assert theirs, "nbgrader graded nothing"
    assert ours == theirs


def test_the_course_scores_what_its_answers_deserve(twins):
    """The parity above is not two empty gradebooks agreeing: the values themselves."""
    courses, _ = twins
    gb = _gradebook(courses["nngrade"], "ps1", NORMAL)
    assert gb[("ann", "Part A", "mean-tests")] == (3.0, 3.0, False)
    assert gb[("ann", "Part A", "explain-mean")] == (None, 0.0, True)  # manual answer
    assert gb[("ann", "Part A", "task-describe")] == (None, 0.0, True)  # task
    assert gb[("ben", "Part A", "explain-mean")] == (0.0, 0.0, False)  # left unanswered
    assert gb[("ben", "Part A", "comment:explain-mean")] == "No response."
    assert gb[("cat", "quiz", "test_is_even")] == (0.0, 0.0, False)
    assert gb[("cat", "Part A", "late")] == 1.5 and gb[("cat", "quiz", "late")] == 0.75
    assert gb[("dan", "quiz", "square-test")] == (0.0, 0.0, False)  # not submitted
    assert gb[("eve", "Part A", "mean-tests")][0] == 3.0  # ran on the source's data file
    assert gb[("ann", "score")][:2] == (7.0, 12.0)


def test_autograded_folders_hold_what_nbgraders_do(twins):
    courses, _ = twins
    for student in NORMAL:
        for assignment in ac.ASSIGNMENTS:
            folders = [c / "autograded" / student / assignment for c in courses.values()]
            files = [sorted(str(p.relative_to(f)) for p in f.rglob("*") if p.is_file())
                     if f.exists() else None for f in folders]
            assert files[0] == files[1], (student, assignment)
    points = courses["nngrade"] / "autograded" / "eve" / "ps1" / "data" / "points.csv"
    assert points.read_text() == ac.POINTS_CSV


def _rows(course, assignment):
    from grader.course import Course
    from grader.status import report

    data = report(Course.open(course), assignment)
    return data, {r["student"]: r for r in data["rows"]}


def test_status_per_student_and_per_notebook(twins):
    courses, _ = twins
    data, rows = _rows(courses["nngrade"], "ps1")
    assert data["notebooks"] == ["Part A", "quiz"]
    assert rows["ann"]["state"] == "graded" and rows["ann"]["score"] == 7.0
    dan = {n["notebook"]: n for n in rows["dan"]["notebooks"]}
    assert dan["quiz"]["state"] == "not submitted" and rows["dan"]["state"] == "graded"
    assert any("quiz: missing notebook" in note for note in rows["dan"]["notes"])
    maxi = {n["notebook"]: n for n in rows["max"]["notebooks"]}
    assert rows["max"]["state"] == "partly failed"
    assert maxi["quiz"]["state"] == "failed" and "not valid JSON" in maxi["quiz"]["reason"]
    assert maxi["Part A"]["state"] == "graded" and maxi["Part A"]["score"] == 3.5
    text = nngrade(courses["nngrade"], "status", "ps1").stdout
    assert "quiz: failed" in text and "Part A: graded 3.5/3.5" in text
    assert json.loads(nngrade(courses["nngrade"], "status", "ps1", "--json").stdout) == data


def test_a_failed_notebook_costs_only_that_notebook(twins):
    courses, _ = twins
    gb = _gradebook(courses["nngrade"], "ps1", ["max", "kim", "ned"])
    assert gb[("max", "Part A", "mean-tests")] == (3.0, 3.0, False)
    assert gb[("max", "quiz", "square-test")] == (None, 0.0, True)  # cleared and flagged
    folder = courses["nngrade"] / "autograded" / "max" / "ps1"
    assert (folder / "Part A.ipynb").exists() and not (folder / "quiz.ipynb").exists()
    # a kernel killed in Part A: that cell scores nothing, the rest and the quiz everything
    assert gb[("kim", "Part A", "mean-tests")][0] == 3.0
    assert gb[("kim", "Part A", "spread-tests")][0] == 0.5
    assert gb[("kim", "quiz", "square-test")][0] == 1.5
    assert gb[("kim", "quiz", "test_is_even")][0] == 2.0
    _, rows = _rows(courses["nngrade"], "ps1")
    assert "exited with code 1" in " ".join(rows["kim"]["notes"])
    # tampering in the quiz is caught; Part A is untouched by it
    assert gb[("ned", "quiz", "square-test")][0] == 0.0
    assert gb[("ned", "Part A", "mean-tests")][0] == 3.0
    assert "tampering" in " ".join(rows["ned"]["notes"])


def test_a_kernel_cannot_read_another_students_work(twins):
    courses, _ = twins
    graded = courses["nngrade"] / "autograded" / "lee" / "ps1" / "Part A.ipynb"
    cell = next(c for c in nbformat.read(str(graded), as_version=4).cells
                if c.get("id") == "read-ann")
    text = json.dumps(cell.outputs)
    assert "blocked" in text and "LEAKED" not in text
    gb = _gradebook(courses["nngrade"], "ps1", ["lee"])
    assert gb[("lee", "Part A", "mean-tests")][0] == 3.0


def _export(course, assignment, tmp_path):
    from grader.course import Course
    from grader.export import write_csv

    out = tmp_path / f"{assignment}.csv"
    if assignment == "ps1":  # the command once; the function otherwise
        nngrade(course, "export", assignment, "--csv", str(out))
    else:
        write_csv(Course.open(course), assignment, out)
    with out.open() as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, {row["student"]: row for row in reader}


def test_export_sums_an_assignments_notebooks(twins, tmp_path):
    courses, _ = twins
    header, rows = _export(courses["nngrade"], "ps1", tmp_path)
    assert header == ["student", "mean-tests", "spread-tests", "explain-mean", "total-answer",
                      "task-describe", "square-test", "is_even", "total", "max_total",
                      "status", "reason"]
    assert float(rows["ann"]["total"]) == 7.0 and float(rows["ann"]["max_total"]) == 12.0
    assert rows["ann"]["explain-mean"] == ""  # waits for the instructor
    assert "needs manual grading: explain-mean total-answer task-describe" \
        in rows["ann"]["status"]
    assert float(rows["cat"]["total"]) == 4.5 - 1.5 - 0.75  # the course's late policy
    assert "late submission penalty: 2.25" in rows["cat"]["reason"]
    assert float(rows["dan"]["square-test"]) == 0.0 and float(rows["dan"]["total"]) == 3.5
    assert "quiz: missing notebook" in rows["dan"]["reason"]
    assert rows["max"]["status"] == "partly failed"
    assert float(rows["max"]["square-test"]) == 0.0 and float(rows["max"]["total"]) == 3.5
    assert "quiz: invalid notebook: not valid JSON" in rows["max"]["reason"]
    header, rows = _export(courses["nngrade"], "ps2", tmp_path)
    assert header[1:-4] == ["add-check"]
    assert {s: float(r["total"]) for s, r in rows.items()} == {
        "ann": 4.0, "ben": 0.0, "cat": 0.0, "eve": 4.0}


def test_export_lists_the_students_waiting_for_manual_grades(twins, tmp_path):
    """What the default format's warning on stderr names (``export.write_rows``)."""
    from grader.course import Course
    from grader.export import write_rows

    courses, _ = twins
    count, pending = write_rows(Course.open(courses["nngrade"]), "ps1", tmp_path / "ps1.csv")
    with (tmp_path / "ps1.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert count == len(rows) and "ann" in pending
    assert pending == [r["student"] for r in rows if "needs manual grading" in r["status"]]


def _page(path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def test_feedback_per_notebook_without_hidden_tests(twins):
    courses, _ = twins
    course = courses["nngrade"]
    nngrade(course, "feedback", "ps1")
    for student in NORMAL + HOSTILE:
        for page in (course / "feedback" / student / "ps1").glob("*.html"):
            text = _page(page)
            assert not [line for line in HIDDEN if line in text], page
    assert (course / "feedback" / "ann" / "ps1" / "Part A.html").exists()
    assert (course / "feedback" / "ann" / "ps1" / "quiz.html").exists()
    assert "was not submitted" in _page(course / "feedback" / "dan" / "ps1" / "quiz.html")
    failed = _page(course / "feedback" / "max" / "ps1" / "quiz.html")
    assert "could not be graded" in failed and "not valid JSON" in failed
    assert "NotImplementedError" in _page(course / "feedback" / "ben" / "ps1" / "quiz.html")


def test_resume_and_resubmission_are_per_notebook(twins):
    courses, runs = twins
    course = courses["nngrade"]
    assert "16 graded, 1 failed, 0 already done" in runs["ps1"].stdout
    assert "(1 not submitted, scored 0)" in runs["ps1"].stdout
    again = _autograde(course)
    assert "0 graded, 0 failed, 18 already done" in again.line()
    master = course.parent / "master"
    (course / "submitted" / "dan" / "ps1" / "quiz.ipynb").write_bytes(
        ac.answer(ac.release(master, "ps1", "quiz"), ac.RIGHT))
    _, rows = _rows(course, "ps1")
    dan = {n["notebook"]: n["state"] for n in rows["dan"]["notebooks"]}
    assert dan == {"Part A": "graded", "quiz": "changed since grading"}
    assert "1 graded, 0 failed, 17 already done" in _autograde(course).line()
    gb = _gradebook(course, "ps1", ["dan"])
    assert gb[("dan", "quiz", "test_is_even")][0] == 2.0
    assert gb[("dan", "Part A", "mean-tests")][0] == 3.0
    retry = _autograde(course, retry_failed=True)
    assert "0 graded, 1 failed, 17 already done" in retry.line()


def _autograde(course, **options):
    from grader.autograde import autograde
    from grader.course import Course

    return autograde(Course.open(course), "ps1", jobs=1, progress=False, **options)


def test_assignment_model_reads_any_notebook():
    """The model's cell kinds and exercises, on the hand-written notebooks (no kernel)."""
    from grader import assignment as model

    kinds = {model.grade_id(c): model.kind(c) for c in ac.PART_A.cells if model.grade_id(c)}
    assert kinds == {"load-data": model.LOCKED, "mean-answer": model.SOLUTION,
                     "mean-tests": model.AUTOGRADED, "spread-answer": model.SOLUTION,
                     "spread-tests": model.AUTOGRADED, "explain-mean": model.MANUAL,
                     "total-answer": model.MANUAL, "task-describe": model.TASK}
    assert model.setup_cells(ac.PART_A) == []
    quiz = model.exercises(ac.QUIZ)
    assert [model.grade_id(c) for c in quiz["is_even"].tests] == ["test_is_even"]
    assert quiz["square"].tests == []  # its test is not named after it: its own column
    assert model.exercise_of("test_a_b_hidden", ["a", "a_b"]) == "a_b"
    assert model.without_hidden(ac.QUIZ.cells[1].source) == "assert square(3) == 9"
    _, lines = model.hidden_lines(ac.QUIZ)
    assert "assert square(-2) == 4" in lines


def test_columns_keep_notebooks_apart_when_names_clash():
    from grader.assignment import AUTOGRADED, Assignment, GradeCell, Notebook

    def nb(name, *cells):
        return Notebook(name, {c: GradeCell(c, 1.0, AUTOGRADED, c) for c in cells})

    columns = Assignment("x", [nb("a", "q1", "q2"), nb("b", "q1")]).columns()
    assert [c for c, _ in columns] == ["a:q1", "q2", "b:q1"]
