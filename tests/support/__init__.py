"""Tools for this repository only, imported by the tests and benchmarks as ``support.*``.

``scratch`` grades lessons with nbgrader in a throw-away course, ``binder_env`` builds and
shares the Binder environment, ``mutants`` runs an exercise's cells in-process for mutation
testing, ``tape_fixtures`` rebuilds ``nncourse/reference/tape_gradients.npz``, ``syllabus``
mirrors the exercise contract, ``markers`` says why a test is slow and how the tests share
workers, ``suite_groups`` sums a ``--durations=0`` report by those workers' units.
None of them ships in the ``nncourse`` distribution. ``NBGRADER`` is how the tests run
nbgrader where it is a reference (the gates, the graded twins, the exchange).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "lessons"

# ``python -m nbgrader``, with jsonschema's optional "iri" string format checker left out: its
# package (rfc3987_syntax) compiles a grammar at import, 1.3 s of every nbgrader command, for
# a format that nbgrader never validates (no schema of nbformat or nbgrader uses it). The
# README's own nbgrader commands are tested as written (tests/test_zip_collect.py).
NBGRADER = [sys.executable, "-c",
            "import sys; sys.modules['rfc3987_syntax'] = None; sys.argv[0] = 'nbgrader'; "
            "from nbgrader.apps.nbgraderapp import main; main()"]
