"""End to end through ``nngrade autograde``: lesson-02 answers taken from the course's own
reference package (imported, wrapped) score 0 for that exercise with a note in ``status``,
``export`` and ``feedback``; a verbatim copy of a long reference is flagged for manual
grading, not zeroed; a genuine submission is untouched."""

from __future__ import annotations

import csv
import html
import re

import nbformat
import pytest
from conftest import release_notebook, solution_notebook
from fixtures.submissions.course import make_course, nngrade, status
from test_provenance import COPY_SIGMOID  # the reference's sigmoid, renamed and recommented

LESSON = "02_activations"
REF = "nncourse.reference.activations"
TESTS = {"sigmoid": ["test_sigmoid", "test_sigmoid_hidden"],
         "relu": ["test_relu", "test_relu_hidden"]}
ANSWERS = {
    "imports": {"sigmoid": f"from {REF} import sigmoid\n"},
    "wraps": {"relu": "from nncourse.reference import activations\n\n\ndef relu(z):\n"
                      "    return activations.relu(z)\n"},
    "copies": {"sigmoid": COPY_SIGMOID},
    "genuine": {},
}


def _own_answers() -> dict[str, str]:
    """Each solution cell's code as a student would type it (no nbgrader markers)."""
    nb = nbformat.read(str(solution_notebook(LESSON)), as_version=4)
    out = {}
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            out[cell.id] = "\n".join(line for line in cell.source.splitlines()
                                     if "### BEGIN SOLUTION" not in line
                                     and "### END SOLUTION" not in line) + "\n"
    return out


def _submission(changes: dict[str, str]) -> bytes:
    nb = nbformat.read(str(release_notebook(LESSON)), as_version=4)
    answers = {**_own_answers(), **changes}
    for cell in nb.cells:
        if cell.get("id") in answers:
            cell.source = answers[cell.id]
    return nbformat.writes(nb).encode()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("provenance"))
    for student, changes in ANSWERS.items():
        folder = course / "submitted" / student / LESSON
        folder.mkdir(parents=True)
        (folder / f"{LESSON}.ipynb").write_bytes(_submission(changes))
        (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")
    nngrade(course, "autograde", LESSON, "--jobs", "2", "--quiet")
    nngrade(course, "feedback", LESSON)
    return course


def _grades(course) -> dict[str, dict[str, tuple]]:
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, tuple]] = {}
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        for sub in gb.find_assignment(LESSON).submissions:
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.name.startswith("test_"):
                        out.setdefault(sub.student_id, {})[g.name] = (
                            g.auto_score, g.max_score, g.needs_manual_grade)
    return out


def _page(course, student: str) -> str:
    path = course / "feedback" / student / LESSON / f"{LESSON}.html"
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def test_gradebook_zeroes_imported_and_wrapped_exercises_and_flags_the_copy(course):
    grades = _grades(course)
    assert set(grades) == set(ANSWERS)
    zeroed = {"imports": TESTS["sigmoid"], "wraps": TESTS["relu"]}
    for student, cells in grades.items():
        assert len(cells) == 14
        for name, (auto, points, manual) in cells.items():
            expected = 0.0 if name in zeroed.get(student, []) else points
            assert auto == expected, f"{student} {name}: {auto} (expected {expected})"
            flagged = student == "copies" and name in TESTS["sigmoid"]
            assert bool(manual) == flagged, f"{student} {name}: needs_manual_grade={manual}"


def test_status_notes_say_why(course):
    rows = {row["student"]: row for row in status(course, LESSON)["rows"]}
    notes = {student: " | ".join(row["notes"]) for student, row in rows.items()}
    assert f"sigmoid: the course's own {REF}.sigmoid (imported); its tests score 0" \
        in notes["imports"]
    assert f"relu: the course's own {REF}.relu (wrapper); its tests score 0" in notes["wraps"]
    assert f"sigmoid: a verbatim copy of the course's {REF}.sigmoid" in notes["copies"]
    assert "manual grading" in notes["copies"]
    assert "course's" not in notes["genuine"]
    assert {row["state"] for row in rows.values()} == {"graded"}
    text = nngrade(course, "status", LESSON).stdout
    assert "(imported); its tests score 0" in text and "(wrapper)" in text


def test_export_gives_the_reason(course, tmp_path):
    out = tmp_path / "grades.csv"
    nngrade(course, "export", LESSON, "--csv", str(out))
    with out.open() as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert float(rows["imports"]["sigmoid"]) == 0.0 and float(rows["imports"]["total"]) == 12
    assert float(rows["wraps"]["relu"]) == 0.0 and float(rows["wraps"]["total"]) == 12
    assert float(rows["genuine"]["total"]) == 14 and rows["genuine"]["reason"] == ""
    assert "(imported)" in rows["imports"]["reason"]
    assert "(wrapper)" in rows["wraps"]["reason"]
    assert "verbatim copy" in rows["copies"]["reason"]
    assert "needs manual grading: sigmoid" in rows["copies"]["status"]


def test_feedback_tells_the_student(course):
    imports = _page(course, "imports")
    assert "ReferenceAnswer" in imports
    assert (f"`sigmoid` is the course's own `{REF}.sigmoid` (imported): this exercise scores "
            f"0; answers must be your own") in imports
    assert f"`relu` calls the course's own `{REF}.relu` (wrapper)" in _page(course, "wraps")
    for student in ("copies", "genuine"):
        assert "ReferenceAnswer" not in _page(course, student)


def test_no_probe_is_left_in_what_students_and_instructors_see(course):
    for student in ANSWERS:
        graded = course / "autograded" / student / LESSON / f"{LESSON}.ipynb"
        assert "nngrade-provenance" not in graded.read_text()
        assert "nngrade-provenance" not in _page(course, student)
