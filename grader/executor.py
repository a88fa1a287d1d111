"""Execute one sanitized notebook the way nbgrader's ``Execute`` does, but contained.

:class:`GradingExecute` *is* nbgrader's ``Execute`` preprocessor (so cells, outputs, error
records and time-outs are nbgrader's), with five additions:

- the kernel is forked into a sandbox by :mod:`grader.sandbox` (warm start, limits);
- **canaries** (:mod:`grader.canary`) before each graded test cell. When one scores as
  passing, the student cells run since the last sound canary that tampered with the
  kernel are quarantined, the kernel is restarted and the earlier cells re-run without
  them; if the canary still passes, every remaining test cell scores 0 and is flagged for
  manual grading;
- **kernel death** in a cell (``os._exit``, a segfault, the memory or process limit, a hung
  kernel that ignores interrupts) scores that cell 0, restarts the kernel and re-runs the
  earlier non-test cells without the guilty one, so exercises it did not touch still count;
- an **output cap** per cell and a **deadline** for the whole notebook;
- **demonstration cells** (``not_run``, :mod:`grader.demonstrations`) are not run, not even
  after a restart; each holds a one-line note instead of outputs.

The notebook is graded cell by cell (:meth:`GradingExecute._grade`): check the deadline,
skip quarantined cells, check the kernel before a test (canary), run the cell, recover
from a kernel death, note errors.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from dataclasses import dataclass, field

import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import output_from_msg
from nbgrader.preprocessors import Execute
from traitlets import Any, Dict, Instance, List, Unicode

from grader import canary
from grader.assignment import grade_id, is_student_cell, is_test
from grader.demonstrations import NOT_RUN
from grader.sandbox import Limits, SandboxKernelManager, exit_reason

MAX_PROBE_OUTPUTS = 50
TAMPERED_TEST = "the kernel was tampered with before this test"


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


@dataclass
class Progress:
    """Where grading stands in the notebook."""

    quarantined: set[int] = field(default_factory=set)  # student cells never run again
    verified: int = -1  # the kernel was last known sound before this cell index
    compromised: bool = False  # a canary kept passing: the remaining tests score 0


def cell_name(cell: NotebookNode, index: int) -> str:
    """How notes name a cell: its grade_id, else its id, else its position."""
    return grade_id(cell) or cell.get("id") or f"cell {index + 1}"


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue,
                        traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


class GradingExecute(Execute):
    """nbgrader's ``Execute`` with a sandboxed kernel, canaries, restarts and caps."""

    factory = Any()
    limits = Instance(Limits, args=())
    files = Dict()
    workdir_name = Unicode("work")
    not_run = List()  # indices of demonstration cells left out (grader.demonstrations)

    def create_kernel_manager(self) -> SandboxKernelManager:
        self.scratch = self.factory.new_scratch(self.files)
        self.km = SandboxKernelManager(kernel_name=self.kernel_name or "python3",
                                       factory=self.factory, scratch=str(self.scratch),
                                       workdir_name=self.workdir_name, config=self.config)
        return self.km

    def preprocess(self, nb: NotebookNode, resources: dict | None = None, km=None
                   ) -> tuple[NotebookNode, dict]:
        """Grade ``nb`` (as nbconvert's ExecutePreprocessor.preprocess sets up a run)."""
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self.resources = resources
        self.report = Report()
        self.timeout = self.limits.cell_timeout_s
        self.timeout_func = self._cell_timeout
        self.max_output = self.limits.max_output_kb * 1024
        self._deadline = time.monotonic() + self.limits.notebook_timeout_s
        try:
            _run_to_completion(self._grade)
        finally:
            self.factory.forget_scratch()
        return self.nb, self.resources

    # -- the notebook, cell by cell ---------------------------------------------------------
    async def _grade(self) -> None:
        self._output_bytes: dict[int, int] = {}
        self._capped: set[int] = set()
        started = time.monotonic()
        await self._start()
        progress = Progress(quarantined=set(self.not_run))
        for index in self.not_run:
            self.nb.cells[index].outputs = [NotebookNode(output_type="stream", name="stdout",
                                                         text=NOT_RUN)]
        try:
            for index, cell in enumerate(self.nb.cells):
                if cell.cell_type == "code":
                    await self._grade_cell(cell, index, progress)
        finally:
            self.report.execute_s = time.monotonic() - started - self.report.kernel_start_s
            await self._stop()
        self._check_deadline("the last cell")

    async def _grade_cell(self, cell: NotebookNode, index: int, progress: Progress) -> None:
        self._check_deadline(cell_name(cell, index))
        if is_test(cell):
            if progress.compromised:
                self._score_tampered(cell, f"{TAMPERED_TEST}; it scores 0 and waits for "
                                           f"manual grading")
                return
            if not await self._kernel_is_sound(cell, index, progress):
                progress.compromised = True
                self._score_tampered(cell, TAMPERED_TEST)
                return
            progress.verified = index
        elif index in progress.quarantined:
            return
        await self._run_cell(cell, index, progress.quarantined)

    def _check_deadline(self, where: str) -> None:
        if time.monotonic() > self._deadline:
            raise GradingFailed(f"notebook time-out: still running after "
                                f"{self.limits.notebook_timeout_s} s (at {where})")

    def _cell_timeout(self, cell: NotebookNode) -> int:
        left = int(self._deadline - time.monotonic()) + 1
        return max(1, min(self.limits.cell_timeout_s, left))

    # -- canaries -----------------------------------------------------------------------------
    async def _kernel_is_sound(self, test: NotebookNode, index: int, progress: Progress) -> bool:
        """Run the canary before ``test``; when it passes, set the tamperers aside and try
        again. False when the kernel stays compromised."""
        if not await self._canary_passes(test, index, progress.quarantined):
            return True
        name = cell_name(test, index)
        culprits = await canary.find_tamperers(self, self.nb.cells, progress.verified, index,
                                               progress.quarantined, is_student_cell)
        if culprits:
            progress.quarantined |= culprits
            self._note_tamperers(culprits, name)
            if not await self._canary_passes(test, index, progress.quarantined):
                return True
        self.report.notes.append(f"tampering detected before {name}: the remaining tests "
                                 f"score 0 and are flagged for manual grading")
        return False

    async def _canary_passes(self, test: NotebookNode, index: int, quarantined: set[int]) -> bool:
        """The canary; a kernel that dies or hangs on it is restarted (canary = failed)."""
        try:
            return await canary.canary_passes(self, test)
        except (TimeoutError, DeadKernelError):
            self.report.notes.append("the kernel died while probing it; restarted")
            await self._restart(index, quarantined)
            return False

    def _note_tamperers(self, culprits: set[int], before: str) -> None:
        cells = self.nb.cells
        names = ", ".join(cell_name(cells[j], j) for j in sorted(culprits))
        self.report.notes.append(f"tampering detected before {before}: {names} disabled the "
                                 f"checks; re-run without it")
        for j in culprits:
            cells[j].outputs.append(_error("TamperingDetected", "this cell disabled the "
                                           "grader's checks; it was skipped when the notebook "
                                           "was re-run"))

    def _score_tampered(self, test: NotebookNode, why: str) -> None:
        test.outputs = [_error("TamperingDetected", why)]
        self.report.flags.append(grade_id(test))

    async def run_probe(self, code: str, cell: NotebookNode) -> tuple[dict, list]:
        """:class:`grader.canary.Kernel`: run ``code`` under ``cell``'s time limit."""
        return await self._probe(code, self._cell_timeout(cell))

    async def fresh_kernel(self, upto: int, skip: set[int]) -> None:
        """:class:`grader.canary.Kernel`: a restart that does not count as a death."""
        await self._restart(upto, skip, count=False)

    # -- running a cell -------------------------------------------------------------------
    async def _run_cell(self, cell: NotebookNode, index: int, quarantined: set[int]) -> None:
        name = cell_name(cell, index)
        try:
            await self.async_execute_cell(cell, index, execution_count=self.code_cells_executed + 1)
        except (DeadKernelError, CellTimeoutError) as exc:
            await self._recover(cell, index, quarantined, self._death_reason(exc))
            return
        self._check_deadline(name)
        if is_student_cell(cell):
            self._reap_fork_bomb(name)
        self._note_first_error(cell, name)

    def _death_reason(self, exc: Exception) -> str:
        if isinstance(exc, DeadKernelError):
            process = self.km.kernel_process() if self.km else None
            if process is not None:
                process.poll()
            return exit_reason(process.status if process is not None else None)
        why = "the kernel stopped answering (it ignored the interrupt)"
        tasks = self.factory.tasks()
        if tasks >= self.limits.max_processes // 2:
            why += f"; it was running {tasks} processes and threads (a fork bomb?)"
        return why

    async def _recover(self, cell: NotebookNode, index: int, quarantined: set[int],
                       why: str) -> None:
        """The kernel died in ``cell``: it scores 0, the kernel restarts without it."""
        name = cell_name(cell, index)
        self._check_deadline(name)
        cell.outputs.append(_error("KernelDied", f"{why} while running this cell"))
        self.report.notes.append(f"{name}: {why}; the kernel was restarted")
        if is_student_cell(cell):
            quarantined.add(index)
        await self._restart(index + 1, quarantined | {index})

    def _note_first_error(self, cell: NotebookNode, name: str) -> None:
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        errors.sort(key=lambda o: o.get("ename") != "CellTimeoutError")
        if not errors or errors[0].get("ename") == "KernelDied":
            return
        out = errors[0]
        if out.get("ename") == "CellTimeoutError":
            self.report.notes.append(
                f"{name}: timed out after {self.limits.cell_timeout_s} s (interrupted)")
            return
        evalue = str(out.get("evalue", "")).replace("\n", " ")
        if "is not written yet" in evalue:
            evalue = evalue.split(":")[0]
        evalue = evalue if len(evalue) <= 120 else evalue[:117] + "..."
        verb = "failed" if is_test(cell) else "raised"
        self.report.notes.append(f"{name} {verb}: {out.get('ename')}: {evalue}")

    def _reap_fork_bomb(self, name: str) -> None:
        """After a student cell: if the kernel's processes fill half the process limit,
        kill all of them but the kernel (a fork bomb would starve the tests of threads)."""
        process = self.km.kernel_process() if self.km else None
        if process is None or process.returncode is not None:
            return
        try:
            if not psutil.Process(process.pid).children():
                return
        except psutil.Error:
            return
        if self.factory.tasks() >= self.limits.max_processes // 2:
            killed = self.factory.reap(process.pid)
            self.report.notes.append(f"{name}: started {killed} processes (a fork bomb?); "
                                     f"they were killed")

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
                outs.append(_error("OutputLimitExceeded", f"output limit exceeded: this cell "
                                   f"printed more than {self.limits.max_output_kb} KiB; it "
                                   f"was stopped"))
                asyncio.ensure_future(self.km.interrupt_kernel())
            return None
        return super().output(outs, msg, display_id, cell_index)

    # -- the kernel ------------------------------------------------------------------
    async def _start(self) -> None:
        started = time.monotonic()
        try:
            self.km = self.create_kernel_manager()
            await self.async_start_new_kernel()
            await self.async_start_new_kernel_client()
            info = await self.async_wait_for_reply(self.kc.kernel_info())
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
            except Exception:  # noqa: BLE001 - the kernel is gone either way
                pass
        if self.kc is not None:
            self.kc.stop_channels()
        self.km = self.kc = None
        return status

    async def _restart(self, upto: int, skip: set[int], count: bool = True) -> None:
        """A fresh kernel with the earlier non-test cells re-run (outputs discarded)."""
        self.report.restarts += count
        if count and self.report.restarts > self.limits.max_restarts:
            last = self.report.notes[-1] if self.report.notes else ""
            raise GradingFailed(f"the kernel died {self.report.restarts} times; last: {last}")
        await self._stop()
        await self._start()
        for index, cell in enumerate(self.nb.cells[:upto]):
            if (index in skip or cell.cell_type != "code" or is_test(cell)
                    or not cell.source.strip()):
                continue
            try:
                await self._probe(cell.source, self._cell_timeout(cell))
            except (TimeoutError, DeadKernelError):
                raise GradingFailed(
                    f"the kernel died again while re-running {cell_name(cell, index)} after a "
                    f"restart") from None

    async def _probe(self, code: str, timeout: float) -> tuple[dict, list]:
        """Execute ``code`` outside nbclient's cell machinery: its reply and outputs."""
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
                if (kind in ("stream", "error", "execute_result", "display_data")
                        and len(outputs) < MAX_PROBE_OUTPUTS):
                    outputs.append(output_from_msg(msg))

        try:
            reply = await asyncio.wait_for(shell(), timeout)
            await asyncio.wait_for(iopub(), 5)
        except TimeoutError:
            if not await self.km.is_alive():
                raise DeadKernelError("Kernel died") from None
            raise
        return reply, outputs


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
