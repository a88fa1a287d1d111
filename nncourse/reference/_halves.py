"""Element-wise functions of big arrays on two cores, with the same numbers.

numpy's ufuncs release the GIL while they loop, so the two halves of a big array can be
computed at once on two threads. The playground's grid (10,000 points, up to 4 hidden
layers of 32 units) spent most of a units or layers change in ``np.tanh``, about 14 ns an
element on a 2-core machine: 4.5 ms a layer on one thread, 2.4 ms on two.

Small arrays (the training steps' batches) stay on the calling thread: handing half of the
work to another thread costs tens of microseconds. Where no second core is usable (one
core, or a container's CPU quota of one, as on Binder), or no thread can be started (a
sandbox's process limit), everything runs on the calling thread.
The second thread runs in the caller's context, so ``np.errstate`` applies to both halves.
"""

from __future__ import annotations

import contextvars
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

MIN_ELEMENTS = 1 << 16
"""Arrays with fewer elements are computed on the calling thread."""

Kernel = Callable[[np.ndarray], np.ndarray]
"""An element-wise function: ``f(z)`` has ``z``'s shape, and each of its elements depends
on the same element of ``z`` only."""


class _Job:
    def __init__(self, kernel: Kernel, z: np.ndarray, out: np.ndarray):
        self.context = contextvars.copy_context()
        self.kernel, self.z, self.out = kernel, z, out  # out[...] = kernel(z)
        self.done = threading.Event()
        self.error: BaseException | None = None


class _Helper:
    """One daemon thread per process that runs the jobs it is given, one at a time."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="nncourse-halves", daemon=True)
        self.thread.start()  # RuntimeError where no thread can be started

    def _run(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:  # stop()
                return
            try:
                job.out[...] = job.context.run(job.kernel, job.z)
            except BaseException as exc:  # handed to the caller, which raises it
                job.error = exc
            finally:
                job.done.set()

    def stop(self) -> None:
        """End the thread once the jobs given before have run."""
        self.jobs.put(None)

    def run(self, kernel: Kernel, z: np.ndarray, out: np.ndarray) -> _Job:
        job = _Job(kernel, z, out)
        self.jobs.put(job)
        return job


_lock = threading.Lock()
_helpers: dict[int, _Helper | None] = {}  # per process (a forked child starts its own)


def _cpu_quota() -> float | None:
    """The cores' worth of CPU time a container's cgroup allows (Binder's pods: 1), or
    ``None`` where no quota is set. A process sees every core of the machine in its
    affinity even then."""
    root = Path("/sys/fs/cgroup")
    try:  # cgroup v2: "quota period", or "max period" without a quota
        quota, period = (root / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:  # cgroup v1: a quota of -1 is none
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return None if quota <= 0 or period <= 0 else quota / period
    except (OSError, ValueError):
        return None


def _usable_cores() -> float:
    try:
        cores: float = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    quota = _cpu_quota()
    return cores if quota is None else min(cores, quota)


def _helper() -> _Helper | None:
    """This process's helper thread; ``None`` where less than a second core is usable or
    no thread could be started (then never tried again)."""
    pid = os.getpid()
    with _lock:
        if pid not in _helpers:
            try:
                _helpers[pid] = _Helper() if _usable_cores() >= 1.5 else None
            except RuntimeError:
                _helpers[pid] = None
        return _helpers[pid]


def in_halves(kernel: Kernel, z: np.ndarray) -> np.ndarray:
    """``kernel(z)`` for the float array ``z``; for a big one, ``kernel`` of the first half
    of its rows on the helper thread while the calling thread does the other half, both
    written into one new array."""
    helper = None if z.size < MIN_ELEMENTS or z.ndim == 0 or len(z) < 2 else _helper()
    if helper is None or threading.current_thread() is helper.thread:
        return kernel(z)
    out = np.empty_like(z)
    half = len(z) // 2
    job = helper.run(kernel, z[:half], out[:half])
    try:
        out[half:] = kernel(z[half:])
    finally:
        job.done.wait()
    if job.error is not None:
        raise job.error
    return out
