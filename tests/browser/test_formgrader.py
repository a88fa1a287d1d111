"""Manual grading in the browser: nbgrader's formgrader after ``nngrade autograde``.

Two students' lesson-01 submissions are graded by the ``nngrade`` command; then the
instructor's JupyterLab (what ``python3 course.py lab --instructor`` starts, serving that
course folder: ``LabServer.start_course``) opens Nbgrader > Formgrader in Debian's
Chromium. The test checks that Manual Grading lists both submissions with the automatic
scores ``nngrade status`` reports, opens one submission, types a score for its free-response
answer and a comment, waits for formgrader's own acknowledgement of each save (its
``finished_saving`` event, fired when the server has answered), and then checks that
``nngrade export`` shows the manual grade (the answer's column and the total) and that
``nngrade feedback`` writes HTML with the comment. On failure a screenshot is kept in
``/tmp/nncourse-formgrader/``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from fixtures.submissions import hostile
from fixtures.submissions.course import make_course, nngrade, status

from .lab import Lab, LabServer, lab_page

LESSON = hostile.LESSON
FREE_RESPONSE = "fr_xor"  # lesson 01's manually graded answer (2 points)
ANSWERS = {
    "ada": (None, "One straight line cannot put (0, 1) and (1, 0) apart from (0, 0), (1, 1)."),
    "bob": (hostile.NO_WRONG, "XOR is hard."),
}
GRADED = "ada"
MANUAL_SCORE = 1.5
# plain words: formgrader renders comments as Markdown in the feedback
COMMENT = "Right idea, now name the separating line and say on which side each point lies."
SCREENSHOTS = Path("/tmp/nncourse-formgrader")
_VIEWPORT = {"width": 1280, "height": 1000}
# Count formgrader's "finished_saving" events, which it triggers on the page's document when
# the server has acknowledged a grade or a comment.
_COUNT_SAVES = """() => { document.body.dataset.saves = '0';
    $(document).on('finished_saving', () => {
        document.body.dataset.saves = String(Number(document.body.dataset.saves) + 1); }); }"""


def _submission(course: Path, student: str, wrong_code: str | None, answer: str) -> None:
    nb = nbformat.read(str(hostile.SOLUTION), as_version=4)
    for cell in nb.cells:
        if cell.get("id") == FREE_RESPONSE:
            cell.source = answer
        elif cell.get("id") == "neuron_output" and wrong_code is not None:
            cell.source = wrong_code
    folder = course / "submitted" / student / LESSON
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / f"{LESSON}.ipynb"))
    (folder / "timestamp.txt").write_text("2026-11-20 12:00:00.000000 UTC")


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course folder with two submissions of lesson 01, graded by ``nngrade autograde``."""
    root = tmp_path_factory.mktemp("formgrader") / "course"
    exchange = root.parent / "exchange"  # formgrader checks one; nothing is released here
    exchange.mkdir()
    make_course(root, extra=f"c.Exchange.root = {str(exchange)!r}\n")
    for student, (code, answer) in ANSWERS.items():
        _submission(root, student, code, answer)
    nngrade(root, "autograde", LESSON, "--jobs", "2")
    return root


@pytest.fixture(scope="module")
def instructor_server(course: Path, tmp_path_factory: pytest.TempPathFactory
                      ) -> Iterator[LabServer]:
    """``python3 course.py lab --instructor`` serving the graded course folder."""
    server = LabServer.start_course(course, tmp_path_factory.mktemp("instructor-home"),
                                    instructor=True)
    yield server
    server.stop()


@pytest.fixture
def instructor(browser, instructor_server: LabServer, request) -> Iterator[Lab]:
    """A fresh page on the instructor's JupyterLab; a screenshot in /tmp if the test fails."""
    SCREENSHOTS.mkdir(exist_ok=True)
    yield from lab_page(browser, instructor_server, SCREENSHOTS, request.node, _VIEWPORT)


def _open_formgrader(lab: Lab):
    """Nbgrader > Formgrader from the menu bar; the formgrader's frame."""
    lab.goto()
    page = lab.page
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Formgrader").first.click()
    formgrader = page.frame_locator("#formgrader-iframe iframe")
    formgrader.get_by_role("heading", name="Manage Assignments").wait_for()
    return formgrader


def _open_submissions_list(formgrader) -> None:
    """Manual Grading > the lesson > its notebook: the table of submissions, names shown."""
    formgrader.get_by_role("link", name="Manual Grading").click()
    formgrader.locator("ol.breadcrumb li.active", has_text="Manual Grading").wait_for()
    formgrader.locator("#main-table a", has_text=LESSON).click()
    formgrader.locator("ol.breadcrumb li.active", has_text=LESSON).wait_for()
    formgrader.locator("#main-table a", has_text=LESSON).click()
    formgrader.locator("ol.breadcrumb li:nth-child(3).active", has_text=LESSON).wait_for()
    rows = formgrader.locator("#main-table tr")
    # rendered with every row before the names can be revealed, all at once
    rows.nth(len(ANSWERS) - 1).locator("a.name-hidden").wait_for(state="attached")
    formgrader.locator("#toggle_names").click()
    formgrader.locator("#toggle_names", has_text="Hide All Names").wait_for()


