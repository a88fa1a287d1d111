"""Self-checks of lesson 05 (backpropagation); answers guarded in tests/claims/lesson_05.py."""

from nncourse.selfcheck import Number

QUESTIONS = (
    Number("05.fanout",
           "u = w x, v = x + b, L = u v, at x = 2, w = 3, b = 1: x feeds two nodes. "
           "What is dL/dx?",
           answer=15.0, tolerance=0.01,
           why="The multiply L = u v swaps: dL/du = v = 3 and dL/dv = u = 6. Through u, x "
               "gets 3 times w = 9 (multiply swaps again); through v, 6 times 1 = 6 (add "
               "distributes). The two paths add: 9 + 6 = 15. Overwriting keeps one path "
               "only, 6 or 9."),
    Number("05.cache-memory",
           "Exercise 7's test runs the [3, 5, 4, 1] network on a batch of 6 samples. How many "
           "numbers does its forward cache hold, A and Z together?",
           answer=138.0, tolerance=0.5,
           why="A holds the input X and every layer's output: 6 × (3 + 5 + 4 + 1) = 78 "
               "numbers. Z holds every layer's pre-activation: 6 × (5 + 4 + 1) = 60. Together "
               "138, almost three times the network's 49 parameters; both A and Z grow with "
               "the batch, the parameters do not."),
)
