"""Grade lessons the way nbgrader does, in a throw-away course directory.

For each lesson: ``nbgrader generate_assignment`` from ``solutions/``, two submissions
(``perfect``: the solution notebook; ``stub``: the untouched release from ``lessons/``),
``nbgrader autograde`` (its kernels optionally another environment's, e.g. Binder's), then
the per-cell scores from the gradebook and the executed notebooks. Used by the tests (gates
1 and 3).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from grader.notebooks import lesson_notebook
from support import LESSONS, NBGRADER, SOLUTIONS

PROBE_ID = "zz-probe-modules"
PROBE = ("import sys\nprint('TENSORFLOW_IMPORTED', 'tensorflow' in sys.modules)\n"
         "print('KERNEL_PREFIX', sys.prefix)")
CONFIG = """\
c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.Execute.timeout = {timeout}
"""


@dataclass
class CellScore:
    """One graded cell of one submission."""

    grade_id: str
    score: float | None
    max_score: float
    auto: bool
    needs_manual_grade: bool


@dataclass
class GradedSubmission:
    """What nbgrader's autograde made of one submission."""

    student: str
    cells: dict[str, CellScore] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # cells (by id) whose output is an error
    seconds: float | None = None  # kernel time from the first cell's start to the last reply
    tensorflow_imported: bool | None = None
    kernel_prefix: str | None = None  # sys.prefix of the kernel that ran the probe
    notebook: nbformat.NotebookNode | None = None  # as autograde executed it, with outputs


def _new_gradebook(workdir: Path) -> None:
    """The course's gradebook as nbgrader's first command creates it (its tables, course
    '' and the schema's head revision), the head read in-process rather than by the
    ``alembic`` program that nbgrader runs for it (2.4 s): the same stamp, checked by
    tests/test_toolkit_units.py."""
    from grader import nbgrader_fast

    nbgrader_fast.install()
    with Gradebook(f"sqlite:///{workdir}/gradebook.db", ""):
        pass


def _nbgrader(args: list[str], cwd: Path, kernel_env: Mapping[str, str] | None = None) -> None:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
    if kernel_env is not None:  # the kernel's own environment, for nbgrader to pass on
        env = {**kernel_env, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0",
               "JUPYTER_PATH": str(cwd / "jupyter")}
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")  # nbgrader runs `alembic`
    result = subprocess.run([*NBGRADER, *args], cwd=cwd, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def _kernelspec(workdir: Path, python: str) -> None:
    """A ``python3`` kernel spec under workdir/jupyter that starts ``python``'s ipykernel."""
    spec = {"argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python"}
    folder = workdir / "jupyter" / "kernels" / "python3"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(spec))


def grade_lesson(lesson: str, workdir: Path, timeout: int = 120, *,
                 kernel_python: str | None = None,
                 kernel_env: Mapping[str, str] | None = None) -> dict[str, GradedSubmission]:
    """Autograde the perfect and stub submissions of ``lesson`` in ``workdir``, with this
    interpreter's nbgrader; the kernels are ``kernel_python``'s (another environment, run
    with ``kernel_env``) if given, else this interpreter's."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "nbgrader_config.py").write_text(CONFIG.format(root=str(workdir), timeout=timeout))
    if kernel_python is not None:
        _kernelspec(workdir, kernel_python)
        kernel_env = dict(kernel_env if kernel_env is not None else os.environ)
    shutil.copytree(SOLUTIONS / lesson, workdir / "source" / lesson, dirs_exist_ok=True)
    _new_gradebook(workdir)
    _nbgrader(["generate_assignment", lesson, "--force"], workdir, kernel_env)
    perfect = nbformat.read(str(lesson_notebook(SOLUTIONS / lesson)), as_version=4)
    perfect.cells.append(nbformat.v4.new_code_cell(PROBE, id=PROBE_ID))
    stub = nbformat.read(str(lesson_notebook(LESSONS / lesson)), as_version=4)
    for student, nb in (("perfect", perfect), ("stub", stub)):
        target = workdir / "submitted" / student / lesson / f"{lesson}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(target))
        (target.parent / "timestamp.txt").write_text(str(datetime.now()))
    _nbgrader(["autograde", lesson, "--force"], workdir, kernel_env)
    return {student: _read(workdir, lesson, student) for student in ("perfect", "stub")}


def _read(workdir: Path, lesson: str, student: str) -> GradedSubmission:
    graded = GradedSubmission(student)
    with Gradebook(f"sqlite:///{workdir}/gradebook.db") as gb:
        notebook = gb.find_submission_notebook(lesson, lesson, student)
        for grade in notebook.grades:
            graded.cells[grade.name] = CellScore(
                grade.name, grade.score, grade.max_score, grade.auto_score is not None,
                grade.needs_manual_grade)
    nb = nbformat.read(str(workdir / "autograded" / student / lesson / f"{lesson}.ipynb"),
                       as_version=4)
    graded.notebook = nb
    starts, ends = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if any(out.output_type == "error" for out in cell.get("outputs", [])):
            graded.errors.append(cell.get("id", "?"))
        timing = cell.metadata.get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            starts.append(datetime.fromisoformat(timing["iopub.execute_input"].rstrip("Z")))
            ends.append(datetime.fromisoformat(timing["shell.execute_reply"].rstrip("Z")))
        if cell.get("id") == PROBE_ID:
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            graded.tensorflow_imported = "TENSORFLOW_IMPORTED True" in text
            prefix = [line for line in text.splitlines() if line.startswith("KERNEL_PREFIX ")]
            graded.kernel_prefix = prefix[0].removeprefix("KERNEL_PREFIX ") if prefix else None
    if starts:
        graded.seconds = (max(ends) - min(starts)).total_seconds()
    return graded
