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
def built_cache():
    """The mlp-check cell's ``worst_relative_error`` cut after its forward pass: a function
    (layer_sizes, hidden, seed) -> the cache of the network it checks (fast)."""
    ns = lesson_namespace(LESSON)
    source = cell_text(LESSON, "mlp-check")
    head, cut, _ = source.partition("    grads = mlp_backward(y, cache, params)")
    assert cut and head.startswith("def worst_relative_error(layer_sizes, hidden, seed):")
    namespace = dict(ns)
    exec(head.replace("def worst_relative_error(", "def built_cache(") + "    return cache\n",
         namespace)
    return namespace["built_cache"]


def lesson_eps() -> float:
    import inspect

    ns = lesson_namespace(LESSON)
    return inspect.signature(ns["numerical_gradient"]).parameters["eps"].default


def closest_to_kink(seed: int) -> float:
    """The smallest |Z| of the hidden layer of the [3, 5, 1] ReLU network with ``seed``."""
    return min(np.min(np.abs(z)) for z in built_cache()([3, 5, 1], "relu", seed)["Z"][:-1])


@functools.cache
def kink_seeds(last_seed: int = 5999) -> tuple[float, list[int]]:
    """eps and the seeds that put a hidden pre-activation of the mlp-check cell's [3, 5, 1]
    ReLU network within eps of 0. Built by the cell's own ``worst_relative_error`` code, cut
    after its forward pass (a forward pass per seed: fast)."""
    source = cell_text(LESSON, "mlp-check")
    assert '([3, 5, 1], "relu", 0)' in source  # the network the text names, with seed 0
    eps = lesson_eps()
    seeds = [seed for seed in range(last_seed + 1) if closest_to_kink(seed) < eps]
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


# ------------------------------------------------- patterns of gradient flow, fan-out
@claim(LESSON, "patterns-idea", r"its last line nudges each input by $\pm h$ and measures the "
       "slopes, which agree with the patterns.")
def pattern_slopes_agree():
    ns = lesson_namespace(LESSON, upto="patterns-worked")
    s, m = ns["a"] + ns["b"], max(ns["c"], ns["d"])
    analytic = [ns["dL_da"], ns["dL_db"], ns["dL_dc"], ns["dL_dd"]]
    assert analytic == [m, m, s, 0.0]  # add distributes dL/ds = m; max routes dL/dm = s to c
    np.testing.assert_allclose(ns["slopes"], analytic, atol=1e-8)
    assert "nudging a, b, c, d: slopes [4. 4. 3. 0.]" in printed("patterns-worked")


@claim(LESSON, "patterns-idea", "A max node **routes** the whole gradient to the input that "
       "won; the other gets 0.")
@claim(LESSON, "patterns-idea", "A multiply node **swaps** its inputs: each gets the gradient "
       "times the *other* one")
def max_routes_and_multiply_swaps():
    ns = lesson_namespace(LESSON, upto="patterns-worked")
    loss, h = ns["pattern_loss"], 1e-6
    for c, d in ((4.0, -1.0), (-2.0, 0.5)):
        point = np.array([1.0, 2.0, c, d])
        slopes = [(loss(*(point + h * e)) - loss(*(point - h * e))) / (2 * h) for e in np.eye(4)]
        winner, loser = (2, 3) if c > d else (3, 2)
        assert np.isclose(slopes[winner], 3.0) and abs(slopes[loser]) < 1e-9
        assert np.isclose(slopes[0], max(c, d)) and np.isclose(slopes[1], max(c, d))


@claim(LESSON, "self-check-fanout", 'self_check("05.fanout")')
def fanout_self_check_is_right():
    from nncourse.selfcheck import question

    ns = lesson_namespace(LESSON, upto="fanout-worked")
    q = question("05.fanout")
    assert (ns["fan_x"], ns["fan_w"], ns["fan_b"]) == (2.0, 3.0, 1.0)
    assert q.answer == ns["right"][0] and abs(ns["slope"] - q.answer) < 1e-6
    assert {ns["fan_w"] * (ns["fan_x"] + ns["fan_b"]), ns["fan_w"] * ns["fan_x"]} == {9.0, 6.0}


@claim(LESSON, "fanout-after", r"Accumulating gives $\partial L/\partial x = 15$, which the "
       r"nudge confirms; overwriting gives 6, the share through $v$ alone, while "
       r"$\partial L/\partial w$ and $\partial L/\partial b$ are right in both")
