"""The suite's own rules: every slow reason is registered, the marker table names real
tests, and under ``CI=true`` a skip fails unless its reason is allowed."""

from __future__ import annotations

import tomllib
from types import SimpleNamespace

import conftest
import pytest
from support import markers

TESTS = conftest.ROOT / "tests"


def _registered() -> dict[str, str]:
    options = tomllib.loads((conftest.ROOT / "pyproject.toml").read_text())
    lines = options["tool"]["pytest"]["ini_options"]["markers"]
    return dict(line.split(": ", 1) for line in lines)


def test_every_slow_reason_is_registered_with_why():
    registered = _registered()
    used = {"slow", *markers.SLOW_REASONS}
    for table in (markers.BY_MODULE, markers.BY_TEST, markers.BY_FIXTURE):
        used |= {name for names in table.values() for name in names}
    assert used <= set(registered), f"register in pyproject.toml: {used - set(registered)}"
    assert set(markers.SLOW_REASONS) == set(registered) - {"slow"}
    assert all(len(why) > 20 for why in registered.values()), registered


def test_the_marker_table_names_modules_that_exist():
    named = {*markers.BY_MODULE, *markers.SHARED_FIXTURE_MODULES, *markers.PER_LESSON_MODULES,
             *(module for module, _ in markers.BY_TEST)}
    missing = sorted(m for m in named if not (TESTS / f"{m}.py").exists())
    assert not missing, f"tests/support/markers.py names modules that are gone: {missing}"
    for module, test in markers.BY_TEST:
        assert f"def {test}(" in (TESTS / f"{module}.py").read_text(), (module, test)
    gone = sorted(m for m in markers.BROWSER_SERVER_MODULES
                  if not (TESTS / "browser" / f"{m}.py").exists())
    assert not gone, f"tests/support/markers.py names browser modules that are gone: {gone}"
    measured = {*markers.GROUP_SECONDS, *markers.TEST_SECONDS}
    known = {markers.group(f"tests/{m}.py::t[{lesson}]") for m in
             ("test_grading_nbgrader", "test_claims", "test_mutants", "test_binder")
             for lesson in conftest.LESSON_IDS}
    known |= {markers.group(f"tests/test_autograde_hostile.py::t[{v}-x]")
              for v in ("sqlite", "postgresql", "multi")}
    known |= {markers.group(f"tests/browser/{m}.py::t[{lesson}]") for lesson in
              conftest.LESSON_IDS for m in ("test_lab", *markers.BROWSER_SERVER_MODULES)}
    known |= markers.SHARED_FIXTURE_MODULES | {f.stem for f in TESTS.glob("test_*.py")}
    assert measured <= known, f"expected seconds of units that do not exist: {measured - known}"
    for nodeid in markers.LONE_TEST_SECONDS:
        path, _, name = nodeid.partition("::")
        assert markers.group(nodeid) is None, f"{nodeid} runs in a group, not alone"
        assert f"def {name.partition('[')[0]}(" in (conftest.ROOT / path).read_text(), nodeid


def _report(reason: str, *, xfail: bool = False) -> SimpleNamespace:
    report = SimpleNamespace(skipped=True, outcome="skipped",
                             longrepr=("tests/test_x.py", 1, f"Skipped: {reason}"))
    if xfail:
        report.wasxfail = reason
    return report


def _judged(report: SimpleNamespace) -> SimpleNamespace:
    hook = conftest.pytest_runtest_makereport(None, None)
    next(hook)
    with pytest.raises(StopIteration) as done:
        hook.send(report)
    return done.value.value


@pytest.mark.parametrize("ci", ["true", ""])
def test_a_skip_for_a_missing_dependency_fails_in_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    report = _judged(_report("neither PyTorch nor JAX is installed"))
    assert report.outcome == ("failed" if ci else "skipped")
    if ci:
        assert "PyTorch" in report.longrepr and "CI=true" in report.longrepr


@pytest.mark.parametrize("reason", ["no GPU found", "installed ipywidgets 8.1.8 is not the pin"])
def test_allowed_skips_stay_skips_in_ci(monkeypatch, reason):
    monkeypatch.setenv("CI", "true")
    assert _judged(_report(reason)).outcome == "skipped"
    assert _judged(_report("Chromium is missing", xfail=True)).outcome == "skipped"


