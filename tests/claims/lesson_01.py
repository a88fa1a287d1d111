"""Lesson 01 (a single neuron): what the worked example and the neuron explorer show,
checked with the lesson's own cells and the explorer's own defaults and slider ranges."""

from __future__ import annotations

import contextlib
import functools
import io
import warnings
from itertools import product

import matplotlib as mpl
import numpy as np

from claims import cell_text, claim, lesson_namespace, slider_values
from nncourse.selfcheck import question
from nncourse.widgets.neuron import (
    DEFAULTS,
    GATES,
    POINTS,
    SLIDER_RANGE,
    neuron_explorer,
    neuron_state,
)

L = "01_neuron"



@functools.cache
def _best_on_the_sliders(gate: str) -> tuple[int, tuple[float, float, float]]:
    """The most correct points any slider setting reaches on ``gate``, and one setting that
    reaches it; computed like :func:`neuron_state` over the whole slider grid at once."""
    v = slider_values(SLIDER_RANGE)
    w1, w2, b = np.meshgrid(v, v, v, indexing="ij")
    correct = np.zeros(w1.shape, dtype=int)
    for (x1, x2), target in zip(POINTS, GATES[gate], strict=True):
        p = 1.0 / (1.0 + np.exp(-(w1 * x1 + w2 * x2 + b)))
        correct += (p >= 0.5).astype(int) == target
    best = np.unravel_index(np.argmax(correct), correct.shape)
    return int(correct.max()), (float(v[best[0]]), float(v[best[1]]), float(v[best[2]]))


@functools.cache
def _explorer():
    return neuron_explorer()


def _panel():
    """The lesson's explorer (built as the lesson's cell builds it), at its defaults."""
    panel = _explorer()
    for name, value in DEFAULTS.items():
        panel.controls[name].value = value
    return panel


# ---------------------------------------------------------------- the worked example

@claim(L, "worked-intro", r"= 0.2 + 0.63 + 0.02 - 0.3 = 0.55.")
def worked_weighted_sum_is_055():
    ns = lesson_namespace(L, upto="worked")
    assert np.allclose(ns["x"] * ns["w"], [0.2, 0.63, 0.02]) and ns["b"] == -0.3
    assert np.isclose(ns["z"], 0.55)


@claim(L, "why-0634", r"= 1 / 1.57694\ldots = 0.63413\ldots$, which rounds to **0.634**.")
def worked_output_is_0634():
    ns = lesson_namespace(L, upto="worked")
    assert f"{1.0 + np.exp(-ns['z']):.8f}".startswith("1.57694")
    assert f"{ns['a']:.8f}".startswith("0.63413")
    assert round(float(ns["a"]), 3) == 0.634
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(cell_text(L, "worked"), "<worked>", "exec"),
             dict(lesson_namespace(L, "setup")))
    assert out.getvalue().strip() == "z = 0.5500, sigmoid(z) = 0.6341"


@claim(L, "why-0634", r"rounding $e^{-0.55} = 0.5769\ldots$ to $0.58$ first would give "
       r"$1 / 1.58 = 0.6329\ldots$, and the third digit would change.")
def rounding_early_changes_the_third_digit():
    e = np.exp(-lesson_namespace(L, upto="worked")["z"])
    assert f"{e:.6f}".startswith("0.5769") and round(float(e), 2) == 0.58
    early = 1.0 / (1.0 + round(float(e), 2))
    assert f"{early:.6f}".startswith("0.6329")
    assert round(early, 3) == 0.633 != round(1.0 / (1.0 + e), 3)


# ---------------------------------------------------------------- the neuron explorer

@claim(L, "boundary-idea", r"predict 1 when $\sigma(z) \ge 0.5$, that is when $z \ge 0$.")
def prediction_is_the_sign_of_z():
    v = slider_values(SLIDER_RANGE)[::10]
    for w1, w2, b in product(v, v, v):
        state = neuron_state(w1, w2, b)
        assert (state["predicted"] == (state["z"] >= 0)).all(), (w1, w2, b)
    # on the boundary too: z = 0 exactly (no float noise), output 0.5, prediction 1
    for w2 in slider_values(SLIDER_RANGE):
        state = neuron_state(DEFAULTS["w1"], w2, -w2)
        assert state["z"][1] == 0.0 and state["p"][1] == 0.5 and state["predicted"][1] == 1


