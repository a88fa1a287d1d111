"""``python3 course.py lab``: what it runs, without a browser (tests/browser/test_main_command.py
starts the same command in Chromium).

The server's root is the course, lesson 00 opens first, and the view (students: Binder's,
from ``binder/student_view.py``; ``--instructor``: nbgrader's instructor tools) is config
that only that server reads: nothing is written to ``~/.jupyter``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


course = _load("nncourse_course_command_test", ROOT / "course.py")
view = _load("nncourse_student_view_test", ROOT / "binder" / "student_view.py")


def _json(path: Path) -> dict:
    return json.loads(path.read_text())


def test_student_command_serves_the_course_in_binders_student_view(tmp_path):
    environ = {"PATH": "/usr/bin", "JUPYTER_CONFIG_PATH": "/somewhere/else"}
    command = course.lab_command(["--port", "8899"], tmp_path / "config", environ=environ)
    assert command.argv == [str(course.BIN / "jupyter"), "lab", f"--ServerApp.root_dir={ROOT}",
                            "--port", "8899"]  # no notebook path: that would become the root
    assert command.cwd == ROOT
    assert command.env["JUPYTER_CONFIG_PATH"].split(os.pathsep) == [
        str(tmp_path / "config"), "/somewhere/else"]
    assert command.env["PATH"].split(os.pathsep)[0] == str(course.BIN)

    page = _json(tmp_path / "config" / "labconfig" / "page_config.json")
    assert page["disabledExtensions"] == dict.fromkeys(view.LAB_PLUGINS_OFF, True)
    assert page["lockedExtensions"] == dict.fromkeys(view.LAB_PLUGINS_OFF, True)
    server = _json(tmp_path / "config" / "jupyter_server_config.d" / view.CONFIG_NAME)
    assert server["ServerApp"]["jpserver_extensions"] == dict.fromkeys(
        view.SERVER_EXTENSIONS_OFF, False)
    start = _json(tmp_path / "config" / "jupyter_server_config.json")
    assert {app: c["default_url"] for app, c in start.items()} == dict.fromkeys(
        view.START_PAGE_APPS, "/lab/tree/lessons/00_welcome/00_welcome.ipynb")


def test_instructor_command_turns_the_instructor_tools_on(tmp_path):
    command = course.lab_command([], tmp_path, instructor=True, environ={})
    assert command.argv[2:] == [f"--ServerApp.root_dir={ROOT}"]
    page = _json(tmp_path / "labconfig" / "page_config.json")
    assert page["disabledExtensions"] == dict.fromkeys(view.LAB_PLUGINS_OFF, False)
    assert page["lockedExtensions"] == dict.fromkeys(view.LAB_PLUGINS_OFF, False)
    server = _json(tmp_path / "jupyter_server_config.d" / view.CONFIG_NAME)
    assert server["ServerApp"]["jpserver_extensions"] == dict.fromkeys(
        view.SERVER_EXTENSIONS_OFF, True)


@pytest.mark.parametrize("argv, instructor", [
    (["--port", "8899"], False),
    (["--instructor", "--port", "8899"], True),
    (["--port", "8899", "--instructor"], True),
])
def test_lab_runs_lab_command_and_writes_nothing_to_home(tmp_path, monkeypatch, argv,
                                                         instructor):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("JUPYTER_CONFIG_DIR", raising=False)
    monkeypatch.setattr(course, "ensure_environment", lambda extras="": None)
    ran = []

    def wait(command):
        config_dir = Path(command.env["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0])
        page = _json(config_dir / "labconfig" / "page_config.json")
        ran.append((command, config_dir, page))
        return 0

    monkeypatch.setattr(course, "_wait", wait)
    assert course.lab(list(argv)) == 0
    [(command, config_dir, page)] = ran
    assert command.argv[-2:] == ["--port", "8899"] and "--instructor" not in command.argv
    assert set(page["disabledExtensions"].values()) == {not instructor}
    assert not config_dir.exists(), "the server's private config outlives it"
    assert not config_dir.is_relative_to(home)
    assert list(home.iterdir()) == [], "course.py lab wrote into HOME"


_EFFECTIVE = """
import json
from jupyter_core.paths import jupyter_config_path
from jupyter_server.extension.config import ExtensionConfigManager
from jupyterlab_server.config import get_page_config
ext = ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()
page = get_page_config([])
print(json.dumps({"server": ext, "disabled": page["disabledExtensions"],
                  "locked": page.get("lockedExtensions", [])}))
