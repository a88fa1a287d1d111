"""Claims of lesson 06 (gradient descent): the worked cell, the descent explorer with the
lesson's settings (read from its cells and the widget's defaults), the spiral run, the
playground's defaults and its fallback, and the update rules' properties."""

from __future__ import annotations

import ast
import contextlib
import functools
import inspect
import io
import math

import numpy as np

from claims import cell_text, claim, lesson_namespace
from nncourse.widgets import descent, playground

LESSON = "06_gradient_descent"


def _call_kwargs(cell_id: str, function: str) -> dict:
    """The keyword arguments of the call to ``function`` in a code cell, as written there."""
    for node in ast.walk(ast.parse(cell_text(LESSON, cell_id))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function:
            return {k.arg: (ast.literal_eval(k.value) if isinstance(k.value, ast.Constant)
                            else k.value.id) for k in node.keywords}
    raise AssertionError(f"cell {cell_id} calls no {function}()")


def _explorer_defaults() -> dict:
    """``descent_explorer()``'s defaults: the first explorer's starting values."""
    sig = inspect.signature(descent.descent_explorer)
    return {k: sig.parameters[k].default for k in ("lr", "steps", "method", "surface")}


@functools.cache
def _compare() -> dict:
    """The compare cell's explorer settings, with the lesson's own update rules."""
    kwargs = _call_kwargs("compare-widget", "descent_explorer")
    namespace = lesson_namespace(LESSON)
    functions = {name: namespace[kwargs[name]] for name in descent.REFERENCE}
    settings = {k: kwargs[k] for k in ("lr", "steps", "surface")}
    return {"settings": settings, "functions": functions}


def _compare_state(method: str, **override) -> dict:
    c = _compare()
    state = descent.descent_state(**{**c["settings"], "method": method, **override},
                                  functions=c["functions"])
    assert state["source"] == "yours", state["notes"]
    return state


def _worked_output() -> dict[float, list[float]]:
    """The worked cell's printed paths, by learning rate."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(cell_text(LESSON, "worked"), "<worked>", "exec"), {})
    paths = {}
    for line in out.getvalue().splitlines():
        head, values = line.split(":")
        paths[float(head.split("=")[1])] = [float(v) for v in values.split(",")]
    return paths


# ---------------------------------------------------------------- one weight


@claim(LESSON, "worked-intro", "each step removes 20 % of the distance to the minimum")
def one_weight_lr_01_removes_a_fifth():
    path = np.array(_worked_output()[0.1])
    gaps = np.abs(path - 3.0)
    np.testing.assert_allclose(gaps[1:] / gaps[:-1], 0.8, rtol=0.02)  # printed to 2 decimals


@claim(LESSON, "worked-intro", "one step lands exactly on the minimum")
def one_weight_lr_05_lands_on_the_minimum():
    assert _worked_output()[0.5][1:] == [3.0] * 6


@claim(LESSON, "worked-intro", "every step overshoots further and the iterates blow up")
def one_weight_lr_11_blows_up():
    path = np.array(_worked_output()[1.1])
    gaps = path - 3.0
    assert np.all(np.abs(gaps[1:]) > np.abs(gaps[:-1])), "every step farther"
    assert np.all(np.sign(gaps[1:]) == -np.sign(gaps[:-1])), "on the other side each time"
    assert abs(gaps[-1]) > 2 * abs(gaps[0])


# ---------------------------------------------------------------- the first explorer


@claim(LESSON, "surface-intro", "the surface is ten times steeper across the valley ($w_2$) "
       "than along it ($w_1$)")
def narrow_valley_is_ten_times_steeper_across():
    grad = descent.SURFACES["narrow valley"].grad
    np.testing.assert_allclose(grad(np.array([1.0, 0.0])), [1.0, 0.0])
    np.testing.assert_allclose(grad(np.array([0.0, 1.0])), [0.0, 10.0])


@claim(LESSON, "surface-intro", "after 30 steps $w_2$ is practically 0, but $w_1$ has covered "
       "only about 80 % of its way to the minimum")
def the_default_path_crawls_along_the_valley():
    settings = _explorer_defaults()
    assert settings["steps"] == 30 and settings["lr"] == 0.05
    state = descent.descent_state(**settings)
    (w1_0, _), (w1, w2) = state["path"][0], state["path"][-1]
    assert abs(w2) < 1e-6
    assert 0.75 < 1 - w1 / w1_0 < 0.85, 1 - w1 / w1_0


@claim(LESSON, "surface-intro", "Above $\\eta = 0.1$ every step across overshoots the valley "
       "floor, so the path zig-zags")
def the_path_zigzags_above_01():
    for lr in (0.11, 0.15, 0.19):
        w2 = descent.descent_state(lr, 20, "gradient descent", "narrow valley")["path"][:, 1]
        assert np.all(w2[1:] * w2[:-1] < 0), f"lr {lr}: w2 changes sign every step"
    for lr in (0.05, 0.09):
        w2 = descent.descent_state(lr, 20, "gradient descent", "narrow valley")["path"][:, 1]
        assert np.all(w2 > 0), f"lr {lr}: no zig-zag"


@claim(LESSON, "surface-intro", "above $\\eta = 0.2$, which is $2 /$ the steepest curvature "
       "(the second derivative across the valley, 10), the zig-zags grow and the path diverges")
def the_path_diverges_above_02():
    steps = 200  # the steps slider's end
    below = descent.descent_state(0.19, steps, "gradient descent", "narrow valley")
    assert not below["diverged"] and below["losses"][-1] < 1e-3
    for lr in (0.21, 0.3):
        above = descent.descent_state(lr, steps, "gradient descent", "narrow valley")
        assert above["diverged"], f"lr {lr} should diverge within {steps} steps"
        w2 = np.abs(above["path"][:, 1])
        assert np.all(w2[1:] > w2[:-1]), "the zig-zags grow"


@claim(LESSON, "surface-intro", "This explorer runs the course's own update rules")
def the_first_explorer_runs_the_reference():
    assert cell_text(LESSON, "descent-widget").strip() == "descent_explorer()"
    for method in descent.METHODS:
        assert descent.descent_state(0.05, 5, method)["source"] == "reference"


# ---------------------------------------------------------------- the spiral


@claim(LESSON, "spiral-intro", "a 2-16-16-1 network with ReLU hidden units and He "
       "initialisation, learning rate 0.2, batches of 16, 300 epochs on 400 points")
def the_spiral_settings_are_the_defaults():
    d = playground.DEFAULTS
    assert playground.layer_sizes(d["hidden_layers"], d["units"]) == [2, 16, 16, 1]
    assert d["activation"] == "relu" and playground.INIT_METHODS["relu"] == "he"
    assert (d["lr"], d["batch_size"], d["epochs"], d["n_train"]) == (0.2, 16, 300, 400)
    assert d["n_test"] == 400 and d["dataset"] == "spiral"
    assert inspect.signature(lesson_namespace(LESSON)["init_mlp"]).parameters[
        "method"].default == "he"


@claim(LESSON, "spiral-intro", "With these settings the test accuracy ends above 99 %")
def the_spiral_is_learned():
    assert lesson_namespace(LESSON)["test_accuracy"] > 0.99


# ---------------------------------------------------------------- the playground


@claim(LESSON, "playground-intro", "ReLU networks start from He initialisation, tanh and "
       "sigmoid networks from Xavier initialisation")
def the_playground_picks_the_initialisation():
    from nncourse.reference.forward import init_mlp

    for activation, method in (("relu", "he"), ("tanh", "xavier"), ("sigmoid", "xavier")):
        model = playground.PlaygroundModel(activation=activation)
        expected = init_mlp(model.sizes, method=method, seed=model.settings["seed"])
        for (W, _), (W_expected, _) in zip(model.params, expected, strict=True):
            np.testing.assert_array_equal(W, W_expected)


def _stub(*_args, **_kwargs):
    raise NotImplementedError


@claim(LESSON, "playground-intro", "Before the first step the playground tries each of your "
       "functions once")
def the_playground_tries_every_function_before_the_first_step():
    pg = playground.playground(mlp_backward=_stub, update=lesson_namespace(LESSON)["sgd_update"])
    assert pg.model.steps == 0
    assert "<code>mlp_backward</code>: reference (fallback)" in pg.readout.value
    assert "<code>update</code>: yours" in pg.readout.value
    assert "(not tried yet)" not in pg.readout.value


@claim(LESSON, "playground-intro", "If one raises, returns NaN or the wrong shape, the "
       "playground switches to the course's version of that function and says why in a "
       "yellow note; the line under the figure says whose function runs")
def the_playground_falls_back_with_a_note():
    def nan_update(params, grads, lr):
        return [(W * np.nan, b) for W, b in params]

    def transposed_update(params, grads, lr):
        return [(W.T, b) for W, b in params]

    for fn, words in ((_stub, "not written yet"), (nan_update, "NaN"),
                      (transposed_update, "should have shape")):
        pg = playground.playground(update=fn)
        pg.step(2)
        assert pg.model.functions.source("update") == "reference (fallback)"
        assert "#fff3cd" in pg.notes.value and words in pg.notes.value
        assert "<code>update</code>: reference (fallback)" in pg.readout.value
        assert pg.model.steps == 2 and not pg.model.problem


@functools.cache
def _speeds() -> tuple[int, tuple[int, ...]]:
    """The playground's steps/tick control: its default and its options."""
    speed = playground.playground().speed
    return speed.value, tuple(speed.options)


@functools.cache
def _readouts(speed: int, steps: int = 2800) -> tuple[tuple[int, float, float], ...]:
    """(step, epoch, test accuracy) as the readout shows them after every tick of the
    playground's defaults at ``speed`` steps/tick (one evaluation per tick), for ``steps``
    steps."""
    model = playground.PlaygroundModel()
    readouts: list[tuple[int, float, float]] = []

    def test_accuracy_only() -> None:  # the widget's evaluation, less the heatmap and losses
        p, _ = model.functions.mlp_forward(model.X_test, model.params, model.sizes,
                                           model.settings["activation"])
        readouts.append((model.steps, model.epoch,
                         float(np.mean((p[:, 0] >= 0.5) == model.y_test))))

    model.evaluate = test_accuracy_only
    while model.steps < steps:
        assert model.step(speed) == speed and not model.problem
    return tuple(readouts)


def _checked_speeds() -> list[int]:
    """The default steps/tick first (the sentence's "default settings"), then the others
    (the same sentence suggests 25 to fast-forward)."""
    default, options = _speeds()
    assert default == 1, "the default steps/tick reads the accuracy after every step"
    return [default, *(s for s in options if s != default)]


@claim(LESSON, "playground-intro", "With the default settings the spiral's test accuracy "
       "gets no higher than about 70 % in the first 20 epochs (500 steps)")
def the_spiral_starts_slowly():
    per_epoch = math.ceil(playground.DEFAULTS["n_train"] / playground.DEFAULTS["batch_size"])
    assert 20 * per_epoch == 500
    for speed in _checked_speeds():
        best = max(a for step, _, a in _readouts(speed) if step <= 500)
        # measured: 70.25 % at steps 143 and 191 at 1 step/tick, 68.75 % at 5, 68.5 % at 25
        assert 0.65 <= best <= 0.705, (speed, best)


@claim(LESSON, "playground-intro", "first passes 95 % after about 100 to 110 epochs (2500 to "
       "2700 steps)")
def the_spiral_clicks_after_about_100_epochs():
    for speed in _checked_speeds():
        step, epoch, _ = next(r for r in _readouts(speed) if r[2] > 0.95)
        # measured: step 2552 (epoch 102.1) at 1 step/tick, 2555 at 5, 2675 (epoch 107) at 25
        assert 2500 <= step <= 2700 and 100 <= epoch <= 110, (speed, step, epoch)


@claim(LESSON, "ex-train", "Xavier for tanh (and sigmoid), He for ReLU")
def train_mlp_picks_the_initialisation_by_activation():
    from nncourse.reference.forward import init_mlp

    train_mlp = lesson_namespace(LESSON)["train_mlp"]
    X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    for activation, method in (("relu", "he"), ("tanh", "xavier"), ("sigmoid", "xavier")):
        params, _ = train_mlp(X, y, [2, 3, 1], 0.1, 0, 2, 7, hidden_activation=activation)
        for (W, _b), (W_expected, _) in zip(params, init_mlp([2, 3, 1], method=method, seed=7),
                                            strict=True):
            np.testing.assert_array_equal(W, W_expected)


@claim(LESSON, "ex-train", "the playground below starts its networks the same way")
def train_mlp_starts_like_the_playground():
    train_mlp = lesson_namespace(LESSON)["train_mlp"]
    for activation in playground.ACTIVATIONS:
        model = playground.PlaygroundModel(activation=activation)
        params, _ = train_mlp(model.X_train, model.y_train, model.sizes, 0.1, 0, 16,
                              model.settings["seed"], hidden_activation=activation)
        for (W, b), (W_model, b_model) in zip(params, model.params, strict=True):
            np.testing.assert_array_equal(W, W_model)
            np.testing.assert_array_equal(b, b_model)


# ---------------------------------------------------------------- the update rules


@claim(LESSON, "momentum-intro", "up to $1/(1-\\beta)$ times, 10 times for $\\beta = 0.9$")
def momentum_adds_up_to_ten_gradients():
    momentum_update = lesson_namespace(LESSON)["momentum_update"]
    params = [(np.zeros((1, 1)), np.zeros(1))]
    grads = [(np.ones((1, 1)), np.full(1, -2.0))]
    velocity = [(np.zeros((1, 1)), np.zeros(1))]
    for _ in range(300):
        params, velocity = momentum_update(params, grads, velocity, 0.01)
    np.testing.assert_allclose(velocity[0][0], 10.0, rtol=1e-6)
    np.testing.assert_allclose(velocity[0][1], -20.0, rtol=1e-6)


@claim(LESSON, "adam-intro", "after the first step: $m = 0.1\\,g$ and $v = 0.001\\,g^2$")
def adam_moments_after_one_step():
    adam_update = lesson_namespace(LESSON)["adam_update"]
    g = np.array([[2.0], [-0.5]])
    _, state = adam_update([(np.zeros((2, 1)), np.zeros(1))], [(g, np.ones(1))], {}, 0.1)
    np.testing.assert_allclose(state["m"][0][0], 0.1 * g)
    np.testing.assert_allclose(state["v"][0][0], 0.001 * g**2)


@claim(LESSON, "adam-intro", "undoes that exactly for a constant gradient: $\\hat m = g$, "
       "$\\hat v = g^2$")
def adam_bias_correction_is_exact_for_a_constant_gradient():
    adam_update = lesson_namespace(LESSON)["adam_update"]
    g = np.array([[3.0], [-0.02]])
    params, state = [(np.zeros((2, 1)), np.zeros(1))], {}
    for t in range(1, 8):
        before = params[0][0]
        params, state = adam_update(params, [(g, np.ones(1))], state, 0.01)
        np.testing.assert_allclose(state["m"][0][0] / (1 - 0.9**t), g)
        np.testing.assert_allclose(state["v"][0][0] / (1 - 0.999**t), g**2)
        np.testing.assert_allclose(before - params[0][0], 0.01 * np.sign(g), rtol=1e-5)


@claim(LESSON, "adam-intro", "so every parameter gets a step of roughly the same size, about "
       "$\\eta$, however steep or flat its own direction is")
def adam_steps_are_about_lr_in_every_direction():
    state = _compare_state("adam")
    lr = _compare()["settings"]["lr"]
    steps = np.abs(np.diff(state["path"][:6], axis=0))
    np.testing.assert_allclose(steps, lr, rtol=0.05)


# ---------------------------------------------------------------- compare the three


@claim(LESSON, "compare", "The explorer below runs **your** `sgd_update`, `momentum_update` "
       "and `adam_update` (the readout names the function that ran, and says so if it had to "
       "fall back to the course's)")
def the_compare_explorer_runs_the_learners_rules():
    for method, rule in descent.RULES.items():
        state = _compare_state(method)
        assert state["rule"] == rule and not state["notes"]
        fallback = descent.descent_state(**_compare()["settings"], method=method,
                                         functions={rule: _stub})
        assert fallback["source"] == "reference (fallback)" and fallback["notes"]
        np.testing.assert_allclose(fallback["path"], state["path"])


@claim(LESSON, "compare", "It starts on the *narrow valley* with $\\eta = 0.01$ and 60 steps, "
       "from a loss of 14.4")
def the_compare_explorer_starts_there():
    assert _compare()["settings"] == {"lr": 0.01, "steps": 60, "surface": "narrow valley"}
    assert f"{_compare_state('momentum')['losses'][0]:.3g}" == "14.4"


@claim(LESSON, "compare", "plain gradient descent crawls along the flat valley floor and ends "
       "at a loss of about 0.94, momentum rolls along it down to about 0.016")
def momentum_beats_plain_descent_in_the_narrow_valley():
    plain, rolling = _compare_state("gradient descent"), _compare_state("momentum")
    assert f"{plain['losses'][-1]:.2g}" == "0.94"
    assert f"{rolling['losses'][-1]:.2g}" == "0.016"
    assert abs(plain["path"][-1, 1]) < 1e-2 < abs(plain["path"][-1, 0]), "on the floor, not there"


@claim(LESSON, "compare", "Adam, whose steps are about $\\eta$ long in every direction at once, "
       "heads diagonally at first and ends at about 6.2: at so small a learning rate it is the "
       "slowest of the three")
def adam_heads_diagonally_and_is_slowest_here():
    adam = _compare_state("adam")
    first = adam["path"][1] - adam["path"][0]
    np.testing.assert_allclose(np.abs(first), _compare()["settings"]["lr"], rtol=1e-4)
    assert f"{adam['losses'][-1]:.2g}" == "6.2"
    others = [_compare_state(m)["losses"][-1] for m in ("gradient descent", "momentum")]
    assert adam["losses"][-1] > max(others)


@claim(LESSON, "compare", "Then pick *two valleys* and set $\\eta = 0.05$: plain descent and "
       "Adam stop in the shallower valley on the right, where they start, while momentum rolls "
       "over the bump into the deeper valley on the left")
def momentum_rolls_into_the_deeper_valley():
    surface = descent.SURFACES["two valleys"]
    roots = sorted(np.roots([1.0, 0.0, -2.0, 0.3]).real)  # the minima at roots[0], roots[2]
    left, right = (surface.loss(np.array(r), np.array(0.0)) for r in (roots[0], roots[2]))
    assert left < right and surface.start[0] > roots[1], "start right of the bump"
    for method in ("gradient descent", "adam"):
        end = _compare_state(method, surface="two valleys", lr=0.05)["path"][-1]
        assert end[0] > roots[1] and abs(end[0] - roots[2]) < 0.05, (method, end)
    end = _compare_state("momentum", surface="two valleys", lr=0.05)["path"][-1]
    assert end[0] < roots[1] and abs(end[0] - roots[0]) < 0.1, end


# ---------------------------------------------------------------- mini-batches


@claim(LESSON, "minibatch-intro", "the estimate is noisy but $n/B$ times cheaper")
def minibatch_gradients_are_noisy_unbiased_estimates():
    ns = lesson_namespace(LESSON)
    d = playground.DEFAULTS
    X, y, _, _ = playground.toy_split(d["dataset"], d["noise"], d["n_train"], d["n_test"],
                                      d["seed"])
    params = ns["init_mlp"](playground.layer_sizes(d["hidden_layers"], d["units"]), seed=0)

    def grad(Xb, yb):
        _, cache = ns["mlp_forward"](Xb, params, d["activation"])
        return np.concatenate([g.ravel() for pair in ns["mlp_backward"](yb, cache, params)
                               for g in pair])

    full = grad(X, y)
    batches = list(ns["iterate_minibatches"](X, y, d["batch_size"], np.random.default_rng(0)))
    assert len(batches) == math.ceil(len(X) / d["batch_size"])  # n/B steps per epoch
    estimates = np.array([grad(Xb, yb) for Xb, yb in batches])
    weights = np.array([len(yb) for _, yb in batches]) / len(X)
    np.testing.assert_allclose(weights @ estimates, full, atol=1e-12)  # right on average
    errors = np.linalg.norm(estimates - full, axis=1) / np.linalg.norm(full)
    assert np.median(errors) > 0.3, "noisy"
    (whole,) = ns["iterate_minibatches"](X, y, len(X), np.random.default_rng(0))
    np.testing.assert_allclose(grad(*whole), full, atol=1e-12)


@claim(LESSON, "minibatch-intro", "$\\lceil n / B \\rceil$ steps per epoch")
def steps_per_epoch():
    iterate_minibatches = lesson_namespace(LESSON)["iterate_minibatches"]
    X, y = np.zeros((103, 2)), np.zeros(103)
    for B in (1, 16, 32, 103, 400):
        batches = list(iterate_minibatches(X, y, B, np.random.default_rng(0)))
        assert len(batches) == math.ceil(103 / B)
