"""What this computer offers the course, found without importing TensorFlow."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys

import numpy as np


def gpus() -> list[str]:
    """Names of the NVIDIA GPUs ``nvidia-smi`` lists; empty when there is none."""
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return []
    try:
        out = subprocess.run([tool, "-L"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.startswith("GPU")]


def memory_gib() -> float | None:
    """Physical memory in GiB, where the OS says."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return None


def describe_machine() -> dict[str, str]:
    """Python, numpy, cores, memory and GPUs, as text values by name."""
    found = gpus()
    memory = memory_gib()
    return {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "system": f"{platform.system()} {platform.machine()}",
        "cpu cores": str(os.cpu_count() or "unknown"),
        "memory": f"{memory:.1f} GiB" if memory else "unknown",
        "gpu": "; ".join(found) if found else "none found: lesson 07 trains on the CPU",
    }


def print_machine() -> None:
    """Print :func:`describe_machine` as an aligned table."""
    for key, value in describe_machine().items():
        print(f"{key:>10}: {value}")
