"""Claims of lesson 05 (backpropagation): what its cells, control and checks show."""

from __future__ import annotations

import contextlib
import functools
import io
import re
import warnings

import numpy as np

from claims import cell_text, claim, lesson_namespace, notebook
from grader.notebooks import read
from nncourse.checks import CheckFailed
from nncourse.gradient_diagnosis import check_gradients, mlp_numerical_gradients, usual_mistakes
from nncourse.widgets import backprop as widget

LESSON = "05_backprop"
NODES = ("x", "w", "b", "u", "z", "p")  # every node but L, whose gradient is always 1


@functools.cache
def printed(cell_id: str) -> str:
    """What a worked cell prints, run in the lesson's own namespace."""
    namespace = dict(lesson_namespace(LESSON))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(cell_text(LESSON, cell_id), f"<{LESSON}:{cell_id}>", "exec"), namespace)
    return out.getvalue()


def epsilon_table() -> dict[float, tuple[float, float]]:
    """eps -> (one-sided error, centered error), as the epsilon-worked cell prints them."""
    rows = re.findall(r"^\s*(\S+e-\d+)\s+(\S+)\s+(\S+)\s*$", printed("epsilon-worked"), re.M)
    return {float(eps): (float(one), float(centered)) for eps, one, centered in rows}


def graph_states():
    """The neuron graph at its defaults and across its sliders (x, w, b in [-3, 3])."""
    yield widget.neuron_graph_state(1.5, -0.8, 0.3, 1)
    for x in (-2.5, -0.4, 1.5, 3.0):
        for w in (-3.0, -0.8, 0.6, 2.2):
            for b in (-3.0, 0.3, 2.0):
                yield widget.neuron_graph_state(x, w, b, 1)


@claim(LESSON, "idea", "The first two factors simplify beautifully")
def first_two_factors_give_p_minus_y():
    for state in graph_states():
        for y in (0, 1):
            s = widget.neuron_graph_state(state["value"]["x"], state["value"]["w"],
                                          state["value"]["b"], y)
            p = s["value"]["p"]
            assert np.isclose(s["grad"]["p"], -y / p + (1 - y) / (1 - p))
            assert np.isclose(s["grad"]["p"] * s["local"]["dp/dz"], p - y, atol=1e-12)
            assert s["grad"]["z"] == p - y


@claim(LESSON, "graph-intro",
       r"$\partial L/\partial b$ always equals $\partial L/\partial z$")
def db_equals_dz():
    assert all(s["grad"]["b"] == s["grad"]["z"] for s in graph_states())


@claim(LESSON, "graph-intro", r"so it is 0 when $x = 0$")
def no_gradient_for_w_at_x_zero():
    for w in (-3.0, -0.8, 2.0):
        for y in (0, 1):
            assert widget.neuron_graph_state(0.0, w, 0.3, y)["grad"]["w"] == 0.0


def slider_grid(every: int = 5):
    """Every ``every``-th value of each of the neuron graph's x, w and b sliders (with 0)."""
    controls = widget.neuron_graph_explorer().controls
    grids = []
    for name in ("x", "w", "b"):
        c = controls[name]
        values = np.round(np.arange(c.min, c.max + c.step / 2, c.step), 10)[::every]
        assert values[0] == c.min and values[-1] == c.max and 0.0 in values
        grids.append(values)
    return grids


@claim(LESSON, "graph-intro", "switch the label and every gradient that is not 0, except "
       r"$\partial L/\partial L = 1$, changes sign.")
def label_flips_every_nonzero_gradient():
    xs, ws, bs = slider_grid()
    for x in xs:
        for w in ws:
            for b in bs:
                one = widget.neuron_graph_state(x, w, b, 1)["grad"]
                zero = widget.neuron_graph_state(x, w, b, 0)["grad"]
                assert one["L"] == zero["L"] == 1.0
                for node in NODES:
                    assert (one[node] == 0.0) == (zero[node] == 0.0), (x, w, b, node)
                    assert np.sign(one[node]) == -np.sign(zero[node]), (x, w, b, node)


