"""Grade lessons the way nbgrader does, in a throw-away course directory.

For each lesson: ``nbgrader generate_assignment`` from ``solutions/``, two submissions
(``perfect``: the solution notebook; ``stub``: the untouched release from ``lessons/``),
``nbgrader autograde``, then the per-cell scores from the gradebook and the executed
notebooks. Used by the tests (gates 1 and 3) and by ``benchmarks/lesson_runtimes.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from grader.notebooks import lesson_notebook
from support import LESSONS, SOLUTIONS

PROBE_ID = "zz-probe-modules"
PROBE = "import sys\nprint('TENSORFLOW_IMPORTED', 'tensorflow' in sys.modules)"
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
    notebook: nbformat.NotebookNode | None = None  # as autograde executed it, with outputs


def _nbgrader(args: list[str], cwd: Path) -> None:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")  # nbgrader runs `alembic`
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def grade_lesson(lesson: str, workdir: Path, timeout: int = 120) -> dict[str, GradedSubmission]:
    """Autograde the perfect and stub submissions of ``lesson`` in ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "nbgrader_config.py").write_text(CONFIG.format(root=str(workdir), timeout=timeout))
    shutil.copytree(SOLUTIONS / lesson, workdir / "source" / lesson, dirs_exist_ok=True)
    _nbgrader(["generate_assignment", lesson, "--force"], workdir)
    perfect = nbformat.read(str(lesson_notebook(SOLUTIONS / lesson)), as_version=4)
    perfect.cells.append(nbformat.v4.new_code_cell(PROBE, id=PROBE_ID))
    stub = nbformat.read(str(lesson_notebook(LESSONS / lesson)), as_version=4)
    for student, nb in (("perfect", perfect), ("stub", stub)):
        target = workdir / "submitted" / student / lesson / f"{lesson}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(target))
        (target.parent / "timestamp.txt").write_text(str(datetime.now()))
    _nbgrader(["autograde", lesson, "--force"], workdir)
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
    if starts:
        graded.seconds = (max(ends) - min(starts)).total_seconds()
    return graded
