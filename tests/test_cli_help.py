"""``nngrade --help`` and every subcommand's read right for an instructor of any nbgrader
course: one ``--course`` help, ``ASSIGNMENT`` (not this course's lessons), ``--db`` only
where the gradebook is read, export's choices taken from ``grader.lms``."""

from __future__ import annotations

import argparse

import pytest

from grader.cli import build_parser
from grader.commands import ASSIGNMENT_HELP

PARSER = build_parser()
SUBCOMMANDS = next(a for a in PARSER._actions
                   if isinstance(a, argparse._SubParsersAction)).choices
STUDENT_SIDE = {"progress"}  # run by students on this course's lessons/
GRADEBOOK = {"autograde", "export", "feedback", "status"}


def _option(parser: argparse.ArgumentParser, dest: str) -> argparse.Action | None:
    return next((a for a in parser._actions if a.dest == dest), None)


def test_top_level_help_is_plain_text():
    text = PARSER.format_help()
    assert "``" not in text and "nbgrader_config.py" in text and "--course DIR" in text


@pytest.mark.parametrize("name", sorted(set(SUBCOMMANDS) - STUDENT_SIDE))
def test_course_commands_share_their_options(name):
    parser = SUBCOMMANDS[name]
    course = _option(parser, "course")
    assert course is not None and course.metavar == "DIR"
    assert course.help == _option(SUBCOMMANDS["autograde"], "course").help
    assert (_option(parser, "db") is not None) == (name in GRADEBOOK)
    positional = next(a for a in parser._actions if not a.option_strings
                      and a.dest in ("assignment", "assignments"))
    assert positional.metavar == "ASSIGNMENT" and positional.help.startswith(ASSIGNMENT_HELP)
    text = " ".join(parser.format_help().split())
    assert "``" not in text
    assert "lesson" not in text.replace("in this repository: solutions/ and lessons/", ""), text


def test_export_choices_come_from_lms():
    from grader.lms import FORMATS, MOODLE_COLUMNS

    export = SUBCOMMANDS["export"]
    assert tuple(_option(export, "format").choices) == FORMATS
    assert list(_option(export, "moodle_id").choices) == list(MOODLE_COLUMNS)
