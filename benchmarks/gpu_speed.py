"""Time a training step of lesson 07's small and big networks on every device Keras can use.

    .venv/bin/python benchmarks/gpu_speed.py [--epochs 3]
    KERAS_BACKEND=torch .venv/bin/python benchmarks/gpu_speed.py

The networks are lesson 07's: 14 spam features -> Dense(16, relu) -> Dense(1, sigmoid) in
batches of 64 (small), and 14 -> Dense(1024, relu) -> Dense(1024, relu) -> Dense(1,
sigmoid) in batches of 1024 (big), Adam, binary cross-entropy. Each is timed on the CPU
(always) and on the first GPU (when the backend sees one), in float32 and in mixed precision
(``mixed_float16``, output layer float32, loss scaling), inside ``keras.device(...)``. The
first epoch also traces the training step, so a step's time is the median of the later
epochs divided by the steps per epoch. Prints the machine, the devices and a markdown table
for the README: milliseconds per step, microseconds per sample and GFLOP/s actually done
(6 FLOP per weight and sample). A machine without a GPU gets a row saying so.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from nncourse.data import load  # noqa: E402
from nncourse.devices import (  # noqa: E402
    FULL,
    MIXED,
    Device,
    describe_devices,
    dtype_policy,
    keras_device_name,
    list_devices,
    time_epochs,
    training_flop_per_sample,
)
from nncourse.keras_env import backend_name, keras  # noqa: E402
from nncourse.machine import describe_machine  # noqa: E402

# lesson 07's two networks: hidden layer widths and batch size
NETWORKS = {
    "small": {"hidden": (16,), "batch_size": 64},
    "big": {"hidden": (1024, 1024), "batch_size": 1024},
}
STEPS = {"small": 40, "big": 4}  # training steps per epoch
PRECISIONS = (FULL, MIXED)


def devices_to_time(devices: list[Device]) -> list[Device]:
    """The first CPU, then the first GPU if there is one."""
    cpus = [d for d in devices if d.kind == "CPU"]
    found = cpus[:1] + [d for d in devices if d.kind == "GPU"][:1]
    if not found or found[0].kind != "CPU":
        raise RuntimeError(f"the backend lists no CPU: {devices}")
    return found


def network(n_features: int, hidden: tuple[int, ...]) -> keras.Model:
    """A compiled MLP under the current dtype policy; the output layer stays float32."""
    model = keras.Sequential(
        [keras.Input(shape=(n_features,))]
        + [keras.layers.Dense(units, activation="relu") for units in hidden]
        + [keras.layers.Dense(1, activation="sigmoid", dtype="float32")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
                  loss="binary_crossentropy")
    return model


def lesson_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of lesson 07's standardized spam table (repeated when n > 4000)."""
    spam = load("spam")
    rows = np.resize(np.random.default_rng(seed).permutation(len(spam.y)), n)
    X = (spam.X - spam.X.mean(axis=0)) / spam.X.std(axis=0)
    return X[rows].astype("float32"), spam.y[rows]


def time_step(name: str, device: Device, precision: str, epochs: int) -> dict:
    """One row of the table: the network ``name`` trained on ``device`` in ``precision``."""
    spec, steps = NETWORKS[name], STEPS[name]
    X, y = lesson_data(spec["batch_size"] * steps)
    keras.utils.set_random_seed(0)
    with dtype_policy(precision), keras.device(keras_device_name(device)):
        model = network(X.shape[1], spec["hidden"])
        seconds = time_epochs(model, X, y, epochs=epochs, batch_size=spec["batch_size"])
    step = statistics.median(seconds[1:]) / steps
    per_sample = step / spec["batch_size"]
    return {"device": device.kind, "network": name, "weights": model.count_params(),
            "batch": spec["batch_size"], "precision": precision, "ms_per_step": 1e3 * step,
            "us_per_sample": 1e6 * per_sample,
            "gflops": training_flop_per_sample(model) / per_sample / 1e9}


def table(rows: list[dict], gpu_found: bool) -> str:
    """The rows as a markdown table, with a row saying so when no GPU was found."""
    lines = ["| device | network | weights | batch | precision | ms per step | "
             "µs per sample | GFLOP/s |",
             "|---|---|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['device']} | {r['network']} | {r['weights']:,} | {r['batch']} | "
                     f"{r['precision']} | {r['ms_per_step']:.2f} | {r['us_per_sample']:.1f} | "
                     f"{r['gflops']:.2f} |")
    if not gpu_found:
        lines.append("| GPU | small, big | | | | not measured: no GPU found on this "
                     "machine | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs per timing (>= 2)")
    parser.add_argument("--networks", default="small,big", help="comma-separated: small,big")
    parser.add_argument("--precisions", default=",".join(PRECISIONS),
                        help=f"comma-separated: {','.join(PRECISIONS)}")
    args = parser.parse_args(argv)
    if args.epochs < 2:
        parser.error("--epochs should be at least 2: the first epoch is not counted")
    names = [n for n in args.networks.split(",") if n]
    precisions = [p for p in args.precisions.split(",") if p]
    if not names or set(names) - set(NETWORKS):
        parser.error(f"--networks should name some of {sorted(NETWORKS)}, got {args.networks!r}")
    if not precisions or set(precisions) - set(PRECISIONS):
        parser.error(f"--precisions should name some of {PRECISIONS}, got {args.precisions!r}")
    for key, value in describe_machine().items():
        print(f"{key:>10}: {value}")
    devices = list_devices()
    print(describe_devices(devices))
    print(f"backend: {backend_name()}; {args.epochs} epochs per timing, the first not counted")
    chosen = devices_to_time(devices)
    rows = [time_step(name, device, precision, args.epochs)
            for device in chosen for name in names for precision in precisions]
    print()
    print(table(rows, gpu_found=any(d.kind == "GPU" for d in chosen)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
