"""``nngrade autograde ASSIGNMENT``: grade an assignment's submissions, notebook by notebook,
in parallel, in sandboxes."""

from __future__ import annotations

import argparse
import sys

from grader.commands import add_assignment, add_course_options


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
                                         "sandboxes, N notebooks at a time, resumable",
                       description="Grade every submission of ASSIGNMENT into the course's "
                                   "gradebook and autograded/ folder, with the scores "
                                   "nbgrader autograde gives; the limits' defaults come "
                                   "from the course's nbgrader_config.py (c.Limits.*), "
                                   "the options below override them.")
    add_assignment(p)
    p.add_argument("--student", action="append", metavar="ID",
                   help="grade only this student (repeatable)")
    p.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                   help="notebooks graded at once (default: number of cores)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="send submissions to this Dask distributed scheduler's workers")
    p.add_argument("--force", action="store_true", help="grade again what is already graded")
    p.add_argument("--retry-failed", action="store_true",
                   help="grade again the notebooks that failed")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--cell-timeout", type=int, default=None, metavar="SECONDS",
                   help="seconds per cell (default: the course's c.Limits or c.Execute.timeout)")
    p.add_argument("--notebook-timeout", type=int, default=None, metavar="SECONDS",
                   help="seconds per notebook")
    p.add_argument("--memory-mb", type=int, default=None, metavar="MB",
                   help="memory limit per kernel")
    p.add_argument("--max-processes", type=int, default=None, metavar="N",
                   help="processes and threads per kernel")
    p.add_argument("--max-output-kb", type=int, default=None, metavar="KB",
                   help="output limit per cell")
    p.add_argument("--isolation", choices=["bwrap", "none"], default=None,
                   help="sandbox kind (default: bwrap; none: a separate uid and limits, but no "
                        "filesystem or network isolation)")
    add_course_options(p)
    p.set_defaults(run=run)
