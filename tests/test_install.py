"""``pip install .`` (not editable) into a fresh environment, then ``nngrade`` on a course
folder that has nothing to do with this repository.

The fresh venv gets the package from a wheel built out of a copy of the source tree (the
build cannot write into the checkout); its dependencies are this .venv's, made visible by a
``.pth`` line (TensorFlow is not installed twice). A ``.pth`` line only adds a folder to
``sys.path``: the ``.pth`` files inside it, among them the editable install's finder that
maps ``grader`` and ``nncourse`` to this checkout, are not run, so the fresh venv imports
the copies it installed. The course (one assignment, one notebook, two graded test cells)
is written here, released, submitted for two students, graded, inspected, exported and fed
back by the fresh venv's ``nngrade``; a kernel cell reports where ``nncourse`` and its data
came from and what its ``sys.path`` holds. ``JUPYTER_PATH`` names the borrowed environment's
``share/jupyter`` because a real install would put nbconvert's templates (feedback) in the
fresh prefix.

A second course, ``ps1`` of tests/fixtures/any_course.py (two notebooks, one with a space in
its name, a data file they read, hidden tests, manual answers, a task), is written in a
temporary folder, submitted by a right and a wrong student and graded by the fresh venv's
``nngrade``; a copy is graded by nbgrader's serial ``autograde`` (``python -m nbgrader`` in
the fresh venv), and the two gradebooks must agree per notebook and cell by cell.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import nbformat
import pytest
from fixtures import any_course as ac
from test_any_course import _gradebook

ROOT = Path(__file__).resolve().parents[1]
SOURCE_TREE = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "grader", "nncourse",
               "datasets"]
DEV_SITE = Path(sysconfig.get_paths()["purelib"])  # this .venv's dependencies
REPORT = "INSTALL-REPORT "



@pytest.fixture(autouse=True)
def _dependencies_to_borrow():
    """The fresh environment borrows this one's dependencies: without them, fail clearly."""
    if not (DEV_SITE / "nbgrader").is_dir():
        pytest.fail(f"the install test borrows the course's dependencies from {DEV_SITE}, "
                    "which has no nbgrader: run it with the course's .venv")


def _meta(grade_id: str, *, grade: bool, solution: bool, points: int = 0) -> dict:
    meta = {"grade": grade, "solution": solution, "locked": not solution, "task": False,
            "grade_id": grade_id, "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _source_notebook(repo: Path, fresh: Path) -> nbformat.NotebookNode:
    answer = ("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
              "    ### END SOLUTION\n")
    check = "assert double(3) == 6\nassert double(-1.5) == -3.0\n"
    where = f"""\
import json, sys
import nncourse, grader, nncourse.data as data
spam = data.load("spam")
print({REPORT!r} + json.dumps({{
    "sys_path": sys.path, "nncourse": nncourse.__file__, "data_dir": str(data.data_dir()),
    "installed_copy": str(data.INSTALLED), "spam_shape": list(spam.X.shape),
    "editable_finder": any("Editable" in repr(f) for f in sys.meta_path)}}))
assert not [p for p in sys.path if p.startswith({str(repo)!r}) and p != {str(DEV_SITE)!r}]
assert nncourse.__file__.startswith({str(fresh)!r})
assert data.data_dir() == data.INSTALLED and spam.X.shape == (4000, 14)
"""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("Write `double(x)`.", id="intro"),
        nbformat.v4.new_code_cell(answer, id="answer",
                                  metadata=_meta("answer", grade=False, solution=True)),
        nbformat.v4.new_code_cell(check, id="test_double",
                                  metadata=_meta("test_double", grade=True, solution=False,
                                                 points=2)),
        nbformat.v4.new_code_cell(where, id="test_where",
                                  metadata=_meta("test_where", grade=True, solution=False,
                                                 points=1)),
    ]
    return nb


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    """A venv with the course installed from a wheel, its dependencies borrowed."""
    base = tmp_path_factory.mktemp("install")
    tree = base / "src"
    tree.mkdir()
    for name in SOURCE_TREE:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tree / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        else:
            shutil.copy2(src, tree / name)
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "zz_course_dependencies.pth").write_text(f"{DEV_SITE}\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", "--no-build-isolation", "--no-cache-dir", str(tree)],
                   check=True, capture_output=True, text=True, cwd=base)
    return env_dir


