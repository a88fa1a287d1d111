"""Answers taken from the course's own reference package score 0 (or go to the instructor).

This course ships every numpy exercise's answer to every student (``nncourse.reference``),
so that later lessons can build on earlier ones. Grading closes that hole in two steps,
both in the grader process (:class:`ReferenceCheck` runs them as ``grader.autograde``
hooks):

- :func:`instrument`, on the sanitized notebook before execution, inserts before each
  exercise's first test cell a locked, ungraded *probe* cell (and before a later test cell
  when a student cell between could rebind the name). In the kernel, the probe
  (:mod:`grader.provenance_probe`) judges the object bound to the exercise's name and
  prints one line tagged with a random token: ``imported``, ``same code``, ``wrapper``,
  ``copy`` or ``none``.
- :func:`apply`, on the executed notebook before grades are recorded, removes the probe
  cells and reads their verdicts (only lines with the token count). Every test cell of an
  imported / same-code / wrapper exercise gets a ``ReferenceAnswer`` error output, so
  nbgrader scores it 0, and a note says why. A copy is flagged ``needs_manual_grade`` with
  a note, not zeroed: a solution whose ``def`` in the *submitted* source has the syntax
  tree of a reference of at least ``COPY_MIN_STATEMENTS`` statements (docstrings,
  comments, formatting, annotations and local names ignored; :mod:`grader.provenance_copy`),
  or whose compiled code is a reference's (the probe's ``copy``).

Calling the course's *other* functions is fine (lesson 05 may use the reference sigmoid):
only the exercise's own reference counts. What the probe cannot see: names built at run time
(``getattr(m, "sig" + "moid")``, ``eval`` of a string) and a kernel tampered with so that
the probe cell itself is rewritten; the executor's canaries guard the tests, not the probe.

The packages are ``ReferenceAnswers.packages`` in ``nbgrader_config.py`` (an empty list
turns the check off)::

    c.ReferenceAnswers.packages = ["nncourse.reference", "mycourse.answers"]
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
import inspect
import json
import pkgutil
import secrets
import textwrap
import zlib
from dataclasses import dataclass
from functools import lru_cache

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_output
from traitlets import List, Unicode
from traitlets.config import Configurable

from grader import provenance_probe
from grader.assignment import exercises, grade_id, is_student_cell, source_text
from grader.provenance_copy import COPY_MIN_STATEMENTS, copied_reference
from grader.provenance_copy import normalized as _normalized  # noqa: F401 - older imports
from grader.provenance_copy import reference_def as _reference_def
from grader.provenance_copy import statements as _statements

DEFAULT_PACKAGES = ("nncourse.reference",)
TAG = "nngrade-provenance"  # probe cells' grade_id prefix and their output lines' tag
MARKER = f"# {TAG}:"  # a probe cell's first line (found even if metadata was cleared)
ZEROED = ("imported", "same code", "wrapper")
ENAME = "ReferenceAnswer"


class ReferenceAnswers(Configurable):
    """Where the course's reference answers live (``c.ReferenceAnswers.packages``)."""

    packages = List(Unicode(), default_value=list(DEFAULT_PACKAGES),
                    help="Packages (with their submodules) holding the course's reference "
                         "answers; an exercise's reference is the function of the same "
                         "name defined in one of them.").tag(config=True)


def configured_packages(config=None) -> tuple[str, ...]:
    """The packages named by ``c.ReferenceAnswers.packages`` (default: nncourse.reference)."""
    return tuple(ReferenceAnswers(config=config).packages)


@dataclass(frozen=True)
class Reference:
    """One reference function: ``module.attr``."""

    module: str
    attr: str

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.attr}"


@lru_cache(maxsize=8)
def references(packages: tuple[str, ...] = DEFAULT_PACKAGES) -> dict[str, tuple[Reference, ...]]:
    """{function name: its definitions} in ``packages`` and their submodules, imported here.

    A package that does not import here contributes nothing (its probe still recognises the
    package's functions by their ``__module__``)."""
    found: dict[str, list[Reference]] = {}
    for package in packages:
        try:
            root = importlib.import_module(package)
        except Exception:  # noqa: BLE001 - a course without that package
            continue
        modules = [root]
        for info in pkgutil.walk_packages(getattr(root, "__path__", []), f"{package}."):
            try:
                modules.append(importlib.import_module(info.name))
            except Exception:  # noqa: BLE001 - a broken submodule is not a reference
                continue
        for module in modules:
            for attr, value in vars(module).items():
                if inspect.isfunction(value) and value.__module__ == module.__name__:
                    found.setdefault(attr, []).append(Reference(module.__name__, attr))
    return {name: tuple(dict.fromkeys(refs)) for name, refs in found.items()}


def _graded_exercises(nb: NotebookNode) -> dict:
    """Exercises (solution cell named like a function, with at least one test cell)."""
    return {name: ex for name, ex in exercises(nb).items()
            if name.isidentifier() and ex.tests}


