"""Sum a ``pytest --durations=0`` report by the scheduler's work units (markers.group).

``.venv/bin/python tests/support/suite_groups.py OUTPUT [--top N]`` prints the total
test time (core-seconds), each unit's seconds (setup + call + teardown), costliest first, and
the seconds that markers.GROUP_SECONDS / TEST_SECONDS / LONE_TEST_SECONDS expect, to refresh them.

CPU instead of wall time: run the suite with ``NNCOURSE_CPU_LOG=/tmp/cpu`` (tests/conftest.py
appends each test's CPU seconds, its own and those of the processes it started, used while
the test ran (support/cpu_time.py), to ``/tmp/cpu.<pid>`` in the same format), then
``cat /tmp/cpu.* > cpu.txt`` and pass ``cpu.txt``. Long-lived processes (the browser tests'
JupyterLab and Chromium) count in each test that ran while they worked.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from support import markers  # noqa: E402

LINE = re.compile(r"^([\d.]+)s (setup|call|teardown)\s+(\S.*)$")


def units(lines: list[str]) -> tuple[Counter, dict[str, set[str]]]:
    """Seconds and node ids per work unit (a group, or a test alone)."""
    seconds: Counter = Counter()
    nodeids: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        found = LINE.match(line.strip())
        if found:
            nodeid = found[3]
            unit = markers.group(nodeid) or nodeid
            seconds[unit] += float(found[1])
            nodeids[unit].add(nodeid)
    return seconds, nodeids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="pytest's output with --durations=0")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    seconds, nodeids = units(args.output.read_text(errors="replace").splitlines())
    total = sum(seconds.values())
    print(f"{total:.0f} s of tests ({total / 60:.1f} core-minutes) in {len(seconds)} units")
    print(f"{'seconds':>8} {'expected':>8} {'tests':>5}  unit")
    for unit, spent in seconds.most_common(args.top):
        expected = markers.expected_seconds(unit, sorted(nodeids[unit]))
        print(f"{spent:8.1f} {expected:8.1f} {len(nodeids[unit]):5d}  {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
