"""Runs in the kernel: keeps freed memory in the C heap so that the playground's arrays are
not page-faulted in afresh on every frame.

Each playground frame makes and frees arrays of a few MB (a 10,000-point grid through
layers of 32 units: 2.6 MB per layer's ``Z`` and ``A``). glibc's ``malloc`` serves blocks
that large with a fresh ``mmap`` and hands them back on ``free`` (and trims the heap
above 128 KiB of free top), so the next frame pays the kernel to map and zero every page
again: on the 2-core machine a 2-32-32-32-32-1 forward pass over the grid took 17-20 ms
that way and 6.5 ms with the thresholds below (same arrays, bitwise). Setting them (glibc's
``mallopt``) keeps blocks up to :data:`MMAP_THRESHOLD` in the heap and up to
:data:`TRIM_THRESHOLD` of free heap mapped: the kernel process holds at most that much
more memory than it uses. Elsewhere than glibc (macOS, Windows, musl) nothing is changed.
"""

from __future__ import annotations

import ctypes
import functools
import os

MMAP_THRESHOLD = 16 << 20
"""Blocks up to 16 MiB come from the heap (glibc's default starts at 128 KiB)."""
TRIM_THRESHOLD = 64 << 20
"""Up to 64 MiB of free memory at the top of the heap stays mapped (default 128 KiB)."""
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


def is_glibc() -> bool:
    """Whether this process runs on GNU libc (asked of the C library, no file read)."""
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):  # no such name here: not glibc
        return False


@functools.cache
def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds for this process, once; True when they were
    set, False where the C library is not glibc or refused."""
    if not is_glibc():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
