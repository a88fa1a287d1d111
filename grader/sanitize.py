"""Stage 1, in the grader process: turn one submitted notebook into what a worker runs.

The steps, each a function below:

1. :func:`read_notebook`: the file must exist, be JSON, be a notebook, and be *this*
   notebook (at least one of its graded or solution cells), else
   :class:`InvalidSubmission` says why;
2. :func:`apply_nbgrader`: nbgrader's own sanitizing preprocessors against the gradebook
   (``ClearOutput``, ``DeduplicateIds``, ``OverwriteKernelspec``, ``OverwriteCells`` --
   which restores edited, deleted and retyped locked cells -- and ``CheckCellMetadata``),
   as ``nbgrader autograde`` runs them, except that a deleted grade or task cell is restored
   from the gradebook and run (``OverwriteCells.add_missing_cells``, off in nbgrader): a
   course that sets ``c.OverwriteCells.add_missing_cells`` itself gets nbgrader's behaviour
   exactly (:func:`restores_deleted_cells`); a restored cell gets an ``id``
   (:func:`give_restored_cells_ids`);
3. notes for what was restored (:meth:`Notebook.edited_locked`, :func:`describe_overwrites`).

:func:`read_files` gathers, once per student, the files the notebooks run beside.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
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
from grader.logcapture import LogCapture

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


def sanitize(course: Course, assignment: str, notebook: Notebook, student: str,
             others: Iterable[Notebook] = ()) -> Sanitized:
    """Steps 1-3 for ``submitted/<student>/<assignment>/<notebook>.ipynb``; ``others``: the
    assignment's notebooks, to name the one a wrong file holds (default: from the model)."""
    nb = read_notebook(course, assignment, notebook, student, others)
    submitted = [(grade_id(c), source_text(c)) for c in nb.cells if isinstance(c, dict)]
    nb, overwrites = apply_nbgrader(course, assignment, notebook.name, student, nb)
    give_restored_cells_ids(nb)
    notes = notebook.edited_locked(submitted) + describe_overwrites(overwrites)
    if not restores_deleted_cells(course.config):
        present = {name for name, _ in submitted}
        notes += [f"{name} was deleted; left ungraded as nbgrader does "
                  f"(c.OverwriteCells.add_missing_cells is off)"
                  for name in notebook.grade_cells if name not in present]
    return Sanitized(nbformat.writes(nb), notes)


_INVALID_ID_CHARACTERS = re.compile(r"[^a-zA-Z0-9_-]")


def give_restored_cells_ids(nb: NotebookNode) -> None:
    """Give each cell without an ``id`` (nbgrader's ``OverwriteCells`` restores a deleted
    cell as one) its grade id, made valid and unique, where the notebook's format asks for
    ids (4.5 and later). nbformat would add a random id and warn, and says it will refuse
    such a notebook in a future version."""
    if (nb.get("nbformat", 0), nb.get("nbformat_minor", 0)) < (4, 5):
        return
    cells = [cell for cell in nb.get("cells", []) if isinstance(cell, dict)]
    taken = {cell.get("id") for cell in cells}
    for cell in cells:
        if "id" in cell:
            continue
        base = _INVALID_ID_CHARACTERS.sub("-", grade_id(cell) or "")[:58] or "restored"
        new, count = base, 1
        while new in taken:
            count += 1
            new = f"{base}-{count}"
        cell["id"] = new
        taken.add(new)


def restores_deleted_cells(config: Mapping) -> bool:
    """``c.OverwriteCells.add_missing_cells`` when the course sets it, else True (nngrade's
    default: a deleted test cell is restored and run; nbgrader leaves it ungraded)."""
    section = config.get("OverwriteCells", None) or {}
    return bool(section["add_missing_cells"]) if "add_missing_cells" in section else True


def read_notebook(course: Course, assignment: str, notebook: Notebook,
                  student: str, others: Iterable[Notebook] = ()) -> NotebookNode:
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
        if not others:  # the rare refusal: look the other notebooks up now
            try:
                others = course.assignment(assignment).notebooks
            except ValueError:
                others = ()
        raise InvalidSubmission(wrong_notebook(assignment, notebook, ids, others))
    return nb


def wrong_notebook(assignment: str, notebook: Notebook, ids: set[str],
                   others: Iterable[Notebook] = ()) -> str:
    """Why a file holding none of ``notebook``'s cells (its grade_ids ``ids``) is refused,
    naming the notebook of this assignment its cells belong to, if any."""
    found = ", ".join(sorted(ids)[:4]) or "no graded cells"
    text = (f"notebook from another notebook or assignment: none of {assignment}/"
            f"{notebook.file}'s cells are in it (it has {found})")
    matches = sorted((len(ids & other.own_ids), other.file) for other in others
                     if other.name != notebook.name and ids & other.own_ids)
    if matches:
        text += f"; its cells are {assignment}/{matches[-1][1]}'s"
    return text


def apply_nbgrader(course: Course, assignment: str, notebook: str, student: str,
                   nb: NotebookNode) -> tuple[NotebookNode, list[str]]:
    """nbgrader's sanitizing preprocessors; returns the notebook and their warnings."""
    config = Config(course.config)
    config.OverwriteCells.add_missing_cells = restores_deleted_cells(course.config)
    capture = LogCapture()
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
