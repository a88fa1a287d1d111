"""``nngrade feedback``: per-student HTML feedback that never shows a hidden test.

nbgrader's ``GenerateFeedback`` renders each autograded notebook with its scores; we add one
preprocessor, :class:`HideHiddenTests`, before nbgrader's ``ClearHiddenTests``:

- in a cell with a hidden-test region, an error's traceback is reduced to
  ``ename: evalue`` (the check's message: ``CheckFailed``'s ``_render_traceback_`` would
  print the hidden lines);
- in every output of every cell (streams, rich data, errors), any line of any hidden test
  that appears verbatim is replaced by ``[hidden test]``, so a submission that printed
  ``In``, its caller's frame or the notebook file cannot leak them either; ANSI colour codes
  are stripped from tracebacks first so the comparison sees plain text;
- then the hidden regions are removed from the sources.

Verbatim copies are caught; a submission that encodes the hidden source (base64, reversed)
before printing it is not (see docs/grading.md, threat model).
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades, NbGraderPreprocessor
from traitlets.config import Config

from grader.gradebook import Course
from grader.status import FAILED, Journal

BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
MIN_LINE = 6  # shorter hidden lines ("pass", "x = 1") are too common to redact
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PLACEHOLDER = "[hidden test]"


def hidden_lines(nb) -> tuple[set[int], list[str]]:
    """Indices of cells with hidden tests, and the hidden lines (longest first) that do
    not also appear outside the hidden regions (those are public anyway)."""
    cells, lines, public = set(), set(), set()
    for index, cell in enumerate(nb.cells):
        inside = False
        for line in cell.get("source", "").splitlines():
            if BEGIN in line:
                inside = True
                cells.add(index)
                continue
            if END in line:
                inside = False
                continue
            if inside and len(line.strip()) >= MIN_LINE:
                lines.add(line.strip())
            elif not inside:
                public.add(line.strip())
    return cells, sorted(lines - public, key=len, reverse=True)


def redact(text: str, lines: list[str]) -> str:
    for line in lines:
        if line in text:
            text = text.replace(line, PLACEHOLDER)
    return text


def _redact_value(value, lines):
    if isinstance(value, str):
        return redact(value, lines)
    if isinstance(value, list):
        return [_redact_value(v, lines) for v in value]
    if isinstance(value, dict):
        return {k: _redact_value(v, lines) for k, v in value.items()}
    return value


class HideHiddenTests(NbGraderPreprocessor):
    """Reduce hidden-test tracebacks to their message; redact hidden lines everywhere."""

    def preprocess(self, nb, resources):
        cells, lines = hidden_lines(nb)
        lines = [*lines, BEGIN, END]
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [ANSI.sub("", line) for line in out.get("traceback", [])]
                    if index in cells:
                        out["traceback"] = [f"{out.get('ename', 'Error')}: "
                                            f"{out.get('evalue', '')}"]
                    out["evalue"] = redact(str(out.get("evalue", "")), lines)
                    out["traceback"] = [redact(line, lines) for line in out["traceback"]]
                if "text" in out:
                    out["text"] = _redact_value(out["text"], lines)
                if "data" in out:
                    out["data"] = _redact_value(dict(out["data"]), lines)
        return nb, resources


def generate(course: Course, lesson: str, students: list[str] | None = None) -> list[Path]:
    """Write feedback/<student>/<lesson>/<lesson>.html for graded and failed students."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    journal = Journal(course.journal(lesson)).entries()
    journal.pop("", None)
    graded = sorted(p.parent.name for p in course.autograded.glob(f"*/{lesson}")
                    if p.is_dir() and not p.parent.name.startswith("."))
    if students:
        graded = [s for s in graded if s in students]
    written = []
    for student in (graded if students else ["*"]) if graded else []:
        config = Config(course.config)
        config.CourseDirectory.assignment_id = lesson
        config.CourseDirectory.student_id = student
        config.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, ClearHiddenTests,
                                                 CSSHTMLHeaderPreprocessor]
        coursedir = CourseDirectory(config=config)
        app = GenerateFeedback(coursedir=coursedir, config=config)
        app.log.setLevel(logging.ERROR)
        app.force = True
        app.start()
    written += [course.feedback / s / lesson / f"{lesson}.html" for s in graded]
    for student, entry in sorted(journal.items()):
        if entry.get("state") != FAILED or (students and student not in students):
            continue
        target = course.feedback / student / lesson / f"{lesson}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(lesson)}</title></head><body>"
            f"<h1>{html.escape(lesson)}</h1><p>Your submission could not be graded: "
            f"{html.escape(entry.get('reason', ''))}</p>"
            "<p>Please contact your instructor.</p></body></html>", encoding="utf-8")
        written.append(target)
    return written
