"""``nngrade export``: one CSV row per student, ready for an LMS grade import.

Columns: ``student``, one per exercise (the sum of its test cells; for a course without
this course's ``test_<name>`` naming, one per autograded cell) and one per manually graded
answer or task (the instructor's score; empty until graded), in notebook order over the
assignment's notebooks, then ``total`` (summed over the notebooks, less nbgrader's late
penalties), ``max_total``, ``status`` and ``reason``. Scores come from the gradebook, so
manual grades and overrides entered in nbgrader's formgrader are included. A notebook that
failed scores 0 in its columns; the status says which failed and the reason why.
"""

from __future__ import annotations

import csv
from pathlib import Path

from grader.assignment import FIXED_COLUMNS
from grader.course import Course
from grader.journal import FAILED, GRADED, HEADER, NEEDS_MANUAL, NOT_GRADED, Journal, state_of
from grader.record import gradebook_scores
from grader.status import student_state


def rows(course: Course, assignment: str) -> tuple[list[str], list[dict]]:
    """(header, one dict per student); see the module docstring."""
    model = course.assignment(assignment)
    columns = model.columns()
    notebooks = [nb.name for nb in model.notebooks]
    single = len(notebooks) == 1
    scores = gradebook_scores(course, assignment)
    entries = Journal(course.journal(assignment)).entries()
    entries.pop(HEADER, None)
    students = sorted({s for s, _ in entries} | set(scores)
                      | set(course.students_submitted(assignment)))
    max_total = round(sum(cell.points for _, parts in columns for _, cell in parts), 4)
    out = []
    for student in students:
        states = {nb: state_of(entries.get((student, nb)),
                               course.notebook_digest(student, assignment, nb))
                  for nb in notebooks}
        if not any((student, nb) in entries for nb in notebooks):  # graded by nbgrader
            states = {nb: GRADED if student in scores else NOT_GRADED for nb in notebooks}
        state = student_state(list(states.values()))
        graded = scores.get(student, {"cells": {}, "late": {}})
        cells = graded["cells"]
        row: dict = {"student": student}
        total, pending = 0.0, []
        for col, parts in columns:
            if all(states[nb] == FAILED for nb, _ in parts):
                row[col] = 0.0
                continue
            values = [_score(cells.get((nb, cell.name), {})) for nb, cell in parts]
            if not cells or all(v is None for v in values):
                row[col] = ""
                if cells:
                    pending.append(col)
                continue
            row[col] = round(sum(v or 0.0 for v in values), 4)
            total += row[col]
            if any(cells.get((nb, cell.name), {}).get("needs_manual_grade")
                   for nb, cell in parts):
                pending.append(col)
        late = sum(p for nb, p in graded["late"].items() if states.get(nb) != FAILED)
        total -= late
        row["total"] = round(total, 4) if (cells or state == FAILED) else ""
        row["max_total"] = max_total
        if state == GRADED and pending:
            state = f"{NEEDS_MANUAL}: {' '.join(pending)}"
        row["status"] = state
        reasons = []
        for nb in notebooks:
            entry = entries.get((student, nb)) or {}
            text = entry.get("reason") or "; ".join(entry.get("notes", []))
            if text:
                reasons.append(text if single else f"{nb}: {text}")
        if late:
            reasons.append(f"late submission penalty: {late:g}")
        row["reason"] = "; ".join(reasons)
        out.append(row)
    student, *fixed = FIXED_COLUMNS
    return [student, *[c for c, _ in columns], *fixed], out


def _score(cell: dict):
    """The instructor's manual score when there is one, else the automatic one."""
    return cell.get("manual") if cell.get("manual") is not None else cell.get("auto")


def needs_manual_grading(data: list[dict]) -> list[str]:
    """The students of :func:`rows`' data whose totals still lack manual grades."""
    return [row["student"] for row in data if str(row["status"]).startswith(NEEDS_MANUAL)]


def write_rows(course: Course, assignment: str, path: str | Path) -> tuple[int, list[str]]:
    """Write the CSV; returns (student rows, :func:`needs_manual_grading`)."""
    header, data = rows(course, assignment)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(data)
    return len(data), needs_manual_grading(data)


def write_csv(course: Course, assignment: str, path: str | Path) -> int:
    """Write the CSV; returns the number of student rows."""
    return write_rows(course, assignment, path)[0]
