"""The assignment model's single definitions (hidden regions, student cells, setup cells,
columns, states) and the read-only commands' and sanitizer's edges; no kernel started."""

from __future__ import annotations

import shutil
import warnings
from itertools import product
from types import SimpleNamespace

import nbformat
import pytest
from fixtures import any_course as ac
from nbformat.warnings import MissingIDFieldWarning
from traitlets.config import Config

from grader import assignment as model

CUSTOM = '''
c.ClearHiddenTests.begin_test_delimeter = "SECRET CHECKS START"
c.ClearHiddenTests.end_test_delimeter = "SECRET CHECKS STOP"
'''


@pytest.fixture(scope="module")
def master(tmp_path_factory):
    """The hand-written two-assignment course, released and in its gradebook."""
    root = ac.make_master(tmp_path_factory.mktemp("model") / "master")
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _course(master, tmp_path, extra_config: str = "", gradebook: bool = True):
    root = tmp_path / "course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text((master / "nbgrader_config.py").read_text()
                                             + extra_config)
    shutil.copytree(master / "source", root / "source")
    if gradebook:
        shutil.copy(master / "gradebook.db", root / "gradebook.db")
    return root


# -- 1. hidden-test delimiters ---------------------------------------------------------------
def test_custom_hidden_delimiters_are_honoured_in_feedback():
    from grader.feedback import HideHiddenTests

    config = Config()
    config.ClearHiddenTests.begin_test_delimeter = "SECRET CHECKS START"
    config.ClearHiddenTests.end_test_delimeter = "SECRET CHECKS STOP"
    markers = model.hidden_markers(config)
    assert markers == model.HiddenMarkers("SECRET CHECKS START", "SECRET CHECKS STOP")
    assert model.hidden_markers(Config()) == model.DEFAULT_MARKERS
    source = ("assert f(1) == 1\n# SECRET CHECKS START\nassert f(123456) == 7\n"
              "# SECRET CHECKS STOP")
    assert model.without_hidden(source, markers) == "assert f(1) == 1"
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output(
        "error", ename="AssertionError", evalue="",
        traceback=["----> 3 assert f(123456) == 7", "AssertionError: "])]
    printer = nbformat.v4.new_code_cell("print(In)")
    printer.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                              text="['assert f(123456) == 7']")]
    nb = nbformat.v4.new_notebook(cells=[cell, printer])
    nb, _ = HideHiddenTests(config=config).preprocess(nb, {})
    assert nb.cells[0].outputs[0]["traceback"] == ["AssertionError: "]
    assert "123456" not in nb.cells[1].outputs[0]["text"]


def test_the_course_config_gives_the_models_markers(master, tmp_path):
    from grader.course import Course

    course = Course.open(_course(master, tmp_path, CUSTOM))
    assert course.hidden_markers.begin == "SECRET CHECKS START"
    assert Course.open(master).hidden_markers == model.DEFAULT_MARKERS


# -- 2. one definition of a student cell -----------------------------------------------------
def test_a_student_cell_is_defined_once_with_nbgraders_locking():
    from nbgrader.utils import is_locked

    from grader import executor, provenance_copy

    assert executor.is_student_cell is model.is_student_cell
    for grade, solution, locked, task in product([False, True], repeat=4):
        cell = nbformat.v4.new_code_cell("x = 1")
        cell.metadata["nbgrader"] = {"grade": grade, "solution": solution, "locked": locked,
                                     "task": task, "grade_id": "c"}
        assert model.is_locked(cell) == is_locked(cell), cell.metadata
        assert model.is_student_cell(cell) == (not is_locked(cell) and not model.is_test(cell))
    assert model.is_student_cell(nbformat.v4.new_code_cell("x = 1"))
    assert not model.is_student_cell(nbformat.v4.new_markdown_cell("x"))
    assert provenance_copy.is_student_cell is model.is_student_cell


def test_cell_names_come_from_the_model():
    from grader.executor import cell_name

    cell = nbformat.v4.new_code_cell("x = 1", id="abc")
    cell.metadata["nbgrader"] = None  # corrupted metadata: not a crash
    assert cell_name(cell, 3) == "abc"
    cell.metadata["nbgrader"] = {"grade_id": "q1"}
    assert cell_name(cell, 3) == "q1"


# -- 3. setup cells from the gradebook -------------------------------------------------------
def _fake_gradebook(source_cells, grade=(), solution=()):
    notebook = SimpleNamespace(
        name="nb", grade_cells=[SimpleNamespace(name=n, max_score=1) for n in grade],
        solution_cells=[SimpleNamespace(name=n) for n in solution], task_cells=[],
        source_cells=[SimpleNamespace(name=n, cell_type=t, locked=lk, source=f"# {n}")
                      for n, t, lk in source_cells])
    return SimpleNamespace(find_assignment=lambda name: SimpleNamespace(notebooks=[notebook]))


def test_setup_cells_from_the_gradebook_are_locked_ungraded_code_cells():
    gb = _fake_gradebook([("setup_b", "code", True), ("setup_a", "code", True),
                          ("setup_answer", "code", False), ("setup_check", "code", True),
                          ("setup_notes", "markdown", True), ("other", "code", True)],
                         grade=["setup_check"], solution=["setup_answer"])
    found = model.from_gradebook(gb, "x", {"nb": ["setup_b", "setup_answer", "setup_a"]})
    assert found.setup_sources == ["# setup_b", "# setup_a"]