@claim(LESSON, "graph-intro", "A gradient smaller than 0.0005 in size shows as 0.000, without a "
       r"sign: at $x = -3$, $w = 3$, $b = -3$ with $y = 0$, $\partial L/\partial z = p$ is that "
       "small.")
def tiny_gradients_show_as_unsigned_zero():
    for value in (4.9e-4, -4.9e-4, 1e-9, -1e-9, 0.0, -0.0):
        assert widget.fmt(value, "+.3f") == "0.000"
    assert widget.fmt(5.1e-4, "+.3f") == "+0.001"
    panel = widget.neuron_graph_explorer()
    for name, value in {"x": -3.0, "w": 3.0, "b": -3.0, "y": 0}.items():
        panel.controls[name].value = value
    state = panel.state
    assert state["grad"]["z"] == state["value"]["p"] and 0 < state["grad"]["z"] < 5e-4
    assert panel.live.grads["z"].get_text() == "∂L/∂z = 0.000"


@claim(LESSON, "worked-intro", "measure the slope of $L$ directly: it agrees with the chain rule.")
def nudged_slope_agrees():
    ns = lesson_namespace(LESSON, upto="worked")
    assert abs(ns["slope"] - ns["dL_dw"]) < 1e-8
    graph = widget.neuron_graph_state(ns["x"], ns["w"], ns["b"], ns["y"])  # the widget's start
    assert np.isclose(graph["grad"]["w"], ns["dL_dw"])


@claim(LESSON, "layers-idea", "forgetting it makes every gradient $n$ times too large.")
def missing_mean_scales_by_n():
    ns = lesson_namespace(LESSON, upto="test_mlp_backward")
    grads = ns["mlp_backward"](ns["y"], ns["cache"], ns["params"])
    n = len(ns["y"])
    [without] = [g for label, g in usual_mistakes(ns["y"], ns["cache"], ns["params"]).items()
                 if label.startswith("forgetting the 1/n")]
    for pair, wrong in zip(grads, without, strict=True):
        for right, bad in zip(pair, wrong, strict=True):
            np.testing.assert_allclose(bad, n * right, rtol=1e-12)


@claim(LESSON, "check-idea", r"has an error proportional to $\varepsilon^2$; the one-sided")
def centered_error_is_quadratic():
    table = epsilon_table()
    one_big, centered_big = table[1e-1]
    one_small, centered_small = table[1e-3]
    assert 0.5e4 < centered_big / centered_small < 2e4  # eps 100x smaller: error 10^4x
    assert 50 < one_big / one_small < 200  # one-sided: only 100x


@claim(LESSON, "check-idea", r"$\varepsilon = 10^{-5}$ in float64 balances the two.")
def eps_1e5_is_best():
    table = epsilon_table()
    assert len(table) == 6
    assert min(table, key=lambda eps: table[eps][1]) == 1e-5


@claim(LESSON, "check-idea",
       "a correct gradient of a smooth function gives about $10^{-8}$ or less")
def correct_gradients_agree_to_1e8():
    errors = [float(v) for v in re.findall(r"relative error:? (\S+)",
                                           printed("check-dense-worked"))]
    smooth = [float(m) for m in re.findall(r"(?:tanh|sigmoid|linear)\s+worst relative error "
                                           r"(\S+)", printed("mlp-check"))]
    assert len(errors) == 2 and len(smooth) == 3
    assert max(errors + smooth) < 1e-8


@claim(LESSON, "check-idea", "the measured slope mixes the slopes on its two sides (for ReLU, "
       "a value strictly between 0 and 1), while backprop uses the slope of one side.")
