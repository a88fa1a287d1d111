"""Hostile and broken submissions, graded end to end next to normal ones, in two variants:
``sqlite`` (the lesson alone, an SQLite gradebook that exists before the attacks) and
``multi`` (a multi-notebook assignment whose gradebook is a database on a real PostgreSQL
server, created by the attacked run itself): each gets the score it deserves and a reason
in ``status`` and ``export``; the gradebook, the other students' files and the instructor's
files survive; no network connection gets out; the normal submissions are graded normally.

In the ``multi`` variant the assignment is a copy of ``01_neuron`` plus a small second
notebook, ``warmup.ipynb``, that every student (hostile or not) hands in answered
correctly: whatever the hostile lesson notebook does, the warm-up scores full marks. A
lesson notebook that cannot be graded then leaves the student ``partly failed`` (not
``failed``), and its reasons carry the notebook's name (``01_neuron: ...``)."""

from __future__ import annotations

import csv
import hashlib
import shutil
import socket
import sqlite3
import uuid
from pathlib import Path

import pytest
from fixtures.submissions import hostile
from fixtures.submissions.course import journal, make_course, nngrade, own_source, status
from postgres import PostgresUnavailable, Server

LESSON = hostile.LESSON
WARMUP = hostile.WARMUP
NORMAL = ["normal_solved", "normal_stub"]
STUDENTS = sorted([*hostile.EXPECTED, *NORMAL])


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


def _grade(course: Path, variant: str, db: list[str]) -> dict:
    """Grade every fixture plus two normal submissions in ``course``; what the tests read."""
    multi = variant == "multi"
    notebooks = [LESSON, WARMUP] if multi else [LESSON]
    if multi:
        source = own_source(course, LESSON)
        hostile.add_warmup_source(course)
    instructor_file = course / "instructor-notes.txt"
    instructor_file.write_text("the answers are secret")
    unique = f"nngrade-test-pwned-{uuid.uuid4().hex[:12]}"  # variants run side by side (xdist)
    home_marker, tmp_marker = Path.home() / unique, Path("/tmp") / unique
    for marker in (home_marker, tmp_marker):
        marker.unlink(missing_ok=True)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    hostile.add_normal(course, "normal_solved", True)
    hostile.add_normal(course, "normal_stub", False)
    if multi:
        hostile.add_warmup(course, STUDENTS)
    targets = [course / "gradebook.db", instructor_file,
               *(course / "submitted" / "normal_solved" / LESSON / f"{nb}.ipynb"
                 for nb in notebooks),
               *(course / "source" / LESSON / f"{nb}.ipynb" for nb in notebooks),
               home_marker, tmp_marker]
    hostile.build(course, targets=targets, port=listener.getsockname()[1])
    protected = [instructor_file, *(course / "submitted" / "normal_solved").rglob("*"),
                 *(course / "submitted" / "normal_stub").rglob("*"),
                 hostile.ROOT / "solutions" / LESSON / f"{LESSON}.ipynb"]
    if multi:
        protected += [*source.rglob("*"),
                      *(course / "submitted" / name / LESSON / f"{WARMUP}.ipynb"
                        for name in hostile.EXPECTED)]
    before = _digest(protected)
    if not db:
        nngrade(course, "autograde", LESSON, "--jobs", "1", "--student", "normal_solved",
                "--quiet", *db)  # the gradebook exists before the attacks
    proc = nngrade(course, "autograde", LESSON, "--jobs", "2", "--notebook-timeout", "120", *db)
    connections = []
    try:
        while True:
            connections.append(listener.accept())
    except (TimeoutError, OSError):
        pass
    listener.close()
    csv_path = course / "grades.csv"
    nngrade(course, "export", LESSON, "--csv", str(csv_path), *db)
    with csv_path.open() as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    report = status(course, LESSON, *db)
    return {"course": course, "db": db, "proc": proc, "rows": rows, "report": report,
            "status": {r["student"]: r for r in report["rows"]},
            "before": before, "after": _digest(protected), "connections": connections,
            "markers": [home_marker, tmp_marker], "backend": "postgresql" if db else "sqlite",
            "variant": variant,
            "notebooks": notebooks}


