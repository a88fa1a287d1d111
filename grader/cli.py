"""``nngrade``: the instructor's command line (and ``progress`` for students)."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import grader.commands

DESCRIPTION = ("The instructor's tool for an nbgrader course: autograde submissions in parallel "
               "sandboxes (a drop-in for nbgrader autograde), then status, feedback and export; "
               "release builds the students' version, zip-collect takes an LMS download. Run it "
               "in the course folder (the one holding nbgrader_config.py) or pass --course DIR. "
               "progress is for students: which exercises pass their visible tests.")

def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand found in ``grader.commands``."""
    parser = argparse.ArgumentParser(prog="nngrade", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    for info in sorted(pkgutil.iter_modules(grader.commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"grader.commands.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nngrade`` console command."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"nngrade: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
