"""Neural-network fundamentals: the package every lesson notebook imports.

Modules:
- ``checks``: what test cells call; turns wrong answers into messages a learner can act on.
- ``live``: live figures redrawn in place by ipywidgets controls.
- ``widgets``: one builder per lesson's live controls.
- ``machine``: what this computer is (cores, GPU) without importing TensorFlow.
- ``reference``: reference implementations of earlier lessons' exercises.
"""

__version__ = "0.1.0"
