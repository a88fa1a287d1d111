"""The private Jupyter/nbgrader interfaces listed in grader/sandbox/hooks.py still hold.

When one fails after an upgrade: the message names the package, its version and the hook;
adapt the file it names (or pin the package) before raising its bound in pyproject.toml.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.sandbox.hooks import HOOKS, Hook, problem

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("hook", HOOKS, ids=[h.target for h in HOOKS])
def test_hook_exists_with_its_signature(hook):
    why = problem(hook)
    assert why is None, why


@pytest.mark.parametrize("hook", HOOKS, ids=[h.target for h in HOOKS])
def test_hook_is_still_used_where_listed(hook):
    """A hook nobody uses any more should leave the list (and a used one be in it)."""
    name = _name(hook)
    source = (ROOT / hook.used_in).read_text()
    assert name in source, f"{hook.used_in} no longer uses {hook.target}: drop it from HOOKS"


def test_a_missing_hook_is_named_with_its_package_and_version():
    gone = Hook("nbclient", "nbclient.client:NotebookClient._no_such_hook", ("self",),
                "grader/executor.py", "a test")
    text = problem(gone)
    assert text is not None and "nbclient 0." in text and "_no_such_hook" in text
    changed = Hook("nbclient", "nbclient.client:NotebookClient.output", ("self", "outs"),
                   "grader/executor.py", "a test")
    assert "now takes" in problem(changed)


def test_the_provisioner_implements_the_whole_public_interface():
    from jupyter_client.provisioning import KernelProvisionerBase

    from grader.sandbox.kernel import SandboxProvisioner

    assert issubclass(SandboxProvisioner, KernelProvisionerBase)
    assert not inspect.isabstract(SandboxProvisioner), SandboxProvisioner.__abstractmethods__


def test_the_provisioner_is_registered_as_an_entry_point():
    from jupyter_client.provisioning.factory import KernelProvisionerFactory

    from grader.sandbox.bwrap import PROVISIONER
    from grader.sandbox.kernel import SandboxProvisioner

    factory = KernelProvisionerFactory.instance()
    assert factory.is_provisioner_available(_spec_naming(PROVISIONER)), (
        f"entry point {PROVISIONER!r} missing: pip install -e . --no-deps")
    assert factory.provisioners[PROVISIONER].load() is SandboxProvisioner


def test_sandbox_kernel_specs_name_the_provisioner():
    from grader.sandbox.bwrap import PROVISIONER
    from grader.sandbox.kernel import SandboxKernelSpecManager

    spec = SandboxKernelSpecManager().get_kernel_spec("python3")
    assert spec.metadata["kernel_provisioner"]["provisioner_name"] == PROVISIONER
    assert spec.language == "python"


def test_every_inherited_private_name_is_listed():
    """A grader class that overrides, calls or sets an underscore name that a class it
    inherits from outside the grader (jupyter_client, nbclient, nbgrader...) defines must
    list it in HOOKS: that is a private hook (or a collision waiting to happen)."""
    listed = {_name(h) for h in HOOKS}
    unlisted = []
    for cls in _grader_classes():
        outside = [b for b in cls.__mro__[1:] if not b.__module__.startswith("grader")
                   and b is not object]
        ours = set().union(*(vars(b) for b in cls.__mro__ if b.__module__.startswith("grader")))
        used = {name for name, value in vars(cls).items()
                if inspect.isfunction(value) or isinstance(value, (property, classmethod,
                                                                   staticmethod))}
        used |= {node.attr for node in ast.walk(ast.parse(textwrap.dedent(
            inspect.getsource(cls)))) if isinstance(node, ast.Attribute)
                 and isinstance(node.value, ast.Name) and node.value.id == "self"}
        used -= ours - set(vars(cls))  # names our own base classes define are ours
        for name in sorted(used):
            if (name.startswith("_") and not name.startswith("__") and name not in listed
                    and any(name in vars(base) for base in outside)):
                unlisted.append(f"{cls.__module__}.{cls.__qualname__}.{name}")
    assert not unlisted, f"private names missing from grader/sandbox/hooks.py: {unlisted}"


def test_every_private_name_used_on_another_object_is_listed():
    """``something._name`` (not ``self``/``cls``) in grader/ is a private hook: list it."""
    listed = {_name(h) for h in HOOKS} | STDLIB_PRIVATE
    unlisted = []
    for path in sorted((ROOT / "grader").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__") and node.attr not in listed
                    and not (isinstance(node.value, ast.Name)
                             and node.value.id in ("self", "cls", "_jobs"))):
                unlisted.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.attr}")
    assert not unlisted, f"private names missing from grader/sandbox/hooks.py: {unlisted}"


STDLIB_PRIVATE = {"_exit", "_getframe", "_replace", "_asdict", "_fields", "_SubParsersAction"}


def _name(hook: Hook) -> str:
    return hook.target.rpartition(".")[2].rpartition(":")[2]


def _grader_classes():
    import grader

    for info in pkgutil.walk_packages(grader.__path__, "grader."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and cls.__module__ == module.__name__:
                yield cls


def _spec_naming(provisioner: str):
    from jupyter_client.kernelspec import KernelSpec

    return KernelSpec(name="x", argv=[], metadata={
        "kernel_provisioner": {"provisioner_name": provisioner}})


def test_the_zygote_module_stays_light():
    """Every kernel is forked from the zygote: importing it (and grader.sandbox's public
    names) loads no jupyter_client, psutil or nbgrader, which the kernel never needs."""
    code = ("import sys, grader.sandbox.zygote\n"
            "from grader.sandbox import Limits, preload_modules\n"
            "print(sorted(m.split('.')[0] for m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT).stdout
    for heavy in ("jupyter_client", "psutil", "nbgrader", "zmq", "nbclient"):
        assert f"'{heavy}'" not in loaded, f"{heavy} is imported by the zygote"


def test_every_hooked_package_has_an_upper_bound():
    """The versions the hooks were checked with bound each package in pyproject.toml."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {canonicalize_name(r.name): r.specifier
              for r in map(Requirement, project["dependencies"])}
    for package in sorted({h.package for h in HOOKS}):
        spec = bounds.get(canonicalize_name(package))
        assert spec is not None, f"{package} (hooked in grader/sandbox/hooks.py) is not a " \
                                 "direct dependency in pyproject.toml"
        assert any(s.operator in ("<", "<=", "==", "~=") for s in spec), (
            f"{package}{spec}: give it the upper bound it was checked with")


def test_the_zygote_modules_import_only_the_standard_library():
    """What the zygote imports at module level (itself and grader.sandbox.prctl) is the
    standard library: every kernel is forked from it."""
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    for rel, ours in (("grader/sandbox/zygote.py", {"grader.sandbox.prctl"}),
                      ("grader/sandbox/prctl.py", set())):
        tree = ast.parse((ROOT / rel).read_text())
        for node in tree.body:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name in ours or name.split(".")[0] in allowed, (
                    f"{rel} imports {name} at module level")
