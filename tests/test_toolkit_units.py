"""Unit tests of the grading toolkit's pure parts (no kernel started)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import nbformat

from grader.feedback import HideHiddenTests, hidden_lines
from grader.journal import Journal
from grader.sandbox import (
    Limits,
    SandboxPaths,
    bwrap_command,
    describe,
    exit_reason,
    preload_modules,
    sandbox_paths,
)


def test_bwrap_command_isolates_everything():
    paths = SandboxPaths(hide=["/course", "/root"], expose=["/root/.pyenv"])
    cmd = bwrap_command(paths, Path("/tmp/nngrade/slot0/k1"), 512, 7)
    for flag in ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--die-with-parent",
                 "--new-session"):
        assert flag in cmd
    joined = " ".join(cmd)
    assert "--ro-bind / /" in joined
    assert "--tmpfs /course" in joined and "--tmpfs /root" in joined
    assert joined.index("--tmpfs /root") < joined.index("--ro-bind /root/.pyenv")
    assert f"--size {512 * 1024 * 1024} --perms 1777 --tmpfs /tmp" in joined
    assert "--bind /tmp/nngrade/slot0/k1 /tmp/nngrade/slot0/k1" in joined
    assert "--info-fd 7" in joined


def test_sandbox_never_binds_back_a_hidden_folder(tmp_path):
    course = tmp_path / "course"
    (course / "submitted").mkdir(parents=True)
    paths = sandbox_paths([str(course)], Limits(expose_paths=(str(course),
                                                              str(course / "submitted"))))
    assert str(course) in paths.hide
    assert not any(str(course) == p or p.startswith(str(course) + "/") and "submitted" in p
                   for p in paths.expose)
    assert "/tmp" not in paths.expose


def test_preload_skips_fork_unsafe_modules():
    mods = preload_modules(["import numpy as np\nfrom nncourse.keras_env import keras\n"
                            "import tensorflow as tf\nfrom nncourse.checks import check_call"],
                           None)
    assert "numpy" in mods and "nncourse.checks" in mods
    assert not any(m.startswith(("tensorflow", "nncourse.keras_env")) for m in mods)
    assert preload_modules(["import numpy"], ["x"]) == ["x"]


def test_exit_reasons_name_the_signal():
    assert "SIGSEGV" in exit_reason(signal.SIGSEGV)  # a raw wait status for a signal
    assert "code 3" in exit_reason(3 << 8)
    assert "SIGKILL" in exit_reason(signal.SIGKILL)


def test_limits_are_described():
    lines = describe({"cell_timeout_s": 30, "notebook_timeout_s": 600, "memory_mb": 4096,
                      "max_processes": 96, "max_output_kb": 1024, "max_file_mb": 64,
                      "scratch_mb": 512, "network": "none", "isolation": "bwrap",
                      "max_restarts": 3})
    assert "30 s per cell" in lines[0] and "network: none" in lines[1]


def test_journal_ignores_a_torn_last_line(tmp_path):
    journal = Journal(tmp_path / "j.jsonl")
    journal.append({"student": "a", "notebook": "nb", "state": "graded"})
    with journal.path.open("a") as handle:
        handle.write('{"student": "b", "sta')
    assert set(journal.entries()) == {("a", "nb")}
    journal.append({"student": "a", "notebook": "nb", "state": "failed"})
    assert journal.entries()[("a", "nb")]["state"] == "failed"


def test_journal_keys_entries_by_student_and_notebook(tmp_path):
    """Old single-notebook lines (no ``notebook``) belong to the notebook named after the
    assignment; a run's header is kept apart."""
    journal = Journal(tmp_path / "01_neuron.jsonl")
    journal.append({"student": "", "jobs": 2})
    journal.append({"student": "a", "state": "graded"})
    journal.append({"student": "a", "notebook": "quiz", "state": "failed"})
    entries = journal.entries()
    assert set(entries) == {("", ""), ("a", "01_neuron"), ("a", "quiz")}
    assert entries[("a", "quiz")]["state"] == "failed"


def test_hidden_test_tracebacks_are_reduced_to_their_message():
    cell = nbformat.v4.new_code_cell("# hidden\n### BEGIN HIDDEN TESTS\n"
                                     "check_call(f, (123456,), expected=7)\n"
                                     "### END HIDDEN TESTS")
    cell.outputs = [nbformat.v4.new_output(
        "error", ename="CheckFailed", evalue="f(123456) should be about 7, got 0",
        traceback=["  line 3: check_call(f, (123456,), expected=7)",
                   "\x1b[0;31mCheckFailed\x1b[0m: f(123456) should be about 7, got 0"])]
    printer = nbformat.v4.new_code_cell("print(In)")
    printer.outputs = [nbformat.v4.new_output(
        "stream", name="stdout", text="['check_call(f, (123456,), expected=7)']")]
    nb = nbformat.v4.new_notebook(cells=[cell, printer])
    assert hidden_lines(nb)[1] == ["check_call(f, (123456,), expected=7)"]
    nb, _ = HideHiddenTests().preprocess(nb, {})
    assert nb.cells[0].outputs[0]["traceback"] == [
        "CheckFailed: f(123456) should be about 7, got 0"]
    assert "check_call" not in nb.cells[1].outputs[0]["text"]


