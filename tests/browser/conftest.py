"""Fixtures of the browser tests: one JupyterLab server and one Chromium per test process
(under xdist each worker that runs browser tests starts its own: tests/support/markers.py).

The server serves a temporary folder laid out like the course repository, never the
repository itself: ``lessons/`` holds *solved* copies of every released lesson (a student
who has done the exercises), ``stub/`` the untouched student notebook of lesson 01, and
``nbgrader_config.py`` a copy of the course's. HOME and all Jupyter state live in a
temporary folder too. Screenshots and measurements go to ``artifacts/browser/``.

A test that cannot start Chromium fails, saying why; it is never skipped.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .lab import ROOT, LabServer, lab_page, launch_chromium
from .notebooks import copy_lesson, lesson_ids

ARTIFACTS = ROOT / "artifacts" / "browser"
VIEWPORT = {"width": 1280, "height": 1000}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs Chromium and a JupyterLab server")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """artifacts/browser/ at the repository root (git-ignored), without an earlier run's
    failure screenshots (the xdist workers of one run clean it once: browser tests run in
    both, and a worker starting later keeps the other's)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    marker, run = ARTIFACTS / ".run", os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None or not marker.exists() or marker.read_text() != run:
        for stale in ARTIFACTS.glob("FAILED-*.png"):
            stale.unlink(missing_ok=True)
        marker.write_text(run or "")
    return ARTIFACTS


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throw-away course folder: solved lessons, one stub, the nbgrader config."""
    root = tmp_path_factory.mktemp("course")
    for lesson in lesson_ids():
        copy_lesson(lesson, root / "lessons", solve=True)
    if "01_neuron" in lesson_ids():
        copy_lesson("01_neuron", root / "stub")
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    return root


@pytest.fixture(scope="session")
def server(course_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """``jupyter lab`` on 127.0.0.1 with a random token, in nbgrader's student view."""
    lab_server = LabServer.start(course_copy, tmp_path_factory.mktemp("home"))
    yield lab_server
    lab_server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.fail(f"the playwright package is missing ({exc}): pip install playwright",
                    pytrace=False)
    with sync_playwright() as playwright:
        try:
            chromium = launch_chromium(playwright)
        except RuntimeError as exc:
            pytest.fail(str(exc), pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture
def lab(browser, server: LabServer, artifacts: Path, request: pytest.FixtureRequest):
    """A fresh page (own cookies, storage) showing JupyterLab; closed after the test,
    with every kernel shut down. On failure a screenshot is kept in artifacts/browser/."""
    yield from lab_page(browser, server, artifacts, request.node, VIEWPORT)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