def kink_mixes_the_two_slopes():
    ns = lesson_namespace(LESSON, upto="numerical_gradient")
    eps = 1e-5  # numerical_gradient's default, the lesson's epsilon
    relu_sum = lambda v: float(np.sum(np.maximum(v, 0.0)))  # noqa: E731
    near = np.array([-0.9, -0.3, 0.3, 0.9]) * eps  # within eps of the kink
    slopes = ns["numerical_gradient"](relu_sum, near, eps)
    assert np.all((slopes > 0.01) & (slopes < 0.99))
    assert set(ns["relu_backward"](np.ones(4), near).tolist()) <= {0.0, 1.0}  # one side
    far = np.array([-3.0, 3.0]) * eps  # beyond eps: the two nudges stay on one side
    np.testing.assert_allclose(ns["numerical_gradient"](relu_sum, far, eps), [0.0, 1.0],
                               atol=1e-9)


@claim(LESSON, "ex-mlp", "The textbook `1 / (1 + np.exp(-Z))` overflows for $Z < -709.78$ "
       "and warns")
def textbook_sigmoid_overflows():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert np.isfinite(np.exp(709.78))
        assert np.exp(709.79) == np.inf
    assert [w for w in caught if "overflow" in str(w.message)]


@claim(LESSON, "ex-mlp", "the test below has hidden units with $Z = -800$.")
def test_has_far_units():
    ns = lesson_namespace(LESSON, upto="test_mlp_backward")
    assert ns["cache_far"]["hidden_activation"] == "sigmoid"
    assert np.min(ns["cache_far"]["Z"][0]) == -800.0


@claim(LESSON, "ex-mlp",
       "its message names the first wrong gradient walking back from the output layer")
def message_names_the_first_wrong_gradient():
    ns = lesson_namespace(LESSON, upto="test_mlp_backward")
    y, cache, params = ns["y"], ns["cache"], ns["params"]
    grads = ns["mlp_backward"](y, cache, params)
    broken = [grads[0], (grads[1][0] * 1.5, grads[1][1]), grads[2]]  # layer 2's dW wrong
    expected = mlp_numerical_gradients(ns["X"], y, params, cache["hidden_activation"])
    try:
        check_gradients(broken, expected, what="mlp_backward", n=len(y))
    except CheckFailed as exc:
        assert "the first wrong gradient is dW of layer 2" in str(exc)
        assert "layer 3: dW ok, db ok" in str(exc)
    else:
        raise AssertionError("check_gradients accepted a wrong dW")


@claim(LESSON, "ex-mlp", r"with the test's $n = 6$ samples, $5/7 \approx 0.714$.")
def missing_mean_gives_five_sevenths():
    ns = lesson_namespace(LESSON, upto="test_mlp_backward")
    y, cache, params = ns["y"], ns["cache"], ns["params"]
    assert len(y) == 6
    grads = ns["mlp_backward"](y, cache, params)
    for layer, pair in enumerate(grads):
        for which, grad in enumerate(pair):
            numeric = ns["numerical_gradient"](
                lambda v, layer=layer, which=which: _loss_with(ns, layer, which, v),
                params[layer][which])
            error = ns["relative_error"](len(y) * grad, numeric)
            assert abs(error - 5 / 7) < 1e-6 and round(error, 3) == 0.714


def _loss_with(ns: dict, layer: int, which: int, value: np.ndarray) -> float:
    changed = [list(pair) for pair in ns["params"]]
    changed[layer][which] = value
    out, _ = ns["mlp_forward"](ns["X"], changed, hidden_activation=ns["cache"]["hidden_activation"])
    return ns["binary_cross_entropy"](ns["y"], out)


@claim(LESSON, "mlp-check-intro", "Each of the four networks below prints a worst relative "
       "error below $10^{-8}$: a correct backward pass.")
def random_networks_check_out():
    worst = [float(v) for v in re.findall(r"worst relative error (\S+)", printed("mlp-check"))]
    assert len(worst) == 4 and max(worst) < 1e-8


