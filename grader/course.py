"""An nbgrader course directory as the grader process sees it: its folders, configuration,
gradebook, submissions and the assignment model recorded in the gradebook.

The course is the folder given (``--course``) or the working directory; never the folder
this package was installed from.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.util
import logging
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from grader import assignment as model
from grader import nbgrader_fast
from grader.demonstrations import marked, problems

JOURNAL_DIR = ".nngrade"
CONFIG_FILE = "nbgrader_config.py"


@dataclass
class Course:
    """An nbgrader course directory and its gradebook."""

    root: Path
    db_url: str
    config: Config = field(default_factory=Config)

    @classmethod
    def open(cls, root: str | Path | None = None, db_url: str | None = None) -> Course:
        """The course at ``root`` (default: the working directory), which must hold an
        ``nbgrader_config.py``, with its nbgrader configuration."""
        root = Path.cwd() if root is None else Path(root).resolve()
        if not root.is_dir():
            raise ValueError(f"no such course folder: {root}")
        if not (root / CONFIG_FILE).exists():
            raise ValueError(f"{root} is not an nbgrader course (no {CONFIG_FILE}): run "
                             "nngrade in the course folder or pass --course DIR")
        config = Config()
        config.merge(PyFileConfigLoader(CONFIG_FILE, str(root)).load_config())
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

    @property
    def ignore(self) -> list[str]:
        """nbgrader's ``CourseDirectory.ignore`` globs."""
        return list(self.config.CourseDirectory.get(
            "ignore", [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]))

    def journal(self, assignment: str) -> Path:
        return self.autograded / JOURNAL_DIR / f"{assignment}.jsonl"

    def submission_dir(self, student: str, assignment: str) -> Path:
        return self.submitted / student / assignment

    def students_submitted(self, assignment: str) -> list[str]:
        """Students with a ``submitted/<student>/<assignment>/`` folder."""
        if not self.submitted.is_dir():
            return []
        return sorted(p.name for p in self.submitted.iterdir()
                      if (p / assignment).is_dir() and not p.name.startswith("."))

    def sensitive_paths(self) -> list[str]:
        """Host folders a kernel must never see."""
        paths = [self.root, self.source.resolve(), self.submitted.resolve(),
                 self.autograded.resolve(), self.feedback.resolve()]
        if self.db_url.startswith("sqlite:///"):
            paths.append(Path(self.db_url[len("sqlite:///"):]).resolve().parent)
        return sorted({str(p) for p in paths if str(p) != "/"})

    def has_gradebook(self) -> bool:
        """Whether the gradebook exists (a SQLite file is created by opening it; a server
        database is taken to exist)."""
        if self.db_url.startswith("sqlite:///"):
            return Path(self.db_url[len("sqlite:///"):]).is_file()
        return True

    def gradebook(self) -> Gradebook:
        """nbgrader's gradebook for this course id, as nbgrader's own converters open it
        (created when missing: read-only commands check :meth:`has_gradebook` first)."""
        _alembic_on_path()
        course_id = self.config.CourseDirectory.get("course_id", "")
        nbgrader_fast.install()
        gb = Gradebook(self.db_url, course_id)
        if not course_id:  # nbgrader's default id '' has no course row, which PostgreSQL's
            from nbgrader.api import Course as CourseRow  # foreign keys need

            if gb.db.get(CourseRow, "") is None:
                gb.db.add(CourseRow(id=""))
                gb.db.commit()
        return gb

    @property
    def hidden_markers(self) -> model.HiddenMarkers:
        """The course's hidden-test markers (``c.ClearHiddenTests.*_test_delimeter``)."""
        return model.hidden_markers(self.config)

    def assignment(self, name: str, from_source: bool = False) -> model.Assignment:
        """The assignment as the gradebook records it, cells in the source's order; with
        ``from_source``, one the gradebook does not know yet is read from its source
        notebooks. ValueError for an unknown assignment; never creates a gradebook."""
        folder = self.source / name
        if self.has_gradebook():
            order = {p.stem: model.cell_order(p) for p in folder.glob("*.ipynb")}
            with self.gradebook() as gb:
                try:
                    found = model.from_gradebook(gb, name, order, self.hidden_markers)
                except MissingEntry:
                    found = None
            if found is not None and (found.notebooks or not from_source
                                      or not folder.is_dir()):
                return _with_demonstrations(found, folder)
        if not folder.is_dir():
            raise ValueError(f"no such assignment: {name} (no {folder} and not in the "
                             f"gradebook)")
        if from_source:
            return _with_demonstrations(model.from_source(name, folder, self.hidden_markers),
                                        folder)
        raise ValueError(f"{name} is not in the gradebook: run `nngrade autograde "
                         f"{name}` (or `nbgrader generate_assignment {name}`)")

    # -- what a student handed in ------------------------------------------------------
    def is_ignored(self, path: Path) -> bool:
        return any(fnmatch.fnmatch(part, pattern) for part in path.parts
                   for pattern in self.ignore)

    def extra_files(self, folder: Path) -> dict[str, Path]:
        """The non-notebook files under ``folder`` (relative name -> path), as nbgrader's
        ``find_all_files`` with the course's ignore globs finds them."""
        if not folder.is_dir():
            return {}
        out = {}
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and path.suffix != ".ipynb" and not self.is_ignored(rel):
                out[str(rel)] = path
        return out

    def working_files(self, student: str, assignment: str) -> dict[str, Path]:
        """What nbgrader puts beside the notebooks before running them: the submission's
        files, then the source's files over them (except ``Autograde.exclude_overwriting``)."""
        files = self.extra_files(self.submission_dir(student, assignment))
        keep = set(self.config.Autograde.get("exclude_overwriting", {}).get(assignment, []))
        for rel, path in self.extra_files(self.source / assignment).items():
            if rel not in keep:
                files[rel] = path
        return files

    def notebook_digest(self, student: str, assignment: str, notebook: str) -> str:
        """A fingerprint of what one notebook's grade depends on in the submission: the
        notebook file and every other file the student handed in (data, timestamp)."""
        folder = self.submission_dir(student, assignment)
        digest = hashlib.sha256()
        digest.update((file_digest(folder / f"{notebook}.ipynb") or "missing").encode())
        for rel, path in self.extra_files(folder).items():
            digest.update(rel.encode())
            digest.update((file_digest(path) or "").encode())
        return digest.hexdigest()