@claim(L, "boundary-idea", "The weights set its direction, the bias shifts it.")
def weights_turn_bias_shifts_the_line():
    def slope_and_height(state):
        (xa, xb), (ya, yb) = state["line"]
        return (yb - ya) / (xb - xa), ya
    w1, w2, b = DEFAULTS["w1"], DEFAULTS["w2"], DEFAULTS["b"]
    slope, height = slope_and_height(neuron_state(w1, w2, b))
    shifted_slope, shifted_height = slope_and_height(neuron_state(w1, w2, b + 1.0))
    assert np.isclose(shifted_slope, slope) and not np.isclose(shifted_height, height)
    turned_slope, _ = slope_and_height(neuron_state(w1 + 1.0, w2, b))
    assert not np.isclose(turned_slope, slope)


@claim(L, "boundary-idea", "The colour of the background is the neuron's output; dot colours are "
       "the gate's targets (blue 0, red 1); a yellow ring, edged in black, marks a wrong "
       "prediction.")
def colours_mean_what_the_text_says():
    panel = _panel()
    live, state = panel.live, panel.state
    assert np.allclose(live.surface.get_array(), state["surface"])
    assert live.surface.get_clim() == (0.0, 1.0)
    cmap = mpl.colormaps[live.points.get_cmap().name]
    (r0, _, b0, _), (r1, _, b1, _) = cmap(0.0), cmap(1.0)
    assert b0 > r0 and r1 > b1  # 0 is blue, 1 is red
    assert live.points.get_clim() == (0.0, 1.0)
    assert list(live.points.get_array()) == list(state["target"])
    wrong = state["predicted"] != state["target"]
    assert wrong.any() and (~wrong).any()
    inner, outer = live.ring_inner.get_edgecolors(), live.ring_outer.get_edgecolors()
    for i in range(len(POINTS)):
        assert inner[i][3] == outer[i][3] == (1.0 if wrong[i] else 0.0)  # shown only if wrong
        red, green, blue = inner[i][:3]
        assert red > 0.9 and green > 0.7 and blue < 0.2  # yellow
        assert tuple(outer[i][:3]) == (0.0, 0.0, 0.0)  # black
    # the black edge is wider than the yellow ring, so it shows around it
    assert live.ring_outer.get_linewidths()[0] > live.ring_inner.get_linewidths()[0]
    assert live.ring_outer.get_zorder() < live.ring_inner.get_zorder()
    # the rings are drawn around the dots, not inside them, whatever the dot's colour
    assert live.ring_inner.get_sizes()[0] > live.points.get_sizes()[0]
    np.testing.assert_array_equal(live.ring_inner.get_offsets(), POINTS)
    for gate in GATES:  # they follow the predictions when the gate changes
        panel.controls["gate"].value = gate
        wrong = panel.state["predicted"] != panel.state["target"]
        assert list(live.ring_inner.get_edgecolors()[:, 3]) == list(wrong.astype(float))
    panel.controls["gate"].value = DEFAULTS["gate"]


@claim(L, "boundary-idea", "The table under the plot lists $z$, the output and the prediction "
       "for each input, and counts the correct ones.")
def table_lists_z_output_prediction_and_count():
    panel = _panel()
    table = panel.readout.value
    for header in ("<th>z</th>", "<th>output</th>", "<th>predicted</th>"):
        assert header in table
    assert table.count("<tr>") == 1 + len(POINTS)
    for z, p in zip(panel.state["z"], panel.state["p"], strict=True):
        assert f"<td>{z:+.2f}</td><td>{p:.3f}</td>" in table
    assert f"{panel.state['correct']}/4 correct" in table


@claim(L, "boundary-idea", "The explorer opens on weights that compute neither AND nor OR: 2 of 4 "
       "correct for either gate.")
def explorer_opens_unsolved():
    panel = _panel()
    assert {k: panel.controls[k].value for k in DEFAULTS} == DEFAULTS
    assert "2/4 correct" in panel.readout.value and panel.state["gate"] == DEFAULTS["gate"]
    w = (DEFAULTS["w1"], DEFAULTS["w2"], DEFAULTS["b"])
    assert neuron_state(*w, "AND")["correct"] == 2
    assert neuron_state(*w, "OR")["correct"] == 2
    # a fresh explorer, built as the lesson's cell builds it, opens there too
    fresh = lesson_namespace(L, upto="setup")["neuron_explorer"]()
    assert fresh.values == DEFAULTS


