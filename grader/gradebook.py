"""The course on nbgrader's own layout and gradebook, as the grader process sees it.

Only the grader process touches the gradebook: it sanitizes a submission with nbgrader's
own preprocessors (``ClearOutput``, ``DeduplicateIds``, ``OverwriteKernelspec``,
``OverwriteCells`` -- which restores edited and deleted locked cells from the gradebook --
and ``CheckCellMetadata``), ships the result to a worker, and records what comes back with
``SaveAutoGrades``, ``AssignLatePenalties`` and ``CheckCellMetadata``, as ``nbgrader
autograde`` does. A submission that fails is removed from the gradebook (or, when an
instructor already graded parts of it by hand, its automatic scores are cleared and every
graded cell is flagged), so no partial score is left that looks like a grade.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    IgnorePattern,
    LimitOutput,
    OverwriteCells,
    OverwriteKernelspec,
    SaveAutoGrades,
)
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from grader import ROOT

MAX_FILES_BYTES = 50 * 1024 * 1024
JOURNAL_DIR = ".nngrade"


class InvalidSubmission(Exception):
    """The submission cannot be graded at all (the message says why)."""


@dataclass
class Course:
    """An nbgrader course directory and its gradebook."""

    root: Path
    db_url: str
    config: Config = field(default_factory=Config)

    @classmethod
    def open(cls, root: str | Path | None = None, db_url: str | None = None) -> Course:
        """The course at ``root`` (default: the current folder if it has an
        ``nbgrader_config.py``, else the repository), with its nbgrader configuration."""
        if root is None:
            here = Path.cwd()
            root = here if (here / "nbgrader_config.py").exists() else ROOT
        root = Path(root).resolve()
        config = Config()
        cfg_file = root / "nbgrader_config.py"
        if cfg_file.exists():
            config.merge(PyFileConfigLoader(cfg_file.name, str(root)).load_config())
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.setdefault("source_directory", "source")
        db_url = db_url or config.CourseDirectory.get("db_url") or f"sqlite:///{root}/gradebook.db"
        db_url = sqlalchemy_url(db_url)
        config.CourseDirectory.db_url = db_url
        return cls(root, db_url, config)

    def _dir(self, name: str, default: str) -> Path:
        return self.root / self.config.CourseDirectory.get(f"{name}_directory", default)

    @property
    def source(self) -> Path:
        return self._dir("source", "source")

    @property
    def submitted(self) -> Path:
        return self._dir("submitted", "submitted")

    @property
    def autograded(self) -> Path:
        return self._dir("autograded", "autograded")

    @property
    def feedback(self) -> Path:
        return self._dir("feedback", "feedback")

    def journal(self, lesson: str) -> Path:
        return self.autograded / JOURNAL_DIR / f"{lesson}.jsonl"

    def submission_dir(self, student: str, lesson: str) -> Path:
        return self.submitted / student / lesson

    def students_submitted(self, lesson: str) -> list[str]:
        if not self.submitted.is_dir():
            return []
        return sorted(p.name for p in self.submitted.iterdir()
                      if (p / lesson).is_dir() and not p.name.startswith("."))

    def sensitive_paths(self) -> list[str]:
        """Host folders a kernel must never see."""
        paths = [self.root, self.source.resolve(), self.submitted.resolve(),
                 self.autograded.resolve(), self.feedback.resolve(), ROOT]
        if self.db_url.startswith("sqlite:///"):
            paths.append(Path(self.db_url[len("sqlite:///"):]).resolve().parent)
        return sorted({str(p) for p in paths if str(p) != "/"})

    def gradebook(self) -> Gradebook:
        """nbgrader's gradebook for this course id, as nbgrader's own converters open it."""
        _alembic_on_path()
        course_id = self.config.CourseDirectory.get("course_id", "")
        gb = Gradebook(self.db_url, course_id)
        if not course_id:  # nbgrader's default id '' has no course row, which PostgreSQL's
            from nbgrader.api import Course as CourseRow  # foreign keys need

            if gb.db.get(CourseRow, "") is None:
                gb.db.add(CourseRow(id=""))
                gb.db.commit()
        return gb


def sqlalchemy_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 to SQLAlchemy 2.1; use psycopg2 when that is what
    is installed (``psycopg2-binary`` comes with the ``instructor`` extra)."""
    if url.startswith(("postgresql://", "postgres://")):
        import importlib.util

        if importlib.util.find_spec("psycopg") is None:
            if importlib.util.find_spec("psycopg2") is None:
                raise ValueError("a PostgreSQL gradebook needs a driver: "
                                 "pip install -e '.[instructor]'")
            return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


def _alembic_on_path() -> None:
    import sys

    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def _quiet(pp):
    pp.log.setLevel(logging.ERROR)
    return pp


