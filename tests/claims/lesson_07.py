"""Lesson 07's claims: what its cells and its live trainer show, with the lesson's settings."""

from __future__ import annotations

import functools
import inspect

import numpy as np

from claims import ROOT, cell_text, claim, lesson_namespace, run_source
from nncourse.widgets import keras_train

LESSON = "07_keras"


def ns() -> dict:
    return lesson_namespace(LESSON)


def ns_evaluated() -> dict:
    """The names right after the evaluate cell (later test cells reuse `model`, `history`)."""
    return lesson_namespace(LESSON, upto="evaluate")


@functools.cache
def trainer_run(**settings) -> tuple[dict, int]:
    """The live trainer with its defaults except ``settings``: (history, updates made)."""
    names = ns()
    trainer = keras_train.keras_trainer(names["X_train"], names["y_train"], names["X_val"],
                                        names["y_val"])
    for name, value in settings.items():
        trainer.controls[name].value = value
    history = trainer.train()
    return history, int(trainer.model.optimizer.iterations)


def default(name: str):
    return inspect.signature(keras_train.KerasTrainer).parameters[name].default


@claim(LESSON, "data-intro", "a table of 4000 messages described by 14 numbers")
def spam_table_shape():
    assert ns()["spam"].X.shape == (4000, 14)


@claim(LESSON, "data-intro", "keep 3000 messages for **training**")
def split_sizes():
    names = ns()
    assert (len(names["y_train"]), len(names["y_val"]), len(names["y_test"])) == (3000, 500, 500)
    assert abs(names["X_train"].mean(axis=0)).max() < 1e-4  # standardized with training stats
    assert names["X_train"].dtype == np.float32


@claim(LESSON, "params-note", "counts $14 \\cdot 16 + 16 = 240$ parameters in the first layer")
def parameter_counts():
    model = ns_evaluated()["model"]
    assert [layer.count_params() for layer in model.layers] == [240, 17]


@claim(LESSON, "history-intro", "one value per epoch for the training loss and metrics, and the "
       "same with a `val_` prefix for the validation set")
def history_keys():
    history = ns_evaluated()["history"].history
    assert sorted(history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(values) == 10 for values in history.values())


@claim(LESSON, "evaluate-intro", "here the probability of spam, shape `(n, 1)`")
def predict_shape():
    p = ns_evaluated()["p"]
    assert p.shape == (5, 1) and ((p >= 0) & (p <= 1)).all()


@claim(LESSON, "devices-note", "`full_float32_matmul()` turns it off")
def tf32_off():
    ns()
    from nncourse.keras_env import backend_name

    if backend_name() == "tensorflow":
        import tensorflow as tf

        assert not tf.config.experimental.tensor_float_32_execution_enabled()


@claim(LESSON, "fr-first-epoch-q", "In the timing cell the first epoch took longer than the "
       "others.")
def first_epoch_is_slowest():
    """Wall-clock times: another process can stall a later epoch past the first one's
    trace (seen once with three test workers on two cores). So the timing cell runs again,
    a fresh model and a fresh trace each time, at most twice, before the sentence fails."""
    seconds = ns()["seconds"]
    for _ in range(2):
        if len(seconds) == 4 and seconds[0] > max(seconds[1:]):
            return
        names = dict(ns())
        run_source(cell_text(LESSON, "timing"), names, f"{LESSON}:timing")
        seconds = names["seconds"]
    assert len(seconds) == 4 and seconds[0] > max(seconds[1:]), seconds


@claim(LESSON, "seed-note", "Seed 0 gives the same accuracy twice; seed 1 lands within 0.03 "
       "of it.")
def same_seed_same_accuracy():
    runs = ns()["runs"]
    assert [seed for seed, _ in runs] == [0, 0, 1]
    assert runs[0][1] == runs[1][1]
    assert all(abs(accuracy - runs[0][1]) < 0.03 for _, accuracy in runs[2:])


@claim(LESSON, "seed-intro", "a different seed gives slightly different ones")
def other_seed_slightly_different():
    runs = ns()["runs"]
    assert any(0 < abs(accuracy - runs[0][1]) < 0.03 for _, accuracy in runs[2:])


