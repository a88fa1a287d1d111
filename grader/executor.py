"""Execute one sanitized submission the way nbgrader's ``Execute`` does, but contained.

:class:`GradingExecute` *is* nbgrader's ``Execute`` preprocessor (so cells, outputs, error
records and time-outs are nbgrader's), with four additions:

- the kernel is forked into a sandbox by :mod:`grader.sandbox` (warm start, limits);
- **canaries**: before each graded test cell, probes that must fail (``raise
  AssertionError``, and the check helpers the test uses called on a wrong answer) are run
  in the same kernel, through the same input transformers, hooks and display path. If one
  scores as passing, the kernel was tampered with: the student cells run since the last
  good canary are quarantined, the kernel is restarted and the earlier cells re-run
  without them; if the canary still passes, every remaining test cell scores 0 and is
  flagged for manual grading;
- **kernel death** in a cell (``os._exit``, a segfault, the memory or process limit, a hung
  kernel that ignores interrupts) scores that cell 0, restarts the kernel and re-runs the
  earlier non-test cells without the guilty one, so exercises it did not touch still count;
- an **output cap** per cell and a **deadline** for the whole notebook.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import secrets
import time
from dataclasses import dataclass, field

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import output_from_msg
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Any, Dict, Unicode

from grader.sandbox import SandboxKernelManager, exit_reason


class GradingFailed(Exception):
    """The submission could not be graded; the message says why."""


@dataclass
class Report:
    """What happened while executing, beyond the cells' own outputs."""

    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # grade_ids to mark needs_manual_grade
    restarts: int = 0
    kernel_start_s: float = 0.0
    execute_s: float = 0.0


def is_test_cell(cell: NotebookNode) -> bool:
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


def is_student_cell(cell: NotebookNode) -> bool:
    """A code cell the student could edit (not locked, not a test)."""
    return cell.cell_type == "code" and not utils.is_locked(cell) and not is_test_cell(cell)


def cell_name(cell: NotebookNode, index: int) -> str:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta.get("grade_id") or cell.get("id") or f"cell {index + 1}"


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


