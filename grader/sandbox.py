"""Where a student's kernel runs: limits, a bubblewrap sandbox, a separate uid, warm starts.

Each kernel is forked by a warm "zygote" (``grader.kernel_launcher``) into the namespaces of
a fresh bubblewrap sandbox (new mount, PID, network, IPC and UTS namespaces):

- ``/`` is bound read-only; the course directory (gradebook, ``submitted/``, ``autograded/``,
  ``solutions/``), the repository, home directories, ``/run`` and the temporary folders are
  hidden under empty tmpfs mounts; the Python installation and the course package
  (``nncourse``, ``datasets/``) are bound back read-only;
- ``/tmp`` is a private tmpfs of ``scratch_mb``: the kernel's working copy of the submission
  lives there and nowhere else is writable by it;
- no network: a new network namespace holds only its own loopback;
- the kernel process drops to an unprivileged uid/gid of its own (one per worker slot)
  with no capabilities and ``no_new_privs``, under ``setrlimit`` limits on address space
  (memory), processes+threads, file size, CPU time and open files;
- killing the sandbox kills every process the kernel forked (PID namespace).

The ZMQ sockets use the IPC transport under a root-owned per-kernel folder: the kernel
binds them before it drops its privileges, so it cannot write on the host's disk at all,
and parallel kernels never race for TCP ports.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

import zmq
import zmq.asyncio
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import Any, Enum, Integer, List, Unicode
from traitlets.config import Configurable

SLOT_DIR = Path(tempfile.gettempdir()) / "nngrade-slots"
SCRATCH_BASE = Path(tempfile.gettempdir()) / "nngrade"
PASS_ENV_PREFIXES = ("TF_", "OMP_", "OPENBLAS_", "MKL_", "NNCOURSE_", "KERAS_")
PASS_ENV = ("LANG", "LC_ALL", "TZ", "MPLBACKEND", "VIRTUAL_ENV", "PYTHONHASHSEED")
FORK_UNSAFE = ("tensorflow", "keras", "torch", "jax", "nncourse.keras_env")


class Limits(Configurable):
    """Per-submission limits (set in nbgrader_config.py as ``c.Limits.NAME`` or on the CLI)."""

    cell_timeout = Integer(None, allow_none=True, config=True,
                           help="seconds one cell may run before it is interrupted and scores "
                                "0 (default: nbgrader's Execute.timeout, else 30)")
    notebook_timeout = Integer(600, config=True,
                               help="seconds the whole notebook may run; past that the "
                                    "submission fails with 'notebook time-out'")
    memory_mb = Integer(4096, config=True, help="address-space limit of the kernel (MiB)")
    max_processes = Integer(96, config=True,
                            help="processes and threads the kernel's uid may have at once")
    max_output_kb = Integer(1024, config=True,
                            help="output one cell may produce (KiB); past that it is "
                                 "interrupted, truncated and scores 0")
    max_file_mb = Integer(64, config=True, help="largest file the kernel may write (MiB)")
    scratch_mb = Integer(512, config=True, help="size of the kernel's private /tmp (MiB)")
    max_restarts = Integer(3, config=True,
                           help="kernel deaths survived per submission (the dead cell scores "
                                "0, earlier cells are re-run); one more and it fails")
    isolation = Enum(["bwrap", "none"], "bwrap", config=True,
                     help="'bwrap': bubblewrap sandbox + separate uid + rlimits; 'none': "
                          "separate uid + rlimits only (no filesystem or network isolation)")
    uid_base = Integer(61000, config=True,
                       help="kernels of worker slot k run as uid/gid uid_base + k")
    hide_paths = List(Unicode(), config=True, help="more host paths the kernel must not see")
    expose_paths = List(Unicode(), config=True,
                        help="more host paths bound read-only into the sandbox")
    preload = List(Unicode(), None, allow_none=True, config=True,
                   help="modules the zygote imports once (default: the lesson's setup "
                        "imports, less fork-unsafe ones such as tensorflow)")

    def effective_cell_timeout(self) -> int:
        if self.cell_timeout:
            return int(self.cell_timeout)
        execute = self.config.get("Execute", {})
        return int(execute.get("timeout", 30) or 30)

    def as_dict(self) -> dict:
        return {"cell_timeout_s": self.effective_cell_timeout(),
                "notebook_timeout_s": self.notebook_timeout, "memory_mb": self.memory_mb,
                "max_processes": self.max_processes, "max_output_kb": self.max_output_kb,
                "max_file_mb": self.max_file_mb, "scratch_mb": self.scratch_mb,
                "max_restarts": self.max_restarts, "isolation": self.isolation,
                "network": "none" if self.isolation == "bwrap" else "host (isolation=none)"}


def describe(limits: dict) -> list[str]:
    """Human-readable lines for ``nngrade status``."""
    return [
        f"time: {limits['cell_timeout_s']} s per cell, {limits['notebook_timeout_s']} s per "
        f"notebook; memory: {limits['memory_mb']} MiB; processes+threads: "
        f"{limits['max_processes']}",
        f"output: {limits['max_output_kb']} KiB per cell; files: {limits['max_file_mb']} MiB "
        f"each, {limits['scratch_mb']} MiB scratch; network: {limits['network']}; "
        f"isolation: {limits['isolation']}; kernel restarts: {limits['max_restarts']}",
    ]


def check_host(isolation: str) -> str | None:
    """Why kernels cannot be sandboxed here, or None."""
    if os.geteuid() != 0:
        return ("nngrade autograde must run as root: each kernel is dropped to its own uid "
                "inside a sandbox")
    if isolation == "bwrap" and shutil.which("bwrap") is None:
        return ("bubblewrap is not installed (apt-get install -y bubblewrap), or use "
                "--isolation none (no filesystem or network isolation)")
    return None


@dataclass
class SandboxPaths:
    """What the sandbox hides and re-exposes; computed where the kernel runs."""

    hide: list[str] = field(default_factory=list)
    expose: list[str] = field(default_factory=list)


def sandbox_paths(sensitive: list[str], limits_dict: dict) -> SandboxPaths:
    """Hide ``sensitive`` paths and the usual private places; bind Python back read-only."""
    home = os.path.expanduser("~")
    hide = [*sensitive, home, "/home", "/root", "/run", "/var/tmp", "/srv", "/mnt", "/media",
            *limits_dict.get("hide_paths", [])]
    hide = _existing_dirs(hide)
    tmp = os.path.realpath(tempfile.gettempdir())
    never = [os.path.realpath(p) for p in hide if p not in ("/run", "/var/tmp")]
    expose = [sys.prefix, sys.base_prefix, sys.exec_prefix,
              str(Path(os.path.realpath(sys.executable)).parent.parent)]
    expose += [p for p in sys.path if p and os.path.isdir(p)
               and ("-packages" in p or p.startswith((sys.prefix, sys.base_prefix)))]
    for module in ("nncourse",):
        with contextlib.suppress(Exception):
            pkg = __import__(module)
            expose.append(str(Path(pkg.__file__).resolve().parent))
    with contextlib.suppress(Exception):
        from nncourse import data

        expose.append(str(data.data_dir()))
    needed = _existing_dirs(expose)  # what the kernel's Python needs
    expose += limits_dict.get("expose_paths", [])
    secrets = [os.path.realpath(p) for p in sensitive if os.path.isdir(p)]
    keep = []
    for path in _existing_dirs(expose):
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


def exit_reason(status: int | None) -> str:
    """A short text for a kernel's wait status."""
    if status is None:
        return "the kernel died"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        hint = {"SIGKILL": " (killed: memory, process limit or the grader)",
                "SIGXCPU": " (CPU time limit)", "SIGSEGV": " (crashed)",
                "SIGABRT": " (aborted)", "SIGXFSZ": " (file size limit)"}.get(name, "")
        return f"the kernel was killed by {name}{hint}"
    if os.WIFEXITED(status):
        return f"the kernel exited with code {os.WEXITSTATUS(status)}"
    return "the kernel died"


