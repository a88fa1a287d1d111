"""Lesson 00's self-checks ("predict, then check"; never graded)."""

from nncourse.selfcheck import Choice, Number

QUESTIONS = (
    Choice(
        "00.untrained",
        "The network's weights start as random numbers. Before any training, about what share "
        "of the test points will it put in the right class?",
        ("almost none of them", "about a quarter of them", "about half of them",
         "about three quarters of them", "almost all of them"),
        answer=2,
        why="Random weights know nothing about the circle. With two classes of the same size, "
            "an answer that ignores the data is right about half the time; the left panel "
            "below shows the share measured before training.",
        notes={0: "Getting almost all wrong would take as much knowledge as getting almost all "
                  "right: flip every answer and it would be perfect.",
               1: "Even a network that answers class 1 everywhere gets the red half right: "
                  "with two classes of the same size, half is what knowing nothing scores.",
               3: "Three quarters right would need some knowledge of where the circle is, and "
                  "nothing has been learned yet: the weights are random.",
               4: "Nothing has been learned yet: the weights are random."},
    ),
    Number(
        "00.bump-units",
        "One hidden unit with a sigmoid draws one step: from about 0 up to about 1. How many "
        "hidden units does the network need to draw one bump (up, then back down to 0)?",
        answer=2,
        tolerance=0,
        why="One step goes up; a second step, a little to the right and given the output weight "
            "-1, brings the sum back down. The first panel of the figure below draws it.",
    ),
    Choice(
        "00.slider-standardized",
        "The slider starts at 0. Moving it to 2 multiplies every foot length by 100. What does "
        "that do to the standardized foot lengths, the right plot?",
        ("they become 100 times larger", "they become 100 times smaller",
         "they do not change at all", "they all become 0"),
        answer=2,
        why="Multiplying a column by 100 multiplies its mean and its standard deviation by 100 "
            "too, so in (x - mean) / std both the top and the bottom are 100 times larger: the "
            "factor cancels. The right plot below stays where it is while the raw cloud climbs.",
        notes={0: "The raw foot lengths do become 100 times larger, but so does the standard "
                  "deviation that standardizing divides them by.",
               1: "The standard deviation you divide by is 100 times larger, but so is the "
                  "difference x - mean above it.",
               3: "Only a constant column becomes 0, and foot lengths times 100 still differ "
                  "from person to person."},
    ),
)