def _listed(formgrader) -> dict[str, dict[str, str]]:
    """Student -> the table's cells (score, code score, written score, needs manual grade)."""
    listed = {}
    for row in formgrader.locator("#main-table tr").all():
        name = row.locator("td.name a.name-shown").inner_text().strip()
        listed[name] = {
            "score": row.locator("td.score").inner_text().strip(),
            "code": row.locator("td.code-score").inner_text().strip(),
            "written": row.locator("td.written-score").inner_text().strip(),
            "manual": row.locator("td.needs-manual-grade").get_attribute("data-search") or "",
        }
    return listed


def _points(value: float) -> str:
    """A score as formgrader prints it (``roundToPrecision``: no trailing zeros)."""
    return f"{round(value, 2):g}"


def _grading_frame(lab: Lab):
    """The formgrader frame once it shows a submission with its grades and comments bound
    to the page (formgrader's own ``loaded`` flags)."""
    lab.page.frame_locator("#formgrader-iframe iframe").locator(".nbgrader_cell").first.wait_for()
    frame = next(f for f in lab.page.frames if "/formgrader/submissions/" in f.url)
    frame.wait_for_function("() => window.formgrader && formgrader.grades.loaded"
                            " && formgrader.comments.loaded")
    frame.evaluate(_COUNT_SAVES)
    return frame


def _save(lab: Lab, frame, selector: str, text: str, saves: int) -> None:
    """Type ``text`` into a formgrader field and leave it (Tab), as a grader does; wait for
    formgrader's acknowledgement (the ``saves``-th) and check the server accepted it."""
    field = frame.locator(selector)
    with lab.page.expect_response(
            lambda r: "/formgrader/api/" in r.url and r.request.method == "PUT") as reply:
        field.fill(text)
        field.press("Tab")
    assert reply.value.ok, f"formgrader's save answered {reply.value.status}"
    frame.wait_for_function("n => Number(document.body.dataset.saves) >= n", arg=saves)


def test_formgrader_lists_every_submission_with_its_automatic_score(instructor, course):
    report = {row["student"]: row for row in status(course, LESSON)["rows"]}
    assert sorted(report) == sorted(ANSWERS), report
    formgrader = _open_formgrader(instructor)
    _open_submissions_list(formgrader)
    listed = _listed(formgrader)
    assert sorted(listed) == sorted(ANSWERS), listed
    for student, row in report.items():
        automatic = f"{_points(row['score'])} / {_points(row['max_score'])}"
        assert listed[student]["code"] == automatic, (student, listed[student], row)
        assert listed[student]["written"] == "0 / 2", listed[student]
        assert listed[student]["manual"] == "needs manual grade", listed[student]
    assert report["ada"]["score"] > report["bob"]["score"], report


def test_a_manual_grade_and_comment_reach_export_and_feedback(instructor, course, tmp_path):
    automatic = {row["student"]: row["score"] for row in status(course, LESSON)["rows"]}
    formgrader = _open_formgrader(instructor)
    _open_submissions_list(formgrader)
    formgrader.locator("#main-table a.name-shown", has_text=GRADED).click()
    frame = _grading_frame(instructor)
    score = f"input.score#{FREE_RESPONSE}"
    assert "needs_manual_grade" in (frame.locator(score).get_attribute("class") or "")
    _save(instructor, frame, score, str(MANUAL_SCORE), 1)
    _save(instructor, frame, f"textarea.comment#{FREE_RESPONSE}-comment", COMMENT, 2)

    target = tmp_path / "grades.csv"
    nngrade(course, "export", LESSON, "--csv", str(target))
    with target.open() as handle:
        exported = {row["student"]: row for row in csv.DictReader(handle)}
    assert float(exported[GRADED][FREE_RESPONSE]) == MANUAL_SCORE, exported[GRADED]
    assert float(exported[GRADED]["total"]) == automatic[GRADED] + MANUAL_SCORE, exported
    others = [s for s in ANSWERS if s != GRADED]
    for student in others:
        assert exported[student][FREE_RESPONSE] == "", exported[student]
        assert float(exported[student]["total"]) == automatic[student], exported[student]
    # the LMS formats carry the same totals: Canvas's last column, Moodle's second
    for fmt, key, first_row in (("canvas", "SIS Login ID", 2), ("moodle", "Username", 1)):
        lms = tmp_path / f"{fmt}.csv"
        nngrade(course, "export", LESSON, "--csv", str(lms), "--format", fmt,
                "--login-is-student-id", *(["--moodle-id", "username"] if fmt == "moodle" else []))
        with lms.open() as handle:
            table = list(csv.reader(handle))
        column = table[0].index(key)
        totals = {row[column]: float(row[-1]) for row in table[first_row:]}
        assert totals[GRADED] == automatic[GRADED] + MANUAL_SCORE, (fmt, table)

    nngrade(course, "feedback", LESSON, "--student", GRADED)
    html = (course / "feedback" / GRADED / LESSON / f"{LESSON}.html").read_text()
    assert COMMENT in html, "the comment entered in formgrader is not in the feedback"
    assert (f'<a href="#{FREE_RESPONSE}">Written response</a> (Score: {MANUAL_SCORE} / 2.0)'
            in html), "the manual score is not in the feedback's summary"
