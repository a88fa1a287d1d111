"""binder/ as repo2docker uses it, minus Docker; and binder/ and pyproject.toml in step.

The fast tests compare ``binder/requirements.txt`` with ``pyproject.toml``. The slow ones
share one environment per test session: a fresh virtualenv, ``pip install -r
binder/requirements.txt`` and ``binder/postBuild`` in a copy of the repository, as
repo2docker does; then lessons 00, 01 and 07 run in it. Its size and install time are
written to ``artifacts/binder_env.json``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
import time
import tomllib
from pathlib import Path

import nbformat
import pytest
from browser.notebooks import ROOT, lesson_ids, solved
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

BINDER = ROOT / "binder"
# binder's name for a pyproject dependency, where it installs a variant of it
VARIANTS = {"tensorflow-cpu": "tensorflow"}
# the course package asks for `tensorflow`; Binder installs the same code as `tensorflow-cpu`
ACCEPTED_PIP_CHECK = re.compile(r"nncourse \S+ requires tensorflow, which is not installed\.")
SIZE_LIMIT = 1.5 * 1024**3  # bytes: 1.5 GB as `du -sh` counts (GiB)
LESSONS_IN_BINDER = [lesson for lesson in lesson_ids() if lesson[:2] in ("00", "01", "07")]
_COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "artifacts", "build", "*.egg-info", "__pycache__", ".pytest_cache",
    ".ruff_cache", "gradebook.db*", "submitted", "autograded", "feedback", ".ipynb_checkpoints")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def pyproject_requirements() -> dict[str, Requirement]:
    """The course package's runtime dependencies by canonical name."""
    reqs = [Requirement(line) for line in _pyproject()["project"]["dependencies"]]
    return {canonicalize_name(r.name): r for r in reqs}


def binder_requirements() -> dict[str, Requirement]:
    """binder/requirements.txt by the canonical name of the pyproject dependency it covers."""
    found = {}
    for raw in (BINDER / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            name = canonicalize_name(req.name)
            found[VARIANTS.get(name, name)] = req
    return found


def _pin(req: Requirement) -> str | None:
    specs = list(req.specifier)
    return specs[0].version if len(specs) == 1 and specs[0].operator == "==" else None


def test_binder_and_pyproject_name_the_same_packages():
    ours, binder = pyproject_requirements(), binder_requirements()
    only_ours = sorted(ours.keys() - binder.keys())
    only_binder = sorted(binder.keys() - ours.keys())
    assert not only_ours, f"in pyproject.toml, missing from binder/requirements.txt: {only_ours}"
    assert not only_binder, f"in binder/requirements.txt, not in pyproject.toml: {only_binder}"


def test_binder_pins_exact_versions_inside_pyprojects_ranges():
    ours = pyproject_requirements()
    for name, req in binder_requirements().items():
        version = _pin(req)
        assert version, f"binder/requirements.txt: pin {req} with == (got {req.specifier})"
        if name in ours:
            assert ours[name].specifier.contains(version, prereleases=True), (
                f"binder pins {req.name}=={version}, outside pyproject's {ours[name]}")
            assert req.extras == ours[name].extras, (
                f"{req.name}: extras {sorted(req.extras)} in binder, "
                f"{sorted(ours[name].extras)} in pyproject")


def test_binder_python_satisfies_requires_python():
    from packaging.specifiers import SpecifierSet

    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-"), runtime
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert requires.contains(runtime.removeprefix("python-") + ".0"), (runtime, requires)
    ours = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert ours == runtime.removeprefix("python-"), (
        "the tests' Python should be Binder's, so that the same wheels install")


def test_postbuild_is_an_executable_strict_bash_script():
    script = BINDER / "postBuild"
    assert script.stat().st_mode & stat.S_IXUSR, "chmod +x binder/postBuild"
    text = script.read_text()
    assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text


def test_student_view_config(tmp_path):
    sys.path.insert(0, str(BINDER))
    try:
        import student_view
    finally:
        sys.path.remove(str(BINDER))
    student_view.configure(tmp_path)
    student_view.configure(tmp_path)  # twice: still the same files
    page = json.loads((tmp_path / "labconfig" / "page_config.json").read_text())
    assert set(page["disabledExtensions"]) == set(page["lockedExtensions"]) == {
        "@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
        "@jupyter/nbgrader:course-list"}
    server = json.loads((tmp_path / "jupyter_server_config.d" / student_view.CONFIG_NAME)
                        .read_text())["ServerApp"]["jpserver_extensions"]
    assert server == {"nbgrader.server_extensions.formgrader": False,
                      "nbgrader.server_extensions.course_list": False}
    start = json.loads((tmp_path / "jupyter_server_config.json").read_text())
    assert start["LabApp"]["default_url"] == "/lab/tree/lessons/00_welcome/00_welcome.ipynb"


# --- the environment itself (slow: one build per test session) ------------------------------

def _du(path: Path) -> int:
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} failed ({result.returncode}):\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="session")
def binder_env(tmp_path_factory):
    """A virtualenv built from binder/ alone, in a copy of the repository."""
    if os.environ.get("NNCOURSE_SKIP_BINDER") and not os.environ.get("CI"):
        pytest.skip("NNCOURSE_SKIP_BINDER is set (never honoured in CI)")
    base = tmp_path_factory.mktemp("binder")
    repo, env, home = base / "repo", base / "env", base / "home"
    shutil.copytree(ROOT, repo, ignore=_COPY_IGNORE)
    home.mkdir()
    python = getattr(sys, "_base_executable", sys.executable)
    begin = time.perf_counter()
    _run([python, "-m", "venv", str(env)])
    # pip as repo2docker runs it; the machine's pip config (caches, local indexes) applies
    _run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", "-r",
          "binder/requirements.txt"], cwd=repo, timeout=1800)
    pip_s = time.perf_counter() - begin
    size_after_pip = _du(env)
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("JUPYTER", "IPYTHON", "VIRTUAL_ENV", "PYTHON"))}
    run_env = {**clean, "HOME": str(home), "PATH": f"{env / 'bin'}{os.pathsep}{clean['PATH']}",
               "VIRTUAL_ENV": str(env)}
    post_begin = time.perf_counter()
    _run(["bash", "binder/postBuild"], cwd=repo, env=run_env, timeout=900)
    total_s = pip_s + time.perf_counter() - post_begin
    size = _du(env)
    report = {"size_bytes": size, "size_gib": round(size / 1024**3, 3),
              "size_before_postBuild_gib": round(size_after_pip / 1024**3, 3),
              "install_s": round(total_s, 1), "pip_install_s": round(pip_s, 1),
              "postBuild_s": round(total_s - pip_s, 1), "python": python,
              "note": "timed on a shared 2-core machine; pip may use local wheel caches"}
    artifacts = ROOT / "artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "binder_env.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nbinder env: {report['size_gib']} GiB, installed in {report['install_s']} s "
          f"(pip {report['pip_install_s']} s, postBuild {report['postBuild_s']} s)")
    return {"repo": repo, "env": env, "home": home, "run_env": run_env, "report": report}