def test_running_as_root_is_required_and_checked():
    from grader.sandbox import check_host

    if os.geteuid() == 0:
        assert check_host("none") is None
    else:
        assert "root" in check_host("none")


def test_a_new_gradebook_is_stamped_as_nbgrader_stamps_it_without_running_alembic(
        tmp_path, monkeypatch):
    """nngrade reads the schema's head revision in-process; it is the one nbgrader's own
    ``get_alembic_version()`` gets from the ``alembic`` program."""
    import sys

    import nbgrader.api
    from nbgrader.api import Gradebook

    from grader.course import Course
    from grader.nbgrader_fast import alembic_head, nbgraders_alembic_version

    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep
                       + os.environ.get("PATH", ""))
    assert alembic_head() == nbgraders_alembic_version()

    def no_program(*args, **kwargs):
        raise AssertionError(f"nbgrader ran a program to stamp the gradebook: {args}")

    monkeypatch.setattr(nbgrader.api.sp, "check_output", no_program)  # nbgrader's subprocess
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    course = Course.open(tmp_path)
    with course.gradebook() as gb:
        version = gb.db.execute(nbgrader.api.text("SELECT version_num FROM alembic_version"))
        assert [row[0] for row in version] == [alembic_head()]
    with Gradebook(course.db_url) as gb:  # opened by nbgrader itself afterwards: as it left it
        assert gb.students == []


def test_nngrade_forks_its_workers_and_a_threaded_caller_spawns_them(tmp_path):
    """The command's process runs no other thread, so its workers are forked; with a thread
    running, the pool starts fresh worker processes instead."""
    import subprocess
    import sys
    import threading

    from grader.jobs import ForkedWorker, LocalPool, Worker

    # and a forked worker holds no other worker's pipe: closing one worker's jobs ends it
    # alone, at once (not after the 10 s grace that a kept pipe would cost)
    probe = ("import threading, time; from grader.jobs import LocalPool\n"
             "pool = LocalPool(2)\n"
             "kinds = [type(w).__name__ for w in pool.workers]\n"
             "start = time.monotonic(); pool.workers[0].close()\n"
             "print(kinds, threading.active_count(), time.monotonic() - start < 5,\n"
             "      pool.workers[0].proc.returncode, pool.workers[1].alive())\n"
             "pool.close(); print(any(w.alive() for w in pool.workers))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert out.split("\n")[:2] == ["['ForkedWorker', 'ForkedWorker'] 1 True 0 True",
                                   "False"], out
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        pool = LocalPool(1, log_dir=str(tmp_path))
        try:
            assert type(pool.workers[0]) is Worker and not isinstance(pool.workers[0],
                                                                      ForkedWorker)
        finally:
            pool.close()
    finally:
        stop.set()
        thread.join()


def test_nbgraders_metadata_check_judges_as_jsonschema_validate_does():
    """grader.nbgrader_fast: one compiled validator per schema, the same verdicts and the
    same first error as ``jsonschema.validate``; nbgrader's validator uses it once installed."""
    import jsonschema
    import pytest
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError

    from grader import nbgrader_fast

    schema = MetadataValidator().schema
    good = {"grade": True, "solution": False, "locked": True, "points": 1, "grade_id": "t",
            "schema_version": 3}
    bad = [{**good, "points": "one"}, {k: v for k, v in good.items() if k != "grade"},
           {**good, "grade": 1}, "not a dict"]
    nbgrader_fast.validate(good, schema)
    for instance in bad:
        with pytest.raises(jsonschema.ValidationError) as theirs:
            jsonschema.validate(instance, schema)
        with pytest.raises(jsonschema.ValidationError) as ours:
            nbgrader_fast.validate(instance, schema)
        assert str(ours.value) == str(theirs.value)
    nbgrader_fast.install()
    cell = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {**good, "points": "one"}})
    with pytest.raises((ValidationError, jsonschema.ValidationError)):
        MetadataValidator().validate_cell(cell)
    MetadataValidator().validate_cell(nbformat.v4.new_code_cell("x", metadata={"nbgrader": good}))


def test_gradebooks_share_one_engine_and_reopen_after_close(tmp_path):
    from nbgrader.api import Gradebook

    from grader import nbgrader_fast

    nbgrader_fast.install()
    url = f"sqlite:///{tmp_path}/gradebook.db"
    with Gradebook(url, "") as first:
        first.add_student("ada")
        engine = first.engine
    with Gradebook(url, "") as second:
        assert second.engine is engine
        assert [s.id for s in second.students] == ["ada"]
        second.add_student("bob")
    with Gradebook(f"sqlite:///{tmp_path}/other.db", "") as other:
        assert other.engine is not engine and other.students == []
    with Gradebook(url, "") as third:
        assert sorted(s.id for s in third.students) == ["ada", "bob"]
