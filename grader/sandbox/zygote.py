"""The kernel "zygote": one warm Python process that forks sandboxed IPython kernels.

``python -m grader.sandbox.zygote MODULE ...`` imports ipykernel, IPython and the given
modules once (the lesson's setup imports: numpy, matplotlib, ipywidgets, nncourse...), then
reads one JSON request per line on stdin and answers on stdout:

- ``{"op": "spawn", "id": N, ...}`` forks a waiter process which joins the namespaces of
  the bubblewrap sandbox ``ns_pid`` (mount, network, IPC, UTS, PID), forks the kernel into
  them, and reports ``{"id": N, "pid": KERNEL_PID}`` (or ``{"id": N, "error": ...}``);
- when a kernel ends, its waiter reports ``{"exited": KERNEL_PID, "status": WAITSTATUS}``.

The kernel process then starts a new session, applies the resource limits, drops to an
unprivileged uid/gid with no supplementary groups and no way to regain privileges
(``PR_SET_NO_NEW_PRIVS``), closes every inherited descriptor, replaces its environment,
re-seeds numpy's global generator and runs ``IPKernelApp`` on the connection file, exactly
as ``python -m ipykernel_launcher -f FILE`` would, minus the 0.5-1.5 s of imports.

This module is only what runs in the zygote and therefore in every kernel: it must stay
small, import only the standard library and hold no secrets. The grader's side of the
conversation is :mod:`.zygote_client`.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys

from grader.sandbox.prctl import check, die_with_parent, no_new_privs

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
NAMESPACES = (("ipc", CLONE_NEWIPC), ("uts", CLONE_NEWUTS), ("net", CLONE_NEWNET),
              ("pid", CLONE_NEWPID), ("mnt", CLONE_NEWNS))
RLIMITS = {"as": resource.RLIMIT_AS, "nproc": resource.RLIMIT_NPROC,
           "fsize": resource.RLIMIT_FSIZE, "cpu": resource.RLIMIT_CPU,
           "nofile": resource.RLIMIT_NOFILE, "core": resource.RLIMIT_CORE}
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

_libc = ctypes.CDLL(None, use_errno=True)


def preload(modules: list[str]) -> list[str]:
    """Import the kernel machinery and ``modules``; returns those that failed to import."""
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import IPython  # noqa: F401

    failed = []
    for name in [*modules, *_kernel_init_imports()]:
        try:
            __import__(name)
        except Exception:  # a module the kernel cannot preload is simply imported later
            failed.append(name)
    import gc

    gc.collect()
    gc.freeze()  # keep the preloaded objects out of the children's collections (fewer COW pages)
    return failed


def _kernel_init_imports() -> list[str]:
    """Modules ``IPKernelApp.initialize`` imports lazily, found by a throw-away child."""
    import tempfile

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            before = set(sys.modules)
            folder = tempfile.mkdtemp(prefix="nngrade-warm-")
            from ipykernel.kernelapp import IPKernelApp
            from jupyter_client.connect import write_connection_file

            fname, _ = write_connection_file(f"{folder}/k.json", transport="ipc",
                                             ip=f"{folder}/k")
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            IPKernelApp.instance().initialize(["-f", fname])
            names = sorted(set(sys.modules) - before)
            os.write(write_end, json.dumps(names).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    try:
        return [n for n in json.loads(b"".join(chunks) or b"[]") if not n.startswith("__")]
    except ValueError:
        return []


def _join_sandbox(ns_pid: int) -> None:
    fds = [(os.open(f"/proc/{ns_pid}/ns/{name}", os.O_RDONLY), flag) for name, flag in NAMESPACES]
    for fd, flag in fds:
        check(_libc.setns(fd, flag), f"setns({flag:#x})")
        os.close(fd)


def _become_kernel(req: dict) -> None:
    """In the forked kernel process: confine, drop privileges, run the IPython kernel.

    The kernel binds its (IPC) sockets while still root, in a root-owned folder, then drops
    to the sandbox uid: it never gets write access to anything on the host's disk.
    """
    import shutil

    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    if not req.get("ns_pid"):
        die_with_parent()
    log = os.open(req.get("log") or os.devnull, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.closerange(3, 65536)
    uid, gid = req.get("uid"), req.get("gid")
    workdir, home = req["workdir"], req["home"]
    for folder in (workdir, home):
        os.makedirs(folder, exist_ok=True)
    indir = req.get("indir")
    if indir and os.path.isdir(indir):
        shutil.copytree(indir, workdir, dirs_exist_ok=True)
    os.environ.clear()
    os.environ.update(req.get("env", {}))
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    os.chdir(workdir)
    for name, value in req.get("rlimits", {}).items():
        resource.setrlimit(RLIMITS[name], (value, value))
    if "numpy" in sys.modules:  # a fresh kernel would draw fresh entropy
        sys.modules["numpy"].random.seed()
    if sys.path and sys.path[0] in ("", "/", req.get("zygote_cwd", "/")):
        del sys.path[0]
    sys.argv = ["ipykernel_launcher", "-f", req["connection_file"], *req.get("argv", [])]
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(sys.argv[1:])
    if uid is not None:
        for folder in {workdir, home}:
            _chown_tree(folder, uid, gid)
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    no_new_privs()
    _reattach_preloaded()
    if req.get("max_output"):
        _cap_output(app.shell, int(req["max_output"]))
    app.start()


class OutputLimitExceeded(Exception):
    """Raised by print() once a cell has printed more than the grader allows."""


def _cap_output(shell, limit: int) -> None:
    """Count what each cell writes to stdout/stderr; past ``limit`` bytes, writing raises
    (wraps ``ipykernel.iostream.OutStream.write``: see :mod:`grader.sandbox.hooks`).

    A courtesy for honest loops that print too much: a clean error in the student's cell.
    A hostile kernel can undo it; the grader's own caps (per-cell output, message size,
    time) still hold.
    """
    from ipykernel.iostream import OutStream

    used = [0]
    shell.events.register("pre_execute", lambda: used.__setitem__(0, 0))
    original = OutStream.write

    def write(self, text):
        used[0] += len(text)
        if used[0] > limit:
            raise OutputLimitExceeded(f"output limit exceeded: this cell printed more than "
                                      f"{limit // 1024} KiB; printing stopped")
        return original(self, text)

    OutStream.write = write


def _chown_tree(folder: str, uid: int, gid: int) -> None:
    os.chown(folder, uid, gid)
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)


def _reattach_preloaded() -> None:
    """Hook preloaded modules to the new shell as a fresh import would have (private hooks
    of matplotlib_inline and ipywidgets: see :mod:`grader.sandbox.hooks`)."""
    backend = sys.modules.get("matplotlib_inline.backend_inline")
    if backend is not None:
        backend._enable_matplotlib_integration()
    widgets = sys.modules.get("ipywidgets")
    if widgets is not None and hasattr(widgets, "_handle_ipython"):
        widgets._handle_ipython()


def _spawn(req: dict, out) -> None:
    """Fork the waiter; it forks the kernel into the sandbox and reports its pid and end."""
    read_end, write_end = os.pipe()
    waiter = os.fork()
    if waiter == 0:  # the waiter: outside the sandbox's PID namespace, joins the rest
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.close(read_end)
            sys.stdin.close()
            die_with_parent()
            if req.get("ns_pid"):
                _join_sandbox(req["ns_pid"])
            kernel = os.fork()
            if kernel == 0:
                try:
                    os.close(write_end)
                    _become_kernel(req)
                    os._exit(0)
                except BaseException as exc:  # noqa: BLE001 - report and die
                    try:
                        os.write(2, f"nngrade kernel launch failed: {exc!r}\n".encode())
                    finally:
                        os._exit(70)
            os.write(write_end, f"{kernel}\n".encode())
            os.close(write_end)
            _, status = os.waitpid(kernel, 0)
            out.write(json.dumps({"exited": kernel, "status": status}) + "\n")
            out.flush()
            os._exit(0)
        except BaseException as exc:  # noqa: BLE001
            try:
                os.write(write_end, f"error {exc!r}\n".encode())
            finally:
                os._exit(1)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        answer = pipe.readline().strip()
    if answer.isdigit():
        out.write(json.dumps({"id": req["id"], "pid": int(answer)}) + "\n")
    else:
        out.write(json.dumps({"id": req["id"], "error": answer or "waiter died"}) + "\n")
    out.flush()


def main(argv: list[str]) -> int:
    """Serve spawn requests until stdin closes."""
    die_with_parent()
    failed = preload(argv)
    signal.signal(signal.SIGCHLD, lambda *_: _reap())
    out = sys.stdout
    out.write(json.dumps({"ready": True, "failed": failed}) + "\n")
    out.flush()
    for line in sys.stdin:
        req = json.loads(line)
        if req.get("op") == "spawn":
            _spawn(req, out)
    return 0


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
