"""Lesson 07 beyond the notebook gates: the trainer's hidden-units control, the device and
precision helpers, the GPU benchmark and the self-checks."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest
from conftest import ROOT, solution_notebook

from grader.notebooks import read
from nncourse.devices import (
    FULL,
    MIXED,
    Device,
    current_precision,
    dtype_policy,
    keras_device_name,
    list_devices,
    training_flop_per_sample,
)
from nncourse.keras_env import keras
from nncourse.selfcheck import Choice, judge, question, questions
from nncourse.widgets.keras_train import (
    HIDDEN_UNITS,
    build_for,
    default_builder,
    keras_trainer,
    model_text,
    takes_hidden_units,
)


def _tiny_data(n=96, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype("float32")
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def _benchmark():
    spec = importlib.util.spec_from_file_location("gpu_speed", ROOT / "benchmarks" / "gpu_speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the trainer's hidden-units control ---------------------------------------------------

def test_default_builder_takes_the_hidden_units():
    model = default_builder(14)
    assert [layer.units for layer in model.layers] == [16, 1]  # the lesson's network
    model = default_builder(5, 64)
    assert [w.shape for w in model.get_weights()] == [(5, 64), (64,), (64, 1), (1,)]
    assert model.layers[0].activation.__name__ == "relu"
    assert model.layers[-1].activation.__name__ == "sigmoid"
    for bad in (0, -3, 2.5, True, "16"):
        with pytest.raises(ValueError, match="hidden_units should be"):
            default_builder(5, bad)


def test_builders_with_and_without_a_hidden_units_argument():
    def fixed(n_features):
        return default_builder(n_features, 3)

    def flexible(n_features, hidden_units):
        return default_builder(n_features, hidden_units)

    assert takes_hidden_units(default_builder) and takes_hidden_units(flexible)
    assert takes_hidden_units(lambda *args: None)
    assert not takes_hidden_units(fixed)
    assert build_for(flexible, 4, 8).layers[0].units == 8
    assert build_for(fixed, 4, 8).layers[0].units == 3  # its own architecture
    assert model_text(default_builder(14, 4)) == "model: 14 → 4 relu → 1 sigmoid, 65 weights"


def test_the_hidden_units_control_changes_the_model_built_on_train():
    X, y = _tiny_data(120)
    trainer = keras_trainer(X[:80], y[:80], X[80:], y[80:], epochs=2)
    control = trainer.controls["hidden_units"]
    assert control.value == 16 and tuple(control.options) == HIDDEN_UNITS
    assert not control.disabled
    for units in (1, 256):
        control.value = units
        trainer.button.click()  # what pressing Train does
        assert trainer.model.layers[0].units == units
        assert trainer.model.count_params() == 4 * units + units + units + 1
        assert f"4 → {units} relu → 1 sigmoid" in trainer.readout.value
        assert trainer.state["done"] == 2


def test_the_hidden_units_control_is_disabled_for_a_fixed_builder():
    X, y = _tiny_data(60)

    def fixed(n_features):
        return default_builder(n_features, 3)

    trainer = keras_trainer(X[:40], y[:40], X[40:], y[40:], build=fixed, epochs=2)
    assert trainer.controls["hidden_units"].disabled
    trainer.train()
    assert trainer.model.layers[0].units == 3


def test_the_trainer_starts_with_the_hidden_units_it_is_given():
    X, y = _tiny_data(60)
    trainer = keras_trainer(X[:40], y[:40], X[40:], y[40:], hidden_units=4, epochs=2)
    assert trainer.values["hidden_units"] == 4
    trainer.train()
    assert trainer.model.layers[0].units == 4 and "65 weights" not in trainer.readout.value
    assert "4 → 4 relu → 1 sigmoid, 25 weights" in trainer.readout.value


def test_a_later_press_reuses_the_model_and_runs_as_a_fresh_one():
    X, y = _tiny_data(120)
    trainer = keras_trainer(X[:80], y[:80], X[80:], y[80:], epochs=3)
    trainer.train()
    model, train_function = trainer.model, trainer.model.train_function
    trainer.controls["lr"].value = 0.1
    trainer.controls["batch_size"].value = 16
    history = trainer.train()
    assert trainer.model is model and trainer.model.train_function is train_function
    assert int(model.optimizer.iterations) == 3 * 5  # Adam's state starts from zero again
    fresh = keras_trainer(X[:80], y[:80], X[80:], y[80:], epochs=3, lr=0.1, batch_size=16)
    assert fresh.train() == history
    for mine, theirs in zip(model.get_weights(), fresh.model.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_a_learners_builder_gets_a_fresh_model_every_press():
    X, y = _tiny_data(60)
    trainer = keras_trainer(X[:40], y[:40], X[40:], y[40:], epochs=2,
                            build=lambda n, units: default_builder(n, units))
    trainer.train()
    first = trainer.model
    trainer.train()
    assert trainer.model is not first


# --- device and precision helpers ---------------------------------------------------------

def test_dtype_policy_is_set_for_the_block_and_restored():
    before = current_precision()
    with dtype_policy(MIXED) as name:
        assert name == MIXED and current_precision() == MIXED
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
        assert layer.compute_dtype == "float16" and layer.kernel.dtype == "float32"
    assert current_precision() == before
    with pytest.raises(RuntimeError), dtype_policy(MIXED):
        raise RuntimeError("boom")
    assert current_precision() == before == FULL
    with pytest.raises(ValueError, match="dtype policy"):
        with dtype_policy("float8"):
            pass


def test_mixed_precision_compile_wraps_the_optimizer_in_loss_scaling():
    with dtype_policy(MIXED):
        model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4),
                                  keras.layers.Dense(1, activation="sigmoid", dtype="float32")])
        model.compile(optimizer=keras.optimizers.Adam(), loss="binary_crossentropy")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.layers[-1].compute_dtype == "float32"


def test_keras_device_names():
    assert keras_device_name(Device("CPU", "/physical_device:CPU:0")) == "cpu:0"
    assert keras_device_name(Device("GPU", "cuda:1"), index=1) == "gpu:1"
    with pytest.raises(TypeError, match="Device"):
        keras_device_name("GPU:0")
    with pytest.raises(ValueError, match="only CPUs and GPUs"):
        keras_device_name(Device("TPU", "tpu:0"))
    with keras.device(keras_device_name(list_devices()[0])):
        assert keras.ops.convert_to_numpy(keras.ops.ones((2,)) * 2).tolist() == [2, 2]


def test_training_flop_per_sample_is_six_per_weight():
    assert training_flop_per_sample(default_builder(14)) == 6 * 257
    with pytest.raises(TypeError, match="Keras model"):
        training_flop_per_sample([1, 2])


# --- benchmarks/gpu_speed.py ----------------------------------------------------------------

def test_benchmark_times_the_cpu_first_and_one_gpu():
    bench = _benchmark()
    cpu, gpu = Device("CPU", "cpu"), Device("GPU", "cuda:0 (H100)")
    assert bench.devices_to_time([cpu]) == [cpu]
    assert bench.devices_to_time([gpu, cpu, Device("GPU", "cuda:1")]) == [cpu, gpu]
    with pytest.raises(RuntimeError, match="no CPU"):
        bench.devices_to_time([gpu])
    row = {"device": "CPU", "network": "small", "weights": 257, "batch": 64,
           "precision": "float32", "ms_per_step": 5.0, "us_per_sample": 78.1, "gflops": 0.02}
    text = bench.table([row], gpu_found=False)
    assert "| CPU | small | 257 | 64 | float32 | 5.00 | 78.1 | 0.02 |" in text
    assert "not measured: no GPU found" in text
    assert "not measured" not in bench.table([row], gpu_found=True)


def test_benchmark_runs_on_a_cpu_only_machine():
    result = subprocess.run([sys.executable, "benchmarks/gpu_speed.py", "--epochs", "2",
                             "--networks", "small", "--precisions", "float32"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "| device | network | weights |" in result.stdout
    assert "| CPU | small | 257 | 64 | float32 |" in result.stdout
    assert ("not measured: no GPU found" in result.stdout) == ("trains on the GPU"
                                                              not in result.stdout)


def test_benchmark_rejects_bad_arguments(capsys):
    """In-process (a new Python would spend seconds importing TensorFlow first); the program
    itself runs in the test above."""
    with pytest.raises(SystemExit) as exited:
        _benchmark().main(["--networks", "huge"])
    assert exited.value.code == 2 and "--networks should name" in capsys.readouterr().err


# --- the self-checks ------------------------------------------------------------------------

def test_lesson_07_has_two_self_checks_placed_before_their_answers():
    found = questions("07")
    assert set(found) >= {"07.big-model", "07.float16-gradient"}
    ids = [cell.id for cell in read(solution_notebook("07_keras")).cells]
    for key, reveals in (("07.big-model", "big"), ("07.float16-gradient", "underflow")):
        cell_id = f"self-check-{key[3:]}"
        assert ids.index(cell_id) < ids.index(reveals)
        assert isinstance(question(key), Choice)
        right = judge(question(key), question(key).answer)
        wrong = judge(question(key), (question(key).answer + 1) % 3)
        assert right.correct and not wrong.correct
