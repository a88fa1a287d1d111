"""The canary unit: which probe a test gets, how it is judged, who the tamperers are."""

from __future__ import annotations

import asyncio
import concurrent.futures

import nbformat
import pytest
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_code_cell, new_output

from grader.canary import find_tamperers, probe_for, scores
from grader.executor import is_student_cell


@pytest.mark.parametrize(("test", "helper"), [
    ("check_call(sigmoid, (0.0,), expected=0.5)", "check_call(lambda"),
    ("expect_close(loss, 0.25)", "expect_close(0.0, 1.0"),
    ("expect(np.all(y >= 0), 'y is non-negative')", "expect(False"),
    ("assert f(2) == 4", "raise AssertionError"),
])
def test_the_probe_uses_the_check_helper_of_the_test(test, helper):
    probe = probe_for(test, "tok123")
    assert probe.startswith(helper) and "tok123" in probe


def _reply(status: str = "ok", ename: str = "") -> dict:
    return {"content": {"status": status, "ename": ename}}


def test_probes_are_judged_as_nbgrader_judges_a_test_cell():
    code = probe_for("assert x")
    error = new_output("error", ename="AssertionError", evalue="", traceback=[])
    stderr = new_output("stream", name="stderr", text="warning")
    stdout = new_output("stream", name="stdout", text="all good")
    assert not scores(code, _reply("error", "AssertionError"), [error])  # a sound kernel
    assert not scores(code, _reply("error", "AssertionError"), [])  # display hidden: reply
    assert not scores(code, _reply(), [stderr])  # nbgrader: stderr scores 0
    assert scores(code, _reply(), [stdout])  # a failing probe that passed: tampered
    assert scores(code, _reply(), [])


class FakeKernel:
    """Cells whose source says TAMPER make probes pass; KILL kills the kernel."""

    def __init__(self, cells):
        self.cells = cells
        self.tampered = False
        self.restarts = []

    async def run_probe(self, code, cell):
        if "KILL" in code:
            raise DeadKernelError("died")
        if "TAMPER" in code:
            self.tampered = True
            return _reply(), []
        if code.startswith(("raise", "check_call", "expect")):
            return (_reply(), []) if self.tampered else (_reply("error", "AssertionError"), [])
        return _reply(), []

    async def fresh_kernel(self, upto, skip):
        self.restarts.append((upto, set(skip)))
        self.tampered = False
        for j, cell in enumerate(self.cells[:upto]):
            if j not in skip and not cell.metadata.get("nbgrader", {}).get("grade"):
                await self.run_probe(cell.source, cell)


def _notebook(*sources):
    cells = []
    for i, source in enumerate(sources):
        cell = new_code_cell(source)
        if source.startswith("assert"):
            cell.metadata["nbgrader"] = {"grade": True, "solution": False, "points": 1,
                                         "grade_id": f"test_{i}", "locked": True}
        elif source.startswith("setup"):
            cell.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": True,
                                         "grade_id": f"setup_{i}"}
        cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells).cells


def _run(coroutine):
    """Run a coroutine on a fresh event loop in its own thread: another test (Playwright's
    sync API) may have left a loop running in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_the_tamperers_are_the_student_cells_after_which_a_canary_passes():
    cells = _notebook("x = 1", "TAMPER()", "setup = 2", "y = 3", "KILL()", "assert x == 1")
    kernel = FakeKernel(cells)
    culprits = _run(find_tamperers(kernel, cells, -1, 5, set(), is_student_cell))
    assert culprits == {1, 4}  # the tamperer, and a cell that kills the kernel on re-run
    assert kernel.restarts[0] == (0, set())  # from the last sound canary
    assert kernel.restarts[-1] == (5, {1, 4})  # then without the culprits


def test_a_locked_cell_is_never_a_tamperer_and_earlier_cells_are_not_searched():
    cells = _notebook("TAMPER()", "assert True", "setup TAMPER", "assert x")
    kernel = FakeKernel(cells)
    culprits = _run(find_tamperers(kernel, cells, 1, 3, set(), is_student_cell))
    assert culprits == set()  # the setup cell is the course's; cell 0 was verified sound
    assert kernel.restarts == [(2, set())]
