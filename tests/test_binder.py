"""binder/ as repo2docker uses it, minus Docker; and binder/ and pyproject.toml in step.

The fast tests compare ``binder/requirements.txt`` with ``pyproject.toml``. The slow ones
share one environment: a fresh virtualenv, ``pip install -r binder/requirements.txt`` and
``binder/postBuild`` in a copy of the repository, as repo2docker does, kept in a cache keyed
on its inputs (:func:`binder_key`) and reused while they are unchanged; each session copies
the working tree into it afresh, measures its size again and runs every lesson in it. The
size and the build's times are written to ``artifacts/binder_env.json``.
"""

from __future__ import annotations

import fcntl
import hashlib
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
SIZE_LIMIT = 1.2 * 1024**3  # bytes: 1.2 GiB as `du -sh --apparent-size` counts
LESSONS_IN_BINDER = lesson_ids()
# what the built environment depends on, besides the Python that builds it (binder_key)
BUILD_INPUTS = ("binder/requirements.txt", "binder/postBuild", "binder/student_view.py",
                "binder/slim.py", "binder/runtime.txt", "setup.py")
# pyproject.toml's tables that `pip install -e .` reads (not the tools' settings)
PYPROJECT_BUILD_TABLES = ("build-system", "project", "tool.setuptools")
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


# --- the environment itself (slow: built once per key, then reused) --------------------------

def binder_key(python: str) -> str:
    """What the built environment depends on: binder/ (requirements, postBuild and the scripts
    it runs), setup.py and pyproject's build tables (postBuild installs the package from them)
    and the Python that builds it. Any change builds a fresh environment."""
    digest = hashlib.sha256()
    for name in BUILD_INPUTS:
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    pyproject = _pyproject()
    tables = {name: pyproject.get("tool", {}).get("setuptools") if name == "tool.setuptools"
              else pyproject.get(name) for name in PYPROJECT_BUILD_TABLES}
    digest.update(json.dumps(tables, sort_keys=True).encode())
    version = subprocess.run([python, "-c", "import sys; print(sys.version)"],
                             capture_output=True, text=True, check=True).stdout
    digest.update(f"{python}\0{version}".encode())
    return digest.hexdigest()[:16]


def binder_cache() -> Path:
    """Where built environments are kept: $NNCOURSE_BINDER_CACHE, else the user's cache."""
    if os.environ.get("NNCOURSE_BINDER_CACHE"):
        return Path(os.environ["NNCOURSE_BINDER_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nncourse" / "binder"


def _du(path: Path) -> int:
    """Bytes under ``path`` as ``du`` counts them: a hard-linked file once."""
    seen, total = set(), 0
    for p in path.rglob("*"):
        if p.is_file() or p.is_symlink():
            st = p.lstat()
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} failed ({result.returncode}):\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def _run_env(env: Path, home: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("JUPYTER", "IPYTHON", "VIRTUAL_ENV", "PYTHON", "KERAS"))}
    return {**clean, "HOME": str(home), "PATH": f"{env / 'bin'}{os.pathsep}{clean['PATH']}",
            "VIRTUAL_ENV": str(env)}


def _copy_repository(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT, target, ignore=_COPY_IGNORE)