def fanout_numbers():
    ns = lesson_namespace(LESSON, upto="fanout-worked")
    right, wrong = ns["right"], ns["wrong"]
    assert right[0] == 15.0 and abs(ns["slope"] - 15.0) < 1e-6
    assert wrong[0] == 6.0 == ns["fan_w"] * ns["fan_x"]  # dL/dv = u, times 1
    assert np.array_equal(right[1:], wrong[1:])
    h = 1e-6
    f = ns["fanout_loss"]
    for i in (1, 2):
        e = np.eye(3)[i]
        point = np.array([ns["fan_x"], ns["fan_w"], ns["fan_b"]])
        assert np.isclose((f(*(point + h * e)) - f(*(point - h * e))) / (2 * h), right[i])


@claim(LESSON, "fanout-check-intro", r"the accumulating one agrees to better than $10^{-8}$, the "
       "overwriting one is off by more than 0.3, far above any tolerance.")
def gradient_check_catches_overwrite():
    rows = dict(re.findall(r"overwrite=(True|False)\s+relative error (\S+)",
                           printed("fanout-check")))
    assert float(rows["False"]) < 1e-8 and float(rows["True"]) > 0.3
    ns = lesson_namespace(LESSON)
    assert ns["point"].tolist() == [2.0, 3.0, 1.0]


# ------------------------------------------------- softmax + cross-entropy
@claim(LESSON, "softmax-check-intro", r"the cell prints a relative error below $10^{-8}$, so the "
       "derivation holds.")
def softmax_gradient_checks_out():
    [error] = re.findall(r"relative error against numerical_gradient: (\S+)",
                         printed("softmax-check"))
    assert float(error) < 1e-8
    ns = lesson_namespace(LESSON)
    assert ns["relative_error"](ns["analytic"], ns["numeric"]) < 1e-8
    assert ns["analytic"].shape == (5, 4)


@claim(LESSON, "softmax-idea", "raising one logit raises its own probability and lowers all the "
       "others (they still sum to 1)")
@claim(LESSON, "softmax-idea", "(With $c = 2$ the softmax is a sigmoid of $z_2 - z_1$")
def softmax_facts():
    ns = lesson_namespace(LESSON)
    softmax, sigmoid = ns["softmax"], ns["sigmoid"]
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(6, 4))
    P = softmax(Z)
    for k in range(4):
        raised = Z.copy()
        raised[:, k] += 0.1
        change = softmax(raised) - P
        assert np.all(change[:, k] > 0) and np.all(np.delete(change, k, axis=1) < 0)
        np.testing.assert_allclose(softmax(raised).sum(axis=1), 1.0)
    Z2 = rng.normal(size=(5, 2))
    np.testing.assert_allclose(softmax(Z2)[:, 1], sigmoid(Z2[:, 1] - Z2[:, 0]), rtol=1e-12)


# ------------------------------------------------- memory of the forward cache
def memory_table() -> list[tuple[str, int, int, int]]:
    rows = re.findall(r"^(\[[\d, ]+\])\s+(\d+)\s+(\d+)\s+(\d+)\s*$", printed("memory-worked"),
                      re.M)
    return [(sizes, int(n), int(cache), int(params)) for sizes, n, cache, params in rows]


@claim(LESSON, "memory-idea", r"the cache holds $n\,(d + h_1 + \dots + h_L)$ numbers in `A` and "
       r"$n\,(h_1 + \dots + h_L)$ in `Z`: it grows with the batch. The parameters, "
       r"$\sum_l (h_{l-1} + 1)\, h_l$ numbers (with $h_0 = d$), do not depend on $n$.")
def cache_and_parameter_formulas():
    table = memory_table()
    assert len(table) == 5
    for sizes, n, cache, params in table:
        sizes = [int(s) for s in sizes.strip("[]").split(",")]
        assert cache == n * sum(sizes) + n * sum(sizes[1:])
        assert params == sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


@claim(LESSON, "memory-idea", "for the\n$[3, 5, 4, 1]$ network of Exercise 7's test")
def memory_uses_the_exercise_network():
    test = cell_text(LESSON, "test_mlp_backward")
    assert "init_mlp([3, 5, 4, 1], seed=5)" in test and "size=(6, 3)" in test
    assert "## Exercise 7: `mlp_backward" in cell_text(LESSON, "ex-mlp")


@claim(LESSON, "memory-after", "The $[3, 5, 4, 1]$ network's cache for its 6 samples holds 138 "
       "numbers, almost three times its 49 parameters.")
def small_network_cache():
    sizes, n, cache, params = memory_table()[0]
    assert (sizes, n, cache, params) == ("[3, 5, 4, 1]", 6, 138, 49)
    assert 2.5 < cache / params < 3


