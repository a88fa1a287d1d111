"""``nngrade status ASSIGNMENT``: what is submitted, graded, failed, and why, per student
and (for several notebooks) per notebook; the limits."""

from __future__ import annotations

import argparse
import json

from grader.commands import add_assignment, add_course_options


def run(args: argparse.Namespace) -> int:
    from grader.course import Course
    from grader.sandbox import Limits
    from grader.status import report

    course = Course.open(args.course, args.db)
    data = report(course, args.assignment)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    counts = ", ".join(f"{n} {state}" for state, n in sorted(data["counts"].items())) or "none"
    print(f"{args.assignment}: {data['submitted']} submitted; {counts}")
    if data["limits"] is None:
        limits = Limits.from_config(course.config)
        print("limits (configured, no run yet):")
    else:
        limits = Limits.from_dict(data["limits"])
        print(f"limits (last run, {data['last_run']}):")
    for line in limits.describe():
        print(f"  {line}")
    width = max([len(r["student"]) for r in data["rows"]] + [7])
    for row in data["rows"]:
        score = "" if row["score"] is None else f"{row['score']:g}/{row['max_score']:g}"
        why = row["reason"] or "; ".join(row["notes"])
        print(f"  {row['student']:<{width}}  {row['state']:<22} {score:>9}  {why}")
        if len(data["notebooks"]) > 1:
            for nb in row["notebooks"]:
                score = "" if nb["score"] is None else f"{nb['score']:g}/{nb['max_score']:g}"
                why = nb["reason"] or "; ".join(nb["notes"])
                print(f"  {'':<{width}}    {nb['notebook']}: {nb['state']} {score}  {why}"
                      .rstrip())
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``status`` subcommand."""
    p = sub.add_parser("status", help="submitted / graded / failed (with reasons) and limits")
    add_assignment(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_course_options(p)
    p.set_defaults(run=run)
