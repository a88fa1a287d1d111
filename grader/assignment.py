"""The assignment model: what an nbgrader assignment is made of, read from a notebook or
from the gradebook. Every part of the grader asks this module, never the metadata itself.

nbgrader's cell kinds (``metadata.nbgrader``), as :func:`kind` names them:

- ``autograded``: a code cell with ``grade`` and no ``solution``: its tests (``assert``s,
  ``check_call``...) score it when it runs without an error;
- ``manual``: a cell with ``grade`` and ``solution``: the student's answer (markdown or
  code), scored by hand (0 when left unchanged);
- ``task``: a markdown ``task`` cell, scored by hand;
- ``solution``: an ungraded cell the student fills in (an exercise's function);
- ``locked``: any other cell nbgrader restores from the source when it was edited;
- ``plain``: no nbgrader metadata.

This course adds two conventions on top (other courses need neither): an *exercise* is a
solution cell whose ``grade_id`` is a function's name, checked by the test cells
``test_<name>`` and ``test_<name>_<what>``; a *setup* cell is a locked, ungraded code cell
whose ``grade_id`` starts with ``setup``. A test cell that belongs to no exercise is its own
exercise (its grade_id). Hidden tests sit between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS`` in any test cell, or between the course's own
``c.ClearHiddenTests.begin_test_delimeter`` / ``end_test_delimeter`` (nbgrader's spelling):
:func:`hidden_markers` reads them, and every function here that parses hidden regions takes
them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nbformat import NotebookNode

AUTOGRADED, MANUAL, TASK, SOLUTION, LOCKED, PLAIN = (
    "autograded", "manual", "task", "solution", "locked", "plain")
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"  # nbgrader's defaults
MIN_HIDDEN_LINE = 6  # shorter hidden lines ("pass", "x = 1") are too common to redact


# -- one cell --------------------------------------------------------------------------
def grade_meta(cell: NotebookNode | dict) -> dict:
    """The cell's nbgrader metadata, or an empty dict."""
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    nbgrader = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return nbgrader if isinstance(nbgrader, dict) else {}


def grade_id(cell: NotebookNode | dict) -> str:
    """The cell's ``grade_id`` ('' when it has none)."""
    return str(grade_meta(cell).get("grade_id") or "")


def kind(cell: NotebookNode | dict) -> str:
    """One of AUTOGRADED, MANUAL, TASK, SOLUTION, LOCKED, PLAIN (see the module docstring)."""
    meta = grade_meta(cell)
    if meta.get("task"):
        return TASK
    if meta.get("grade"):
        return MANUAL if meta.get("solution") else AUTOGRADED
    if meta.get("solution"):
        return SOLUTION
    return LOCKED if meta.get("locked") else PLAIN


def is_test(cell: NotebookNode | dict) -> bool:
    """An automatically graded test cell (code, ``grade``, no ``solution``)."""
    return cell.get("cell_type") == "code" and kind(cell) == AUTOGRADED


def is_locked(cell: NotebookNode | dict) -> bool:
    """nbgrader's ``utils.is_locked``: a solution cell never is, a grade cell always is,
    any other cell when its ``locked`` flag is set."""
    meta = grade_meta(cell)
    if meta.get("solution"):
        return False
    return bool(meta.get("grade") or meta.get("locked"))


def is_student_cell(cell: NotebookNode | dict) -> bool:
    """A code cell the student could edit: not locked (nbgrader's sense), not a test."""
    return cell.get("cell_type") == "code" and not is_locked(cell) and not is_test(cell)


def is_setup(cell: NotebookNode | dict) -> bool:
    """This course's locked, ungraded setup cell (``grade_id`` ``setup*``)."""
    return (cell.get("cell_type") == "code" and kind(cell) == LOCKED
            and grade_id(cell).startswith("setup"))


def source_text(cell: NotebookNode | dict) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


# -- hidden tests ----------------------------------------------------------------------
@dataclass(frozen=True)
class HiddenMarkers:
    """The text that opens and closes a hidden-test region (nbgrader's
    ``ClearHiddenTests.begin_test_delimeter`` / ``end_test_delimeter``)."""

    begin: str = HIDDEN_BEGIN
    end: str = HIDDEN_END


DEFAULT_MARKERS = HiddenMarkers()


def hidden_markers(config: Mapping | None) -> HiddenMarkers:
    """The course's hidden-test markers from its nbgrader configuration (defaults when it
    sets none)."""
    section = (config or {}).get("ClearHiddenTests", None) or {}
    return HiddenMarkers(str(section.get("begin_test_delimeter") or HIDDEN_BEGIN),
                         str(section.get("end_test_delimeter") or HIDDEN_END))


def scan_hidden(source: str, markers: HiddenMarkers = DEFAULT_MARKERS
                ) -> Iterator[tuple[str, str]]:
    """The one parser of hidden regions: (line, role) for each line of ``source``, role
    "begin" or "end" for a marker line (as nbgrader finds them: the text anywhere in the
    line), "hidden" inside a region, "public" outside."""
    inside = False
    for line in source.splitlines():
        if markers.begin in line:
            inside = True
            yield line, "begin"
        elif markers.end in line:
            inside = False
            yield line, "end"
        else:
            yield line, "hidden" if inside else "public"


