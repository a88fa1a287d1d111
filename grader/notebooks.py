"""The course's notebook format: cell builders for authors (reading a notebook's exercises,
test cells and setup cells is :mod:`grader.assignment`'s).

Conventions (checked by tests/test_notebook_format.py):
- every cell has a stable ``id``; code cells carry no outputs or execution counts;
- the first code cell is the locked ``setup`` cell (imports only, no magics);
- an exercise is a solution cell whose ``grade_id`` is the function's name, followed by
  a visible test cell ``test_<name>`` and a hidden one ``test_<name>_hidden`` whose body
  sits between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``;
- free-response answers are markdown cells graded by hand (``grade`` and ``solution``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode

SCHEMA = 3


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool,
          points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked,
            "schema_version": SCHEMA, "solution": solution}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def markdown(cell_id: str, source: str) -> NotebookNode:
    """A narrative cell."""
    return nbformat.v4.new_markdown_cell(source.strip("\n"), id=cell_id)


def code(cell_id: str, source: str) -> NotebookNode:
    """Worked code or a live control: runs, is not graded."""
    return nbformat.v4.new_code_cell(source.strip("\n"), id=cell_id)


def setup(source: str, cell_id: str = "setup") -> NotebookNode:
    """The locked imports cell every exercise's checks run after."""
    cell = code(cell_id, source)
    cell.metadata.update(_meta(cell_id, grade=False, solution=False, locked=True))
    return cell


def solution(name: str, source: str) -> NotebookNode:
    """The exercise ``name``: a function between BEGIN/END SOLUTION markers."""
    cell = code(name, source)
    cell.metadata.update(_meta(name, grade=False, solution=True, locked=False))
    return cell


def tests(grade_id: str, source: str, points: float = 1) -> NotebookNode:
    """A locked, graded test cell ``test_<name>`` or ``test_<name>_<what>``."""
    cell = code(grade_id, source)
    cell.metadata.update(_meta(grade_id, grade=True, solution=False, locked=True, points=points))
    return cell


def free_response(grade_id: str, model_answer: str, points: float = 2) -> NotebookNode:
    """A manually graded markdown answer; the release shows "YOUR ANSWER HERE"."""
    cell = markdown(grade_id, model_answer)
    cell.metadata.update(_meta(grade_id, grade=True, solution=True, locked=False, points=points))
    return cell


def new_notebook(cells: list[NotebookNode]) -> NotebookNode:
    """A notebook with the course's kernel and the given cells."""
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write(nb: NotebookNode, path: Path) -> None:
    """Validate and write a notebook (nbformat 4.5, stable ids, no outputs)."""
    nbformat.validate(nb)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def read(path: Path) -> NotebookNode:
    """Read a notebook as nbformat 4."""
    return nbformat.read(str(path), as_version=4)


def lesson_notebook(folder: Path) -> Path:
    """The notebook ``<folder>/<folder name>.ipynb``."""
    return folder / f"{folder.name}.ipynb"


__all__ = ["code", "free_response", "lesson_notebook", "markdown", "new_notebook", "read",
           "setup", "solution", "tests", "write"]
