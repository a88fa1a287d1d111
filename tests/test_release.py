"""Gate 2: lessons/ is exactly what nbgrader builds from solutions/."""

from __future__ import annotations

import json
import shutil

from conftest import LESSON_IDS, release_notebook

from grader import release
from grader.cli import main


def test_release_check_passes_on_the_committed_tree(capsys):
    assert main(["release", "--check"]) == 0
    assert "lessons/ matches solutions/" in capsys.readouterr().out


def test_release_has_no_solutions_hidden_tests_or_outputs():
    for lesson in LESSON_IDS:
        text = release_notebook(lesson).read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in text, f"{lesson}: release contains {marker}"
        nb = json.loads(text)
        assert all(c["id"] for c in nb["cells"])
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None


def test_check_names_a_notebook_that_drifted(tmp_path, monkeypatch, capsys):
    copy = tmp_path / "lessons"
    shutil.copytree(release.LESSONS, copy)
    lesson = LESSON_IDS[0]
    target = copy / lesson / f"{lesson}.ipynb"
    nb = json.loads(target.read_text())
    nb["cells"][0]["source"] = "edited by hand"
    target.write_text(json.dumps(nb))
    (copy / lesson / "stray.txt").write_text("x")
    monkeypatch.setattr(release, "LESSONS", copy)
    assert main(["release", "--check"]) == 1
    err = capsys.readouterr().err
    assert f"lessons/{lesson}/{lesson}.ipynb: differs from what solutions/{lesson} builds" in err
    assert f"lessons/{lesson}/stray.txt: not in the build from solutions/" in err


def test_unknown_lesson_is_a_clear_error(capsys):
    assert main(["release", "99_nothing"]) == 2
    assert "no such lesson" in capsys.readouterr().err
