"""Stage 3, in the grader process: write one executed notebook's grades, as nbgrader does.

- :func:`record`: nbgrader's ``SaveAutoGrades``, ``AssignLatePenalties`` and
  ``CheckCellMetadata`` on the executed notebook, then ``autograded/`` is written;
- :func:`record_missing`: a notebook of the assignment that was not handed in scores 0 in
  every cell, not flagged (what ``nbgrader autograde`` does);
- :func:`discard`: what a failed notebook could have left goes: its ``autograded/`` file
  and its automatic scores (the whole submission when nothing else of it is graded and no
  instructor graded any of it by hand; else that notebook's cells are cleared and
  flagged ``needs_manual_grade``). The submission's other notebooks are kept.

:func:`post_process` is the part of nbgrader's autograde chain that needs no gradebook; it
runs in the worker, after the execution.
"""

from __future__ import annotations

import logging
import os
import shutil
import warnings

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)
from traitlets.config import Config

from grader.course import Course
from grader.sanitize import resources_for

RECORDERS = (SaveAutoGrades, AssignLatePenalties, CheckCellMetadata)


def _quiet(pp):
    pp.log.setLevel(logging.ERROR)
    return pp


def post_process(nb, config: Config):
    """The autograde preprocessors that need no gradebook (run on the worker)."""
    resources: dict = {}
    for cls in (IgnorePattern, ClearMetadataPreprocessor, LimitOutput):
        nb, resources = _quiet(cls(config=config))(nb, resources)
    return nb


def _open_submission(course: Course, assignment: str, student: str) -> None:
    """The student and the submission (with its timestamp), as ``Autograde`` creates them."""
    from nbgrader.coursedir import CourseDirectory

    folder = course.submission_dir(student, assignment)
    timestamp = CourseDirectory().get_existing_timestamp(str(folder))
    with course.gradebook() as gb:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(assignment, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(assignment, student)


def record(course: Course, assignment: str, notebook: str, student: str, notebook_json: str,
           flags: list[str]) -> dict[str, tuple]:
    """Save the executed notebook's grades; write it to ``autograded/``.

    Returns {grade_id: (auto_score, max_score)} of the notebook's grades.
    """
    with warnings.catch_warnings():  # nbgrader's own autoflush warnings, harmless
        warnings.simplefilter("ignore")
        nb = nbformat.reads(notebook_json, as_version=4)
        _open_submission(course, assignment, student)
        resources = resources_for(course, assignment, notebook, student)
        for cls in RECORDERS:
            nb, resources = _quiet(cls(config=course.config))(nb, resources)
        scores = {}
        with course.gradebook() as gb:
            row = gb.find_submission_notebook(notebook, assignment, student)
            for grade in row.grades:
                if grade.name in flags:
                    grade.needs_manual_grade = True
                scores[grade.name] = (grade.auto_score, grade.max_score)
            gb.db.commit()
    write_autograded(course, assignment, notebook, student, nb)
    return scores


def record_missing(course: Course, assignment: str, notebook: str, student: str) -> None:
    """A notebook not handed in: every cell 0, none flagged (``Autograde.init_assignment``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _open_submission(course, assignment, student)
        with course.gradebook() as gb:
            for grade in gb.find_submission_notebook(notebook, assignment, student).grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
            gb.db.commit()
    _remove_autograded(course, assignment, notebook, student)


def write_autograded(course: Course, assignment: str, notebook: str, student: str, nb) -> None:
    """autograded/<student>/<assignment>/: the files the notebooks ran beside and the graded
    notebook; each file lands whole (a temporary name, then a rename)."""
    dest = course.autograded / student / assignment
    dest.mkdir(parents=True, exist_ok=True)
    for rel, path in course.working_files(student, assignment).items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.nngrade-tmp")
        shutil.copy2(path, tmp)
        os.replace(tmp, target)
    tmp = dest / f".{notebook}.nngrade-tmp"
    nbformat.write(nb, str(tmp))
    os.replace(tmp, dest / f"{notebook}.ipynb")


def _remove_autograded(course: Course, assignment: str, notebook: str, student: str) -> None:
    dest = course.autograded / student / assignment
    (dest / f"{notebook}.ipynb").unlink(missing_ok=True)
    if dest.is_dir() and not any(dest.glob("*.ipynb")):
        shutil.rmtree(dest, ignore_errors=True)


def discard(course: Course, assignment: str, notebook: str, student: str,
            others_graded: bool = False) -> None:
    """Remove what a failed notebook could have left (see the module docstring);
    ``others_graded``: another notebook of this submission holds grades to keep."""
    _remove_autograded(course, assignment, notebook, student)
    with course.gradebook() as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:
            return
        manual = any(g.manual_score is not None or g.extra_credit for nb in submission.notebooks
                     for g in nb.grades) or any(c.manual_comment for nb in submission.notebooks
                                                for c in nb.comments)
        if not manual and not others_graded:
            gb.remove_submission(assignment, student)
            return
        for row in submission.notebooks:
            if row.name == notebook:
                for grade in row.grades:
                    grade.auto_score = None
                    grade.needs_manual_grade = True
                row.late_submission_penalty = None
        gb.db.commit()


def gradebook_scores(course: Course, assignment: str) -> dict[str, dict]:
    """{student: {"cells": {(notebook, grade_id): {"score", "auto", "manual", "max",
    "needs_manual_grade"}}, "late": {notebook: penalty}}} from the gradebook."""
    out: dict[str, dict] = {}
    with course.gradebook() as gb:
        try:
            row = gb.find_assignment(assignment)
        except MissingEntry:
            return out
        for submission in row.submissions:
            cells, late = {}, {}
            for nb in submission.notebooks:
                late[nb.name] = nb.late_submission_penalty or 0.0
                for grade in nb.grades:
                    cells[(nb.name, grade.name)] = {
                        "score": grade.score, "auto": grade.auto_score,
                        "manual": grade.manual_score, "max": grade.max_score,
                        "needs_manual_grade": grade.needs_manual_grade}
            out[submission.student_id] = {"cells": cells, "late": late}
    return out
