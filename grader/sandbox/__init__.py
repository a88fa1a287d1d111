"""Where a student's kernel runs: limits, a bubblewrap sandbox, a separate uid, warm starts.

Each kernel is forked by a warm zygote into the namespaces of a fresh bubblewrap sandbox
(new mount, PID, network, IPC and UTS namespaces):

- ``/`` is bound read-only; what the caller calls sensitive (the course), home
  directories, ``/run`` and the temporary folders are hidden under empty tmpfs mounts; the
  Python installation and the ``nncourse`` package with its datasets are bound back
  read-only;
- ``/tmp`` is a private tmpfs of ``scratch_mb``: the kernel's working copy of the
  submission lives there and nowhere else is writable by it;
- no network: a new network namespace holds only its own loopback;
- the kernel process drops to an unprivileged uid/gid of its own (one per worker slot)
  with no capabilities and ``no_new_privs``, under ``setrlimit`` limits on address space
  (memory), processes+threads, file size, CPU time and open files;
- killing the sandbox kills every process the kernel forked (PID namespace).

The ZMQ sockets use the IPC transport under a root-owned per-kernel folder: the kernel
binds them before it drops its privileges, so it cannot write on the host's disk at all,
and parallel kernels never race for TCP ports.

Modules: :mod:`.limits` (the limits), :mod:`.bwrap` (the sandbox's command line and
paths), :mod:`.zygote` (the warm process that forks kernels, and nothing else),
:mod:`.zygote_client` (the grader's side of it: the ``Zygote`` process and what it
preloads), :mod:`.prctl` (die with the parent, no new privileges), :mod:`.factory` (one
worker's slot, zygote and scratch folders), :mod:`.kernel` (jupyter_client provisioner,
manager and client), :mod:`.hooks` (the private jupyter/nbgrader interfaces this relies
on).
Names are imported lazily: the zygote imports this package and must stay light.
"""

from __future__ import annotations

import importlib
from typing import Any

from grader.sandbox.limits import Limits, describe

_LAZY = {
    "check_host": "bwrap", "SandboxPaths": "bwrap", "sandbox_paths": "bwrap",
    "bwrap_command": "bwrap", "preload_modules": "zygote_client", "KernelFactory": "factory",
    "KernelProcess": "kernel", "SandboxKernelManager": "kernel", "exit_reason": "kernel",
    "CappedKernelClient": "kernel",
}

__all__ = ["Limits", "describe", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"grader.sandbox.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'grader.sandbox' has no attribute {name!r}")
