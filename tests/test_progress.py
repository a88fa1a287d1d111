"""``nngrade progress``: which exercises pass their visible tests; notebooks untouched."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from browser.notebooks import LESSONS, copy_lesson, fingerprint, lesson_ids

from grader import progress
from grader.cli import main

pytestmark = pytest.mark.skipif("01_neuron" not in lesson_ids(), reason="needs lesson 01")


def _edit(notebook, grade_id: str, change) -> None:
    nb = nbformat.read(str(notebook), as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source = change(cell.source)
    nbformat.write(nb, str(notebook))


@pytest.fixture(scope="module")
def student(tmp_path_factory):
    """A student's lessons/: 00 solved, 01 with one right, one wrong and one untouched
    exercise; the report on it, and the files' fingerprints before and after."""
    lessons = tmp_path_factory.mktemp("student") / "lessons"
    copy_lesson("00_welcome", lessons, solve=True)
    notebook = copy_lesson("01_neuron", lessons, solve=True)
    _edit(notebook, "neuron_output", lambda s: s.replace("np.exp(-z)", "np.exp(z)"))
    stub = nbformat.read(str(LESSONS / "01_neuron" / "01_neuron.ipynb"), as_version=4)
    original = next(c.source for c in stub.cells
                    if c.metadata.get("nbgrader", {}).get("grade_id") == "neuron_predict")
    _edit(notebook, "neuron_predict", lambda _s: original)
    before = fingerprint(lessons)
    return lessons, before


def test_report_per_lesson_and_exercise(student, capsys):
    lessons, before = student
    assert main(["progress", str(lessons)]) == 1  # not everything passes yet
    out = capsys.readouterr().out
    assert "00_welcome: 1/1 exercises pass their visible tests" in out
    assert "01_neuron: 1/3 exercises pass their visible tests" in out
    lines = {line.split()[1]: line for line in out.splitlines()
             if line.startswith("  ") and len(line.split()) > 1}
    assert lines["standardize"].split()[0] == "PASS"
    assert lines["weighted_sum"].split()[0] == "PASS"
    assert lines["neuron_output"].split()[0] == "FAIL"
    assert "test_neuron_output:" in lines["neuron_output"]
    assert lines["neuron_predict"].split()[0] == "TODO"
    assert "2/4 exercises in 2 lesson(s) pass" in out
    assert fingerprint(lessons) == before, "nngrade progress changed the student's files"


def test_all_pass_exits_zero_and_json_is_complete(tmp_path, capsys):
    lessons = tmp_path / "lessons"
    copy_lesson("01_neuron", lessons, solve=True)
    assert main(["progress", "--json", str(lessons / "01_neuron")]) == 0
    [lesson] = json.loads(capsys.readouterr().out)
    assert lesson["lesson"] == "01_neuron" and lesson["passed"] == 3 and not lesson["problem"]
    assert [e["status"] for e in lesson["exercises"]] == ["pass"] * 3


def test_the_repositorys_lessons_are_never_written(capsys):
    """Run on the real lessons/ folder: every file keeps its bytes and its mtime, and no
    file (checkpoint, cache, output) appears."""
    before = fingerprint(LESSONS)
    main(["progress", str(LESSONS / "01_neuron")])
    assert "01_neuron: 0/3" in capsys.readouterr().out
    assert fingerprint(LESSONS) == before


def test_flags_stderr_edited_locked_cells_and_broken_cells(tmp_path):
    lessons = tmp_path / "lessons"
    notebook = copy_lesson("01_neuron", lessons, solve=True)
    _edit(notebook, "weighted_sum", lambda s: "import warnings\n\n" + s.replace(
        "    return x @ w + b", "    warnings.warn('careful')\n    return x @ w + b"))
    _edit(notebook, "neuron_output", lambda s: s + "\ndef broken(:\n")
    _edit(notebook, "setup", lambda s: s + "\nimport math\n")
    [result] = progress.check_path(notebook)
    by_name = {e.name: e for e in result.exercises}
    # the visible check itself fails a function that warns, saying why grading would score 0
    assert by_name["weighted_sum"].status == progress.FAIL
    assert "printed a warning" in by_name["weighted_sum"].detail
    assert by_name["neuron_output"].status == progress.FAIL
    assert "SyntaxError" in by_name["neuron_output"].detail
    assert any("locked cell setup was edited" in w for w in result.warnings)
    text = progress.format_lesson(result)
    assert "note:" in text and "FAIL  neuron_output" in text


def test_a_passing_test_cell_with_stderr_output_is_flagged():
    import nbformat

    cell = nbformat.v4.new_code_cell("check_call(f, (1,), expected=1)")
    assert not progress._wrote_stderr(cell)
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text="UserWarning: x")]
    assert progress._wrote_stderr(cell)


def test_a_cell_that_hangs_times_out_and_the_rest_still_runs(tmp_path):
    notebook = copy_lesson("01_neuron", tmp_path / "lessons", solve=True)
    _edit(notebook, "weighted_sum", lambda s: "import time\ntime.sleep(60)\n" + s)
    [result] = progress.check_path(notebook, timeout=3)
    by_name = {e.name: e for e in result.exercises}
    assert by_name["weighted_sum"].status == progress.FAIL
    assert "TimeoutError" in by_name["weighted_sum"].detail
    assert by_name["neuron_predict"].status != progress.NOT_RUN


def test_paths_a_notebook_a_lesson_or_a_folder_of_lessons(tmp_path, capsys):
    lessons = tmp_path / "lessons"
    notebook = copy_lesson("01_neuron", lessons)
    assert progress.find_notebooks(notebook) == [notebook]
    assert progress.find_notebooks(notebook.parent) == [notebook]
    assert progress.find_notebooks(lessons) == [notebook]
    assert main(["progress", str(tmp_path / "nowhere")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    shutil.rmtree(lessons)
    lessons.mkdir()
    assert main(["progress", str(lessons)]) == 2
