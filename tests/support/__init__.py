"""Tools for this repository only, imported by the tests and benchmarks as ``support.*``.

``scratch`` grades lessons with nbgrader in a throw-away course, ``binder_env`` builds and
shares the Binder environment, ``mutants`` runs an exercise's cells in-process for mutation
testing, ``tape_fixtures`` rebuilds ``nncourse/reference/tape_gradients.npz``, ``syllabus``
mirrors the exercise contract, ``markers`` says why a test is slow and how the tests share
workers, ``suite_groups`` sums a ``--durations=0`` report by those workers' units.
None of them ships in the ``nncourse`` distribution.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"