@pytest.fixture(scope="module")
def multi_graded(tmp_path_factory, pg_server):
    """The multi-notebook variant on PostgreSQL, graded once for ``graded`` and the tests
    of its own."""
    course = make_course(tmp_path_factory.mktemp("hostile-multi"), timeout=3)
    yield _grade(course, "multi", ["--db", pg_server.new_database()])
    shutil.rmtree(course, ignore_errors=True)


@pytest.fixture(scope="module", params=["sqlite", "multi"])
def graded(request, tmp_path_factory):
    """Every fixture plus two normal submissions, graded once per variant."""
    if request.param == "multi":
        yield request.getfixturevalue("multi_graded")
        return
    course = make_course(tmp_path_factory.mktemp(f"hostile-{request.param}"), timeout=3)
    yield _grade(course, request.param, [])
    shutil.rmtree(course, ignore_errors=True)


def _expected(graded: dict, name: str) -> tuple[str, dict | None, str]:
    """hostile.EXPECTED[name], as a student with a correct second notebook must be seen:
    a lesson notebook that fails leaves them ``partly failed``; one not handed in scores 0
    in its exercises while the warm-up is graded (nbgrader's rule for a missing notebook)."""
    state, scores, words = hostile.EXPECTED[name]
    if graded["variant"] != "multi":
        return state, scores, words
    if name == "missing_notebook":
        return "graded", dict.fromkeys(hostile.FULL, 0.0), words
    return ("partly failed" if state == "failed" else state), scores, words


@pytest.mark.parametrize("name", sorted(hostile.EXPECTED))
def test_each_hostile_submission_gets_its_score_and_a_reason(graded, name):
    state, scores, words = _expected(graded, name)
    row, stat = graded["rows"][name], graded["status"][name]
    assert stat["state"] == state, f"{name}: {stat}"
    reason = row["reason"]
    assert reason, f"{name}: no reason in the export"
    assert words in reason, f"{name}: {words!r} not in the export's reason {reason!r}"
    shown = stat["reason"] or "; ".join(stat["notes"])
    assert words in shown, f"{name}: {words!r} not in status {shown!r}"
    lesson_dir = graded["course"] / "autograded" / name / LESSON
    if graded["variant"] == "multi":
        prefix = f"{LESSON}: "
        assert reason.startswith(prefix) and f"{WARMUP}: " not in reason, \
            f"{name}: the export's reason {reason!r} is not all about {LESSON}"
        assert shown.startswith(prefix) and f"{WARMUP}: " not in shown, \
            f"{name}: status {shown!r} is not all about {LESSON}"
        lesson_nb = {n["notebook"]: n for n in stat["notebooks"]}[LESSON]
        own = lesson_nb["reason"] or "; ".join(lesson_nb["notes"])
        assert words in own, f"{name}: {words!r} not in {LESSON}'s status {lesson_nb}"
    if state == "failed":
        assert row["status"] == "failed"
        assert float(row["total"]) == 0.0
        assert not lesson_dir.exists()
    elif state == "partly failed":
        assert row["status"] == "partly failed", f"{name}: {row}"
        assert {ex: float(row[ex]) for ex in hostile.FULL} == dict.fromkeys(hostile.FULL, 0.0)
        assert float(row["total"]) == sum(hostile.WARMUP_FULL.values()), f"{name}: {row}"
        assert not (lesson_dir / f"{LESSON}.ipynb").exists()
        assert (lesson_dir / f"{WARMUP}.ipynb").is_file()
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
    from grader.course import Course

    course = Course.open(graded["course"], graded["db"][1] if graded["db"] else None)
    if graded["backend"] == "sqlite":
        conn = sqlite3.connect(graded["course"] / "gradebook.db")
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    with course.gradebook() as gb:
        assignment = gb.find_assignment(LESSON)
        cells = {nb.name: len(nb.grade_cells) for nb in assignment.notebooks}
        assert cells == ({LESSON: 7, WARMUP: 2} if graded["variant"] == "multi"
                         else {LESSON: 7})
        by_student = {s.student_id: s for s in assignment.submissions}
        for name in hostile.EXPECTED:
            if _expected(graded, name)[0] in ("failed", "partly failed") \
                    and name in by_student:
                grades = [g for nb in by_student[name].notebooks if nb.name == LESSON
                          for g in nb.grades]
                assert all(g.auto_score is None for g in grades), name


