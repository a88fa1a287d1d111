"""The README's main command as a newcomer meets it: ``python3 course.py lab``.

The servers here are not set up for the test: they run exactly what ``course.py lab`` (and
``course.py lab --instructor``) runs, from ``course.lab_command`` (the function ``lab()``
calls), serving a throw-away copy of the repository (lessons get executed and validated;
the repository is never written). The test adds only what every browser test needs: no
browser of its own, loopback, a free port, a token, ``window.jupyterapp``, and HOME and all
Jupyter state in a temporary folder (see ``LabServer.start_course``).

Checked: the server's root is the course, so all eleven lessons are reachable from the file
browser and nbgrader's course directory lies inside the root; lesson 00 opens first; the
toolbar's Validate works; students get Binder's student view (no formgrader, no Create
Assignment, no course list, ``/formgrader`` 404) and ``--instructor`` gets all of them.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .lab import ROOT, Lab, LabServer, course_module, lab_page
from .notebooks import lesson_ids

LESSON_00 = "lessons/00_welcome/00_welcome.ipynb"
START_PATH = "/lab/tree/" + LESSON_00
OUTSIDE_ROOT = "The course directory root is not a subdirectory of the notebook server root"
INSTRUCTOR_COMMANDS = ["nbgrader:open-formgrader", "nbgrader:open-create-assignment",
                       "nbgrader:open-course-list"]
INSTRUCTOR_MENU_ITEMS = ["Formgrader", "Create assignment", "Course List"]
CREATE_ASSIGNMENT_PANEL = "nbgrader-create_assignemnt"  # sic: nbgrader's widget id
# What a clone has that the course copy leaves out: git's data, the environment, what
# .gitignore keeps out of the repository.
_NOT_A_CLONE = shutil.ignore_patterns(
    ".git", ".venv", "artifacts", "__pycache__", "*.pyc", ".ipynb_checkpoints", ".pytest_cache",
    ".ruff_cache", "*.egg-info", "build", "submitted", "autograded", "feedback", "exchange",
    "gradebook.db*")
_VIEWPORT = {"width": 1280, "height": 1000}


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository as a fresh clone has it (working tree, no .git, no .venv)."""
    root = tmp_path_factory.mktemp("clone") / "course"
    shutil.copytree(ROOT, root, ignore=_NOT_A_CLONE)
    return root


