"""``nngrade progress [PATH]``: which exercises pass their visible tests, per lesson."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    """Run copies of the notebooks at PATH and print each exercise's status.

    Exit status 0 when every exercise passes its visible tests, 1 otherwise.
    """
    from grader import progress

    echo = None if args.json else (lambda text: print(text, flush=True))
    if echo:
        print(f"Checking copies of the notebooks in {args.path} (visible tests only)...",
              flush=True)
    results = progress.check_path(Path(args.path), timeout=args.timeout, echo=echo)
    if args.json:
        print(json.dumps(progress.as_dicts(results), indent=2))
    else:
        print(progress.summary(results))
    done = all(r.passed == len(r.exercises) and not r.problem for r in results)
    return 0 if done else 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``progress`` subcommand."""
    p = sub.add_parser(
        "progress", help="show which exercises pass their visible tests (notebooks untouched)",
        description="Run a copy of each lesson notebook in a temporary folder and show, per "
                    "lesson, which exercises pass their visible tests. Your notebooks are only "
                    "read. Exit status: 0 when all pass, 1 otherwise.")
    p.add_argument("path", nargs="?", default="lessons",
                   help="a folder of assignment folders (this course's lessons/), one "
                        "assignment folder or one notebook (default: lessons)")
    p.add_argument("--timeout", type=int, default=120, metavar="SECONDS",
                   help="longest a single cell may run (default: 120)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(run=run)
