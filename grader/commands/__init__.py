"""``nngrade`` subcommands: each module here defines ``register(subparsers)``.

``register`` adds one subparser and sets ``run=function(args) -> exit code`` on it. The
arguments every course command shares are added by the helpers below, so that each reads
the same in every ``--help``.
"""

from __future__ import annotations

import argparse

ASSIGNMENT_HELP = "assignment folder in the course's source directory, e.g. 01_neuron"


def add_assignment(p: argparse.ArgumentParser) -> None:
    """The positional ``ASSIGNMENT`` (``args.assignment``)."""
    p.add_argument("assignment", metavar="ASSIGNMENT", help=ASSIGNMENT_HELP)


def add_course_options(p: argparse.ArgumentParser, *, db: bool = True) -> None:
    """``--course`` and, for the commands that read the gradebook, ``--db``."""
    p.add_argument("--course", default=None, metavar="DIR",
                   help="the nbgrader course folder, the one holding nbgrader_config.py "
                        "(default: the working directory)")
    if db:
        p.add_argument("--db", default=None, metavar="URL",
                       help="gradebook URL, e.g. postgresql://user:pw@host/db (default: the "
                            "course's nbgrader_config.py, else its gradebook.db)")