@claim(LESSON, "widget-intro", "Every press starts a fresh training run from the same seed (it "
       "does not continue the last run), so only your settings change; a callback redraws the "
       "curves after every epoch. The first press for each number of hidden units waits a "
       "moment before its first epoch while TensorFlow or JAX traces the training step (as in "
       "the timing section); later presses with the same number of units reuse it (with "
       "TensorFlow, the default, even at a new batch size)")
def presses_repeat_and_reuse_the_traced_step():
    names = ns()
    data = (names["X_train"][:300], names["y_train"][:300], names["X_val"], names["y_val"])
    trainer = keras_train.keras_trainer(*data, epochs=2)
    renders = trainer.live.renders
    first = trainer.train()
    assert trainer.live.renders >= renders + 1 + 2  # cleared, then one redraw per epoch
    assert trainer.train() == first
    traces = []
    step = trainer.model.train_step
    trainer.model.train_step = lambda batch: traces.append(1) or step(batch)  # runs if traced
    trainer.controls["lr"].value = 0.1
    trainer.controls["batch_size"].value = 8
    again = trainer.train()
    from nncourse.keras_env import backend_name

    if backend_name() == "tensorflow":  # its batches have an unknown size: no new trace
        assert traces == [], "a later press traced the training step again"
    # ...and gives what a fresh model gives with those settings
    assert again == keras_train.keras_trainer(*data, epochs=2, lr=0.1, batch_size=8).train()
    model = trainer.model
    trainer.controls["hidden_units"].value = 4
    trainer.train()
    assert trainer.model is not model and trainer.model.layers[0].units == 4


@claim(LESSON, "widget-intro", "it compiles its model with `steps_per_execution=32`. `fit` is "
       "a Python loop that normally calls the traced training step once per mini-batch, "
       "fetching the batch and updating the metrics each time; with 32, one call runs 32 steps "
       "inside the traced function, so that Python work is paid once per 32 steps. The updates "
       "are the same, in the same order, and the curves still redraw after every epoch (under "
       "PyTorch it keeps 1, the only value Keras allows there)")
def trainer_runs_32_steps_per_call():
    from nncourse.keras_env import backend_name

    names = ns()
    data = (names["X_train"][:600], names["y_train"][:600], names["X_val"], names["y_val"])
    trainer = keras_train.keras_trainer(*data, epochs=2)
    renders = trainer.live.renders
    fast = trainer.train()
    assert trainer.live.renders >= renders + 1 + 2  # cleared, then one redraw per epoch
    expected = 1 if backend_name() == "torch" else 32
    assert trainer.model.steps_per_execution == expected
    original = keras_train.steps_per_execution
    keras_train.steps_per_execution = lambda: 1
    try:
        one = keras_train.keras_trainer(*data, epochs=2)
        slow = one.train()
    finally:
        keras_train.steps_per_execution = original
    assert one.model.steps_per_execution == 1
    assert int(one.model.optimizer.iterations) == int(trainer.model.optimizer.iterations)
    for name, values in fast.items():  # the same updates: the same curves
        np.testing.assert_allclose(slow[name], values, rtol=1e-6, err_msg=name)


def trainer_state(**settings) -> dict:
    """The trainer's own readout state after a press with its defaults except ``settings``."""
    history, _ = trainer_run(**settings)
    return keras_train.history_state(history, default("epochs"))


def rises(curve) -> int:
    """How many epochs the curve went up from the epoch before."""
    return int(np.sum(np.diff(curve) > 0))


@functools.cache
def lr_slider_values() -> dict[str, float]:
    """Every value the trainer's lr slider can take, keyed by the readout it shows."""
    names = ns()
    slider = keras_train.keras_trainer(names["X_train"], names["y_train"], names["X_val"],
                                       names["y_val"]).controls["lr"]
    steps = round((slider.max - slider.min) / slider.step)
    values = [slider.base ** (slider.min + k * slider.step) for k in range(steps + 1)]
    return {format(value, slider.readout_format): value for value in values}


