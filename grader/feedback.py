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

from grader.assignment import HIDDEN_BEGIN, HIDDEN_END, hidden_lines, hidden_markers
from grader.course import Course
from grader.journal import FAILED, HEADER, MISSING, Journal

PLACEHOLDER = "[hidden test]"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
BEGIN, END = HIDDEN_BEGIN, HIDDEN_END  # nbgrader's default markers


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
    """Reduce hidden-test tracebacks to their message; redact hidden lines everywhere.
    The hidden regions are those ``ClearHiddenTests`` clears: its configured
    ``begin_test_delimeter`` / ``end_test_delimeter``."""

    def preprocess(self, nb, resources):
        markers = hidden_markers(self.config)
        cells, lines = hidden_lines(nb, markers)
        lines = [*lines, markers.begin, markers.end]
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


def generate(course: Course, assignment: str, students: list[str] | None = None) -> list[Path]:
    """Write feedback/<student>/<assignment>/<notebook>.html for every graded notebook (by
    nbgrader's ``GenerateFeedback``), and a page with the reason for every notebook that
    failed or was not submitted. ValueError for an unknown assignment."""
    from nbgrader.converters import GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    course.assignment(assignment, from_source=True)  # known, or a clear error
    journal = Journal(course.journal(assignment)).entries()
    journal.pop(HEADER, None)
    graded = sorted({p.parent.parent.name for p in course.autograded.glob(f"*/{assignment}/*.ipynb")
                     if not p.parent.parent.name.startswith(".")})
    if students:
        graded = [s for s in graded if s in students]
    for student in (graded if students else ["*"]) if graded else []:
        config = Config(course.config)
        config.CourseDirectory.assignment_id = assignment
        config.CourseDirectory.student_id = student
        config.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, ClearHiddenTests,
                                                 CSSHTMLHeaderPreprocessor]
        coursedir = CourseDirectory(config=config)
        app = GenerateFeedback(coursedir=coursedir, config=config)
        app.log.setLevel(logging.ERROR)
        app.force = True
        app.start()
    written = [course.feedback / s / assignment / f"{p.stem}.html" for s in graded
               for p in sorted((course.autograded / s / assignment).glob("*.ipynb"))]
    for (student, notebook), entry in sorted(journal.items()):
        if entry.get("state") not in (FAILED, MISSING) or (students and student not in students):
            continue
        if entry.get("state") == FAILED:
            message = f"Your notebook could not be graded: {entry.get('reason', '')}"
        else:
            message = f"{notebook}.ipynb was not submitted; it scores 0."
        target = course.feedback / student / assignment / f"{notebook}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        title = html.escape(f"{assignment}: {notebook}")
        target.write_text(
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>{html.escape(message)}</p>"
            "<p>Please contact your instructor.</p></body></html>", encoding="utf-8")
        written.append(target)
    return written