def without_hidden(source: str, markers: HiddenMarkers = DEFAULT_MARKERS) -> str:
    """The source as released: hidden-test regions (and their markers) removed."""
    return "\n".join(line for line, role in scan_hidden(source, markers) if role == "public")


def has_hidden(source: str, markers: HiddenMarkers = DEFAULT_MARKERS) -> bool:
    return markers.begin in source


def is_hidden_test(cell: NotebookNode | dict, markers: HiddenMarkers = DEFAULT_MARKERS) -> bool:
    """A test cell the student does not see: this course's ``test_<name>_hidden`` (empty in
    the release), or a test that is nothing but a hidden region."""
    source = source_text(cell)
    return is_test(cell) and (grade_id(cell).endswith("_hidden") or (
        has_hidden(source, markers) and not without_hidden(source, markers).strip()))


def hidden_lines(nb: NotebookNode, markers: HiddenMarkers = DEFAULT_MARKERS
                 ) -> tuple[set[int], list[str]]:
    """Indices of cells with hidden tests, and the hidden lines (longest first) that do
    not also appear outside the hidden regions (those are public anyway)."""
    cells, lines, public = set(), set(), set()
    for index, cell in enumerate(nb.cells):
        for line, role in scan_hidden(source_text(cell), markers):
            if role == "begin":
                cells.add(index)
            elif role == "hidden" and len(line.strip()) >= MIN_HIDDEN_LINE:
                lines.add(line.strip())
            elif role == "public":
                public.add(line.strip())
    return cells, sorted(lines - public, key=len, reverse=True)


# -- exercises -------------------------------------------------------------------------
def exercise_of(test_id: str, solutions: Iterable[str]) -> str:
    """The exercise a grade cell belongs to: the longest ``<name>`` among ``solutions``
    with ``test_id`` == ``test_<name>`` or ``test_<name>_*``; else the cell itself."""
    owners = [n for n in solutions if test_id == f"test_{n}" or test_id.startswith(f"test_{n}_")]
    return max(owners, key=len) if owners else test_id


@dataclass
class Exercise:
    """One graded function: its solution cell and its test cells."""

    name: str
    solution: NotebookNode
    tests: list[NotebookNode] = field(default_factory=list)


def setup_cells(nb: NotebookNode) -> list[NotebookNode]:
    """This course's setup cells, in order."""
    return [c for c in nb.cells if is_setup(c)]


def exercises(nb: NotebookNode) -> dict[str, Exercise]:
    """Exercises by name, in notebook order, each with its test cells."""
    found = {grade_id(c): Exercise(grade_id(c), c) for c in nb.cells
             if c.cell_type == "code" and kind(c) == SOLUTION and grade_id(c)}
    for cell in nb.cells:
        if is_test(cell):
            owner = exercise_of(grade_id(cell), found)
            if owner in found:
                found[owner].tests.append(cell)
    return found


# -- locked cells ----------------------------------------------------------------------
def squash(source: str) -> str:
    """The source without any whitespace (edits that only reformat do not count)."""
    return "".join(source.split())


def edited_by_checksum(nb: NotebookNode) -> list[str]:
    """Locked cells of a *released* notebook whose checksum no longer matches."""
    from nbgrader.utils import compute_checksum

    edited = []
    for cell in nb.cells:
        meta = grade_meta(cell)
        if meta.get("locked") and meta.get("checksum") and not meta.get("solution"):
            if compute_checksum(cell) != meta["checksum"]:
                edited.append(meta.get("grade_id", cell.get("id", "?")))
    return edited


# -- the gradebook's view --------------------------------------------------------------
@dataclass
class GradeCell:
    """A cell that earns points."""

    name: str
    points: float
    kind: str  # AUTOGRADED, MANUAL or TASK
    exercise: str  # the column it is summed into

    @property
    def automatic(self) -> bool:
        return self.kind == AUTOGRADED


@dataclass
class Notebook:
    """One notebook of an assignment, as nbgrader recorded it from the source."""

    name: str  # nbgrader's notebook id: the file name without .ipynb
    grade_cells: dict[str, GradeCell] = field(default_factory=dict)  # in notebook order
    solutions: list[str] = field(default_factory=list)
    locked: dict[str, tuple[str, str]] = field(default_factory=dict)  # released, full
    setup_sources: list[str] = field(default_factory=list)
    demonstrations: dict[str, str] = field(default_factory=dict)  # id -> squashed source

    @property
    def file(self) -> str:
        return f"{self.name}.ipynb"

    @property
    def own_ids(self) -> set[str]:
        """grade_ids that identify a submission of this notebook."""
        return set(self.grade_cells) | set(self.solutions)

    def max_auto(self) -> float:
        return float(sum(c.points for c in self.grade_cells.values() if c.automatic))

    def edited_locked(self, cells: Iterable[tuple[str, str]]) -> list[str]:
        """Notes for (grade_id, source) pairs of a submission whose locked text differs from
        both the release and the full source (whitespace aside)."""
        notes = []
        for name, source in cells:
            if name in self.locked and squash(source) not in self.locked[name]:
                notes.append(f"{name} was edited; restored from the gradebook")
        return notes


