"""``nngrade autograde ASSIGNMENT``: grade an assignment's submissions, notebook by notebook,
in parallel, in sandboxes."""

from __future__ import annotations

import argparse
import sys


def add_course_options(p: argparse.ArgumentParser) -> None:
    """``--course`` and ``--db``, shared by the grading subcommands."""
    p.add_argument("--course", default=None,
                   help="the nbgrader course directory (default: the working directory, which "
                        "must then hold nbgrader_config.py)")
    p.add_argument("--db", default=None,
                   help="gradebook URL, e.g. postgresql://user:pw@host/db "
                        "(default: the course's nbgrader configuration, else its gradebook.db)")


def run(args: argparse.Namespace) -> int:
    from grader.autograde import autograde
    from grader.course import Course
    from grader.sandbox import Limits

    course = Course.open(args.course, args.db)
    limits = Limits.from_config(
        course.config, cell_timeout_s=args.cell_timeout, notebook_timeout_s=args.notebook_timeout,
        memory_mb=args.memory_mb, max_processes=args.max_processes,
        max_output_kb=args.max_output_kb, isolation=args.isolation)
    summary = autograde(course, args.assignment, students=args.student or None, jobs=args.jobs,
                        scheduler=args.scheduler, force=args.force,
                        retry_failed=args.retry_failed, limits=limits,
                        progress=not args.quiet)
    print(f"{args.assignment}: {summary.line()}")
    if summary.failed:
        print(f"see `nngrade status {args.assignment}` for the reasons", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``autograde`` subcommand."""
    p = sub.add_parser("autograde", help="grade submitted/<student>/ASSIGNMENT/*.ipynb in "
                                         "sandboxes, N notebooks at a time, resumable")
    p.add_argument("assignment", help="nbgrader assignment id, e.g. 01_neuron")
    p.add_argument("--student", action="append", metavar="ID",
                   help="grade only this student (repeatable)")
    p.add_argument("--jobs", "-j", type=int, default=None,
                   help="notebooks graded at once (default: number of cores)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="send submissions to this Dask distributed scheduler's workers")
    p.add_argument("--force", action="store_true", help="grade again what is already graded")
    p.add_argument("--retry-failed", action="store_true",
                   help="grade again the notebooks that failed")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--cell-timeout", type=int, default=None, help="seconds per cell")
    p.add_argument("--notebook-timeout", type=int, default=None, help="seconds per notebook")
    p.add_argument("--memory-mb", type=int, default=None, help="memory limit per kernel")
    p.add_argument("--max-processes", type=int, default=None,
                   help="processes and threads per kernel")
    p.add_argument("--max-output-kb", type=int, default=None, help="output limit per cell")
    p.add_argument("--isolation", choices=["bwrap", "none"], default=None,
                   help="sandbox kind (default: bwrap)")
    add_course_options(p)
    p.set_defaults(run=run)
