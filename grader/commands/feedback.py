"""``nngrade feedback LESSON``: per-student HTML feedback without hidden tests."""

from __future__ import annotations

import argparse

from grader.commands.autograde import add_course_options


def run(args: argparse.Namespace) -> int:
    from grader.feedback import generate
    from grader.gradebook import Course

    course = Course.open(args.course, args.db)
    written = generate(course, args.lesson, args.student or None)
    print(f"wrote feedback for {len(written)} students under {course.feedback}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``feedback`` subcommand."""
    p = sub.add_parser("feedback", help="write feedback/<student>/LESSON/*.html "
                                        "(failed tests' messages, never hidden tests)")
    p.add_argument("lesson", help="lesson folder, e.g. 01_neuron")
    p.add_argument("--student", action="append", metavar="ID", help="only this student")
    add_course_options(p)
    p.set_defaults(run=run)
