"""Self-checks of lesson 04 (loss functions); answers guarded in tests/claims/lesson_04.py."""

from nncourse.selfcheck import Choice, Number

QUESTIONS = (
    Choice("04.outlier-pull",
           "Seven measurements lie between 2.6 and 3.6, and two more are 20. Which constant c, "
           "predicted for all nine, has the lowest mean squared error?",
           ("3.3, the median of the nine", "about 6.9, above every one of the seven",
            "20, the outliers' value"),
           answer=1,
           why="MSE's best constant is the mean, 6.88 (the seven sum to 21.9, the outliers "
               "to 40): each outlier pulls "
               "in proportion to its error of about 17. The median, 3.3, is MAE's best "
               "constant: there every point pulls with the same size.",
           notes={0: "That is MAE's answer: MAE does not care how far the outliers are; MSE "
                     "does.",
                  2: "The seven ordinary points pull too: MSE balances all nine errors."}),
    Number("04.loss-at-init",
           "A network with small random weights and a softmax over 10 classes sees its first "
           "batch, before any training. What mean categorical cross-entropy do you expect "
           "(to 2 decimals)?",
           answer=2.303, tolerance=0.01,
           why="Small weights give logits near 0, so the softmax is nearly uniform, 1/10 for "
               "each class; minus the log of the true class's 1/10 is ln 10 = 2.303 for every "
               "sample, whatever the labels."),
)
