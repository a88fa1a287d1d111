"""Shared fixtures: the repository's lessons and a report of mutation kill rates."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"
LESSON_IDS = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and p.name[:2].isdigit())
NUMPY_LESSONS = [lesson for lesson in LESSON_IDS if int(lesson[:2]) <= 6]

# (lesson, exercise, mutant, killed by any test cell, killed by a visible test cell)
MUTATION_RESULTS: list[tuple[str, str, str, bool, bool]] = []


def solution_notebook(lesson: str) -> Path:
    """solutions/<lesson>/<lesson>.ipynb"""
    return SOLUTIONS / lesson / f"{lesson}.ipynb"


def release_notebook(lesson: str) -> Path:
    """lessons/<lesson>/<lesson>.ipynb"""
    return LESSONS / lesson / f"{lesson}.ipynb"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print, per lesson and overall, the mutation kill rate and the visible tests' share."""
    if not MUTATION_RESULTS:
        return
    terminalreporter.section("mutation kill rate (all tests) and visible catch rate")
    by_lesson: dict[str, list[tuple[bool, bool]]] = {}
    for lesson, _exercise, _mutant, killed, seen in MUTATION_RESULTS:
        by_lesson.setdefault(lesson, []).append((killed, seen))

    def rates(rows: list[tuple[bool, bool]]) -> str:
        killed, seen = sum(k for k, _ in rows), sum(s for _, s in rows)
        return (f"{killed}/{len(rows)} mutants killed; visible tests alone catch "
                f"{seen}/{len(rows)} ({100.0 * seen / len(rows):.0f}%)")

    for lesson, rows in sorted(by_lesson.items()):
        terminalreporter.write_line(f"{lesson}: {rates(rows)}")
    terminalreporter.write_line(
        f"all lessons: {rates([r for rows in by_lesson.values() for r in rows])}")
    for lesson, exercise, mutant, killed, seen in MUTATION_RESULTS:
        if not killed:
            terminalreporter.write_line(f"SURVIVED {lesson}:{exercise}: {mutant}")
        elif not seen:
            terminalreporter.write_line(f"HIDDEN ONLY {lesson}:{exercise}: {mutant}")


@pytest.fixture(scope="session")
def lesson_ids() -> list[str]:
    return LESSON_IDS


def move_control(panel, name: str, value, *, readout_changes: bool = True) -> None:
    """Set a live control and check it redrew the same figure once, in place."""
    figure, image, readout = panel.live.figure, panel.live.image.value, panel.readout.value
    renders = panel.live.renders
    panel.controls[name].value = value
    assert panel.live.figure is figure, "a control change must update the figure, not replace it"
    assert panel.live.renders == renders + 1, "one control change, one render"
    assert panel.live.image.value != image, f"moving {name} changed no pixels"
    if readout_changes:
        assert panel.readout.value != readout, f"moving {name} left the readout as it was"
