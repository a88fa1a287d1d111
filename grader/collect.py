"""Submissions from an LMS download: a zip of files named per student, put into
``submitted/<student>/<assignment>/`` by nbgrader's own ``zip_collect`` (``ZipCollectApp``
and its ``FileNameCollectorPlugin`` with ``named_regexp``).

What this adds to nbgrader's app: the zip is checked before anything is written, it is
copied (never moved) into ``downloaded/<assignment>/archive/``, and every file the regular
expression does not match is reported by name; such a file stays in the zip and in
``downloaded/<assignment>/extracted/``. As in nbgrader, the expression is matched from the
start of each extracted file's full path, so it usually begins with ``.*/``; a
``timestamp`` group becomes the submission's ``timestamp.txt``.
"""

from __future__ import annotations

import filecmp
import logging
import os
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.apps.zipcollectapp import ZipCollectApp
from nbgrader.plugins import FileNameCollectorPlugin
from traitlets.config import Config

from grader.course import CONFIG_FILE, Course
from grader.logcapture import LogCapture

# nbgrader's own warnings that the report below says better (or that are only noise here)
_COVERED = ("Regular expression", "Directory not found. Creating", "No release notebooks",
            "Invalid submission notebook name", "Skipped submission with no match",
            "No files found")


class ReportingCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector, remembering each file it leaves out and why."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.left_out: list[tuple[str, str]] = []

    def collect(self, submitted_file: str) -> dict | None:
        info = super().collect(submitted_file)
        if not info:
            ext = os.path.splitext(submitted_file)[1]
            self.left_out.append((submitted_file, "extension" if ext not in self.valid_ext
                                  else "regexp"))
        return info


class _ZipCollect(ZipCollectApp):
    """nbgrader's ``ZipCollectApp``, keeping what it transferred."""

    transferred: dict = {}

    def _transfer_files(self, collected_data: dict) -> None:
        self.transferred = collected_data
        super()._transfer_files(collected_data)


class _CourseConfigFound(logging.Filter):
    """Drops nbgrader's "No nbgrader_config.py file found" when the course has one.

    nbgrader looks for that file in the working directory and Jupyter's configuration
    folders only, warns, then loads the one in ``CourseDirectory.root`` anyway
    (``NbGrader.initialize``): run with ``--course`` from elsewhere, the warning is wrong.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(f"No {CONFIG_FILE} file found")


@dataclass
class Collected:
    """What one ``zip_collect`` did."""

    regexp: str
    extracted: Path
    submitted: str = "submitted"  # the course's submitted directory (nbgrader's config)
    students: dict[str, list[str]] = field(default_factory=dict)  # student -> file names
    timestamps: dict[str, str] = field(default_factory=dict)
    unmatched: list[Path] = field(default_factory=list)  # the regexp did not match
    other_extension: list[Path] = field(default_factory=list)  # not in the extensions
    unknown_notebooks: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # nbgrader's other warnings

    def report(self, root: Path, extensions: list[str]) -> list[str]:
        """Lines for the instructor: what was collected, and every file left out."""
        def rel(path: Path) -> str:
            return os.path.relpath(path, root)

        lines = [f"collected {sum(map(len, self.students.values()))} file(s) of "
                 f"{len(self.students)} student(s) into {self.submitted}/"]
        for student, names in sorted(self.students.items()):
            when = f" (submitted {self.timestamps[student]})" if student in self.timestamps \
                else ""
            lines.append(f"  {student}: {', '.join(sorted(names))}{when}")
        for path in self.unmatched:
            lines.append(f"not collected: {rel(path)} does not match --regexp "
                         f"'{self.regexp}'; it stays there and in the zip")
        for path in self.other_extension:
            ext = path.suffix or "(none)"
            lines.append(f"not collected: {rel(path)} has extension {ext}, collected are "
                         f"{' '.join(extensions)} (add --ext {ext} to collect it); it stays "
                         "there and in the zip")
        for student, name in self.unknown_notebooks:
            lines.append(f"warning: {student} submitted {name}, which is not one of the "
                         "assignment's notebooks")
        lines += [f"nbgrader: {note}" for note in self.notes]
        return lines


def check_zip(path: Path) -> None:
    """Raise ``ValueError`` unless ``path`` is a zip archive whose members all read back."""
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ValueError(f"{path} is not a readable zip archive ({exc}); nothing was "
                         "collected") from None
    if bad is not None:
        raise ValueError(f"{path} is damaged: {bad} does not read back (CRC error); nothing "
                         "was collected")


def check_regexp(regexp: str) -> None:
    """Raise ``ValueError`` unless ``regexp`` compiles with nbgrader's two required groups."""
    try:
        groups = re.compile(regexp).groupindex
    except re.error as exc:
        raise ValueError(f"--regexp {regexp!r} is not a regular expression: {exc}") from None
    missing = [g for g in ("student_id", "file_id") if g not in groups]
    if missing:
        raise ValueError(f"--regexp {regexp!r} lacks the named group(s) "
                         f"{', '.join(f'(?P<{g}>...)' for g in missing)} that nbgrader's "
                         "zip_collect needs")