"""


@pytest.mark.parametrize("instructor", [False, True])
def test_the_view_wins_over_the_users_and_the_environments_config(tmp_path, instructor):
    """Jupyter's own config resolution, in the command's environment: the private folder
    outranks the virtualenv's nbgrader.json and a user's ~/.jupyter saying the opposite."""
    home = tmp_path / "home"
    user = home / ".jupyter"
    (user / "labconfig").mkdir(parents=True)
    (user / "labconfig" / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": dict.fromkeys(view.LAB_PLUGINS_OFF, not instructor)}))
    (user / "jupyter_server_config.d").mkdir()
    (user / "jupyter_server_config.d" / "zzz-user.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": dict.fromkeys(view.SERVER_EXTENSIONS_OFF,
                                                            not instructor)}}))
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    environ["HOME"] = str(home)
    command = course.lab_command([], tmp_path / "config", instructor=instructor,
                                 environ=environ)
    result = subprocess.run([sys.executable, "-c", _EFFECTIVE], env=command.env,
                            capture_output=True, text=True, timeout=120, check=True)
    effective = json.loads(result.stdout.splitlines()[-1])
    for extension in view.SERVER_EXTENSIONS_OFF:
        assert effective["server"][extension] is instructor, effective
    for name in ("disabled", "locked"):
        if instructor:
            assert not set(view.LAB_PLUGINS_OFF) & set(effective[name]), effective
        else:
            assert set(view.LAB_PLUGINS_OFF) <= set(effective[name]), effective


def test_lab_reuses_an_install_with_extras(tmp_path, monkeypatch):
    """After ``course.py test`` (extras ``test`` or ``test,backends``) ``lab`` installs nothing."""
    monkeypatch.setattr(course, "VENV", tmp_path)
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    python.touch()  # .venv exists: only pip would run
    monkeypatch.setattr(course, "PYTHON", python)

    def install(*args, **kwargs):
        raise AssertionError(f"installed again: {args}")

    monkeypatch.setattr(course.subprocess, "run", install)
    (tmp_path / ".nncourse-installed-test-backends").write_text(course._stamp("test,backends"))
    course.ensure_environment()
    course.ensure_environment("test,backends")
    with pytest.raises(AssertionError, match="installed again"):
        course.ensure_environment("test")


# -- python3 course.py test [--fast] ------------------------------------------------------
@pytest.mark.parametrize("argv, expected", [
    ([], ["-n", "2", "--dist", "loadgroup"]),
    (["--fast"], ["-m", "not slow", "-n", "2", "--dist", "loadgroup"]),
    (["-k", "neuron", "--fast", "-x"],
     ["-m", "not slow", "-n", "2", "--dist", "loadgroup", "-k", "neuron", "-x"]),
    (["--fast", "-n", "0"], ["-m", "not slow", "-n", "0"]),
    (["-n3"], ["-n3"]),
    (["--numprocesses=4", "tests/test_checks.py"], ["--numprocesses=4", "tests/test_checks.py"]),
    (["-p", "no:xdist", "--fast"], ["-m", "not slow", "-p", "no:xdist"]),
])
def test_test_arguments(argv, expected):
    """``--fast`` is the fast loop's selection; the workers are one per core unless chosen."""
    assert course.pytest_args(argv, workers=2) == expected


def test_fast_selection_is_what_the_markers_leave_out():
    assert course.FAST_SELECTION == ["-m", "not slow"]
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"slow: ' in pyproject, "the marker --fast leaves out must be registered"


def test_test_runs_pytest_with_those_arguments(monkeypatch):
    calls = []
    monkeypatch.setattr(course, "ensure_environment", lambda extras="": calls.append(extras))
    monkeypatch.setattr(course.subprocess, "call",
                        lambda argv, **kwargs: calls.append((argv, kwargs["cwd"])) or 0)
    monkeypatch.delenv("NNCOURSE_EXTRAS", raising=False)
    monkeypatch.setenv("NNCOURSE_TEST_WORKERS", "3")
    assert course.test(["--fast", "-q"]) == 0
    assert calls == ["test", ([str(course.PYTHON), "-m", "pytest", "-m", "not slow", "-n", "3",
                               "--dist", "loadgroup", "-q"], course.ROOT)]
