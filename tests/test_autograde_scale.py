"""Scale and robustness: 100 submissions 2 at a time without one infrastructure failure;
SIGKILL in the middle of a run, then a second run that finishes exactly the rest; a Dask
distributed cluster of real worker processes doing the grading."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import time

import pytest
from fixtures.submissions import hostile
from fixtures.submissions.course import NNGRADE, env, journal, make_course, nngrade

LESSON = hostile.LESSON


def _scores(course) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        return {s.student_id: sum(g.auto_score or 0 for nb in s.notebooks for g in nb.grades
                                  if g.name.startswith("test_"))
                for s in gb.find_assignment(LESSON).submissions}


def _fill(course, n: int) -> dict[str, float]:
    expected = {}
    for i in range(n):
        name = f"s{i:03d}"
        hostile.add_normal(course, name, solved=i % 2 == 0)
        expected[name] = 6.0 if i % 2 == 0 else 0.0
    return expected


def test_100_submissions_two_at_a_time_without_infrastructure_failures(tmp_path):
    course = make_course(tmp_path / "course")
    expected = _fill(course, 100)
    proc = nngrade(course, "autograde", LESSON, "--jobs", "2", "--quiet")
    assert "100 graded, 0 failed" in proc.stdout, proc.stdout + proc.stderr[-2000:]
    assert _scores(course) == expected
    entries = [e for e in journal(course, LESSON) if e["student"]]
    assert all(e["state"] == "graded" and not e["reason"] for e in entries)
    assert not any("kernel" in note for e in entries for note in e["notes"])


def test_sigkill_mid_run_then_resume_grades_the_rest_once(tmp_path):
    course = make_course(tmp_path / "course")
    expected = _fill(course, 14)
    proc = subprocess.Popen([NNGRADE, "autograde", LESSON, "--jobs", "2", "--quiet"],
                            cwd=course, env=env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    path = course / "autograded" / ".nngrade" / f"{LESSON}.jsonl"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if path.exists() and sum(1 for e in journal(course, LESSON) if e["student"]) >= 4:
            break
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.05)
    else:
        pytest.fail("no progress to interrupt")
    os.killpg(proc.pid, signal.SIGKILL)  # the whole process group we started
    proc.wait()
    first = [e["student"] for e in journal(course, LESSON) if e["student"]]
    assert 4 <= len(first) < 14
    second = nngrade(course, "autograde", LESSON, "--jobs", "2", "--quiet")
    assert f"{14 - len(first)} graded, 0 failed, {len(first)} already done" in second.stdout
    counts = collections.Counter(e["student"] for e in journal(course, LESSON) if e["student"])
    assert set(counts) == set(expected) and set(counts.values()) == {1}
    assert _scores(course) == expected
    for student in expected:
        assert (course / "autograded" / student / LESSON / f"{LESSON}.ipynb").exists()
    assert not list((course / "autograded").glob(f"*/.{LESSON}.tmp"))


def test_dask_cluster_of_real_worker_processes(tmp_path):
    from distributed import Client, LocalCluster

    course = make_course(tmp_path / "course", timeout=5)
    expected = _fill(course, 4)
    hostile.build(course, targets=[], port=9, only=["os_exit_in_function", "empty_file"])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        worker_pids = set(client.run(os.getpid).values())
        proc = nngrade(course, "autograde", LESSON, "--scheduler", cluster.scheduler_address,
                       "--quiet")
        graders = {int(e["worker"].split(":")[1]) for e in journal(course, LESSON)
                   if e.get("worker")}
        parents = {_parent(pid) for pid in graders}
    assert "5 graded, 1 failed" in proc.stdout, proc.stdout + proc.stderr[-2000:]
    scores = _scores(course)
    assert {k: scores[k] for k in expected} == expected
    assert scores["os_exit_in_function"] == 4.0
    assert len(worker_pids) == 2
    assert graders and parents <= worker_pids, (graders, parents, worker_pids)


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None
