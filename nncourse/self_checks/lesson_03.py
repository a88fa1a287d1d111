"""Self-checks of lesson 03 (forward pass): predict, then run."""

from nncourse.selfcheck import Choice, Number

QUESTIONS = (
    Number("03.params-221",
           "How many parameters (weights and biases together) does a 2-2-1 network have: "
           "2 inputs, a hidden layer of 2 units, 1 output unit?",
           answer=9, tolerance=0.0,
           why="The hidden layer has W of shape (2, 2) and b of shape (2,): 4 + 2 = 6; the "
               "output unit has W of shape (2, 1) and b of shape (1,): 2 + 1 = 3. 6 + 3 = 9, "
               "one slider each in the explorer below."),
    Choice("03.xor-space",
           "In the explorer's starting setting, hidden unit 1 is a soft OR (its output h1 is "
           "near 1 when x1 + x2 > 0.5) and unit 2 a soft AND (h2 near 1 when x1 + x2 > 1.5). "
           "Where do the points around the corners (0, 1) and (1, 0) land in hidden-unit "
           "space, the plane of (h1, h2)?",
           ("Both near (1, 0): the same spot.",
            "Near (0, 1) and (1, 0): opposite corners, as in the input.",
            "Near (1, 1), with the points from the corner (1, 1).",
            "Near (0, 0), with the points from the corner (0, 0)."),
           answer=0,
           why="For both corners x1 + x2 is about 1: above OR's threshold 0.5, below AND's 1.5, "
               "so h1 is near 1 and h2 near 0. (0, 0) lands near (0, 0) and (1, 1) near (1, 1). "
               "The two XOR = 1 clouds now sit together at (1, 0), away from the other two: a "
               "single straight line, the output unit's, separates them.",
           notes={1: "That would keep XOR's checkerboard; the hidden layer exists to undo it.",
                  2: "Unit 2 (AND) needs x1 + x2 > 1.5, which these corners do not reach."}),
    Choice("03.width-one",
           "A network with a single hidden unit (2-1-1, tanh hidden, sigmoid output) is trained "
           "on the circle set (one class inside a disc, the other around it). What can its "
           "decision boundary be?",
           ("Only a straight line.", "A circle, if trained long enough.",
            "Two straight lines (a wedge)."),
           answer=0,
           why="The output is sigmoid(v tanh(z) + c) with z = w.x + b: it depends on x only "
               "through z, and grows or falls with z. So p = 0.5 at one value of z, which is "
               "a straight line w.x + b = const. No training can bend it.",
           notes={1: "Training only changes w, b, v and c; the shape stays a line.",
                  2: "Two lines need two hidden units (the width-2 plot)."}),
)
