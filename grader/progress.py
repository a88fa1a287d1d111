"""A student's progress: which exercises pass their visible tests, lesson by lesson.

Each lesson notebook is *copied* to a temporary folder (with its sibling lessons, so a
lesson that reads an earlier one still finds it) and executed there top to bottom in a
fresh kernel, errors allowed, the way Validate does. Then, for every exercise, its visible
test cells (``test_<name>``, not the ``_hidden`` placeholders) are read:

- ``pass``: every visible test cell ran without an error;
- ``fail``: a test cell (or the exercise cell itself) raised; the first line says why;
- ``todo``: the exercise cell still has its ``raise NotImplementedError()`` stub;
- ``not run``: the notebook could not be run that far (kernel died, invalid notebook).

A passing test cell that wrote to stderr is flagged: the grader scores such a cell 0.
A locked cell whose text was edited is flagged too: the grader puts the original back.
The original notebooks are only read, never written.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from grader.assignment import edited_by_checksum, exercises, grade_meta, is_hidden_test

PASS, FAIL, TODO, NOT_RUN = "pass", "fail", "todo", "not run"
_QUIET = logging.getLogger("nngrade.progress.kernel")  # timeouts are reported per exercise
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False
_STUB = "raise NotImplementedError()"
_KERNEL_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "MPLBACKEND": "Agg"}


@dataclass
class ExerciseProgress:
    """How one exercise fares on its visible tests."""

    name: str
    status: str
    detail: str = ""
    warnings: list[str] = field(default_factory=list)


@dataclass
class LessonProgress:
    """The exercises of one lesson notebook, in notebook order."""

    lesson: str
    notebook: str
    exercises: list[ExerciseProgress] = field(default_factory=list)
    problem: str = ""  # why the notebook could not be run (to the end)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(e.status == PASS for e in self.exercises)


def find_notebooks(path: Path) -> list[Path]:
    """The lesson notebooks at ``path``: a notebook, a lesson folder, or a folder of lessons
    (``NN_slug/NN_slug.ipynb``, else every ``*.ipynb`` one level down)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    if path.is_file():
        if path.suffix != ".ipynb":
            raise ValueError(f"{path} is not a notebook (.ipynb)")
        return [path]
    own = path / f"{path.name}.ipynb"
    if own.is_file():
        return [own]
    lessons = sorted(p / f"{p.name}.ipynb" for p in path.iterdir()
                     if p.is_dir() and (p / f"{p.name}.ipynb").is_file())
    if lessons:
        return lessons
    found = sorted(p for p in path.glob("*.ipynb")) or sorted(
        p for p in path.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not found:
        raise FileNotFoundError(f"no lesson notebooks in {path}")
    return found


def _first_line(text: str, limit: int = 160) -> str:
    line = next((s.strip() for s in str(text).splitlines() if s.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _error(cell: NotebookNode) -> dict | None:
    return next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)


def _wrote_stderr(cell: NotebookNode) -> bool:
    return any(o.get("output_type") == "stream" and o.get("name") == "stderr"
               for o in cell.get("outputs", []))


def judge(nb: NotebookNode, executed: set[int] | None = None) -> list[ExerciseProgress]:
    """Each exercise's status from an executed notebook; ``executed`` are the indices of
    cells that ran (``None``: all of them)."""
    index = {id(cell): i for i, cell in enumerate(nb.cells)}
    results = []
    for name, exercise in exercises(nb).items():
        visible = [c for c in exercise.tests if not is_hidden_test(c)]
        if not visible:
            continue
        ran = executed is None or all(index[id(c)] in executed for c in visible)
        own_error = _error(exercise.solution)
        failures = [(grade_meta(c)["grade_id"], _error(c)) for c in visible if _error(c)]
        if not ran:
            results.append(ExerciseProgress(name, NOT_RUN, "the notebook stopped before its tests"))
        elif failures and _STUB in exercise.solution.source:
            results.append(ExerciseProgress(name, TODO, f"not written yet: replace `{_STUB}`"))
        elif own_error:
            results.append(ExerciseProgress(
                name, FAIL, f"the exercise cell raised {own_error.get('ename')}: "
                            f"{_first_line(own_error.get('evalue', ''))}"))
        elif failures:
            grade_id, error = failures[0]
            message = _first_line(error.get("evalue", "")) or error.get("ename", "an error")
            results.append(ExerciseProgress(name, FAIL, f"{grade_id}: {message}"))
        else:
            noisy = [grade_meta(c)["grade_id"] for c in visible if _wrote_stderr(c)]
            results.append(ExerciseProgress(name, PASS, warnings=[
                f"{g} wrote to stderr (a warning?): the grader scores such a cell 0"
                for g in noisy]))
    return results


def check_notebook(notebook: Path, timeout: int = 120) -> LessonProgress:
    """Run a copy of ``notebook`` and report its exercises; the original is only read."""
    notebook = Path(notebook).resolve()
    lesson = notebook.parent.name if notebook.stem == notebook.parent.name else notebook.stem
    progress = LessonProgress(lesson, str(notebook))
    try:
        original = nbformat.read(str(notebook), as_version=4)
    except Exception as exc:  # any unreadable notebook: say so, go on with the others
        progress.problem = f"cannot read the notebook: {_first_line(exc)}"
        return progress
    progress.warnings = [f"locked cell {g} was edited: the grader uses the original text"
                         for g in edited_by_checksum(original)]
    with tempfile.TemporaryDirectory(prefix="nngrade-progress-") as tmp:
        copy = _copy_lessons(notebook, Path(tmp))
        nb = nbformat.read(str(copy), as_version=4)
        begin = time.perf_counter()
        executed = _execute(nb, copy.parent, timeout, progress)
        progress.seconds = time.perf_counter() - begin
    progress.exercises = judge(nb, executed)
    return progress


def _copy_lessons(notebook: Path, into: Path) -> Path:
    """Copy the notebook's folder and its sibling lesson folders (notebooks read earlier
    lessons by relative path); return the copy of ``notebook``."""
    folder = notebook.parent
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
    siblings = [p for p in folder.parent.iterdir()
                if p.is_dir() and p.name[:2].isdigit() and p != folder]
    for sibling in siblings:
        shutil.copytree(sibling, into / sibling.name, ignore=ignore, dirs_exist_ok=True)
    shutil.copytree(folder, into / folder.name, ignore=ignore, dirs_exist_ok=True)
    return into / folder.name / notebook.name


def _execute(nb: NotebookNode, cwd: Path, timeout: int, progress: LessonProgress) -> set[int]:
    """Run every code cell, errors allowed; the indices of the cells that ran."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    # IPC, on a path of its own: no TCP port to clash with another kernel starting now
    kernel = AsyncKernelManager(
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        transport="ipc", ip=str(cwd.parent / "kernel"), log=_QUIET)
    client = NotebookClient(
        nb, km=kernel, log=_QUIET, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
        resources={"metadata": {"path": str(cwd)}})
    executed: set[int] = set()
    env = {**os.environ, **_KERNEL_ENV}
    try:
        with client.setup_kernel(env=env):
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                begin = time.monotonic()
                client.execute_cell(cell, i)
                executed.add(i)
                error = _error(cell)
                if error and time.monotonic() - begin >= timeout:  # interrupted: say why
                    error.update(ename="TimeoutError",
                                 evalue=f"the cell ran longer than {timeout} s and was stopped")
    except DeadKernelError:
        progress.problem = "the kernel died (out of memory, or the code crashed Python)"
    except Exception as exc:  # nbclient's start-up and protocol errors
        progress.problem = f"could not run the notebook: {type(exc).__name__}: {_first_line(exc)}"
    return executed


def check_path(path: Path, timeout: int = 120, echo=None) -> list[LessonProgress]:
    """Check every lesson notebook at ``path``, in order; ``echo(line)`` reports each."""
    results = []
    for notebook in find_notebooks(path):
        result = check_notebook(notebook, timeout=timeout)
        results.append(result)
        if echo is not None:
            echo(format_lesson(result))
    return results


_MARK = {PASS: "PASS", FAIL: "FAIL", TODO: "TODO", NOT_RUN: "----"}


def format_lesson(result: LessonProgress) -> str:
    """A lesson's lines: a header with the count, then one line per exercise."""
    total = len(result.exercises)
    lines = [f"{result.lesson}: {result.passed}/{total} exercises pass their visible tests "
             f"({result.seconds:.1f} s)"]
    if result.problem:
        lines.append(f"  !! {result.problem}")
    width = max((len(e.name) for e in result.exercises), default=0)
    for exercise in result.exercises:
        detail = f"  {exercise.detail}" if exercise.detail else ""
        lines.append(f"  {_MARK[exercise.status]}  {exercise.name:<{width}}{detail}".rstrip())
        lines.extend(f"        note: {w}" for w in exercise.warnings)
    lines.extend(f"  note: {w}" for w in result.warnings)
    return "\n".join(lines)


def summary(results: list[LessonProgress]) -> str:
    """The closing line."""
    passed = sum(r.passed for r in results)
    total = sum(len(r.exercises) for r in results)
    return (f"{passed}/{total} exercises in {len(results)} lesson(s) pass their visible tests. "
            "Hidden tests run when your work is graded. Your notebooks were not changed.")


def as_dicts(results: list[LessonProgress]) -> list[dict]:
    """JSON-ready results."""
    return [{**asdict(r), "passed": r.passed} for r in results]