@claim(L, "boundary-idea", "Find weights that compute **AND**, then switch the dropdown to OR "
       "and find weights that compute **OR** (both can be reached with the sliders).")
def and_and_or_are_reachable():
    for gate in ("AND", "OR"):
        best, (w1, w2, b) = _best_on_the_sliders(gate)
        assert best == 4, gate
        assert neuron_state(w1, w2, b, gate)["correct"] == 4
        panel = _panel()
        panel.controls["gate"].value = gate
        for name, value in (("w1", w1), ("w2", w2), ("b", b)):
            panel.controls[name].value = value
        assert panel.state["correct"] == 4 and "4/4 correct" in panel.readout.value


@claim(L, "xor", "try it with the sliders, you will never get more than 3 of 4.")
def xor_tops_out_at_three():
    best, (w1, w2, b) = _best_on_the_sliders("XOR")
    assert best == 3
    assert neuron_state(w1, w2, b, "XOR")["correct"] == 3


@claim(L, "xor", "In lesson 03, a network with one **hidden layer** of two neurons computes XOR, "
       "with weights chosen by hand")
def lesson_03_computes_xor_with_two_hidden_neurons():
    ns = lesson_namespace("03_forward_pass", upto="worked-xor")
    params = ns["xor_params"]
    assert len(params) == 2 and params[0][0].shape == (2, 2) and params[1][0].shape == (2, 1)
    assert ns["gate"].tolist() == POINTS.tolist()
    assert (ns["p"].ravel() >= 0.5).astype(int).tolist() == GATES["XOR"].tolist()
    assert "chosen by hand" in " ".join(cell_text("03_forward_pass", "xor-intro").split())


@claim(L, "boundary-idea", "AND is 1 only when both inputs are 1, OR when at least one is, XOR "
       "(\"exclusive or\") when exactly one is.")
def truth_tables_match_the_explorer_targets():
    text = cell_text(L, "boundary-idea")
    rows = [line for line in text.splitlines() if line.startswith("| 0") or line.startswith("| 1")]
    table = np.array([[int(v) for v in row.strip("| ").split(" | ")] for row in rows])
    assert table[:, :2].tolist() == POINTS.astype(int).tolist()
    for column, gate in enumerate(("AND", "OR", "XOR"), start=2):
        assert table[:, column].tolist() == GATES[gate].tolist(), gate
    ones = POINTS.sum(axis=1)
    assert GATES["AND"].tolist() == (ones == 2).astype(int).tolist()
    assert GATES["OR"].tolist() == (ones >= 1).astype(int).tolist()
    assert GATES["XOR"].tolist() == (ones == 1).astype(int).tolist()


@claim(L, "boundary-idea", "The **gate** dropdown chooses which gate's targets the dots and the "
       "table use; it starts on AND.")
def gate_dropdown_sets_targets_and_count():
    panel = _panel()
    assert panel.controls["gate"].value == "AND" == DEFAULTS["gate"]
    for gate in ("OR", "XOR", "AND"):
        panel.controls["gate"].value = gate
        assert list(panel.live.points.get_array()) == list(GATES[gate])
        assert f"<th>{gate}</th>" in panel.readout.value
        assert f"{panel.state['correct']}/4 correct" in panel.readout.value
        assert panel.state["correct"] == int((panel.state["predicted"] == GATES[gate]).sum())


@claim(L, "xor", "The AND and OR targets are linearly separable, the XOR targets are not, so a "
       "single neuron can compute AND and OR but never XOR.")
def and_or_separable_xor_not():
    for gate in ("AND", "OR"):
        assert _best_on_the_sliders(gate)[0] == 4
    rng = np.random.default_rng(0)
    w = rng.normal(scale=10.0, size=(200_000, 3))
    z = POINTS @ w[:, :2].T + w[:, 2]
    assert not ((z >= 0).astype(int) == GATES["XOR"][:, None]).all(axis=0).any()
    # the reason: z is linear, so z(0,0) + z(1,1) = z(0,1) + z(1,0) for every line
    assert np.allclose(z[0] + z[3], z[1] + z[2])


