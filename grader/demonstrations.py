"""Demonstration cells: code cells a course marks as not needed for grading.

A lesson's slow cells are often demonstrations (train a model, time it, plot it) that no
test depends on. A course marks such a cell in its source notebook with the cell metadata
``{"nngrade": {"demonstration": true}}``; ``nngrade autograde`` then does not run it when
the student's copy is unchanged from the source (whitespace aside), and puts a one-line
note in its place. A demonstration the student edited runs, as nbgrader would run it.

Marks are only taken from the course's source notebook (a submission cannot mark cells),
and :func:`problems` checks what skipping relies on: a marked cell is neither a solution,
a test nor a setup cell, reads no name a solution cell defines (so it runs nothing a
student wrote) unless no test cell follows it (then nothing it does can reach a grade),
and defines no name that a later unmarked cell reads. What a name check
cannot see (a demonstration that changes global state a test relies on, such as a random
seed or a Keras policy) is the course's promise; the course's own grading tests compare
nngrade's scores with ``nbgrader autograde``'s.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from nbformat import NotebookNode

from grader.assignment import (
    LOCKED,
    MANUAL,
    PLAIN,
    SOLUTION,
    grade_id,
    is_setup,
    is_test,
    kind,
    source_text,
    squash,
)

NOT_RUN = ("nngrade: a demonstration cell, unchanged from the course's version; not run at "
           "grading (no test depends on it)\n")


def is_marked(cell: NotebookNode | dict) -> bool:
    """Whether the source notebook marks ``cell`` as a demonstration."""
    meta = (cell.get("metadata") or {}).get("nngrade") or {}
    return cell.get("cell_type") == "code" and meta.get("demonstration") is True


def _can_be_left_out(cell: NotebookNode | dict) -> bool:
    """A plain (or locked) code cell that is not a setup cell."""
    return (cell.get("cell_type") == "code" and kind(cell) in (PLAIN, LOCKED)
            and not is_setup(cell))


def marked(nb: NotebookNode) -> dict[str, str]:
    """The marked cells of a source notebook: cell id -> its text, whitespace squashed."""
    return {cell["id"]: squash(source_text(cell)) for cell in nb.cells
            if is_marked(cell) and cell.get("id")}


def not_run(nb: NotebookNode, demonstrations: dict[str, str]) -> list[int]:
    """Indices of the cells of a sanitized submission to leave out: cells whose id the
    source marks, that are still plain (or locked) code cells, with the source's text."""
    out = []
    for index, cell in enumerate(nb.cells):
        expected = demonstrations.get(cell.get("id") or "")
        if (expected is not None and _can_be_left_out(cell)
                and squash(source_text(cell)) == expected):
            out.append(index)
    return out


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


class _Names(ast.NodeVisitor):
    """The names a cell binds at its top level, and those it reads before binding them
    (in evaluation order; the bodies of its functions, classes and comprehensions read
    the names they do not bind themselves)."""

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.reads: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            if node.id not in self.bound:
                self.reads.add(node.id)
        else:
            self.bound.add(node.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name) and node.target.id not in self.bound:
            self.reads.add(node.target.id)
        self.visit(node.target)

    def visit_For(self, node: ast.For) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for child in (*node.body, *node.orelse):
            self.visit(child)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        self.bound.update((a.asname or a.name).split(".")[0] for a in node.names)

    visit_ImportFrom = visit_Import

    def visit_Global(self, node: ast.Global) -> None:
        self.bound.update(node.names)

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, _SCOPES):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.bound.add(node.name)
            inner = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                     and not isinstance(n.ctx, ast.Load)}
            inner |= {a.arg for n in ast.walk(node) if isinstance(n, ast.arguments)
                      for a in (*n.posonlyargs, *n.args, *n.kwonlyargs,
                                *(x for x in (n.vararg, n.kwarg) if x))}
            self.reads |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                           and isinstance(n.ctx, ast.Load)} - inner - self.bound
            return
        super().generic_visit(node)


def _names(tree: ast.AST) -> _Names:
    names = _Names()
    names.visit(tree)
    return names


def _parse(cell: NotebookNode | dict) -> ast.AST | None:
    try:
        return ast.parse(source_text(cell))
    except SyntaxError:
        return None


def problems(nb: NotebookNode) -> list[str]:
    """Why marking a cell of this source notebook would be unsafe ([] when none is)."""
    cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    trees = [_parse(c) for c in cells]
    student = set().union(*(_names(t).bound for c, t in zip(cells, trees, strict=True)
                            if t is not None and kind(c) in (SOLUTION, MANUAL)))
    last_test = max((i for i, c in enumerate(cells) if is_test(c)), default=-1)
    found = []
    for i, (cell, tree) in enumerate(zip(cells, trees, strict=True)):
        if not is_marked(cell):
            continue
        name = cell.get("id") or f"code cell {i + 1}"
        if not _can_be_left_out(cell):
            found.append(f"{name}: only plain code cells can be demonstrations, not "
                         f"{'a setup' if is_setup(cell) else kind(cell).lower()} cells")
            continue
        if tree is None:
            found.append(f"{name}: does not parse")
            continue
        names = _names(tree)
        runs = sorted(names.reads & student)
        if runs and i < last_test:
            found.append(f"{name}: uses {', '.join(runs)}, which a solution cell defines")
        later = _later_readers(names.bound, cells[i + 1:], trees[i + 1:])
        if later:
            found.append(f"{name}: defines {', '.join(sorted(later))}, which "
                         f"{', '.join(sorted(set(later.values())))} read")
    return found


def _later_readers(names: set[str], cells: Iterable, trees: Iterable) -> dict[str, str]:
    out: dict[str, str] = {}
    for cell, tree in zip(cells, trees, strict=True):
        if is_marked(cell) or tree is None:
            continue
        seen = _names(tree)
        for name in sorted(seen.reads & names):
            out.setdefault(name, grade_id(cell) or cell.get("id") or "a later cell")
        names = names - seen.bound  # rebound: later cells read the new value
    return out
