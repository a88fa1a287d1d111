"""One per grading process: a worker slot (its uid), the warm zygote and the kernels'
scratch folders; it launches each kernel into a fresh sandbox.

Slot ``k`` (an exclusive lock file) runs its kernels as uid/gid ``uid_base + k``: every
process of that uid is a kernel of this slot or something it forked, which is how
:meth:`KernelFactory.processes` counts and :meth:`KernelFactory.reap` kills them (psutil).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sys
import tempfile
from pathlib import Path

import psutil

from grader.sandbox.bwrap import Sandbox, check_host, sandbox_paths
from grader.sandbox.kernel import KernelProcess
from grader.sandbox.limits import Limits
from grader.sandbox.zygote import INLINE_BACKEND
from grader.sandbox.zygote_client import Zygote

SLOT_DIR = Path(tempfile.gettempdir()) / "nngrade-slots"
SCRATCH_BASE = Path(tempfile.gettempdir()) / "nngrade"
PASS_ENV_PREFIXES = ("TF_", "OMP_", "OPENBLAS_", "MKL_", "NNCOURSE_", "KERAS_")
PASS_ENV = ("LANG", "LC_ALL", "TZ", "MPLBACKEND", "VIRTUAL_ENV", "PYTHONHASHSEED")


class Slot:
    """An exclusive worker slot (a lock file held for the process's life)."""

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
    """The zygote, the slot (uid) and the sandboxes of one grading process."""

    def __init__(self, limits: Limits, sensitive: tuple[str, ...] | list[str],
                 preload: tuple[str, ...] | list[str]) -> None:
        problem = check_host(limits.isolation)
        if problem:
            raise RuntimeError(problem)
        self.limits = limits
        self.slot = Slot()
        self.uid = self.gid = limits.uid_base + self.slot.index
        self.paths = sandbox_paths(sensitive, limits)
        self.base = SCRATCH_BASE / f"slot{self.slot.index}"
        shutil.rmtree(self.base, ignore_errors=True)
        self.base.mkdir(parents=True, exist_ok=True)
        os.chmod(self.base, 0o755)
        self._counter = 0
        self._scratches: list[Path] = []
        self.preload = tuple(preload)
        self.zygote = self._start_zygote()

    # -- the zygote ---------------------------------------------------------------------
    def _start_zygote(self) -> Zygote:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp",
               "LANG": os.environ.get("LANG", "C.UTF-8"), **_passed_env()}
        env.setdefault("MPLBACKEND", INLINE_BACKEND)
        env["MPLCONFIGDIR"] = str(self.base / "mplconfig")
        env["IPYTHONDIR"] = str(self.base / "ipython")
        return Zygote(self.preload, env)

    def exit_status(self, pid: int, wait: float = 0.5) -> int | None:
        return self.zygote.exit_status(pid, wait)

    # -- scratch folders --------------------------------------------------------------------
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
        if self.limits.isolation == "none":
            work = scratch / "work"
            work.mkdir()
            os.chown(work, self.uid, self.gid)
        return scratch

    def forget_scratch(self) -> None:
        """Remove the scratch folders made since the last call."""
        for scratch in self._scratches:
            shutil.rmtree(scratch, ignore_errors=True)
        self._scratches.clear()

    # -- the slot's processes ------------------------------------------------------------
    def processes(self) -> list[psutil.Process]:
        """Every live (not zombie) process running as this slot's uid."""
        found = []
        for proc in psutil.process_iter(["uids", "status"]):
            uids = proc.info["uids"]
            if (uids is not None and uids.real == self.uid
                    and proc.info["status"] != psutil.STATUS_ZOMBIE):  # nothing left to kill
                found.append(proc)
        return found

    def tasks(self) -> int:
        """Processes and threads of this slot's uid (what RLIMIT_NPROC counts)."""
        total = 0
        for proc in self.processes():
            with contextlib.suppress(psutil.Error):
                total += proc.num_threads()
        return total

    def reap(self, kernel_pid: int) -> int:
        """Kill every process of this slot's uid but the kernel; returns how many."""
        killed: set[int] = set()
        for _ in range(100):  # a fork bomb forks while it is being killed
            strays = [p for p in self.processes() if p.pid != kernel_pid]
            if not strays:
                break
            for proc in strays:
                with contextlib.suppress(psutil.Error):
                    proc.kill()
                killed.add(proc.pid)
            psutil.wait_procs(strays, timeout=0.05)
        return len(killed)

    # -- kernels ----------------------------------------------------------------------------
    def launch(self, scratch: Path, connection_file: str, argv: list[str],
               workdir_name: str) -> KernelProcess:
        """Start one sandboxed kernel on ``connection_file``."""
        sandbox = None
        if self.limits.isolation == "bwrap":
            sandbox = Sandbox(self.paths, scratch, self.limits.scratch_mb)
            workdir, home = f"/tmp/{workdir_name}", "/tmp/home"
        else:
            workdir = home = str(scratch / "work")
        req = {"op": "spawn", "ns_pid": sandbox.ns_pid if sandbox else None, "cwd": "/",
               "workdir": workdir, "indir": str(scratch / "in"), "home": home,
               "connection_file": connection_file, "argv": argv,
               "uid": self.uid, "gid": self.gid, "rlimits": self._rlimits(),
               "env": self._kernel_env(home), "max_output": self.limits.max_output_kb * 1024,
               "log": str(scratch / "kernel.log")}
        try:
            if not self.zygote.alive():
                self.zygote = self._start_zygote()
            reply = self.zygote.request(req)
            if "pid" not in reply:
                raise RuntimeError(f"kernel launch failed: {reply.get('error')}")
        except Exception:
            if sandbox is not None:
                sandbox.close()
            raise
        return KernelProcess(reply["pid"], self, sandbox)

    def _rlimits(self) -> dict[str, int]:
        lim = self.limits
        return {"as": lim.memory_mb * 1024 * 1024, "nproc": lim.max_processes,
                "fsize": lim.max_file_mb * 1024 * 1024, "cpu": lim.notebook_timeout_s + 30,
                "nofile": 1024, "core": 0}

    def _kernel_env(self, home: str) -> dict[str, str]:
        return {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
                "HOME": home, "TMPDIR": "/tmp", "LANG": "C.UTF-8",
                "IPYTHONDIR": f"{home}/.ipython", "MPLCONFIGDIR": f"{home}/.config/matplotlib",
                "PYDEVD_DISABLE_FILE_VALIDATION": "1", "JPY_PARENT_PID": "1", **_passed_env()}

    def close(self) -> None:
        self.zygote.close()
        shutil.rmtree(self.base, ignore_errors=True)


def _passed_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith(PASS_ENV_PREFIXES) or k in PASS_ENV}
