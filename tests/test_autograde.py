"""``nngrade autograde`` leaves the gradebook as nbgrader's serial ``autograde`` does, shows
progress, and runs each kernel contained (checked from inside a kernel)."""

from __future__ import annotations

import os
import shutil
import subprocess

import nbformat
import pytest
from fixtures.submissions import hostile
from fixtures.submissions.course import env, make_course, nngrade, status
from support import NBGRADER

LESSON = hostile.LESSON


def _partial() -> bytes:
    nb = nbformat.read(str(hostile.SOLUTION), as_version=4)
    for cell in nb.cells:
        if cell.get("id") == "neuron_output":
            cell.source = hostile.NO_WRONG
        if cell.get("id") == "fr_xor":
            cell.source = "XOR is not linearly separable."
    return nbformat.writes(nb).encode()


def _submit(course, student, data):
    folder = course / "submitted" / student / LESSON
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{LESSON}.ipynb").write_bytes(data)
    (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")


def _grades(course):
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        for sub in gb.find_assignment(LESSON).submissions:
            for nb in sub.notebooks:
                for g in nb.grades:
                    out[(sub.student_id, g.name)] = (g.auto_score, g.score, g.needs_manual_grade)
                for c in nb.comments:
                    out[(sub.student_id, "comment:" + c.name)] = c.auto_comment
    return out


@pytest.fixture(scope="module")
def twin_courses(tmp_path_factory):
    """The same submissions graded by nbgrader (serially) and by nngrade (2 at a time)."""
    solved = hostile.SOLUTION.read_bytes()
    stub = hostile.RELEASE.read_bytes()
    courses = {}
    for kind in ("nbgrader", "nngrade"):
        course = make_course(tmp_path_factory.mktemp(kind))
        for student, data in (("ada", solved), ("bob", stub), ("cy", _partial()),
                              ("dee", solved)):
            _submit(course, student, data)
        courses[kind] = course
    for cmd in (["generate_assignment", LESSON, "--force"], ["autograde", LESSON]):
        subprocess.run([*NBGRADER, *cmd], cwd=courses["nbgrader"], env=env(), check=True,
                       capture_output=True)
    proc = nngrade(courses["nngrade"], "autograde", LESSON, "--jobs", "2")
    yield courses, proc
    for course in courses.values():
        shutil.rmtree(course, ignore_errors=True)


def test_gradebook_ends_as_nbgraders_serial_autograde_leaves_it(twin_courses):
    courses, _ = twin_courses
    theirs, ours = _grades(courses["nbgrader"]), _grades(courses["nngrade"])
    assert theirs, "nbgrader graded nothing"
    assert ours == theirs


def test_autograded_notebooks_are_in_nbgraders_layout(twin_courses):
    courses, _ = twin_courses
    for student in ("ada", "bob", "cy", "dee"):
        assert (courses["nngrade"] / "autograded" / student / LESSON / f"{LESSON}.ipynb").exists()
        assert (courses["nngrade"] / "autograded" / student / LESSON / "timestamp.txt").exists()


def test_progress_bar_shows_done_total_failures_and_eta(twin_courses):
    _, proc = twin_courses
    assert "4/4" in proc.stderr
    assert "failed=0" in proc.stderr
    assert "<" in proc.stderr  # tqdm's elapsed<remaining
    assert "4 graded, 0 failed" in proc.stdout


def test_second_run_grades_nothing_again(twin_courses):
    courses, _ = twin_courses
    proc = nngrade(courses["nngrade"], "autograde", LESSON, "--jobs", "2", "--quiet")
    assert "0 graded, 0 failed, 4 already done" in proc.stdout


def test_limits_are_settings_shown_in_status(tmp_path):
    course = make_course(tmp_path / "c", extra="c.Limits.memory_mb = 1234\n"
                                                "c.Limits.notebook_timeout = 77\n")
    text = nngrade(course, "status", LESSON).stdout
    assert "memory: 1234 MiB" in text
    assert "77 s per notebook" in text
    assert "network: none" in text
    assert status(course, LESSON)["limits"] is None


PROBE = """\
import os, resource, socket, json
seen = {'uid': os.getuid(), 'cwd': os.getcwd(),
        'course': os.path.exists(COURSE), 'gradebook': os.path.exists(GRADEBOOK),
        'as': resource.getrlimit(resource.RLIMIT_AS)[0],
        'nproc': resource.getrlimit(resource.RLIMIT_NPROC)[0],
        'pids': len([p for p in os.listdir('/proc') if p.isdigit()])}
try:
    socket.create_connection(('127.0.0.1', 9), timeout=2)
    seen['net'] = 'open'
except OSError as exc:
    seen['net'] = type(exc).__name__
try:
    open('/usr/nngrade-probe', 'w')
    seen['write_usr'] = True
except OSError:
    seen['write_usr'] = False
print(json.dumps(seen))
"""


def test_kernel_is_contained(tmp_path):
    """Run a probe notebook through a real sandboxed kernel and read what it saw."""
    from grader.jobs import Job, run_job
    from grader.sandbox import Limits

    course = make_course(tmp_path / "course")
    (course / "gradebook.db").write_text("precious")
    code = PROBE.replace("COURSE", repr(str(course / "submitted")))
    code = code.replace("GRADEBOOK", repr(str(course / "gradebook.db")))
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    probe.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}
    limits = Limits(cell_timeout_s=30, notebook_timeout_s=60, memory_mb=2048,
                    max_processes=50, isolation="bwrap")
    result = run_job(Job(LESSON, LESSON, "probe", nbformat.writes(probe), {}, limits,
                         (str(course),), ("numpy",), {}))
    assert result.ok, result.reason
    import json

    out = nbformat.reads(result.source, as_version=4).cells[0].outputs
    seen = json.loads(out[0]["text"])
    assert seen["uid"] >= 61000
    assert seen["course"] is False and seen["gradebook"] is False
    assert seen["as"] == 2048 * 1024 * 1024 and seen["nproc"] == 50
    assert seen["net"] in ("ConnectionRefusedError", "OSError")
    assert seen["write_usr"] is False
    assert seen["pids"] <= 5  # its own PID namespace: not the host's processes
    assert (course / "gradebook.db").read_text() == "precious"


