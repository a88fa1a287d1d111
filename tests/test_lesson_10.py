"""Lesson 10's structure for issue 10: self-checks placed before what reveals them, the new
exercises graded like the others, and hidden tests free of TensorFlow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nncourse.selfcheck import Choice, Number, question, questions
from nncourse.widgets.convolution import output_size

ROOT = Path(__file__).resolve().parents[1]
LESSON = "10_architectures"


def _cells(folder: str = "solutions") -> list[dict]:
    nb = json.loads((ROOT / folder / LESSON / f"{LESSON}.ipynb").read_text())
    return nb["cells"]


def _ids(folder: str = "solutions") -> list[str]:
    return [cell["id"] for cell in _cells(folder)]


def test_self_checks_exist_and_stand_before_what_reveals_them():
    ids = _ids()
    found = questions("10")
    assert len(found) >= 2
    for key in found:
        cell_id = "self-check-" + key.split(".", 1)[1]
        cell = _cells()[ids.index(cell_id)]
        assert "".join(cell["source"]) == f'self_check("{key}")' and not cell["metadata"]
    assert ids.index("self-check-conv-size") < ids.index("stride-widget")
    assert ids.index("self-check-conv-size") > ids.index("stride-padding")
    assert ids.index("self-check-long-memory") < ids.index("long-memory")


def test_conv_size_question_matches_the_formula():
    q = question("10.conv-size")
    assert isinstance(q, Number) and q.answer == output_size(8, 3, stride=2, padding=1)
    long_memory = question("10.long-memory")  # a prediction of this run's contrast
    assert isinstance(long_memory, Choice) and len(long_memory.options) == 3
    assert set(long_memory.notes) == {0, 1, 2} - {long_memory.answer}  # each wrong one explained


@pytest.mark.parametrize("name", ["conv_output_size", "rnn_step", "rnn_forward"])
def test_new_exercises_have_solution_visible_and_hidden_cells(name):
    cells = {cell["id"]: cell for cell in _cells()}
    assert cells[name]["metadata"]["nbgrader"]["solution"] is True
    visible = "".join(cells[f"test_{name}"]["source"])
    hidden = "".join(cells[f"test_{name}_hidden"]["source"])
    assert visible.rstrip().endswith(f'passed("{name}")') and "mistakes=" in visible
    assert "### BEGIN HIDDEN TESTS" in hidden
    for source in (visible, hidden):
        assert "tensorflow" not in source and "tf." not in source


def test_rnn_forward_is_a_think_exercise_without_a_recipe():
    cells = {cell["id"]: "".join(cell["source"]) for cell in _cells()}
    text = cells["ex-rnn-forward"]
    assert "(n, T, H)" in text and "rnn_step" in text and "`X[:, t]`" in text
    assert "for t in range" not in text and "np.stack" not in text


def test_lesson_ends_with_what_to_remember_then_the_training_loop():
    cells = _cells()
    assert cells[-1]["id"] == "in-the-loop" and cells[-2]["id"] == "summary"
    summary = "".join(cells[-2]["source"])
    assert summary.startswith("## What you should remember")
    assert 3 <= summary.count("\n- ") <= 5
    assert "In the loop of lesson 00" in "".join(cells[-1]["source"])


def test_release_keeps_markdown_identical():
    solution = {c["id"]: c["source"] for c in _cells() if c["cell_type"] == "markdown"}
    release = {c["id"]: c["source"] for c in _cells("lessons") if c["cell_type"] == "markdown"}
    for cell_id in ("stride-padding", "long-memory-read", "gan-read", "text-read", "next-steps"):
        assert release[cell_id] == solution[cell_id]


def test_rnn_shapes_use_H_for_the_number_of_units():
    cells = {cell["id"]: "".join(cell["source"]) for cell in _cells()}
    for cell_id in ("rnn-intro", "ex-rnn-step", "ex-rnn-forward", "keras-rnn-check"):
        text = cells[cell_id]
        assert "(n, h)" not in text and "(h, h)" not in text and "(n, T, h)" not in text
        assert "H)" in text, cell_id


def test_conv_output_size_pass_message_counts_every_check(capsys):
    cells = {cell["id"]: "".join(cell["source"]) for cell in _cells()}

    namespace: dict = {}
    exec(cells["setup"], namespace)
    exec(cells["conv_output_size"], namespace)
    exec(cells["test_conv_output_size"], namespace)
    visible = cells["test_conv_output_size"]
    count = visible.count("check_call(") + visible.count("expect_no_fit((")
    assert f"`conv_output_size`: {count} checks passed" in capsys.readouterr().out
