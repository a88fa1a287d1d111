#!/usr/bin/env python3
"""Set up and run the course with nothing but Python 3.11+.

    python3 course.py lab     install (first time or when pyproject.toml changed), open JupyterLab
    python3 course.py test    install with the test extra, then run the whole test suite

Everything goes into ./.venv; a second run skips the install when nothing changed.
Extra arguments after ``test`` go to pytest (e.g. ``python3 course.py test -k neuron``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _stamp(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(extras.encode())
    return digest.hexdigest()


def ensure_environment(extras: str = "") -> None:
    """Create .venv and install the course (editable) unless it is already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs under any python3
        sys.exit(f"The course needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    stamp_file = VENV / f".nncourse-installed{'-' + extras.replace(',', '-') if extras else ''}"
    candidates = [(stamp_file, extras)]
    if not extras:  # any install with extras includes everything `lab` needs
        candidates += [(p, p.name.split("-", 1)[1].replace("-", ","))
                       for p in VENV.glob(".nncourse-installed-*")]
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


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")  # nbgrader calls `alembic`
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    return env


def lab(args: list[str]) -> int:
    """Open the course in JupyterLab at lesson 00."""
    ensure_environment()
    start = "lessons/00_welcome/00_welcome.ipynb"
    return subprocess.call([str(BIN / "jupyter"), "lab", start, *args], cwd=ROOT, env=_env())


def test(args: list[str]) -> int:
    """Run the whole test suite (notebooks, grading gates, mutants, toolkit, browser).

    ``NNCOURSE_EXTRAS`` adds extras to install, e.g. ``test,backends`` (CI does this).
    """
    ensure_environment(os.environ.get("NNCOURSE_EXTRAS", "test"))
    return subprocess.call([str(PYTHON), "-m", "pytest", *args], cwd=ROOT, env=_env())


def main() -> int:
    """Dispatch ``lab`` or ``test``."""
    commands = {"lab": lab, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
