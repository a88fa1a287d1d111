"""Run an exercise's own cells (setup, solution, tests) in-process, for mutation testing.

A test cell "loses points" the way nbgrader judges it: it raises, or it writes to stderr
(a warning counts). Each run gets a fresh namespace; no kernel is started.
"""

from __future__ import annotations

import contextlib
import functools
import io
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from grader.assignment import exercises, has_hidden, setup_cells
from grader.notebooks import read


@dataclass
class CellResult:
    """How one test cell fared."""

    grade_id: str
    passed: bool
    reason: str = ""
    hidden: bool = False  # a hidden test cell: the learner does not see it before grading


def apply_mutant(solution_source: str, mutant: str | tuple[str, str]) -> str:
    """The solution with a mutant applied: ``(old, new)`` replaces text; a string replaces all."""
    if isinstance(mutant, str):
        return mutant
    old, new = mutant
    if old not in solution_source:
        raise ValueError(f"mutant no longer applies: {old!r} is not in the solution")
    return solution_source.replace(old, new)


@functools.lru_cache(maxsize=32)
def _parsed(notebook: Path, mtime_ns: int) -> tuple[dict, list]:
    nb = read(notebook)
    return exercises(nb), setup_cells(nb)


def parsed(notebook: Path) -> tuple[dict, list]:
    """(exercises, setup cells) of ``notebook``, read and validated once per version of it."""
    return _parsed(notebook, notebook.stat().st_mtime_ns)


def run_exercise(notebook: Path, name: str, solution_source: str | None = None) -> list[CellResult]:
    """Execute setup cells, earlier exercises' solutions, then ``name`` and its test cells."""
    found, setup = parsed(notebook)
    if name not in found:
        raise KeyError(f"{notebook.name} has no exercise {name!r}")
    namespace: dict = {"__name__": "__main__"}
    for cell in setup:
        exec(compile(cell.source, f"<{cell.id}>", "exec"), namespace)
    for other, exercise in found.items():
        if other == name:
            break
        exec(compile(exercise.solution.source, f"<{other}>", "exec"), namespace)
    source = found[name].solution.source if solution_source is None else solution_source
    try:
        exec(compile(source, f"<{name}>", "exec"), namespace)
    except Exception as exc:
        return [CellResult(t.metadata.nbgrader.grade_id, False, f"solution cell: {exc!r}",
                           has_hidden(t.source)) for t in found[name].tests]
    return [_run_test(cell, namespace) for cell in found[name].tests]


def _run_test(cell, namespace: dict) -> CellResult:
    grade_id = cell.metadata.nbgrader.grade_id
    hidden = has_hidden(cell.source)
    stderr = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(stderr):
        warnings.simplefilter("always")
        # as in a kernel, ResourceWarning is ignored: an unclosed socket that an earlier test
        # of this process left, collected during this cell, is not this cell's warning
        warnings.simplefilter("ignore", ResourceWarning)
        keras_env = sys.modules.get("nncourse.keras_env")
        if keras_env is not None:  # a Keras lesson's kernel ignores Keras' own warnings too
            keras_env.quiet()
        try:
            exec(compile(cell.source, f"<{grade_id}>", "exec"), namespace)
        except Exception as exc:
            return CellResult(grade_id, False, f"{type(exc).__name__}: {exc}", hidden)
    if caught:
        return CellResult(grade_id, False, f"warning on stderr: {caught[0].message}", hidden)
    if stderr.getvalue():
        return CellResult(grade_id, False, f"stderr: {stderr.getvalue()[:200]}", hidden)
    return CellResult(grade_id, True, hidden=hidden)
