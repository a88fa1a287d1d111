"""Self-check questions, one module per lesson (``lesson_NN.py`` defines ``QUESTIONS``).

See :mod:`nncourse.selfcheck`. Every question's answer that depends on what a lesson
shows is guarded by a test in ``tests/claims/``.
"""
