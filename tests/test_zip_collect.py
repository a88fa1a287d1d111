"""Submissions downloaded from an LMS as one zip: ``nngrade zip-collect`` (nbgrader's own
``zip_collect`` underneath) puts them in ``submitted/`` ready for ``nngrade autograde``, names
every file its regular expression does not match and loses none; a damaged zip or a wrong
expression is a clear error. The README's plain-nbgrader commands are run here too. A Canvas
download of a two-notebook assignment of a course written elsewhere
(tests/fixtures/any_course.py's ``ps1``) is collected and graded exactly as nbgrader's serial
``autograde`` grades the same collected submissions, cell by cell."""

from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from fixtures import any_course as ac
from fixtures.submissions import hostile
from fixtures.submissions.course import NNGRADE, env, make_course, nngrade, status
from support import NBGRADER
from test_any_course import _gradebook

LESSON = hostile.LESSON
REGEXP = r".*/(?P<student_id>[a-z]+)_(?P<timestamp>\d{8}T\d{6})_(?P<file_id>[^/]+)"
BAD_NAME = "Final version (2).ipynb"
DATA = b"x,y\n1,2\n"


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("zip")
    course = make_course(root / "course")
    download = _zip(root / "submissions.zip", {
        f"alice_20261129T100000_{LESSON}.ipynb": hostile.SOLUTION.read_bytes(),
        "alice_20261129T100000_data.csv": DATA,
        f"bob_20261129T113000_{LESSON}.ipynb": hostile.RELEASE.read_bytes(),
        BAD_NAME: hostile.SOLUTION.read_bytes(),
    })
    proc = nngrade(course, "zip-collect", LESSON, str(download), "--regexp", REGEXP,
                   "--ext", ".csv")
    return course, download, proc


def test_files_land_in_submitted_with_timestamps(collected):
    course, _, proc = collected
    alice = course / "submitted" / "alice" / LESSON
    bob = course / "submitted" / "bob" / LESSON
    assert (alice / f"{LESSON}.ipynb").read_bytes() == hostile.SOLUTION.read_bytes()
    assert (alice / "data.csv").read_bytes() == DATA
    assert (bob / f"{LESSON}.ipynb").read_bytes() == hostile.RELEASE.read_bytes()
    assert (alice / "timestamp.txt").read_text() == "2026-11-29 10:00:00"
    assert (bob / "timestamp.txt").read_text() == "2026-11-29 11:30:00"
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["alice", "bob"]
    assert "collected 3 file(s) of 2 student(s)" in proc.stdout
    assert f"alice: {LESSON}.ipynb, data.csv (submitted 2026-11-29 10:00:00)" in proc.stdout


def test_badly_named_file_is_named_and_kept(collected):
    course, download, proc = collected
    kept = course / "downloaded" / LESSON / "extracted" / "submissions" / BAD_NAME
    assert (f"not collected: {kept.relative_to(course)} does not match --regexp "
            f"'{REGEXP}'; it stays there and in the zip") in proc.stderr
    assert kept.read_bytes() == hostile.SOLUTION.read_bytes()
    assert download.exists()  # copied, not moved
    copy = course / "downloaded" / LESSON / "archive" / "submissions.zip"
    with zipfile.ZipFile(copy) as archive:
        assert BAD_NAME in archive.namelist()


def test_collected_submissions_grade(collected, tmp_path):
    course, _, _ = collected
    nngrade(course, "autograde", LESSON, "--jobs", "2", "--quiet")
    out = tmp_path / "grades.csv"
    nngrade(course, "export", LESSON, "--csv", str(out))
    with out.open() as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"alice", "bob"}
    assert float(rows["alice"]["total"]) == 6.0  # every test cell; fr_xor waits for a human
    assert float(rows["bob"]["total"]) == 0.0
    assert rows["alice"]["status"].startswith("graded")


def test_damaged_zip_is_a_clear_error_and_writes_nothing(tmp_path):
    course = make_course(tmp_path / "course")
    good = _zip(tmp_path / "good.zip", {f"alice_20261129T100000_{LESSON}.ipynb": b"{}"})
    broken = tmp_path / "broken.zip"
    broken.write_bytes(good.read_bytes()[:40])  # cut short, as an interrupted download
    proc = nngrade(course, "zip-collect", LESSON, str(broken), "--regexp", REGEXP,
                   check=False)
    assert proc.returncode == 2
    assert f"{broken} is not a readable zip archive" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (course / "downloaded").exists() and not (course / "submitted").exists()


