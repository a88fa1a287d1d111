"""Lesson 01's self-checks ("predict, then check"; never graded)."""

from nncourse.selfcheck import Choice, Number

QUESTIONS = (
    Number(
        "01.sigmoid-zero",
        "What does a neuron output when its weighted sum z is exactly 0?",
        answer=0.5,
        tolerance=1e-9,
        why="sigma(0) = 1 / (1 + e^0) = 1 / (1 + 1) = 0.5: exactly halfway between 0 and 1.",
    ),
    Choice(
        "01.double-weights",
        "Double w1, w2 and b together (say from 1, 1, -1.5 to 2, 2, -3). What happens to the "
        "decision boundary, the line where z = 0?",
        ("it stays exactly where it is", "it moves twice as far from the origin",
         "it turns by 90 degrees"),
        answer=0,
        why="z = 0 exactly where 2z = 0, so the line stays put and every prediction stays the "
            "same. What changes is how fast the output moves from 0 to 1 as you cross the "
            "line: twice as fast.",
        notes={1: "Moving the line takes changing b alone, or the weights and b by different "
                  "factors."},
    ),
    Choice(
        "01.xor-best",
        "When you switch the gate dropdown to XOR: with the best w1, w2 and b on the sliders, "
        "how many of the 4 points can one neuron get right?",
        ("2 of 4", "3 of 4", "4 of 4"),
        answer=1,
        why="Any line can cut off one corner, so 3 of 4 is easy; no line puts (0, 1) and (1, 0) "
            "on one side and (0, 0) and (1, 1) on the other, so 4 of 4 is out of reach. The "
            "section after the explorer says why.",
        notes={2: "Try it with the sliders: the two 1s sit on one diagonal and the two 0s on "
                  "the other."},
    ),
)