def ensure_lesson(course: Course, lesson: str) -> None:
    """Record the lesson in the gradebook from its source, as ``generate_assignment`` does."""
    with course.gradebook() as gb:
        try:
            gb.find_assignment(lesson)
            return
        except MissingEntry:
            pass
    if not (course.source / lesson).is_dir():
        raise ValueError(f"no such lesson in {course.source}: {lesson}")
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    with tempfile.TemporaryDirectory(prefix="nngrade-register-") as tmp:
        config = Config(course.config)
        config.CourseDirectory.release_directory = tmp
        config.CourseDirectory.assignment_id = lesson
        coursedir = CourseDirectory(config=config)
        app = GenerateAssignment(coursedir=coursedir, config=config)
        app.log.setLevel(logging.ERROR)
        app.force = True
        _alembic_on_path()
        app.start()


def lesson_info(course: Course, lesson: str) -> dict:
    """Grade cells (name -> max score), solution cells and setup sources of the lesson."""
    with course.gradebook() as gb:
        notebook = gb.find_notebook(lesson, lesson)
        grade_cells = {c.name: c.max_score for c in notebook.grade_cells}
        kinds = {c.name: c.cell_type for c in notebook.grade_cells}
        solutions = [c.name for c in notebook.solution_cells]
        sources = {c.name: c.source for c in notebook.source_cells}
        locked = {c.name for c in notebook.source_cells if c.locked}
    setup = [src for name, src in sources.items() if name.startswith("setup")]
    released = {name: _squash(_without_hidden(sources[name])) for name in locked}
    full = {name: _squash(sources[name]) for name in locked}
    return {"grade_cells": grade_cells, "kinds": kinds, "solutions": solutions,
            "setup_sources": setup, "source_ids": sorted(sources), "locked": sorted(locked),
            "released": released, "full": full}


def _without_hidden(source: str) -> str:
    out, inside = [], False
    for line in source.splitlines():
        if "BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "END HIDDEN TESTS" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _squash(source: str) -> str:
    return "".join(source.split())


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def submission_digest(course: Course, student: str, lesson: str) -> str:
    """A fingerprint of what the student submitted (all files), to notice re-submissions."""
    folder = course.submission_dir(student, lesson)
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(file_digest(path).encode())
    return digest.hexdigest()


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def prepare(course: Course, lesson: str, student: str, info: dict) -> tuple[str, dict, list]:
    """Read and sanitize a submission: (notebook JSON, extra files, notes).

    Raises :class:`InvalidSubmission` for a missing, empty, invalid or foreign notebook.
    """
    folder = course.submission_dir(student, lesson)
    path = folder / f"{lesson}.ipynb"
    if not path.is_file():
        found = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        extra = f" (found: {', '.join(found[:5])})" if found else ""
        raise InvalidSubmission(f"missing notebook: no {lesson}.ipynb was submitted{extra}")
    raw = path.read_bytes()
    if not raw.strip():
        raise InvalidSubmission(f"empty file: {lesson}.ipynb has no content")
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
    ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb.cells
           if isinstance(c, dict)}
    own = set(info["grade_cells"]) | set(info["solutions"])
    if not ids & own:
        other = ", ".join(sorted(i for i in ids if i)[:4]) or "no graded cells"
        raise InvalidSubmission(f"notebook from another lesson: none of {lesson}'s cells are "
                                f"in it (it has {other})")
    raw_cells = [(c.get("metadata", {}).get("nbgrader", {}).get("grade_id"), c.get("source", ""))
                 for c in nb.cells]
    resources = _resources(course, lesson, student, folder)
    notes: list[str] = []
    capture = _Capture()
    config = Config(course.config)
    config.OverwriteCells.add_missing_cells = True
    logger = logging.getLogger("nngrade.sanitize")
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    logger.handlers = [capture]
    try:
        for cls in (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells,
                    CheckCellMetadata):
            pp = cls(config=config)
            pp.log = logger
            nb, resources = pp(nb, resources)
    except Exception as exc:  # noqa: BLE001
        raise InvalidSubmission(f"invalid notebook: nbgrader metadata is corrupted ({exc})") \
            from None
    notes += _edited_locked_cells(raw_cells, info)
    notes += _describe_overwrites(capture.messages)
    files: dict[str, bytes] = {}
    total = 0
    for src_root in (folder, course.source / lesson):
        for file in sorted(src_root.rglob("*")):
            rel = str(file.relative_to(src_root))
            if not file.is_file() or file.suffix == ".ipynb" or rel == "timestamp.txt":
                continue
            if any(part.startswith(".ipynb_checkpoints") or part == "__pycache__"
                   for part in file.parts):
                continue
            data = file.read_bytes()
            total += len(data)
            if total > MAX_FILES_BYTES:
                raise InvalidSubmission("submission too large: its files exceed 50 MiB")
            files[rel] = data
    return nbformat.writes(nb), files, notes


def _edited_locked_cells(cells: list[tuple], info: dict) -> list[str]:
    """Locked cells whose source differs from both the release and the full source."""
    notes = []
    for name, source in cells:
        if name in info["released"]:
            text = source if isinstance(source, str) else "".join(source)
            if _squash(text) not in (info["released"][name], info["full"][name]):
                notes.append(f"{name} was edited; restored from the gradebook")
    return notes


