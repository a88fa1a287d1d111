"""The yardstick for this README's timings: how fast this machine runs Python and numpy.

    .venv/bin/python benchmarks/machine_speed.py [--repeats 5]

The project's machines are lent per session and differ (issue 12 met a 2-core AMD EPYC that
ran the whole suite 1.75 times slower than the machine of the session before). Every timing
in the README's figures table holds for one machine; this prints two numbers to place it:
seconds for 20 million additions in a pure-Python loop (one core; the kernels, the graders
and pytest are mostly such code) and GFLOP/s of a 512 x 512 float32 matrix product in numpy
(the BLAS the lessons' numpy code uses), each the median of ``--repeats`` runs, with the
CPU model and the cores this process may use.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

LOOP = 20_000_000
SIZE = 512


def python_loop_seconds() -> float:
    """Seconds for ``LOOP`` additions in a plain ``for`` loop."""
    start = time.perf_counter()
    total = 0
    for i in range(LOOP):
        total += i
    assert total == LOOP * (LOOP - 1) // 2
    return time.perf_counter() - start


def matmul_gflops(repeats: int = 20) -> float:
    """GFLOP/s of ``repeats`` float32 products of two ``SIZE`` x ``SIZE`` matrices."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((SIZE, SIZE), dtype=np.float32) for _ in range(2))
    a @ b  # warm-up: threads and caches
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * SIZE**3 * repeats / (time.perf_counter() - start) / 1e9


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, or what ``platform`` says."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs of each (median)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats should be at least 1")
    loop = statistics.median(python_loop_seconds() for _ in range(args.repeats))
    gflops = statistics.median(matmul_gflops() for _ in range(args.repeats))
    print(f"cpu: {cpu_model()}, {len(os.sched_getaffinity(0))} cores usable")
    print(f"python loop of {LOOP:,} additions: {loop:.2f} s (median of {args.repeats})")
    print(f"numpy float32 {SIZE}x{SIZE} matmul: {gflops:.1f} GFLOP/s (median of {args.repeats})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
