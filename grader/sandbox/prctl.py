"""The Linux process controls the grader sets with ``prctl(2)``: die with the parent, never
regain privileges. Standard library only: the kernel zygote imports it."""

from __future__ import annotations

import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38

_libc = ctypes.CDLL(None, use_errno=True)


def check(result: int, what: str) -> None:
    """Raise ``OSError`` with errno's message when a libc call returned non-zero."""
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def prctl(option: int, value: int) -> None:
    """``prctl(option, value)``; raises ``OSError`` when it fails."""
    check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl({option})")


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies (a ``preexec_fn`` for subprocesses)."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def no_new_privs() -> None:
    """Forbid this process and its children to gain privileges (setuid, capabilities)."""
    prctl(PR_SET_NO_NEW_PRIVS, 1)


__all__ = ["check", "die_with_parent", "no_new_privs", "prctl"]