def test_binder_env_is_small_enough(binder_env):
    report = binder_env["report"]
    assert report["size_bytes"] < SIZE_LIMIT, (
        f"the Binder environment is {report['size_gib']} GiB, over 1.5: {report}")


def test_binder_env_is_consistent_and_has_the_pins(binder_env):
    python = str(binder_env["env"] / "bin" / "python")
    check = subprocess.run([python, "-m", "pip", "check"], env=binder_env["run_env"],
                           capture_output=True, text=True)
    problems = [line for line in check.stdout.splitlines() if line.strip()
                and not ACCEPTED_PIP_CHECK.fullmatch(line) and "No broken requirements" not in line]
    assert not problems, check.stdout + check.stderr
    listed = json.loads(_run([python, "-m", "pip", "list", "--format=json"],
                             env=binder_env["run_env"]).stdout)
    installed = {canonicalize_name(p["name"]): p["version"] for p in listed}
    for req in binder_requirements().values():
        assert installed.get(canonicalize_name(req.name)) == _pin(req), req
    assert "nncourse" in installed
    assert not (binder_env["home"] / ".jupyter").exists(), "postBuild wrote to the user's HOME"


def test_binder_env_gives_students_the_student_view(binder_env):
    jupyter = str(binder_env["env"] / "bin" / "jupyter")
    run_env = binder_env["run_env"]
    lab = _run([jupyter, "labextension", "list"], env=run_env)
    text = lab.stdout + lab.stderr
    disabled = text.split("Disabled extensions:", 1)[-1]
    for plugin in ("formgrader", "create-assignment", "course-list"):
        assert f"@jupyter/nbgrader:{plugin}" in disabled, text
    probe = textwrap.dedent("""
        import json
        from jupyter_core.paths import jupyter_config_path
        from jupyter_server.extension.config import ExtensionConfigManager
        manager = ExtensionConfigManager(read_config_path=jupyter_config_path())
        print(json.dumps(manager.get_jpserver_extensions()))
    """)
    enabled = json.loads(_run([str(binder_env["env"] / "bin" / "python"), "-c", probe],
                              env=run_env).stdout)
    assert enabled["nbgrader.server_extensions.validate_assignment"] is True
    assert enabled["nbgrader.server_extensions.assignment_list"] is True
    assert enabled["nbgrader.server_extensions.formgrader"] is False


_EXECUTE = textwrap.dedent("""
    import sys, time, nbformat
    from nbclient import NotebookClient
    path, prefix = sys.argv[1], sys.argv[2]
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("import sys; print(sys.prefix)"))
    begin = time.perf_counter()
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": sys.argv[3]}}).execute()
    seen = nb.cells[0].outputs[0]["text"].strip()
    assert seen == prefix, f"the kernel ran in {seen}, not in the Binder environment {prefix}"
    print(f"EXECUTED in {time.perf_counter() - begin:.1f} s")
""")


@pytest.mark.parametrize("lesson", LESSONS_IN_BINDER)
def test_lesson_runs_in_binder_env(binder_env, lesson):
    """The solved lesson runs top to bottom, without an error, in the Binder kernel."""
    folder = binder_env["repo"] / "lessons" / lesson
    notebook = folder / f"solved-{lesson}.ipynb"
    nbformat.write(solved(lesson), str(notebook))
    env = binder_env["env"]
    result = _run([str(env / "bin" / "python"), "-c", _EXECUTE, str(notebook), str(env),
                   str(folder)], env=binder_env["run_env"], timeout=600)
    assert "EXECUTED" in result.stdout


def test_widget_pins_agree_with_each_other():
    """ipywidgets' own requirement on jupyterlab_widgets accepts binder's pin (checked from
    the installed ipywidgets' metadata when it is the pinned version)."""
    from importlib import metadata

    pins = binder_requirements()
    ipywidgets, lab_widgets = _pin(pins["ipywidgets"]), _pin(pins["jupyterlab-widgets"])
    if metadata.version("ipywidgets") != ipywidgets:
        pytest.skip(f"installed ipywidgets {metadata.version('ipywidgets')} is not the pin")
    wanted = [Requirement(r) for r in metadata.requires("ipywidgets") or []]
    [spec] = [r for r in wanted if canonicalize_name(r.name) == "jupyterlab-widgets"]
    assert spec.specifier.contains(lab_widgets), f"ipywidgets {ipywidgets} wants {spec}"
