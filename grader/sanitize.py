"""Stage 1, in the grader process: turn one submitted notebook into what a worker runs.

The steps, each a function below:

1. :func:`read_notebook`: the file must exist, be JSON, be a notebook, and be *this*
   notebook (at least one of its graded or solution cells), else
   :class:`InvalidSubmission` says why;
2. :func:`apply_nbgrader`: nbgrader's own sanitizing preprocessors against the gradebook
   (``ClearOutput``, ``DeduplicateIds``, ``OverwriteKernelspec``, ``OverwriteCells`` --
   which restores edited, deleted and retyped locked cells -- and ``CheckCellMetadata``),
   as ``nbgrader autograde`` runs them;
3. notes for what was restored (:meth:`Notebook.edited_locked`, :func:`describe_overwrites`).

:func:`read_files` gathers, once per student, the files the notebooks run beside.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    OverwriteCells,
    OverwriteKernelspec,
)
from traitlets.config import Config

from grader.assignment import Notebook, grade_id, source_text
from grader.course import Course

MAX_FILES_BYTES = 50 * 1024 * 1024
SANITIZERS = (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata)


class InvalidSubmission(Exception):
    """The notebook cannot be graded at all (the message says why)."""


@dataclass
class Sanitized:
    """A notebook ready for a worker, and what sanitizing noticed."""

    source: str  # the notebook JSON, hidden tests included
    notes: list[str] = field(default_factory=list)


def read_files(course: Course, student: str, assignment: str) -> dict[str, bytes]:
    """The files every notebook of the submission runs beside (see
    :meth:`Course.working_files`); raises :class:`InvalidSubmission` over 50 MiB."""
    files, total = {}, 0
    for rel, path in course.working_files(student, assignment).items():
        data = path.read_bytes()
        total += len(data)
        if total > MAX_FILES_BYTES:
            raise InvalidSubmission("submission too large: its files exceed 50 MiB")
        files[rel] = data
    return files


def sanitize(course: Course, assignment: str, notebook: Notebook, student: str) -> Sanitized:
    """Steps 1-3 for ``submitted/<student>/<assignment>/<notebook>.ipynb``."""
    nb = read_notebook(course, assignment, notebook, student)
    submitted = [(grade_id(c), source_text(c)) for c in nb.cells if isinstance(c, dict)]
    nb, overwrites = apply_nbgrader(course, assignment, notebook.name, student, nb)
    notes = notebook.edited_locked(submitted) + describe_overwrites(overwrites)
    return Sanitized(nbformat.writes(nb), notes)


def read_notebook(course: Course, assignment: str, notebook: Notebook,
                  student: str) -> NotebookNode:
    """The submitted notebook, or :class:`InvalidSubmission` with the reason."""
    folder = course.submission_dir(student, assignment)
    path = folder / notebook.file
    if not path.is_file():
        found = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        extra = f" (found: {', '.join(found[:5])})" if found else ""
        raise InvalidSubmission(f"missing notebook: no {notebook.file} was submitted{extra}")
    raw = path.read_bytes()
    if not raw.strip():
        raise InvalidSubmission(f"empty file: {notebook.file} has no content")
    try:
        json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidSubmission(f"invalid notebook: not valid JSON ({exc})") from None
    try:
        nb = nbformat.reads(raw.decode(), as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("it has no cells")
    except Exception as exc:  # noqa: BLE001 - any reason it is not a notebook
        raise InvalidSubmission(f"invalid notebook: {str(exc).splitlines()[0][:200]}") from None
    ids = {grade_id(c) for c in nb.cells if isinstance(c, dict)} - {""}
    if not ids & notebook.own_ids:
        other = ", ".join(sorted(ids)[:4]) or "no graded cells"
        raise InvalidSubmission(f"notebook from another lesson: none of {assignment}/"
                                f"{notebook.file}'s cells are in it (it has {other})")
    return nb


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def apply_nbgrader(course: Course, assignment: str, notebook: str, student: str,
                   nb: NotebookNode) -> tuple[NotebookNode, list[str]]:
    """nbgrader's sanitizing preprocessors; returns the notebook and their warnings."""
    config = Config(course.config)
    config.OverwriteCells.add_missing_cells = True
    capture = _Capture()
    logger = logging.getLogger("nngrade.sanitize")
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    logger.handlers = [capture]
    resources = resources_for(course, assignment, notebook, student)
    try:
        for cls in SANITIZERS:
            pp = cls(config=config)
            pp.log = logger
            nb, resources = pp(nb, resources)
    except Exception as exc:  # noqa: BLE001
        raise InvalidSubmission(f"invalid notebook: nbgrader metadata is corrupted ({exc})") \
            from None
    return nb, capture.messages


def describe_overwrites(messages: list[str]) -> list[str]:
    """Notes for the cells ``OverwriteCells`` restored, from its warnings."""
    notes = []
    for text in messages:
        if text.startswith("Missing grade cell"):
            notes.append(f"{text.split()[3]} was deleted; restored from the gradebook")
        elif text.startswith("Attribute 'cell_type'"):
            name = text.split("for cell ")[1].split(" ")[0]
            notes.append(f"{name} had its cell type changed; restored")
    return notes


def resources_for(course: Course, assignment: str, notebook: str, student: str) -> dict:
    """nbgrader's ``resources`` for one notebook of one submission."""
    return {"nbgrader": {"notebook": notebook, "assignment": assignment, "student": student,
                         "db_url": course.db_url},
            "metadata": {"path": str(course.submission_dir(student, assignment))}}