def slider_lr(shown: str) -> float:
    """The exact lr the slider trains with when its readout shows ``shown``."""
    values = lr_slider_values()
    assert shown in values, f"the lr slider cannot show {shown}; it shows {sorted(values)}"
    return values[shown]


@claim(LESSON, "widget-intro", "a learning rate of 0.0001, then 0.32 (the slider shows 0.3162)")
def named_learning_rates_are_on_the_slider():
    assert abs(slider_lr("0.3162") - 0.32) < 0.005  # "0.32" rounds what the slider shows
    assert abs(slider_lr("0.0001") - 1e-4) < 1e-12
    assert abs(slider_lr(format(default("lr"), ".4f")) - 0.01) < 1e-12  # the default, 0.01


@claim(LESSON, "widget-intro", "at 0.0001 the loss falls too slowly")
def learning_rate_too_small():
    slow, good = trainer_state(lr=slider_lr("0.0001")), trainer_state()
    assert slow["done"] == default("epochs") and rises(slow["loss"]) == 0  # it does fall...
    # ...too slowly: after all the epochs it is still far above what the default lr reaches
    assert slow["val_loss"][-1] > 2 * np.min(good["val_loss"])
    assert slow["loss"][-1] > 0.5 and slow["val_accuracy"][-1] < 0.8


@claim(LESSON, "widget-intro", "at 0.32 it jumps up and down from epoch to epoch instead of "
       "falling steadily, though it still ends with about the same validation accuracy as 0.01")
def learning_rate_too_large():
    wild, good = trainer_state(lr=slider_lr("0.3162")), trainer_state()
    assert default("lr") == 0.01 and wild["done"] == good["done"] == default("epochs")
    assert rises(good["loss"]) == 0  # the default lr's loss falls every epoch
    assert rises(wild["loss"]) >= 5  # 0.3162's goes up again in several epochs (8 of 19)
    # it does not diverge: it ends below where it started and near the default run
    assert wild["loss"][-1] < wild["loss"][0]
    assert abs(wild["val_accuracy"][-1] - good["val_accuracy"][-1]) <= 0.01  # 0.924 vs 0.932
    assert wild["val_loss"][-1] < good["val_loss"][-1] + 0.1  # 0.205 vs 0.160


@claim(LESSON, "widget-intro", "batch size 8 vs 256 at the same number of epochs: more updates "
       "per epoch vs fewer")
