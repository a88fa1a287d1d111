"""Gate 2: lessons/ is exactly what nbgrader builds from solutions/."""

from __future__ import annotations

import json
import shutil

from conftest import LESSON_IDS, ROOT, release_notebook

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


def test_check_names_a_notebook_that_drifted(tmp_path, capsys):
    lesson = LESSON_IDS[0]
    course = tmp_path / "course"  # a copy of this course with one lesson, checked by --course
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions" / lesson, course / "solutions" / lesson)
    shutil.copytree(ROOT / "lessons" / lesson, course / "lessons" / lesson)
    assert main(["release", "--check", "--course", str(course)]) == 0
    assert "lessons/ matches solutions/ (1 assignments)" in capsys.readouterr().out
    target = course / "lessons" / lesson / f"{lesson}.ipynb"
    nb = json.loads(target.read_text())
    nb["cells"][0]["source"] = "edited by hand"
    target.write_text(json.dumps(nb))
    (course / "lessons" / lesson / "stray.txt").write_text("x")
    (course / "lessons" / "99_gone").mkdir()
    assert main(["release", "--check", "--course", str(course)]) == 1
    err = capsys.readouterr().err
    assert f"lessons/{lesson}/{lesson}.ipynb: differs from what solutions/{lesson} builds" in err
    assert f"lessons/{lesson}/stray.txt: not in the build from solutions/" in err
    assert "lessons/99_gone: no such assignment in solutions/" in err
    assert main(["release", "--course", str(course)]) == 0
    assert not (course / "lessons" / lesson / "stray.txt").exists()
    assert json.loads(target.read_text()) == json.loads(release_notebook(lesson).read_text())


def test_unknown_lesson_is_a_clear_error(capsys):
    assert main(["release", "99_nothing"]) == 2
    assert "no such assignment in" in capsys.readouterr().err
