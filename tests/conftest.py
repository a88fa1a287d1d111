"""Shared fixtures: the repository's lessons and a report of mutation kill rates; the slow
tests' markers and xdist groups (tests/support/markers.py); no skipped dependency in CI."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from pathlib import Path

import pytest
from support import markers

# jsonschema imports rfc3987_syntax, which compiles an Earley grammar (1-1.5 s) at import, for
# the "iri" format that no checker here uses (nbformat and nbgrader validate without formats)
sys.modules.setdefault("rfc3987_syntax", None)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
# The widget tests make and drop thousands of figures: with Python's default first threshold
# (700) each fast-loop worker ran about 2,400 collections (4.6 s of CPU); with 10,000, about
# 160 (1.7 s), at the same peak memory (about 450 MB a worker). docs/testing.md
gc.set_threshold(10_000, 10, 10)

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"
LESSON_IDS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and p.name[:2].isdigit())
NUMPY_LESSONS = [lesson for lesson in LESSON_IDS if int(lesson[:2]) <= 6]

BROWSER_TESTS = Path(__file__).resolve().parent / "browser"
# (lesson, exercise, mutant, killed by any test cell, killed by a visible test cell), from
# the reports of tests/test_mutants.py (they reach this process from xdist's workers too)
MUTATION_RESULTS: list[tuple[str, str, str, bool, bool]] = []
# skips that may happen under CI=true, and why: CI's machines have no GPU; binder's exact
# ipywidgets pin is only checked where that version is the one installed
ALLOWED_SKIPS_IN_CI = ("GPU", "is not the pin")


def solution_notebook(lesson: str) -> Path:
    """solutions/<lesson>/<lesson>.ipynb"""
    return SOLUTIONS / lesson / f"{lesson}.ipynb"


def release_notebook(lesson: str) -> Path:
    """lessons/<lesson>/<lesson>.ipynb"""
    return LESSONS / lesson / f"{lesson}.ipynb"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With ``-m "not slow"`` (the fast loop) wholly slow modules are not even imported."""
    if (config.getoption("markexpr", "") or "").strip() != "not slow":
        return None
    if collection_path == BROWSER_TESTS or (collection_path.suffix == ".py"
                                            and markers.wholly_slow(collection_path)):
        return True
    return None


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each slow test with its reasons and ``slow``."""
    for item in items:
        why = markers.reasons(item, BROWSER_TESTS)
        for name in sorted(why):
            item.add_marker(name)
        if why:
            item.add_marker("slow")


@pytest.hookimpl(optionalhook=True)  # xdist's hook: absent under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """With ``--dist loadgroup``: each of :func:`support.markers.group`'s groups goes to one
    worker (xdist's scope scheduling, the scope being the group), every other test anywhere;
    the costliest units first (:func:`support.markers.expected_seconds`), so that the run
    ends on short tests that both workers share, not on one long group. Uses xdist 3.8's
    ``LoadScopeScheduling`` internals (``workqueue``, ``assigned_work``, ``_pending_of``):
    tests/test_suite_rules.py fails when they change."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from collections import OrderedDict

    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return markers.group(nodeid) or nodeid

        def _assign_work_unit(self, node) -> None:
            if not getattr(self, "_by_cost", False):  # the work queue is complete by now
                queue = self.workqueue  # xdist 3.8: OrderedDict scope -> {nodeid: done}
                self.workqueue = OrderedDict(
                    (unit, queue[unit]) for unit in markers.costliest_first(queue))
                self._by_cost = True
            super()._assign_work_unit(node)

        def _reschedule(self, node) -> None:
            """The next unit when the worker is on its last test (xdist: two before the end),
            so that a unit waits behind a long test only when the other worker is busy too."""
            if (self.workqueue and not node.shutting_down
                    and self._pending_of(self.assigned_work[node]) > 1):
                return
            super()._reschedule(node)

    return GroupScheduling(config, log)


@pytest.fixture(autouse=True)
def _count_checks_per_test():
    """Start each test's count of checks that held at 0, as a notebook starts each cell's:
    an earlier test that ran checks without ``passed`` (or failed) must not add to it."""
    checks = sys.modules.get("nncourse.checks")
    if checks is not None:
        checks._forget_earlier_cells()


@pytest.fixture(autouse=True)
def _close_new_widgets_and_figures():
    """Close the widgets and pyplot figures a test made. ipywidgets keeps every open widget
    in a registry, and pyplot every figure it opened, so the explorers and plots of a
    worker's earlier tests (over a million objects by the end) would stay alive, every full
    garbage collection would walk them, and pyplot would warn of more than 20 open figures
    (the claims run whole lessons in one process). A closed figure still draws for a test
    that holds it."""
    registry = getattr(sys.modules.get("ipywidgets.widgets.widget"), "_instances", {})
    before = set(registry)
    pyplot = sys.modules.get("matplotlib.pyplot")
    figures = set(pyplot.get_fignums()) if pyplot else set()
    yield
    registry = getattr(sys.modules.get("ipywidgets.widgets.widget"), "_instances", {})
    for model_id in [key for key in registry if key not in before]:
        registry[model_id].close()
    pyplot = sys.modules.get("matplotlib.pyplot")
    for number in set(pyplot.get_fignums()) - figures if pyplot else ():
        pyplot.close(number)


def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest's own last collections, freeze what is left: the interpreter's exit then
    frees it without walking it again in several full collections (seconds per worker)."""
    atexit.register(gc.freeze)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """With ``NNCOURSE_CPU_LOG=PREFIX``, append each test's CPU seconds (this process and
    every process it started, while the test ran, setup to teardown; support/cpu_time.py) to
    ``PREFIX.<pid>`` as ``--durations`` lines, for ``tests/support/suite_groups.py`` to sum by
    work unit."""
    prefix = os.environ.get("NNCOURSE_CPU_LOG")
    if not prefix:
        return (yield)
    from support.cpu_time import cpu_seconds

    start = cpu_seconds()
    result = yield
    with open(f"{prefix}.{os.getpid()}", "a") as log:
        log.write(f"{cpu_seconds() - start:.2f}s call     {item.nodeid}\n")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Under ``CI=true`` a skip fails the test, with its reason, unless it is allowed above:
    CI installs every system dependency (Chromium, bubblewrap, PostgreSQL, a second Keras
    backend), so a skip there would hide a missing one."""
    report = yield
    if (os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail")
            and isinstance(report.longrepr, tuple)):
        reason = report.longrepr[2]
        if not any(allowed in reason for allowed in ALLOWED_SKIPS_IN_CI):
            report.outcome = "failed"
            report.longrepr = f"skipped under CI=true, where nothing may be: {reason}"
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call":
        MUTATION_RESULTS.extend(tuple(v) for k, v in report.user_properties if k == "mutation")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print, per lesson and overall, the mutation kill rate and the visible tests' share."""
    if not MUTATION_RESULTS:
        return
    terminalreporter.section("mutation kill rate (all tests) and visible catch rate")
    by_lesson: dict[str, list[tuple[bool, bool]]] = {}
    for lesson, _exercise, _mutant, killed, seen in MUTATION_RESULTS:
        by_lesson.setdefault(lesson, []).append((killed, seen))

    def rates(rows: list[tuple[bool, bool]]) -> str:
        killed, seen = sum(k for k, _ in rows), sum(s for _, s in rows)
        return (f"{killed}/{len(rows)} mutants killed; visible tests alone catch "
                f"{seen}/{len(rows)} ({100.0 * seen / len(rows):.0f}%)")

    for lesson, rows in sorted(by_lesson.items()):
        terminalreporter.write_line(f"{lesson}: {rates(rows)}")
    terminalreporter.write_line(
        f"all lessons: {rates([r for rows in by_lesson.values() for r in rows])}")
    for lesson, exercise, mutant, killed, seen in MUTATION_RESULTS:
        if not killed:
            terminalreporter.write_line(f"SURVIVED {lesson}:{exercise}: {mutant}")
        elif not seen:
            terminalreporter.write_line(f"HIDDEN ONLY {lesson}:{exercise}: {mutant}")


