"""``nngrade release [LESSON ...] [--check]``: build or check the student release."""

from __future__ import annotations

import argparse
import sys

from grader import LESSONS, SOLUTIONS, lesson_ids


def run(args: argparse.Namespace) -> int:
    """Build lessons/ from solutions/, or with ``--check`` report where it differs."""
    from grader import release

    if args.check:
        problems = release.differences(args.lessons or None)
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            print(f"lessons/ is out of date in {len(problems)} place(s); run `nngrade release`.",
                  file=sys.stderr)
            return 1
        count = len(args.lessons or lesson_ids(SOLUTIONS))
        print(f"lessons/ matches solutions/ ({count} lessons).")
        return 0
    lessons = args.lessons or lesson_ids(SOLUTIONS)
    release.clean(lessons)
    for path in release.build(lessons):
        print(f"wrote {path.relative_to(LESSONS.parent)}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``release`` subcommand."""
    p = sub.add_parser("release", help="build lessons/ (student release) from solutions/")
    p.add_argument("lessons", nargs="*", help="lesson folders, e.g. 01_neuron (default: all)")
    p.add_argument("--check", action="store_true",
                   help="build into a temporary folder and fail if lessons/ differs")
    p.set_defaults(run=run)
