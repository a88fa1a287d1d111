"""Self-checks of lesson 10 (architectures); answers guarded in tests/claims/lesson_10.py."""

from nncourse.selfcheck import Number

QUESTIONS = (
    Number("10.conv-size",
           "An 8x8 digit, a 3x3 kernel, stride 2, padding 1. How many rows does the feature "
           "map have?",
           answer=4, tolerance=0.01,
           why="(8 + 2*1 - 3) // 2 + 1 = 7 // 2 + 1 = 4: the padded digit has rows 0 to 9, and "
               "the kernel starts at rows 0, 2, 4 and 6; a window starting at row 8 would need "
               "row 10, which does not exist."),
    Number("10.long-memory",
           "Only the first of 20 steps tells the label (+1 or -1, equally often); the other "
           "19 are loud noise. A SimpleRNN of 8 units trains for 8 epochs (the cell below, "
           "seed 0). What test accuracy do you expect for it, as a fraction from 0 to 1? "
           "(Guessing gets 0.5.)",
           answer=0.5, tolerance=0.1,
           why="About 0.5 in this run: chance. The SimpleRNN mixes every noisy input into "
               "its state with the same weights, and the gradient from the label back to "
               "step 0 passes through 19 tanh steps (lesson 09's vanishing gradients), so "
               "with this seed it does not learn to keep the first value (from other starting "
               "weights it sometimes does). The LSTM, trained the same way, is right almost every "
               "time: its gates can keep the cell state, and its gradient, almost unchanged "
               "from step to step."),
)
