"""Lesson 08's self-checks: early stopping by hand, and what a higher threshold does."""

from nncourse.selfcheck import Choice, Number

QUESTIONS = (
    Number(
        "08.patience",
        "A run's validation losses, epoch 0 to 6: 0.50, 0.42, 0.40, 0.41, 0.40, 0.43, 0.39. "
        "With EarlyStopping(patience=3), at which epoch (0-based) does training stop?",
        answer=5,
        tolerance=0,
        why="The best is epoch 2 (0.40). Epoch 4's 0.40 only ties it, and a tie is not an "
            "improvement, so epochs 3, 4 and 5 are three epochs without improvement: training "
            "stops at epoch 5, and the 0.39 that epoch 6 would have reached is never seen. "
            "(Stopping one epoch late or early are the usual slips: count the epochs since "
            "the best, not the epochs in the run.)",
    ),
    Choice(
        "08.threshold-up",
        "Logistic regression flags a message as spam when its p is above 0.5. Raise the "
        "threshold to 0.8: what happens to its precision and recall on the validation set?",
        ("precision rises, recall falls", "both rise", "precision falls, recall rises",
         "both stay the same"),
        answer=0,
        why="At 0.8 only the messages the model is surest about are flagged: usually fewer "
            "ham messages among them (here precision rises), but some spams with p between "
            "0.5 and 0.8 are no longer caught (recall falls). Recall can never rise when the "
            "threshold goes up. The cell after exercise 4 shows by how much, and the live "
            "control at the end of the lesson shows the same trade-off for the chosen network.",
        notes={1: "Recall cannot rise: every spam flagged at 0.8 was already flagged at 0.5.",
               2: "That is what lowering the threshold does.",
               3: "Only if no validation message had p between 0.5 and 0.8."},
    ),
)
