"""Every private (or internal) interface of the Jupyter stack the grader relies on, and why.

The sandbox starts kernels through jupyter_client's public provisioner interface
(:class:`~grader.sandbox.kernel.SandboxProvisioner`); what could not be done publicly is
listed here, in one place. ``tests/test_sandbox_hooks.py`` checks that each hook still
exists with the parameters below and names the package, its version and the hook when one
is gone. The versions these were checked with are the upper bounds in ``pyproject.toml``
(the same test checks that each package has one): jupyter_client 8.10, ipykernel 7.4,
nbclient 0.11, nbgrader 0.9.6, matplotlib-inline 0.2, ipywidgets 8.1.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from importlib import metadata


@dataclass(frozen=True)
class Hook:
    """One interface we depend on: ``target`` is ``module:Qualified.name``."""

    package: str  # the distribution it belongs to
    target: str
    params: tuple[str, ...]  # its parameters' names, in order (``self`` included)
    used_in: str  # the file of this repository that relies on it
    why: str
    private: bool = True  # False: a public method we override or call in an unusual way


HOOKS: tuple[Hook, ...] = (
    Hook("matplotlib-inline", "matplotlib_inline.backend_inline:_enable_matplotlib_integration",
         (), "grader/sandbox/zygote.py",
         "the zygote imports the inline backend before any IPython shell exists; each forked "
         "kernel calls this to register the backend's hooks with its own shell, as a fresh "
         "import would have (else plots are never displayed)"),
    Hook("ipywidgets", "ipywidgets:_handle_ipython", (), "grader/sandbox/zygote.py",
         "the same for ipywidgets: registers the widget comm target with the forked kernel"),
    Hook("ipykernel", "ipykernel.iostream:OutStream.write", ("self", "string"),
         "grader/sandbox/zygote.py",
         "wrapped inside the kernel so that print raises once a cell printed max_output_kb "
         "(a courtesy to honest loops; the grader's own output cap does not depend on it)",
         private=False),
    Hook("jupyter_client", "jupyter_client.asynchronous.client:AsyncKernelClient.wait_for_ready",
         ("self", "timeout"), "grader/sandbox/kernel.py",
         "replaced by CappedKernelClient to drop the fixed 0.2 s IOPub wait of every kernel "
         "start; nbclient calls it as kc.wait_for_ready(timeout=...)", private=False),
    Hook("nbclient", "nbclient.client:NotebookClient.__init__", ("self", "nb", "km", "kw"),
         "grader/executor.py",
         "GradingExecute.preprocess re-initialises the client per notebook, as nbconvert's "
         "ExecutePreprocessor.preprocess does (it runs its own cell loop: canaries, restarts, "
         "deadline)", private=False),
    Hook("nbclient", "nbclient.client:NotebookClient.output",
         ("self", "outs", "msg", "display_id", "cell_index"), "grader/executor.py",
         "overridden to stop storing a cell's output past max_output_kb and interrupt it",
         private=False),
    Hook("nbclient", "nbclient.client:NotebookClient.create_kernel_manager", ("self",),
         "grader/executor.py", "overridden: the kernel manager is the sandbox's",
         private=False),
    Hook("nbclient", "nbclient.client:NotebookClient.async_execute_cell",
         ("self", "cell", "cell_index", "execution_count", "store_history"),
         "grader/executor.py",
         "called cell by cell (not through execute()) so that canaries and restarts can run "
         "between cells; nbgrader's Execute.on_cell_executed still records errors",
         private=False),
    Hook("nbgrader", "nbgrader.utils:determine_grade", ("cell", "log"), "grader/canary.py",
         "scores each canary probe exactly as nbgrader scores a test cell", private=False),
    Hook("nbgrader", "nbgrader.apps.zipcollectapp:ZipCollectApp._transfer_files",
         ("self", "collected_data"), "grader/collect.py",
         "overridden to keep the list of files nbgrader's zip_collect transferred, so that "
         "each file left out can be reported"),
)


def resolve(hook: Hook) -> object:
    """The object ``hook.target`` names (raises ImportError or AttributeError)."""
    module_name, _, qualname = hook.target.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def problem(hook: Hook) -> str | None:
    """Why ``hook`` no longer holds in the installed packages, or None."""
    try:
        version = metadata.version(hook.package)
    except metadata.PackageNotFoundError:
        return f"{hook.package} is not installed (needed for {hook.target})"
    where = f"{hook.package} {version}: {hook.target}"
    try:
        obj = resolve(hook)
    except (ImportError, AttributeError) as exc:
        return f"{where} is gone ({exc}); used by {hook.used_in} because {hook.why}"
    params = tuple(inspect.signature(obj).parameters)
    if params != hook.params:
        return (f"{where} now takes {params}, not {hook.params}; check {hook.used_in}, which "
                f"relies on it because {hook.why}")
    return None