def test_every_submission_is_journaled_once(graded):
    entries = [e for e in journal(graded["course"], LESSON) if e["student"]]
    pairs = [(e["student"], e.get("notebook", LESSON)) for e in entries
             if e["student"] in hostile.EXPECTED]
    assert sorted(pairs) == sorted((name, nb) for name in hostile.EXPECTED
                                   for nb in graded["notebooks"])


# -- the multi-notebook assignment only ---------------------------------------------------
@pytest.mark.parametrize("name", STUDENTS)
def test_the_warmup_scores_full_marks_whatever_the_lesson_notebook_did(multi_graded, name):
    from grader.course import Course

    row = multi_graded["rows"][name]
    got = {ex: float(row[ex]) for ex in hostile.WARMUP_FULL}
    assert got == hostile.WARMUP_FULL, f"{name}: export {got} != {hostile.WARMUP_FULL} ({row})"
    warmup = {n["notebook"]: n for n in multi_graded["status"][name]["notebooks"]}[WARMUP]
    assert (warmup["state"], warmup["score"], warmup["max_score"]) == ("graded", 2.0, 2.0), \
        f"{name}: status of {WARMUP}: {warmup}"
    assert (warmup["reason"], warmup["notes"]) == ("", []), f"{name}: {warmup}"
    with Course.open(multi_graded["course"], multi_graded["db"][1]).gradebook() as gb:
        grades = {g.name: (g.auto_score, g.needs_manual_grade)
                  for g in gb.find_submission_notebook(WARMUP, LESSON, name).grades}
    assert grades == {"test_double": (1.0, False), "test_double_hidden": (1.0, False)}, \
        f"{name}: gradebook {grades}"
    graded_nb = multi_graded["course"] / "autograded" / name / LESSON / f"{WARMUP}.ipynb"
    assert graded_nb.is_file(), f"{name}: no {graded_nb}"
    assert "double(-2.5)" in graded_nb.read_text(), f"{name}: hidden test not run in {graded_nb}"


def test_gradebook_journal_and_autograded_folders_show_both_notebooks(multi_graded):
    from grader.course import Course

    course = multi_graded["course"]
    assert multi_graded["report"]["notebooks"] == [LESSON, WARMUP]
    with Course.open(course, multi_graded["db"][1]).gradebook() as gb:
        submitted = {s.student_id: sorted(nb.name for nb in s.notebooks)
                     for s in gb.find_assignment(LESSON).submissions}
    assert submitted == {name: [LESSON, WARMUP] for name in STUDENTS}
    states = {(e["student"], e["notebook"]): e["state"]
              for e in journal(course, LESSON) if e["student"]}
    expected = {}
    for name in STUDENTS:
        state = hostile.EXPECTED.get(name, ("graded",))[0]
        expected[(name, LESSON)] = ("not submitted" if name == "missing_notebook"
                                    else state)
        expected[(name, WARMUP)] = "graded"
    assert states == expected
    for name in STUDENTS:
        files = sorted(p.stem for p in (course / "autograded" / name / LESSON).glob("*.ipynb"))
        want = sorted([WARMUP, *([LESSON] if expected[(name, LESSON)] == "graded" else [])])
        assert files == want, f"{name}: autograded/{name}/{LESSON} holds {files}, not {want}"
    with (course / "grades.csv").open() as handle:
        header = next(csv.reader(handle))
    wanted = [*hostile.FULL, *hostile.WARMUP_FULL]
    assert [c for c in header if c in wanted] == wanted, header
