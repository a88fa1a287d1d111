"""Copies of the student notebooks for tests: untouched (stubs) or solved.

A *solved* copy is the student release with each exercise cell replaced by the instructor's
solution (the ``### BEGIN/END SOLUTION`` marker lines dropped): exactly what a learner who
finished the lesson has. Copies are written under a folder the caller owns, never into
``lessons/``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import nbformat
from nbformat import NotebookNode

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "lessons"
SOLUTIONS = ROOT / "solutions"
_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def lesson_ids() -> list[str]:
    """The lessons released to students (``lessons/NN_slug`` with its notebook), in order."""
    if not LESSONS.is_dir():
        return []
    return sorted(p.name for p in LESSONS.iterdir()
                  if p.is_dir() and p.name[:2].isdigit() and (p / f"{p.name}.ipynb").is_file())


def _nbgrader(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _without_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines()
                     if line.strip() not in _MARKERS).rstrip() + "\n"


def solved(lesson: str) -> NotebookNode:
    """The student notebook of ``lesson`` with every answer cell filled in from solutions/."""
    release = nbformat.read(str(LESSONS / lesson / f"{lesson}.ipynb"), as_version=4)
    source = nbformat.read(str(SOLUTIONS / lesson / f"{lesson}.ipynb"), as_version=4)
    answers = {_nbgrader(c).get("grade_id"): c.source for c in source.cells
               if _nbgrader(c).get("solution")}
    for cell in release.cells:
        meta = _nbgrader(cell)
        if meta.get("solution"):
            if meta["grade_id"] not in answers:
                raise KeyError(f"lessons/{lesson} has answer cell {meta['grade_id']!r}, "
                               f"solutions/{lesson} has not: run `nngrade release {lesson}`")
            cell.source = _without_markers(answers[meta["grade_id"]])
    return release


def copy_lesson(lesson: str, into: Path, *, solve: bool = False) -> Path:
    """Copy ``lessons/<lesson>/`` to ``into/<lesson>/`` (solved if asked); return the notebook."""
    target = into / lesson
    shutil.copytree(LESSONS / lesson, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    notebook = target / f"{lesson}.ipynb"
    if solve:
        nbformat.write(solved(lesson), str(notebook))
    return notebook


def fingerprint(folder: Path) -> dict[str, tuple[int, str]]:
    """``{relative path: (mtime_ns, sha256)}`` of every file under ``folder``."""
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns,
                                          hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.rglob("*")) if p.is_file()}