def test_nothing_collected_exits_1_naming_each_file(tmp_path):
    course = make_course(tmp_path / "course")
    download = _zip(tmp_path / "d.zip", {"Alice Smith_1_assignsubmission_file_x.ipynb": b"{}"})
    proc = nngrade(course, "zip-collect", LESSON, str(download), "--regexp", REGEXP,
                   check=False)
    assert proc.returncode == 1
    assert "Alice Smith_1_assignsubmission_file_x.ipynb does not match --regexp" in proc.stderr
    assert "nothing collected" in proc.stderr
    assert not (course / "submitted").exists()


def test_regexp_without_nbgrader_groups(tmp_path):
    course = make_course(tmp_path / "course")
    download = _zip(tmp_path / "d.zip", {"a.ipynb": b"{}"})
    proc = nngrade(course, "zip-collect", LESSON, str(download), "--regexp",
                   r".*/(?P<student_id>\w+)\.ipynb", check=False)
    assert proc.returncode == 2 and "(?P<file_id>...)" in proc.stderr


def test_course_option_from_another_folder_uses_the_course_config(tmp_path):
    """``--course DIR`` run elsewhere: nbgrader's app reads the course's nbgrader_config.py
    (here a renamed submitted directory) and prints no "No nbgrader_config.py" warning."""
    course = make_course(tmp_path / "course",
                         extra='c.CourseDirectory.submitted_directory = "handed_in"')
    download = _zip(tmp_path / "d.zip", {
        f"alice_20261129T100000_{LESSON}.ipynb": hostile.SOLUTION.read_bytes()})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([NNGRADE, "zip-collect", LESSON, str(download), "--regexp", REGEXP,
                           "--course", str(course)], cwd=elsewhere, env=env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr
    assert proc.stdout.splitlines()[0] == "collected 1 file(s) of 1 student(s) into handed_in/"
    notebook = course / "handed_in" / "alice" / LESSON / f"{LESSON}.ipynb"
    assert notebook.read_bytes() == hostile.SOLUTION.read_bytes()
    assert not (course / "submitted").exists() and not any(elsewhere.iterdir())


DOCS = Path(__file__).resolve().parents[1] / "docs" / "grading.md"


def documented_zip_collect() -> tuple[str, str]:
    """docs/grading.md's plain-nbgrader blocks: (nbgrader_config.py lines, shell commands)."""
    text = DOCS.read_text(encoding="utf-8").split("<!-- zip_collect: plain nbgrader -->", 1)[1]
    config = text.split("```python\n", 1)[1].split("```", 1)[0]
    commands = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return config, commands


def test_readme_plain_nbgrader_commands(tmp_path):
    """docs/grading.md's plain-nbgrader commands for a Canvas zip, exactly as written."""
    config, commands = documented_zip_collect()
    assert LESSON in commands and "~/Downloads/submissions.zip" in commands
    course = make_course(tmp_path / "course", extra=config)
    _zip(tmp_path / "submissions.zip", {
        f"lovelaceada_1001_5001_{LESSON}.ipynb": hostile.SOLUTION.read_bytes(),
        "lovelaceada_1001_5002_data.csv": DATA,
        f"turingalan_LATE_1002_5003_{LESSON}.ipynb": hostile.RELEASE.read_bytes(),
    })
    commands = commands.replace("~/Downloads/submissions.zip", str(tmp_path / "submissions.zip"))
    proc = subprocess.run(["bash", "-euc", commands], cwd=course, env=env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    ada = course / "submitted" / "lovelaceada" / LESSON
    assert (ada / f"{LESSON}.ipynb").read_bytes() == hostile.SOLUTION.read_bytes()
    assert (ada / "data.csv").read_bytes() == DATA
    assert (course / "submitted" / "turingalan" / LESSON / f"{LESSON}.ipynb").read_bytes() \
        == hostile.RELEASE.read_bytes()
    rows = {r["student"]: r for r in status(course, LESSON)["rows"]}  # the block's autograde
    assert rows["lovelaceada"]["state"] == "graded", rows["lovelaceada"]
    assert rows["lovelaceada"]["score"] == rows["lovelaceada"]["max_score"] > 0
    assert rows["turingalan"]["state"] == "graded" and rows["turingalan"]["score"] == 0


def _canvas_regexp() -> str:
    """The Canvas expression docs/grading.md gives (``lastfirst[_LATE]_userid_subid_file``)."""
    from traitlets.config import Config

    config = Config()
    exec(documented_zip_collect()[0], {"c": config})
    return config.FileNameCollectorPlugin.named_regexp


# Canvas's download: one file per upload, named lastfirst[_LATE]_userid_submissionid_<file>
CANVAS_STUDENTS = {"lovelaceada": ("1001", ""), "turingalan": ("1002", "LATE_")}
PARTIAL = {k: v for k, v in {**ac.RIGHT, "spread-answer": ac.WRONG["spread-answer"],
                              "is_even": ac.WRONG["is_even"]}.items() if k != "explain-mean"}


@pytest.fixture(scope="module")
def canvas_twins(tmp_path_factory):
    """``ps1`` of tests/fixtures/any_course.py (two notebooks with spaces in a name, a data
    file) downloaded from Canvas for two students, collected by ``nngrade zip-collect`` and
    graded by ``nngrade autograde``; the collected submissions graded again, in a second copy
    of the course, by nbgrader's own serial ``autograde``."""
    base = tmp_path_factory.mktemp("canvas")
    master = ac.make_master(base / "master")
    answers = {"lovelaceada": ac.RIGHT, "turingalan": PARTIAL}
    members, uploads = {}, {}
    for student, (user_id, late) in CANVAS_STUDENTS.items():
        files = {f"{name}.ipynb": data
                 for name, data in ac.answered(master, "ps1", answers[student]).items()}
        # an upload of the data file (edited by one student): collected, never read in
        # grading, where the notebooks open the source's data/points.csv
        files["points.csv"] = ac.POINTS_CSV.encode() if not late else b"value\n100\n"
        uploads[student] = files
        for number, (name, data) in enumerate(sorted(files.items())):
            members[f"{student}_{late}{user_id}_{5000 + number}_{name}"] = data
    download = _zip(base / "submissions.zip", members)
    ours = ac.copy_course(master, base / "nngrade", registered=False)
    collect = nngrade(ours, "zip-collect", "ps1", str(download), "--regexp", _canvas_regexp(),
                      "--ext", ".csv")
    theirs = ac.copy_course(master, base / "nbgrader", registered=True)
    shutil.copytree(ours / "submitted", theirs / "submitted")
    graded = nngrade(ours, "autograde", "ps1", "--jobs", "2", "--quiet")
    subprocess.run([*NBGRADER, "autograde", "ps1"], cwd=theirs, env=env(),
                   check=True, capture_output=True, timeout=600)
    yield {"nngrade": ours, "nbgrader": theirs}, uploads, collect, graded
    shutil.rmtree(base, ignore_errors=True)


def test_canvas_zip_of_a_multi_notebook_assignment_is_collected(canvas_twins):
    courses, uploads, collect, _ = canvas_twins
    assert collect.stdout.splitlines()[0] == \
        "collected 6 file(s) of 2 student(s) into submitted/", collect.stdout
    assert collect.stderr == "", collect.stderr  # every file matched, every notebook known
    for student, files in uploads.items():
        assert f"  {student}: Part A.ipynb, points.csv, quiz.ipynb" in collect.stdout
        folder = courses["nngrade"] / "submitted" / student / "ps1"
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == files  # no timestamp


def test_canvas_zip_grades_as_nbgrader_grades_it_cell_by_cell(canvas_twins):
    courses, uploads, _, graded = canvas_twins
    assert "4 graded, 0 failed" in graded.stdout, graded.stdout
    ours = _gradebook(courses["nngrade"], "ps1", list(uploads))
    theirs = _gradebook(courses["nbgrader"], "ps1", list(uploads))
    assert ours == theirs
    # not two empty gradebooks agreeing: what the answers deserve
    assert ours[("lovelaceada", "Part A", "mean-tests")] == (3.0, 3.0, False)
    assert ours[("lovelaceada", "quiz", "test_is_even")] == (2.0, 2.0, False)
    assert ours[("turingalan", "Part A", "spread-tests")] == (0.0, 0.0, False)
    assert ours[("turingalan", "Part A", "explain-mean")] == (0.0, 0.0, False)  # unanswered
    assert ours[("turingalan", "quiz", "square-test")] == (1.5, 1.5, False)
    assert ours[("lovelaceada", "score")][:2] == (7.0, 12.0)
    assert ours[("turingalan", "score")][:2] == (4.5, 12.0)
    for student in uploads:  # nbgrader's autograded/ folder, the student's data file with it
        folders = [c / "autograded" / student / "ps1" for c in courses.values()]
        files = [sorted(str(p.relative_to(f)) for p in f.rglob("*") if p.is_file())
                 for f in folders]
        assert files[0] == files[1] and "data/points.csv" in files[0], files
        assert (folders[0] / "data" / "points.csv").read_text() == ac.POINTS_CSV
