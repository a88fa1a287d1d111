"""Network diagrams drawn by code (nncourse/diagrams.py): layout, truncation, what is drawn."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch  # noqa: E402

from nncourse.diagrams import (  # noqa: E402
    MAX_UNITS,
    NETWORKS,
    RADIUS,
    count_parameters,
    draw_network,
    layout,
)


def _axes():
    return Figure().subplots()


def _kinds(ax):
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    return circles, arrows


def test_small_network_draws_every_unit_and_every_weight():
    ax = draw_network([3, 4, 2], ax=_axes())
    circles, arrows = _kinds(ax)
    assert len(circles) == 3 + 4 + 2
    assert len(arrows) == 3 * 4 + 4 * 2
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["input\n3 inputs", "hidden\n4 units", "output\n2 units"]


def test_roles_and_numbered_hidden_layers():
    layers = layout([2, 16, 16, 1])
    assert [layer.role for layer in layers] == ["input", "hidden", "hidden", "output"]
    ax = draw_network([2, 16, 16, 1], ax=_axes())
    texts = [t.get_text() for t in ax.texts if t.get_text() != "⋮"]
    assert texts == ["input\n2 inputs", "hidden 1\n16 units", "hidden 2\n16 units",
                     "output\n1 unit"]


def test_wide_layers_are_truncated_with_an_ellipsis():
    layers = layout([14, 16, 1])
    for layer in layers[:2]:
        assert len(layer.units) == MAX_UNITS and layer.units[-1] == layer.size - 1
        assert layer.units[:-1] == tuple(range(MAX_UNITS - 1))
        # the ellipsis sits between the last shown run and the final unit
        assert layer.ys[-2] > layer.ellipsis_y > layer.ys[-1]
    assert layers[2].ellipsis_y is None and layers[2].units == (0,)
    ax = draw_network([14, 16, 1], ax=_axes())
    circles, arrows = _kinds(ax)
    assert len(circles) == MAX_UNITS * 2 + 1
    assert len(arrows) == MAX_UNITS * MAX_UNITS + MAX_UNITS
    assert sum(t.get_text() == "⋮" for t in ax.texts) == 2


def test_layers_are_centred_and_units_do_not_overlap():
    for sizes in NETWORKS.values():
        for layer in layout(sizes):
            centre = (max(layer.ys) + min(layer.ys)) / 2
            assert centre == pytest.approx(0.0)
            gaps = [a - b for a, b in zip(layer.ys[:-1], layer.ys[1:], strict=True)]
            assert all(gap >= 1.0 > 2 * RADIUS for gap in gaps)


def test_arrows_run_from_circle_edge_to_circle_edge():
    ax = draw_network([2, 2, 1], ax=_axes())
    _, arrows = _kinds(ax)
    layers = layout([2, 2, 1])
    start, end = arrows[0]._posA_posB
    assert abs(((start[0] - layers[0].x) ** 2 + (start[1] - layers[0].ys[0]) ** 2) ** 0.5
               - RADIUS) < 1e-9
    assert abs(((end[0] - layers[1].x) ** 2 + (end[1] - layers[1].ys[0]) ** 2) ** 0.5
               - RADIUS) < 1e-9


def test_custom_labels_title_and_new_figure():
    ax = draw_network([2, 3, 1], labels=["x", "h", "p"], title="a net")
    try:
        assert [t.get_text() for t in ax.texts] == ["x", "h", "p"]
        assert ax.get_title() == "a net" and not ax.axison
    finally:
        plt.close(ax.figure)


def test_bad_sizes_and_labels_are_refused():
    with pytest.raises(ValueError, match="at least an input and an output"):
        layout([3])
    with pytest.raises(ValueError, match="integers >= 1"):
        layout([3, 0, 1])
    with pytest.raises(ValueError, match="integers >= 1"):
        layout([3, 2.5, 1])
    with pytest.raises(ValueError, match="one label per layer"):
        draw_network([2, 2, 1], ax=_axes(), labels=["a", "b"])
    with pytest.raises(ValueError, match="max_units"):
        layout([2, 2], max_units=2)


def test_parameter_counts_of_the_course_networks():
    assert count_parameters([3, 4, 2]) == 26
    assert count_parameters([2, 2, 1]) == 9
    assert count_parameters([14, 16, 1]) == 14 * 16 + 16 + 16 + 1
    assert NETWORKS["06 playground (default)"] == (2, 16, 16, 1)
    assert NETWORKS["07 Keras classifier"] == (14, 16, 1)