def _archive_dir(app: ZipCollectApp, assignment: str, step: str) -> Path:
    return Path(os.path.join(app.coursedir.root, app.collect_directory_structure).format(
        downloaded=app.downloaded_directory, assignment_id=assignment, collect_step=step))


def _source_notebooks(course: Course, assignment: str) -> set[str]:
    folder = course.source / assignment
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*.ipynb")
            if ".ipynb_checkpoints" not in p.parts} if folder.is_dir() else set()


def zip_collect(course: Course, assignment: str, zip_path: str | Path, regexp: str,
                extensions: list[str] | None = None, force: bool = False) -> Collected:
    """Collect the submissions in ``zip_path`` with nbgrader's ``zip_collect``.

    ``extensions``: the file name endings collected (default ``.ipynb`` only, as nbgrader).
    ``force``: nbgrader's ``--force`` (re-extract, and replace the submitted folders of the
    students in this zip). Raises ``ValueError`` with nbgrader's message when it refuses.
    """
    zip_path = Path(zip_path).resolve()
    check_zip(zip_path)
    check_regexp(regexp)
    extensions = list(extensions or [".ipynb"])
    app = _ZipCollect()
    if (course.root / CONFIG_FILE).is_file():
        app.log.addFilter(_CourseConfigFound())
    app.initialize([assignment, f"--CourseDirectory.root={course.root}",
                    *(["--force"] if force else [])])
    ours = Config()  # on top of the course's nbgrader_config.py
    ours.FileNameCollectorPlugin.named_regexp = regexp
    ours.FileNameCollectorPlugin.valid_ext = extensions
    ours.ZipCollectApp.collector_plugin = ReportingCollector
    app.update_config(ours)
    capture = LogCapture()
    for handler in list(app.log.handlers):
        app.log.removeHandler(handler)
    app.log.addHandler(capture)
    app.log.propagate = False

    archive = _archive_dir(app, assignment, app.archive_directory)
    archive.mkdir(parents=True, exist_ok=True)
    target = archive / (zip_path.name if zip_path.suffix == ".zip" else f"{zip_path.name}.zip")
    if target.exists() and not filecmp.cmp(target, zip_path, shallow=False) and not force:
        raise ValueError(f"{target} exists and differs from {zip_path}; use --force to "
                         "replace it")
    if target.resolve() != zip_path:
        shutil.copy2(zip_path, target)
    try:
        app.start()
    except SystemExit:
        errors = [r.getMessage() for r in capture.records if r.levelno >= logging.ERROR]
        raise ValueError("nbgrader's zip_collect stopped: " + " ".join(errors)) from None

    done = Collected(regexp=regexp,
                     extracted=_archive_dir(app, assignment, app.extracted_directory),
                     submitted=app.coursedir.submitted_directory)
    for path, why in app.collector_plugin_inst.left_out:
        (done.unmatched if why == "regexp" else done.other_extension).append(Path(path))
    notebooks = _source_notebooks(course, assignment)
    for student, data in app.transferred.items():
        done.students[student] = list(data["file_ids"])
        if data.get("timestamp") is not None:
            done.timestamps[student] = data["timestamp"].isoformat(" ")
        done.unknown_notebooks += [(student, name) for name in data["file_ids"]
                                   if name.endswith(".ipynb") and notebooks
                                   and name not in notebooks]
    done.notes = [r.getMessage() for r in capture.records
                  if not r.getMessage().startswith(_COVERED)
                  and not r.getMessage().endswith("files skipped")]
    return done


__all__ = ["Collected", "ReportingCollector", "check_regexp", "check_zip", "zip_collect"]