def _env(fresh: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # the borrowed dependencies' programs (alembic) and data (kernel spec, nbconvert
    # templates) come after the fresh venv's own
    env["PATH"] = os.pathsep.join([str(fresh / "bin"), str(Path(sys.executable).parent),
                                   env.get("PATH", "")])
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    env["VIRTUAL_ENV"] = str(fresh)
    return env


def _run(fresh: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([str(fresh / "bin" / args[0]), *args[1:]], cwd=cwd, env=_env(fresh),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def test_the_fresh_venv_imports_its_own_install(fresh):
    probe = ("import sys, json, grader, nncourse, nncourse.data as d; print(json.dumps(["
             "grader.__file__, nncourse.__file__, str(d.data_dir()), "
             "[repr(f) for f in sys.meta_path]]))")
    out = _run(fresh, ["python", "-c", probe], cwd=fresh.parent)
    grader_file, nncourse_file, data_dir, finders = json.loads(out.stdout)
    assert Path(grader_file).is_relative_to(fresh), grader_file
    assert Path(nncourse_file).is_relative_to(fresh), nncourse_file
    assert Path(data_dir) == Path(nncourse_file).parent / "datasets"
    assert sorted(p.name for p in Path(data_dir).iterdir()) == [
        "README.md", "breast_cancer.csv", "digits.csv", "spam.csv"]
    assert not any("Editable" in f for f in finders), finders
    for name in ("scratch", "mutants", "tape_fixtures", "syllabus"):  # repository-only tools
        assert not (Path(grader_file).parent / f"{name}.py").exists(), name


def test_nngrade_grades_a_course_outside_the_repository(fresh, tmp_path):
    course = tmp_path / "course"
    (course / "source" / "hw1").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.Execute.timeout = 60\n")
    nbformat.write(_source_notebook(ROOT, fresh), course / "source" / "hw1" / "hw1.ipynb")

    out = _run(fresh, ["nngrade", "release"], cwd=course).stdout
    assert "release/hw1/hw1.ipynb" in out
    student = nbformat.read(course / "release" / "hw1" / "hw1.ipynb", as_version=4)
    assert "BEGIN SOLUTION" not in json.dumps(student)
    for name, answer in (("alice", "def double(x):\n    return x + x\n"), ("bob", None)):
        nb = nbformat.from_dict(json.loads(json.dumps(student)))
        if answer is not None:
            next(c for c in nb.cells if c.get("id") == "answer").source = answer
        folder = course / "submitted" / name / "hw1"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "hw1.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-30 08:00:00.000000 UTC")

    _run(fresh, ["nngrade", "autograde", "hw1", "--quiet", "--jobs", "1"], cwd=course)

    status = json.loads(_run(fresh, ["nngrade", "status", "hw1", "--json"], cwd=course).stdout)
    scores = {row["student"]: (row["score"], row["max_score"]) for row in status["rows"]}
    assert scores == {"alice": (3, 3), "bob": (1, 3)}, status

    _run(fresh, ["nngrade", "export", "hw1", "--csv", "grades.csv"], cwd=course)
    with open(course / "grades.csv", newline="") as handle:
        totals = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
    assert totals == {"alice": 3.0, "bob": 1.0}

    _run(fresh, ["nngrade", "feedback", "hw1"], cwd=course)
    page = (course / "feedback" / "bob" / "hw1" / "hw1.html").read_text()
    assert "NotImplementedError" in page and "test_double" in page

    graded = nbformat.read(course / "autograded" / "alice" / "hw1" / "hw1.ipynb", as_version=4)
    cell = next(c for c in graded.cells if c.get("id") == "test_where")
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    report = json.loads(text.split(REPORT, 1)[1].splitlines()[0])
    inside = [p for p in report["sys_path"] if Path(p).is_relative_to(ROOT)]
    assert inside == [str(DEV_SITE)], report["sys_path"]  # only the borrowed dependencies
    assert Path(report["nncourse"]).is_relative_to(fresh), report
    assert report["data_dir"] == report["installed_copy"], report
    assert report["spam_shape"] == [4000, 14] and not report["editable_finder"], report


PS1_ANSWERS = {"alice": ac.RIGHT, "bob": {**ac.RIGHT, **ac.WRONG}}
# what the answers deserve, per notebook (manual answers and the task wait at 0)
PS1_SCORES = {("alice", "Part A"): 3.5, ("alice", "quiz"): 3.5,
              ("bob", "Part A"): 3.0, ("bob", "quiz"): 0.0}


def _notebook_scores(course: Path) -> dict[tuple[str, str], float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        return {(sub.student_id, nb.name): nb.score
                for sub in gb.find_assignment("ps1").submissions for nb in sub.notebooks}


def test_installed_nngrade_grades_a_multi_notebook_course_as_nbgrader_does(fresh, tmp_path):
    master = ac.make_master(tmp_path / "master")
    ours = ac.copy_course(master, tmp_path / "course", registered=False)
    theirs = ac.copy_course(master, tmp_path / "nbgrader", registered=True)
    for course in (ours, theirs):
        for student, answers in PS1_ANSWERS.items():
            ac.submit(course, student, "ps1", ac.answered(master, "ps1", answers))

    graded = _run(fresh, ["nngrade", "autograde", "ps1", "--quiet", "--jobs", "2"], cwd=ours)
    assert "4 graded, 0 failed" in graded.stdout, graded.stdout
    _run(fresh, ["python", "-m", "nbgrader", "autograde", "ps1"], cwd=theirs)

    assert _notebook_scores(theirs) == PS1_SCORES  # nbgrader's own verdict
    assert _notebook_scores(ours) == PS1_SCORES
    assert _gradebook(ours, "ps1", PS1_ANSWERS) == _gradebook(theirs, "ps1", PS1_ANSWERS)
    status = json.loads(_run(fresh, ["nngrade", "status", "ps1", "--json"], cwd=ours).stdout)
    assert status["notebooks"] == ["Part A", "quiz"]
    assert {(row["student"], nb["notebook"]): nb["score"] for row in status["rows"]
            for nb in row["notebooks"]} == PS1_SCORES
