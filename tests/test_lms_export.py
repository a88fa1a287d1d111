"""``nngrade export --format canvas|moodle``: the columns Canvas's and Moodle's gradebook
imports read, with totals from a real ``nngrade autograde`` plus a manual grade entered as
formgrader enters it, names and ids from nbgrader's gradebook or a roster, and a clear error
(and no file) when an identifier is missing."""

from __future__ import annotations

import csv

import pytest
from fixtures.submissions import hostile
from fixtures.submissions.course import make_course, nngrade

LESSON = hostile.LESSON  # 01_neuron: 3 exercises x 2 points + fr_xor (2 points, manual)
PEOPLE = {  # nbgrader's gradebook fields, as `nbgrader db student add` sets them
    "solved": ("Ada", "Lovelace", "ada@example.edu", "1001"),
    "stub": ("Alan", "Turing", "alan@example.edu", "1002"),
    "invalid_json": ("Grace", "Hopper", "grace@example.edu", "1003"),
}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("lms"))
    hostile.add_normal(course, "solved", True)
    hostile.add_normal(course, "stub", False)
    hostile.build(course, targets=[], port=9, only=["invalid_json"])
    nngrade(course, "autograde", LESSON, "--jobs", "2", "--quiet")
    from grader.course import Course

    with Course.open(course).gradebook() as gb:
        for student, (first, last, email, lms_id) in PEOPLE.items():
            gb.update_or_create_student(student, first_name=first, last_name=last,
                                        email=email, lms_user_id=lms_id)
        grade = gb.find_grade("fr_xor", LESSON, LESSON, "solved")
        grade.manual_score = 1.5  # as formgrader's GradeHandler.put does
        grade.needs_manual_grade = False
        gb.db.commit()
    hostile.add_normal(course, "late", True)  # submitted after grading: not graded yet
    return course


def _read(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _table(course, fmt, **options) -> list[list[str]]:
    """The LMS file's rows, built in this process (the command line is tested below)."""
    from grader.course import Course
    from grader.lms import Options, table

    return table(Course.open(course), LESSON, fmt, Options(**options))[0]


def _export(course, tmp_path, *args, check=True):
    out = tmp_path / "grades.csv"
    proc = nngrade(course, "export", LESSON, "--csv", str(out), *args, check=check)
    return proc, out


def test_canvas_columns_names_ids_and_points_possible(course, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student,ID,Section\nlate,1004,Lab B\n")
    proc, out = _export(course, tmp_path, "--format", "canvas", "--title", "Neuron",
                        "--canvas-assignment-id", "5551", "--roster", str(roster))
    assert _read(out) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Neuron (5551)"],
        ["    Points Possible", "", "", "", "", "8"],
        ["Hopper, Grace", "1003", "", "", "", "0"],  # failed: 0
        ["late", "1004", "", "", "Lab B", ""],  # not graded yet: empty
        ["Lovelace, Ada", "1001", "", "", "", "7.5"],  # 6 automatic + 1.5 manual
        ["Turing, Alan", "1002", "", "", "", "0"],
    ]
    assert "wrote" in proc.stdout and "4 students" in proc.stdout
    assert "need manual grading" not in proc.stderr  # fr_xor graded; stub's left unanswered


def test_warns_while_manual_grading_is_pending(course, tmp_path):
    from grader.course import Course

    def manual(score):
        with Course.open(course).gradebook() as gb:
            grade = gb.find_grade("fr_xor", LESSON, LESSON, "solved")
            grade.manual_score, grade.needs_manual_grade = score, score is None
            gb.db.commit()

    manual(None)
    try:
        proc, out = _export(course, tmp_path, "--format", "canvas", "--login-is-student-id")
        (tmp_path / "own").mkdir()
        own, _ = _export(course, tmp_path / "own", "--format", "nngrade")
    finally:
        manual(1.5)
    assert {r[0]: r[-1] for r in _read(out)}["Lovelace, Ada"] == "6"
    warning = ("warning: 1 student(s) still need manual grading, their totals lack those "
               "answers: solved")
    assert warning in proc.stderr
    assert warning in own.stderr, f"the default format says nothing: {own.stderr!r}"


def test_canvas_roster_is_canvas_own_export(course, tmp_path):
    """Canvas's gradebook export as the roster, keyed by the column holding nbgrader ids."""
    roster = tmp_path / "canvas_export.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (77)\n"
        "    Points Possible,,,,,10\n"
        '"Lovelace, Ada",9001,S-01,solved,Sec 1,9\n'
        '"Turing, Alan",9002,S-02,stub,Sec 2,\n'
        '"Hopper, Grace",9003,S-03,invalid_json,Sec 1,\n'
        "Late Student,9004,S-04,late,Sec 2,\n")
    rows = _table(course, "canvas", roster=roster, roster_key="SIS Login ID")
    assert rows[0][-1] == LESSON and rows[1] == ["    Points Possible", "", "", "", "", "8"]
    assert rows[2:] == [["Hopper, Grace", "9003", "S-03", "invalid_json", "Sec 1", "0"],
                        ["Late Student", "9004", "S-04", "late", "Sec 2", ""],
                        ["Lovelace, Ada", "9001", "S-01", "solved", "Sec 1", "7.5"],
                        ["Turing, Alan", "9002", "S-02", "stub", "Sec 2", "0"]]