@dataclass
class Assignment:
    """An assignment: its notebooks in order, as the gradebook knows them."""

    name: str
    notebooks: list[Notebook] = field(default_factory=list)

    def notebook(self, name: str) -> Notebook:
        for nb in self.notebooks:
            if nb.name == name:
                return nb
        raise KeyError(name)

    @property
    def setup_sources(self) -> list[str]:
        return [s for nb in self.notebooks for s in nb.setup_sources]

    def columns(self) -> list[tuple[str, list[tuple[str, GradeCell]]]]:
        """Export columns in notebook order: (column, [(notebook, cell)...]). A column is
        an exercise (its test cells summed) or a manually graded cell; a name used in more
        than one notebook is prefixed with its notebook (``quiz:q1``), one that is also a
        fixed column of the export (:data:`FIXED_COLUMNS`) with ``cell:`` (``cell:total``)."""
        owners: dict[str, set[str]] = {}
        for nb in self.notebooks:
            for cell in nb.grade_cells.values():
                owners.setdefault(cell.exercise, set()).add(nb.name)
        cols: dict[str, list[tuple[str, GradeCell]]] = {}
        for nb in self.notebooks:
            for cell in nb.grade_cells.values():
                col = cell.exercise if len(owners[cell.exercise]) == 1 \
                    else f"{nb.name}:{cell.exercise}"
                if col in FIXED_COLUMNS:
                    col = f"cell:{col}"
                cols.setdefault(col, []).append((nb.name, cell))
        return list(cols.items())


FIXED_COLUMNS = ("student", "total", "max_total", "status", "reason")  # the export's own


def from_gradebook(gb, assignment: str, order: dict[str, list[str]] | None = None,
                   markers: HiddenMarkers = DEFAULT_MARKERS) -> Assignment:
    """The assignment as recorded in nbgrader's gradebook ``gb``; ``order`` gives each
    notebook's grade_ids in notebook order (the gradebook keeps no order); ``markers`` are
    the course's hidden-test markers."""
    row = gb.find_assignment(assignment)
    model = Assignment(assignment)
    for nb in sorted(row.notebooks, key=lambda n: n.name):
        graded = {c.name for c in nb.grade_cells} | {c.name for c in nb.task_cells}
        solution_ids = {c.name for c in nb.solution_cells}
        solutions = sorted(solution_ids - graded)
        cells = [(c.name, float(c.max_score), MANUAL if c.name in solution_ids
                  else AUTOGRADED) for c in nb.grade_cells]
        cells += [(c.name, float(c.max_score), TASK) for c in nb.task_cells]
        rank = {g: i for i, g in enumerate((order or {}).get(nb.name, []))}
        cells.sort(key=lambda c: (rank.get(c[0], len(rank)), c[0]))
        setup = sorted((c for c in nb.source_cells if c.cell_type == "code" and c.locked
                        and c.name not in graded | solution_ids and c.name.startswith("setup")),
                       key=lambda c: (rank.get(c.name, len(rank)), c.name))
        model.notebooks.append(Notebook(
            nb.name,
            {name: GradeCell(name, points, k, exercise_of(name, solutions) if k == AUTOGRADED
                             else name) for name, points, k in cells},
            solutions,
            {c.name: (squash(without_hidden(c.source, markers)), squash(c.source))
             for c in nb.source_cells if c.locked},
            [c.source for c in setup]))
    return model


def from_source(assignment: str, folder: Path, markers: HiddenMarkers = DEFAULT_MARKERS
                ) -> Assignment:
    """The assignment read from its source notebooks (``source/<assignment>/*.ipynb``), for
    an assignment the gradebook does not know yet; unreadable notebooks are left out."""
    import nbformat

    model = Assignment(assignment)
    for path in sorted(Path(folder).glob("*.ipynb")):
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception:  # noqa: BLE001 - nbgrader would refuse it too
            continue
        solutions = [grade_id(c) for c in nb.cells if kind(c) == SOLUTION and grade_id(c)]
        grade_cells = {}
        for cell in nb.cells:
            k = kind(cell)
            if k in (AUTOGRADED, MANUAL, TASK) and grade_id(cell):
                name = grade_id(cell)
                grade_cells[name] = GradeCell(
                    name, float(grade_meta(cell).get("points") or 0), k,
                    exercise_of(name, solutions) if k == AUTOGRADED else name)
        locked = {grade_id(c): (squash(without_hidden(source_text(c), markers)),
                                squash(source_text(c)))
                  for c in nb.cells if is_locked(c) and grade_id(c)}
        model.notebooks.append(Notebook(path.stem, grade_cells, sorted(solutions), locked,
                                        [source_text(c) for c in setup_cells(nb)]))
    return model


def cell_order(path: Path) -> list[str]:
    """The grade_ids of a notebook file in order ([] when it cannot be read)."""
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - order is cosmetic
        return []
    return [grade_id(c) for c in nb.cells if grade_id(c)]
