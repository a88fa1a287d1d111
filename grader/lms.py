"""Grade files that Canvas's and Moodle's gradebook imports read, built from ``export.rows``.

One column per assignment, its total (manual grades from formgrader included): each extra
column would become one more gradebook item in the LMS. A failed submission scores 0, one
that is not graded yet stays empty.

Canvas ("Import" in the Gradebook): columns ``Student, ID, SIS User ID, SIS Login ID,
Section`` then ``<title>`` or ``<title> (<Canvas assignment id>)``; a second row whose
``Student`` is ``Points Possible`` gives the assignment's maximum. Canvas finds the student by
``ID`` (its numeric user id), else ``SIS User ID``, else ``SIS Login ID``, and by name only as
a last resort, so every row needs one of the three ids.

Moodle ("Import grades from CSV"): one identifier column, mapped in Moodle's import form
("Map from" that column, "Map to" ``useremail``, ``username``, ``useridnumber`` or ``userid``),
then one column per grade item.

Identities come from nbgrader's gradebook (first and last name, email, ``lms_user_id``) and,
when given, a roster CSV whose rows carry the LMS's own columns (Canvas's gradebook export
is one), matched to nbgrader's student ids by one of its columns.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line reads the names below without loading nbgrader
    from grader.course import Course

OWN_FORMAT = "nngrade"  # grader.export's CSV: every exercise, total, status, reason
LMS_FORMATS = ("canvas", "moodle")
FORMATS = (OWN_FORMAT, *LMS_FORMATS)
CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_KEYS = ("ID", "SIS User ID", "SIS Login ID")  # Canvas needs one of them per student
POINTS_POSSIBLE = "    Points Possible"  # as Canvas's own export writes it
MOODLE_COLUMNS = {"email": "Email address", "username": "Username",
                  "idnumber": "ID number", "userid": "User ID"}
DEFAULT_MOODLE_ID = "email"


@dataclass(frozen=True)
class Options:
    """What the instructor says about the LMS side."""

    title: str | None = None  # the grade column's name (default: the assignment's name)
    canvas_assignment_id: str | None = None
    moodle_id: str = DEFAULT_MOODLE_ID
    roster: Path | None = None
    roster_key: str = "student"
    login_is_student_id: bool = False


@dataclass
class Written:
    """What ``write`` wrote: student rows and those still waiting for manual grades."""

    count: int
    pending: list[str] = field(default_factory=list)


def read_roster(path: str | Path, key: str) -> dict[str, dict[str, str]]:
    """Rows of a roster CSV by the value of column ``key`` (the nbgrader student id)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if key not in (reader.fieldnames or []):
            raise ValueError(f"roster {path} has no column {key!r} (its columns: "
                             f"{', '.join(reader.fieldnames or [])}); --roster-key names the "
                             "column that holds nbgrader's student ids")
        out: dict[str, dict[str, str]] = {}
        for row in reader:
            if "Points Possible" in (row.get("Student") or ""):
                continue
            student = (row.get(key) or "").strip()
            if not student:
                continue
            if student in out:
                raise ValueError(f"roster {path}: student {student!r} appears twice in "
                                 f"column {key!r}")
            out[student] = {k: (v or "").strip() for k, v in row.items() if k}
    return out


def identities(course: Course, students: list[str], options: Options) -> dict[str, dict]:
    """Per student: nbgrader's gradebook fields, overlaid by the roster's columns."""
    known: dict[str, dict] = {}
    with course.gradebook() as gb:
        for row in gb.students:
            if row.id in students:
                known[row.id] = {"first_name": row.first_name or "",
                                 "last_name": row.last_name or "",
                                 "email": row.email or "",
                                 "lms_user_id": row.lms_user_id or ""}
    roster = read_roster(options.roster, options.roster_key) if options.roster else {}
    empty = {"first_name": "", "last_name": "", "email": "", "lms_user_id": ""}
    return {s: {**known.get(s, empty), "roster": roster.get(s, {})} for s in students}


def canvas_identity(student: str, who: dict, options: Options) -> list[str]:
    """``Student, ID, SIS User ID, SIS Login ID, Section`` for one student."""
    roster = who["roster"]
    first, last = who["first_name"], who["last_name"]
    name = f"{last}, {first}" if first and last else (last or first or student)
    login = student if options.login_is_student_id else ""
    return [roster.get("Student") or name,
            roster.get("ID") or who["lms_user_id"],
            roster.get("SIS User ID", ""),
            roster.get("SIS Login ID") or login,
            roster.get("Section", "")]


