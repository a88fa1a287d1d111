"""``nngrade status``: what is submitted, graded, failed and why, per notebook and per
student, from the journal (:mod:`grader.journal`) and the submitted files.

A student's state sums up their notebooks': ``graded`` (every notebook graded or not
submitted), ``failed`` (every notebook failed), ``partly failed``, ``partly graded``,
``changed since grading`` (any notebook's submission changed) or ``not graded``.
"""

from __future__ import annotations

from grader.course import Course
from grader.journal import (
    CHANGED,
    FAILED,
    GRADED,
    HEADER,
    MISSING,
    NOT_GRADED,
    PARTLY_FAILED,
    PARTLY_GRADED,
    Journal,
    state_of,
)


def notebook_names(course: Course, assignment: str, entries: dict | None = None) -> list[str]:
    """The assignment's notebooks (the model's: the gradebook's, else the source's), and any
    the journal knows, sorted; ValueError for an unknown assignment."""
    names = {nb.name for nb in course.assignment(assignment, from_source=True).notebooks}
    names |= {nb for (student, nb) in (entries or {}) if student}
    return sorted(names)


def student_state(states: list[str]) -> str:
    """One student's state from their notebooks' states."""
    if not states or all(s == NOT_GRADED for s in states):
        return NOT_GRADED
    if CHANGED in states:
        return CHANGED
    if all(s == FAILED for s in states):
        return FAILED
    if FAILED in states:
        return PARTLY_FAILED
    if NOT_GRADED in states:
        return PARTLY_GRADED
    return GRADED


def _prefixed(parts: list[tuple[str, str]], single: bool) -> list[str]:
    return [text if single else f"{nb}: {text}" for nb, text in parts if text]


def report(course: Course, assignment: str) -> dict:
    """Everything ``nngrade status`` shows, as data."""
    entries = Journal(course.journal(assignment)).entries()
    header = entries.pop(HEADER, {})
    notebooks = notebook_names(course, assignment, entries)
    submitted = course.students_submitted(assignment)
    students = sorted(set(submitted) | {s for s, _ in entries})
    single = len(notebooks) == 1
    rows = []
    for student in students:
        per_notebook = []
        for nb in notebooks:
            entry = entries.get((student, nb))
            state = state_of(entry, course.notebook_digest(student, assignment, nb))
            per_notebook.append({"notebook": nb, "state": state,
                                 "score": entry.get("score") if entry else None,
                                 "max_score": entry.get("max_score") if entry else None,
                                 "reason": (entry or {}).get("reason", ""),
                                 "notes": (entry or {}).get("notes", [])})
        scored = [n for n in per_notebook if n["score"] is not None]
        rows.append({
            "student": student,
            "state": student_state([n["state"] for n in per_notebook]),
            "score": sum(n["score"] for n in scored) if scored else None,
            "max_score": sum(n["max_score"] or 0 for n in scored) if scored else None,
            "reason": "; ".join(_prefixed([(n["notebook"], n["reason"]) for n in per_notebook],
                                          single)),
            "notes": _prefixed([(n["notebook"], note) for n in per_notebook
                                for note in n["notes"]], single),
            "notebooks": per_notebook})
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
    return {"lesson": assignment, "assignment": assignment, "notebooks": notebooks,
            "submitted": len(submitted), "counts": counts, "rows": rows,
            "limits": header.get("limits"), "last_run": header.get("when")}


__all__ = ["CHANGED", "FAILED", "GRADED", "MISSING", "NOT_GRADED", "Journal", "notebook_names",
           "report", "student_state"]