def _describe_overwrites(messages: list[str]) -> list[str]:
    notes = []
    for text in messages:
        if text.startswith("Missing grade cell"):
            name = text.split()[3]
            notes.append(f"{name} was deleted; restored from the gradebook")
        elif text.startswith("Attribute 'cell_type'"):
            name = text.split("for cell ")[1].split(" ")[0]
            notes.append(f"{name} had its cell type changed; restored")
    return notes


def _resources(course: Course, lesson: str, student: str, folder: Path) -> dict:
    return {"nbgrader": {"notebook": lesson, "assignment": lesson, "student": student,
                         "db_url": course.db_url},
            "metadata": {"path": str(folder)}}


def post_process(nb, config: Config):
    """The autograde preprocessors that need no gradebook (run on the worker)."""
    resources: dict = {}
    for cls in (IgnorePattern, ClearMetadataPreprocessor, LimitOutput):
        nb, resources = _quiet(cls(config=config))(nb, resources)
    return nb


def record(course: Course, lesson: str, student: str, notebook_json: str,
           flags: list[str]) -> dict:
    """Save the executed notebook's grades as nbgrader does; write ``autograded/``.

    Returns {grade_id: (score, max_score)} of the automatic grades.
    """
    with warnings.catch_warnings():  # nbgrader's own autoflush warnings, harmless
        warnings.simplefilter("ignore")
        return _record(course, lesson, student, notebook_json, flags)


def _record(course: Course, lesson: str, student: str, notebook_json: str,
            flags: list[str]) -> dict:
    nb = nbformat.reads(notebook_json, as_version=4)
    folder = course.submission_dir(student, lesson)
    timestamp = _timestamp(folder)
    with course.gradebook() as gb:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(lesson, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(lesson, student)
    resources = _resources(course, lesson, student, folder)
    for cls in (SaveAutoGrades, AssignLatePenalties, CheckCellMetadata):
        nb, resources = _quiet(cls(config=course.config))(nb, resources)
    scores = {}
    with course.gradebook() as gb:
        notebook = gb.find_submission_notebook(lesson, lesson, student)
        for grade in notebook.grades:
            if grade.name in flags:
                grade.needs_manual_grade = True
            scores[grade.name] = (grade.auto_score, grade.max_score)
        gb.db.commit()
    _write_autograded(course, lesson, student, nb)
    return scores


def _timestamp(folder: Path):
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory().get_existing_timestamp(str(folder))


def _write_autograded(course: Course, lesson: str, student: str, nb) -> None:
    """autograded/<student>/<lesson>/: the submission's files and the graded notebook."""
    dest = course.autograded / student / lesson
    tmp = course.autograded / student / f".{lesson}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    src = course.submission_dir(student, lesson)
    for root in (src, course.source / lesson):
        if not root.is_dir():
            continue
        for file in root.rglob("*"):
            if file.is_file() and file.suffix != ".ipynb":
                target = tmp / file.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, target)
    nbformat.write(nb, str(tmp / f"{lesson}.ipynb"))
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)


def discard(course: Course, lesson: str, student: str) -> None:
    """Remove what a failed grading could have left: autograded files and auto scores."""
    shutil.rmtree(course.autograded / student / lesson, ignore_errors=True)
    with course.gradebook() as gb:
        try:
            submission = gb.find_submission(lesson, student)
        except MissingEntry:
            return
        manual = any(g.manual_score is not None or g.extra_credit for nb in submission.notebooks
                     for g in nb.grades) or any(c.manual_comment for nb in submission.notebooks
                                                for c in nb.comments)
        if not manual:
            gb.remove_submission(lesson, student)
            return
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = None
                grade.needs_manual_grade = True
        gb.db.commit()


def gradebook_scores(course: Course, lesson: str) -> dict[str, dict]:
    """{student: {grade_id: {"score", "max", "needs_manual_grade"}}} from the gradebook."""
    out: dict[str, dict] = {}
    with course.gradebook() as gb:
        try:
            assignment = gb.find_assignment(lesson)
        except MissingEntry:
            return out
        for submission in assignment.submissions:
            cells = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    cells[grade.name] = {"score": grade.score, "auto": grade.auto_score,
                                         "manual": grade.manual_score, "max": grade.max_score,
                                         "needs_manual_grade": grade.needs_manual_grade}
            out[submission.student_id] = cells
    return out


def is_autograded_cell(info: dict, grade_id: str) -> bool:
    return info["kinds"].get(grade_id) == "code" and grade_id not in info["solutions"]


def exercise_of(info: dict, grade_id: str) -> str:
    """The exercise a test cell belongs to (``test_<name>*``), else the cell itself."""
    owners = [n for n in info["solutions"]
              if grade_id == f"test_{n}" or grade_id.startswith(f"test_{n}_")]
    return max(owners, key=len) if owners else grade_id


__all__ = ["Course", "InvalidSubmission", "discard", "ensure_lesson", "exercise_of",
           "gradebook_scores", "lesson_info", "post_process", "prepare", "record",
           "submission_digest", "utils"]
