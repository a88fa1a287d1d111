"""Reference implementations of earlier lessons' exercises, for later lessons.

A lesson imports references only for exercises of *earlier* lessons, so a learner who
struggled with lesson 03 can still do lesson 05. One module per lesson topic:
``activations`` (02), ``forward`` (03), ``losses`` (04), ``backprop`` (05), ``optim`` (06).
"""
