"""binder/ as repo2docker uses it, minus Docker; and binder/ and pyproject.toml in step.

The fast tests compare ``binder/requirements.txt`` with ``pyproject.toml``. The slow ones
use the environment of tests/support/binder_env.py (a fresh virtualenv, ``pip install -r
binder/requirements.txt`` and ``binder/postBuild`` in a copy of the repository, as
repo2docker does; cached by its inputs, the working tree copied in again every test run):
its size, its pins, the student view, what slimming left. Every lesson runs in it in gate 1
(tests/test_grading_nbgrader.py): nbgrader's autograde runs the lessons' kernels there, so
the solution's run without an error there is the check that the lesson works on Binder.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
import textwrap

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from support.binder_env import BINDER, pyproject, run

# binder's name for a pyproject dependency, where it installs a variant of it
VARIANTS = {"tensorflow-cpu": "tensorflow"}
# the course package asks for `tensorflow`; Binder installs the same code as `tensorflow-cpu`
ACCEPTED_PIP_CHECK = re.compile(r"nncourse \S+ requires tensorflow, which is not installed\.")
SIZE_LIMIT = 1.2 * 1024**3  # bytes: 1.2 GiB as `du -sh --apparent-size` counts


def pyproject_requirements() -> dict[str, Requirement]:
    """The course package's runtime dependencies by canonical name."""
    reqs = [Requirement(line) for line in pyproject()["project"]["dependencies"]]
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
    requires = SpecifierSet(pyproject()["project"]["requires-python"])
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
    assert page["buildCheck"] is False and page["buildAvailable"] is False
    server = json.loads((tmp_path / "jupyter_server_config.d" / student_view.CONFIG_NAME)
                        .read_text())["ServerApp"]["jpserver_extensions"]
    assert server == {"nbgrader.server_extensions.formgrader": False,
                      "nbgrader.server_extensions.course_list": False}
    settings = json.loads((tmp_path / "labconfig" / "default_setting_overrides.json").read_text())
    assert settings == {"@jupyterlab/notebook-extension:tracker": {
        "kernelStatus": {"showOnStatusBar": True, "showProgress": True}}}
    start = json.loads((tmp_path / "jupyter_server_config.json").read_text())
    assert start["LabApp"]["default_url"] == "/lab/tree/lessons/00_welcome/00_welcome.ipynb"


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
    listed = json.loads(run([python, "-m", "pip", "list", "--format=json"],
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
    lab = run([jupyter, "labextension", "list"], env=run_env)
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
    enabled = json.loads(run([str(binder_env["env"] / "bin" / "python"), "-c", probe],
                              env=run_env).stdout)
    assert enabled["nbgrader.server_extensions.validate_assignment"] is True
    assert enabled["nbgrader.server_extensions.assignment_list"] is True
    assert enabled["nbgrader.server_extensions.formgrader"] is False
    labconfig = binder_env["env"] / "etc" / "jupyter" / "labconfig"
    settings = labconfig / "default_setting_overrides.json"
    assert json.loads(settings.read_text())["@jupyterlab/notebook-extension:tracker"] == {
        "kernelStatus": {"showOnStatusBar": True, "showProgress": True}}


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
    result = run([str(binder_env["env"] / "bin" / "python"), "-c", _SLIMMED,
                   str(binder_env["repo"] / "binder")], env=_tool_env(binder_env), timeout=600)
    assert "SLIMMED OK" in result.stdout, result.stdout + result.stderr


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