@lru_cache(maxsize=1)
def _probe_source() -> str:
    """The probe's source, compressed (it travels in every probe cell)."""
    source = ("from __future__ import annotations\n"  # annotations are never evaluated
              + textwrap.dedent(inspect.getsource(provenance_probe.probe)))
    return base64.b64encode(zlib.compress(source.encode(), 9)).decode()


def probe_cell(name: str, token: str, refs: tuple[Reference, ...],
               packages: tuple[str, ...], cell_id: str) -> NotebookNode:
    """The locked, ungraded probe cell for exercise ``name``."""
    long = [r for r in refs if (tree := _reference_def(r)) is not None
            and _statements(tree) >= COPY_MIN_STATEMENTS]
    params = {"name": name, "token": token, "tag": TAG, "packages": list(packages),
              "refs": [f"{r.module}:{r.attr}" for r in refs],
              "long": [f"{r.module}:{r.attr}" for r in long]}
    call = f"probe(__import__('sys')._getframe(1).f_globals, {params!r})"
    source = (f"{MARKER} is `{name}` the course's own answer? (added at grading, removed "
              f"before grades are recorded; grader/provenance.py)\n"
              f"exec(__import__('zlib').decompress(__import__('base64').b64decode("
              f"{_probe_source()!r})).decode() + {call!r}, {{'__name__': {TAG!r}}})\n")
    cell = new_code_cell(source, id=cell_id)
    cell.metadata = NotebookNode({
        "deletable": False, "editable": False,
        "nbgrader": NotebookNode({"grade": False, "solution": False, "locked": True,
                                  "grade_id": cell_id, "schema_version": 3})})
    return cell


def instrument(nb: NotebookNode, token: str,
               packages: tuple[str, ...] = DEFAULT_PACKAGES) -> NotebookNode:
    """A copy of ``nb`` with a probe cell before each exercise's first test cell (and
    before a later test cell when a student cell between could rebind the name)."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # a deep copy, 10x faster
    packages = tuple(packages)
    if not packages:  # c.ReferenceAnswers.packages = []: the check is off
        return nb
    refs = references(packages)
    ids = {c.get("id") for c in nb.cells}
    inserts: list[tuple[int, NotebookNode]] = []
    for name, exercise in _graded_exercises(nb).items():
        tests = {id(c) for c in exercise.tests}
        count, rebindable = 0, False
        for index, cell in enumerate(nb.cells):
            if id(cell) in tests:
                if count == 0 or rebindable:
                    count += 1
                    cell_id = f"{TAG}-{name}" + (f"-{count}" if count > 1 else "")
                    inserts.append((index, probe_cell(name, token, refs.get(name, ()),
                                                      packages, _unique(cell_id[:60], ids))))
                rebindable = False
            elif count and is_student_cell(cell):
                rebindable = True  # a student cell after the probe could rebind the name
    for index, cell in sorted(inserts, key=lambda pair: pair[0], reverse=True):
        nb.cells.insert(index, cell)
    return nb


def _unique(cell_id: str, ids: set) -> str:
    candidate, n = cell_id, 1
    while candidate in ids:
        n += 1
        candidate = f"{cell_id}-{n}"
    ids.add(candidate)
    return candidate


def is_probe(cell: NotebookNode) -> bool:
    return (cell.get("cell_type") == "code"
            and (grade_id(cell).startswith(TAG) or source_text(cell).startswith(MARKER)))


# -- after execution (grader side) ----------------------------------------------------------
def verdicts(nb: NotebookNode, token: str) -> dict[str, dict]:
    """{exercise: its most severe verdict} from the probe cells' token-tagged lines."""
    found: dict[str, dict] = {}
    prefix = f"{TAG} {token} "
    for cell in nb.cells:
        if not is_probe(cell):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") != "stream" or output.get("name") != "stdout":
                continue
            text = output.get("text", "")
            for line in (text if isinstance(text, str) else "".join(text)).splitlines():
                if not line.startswith(prefix):
                    continue
                try:
                    verdict = json.loads(line[len(prefix):])
                    name = str(verdict["name"])
                except (ValueError, KeyError, TypeError):
                    continue
                old = found.get(name)
                if old is None or _severity(verdict) > _severity(old):
                    found[name] = verdict
    return found


def _severity(verdict: dict) -> int:
    order = ("none", "copy", "wrapper", "same code", "imported")
    value = verdict.get("verdict")
    return order.index(value) + 1 if value in order else 0


def _message(name: str, verdict: dict) -> str:
    ref = verdict.get("ref") or "reference"
    how = verdict["verdict"]
    what = {"imported": "is", "same code": "runs the code of",
            "wrapper": "calls"}[how]
    return (f"`{name}` {what} the course's own `{ref}` ({how}): this exercise scores 0; "
            f"answers must be your own")