@pytest.fixture(scope="module")
def student_server(clone: Path, tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[LabServer]:
    """``python3 course.py lab``."""
    server = LabServer.start_course(clone, tmp_path_factory.mktemp("student-home"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def instructor_server(clone: Path, tmp_path_factory: pytest.TempPathFactory
                      ) -> Iterator[LabServer]:
    """``python3 course.py lab --instructor``."""
    server = LabServer.start_course(clone, tmp_path_factory.mktemp("instructor-home"),
                                    instructor=True)
    yield server
    server.stop()


@pytest.fixture
def student(browser, student_server: LabServer, artifacts: Path, request) -> Iterator[Lab]:
    """A fresh page on ``python3 course.py lab``."""
    yield from lab_page(browser, student_server, artifacts, request.node, _VIEWPORT)


@pytest.fixture
def instructor(browser, instructor_server: LabServer, artifacts: Path, request
               ) -> Iterator[Lab]:
    """A fresh page on ``python3 course.py lab --instructor``."""
    yield from lab_page(browser, instructor_server, artifacts, request.node, _VIEWPORT)


def _status(server: LabServer, path: str) -> int:
    """The HTTP status of ``path`` on ``server`` (with the token; redirects followed)."""
    request = urllib.request.Request(server.url + path,
                                     headers={"Authorization": f"token {server.token}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def _log(server: LabServer) -> str:
    return server.log.read_text(errors="replace")


def _page_config(lab: Lab, key: str) -> list[str]:
    return lab.page.evaluate(
        "k => JSON.parse(document.getElementById('jupyter-config-data').textContent)[k] || []",
        key)


def _has_commands(lab: Lab, names: list[str]) -> dict[str, bool]:
    return lab.page.evaluate(
        "ns => Object.fromEntries(ns.map(c => [c, window.jupyterapp.commands.hasCommand(c)]))",
        names)


def _nbgrader_menu(lab: Lab) -> list[str]:
    """The labels in the menu bar's Nbgrader menu, as a student sees them when opening it."""
    page = lab.page
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").first.click()
    menu = page.locator(".lm-Menu").last
    menu.wait_for(state="visible")
    labels = [t.strip() for t in menu.locator(".lm-Menu-item:visible .lm-Menu-itemLabel")
              .all_inner_texts() if t.strip()]
    page.keyboard.press("Escape")
    return labels


def _sidebar_panels(lab: Lab) -> list[str]:
    """Ids and titles of the panels in both side bars."""
    return lab.page.evaluate("""() => ['left', 'right'].flatMap(area =>
        Array.from(window.jupyterapp.shell.widgets(area)).flatMap(w => [w.id, w.title.label]))""")


def _listing(lab: Lab) -> list[str]:
    return [t.strip() for t in lab.page.locator(
        ".jp-FileBrowser .jp-DirListing-content .jp-DirListing-itemText").all_inner_texts()]


def _open_in_file_browser(lab: Lab, name: str, expect: str) -> list[str]:
    """Double-click ``name`` in the file browser's listing, like a student, and wait until the
    new folder lists ``expect``; the listing."""
    page = lab.page
    page.locator(".jp-FileBrowser .jp-DirListing-item").filter(
        has=page.locator(".jp-DirListing-itemText", has_text=name)).first.dblclick()
    page.locator(".jp-FileBrowser .jp-DirListing-itemText", has_text=expect).first.wait_for()
    return _listing(lab)


def test_lessons_are_the_eleven_of_the_course():
    lessons = lesson_ids()
    assert len(lessons) == 11, lessons
    assert lessons[0] == "00_welcome" and lessons[-1] == "10_architectures", lessons


def test_command_is_course_py_lab(student_server: LabServer):
    """The server runs ``course.lab_command``'s argv: the course's jupyter, rooted at the
    course, its private config first on JUPYTER_CONFIG_PATH; the test's additions last."""
    command = course_module().lab_command([], student_server.home / "check-config",
                                          root=student_server.root)
    argv = student_server.process.args
    assert argv[:len(command.argv)] == command.argv, argv
    assert all(a.startswith("--") for a in argv[len(command.argv):]), argv
    assert f"--ServerApp.root_dir={student_server.root}" in argv


def test_lesson_00_opens_first(student: Lab, artifacts: Path):
    """``/`` (what the command's browser opens) shows lesson 00, in the first tab."""
    page, server = student.page, student.server
    page.goto(f"{server.url}/?token={server.token}", wait_until="domcontentloaded",
              timeout=90_000)
    page.wait_for_function("window.jupyterapp && window.jupyterapp.started !== undefined",
                           timeout=90_000)
    page.evaluate("window.jupyterapp.restored")
    student.wait_notebook_ready()
    assert urllib.parse.urlparse(page.url).path == START_PATH, page.url
    tabs = page.evaluate("""() => Array.from(window.jupyterapp.shell.widgets('main'))
        .map(w => w.context ? w.context.path : w.title.label)""")
    assert tabs and tabs[0] == LESSON_00, tabs
    assert page.evaluate("window.jupyterapp.shell.currentWidget.context.path") == LESSON_00
    first_tab = page.locator(".lm-DockPanel .lm-TabBar-tab").first.inner_text().strip()
    assert first_tab == "00_welcome.ipynb", first_tab
    page.screenshot(path=str(artifacts / "course_py_lab_start.png"))


def test_every_lesson_is_reachable_from_the_file_browser(student: Lab, artifacts: Path):
    student.goto()
    page = student.page
    page.evaluate("window.jupyterapp.commands.execute('filebrowser:activate')")
    page.locator(".jp-FileBrowser .jp-BreadCrumbs-home").first.click()
    root = page.locator(".jp-FileBrowser .jp-DirListing-itemText", has_text="lessons")
    root.first.wait_for()
    assert {"lessons", "nbgrader_config.py", "README.md"} <= set(_listing(student))
    listed = _open_in_file_browser(student, "lessons", "10_architectures")
    assert set(lesson_ids()) <= set(listed), listed
    page.screenshot(path=str(artifacts / "course_py_lab_lessons.png"))
    for lesson in lesson_ids():
        inside = _open_in_file_browser(student, lesson, f"{lesson}.ipynb")
        assert f"{lesson}.ipynb" in inside, (lesson, inside)
        page.locator(".jp-FileBrowser .jp-BreadCrumbs-item", has_text="lessons").first.click()
        page.locator(".jp-FileBrowser .jp-DirListing-itemText", has_text=lesson).first.wait_for()
    for lesson in lesson_ids():  # and the server serves each notebook
        assert _status(student.server, f"/api/contents/lessons/{lesson}/{lesson}.ipynb") == 200


def test_validate_works_on_lesson_00(student: Lab, artifacts: Path):
    student.goto(LESSON_00)
    student.page.locator(".validate-button").first.click()
    message = student.page.locator("#validation-message")
    message.wait_for(state="visible", timeout=120_000)
    student.page.screenshot(path=str(artifacts / "course_py_lab_validate_00.png"))
    classes = message.get_attribute("class") or ""
    assert "validation-success" in classes or "validation-failed" in classes, classes
    assert message.inner_text().strip()


def test_students_get_binders_student_view(student: Lab):
    student.goto(LESSON_00)
    view = course_module()._student_view()
    assert set(view.LAB_PLUGINS_OFF) <= set(_page_config(student, "disabledExtensions"))
    assert set(view.LAB_PLUGINS_OFF) <= set(_page_config(student, "lockedExtensions"))
    assert _has_commands(student, INSTRUCTOR_COMMANDS) == dict.fromkeys(INSTRUCTOR_COMMANDS,
                                                                       False)
    assert _has_commands(student, ["nbgrader:open-assignment-list"]) == {
        "nbgrader:open-assignment-list": True}
    assert student.page.locator(".validate-button").count() == 1
    menu = _nbgrader_menu(student)
    assert "Assignment List" in menu, menu
    assert not set(INSTRUCTOR_MENU_ITEMS) & set(menu), menu
    panels = _sidebar_panels(student)
    assert CREATE_ASSIGNMENT_PANEL not in panels and "Create Assignment" not in panels, panels
    assert student.page.locator(f"#{CREATE_ASSIGNMENT_PANEL}").count() == 0
    assert _status(student.server, "/formgrader") == 404
    log = _log(student.server)
    assert OUTSIDE_ROOT not in log
    for extension in view.SERVER_EXTENSIONS_OFF:
        assert f"{extension} | extension was successfully loaded" not in log, extension
    assert "nbgrader.server_extensions.validate_assignment | extension was successfully loaded" \
        in log


def test_instructor_variant_gets_formgrader_and_create_assignment(instructor: Lab,
                                                                   artifacts: Path):
    instructor.goto(LESSON_00)
    plugins = set(course_module()._student_view().LAB_PLUGINS_OFF)
    assert not plugins & set(_page_config(instructor, "disabledExtensions"))
    assert not plugins & set(_page_config(instructor, "lockedExtensions"))
    assert _has_commands(instructor, INSTRUCTOR_COMMANDS) == dict.fromkeys(INSTRUCTOR_COMMANDS,
                                                                          True)
    menu = _nbgrader_menu(instructor)
    assert {"Assignment List", *INSTRUCTOR_MENU_ITEMS} <= set(menu), menu
    assert CREATE_ASSIGNMENT_PANEL in _sidebar_panels(instructor)
    assert instructor.page.locator(".validate-button").count() == 1
    assert _status(instructor.server, "/formgrader") == 200
    # the formgrader opens in a tab, on nbgrader's course directory (the server's root)
    instructor.command("nbgrader:open-formgrader")
    instructor.page.wait_for_function("""() => Array.from(window.jupyterapp.shell.widgets('main'))
        .some(w => w.title.label === 'Formgrader')""")
    frame = instructor.page.frame_locator("iframe").last
    frame.locator("text=Manage Assignments").first.wait_for(timeout=60_000)
    instructor.page.screenshot(path=str(artifacts / "course_py_lab_instructor_formgrader.png"))
    assert OUTSIDE_ROOT not in _log(instructor.server)
