"""``nngrade export ASSIGNMENT --csv FILE [--format nngrade|canvas|moodle]``: grades out.

``nngrade`` (the default) writes one row per student with every exercise, the total, the
status and the reason; ``canvas`` and ``moodle`` write the columns those LMS's gradebook
imports read (see ``grader.lms``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.commands import add_assignment, add_course_options
from grader.lms import (
    CANVAS_IDENTITY,
    DEFAULT_MOODLE_ID,
    FORMATS,
    LMS_FORMATS,
    MOODLE_COLUMNS,
    OWN_FORMAT,
)


def run(args: argparse.Namespace) -> int:
    from grader.course import Course
    from grader.lms import Options, write

    lms_only = [flag for flag, given in (
        ("--title", args.title), ("--canvas-assignment-id", args.canvas_assignment_id),
        ("--moodle-id", args.moodle_id != DEFAULT_MOODLE_ID), ("--roster", args.roster),
        ("--login-is-student-id", args.login_is_student_id)) if given]
    if args.format == OWN_FORMAT and lms_only:
        raise ValueError(f"{', '.join(lms_only)}: only with --format "
                         f"{' or '.join(LMS_FORMATS)}")
    course = Course.open(args.course, args.db)
    options = Options(title=args.title, canvas_assignment_id=args.canvas_assignment_id,
                      moodle_id=args.moodle_id, roster=Path(args.roster) if args.roster else None,
                      roster_key=args.roster_key, login_is_student_id=args.login_is_student_id)
    written = write(course, args.assignment, args.csv, args.format, options)
    print(f"wrote {args.csv} ({args.format}): {written.count} students")
    if written.pending:
        print(f"warning: {len(written.pending)} student(s) still need manual grading, their "
              f"totals lack those answers: {', '.join(written.pending)}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    p = sub.add_parser("export", help="grades as CSV: nngrade's own columns, or Canvas's or "
                                      "Moodle's gradebook import")
    add_assignment(p)
    p.add_argument("--csv", required=True, metavar="FILE", help="where to write the CSV")
    p.add_argument("--format", choices=FORMATS, default=OWN_FORMAT,
                   help=f"{OWN_FORMAT}: every exercise, total, status, reason (default); "
                        f"canvas: {', '.join(CANVAS_IDENTITY)}, the assignment's total and a "
                        "Points Possible row; moodle: an identifier column and the "
                        "assignment's total")
    p.add_argument("--title", default=None,
                   help="name of the grade column in the LMS (default: the assignment's name)")
    p.add_argument("--canvas-assignment-id", default=None, metavar="N",
                   help="Canvas's id of the assignment (the number in its URL): the column "
                        "becomes 'TITLE (N)' so that Canvas updates that assignment")
    p.add_argument("--moodle-id", choices=list(MOODLE_COLUMNS), default=DEFAULT_MOODLE_ID,
                   help="Moodle identifier column: email (nbgrader's student email, default), "
                        "userid (nbgrader's lms_user_id), username, idnumber (from --roster "
                        "or --login-is-student-id)")
    p.add_argument("--roster", default=None, metavar="FILE",
                   help="CSV giving the LMS identities, e.g. Canvas's gradebook export or "
                        "Moodle's grade export; its columns named as in the output fill them")
    p.add_argument("--roster-key", default="student", metavar="COLUMN",
                   help="the roster's column holding nbgrader's student ids (default: student; "
                        "e.g. 'SIS Login ID' when JupyterHub logins are Canvas logins)")
    p.add_argument("--login-is-student-id", action="store_true",
                   help="nbgrader's student ids are the LMS logins: fill Canvas's SIS Login ID "
                        "and Moodle's Username with them")
    add_course_options(p)
    p.set_defaults(run=run)