def test_canvas_login_is_student_id(course, tmp_path):
    rows = {r[0]: r for r in _table(course, "canvas", login_is_student_id=True)[2:]}
    assert rows["late"] == ["late", "", "", "late", "", ""]
    assert rows["Lovelace, Ada"] == ["Lovelace, Ada", "1001", "", "solved", "", "7.5"]


def test_canvas_missing_identifier_is_an_error_and_writes_nothing(course, tmp_path):
    proc, out = _export(course, tmp_path, "--format", "canvas", check=False)
    assert proc.returncode == 2
    assert not out.exists()
    assert "ID, SIS User ID or SIS Login ID" in proc.stderr
    assert "none is known for: late." in proc.stderr  # the only one without an id
    assert "--lms-user-id" in proc.stderr and "--roster" in proc.stderr


def test_moodle_email_identifier(course, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student,Email address\nlate,late@example.edu\n")
    assert _table(course, "moodle", roster=roster) == [
        ["Email address", LESSON], ["grace@example.edu", "0"], ["late@example.edu", ""],
        ["ada@example.edu", "7.5"], ["alan@example.edu", "0"]]


def test_moodle_username_is_the_student_id(course, tmp_path):
    rows = _table(course, "moodle", moodle_id="username", title="Neuron",
                  login_is_student_id=True)
    assert rows == [["Username", "Neuron"], ["invalid_json", "0"], ["late", ""],
                    ["solved", "7.5"], ["stub", "0"]]


def test_moodle_userid_from_lms_user_id(course, tmp_path):
    """nbgrader's lms_user_id fills Moodle's User ID; `late` has none: an error."""
    with pytest.raises(ValueError, match=r"needs the 'User ID' of: late\. .*--lms-user-id"):
        _table(course, "moodle", moodle_id="userid")
    roster = tmp_path / "roster.csv"
    roster.write_text("student,User ID\nlate,1004\n")
    rows = _table(course, "moodle", moodle_id="userid", roster=roster)
    assert rows == [["User ID", LESSON], ["1003", "0"], ["1004", ""], ["1001", "7.5"],
                    ["1002", "0"]]


def test_moodle_missing_email_names_every_student(course, tmp_path):
    proc, out = _export(course, tmp_path, "--format", "moodle", check=False)
    assert proc.returncode == 2 and not out.exists()
    assert "needs the 'Email address' of: late." in proc.stderr
    assert "Nothing was written" in proc.stderr


def test_roster_without_its_key_column(course, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,ID\nlate,1\n")
    with pytest.raises(ValueError, match="has no column 'student'"):
        _table(course, "canvas", roster=roster)


def test_nngrade_format_is_the_default(course, tmp_path):
    _, out = _export(course, tmp_path)
    rows = {r[0]: r for r in _read(out)}
    assert rows["student"][-4:] == ["total", "max_total", "status", "reason"]
    assert float(rows["solved"][-4]) == 7.5 and rows["late"][-4] == ""


def test_lms_options_need_an_lms_format(course, tmp_path, capsys):
    from grader.cli import main

    out = tmp_path / "x.csv"
    assert main(["export", LESSON, "--csv", str(out), "--course", str(course),
                 "--roster", "r.csv"]) == 2
    assert "--roster: only with --format canvas or moodle" in capsys.readouterr().err
    assert not out.exists()
