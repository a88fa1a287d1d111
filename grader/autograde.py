"""``nngrade autograde``: grade every submission of a lesson, N at a time, resumably.

The grader process owns the gradebook and the journal; workers only execute notebooks
(see :mod:`grader.jobs`). For each submission, in this order: sanitize (nbgrader's
preprocessors, against the gradebook) -> execute in a sandbox (worker) -> record grades
(nbgrader's ``SaveAutoGrades``) and write ``autograded/`` -> append to the journal. A
submission that cannot be graded is removed from the gradebook before it is journaled as
failed. Killed at any point, a second run grades exactly the submissions not journaled.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

from tqdm import tqdm

from grader.gradebook import (
    Course,
    InvalidSubmission,
    discard,
    ensure_lesson,
    is_autograded_cell,
    lesson_info,
    prepare,
    record,
    submission_digest,
)
from grader.jobs import DaskPool, Job, LocalPool, Result
from grader.sandbox import Limits, check_host, preload_modules
from grader.status import FAILED, GRADED, Journal

WORKER_CONFIG_SECTIONS = ("Execute", "LimitOutput", "IgnorePattern", "ClearMetadataPreprocessor",
                          "NotebookClient", "ExecutePreprocessor")


@dataclass
class Summary:
    """What one run did."""

    total: int = 0
    graded: int = 0
    failed: int = 0
    skipped: int = 0
    wall_s: float = 0.0
    results: list[Result] = field(default_factory=list)
    parent_s: float = 0.0  # sanitizing and recording, in the grader process

    def line(self) -> str:
        text = (f"{self.graded} graded, {self.failed} failed, {self.skipped} already done "
                f"in {self.wall_s:.1f} s")
        timed = [r for r in self.results if r.seconds]
        if timed:
            n = len(timed)
            start = sum(r.kernel_start_s for r in timed) / n
            execute = sum(r.execute_s for r in timed) / n
            total = sum(r.seconds for r in timed) / n
            parent = self.parent_s / max(1, self.graded + self.failed)
            text += (f"; per submission: kernel start {start:.2f} s, cells {execute:.2f} s, "
                     f"worker total {total:.2f} s, grader-side {parent:.2f} s")
        return text


def limits_dict(limits: Limits) -> dict:
    out = limits.as_dict()
    out.update(hide_paths=list(limits.hide_paths), expose_paths=list(limits.expose_paths),
               uid_base=limits.uid_base)
    return out


def autograde(course: Course, lesson: str, students: list[str] | None = None,
              jobs: int | None = None, scheduler: str | None = None, force: bool = False,
              retry_failed: bool = False, limits: Limits | None = None,
              progress: bool = True) -> Summary:
    """Grade the lesson's submissions (or ``students``); see the module docstring."""
    started = time.monotonic()
    limits = limits or Limits(config=course.config)
    if not scheduler:
        problem = check_host(limits.isolation)
        if problem:
            raise ValueError(problem)
    ensure_lesson(course, lesson)
    info = lesson_info(course, lesson)
    ldict = limits_dict(limits)
    journal = Journal(course.journal(lesson))
    entries = journal.entries()
    candidates = list(dict.fromkeys(students or course.students_submitted(lesson)))
    summary = Summary()
    todo = []
    for student in candidates:
        entry = entries.get(student)
        done = entry is not None and entry.get("digest") == submission_digest(course, student,
                                                                              lesson)
        if done and not force and (entry["state"] == GRADED or not retry_failed):
            summary.skipped += 1
        else:
            todo.append(student)
    summary.total = len(todo)
    n = jobs or os.cpu_count() or 1
    journal.append({"student": "", "limits": ldict, "jobs": n, "scheduler": scheduler,
                    "todo": len(todo)})
    if not todo:
        summary.wall_s = time.monotonic() - started
        return summary
    config = {k: dict(course.config[k]) for k in WORKER_CONFIG_SECTIONS if k in course.config}
    preload = preload_modules(info["setup_sources"], limits.preload)
    sensitive = course.sensitive_paths()
    bar = tqdm(total=len(todo), unit="sub", file=sys.stderr, disable=not progress,
               dynamic_ncols=True, desc=f"autograde {lesson}")
    pending: dict[str, tuple[str, list[str]]] = {}

    def finish(student: str, entry: dict) -> None:
        journal.append({"student": student, **entry})
        if entry["state"] == GRADED:
            summary.graded += 1
        else:
            summary.failed += 1
        bar.set_postfix(failed=summary.failed, refresh=False)
        bar.update(1)

    def fail(student: str, reason: str, notes: list[str], digest: str) -> None:
        discard(course, lesson, student)
        bar.write(f"FAILED {student}: {reason}")
        finish(student, {"state": FAILED, "reason": reason, "notes": notes, "digest": digest,
                         "score": 0.0, "max_score": _max_auto(info)})

    def job_stream():
        for student in todo:
            t0 = time.monotonic()
            digest = submission_digest(course, student, lesson)
            try:
                notebook, files, notes = prepare(course, lesson, student, info)
            except InvalidSubmission as exc:
                fail(student, str(exc), [], digest)
                summary.parent_s += time.monotonic() - t0
                continue
            pending[student] = (digest, notes)
            summary.parent_s += time.monotonic() - t0
            yield Job(lesson, student, notebook, files, ldict, sensitive, preload, config)

    def on_result(result: Result) -> None:
        t0 = time.monotonic()
        summary.results.append(result)
        digest, notes = pending.pop(result.student)
        notes = notes + result.notes
        if not result.ok:
            fail(result.student, result.reason, notes, digest)
        else:
            scores = record(course, lesson, result.student, result.notebook, result.flags)
            auto = [s for name, s in scores.items() if is_autograded_cell(info, name)]
            finish(result.student, {
                "state": GRADED, "reason": "", "notes": notes, "digest": digest,
                "flags": result.flags, "score": sum(s[0] or 0 for s in auto),
                "max_score": sum(s[1] for s in auto), "seconds": round(result.seconds, 3),
                "worker": result.worker})
        summary.parent_s += time.monotonic() - t0

    pool = DaskPool(scheduler) if scheduler else LocalPool(
        min(n, len(todo)), log_dir=str(course.journal(lesson).parent))
    try:
        pool.run(job_stream(), on_result)
    finally:
        pool.close()
        bar.close()
    summary.wall_s = time.monotonic() - started
    return summary


def _max_auto(info: dict) -> float:
    return float(sum(v for k, v in info["grade_cells"].items() if is_autograded_cell(info, k)))
