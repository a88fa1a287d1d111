"""The grading journal: one JSON line per graded or failed submission, fsync'ed.

``autograded/.nngrade/<lesson>.jsonl`` (a dot folder: nbgrader's globs skip it) is appended
after a submission's grades are in the gradebook and its files in ``autograded/``; the last
line of a student wins. A line cut short by a crash is ignored, so that submission is graded
again on the next run: nothing is graded twice (a journaled submission is skipped unless
its files changed) and nothing is lost.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from grader.gradebook import Course, submission_digest

GRADED, FAILED = "graded", "failed"


@dataclass
class Journal:
    """Append-only record of one lesson's grading."""

    path: Path

    def entries(self) -> dict[str, dict]:
        """The latest entry per student (runs' headers under the key ``""``)."""
        out: dict[str, dict] = {}
        if not self.path.exists():
            return out
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a torn last line after a crash
                out[entry.get("student", "")] = entry
        return out

    def append(self, entry: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        entry = {**entry, "when": time.strftime("%Y-%m-%dT%H:%M:%S")}
        torn = False
        if self.path.exists() and self.path.stat().st_size:
            with self.path.open("rb") as handle:
                handle.seek(-1, os.SEEK_END)
                torn = handle.read(1) != b"\n"  # a crash cut the last line short
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(("\n" if torn else "") + json.dumps(entry, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())


def state_of(course: Course, lesson: str, student: str, entry: dict | None) -> str:
    """'graded', 'failed', 'not graded' or 'changed since grading'."""
    if entry is None:
        return "not graded"
    if entry.get("digest") != submission_digest(course, student, lesson):
        return "changed since grading"
    return entry["state"]


def report(course: Course, lesson: str) -> dict:
    """Everything ``nngrade status`` shows, as data."""
    journal = Journal(course.journal(lesson))
    entries = journal.entries()
    header = entries.pop("", {})
    students = sorted(set(course.students_submitted(lesson)) | set(entries))
    rows = []
    for student in students:
        entry = entries.get(student)
        state = state_of(course, lesson, student, entry)
        rows.append({"student": student, "state": state,
                     "score": entry.get("score") if entry else None,
                     "max_score": entry.get("max_score") if entry else None,
                     "reason": (entry or {}).get("reason", ""),
                     "notes": (entry or {}).get("notes", [])})
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
    return {"lesson": lesson, "submitted": len(course.students_submitted(lesson)),
            "counts": counts, "rows": rows, "limits": header.get("limits"),
            "last_run": header.get("when")}
