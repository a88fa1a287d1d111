"""Instructor tooling: ``nngrade`` builds the student release and grades submissions."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"


def lesson_ids(root: Path = SOLUTIONS) -> list[str]:
    """The lesson folders (``NN_slug``) under ``root``, in order."""
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name[:2].isdigit())