@pytest.fixture(scope="session")
def lesson_ids() -> list[str]:
    return LESSON_IDS


@pytest.fixture(scope="session")
def binder_env(tmp_path_factory: pytest.TempPathFactory):
    """The Binder environment (tests/support/binder_env.py), built or refreshed once per test
    run and shared by the workers: ``repo``, ``env``, ``home``, ``run_env``, ``report``."""
    if os.environ.get("NNCOURSE_SKIP_BINDER") and not os.environ.get("CI"):
        pytest.skip("NNCOURSE_SKIP_BINDER is set (never honoured in CI)")
    from support.binder_env import shared

    python = getattr(sys, "_base_executable", sys.executable)
    with shared(tmp_path_factory.mktemp("binder-home"), python) as env:
        yield env


_GRADED: dict = {}


@pytest.fixture(scope="session")
def graded_lesson(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """``graded_lesson(lesson)``: nbgrader's autograde of the lesson's solution (``perfect``)
    and untouched release (``stub``), run once per process and shared by every test that
    reads it (gates 1 and 3, the saved figures): tests/support/scratch.py. This environment's
    nbgrader grades; the kernels run in the Binder environment (the students'), so that the
    solution's run is also the check that the lesson works on Binder. Where Binder is skipped
    (NNCOURSE_SKIP_BINDER, never in CI) they run here and ``binder`` is None."""
    from support.scratch import grade_lesson

    try:
        binder = request.getfixturevalue("binder_env")
    except pytest.skip.Exception:
        binder = None
    kernel = {} if binder is None else {"kernel_python": str(binder["env"] / "bin" / "python"),
                                        "kernel_env": binder["run_env"]}

    def get(lesson: str) -> dict:
        if lesson not in _GRADED:
            _GRADED[lesson] = grade_lesson(lesson, tmp_path_factory.mktemp(lesson), **kernel)
        return _GRADED[lesson]
    get.binder = binder
    return get


def move_control(panel, name: str, value, *, readout_changes: bool = True) -> None:
    """Set a live control and check it redrew the same figure once, in place."""
    figure, image, readout = panel.live.figure, panel.live.image.value, panel.readout.value
    renders = panel.live.renders
    panel.controls[name].value = value
    assert panel.live.figure is figure, "a control change must update the figure, not replace it"
    assert panel.live.renders == renders + 1, "one control change, one render"
    assert panel.live.image.value != image, f"moving {name} changed no pixels"
    if readout_changes:
        assert panel.readout.value != readout, f"moving {name} left the readout as it was"