def apply(executed_nb: NotebookNode, submitted_nb: NotebookNode, token: str,
          packages: tuple[str, ...] = DEFAULT_PACKAGES) -> tuple[list[str], list[str]]:
    """Judge the executed notebook in place; returns (notes, flags).

    Removes the probe cells; every test cell of an exercise judged imported, same code or
    wrapper gets a ``ReferenceAnswer`` error (scores 0 when recorded); an exercise whose
    submitted ``def`` is a verbatim copy of a non-trivial reference has its test cells'
    grade_ids in ``flags`` (for ``needs_manual_grade``). A missing or forged verdict only
    adds a note."""
    packages = tuple(packages)
    found = verdicts(executed_nb, token)
    probed = {name for cell in executed_nb.cells if is_probe(cell)
              for name in [_probe_name(cell)] if name}
    executed_nb.cells = [c for c in executed_nb.cells if not is_probe(c)]
    notes: list[str] = []
    flags: list[str] = []
    refs = references(packages)
    for name, exercise in _graded_exercises(executed_nb).items():
        verdict = found.get(name)
        if verdict is None and name in probed:
            notes.append(f"{name}: the reference-answer check gave no verdict")
        elif verdict is not None and verdict.get("verdict") == "error":
            notes.append(f"{name}: the reference-answer check failed in the kernel "
                         f"({str(verdict.get('error', ''))[:120]})")
        elif verdict is not None and verdict.get("partial"):
            notes.append(f"{name}: the reference-answer check stopped early (the answer "
                         f"reaches too many objects); check it by hand")
        if verdict is not None and verdict.get("verdict") in ZEROED:
            message = _message(name, verdict)
            for cell in exercise.tests:
                cell.outputs = [new_output("error", ename=ENAME, evalue=message,
                                           traceback=[f"{ENAME}: {message}"])]
            notes.append(f"{name}: the course's own {verdict.get('ref') or 'reference'} "
                         f"({verdict['verdict']}); its tests score 0")
            continue
        copied = copied_reference(submitted_nb, name, refs.get(name, ()))
        if copied:
            ref, statements = copied
            flags += [grade_id(c) for c in exercise.tests]
            notes.append(f"{name}: a verbatim copy of the course's {ref.qualified} (same syntax "
                         f"tree, {statements} statements); flagged for manual grading")
        elif verdict is not None and verdict.get("verdict") == "copy":
            flags += [grade_id(c) for c in exercise.tests]
            notes.append(f"{name}: the same compiled code as the course's {verdict.get('ref')} "
                         f"(a copy made at run time or in another file); flagged for manual "
                         f"grading")
    return notes, flags


def _probe_name(cell: NotebookNode) -> str:
    first = source_text(cell).split("\n", 1)[0]
    if "`" in first:
        return first.split("`")[1]
    return ""


# -- the two grading hooks --------------------------------------------------------------------
class ReferenceCheck:
    """:func:`instrument` and :func:`apply` as ``grader.autograde.Hooks``: ``after_sanitize``
    probes the sanitized notebook (one fresh token per notebook), ``before_record`` judges
    the executed one and adds its notes and flags to the result. Never raises: a check that
    breaks leaves the probes out of the record and says so in a note."""

    def __init__(self, packages: tuple[str, ...] = DEFAULT_PACKAGES) -> None:
        self.packages = tuple(packages)
        self._pending: dict[tuple[str, str], tuple[str, str]] = {}  # -> (token, submitted)

    @classmethod
    def from_config(cls, config=None) -> ReferenceCheck:
        return cls(configured_packages(config))

    def after_sanitize(self, task, sanitized):
        """Hook: the sanitized notebook with its probes (unchanged if that fails)."""
        token = secrets.token_hex(16)
        try:
            nb = nbformat.reads(sanitized.source, as_version=4)
            probed = nbformat.writes(instrument(nb, token, self.packages))
        except Exception:  # noqa: BLE001 - unprobed, apply() still checks for copies
            probed = sanitized.source
        self._pending[(task.student, task.notebook.name)] = (token, sanitized.source)
        return dataclasses.replace(sanitized, source=probed)

    def before_record(self, task, result):
        """Hook: the executed notebook without probes, with the verdicts applied."""
        token, submitted = self._pending.pop((task.student, task.notebook.name), ("", ""))
        if not result.ok or not result.source or not submitted:
            return result
        try:
            executed = nbformat.reads(result.source, as_version=4)
        except Exception:  # noqa: BLE001 - not a notebook: recording it reports that
            return result
        try:
            notes, flags = apply(executed, nbformat.reads(submitted, as_version=4), token,
                                 self.packages)
        except Exception as exc:  # noqa: BLE001 - grading goes on without the check
            executed.cells = [c for c in executed.cells if not is_probe(c)]
            notes, flags = [f"the reference-answer check failed: {type(exc).__name__}: "
                            f"{exc}"[:300]], []
        return dataclasses.replace(result, source=nbformat.writes(executed),
                                   notes=[*result.notes, *notes],
                                   flags=[*result.flags, *(f for f in flags
                                                           if f not in result.flags)])


__all__ = ["COPY_MIN_STATEMENTS", "DEFAULT_PACKAGES", "Reference", "ReferenceAnswers",
           "ReferenceCheck", "apply", "configured_packages", "copied_reference", "instrument",
           "is_probe", "references", "verdicts"]
