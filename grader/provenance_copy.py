"""The static half of the reference-answer check: is a student's ``def`` a verbatim copy of
a reference answer?

A solution whose ``def`` in the *submitted* source has the syntax tree of a reference of at
least ``COPY_MIN_STATEMENTS`` statements (docstrings, comments, formatting, annotations,
decorators and local names ignored) is a copy (:func:`copied_reference`); a shorter
reference (``np.maximum(0, z)``) is too easy to write the same way to count.
:mod:`grader.provenance` flags such an exercise for manual grading.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import textwrap
from functools import lru_cache
from typing import TYPE_CHECKING

from nbformat import NotebookNode

from grader.assignment import exercises, is_student_cell, source_text

if TYPE_CHECKING:
    from grader.provenance import Reference

COPY_MIN_STATEMENTS = 4  # a reference shorter than this is too easy to write the same way


def copied_reference(nb: NotebookNode, name: str, refs: tuple[Reference, ...]
                     ) -> tuple[Reference, int] | None:
    """(the reference, its statement count) when the student's last ``def name`` before the
    exercise's tests has the syntax tree of a reference with >= COPY_MIN_STATEMENTS
    statements; else None."""
    long = [(ref, tree) for ref in refs if (tree := reference_def(ref)) is not None
            and statements(tree) >= COPY_MIN_STATEMENTS]
    student = _student_def(nb, name) if long else None
    if student is None:
        return None
    mine = normalized(student)
    for ref, tree in long:
        if _reference_normalized(ref) == mine:
            return ref, statements(tree)
    return None


@lru_cache(maxsize=256)
def _reference_normalized(ref: Reference) -> str:
    return normalized(reference_def(ref))


def _student_def(nb: NotebookNode, name: str) -> ast.FunctionDef | None:
    """The student's last ``def name`` before the exercise's first test cell."""
    exercise = exercises(nb).get(name)
    if exercise is None or not exercise.tests:
        return None
    first_test = next(i for i, c in enumerate(nb.cells) if c is exercise.tests[0])
    found = None
    for cell in nb.cells[:first_test]:
        if not is_student_cell(cell):
            continue
        tree = _parse_cell(source_text(cell))
        for node in tree.body if tree else ():
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                found = node
    return found


@lru_cache(maxsize=1024)
def _parse_cell(source: str) -> ast.Module | None:
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - plain Python then
        pass
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


@lru_cache(maxsize=256)
def reference_def(ref: Reference) -> ast.FunctionDef | None:
    """The syntax tree of a reference's ``def`` (None without source)."""
    try:
        func = getattr(importlib.import_module(ref.module), ref.attr)
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except Exception:  # noqa: BLE001 - no source, no copy check
        return None
    node = tree.body[0] if tree.body else None
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _body(node) -> list[ast.stmt]:
    body = list(node.body)
    if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        body = body[1:]
    return body


def statements(node) -> int:
    """Statements in a function's body (nested ones included, docstrings not)."""
    return sum(1 for stmt in _body(node) for sub in ast.walk(stmt) if isinstance(sub, ast.stmt)
               and not _is_docstring(sub))


def _is_docstring(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


def normalized(node) -> str:
    """The def's tree without name, docstrings, annotations, decorators; locals renamed."""
    node = copy.deepcopy(node)
    local: dict[str, str] = {}
    for sub in ast.walk(node):
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if not isinstance(sub, ast.Lambda):
                sub.name, sub.decorator_list, sub.returns = "_", [], None
                sub.body = [s for s in sub.body if not _is_docstring(s)] or [ast.Pass()]
            for arg in (*sub.args.posonlyargs, *sub.args.args, *sub.args.kwonlyargs,
                        sub.args.vararg, sub.args.kwarg):
                if arg is not None:
                    arg.annotation = None
                    arg.arg = local.setdefault(arg.arg, f"_v{len(local)}")
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            local.setdefault(sub.id, f"_v{len(local)}")
        elif isinstance(sub, ast.AnnAssign):
            sub.annotation = ast.Constant(None)
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in local:
            sub.id = local[sub.id]
    return ast.dump(node, annotate_fields=False, include_attributes=False)


__all__ = ["COPY_MIN_STATEMENTS", "copied_reference", "normalized", "reference_def",
           "statements"]
