"""CPU seconds spent so far by this process and every process it started.

``NNCOURSE_CPU_LOG`` (tests/conftest.py) charges each test the difference of
:func:`cpu_seconds` across it. Counting only the children this process has waited for
charged a child's whole life to the test that happened to reap it (a JupyterLab server or a
kernel started by an earlier test): 142 s to a 0.6-second test. Live descendants are counted
as they run, so each test gets the CPU used while it ran.
"""

from __future__ import annotations

import resource

import psutil


def cpu_seconds() -> float:
    """User + system seconds of this process, of the children it has reaped, and of its live
    descendants (with the children they have reaped)."""
    own, reaped = (resource.getrusage(who)
                   for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    total = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    for process in psutil.Process().children(recursive=True):
        try:
            times = process.cpu_times()
        except psutil.Error:  # gone, or a zombie: its time shows once it is reaped
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total
