"""Self-checks of lesson 06 (gradient descent); answers guarded in tests/claims/lesson_06.py."""

from nncourse.selfcheck import Choice, Number

QUESTIONS = (
    Number("06.first-step",
           "L(w) = (w - 3)^2, so L'(w) = 2 (w - 3). Start at w = 0 with learning rate 0.1. "
           "What is w after one gradient-descent step?",
           answer=0.6, tolerance=0.005,
           why="The gradient at 0 is 2 (0 - 3) = -6; the step is w - 0.1 * (-6) = 0.6. The "
               "distance to the minimum went from 3 to 2.4: 20 % less, as every step at this "
               "learning rate."),
    Choice("06.compare-winner",
           "On the narrow valley, L = (w1^2 + 10 w2^2) / 2, from the explorer's start, with "
           "learning rate 0.01 and 60 steps: which update rule ends at the lowest loss?",
           ("plain gradient descent", "momentum", "Adam"),
           answer=1,
           why="Along the flat valley floor the gradient is small but keeps its direction, so "
               "momentum's velocity adds it up (up to 10 times with beta = 0.9) and rolls "
               "along; plain descent takes 60 small steps, and Adam's steps are about 0.01 "
               "long each, so 60 of them cannot cover the 2.5 to the minimum.",
           notes={2: "Adam is the usual default, but its steps are about lr long whatever the "
                     "gradient: with lr = 0.01 that is slow here."}),
    Choice("06.l1-largest",
           "The cell below trains the playground's network on the circle three times: with "
           "no penalty, with L2 and with L1 of the same strength, and prints each run's "
           "largest |w|. Compared with the run without a penalty, L1's largest weight ends "
           "...",
           ("smaller, like L2's", "about the same", "larger"),
           answer=2,
           why="L1 takes the same lr * lambda from every weight at every step. The many "
               "weights that help the fit only a little end at 0, and the few that are left "
               "must carry the whole fit alone, so they grow: here to about 3.4, against "
               "about 2.8 without a penalty. L2 takes a fraction of each weight, the most "
               "from the largest, so its largest weight shrinks (to about 2.2).",
           notes={0: "A penalty makes the weights smaller as a whole, and L2 shrinks every "
                     "weight; but L1 switches most weights off, and the survivors grow to "
                     "make up for them."}),
)
