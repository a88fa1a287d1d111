"""Live controls, one module per lesson, each with a builder returning a ``ControlPanel``.

Notebooks import builders from their module, e.g.
``from nncourse.widgets.neuron import neuron_explorer``.
"""
