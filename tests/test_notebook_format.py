"""Gate 5 and the notebook conventions: notebooks are clean, well-formed nbgrader source."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import pytest
from conftest import LESSON_IDS, NUMPY_LESSONS, ROOT, release_notebook, solution_notebook
from support.syllabus import CONTRACT

from grader.assignment import exercises, grade_meta, has_hidden, setup_cells
from grader.notebooks import read

ALL_NOTEBOOKS = [solution_notebook(x) for x in LESSON_IDS] + [
    release_notebook(x) for x in LESSON_IDS]
MAGIC = re.compile(r"^\s*[%!]", re.MULTILINE)
DEF = re.compile(r"^def\s+(\w+)\s*\(", re.MULTILINE)  # a top-level function definition


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_committed_without_outputs_and_with_ids(path):
    nb = json.loads(path.read_text())
    assert nb["nbformat"] == 4 and nb["nbformat_minor"] >= 5, "nbformat 4.5+ (cell ids)"
    ids = [c.get("id") for c in nb["cells"]]
    assert all(ids) and len(set(ids)) == len(ids), "every cell needs a unique id"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"cell {cell['id']} has outputs"
            assert cell["execution_count"] is None, f"cell {cell['id']} has an execution count"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_lesson_follows_the_exercise_contract(lesson):
    nb = read(solution_notebook(lesson))
    found = exercises(nb)
    missing = [name for name in CONTRACT.get(lesson, []) if name not in found]
    assert not missing, f"{lesson}: contracted exercises missing: {missing}"
    for name, exercise in found.items():
        assert exercise.solution.id == name, f"{name}: cell id should equal the grade_id"
        assert DEF.findall(exercise.solution.source)[:1] == [name], (
            f"{name}: the solution cell should define the function {name}")
        assert "### BEGIN SOLUTION" in exercise.solution.source
        ids = [grade_meta(t)["grade_id"] for t in exercise.tests]
        assert f"test_{name}" in ids, f"{name}: needs a visible test cell test_{name}"
        hidden = [t for t in exercise.tests if has_hidden(t.source)]
        assert hidden, f"{name}: needs hidden tests"
        visible = [t for t in exercise.tests if not has_hidden(t.source)]
        assert visible, f"{name}: needs a test cell with visible checks"
        for test in exercise.tests:
            meta = grade_meta(test)
            assert meta["locked"] and meta["points"] > 0
            assert test.id == meta["grade_id"]


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_setup_and_graded_cells_are_plain_python(lesson):
    nb = read(solution_notebook(lesson))
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and code[0] in setup_cells(nb), "the first code cell is the locked setup cell"
    for cell in code:
        if grade_meta(cell):
            assert not MAGIC.search(cell.source), f"{cell.id}: no magics in setup or graded cells"


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_lesson_has_live_control_and_free_response(lesson):
    nb = read(solution_notebook(lesson))
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "nncourse.widgets" in sources, f"{lesson}: no live control from nncourse.widgets"
    manual = [c for c in nb.cells if c.cell_type == "markdown" and grade_meta(c).get("grade")]
    assert manual, f"{lesson}: needs a free-response (manually graded) answer"


@pytest.mark.parametrize("lesson", NUMPY_LESSONS)
def test_numpy_lessons_do_not_mention_tensorflow_in_code(lesson):
    nb = read(solution_notebook(lesson))
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not re.search(r"\b(tensorflow|keras)\b", cell.source), cell.id


def test_ruff_is_clean_on_code_and_notebooks():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


SILENT_CALLS = {"check_call", "expect", "expect_close", "expect_unchanged", "passed", "print"}


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_test_cells_do_not_end_in_a_value(lesson):
    """nbgrader reads a graded cell's displayed value as a partial score: end in a statement."""
    nb = read(solution_notebook(lesson))
    for exercise in exercises(nb).values():
        for cell in exercise.tests:
            tree = ast.parse(cell.source)
            last = tree.body[-1] if tree.body else None
            silent = SILENT_CALLS | {  # helpers defined in the cell that return nothing
                f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                and not any(isinstance(r, ast.Return) and r.value for r in ast.walk(f))}
            if isinstance(last, ast.Expr):
                call = last.value
                name = getattr(getattr(call, "func", None), "id", None)
                assert isinstance(call, ast.Call) and name in silent, (
                    f"{lesson}:{cell.id} ends in an expression whose value nbgrader would "
                    f"read as a score (line {last.lineno}); assign it, e.g. `got = ...`")


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_visible_test_cells_say_when_they_pass(lesson):
    """A passing visible test cell prints one line (`passed(name)`), so success is visible."""
    nb = read(solution_notebook(lesson))
    for name, exercise in exercises(nb).items():
        for cell in exercise.tests:
            if has_hidden(cell.source):
                continue
            last = cell.source.rstrip().splitlines()[-1]
            assert last == f'passed("{name}")', (
                f"{lesson}:{cell.id} should end with `passed(\"{name}\")`, not {last!r}")


LOOP_STEPS = ("forward", "loss", "backward", "update")


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_lesson_ends_with_what_to_remember_and_its_place_in_the_loop(lesson):
    cells = read(solution_notebook(lesson)).cells
    found = [i for i, c in enumerate(cells) if "What you should remember" in c.source]
    assert found, f"{lesson}: no 'What you should remember' cell"
    start = found[-1]
    assert start >= len(cells) - 2, f"{lesson}: 'What you should remember' should end the lesson"
    remember = cells[start].source.split("What you should remember", 1)[1]
    remember = remember.split("\n\n#", 1)[0]
    bullets = re.findall(r"^\s*(?:[-*]|\d+\.) ", remember, re.MULTILINE)
    assert 3 <= len(bullets) <= 5, f"{lesson}: {len(bullets)} lines to remember, want 3 to 5"
    ending = " ".join(c.source for c in cells[start:]).lower()
    assert "loop" in ending and any(step in ending for step in LOOP_STEPS), (
        f"{lesson}: the end should place the lesson's piece in the training loop of lesson 00")
