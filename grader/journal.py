"""The grading journal: one JSON line per graded, failed or missing notebook, fsync'ed.

``autograded/.nngrade/<assignment>.jsonl`` (a dot folder: nbgrader's globs skip it). A line
``{"student", "notebook", "state", "digest", "score", "max_score", "reason", "notes", ...}``
is appended after that notebook's grades are in the gradebook and its file in
``autograded/``; the last line of a (student, notebook) wins. A run starts with a header
line whose ``student`` is ``""`` (limits, jobs). A line cut short by a crash is ignored, so
that notebook is graded again on the next run: nothing is graded twice (a journaled
notebook is skipped unless its submission changed) and nothing is lost. Lines written
before notebooks had their own entries (no ``notebook`` key) belong to the notebook named
after the assignment, as this course's lessons are.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

# A notebook's state: written in the journal (the first three) or derived from it.
GRADED, FAILED, MISSING = "graded", "failed", "not submitted"
NOT_GRADED, CHANGED = "not graded", "changed since grading"
# A student's state, from their notebooks' (see grader.status.student_state).
PARTLY_FAILED, PARTLY_GRADED = "partly failed", "partly graded"
NEEDS_MANUAL = "graded; needs manual grading"  # the export's status, then the columns
HEADER = ("", "")


@dataclass
class Journal:
    """Append-only record of one assignment's grading."""

    path: Path

    def entries(self) -> dict[tuple[str, str], dict]:
        """The latest entry per (student, notebook); the last run's header under
        :data:`HEADER`."""
        out: dict[tuple[str, str], dict] = {}
        if not self.path.exists():
            return out
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a torn last line after a crash
                if not isinstance(entry, dict):
                    continue
                student = entry.get("student", "")
                notebook = entry.get("notebook", self.path.stem) if student else ""
                out[(student, notebook)] = entry
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


def state_of(entry: dict | None, digest: str) -> str:
    """GRADED, FAILED, MISSING, NOT_GRADED or CHANGED for a notebook whose submission now
    has fingerprint ``digest``."""
    if entry is None:
        return NOT_GRADED
    if entry.get("digest") != digest:
        return CHANGED
    return entry["state"]