def _with_demonstrations(found: model.Assignment, folder: Path) -> model.Assignment:
    """``found`` with each notebook's demonstration cells, as its source marks them
    (:mod:`grader.demonstrations`; none when the source cannot be read or marks a cell
    unsafely: then every cell runs, and ``nngrade release --check`` says why)."""
    import nbformat

    for notebook in found.notebooks:
        try:
            nb = nbformat.read(str(folder / notebook.file), as_version=4)
            notebook.demonstrations = {} if problems(nb) else marked(nb)
        except Exception:  # noqa: BLE001 - no source, no demonstrations: every cell runs
            notebook.demonstrations = {}
    return found


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def sqlalchemy_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 to SQLAlchemy 2.1; use psycopg2 when that is what
    is installed (``psycopg2-binary`` comes with the ``instructor`` extra)."""
    if url.startswith(("postgresql://", "postgres://")):
        if importlib.util.find_spec("psycopg") is None:
            if importlib.util.find_spec("psycopg2") is None:
                raise ValueError("a PostgreSQL gradebook needs a driver: install the instructor "
                                 "extra: pip install 'nncourse[instructor]' (or -e "
                                 "'.[instructor]' in a checkout)")
            return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


def _alembic_on_path() -> None:
    """nbgrader runs ``alembic`` as a program: this interpreter's ``bin/`` must be on PATH."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def ensure_assignment(course: Course, assignment: str) -> None:
    """Record the assignment's notebooks in the gradebook from its source, as
    ``nbgrader generate_assignment`` does, unless they are there already (a due date set
    with ``nbgrader db assignment add`` is kept)."""
    with course.gradebook() as gb:
        try:
            if gb.find_assignment(assignment).notebooks:
                return
        except MissingEntry:
            pass
    if not (course.source / assignment).is_dir():
        raise ValueError(f"no such assignment in {course.source}: {assignment}")
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    with tempfile.TemporaryDirectory(prefix="nngrade-register-") as tmp:
        config = Config(course.config)
        config.CourseDirectory.release_directory = tmp
        config.CourseDirectory.assignment_id = assignment
        coursedir = CourseDirectory(config=config)
        app = GenerateAssignment(coursedir=coursedir, config=config)
        app.log.setLevel(logging.ERROR)
        app.force = True
        _alembic_on_path()
        app.start()
