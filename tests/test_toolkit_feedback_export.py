"""``nngrade feedback`` shows each failed test's message but never a hidden test's source,
not even in a traceback or when the submission prints its own history; ``nngrade export``
writes one LMS-ready row per student."""

from __future__ import annotations

import csv
import html
import re

import nbformat
import pytest
from fixtures.submissions import hostile
from fixtures.submissions.course import make_course, nngrade

from grader.feedback import hidden_lines, redact

LESSON = hostile.LESSON

EXFILTRATE = '''def neuron_output(x, w, b):
    """Wrong on purpose, and prints who called it (the hidden test's lines)."""
    import inspect
    for frame in inspect.stack()[1:4]:
        print(frame.code_context)
    return 0.5
'''


def _leaky() -> bytes:
    nb = nbformat.read(str(hostile.SOLUTION), as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.get("id") == "neuron_output":
            cell.source = EXFILTRATE
        if cell.get("id") == "neuron_predict":
            cell.source = hostile.NP_ALONE
        if cell.get("id") == "test_weighted_sum_hidden":
            at = index + 1
    nb.cells.insert(at, nbformat.v4.new_code_cell("print('\\n'.join(In))\nprint(_ih)",
                                                  id="dump-history"))
    return nbformat.writes(nb).encode()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("feedback"))
    hostile.add_normal(course, "solved", True)
    hostile.add_normal(course, "stub", False)
    folder = course / "submitted" / "leaky" / LESSON
    folder.mkdir(parents=True)
    (folder / f"{LESSON}.ipynb").write_bytes(_leaky())
    hostile.build(course, targets=[], port=9, only=["invalid_json"])
    nngrade(course, "autograde", LESSON, "--jobs", "2", "--quiet")
    nngrade(course, "feedback", LESSON)
    return course


def _text(path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def _hidden() -> list[str]:
    _, lines = hidden_lines(nbformat.read(str(hostile.SOLUTION), as_version=4))
    assert len(lines) >= 10
    return lines


@pytest.mark.parametrize("student", ["solved", "stub", "leaky"])
def test_feedback_never_shows_hidden_tests(course, student):
    page = course / "feedback" / student / LESSON / f"{LESSON}.html"
    assert page.exists()
    text = _text(page)
    leaked = [line for line in _hidden() if line in text]
    assert not leaked, f"{student}: hidden test lines in feedback: {leaked[:3]}"
    assert "BEGIN HIDDEN TESTS" not in text


def test_feedback_shows_failed_tests_messages(course):
    text = _text(course / "feedback" / "leaky" / LESSON / f"{LESSON}.html")
    assert "should return a numpy array of shape (30,), got float 0.5" in text  # hidden test
    assert "should be about 0.6341, got 0.5" in text  # visible test
    assert "[hidden test]" in text  # what it printed of the hidden tests was redacted
    stub = _text(course / "feedback" / "stub" / LESSON / f"{LESSON}.html")
    assert "is not written yet" in stub


def test_failed_submission_gets_a_page_with_the_reason(course):
    text = _text(course / "feedback" / "invalid_json" / LESSON / f"{LESSON}.html")
    assert "could not be graded" in text and "not valid JSON" in text


def test_redact_replaces_every_copy():
    assert redact("a check_call(f, (1,), expected=2) b", ["check_call(f, (1,), expected=2)"]) \
        == "a [hidden test] b"


def test_export_one_row_per_student(course, tmp_path):
    out = tmp_path / "grades.csv"
    nngrade(course, "export", LESSON, "--csv", str(out))
    with out.open() as handle:
        reader = csv.DictReader(handle)
        rows = {row["student"]: row for row in reader}
        header = reader.fieldnames
    assert header == ["student", "weighted_sum", "neuron_output", "neuron_predict", "fr_xor",
                      "total", "max_total", "status", "reason"]
    assert set(rows) == {"solved", "stub", "leaky", "invalid_json"}
    assert float(rows["solved"]["total"]) == 6.0 and float(rows["solved"]["max_total"]) == 8.0
    assert rows["solved"]["fr_xor"] == ""  # waits for the instructor
    assert "needs manual grading: fr_xor" in rows["solved"]["status"]
    assert float(rows["leaky"]["neuron_output"]) == 0.0
    assert float(rows["leaky"]["neuron_predict"]) == 2.0
    assert rows["invalid_json"]["status"] == "failed"
    assert "not valid JSON" in rows["invalid_json"]["reason"]


def test_export_includes_manual_grades(course, tmp_path):
    from grader.course import Course

    with Course.open(course).gradebook() as gb:
        grade = gb.find_grade("fr_xor", LESSON, LESSON, "solved")
        grade.manual_score = 1.5
        gb.db.commit()
    out = tmp_path / "grades.csv"
    nngrade(course, "export", LESSON, "--csv", str(out))
    with out.open() as handle:
        row = {r["student"]: r for r in csv.DictReader(handle)}["solved"]
    assert float(row["fr_xor"]) == 1.5 and float(row["total"]) == 7.5