@claim(L, "ex-neuron-output", "the tests of this lesson keep $|z|$ small.")
def neuron_output_tests_use_small_z():
    namespace = dict(lesson_namespace(L, upto="setup"))
    for cell in ("weighted_sum", "neuron_output", "neuron_predict"):  # defined in this namespace
        exec(compile(cell_text(L, cell), f"<{cell}>", "exec"), namespace)
    seen = []
    weighted_sum = namespace["weighted_sum"]

    def recording(x, w, b):
        z = weighted_sum(x, w, b)
        seen.append(np.max(np.abs(z)))
        return z

    namespace["weighted_sum"] = recording
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in ("test_neuron_output", "test_neuron_output_hidden", "test_neuron_predict",
                     "test_neuron_predict_hidden"):
            exec(compile(cell_text(L, cell), f"<{cell}>", "exec"), namespace)
    assert seen and max(seen) < 20.0, max(seen)


@claim(L, "ex-neuron-output", "For $z$ below about $-709$, $e^{-z}$ is too large for a float and "
       "numpy warns about an overflow")
def naive_sigmoid_overflows_below_minus_709():
    neuron_output = lesson_namespace(L, upto="neuron_output")["neuron_output"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        neuron_output([1.0], [-709.0], 0.0)  # fine
        try:
            neuron_output([1.0], [-710.0], 0.0)
        except RuntimeWarning as warning:
            assert "overflow" in str(warning)
        else:
            raise AssertionError("no overflow warning at z = -710")


@claim(L, "ex-weighted-sum", "The one expression `x @ w + b` gives both: for one input it "
       "already is a single number, so no `float(...)` is needed.")
def x_at_w_plus_b_is_a_number_or_one_per_row():
    weighted_sum = lesson_namespace(L, upto="weighted_sum")["weighted_sum"]
    assert "return x @ w + b" in cell_text(L, "weighted_sum")
    one = weighted_sum([0.5, 0.9, 0.2], [0.4, 0.7, 0.1], -0.3)
    assert isinstance(one, float) and np.ndim(one) == 0 and np.isclose(one, 0.55)
    X = np.array([[1.0, 2.0], [0.0, 1.0], [2.0, 0.0]])
    batch = weighted_sum(X, [0.5, -1.0], 2.0)
    assert isinstance(batch, np.ndarray) and batch.shape == (3,)
    assert np.allclose(batch, [0.5, 1.0, 3.0])


# ---------------------------------------------------------------- self-checks

@claim(L, "self-check-sigmoid-zero", 'self_check("01.sigmoid-zero")')
def a_neuron_outputs_one_half_at_z_zero():
    neuron_output = lesson_namespace(L, upto="neuron_output")["neuron_output"]
    assert question("01.sigmoid-zero").answer == 0.5
    assert neuron_output([0.0, 0.0], [1.0, 1.0], 0.0) == 0.5
    assert neuron_output([2.0, 1.0], [1.0, 1.0], -3.0) == 0.5


@claim(L, "self-check-double-weights", 'self_check("01.double-weights")')
def doubling_weights_and_bias_keeps_the_boundary():
    q = question("01.double-weights")
    assert q.options[q.answer] == "it stays exactly where it is"
    values = slider_values(SLIDER_RANGE)
    assert {1.0, 2.0, -1.5, -3.0} <= set(values)  # the prompt's example is on the sliders
    for gate in GATES:
        for w1, w2, b in ((1.0, 1.0, -1.5), (0.5, -1.5, 0.7), (2.0, 0.0, -1.0)):
            once, twice = neuron_state(w1, w2, b, gate), neuron_state(2 * w1, 2 * w2, 2 * b, gate)
            np.testing.assert_allclose(once["line"], twice["line"])
            assert np.array_equal(once["predicted"], twice["predicted"])
            # steeper: each output moves further from 0.5
            assert (np.abs(twice["p"] - 0.5) >= np.abs(once["p"] - 0.5)).all()


@claim(L, "self-check-xor-best", 'self_check("01.xor-best")')
def xor_best_is_three_of_four():
    q = question("01.xor-best")
    assert q.options[q.answer] == "3 of 4"
    assert _best_on_the_sliders("XOR")[0] == 3
