"""Starting and talking to one sandboxed kernel through jupyter_client's public interfaces.

- :class:`SandboxProvisioner` is a ``KernelProvisionerBase`` (registered as the
  ``nngrade-sandbox`` entry point of ``jupyter_client.kernel_provisioners``): it launches
  the kernel through the :class:`~grader.sandbox.factory.KernelFactory` of the manager
  that owns it;
- :class:`SandboxKernelManager` is an ``AsyncKernelManager`` on the IPC transport whose
  kernel specs name that provisioner;
- :class:`CappedKernelClient` refuses messages over 64 MiB and skips jupyter_client's
  fixed 0.2 s IOPub wait at start;
- :class:`KernelProcess` is the ``Popen``-like handle of a kernel the zygote forked.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import signal
import subprocess
import time
from pathlib import Path
from queue import Empty
from typing import TYPE_CHECKING, Any

import zmq
import zmq.asyncio
from jupyter_client import protocol_version_info
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import KernelProvisionerBase
from traitlets import Any as AnyTrait
from traitlets import Unicode

from grader.sandbox.bwrap import PROVISIONER, Sandbox

if TYPE_CHECKING:
    from grader.sandbox.factory import KernelFactory

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_CONTEXT: zmq.asyncio.Context | None = None


def exit_reason(status: int | None) -> str:
    """A short text for a kernel's wait status."""
    if status is None:
        return "the kernel died"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        hint = {"SIGKILL": " (killed: memory, process limit or the grader)",
                "SIGXCPU": " (CPU time limit)", "SIGSEGV": " (crashed)",
                "SIGABRT": " (aborted)", "SIGXFSZ": " (file size limit)"}.get(name, "")
        return f"the kernel was killed by {name}{hint}"
    if os.WIFEXITED(status):
        return f"the kernel exited with code {os.WEXITSTATUS(status)}"
    return "the kernel died"


class KernelProcess:
    """Enough of ``subprocess.Popen`` for a kernel forked by the zygote (watched by pidfd)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, factory: KernelFactory, sandbox: Sandbox | None) -> None:
        self.pid = pid
        self.factory = factory
        self.sandbox = sandbox
        self.returncode: int | None = None
        self.status: int | None = None  # the raw wait status, when the zygote reported it
        try:
            self.pidfd: int | None = os.pidfd_open(pid)
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
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None
        if self.pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self.pidfd)
            self.pidfd = None
        if self.factory.limits.isolation == "none":
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
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired("kernel", timeout)
            select.select([self.pidfd], [], [], left)
        return self.returncode

    async def async_wait(self) -> int | None:
        """Wait without blocking the event loop (the pidfd turns readable at exit)."""
        loop = asyncio.get_running_loop()
        while self.poll() is None:
            ended = asyncio.Event()
            loop.add_reader(self.pidfd, ended.set)
            try:
                await ended.wait()
            finally:
                loop.remove_reader(self.pidfd)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.pidfd is not None and self.returncode is None:
            with contextlib.suppress(ProcessLookupError, OSError):
                signal.pidfd_send_signal(self.pidfd, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
        if self.factory.limits.isolation == "none":
            with contextlib.suppress(OSError):
                os.killpg(self.pid, signal.SIGKILL)
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.wait(5)


def client_context() -> zmq.asyncio.Context:
    """One ZMQ context per grading process; no message over 64 MiB is ever accepted."""
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = zmq.asyncio.Context()
        _CONTEXT.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    return _CONTEXT


class CappedKernelClient(AsyncKernelClient):
    """A kernel client whose sockets refuse oversized messages (a 1 GB print)."""

    def __init__(self, **kwargs: Any) -> None:
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
                        self._adapt_protocol(msg)
                        break
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")
        while True:  # drop the start-up chatter; later readers filter by msg_id anyway
            try:
                await self.iopub_channel.get_msg(timeout=0.005)
            except Empty:
                break

    def _adapt_protocol(self, reply: dict) -> None:
        """What jupyter_client does with a kernel_info reply: speak the kernel's protocol."""
        version = int(reply["content"]["protocol_version"].split(".")[0])
        if version != protocol_version_info[0]:
            self.session.adapt_version = version


class SandboxProvisioner(KernelProvisionerBase):
    """Provisions a kernel through the owning :class:`SandboxKernelManager`'s factory."""

    process: KernelProcess | None = None

    @property
    def has_process(self) -> bool:
        return self.process is not None

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        km = self.parent
        km.write_connection_file()
        self.connection_info = km.get_connection_info()
        cmd = km.format_kernel_cmd(extra_arguments=kwargs.pop("extra_arguments", []))
        return await super().pre_launch(cmd=cmd, **kwargs)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict:
        km = self.parent
        argv = cmd[cmd.index("-f") + 2:] if "-f" in cmd else []  # the spec's extra arguments
        self.process = km.factory.launch(Path(km.scratch), km.connection_file, argv,
                                         km.workdir_name)
        return self.connection_info

    async def poll(self) -> int | None:
        return self.process.poll() if self.process else 0

    async def wait(self) -> int | None:
        return await self.process.async_wait() if self.process else None

    async def send_signal(self, signum: int) -> None:
        if self.process:
            self.process.send_signal(signum)

    async def kill(self, restart: bool = False) -> None:
        if self.process:
            self.process.kill()

    async def terminate(self, restart: bool = False) -> None:
        if self.process:
            self.process.terminate()

    async def cleanup(self, restart: bool = False) -> None:
        """The kernel's sandbox goes with it; its scratch folder is the factory's."""
        if self.process and self.process.poll() is None:
            self.process.kill()

    def get_shutdown_wait_time(self, recommended: float = 5.0) -> float:
        return min(recommended, 1.0)  # a sandboxed kernel has nothing to save


class SandboxKernelSpecManager(KernelSpecManager):
    """The installed kernel specs, each provisioned by :class:`SandboxProvisioner`."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        spec = super().get_kernel_spec(kernel_name)
        spec.metadata = {**spec.metadata,
                         "kernel_provisioner": {"provisioner_name": PROVISIONER, "config": {}}}
        return spec


class SandboxKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel is forked by ``factory`` into a sandbox."""

    factory = AnyTrait()
    scratch = Unicode()
    workdir_name = Unicode("work")

    def __init__(self, **kwargs: Any) -> None:
        scratch = kwargs["scratch"]
        kwargs.setdefault("kernel_spec_manager", SandboxKernelSpecManager())
        kwargs.update(transport="ipc", ip=f"{scratch}/ipc/k",
                      connection_file=f"{scratch}/ipc/kernel.json",
                      client_class="grader.sandbox.kernel.CappedKernelClient",
                      context=client_context(), cache_ports=False)
        super().__init__(**kwargs)

    def kernel_process(self) -> KernelProcess | None:
        """The running (or last) kernel's process handle."""
        provisioner = self.provisioner
        return provisioner.process if isinstance(provisioner, SandboxProvisioner) else None
