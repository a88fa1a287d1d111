"""Build a course's student release from its source folder with nbgrader, or check it.

The course's nbgrader configuration names both folders (this repository's says
``solutions`` -> ``lessons``; nbgrader's defaults are ``source`` -> ``release``) and
configures ``generate_assignment`` (code stubs, ignored files). Nothing is recorded in a
gradebook.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import logging
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbgrader.converters import GenerateAssignment
from nbgrader.coursedir import CourseDirectory

from grader.course import Course
from grader.demonstrations import problems as demonstration_problems


def release_dir(course: Course) -> Path:
    """The course's release folder (the student versions)."""
    return course.root / course.config.CourseDirectory.get("release_directory", "release")


def assignment_ids(folder: Path, ignore: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The assignment folders under ``folder``, sorted, without hidden and ignored ones."""
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir()
                  if p.is_dir() and not p.name.startswith(".")
                  and not any(fnmatch.fnmatch(p.name, pattern) for pattern in ignore))


def assignments(course: Course) -> list[str]:
    """Every assignment of the course's source folder."""
    return assignment_ids(course.source, course.ignore)


def build(course: Course, names: list[str] | None = None, *, into: Path | None = None
          ) -> list[Path]:
    """Generate the student version of each assignment into ``into/<name>/``.

    ``into`` defaults to the course's release folder. Solutions become stubs, hidden tests
    are removed, outputs cleared; cell ids are kept. Returns the written notebooks.
    """
    names = selected(course, names)
    into = release_dir(course) if into is None else into
    config = copy.deepcopy(course.config)
    config.CourseDirectory.root = str(course.root)
    config.CourseDirectory.release_directory = str(into)
    config.SaveCells.enabled = False  # nothing is recorded in a gradebook
    config.GenerateAssignment.no_database = True
    coursedir = CourseDirectory(config=config)
    for name in names:
        coursedir.assignment_id = name
        app = GenerateAssignment(coursedir=coursedir, config=config)
        app.log.setLevel(logging.ERROR)
        app.force = True
        app.start()
    return sorted(p for name in names for p in (into / name).glob("*.ipynb"))


def differences(course: Course, names: list[str] | None = None) -> list[str]:
    """Lines naming each file of the release folder that differs from a fresh build, and
    each unsafe demonstration mark in the source (:mod:`grader.demonstrations`)."""
    names = selected(course, names)
    source, release = shown(course, course.source), shown(course, release_dir(course))
    with tempfile.TemporaryDirectory(prefix="nngrade-release-") as tmp:
        fresh = Path(tmp) / "release"
        build(course, names, into=fresh)
        problems = []
        for name in names:
            want = _files(fresh / name)
            have = _files(release_dir(course) / name)
            for rel in sorted(want.keys() - have.keys()):
                problems.append(f"{release}/{name}/{rel}: missing (run `nngrade release`)")
            for rel in sorted(have.keys() - want.keys()):
                problems.append(f"{release}/{name}/{rel}: not in the build from {source}/")
            for rel in sorted(want.keys() & have.keys()):
                if not _same_file(want[rel], have[rel]):
                    problems.append(f"{release}/{name}/{rel}: differs from what "
                                    f"{source}/{name} builds (run `nngrade release {name}`)")
    for name in names:
        for path in sorted((course.source / name).glob("*.ipynb")):
            problems += [f"{source}/{name}/{path.name}: unsafe demonstration mark, {line} "
                         f"(every cell runs at grading until it is fixed)"
                         for line in demonstration_problems(nbformat.read(str(path), 4))]
    extra = sorted(set(assignment_ids(release_dir(course), course.ignore))
                   - set(assignments(course)))
    problems += [f"{release}/{name}: no such assignment in {source}/" for name in extra]
    return problems


def clean(course: Course, names: list[str]) -> None:
    """Remove released assignments so that a build starts from nothing."""
    for name in names:
        shutil.rmtree(release_dir(course) / name, ignore_errors=True)


def selected(course: Course, names: list[str] | None) -> list[str]:
    """``names`` (default: every assignment), checked against the course's source folder."""
    known = assignments(course)
    if not course.source.is_dir():
        raise FileNotFoundError(f"no source folder {course.source} in the course "
                                f"{course.root} (nbgrader's CourseDirectory.source_directory)")
    unknown = sorted(set(names or ()) - set(known))
    if unknown:
        raise ValueError(f"no such assignment in {course.source}: {', '.join(unknown)}")
    return list(names or known)


def shown(course: Course, folder: Path) -> str:
    """``folder`` relative to the course when it lies inside it, else in full."""
    try:
        return str(folder.relative_to(course.root))
    except ValueError:
        return str(folder)


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
