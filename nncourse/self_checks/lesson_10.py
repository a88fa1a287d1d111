"""Self-checks of lesson 10 (architectures); answers guarded in tests/claims/lesson_10.py."""

from nncourse.selfcheck import Choice, Number

QUESTIONS = (
    Number("10.conv-size",
           "An 8x8 digit, a 3x3 kernel, stride 2, padding 1. How many rows does the feature "
           "map have?",
           answer=4, tolerance=0.01,
           why="(8 + 2*1 - 3) // 2 + 1 = 7 // 2 + 1 = 4: the padded digit has rows 0 to 9, and "
               "the kernel starts at rows 0, 2, 4 and 6; a window starting at row 8 would need "
               "row 10, which does not exist."),
    Choice("10.long-memory",
           "Only the first of 20 steps tells the label (+1 or -1, equally often); the other "
           "19 are loud noise. A SimpleRNN and an LSTM of 8 units each train for 8 epochs "
           "from seed 0 (the cell below). What do you expect of their test accuracies?",
           ("both close to 1.0: 8 epochs on 1,000 sequences are plenty",
            "the SimpleRNN near chance (0.5), the LSTM close to 1.0",
            "both near chance: noise of standard deviation 2 drowns a single +1 or -1"),
           answer=1,
           why="In this run the SimpleRNN stays at chance: it mixes every noisy input into "
               "its state with the same weights, and the gradient from the label back to "
               "step 0 passes through 19 tanh steps (lesson 09's vanishing gradients), so "
               "it does not learn to keep the first value. The LSTM, trained the same way, "
               "is right almost every time: its gates can keep the cell state, and its "
               "gradient, almost unchanged from step to step. From other starting weights "
               "the SimpleRNN sometimes learns the task too (below).",
           notes={0: "The LSTM does; the SimpleRNN's gradient from the label back to step 0 "
                     "fades through 19 tanh steps, and from this start it never finds that "
                     "step 0 matters.",
                  2: "The LSTM shows that the label is there to be read: it is right almost "
                     "every time. The noise hides it only from a network that cannot keep "
                     "step 0's value."}),
)
