"""The bubblewrap sandbox of one kernel: what it hides, what it binds back, how it starts.

``/`` is bound read-only; what the caller calls sensitive (the course: gradebook,
``submitted/``, ``autograded/``, the source with hidden tests), home directories, ``/run``
and the temporary folders are hidden under empty tmpfs mounts; the Python installation,
the ``nncourse`` package and its datasets (``nncourse.data.data_dir()``) are bound back
read-only; ``/tmp`` is a private tmpfs of ``scratch_mb``. The sandbox's holder process is
``cat``: the kernel is forked into its namespaces by the zygote (:mod:`.zygote`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

from grader.sandbox.limits import Limits
from grader.sandbox.prctl import die_with_parent

PROVISIONER = "nngrade-sandbox"  # the jupyter_client.kernel_provisioners entry point
ALWAYS_HIDDEN = ("/home", "/root", "/run", "/var/tmp", "/srv", "/mnt", "/media")


def check_host(isolation: str) -> str | None:
    """Why kernels cannot be sandboxed here, or None."""
    if os.geteuid() != 0:
        return ("nngrade autograde must run as root: each kernel is dropped to its own uid "
                "inside a sandbox")
    if isolation == "bwrap" and shutil.which("bwrap") is None:
        return ("bubblewrap is not installed (apt-get install -y bubblewrap), or use "
                "--isolation none (no filesystem or network isolation)")
    if not entry_points(group="jupyter_client.kernel_provisioners", name=PROVISIONER):
        return (f"the kernel provisioner '{PROVISIONER}' is not registered: install the "
                f"grader's package (pip install . or pip install -e .)")
    return None


@dataclass
class SandboxPaths:
    """What the sandbox hides and re-exposes; computed where the kernel runs."""

    hide: list[str] = field(default_factory=list)
    expose: list[str] = field(default_factory=list)


def python_paths() -> list[str]:
    """What the kernel's Python needs: the installation, ``nncourse`` and its datasets."""
    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix,
             str(Path(os.path.realpath(sys.executable)).parent.parent)]
    paths += [p for p in sys.path if p and os.path.isdir(p)
              and ("-packages" in p or p.startswith((sys.prefix, sys.base_prefix)))]
    spec = importlib.util.find_spec("nncourse")
    if spec is not None and spec.submodule_search_locations:
        paths += [str(Path(p).resolve()) for p in spec.submodule_search_locations]
        with contextlib.suppress(Exception):  # a package without datasets is fine
            from nncourse import data

            paths.append(str(data.data_dir()))
    return _existing_dirs(paths)


def sandbox_paths(sensitive: list[str] | tuple[str, ...], limits: Limits) -> SandboxPaths:
    """Hide ``sensitive`` paths and the usual private places; bind Python back read-only."""
    hide = _existing_dirs([*sensitive, os.path.expanduser("~"), *ALWAYS_HIDDEN,
                           *limits.hide_paths])
    tmp = os.path.realpath(tempfile.gettempdir())
    never = [p for p in hide if p not in ("/run", "/var/tmp")]
    needed = python_paths()
    secrets = [os.path.realpath(p) for p in sensitive if os.path.isdir(p)]
    keep = []
    for path in _existing_dirs([*needed, *limits.expose_paths]):
        if path in ("/tmp", tmp) or any(_is_ancestor_or_same(path, secret) for secret in never):
            continue  # binding it back would reveal a hidden folder
        inside = any(_is_ancestor_or_same(secret, path) for secret in secrets)
        if inside and not any(_is_ancestor_or_same(ok, path) for ok in needed):
            continue  # inside the course (submissions, gradebook...): never
        keep.append(path)
    return SandboxPaths(hide=hide, expose=sorted(set(keep)))


def _existing_dirs(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        if p and os.path.isdir(p):
            real = os.path.realpath(p)
            if real != "/" and real not in out:
                out.append(real)
    return out


def _is_ancestor_or_same(path: str, other: str) -> bool:
    path, other = path.rstrip("/") or "/", other.rstrip("/") or "/"
    return other == path or other.startswith(path + "/")


def bwrap_command(paths: SandboxPaths, scratch: Path, scratch_mb: int, info_fd: int) -> list[str]:
    """The bubblewrap command line of one kernel's sandbox (its holder is ``cat``)."""
    cmd = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
           "--unshare-ipc", "--unshare-uts", "--hostname", "nngrade",
           "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/dev/shm",
           # /tmp first: the binds below may lie under it (a checkout or venv in /tmp)
           "--size", str(scratch_mb * 1024 * 1024), "--perms", "1777", "--tmpfs", "/tmp"]
    for path in paths.hide:
        if path != "/tmp":
            cmd += ["--tmpfs", path]
    # bwrap creates missing mount points mode 0700, which the kernel's uid could not cross:
    # make every folder on the way to a bind inside a fresh tmpfs traversable
    covered = ["/tmp", *paths.hide]
    made: list[str] = []
    for path in [*paths.expose, str(scratch)]:
        for ancestor in list(Path(path).parents)[::-1][1:]:
            folder = str(ancestor)
            if folder not in made and any(_is_ancestor_or_same(t, folder) and t != folder
                                          for t in covered):
                made.append(folder)
                cmd += ["--perms", "0755", "--dir", folder]
    for path in paths.expose:
        cmd += ["--ro-bind", path, path]
    cmd += ["--bind", str(scratch), str(scratch), "--info-fd", str(info_fd),
            "--", "/bin/sh", "-c", "echo ready; exec cat"]
    return cmd


class Sandbox:
    """A running bubblewrap sandbox; closing its holder's stdin (or killing it) ends it."""

    def __init__(self, paths: SandboxPaths, scratch: Path, scratch_mb: int) -> None:
        info_r, info_w = os.pipe()
        cmd = bwrap_command(paths, scratch, scratch_mb, info_w)
        self.proc: subprocess.Popen | None = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(info_w,), preexec_fn=die_with_parent)
        os.close(info_w)
        ready = self.proc.stdout.readline()
        info = _read_json(info_r) if ready else None
        os.close(info_r)
        if not ready or not info:
            self.proc.kill()
            err = self.proc.stderr.read().decode(errors="replace").strip()
            self.close()
            raise RuntimeError(f"bubblewrap failed: {err or 'no output'}")
        self.ns_pid: int = info["child-pid"]  # a process inside: its namespaces to join

    def close(self) -> None:
        """Kill the sandbox (and, through its PID namespace, everything in it)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for action in (proc.stdin.close, proc.kill, lambda: proc.wait(5),
                       proc.stdout.close, proc.stderr.close):
            with contextlib.suppress(Exception):
                action()


def _read_json(fd: int) -> dict | None:
    """Read one JSON object from ``fd`` (bubblewrap keeps its info pipe open)."""
    text = ""
    while True:
        chunk = os.read(fd, 4096).decode()
        if not chunk:
            return None
        text += chunk
        with contextlib.suppress(ValueError):
            return json.loads(text)
