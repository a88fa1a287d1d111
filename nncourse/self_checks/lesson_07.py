"""Lesson 07's self-checks: what a GPU would speed up, and float16's smallest numbers."""

from nncourse.selfcheck import Choice

QUESTIONS = (
    Choice(
        "07.big-model",
        "The big network has over 4000 times as many weights as the small one, so each "
        "sample needs over 4000 times more arithmetic. On a CPU (the big one trained in "
        "batches of 1024, the small one in batches of 64), how does the time one training "
        "sample takes the big network compare with the small one's?",
        ("About 4000 times as long: the time follows the arithmetic.",
         "Between 20 and 1000 times as long: a CPU does many multiplications at once, "
         "so less than 4000.",
         "Less than 20 times as long; on some processors even less time than the small "
         "network."),
        answer=2,
        why="The small network's time is mostly a fixed overhead per training step (Python "
            "and Keras' bookkeeping, starting many tiny operations), not arithmetic. The big "
            "network's arithmetic is large enough to keep the CPU busy, so its far larger "
            "arithmetic costs only a few times the time per sample, on some processors "
            "even less. Part of the gap is the batch: a step's overhead is "
            "shared by 1024 samples in the big network's steps, by 64 in the small one's. A "
            "GPU, which does arithmetic much faster but does not remove the overhead, helps "
            "the big one most.",
        notes={0: "That would hold if arithmetic were all a step costs; for a 257-weight "
                  "network it is a tiny part of it.",
               1: "A CPU does do several multiplications at once, but that speeds both "
                  "networks' arithmetic alike. What closes the gap is that the small "
                  "network's time is mostly overhead per step, not arithmetic."},
    ),
    Choice(
        "07.float16-gradient",
        "A gradient of 1e-8 (0.00000001) is stored as a float16. What is stored?",
        ("1e-8, as in float32.",
         "About 1e-8, rounded to 3 significant digits.",
         "0: the gradient is lost."),
        answer=2,
        why="The smallest positive float16 is about 6e-8; a number less than half that "
            "in size (1e-8 is) rounds to 0, so the weight it belongs to stops learning. The "
            "next cells show how mixed precision keeps such a gradient: loss scaling.",
        notes={1: "3 significant digits is float16's precision for numbers in its range; "
                  "1e-8 is below its range."},
    ),
)
