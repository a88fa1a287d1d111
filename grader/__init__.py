"""Instructor tooling: ``nngrade`` builds the student release and grades submissions.

Every command works on the course it is given (the working directory or ``--course``),
never on the folder this package was installed from.
"""

import sys

# jsonschema (imported by nbformat in every nngrade process) imports rfc3987_syntax when it is
# installed (jupyter_events pulls it in), and that compiles a grammar for 1-1.5 s, only to
# check the "iri" string formats, which neither nbformat nor nbgrader validate. Marked absent,
# jsonschema leaves those formats unchecked; grading a class starts 1-1.5 s sooner per process.
sys.modules.setdefault("rfc3987_syntax", None)