def test_bwrap_is_available():
    assert shutil.which("bwrap"), "bubblewrap is required: apt-get install -y bubblewrap"
    assert os.geteuid() == 0 or os.access("/usr/bin/bwrap", os.X_OK)


def test_notebook_timeout_fails_the_submission_without_partial_scores(tmp_path):
    course = make_course(tmp_path / "course", timeout=10)
    nb = nbformat.read(str(hostile.SOLUTION), as_version=4)
    for i, cell_id in enumerate(("test_weighted_sum_hidden", "test_neuron_output_hidden")):
        at = [c.get("id") for c in nb.cells].index(cell_id) + 1
        nb.cells.insert(at, nbformat.v4.new_code_cell("import time\ntime.sleep(4)",
                                                      id=f"slow-{i}"))
    _submit(course, "slow", nbformat.writes(nb).encode())
    _submit(course, "fine", hostile.SOLUTION.read_bytes())
    proc = nngrade(course, "autograde", LESSON, "--notebook-timeout", "6", "--jobs", "2",
                   "--quiet")
    assert "1 graded, 1 failed" in proc.stdout
    rows = {r["student"]: r for r in status(course, LESSON)["rows"]}
    assert rows["slow"]["state"] == "failed"
    assert "notebook time-out" in rows["slow"]["reason"]
    assert rows["fine"]["state"] == "graded"
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        students = {s.student_id for s in gb.find_assignment(LESSON).submissions}
    assert students == {"fine"}
    assert not (course / "autograded" / "slow").exists()