@claim(LESSON, "ex-mlp", "The check compares your gradients with numerical ones and accepts a "
       "relative error below $10^{-6}$; a correct backward pass gives about $10^{-8}$ or less "
       "on these networks.")
def tolerance_and_correct_errors():
    from nncourse import gradient_diagnosis

    assert gradient_diagnosis.TOLERANCE == 1e-6
    source = cell_text(LESSON, "test_mlp_backward")
    assert "mlp_numerical_gradients" in source and "tol=" not in source  # default tolerance
    ns = lesson_namespace(LESSON, upto="test_mlp_backward")
    runs = [(ns["X_far"], ns["y_far"], ns["params_far"], "sigmoid")]
    for hidden in ("relu", "tanh", "sigmoid"):  # the cell's loop: same X, y, params each time
        assert f'"{hidden}"' in source
        runs.append((ns["X"], ns["y"], ns["params"], hidden))
    for X, y, params, hidden in runs:
        _, cache = ns["mlp_forward"](X, params, hidden_activation=hidden)
        grads = ns["mlp_backward"](y, cache, params)
        expected = mlp_numerical_gradients(X, y, params, hidden)
        errors = [ns["relative_error"](g, e) for pair, want in zip(grads, expected, strict=True)
                  for g, e in zip(pair, want, strict=True)]
        assert max(errors) < 1e-8, (hidden, max(errors))


@functools.cache
def kink_seeds(last_seed: int = 5999) -> tuple[float, list[int]]:
    """eps and the seeds that put a hidden pre-activation of the mlp-check cell's [3, 5, 1]
    ReLU network within eps of 0. Built by the cell's own ``worst_relative_error`` code, cut
    after its forward pass (a forward pass per seed: fast)."""
    import inspect

    ns = lesson_namespace(LESSON)
    source = cell_text(LESSON, "mlp-check")
    assert '([3, 5, 1], "relu", 0)' in source  # the network the text names, with seed 0
    head, cut, _ = source.partition("    grads = mlp_backward(y, cache, params)")
    assert cut and head.startswith("def worst_relative_error(layer_sizes, hidden, seed):")
    namespace = dict(ns)
    exec(head.replace("def worst_relative_error(", "def built_cache(") + "    return cache\n",
         namespace)
    eps = inspect.signature(ns["numerical_gradient"]).parameters["eps"].default
    seeds = [seed for seed in range(last_seed + 1)
             if min(np.min(np.abs(z)) for z in
                    namespace["built_cache"]([3, 5, 1], "relu", seed)["Z"][:-1]) < eps]
    return eps, seeds


@claim(LESSON, "summary", r"a ReLU pre-activation within $\varepsilon$ of 0 can give "
       r"$10^{-3}$ and more")
@claim(LESSON, "check-idea", r"look for pre-activations within $\varepsilon$ of 0, or check "
       "again with tanh instead of ReLU.")
@claim(LESSON, "check-idea", r"A kink can give far more, even above $10^{-4}$: build the "
       r"$[3, 5, 1]$ ReLU network of this lesson's last worked example with each seed from 0 "
       r"to 5999 instead of 0, and the 6 seeds that put a hidden unit's pre-activation "
       r"within $\varepsilon$ of 0 give relative errors between $10^{-3}$ and $10^{-1}$.")
def kinks_give_errors_above_1e4():
    ns = lesson_namespace(LESSON)
    code = [c.get("id") for c in read(notebook(LESSON)).cells if c.cell_type == "code"]
    assert code[-1] == "mlp-check"  # "this lesson's last worked example"
    eps, seeds = kink_seeds()
    assert eps == 1e-5 and len(seeds) == 6, seeds
    for seed in seeds:
        error = ns["worst_relative_error"]([3, 5, 1], "relu", seed)
        assert 1e-3 < error < 1e-1, (seed, error)
        # "or check again with tanh instead of ReLU": the same seed is then right
        assert ns["worst_relative_error"]([3, 5, 1], "tanh", seed) < 1e-8, seed