class _Slot:
    """An exclusive worker slot (a lock file); slot k runs kernels as uid_base + k."""

    def __init__(self) -> None:
        SLOT_DIR.mkdir(parents=True, exist_ok=True)
        for index in range(1000):
            handle = open(SLOT_DIR / f"{index}.lock", "w")  # noqa: SIM115 - held for life
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            self.index, self._handle = index, handle
            return
        raise RuntimeError("no free nngrade worker slot")


class KernelFactory:
    """One per grading process: the zygote, the slot (uid) and the sandboxes it starts."""

    def __init__(self, limits: dict, sensitive: list[str], preload: list[str]) -> None:
        problem = check_host(limits.get("isolation", "bwrap"))
        if problem:
            raise RuntimeError(problem)
        self.limits = limits
        self.slot = _Slot()
        self.uid = self.gid = limits.get("uid_base", 61000) + self.slot.index
        self.paths = sandbox_paths(sensitive, limits)
        self.base = SCRATCH_BASE / f"slot{self.slot.index}"
        shutil.rmtree(self.base, ignore_errors=True)
        self.base.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base, 0o755)
        self._counter = 0
        self._scratches: list[Path] = []
        self._lock = threading.Lock()
        self._replies: dict[int, dict] = {}
        self._exits: dict[int, int] = {}
        self._cond = threading.Condition(self._lock)
        self.preload = preload
        self.zygote: subprocess.Popen | None = None
        self.zygote_failed: list[str] = []
        self._start_zygote()

    # -- the zygote ---------------------------------------------------------------------
    def _start_zygote(self) -> None:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp",
               "LANG": os.environ.get("LANG", "C.UTF-8"),
               **{k: v for k, v in os.environ.items()
                  if k.startswith(PASS_ENV_PREFIXES) or k in PASS_ENV}}
        env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        env["MPLCONFIGDIR"] = str(self.base / "mplconfig")
        env["IPYTHONDIR"] = str(self.base / "ipython")
        self.zygote = subprocess.Popen(
            [sys.executable, "-m", "grader.kernel_launcher", *self.preload],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd="/", env=env, text=True, bufsize=1)
        hello = json.loads(self.zygote.stdout.readline() or "{}")
        if not hello.get("ready"):
            raise RuntimeError("the kernel zygote did not start")
        self.zygote_failed = hello.get("failed", [])
        threading.Thread(target=self._read_zygote, args=(self.zygote,), daemon=True).start()

    def _read_zygote(self, zygote: subprocess.Popen) -> None:
        for line in zygote.stdout:
            with contextlib.suppress(ValueError):
                msg = json.loads(line)
                with self._cond:
                    if "exited" in msg:
                        self._exits[msg["exited"]] = msg["status"]
                    else:
                        self._replies[msg["id"]] = msg
                    self._cond.notify_all()

    def _request(self, req: dict, timeout: float = 30) -> dict:
        if self.zygote is None or self.zygote.poll() is not None:
            self._start_zygote()
        with self._cond:
            self._counter += 1
            req["id"] = self._counter
            self.zygote.stdin.write(json.dumps(req) + "\n")
            self.zygote.stdin.flush()
            if not self._cond.wait_for(lambda: req["id"] in self._replies, timeout):
                raise RuntimeError("the kernel zygote did not answer")
            return self._replies.pop(req["id"])

    def exit_status(self, pid: int, wait: float = 0.5) -> int | None:
        with self._cond:
            self._cond.wait_for(lambda: pid in self._exits, wait)
            return self._exits.pop(pid, None)

    # -- scratch and sandboxes ------------------------------------------------------------
    def new_scratch(self, files: dict[str, bytes]) -> Path:
        """A root-owned folder: ``in/`` (the submission's files) and ``ipc/`` (sockets)."""
        self._counter += 1
        scratch = self.base / f"k{self._counter}"
        self._scratches.append(scratch)
        shutil.rmtree(scratch, ignore_errors=True)
        (scratch / "ipc").mkdir(parents=True)
        (scratch / "in").mkdir()
        for rel, data in files.items():
            target = (scratch / "in" / rel).resolve()
            if not str(target).startswith(str(scratch / "in") + "/"):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if self.limits.get("isolation") == "none":
            work = scratch / "work"
            work.mkdir()
            os.chown(work, self.uid, self.gid)
        return scratch

    def processes(self) -> list[tuple[int, int]]:
        """(pid, threads) of every process running as this slot's uid."""
        found = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/status") as handle:
                    status = handle.read()
            except OSError:
                continue
            uid = threads = None
            for line in status.splitlines():
                if line.startswith("Uid:"):
                    uid = int(line.split()[1])
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
            if uid == self.uid:
                found.append((int(entry.name), threads or 1))
        return found

    def reap(self, kernel_pid: int) -> int:
        """Kill every process of this slot's uid but the kernel; returns how many."""
        killed = set()
        for _ in range(100):
            strays = [pid for pid, _ in self.processes() if pid != kernel_pid]
            if not strays:
                break
            for pid in strays:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            time.sleep(0.01)
        return len(killed)

    def forget_scratch(self) -> None:
        """Remove the scratch folders made since the last call."""
        for scratch in self._scratches:
            shutil.rmtree(scratch, ignore_errors=True)
        self._scratches.clear()

    def launch(self, scratch: Path, connection_file: str, argv: list[str],
               workdir_name: str) -> KernelProcess:
        """Start one sandboxed kernel on ``connection_file``."""
        sandbox = holder = None
        ns_pid = None
        if self.limits.get("isolation", "bwrap") == "bwrap":
            sandbox, holder, ns_pid = self._start_bwrap(scratch)
            workdir = f"/tmp/{workdir_name}"
            home = "/tmp/home"
        else:
            workdir = str(scratch / "work")
            home = workdir
        env = self._kernel_env(home)
        req = {"op": "spawn", "ns_pid": ns_pid, "cwd": "/", "workdir": workdir,
               "indir": str(scratch / "in"), "home": home,
               "connection_file": connection_file, "argv": argv,
               "uid": self.uid, "gid": self.gid, "rlimits": self._rlimits(), "env": env,
               "max_output": self.limits.get("max_output_kb", 1024) * 1024,
               "log": str(scratch / "kernel.log")}
        try:
            reply = self._request(req)
        except Exception:
            _kill_sandbox(sandbox, holder)
            raise
        if "pid" not in reply:
            _kill_sandbox(sandbox, holder)
            raise RuntimeError(f"kernel launch failed: {reply.get('error')}")
        return KernelProcess(reply["pid"], self, sandbox, holder)

    def _start_bwrap(self, scratch: Path):
        info_r, info_w = os.pipe()
        cmd = bwrap_command(self.paths, scratch, self.limits.get("scratch_mb", 512), info_w)
        sandbox = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(info_w,), preexec_fn=_die_with_parent)
        os.close(info_w)
        ready = sandbox.stdout.readline()
        info = _read_json(info_r) if ready else None
        os.close(info_r)
        if not ready or not info:
            sandbox.kill()
            err = sandbox.stderr.read().decode(errors="replace").strip()
            raise RuntimeError(f"bubblewrap failed: {err or 'no output'}")
        return sandbox, sandbox.stdin, info["child-pid"]

    def _rlimits(self) -> dict:
        lim = self.limits
        return {"as": lim.get("memory_mb", 4096) * 1024 * 1024,
                "nproc": lim.get("max_processes", 96),
                "fsize": lim.get("max_file_mb", 64) * 1024 * 1024,
                "cpu": lim.get("notebook_timeout_s", 600) + 30,
                "nofile": 1024, "core": 0}

    def _kernel_env(self, home: str) -> dict:
        env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
               "HOME": home, "TMPDIR": "/tmp", "LANG": "C.UTF-8",
               "IPYTHONDIR": f"{home}/.ipython", "MPLCONFIGDIR": f"{home}/.config/matplotlib",
               "PYDEVD_DISABLE_FILE_VALIDATION": "1", "JPY_PARENT_PID": "1"}
        env.update({k: v for k, v in os.environ.items()
                    if k.startswith(PASS_ENV_PREFIXES) or k in PASS_ENV})
        return env

    def close(self) -> None:
        if self.zygote is not None:
            with contextlib.suppress(Exception):
                self.zygote.stdin.close()
            with contextlib.suppress(Exception):
                self.zygote.kill()
                self.zygote.wait(5)
        shutil.rmtree(self.base, ignore_errors=True)