@claim(LESSON, "memory-after", "The image-sized network's cache doubles with each doubling of "
       "the batch and overtakes its 235146 parameters between a batch of 128 and one of 256.")
def image_network_cache():
    rows = memory_table()[1:]
    assert [n for _, n, _, _ in rows] == [32, 64, 128, 256]
    assert all(p == 235146 for _, _, _, p in rows)
    caches = [c for _, _, c, _ in rows]
    assert all(b == 2 * a for a, b in zip(caches, caches[1:], strict=False))
    assert caches[2] < 235146 < caches[3]


@claim(LESSON, "self-check-cache-memory", 'self_check("05.cache-memory")')
def cache_memory_self_check_is_right():
    from nncourse.selfcheck import question

    q = question("05.cache-memory")
    sizes, n, cache, params = memory_table()[0]
    assert (sizes, n) == ("[3, 5, 4, 1]", 6)  # "Exercise 7's test": memory_uses_the_exercise_...
    ns = lesson_namespace(LESSON, upto="test_mlp_backward")
    count = lesson_namespace(LESSON)["cache_count"]
    assert len(ns["y"]) == 6 and count(ns["cache"]) == cache
    assert q.answer == cache == 6 * (3 + 5 + 4 + 1) + 6 * (5 + 4 + 1) == 138
    assert q.tolerance < 1  # an exact count
    assert params == 49 and 2.5 < cache / params < 3  # "almost three times"


# ------------------------------------------------- reading a relative error
@claim(LESSON, "check-dense-intro", "both relative errors it prints, for $dW$ and $dX$, are "
       "below $10^{-8}$.")
def dense_check_prints_small_errors():
    rows = dict(re.findall(r"^(dW|dX) relative error: (\d\.\de[-+]\d\d)$",
                           printed("check-dense-worked"), re.M))
    assert set(rows) == {"dW", "dX"}
    assert all(float(v) < 1e-8 for v in rows.values())


@claim(LESSON, "check-idea", r"Without a kink, correct code can still land a little above "
       r"$10^{-8}$: seed 3677 gives $5.3 \times 10^{-8}$, with no pre-activation within "
       r"$\varepsilon$ of 0.")
def seed_3677_without_kink():
    ns = lesson_namespace(LESSON)
    error = ns["worst_relative_error"]([3, 5, 1], "relu", 3677)
    assert round(error, 9) == 5.3e-8, error
    assert closest_to_kink(3677) > 10 * lesson_eps()  # no kink nearby


@claim(LESSON, "summary", r"around $10^{-7}$ or below is right; $10^{-4}$ and above means a "
       "kink")
@claim(LESSON, "check-idea", r"around $10^{-7}$ or below is right; $10^{-4}$ and above means "
       "a kink or a bug.")
def reading_a_relative_error():
    ns = lesson_namespace(LESSON)
    eps = lesson_eps()
    # right: every correct check the lesson prints, and the [3, 5, 1] ReLU network on the
    # seeds without a kink (0-199 and 3677, the largest of the 0-5999 the text names)
    right = [float(v) for v in re.findall(r"relative error:? (\S+)",
                                          printed("check-dense-worked"))]
    right += [float(v) for v in re.findall(r"worst relative error (\S+)", printed("mlp-check"))]
    right += [float(v) for v in re.findall(r"relative error against numerical_gradient: (\S+)",
                                           printed("softmax-check"))]
    rows = dict(re.findall(r"overwrite=(True|False)\s+relative error (\S+)",
                           printed("fanout-check")))
    right.append(float(rows["False"]))
    right += [ns["worst_relative_error"]([3, 5, 1], "relu", seed)
              for seed in [*range(200), 3677] if closest_to_kink(seed) >= eps]
    assert len(right) > 150 and max(right) < 1e-7, max(right)
    # kinks and bugs: the kink seeds, the overwrite bug, the missing 1/n (5/7)
    _, seeds = kink_seeds()
    wrong = [ns["worst_relative_error"]([3, 5, 1], "relu", seed) for seed in seeds]
    wrong.append(float(rows["True"]))
    y, cache, params = (lesson_namespace(LESSON, upto="test_mlp_backward")[k]
                        for k in ("y", "cache", "params"))
    grads = ns["mlp_backward"](y, cache, params)
    expected = mlp_numerical_gradients(lesson_namespace(LESSON, upto="test_mlp_backward")["X"],
                                       y, params, cache["hidden_activation"])
    wrong += [ns["relative_error"](len(y) * g, e)
              for pair, want in zip(grads, expected, strict=True)
              for g, e in zip(pair, want, strict=True)]
    assert min(wrong) >= 1e-4, min(wrong)
