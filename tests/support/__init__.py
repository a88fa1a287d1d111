"""Tools for this repository only, imported by the tests and benchmarks as ``support.*``.

``scratch`` grades lessons with nbgrader in a throw-away course, ``mutants`` runs an
exercise's cells in-process for mutation testing, ``tape_fixtures`` rebuilds
``nncourse/reference/tape_gradients.npz`` and ``syllabus`` mirrors the exercise contract.
None of them ships in the ``nncourse`` distribution.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"