class GradingExecute(Execute):
    """nbgrader's ``Execute`` with a sandboxed kernel, canaries, restarts and caps."""

    factory = Any()
    limits = Dict()
    files = Dict()
    workdir_name = Unicode("work")

    def create_kernel_manager(self):
        self.scratch = self.factory.new_scratch(self.files)
        self.km = SandboxKernelManager(kernel_name=self.kernel_name or "python3",
                                       factory=self.factory, scratch=str(self.scratch),
                                       workdir_name=self.workdir_name, config=self.config)
        return self.km

    def preprocess(self, nb, resources=None, km=None):
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.report = Report()
        self.timeout = self.limits.get("cell_timeout_s", 30)
        self.timeout_func = self._cell_timeout
        self.max_output = self.limits.get("max_output_kb", 1024) * 1024
        self._deadline = time.monotonic() + self.limits.get("notebook_timeout_s", 600)
        try:
            _run_to_completion(self._grade)
        finally:
            self.factory.forget_scratch()
        return self.nb, self.resources

    def _cell_timeout(self, cell) -> int:
        left = int(self._deadline - time.monotonic()) + 1
        return max(1, min(self.limits.get("cell_timeout_s", 30), left))

    # -- the kernel ------------------------------------------------------------------
    async def _start(self) -> None:
        started = time.monotonic()
        try:
            self.km = self.create_kernel_manager()
            await self.async_start_new_kernel()
            await self.async_start_new_kernel_client()
            msg_id = self.kc.kernel_info()
            info = await self.async_wait_for_reply(msg_id)
            if info is not None and "language_info" in info["content"]:
                self.nb.metadata["language_info"] = info["content"]["language_info"]
        except (DeadKernelError, RuntimeError, OSError) as exc:
            await self._stop()
            raise GradingFailed(f"the kernel failed to start: {exc}") from None
        self.report.kernel_start_s += time.monotonic() - started

    async def _stop(self) -> int | None:
        """Kill the kernel and its sandbox; returns its wait status if known."""
        status = None
        km = self.km
        if km is not None:
            process = km.kernel_process()
            if process is not None:  # no polite shutdown: the sandbox is thrown away
                process.kill()
                status = process.status
            try:
                await km.cleanup_resources()
            except Exception:  # noqa: BLE001
                pass
        if self.kc is not None:
            self.kc.stop_channels()
        self.km = self.kc = None
        return status

    async def _restart(self, upto: int, skip: set[int], count: bool = True) -> None:
        """A fresh kernel with the earlier non-test cells re-run (outputs discarded)."""
        self.report.restarts += count
        if count and self.report.restarts > self.limits.get("max_restarts", 3):
            last = self.report.notes[-1] if self.report.notes else ""
            raise GradingFailed(f"the kernel died {self.report.restarts} times; last: {last}")
        await self._stop()
        await self._start()
        for index in range(upto):
            cell = self.nb.cells[index]
            if index in skip or cell.cell_type != "code" or is_test_cell(cell):
                continue
            if not cell.source.strip():
                continue
            try:
                await self._probe(cell.source, self._cell_timeout(cell))
            except (TimeoutError, DeadKernelError):
                raise GradingFailed(
                    f"the kernel died again while re-running {cell_name(cell, index)} after a "
                    f"restart") from None

    # -- probes (canaries, replays) ----------------------------------------------------
    async def _probe(self, code: str, timeout: float) -> tuple[dict, list]:
        kc = self.kc
        msg_id = kc.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
        outputs: list = []

        async def shell():
            while True:
                msg = await kc.shell_channel.get_msg(timeout=None)
                if msg["parent_header"].get("msg_id") == msg_id:
                    return msg

        async def iopub():
            while True:
                msg = await kc.iopub_channel.get_msg(timeout=None)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if kind == "status" and msg["content"]["execution_state"] == "idle":
                    return
                if kind in ("stream", "error", "execute_result", "display_data"):
                    if len(outputs) < 50:
                        outputs.append(output_from_msg(msg))

        try:
            reply = await asyncio.wait_for(shell(), timeout)
            await asyncio.wait_for(iopub(), 5)
        except TimeoutError:
            if not await self.km.is_alive():
                raise DeadKernelError("Kernel died") from None
            raise
        return reply, outputs

    async def _canary_passes(self, test: NotebookNode) -> bool:
        """True when a probe that must fail scores as passing: the kernel is compromised."""
        token = secrets.token_hex(6)
        source = test.source
        if "check_call(" in source:  # one probe exercises the input path and the helper
            probes = [f'check_call(lambda *a, **k: 0.0, (), expected=1.0, shown="{token}")']
        elif "expect_close(" in source:
            probes = [f'expect_close(0.0, 1.0, what="{token}")']
        elif "expect(" in source:
            probes = [f'expect(False, "{token}")']
        else:
            probes = [f'raise AssertionError("{token}")']
        for code in probes:
            reply, outputs = await self._probe(code, self._cell_timeout(test))
            if reply["content"].get("status") == "error" and not any(
                    o.output_type == "error" for o in outputs):
                outputs.append(_error(reply["content"].get("ename", "Error"), ""))
            probe = NotebookNode(cell_type="code", source=code, outputs=outputs,
                                 metadata={"nbgrader": {"grade": True, "solution": False,
                                                        "points": 1, "grade_id": "canary"}})
            score, _ = utils.determine_grade(probe, self.log)
            if score != 0:
                return True
        return False

    # -- output cap ----------------------------------------------------------------------
    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(str(content.get("text", ""))) + sum(
            len(str(v)) for v in content.get("data", {}).values())
        used = self._output_bytes.get(cell_index, 0) + size
        self._output_bytes[cell_index] = used
        if used > self.max_output and msg["msg_type"] != "error":
            if cell_index not in self._capped:
                self._capped.add(cell_index)
                limit = self.limits.get("max_output_kb", 1024)
                outs.append(_error("OutputLimitExceeded", f"output limit exceeded: this cell "
                                   f"printed more than {limit} KiB; it was stopped"))
                asyncio.ensure_future(self.km.interrupt_kernel())
            return None
        return super().output(outs, msg, display_id, cell_index)

    # -- the notebook ------------------------------------------------------------------
    async def _grade(self) -> None:
        self._output_bytes: dict[int, int] = {}
        self._capped: set[int] = set()
        started = time.monotonic()
        await self._start()
        quarantined: set[int] = set()
        verified = -1  # the kernel was last known sound before this cell index
        compromised = False
        cells = self.nb.cells
        try:
            for index, cell in enumerate(cells):
                if cell.cell_type != "code":
                    continue
                name = cell_name(cell, index)
                if time.monotonic() > self._deadline:
                    raise GradingFailed(self._timeout_reason(name))
                if compromised and is_test_cell(cell):
                    cell.outputs = [_error("TamperingDetected",
                                           "the kernel was tampered with before this test; "
                                           "it scores 0 and waits for manual grading")]
                    self.report.flags.append(cell.metadata["nbgrader"]["grade_id"])
                    continue
                if index in quarantined:
                    continue
                if is_test_cell(cell):
                    if await self._guarded(self._canary_passes(cell), index, quarantined):
                        culprits = await self._find_tamperers(verified, index, quarantined)
                        if culprits:
                            quarantined |= culprits
                            names = ", ".join(cell_name(cells[j], j) for j in sorted(culprits))
                            self.report.notes.append(
                                f"tampering detected before {name}: {names} disabled the "
                                f"checks; re-run without it")
                            for j in culprits:
                                cells[j].outputs.append(_error(
                                    "TamperingDetected", "this cell disabled the grader's "
                                    "checks; it was skipped when the notebook was re-run"))
                        if not culprits or await self._guarded(
                                self._canary_passes(cell), index, quarantined):
                            self.report.notes.append(
                                f"tampering detected before {name}: the remaining tests score "
                                f"0 and are flagged for manual grading")
                            compromised = True
                            cell.outputs = [_error("TamperingDetected", "the kernel was "
                                                   "tampered with before this test")]
                            self.report.flags.append(cell.metadata["nbgrader"]["grade_id"])
                            continue
                    verified = index
                await self._run_cell(cell, index, quarantined)
        finally:
            self.report.execute_s = time.monotonic() - started - self.report.kernel_start_s
            await self._stop()
        if time.monotonic() > self._deadline:
            raise GradingFailed(self._timeout_reason("the last cell"))

    async def _find_tamperers(self, verified: int, index: int,
                              quarantined: set[int]) -> set[int]:
        """Re-run the cells since the last sound canary one by one in a fresh kernel,
        probing after each student cell: the cells after which a canary passes are guilty."""
        cells = self.nb.cells
        culprits: set[int] = set()
        await self._restart(verified + 1, quarantined, count=False)
        for j in range(verified + 1, index):
            cell = cells[j]
            if (cell.cell_type != "code" or is_test_cell(cell) or j in quarantined
                    or not cell.source.strip()):
                continue
            try:
                await self._probe(cell.source, self._cell_timeout(cell))
                guilty = is_student_cell(cell) and await self._canary_passes(cells[index])
            except (TimeoutError, DeadKernelError):
                guilty = True
            if guilty:
                culprits.add(j)
                await self._restart(j + 1, quarantined | culprits, count=False)
        return culprits

    def _timeout_reason(self, where: str) -> str:
        return (f"notebook time-out: still running after "
                f"{self.limits.get('notebook_timeout_s', 600)} s (at {where})")

    async def _guarded(self, probe, index: int, quarantined: set[int]) -> bool:
        """Run a canary; a kernel that dies or hangs on it is restarted (canary = failed)."""
        try:
            return await probe
        except (TimeoutError, DeadKernelError):
            self.report.notes.append("the kernel died while probing it; restarted")
            await self._restart(index, quarantined)
            return False

    def _reap_fork_bomb(self, name: str) -> None:
        """After a student cell: if the kernel's processes fill half the process limit,
        kill all of them but the kernel (a fork bomb would starve the tests of threads)."""
        process = self.km.kernel_process() if self.km else None
        if process is None or process.returncode is not None:
            return
        try:
            with open(f"/proc/{process.pid}/task/{process.pid}/children") as handle:
                if not handle.read().strip():
                    return
        except OSError:
            return
        tasks = sum(threads for _, threads in self.factory.processes())
        if tasks >= self.limits.get("max_processes", 96) // 2:
            killed = self.factory.reap(process.pid)
            self.report.notes.append(f"{name}: started {killed} processes (a fork bomb?); "
                                     f"they were killed")

    async def _run_cell(self, cell: NotebookNode, index: int, quarantined: set[int]) -> None:
        name = cell_name(cell, index)
        try:
            await self.async_execute_cell(cell, index, execution_count=self.code_cells_executed + 1)
        except (DeadKernelError, CellTimeoutError) as exc:
            status = None
            if isinstance(exc, DeadKernelError):
                process = self.km.kernel_process() if self.km else None
                if process is not None:
                    process.poll()
                    status = process.status
                why = exit_reason(status)
            else:
                why = "the kernel stopped answering (it ignored the interrupt)"
                tasks = sum(threads for _, threads in self.factory.processes())
                if tasks >= self.limits.get("max_processes", 96) // 2:
                    why += f"; it was running {tasks} processes and threads (a fork bomb?)"
            if time.monotonic() > self._deadline:
                raise GradingFailed(self._timeout_reason(name)) from None
            cell.outputs.append(_error("KernelDied", f"{why} while running this cell"))
            self.report.notes.append(f"{name}: {why}; the kernel was restarted")
            if is_student_cell(cell):
                quarantined.add(index)
            await self._restart(index + 1, quarantined | {index})
            return
        if time.monotonic() > self._deadline:
            raise GradingFailed(self._timeout_reason(name))
        if is_student_cell(cell):
            self._reap_fork_bomb(name)
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        errors.sort(key=lambda o: o.get("ename") != "CellTimeoutError")
        for out in errors:
            if out.get("ename") == "CellTimeoutError":
                self.report.notes.append(
                    f"{name}: timed out after {self.limits.get('cell_timeout_s', 30)} s "
                    f"(interrupted)")
            elif out.get("ename") != "KernelDied":
                evalue = str(out.get("evalue", "")).replace("\n", " ")
                if "is not written yet" in evalue:
                    evalue = evalue.split(":")[0]
                evalue = evalue if len(evalue) <= 120 else evalue[:117] + "..."
                verb = "failed" if is_test_cell(cell) else "raised"
                self.report.notes.append(f"{name} {verb}: {out.get('ename')}: {evalue}")
            break


def _run_to_completion(make_coroutine) -> None:
    """Run a coroutine to the end, also when this thread already runs an event loop (a
    notebook, Playwright's sync API): then in a thread of its own with a fresh loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(make_coroutine())
        return
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(make_coroutine())).result()