# -- 4. the assignment's notebooks come from the model ----------------------------------------
def test_status_lists_the_models_notebooks_not_the_source_folders(master, tmp_path):
    from grader.course import Course
    from grader.status import report

    root = _course(master, tmp_path)
    nbformat.write(ac.QUIZ, str(root / "source" / "ps1" / "scratch.ipynb"))
    assert report(Course.open(root), "ps1")["notebooks"] == ["Part A", "quiz"]


# -- 5. state strings defined once ------------------------------------------------------------
def test_states_are_the_journals():
    from grader import export, journal, status

    assert status.student_state([journal.NOT_GRADED, journal.GRADED]) is journal.PARTLY_GRADED
    assert status.student_state([journal.FAILED, journal.GRADED]) is journal.PARTLY_FAILED
    assert status.student_state([journal.CHANGED, journal.FAILED]) is journal.CHANGED
    assert journal.state_of(None, "x") is journal.NOT_GRADED
    assert journal.state_of({"digest": "y", "state": journal.GRADED}, "x") is journal.CHANGED
    data = [{"student": "a", "status": f"{journal.NEEDS_MANUAL}: q1"},
            {"student": "b", "status": journal.GRADED}]
    assert export.needs_manual_grading(data) == ["a"]


# -- 6. export columns never overwrite the fixed ones ------------------------------------------
def test_columns_named_like_the_fixed_ones_are_prefixed():
    cells = {n: model.GradeCell(n, 1.0, model.MANUAL, n)
             for n in ("total", "status", "q1", "student", "max_total", "reason")}
    columns = [c for c, _ in model.Assignment("x", [model.Notebook("nb", cells)]).columns()]
    assert columns == ["cell:total", "cell:status", "q1", "cell:student", "cell:max_total",
                       "cell:reason"]
    assert not set(columns) & set(model.FIXED_COLUMNS)


# -- 7. read-only commands on an unknown assignment, never creating a gradebook --------------
@pytest.mark.parametrize("command", ["status", "feedback", "export"])
def test_an_unknown_assignment_is_refused_without_creating_a_gradebook(
        master, tmp_path, capsys, command):
    from grader.cli import main

    root = _course(master, tmp_path, gradebook=False)
    extra = ["--csv", str(tmp_path / "out.csv")] if command == "export" else []
    assert main([command, "nope", "--course", str(root), *extra]) == 2
    assert "nope" in capsys.readouterr().err
    assert not (root / "gradebook.db").exists()
    if command != "export":  # a known assignment that was never graded
        assert main([command, "ps1", "--course", str(root)]) == 0
        assert not (root / "gradebook.db").exists()


def test_a_course_folder_without_nbgrader_config_is_refused(tmp_path):
    from grader.course import Course

    with pytest.raises(ValueError, match="not an nbgrader course"):
        Course.open(tmp_path)
    assert not (tmp_path / "gradebook.db").exists()


# -- 9. deleted test cells ---------------------------------------------------------------------
def _quiz_without_its_test(root):
    released = nbformat.read(str(root / "release" / "ps1" / "quiz.ipynb"), as_version=4)
    released.cells = [c for c in released.cells if model.grade_id(c) != "test_is_even"]
    ac.submit(root, "ann", "ps1", {"quiz": nbformat.writes(released).encode()})


@pytest.mark.parametrize("setting, restored", [("", True),
                                                ("c.OverwriteCells.add_missing_cells = False\n",
                                                 False),
                                                ("c.OverwriteCells.add_missing_cells = True\n",
                                                 True)])
def test_a_deleted_test_cell_is_restored_unless_the_course_says_otherwise(
        master, tmp_path, setting, restored):
    from grader.course import Course
    from grader.sanitize import sanitize

    root = _course(master, tmp_path, setting)
    shutil.copytree(master / "release", root / "release")
    _quiz_without_its_test(root)
    course = Course.open(root)
    with warnings.catch_warnings():  # nbgrader restores the cell without an id
        warnings.simplefilter("error", MissingIDFieldWarning)
        result = sanitize(course, "ps1", course.assignment("ps1").notebook("quiz"), "ann")
        cells = nbformat.reads(result.source, as_version=4).cells
    ids = [model.grade_id(c) for c in cells]
    assert ("test_is_even" in ids) == restored
    cell_ids = [c.get("id") for c in cells]
    assert None not in cell_ids and len(set(cell_ids)) == len(cell_ids), cell_ids
    if restored:
        assert cells[ids.index("test_is_even")]["id"] == "test_is_even"
    expected = "restored from the gradebook" if restored else "left ungraded as nbgrader does"
    assert any(n.startswith("test_is_even was deleted") and expected in n
               for n in result.notes), result.notes


# -- 10. a notebook of the same assignment under the wrong name --------------------------------
def test_a_notebook_handed_in_under_another_notebooks_name_is_named(master, tmp_path):
    from grader.course import Course
    from grader.sanitize import InvalidSubmission, sanitize

    root = _course(master, tmp_path)
    quiz = (master / "release" / "ps1" / "quiz.ipynb").read_bytes()
    ac.submit(root, "ann", "ps1", {"Part A": quiz})
    course = Course.open(root)
    with pytest.raises(InvalidSubmission) as error:
        sanitize(course, "ps1", course.assignment("ps1").notebook("Part A"), "ann")
    message = str(error.value)
    assert "another notebook or assignment" in message and "ps1/quiz.ipynb" in message


# -- 12. the copy check is a module of its own --------------------------------------------------
def test_the_copy_check_lives_in_its_own_module():
    from grader import provenance, provenance_copy

    assert provenance.copied_reference is provenance_copy.copied_reference
    assert provenance.COPY_MIN_STATEMENTS == provenance_copy.COPY_MIN_STATEMENTS
    assert not hasattr(provenance, "ast")
