"""Self-checks of lesson 09 (training pitfalls); answers guarded in tests/claims/lesson_09.py."""

from nncourse.selfcheck import Choice

QUESTIONS = (
    Choice("09.bn-dead",
           "ReLU, He init, depth 30: without batch norm the explorer counts 253 dead units out "
           "of 960. Turn batch norm on. How many hidden units are dead now?",
           ("about as many: batch norm does not touch the signs",
            "none",
            "more: normalizing pushes half of every unit's inputs below 0"),
           answer=1,
           why="Batch norm centres every unit's pre-activation on 0 over the batch, so unless "
               "a unit's input is constant, some samples are above 0 and the unit is active "
               "for them: no unit is dead, at any depth and with any init.",
           notes={0: "Without normalization, scaling the weights indeed never flips a sign; "
                     "but batch norm also subtracts each unit's batch mean.",
                  2: "Half of the samples fall below 0, yes, but the other half are above: "
                     "a unit is dead only when every sample is below 0."}),
    Choice("09.adagrad",
           "Five optimizers train the same network from the same start at learning rate 0.01 "
           "for 300 steps. Where does Adagrad's final loss land?",
           ("with RMSprop and Adam: it adapts every weight's step too",
            "far behind RMSprop and Adam, about level with momentum",
            "above its starting loss: it diverges"),
           answer=1,
           why="Adagrad divides by the root of the running sum of squared gradients, which "
               "only grows: after a fast start its steps keep shrinking, while RMSprop and "
               "Adam average the squares and forget old ones, so their steps stay about as "
               "long as the learning rate.",
           notes={0: "RMSprop and Adam adapt too, with averages that forget; Adagrad's sum "
                     "never forgets, so its steps keep shrinking."}),
    Choice("09.shuffled",
           "The correct model trains 100 steps on the 32 digits once with their true labels "
           "and once with the labels shuffled (most labels now wrong). How does the loss of "
           "the shuffled run compare with the loss of the true-label run?",
           ("it stays near ln 10 ≈ 2.30: shuffled labels leave nothing to learn",
            "it falls just as fast: 32 pairs are 32 pairs, whatever the labels",
            "it falls close to 0 too, but more slowly"),
           answer=2,
           why="A network with thousands of weights can memorise 32 arbitrary labels, so the "
               "loss still falls close to 0 (batch accuracy 1.00): passing the overfit test "
               "proves the plumbing works, not that the labels are right. With the true "
               "labels, digits of one class look alike, so what the model learns on one "
               "helps with the others; shuffled labels share no such pattern, and each pair "
               "must be memorised on its own, which takes more steps.",
           notes={0: "Nothing that generalizes can be learned, true; but memorising 32 "
                     "pairs needs no pattern.",
                  1: "Memorising works either way, but the true labels share a pattern "
                     "(digits of one class look alike) that speeds it up."}),
)