def _build(entry: Path, python: str) -> dict:
    """venv + ``pip install -r binder/requirements.txt`` + postBuild, as repo2docker does."""
    repo, env, home = entry / "repo", entry / "env", entry / "home"
    _copy_repository(repo)
    home.mkdir()
    begin = time.perf_counter()
    _run([python, "-m", "venv", str(env)])
    # pip as repo2docker runs it; the machine's pip config (caches, local indexes) applies
    _run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", "-r",
          "binder/requirements.txt"], cwd=repo, timeout=1800)
    pip_s = time.perf_counter() - begin
    size_after_pip = _du(env)
    post_begin = time.perf_counter()
    slimmed = _run(["bash", "binder/postBuild"], cwd=repo, env=_run_env(env, home), timeout=900)
    total_s = pip_s + time.perf_counter() - post_begin
    return {"size_before_postBuild_gib": round(size_after_pip / 1024**3, 3),
            "size_after_build_bytes": _du(env),
            "install_s": round(total_s, 1), "pip_install_s": round(pip_s, 1),
            "postBuild_s": round(total_s - pip_s, 1), "python": python,
            "slim": [line for line in slimmed.stdout.splitlines() if line.startswith("slim:")],
            "home_after_postBuild": sorted(p.name for p in home.iterdir()),
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def _prune(cache: Path, keep: str) -> None:
    """Delete environments built for other keys, unless a test session is using one."""
    for lock_path in cache.glob("*.lock"):
        if lock_path.stem == keep:
            continue
        with lock_path.open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            shutil.rmtree(cache / lock_path.stem, ignore_errors=True)
            lock_path.unlink()


@pytest.fixture(scope="session")
def binder_env(tmp_path_factory):
    """A virtualenv built from binder/ alone, with a fresh copy of the repository.

    Kept in :func:`binder_cache` under :func:`binder_key` and reused while the key holds; the
    repository copy (lessons, the package installed editable) is refreshed every session and
    the size measured again, so every run checks the working tree in the environment."""
    if os.environ.get("NNCOURSE_SKIP_BINDER") and not os.environ.get("CI"):
        pytest.skip("NNCOURSE_SKIP_BINDER is set (never honoured in CI)")
    python = getattr(sys, "_base_executable", sys.executable)
    cache, key = binder_cache(), binder_key(python)
    cache.mkdir(parents=True, exist_ok=True)
    begin = time.perf_counter()
    with (cache / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one session at a time uses (or builds) an entry
        entry = cache / key
        record = entry / "built.json"
        reused = record.exists()
        if not reused:
            shutil.rmtree(entry, ignore_errors=True)
            entry.mkdir()
            record.write_text(json.dumps(_build(entry, python), indent=2) + "\n")
            _prune(cache, key)
        else:
            _copy_repository(entry / "repo")
        built = json.loads(record.read_text())
        repo, env = entry / "repo", entry / "env"
        home = tmp_path_factory.mktemp("binder-home")
        size = _du(env)
        report = {"size_bytes": size, "size_gib": round(size / 1024**3, 3), **built,
                  "reused": reused, "key": key, "cache": str(entry),
                  "fixture_s": round(time.perf_counter() - begin, 1),
                  "note": "timed on a shared 2-core machine; pip may use local wheel caches"}
        artifacts = ROOT / "artifacts"
        artifacts.mkdir(exist_ok=True)
        (artifacts / "binder_env.json").write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nbinder env: {report['size_gib']} GiB, "
              f"{'reused' if reused else 'built'} in {report['fixture_s']} s "
              f"(built {built['built']}: pip {built['pip_install_s']} s, "
              f"postBuild {built['postBuild_s']} s)")
        yield {"repo": repo, "env": env, "home": home, "run_env": _run_env(env, home),
               "report": report}


def _tool_env(binder_env: dict) -> dict[str, str]:
    """The test's own commands (pip, jupyter) leave no bytecode in the kept environment."""
    return {**binder_env["run_env"], "PYTHONDONTWRITEBYTECODE": "1"}


def test_binder_env_is_small_enough(binder_env):
    report = binder_env["report"]
    assert report["size_bytes"] < SIZE_LIMIT, (
        f"the Binder environment is {report['size_gib']} GiB, over 1.2: {report}")


def test_binder_env_is_consistent_and_has_the_pins(binder_env):
    python = str(binder_env["env"] / "bin" / "python")
    check = subprocess.run([python, "-m", "pip", "check"], env=_tool_env(binder_env),
                           capture_output=True, text=True)
    problems = [line for line in check.stdout.splitlines() if line.strip()
                and not ACCEPTED_PIP_CHECK.fullmatch(line) and "No broken requirements" not in line]
    assert not problems, check.stdout + check.stderr
    listed = json.loads(_run([python, "-m", "pip", "list", "--format=json"],
                             env=_tool_env(binder_env)).stdout)
    installed = {canonicalize_name(p["name"]): p["version"] for p in listed}
    for req in binder_requirements().values():
        assert installed.get(canonicalize_name(req.name)) == _pin(req), req
    assert "nncourse" in installed
    assert ".jupyter" not in binder_env["report"]["home_after_postBuild"], (
        "postBuild wrote to the user's HOME")


def test_binder_env_gives_students_the_student_view(binder_env):
    jupyter = str(binder_env["env"] / "bin" / "jupyter")
    run_env = _tool_env(binder_env)
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


_SLIMMED = textwrap.dedent("""
    import ctypes, os, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    import slim
    site = slim.site_packages(Path(sys.prefix))
    stripped = [p for p in slim.strippable(site) if site / "tensorflow" not in p.parents]
    failed = []
    for path in stripped:  # the dynamic linker still loads every library strip touched
        try:
            ctypes.CDLL(str(path))
        except OSError as error:
            failed.append(str(error))
    assert not failed and stripped, failed
    import keras, numpy as np, tensorflow as tf
    assert keras.backend.backend() == "tensorflow", keras.backend.backend()
    square = tf.function(lambda x: tf.matmul(x, x), jit_compile=True)  # XLA without _xla_ops
    assert square(tf.ones((2, 2))).numpy().tolist() == [[2.0, 2.0], [2.0, 2.0]]
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("adam", "mse", jit_compile=True)
    model.fit(np.ones((8, 2)), np.ones(8), epochs=1, verbose=0)
    from jupyterlab_server.translation_utils import get_display_name, get_language_packs
    assert get_display_name("en", "en") == "English" == get_display_name("de_DE", "en")
    assert list(get_language_packs("en")[0]) == ["en"]
    print(f"SLIMMED OK: {len(stripped)} stripped libraries load", flush=True)
    os._exit(0)  # TensorFlow's exit handlers are not what this checks
""")


def test_slimmed_env_still_has_what_the_course_uses(binder_env):
    """What binder/slim.py stripped still loads; TensorFlow is Keras' default backend and XLA
    still compiles without the op library that postBuild deletes; JupyterLab names English."""
    result = _run([str(binder_env["env"] / "bin" / "python"), "-c", _SLIMMED,
                   str(binder_env["repo"] / "binder")], env=_tool_env(binder_env), timeout=600)
    assert "SLIMMED OK" in result.stdout, result.stdout + result.stderr


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
