#!/usr/bin/env python3
"""Set up and run the course with nothing but Python 3.11+.

    python3 course.py lab     install (first time or when pyproject.toml changed), open JupyterLab
    python3 course.py test    install with the test extra, then run the whole test suite
    python3 course.py test --fast   the fast loop (under a minute): no slow test, see below

    python3 course.py lab --instructor   the same JupyterLab with nbgrader's instructor tools

Everything goes into ./.venv; a second run skips the install when nothing changed.
``lab`` serves the whole course (the repository) and opens lesson 00, in nbgrader's student
view, as on Binder; ``--instructor`` adds formgrader and Create Assignment. Other arguments
after ``lab`` go to ``jupyter lab`` (e.g. ``--port 8899``), after ``test`` to pytest (e.g.
``python3 course.py test -k neuron``). ``test`` runs the tests on every core (pytest-xdist);
``--fast`` leaves out the tests marked ``slow`` (notebooks, Keras, grading, kernels, claims,
browser, Binder, install, pixel comparisons: docs/testing.md says why each is slow).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import tempfile
import venv
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STUDENT_VIEW = ROOT / "binder" / "student_view.py"  # the one definition, Binder's too
INSTRUCTOR_FLAG = "--instructor"
FAST_FLAG = "--fast"
FAST_SELECTION = ["-m", "not slow"]  # the markers: tests/support/markers.py


def _stamp(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(extras.encode())
    return digest.hexdigest()


def ensure_environment(extras: str = "") -> None:
    """Create .venv and install the course (editable) unless it is already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs under any python3
        sys.exit(f"The course needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    prefix = ".nncourse-installed"
    stamp_file = VENV / f"{prefix}{'-' + extras.replace(',', '-') if extras else ''}"
    candidates = [(stamp_file, extras)]
    if not extras:  # any install with extras includes everything `lab` needs
        candidates += [(p, p.name[len(prefix) + 1:].replace("-", ","))
                       for p in VENV.glob(f"{prefix}-*")]
    for done, what in candidates:
        if done.exists() and done.read_text() == _stamp(what):
            return
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extras}]" if extras else "."
    print(f"Installing the course ({target}) into .venv; the first time takes a few minutes ...",
          flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", target], cwd=ROOT,
                   check=True)
    stamp_file.write_text(_stamp(extras))


def _env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")  # nbgrader calls `alembic`
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    return env


def _student_view():
    """``binder/student_view.py`` as a module (standard library only, like this file)."""
    spec = importlib.util.spec_from_file_location("nncourse_student_view", STUDENT_VIEW)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class LabCommand(NamedTuple):
    """A ``jupyter lab`` to run: its argument vector, environment and working folder."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path


def lab_command(args: list[str], config_dir: Path, *, instructor: bool = False,
                root: Path = ROOT, environ: Mapping[str, str] | None = None) -> LabCommand:
    """What ``python3 course.py lab [--instructor] ARGS`` runs (``lab`` runs exactly this).

    The server's root is the course folder ``root`` (every lesson in the file browser,
    nbgrader's course directory inside it); ``/`` and the browser open lesson 00. The view
    (student, as on Binder, or ``instructor``) is written by ``binder/student_view.py``'s
    ``configure`` into ``config_dir``, which only this server reads: it goes first on
    ``JUPYTER_CONFIG_PATH``, above the user's and the environment's Jupyter config, and
    nothing is written to ``~/.jupyter``. ``args`` go to ``jupyter lab`` last. ``environ``
    is the environment to start from (default: this process's).
    """
    config_dir = Path(config_dir)
    _student_view().configure(config_dir, instructor=instructor)
    env = _env(environ)
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        [str(config_dir)] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p])
    argv = [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={Path(root).resolve()}", *args]
    return LabCommand(argv, env, Path(root).resolve())


def _wait(command: LabCommand) -> int:
    """Run ``command`` in the foreground; Ctrl-C is the server's to handle (it asks, or stops
    on a second Ctrl-C and shuts its kernels down), so this waits for it to exit."""
    process = subprocess.Popen(command.argv, cwd=command.cwd, env=command.env)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue


def lab(args: list[str]) -> int:
    """Open the course in JupyterLab at lesson 00: the student view, or with ``--instructor``
    nbgrader's instructor tools (formgrader, Create Assignment) too."""
    instructor = INSTRUCTOR_FLAG in args
    args = [a for a in args if a != INSTRUCTOR_FLAG]
    ensure_environment()
    if instructor:
        print("JupyterLab for instructors: formgrader and Create Assignment are on.", flush=True)
    else:
        print("JupyterLab in nbgrader's student view, as on Binder "
              f"(instructors: python3 course.py lab {INSTRUCTOR_FLAG}).", flush=True)
    with tempfile.TemporaryDirectory(prefix="nncourse-jupyter-") as config_dir:
        return _wait(lab_command(args, Path(config_dir), instructor=instructor))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _chooses_workers(arg: str) -> bool:
    """``-n 3``, ``-n3``, ``--numprocesses=3``, ``-p no:xdist``: the caller picks the workers."""
    return (arg in ("-n", "--numprocesses") or arg.startswith("--numprocesses=")
            or (arg.startswith("-n") and not arg.startswith("--")) or arg.endswith("no:xdist"))


def pytest_args(args: list[str], workers: int | None = None) -> list[str]:
    """What ``python3 course.py test ARGS`` passes to pytest.

    ``--fast`` becomes ``-m "not slow"``. The tests run in ``workers`` processes (default: one
    per core, or ``NNCOURSE_TEST_WORKERS``) with ``--dist loadgroup``, so that tests sharing
    something built once per process stay in one; ``-n``/``--numprocesses``/``-p no:xdist``
    in ARGS choose otherwise. The other ARGS follow, unchanged.
    """
    fast = FAST_FLAG in args
    args = [a for a in args if a != FAST_FLAG]
    if workers is None:
        workers = int(os.environ.get("NNCOURSE_TEST_WORKERS") or _cores())
    chosen = any(_chooses_workers(a) for a in args)
    parallel = [] if chosen else ["-n", str(workers), "--dist", "loadgroup"]
    return [*(FAST_SELECTION if fast else []), *parallel, *args]


def test(args: list[str]) -> int:
    """Run the test suite (notebooks, grading gates, mutants, toolkit, browser), or with
    ``--fast`` only the tests not marked slow; see :func:`pytest_args`.

    ``NNCOURSE_EXTRAS`` adds extras to install, e.g. ``test,backends`` (CI does this).
    """
    ensure_environment(os.environ.get("NNCOURSE_EXTRAS", "test"))
    return subprocess.call([str(PYTHON), "-m", "pytest", *pytest_args(args)], cwd=ROOT,
                           env=_env())


def main() -> int:
    """Dispatch ``lab`` or ``test``."""
    commands = {"lab": lab, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
