"""The claims catalogue: every sentence of a lesson that says what code, a control or a
training run *shows* is guarded here by a check that runs the lesson's own code.

A claim names its lesson, the id of the cell that makes it, and the sentence, quoted as it
stands in that cell (the test fails when the sentence changes, so the check is reviewed
with it). The check runs the solution notebook's own cells (:func:`lesson_namespace`) or
the lesson's widget state functions with the lesson's defaults, and asserts what the
sentence says. One module per lesson, ``tests/claims/lesson_NN.py``; ``tests/test_claims.py``
runs them all.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.notebooks import read

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Claim:
    """One guarded sentence."""

    lesson: str  # folder name, e.g. "06_gradient_descent"
    cell: str  # id of the cell (in solutions/ and lessons/) that makes the claim
    says: str  # the sentence (or the part of it that makes the claim), quoted exactly
    check: Callable[[], None]

    @property
    def test_id(self) -> str:
        return f"{self.lesson[:2]}:{self.cell}:{self.check.__name__}"


CLAIMS: list[Claim] = []


def claim(lesson: str, cell: str, says: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register the decorated function as the check of ``says`` in ``lesson``'s ``cell``."""

    def register(check: Callable[[], None]) -> Callable[[], None]:
        CLAIMS.append(Claim(lesson, cell, says, check))
        return check

    return register


def notebook(lesson: str, solutions: bool = True) -> Path:
    """The lesson's notebook in solutions/ (or lessons/)."""
    return ROOT / ("solutions" if solutions else "lessons") / lesson / f"{lesson}.ipynb"


def cell_text(lesson: str, cell_id: str, solutions: bool = True) -> str:
    """The source of one cell, by id."""
    for cell in read(notebook(lesson, solutions)).cells:
        if cell.get("id") == cell_id:
            return cell.source
    raise KeyError(f"{lesson} has no cell {cell_id!r}")


def slider_values(spec: dict) -> np.ndarray:
    """Every value a slider with ``spec = {"low", "high", "step"}`` can take (it snaps)."""
    low, high, step = spec["low"], spec["high"], spec["step"]
    return np.round(low + step * np.arange(int(round((high - low) / step)) + 1), 10)


def run_source(source: str, namespace: dict, name: str) -> str:
    """Run a cell's ``source`` (as it stands or edited) in ``namespace``; what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, f"<{name}>", "exec"), namespace)
    return out.getvalue()


def normalized(text: str) -> str:
    """Whitespace collapsed, so that a re-wrapped sentence still matches."""
    return re.sub(r"\s+", " ", text).strip()


@functools.cache
def lesson_namespace(lesson: str, upto: str | None = None) -> dict:
    """Run the solution notebook's code cells in-process (to ``upto`` included); the names.

    Cached: each lesson runs once per test session (once per ``upto``). Output is
    swallowed; widgets are built but not shown.
    """
    namespace: dict = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in read(notebook(lesson)).cells:
            if cell.cell_type != "code":
                continue
            exec(compile(cell.source, f"<{lesson}:{cell.id}>", "exec"), namespace)
            if cell.get("id") == upto:
                break
        else:
            if upto is not None:
                raise KeyError(f"{lesson} has no code cell {upto!r}")
    return namespace