def batch_size_sets_updates_per_epoch():
    names = ns()
    n = len(names["y_train"])
    for batch in (8, 256):
        trainer = keras_train.keras_trainer(names["X_train"], names["y_train"],
                                            names["X_val"], names["y_val"], epochs=2,
                                            batch_size=batch)
        trainer.train()
        assert int(trainer.model.optimizer.iterations) == 2 * -(-n // batch)


@claim(LESSON, "widget-intro", "100 epochs: where does the validation loss stop falling while "
       "the training loss goes on?")
def validation_loss_stops_falling_first():
    history, _ = trainer_run(epochs=100)
    val, train = np.array(history["val_loss"]), np.array(history["loss"])
    best = int(np.argmin(val))
    assert best < 50  # the validation loss bottoms out early...
    assert train[-1] < train[best] - 0.02  # ...while the training loss goes on falling
    assert val[-1] > val[best]


@claim(LESSON, "halves-note", "The difference is below $10^{-5}$")
def numpy_and_keras_agree():
    names = ns()
    assert np.max(np.abs(names["numpy_p"] - names["keras_p"])) < 1e-5


@claim(LESSON, "summary", "differences smaller than the seed-to-seed spread mean nothing")
def spread_is_measured():
    names = ns()
    assert names["seed_spread"] > 0


# --- devices, placement -------------------------------------------------------------------

CPU_ENTRY = "PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')"


def tensorflow_backend() -> bool:
    from nncourse.keras_env import backend_name

    return backend_name() == "tensorflow"


@claim(LESSON, "devices-note", "the first list holds a single entry, "
       "`PhysicalDevice(name='/physical_device:CPU:0', device_type='CPU')`, and the list of "
       "GPUs is empty, `[]`")
def devices_read_like_this_without_a_gpu():
    from nncourse.devices import has_gpu

    assert ns()["backend"] == "tensorflow" or not tensorflow_backend()
    if not tensorflow_backend():
        return
    import tensorflow as tf

    assert repr(tf.config.list_physical_devices("CPU")) == f"[{CPU_ENTRY}]"
    if not has_gpu():
        assert repr(tf.config.list_physical_devices()) == f"[{CPU_ENTRY}]"
        assert tf.config.list_physical_devices("GPU") == []


@claim(LESSON, "devices-note", "The CPU is one device however many cores it has")
def one_cpu_device():
    import os

    from nncourse.devices import list_devices

    assert len([d for d in list_devices() if d.kind == "CPU"]) == 1
    assert (os.cpu_count() or 1) >= 1


@claim(LESSON, "placement-note", "The product was computed on the CPU and lives in its memory: "
       "under TensorFlow its `.device` ends in `device:CPU:0`.")
def product_lives_on_the_cpu():
    names = ns()
    assert "cpu" in names["where"].lower()
    if tensorflow_backend():
        assert names["where"].endswith("device:CPU:0")
    copy = np.asarray(names["product"])
    assert isinstance(copy, np.ndarray) and copy.shape == (512, 512)


@claim(LESSON, "params-note", "`model.layers` lists the layers that follow the `keras.Input`; "
       "`layer.get_weights()` returns a layer's arrays as numpy, `[kernel, bias]`, and "
       "`layer.set_weights([W, b])` replaces them with arrays of the same shapes.")
def layers_and_their_weights():
    from nncourse.keras_env import keras

    names = ns_evaluated()
    model = names["model"]
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dense"]
    W1, b1 = model.layers[0].get_weights()
    assert isinstance(W1, np.ndarray) and W1.shape == (14, 16) and b1.shape == (16,)
    assert names["W1"].shape == (14, 16) and names["b1"].shape == (16,)
    np.testing.assert_array_equal(W1, model.layers[0].kernel.numpy())
    twin = keras.models.clone_model(model)
    twin.layers[0].set_weights([W1 + 1, b1 - 1])
    np.testing.assert_allclose(twin.layers[0].get_weights()[0], W1 + 1)
    np.testing.assert_allclose(twin.layers[0].get_weights()[1], b1 - 1)


# --- when a GPU pays ----------------------------------------------------------------------

@claim(LESSON, "big-intro", "Our network has 257 weights: about 1500 FLOP per sample")
def small_network_flop():
    timed = ns()["timed"]
    assert timed.count_params() == 257
    assert abs(6 * timed.count_params() - 1500) < 100


@claim(LESSON, "big-intro", "a **big** network with two hidden layers of 1024 units trains on "
       "2048 messages in batches of 1024")
def big_network_settings():
    big = ns()["big"]
    assert [layer.units for layer in big.layers] == [1024, 1024, 1]
    assert int(big.optimizer.iterations) == 3 * 2048 // 1024  # 3 epochs of 2 steps
    assert len(ns()["big_timer"].seconds) == 3


@claim(LESSON, "timing-note", "the big network does over 4000 times more arithmetic per sample, "
       "yet a sample costs it less than 20 times as much time.")
def big_costs_far_less_than_its_arithmetic():
    speed = ns()["speed"]
    assert speed["big"]["weights"] / speed["small"]["weights"] > 4000
    if not on_a_cpu():
        return
    assert speed["big"]["weights"] / speed["small"]["weights"] > 4000
    assert speed["big"]["per_sample"] / speed["small"]["per_sample"] < 20


@claim(LESSON, "timing-note", "the small network keeps the CPU's arithmetic more than 100 times "
       "less busy than the big one")
def small_network_barely_uses_the_cpu():
    speed = ns()["speed"]
    if not on_a_cpu():
        return
    assert speed["big"]["gflops"] / speed["small"]["gflops"] > 100


@claim(LESSON, "timing-note", "most of its time is overhead (47 steps per epoch), not arithmetic")
def small_network_steps_per_epoch():
    names = ns()
    assert -(-len(names["X_train"]) // 64) == 47
    assert int(names["timed"].optimizer.iterations) == 4 * 47


@claim(LESSON, "timing-note", "a step's overhead is shared by the samples of the batch, 1024 for "
       "the big network and 64 for the small one")
def the_rows_differ_in_batch_too():
    names = ns()
    big_steps, small_steps = int(names["big"].optimizer.iterations), int(
        names["timed"].optimizer.iterations)
    assert big_steps == 3 * 2048 // 1024 and small_steps == 4 * -(-len(names["X_train"]) // 64)
    assert 1024 // 64 == 16


@claim(LESSON, "timing-note", "even if batch 1024 cut the small network's time per sample by the "
       "full factor of 16, the big one would cost under 320 times as much per sample, for over "
       "4000 times the arithmetic")
def batch_cannot_explain_the_gap():
    speed = ns()["speed"]
    assert speed["big"]["weights"] / speed["small"]["weights"] > 4000
    if not on_a_cpu():
        return
    ratio = speed["big"]["per_sample"] / speed["small"]["per_sample"]
    assert ratio * 1024 / 64 < 320


def on_a_cpu() -> bool:
    """Whether the lesson's timing cells trained on a CPU (the timing-note's sentences say
    what a CPU shows; the cell prints where it trained)."""
    from nncourse.devices import has_gpu

    trained_on = ns()["trained_on"]
    assert trained_on == ("GPU" if has_gpu() else "CPU")
    return trained_on == "CPU"


@claim(LESSON, "timing-note", "On a CPU, like the machine this course is tested on (the cell "
       "printed where it trained)")
def timing_names_its_device():
    from nncourse.devices import has_gpu

    assert on_a_cpu() == (not has_gpu())


@claim(LESSON, "devices-note", "numbers stored in 4 bytes (32 bits), with about 7 significant "
       "digits")
def float32_digits():
    assert np.dtype(np.float32).itemsize == 4
    assert round((np.finfo(np.float32).nmant + 1) * np.log10(2)) == 7
    assert ns()["X_train"].dtype == np.float32


@claim(LESSON, "halves-note", "**float64**, 8-byte numbers with about 16 significant digits")
def numpy_side_is_float64():
    assert np.dtype(np.float64).itemsize == 8
    assert round((np.finfo(np.float64).nmant + 1) * np.log10(2)) == 16
    assert ns()["numpy_p"].dtype == np.float64


@claim(LESSON, "evaluate-intro", "`evaluate` returns the loss and metrics on whatever data "
       "you give it, here the test set, which the model was not trained on")
def evaluate_on_the_test_set():
    names = ns_evaluated()
    assert sorted(names["scores"]) == ["accuracy", "loss"]
    again = names["model"].evaluate(names["X_test"], names["y_test"], verbose=0, return_dict=True)
    assert abs(again["loss"] - names["scores"]["loss"]) < 1e-6
    assert not set(map(tuple, names["X_test"])) & set(map(tuple, names["X_train"]))


@claim(LESSON, "timing-note", "The course repository's `benchmarks/gpu_speed.py` times both "
       "networks on every device it finds")
def benchmark_times_the_lessons_networks():
    import importlib.util

    path = ROOT / "benchmarks" / "gpu_speed.py"
    spec = importlib.util.spec_from_file_location("gpu_speed", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    big = ns()["big"]
    assert module.NETWORKS["small"] == {"hidden": (16,), "batch_size": 64}
    assert module.NETWORKS["big"] == {
        "hidden": tuple(layer.units for layer in big.layers[:-1]), "batch_size": 1024}
    from nncourse.devices import list_devices

    assert [d.kind for d in module.devices_to_time(list_devices())][0] == "CPU"


@claim(LESSON, "self-check-big-model", 'self_check("07.big-model")')
def big_model_self_check():
    from nncourse.selfcheck import question

    speed = ns()["speed"]
    if not on_a_cpu():
        return
    ratio = speed["big"]["per_sample"] / speed["small"]["per_sample"]
    q = question("07.big-model")
    assert speed["big"]["weights"] / speed["small"]["weights"] > 4000
    assert q.answer == (0 if ratio >= 1000 else 1 if ratio >= 20 else 2)


# --- mixed precision ----------------------------------------------------------------------

@claim(LESSON, "mixed-intro", "its largest value is 65504, its smallest positive value is about "
       "$6 \\cdot 10^{-8}$, and a number less than half that in size becomes 0")
def float16_range():
    tiny = float(np.finfo(np.float16).smallest_subnormal)
    assert float(np.finfo(np.float16).max) == 65504
    assert abs(tiny - 6e-8) < 0.1e-8
    assert np.float16(0.49 * tiny) == 0 and np.float16(0.51 * tiny) == np.float16(tiny)


@claim(LESSON, "float16-note", "In float16, $1 + e^{-8}$ rounds to exactly 1, so the computed "
       "sigmoid $1 / (1 + e^{-8})$ is exactly 1 (the true value, 0.999665, would round to "
       "0.99951), and the cross-entropy of a ham message with that score is infinite, where "
       "float32 gives 8.0")
def float16_sigmoid_rounds_to_one():
    z = ns()["z"]
    assert z == 8.0
    assert np.float16(1 + np.exp(-np.float16(z))) == 1.0
    true = 1 / (1 + np.exp(-z))
    assert round(true, 6) == 0.999665 and round(float(np.float16(true)), 5) == 0.99951
    with np.errstate(divide="ignore"):
        p16 = 1 / (1 + np.exp(-np.float16(z)))
        p32 = 1 / (1 + np.exp(-np.float32(z)))
        assert p16.dtype == np.float16 and p16 == 1.0 and np.isinf(-np.log(1 - p16))
    assert p32 < 1 and round(float(-np.log(1 - p32)), 1) == 8.0


@claim(LESSON, "float16-note", "overflows to `inf` between 11 and 12")
def float16_exp_overflows():
    with np.errstate(over="ignore"):
        assert np.isfinite(np.exp(np.float16(11.0))) and np.isinf(np.exp(np.float16(12.0)))


@claim(LESSON, "loss-scaling-note", "A gradient as small as $10^{-8}$ becomes 0 in float16")
def small_gradient_underflows():
    assert ns()["gradient"] == 1e-8 and np.float16(ns()["gradient"]) == 0


@claim(LESSON, "loss-scaling-note", "so every gradient comes out $s$ times larger (the chain "
       "rule is linear in the loss) and survives float16, and divides the gradients by $s$, in "
       "float32, before the update")
def scaled_gradient_survives():
    from nncourse.keras_env import keras

    names = ns()
    assert names["scale"] == 2.0**15 and names["scaled"] != 0
    back = float(np.float32(names["scaled"]) / np.float32(names["scale"]))
    assert abs(back - names["gradient"]) / names["gradient"] < 0.01
    # the gradient of s * loss is s times the gradient of the loss
    w = keras.Variable(np.array([0.3, -0.2], "float32"))
    x = np.array([1.5, 2.0], "float32")
    grads = [_gradient(lambda v, k=k: k * keras.ops.sum(keras.ops.square(v * x)), w)
             for k in (1.0, 1024.0)]
    np.testing.assert_allclose(grads[1], 1024 * grads[0], rtol=1e-6)


def _gradient(f, variable) -> np.ndarray:
    """d f(variable) / d variable under the Keras backend in use (TensorFlow or torch)."""
    from nncourse.keras_env import backend_name, keras

    if backend_name() == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            value = f(variable)
        return tape.gradient(value, variable.value).numpy()
    if backend_name() == "torch":
        import torch

        value = f(variable)
        (grad,) = torch.autograd.grad(value, variable.value)
        return grad.numpy()
    import jax

    return np.asarray(jax.grad(lambda v: f(v))(keras.ops.convert_to_tensor(variable)))


@claim(LESSON, "self-check-float16-gradient", 'self_check("07.float16-gradient")')
def float16_gradient_self_check():
    from nncourse.selfcheck import question

    assert np.float16(ns()["gradient"]) == 0
    assert question("07.float16-gradient").answer == 2


@claim(LESSON, "mixed-policy-intro", "`compile` under this policy wraps the optimizer in a "
       "`keras.optimizers.LossScaleOptimizer` by itself")
def compile_wraps_the_optimizer():
    from nncourse.keras_env import keras

    mixed = ns()["mixed"]
    assert isinstance(mixed.optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(mixed.optimizer.inner_optimizer, keras.optimizers.Adam)


@claim(LESSON, "mixed-note", "The hidden layer keeps float32 weights and computes in float16; "
       "the output layer computes in float32, so the predictions are float32.")
def mixed_layers_dtypes():
    names = ns()
    hidden, output = names["mixed"].layers
    assert hidden.dtype_policy.name == "mixed_float16"
    assert hidden.kernel.dtype == "float32" and hidden.compute_dtype == "float16"
    assert names["hidden_out"].dtype == np.float16
    assert output.compute_dtype == "float32" and names["mixed_p"].dtype == np.float32


@claim(LESSON, "mixed-note", "Adam now sits inside a `LossScaleOptimizer` whose scale starts at "
       "$2^{15} = 32768$: when a scaled gradient overflows to `inf`, it skips that update and "
       "halves the scale, and after 2000 steps without overflow it doubles it")
def loss_scale_optimizer_behaviour():
    from nncourse.keras_env import keras

    optimizer = ns()["mixed"].optimizer
    assert float(optimizer.initial_scale) == 2**15 == 32768
    assert optimizer.dynamic_growth_steps == 2000
    # the same optimizer, on a variable of its own: an inf gradient skips and halves
    scaler = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1),
                                                 dynamic_growth_steps=2)
    v = keras.Variable(np.array([1.0], "float32"))
    scaler.build([v])
    scaler.apply([np.array([np.inf], "float32")], [v])
    assert float(v.numpy()[0]) == 1.0 and float(scaler.dynamic_scale) == 2**14
    for _ in range(2):  # finite (scaled) gradients: applied after division by the scale
        scaler.apply([np.array([float(scaler.dynamic_scale)], "float32")], [v])
    assert abs(float(v.numpy()[0]) - 0.8) < 1e-6 and float(scaler.dynamic_scale) == 2**15


@claim(LESSON, "mixed-note", "After the `finally:` the global policy is `float32` again.")
def policy_is_restored():
    from nncourse.keras_env import keras

    ns()  # the whole lesson, the mixed cell included
    assert keras.mixed_precision.global_policy().name == "float32"
    assert ns()["seed_spread"] >= 0  # later cells ran in float32
    assert ns()["keras_twin"].layers[0].compute_dtype == "float32"


# --- the trainer's hidden-units control -----------------------------------------------------

@claim(LESSON, "widget-intro", "1 hidden unit, then 256 (the default is 16): one unit is too "
       "few, its training loss ends more than twice the default's and its validation accuracy "
       "more than 0.03 below; 256 units fit the training set a little better than 16 but do "
       "no better on the validation set")
def hidden_units_control():
    assert default("hidden_units") == 16
    assert {1, 16, 256} <= set(keras_train.HIDDEN_UNITS)
    one, good, wide = (trainer_state(hidden_units=1), trainer_state(),
                       trainer_state(hidden_units=256))
    assert one["loss"][-1] > 2 * good["loss"][-1]
    assert one["val_accuracy"][-1] < good["val_accuracy"][-1] - 0.03
    assert wide["loss"][-1] < good["loss"][-1]
    assert wide["val_accuracy"][-1] <= good["val_accuracy"][-1]
    assert wide["val_loss"][-1] >= good["val_loss"][-1]


@claim(LESSON, "mixed-note", "`benchmarks/gpu_speed.py` times the big network in both "
       "precisions on every device it finds")
def benchmark_times_both_precisions():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gpu_speed",
                                                  ROOT / "benchmarks" / "gpu_speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.PRECISIONS == ("float32", "mixed_float16")
    assert "big" in module.NETWORKS
