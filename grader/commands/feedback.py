"""``nngrade feedback ASSIGNMENT``: per-student, per-notebook HTML feedback without hidden
tests."""

from __future__ import annotations

import argparse

from grader.commands import add_assignment, add_course_options


def run(args: argparse.Namespace) -> int:
    from grader.course import Course
    from grader.feedback import generate

    course = Course.open(args.course, args.db)
    written = generate(course, args.assignment, args.student or None)
    students = {path.parent.parent.name for path in written}
    print(f"wrote {len(written)} feedback pages for {len(students)} students under "
          f"{course.feedback}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``feedback`` subcommand."""
    p = sub.add_parser("feedback", help="write feedback/<student>/ASSIGNMENT/<notebook>.html "
                                        "(failed tests' messages, never hidden tests)")
    add_assignment(p)
    p.add_argument("--student", action="append", metavar="ID",
                   help="only this student (repeatable)")
    add_course_options(p)
    p.set_defaults(run=run)
