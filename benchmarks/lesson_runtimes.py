"""Time each solution notebook executed top to bottom in a fresh kernel (nbclient).

    .venv/bin/python benchmarks/lesson_runtimes.py [--cells N] [LESSON ...]

Prints per lesson the wall seconds including the kernel's start, and the kernel's CPU
seconds (user + system of the kernel process, its start included: on a loaded machine the
steadier figure), against the budget: 20 s for the numpy lessons 00-06, 30 s for the Keras
lessons 07-10 (issue 12). ``--cells N`` adds the N slowest cells of each lesson, by kernel
CPU, with their wall seconds. Exits non-zero when a lesson fails or is over budget (wall).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def budget(lesson: str) -> float:
    """Seconds allowed: 20 for lessons 00-06, 30 for 07-10."""
    return 20.0 if int(lesson[:2]) <= 6 else 30.0


@dataclass
class Run:
    """One lesson's execution: wall and kernel CPU seconds, and (id, wall, cpu) per cell."""

    wall: float = 0.0
    cpu: float = 0.0
    cells: list[tuple[str, float, float]] = field(default_factory=list)


class TimedClient(NotebookClient):
    """An nbclient that reads the kernel process's CPU time around every cell."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.run = Run()

    def _kernel_cpu(self) -> float:
        times = psutil.Process(self.km.provisioner.process.pid).cpu_times()
        return times.user + times.system

    async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                 store_history=True):
        cpu, start = self._kernel_cpu(), time.perf_counter()
        result = await super().async_execute_cell(cell, cell_index, execution_count,
                                                  store_history)
        self.run.cpu = self._kernel_cpu()  # since the kernel started
        self.run.cells.append((cell.get("id", str(cell_index)), time.perf_counter() - start,
                               self.run.cpu - cpu))
        return result


def run(lesson: str) -> Run:
    """Execute solutions/<lesson> in a scratch copy; return its timings."""
    nb = nbformat.read(str(ROOT / "solutions" / lesson / f"{lesson}.ipynb"), as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        client = TimedClient(nb, timeout=300, kernel_name="python3",
                             resources={"metadata": {"path": tmp}})
        start = time.perf_counter()
        client.execute()
        client.run.wall = time.perf_counter() - start
        return client.run


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="e.g. 07 or 07_keras; default: all")
    parser.add_argument("--cells", type=int, default=0, metavar="N",
                        help="also print the N slowest cells of each lesson")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    folders = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
    # "07" or "07_keras": a lesson's number is enough
    lessons = [next((f for f in folders if f == a or f.startswith(f"{a}_")), a)
               for a in args.lessons] or folders
    failed = False
    for lesson in lessons:
        try:
            timing = run(lesson)
        except Exception as exc:  # report and go on with the next lesson
            print(f"{lesson:24} FAILED: {type(exc).__name__}: {str(exc)[:200]}")
            failed = True
            continue
        over = timing.wall > budget(lesson)
        failed |= over
        print(f"{lesson:24} {timing.wall:6.1f} s  kernel CPU {timing.cpu:5.1f} s  "
              f"(budget {budget(lesson):.0f} s){'  OVER BUDGET' if over else ''}")
        for cell, wall, cpu in sorted(timing.cells, key=lambda c: -c[2])[:args.cells]:
            print(f"    {cell:40} wall {wall:5.1f} s  kernel CPU {cpu:5.1f} s")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
