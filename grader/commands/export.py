"""``nngrade export LESSON --csv FILE``: per-student scores for an LMS import."""

from __future__ import annotations

import argparse

from grader.commands.autograde import add_course_options


def run(args: argparse.Namespace) -> int:
    from grader.export import write_csv
    from grader.gradebook import Course

    course = Course.open(args.course, args.db)
    count = write_csv(course, args.lesson, args.csv)
    print(f"wrote {args.csv}: {count} students")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    p = sub.add_parser("export", help="one CSV row per student: exercise scores, total, status")
    p.add_argument("lesson", help="lesson folder, e.g. 01_neuron")
    p.add_argument("--csv", required=True, metavar="FILE", help="where to write the CSV")
    add_course_options(p)
    p.set_defaults(run=run)
