"""Instructor tooling: ``nngrade`` builds the student release and grades submissions.

Every command works on the course it is given (the working directory or ``--course``),
never on the folder this package was installed from.
"""
