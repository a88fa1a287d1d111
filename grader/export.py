"""``nngrade export``: one CSV row per student, ready for an LMS grade import.

Columns: ``student``, one per exercise (the sum of its ``test_<name>*`` cells), one per
free-response answer (the instructor's manual score; empty until graded), ``total``,
``max_total``, ``status`` and ``reason``. Scores come from the gradebook, so manual grades
and overrides entered in nbgrader's formgrader are included. A submission that failed
scores 0 everywhere, with ``status`` ``failed`` and the reason.
"""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat

from grader.gradebook import Course, exercise_of, gradebook_scores, lesson_info
from grader.status import Journal, state_of


def columns(course: Course, lesson: str, info: dict) -> tuple[list[str], dict[str, float]]:
    """Exercise/free-response columns in notebook order, and their maximum scores."""
    order = []
    source = course.source / lesson / f"{lesson}.ipynb"
    if source.exists():
        for cell in nbformat.read(str(source), as_version=4).cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in info["grade_cells"]:
                order.append(gid)
    order += sorted(set(info["grade_cells"]) - set(order))
    cols: list[str] = []
    maxima: dict[str, float] = {}
    for gid in order:
        col = exercise_of(info, gid)
        if col not in cols:
            cols.append(col)
        maxima[col] = maxima.get(col, 0.0) + float(info["grade_cells"][gid])
    return cols, maxima


def rows(course: Course, lesson: str) -> tuple[list[str], list[dict]]:
    info = lesson_info(course, lesson)
    cols, maxima = columns(course, lesson, info)
    scores = gradebook_scores(course, lesson)
    entries = Journal(course.journal(lesson)).entries()
    entries.pop("", None)
    students = sorted(set(entries) | set(scores) | set(course.students_submitted(lesson)))
    out = []
    for student in students:
        entry = entries.get(student)
        state = state_of(course, lesson, student, entry) if entry else (
            "graded" if student in scores else "not graded")
        row = {"student": student}
        cells = scores.get(student, {})
        total = 0.0
        pending = []
        for col in cols:
            parts = [gid for gid in info["grade_cells"] if exercise_of(info, gid) == col]
            values = [_score(cells.get(gid, {})) for gid in parts]
            if state == "failed":
                row[col] = 0.0
            elif not cells or all(v is None for v in values):
                row[col] = ""
                if cells:
                    pending.append(col)
            else:
                row[col] = round(sum(v or 0.0 for v in values), 4)
                total += row[col]
                if any(cells.get(g, {}).get("needs_manual_grade") for g in parts):
                    pending.append(col)
        row["total"] = round(total, 4) if (cells or state == "failed") else ""
        row["max_total"] = round(sum(maxima.values()), 4)
        if state == "graded" and pending:
            state = f"graded; needs manual grading: {' '.join(pending)}"
        row["status"] = state
        reason = (entry or {}).get("reason") or "; ".join((entry or {}).get("notes", []))
        row["reason"] = reason
        out.append(row)
    return ["student", *cols, "total", "max_total", "status", "reason"], out


def _score(cell: dict):
    """The instructor's manual score when there is one, else the automatic one."""
    return cell.get("manual") if cell.get("manual") is not None else cell.get("auto")


def write_csv(course: Course, lesson: str, path: str | Path) -> int:
    """Write the CSV; returns the number of student rows."""
    header, data = rows(course, lesson)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(data)
    return len(data)