def _die_with_parent() -> None:
    """In a child before exec: SIGKILL when the grading process dies."""
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


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


def _kill_sandbox(sandbox: subprocess.Popen | None, holder) -> None:
    if sandbox is None:
        return
    with contextlib.suppress(Exception):
        holder.close()
    with contextlib.suppress(Exception):
        sandbox.kill()
    with contextlib.suppress(Exception):
        sandbox.wait(5)
    for stream in (sandbox.stdout, sandbox.stderr):
        with contextlib.suppress(Exception):
            stream.close()


class KernelProcess:
    """Enough of ``subprocess.Popen`` for jupyter_client, for a kernel forked by the zygote."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, factory: KernelFactory, sandbox, holder) -> None:
        self.pid = pid
        self.factory = factory
        self.sandbox, self.holder = sandbox, holder
        self.returncode: int | None = None
        self.status: int | None = None
        try:
            self.pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            self.pidfd = None
            self._ended()

    def _ended(self) -> None:
        if self.returncode is None:
            self.status = self.factory.exit_status(self.pid)
            if self.status is not None and os.WIFEXITED(self.status):
                self.returncode = os.WEXITSTATUS(self.status)
            elif self.status is not None and os.WIFSIGNALED(self.status):
                self.returncode = -os.WTERMSIG(self.status)
            else:
                self.returncode = -signal.SIGKILL
        self._teardown()

    def _teardown(self) -> None:
        _kill_sandbox(self.sandbox, self.holder)
        self.sandbox = None
        if self.pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self.pidfd)
            self.pidfd = None
        if self.factory.limits.get("isolation") == "none":
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)

    def poll(self) -> int | None:
        if self.returncode is None and self.pidfd is not None:
            readable, _, _ = select.select([self.pidfd], [], [], 0)
            if readable:
                self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired("kernel", timeout)
            if self.pidfd is not None:
                select.select([self.pidfd], [], [], 0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.pidfd is not None and self.returncode is None:
            with contextlib.suppress(ProcessLookupError, OSError):
                signal.pidfd_send_signal(self.pidfd, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
        if self.factory.limits.get("isolation") == "none":
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
        _kill_sandbox(self.sandbox, self.holder)
        self.sandbox = None
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.wait(5)


_CONTEXT: zmq.asyncio.Context | None = None
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


def client_context() -> zmq.asyncio.Context:
    """One ZMQ context per grading process; no message over 64 MiB is ever accepted."""
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = zmq.asyncio.Context()
        _CONTEXT.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    return _CONTEXT


class CappedKernelClient(AsyncKernelClient):
    """A kernel client whose sockets refuse oversized messages (a 1 GB print)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("context", client_context())
        super().__init__(**kwargs)

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """jupyter_client's handshake, without its fixed 0.2 s IOPub flush at the end."""
        deadline = time.monotonic() + (timeout or 60)
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:  # drop the start-up chatter; later readers filter by msg_id anyway
            try:
                await self.iopub_channel.get_msg(timeout=0.005)
            except Empty:
                break

    _async_wait_for_ready = wait_for_ready


class SandboxKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel is forked by ``factory`` into a sandbox."""

    factory = Any()
    scratch = Unicode()
    workdir_name = Unicode("work")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = f"{self.scratch}/ipc/k"
        self.connection_file = f"{self.scratch}/ipc/kernel.json"
        self.client_class = "grader.sandbox.CappedKernelClient"
        self.context = client_context()
        self.cache_ports = False

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        argv = []
        if "-f" in kernel_cmd:
            argv = kernel_cmd[kernel_cmd.index("-f") + 2:]
        process = self.factory.launch(Path(self.scratch), self.connection_file, argv,
                                      self.workdir_name)
        provisioner = self.provisioner
        provisioner.process = process
        provisioner.pid = process.pid
        provisioner.pgid = None
        self._reconcile_connection_info(provisioner.connection_info)

    def kernel_process(self) -> KernelProcess | None:
        provisioner = self.provisioner
        return getattr(provisioner, "process", None) if provisioner else None


def preload_modules(setup_sources: list[str], configured: list[str] | None) -> list[str]:
    """Modules the zygote imports: configured ones, else the setup cells' imports."""
    if configured is not None:
        return list(configured)
    import ast

    names = ["numpy", "matplotlib", "matplotlib.pyplot", "ipywidgets",
             "matplotlib_inline.backend_inline"]
    for source in setup_sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    out = []
    for name in names:
        if any(name == bad or name.startswith(bad + ".") for bad in FORK_UNSAFE):
            continue
        if name not in out:
            out.append(name)
    return out
