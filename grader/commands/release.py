"""``nngrade release [ASSIGNMENT ...] [--check] [--course DIR]``: build or check the release."""

from __future__ import annotations

import argparse
import sys

from grader.commands import ASSIGNMENT_HELP, add_course_options


def run(args: argparse.Namespace) -> int:
    """Build the course's release folder from its source folder, or with ``--check`` report
    where it differs."""
    from grader import release
    from grader.course import Course

    course = Course.open(args.course)
    source = release.shown(course, course.source)
    target = release.shown(course, release.release_dir(course))
    if args.check:
        problems = release.differences(course, args.assignments or None)
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            print(f"{target}/ is out of date in {len(problems)} place(s); run `nngrade release`.",
                  file=sys.stderr)
            return 1
        count = len(args.assignments or release.assignments(course))
        print(f"{target}/ matches {source}/ ({count} assignments).")
        return 0
    names = release.selected(course, args.assignments or None)
    release.clean(course, names)
    for path in release.build(course, names):
        print(f"wrote {release.shown(course, path)}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``release`` subcommand."""
    p = sub.add_parser(
        "release", help="build the student release (nbgrader's release directory) from the "
                        "course's source directory, or check it with --check",
        description="Build the students' version of each assignment (nbgrader's "
                    "generate_assignment: solutions and hidden tests removed) from the "
                    "course's source directory into its release directory, both as "
                    "nbgrader_config.py names them (nbgrader's defaults: source/ and "
                    "release/; in this repository: solutions/ and lessons/).")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                   help=f"{ASSIGNMENT_HELP} (any number; default: all)")
    p.add_argument("--check", action="store_true",
                   help="build into a temporary folder and fail if the release folder differs")
    add_course_options(p, db=False)
    p.set_defaults(run=run)
