"""``nngrade zip-collect ASSIGNMENT ZIP --regexp REGEXP``: an LMS download into submitted/.

Runs nbgrader's own ``zip_collect`` on the zip (see ``grader.collect``). Exit status 0 when
at least one file was collected, even if some were left out (each is named, and a partly
mis-named download should still reach grading); 1 when nothing was collected (the regexp
is almost certainly wrong); 2 on a damaged zip or a bad regexp (nothing written).
"""

from __future__ import annotations

import argparse
import sys

from grader.commands import add_assignment, add_course_options


def run(args: argparse.Namespace) -> int:
    from grader.collect import zip_collect
    from grader.course import Course

    course = Course.open(args.course)
    extensions = [".ipynb", *[e if e.startswith(".") else f".{e}" for e in args.ext or []]]
    done = zip_collect(course, args.assignment, args.zip, args.regexp, extensions=extensions,
                       force=args.force)
    lines = done.report(course.root, extensions)
    print(lines[0])
    for line in lines[1:]:
        print(line, file=sys.stdout if line.startswith("  ") else sys.stderr)
    if not done.students:
        print(f"nothing collected from {args.zip}: check --regexp against the file names "
              f"listed above (they are in {done.extracted})", file=sys.stderr)
        return 1
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``zip-collect`` subcommand."""
    p = sub.add_parser("zip-collect",
                       help="put a zip of submissions downloaded from an LMS into "
                            "submitted/<student>/ASSIGNMENT/ with nbgrader's zip_collect")
    add_assignment(p)
    p.add_argument("zip", metavar="ZIP", help="the zip downloaded from the LMS (copied into "
                                              "downloaded/ASSIGNMENT/archive/, never moved)")
    p.add_argument("--regexp", required=True,
                   help="nbgrader's FileNameCollectorPlugin.named_regexp, matched from the "
                        "start of each extracted file's full path (begin it with '.*/'), with "
                        "groups (?P<student_id>...) and (?P<file_id>...), optionally "
                        "(?P<timestamp>...)")
    p.add_argument("--ext", action="append", metavar=".EXT",
                   help="also collect files ending in .EXT, e.g. data files (repeatable; "
                        ".ipynb always)")
    p.add_argument("--force", action="store_true",
                   help="nbgrader's --force: extract again, and replace the submitted folder "
                        "of each student found in the zip")
    add_course_options(p, db=False)
    p.set_defaults(run=run)
