"""Time each solution notebook executed top to bottom in a fresh kernel (nbclient).

    .venv/bin/python benchmarks/lesson_runtimes.py [LESSON ...]

Prints wall seconds per lesson including the kernel's start, against the budget:
20 s for the numpy lessons 00-06, 45 s for the Keras lessons 07-10. Exits non-zero when
a lesson fails or is over budget.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def budget(lesson: str) -> float:
    """Seconds allowed: 20 for lessons 00-06, 45 for 07-10."""
    return 20.0 if int(lesson[:2]) <= 6 else 45.0


def run(lesson: str) -> float:
    """Execute solutions/<lesson> in a scratch copy; return wall seconds."""
    nb = nbformat.read(str(ROOT / "solutions" / lesson / f"{lesson}.ipynb"), as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        client = NotebookClient(nb, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": tmp}})
        start = time.perf_counter()
        client.execute()
        return time.perf_counter() - start


def main(argv: list[str]) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    folders = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
    # "07" or "07_keras": a lesson's number is enough
    lessons = [next((f for f in folders if f == a or f.startswith(f"{a}_")), a)
               for a in argv] or folders
    failed = False
    for lesson in lessons:
        try:
            seconds = run(lesson)
        except Exception as exc:  # report and go on with the next lesson
            print(f"{lesson:24} FAILED: {type(exc).__name__}: {str(exc)[:200]}")
            failed = True
            continue
        over = seconds > budget(lesson)
        failed |= over
        print(f"{lesson:24} {seconds:6.1f} s  (budget {budget(lesson):.0f} s)"
              f"{'  OVER BUDGET' if over else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
