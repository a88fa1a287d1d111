"""Where Keras trains, for lesson 07: devices, timing an epoch, mixed precision on a GPU.

Works under every Keras 3 backend. Devices are asked of the backend in use
(TensorFlow, PyTorch or JAX), so ``KERAS_BACKEND=torch`` needs no TensorFlow:

>>> print_devices()              # doctest: +SKIP
Keras backend: tensorflow
  CPU  /physical_device:CPU:0
Keras trains on the CPU (no GPU found).

Mixed precision (``mixed_float16``: compute in float16, keep the weights in float32) pays
off on a GPU's tensor cores and is no reliable gain on a CPU, so :func:`precision_for_device`
turns it on only where a GPU is present; :func:`dtype_policy` sets a policy for one block.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from nncourse.keras_env import backend_name, keras

MIXED = "mixed_float16"
FULL = "float32"


@dataclass(frozen=True)
class Device:
    """One device a backend can compute on: ``kind`` is "CPU" or "GPU"."""

    kind: str
    name: str


def _tensorflow_devices() -> list[Device]:
    import tensorflow as tf

    found = []
    for device in tf.config.list_physical_devices():
        name = device.name
        if device.device_type == "GPU":
            try:
                details = tf.config.experimental.get_device_details(device)
                name = f"{device.name} ({details.get('device_name', 'unnamed GPU')})"
            except (RuntimeError, ValueError):
                pass
        found.append(Device("GPU" if device.device_type == "GPU" else device.device_type, name))
    return found


def _torch_devices() -> list[Device]:
    import torch

    found = [Device("CPU", "cpu")]
    if torch.cuda.is_available():
        found += [Device("GPU", f"cuda:{i} ({torch.cuda.get_device_name(i)})")
                  for i in range(torch.cuda.device_count())]
    return found


def _jax_devices() -> list[Device]:
    import jax

    found = [Device("CPU", str(d)) for d in jax.devices("cpu")]
    try:
        found += [Device("GPU", f"{d} ({d.device_kind})") for d in jax.devices("gpu")]
    except RuntimeError:  # no GPU platform
        pass
    return found


_LISTERS = {"tensorflow": _tensorflow_devices, "torch": _torch_devices, "jax": _jax_devices}


def list_devices(backend: str | None = None) -> list[Device]:
    """The CPUs and GPUs the Keras backend sees (the CPU is always there)."""
    backend = backend or backend_name()
    if backend not in _LISTERS:
        raise ValueError(f"backend should be one of {sorted(_LISTERS)}, got {backend!r}")
    return _LISTERS[backend]()


def gpus(devices: Sequence[Device] | None = None) -> list[Device]:
    """The GPUs among ``devices`` (default: :func:`list_devices`)."""
    devices = list_devices() if devices is None else devices
    for device in devices:
        if not isinstance(device, Device):
            raise TypeError(f"devices should be Device objects, got {type(device).__name__}")
    return [device for device in devices if device.kind == "GPU"]


def has_gpu(devices: Sequence[Device] | None = None) -> bool:
    """Whether the backend sees at least one GPU."""
    return bool(gpus(devices))


def describe_devices(devices: Sequence[Device] | None = None, backend: str | None = None) -> str:
    """A few lines: the backend, each device, and where Keras will train."""
    backend = backend or backend_name()
    devices = list_devices(backend) if devices is None else list(devices)
    lines = [f"Keras backend: {backend}"]
    lines += [f"  {device.kind:<4} {device.name}" for device in devices]
    found = gpus(devices)
    if found:
        lines.append(f"Keras trains on the GPU: {found[0].name}.")
    else:
        lines.append("Keras trains on the CPU (no GPU found).")
    return "\n".join(lines)


def print_devices() -> None:
    """Print :func:`describe_devices`."""
    print(describe_devices())


def choose_precision(gpu: bool) -> str:
    """``"mixed_float16"`` where there is a GPU, else ``"float32"``."""
    if not isinstance(gpu, (bool, np.bool_)):
        raise TypeError(f"gpu should be True or False, got {type(gpu).__name__}")
    return MIXED if gpu else FULL


def current_precision() -> str:
    """The name of Keras' global dtype policy, e.g. ``"float32"``."""
    return keras.mixed_precision.global_policy().name


