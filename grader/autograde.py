"""``nngrade autograde``: grade every notebook of an assignment's submissions, N at a time,
resumably.

The unit of work is one notebook of one student's submission. The grader process owns the
gradebook and the journal; workers only execute notebooks (see :mod:`grader.jobs`). For
each (student, notebook), in this order:

1. **sanitize** (:mod:`grader.sanitize`, nbgrader's preprocessors against the gradebook),
   then the ``after_sanitize`` hooks;
2. **execute** in a sandbox (a worker), leaving out the demonstration cells the source
   marks and the student left unchanged (:mod:`grader.demonstrations`);
3. the ``before_record`` hooks, then **record** (:mod:`grader.record`: nbgrader's
   ``SaveAutoGrades``, ``AssignLatePenalties``; ``autograded/``) and append to the journal.

A notebook the student did not hand in scores 0, as nbgrader scores it (unless none of
the assignment's notebooks was handed in: then, as nbgrader, nothing is recorded and each
notebook is journaled failed). A notebook that cannot be graded costs only that notebook:
its grades are removed (see :func:`grader.record.discard`) before it is journaled as failed.
Killed at any point, a second run grades exactly the notebooks not journaled.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import nbformat
from tqdm import tqdm

from grader.assignment import Assignment, Notebook
from grader.course import Course, ensure_assignment
from grader.demonstrations import not_run
from grader.jobs import DaskPool, Job, LocalPool, Result
from grader.journal import FAILED, GRADED, MISSING, Journal, state_of
from grader.provenance import ReferenceCheck
from grader.record import discard, record, record_missing
from grader.sandbox import Limits, check_host, preload_modules
from grader.sanitize import InvalidSubmission, Sanitized, read_files, sanitize

WORKER_CONFIG_SECTIONS = ("Execute", "LimitOutput", "IgnorePattern", "ClearMetadataPreprocessor",
                          "NotebookClient", "ExecutePreprocessor")


@dataclass(frozen=True)
class Task:
    """One notebook of one submission, and the fingerprint of what it depends on."""

    student: str
    notebook: Notebook
    digest: str


@dataclass
class Hooks:
    """Extra steps around execution: ``after_sanitize(task, sanitized) -> Sanitized`` and
    ``before_record(task, result) -> Result``, run in the grader process in order."""

    after_sanitize: list[Callable[[Task, Sanitized], Sanitized]] = field(default_factory=list)
    before_record: list[Callable[[Task, Result], Result]] = field(default_factory=list)


@dataclass
class Summary:
    """What one run did, counted in notebooks."""

    total: int = 0
    graded: int = 0
    failed: int = 0
    skipped: int = 0
    missing: int = 0
    wall_s: float = 0.0
    results: list[Result] = field(default_factory=list)
    parent_s: float = 0.0  # sanitizing and recording, in the grader process

    def line(self) -> str:
        text = (f"{self.graded} graded, {self.failed} failed, {self.skipped} already done "
                f"in {self.wall_s:.1f} s")
        if self.missing:
            text += f" ({self.missing} not submitted, scored 0)"
        timed = [r for r in self.results if r.seconds]
        if timed:
            n = len(timed)
            start = sum(r.kernel_start_s for r in timed) / n
            execute = sum(r.execute_s for r in timed) / n
            total = sum(r.seconds for r in timed) / n
            parent = self.parent_s / max(1, self.graded + self.failed)
            text += (f"; per notebook: kernel start {start:.2f} s, cells {execute:.2f} s, "
                     f"worker total {total:.2f} s, grader-side {parent:.2f} s")
        return text


class Grading:
    """One run over one assignment: :meth:`plan`, then :meth:`jobs` feeds the pool and
    :meth:`on_result` records what comes back."""

    def __init__(self, course: Course, assignment: Assignment, limits: Limits,
                 hooks: Hooks | None = None) -> None:
        self.course = course
        self.model = assignment
        self.name = assignment.name
        self.limits = limits
        self.hooks = hooks or Hooks()
        self.journal = Journal(course.journal(assignment.name))
        self.entries = self.journal.entries()
        self.summary = Summary()
        self.config = {k: dict(course.config[k]) for k in WORKER_CONFIG_SECTIONS
                       if k in course.config}
        self.preload = tuple(preload_modules(assignment.setup_sources, limits.preload))
        self.sensitive = tuple(course.sensitive_paths())
        self.pending: dict[tuple[str, str], tuple[Task, list[str]]] = {}
        self.bar = None

    # -- what to do ------------------------------------------------------------------
    def plan(self, students: list[str], force: bool, retry_failed: bool) -> list[Task]:
        """The notebooks to grade: not journaled, changed since, forced or retried."""
        todo = []
        for student in students:
            for notebook in self.model.notebooks:
                digest = self.course.notebook_digest(student, self.name, notebook.name)
                state = state_of(self.entries.get((student, notebook.name)), digest)
                if state in (GRADED, MISSING, FAILED) and not force and (
                        state != FAILED or not retry_failed):
                    self.summary.skipped += 1
                else:
                    todo.append(Task(student, notebook, digest))
        return todo

    # -- stage 1: sanitize, then a job per notebook ----------------------------------
    def jobs(self, todo: list[Task]) -> Iterator[Job]:
        """Jobs for the pool; notebooks that need no execution are settled on the way."""
        files: dict[str, dict[str, bytes] | InvalidSubmission] = {}
        for task in todo:
            started = time.monotonic()
            job = self._job(task, files)
            self.summary.parent_s += time.monotonic() - started
            if job is not None:
                yield job

    def _job(self, task: Task, files: dict) -> Job | None:
        folder = self.course.submission_dir(task.student, self.name)
        if not (folder / task.notebook.file).is_file():
            handed_in = [nb for nb in self.model.notebooks if (folder / nb.file).is_file()]
            if handed_in:
                self._missing(task, handed_in)
                return None
        if task.student not in files:
            files.clear()  # one student's files at a time
            try:
                files[task.student] = read_files(self.course, task.student, self.name)
            except InvalidSubmission as exc:
                files[task.student] = exc
        if isinstance(files[task.student], InvalidSubmission):
            self.fail(task, str(files[task.student]), [])
            return None
        try:
            sanitized = sanitize(self.course, self.name, task.notebook, task.student)
        except InvalidSubmission as exc:
            self.fail(task, str(exc), [])
            return None
        for hook in self.hooks.after_sanitize:
            sanitized = hook(task, sanitized)
        self.pending[(task.student, task.notebook.name)] = (task, sanitized.notes)
        skip = not_run(nbformat.reads(sanitized.source, as_version=4),
                       task.notebook.demonstrations) if task.notebook.demonstrations else []
        return Job(self.name, task.notebook.name, task.student, sanitized.source,
                   files[task.student], self.limits, self.sensitive, self.preload, self.config,
                   tuple(skip))

    # -- stage 3: record ---------------------------------------------------------------
    def on_result(self, result: Result) -> None:
        started = time.monotonic()
        self.summary.results.append(result)
        task, notes = self.pending.pop((result.student, result.notebook))
        for hook in self.hooks.before_record:
            result = hook(task, result)
        notes = notes + result.notes
        if not result.ok:
            self.fail(task, result.reason, notes)
        else:
            scores = record(self.course, self.name, task.notebook.name, task.student,
                            result.source, result.flags)
            auto = [s for name, s in scores.items()
                    if name in task.notebook.grade_cells
                    and task.notebook.grade_cells[name].automatic]
            self._finish(task, GRADED, notes=notes, flags=result.flags,
                         score=sum(s[0] or 0 for s in auto), max_score=sum(s[1] for s in auto),
                         seconds=round(result.seconds, 3), worker=result.worker)
        self.summary.parent_s += time.monotonic() - started

    def fail(self, task: Task, reason: str, notes: list[str]) -> None:
        """The notebook could not be graded: remove what it left, journal why."""
        others = any(self.entries.get((task.student, nb.name), {}).get("state")
                     in (GRADED, MISSING) for nb in self.model.notebooks
                     if nb.name != task.notebook.name)
        discard(self.course, self.name, task.notebook.name, task.student, others_graded=others)
        if self.bar is not None:
            self.bar.write(f"FAILED {task.student}/{task.notebook.file}: {reason}")
        self._finish(task, FAILED, reason=reason, notes=notes, score=0.0,
                     max_score=task.notebook.max_auto())

    def _missing(self, task: Task, handed_in: list[Notebook]) -> None:
        """Not handed in while others were: 0 everywhere, as nbgrader scores it."""
        record_missing(self.course, self.name, task.notebook.name, task.student)
        folder = self.course.submission_dir(task.student, self.name)
        known = {nb.file for nb in self.model.notebooks}
        unknown = sorted(p.name for p in folder.glob("*.ipynb") if p.name not in known)
        note = (f"missing notebook: {task.notebook.file} was not submitted; scored 0 as "
                f"nbgrader does (submitted: {', '.join(nb.file for nb in handed_in)}"
                + (f"; not part of {self.name}, ignored: {', '.join(unknown)}" if unknown
                   else "") + ")")
        self._finish(task, MISSING, notes=[note], score=0.0, max_score=task.notebook.max_auto())

    def _finish(self, task: Task, state: str, **entry) -> None:
        entry = {"student": task.student, "notebook": task.notebook.name, "state": state,
                 "digest": task.digest, "reason": entry.pop("reason", ""), **entry}
        self.journal.append(entry)
        self.entries[(task.student, task.notebook.name)] = entry
        if state == GRADED:
            self.summary.graded += 1
        elif state == MISSING:
            self.summary.missing += 1
        else:
            self.summary.failed += 1
        if self.bar is not None:
            self.bar.set_postfix(failed=self.summary.failed, refresh=False)
            self.bar.update(1)


def with_reference_check(course: Course, hooks: Hooks | None) -> Hooks:
    """``hooks`` with the reference-answer check (:mod:`grader.provenance`) around them: its
    probes go in after every other sanitizing step and come out before anything else sees
    the executed notebook."""
    check = ReferenceCheck.from_config(course.config)
    hooks = hooks or Hooks()
    return Hooks([*hooks.after_sanitize, check.after_sanitize],
                 [check.before_record, *hooks.before_record])


def autograde(course: Course, assignment: str, students: list[str] | None = None,
              jobs: int | None = None, scheduler: str | None = None, force: bool = False,
              retry_failed: bool = False, limits: Limits | None = None,
              progress: bool = True, hooks: Hooks | None = None) -> Summary:
    """Grade the assignment's submissions (or ``students``'); see the module docstring."""
    started = time.monotonic()
    limits = limits or Limits.from_config(course.config)
    if not scheduler:
        problem = check_host(limits.isolation)
        if problem:
            raise ValueError(problem)
    ensure_assignment(course, assignment)
    run = Grading(course, course.assignment(assignment), limits,
                  with_reference_check(course, hooks))
    candidates = list(dict.fromkeys(students or course.students_submitted(assignment)))
    todo = run.plan(candidates, force, retry_failed)
    run.summary.total = len(todo)
    n = jobs or os.cpu_count() or 1
    run.journal.append({"student": "", "limits": limits.as_dict(), "jobs": n,
                        "scheduler": scheduler, "todo": len(todo)})
    if todo:
        pool = DaskPool(scheduler) if scheduler else LocalPool(  # before the bar's thread
            min(n, len(todo)), log_dir=str(course.journal(assignment).parent))
        run.bar = tqdm(total=len(todo), unit="nb", file=sys.stderr, disable=not progress,
                       dynamic_ncols=True, desc=f"autograde {assignment}")
        try:
            pool.run(run.jobs(todo), run.on_result)
        finally:
            pool.close()
            run.bar.close()
    run.summary.wall_s = time.monotonic() - started
    return run.summary