@pytest.mark.parametrize("nodeid, expected", [
    ("tests/browser/test_lab.py::test_drag_w1[01_neuron]", "browser"),
    ("tests/browser/test_lab.py::test_no_widget_error_after_run_all[09_training]",
     "browser-keras-lessons"),
    ("tests/browser/test_main_command.py::test_lesson_00_opens_first",
     "browser-test_main_command"),
    ("tests/test_autograde_hostile.py::test_no_network_connection_got_out[sqlite]",
     "test_autograde_hostile-sqlite"),
    ("tests/test_autograde_hostile.py::test_each_hostile_submission_gets_its_score_and_a_"
     "reason[multi-fork_bomb]", "test_autograde_hostile-multi"),
    ("tests/test_autograde_hostile.py::test_the_warmup_scores_full_marks_whatever_the_lesson_"
     "notebook_did[allocate_30gb]", "test_autograde_hostile-multi"),
    ("tests/test_claims.py::test_claim_holds[03:depth-slider:the spread shrinks]",
     "test_claims-03"),
    ("tests/test_mutants.py::test_mutant_loses_points[00_welcome:standardize:rows]",
     "test_mutants-00"),
    ("tests/test_grading_nbgrader.py::test_perfect_submission_scores_full_marks[06_gradient_"
     "descent]", "autograde-06"),
    ("tests/test_saved_figures.py::test_executed_lesson_keeps_a_picture_of_every_control"
     "[06_gradient_descent]", "autograde-06"),
    ("tests/test_binder.py::test_binder_env_is_small_enough", "test_binder"),
    ("tests/test_widgets.py::test_neuron_explorer_redraws", None),
])
def test_tests_that_share_a_process_are_grouped_by_their_node_id(nodeid, expected):
    assert markers.group(nodeid) == expected


def test_the_scheduler_keeps_a_group_on_one_worker():
    pytest.importorskip("xdist")
    options = {"dist": "loadgroup", "tx": ["2*popen"], "numprocesses": 2}
    config = SimpleNamespace(getvalue=options.get, getoption=options.get)
    sched = conftest.pytest_xdist_make_scheduler(config, log=None)
    assert sched._split_scope("tests/test_binder.py::test_a") == sched._split_scope(
        "tests/test_binder.py::test_b[06_gradient_descent]")
    assert sched._split_scope("tests/test_widgets.py::test_a") != sched._split_scope(
        "tests/test_widgets.py::test_b")
    options["dist"] = "load"
    assert conftest.pytest_xdist_make_scheduler(config, log=None) is None



def test_the_scheduler_starts_the_costliest_unit_first(monkeypatch):
    scheduling = pytest.importorskip("xdist.scheduler")
    options = {"dist": "loadgroup", "tx": ["2*popen"], "numprocesses": 2}
    config = SimpleNamespace(getvalue=options.get, getoption=options.get)
    sched = conftest.pytest_xdist_make_scheduler(config, log=None)
    units = ["tests/test_widgets.py::test_a", "test_mutants-01", "test_binder",
             "tests/test_autograde_scale.py::test_100"]
    sched.workqueue = {unit: {unit: False} for unit in units}
    sched.workqueue["test_mutants-01"] = {f"tests/test_mutants.py::t[01_neuron:e:{i}]": False
                                          for i in range(30)}
    popped = []  # xdist's own assignment, stopped before it sends the unit to a worker
    monkeypatch.setattr(scheduling.LoadScopeScheduling, "_assign_work_unit",
                        lambda self, node: popped.append(self.workqueue.popitem(last=False)[0]))
    for _ in units:
        sched._assign_work_unit(None)
    assert popped == ["test_binder", "tests/test_autograde_scale.py::test_100",
                      "test_mutants-01", "tests/test_widgets.py::test_a"]


def test_a_worker_gets_its_next_unit_on_its_last_test(monkeypatch):
    scheduling = pytest.importorskip("xdist.scheduler")
    options = {"dist": "loadgroup", "tx": ["2*popen"], "numprocesses": 2}
    config = SimpleNamespace(getvalue=options.get, getoption=options.get)
    sched = conftest.pytest_xdist_make_scheduler(config, log=None)
    node = type("Node", (), {"shutting_down": False})()
    sched.workqueue = {"tests/test_a.py::t": {"tests/test_a.py::t": False}}
    sched._by_cost = True
    given = []
    monkeypatch.setattr(scheduling.LoadScopeScheduling, "_assign_work_unit",
                        lambda self, node: given.append(self.workqueue.popitem()[0]))
    sched.assigned_work = {node: {"test_binder": {"a": True, "b": False, "c": False}}}
    sched._reschedule(node)
    assert given == [], "two tests left: the worker needs nothing yet"
    sched.assigned_work[node]["test_binder"]["b"] = True
    sched._reschedule(node)
    assert given == ["tests/test_a.py::t"]


def test_a_childs_cpu_counts_while_it_runs_not_when_it_is_reaped():
    """The CPU log charges a child process's work to the test that ran while it worked, not
    to a later test that happens to reap it."""
    import subprocess
    import sys

    from support.cpu_time import cpu_seconds

    burn = ("import sys, time\nstart = time.process_time()\n"
            "while time.process_time() - start < 0.3: pass\n"
            "sys.stdout.write('burnt'); sys.stdout.flush(); time.sleep(60)")
    before = cpu_seconds()
    child = subprocess.Popen([sys.executable, "-c", burn], stdout=subprocess.PIPE)
    try:
        assert child.stdout.read(5) == b"burnt"
        while_running = cpu_seconds() - before
        reaping = cpu_seconds()
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    reaped = cpu_seconds() - reaping
    assert while_running >= 0.3, f"the child burnt 0.3 s while running; counted {while_running}"
    assert reaped < 0.15, f"reaping the child charged {reaped:.2f} s it had already been charged"
