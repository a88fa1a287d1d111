"""The grader's side of the kernel zygote (:mod:`.zygote`): which modules it preloads, and
:class:`Zygote`, the running process as the grading worker talks to it (one JSON request
per line on its stdin, the answers and kernel exits on its stdout)."""

from __future__ import annotations

import ast
import contextlib
import json
import subprocess
import sys
import threading

FORK_UNSAFE = ("tensorflow", "keras", "torch", "jax", "nncourse.keras_env")
ALWAYS_PRELOADED = ("numpy", "matplotlib", "matplotlib.pyplot", "ipywidgets",
                    "matplotlib_inline.backend_inline")


def preload_modules(setup_sources: list[str], configured: list[str] | tuple[str, ...] | None
                    ) -> list[str]:
    """Modules the zygote imports: configured ones, else the setup cells' imports (less
    fork-unsafe ones such as TensorFlow, which the kernel imports itself)."""
    if configured is not None:
        return list(configured)
    names = list(ALWAYS_PRELOADED)
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


class Zygote:
    """A running zygote process, as the grader talks to it (thread-safe requests)."""

    def __init__(self, preload: list[str] | tuple[str, ...], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox.zygote",
             *preload], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, cwd="/", env=env, text=True, bufsize=1)
        hello = json.loads(self.proc.stdout.readline() or "{}")
        if not hello.get("ready"):
            self.close()
            raise RuntimeError("the kernel zygote did not start")
        self.failed: list[str] = hello.get("failed", [])  # modules it could not preload
        self._counter = 0
        self._replies: dict[int, dict] = {}
        self._exits: dict[int, int] = {}
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _read(self) -> None:
        for line in self.proc.stdout:
            with contextlib.suppress(ValueError):
                msg = json.loads(line)
                with self._cond:
                    if "exited" in msg:
                        self._exits[msg["exited"]] = msg["status"]
                    else:
                        self._replies[msg["id"]] = msg
                    self._cond.notify_all()

    def request(self, req: dict, timeout: float = 30) -> dict:
        """Send ``req`` and wait for its answer."""
        with self._cond:
            self._counter += 1
            req = {**req, "id": self._counter}
            self.proc.stdin.write(json.dumps(req) + "\n")
            self.proc.stdin.flush()
            if not self._cond.wait_for(lambda: req["id"] in self._replies, timeout):
                raise RuntimeError("the kernel zygote did not answer")
            return self._replies.pop(req["id"])

    def exit_status(self, pid: int, wait: float = 0.5) -> int | None:
        """The wait status of kernel ``pid`` once its waiter reported it (None if unknown)."""
        with self._cond:
            self._cond.wait_for(lambda: pid in self._exits, wait)
            return self._exits.pop(pid, None)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.stdin.close()
        with contextlib.suppress(Exception):
            self.proc.kill()
            self.proc.wait(5)


__all__ = ["ALWAYS_PRELOADED", "FORK_UNSAFE", "Zygote", "preload_modules"]