def moodle_identifier(student: str, who: dict, options: Options) -> str:
    """The value of the Moodle identifier column chosen by ``options.moodle_id``."""
    column = MOODLE_COLUMNS[options.moodle_id]
    fallback = {"email": who["email"], "userid": who["lms_user_id"],
                "username": student if options.login_is_student_id else "",
                "idnumber": ""}[options.moodle_id]
    return who["roster"].get(column) or fallback


def _number(value) -> str:
    if value == "" or value is None:
        return ""
    return f"{float(value):.4f}".rstrip("0").rstrip(".")


def _missing(fmt: str, students: list[str], options: Options) -> ValueError:
    names = ", ".join(students)
    if fmt == "canvas":
        need = (f"Canvas matches students by {', '.join(CANVAS_KEYS[:-1])} or "
                f"{CANVAS_KEYS[-1]}, and none is known for: {names}.")
        how = ("set each student's Canvas user ID in nbgrader's gradebook "
               "(nbgrader db student add STUDENT --lms-user-id=ID), or give --roster FILE "
               "(Canvas's own gradebook export works) with --roster-key COLUMN naming its "
               "column that holds nbgrader's student ids, or --login-is-student-id when "
               "nbgrader's student ids are the Canvas login ids")
    else:
        column = MOODLE_COLUMNS[options.moodle_id]
        need = f"Moodle's import needs the {column!r} of: {names}."
        how = {"email": "set it in nbgrader's gradebook (nbgrader db student add STUDENT "
                        "--email=ADDRESS) or in a --roster FILE column 'Email address'",
               "userid": "set it as lms_user_id in nbgrader's gradebook (nbgrader db student "
                         "add STUDENT --lms-user-id=ID) or in a --roster FILE column 'User ID'",
               "username": "give --login-is-student-id when nbgrader's student ids are the "
                           "Moodle usernames, or a --roster FILE column 'Username'",
               "idnumber": "give a --roster FILE with a column 'ID number' (Moodle's own "
                           "grade export has one)"}[options.moodle_id]
    return ValueError(f"{need} To fix it, {how}. Nothing was written.")


def table(course: Course, assignment: str, fmt: str, options: Options
          ) -> tuple[list[list[str]], Written]:
    """The rows of the LMS file (header first) and a summary; raises ``ValueError`` naming
    every student whose identifier is missing."""
    from grader.export import needs_manual_grading
    from grader.export import rows as export_rows

    if fmt not in LMS_FORMATS:
        raise ValueError(f"unknown LMS format {fmt!r}: choose {' or '.join(LMS_FORMATS)}")
    _, data = export_rows(course, assignment)
    students = [row["student"] for row in data]
    who = identities(course, students, options)
    title = options.title or assignment
    if fmt == "canvas":
        column = (f"{title} ({options.canvas_assignment_id})" if options.canvas_assignment_id
                  else title)
        out = [[*CANVAS_IDENTITY, column]]
        if data:
            out.append([POINTS_POSSIBLE, "", "", "", "", _number(data[0]["max_total"])])
    else:
        out = [[MOODLE_COLUMNS[options.moodle_id], title]]
    missing = []
    for row in data:
        student = row["student"]
        if fmt == "canvas":
            ident = canvas_identity(student, who[student], options)
            by_column = dict(zip(CANVAS_IDENTITY, ident, strict=True))
            if not any(by_column[key] for key in CANVAS_KEYS):
                missing.append(student)
        else:
            ident = [moodle_identifier(student, who[student], options)]
            if not ident[0]:
                missing.append(student)
        out.append([*ident, _number(row["total"])])
    if missing:
        raise _missing(fmt, missing, options)
    pending = needs_manual_grading(data)
    return out, Written(len(data), pending)


def write(course: Course, assignment: str, path: str | Path, fmt: str,
          options: Options | None = None) -> Written:
    """Write the ``fmt`` file for ``assignment`` to ``path`` (nothing when it raises)."""
    if fmt == OWN_FORMAT:
        from grader.export import write_rows

        return Written(*write_rows(course, assignment, path))
    rows, written = table(course, assignment, fmt, options or Options())
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return written


__all__ = ["CANVAS_IDENTITY", "CANVAS_KEYS", "DEFAULT_MOODLE_ID", "FORMATS", "LMS_FORMATS",
           "MOODLE_COLUMNS", "OWN_FORMAT", "Options", "POINTS_POSSIBLE", "Written", "identities",
           "read_roster", "table", "write"]