def set_precision_for_device(gpu: bool | None = None) -> str:
    """Set Keras' global policy by :func:`choose_precision` (default: look for a GPU).

    Affects models built afterwards. Returns the policy's name.
    """
    policy = choose_precision(has_gpu() if gpu is None else gpu)
    keras.mixed_precision.set_global_policy(policy)
    return policy


@contextmanager
def precision_for_device(gpu: bool | None = None) -> Iterator[str]:
    """Within the block, mixed precision only where a GPU is present; restored after."""
    before = current_precision()
    try:
        yield set_precision_for_device(gpu)
    finally:
        keras.mixed_precision.set_global_policy(before)


@contextmanager
def dtype_policy(name: str) -> Iterator[str]:
    """Within the block, Keras' global dtype policy is ``name`` (e.g. ``"mixed_float16"``);
    the policy before the block is restored after it, even when the block fails."""
    if name not in (MIXED, FULL, "mixed_bfloat16", "float16", "bfloat16", "float64"):
        raise ValueError(f"name should be a Keras dtype policy such as {MIXED!r} or {FULL!r}, "
                         f"got {name!r}")
    before = current_precision()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield name
    finally:
        keras.mixed_precision.set_global_policy(before)


def keras_device_name(device: Device, index: int = 0) -> str:
    """The name ``keras.device(...)`` takes for ``device``: ``"cpu:0"`` or ``"gpu:0"``."""
    if not isinstance(device, Device):
        raise TypeError(f"device should be a Device, got {type(device).__name__}")
    if device.kind not in ("CPU", "GPU"):
        raise ValueError(f"only CPUs and GPUs can be named, got a {device.kind}")
    return f"{device.kind.lower()}:{index}"


def training_flop_per_sample(model: Any) -> int:
    """About how many floating-point operations one training step costs per sample.

    A Dense layer does one multiply and one add per weight and sample in the forward
    pass; the backward pass costs about twice the forward one: ``6 * weights``.
    """
    if not hasattr(model, "count_params"):
        raise TypeError(f"model should be a Keras model, got {type(model).__name__}")
    return 6 * int(model.count_params())


def full_float32_matmul(backend: str | None = None) -> None:
    """Multiply float32 matrices in full float32 on a GPU too.

    On recent NVIDIA GPUs, TensorFlow (and JAX) multiply float32 matrices in TF32 by
    default: faster, but only about 3 significant digits. Comparing Keras with numpy to
    1e-5 needs full float32. No effect on a CPU.
    """
    backend = backend or backend_name()
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_tensor_float_32_execution(False)
    elif backend == "torch":
        import torch

        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    elif backend == "jax":
        import jax

        jax.config.update("jax_default_matmul_precision", "highest")
    else:
        raise ValueError(f"backend should be one of {sorted(_LISTERS)}, got {backend!r}")


class EpochTimer(keras.callbacks.Callback):
    """A callback that records the wall-clock seconds of each training epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)


def time_epochs(model: Any, X: np.ndarray, y: np.ndarray, epochs: int = 5,
                batch_size: int = 64) -> list[float]:
    """Train a compiled model for ``epochs`` epochs (quietly); the seconds of each epoch."""
    if not hasattr(model, "fit") or getattr(model, "optimizer", None) is None:
        raise TypeError("model should be a compiled Keras model (call model.compile first)")
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
        raise ValueError(f"epochs should be an integer >= 1, got {epochs!r}")
    if len(X) != len(y):
        raise ValueError(f"X and y should have as many rows, got {len(X)} and {len(y)}")
    timer = EpochTimer()
    model.fit(X, y, epochs=int(epochs), batch_size=batch_size, callbacks=[timer], verbose=0)
    return timer.seconds


def typical_epoch_seconds(seconds: Sequence[float]) -> float:
    """The median epoch time after the first (which also builds the training function)."""
    seconds = [float(s) for s in seconds]
    if len(seconds) < 2:
        raise ValueError(f"need at least 2 epoch times (the first is dropped), got {len(seconds)}")
    return statistics.median(seconds[1:])
