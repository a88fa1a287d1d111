"""Self-checks of lesson 02 (activations): predict, then run."""

from nncourse.selfcheck import Choice, Number

QUESTIONS = (
    Number("02.dead-relu",
           "In the control below, pick relu and set b = -3 (keep w = 1 and x max = 8, so x runs "
           "from -8 to 8). What fraction of the inputs x get slope 0 (a 'dead' ReLU)? Answer "
           "with a number between 0 and 1.",
           answer=11 / 16, tolerance=0.02,
           why="z = x - 3 is at most 0 for every x up to 3, and ReLU's slope there is 0 (also "
               "at z = 0). That is the stretch from -8 to 3: 11 of the 16 units of the range, "
               "11/16 = 0.6875. The bias moves the kink; the weight w would change how fast z "
               "crosses it."),
    Choice("02.softmax-shift",
           "Computed exactly (no rounding), how does softmax of the row [1000, 1001, 1002] "
           "compare with softmax of the row [0, 1, 2]?",
           ("They are equal.",
            "The first is closer to (0, 0, 1): larger logits give surer probabilities.",
            "The first is undefined: e^1000 is too large."),
           answer=0,
           why="Adding the same number c to every logit of a row multiplies every e^z of the "
               "row, numerator and sum alike, by e^c, which cancels. Only the differences "
               "between logits matter. A computer, though, overflows on e^1000: Exercise 6 uses "
               "the cancellation to avoid it.",
           notes={1: "Sureness depends on the gaps between the logits (here 1 and 2 in both "
                     "rows), not on their size.",
                  2: "e^1000 overflows a float64, but the mathematical value is defined; and "
                     "it cancels out."}),
)
