"""Build ``lessons/`` from ``solutions/`` with nbgrader, or check that it is in sync."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from pathlib import Path

from nbgrader.converters import GenerateAssignment
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config

from grader import LESSONS, ROOT, SOLUTIONS, lesson_ids


def build(lessons: list[str] | None = None, *, into: Path = LESSONS, root: Path = ROOT,
          source: Path = SOLUTIONS) -> list[Path]:
    """Generate the student version of each lesson into ``into/<lesson>/``.

    Solutions become stubs, hidden tests are removed, outputs cleared; cell ids are kept.
    Nothing is recorded in a gradebook. Returns the written notebooks.
    """
    lessons = lessons or lesson_ids(source)
    unknown = sorted(set(lessons) - set(lesson_ids(source)))
    if unknown:
        raise ValueError(f"no such lesson in {source}: {', '.join(unknown)}")
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.source_directory = str(source)
    config.CourseDirectory.release_directory = str(into)
    config.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".DS_Store"]
    config.SaveCells.enabled = False  # nothing is recorded in a gradebook
    config.GenerateAssignment.no_database = True
    config.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    coursedir = CourseDirectory(config=config)
    for lesson in lessons:
        coursedir.assignment_id = lesson
        app = GenerateAssignment(coursedir=coursedir, config=config)
        app.log.setLevel(logging.ERROR)
        app.force = True
        app.start()
    return sorted(p for lesson in lessons for p in (into / lesson).glob("*.ipynb"))


def differences(lessons: list[str] | None = None) -> list[str]:
    """Lines naming each file of ``lessons/`` that differs from a fresh build."""
    lessons = lessons or lesson_ids(SOLUTIONS)
    with tempfile.TemporaryDirectory(prefix="nngrade-release-") as tmp:
        fresh = Path(tmp) / "lessons"
        build(lessons, into=fresh)
        problems = []
        for lesson in lessons:
            want = _files(fresh / lesson)
            have = _files(LESSONS / lesson)
            for name in sorted(want.keys() - have.keys()):
                problems.append(f"lessons/{lesson}/{name}: missing (run `nngrade release`)")
            for name in sorted(have.keys() - want.keys()):
                problems.append(f"lessons/{lesson}/{name}: not in the build from solutions/")
            for name in sorted(want.keys() & have.keys()):
                if not _same_file(want[name], have[name]):
                    problems.append(f"lessons/{lesson}/{name}: differs from what "
                                    f"solutions/{lesson} builds (run `nngrade release {lesson}`)")
        released = set(lesson_ids(LESSONS)) if LESSONS.exists() else set()
        extra = sorted(released - set(lesson_ids(SOLUTIONS)))
        problems += [f"lessons/{name}: no such lesson in solutions/" for name in extra]
        return problems


def _files(folder: Path) -> dict[str, Path]:
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): p
        for p in folder.rglob("*")
        if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts
    }


def _same_file(a: Path, b: Path) -> bool:
    if a.suffix == ".ipynb":
        try:
            return json.loads(a.read_text()) == json.loads(b.read_text())
        except json.JSONDecodeError:
            return False
    return a.read_bytes() == b.read_bytes()


def clean(lessons: list[str]) -> None:
    """Remove released lessons so that a build starts from nothing."""
    for lesson in lessons:
        shutil.rmtree(LESSONS / lesson, ignore_errors=True)
