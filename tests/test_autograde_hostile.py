"""Hostile and broken submissions, graded end to end next to normal ones, on SQLite and on
a real PostgreSQL server: each gets the score it deserves and a reason in ``status`` and
``export``; the gradebook, the other students' files and the instructor's files survive;
no network connection gets out; the normal submissions are graded normally."""

from __future__ import annotations

import csv
import hashlib
import shutil
import socket
import sqlite3
from pathlib import Path

import pytest
from fixtures.submissions import hostile
from fixtures.submissions.course import journal, make_course, nngrade, status
from postgres import PostgresUnavailable, Server

LESSON = hostile.LESSON


@pytest.fixture(scope="module")
def pg_server():
    try:
        server = Server()
    except PostgresUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed for this test and is not available: {exc}")
    yield server
    server.stop()


def _digest(paths: list[Path]) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def graded(request, tmp_path_factory):
    """Grade every fixture plus two normal submissions once per gradebook backend."""
    course = make_course(tmp_path_factory.mktemp(f"hostile-{request.param}"), timeout=3)
    db = []
    if request.param == "postgresql":
        db = ["--db", request.getfixturevalue("pg_server").new_database()]
    instructor_file = course / "instructor-notes.txt"
    instructor_file.write_text("the answers are secret")
    home_marker = Path.home() / "nngrade-test-pwned"
    tmp_marker = Path("/tmp") / "nngrade-test-pwned"
    for marker in (home_marker, tmp_marker):
        marker.unlink(missing_ok=True)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    hostile.add_normal(course, "normal_solved", True)
    hostile.add_normal(course, "normal_stub", False)
    targets = [course / "gradebook.db", instructor_file,
               course / "submitted" / "normal_solved" / LESSON / f"{LESSON}.ipynb",
               course / "source" / LESSON / f"{LESSON}.ipynb", home_marker, tmp_marker]
    hostile.build(course, targets=targets, port=listener.getsockname()[1])
    protected = [instructor_file, *(course / "submitted" / "normal_solved").rglob("*"),
                 *(course / "submitted" / "normal_stub").rglob("*"),
                 hostile.ROOT / "solutions" / LESSON / f"{LESSON}.ipynb"]
    before = _digest(protected)
    if request.param == "sqlite":
        nngrade(course, "autograde", LESSON, "--jobs", "1", "--student", "normal_solved",
                "--quiet", *db)  # the gradebook exists before the attacks
        before_db = True
    else:
        before_db = False
    proc = nngrade(course, "autograde", LESSON, "--jobs", "2", "--notebook-timeout", "120", *db)
    connections = []
    try:
        while True:
            connections.append(listener.accept())
    except (TimeoutError, OSError):
        pass
    listener.close()
    rows = {}
    csv_path = course / "grades.csv"
    nngrade(course, "export", LESSON, "--csv", str(csv_path), *db)
    with csv_path.open() as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    yield {"course": course, "db": db, "proc": proc, "rows": rows,
           "status": {r["student"]: r for r in status(course, LESSON, *db)["rows"]},
           "before": before, "after": _digest(protected), "connections": connections,
           "markers": [home_marker, tmp_marker], "backend": request.param,
           "before_db": before_db}
    shutil.rmtree(course, ignore_errors=True)


@pytest.mark.parametrize("name", sorted(hostile.EXPECTED))
def test_each_hostile_submission_gets_its_score_and_a_reason(graded, name):
    state, scores, words = hostile.EXPECTED[name]
    row, stat = graded["rows"][name], graded["status"][name]
    assert stat["state"] == state, f"{name}: {stat}"
    reason = row["reason"]
    assert reason, f"{name}: no reason in the export"
    assert words in reason, f"{name}: {words!r} not in the export's reason {reason!r}"
    shown = stat["reason"] or "; ".join(stat["notes"])
    assert words in shown, f"{name}: {words!r} not in status {shown!r}"
    if state == "failed":
        assert row["status"] == "failed"
        assert float(row["total"]) == 0.0
        assert not (graded["course"] / "autograded" / name / LESSON).exists()
    else:
        got = {ex: float(row[ex]) for ex in scores}
        assert got == scores, f"{name}: {got} != {scores} ({reason})"


def test_normal_submissions_are_graded_normally(graded):
    rows = graded["rows"]
    assert rows["normal_solved"]["status"].startswith("graded")
    assert [float(rows["normal_solved"][ex]) for ex in hostile.FULL] == [2.0, 2.0, 2.0]
    assert [float(rows["normal_stub"][ex]) for ex in hostile.FULL] == [0.0, 0.0, 0.0]


def test_nothing_outside_the_sandbox_was_touched(graded):
    assert graded["before"] == graded["after"]
    for marker in graded["markers"]:
        assert not marker.exists(), f"a submission wrote {marker}"
    assert not Path("/etc/nngrade-pwned").exists()


def test_no_network_connection_got_out(graded):
    assert graded["connections"] == []


def test_gradebook_is_intact_and_failures_leave_no_partial_scores(graded):
    from grader.gradebook import Course

    course = Course.open(graded["course"], graded["db"][1] if graded["db"] else None)
    if graded["backend"] == "sqlite":
        conn = sqlite3.connect(graded["course"] / "gradebook.db")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    with course.gradebook() as gb:
        assignment = gb.find_assignment(LESSON)
        assert len(assignment.notebooks[0].grade_cells) == 7
        by_student = {s.student_id: s for s in assignment.submissions}
        for name, (state, _, _) in hostile.EXPECTED.items():
            if state == "failed" and name in by_student:
                grades = [g for nb in by_student[name].notebooks for g in nb.grades]
                assert all(g.auto_score is None for g in grades), name


def test_every_submission_is_journaled_once(graded):
    entries = [e for e in journal(graded["course"], LESSON) if e["student"]]
    names = [e["student"] for e in entries if e["student"] in hostile.EXPECTED]
    assert sorted(names) == sorted(hostile.EXPECTED)
