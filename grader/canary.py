"""Canaries: before each graded test cell, a probe that must fail runs in the same kernel.

The probe goes through the same path as the test (input transformers, hooks, the check
helper the test uses, the display path) and is scored with nbgrader's own
``determine_grade``. If it scores as passing, the kernel was tampered with. Then
:func:`find_tamperers` re-runs the cells since the last sound canary one by one in a fresh
kernel, with a canary after each student cell: the cells after which it passes are the
tamperers. The executor (:mod:`grader.executor`) decides what follows: quarantine them, or
score the remaining tests 0 and flag them for manual grading.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Protocol

from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbgrader import utils

from grader.assignment import is_test

LOG = logging.getLogger(__name__)


class Kernel(Protocol):
    """What canaries need from the executor's kernel."""

    async def run_probe(self, code: str, cell: NotebookNode) -> tuple[dict, list]:
        """Execute ``code`` (with ``cell``'s time limit); the reply and its outputs."""

    async def fresh_kernel(self, upto: int, skip: set[int]) -> None:
        """A new kernel with the code cells before ``upto`` re-run, except ``skip``."""


def probe_for(test_source: str, token: str | None = None) -> str:
    """The probe that must fail, chosen for a test cell: it calls the check helper the test
    uses on a wrong answer (``check_call``, ``expect_close``, ``expect``), else raises."""
    token = token or secrets.token_hex(6)
    if "check_call(" in test_source:  # one probe exercises the input path and the helper
        return f'check_call(lambda *a, **k: 0.0, (), expected=1.0, shown="{token}")'
    if "expect_close(" in test_source:
        return f'expect_close(0.0, 1.0, what="{token}")'
    if "expect(" in test_source:
        return f'expect(False, "{token}")'
    return f'raise AssertionError("{token}")'


def scores(code: str, reply: dict, outputs: list, log: logging.Logger = LOG) -> bool:
    """Whether nbgrader would give the probe's cell points (a sound kernel: never)."""
    content = reply.get("content", {})
    outputs = list(outputs)
    if content.get("status") == "error" and not any(
            o.get("output_type") == "error" for o in outputs):
        outputs.append(NotebookNode(output_type="error", ename=content.get("ename", "Error"),
                                    evalue="", traceback=[]))  # as nbgrader's Execute records
    cell = NotebookNode(cell_type="code", source=code, outputs=outputs,
                        metadata={"nbgrader": {"grade": True, "solution": False,
                                               "points": 1, "grade_id": "canary"}})
    score, _ = utils.determine_grade(cell, log)
    return score != 0


async def canary_passes(kernel: Kernel, test: NotebookNode) -> bool:
    """True when the probe for ``test`` scores as passing: the kernel is compromised."""
    code = probe_for(test.source)
    reply, outputs = await kernel.run_probe(code, test)
    return scores(code, reply, outputs)


async def find_tamperers(kernel: Kernel, cells: list[NotebookNode], verified: int, index: int,
                         quarantined: set[int],
                         is_student: Callable[[NotebookNode], bool]) -> set[int]:
    """The student cells between ``verified`` (the last sound canary) and the test at
    ``index`` after which a canary passes, or that kill or hang the kernel on a re-run."""
    culprits: set[int] = set()
    await kernel.fresh_kernel(verified + 1, quarantined)
    for j in range(verified + 1, index):
        cell = cells[j]
        if (cell.cell_type != "code" or is_test(cell) or j in quarantined
                or not cell.source.strip()):
            continue
        try:
            await kernel.run_probe(cell.source, cell)
            guilty = is_student(cell) and await canary_passes(kernel, cells[index])
        except (TimeoutError, DeadKernelError):
            guilty = True
        if guilty:
            culprits.add(j)
            await kernel.fresh_kernel(j + 1, quarantined | culprits)
    return culprits
